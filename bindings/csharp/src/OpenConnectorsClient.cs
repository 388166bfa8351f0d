using System;
using System.Threading;
using System.Threading.Tasks;
using OpenConnectors.Native;

namespace OpenConnectors
{
    /// <summary>
    /// A connection to the Open Connectors platform (an <c>oc_client</c>): its configuration and
    /// one connection pool shared by all calls. Every operation takes its JSON request as text
    /// and returns the JSON result as text; a failure throws <see cref="OpenConnectorsException"/>.
    /// Each operation comes as a blocking method and as an <c>...Async</c> twin returning a
    /// <see cref="Task{TResult}"/>; both take an optional <see cref="CancellationToken"/>.
    /// </summary>
    /// <remarks>
    /// <para>
    /// One client may be used from many threads at once. <see cref="Dispose"/> frees the native
    /// client once the calls already running on it have returned (asynchronous calls keep what
    /// they need alive until they complete); calls started afterwards throw
    /// <see cref="ObjectDisposedException"/>. The client keeps no copy of its configuration, so
    /// neither it nor its <see cref="ToString"/> can reveal the secrets.
    /// </para>
    /// <para>
    /// Cancelling a call's token ends it within about 100 ms. Blocking methods then throw
    /// <see cref="OperationCanceledException"/>, and the tasks of the <c>...Async</c> methods end
    /// canceled (awaiting them throws <see cref="TaskCanceledException"/>), when nothing of the
    /// call can have taken effect. When a POST, PUT or PATCH may already have reached the
    /// platform, the call fails instead with <see cref="OpenConnectorsException"/> whose
    /// <see cref="OpenConnectorsException.Status"/> is <see cref="OcStatus.OutcomeUnknown"/>:
    /// the instance may have been created or changed.
    /// </para>
    /// <para>
    /// The <c>...Async</c> methods block no thread while the call runs: the library runs it on
    /// one of its own threads and completes the task from there; continuations run on the thread
    /// pool. Usage errors (a null or NUL-holding request, a disposed client) throw at once
    /// instead of ending the task.
    /// </para>
    /// </remarks>
    /// <example>
    /// <code>
    /// using (var client = new OpenConnectorsClient("{\"userSecret\": \"...\", \"organizationSecret\": \"...\"}"))
    /// {
    ///     string step1 = client.OAuthUrl(requestJson);
    ///     string instance = await client.GetInstanceAsync("{\"id\": 1234}", cancellationToken);
    /// }
    /// </code>
    /// </example>
    public sealed class OpenConnectorsClient : IDisposable
    {
        private readonly ClientHandle handle;

        // Set by Dispose. The handle alone is not enough: Mono's SafeHandle, unlike .NET's, keeps
        // accepting DangerousAddRef after Dispose while other calls still hold a reference, so a
        // client kept busy by other threads would never start refusing calls.
        private int disposed;

        /// <summary>Creates a client (<c>oc_client_new</c>). No network traffic.</summary>
        /// <param name="configJson">
        /// The configuration, for example
        /// <c>{"baseUrl": "...", "userSecret": "...", "organizationSecret": "...", "timeoutMs": 30000, "deadlineMs": 120000}</c>;
        /// every member is optional, so <c>"{}"</c> is valid.
        /// </param>
        /// <exception cref="OpenConnectorsException">
        /// <see cref="OcStatus.Validation"/> for an invalid configuration (one secret without the
        /// other, a base URL that is not absolute http(s), ...), <see cref="OcStatus.InvalidArgument"/>
        /// when it is not the expected JSON.
        /// </exception>
        /// <exception cref="ArgumentNullException"><paramref name="configJson"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="configJson"/> holds a NUL character or a lone surrogate.</exception>
        /// <exception cref="DllNotFoundException">The native library could not be loaded.</exception>
        /// <exception cref="InvalidOperationException">The native library's version does not match this assembly.</exception>
        public OpenConnectorsClient(string configJson)
        {
            Library.EnsureCompatible();
            byte[] config = Utf8.Encode(configJson, "configJson");
            IntPtr error = IntPtr.Zero;
            ClientHandle created = null;
            uint status;
            string errorJson;
            try
            {
                status = NativeMethods.oc_client_new(config, out created, out error);
            }
            finally
            {
                errorJson = Utf8.TakeOwned(error);
            }

            if (status != (uint)OcStatus.Ok)
            {
                created.Dispose();
                throw Ensure.Failure(status, errorJson);
            }

            handle = created;
        }

        internal static string ObjectName
        {
            get { return typeof(OpenConnectorsClient).FullName; }
        }

