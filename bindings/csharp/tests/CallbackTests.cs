using System;
using System.Threading;
using NUnit.Framework;

namespace OpenConnectors.Tests
{
    [TestFixture]
    public class CallbackTests
    {
        [Test]
        public void ParseAcceptsAQueryStringAndDecodesItAsAForm()
        {
            var result = MiniJson.Object(Callback.Parse("{\"url\": \"?code=a%2Fb+c&state=s1&extra=x\", \"expectedState\": \"s1\"}"));
            Assert.That(MiniJson.Str(result, "code"), Is.EqualTo("a/b c"));
            Assert.That(MiniJson.Str(result, "state"), Is.EqualTo("s1"));
            Assert.That(MiniJson.Str(result, "params", "extra"), Is.EqualTo("x"));
        }

        [Test]
        public void ParseWithoutACodeIsValidation()
        {
            var e = Expect.Failure(OcStatus.Validation, () => Callback.Parse("{\"url\": \"https://app.example/auth?state=s1\"}"));
            Assert.That(MiniJson.Str(MiniJson.Object(e.ErrorJson), "error", "missing", 0), Is.EqualTo("/code"));
        }

        [Test]
        public void AwaitReturnsTheRedirectAnotherThreadDelivers()
        {
            int port = Http.ClosedPort();
            string callbackUrl = "http://127.0.0.1:" + port + "/auth";
            int faviconStatus = 0;
            int callbackStatus = 0;
            Exception browserError = null;

            // The "browser": waits for the listener, asks for a favicon first, then follows the redirect.
            var browser = new Thread(() =>
            {
                try
                {
                    faviconStatus = Retry(() => Http.Send("GET", "http://127.0.0.1:" + port + "/favicon.ico", null).Status);
                    callbackStatus = Http.Send("GET", callbackUrl + "?code=the-code&state=st-42&x=1", null).Status;
                }
                catch (Exception e)
                {
                    browserError = e;
                }
            });
            browser.IsBackground = true;
            browser.Start();

            var result = MiniJson.Object(Callback.Await("{\"callbackUrl\": " + MiniJson.Quote(callbackUrl) + ", \"expectedState\": \"st-42\", \"timeoutMs\": 15000}"));
            Assert.That(browser.Join(TimeSpan.FromSeconds(15)), "browser thread finished");
            Assert.That(browserError, Is.Null, browserError == null ? string.Empty : browserError.ToString());
            Assert.That(MiniJson.Str(result, "code"), Is.EqualTo("the-code"));
            Assert.That(MiniJson.Str(result, "state"), Is.EqualTo("st-42"));
            Assert.That(MiniJson.Str(result, "params", "x"), Is.EqualTo("1"));
            Assert.That(faviconStatus, Is.EqualTo(404));
            Assert.That(callbackStatus >= 200 && callbackStatus < 300, "the browser gets a page: " + callbackStatus);
        }

        [Test]
        public void AwaitWithoutARedirectIsTimeout()
        {
            string callbackUrl = "http://127.0.0.1:" + Http.ClosedPort() + "/auth";
            Expect.Failure(OcStatus.Timeout, () => Callback.Await("{\"callbackUrl\": " + MiniJson.Quote(callbackUrl) + ", \"expectedState\": \"s\", \"timeoutMs\": 200}"));
        }

        [Test]
        public void AwaitOnANonLoopbackHostIsValidation()
        {
            Expect.Failure(OcStatus.Validation, () => Callback.Await("{\"callbackUrl\": \"https://app.example/auth\", \"timeoutMs\": 200}"));
        }

        // Until the listener is up the port refuses connections; try for up to 10 s.
        internal static int Retry(Func<int> send)
        {
            DateTime deadline = DateTime.UtcNow.AddSeconds(10);
            while (true)
            {
                try
                {
                    return send();
                }
                catch (System.Net.Http.HttpRequestException)
                {
                    if (DateTime.UtcNow > deadline)
                    {
                        throw;
                    }

                    Thread.Sleep(50);
                }
            }
        }
    }
}
