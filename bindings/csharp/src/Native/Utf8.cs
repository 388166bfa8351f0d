using System;
using System.Runtime.InteropServices;
using System.Text;

namespace OpenConnectors.Native
{
    // Hand-written UTF-8 marshalling, identical on .NET Framework, .NET and Mono.
    internal static class Utf8
    {
        // Strict both ways: a lone surrogate in the input, or invalid UTF-8 coming back from the
        // library, is an exception rather than a silently substituted U+FFFD.
        private static readonly UTF8Encoding Strict = new UTF8Encoding(false, true);

        // A new NUL-terminated UTF-8 copy of s in unmanaged memory; release it with Free.
        internal static IntPtr Alloc(string s, string paramName)
        {
            if (s == null)
            {
                throw new ArgumentNullException(paramName);
            }

            // A C string ends at the first NUL, so one inside would silently cut the JSON short.
            // JSON text never holds a raw NUL (inside strings it is written \u0000).
            if (s.IndexOf('\0') >= 0)
            {
                throw new ArgumentException("The JSON text contains a NUL character, which JSON does not allow unescaped.", paramName);
            }

            byte[] bytes = Strict.GetBytes(s);
            IntPtr p = Marshal.AllocHGlobal(bytes.Length + 1);
            Marshal.Copy(bytes, 0, p, bytes.Length);
            Marshal.WriteByte(p, bytes.Length, 0);
            return p;
        }

        internal static void Free(IntPtr p)
        {
            if (p != IntPtr.Zero)
            {
                Marshal.FreeHGlobal(p);
            }
        }

        // Reads a NUL-terminated UTF-8 string that the caller keeps owning (null for NULL).
        internal static string Read(IntPtr p)
        {
            if (p == IntPtr.Zero)
            {
                return null;
            }

            int length = 0;
            while (Marshal.ReadByte(p, length) != 0)
            {
                length++;
            }

            byte[] bytes = new byte[length];
            Marshal.Copy(p, bytes, 0, length);
            return Strict.GetString(bytes);
        }

        // Reads a string the library handed out and frees it with oc_string_free, whatever happens.
        internal static string TakeOwned(IntPtr p)
        {
            try
            {
                return Read(p);
            }
            finally
            {
                NativeMethods.oc_string_free(p);
            }
        }
    }
}
