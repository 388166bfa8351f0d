using System;

namespace OpenConnectors.Native
{
    // The one call path shared by every operation: marshal the request in, call, take the
    // owned answer out, and turn a non-OK status into an exception (Ensure).
    internal static class Interop
    {
        internal static string Call(StaticCall function, string requestJson)
        {
            Library.EnsureCompatible();
            IntPtr request = Utf8.Alloc(requestJson, "requestJson");
            IntPtr response = IntPtr.Zero;
            uint status;
            string json;
            try
            {
                status = function(request, out response);
            }
            finally
            {
                Utf8.Free(request);
                json = Utf8.TakeOwned(response);
            }

            return Ensure.Success(status, json);
        }

        // The handle is referenced for the duration of the native call, so a Dispose on another
        // thread only frees the client once the last running call has returned.
        internal static string Call(ClientHandle handle, ClientCall function, string requestJson, string objectName)
        {
            IntPtr request = Utf8.Alloc(requestJson, "requestJson");
            IntPtr response = IntPtr.Zero;
            bool referenced = false;
            uint status;
            string json;
            try
            {
                try
                {
                    handle.DangerousAddRef(ref referenced);
                }
                catch (ObjectDisposedException)
                {
                    throw new ObjectDisposedException(objectName);
                }

                status = function(handle.DangerousGetHandle(), request, out response);
            }
            finally
            {
                if (referenced)
                {
                    handle.DangerousRelease();
                }

                Utf8.Free(request);
                json = Utf8.TakeOwned(response);
            }

            return Ensure.Success(status, json);
        }
    }

    // Named after libgit2sharp's Ensure: the single place a status becomes an exception.
    internal static class Ensure
    {
        internal static string Success(uint status, string json)
        {
            if (status == (uint)OcStatus.Ok)
            {
                return json;
            }

            throw Failure(status, json);
        }

        internal static OpenConnectorsException Failure(uint status, string errorJson)
        {
            return new OpenConnectorsException((OcStatus)status, errorJson);
        }
    }
}
