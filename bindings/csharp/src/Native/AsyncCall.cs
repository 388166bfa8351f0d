using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace OpenConnectors.Native
{
    // One asynchronous call on oc_call_async: the task it completes and the cancel handle it
    // owns. No thread waits for it; the library's thread calls OnCompleted once with the result.
    //
    // The state reaches the callback as a GCHandle in user_data, which keeps it alive while only
    // native code refers to it and is freed exactly once, in the callback (or at once when
    // nothing was queued). The callback is one static delegate, held by a static field so the
    // GC never collects it, and turned into a function pointer once for the process.
    internal sealed class AsyncCall : TaskCompletionSource<string>
    {
        private static readonly NativeMethods.CallCallback Callback = OnCompleted;
        private static readonly IntPtr CallbackPointer = Marshal.GetFunctionPointerForDelegate<NativeMethods.CallCallback>(Callback);
        private static readonly Action<object> TriggerCancel = state => NativeMethods.oc_cancel_trigger(((AsyncCall)state).cancel);

        private readonly CancellationToken cancellationToken;
        private IntPtr cancel;
        private CancellationTokenRegistration registration;

        // Continuations never run on the library's thread, which would hold it up for other calls.
        private AsyncCall(CancellationToken cancellationToken)
            : base(TaskCreationOptions.RunContinuationsAsynchronously)
        {
            this.cancellationToken = cancellationToken;
        }

        // Usage errors (null or non-encodable JSON, a disposed client) throw at once; everything
        // the library reports ends the task.
        internal static Task<string> Start(ClientHandle client, Operation operation, string requestJson, CancellationToken cancellationToken)
        {
            Library.EnsureCompatible();
            byte[] request = Utf8.Encode(requestJson, "requestJson");
            if (cancellationToken.IsCancellationRequested)
            {
                return System.Threading.Tasks.Task.FromCanceled<string>(cancellationToken);
            }

            var call = new AsyncCall(cancellationToken);
            GCHandle self = GCHandle.Alloc(call);
            bool queued = false;
            bool referenced = false;
            uint status;
            try
            {
                if (cancellationToken.CanBeCanceled)
                {
                    call.cancel = Interop.NewCancel();

                    // Registered before the call is queued, so the callback always finds it set.
                    call.registration = cancellationToken.Register(TriggerCancel, call);
                }

                IntPtr native = Interop.AddRef(client, ref referenced);

                // The library copies the request and takes its own reference on the client
                // before returning, so both may go once this returns.
                status = NativeMethods.oc_call_async(native, operation.Utf8Name, request, call.cancel, CallbackPointer, GCHandle.ToIntPtr(self));
                queued = status == (uint)OcStatus.Ok;
            }
            finally
            {
                if (referenced)
                {
                    client.DangerousRelease();
                }

                if (!queued)
                {
                    self.Free();
                    call.Release();
                }
            }

            if (!queued)
            {
                // Nothing was queued and no document came with the status.
                return System.Threading.Tasks.Task.FromException<string>(Ensure.Failure(status, null));
            }

            return call.Task;
        }

        // Runs on a library thread. Nothing may escape into native code, and the task must end
        // whatever happens here.
        private static void OnCompleted(IntPtr userData, uint status, IntPtr responseJson)
        {
            AsyncCall call = null;
            try
            {
                GCHandle self = GCHandle.FromIntPtr(userData);
                call = (AsyncCall)self.Target;
                self.Free();

                string json;
                try
                {
                    json = Utf8.TakeOwned(responseJson);
                }
                finally
                {
                    call.Release();
                }

                Ensure.Complete(call, status, json, call.cancellationToken);
            }
            catch (Exception e)
            {
                if (call != null)
                {
                    call.TrySetException(e);
                }
            }
        }

        // Dispose waits for a trigger already running, so the handle is never used freed.
        private void Release()
        {
            if (cancel != IntPtr.Zero)
            {
                registration.Dispose();
                NativeMethods.oc_cancel_free(cancel);
                cancel = IntPtr.Zero;
            }
        }
    }
}
