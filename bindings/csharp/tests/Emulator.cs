using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;

namespace OpenConnectors.Tests
{
    // One emulator process for the whole run, started on first use. A lazily started shared
    // instance instead of [TestFixtureSetUp]/[OneTimeSetUp] keeps the tests source-compatible
    // with NUnit 2.6 and NUnit 3/4, whose fixture-setup attributes differ.
    internal static class Emulator
    {
        internal const string UserSecret = "usr-SECRET-5f1c2a9e";
        internal const string OrganizationSecret = "org-SECRET-9d3e7b41";

        private static readonly object Gate = new object();
        private static readonly Queue<string> StderrTail = new Queue<string>();
        private static Process process;
        private static Exception startFailure;
        private static string baseUrl;
        private static string rootUrl;

        // http://127.0.0.1:PORT/elements/api-v2
        internal static string BaseUrl
        {
            get
            {
                EnsureStarted();
                return baseUrl;
            }
        }

        // http://127.0.0.1:PORT
        internal static string RootUrl
        {
            get
            {
                EnsureStarted();
                return rootUrl;
            }
        }

        internal static void Reset()
        {
            Hook("POST", "/__emulator/reset", "{}");
        }

        // For example {"method":"GET","pathPrefix":"/elements/api-v2/instances","count":1,"status":503}.
        internal static void Fault(string faultJson)
        {
            Hook("POST", "/__emulator/faults", faultJson);
        }

        // Every request the emulator received since the last reset, as {method, path} pairs of
        // the journal (whatever its exact nesting).
        internal static List<KeyValuePair<string, string>> Journal()
        {
            var found = new List<KeyValuePair<string, string>>();
            Collect(MiniJson.Parse(Hook("GET", "/__emulator/requests", null)), found);
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

        internal static string Describe()
        {
            lock (StderrTail)
            {
                return "emulator stderr (last lines):\n" + string.Join("\n", StderrTail.ToArray());
            }
        }

        internal sealed class Response
        {
            internal int Status;
            internal string Location;
            internal string Body;
        }

        private static string Hook(string method, string path, string jsonBody)
        {
            var answer = Send(method, RootUrl + path, jsonBody);
            if (answer.Status < 200 || answer.Status > 299)
            {
                throw new InvalidOperationException("The emulator refused " + method + " " + path + " " + jsonBody + ": " + answer.Status + " " + answer.Body);
            }

            return answer.Body;
        }

        // One HTTP exchange without following redirects; non-2xx answers are returned, not thrown.
        internal static Response Send(string method, string url, string jsonBody)
        {
            var request = (HttpWebRequest)WebRequest.Create(url);
            request.Method = method;
            request.AllowAutoRedirect = false;
            request.KeepAlive = false;
            request.Proxy = null;
            request.Timeout = 15000;
            if (jsonBody != null)
            {
                byte[] bytes = Encoding.UTF8.GetBytes(jsonBody);
                request.ContentType = "application/json";
                request.ContentLength = bytes.Length;
                using (Stream s = request.GetRequestStream())
                {
                    s.Write(bytes, 0, bytes.Length);
                }
            }

            HttpWebResponse response;
            try
            {
                response = (HttpWebResponse)request.GetResponse();
            }
            catch (WebException e)
            {
                response = e.Response as HttpWebResponse;
                if (response == null)
                {
                    throw;
                }
            }

            using (response)
            using (var reader = new StreamReader(response.GetResponseStream(), Encoding.UTF8))
            {
                return new Response
                {
                    Status = (int)response.StatusCode,
                    Location = response.Headers["Location"],
                    Body = reader.ReadToEnd(),
                };
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

        private static void Collect(object node, List<KeyValuePair<string, string>> found)
        {
            var obj = node as Dictionary<string, object>;
            if (obj != null)
            {
                object method, path;
                if (obj.TryGetValue("method", out method) && obj.TryGetValue("path", out path) && method is string && path is string)
                {
                    found.Add(new KeyValuePair<string, string>((string)method, (string)path));
                    return;
                }

                foreach (object child in obj.Values)
                {
                    Collect(child, found);
                }

                return;
            }

            var list = node as List<object>;
            if (list != null)
            {
                foreach (object child in list)
                {
                    Collect(child, found);
                }
            }
        }

        private static void EnsureStarted()
        {
            lock (Gate)
            {
                if (process != null)
                {
                    return;
                }

                // A failed start fails every later test at once instead of waiting again.
                if (startFailure != null)
                {
                    throw new InvalidOperationException("The emulator failed to start earlier: " + startFailure.Message, startFailure);
                }

                try
                {
                    Start();
                }
                catch (Exception e)
                {
                    startFailure = e;
                    throw;
                }
            }
        }

        private static void Start()
        {
            string path = TestEnvironment.EmulatorPath;
            var info = new ProcessStartInfo(path, "--listen 127.0.0.1:0 --user-secret " + UserSecret + " --organization-secret " + OrganizationSecret)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
            };

            var listening = new ManualResetEvent(false);
            string firstLine = null;
            var p = new Process { StartInfo = info };

            // Both pipes are drained for the life of the process so it never blocks on a write.
            p.OutputDataReceived += (sender, e) =>
            {
                if (firstLine == null)
                {
                    // null: stdout closed before the line came (the process exited).
                    firstLine = e.Data ?? string.Empty;
                    listening.Set();
                }
            };
            p.ErrorDataReceived += (sender, e) =>
            {
                if (e.Data == null)
                {
                    return;
                }

                lock (StderrTail)
                {
                    StderrTail.Enqueue(e.Data);
                    while (StderrTail.Count > 40)
                    {
                        StderrTail.Dequeue();
                    }
                }
            };

            if (!File.Exists(path))
            {
                throw new InvalidOperationException("The emulator binary does not exist at " + path + " (set OPENCONNECTORS_EMULATOR, or run cargo build -p openconnectors-emulator).");
            }

            p.Start();
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            AppDomain.CurrentDomain.DomainUnload += (sender, e) => Stop(p);
            AppDomain.CurrentDomain.ProcessExit += (sender, e) => Stop(p);

            if (!listening.WaitOne(TimeSpan.FromSeconds(20)))
            {
                Stop(p);
                throw new InvalidOperationException("The emulator did not print its address within 20 s. " + Describe());
            }

            const string Prefix = "listening on ";
            if (!firstLine.StartsWith(Prefix, StringComparison.Ordinal))
            {
                Stop(p);
                throw new InvalidOperationException("Unexpected first line from the emulator " + path + ": '" + firstLine + "'. " + Describe());
            }

            baseUrl = firstLine.Substring(Prefix.Length).Trim();
            var uri = new Uri(baseUrl);
            rootUrl = uri.Scheme + "://" + uri.Authority;
            process = p;
        }

        private static void Stop(Process p)
        {
            try
            {
                if (!p.HasExited)
                {
                    p.Kill();
                    p.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }
    }
}
