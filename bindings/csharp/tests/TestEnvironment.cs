using System;
using System.IO;

namespace OpenConnectors.Tests
{
    // Where the tests find the emulator binary: OPENCONNECTORS_EMULATOR, else
    // target/debug/openconnectors-emulator of the checkout the tests sit in.
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

        // The checkout: the nearest directory above the working directory or the test assembly
        // holding bindings/csharp/OpenConnectors.csproj.
        private static string Checkout()
        {
            foreach (string start in new[] { Environment.CurrentDirectory, AssemblyDirectory() })
            {
                for (string dir = start; !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
                {
                    if (File.Exists(Path.Combine(Path.Combine(Path.Combine(dir, "bindings"), "csharp"), "OpenConnectors.csproj")))
                    {
                        return dir;
                    }
                }
            }

            throw new InvalidOperationException("Cannot find the checkout from " + Environment.CurrentDirectory + "; set OPENCONNECTORS_EMULATOR.");
        }

        private static string AssemblyDirectory()
        {
            return Path.GetDirectoryName(typeof(TestEnvironment).Assembly.Location);
        }
    }
}