        /// <summary>
        /// Step 1 of the OAuth flow: asks the platform for the provider's authorization URL
        /// (operation <c>oauth_url</c>).
        /// </summary>
        /// <param name="requestJson">
        /// <c>{"element": "infusionsoftecommerce", "apiKey": "...", "apiSecret": "...", "callbackUrl": "...",
        /// "state": "...", "scope": "...", "siteAddress": "...", "params": {...}}</c>; <c>state</c>
        /// is generated when absent.
        /// </param>
        /// <param name="cancellationToken">Cancels the call.</param>
        /// <returns>The platform's answer, holding <c>oauthUrl</c>, with <c>state</c> set to the state sent.</returns>
        /// <exception cref="OpenConnectorsException">The call failed; see <see cref="OpenConnectorsException.Status"/>.</exception>
        /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
        /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="requestJson"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="requestJson"/> holds a NUL character or a lone surrogate.</exception>
        public string OAuthUrl(string requestJson, CancellationToken cancellationToken = default)
        {
            return Interop.Call(Handle(), Operation.OAuthUrl, requestJson, cancellationToken);
        }

        /// <summary>The asynchronous twin of <see cref="OAuthUrl"/>.</summary>
        /// <param name="requestJson">As for <see cref="OAuthUrl"/>.</param>
        /// <param name="cancellationToken">Cancels the call.</param>
        /// <returns>
        /// A task that ends with the platform's answer, faulted with <see cref="OpenConnectorsException"/>
        /// when the call failed, or canceled when <paramref name="cancellationToken"/> cancelled it.
        /// </returns>
        /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="requestJson"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="requestJson"/> holds a NUL character or a lone surrogate.</exception>
        public Task<string> OAuthUrlAsync(string requestJson, CancellationToken cancellationToken = default)
        {
            return AsyncCall.Start(Handle(), Operation.OAuthUrl, requestJson, cancellationToken);
        }

        /// <summary>
        /// Step 3 of the OAuth flow: provisions an instance (operation <c>create_instance</c>,
        /// <c>POST /instances</c>). Never retried: the authorization code is single-use.
        /// </summary>
        /// <param name="requestJson">
        /// The platform's instance document, for example
        /// <c>{"element": {"key": "..."}, "providerData": {"code": "..."}, "configuration": {...}, "tags": [...], "name": "..."}</c>.
        /// </param>
        /// <param name="cancellationToken">Cancels the call.</param>
        /// <returns>The platform's instance document, holding <c>id</c> and <c>token</c>.</returns>
        /// <exception cref="OpenConnectorsException">
        /// The call failed; <see cref="OcStatus.OutcomeUnknown"/> means the instance may or may not
        /// exist (also when the call was cancelled after the request was sent).
        /// </exception>
        /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the request was sent.</exception>
        /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="requestJson"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="requestJson"/> holds a NUL character or a lone surrogate.</exception>
        public string CreateInstance(string requestJson, CancellationToken cancellationToken = default)
        {
            return Interop.Call(Handle(), Operation.CreateInstance, requestJson, cancellationToken);
        }

        /// <summary>The asynchronous twin of <see cref="CreateInstance"/>.</summary>
        /// <param name="requestJson">As for <see cref="CreateInstance"/>.</param>
        /// <param name="cancellationToken">Cancels the call.</param>
        /// <returns>
        /// A task that ends with the platform's instance document, faulted with
        /// <see cref="OpenConnectorsException"/> when the call failed (<see cref="OcStatus.OutcomeUnknown"/>
        /// when it was cancelled after the request was sent), or canceled when
        /// <paramref name="cancellationToken"/> cancelled it before.
        /// </returns>
        /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="requestJson"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="requestJson"/> holds a NUL character or a lone surrogate.</exception>
        public Task<string> CreateInstanceAsync(string requestJson, CancellationToken cancellationToken = default)
        {
            return AsyncCall.Start(Handle(), Operation.CreateInstance, requestJson, cancellationToken);
        }

        /// <summary>Reads one instance (operation <c>get_instance</c>, <c>GET /instances/{id}</c>).</summary>
        /// <param name="requestJson"><c>{"id": 1234}</c>.</param>
        /// <param name="cancellationToken">Cancels the call.</param>
        /// <returns>The platform's instance document.</returns>
        /// <exception cref="OpenConnectorsException">The call failed; see <see cref="OpenConnectorsException.Status"/>.</exception>
        /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
        /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="requestJson"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="requestJson"/> holds a NUL character or a lone surrogate.</exception>
        public string GetInstance(string requestJson, CancellationToken cancellationToken = default)
        {
            return Interop.Call(Handle(), Operation.GetInstance, requestJson, cancellationToken);
        }

