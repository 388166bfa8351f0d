using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace OpenConnectors.Tests
{
    // The ...Async twins on oc_call_async: the whole flow, many calls at once, errors through
    // the task, and a client disposed while its calls run.
    [TestFixture]
    public class AsyncTests
    {
        [SetUp]
        public void ResetEmulator()
        {
            Shared.Emulator.Reset();
        }

        [Test]
        public async Task FullFlowThroughTheAsyncTwins()
        {
            using (var client = Flow.NewClient())
            {
                var step1 = MiniJson.Object(await client.OAuthUrlAsync(Flow.OAuthUrlRequest(null)));
                string state = MiniJson.Str(step1, "state");
                var consent = Http.Send("GET", MiniJson.Str(step1, "oauthUrl"), null);
                Assert.That(consent.Status, Is.EqualTo(302));

                var callback = MiniJson.Object(await Callback.ParseAsync("{\"url\": " + MiniJson.Quote(consent.Location) + ", \"expectedState\": " + MiniJson.Quote(state) + "}"));
                string code = MiniJson.Str(callback, "code");
                Assert.That(MiniJson.Str(callback, "state"), Is.EqualTo(state));

                var instance = MiniJson.Object(await client.CreateInstanceAsync(Flow.InstanceDocument(code, "async flow")));
                long id = MiniJson.Long(instance, "id");
                string token = MiniJson.Str(instance, "token");

                var orders = MiniJson.Object(await client.RequestAsync("{\"method\": \"GET\", \"path\": \"/hubs/ecommerce/orders\", \"elementToken\": " + MiniJson.Quote(token) + "}"));
                Assert.That(MiniJson.Long(orders, "status"), Is.EqualTo(200L));

                Assert.That(MiniJson.Long(MiniJson.Object(await client.GetInstanceAsync("{\"id\": " + id + "}")), "id"), Is.EqualTo(id));
                var listed = (List<object>)MiniJson.At(MiniJson.Object(await client.ListInstancesAsync("{\"tags\": [\"csharp-test\"]}")), "instances");
                Assert.That(listed.Count, Is.EqualTo(1));

                var renamed = MiniJson.Object(await client.UpdateInstanceAsync("{\"id\": " + id + ", \"instance\": {\"name\": \"async renamed\"}, \"partial\": true}"));
                Assert.That(MiniJson.Str(renamed, "name"), Is.EqualTo("async renamed"));

                var deleted = MiniJson.Object(await client.DeleteInstanceAsync("{\"id\": " + id + "}"));
                Assert.That(MiniJson.At(deleted, "deleted"), Is.EqualTo(true));

                var gone = await Expect.FailureAsync(OcStatus.Api, () => client.GetInstanceAsync("{\"id\": " + id + "}"), code, token);
                Assert.That(gone.HttpStatus, Is.EqualTo(404));
            }
        }

        [Test]
        public async Task ErrorsEndTheTaskFaultedAndUsageErrorsThrowAtOnce()
        {
            using (var client = Flow.NewClient())
            {
                await Expect.FailureAsync(OcStatus.InvalidArgument, () => client.ListInstancesAsync("not json"));
                await Expect.FailureAsync(OcStatus.Validation, () => client.OAuthUrlAsync("{}"));
                await Expect.FailureAsync(OcStatus.StateMismatch, () => Callback.ParseAsync("{\"url\": \"?code=c&state=a\", \"expectedState\": \"b\"}"), "code=c");
                await Expect.FailureAsync(OcStatus.Validation, () => Callback.AwaitAsync("{\"callbackUrl\": \"http://127.0.0.1:1/auth\"}"));

                Assert.Throws<ArgumentNullException>(() => client.GetInstanceAsync(null));
                Assert.Throws<ArgumentException>(() => client.GetInstanceAsync("{\"id\": 1}\0"));
                Assert.Throws<ArgumentNullException>(() => Callback.AwaitAsync(null));
            }
        }

        [Test]
        public async Task AHundredConcurrentCallsEachGetTheirOwnResult()
        {
            const int Instances = 10;
            const int Calls = 100;
            using (var client = Flow.NewClient())
            {
                var ids = new long[Instances];
                for (int i = 0; i < Instances; i++)
                {
                    ids[i] = MiniJson.Long(Flow.Connect(client, "concurrent-" + i), "id");
                }

                // Every seventh call asks for an instance that does not exist and must fail alone.
                var tasks = new Task<string>[Calls];
                for (int i = 0; i < Calls; i++)
                {
                    long id = i % 7 == 6 ? 900000 + i : ids[i % Instances];
                    tasks[i] = client.GetInstanceAsync("{\"id\": " + id + "}");
                }

                try
                {
                    await Task.WhenAll(tasks);
                }
                catch (OpenConnectorsException)
                {
                    // Checked one by one below.
                }

                for (int i = 0; i < Calls; i++)
                {
                    if (i % 7 == 6)
                    {
                        Assert.That(tasks[i].IsFaulted, "call " + i + ": " + tasks[i].Status);
                        var e = (OpenConnectorsException)tasks[i].Exception.InnerException;
                        Assert.That(e.Status, Is.EqualTo(OcStatus.Api));
                        Assert.That(e.HttpStatus, Is.EqualTo(404));
                    }
                    else
                    {
                        Assert.That(tasks[i].Status, Is.EqualTo(TaskStatus.RanToCompletion), "call " + i);
                        var instance = MiniJson.Object(tasks[i].Result);
                        Assert.That(MiniJson.Long(instance, "id"), Is.EqualTo(ids[i % Instances]), "call " + i);
                        Assert.That(MiniJson.Str(instance, "name"), Is.EqualTo("concurrent-" + (i % Instances)), "call " + i);
                    }
                }
            }
        }

        [Test]
        public async Task ContinuationsDoNotRunOnTheLibrarysThread()
        {
            using (var client = Flow.NewClient())
            {
                int callerThread = Thread.CurrentThread.ManagedThreadId;
                bool? poolThread = null;
                // Held by the emulator, so that the continuation is attached before the call
                // completes (attached to a completed task, it would run here, inline).
                Shared.Emulator.Fault("{\"method\": \"GET\", \"pathPrefix\": \"/elements/api-v2/instances\", \"count\": 1, \"delayMs\": 300}");
                Task<string> call = client.ListInstancesAsync("{}");
                Assert.That(call.IsCompleted, Is.False, "the call completed before its continuation was attached");
                Task after = call.ContinueWith(t => poolThread = Thread.CurrentThread.IsThreadPoolThread, TaskContinuationOptions.ExecuteSynchronously);
                await after;
                Assert.That(poolThread, Is.True, "a continuation that asks to run synchronously still runs on the thread pool");
                Assert.That(callerThread, Is.Not.EqualTo(0));
            }
        }

        [Test]
        public async Task DisposeWhileAsyncCallsRunLetsThemComplete()
        {
            var client = Flow.NewClient();
            Shared.Emulator.Fault("{\"method\": \"GET\", \"pathPrefix\": \"/elements/api-v2/instances\", \"count\": 20, \"delayMs\": 300}");
            var tasks = new List<Task<string>>();
            for (int i = 0; i < 20; i++)
            {
                tasks.Add(client.ListInstancesAsync("{}"));
            }

            client.Dispose();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();

            foreach (string result in await Task.WhenAll(tasks))
            {
                Assert.That(MiniJson.Object(result).ContainsKey("instances"), result);
            }

            Assert.Throws<ObjectDisposedException>(() => client.ListInstancesAsync("{}"));
            Assert.Throws<ObjectDisposedException>(() => client.ListInstances("{}"));
        }

        [Test]
        public async Task ATaskDroppedByItsCallerStillCompletesAndFreesItsState()
        {
            using (var client = Flow.NewClient())
            {
                // Nobody holds these tasks; the library's reference keeps their state alive.
                for (int i = 0; i < 10; i++)
                {
                    Forget(client.ListInstancesAsync("{}"));
                }

                GC.Collect();
                GC.WaitForPendingFinalizers();
                Assert.That(MiniJson.Object(await client.ListInstancesAsync("{}")).ContainsKey("instances"));
                DateTime deadline = DateTime.UtcNow.AddSeconds(10);
                while (Shared.CountRequests("GET", "/elements/api-v2/instances") < 11 && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(20);
                }

                Assert.That(Shared.CountRequests("GET", "/elements/api-v2/instances"), Is.EqualTo(11));
            }
        }

        private static void Forget(Task task)
        {
        }
    }
}
