using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using OpenConnectors.Native;

namespace OpenConnectors
{
    /// <summary>
    /// Event notifications: the platform POSTs each event of an instance configured with
    /// <c>event.notification.enabled</c>, an <c>event.notification.callback.url</c> and an
    /// <c>event.notification.signature.key</c> to that URL, signed with the key
    /// (<c>Elements-Webhook-Signature: sha256=&lt;base64 of HMAC-SHA256(key, raw body)&gt;</c>).
    /// </summary>
    public static class Webhook
    {
        /// <summary>
        /// Checks a notification's signature against the raw body and reads its events (operation
        /// <c>verify_webhook</c>). No I/O, a few microseconds: there is no asynchronous twin.
        /// </summary>
        /// <remarks>
        /// Pass the body exactly as received, before any JSON parsing: the signature covers its
        /// bytes. Header names match in any case. The signature is compared in constant time, and
        /// neither the key nor the expected signature appears in any message, error document or
        /// <see cref="object.ToString"/>.
        /// </remarks>
        /// <param name="signatureKey">The instance's <c>event.notification.signature.key</c>.</param>
        /// <param name="headers">
        /// The notification's headers, at least <c>Elements-Webhook-Signature</c> and, when present,
        /// <c>Elements-Webhook-Id</c>; others are ignored.
        /// </param>
        /// <param name="body">The raw request body.</param>
        /// <returns>
        /// <c>{"webhookId": "..." or null, "event": the body as JSON, "events": [...]}</c>, where
        /// <c>events</c> lists the body's <c>message.events</c> (or <c>response.events</c>, else
        /// <c>[]</c>).
        /// </returns>
        /// <exception cref="OpenConnectorsException">
        /// <see cref="OcStatus.Signature"/> when the signature header is missing, of a scheme other
        /// than <c>sha256=</c>, or does not match (answer 401);
        /// <see cref="OcStatus.Decode"/> when the correctly signed body is not JSON;
        /// <see cref="OcStatus.Validation"/> when <paramref name="signatureKey"/> is empty or a
        /// header is given twice.
        /// </exception>
        /// <exception cref="ArgumentNullException">An argument, a header name or a header value is null.</exception>
        /// <exception cref="ArgumentException">The key or a header holds a lone surrogate.</exception>
        public static string Verify(string signatureKey, IDictionary<string, string> headers, byte[] body)
        {
            if (signatureKey == null)
            {
                throw new ArgumentNullException("signatureKey");
            }

            if (headers == null)
            {
                throw new ArgumentNullException("headers");
            }

            if (body == null)
            {
                throw new ArgumentNullException("body");
            }

            // The body travels as base64: exact bytes whatever they are, and no JSON escaping.
            var json = new StringBuilder(96 + signatureKey.Length + (((body.Length + 2) / 3) * 4));
            json.Append("{\"signatureKey\":");
            JsonText.AppendString(json, signatureKey, "signatureKey");
            json.Append(",\"headers\":{");
            bool first = true;
            foreach (KeyValuePair<string, string> header in headers)
            {
                if (header.Key == null || header.Value == null)
                {
                    throw new ArgumentNullException("headers", "A header name or value is null.");
                }

                if (!first)
                {
                    json.Append(',');
                }

                first = false;
                JsonText.AppendString(json, header.Key, "headers");
                json.Append(':');
                JsonText.AppendString(json, header.Value, "headers");
            }

            json.Append("},\"bodyBase64\":\"").Append(Convert.ToBase64String(body)).Append("\"}");
            return Interop.Call(null, Operation.VerifyWebhook, json.ToString(), CancellationToken.None);
        }
    }
}