        /// <summary>The asynchronous twin of <see cref="GetInstance"/>.</summary>
        /// <param name="requestJson">As for <see cref="GetInstance"/>.</param>
        /// <param name="cancellationToken">Cancels the call.</param>
        /// <returns>
        /// A task that ends with the platform's instance document, faulted with
        /// <see cref="OpenConnectorsException"/> when the call failed, or canceled when
        /// <paramref name="cancellationToken"/> cancelled it.
        /// </returns>
        /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="requestJson"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="requestJson"/> holds a NUL character or a lone surrogate.</exception>
        public Task<string> GetInstanceAsync(string requestJson, CancellationToken cancellationToken = default)
        {
            return AsyncCall.Start(Handle(), Operation.GetInstance, requestJson, cancellationToken);
        }

        /// <summary>Lists instances (operation <c>list_instances</c>, <c>GET /instances</c>).</summary>
        /// <param name="requestJson">
        /// <c>"{}"</c>, or <c>{"tags": [...], "searchText": "...", "pageSize": 50, "nextPage": "..."}</c>.
        /// </param>
        /// <param name="cancellationToken">Cancels the call.</param>
        /// <returns><c>{"instances": [...], "nextPage": "..." or null}</c>.</returns>
        /// <exception cref="OpenConnectorsException">The call failed; see <see cref="OpenConnectorsException.Status"/>.</exception>
        /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
        /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="requestJson"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="requestJson"/> holds a NUL character or a lone surrogate.</exception>
        public string ListInstances(string requestJson, CancellationToken cancellationToken = default)
        {
            return Interop.Call(Handle(), Operation.ListInstances, requestJson, cancellationToken);
        }

        /// <summary>The asynchronous twin of <see cref="ListInstances"/>.</summary>
        /// <param name="requestJson">As for <see cref="ListInstances"/>.</param>
        /// <param name="cancellationToken">Cancels the call.</param>
        /// <returns>
        /// A task that ends with <c>{"instances": [...], "nextPage": ...}</c>, faulted with
        /// <see cref="OpenConnectorsException"/> when the call failed, or canceled when
        /// <paramref name="cancellationToken"/> cancelled it.
        /// </returns>
        /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="requestJson"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="requestJson"/> holds a NUL character or a lone surrogate.</exception>
        public Task<string> ListInstancesAsync(string requestJson, CancellationToken cancellationToken = default)
        {
            return AsyncCall.Start(Handle(), Operation.ListInstances, requestJson, cancellationToken);
        }

        /// <summary>
        /// Updates an instance (operation <c>update_instance</c>, <c>PUT</c>, or <c>PATCH</c> when
        /// partial, <c>/instances/{id}</c>); with <c>providerData.code</c> it re-authenticates.
        /// Never retried.
        /// </summary>
        /// <param name="requestJson"><c>{"id": 1234, "instance": {...}, "partial": false}</c>.</param>
        /// <param name="cancellationToken">Cancels the call.</param>
        /// <returns>The platform's instance document.</returns>
        /// <exception cref="OpenConnectorsException">
        /// The call failed; <see cref="OcStatus.OutcomeUnknown"/> means the update may or may not
        /// have been applied (also when the call was cancelled after the request was sent).
        /// </exception>
        /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the request was sent.</exception>
        /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="requestJson"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="requestJson"/> holds a NUL character or a lone surrogate.</exception>
        public string UpdateInstance(string requestJson, CancellationToken cancellationToken = default)
        {
            return Interop.Call(Handle(), Operation.UpdateInstance, requestJson, cancellationToken);
        }

        /// <summary>The asynchronous twin of <see cref="UpdateInstance"/>.</summary>
        /// <param name="requestJson">As for <see cref="UpdateInstance"/>.</param>
        /// <param name="cancellationToken">Cancels the call.</param>
        /// <returns>
        /// A task that ends with the platform's instance document, faulted with
        /// <see cref="OpenConnectorsException"/> when the call failed (<see cref="OcStatus.OutcomeUnknown"/>
        /// when it was cancelled after the request was sent), or canceled when
        /// <paramref name="cancellationToken"/> cancelled it before.
        /// </returns>
        /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="requestJson"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="requestJson"/> holds a NUL character or a lone surrogate.</exception>
        public Task<string> UpdateInstanceAsync(string requestJson, CancellationToken cancellationToken = default)
        {
            return AsyncCall.Start(Handle(), Operation.UpdateInstance, requestJson, cancellationToken);
        }

