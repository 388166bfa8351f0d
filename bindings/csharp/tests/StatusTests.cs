using System;
using System.Collections.Generic;
using System.IO;
using System.Text.RegularExpressions;
using NUnit.Framework;
using OpenConnectors.Native;

namespace OpenConnectors.Tests
{
    // The facts the package mirrors from the C header of the checkout: the status table and the
    // version. The header is generated from the library's source, so these fail when either
    // side changes without the other.
    [TestFixture]
    public class StatusTests
    {
        [Test]
        public void OcStatusHasExactlyTheHeadersNamesAndNumbers()
        {
            var header = HeaderStatuses();
            Assert.That(header.Count >= 13, "statuses found in the header: " + header.Count);

            var expected = new SortedDictionary<string, uint>(StringComparer.Ordinal);
            foreach (var entry in header)
            {
                expected[CSharpName(entry.Key)] = entry.Value;
            }

            var actual = new SortedDictionary<string, uint>(StringComparer.Ordinal);
            foreach (OcStatus status in Enum.GetValues(typeof(OcStatus)))
            {
                actual[status.ToString()] = (uint)status;
            }

            Assert.That(actual, Is.EqualTo(expected));
        }

        [Test]
        public void TheLibraryNamesEveryStatusAsTheHeaderDoes()
        {
            foreach (var entry in HeaderStatuses())
            {
                Assert.That(Utf8.Read(NativeMethods.oc_status_name(entry.Value)), Is.EqualTo(entry.Key));
            }

            Assert.That(Utf8.Read(NativeMethods.oc_status_name(12345)), Is.EqualTo("OC_ERR_UNKNOWN"));
        }

        [Test]
        public void TheAssemblyTargetsTheHeadersMajorAndMinorVersionAndTheLibraryIsTheHeaders()
        {
            string text = File.ReadAllText(TestEnvironment.HeaderPath);
            string version = Define(text, "OC_VERSION_MAJOR") + "." + Define(text, "OC_VERSION_MINOR") + "." + Define(text, "OC_VERSION_PATCH");
            Assert.That(Library.Version, Is.EqualTo(version));
            Assert.That(Library.IsCompatible(version, BuildInfo.NativeVersion), "BuildInfo.NativeVersion " + BuildInfo.NativeVersion + " vs the header's " + version);
        }

        // OC_ERR_OAUTH_DENIED -> OAuthDenied, OC_OK -> Ok.
        private static string CSharpName(string cName)
        {
            string rest = cName.StartsWith("OC_ERR_", StringComparison.Ordinal) ? cName.Substring(7) : cName.Substring(3);
            var name = new System.Text.StringBuilder();
            foreach (string word in rest.Split('_'))
            {
                name.Append(word == "OAUTH" ? "OAuth" : word.Substring(0, 1) + word.Substring(1).ToLowerInvariant());
            }

            return name.ToString();
        }

        private static Dictionary<string, uint> HeaderStatuses()
        {
            string text = File.ReadAllText(TestEnvironment.HeaderPath);
            int start = text.IndexOf("enum oc_status", StringComparison.Ordinal);
            Assert.That(start >= 0, "enum oc_status in " + TestEnvironment.HeaderPath);
            int end = text.IndexOf("};", start, StringComparison.Ordinal);

            // Comments hold names too ("OC_ERR_OUTCOME_UNKNOWN when ..."): drop them first.
            string body = Regex.Replace(text.Substring(start, end - start), @"/\*.*?\*/|//[^\n]*", string.Empty, RegexOptions.Singleline);
            var statuses = new Dictionary<string, uint>();
            foreach (Match m in Regex.Matches(body, @"\b(OC_[A-Z_]+)\s*=\s*(\d+)\s*,"))
            {
                statuses.Add(m.Groups[1].Value, uint.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
            }

            return statuses;
        }

        private static string Define(string header, string name)
        {
            Match m = Regex.Match(header, @"#define\s+" + name + @"\s+(\d+)");
            Assert.That(m.Success, name + " in the header");
            return m.Groups[1].Value;
        }
    }
}
