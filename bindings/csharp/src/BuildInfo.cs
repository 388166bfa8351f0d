using System.Reflection;
using System.Runtime.CompilerServices;

[assembly: AssemblyTitle("OpenConnectors")]
[assembly: AssemblyDescription("Thin .NET binding of the openconnectors C library (SAP Open Connectors).")]
[assembly: AssemblyVersion("0.2.0.0")]
[assembly: AssemblyFileVersion("0.2.0.0")]
[assembly: AssemblyInformationalVersion(OpenConnectors.BuildInfo.NativeVersion)]
[assembly: InternalsVisibleTo("OpenConnectors.Tests")]

namespace OpenConnectors
{
    // One place for the version; OpenConnectors.csproj's <Version> must say the same.
    internal static class BuildInfo
    {
        // The oc_version() this assembly was written against. A library with the same
        // major.minor is accepted (patch releases keep the ABI).
        internal const string NativeVersion = "0.2.0";
    }
}
