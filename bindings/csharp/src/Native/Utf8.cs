using System;
using System.Runtime.InteropServices;
using System.Text;

namespace OpenConnectors.Native
{
    // Hand-written UTF-8 marshalling, identical on .NET Framework, .NET and Mono. Each direction
    // converts once: a request is encoded straight into the byte[] that the P/Invoke marshaller
    // pins for the call, and a result is copied out of native memory once, into a buffer the
    // thread keeps, and decoded.
    internal static class Utf8
    {
        // Strict both ways: a lone surrogate in the input, or invalid UTF-8 coming back from the
        // library, is an exception rather than a silently substituted U+FFFD.
        private static readonly UTF8Encoding Strict = new UTF8Encoding(false, true);

        private const long LowBits = 0x0101010101010101L;
        private const long HighBits = unchecked((long)0x8080808080808080UL);

        // Results up to this size are decoded from a buffer kept by each thread; larger ones
        // from an array of their own, so that no thread keeps a large one.
        private const int KeptBufferBytes = 64 * 1024;

        [ThreadStatic]
        private static byte[] kept;

        // s as NUL-terminated UTF-8, for an argument of a native call.
        internal static byte[] Encode(string s, string paramName)
        {
            if (s == null)
            {
                throw new ArgumentNullException(paramName);
            }

            // ASCII without NUL, the usual request, in one pass; anything else below.
            byte[] ascii = new byte[s.Length + 1];
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                if (c == '\0' || c > '\u007f')
                {
                    return EncodeOther(s, paramName);
                }

                ascii[i] = (byte)c;
            }

            return ascii;
        }

        private static byte[] EncodeOther(string s, string paramName)
        {
            // A C string ends at the first NUL, so one inside would silently cut the JSON short.
            // JSON text never holds a raw NUL (inside strings it is written \u0000).
            if (s.IndexOf('\0') >= 0)
            {
                throw new ArgumentException("The JSON text contains a NUL character, which JSON does not allow unescaped.", paramName);
            }

            int count;
            try
            {
                count = Strict.GetByteCount(s);
            }
            catch (EncoderFallbackException)
            {
                // Not passed on as the inner exception: its message quotes the character.
                throw new ArgumentException("The text contains a lone surrogate, which UTF-8 cannot encode.", paramName);
            }

            byte[] bytes = new byte[count + 1];
            Strict.GetBytes(s, 0, s.Length, bytes, 0);
            return bytes;
        }

        // Reads a NUL-terminated UTF-8 string that the caller keeps owning (null for NULL).
        internal static string Read(IntPtr p)
        {
            if (p == IntPtr.Zero)
            {
                return null;
            }

            int length = Length(p);
            if (length == 0)
            {
                return string.Empty;
            }

            byte[] bytes = kept;
            if (bytes == null || bytes.Length < length)
            {
                bytes = new byte[Math.Max(length, 4096)];
                if (bytes.Length <= KeptBufferBytes)
                {
                    kept = bytes;
                }
            }

            Marshal.Copy(p, bytes, 0, length);
            try
            {
                return Strict.GetString(bytes, 0, length);
            }
            finally
            {
                // Results can hold tokens: none stays in the kept buffer after the call.
                Array.Clear(bytes, 0, length);
            }
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

        // strlen, eight bytes at a time once aligned. An aligned 8-byte read never crosses a page
        // boundary, so reading the bytes after the NUL within its own word cannot fault (C
        // libraries' strlen does the same).
        private static int Length(IntPtr p)
        {
            long address = p.ToInt64();
            int n = 0;
            while (((address + n) & 7) != 0)
            {
                if (Marshal.ReadByte(p, n) == 0)
                {
                    return n;
                }

                n++;
            }

            while (true)
            {
                long word = Marshal.ReadInt64(p, n);
                if (((word - LowBits) & ~word & HighBits) != 0)
                {
                    break;
                }

                n += 8;
            }

            while (Marshal.ReadByte(p, n) != 0)
            {
                n++;
            }

            return n;
        }
    }
}
