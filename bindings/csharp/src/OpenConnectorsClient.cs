using System;
using System.Threading;
using OpenConnectors.Native;

namespace OpenConnectors
{
    /// <summary>
    /// A connection to the Open Connectors platform (an <c>oc_client</c>): its configuration and
    /// one connection pool shared by all calls. Every operation takes the JSON request of abi.md
    /// as text and returns the JSON result as text; a failure throws
    /// <see cref="OpenConnectorsException"/>.
    /// </summary>
    /// <remarks>
    /// One client may be used from many threads at once. <see cref="Dispose"/> frees the native
    /// client once the calls already running on it have returned; calls started afterwards throw
    /// <see cref="ObjectDisposedException"/>. The client keeps no copy of its configuration, so
    /// neither it nor its <see cref="ToString"/> can reveal the secrets.
    /// </remarks>
    /// <example>
    /// <code>
    /// using (var client = new OpenConnectorsClient("{\"userSecret\": \"...\", \"organizationSecret\": \"...\"}"))
    /// {
    ///     string step1 = client.OAuthUrl(requestJson);
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

        /// <summary>Creates a client (<c>oc_client_new</c>).</summary>
        /// <param name="configJson">
        /// The configuration, for example
        /// <c>{"baseUrl": "...", "userSecret": "...", "organizationSecret": "...", "timeoutMs": 30000}</c>;
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
            IntPtr config = Utf8.Alloc(configJson, "configJson");
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
                Utf8.Free(config);
                errorJson = Utf8.TakeOwned(error);
            }

            if (status != (uint)OcStatus.Ok)
            {
                created.Dispose();
                throw Ensure.Failure(status, errorJson);
            }

            handle = created;
        }

        /// <summary>
        /// Step 1 of the OAuth flow: asks the platform for the provider's authorization URL
        /// (<c>oc_oauth_url</c>).
        /// </summary>
        /// <param name="requestJson">
        /// <c>{"element": "infusionsoftecommerce", "apiKey": "...", "apiSecret": "...", "callbackUrl": "...",
        /// "state": "...", "scope": "...", "siteAddress": "...", "params": {...}}</c>; <c>state</c>
        /// is generated when absent.
        /// </param>
        /// <returns>The platform's answer, holding <c>oauthUrl</c>, with <c>state</c> set to the state sent.</returns>
        /// <exception cref="OpenConnectorsException">The call failed; see <see cref="OpenConnectorsException.Status"/>.</exception>
        /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="requestJson"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="requestJson"/> holds a NUL character or a lone surrogate.</exception>
        public string OAuthUrl(string requestJson)
        {
            return Call(NativeMethods.oc_oauth_url, requestJson);
        }

        /// <summary>
        /// Step 3 of the OAuth flow: provisions an instance (<c>oc_create_instance</c>,
        /// <c>POST /instances</c>). Never retried: the authorization code is single-use.
        /// </summary>
        /// <param name="requestJson">
        /// The platform's instance document, for example
        /// <c>{"element": {"key": "..."}, "providerData": {"code": "..."}, "configuration": {...}, "tags": [...], "name": "..."}</c>.
        /// </param>
        /// <returns>The platform's instance document, holding <c>id</c> and <c>token</c>.</returns>
        /// <exception cref="OpenConnectorsException">
        /// The call failed; <see cref="OcStatus.OutcomeUnknown"/> means the instance may or may not exist.
        /// </exception>
        /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="requestJson"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="requestJson"/> holds a NUL character or a lone surrogate.</exception>
        public string CreateInstance(string requestJson)
        {
            return Call(NativeMethods.oc_create_instance, requestJson);
        }

        /// <summary>Reads one instance (<c>oc_get_instance</c>, <c>GET /instances/{id}</c>).</summary>
        /// <param name="requestJson"><c>{"id": 1234}</c>.</param>
        /// <returns>The platform's instance document.</returns>
        /// <exception cref="OpenConnectorsException">The call failed; see <see cref="OpenConnectorsException.Status"/>.</exception>
        /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="requestJson"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="requestJson"/> holds a NUL character or a lone surrogate.</exception>
        public string GetInstance(string requestJson)
        {
            return Call(NativeMethods.oc_get_instance, requestJson);
        }

        /// <summary>Lists instances (<c>oc_list_instances</c>, <c>GET /instances</c>).</summary>
        /// <param name="requestJson">
        /// <c>"{}"</c>, or <c>{"tags": [...], "searchText": "...", "pageSize": 50, "nextPage": "..."}</c>.
        /// </param>
        /// <returns><c>{"instances": [...], "nextPage": "..." or null}</c>.</returns>
        /// <exception cref="OpenConnectorsException">The call failed; see <see cref="OpenConnectorsException.Status"/>.</exception>
        /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="requestJson"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="requestJson"/> holds a NUL character or a lone surrogate.</exception>
        public string ListInstances(string requestJson)
        {
            return Call(NativeMethods.oc_list_instances, requestJson);
        }

        /// <summary>
        /// Updates an instance (<c>oc_update_instance</c>, <c>PUT</c>, or <c>PATCH</c> when
        /// partial, <c>/instances/{id}</c>); with <c>providerData.code</c> it re-authenticates.
        /// </summary>
        /// <param name="requestJson"><c>{"id": 1234, "instance": {...}, "partial": false}</c>.</param>
        /// <returns>The platform's instance document.</returns>
        /// <exception cref="OpenConnectorsException">The call failed; see <see cref="OpenConnectorsException.Status"/>.</exception>
        /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="requestJson"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="requestJson"/> holds a NUL character or a lone surrogate.</exception>
        public string UpdateInstance(string requestJson)
        {
            return Call(NativeMethods.oc_update_instance, requestJson);
        }

        /// <summary>Deletes an instance (<c>oc_delete_instance</c>, <c>DELETE /instances/{id}</c>).</summary>
        /// <param name="requestJson"><c>{"id": 1234}</c>.</param>
        /// <returns><c>{"id": 1234, "deleted": true}</c>.</returns>
        /// <exception cref="OpenConnectorsException">The call failed; see <see cref="OpenConnectorsException.Status"/>.</exception>
        /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="requestJson"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="requestJson"/> holds a NUL character or a lone surrogate.</exception>
        public string DeleteInstance(string requestJson)
        {
            return Call(NativeMethods.oc_delete_instance, requestJson);
        }

        /// <summary>Calls the connected service through an instance (<c>oc_request</c>).</summary>
        /// <param name="requestJson">
        /// <c>{"method": "GET", "path": "/hubs/ecommerce/orders", "query": {...}, "body": ..., "elementToken": "...", "headers": {...}}</c>.
        /// </param>
        /// <returns><c>{"status": 200, "headers": {...}, "body": ...}</c>.</returns>
        /// <exception cref="OpenConnectorsException">
        /// The call failed; a non-2xx answer is <see cref="OcStatus.Api"/> with <see cref="OpenConnectorsException.HttpStatus"/>.
        /// </exception>
        /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="requestJson"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="requestJson"/> holds a NUL character or a lone surrogate.</exception>
        public string Request(string requestJson)
        {
            return Call(NativeMethods.oc_request, requestJson);
        }

        /// <summary>
        /// Frees the native client once the calls running on it have returned. Calling it again
        /// does nothing.
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

        private string Call(ClientCall function, string requestJson)
        {
            if (Volatile.Read(ref disposed) != 0)
            {
                throw new ObjectDisposedException(ObjectName);
            }

            return Interop.Call(handle, function, requestJson, ObjectName);
        }

        private static string ObjectName
        {
            get { return typeof(OpenConnectorsClient).FullName; }
        }
    }
}