        /// <summary>Deletes an instance (operation <c>delete_instance</c>, <c>DELETE /instances/{id}</c>).</summary>
        /// <param name="requestJson"><c>{"id": 1234}</c>.</param>
        /// <param name="cancellationToken">Cancels the call.</param>
        /// <returns><c>{"id": 1234, "deleted": true}</c>.</returns>
        /// <exception cref="OpenConnectorsException">The call failed; see <see cref="OpenConnectorsException.Status"/>.</exception>
        /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
        /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="requestJson"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="requestJson"/> holds a NUL character or a lone surrogate.</exception>
        public string DeleteInstance(string requestJson, CancellationToken cancellationToken = default)
        {
            return Interop.Call(Handle(), Operation.DeleteInstance, requestJson, cancellationToken);
        }

        /// <summary>The asynchronous twin of <see cref="DeleteInstance"/>.</summary>
        /// <param name="requestJson">As for <see cref="DeleteInstance"/>.</param>
        /// <param name="cancellationToken">Cancels the call.</param>
        /// <returns>
        /// A task that ends with <c>{"id": 1234, "deleted": true}</c>, faulted with
        /// <see cref="OpenConnectorsException"/> when the call failed, or canceled when
        /// <paramref name="cancellationToken"/> cancelled it.
        /// </returns>
        /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="requestJson"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="requestJson"/> holds a NUL character or a lone surrogate.</exception>
        public Task<string> DeleteInstanceAsync(string requestJson, CancellationToken cancellationToken = default)
        {
            return AsyncCall.Start(Handle(), Operation.DeleteInstance, requestJson, cancellationToken);
        }

        /// <summary>Calls the connected service through an instance (operation <c>request</c>).</summary>
        /// <param name="requestJson">
        /// <c>{"method": "GET", "path": "/hubs/ecommerce/orders", "query": {...}, "body": ..., "elementToken": "...", "headers": {...}}</c>.
        /// </param>
        /// <param name="cancellationToken">Cancels the call.</param>
        /// <returns><c>{"status": 200, "headers": {...}, "body": ...}</c>.</returns>
        /// <exception cref="OpenConnectorsException">
        /// The call failed; a non-2xx answer is <see cref="OcStatus.Api"/> with
        /// <see cref="OpenConnectorsException.HttpStatus"/>; a POST, PUT or PATCH cancelled after it
        /// was sent is <see cref="OcStatus.OutcomeUnknown"/>.
        /// </exception>
        /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before anything could take effect.</exception>
        /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="requestJson"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="requestJson"/> holds a NUL character or a lone surrogate.</exception>
        public string Request(string requestJson, CancellationToken cancellationToken = default)
        {
            return Interop.Call(Handle(), Operation.Request, requestJson, cancellationToken);
        }

        /// <summary>The asynchronous twin of <see cref="Request"/>.</summary>
        /// <param name="requestJson">As for <see cref="Request"/>.</param>
        /// <param name="cancellationToken">Cancels the call.</param>
        /// <returns>
        /// A task that ends with <c>{"status": 200, "headers": {...}, "body": ...}</c>, faulted with
        /// <see cref="OpenConnectorsException"/> when the call failed, or canceled when
        /// <paramref name="cancellationToken"/> cancelled it before anything could take effect.
        /// </returns>
        /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="requestJson"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="requestJson"/> holds a NUL character or a lone surrogate.</exception>
        public Task<string> RequestAsync(string requestJson, CancellationToken cancellationToken = default)
        {
            return AsyncCall.Start(Handle(), Operation.Request, requestJson, cancellationToken);
        }

        /// <summary>
        /// Frees the native client once the calls running on it have returned; asynchronous calls
        /// already started complete normally. Calling it again does nothing.
        /// </summary>
        public void Dispose()
        {
            Volatile.Write(ref disposed, 1);
            handle.Dispose();
        }

        /// <summary>Describes the client without revealing its configuration, for example <c>OpenConnectorsClient(open)</c>.</summary>
        /// <returns>The type name and whether the client is still open.</returns>
        public override string ToString()
        {
            return typeof(OpenConnectorsClient).Name + (Volatile.Read(ref disposed) != 0 ? "(disposed)" : "(open)");
        }

        private ClientHandle Handle()
        {
            if (Volatile.Read(ref disposed) != 0)
            {
                throw new ObjectDisposedException(ObjectName);
            }

            return handle;
        }
    }
}
