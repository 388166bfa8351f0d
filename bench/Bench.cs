// The C# side of the performance benchmark (bench/run builds it with mcs against
// bindings/csharp/src/*.cs and runs it with mono; not a test).
//
//   mono Bench.exe URL N ROUNDS TOTAL INFLIGHT THREADS
//
// What the binding adds to a call: pairs of N calls of OpenConnectorsClient.GetInstance (and
// of GetInstanceAsync, awaited one after the other) against the same calls made in C by
// libbenchcalls.so (bench/calls.c) in this process, the side that goes first alternating; the
// per-pair difference per call is the binding's cost. Then throughput: TOTAL calls with
// INFLIGHT GetInstanceAsync calls in flight against the same calls spread over THREADS threads
// of GetInstance. Every figure is printed as one tab-separated row: section, figure, value,
// detail.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OpenConnectors;

internal static class Bench
{
    private const string Request = "{\"id\":1}";
    private static readonly byte[] Operation = Encoding.ASCII.GetBytes("get_instance\0");
    private static readonly byte[] RequestBytes = Encoding.ASCII.GetBytes(Request + "\0");

    [DllImport("benchcalls")]
    private static extern double bc_sync(IntPtr client, byte[] op, byte[] req, long n);

    [DllImport("benchcalls")]
    private static extern double bc_async(IntPtr client, byte[] op, byte[] req, long n);

    [DllImport("openconnectors")]
    private static extern uint oc_client_new(byte[] config, out IntPtr client, out IntPtr error);

    [DllImport("openconnectors")]
    private static extern void oc_client_free(IntPtr client);

    private static int Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        Thread.CurrentThread.CurrentCulture = CultureInfo.InvariantCulture;
        string baseUrl = args[0];
        int n = int.Parse(args[1]);
        int rounds = int.Parse(args[2]);
        int total = int.Parse(args[3]);
        int inflight = int.Parse(args[4]);
        int threads = int.Parse(args[5]);
        string config = "{\"baseUrl\":\"" + baseUrl + "\",\"userSecret\":\"u\",\"organizationSecret\":\"o\"}";

        // ThreadPool.SetMinThreads is left alone: on Mono, pool threads above the number of
        // cores spin while idle and slow every call in the process down (4x here).
        var clients = new Clients(config);
        Func<int, double> cSync = k => Check(bc_sync(clients.Native, Operation, RequestBytes, k));
        Func<int, double> cAsync = k => Check(bc_async(clients.Native, Operation, RequestBytes, k));
        Func<int, double> sync = k => Sync(clients.Managed, k);
        Func<int, double> async = k => SequentialAsync(clients.Managed, k).GetAwaiter().GetResult();

        foreach (var warm in new[] { cSync, cAsync, sync, async })
        {
            warm(Math.Max(10, n / 10));
        }

        Difference("blocking: GetInstance", sync, cSync, "oc_call", n, rounds, clients);
        Difference("async: GetInstanceAsync, awaited one at a time", async, cAsync, "oc_call_async + wait", n, rounds, clients);
        clients.Dispose();
        using (var client = new OpenConnectorsClient(config))
        {
            Throughput(client, total, inflight, threads, Math.Max(3, rounds / 2));
        }

