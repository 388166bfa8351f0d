using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;

namespace OpenConnectors.Tests
{
    // Where the tests find things: the emulator binary (OPENCONNECTORS_EMULATOR, else
    // target/debug/openconnectors-emulator of the checkout) and the checkout itself (for the header).
    internal static class TestEnvironment
    {
        internal static string EmulatorPath
        {
            get
            {
                string fromEnv = Environment.GetEnvironmentVariable("OPENCONNECTORS_EMULATOR");
                if (!string.IsNullOrEmpty(fromEnv))
                {
                    return fromEnv;
                }

                return Path.Combine(Path.Combine(Path.Combine(Checkout(), "target"), "debug"), "openconnectors-emulator");
            }
        }

        internal static string HeaderPath
        {
            get { return Path.Combine(Path.Combine(Checkout(), "include"), "openconnectors.h"); }
        }

        // The checkout: the nearest directory above the working directory or the test assembly
        // holding bindings/csharp/OpenConnectors.csproj.
        private static string Checkout()
        {
            foreach (string start in new[] { Environment.CurrentDirectory, Path.GetDirectoryName(typeof(TestEnvironment).Assembly.Location) })
            {
                for (string dir = start; !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
                {
                    if (File.Exists(Path.Combine(Path.Combine(Path.Combine(dir, "bindings"), "csharp"), "OpenConnectors.csproj")))
                    {
                        return dir;
                    }
                }
            }

            throw new InvalidOperationException("Cannot find the checkout from " + Environment.CurrentDirectory + ".");
        }
    }

    // One emulator for the whole run, started on first use and stopped when the process or the
    // test domain goes away. A lazily started instance instead of [TestFixtureSetUp]/[OneTimeSetUp]
    // keeps the tests source-compatible with NUnit 2.6 and NUnit 3/4, whose attributes differ.
    internal static class Shared
    {
        internal const string UserSecret = "usr-SECRET-5f1c2a9e";
        internal const string OrganizationSecret = "org-SECRET-9d3e7b41";

        private static readonly Lazy<Emulator> Instance = new Lazy<Emulator>(StartEmulator);

        internal static Emulator Emulator
        {
            get { return Instance.Value; }
        }

        // Every request the emulator received since the last reset, as (method, path).
        internal static List<KeyValuePair<string, string>> Journal()
        {
            var found = new List<KeyValuePair<string, string>>();
            foreach (object entry in (List<object>)MiniJson.Parse(Emulator.Requests()))
            {
                found.Add(new KeyValuePair<string, string>(MiniJson.Str(entry, "method"), MiniJson.Str(entry, "path")));
            }

            return found;
        }

        internal static int CountRequests(string method, string pathPrefix)
        {
            int n = 0;
            foreach (var entry in Journal())
            {
                if (entry.Key == method && entry.Value.StartsWith(pathPrefix, StringComparison.Ordinal))
                {
                    n++;
                }
            }

            return n;
        }

        private static Emulator StartEmulator()
        {
            string path = TestEnvironment.EmulatorPath;
            if (!File.Exists(path))
            {
                throw new InvalidOperationException("The emulator binary does not exist at " + path + " (set OPENCONNECTORS_EMULATOR, or run cargo build -p openconnectors-emulator).");
            }

            var emulator = Emulator.Start(path, UserSecret, OrganizationSecret);
            AppDomain.CurrentDomain.DomainUnload += (sender, e) => emulator.Dispose();
            AppDomain.CurrentDomain.ProcessExit += (sender, e) => emulator.Dispose();
            return emulator;
        }
    }

    // Plain HTTP for the tests' "browser": one exchange, redirects not followed, non-2xx answers
    // returned rather than thrown.
    internal static class Http
    {
        private static readonly HttpClient Client = new HttpClient(new HttpClientHandler { UseProxy = false, AllowAutoRedirect = false })
        {
            Timeout = TimeSpan.FromSeconds(15),
        };

        internal sealed class Response
        {
            internal int Status;
            internal string Location;
            internal string Body;
        }

        internal static Response Send(string method, string url, string jsonBody)
        {
            using (var request = new HttpRequestMessage(new HttpMethod(method), url))
            {
                if (jsonBody != null)
                {
                    request.Content = new StringContent(jsonBody, Encoding.UTF8, "application/json");
                }

                using (HttpResponseMessage response = Client.SendAsync(request).GetAwaiter().GetResult())
                {
                    return new Response
                    {
                        Status = (int)response.StatusCode,
                        Location = response.Headers.Location == null ? null : response.Headers.Location.OriginalString,
                        Body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult(),
                    };
                }
            }
        }

        // A loopback port with nothing listening on it (bound, then released).
        internal static int ClosedPort()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }
    }
}
