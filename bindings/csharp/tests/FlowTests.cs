using System;
using System.Collections.Generic;
using NUnit.Framework;

namespace OpenConnectors.Tests
{
    // Every operation for real, through the emulator: the whole OAuth flow and the instance
    // lifecycle.
    [TestFixture]
    public class FlowTests
    {
        [SetUp]
        public void ResetEmulator()
        {
            Shared.Emulator.Reset();
        }

        [Test]
        public void FullFlowFromAuthorizationUrlToDeletedInstance()
        {
            using (var client = Flow.NewClient())
            {
                // Steps 1 and 2: authorization URL, consent without following the redirect, callback.
                string state;
                string location = Flow.Consent(client, string.Empty, out state);
                var callback = MiniJson.Object(Callback.Parse("{\"url\": " + MiniJson.Quote(location) + ", \"expectedState\": " + MiniJson.Quote(state) + "}"));
                string code = MiniJson.Str(callback, "code");
                Assert.That(string.IsNullOrEmpty(code), Is.False);
                Assert.That(MiniJson.Str(callback, "state"), Is.EqualTo(state));
                Assert.That(MiniJson.Str(callback, "params", "code"), Is.EqualTo(code));

                // Step 3: the instance.
                var instance = MiniJson.Object(client.CreateInstance(Flow.InstanceDocument(code, "csharp flow")));
                long id = MiniJson.Long(instance, "id");
                string token = MiniJson.Str(instance, "token");
                Assert.That(id > 0, "id " + id);
                Assert.That(string.IsNullOrEmpty(token), Is.False);
                Assert.That(MiniJson.Str(instance, "name"), Is.EqualTo("csharp flow"));

                // The connected service, through the instance.
                var orders = MiniJson.Object(client.Request("{\"method\": \"GET\", \"path\": \"/hubs/ecommerce/orders\", \"query\": {\"pageSize\": \"5\"}, \"elementToken\": " + MiniJson.Quote(token) + "}"));
                Assert.That(MiniJson.Long(orders, "status"), Is.EqualTo(200L));
                Assert.That(MiniJson.At(orders, "headers") is Dictionary<string, object>, "headers: " + MiniJson.At(orders, "headers"));
                Assert.That(MiniJson.At(orders, "body"), Is.Not.Null);

                var fetched = MiniJson.Object(client.GetInstance("{\"id\": " + id + "}"));
                Assert.That(MiniJson.Long(fetched, "id"), Is.EqualTo(id));

                var all = MiniJson.Object(client.ListInstances("{}"));
                Assert.That(Ids(all).Contains(id), "list: " + all);
                Assert.That(all.ContainsKey("nextPage"), "nextPage member present");

                var tagged = MiniJson.Object(client.ListInstances("{\"tags\": [\"csharp-test\"], \"pageSize\": 50}"));
                Assert.That(Ids(tagged).Contains(id), "tagged list");

                var untagged = MiniJson.Object(client.ListInstances("{\"tags\": [\"no-such-tag-anywhere\"]}"));
                Assert.That(Ids(untagged).Count, Is.EqualTo(0));

                var renamed = MiniJson.Object(client.UpdateInstance("{\"id\": " + id + ", \"instance\": {\"name\": \"renamed\"}, \"partial\": true}"));
                Assert.That(MiniJson.Long(renamed, "id"), Is.EqualTo(id));
                Assert.That(MiniJson.Str(renamed, "name"), Is.EqualTo("renamed"));

                var deleted = MiniJson.Object(client.DeleteInstance("{\"id\": " + id + "}"));
                Assert.That(MiniJson.Long(deleted, "id"), Is.EqualTo(id));
                Assert.That(MiniJson.At(deleted, "deleted"), Is.EqualTo(true));

                var gone = Expect.Failure(OcStatus.Api, () => client.GetInstance("{\"id\": " + id + "}"), code);
                Assert.That(gone.HttpStatus, Is.EqualTo(404));

                Secrets.AssertAbsent(client.ToString(), "client ToString()");
            }
        }

        [Test]
        public void OAuthUrlKeepsAGivenStateAndGeneratesOneOtherwise()
        {
            using (var client = Flow.NewClient())
            {
                var given = MiniJson.Object(client.OAuthUrl(Flow.OAuthUrlRequest("my-state-123")));
                Assert.That(MiniJson.Str(given, "state"), Is.EqualTo("my-state-123"));

                string first = MiniJson.Str(MiniJson.Object(client.OAuthUrl(Flow.OAuthUrlRequest(null))), "state");
                string second = MiniJson.Str(MiniJson.Object(client.OAuthUrl(Flow.OAuthUrlRequest(null))), "state");
                Assert.That(first.Length >= 22, "128 bits need at least 22 URL-safe characters: " + first);
                Assert.That(first, Is.Not.EqualTo(second));
                foreach (char c in first)
                {
                    Assert.That(char.IsLetterOrDigit(c) || c == '-' || c == '_', "URL-safe state: " + first);
                }
            }
        }

        [Test]
        public void NonAsciiTextSurvivesTheRoundTrip()
        {
            const string Name = "B\u00fccher, na\u00efve caf\u00e9 \u2713 \U0001D11E \u65e5\u672c";
            using (var client = Flow.NewClient())
            {
                var instance = Flow.Connect(client, Name);
                Assert.That(MiniJson.Str(instance, "name"), Is.EqualTo(Name));
                var fetched = MiniJson.Object(client.GetInstance("{\"id\": " + MiniJson.Long(instance, "id") + "}"));
                Assert.That(MiniJson.Str(fetched, "name"), Is.EqualTo(Name));
            }
        }

        private static List<long> Ids(Dictionary<string, object> list)
        {
            var ids = new List<long>();
            foreach (object item in (List<object>)list["instances"])
            {
                ids.Add(MiniJson.Long(item, "id"));
            }

            return ids;
        }
    }
}