        return 0;
    }

    private static double Check(double seconds)
    {
        if (seconds < 0)
        {
            throw new InvalidOperationException("a C call failed");
        }

        return seconds;
    }

    private static double Sync(OpenConnectorsClient client, int n)
    {
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < n; i++)
        {
            client.GetInstance(Request);
        }

        return clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> SequentialAsync(OpenConnectorsClient client, int n)
    {
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < n; i++)
        {
            await client.GetInstanceAsync(Request);
        }

        return clock.Elapsed.TotalSeconds;
    }

    // n calls with `inflight` of them in flight at all times: `inflight` loops, each awaiting
    // its calls one after the other.
    private static double InFlight(OpenConnectorsClient client, int n, int inflight)
    {
        int left = n;
        Func<Task> loop = async () =>
        {
            while (Interlocked.Decrement(ref left) >= 0)
            {
                await client.GetInstanceAsync(Request);
            }
        };
        var clock = Stopwatch.StartNew();
        var loops = new Task[inflight];
        for (int i = 0; i < inflight; i++)
        {
            loops[i] = loop();
        }

        Task.WaitAll(loops);
        return clock.Elapsed.TotalSeconds;
    }

    private static double Threads(OpenConnectorsClient client, int n, int threads)
    {
        var workers = new Thread[threads];
        var start = new Barrier(threads + 1);
        for (int i = 0; i < threads; i++)
        {
            int calls = n / threads + (i < n % threads ? 1 : 0);
            workers[i] = new Thread(() =>
            {
                start.SignalAndWait();
                for (int j = 0; j < calls; j++)
                {
                    client.GetInstance(Request);
                }
            });
            workers[i].Start();
        }

        start.SignalAndWait();
        var clock = Stopwatch.StartNew();
        foreach (var worker in workers)
        {
            worker.Join();
        }

        return clock.Elapsed.TotalSeconds;
    }

    // Pairs of n calls of each side, the first side alternating; the binding's cost per call is
    // the median of the per-pair differences.
    private static void Difference(string what, Func<int, double> binding, Func<int, double> c, string cName, int n, int rounds, Clients clients)
    {
        var ours = new List<double>();
        var bare = new List<double>();
        var diff = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            clients.Renew();
            double b, o;
            if (r % 2 == 0)
            {
                b = c(n);
                o = binding(n);
            }
            else
            {
                o = binding(n);
                b = c(n);
            }

            ours.Add(o / n * 1e6);
            bare.Add(b / n * 1e6);
            diff.Add((o - b) / n * 1e6);
        }

        Row("C#", what + ", cost over C (us/call)", Format(Median(diff), "F1"),
            string.Format("min {0:F1}, max {1:F1} over {2} pairs; N={3}", diff.Min(), diff.Max(), rounds, n));
        Row("C#", what + " (us/call)", Format(Median(ours), "F1"), "median over pairs");
        Row("C#", "C " + cName + " in the same process (us/call)", Format(Median(bare), "F1"), "median over pairs");
    }

    private static void Throughput(OpenConnectorsClient client, int total, int inflight, int threads, int rounds)
    {
        InFlight(client, Math.Max(inflight, total / 10), inflight);
        Threads(client, Math.Max(threads, total / 10), threads);
        var async = new List<double>();
        var sync = new List<double>();
        var ratio = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            double a, s;
            if (r % 2 == 0)
            {
                a = InFlight(client, total, inflight);
                s = Threads(client, total, threads);
            }
            else
            {
                s = Threads(client, total, threads);
                a = InFlight(client, total, inflight);
            }

            async.Add(total / a);
            sync.Add(total / s);
            ratio.Add(s / a);
        }

        Row("Async", string.Format("C#: {0} GetInstanceAsync in flight (calls/s)", inflight), Format(Median(async), "F0"),
            string.Format("median of {0} rounds, {1} calls each", rounds, total));
        Row("Async", string.Format("C#: GetInstance on {0} threads (calls/s)", threads), Format(Median(sync), "F0"),
            string.Format("median of {0} rounds, {1} calls each", rounds, total));
        Row("Async", string.Format("C#: {0} in flight / {1} threads (throughput ratio)", inflight, threads), Format(Median(ratio), "F2"),
            string.Format("min {0:F2}, max {1:F2} over {2} pairs", ratio.Min(), ratio.Max(), rounds));
    }

    // The package's client and the C loops' own (the same configuration), renewed before every
    // pair: new connections, opened before the clock starts. nginx hands each to one of its
    // workers, and a connection served by the worker on the client's CPU answers faster than one
    // served across CPUs; a side must not keep the luckier one for the whole run.
    private sealed class Clients : IDisposable
    {
        private readonly string config;

        internal Clients(string config)
        {
            this.config = config;
            Renew();
        }

        internal OpenConnectorsClient Managed { get; private set; }

        internal IntPtr Native { get; private set; }

        internal void Renew()
        {
            Dispose();
            IntPtr native, error;
            if (oc_client_new(Encoding.UTF8.GetBytes(config + "\0"), out native, out error) != 0)
            {
                throw new InvalidOperationException("oc_client_new failed");
            }

            Native = native;
            Managed = new OpenConnectorsClient(config);
            Managed.GetInstance(Request);
            Check(bc_sync(Native, Operation, RequestBytes, 1));
        }

        public void Dispose()
        {
            if (Managed != null)
            {
                Managed.Dispose();
                Managed = null;
            }

            if (Native != IntPtr.Zero)
            {
                oc_client_free(Native);
                Native = IntPtr.Zero;
            }
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        int m = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }

    private static string Format(double value, string format)
    {
        return value.ToString(format, CultureInfo.InvariantCulture);
    }

    private static void Row(string section, string figure, string value, string detail)
    {
        Console.WriteLine(section + "\t" + figure + "\t" + value + "\t" + detail);
        Console.Out.Flush();
    }
}
