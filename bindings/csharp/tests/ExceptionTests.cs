using NUnit.Framework;

namespace OpenConnectors.Tests
{
    // The one place an exception is built from an error document, fed synthetic documents.
    [TestFixture]
    public class ExceptionTests
    {
        [Test]
        public void InternalFromASyntheticDocument()
        {
            const string Json = "{\"error\": {\"kind\": \"internal\", \"message\": \"a panic was caught at the boundary\"}}";
            var e = new OpenConnectorsException(OcStatus.Internal, Json);
            Assert.That(e.Status, Is.EqualTo(OcStatus.Internal));
            Assert.That((uint)e.Status, Is.EqualTo(99u));
            Assert.That(e.Kind, Is.EqualTo("internal"));
            Assert.That(e.Message, Is.EqualTo("a panic was caught at the boundary"));
            Assert.That(e.HttpStatus, Is.Null);
            Assert.That(e.ErrorJson, Is.EqualTo(Json));
        }

        [Test]
        public void OnlyTheErrorObjectsOwnMembersAreRead()
        {
            const string Json = "{\"note\": {\"error\": {\"kind\": \"decoy\"}}, \"error\": {"
                + "\"invalid\": [{\"pointer\": \"/message\", \"reason\": \"\\\"kind\\\": \\\"x\\\", \\\"status\\\": 1\"}],"
                + " \"details\": {\"kind\": \"nested\", \"status\": 7, \"message\": \"nested\"},"
                + " \"kind\" : \"api\", \"status\": 404,\n \"requestId\": \"r1\","
                + " \"message\": \"not \\\"found\\\" \\u00e9\\ud834\\udd1e\\n\\/\", \"platformMessage\": null, \"flag\": true}}";
            var e = new OpenConnectorsException(OcStatus.Api, Json);
            Assert.That(e.Kind, Is.EqualTo("api"));
            Assert.That(e.HttpStatus, Is.EqualTo(404));
            Assert.That(e.Message, Is.EqualTo("not \"found\" \u00e9\U0001D11E\n/"));
        }

        [Test]
        public void AMissingOrBrokenDocumentStillGivesAUsableException()
        {
            var none = new OpenConnectorsException(OcStatus.Timeout, null);
            Assert.That(none.Kind, Is.Null);
            Assert.That(none.ErrorJson, Is.Null);
            Assert.That(none.Message.Contains("Timeout"), none.Message);

            var broken = new OpenConnectorsException(OcStatus.Api, "{\"error\": {\"kind\": \"api\", \"status\": 500, \"message\": \"cut sh");
            Assert.That(broken.Kind, Is.EqualTo("api"));
            Assert.That(broken.HttpStatus, Is.EqualTo(500));
            Assert.That(broken.Message.Contains("Api"), broken.Message);

            var unknown = new OpenConnectorsException((OcStatus)42, "[]");
            Assert.That((uint)unknown.Status, Is.EqualTo(42u));
            Assert.That(unknown.Message.Contains("42"), unknown.Message);
        }
    }
}
