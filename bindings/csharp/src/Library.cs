using System;
using OpenConnectors.Native;

namespace OpenConnectors
{
    /// <summary>
    /// The native library behind this package (<c>libopenconnectors.so</c>,
    /// <c>libopenconnectors.dylib</c> or <c>openconnectors.dll</c>).
    /// </summary>
    /// <remarks>
    /// On .NET the library is taken from the NuGet package's <c>runtimes/&lt;rid&gt;/native/</c>
    /// folder. On Mono it is found by the dynamic linker: put its directory on
    /// <c>LD_LIBRARY_PATH</c> (<c>DYLD_LIBRARY_PATH</c> on macOS), or map it with a
    /// <c>&lt;dllmap dll="openconnectors" target="/path/to/libopenconnectors.so"/&gt;</c> in
    /// <c>OpenConnectors.dll.config</c>. Before the first operation the library's version is
    /// compared with the one this assembly was written for.
    /// </remarks>
    public static class Library
    {
        private static readonly object Gate = new object();
        private static volatile bool compatible;

        /// <summary>
        /// The version of the loaded native library (<c>oc_version()</c>), for example <c>"0.2.0"</c>.
        /// Reading it loads the library but does not check compatibility, so it also serves to
        /// diagnose a mismatch.
        /// </summary>
        /// <exception cref="DllNotFoundException">The native library could not be loaded.</exception>
        public static string Version
        {
            get { return Utf8.Read(NativeMethods.oc_version()); }
        }

        /// <summary>
        /// Sends the library's log records to <paramref name="sink"/>, process-wide, replacing the
        /// sink set before; <c>null</c> (or <paramref name="maxLevel"/> 0) turns logging off, which
        /// is the default.
        /// </summary>
        /// <remarks>
        /// <para>
        /// Each record is one JSON object, for example
        /// <c>{"level": "info", "target": "http", "message": "GET /instances/42 200 in 83 ms", "method": "GET",
        /// "path": "/instances/42", "status": 200, "durationMs": 83, "attempt": 1, "operation": "get_instance"}</c>.
        /// At info there is one record per finished HTTP exchange and per retry decision; at debug,
        /// connections opened and reused, backoff waits and callback-listener requests. No record
        /// holds a secret, a query string, a header value or a body. Records above
        /// <paramref name="maxLevel"/> are never built, so a low level costs nothing.
        /// </para>
        /// <para>
        /// The sink runs on the library thread that did the work, possibly on several threads at
        /// once, while the call it logs waits: keep it short (hand the record to your logging
        /// framework and return). Exceptions it throws are caught and dropped. It must not call
        /// <see cref="SetLogger"/>. Once <see cref="SetLogger"/> returns, the previous sink is no
        /// longer running and will not be called again. The library keeps the delegate alive for
        /// as long as it is installed.
        /// </para>
        /// </remarks>
        /// <param name="sink">Receives the level (1 error, 2 warn, 3 info, 4 debug, 5 trace) and the record as JSON text; null turns logging off.</param>
        /// <param name="maxLevel">The most detailed level wanted, 0 (off) to 5 (trace); above 5 counts as 5.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLevel"/> is negative.</exception>
        /// <exception cref="InvalidOperationException">Called from inside a sink.</exception>
        /// <exception cref="DllNotFoundException">The native library could not be loaded.</exception>
        /// <example>
        /// <code>
        /// Library.SetLogger((level, record) => logger.Log(level &lt;= 2 ? LogLevel.Warning : LogLevel.Information, "{Record}", record), 3);
        /// </code>
        /// </example>
        public static void SetLogger(Action<int, string> sink, int maxLevel)
        {
            EnsureCompatible();
            Logger.Set(sink, maxLevel);
        }

        // Called before every operation; after the first success it costs one volatile read.
        internal static void EnsureCompatible()
        {
            if (compatible)
            {
                return;
            }

            lock (Gate)
            {
                if (compatible)
                {
                    return;
                }

                string actual;
                try
                {
                    actual = Version;
                }
                catch (DllNotFoundException e)
                {
                    throw new DllNotFoundException(
                        "The native library 'openconnectors' (libopenconnectors.so, libopenconnectors.dylib or openconnectors.dll) could not be loaded. "
                        + "On .NET it comes from the package's runtimes/<rid>/native/ folder; on Mono put its directory on LD_LIBRARY_PATH "
                        + "or add a <dllmap> for 'openconnectors' to OpenConnectors.dll.config.",
                        e);
                }

                if (!IsCompatible(actual, BuildInfo.NativeVersion))
                {
                    throw new InvalidOperationException(
                        "The loaded native library openconnectors is version '" + actual + "', but this OpenConnectors assembly needs "
                        + BuildInfo.NativeVersion + " (same major and minor version). Use the native library that ships with the package.");
                }

                compatible = true;
            }
        }

        // Same major and minor number ("0.1.7" is fine for "0.1.0"): patch releases keep the ABI.
        internal static bool IsCompatible(string actual, string expected)
        {
            int secondDot = expected.IndexOf('.', expected.IndexOf('.') + 1);
            string prefix = expected.Substring(0, secondDot + 1);
            return actual != null
                && actual.Length > prefix.Length
                && actual.StartsWith(prefix, StringComparison.Ordinal)
                && char.IsDigit(actual[prefix.Length]);
        }
    }
}
