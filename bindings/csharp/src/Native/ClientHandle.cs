using System;
using System.Runtime.InteropServices;

namespace OpenConnectors.Native
{
    // Owns one oc_client*. The runtime creates it before oc_client_new runs (out parameter),
    // so the pointer is owned even if a thread abort lands right after the call, and frees it
    // exactly once, after the last DangerousRelease of a call still running on it.
    internal sealed class ClientHandle : SafeHandle
    {
        // Used by the P/Invoke marshaller for the out parameter of oc_client_new.
        private ClientHandle()
            : base(IntPtr.Zero, true)
        {
        }

        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }

        protected override bool ReleaseHandle()
        {
            NativeMethods.oc_client_free(handle);
            return true;
        }
    }
}
