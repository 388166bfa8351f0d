using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using NUnit.Framework;

namespace OpenConnectors.Tests
{
    // Library.SetLogger: records as JSON with what was sent and no secret; off means off; a
    // failing sink never fails the call.
    [TestFixture]
    public class LoggerTests
    {
        [SetUp]
        public void ResetEmulator()
        {
            Shared.Emulator.Reset();
        }

        // No sink may outlive a test: the library calls it from its own threads.
        [TearDown]
        public void LoggingOff()
        {
            Library.SetLogger(null, 0);
        }

        [Test]
        public async Task RecordsDescribeEachExchangeAndHoldNoSecret()
        {
            var records = new List<KeyValuePair<int, string>>();
            Library.SetLogger((level, record) => { lock (records) { records.Add(new KeyValuePair<int, string>(level, record)); } }, 3);
            string code, token;
            using (var client = Flow.NewClient())
            {
                code = Flow.Code(client);
                var instance = MiniJson.Object(await client.CreateInstanceAsync(Flow.InstanceDocument(code, "logged")));
                token = MiniJson.Str(instance, "token");
                await client.RequestAsync("{\"method\": \"GET\", \"path\": \"/hubs/ecommerce/orders\", \"elementToken\": " + MiniJson.Quote(token) + "}");
                await client.GetInstanceAsync("{\"id\": " + MiniJson.Long(instance, "id") + "}");
                Expect.Failure(OcStatus.Api, () => client.GetInstance("{\"id\": 987654}"));
            }

            Library.SetLogger(null, 0);
            KeyValuePair<int, string>[] seen;
            lock (records)
            {
                seen = records.ToArray();
            }

            var exchanges = new List<Dictionary<string, object>>();
            foreach (var entry in seen)
            {
                Assert.That(entry.Key >= 1 && entry.Key <= 3, "level " + entry.Key + " of " + entry.Value);
                Secrets.AssertAbsent(entry.Value, "log record", code, token);
                Assert.That(entry.Value.IndexOf("apiSecret", StringComparison.Ordinal) < 0, "a query string in a log record: " + entry.Value);
                var record = MiniJson.Object(entry.Value);
                Assert.That(record.ContainsKey("level") && record.ContainsKey("message"), entry.Value);
                if (record.ContainsKey("method") && record.ContainsKey("status"))
                {
                    exchanges.Add(record);
                }
            }

            Assert.That(Find(exchanges, "GET", "/elements/infusionsoftecommerce/oauth/url", 200), Is.Not.Null, Describe(seen));
            Assert.That(Find(exchanges, "POST", "/instances", 200), Is.Not.Null, Describe(seen));
            Assert.That(Find(exchanges, "GET", "/hubs/ecommerce/orders", 200), Is.Not.Null, Describe(seen));
            var notFound = Find(exchanges, "GET", "/instances/987654", 404);
            Assert.That(notFound, Is.Not.Null, Describe(seen));
            Assert.That(MiniJson.Str(notFound, "operation"), Is.EqualTo("get_instance"));
        }

        [Test]
        public void NullTurnsLoggingOffAndALowerLevelDropsDetail()
        {
            int count = 0;
            Library.SetLogger((level, record) => System.Threading.Interlocked.Increment(ref count), 3);
            using (var client = Flow.NewClient())
            {
                client.ListInstances("{}");
                Assert.That(count, Is.GreaterThan(0));

                Library.SetLogger(null, 0);
                int before = count;
                client.ListInstances("{}");
                Assert.That(count, Is.EqualTo(before), "no record once SetLogger(null) returned");

                Library.SetLogger((level, record) => System.Threading.Interlocked.Increment(ref count), 1);
                client.ListInstances("{}");
                Assert.That(count, Is.EqualTo(before), "a successful call logs nothing at error level");
            }
        }

        [Test]
        public void ASinkThatThrowsNeverFailsTheCall()
        {
            int calls = 0;
            Library.SetLogger((level, record) => { System.Threading.Interlocked.Increment(ref calls); throw new InvalidOperationException("sink failure"); }, 5);
            using (var client = Flow.NewClient())
            {
                Assert.That(MiniJson.Object(client.ListInstances("{}")).ContainsKey("instances"));
                Assert.That(MiniJson.Object(client.ListInstancesAsync("{}").Result).ContainsKey("instances"));
            }

            Assert.That(calls, Is.GreaterThan(0));
        }

        [Test]
        public void SetLoggerFromInsideASinkIsRefusedRatherThanDeadlocking()
        {
            Exception refused = null;
            Library.SetLogger(
                (level, record) =>
                {
                    try
                    {
                        Library.SetLogger(null, 0);
                    }
                    catch (InvalidOperationException e)
                    {
                        refused = e;
                    }
                },
                3);
            using (var client = Flow.NewClient())
            {
                client.ListInstances("{}");
            }

            Assert.That(refused, Is.Not.Null);
            Assert.Throws<ArgumentOutOfRangeException>(() => Library.SetLogger((level, record) => { }, -1));
        }

        private static Dictionary<string, object> Find(List<Dictionary<string, object>> exchanges, string method, string pathSuffix, int status)
        {
            foreach (var record in exchanges)
            {
                if (MiniJson.Str(record, "method") == method
                    && MiniJson.Str(record, "path").EndsWith(pathSuffix, StringComparison.Ordinal)
                    && MiniJson.Long(record, "status") == status)
                {
                    return record;
                }
            }

            return null;
        }

        private static string Describe(KeyValuePair<int, string>[] records)
        {
            var lines = new List<string>();
            foreach (var entry in records)
            {
                lines.Add(entry.Key + " " + entry.Value);
            }

            return "records:\n" + string.Join("\n", lines.ToArray());
        }
    }
}
