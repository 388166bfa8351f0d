using System.Threading;
using System.Threading.Tasks;
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
        /// Parses the URL the provider redirected the user's browser to (operation
        /// <c>parse_callback</c>). No I/O: it returns at once, so it takes no cancellation token.
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
            return Interop.Call(null, Operation.ParseCallback, requestJson, CancellationToken.None);
        }

        /// <summary>
        /// The asynchronous twin of <see cref="Parse"/>, for code that composes tasks; the work
        /// itself takes microseconds.
        /// </summary>
        /// <param name="requestJson">As for <see cref="Parse"/>.</param>
        /// <param name="cancellationToken">Cancels the call if it has not run yet.</param>
        /// <returns>
        /// A task that ends with <c>{"code", "state", "params"}</c>, faulted with
        /// <see cref="OpenConnectorsException"/> (the statuses of <see cref="Parse"/>), or canceled.
        /// </returns>
        /// <exception cref="System.ArgumentNullException"><paramref name="requestJson"/> is null.</exception>
        /// <exception cref="System.ArgumentException"><paramref name="requestJson"/> holds a NUL character or a lone surrogate.</exception>
        public static Task<string> ParseAsync(string requestJson, CancellationToken cancellationToken = default)
        {
            return AsyncCall.Start(null, Operation.ParseCallback, requestJson, cancellationToken);
        }

        /// <summary>
        /// Listens on the callback URL's loopback host and port until the provider's redirect with
        /// the expected state arrives, answers the browser with a short page, and returns what
        /// <see cref="Parse"/> would for that URL (operation <c>await_callback</c>). Blocks the
        /// calling thread; see <see cref="AwaitAsync"/> for a twin that does not.
        /// </summary>
        /// <remarks>
        /// Requests without the expected state (any local web page can send one) get a 400 page
        /// and the wait goes on; other paths get 404.
        /// </remarks>
        /// <param name="requestJson">
        /// <c>{"callbackUrl": "http://127.0.0.1:8765/auth", "expectedState": "...", "timeoutMs": 300000}</c>;
        /// <c>expectedState</c> is required.
        /// </param>
        /// <param name="cancellationToken">
        /// Stops listening (within about 100 ms) and throws <see cref="System.OperationCanceledException"/>,
        /// for example when the user closes the sign-in dialog.
        /// </param>
        /// <returns><c>{"code": "...", "state": "...", "params": {...}}</c>.</returns>
        /// <exception cref="OpenConnectorsException">
        /// <see cref="OcStatus.Timeout"/> when no redirect came within <c>timeoutMs</c>,
        /// <see cref="OcStatus.Validation"/> for a non-loopback callback URL or a missing
        /// <c>expectedState</c>, <see cref="OcStatus.OAuthDenied"/> when the user declined.
        /// </exception>
        /// <exception cref="System.OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
        /// <exception cref="System.ArgumentNullException"><paramref name="requestJson"/> is null.</exception>
        /// <exception cref="System.ArgumentException"><paramref name="requestJson"/> holds a NUL character or a lone surrogate.</exception>
        public static string Await(string requestJson, CancellationToken cancellationToken = default)
        {
            return Interop.Call(null, Operation.AwaitCallback, requestJson, cancellationToken);
        }

        /// <summary>
        /// The asynchronous twin of <see cref="Await"/>: the library listens on a thread of its
        /// own, so no thread of the application waits for the browser.
        /// </summary>
        /// <param name="requestJson">As for <see cref="Await"/>.</param>
        /// <param name="cancellationToken">Stops listening within about 100 ms and ends the task canceled.</param>
        /// <returns>
        /// A task that ends with <c>{"code", "state", "params"}</c>, faulted with
        /// <see cref="OpenConnectorsException"/> (the statuses of <see cref="Await"/>), or canceled
        /// when <paramref name="cancellationToken"/> cancelled it.
        /// </returns>
        /// <exception cref="System.ArgumentNullException"><paramref name="requestJson"/> is null.</exception>
        /// <exception cref="System.ArgumentException"><paramref name="requestJson"/> holds a NUL character or a lone surrogate.</exception>
        public static Task<string> AwaitAsync(string requestJson, CancellationToken cancellationToken = default)
        {
            return AsyncCall.Start(null, Operation.AwaitCallback, requestJson, cancellationToken);
        }
    }
}
