// A C# program using the OpenConnectors NuGet package, compiled by check.sh with mcs against
// the installed package and run under Mono: the library version, a call without I/O and a call
// to the emulator. Arguments: expected version, emulator base URL, user secret, org secret.
using System;
using OpenConnectors;

internal static class Consumer
{
    private static int Main(string[] args)
    {
        if (Library.Version != args[0])
        {
            Console.Error.WriteLine("consumer: native library " + Library.Version + ", expected " + args[0]);
            return 1;
        }
        string callback = Callback.Parse(
            "{\"url\": \"http://127.0.0.1:8765/auth?code=c0de&state=st4te\", \"expectedState\": \"st4te\"}");
        string config = "{\"baseUrl\": \"" + args[1] + "\", \"userSecret\": \"" + args[2] +
            "\", \"organizationSecret\": \"" + args[3] + "\"}";
        using (var client = new OpenConnectorsClient(config))
        {
            string instances = client.ListInstances("{}");
            Console.WriteLine("consumer: OpenConnectors " + Library.Version + "; " + callback + "; " + instances);
        }
        return 0;
    }
}
