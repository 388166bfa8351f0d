using System;
using System.Collections.Generic;
using System.Threading;
using NUnit.Framework;

namespace OpenConnectors.Tests
{
    // Library version, handle lifetime, argument marshalling and use from many threads.
    [TestFixture]
    public class LifetimeTests
    {
        [SetUp]
        public void ResetEmulator()
        {
            Shared.Emulator.Reset();
        }

        [Test]
        public void CompatibilityMeansTheSameMajorAndMinorVersion()
        {
            Assert.That(Library.IsCompatible("0.1.0", "0.1.0"));
            Assert.That(Library.IsCompatible("0.1.9", "0.1.0"));
            Assert.That(Library.IsCompatible("0.1.1-rc.1", "0.1.0"));
            Assert.That(Library.IsCompatible("0.2.0", "0.1.0"), Is.False);
            Assert.That(Library.IsCompatible("1.1.0", "0.1.0"), Is.False);
            Assert.That(Library.IsCompatible("0.10.0", "0.1.0"), Is.False);
            Assert.That(Library.IsCompatible("0.1.", "0.1.0"), Is.False);
            Assert.That(Library.IsCompatible("0.1", "0.1.0"), Is.False);
            Assert.That(Library.IsCompatible(string.Empty, "0.1.0"), Is.False);
            Assert.That(Library.IsCompatible(null, "0.1.0"), Is.False);
        }

        [Test]
        public void AnEmptyConfigurationIsValid()
        {
            using (var client = new OpenConnectorsClient("{}"))
            {
                Assert.That(client.ToString(), Is.EqualTo("OpenConnectorsClient(open)"));
            }
        }

        [Test]
        public void CallsAfterDisposeThrowObjectDisposedAndDisposeTwiceIsFine()
        {
            var client = Flow.NewClient();
            client.ListInstances("{}");
            client.Dispose();
            client.Dispose();
            Assert.That(client.ToString(), Is.EqualTo("OpenConnectorsClient(disposed)"));

            var calls = new Func<string, string>[]
            {
                json => client.OAuthUrl(json), json => client.CreateInstance(json), json => client.GetInstance(json),
                json => client.ListInstances(json), json => client.UpdateInstance(json), json => client.DeleteInstance(json),
                json => client.Request(json),
                json => client.OAuthUrlAsync(json).Result, json => client.CreateInstanceAsync(json).Result,
                json => client.GetInstanceAsync(json).Result, json => client.ListInstancesAsync(json).Result,
                json => client.UpdateInstanceAsync(json).Result, json => client.DeleteInstanceAsync(json).Result,
                json => client.RequestAsync(json).Result,
            };
            foreach (var call in calls)
            {
                var e = Assert.Throws<ObjectDisposedException>(() => call("{}"));
                Assert.That(e.ObjectName, Is.EqualTo(typeof(OpenConnectorsClient).FullName));
            }
        }

        [Test]
        public void NullAndNulCharactersAreRejectedBeforeTheCall()
        {
            using (var client = Flow.NewClient())
            {
                Assert.Throws<ArgumentNullException>(() => client.GetInstance(null));
                Assert.Throws<ArgumentNullException>(() => Callback.Parse(null));
                Assert.Throws<ArgumentNullException>(() => new OpenConnectorsClient(null));
                Assert.Throws<ArgumentException>(() => client.GetInstance("{\"id\": 1}\0garbage"));
            }
        }

        [Test]
        public void ToStringNeverRevealsTheConfiguration()
        {
            var client = Flow.NewClient();
            Secrets.AssertAbsent(client.ToString(), "client ToString()");
            client.Dispose();
            Secrets.AssertAbsent(client.ToString(), "disposed client ToString()");
        }

        [Test]
        public void OneClientServesManyThreadsAtOnce()
        {
            const int Threads = 8;
            const int CallsPerThread = 20;
            using (var client = Flow.NewClient())
            {
                var ids = new long[Threads];
                for (int i = 0; i < Threads; i++)
                {
                    ids[i] = MiniJson.Long(Flow.Connect(client, "thread-" + i), "id");
                }

                var failures = new List<string>();
                int succeeded = 0;
                var start = new ManualResetEvent(false);
                var threads = new List<Thread>();
                for (int t = 0; t < Threads; t++)
                {
                    int index = t;
                    var thread = new Thread(() =>
                    {
                        start.WaitOne();
                        for (int i = 0; i < CallsPerThread; i++)
                        {
                            try
                            {
                                var instance = MiniJson.Object(client.GetInstance("{\"id\": " + ids[index] + "}"));
                                if (MiniJson.Long(instance, "id") != ids[index] || MiniJson.Str(instance, "name") != "thread-" + index)
                                {
                                    throw new InvalidOperationException("thread " + index + " got another instance: " + MiniJson.Str(instance, "name"));
                                }

                                Interlocked.Increment(ref succeeded);
                            }
                            catch (Exception e)
                            {
                                lock (failures)
                                {
                                    failures.Add(e.ToString());
                                }
                            }
                        }
                    });
                    thread.IsBackground = true;
                    threads.Add(thread);
                    thread.Start();
                }

                start.Set();
                foreach (var thread in threads)
                {
                    Assert.That(thread.Join(TimeSpan.FromSeconds(60)), "thread finished within 60 s");
                }

                Assert.That(failures.Count, Is.EqualTo(0), string.Join("\n", failures.ToArray()));
                Assert.That(succeeded, Is.EqualTo(Threads * CallsPerThread));
            }
        }

        [Test]
        public void DisposeWhileCallsRunLetsThemFinishAndStopsTheNextOnes()
        {
            var client = Flow.NewClient();
            var failures = new List<string>();
            int succeeded = 0;
            int disposedSeen = 0;
            var threads = new List<Thread>();
            for (int t = 0; t < 6; t++)
            {
                var thread = new Thread(() =>
                {
                    while (true)
                    {
                        try
                        {
                            MiniJson.Object(client.ListInstances("{}"));
                            Interlocked.Increment(ref succeeded);
                        }
                        catch (ObjectDisposedException)
                        {
                            Interlocked.Increment(ref disposedSeen);
                            return;
                        }
                        catch (Exception e)
                        {
                            lock (failures)
                            {
                                failures.Add(e.ToString());
                            }

                            return;
                        }
                    }
                });
                thread.IsBackground = true;
                threads.Add(thread);
                thread.Start();
            }

            DateTime deadline = DateTime.UtcNow.AddSeconds(10);
            while (Volatile.Read(ref succeeded) < 30 && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(5);
            }

            client.Dispose();
            foreach (var thread in threads)
            {
                Assert.That(thread.Join(TimeSpan.FromSeconds(30)), "thread finished within 30 s");
            }

            Assert.That(failures.Count, Is.EqualTo(0), string.Join("\n", failures.ToArray()));
            Assert.That(disposedSeen, Is.EqualTo(6));
            Assert.That(succeeded >= 30, "calls succeeded before Dispose: " + succeeded);
        }
    }
}
