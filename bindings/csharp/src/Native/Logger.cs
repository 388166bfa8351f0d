using System;
using System.Runtime.InteropServices;

namespace OpenConnectors.Native
{
    // The bridge from oc_set_logger to a managed sink. One static trampoline, turned into a
    // function pointer once; each installed sink travels as a GCHandle in user_data, which also
    // keeps it alive. The library guarantees that once oc_set_logger returns the previous
    // logger is no longer running, so the previous handle is freed right then.
    internal static class Logger
    {
        private static readonly NativeMethods.LogCallback Trampoline = OnRecord;
        private static readonly IntPtr TrampolinePointer = Marshal.GetFunctionPointerForDelegate<NativeMethods.LogCallback>(Trampoline);
        private static readonly object Gate = new object();

        // The installed sink, rooted here for as long as the library may call it.
        private static GCHandle installed;

        // Set while a sink runs on this thread: oc_set_logger from inside it would deadlock.
        [ThreadStatic]
        private static bool inSink;

        internal static void Set(Action<int, string> sink, int maxLevel)
        {
            if (maxLevel < 0)
            {
                throw new ArgumentOutOfRangeException("maxLevel", maxLevel, "The level is 0 (off) to 5 (trace).");
            }

            if (inSink)
            {
                throw new InvalidOperationException("Library.SetLogger cannot be called from inside a log sink.");
            }

            lock (Gate)
            {
                GCHandle next = sink != null && maxLevel > 0 ? GCHandle.Alloc(sink) : default(GCHandle);
                uint status = next.IsAllocated
                    ? NativeMethods.oc_set_logger(TrampolinePointer, GCHandle.ToIntPtr(next), (uint)maxLevel)
                    : NativeMethods.oc_set_logger(IntPtr.Zero, IntPtr.Zero, 0);
                if (status != (uint)OcStatus.Ok)
                {
                    if (next.IsAllocated)
                    {
                        next.Free();
                    }

                    throw Ensure.Failure(status, null);
                }

                if (installed.IsAllocated)
                {
                    installed.Free();
                }

                installed = next;
            }
        }

        // Runs on whichever library thread did the work. An exception must not reach native
        // code (it would end the process), so whatever the sink throws is dropped.
        private static void OnRecord(IntPtr userData, uint level, IntPtr recordJson)
        {
            try
            {
                var sink = (Action<int, string>)GCHandle.FromIntPtr(userData).Target;
                string record = Utf8.Read(recordJson);
                inSink = true;
                try
                {
                    sink((int)level, record);
                }
                finally
                {
                    inSink = false;
                }
            }
            catch (Exception)
            {
                // A log sink's failure must not fail the call being logged.
            }
        }
    }
}
