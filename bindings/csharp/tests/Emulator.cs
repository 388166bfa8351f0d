// The openconnectors platform emulator for your own test suites (NUnit, xUnit, MSTest): copy
// this file, change the namespace, and reference System.Net.Http (built into .NET 6+).
//
//     using (var emulator = Emulator.Start())
//     using (var client = new OpenConnectorsClient(
//         "{\"baseUrl\": \"" + emulator.BaseUrl + "\", \"userSecret\": \"" + emulator.UserSecret +
//         "\", \"organizationSecret\": \"" + emulator.OrganizationSecret + "\"}"))
//     {
//         emulator.Fault("{\"method\": \"GET\", \"pathPrefix\": \"/elements/api-v2/instances\", \"count\": 1, \"status\": 503}");
//         ...
//         string journal = emulator.Requests();   // what the client sent, as a JSON array
//     }
//
// Start it once per fixture or per run (it starts in milliseconds) and call Reset() between
// tests to forget instances, codes and faults.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net.Http;
using System.Text;
using System.Threading;

namespace OpenConnectors.Tests
{
    /// <summary>A running openconnectors-emulator on a free loopback port, stopped by Dispose.</summary>
    public sealed class Emulator : IDisposable
    {
        private const string ListeningPrefix = "listening on ";

        private readonly Process process;
        private readonly HttpClient http = new HttpClient(new HttpClientHandler { UseProxy = false, AllowAutoRedirect = false });

        private Emulator(Process process, string baseUrl, string userSecret, string organizationSecret)
        {
            this.process = process;
            BaseUrl = baseUrl;
            var uri = new Uri(baseUrl);
            RootUrl = uri.Scheme + "://" + uri.Authority;
            UserSecret = userSecret;
            OrganizationSecret = organizationSecret;
        }

        /// <summary>The API's base URL for the client's <c>baseUrl</c>: <c>http://127.0.0.1:PORT/elements/api-v2</c>.</summary>
        public string BaseUrl { get; }

        /// <summary>The server's root, where the test hooks live: <c>http://127.0.0.1:PORT</c>.</summary>
        public string RootUrl { get; }

        /// <summary>The user secret the emulator accepts.</summary>
        public string UserSecret { get; }

        /// <summary>The organization secret the emulator accepts.</summary>
        public string OrganizationSecret { get; }

        /// <summary>
        /// Starts the emulator and waits (up to 20 s) for its <c>listening on</c> line. The binary is
        /// <paramref name="path"/>, else the <c>OPENCONNECTORS_EMULATOR</c> environment variable,
        /// else <c>openconnectors-emulator</c> on the PATH.
        /// </summary>
        public static Emulator Start(string path = null, string userSecret = "test-user-secret", string organizationSecret = "test-organization-secret")
        {
            path = path ?? Environment.GetEnvironmentVariable("OPENCONNECTORS_EMULATOR") ?? "openconnectors-emulator";
            var info = new ProcessStartInfo(path, "--listen 127.0.0.1:0 --user-secret " + userSecret + " --organization-secret " + organizationSecret)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            var process = new Process { StartInfo = info };
            string firstLine = null;
            var gotLine = new ManualResetEventSlim();
            var tail = new Queue<string>();
            process.OutputDataReceived += (sender, e) =>
            {
                if (firstLine == null)
                {
                    firstLine = e.Data ?? string.Empty; // null: the process exited first
                    gotLine.Set();
                }
            };
            process.ErrorDataReceived += (sender, e) =>
            {
                lock (tail)
                {
                    if (e.Data != null && tail.Count < 40)
                    {
                        tail.Enqueue(e.Data);
                    }
                }
            };

            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!gotLine.Wait(TimeSpan.FromSeconds(20)) || !firstLine.StartsWith(ListeningPrefix, StringComparison.Ordinal))
            {
                Kill(process);
                lock (tail)
                {
                    throw new InvalidOperationException("The emulator " + path + " did not start (first line: '" + firstLine + "'; stderr: " + string.Join(" | ", tail.ToArray()) + ").");
                }
            }

            return new Emulator(process, firstLine.Substring(ListeningPrefix.Length).Trim(), userSecret, organizationSecret);
        }

        /// <summary>Forgets every instance, code, fault and recorded request.</summary>
        public void Reset()
        {
            Hook(HttpMethod.Post, "/__emulator/reset", "{}");
        }

        /// <summary>
        /// Arms a fault for the next matching requests, for example
        /// <c>{"method": "GET", "pathPrefix": "/elements/api-v2/instances", "count": 1, "delayMs": 2000}</c>
        /// (or <c>"status": 503</c>, <c>"drop": "before_response"</c>, <c>"truncate": true</c>, <c>"nonJson": true</c>).
        /// </summary>
        public void Fault(string faultJson)
        {
            Hook(HttpMethod.Post, "/__emulator/faults", faultJson);
        }

        /// <summary>Disarms every fault.</summary>
        public void ClearFaults()
        {
            Hook(HttpMethod.Delete, "/__emulator/faults", null);
        }

        /// <summary>
        /// The requests received since the last reset, oldest first, as a JSON array of
        /// <c>{"method", "path", "query", "headers", "body"}</c> (the Authorization value replaced by
        /// the names of its parts).
        /// </summary>
        public string Requests()
        {
            return Hook(HttpMethod.Get, "/__emulator/requests", null);
        }

        /// <summary>Stops the emulator.</summary>
        public void Dispose()
        {
            http.Dispose();
            Kill(process);
            process.Dispose();
        }

        private string Hook(HttpMethod method, string path, string json)
        {
            using (var request = new HttpRequestMessage(method, RootUrl + path))
            {
                if (json != null)
                {
                    request.Content = new StringContent(json, Encoding.UTF8, "application/json");
                }

                using (HttpResponseMessage response = http.SendAsync(request).ConfigureAwait(false).GetAwaiter().GetResult())
                {
                    string body = response.Content.ReadAsStringAsync().ConfigureAwait(false).GetAwaiter().GetResult();
                    if (!response.IsSuccessStatusCode)
                    {
                        throw new InvalidOperationException("The emulator refused " + method + " " + path + ": " + (int)response.StatusCode + " " + body);
                    }

                    return body;
                }
            }
        }

        private static void Kill(Process process)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill();
                    process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }
    }
}
