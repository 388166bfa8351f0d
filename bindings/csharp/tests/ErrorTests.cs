using System;
using NUnit.Framework;

namespace OpenConnectors.Tests
{
    // Every status reached for real through the library and the emulator (Internal,
    // which only a library bug produces, is covered in ExceptionTests).
    [TestFixture]
    public class ErrorTests
    {
        [SetUp]
        public void ResetEmulator()
        {
            Shared.Emulator.Reset();
        }

        [Test]
        public void TextThatIsNotJsonIsInvalidArgument()
        {
            Expect.Failure(OcStatus.InvalidArgument, () => new OpenConnectorsClient("not json"));
            Expect.Failure(OcStatus.InvalidArgument, () => Callback.Parse("not json"));
            using (var client = Flow.NewClient())
            {
                Expect.Failure(OcStatus.InvalidArgument, () => client.OAuthUrl("not json"));
                Expect.Failure(OcStatus.InvalidArgument, () => client.ListInstances("[]"));
            }
        }

        [Test]
        public void AMemberOfTheWrongTypeIsInvalidArgumentNamingIt()
        {
            using (var client = Flow.NewClient())
            {
                string request = Flow.OAuthUrlRequest(null).Replace("\"apiKey\": " + MiniJson.Quote(Flow.ApiKey), "\"apiKey\": 5");
                var e = Expect.Failure(OcStatus.InvalidArgument, () => client.OAuthUrl(request));
                Assert.That(MiniJson.Str(MiniJson.Object(e.ErrorJson), "error", "invalid", 0, "pointer"), Is.EqualTo("/apiKey"));
            }
        }

        [Test]
        public void AMissingApiKeyIsValidationNamingIt()
        {
            using (var client = Flow.NewClient())
            {
                string request = Flow.OAuthUrlRequest(null).Replace("\"apiKey\": " + MiniJson.Quote(Flow.ApiKey) + ", ", string.Empty);
                var e = Expect.Failure(OcStatus.Validation, () => client.OAuthUrl(request));
                Assert.That(MiniJson.Str(MiniJson.Object(e.ErrorJson), "error", "missing", 0), Is.EqualTo("/apiKey"));
                Assert.That(e.HttpStatus, Is.Null);
            }

            Assert.That(Shared.CountRequests("GET", "/elements/api-v2/elements/"), Is.EqualTo(0), "nothing is sent on a validation error");
        }

        [Test]
        public void OneSecretWithoutTheOtherIsValidation()
        {
            string config = "{\"baseUrl\": " + MiniJson.Quote(Shared.Emulator.BaseUrl) + ", \"userSecret\": " + MiniJson.Quote(Shared.UserSecret) + "}";
            Expect.Failure(OcStatus.Validation, () => new OpenConnectorsClient(config));
        }

        [Test]
        public void TheProviderDenyingConsentIsOAuthDenied()
        {
            using (var client = Flow.NewClient())
            {
                string state;
                string location = Flow.Consent(client, "&decision=deny", out state);
                var e = Expect.Failure(OcStatus.OAuthDenied, () => Callback.Parse("{\"url\": " + MiniJson.Quote(location) + ", \"expectedState\": " + MiniJson.Quote(state) + "}"));
                Assert.That(MiniJson.Str(MiniJson.Object(e.ErrorJson), "error", "oauthError"), Is.EqualTo("access_denied"));
            }
        }

        [Test]
        public void AnotherStateIsStateMismatchAndHidesTheCode()
        {
            using (var client = Flow.NewClient())
            {
                string state;
                string location = Flow.Consent(client, string.Empty, out state);
                string code = MiniJson.Str(MiniJson.Object(Callback.Parse("{\"url\": " + MiniJson.Quote(location) + "}")), "code");
                Expect.Failure(OcStatus.StateMismatch, () => Callback.Parse("{\"url\": " + MiniJson.Quote(location) + ", \"expectedState\": \"not-the-state\"}"), code);
            }
        }

        [Test]
        public void AnUnknownInstanceIsApi404()
        {
            using (var client = Flow.NewClient())
            {
                var e = Expect.Failure(OcStatus.Api, () => client.GetInstance("{\"id\": 987654321}"));
                Assert.That(e.HttpStatus, Is.EqualTo(404));
            }
        }

        [Test]
        public void AFailedPostIsApiWithItsStatusAndIsNotRetried()
        {
            using (var client = Flow.NewClient())
            {
                string token = MiniJson.Str(Flow.Connect(client, "api-503"), "token");
                Shared.Emulator.Fault("{\"method\": \"POST\", \"pathPrefix\": \"/elements/api-v2/hubs/ecommerce/orders\", \"count\": 1, \"status\": 503}");
                var e = Expect.Failure(
                    OcStatus.Api,
                    () => client.Request("{\"method\": \"POST\", \"path\": \"/hubs/ecommerce/orders\", \"body\": {\"total\": 1}, \"elementToken\": " + MiniJson.Quote(token) + "}"),
                    token);
                Assert.That(e.HttpStatus, Is.EqualTo(503));
                Assert.That(Shared.CountRequests("POST", "/elements/api-v2/hubs/ecommerce/orders"), Is.EqualTo(1));
            }
        }

        [Test]
        public void ASlowAnswerIsTimeout()
        {
            using (var client = Flow.NewClient("\"timeoutMs\": 200", "\"maxRetries\": 0"))
            {
                Shared.Emulator.Fault("{\"method\": \"GET\", \"pathPrefix\": \"/elements/api-v2/instances\", \"count\": 1, \"delayMs\": 600}");
                Expect.Failure(OcStatus.Timeout, () => client.ListInstances("{}"));
            }
        }

        [Test]
        public void AClosedPortIsTransportAndHidesTheApiSecret()
        {
            string config = "{\"baseUrl\": \"http://127.0.0.1:" + Http.ClosedPort() + "/elements/api-v2\", \"userSecret\": "
                + MiniJson.Quote(Shared.UserSecret) + ", \"organizationSecret\": " + MiniJson.Quote(Shared.OrganizationSecret)
                + ", \"maxRetries\": 0}";
            using (var client = new OpenConnectorsClient(config))
            {
                Expect.Failure(OcStatus.Transport, () => client.ListInstances("{}"));
                Expect.Failure(OcStatus.Transport, () => client.OAuthUrl(Flow.OAuthUrlRequest(null)));
            }
        }

        [Test]
        public void ANonJsonAnswerIsDecode()
        {
            using (var client = Flow.NewClient())
            {
                Shared.Emulator.Fault("{\"method\": \"GET\", \"pathPrefix\": \"/elements/api-v2/instances\", \"count\": 1, \"nonJson\": true}");
                Expect.Failure(OcStatus.Decode, () => client.ListInstances("{}"));
            }
        }

        [Test]
        public void AConnectionDroppedAfterTheCreateWasSentIsOutcomeUnknown()
        {
            using (var client = Flow.NewClient())
            {
                string code = Flow.Code(client);
                Shared.Emulator.Fault("{\"method\": \"POST\", \"pathPrefix\": \"/elements/api-v2/instances\", \"count\": 1, \"drop\": \"before_response\"}");
                Expect.Failure(OcStatus.OutcomeUnknown, () => client.CreateInstance(Flow.InstanceDocument(code, "dropped")), code);
                Assert.That(Shared.CountRequests("POST", "/elements/api-v2/instances"), Is.EqualTo(1), "a create is never retried");
            }
        }
    }
}
