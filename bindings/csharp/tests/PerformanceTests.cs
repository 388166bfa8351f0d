using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using OpenConnectors.Native;

namespace OpenConnectors.Tests
{
    // What the binding adds to a call: the same operation (parse_callback, no I/O) through the
    // public API and through a bare P/Invoke with everything prepared, blocking and
    // asynchronous. The target is at most 30 us per call.
    [TestFixture]
    public class PerformanceTests
    {
        private const double BudgetMicroseconds = 30;
        private const int Calls = 3000;
        private const int AsyncBatch = 500;

        private const string Request = "{\"url\": \"https://app.example/auth?code=4/0AbCdEfGhIjKlMnOpQrStUvWxYz-0123456789&state=Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0&scope=a%20b%20c\", \"expectedState\": \"Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0\"}";

        private static readonly byte[] Operation = Encoding.UTF8.GetBytes("parse_callback\0");
        private static readonly byte[] RequestBytes = Encoding.UTF8.GetBytes(Request + "\0");

        private static readonly NativeMethods.CallCallback BareCallback = OnBareCompleted;
        private static readonly IntPtr BareCallbackPointer = Marshal.GetFunctionPointerForDelegate<NativeMethods.CallCallback>(BareCallback);
        private static int barePending;
        private static ManualResetEventSlim bareDone;

        [Test]
        public void BlockingCallsCostAtMost30MicrosecondsMoreThanTheBareCall()
        {
            Callback.Parse(Request);
            Assert.That(Overhead("blocking", TimeBare, TimeBinding), Is.LessThan(BudgetMicroseconds), "overhead per call in microseconds");
        }

        [Test]
        public void AsyncCallsCostAtMost30MicrosecondsMoreThanTheBareCall()
        {
            Callback.ParseAsync(Request).Wait();
            Assert.That(Overhead("async", TimeBareAsync, TimeBindingAsync), Is.LessThan(BudgetMicroseconds), "overhead per call in microseconds");
        }

        // Noise on a shared machine only ever adds time, so a measurement over the budget is
        // taken again, up to three times, and the lowest figure counts.
        private static double Overhead(string kind, Func<double> runBare, Func<double> runBinding)
        {
            double lowest = double.MaxValue;
            for (int attempt = 0; attempt < 3 && lowest >= BudgetMicroseconds; attempt++)
            {
                double bare, binding;
                Best(runBare, runBinding, out bare, out binding);
                lowest = Math.Min(lowest, binding - bare);
                Console.WriteLine("{0}: bare {1:F1} us, binding {2:F1} us, overhead {3:F1} us per call", kind, bare, binding, binding - bare);
            }

            return lowest;
        }

        // The best of five runs of each, taken in turns so that both see the same machine.
        private static void Best(Func<double> runBare, Func<double> runBinding, out double bare, out double binding)
        {
            bare = double.MaxValue;
            binding = double.MaxValue;
            for (int i = 0; i < 5; i++)
            {
                bare = Math.Min(bare, runBare());
                binding = Math.Min(binding, runBinding());
            }
        }

        private static double TimeBare()
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < Calls; i++)
            {
                IntPtr response;
                uint status = NativeMethods.oc_call(IntPtr.Zero, Operation, RequestBytes, IntPtr.Zero, out response);
                NativeMethods.oc_string_free(response);
                if (status != 0)
                {
                    throw new InvalidOperationException("status " + status);
                }
            }

            return Micros(clock, Calls);
        }

        private static double TimeBinding()
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < Calls; i++)
            {
                Callback.Parse(Request);
            }

            return Micros(clock, Calls);
        }

        // Batches of calls in flight at once, as a server would have them.
        private static double TimeBareAsync()
        {
            var clock = Stopwatch.StartNew();
            for (int done = 0; done < Calls; done += AsyncBatch)
            {
                bareDone = new ManualResetEventSlim();
                barePending = AsyncBatch;
                for (int i = 0; i < AsyncBatch; i++)
                {
                    uint status = NativeMethods.oc_call_async(IntPtr.Zero, Operation, RequestBytes, IntPtr.Zero, BareCallbackPointer, IntPtr.Zero);
                    if (status != 0)
                    {
                        throw new InvalidOperationException("status " + status);
                    }
                }

                bareDone.Wait();
            }

            return Micros(clock, Calls);
        }

        private static double TimeBindingAsync()
        {
            var clock = Stopwatch.StartNew();
            var tasks = new Task<string>[AsyncBatch];
            for (int done = 0; done < Calls; done += AsyncBatch)
            {
                for (int i = 0; i < AsyncBatch; i++)
                {
                    tasks[i] = Callback.ParseAsync(Request);
                }

                Task.WaitAll(tasks);
            }

            return Micros(clock, Calls);
        }

        private static void OnBareCompleted(IntPtr userData, uint status, IntPtr response)
        {
            NativeMethods.oc_string_free(response);
            if (Interlocked.Decrement(ref barePending) == 0)
            {
                bareDone.Set();
            }
        }

        private static double Micros(Stopwatch clock, int calls)
        {
            return clock.Elapsed.TotalMilliseconds * 1000.0 / calls;
        }
    }
}
