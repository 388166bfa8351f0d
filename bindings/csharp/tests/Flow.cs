using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using NUnit.Framework;

namespace OpenConnectors.Tests
{
    // The OAuth flow against the emulator, and the values it uses.
    internal static class Flow
    {
        internal const string Element = "infusionsoftecommerce";
        internal const string ApiKey = "api-key-public-4411";
        internal const string ApiSecret = "api-SECRET-77ab21c0";
        internal const string CallbackUrl = "https://app.example/auth";

        // The client configuration for the emulator, with extra members such as "\"timeoutMs\": 200".
        internal static string Config(params string[] extraMembers)
        {
            var members = new List<string>
            {
                "\"baseUrl\": " + MiniJson.Quote(Shared.Emulator.BaseUrl),
                "\"userSecret\": " + MiniJson.Quote(Shared.UserSecret),
                "\"organizationSecret\": " + MiniJson.Quote(Shared.OrganizationSecret),
            };
            members.AddRange(extraMembers);
            return "{" + string.Join(", ", members.ToArray()) + "}";
        }

        internal static OpenConnectorsClient NewClient(params string[] extraMembers)
        {
            return new OpenConnectorsClient(Config(extraMembers));
        }

        internal static string OAuthUrlRequest(string state)
        {
            return "{\"element\": " + MiniJson.Quote(Element)
                + ", \"apiKey\": " + MiniJson.Quote(ApiKey)
                + ", \"apiSecret\": " + MiniJson.Quote(ApiSecret)
                + ", \"callbackUrl\": " + MiniJson.Quote(CallbackUrl)
                + (state == null ? string.Empty : ", \"state\": " + MiniJson.Quote(state))
                + "}";
        }

        // Step 1 and the provider's consent: the redirect URL the browser would be sent back to.
        internal static string Consent(OpenConnectorsClient client, string suffix, out string state)
        {
            var step1 = MiniJson.Object(client.OAuthUrl(OAuthUrlRequest(null)));
            state = MiniJson.Str(step1, "state");
            string oauthUrl = MiniJson.Str(step1, "oauthUrl");
            Assert.That(oauthUrl.StartsWith(Shared.Emulator.RootUrl + "/oauth/authorize?", StringComparison.Ordinal), "oauthUrl: " + oauthUrl);

            var answer = Http.Send("GET", oauthUrl + suffix, null);
            Assert.That(answer.Status, Is.EqualTo(302), "authorize answer: " + answer.Body);
            Assert.That(answer.Location, Is.Not.Null);
            Assert.That(answer.Location.StartsWith(CallbackUrl + "?", StringComparison.Ordinal), "Location: " + answer.Location);
            return answer.Location;
        }

        // Steps 1 and 2: a fresh authorization code.
        internal static string Code(OpenConnectorsClient client)
        {
            string state;
            string location = Consent(client, string.Empty, out state);
            var callback = MiniJson.Object(Callback.Parse("{\"url\": " + MiniJson.Quote(location) + ", \"expectedState\": " + MiniJson.Quote(state) + "}"));
            Assert.That(MiniJson.Str(callback, "state"), Is.EqualTo(state));
            return MiniJson.Str(callback, "code");
        }

        internal static string InstanceDocument(string code, string name)
        {
            return "{\"element\": {\"key\": " + MiniJson.Quote(Element) + "}"
                + ", \"providerData\": {\"code\": " + MiniJson.Quote(code) + "}"
                + ", \"configuration\": {\"oauth.callback.url\": " + MiniJson.Quote(CallbackUrl)
                + ", \"oauth.api.key\": " + MiniJson.Quote(ApiKey)
                + ", \"oauth.api.secret\": " + MiniJson.Quote(ApiSecret) + "}"
                + ", \"tags\": [\"csharp-test\"], \"name\": " + MiniJson.Quote(name) + "}";
        }

