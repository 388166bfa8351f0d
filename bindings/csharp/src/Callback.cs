using OpenConnectors.Native;

namespace OpenConnectors
{
    /// <summary>
    /// Step 2 of the OAuth flow: reading the provider's redirect back to the application. These
    /// calls need no client, hence no platform secrets.
    /// </summary>
    public static class Callback
    {
        /// <summary>
        /// Parses the URL the provider redirected the user's browser to (<c>oc_parse_callback</c>).
        /// No I/O.
        /// </summary>
        /// <param name="requestJson">
        /// <c>{"url": "https://app.example/auth?code=...&amp;state=...", "expectedState": "..."}</c>;
        /// <c>url</c> may also be only the query string.
        /// </param>
        /// <returns><c>{"code": "...", "state": "...", "params": {...every query parameter...}}</c>.</returns>
        /// <exception cref="OpenConnectorsException">
        /// <see cref="OcStatus.StateMismatch"/> when the state differs from <c>expectedState</c>,
        /// <see cref="OcStatus.OAuthDenied"/> when the provider sent an <c>error</c>,
        /// <see cref="OcStatus.Validation"/> when there is no code or a parameter is repeated,
        /// <see cref="OcStatus.InvalidArgument"/> when the request is not the expected JSON.
        /// </exception>
        /// <exception cref="System.ArgumentNullException"><paramref name="requestJson"/> is null.</exception>
        /// <exception cref="System.ArgumentException"><paramref name="requestJson"/> holds a NUL character or a lone surrogate.</exception>
        public static string Parse(string requestJson)
        {
            return Interop.Call(NativeMethods.oc_parse_callback, requestJson);
        }

        /// <summary>
        /// Listens on the callback URL's loopback host and port until the provider's redirect
        /// arrives, answers the browser with a short page, and returns what <see cref="Parse"/>
        /// would for that URL (<c>oc_await_callback</c>). Blocks the calling thread.
        /// </summary>
        /// <param name="requestJson">
        /// <c>{"callbackUrl": "http://127.0.0.1:8765/auth", "expectedState": "...", "timeoutMs": 300000}</c>.
        /// </param>
        /// <returns><c>{"code": "...", "state": "...", "params": {...}}</c>.</returns>
        /// <exception cref="OpenConnectorsException">
        /// <see cref="OcStatus.Timeout"/> when no redirect came within <c>timeoutMs</c>,
        /// <see cref="OcStatus.Validation"/> for a non-loopback callback URL, and every error of
        /// <see cref="Parse"/>.
        /// </exception>
        /// <exception cref="System.ArgumentNullException"><paramref name="requestJson"/> is null.</exception>
        /// <exception cref="System.ArgumentException"><paramref name="requestJson"/> holds a NUL character or a lone surrogate.</exception>
        public static string Await(string requestJson)
        {
            return Interop.Call(NativeMethods.oc_await_callback, requestJson);
        }
    }
}
