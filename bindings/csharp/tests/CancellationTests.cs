using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace OpenConnectors.Tests
{
    // CancellationToken on every kind of call: a slow platform call, the wait for a browser,
    // a create that may already have reached the platform, and a token cancelled before the call.
    [TestFixture]
    public class CancellationTests
    {
        private const string SlowInstances = "{\"method\": \"GET\", \"pathPrefix\": \"/elements/api-v2/instances\", \"count\": 1, \"delayMs\": 5000}";

        // The library ends a cancelled call within 100 ms of the trigger; the rest is slack for a
        // loaded two-core machine.
        private const int CancelAfterMs = 100;
        // Generous: the contract says 100 ms, and the C tests print the measured figures;
        // this bound only catches a cancel that does not work, on a loaded machine too.
        private const int EndsWithinMs = 2000;

        [SetUp]
        public void ResetEmulator()
        {
            Shared.Emulator.Reset();
        }

        [Test]
        public async Task CancelAfterEndsASlowAsyncCallAsCanceledAndTheClientStaysUsable()
        {
            using (var client = Flow.NewClient())
            using (var cts = new CancellationTokenSource())
            {
                Shared.Emulator.Fault(SlowInstances);
                var clock = Stopwatch.StartNew();
                cts.CancelAfter(CancelAfterMs);
                Task<string> call = client.ListInstancesAsync("{}", cts.Token);
                TaskCanceledException e = await Expect.CanceledAsync(call);
                long elapsed = clock.ElapsedMilliseconds;
                Assert.That(elapsed >= CancelAfterMs - 10 && elapsed < EndsWithinMs, "ended after " + elapsed + " ms");
                Assert.That(e.CancellationToken, Is.EqualTo(cts.Token));

                Assert.That(MiniJson.Object(await client.ListInstancesAsync("{}")).ContainsKey("instances"));
                Assert.That(MiniJson.Object(client.ListInstances("{}")).ContainsKey("instances"));
            }
        }

        [Test]
        public void CancelAfterEndsASlowSyncCallWithOperationCanceled()
        {
            using (var client = Flow.NewClient())
            using (var cts = new CancellationTokenSource())
            {
                Shared.Emulator.Fault(SlowInstances);
                var clock = Stopwatch.StartNew();
                cts.CancelAfter(CancelAfterMs);
                var e = Assert.Throws<OperationCanceledException>(() => client.GetInstance("{\"id\": 1}", cts.Token));
                long elapsed = clock.ElapsedMilliseconds;
                Assert.That(elapsed >= CancelAfterMs - 10 && elapsed < EndsWithinMs, "ended after " + elapsed + " ms");
                Assert.That(e.CancellationToken, Is.EqualTo(cts.Token));

                // The library's own account is kept as the inner exception.
                var inner = (OpenConnectorsException)e.InnerException;
                Assert.That(inner.Status, Is.EqualTo(OcStatus.Cancelled));
                Assert.That(inner.Kind, Is.EqualTo("cancelled"));

                Assert.That(MiniJson.Object(client.ListInstances("{}")).ContainsKey("instances"));
            }
        }

        [Test]
        public async Task ATokenCancelledBeforeTheCallSendsNothing()
        {
            using (var client = Flow.NewClient())
            using (var cts = new CancellationTokenSource())
            {
                cts.Cancel();
                Assert.Throws<OperationCanceledException>(() => client.ListInstances("{}", cts.Token));
                await Expect.CanceledAsync(client.ListInstancesAsync("{}", cts.Token));
                await Expect.CanceledAsync(Callback.AwaitAsync("{\"callbackUrl\": \"http://127.0.0.1:1/auth\", \"expectedState\": \"s\"}", cts.Token));
                Assert.That(Shared.Journal().Count, Is.EqualTo(0));
            }
        }

        [Test]
        public async Task ATokenThatIsNeverCancelledChangesNothing()
        {
            using (var client = Flow.NewClient())
            using (var cts = new CancellationTokenSource())
            {
                Assert.That(MiniJson.Object(client.ListInstances("{}", cts.Token)).ContainsKey("instances"));
                Assert.That(MiniJson.Object(await client.ListInstancesAsync("{}", cts.Token)).ContainsKey("instances"));
                Assert.That(MiniJson.Str(MiniJson.Object(Callback.Parse("{\"url\": \"?code=c&state=s\"}")), "code"), Is.EqualTo("c"));
            }
        }

        [Test]
        public async Task ACancelledCreateThatMayHaveReachedThePlatformIsOutcomeUnknown()
        {
            using (var client = Flow.NewClient())
            {
                const string SlowCreate = "{\"method\": \"POST\", \"pathPrefix\": \"/elements/api-v2/instances\", \"count\": 1, \"delayMs\": 5000}";
                string code = Flow.Code(client);
                Shared.Emulator.Fault(SlowCreate);
                using (var cts = new CancellationTokenSource(CancelAfterMs))
                {
                    var e = Expect.Failure(OcStatus.OutcomeUnknown, () => client.CreateInstance(Flow.InstanceDocument(code, "cancelled"), cts.Token), code);
                    Assert.That(e, Is.Not.InstanceOf<OperationCanceledException>());
                }

                string code2 = Flow.Code(client);
                Shared.Emulator.Fault(SlowCreate);
                using (var cts = new CancellationTokenSource(CancelAfterMs))
                {
                    await Expect.FailureAsync(OcStatus.OutcomeUnknown, () => client.CreateInstanceAsync(Flow.InstanceDocument(code2, "cancelled"), cts.Token), code2);
                }
            }
        }

        [Test]
        public async Task CancellingAwaitAsyncStopsListening()
        {
            int port = Http.ClosedPort();
            string request = "{\"callbackUrl\": \"http://127.0.0.1:" + port + "/auth\", \"expectedState\": \"st-1\", \"timeoutMs\": 30000}";
            using (var cts = new CancellationTokenSource())
            {
                Task<string> wait = Callback.AwaitAsync(request, cts.Token);
                await Task.Delay(200);
                Assert.That(wait.IsCompleted, Is.False, "still waiting for the browser: " + wait.Status);
                var clock = Stopwatch.StartNew();
                cts.Cancel();
                await Expect.CanceledAsync(wait);
                Assert.That(clock.ElapsedMilliseconds < EndsWithinMs - CancelAfterMs, "ended " + clock.ElapsedMilliseconds + " ms after the cancel");
            }

            // The port was released: a new wait on it gets the redirect.
            Task<string> again = Callback.AwaitAsync(request);
            var browser = Task.Run(() => CallbackTests.Retry(() => Http.Send("GET", "http://127.0.0.1:" + port + "/auth?code=the-code&state=st-1", null).Status));
            Assert.That(MiniJson.Str(MiniJson.Object(await again), "code"), Is.EqualTo("the-code"));
            Assert.That(await browser, Is.EqualTo(200));
        }

        [Test]
        public void CancellingTheSyncAwaitThrowsOperationCanceled()
        {
            string request = "{\"callbackUrl\": \"http://127.0.0.1:" + Http.ClosedPort() + "/auth\", \"expectedState\": \"st-2\", \"timeoutMs\": 30000}";
            using (var cts = new CancellationTokenSource(300))
            {
                var clock = Stopwatch.StartNew();
                Assert.Throws<OperationCanceledException>(() => Callback.Await(request, cts.Token));
                Assert.That(clock.ElapsedMilliseconds < 300 + EndsWithinMs, "ended after " + clock.ElapsedMilliseconds + " ms");
            }
        }

        [Test]
        public async Task ManyCallsCancelledTogetherAllEndCanceled()
        {
            using (var client = Flow.NewClient())
            using (var cts = new CancellationTokenSource())
            {
                Shared.Emulator.Fault("{\"method\": \"GET\", \"pathPrefix\": \"/elements/api-v2/instances\", \"count\": 30, \"delayMs\": 5000}");
                var calls = new Task<string>[30];
                for (int i = 0; i < calls.Length; i++)
                {
                    calls[i] = client.ListInstancesAsync("{}", cts.Token);
                }

                await Task.Delay(100);
                var clock = Stopwatch.StartNew();
                cts.Cancel();
                foreach (var call in calls)
                {
                    await Expect.CanceledAsync(call);
                }

                Assert.That(clock.ElapsedMilliseconds < EndsWithinMs, "all ended " + clock.ElapsedMilliseconds + " ms after the cancel");
            }
        }
    }
}