        // Steps 1 to 3: a provisioned instance.
        internal static Dictionary<string, object> Connect(OpenConnectorsClient client, string name)
        {
            return MiniJson.Object(client.CreateInstance(InstanceDocument(Code(client), name)));
        }
    }

    internal static class Secrets
    {
        internal static readonly string[] All = { Shared.UserSecret, Shared.OrganizationSecret, Flow.ApiSecret };

        internal static void AssertAbsent(string text, string what, params string[] more)
        {
            if (text == null)
            {
                return;
            }

            foreach (string secret in All)
            {
                Assert.That(text.IndexOf(secret, StringComparison.Ordinal) < 0, what + " reveals a secret: " + text);
            }

            foreach (string secret in more)
            {
                Assert.That(text.IndexOf(secret, StringComparison.Ordinal) < 0, what + " reveals a secret (" + secret.Length + " chars): " + text);
            }
        }
    }

    internal static class Expect
    {
        // Runs call, which must throw OpenConnectorsException with status; checks the kind that
        // goes with it, and that neither the message, ToString() nor the error document holds a
        // secret (including the extra ones given, such as an authorization code).
        internal static OpenConnectorsException Failure(OcStatus status, TestDelegate call, params string[] moreSecrets)
        {
            OpenConnectorsException e = null;
            try
            {
                call();
            }
            catch (OpenConnectorsException caught)
            {
                e = caught;
            }

            Assert.That(e, Is.Not.Null, "expected OpenConnectorsException " + status + ", but the call succeeded");
            Assert.That(e.Status, Is.EqualTo(status), "status; error document: " + e.ErrorJson);
            Assert.That(e.Kind, Is.EqualTo(KindOf(status)), "kind; error document: " + e.ErrorJson);
            Assert.That(string.IsNullOrEmpty(e.Message), Is.False, "message");
            Assert.That(e.ErrorJson, Is.Not.Null);
            var error = MiniJson.Object(e.ErrorJson);
            Assert.That(MiniJson.Str(error, "error", "message"), Is.EqualTo(e.Message));
            Secrets.AssertAbsent(e.Message, "exception message", moreSecrets);
            Secrets.AssertAbsent(e.ToString(), "exception ToString()", moreSecrets);
            Secrets.AssertAbsent(e.ErrorJson, "error document", moreSecrets);
            return e;
        }

        // The asynchronous counterpart of Failure: the task must end faulted with
        // OpenConnectorsException of that status, with the same checks.
        internal static async Task<OpenConnectorsException> FailureAsync(OcStatus status, Func<Task> call, params string[] moreSecrets)
        {
            OpenConnectorsException e = null;
            try
            {
                await call();
            }
            catch (OpenConnectorsException caught)
            {
                e = caught;
            }

            return Failure(status, () => { if (e != null) { throw e; } }, moreSecrets);
        }

        // The task must end canceled: awaiting it throws TaskCanceledException.
        internal static async Task<TaskCanceledException> CanceledAsync(Task task)
        {
            try
            {
                await task;
            }
            catch (TaskCanceledException e)
            {
                Assert.That(task.IsCanceled, "task status " + task.Status);
                return e;
            }

            Assert.Fail("expected the task to end canceled, but it ended " + task.Status);
            return null;
        }

        internal static string KindOf(OcStatus status)
        {
            switch (status)
            {
                case OcStatus.InvalidArgument: return "invalid_argument";
                case OcStatus.Validation: return "validation";
                case OcStatus.OAuthDenied: return "oauth_denied";
                case OcStatus.StateMismatch: return "state_mismatch";
                case OcStatus.Api: return "api";
                case OcStatus.Timeout: return "timeout";
                case OcStatus.Transport: return "transport";
                case OcStatus.Decode: return "decode";
                case OcStatus.OutcomeUnknown: return "outcome_unknown";
                case OcStatus.Cancelled: return "cancelled";
                case OcStatus.Signature: return "signature";
                case OcStatus.Internal: return "internal";
                default: throw new ArgumentOutOfRangeException("status");
            }
        }
    }
}
