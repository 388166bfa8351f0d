using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;
using NUnit.Framework;

namespace OpenConnectors.Tests
{
    // Webhook.Verify against signatures computed here with HMACSHA256, independently of the
    // library.
    [TestFixture]
    public class WebhookTests
    {
        private const string Key = "whk-SECRET-3c9a51d7";
        private const string Body = "{\"message\":{\"eventId\":\"evt-7\",\"instanceId\":12,\"events\":[{\"objectType\":\"orders\",\"objectId\":\"7\",\"eventType\":\"UPDATED\"}],\"note\":\"caf\u00e9 \u2713\"}}";

        [Test]
        public void AGoodSignatureGivesTheEvents()
        {
            byte[] body = Encoding.UTF8.GetBytes(Body);
            var result = MiniJson.Object(Webhook.Verify(Key, Headers(Sign(Key, body), "evt-7"), body));
            Assert.That(MiniJson.Str(result, "webhookId"), Is.EqualTo("evt-7"));
            Assert.That(MiniJson.Str(result, "events", 0, "objectId"), Is.EqualTo("7"));
            Assert.That(MiniJson.Str(result, "event", "message", "note"), Is.EqualTo("caf\u00e9 \u2713"));
        }

        [Test]
        public void HeaderNamesMatchInAnyCaseAndTheIdIsOptional()
        {
            byte[] body = Encoding.UTF8.GetBytes("{\"response\":{\"events\":[1,2]}}");
            var headers = new Dictionary<string, string> { { "elements-webhook-signature", Sign(Key, body) }, { "Content-Type", "application/json" } };
            var result = MiniJson.Object(Webhook.Verify(Key, headers, body));
            Assert.That(MiniJson.At(result, "webhookId"), Is.Null);
            Assert.That(((List<object>)MiniJson.At(result, "events")).Count, Is.EqualTo(2));
        }

        [Test]
        public void ATamperedBodyIsSignature()
        {
            byte[] body = Encoding.UTF8.GetBytes(Body);
            string signature = Sign(Key, body);
            byte[] tampered = Encoding.UTF8.GetBytes(Body.Replace("UPDATED", "DELETED"));
            Refused(OcStatus.Signature, Headers(signature, "evt-7"), tampered, signature);
        }

        [Test]
        public void AnotherKeyIsSignature()
        {
            byte[] body = Encoding.UTF8.GetBytes(Body);
            string expected = Sign(Key, body);
            Refused(OcStatus.Signature, Headers(Sign("another-key", body), "evt-7"), body, expected);
        }

        [Test]
        public void TheSha1SchemeIsSignature()
        {
            byte[] body = Encoding.UTF8.GetBytes(Body);
            string sha1;
            using (var hmac = new HMACSHA1(Encoding.UTF8.GetBytes(Key)))
            {
                sha1 = "sha1=" + Convert.ToBase64String(hmac.ComputeHash(body));
            }

            Refused(OcStatus.Signature, Headers(sha1, "evt-7"), body, Sign(Key, body));
            Refused(OcStatus.Signature, Headers(Sign(Key, body).Replace("sha256=", "sha1="), "evt-7"), body, Sign(Key, body));
        }

        [Test]
        public void AMissingSignatureHeaderIsSignature()
        {
            byte[] body = Encoding.UTF8.GetBytes(Body);
            Refused(OcStatus.Signature, new Dictionary<string, string> { { "Elements-Webhook-Id", "evt-7" } }, body, Sign(Key, body));
        }

        [Test]
        public void ASignatureWithoutItsBase64PaddingIsSignature()
        {
            byte[] body = Encoding.UTF8.GetBytes(Body);
            string signature = Sign(Key, body);
            Assert.That(signature.EndsWith("=", StringComparison.Ordinal), "a 32-byte HMAC in base64 ends with padding: " + signature);
            Refused(OcStatus.Signature, Headers(signature.TrimEnd('='), "evt-7"), body, signature);
        }

        [Test]
        public void ACorrectlySignedBodyThatIsNotJsonIsDecode()
        {
            byte[] text = Encoding.UTF8.GetBytes("event=UPDATED&id=7");
            Refused(OcStatus.Decode, Headers(Sign(Key, text), "evt-8"), text, Sign(Key, text));

            // Bytes that are not UTF-8 reach the library unchanged: the signature still matches.
            byte[] binary = { 0xff, 0xfe, 0x00, 0x7b, 0x80 };
            Refused(OcStatus.Decode, Headers(Sign(Key, binary), "evt-9"), binary, Sign(Key, binary));
        }

        [Test]
        public void AnEmptyKeyIsValidationAndNullsAreArgumentErrors()
        {
            byte[] body = Encoding.UTF8.GetBytes(Body);
            var headers = Headers(Sign(Key, body), "evt-7");
            Expect.Failure(OcStatus.Validation, () => Webhook.Verify(string.Empty, headers, body));
            Assert.Throws<ArgumentNullException>(() => Webhook.Verify(null, headers, body));
            Assert.Throws<ArgumentNullException>(() => Webhook.Verify(Key, null, body));
            Assert.Throws<ArgumentNullException>(() => Webhook.Verify(Key, headers, null));
            Assert.Throws<ArgumentNullException>(() => Webhook.Verify(Key, new Dictionary<string, string> { { "X", null } }, body));

            var e = Assert.Throws<ArgumentException>(() => Webhook.Verify(Key + "\ud800", headers, body));
            Assert.That(e.Message.IndexOf(Key, StringComparison.Ordinal) < 0, e.Message);
        }

        [Test]
        public void KeysAndHeadersWithCharactersJsonMustEscapeArePassedExactly()
        {
            const string OddKey = "k\"e\\y\n\u0001\u00e9\U0001F511";
            byte[] body = Encoding.UTF8.GetBytes("{}");
            var headers = new Dictionary<string, string> { { "Elements-Webhook-Signature", Sign(OddKey, body) }, { "Elements-Webhook-Id", "id \"quoted\" \\ \t" } };
            var result = MiniJson.Object(Webhook.Verify(OddKey, headers, body));
            Assert.That(MiniJson.Str(result, "webhookId"), Is.EqualTo("id \"quoted\" \\ \t"));
        }

        // standard base64 of HMAC-SHA256(key, body), with the scheme.
        private static string Sign(string key, byte[] body)
        {
            using (var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(key)))
            {
                return "sha256=" + Convert.ToBase64String(hmac.ComputeHash(body));
            }
        }

        private static Dictionary<string, string> Headers(string signature, string id)
        {
            return new Dictionary<string, string>
            {
                { "Content-Type", "application/json" },
                { "Elements-Webhook-Signature", signature },
                { "Elements-Webhook-Id", id },
            };
        }

        // Verify must fail with status, and nothing it reports may hold the key or the signature
        // the body should have had.
        private static void Refused(OcStatus status, IDictionary<string, string> headers, byte[] body, string expectedSignature)
        {
            string expectedValue = expectedSignature.Substring("sha256=".Length);
            Expect.Failure(status, () => Webhook.Verify(Key, headers, body), Key, expectedValue);
        }
    }
}
