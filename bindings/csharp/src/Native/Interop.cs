using System;
using System.Threading;

namespace OpenConnectors.Native
{
    // The one synchronous call path shared by every operation: encode the request, reference
    // the client, make a cancel handle when the token can be cancelled, call oc_call, take the
    // owned answer and let Ensure turn a failure into an exception.
    internal static class Interop
    {
        // Boxed IntPtr state: one static delegate for every registration.
        private static readonly Action<object> TriggerBoxedCancel = state => NativeMethods.oc_cancel_trigger((IntPtr)state);

        // client is null for the operations that need none.
        internal static string Call(ClientHandle client, Operation operation, string requestJson, CancellationToken cancellationToken)
        {
            Library.EnsureCompatible();
            byte[] request = Utf8.Encode(requestJson, "requestJson");
            cancellationToken.ThrowIfCancellationRequested();

            IntPtr cancel = IntPtr.Zero;
            var registration = default(CancellationTokenRegistration);
            IntPtr response = IntPtr.Zero;
            bool referenced = false;
            uint status;
            string json;
            try
            {
                if (cancellationToken.CanBeCanceled)
                {
                    cancel = NewCancel();
                    registration = cancellationToken.Register(TriggerBoxedCancel, cancel);
                }

                IntPtr native = AddRef(client, ref referenced);
                status = NativeMethods.oc_call(native, operation.Utf8Name, request, cancel, out response);
            }
            finally
            {
                // Dispose waits for a trigger already running, so the handle is never used freed.
                if (cancel != IntPtr.Zero)
                {
                    registration.Dispose();
                    NativeMethods.oc_cancel_free(cancel);
                }

                if (referenced)
                {
                    client.DangerousRelease();
                }

                json = Utf8.TakeOwned(response);
            }

            return Ensure.Success(status, json, cancellationToken);
        }

        // Takes a reference on the client for the length of a native call, so that a Dispose on
        // another thread frees it only after the call has returned (or, for oc_call_async, after
        // the library has taken its own reference).
        internal static IntPtr AddRef(ClientHandle client, ref bool referenced)
        {
            if (client == null)
            {
                return IntPtr.Zero;
            }

            try
            {
                client.DangerousAddRef(ref referenced);
            }
            catch (ObjectDisposedException)
            {
                throw new ObjectDisposedException(OpenConnectorsClient.ObjectName);
            }

            return client.DangerousGetHandle();
        }

        internal static IntPtr NewCancel()
        {
            IntPtr cancel;
            uint status = NativeMethods.oc_cancel_new(out cancel);
            if (status != (uint)OcStatus.Ok)
            {
                throw Ensure.Failure(status, null);
            }

            return cancel;
        }
    }

    // Named after libgit2sharp's Ensure: the single place a status becomes an exception, for
    // synchronous and asynchronous calls alike.
    internal static class Ensure
    {
        internal static string Success(uint status, string json, CancellationToken cancellationToken)
        {
            if (status == (uint)OcStatus.Ok)
            {
                return json;
            }

            var failure = Failure(status, json);
            if (IsCancellation(status, cancellationToken))
            {
                throw new OperationCanceledException(failure.Message, failure, cancellationToken);
            }

            throw failure;
        }

        // Ends an asynchronous call's task: the result, canceled, or faulted.
        internal static void Complete(System.Threading.Tasks.TaskCompletionSource<string> task, uint status, string json, CancellationToken cancellationToken)
        {
            if (status == (uint)OcStatus.Ok)
            {
                task.TrySetResult(json);
            }
            else if (IsCancellation(status, cancellationToken))
            {
                task.TrySetCanceled(cancellationToken);
            }
            else
            {
                task.TrySetException(Failure(status, json));
            }
        }

        internal static OpenConnectorsException Failure(uint status, string errorJson)
        {
            return new OpenConnectorsException((OcStatus)status, errorJson);
        }

        // OC_ERR_CANCELLED answers a trigger of the call's own cancel handle, which only its
        // token fires. OC_ERR_OUTCOME_UNKNOWN after a cancellation stays an OpenConnectorsException:
        // the request may have taken effect, which the caller must not mistake for "nothing happened".
        private static bool IsCancellation(uint status, CancellationToken cancellationToken)
        {
            return status == (uint)OcStatus.Cancelled && cancellationToken.IsCancellationRequested;
        }
    }
}
