using System;

namespace OpenConnectors
{
    /// <summary>
    /// A call into the openconnectors library failed. <see cref="Status"/> says how;
    /// <see cref="ErrorJson"/> holds the library's whole error document (with <c>missing</c>,
    /// <c>invalid</c>, <c>requestId</c>, <c>platformMessage</c> and the other details described in
    /// <c>docs/c-api.md</c> of the repository).
    /// </summary>
    /// <remarks>
    /// The message is the document's <c>message</c>, which the library guarantees holds no
    /// secret; nothing else is added to it.
    /// </remarks>
    public class OpenConnectorsException : Exception
    {
        /// <summary>
        /// Builds the exception for a status and the error document the library returned with it.
        /// This is the only place an error document is read; the library's calls all end here.
        /// </summary>
        /// <param name="status">The status the library returned.</param>
        /// <param name="errorJson">
        /// The error document, <c>{"error": {"kind": ..., "message": ..., ...}}</c>; null when
        /// there is none.
        /// </param>
        public OpenConnectorsException(OcStatus status, string errorJson)
            : this(status, errorJson, ErrorDocument.Scan(errorJson))
        {
        }

        private OpenConnectorsException(OcStatus status, string errorJson, ErrorDocument document)
            : base(document.Message ?? "The openconnectors library returned status " + status + " (" + (uint)status + ") without an error message.")
        {
            Status = status;
            ErrorJson = errorJson;
            Kind = document.Kind;
            HttpStatus = document.HttpStatus;
        }

        /// <summary>The status the library returned; never <see cref="OcStatus.Ok"/> for a real failure.</summary>
        public OcStatus Status { get; }

        /// <summary>
        /// The error document's <c>kind</c>: <c>invalid_argument</c>, <c>validation</c>,
        /// <c>oauth_denied</c>, <c>state_mismatch</c>, <c>api</c>, <c>timeout</c>,
        /// <c>transport</c>, <c>decode</c>, <c>outcome_unknown</c>, <c>cancelled</c>,
        /// <c>signature</c> or <c>internal</c> (a newer library may add kinds); null if the document
        /// has none.
        /// </summary>
        public string Kind { get; }

        /// <summary>The platform's HTTP status (the document's <c>status</c>) for <see cref="OcStatus.Api"/> errors; otherwise null.</summary>
        public int? HttpStatus { get; }

        /// <summary>The library's error document as returned, for the details not surfaced as properties; null if there was none.</summary>
        public string ErrorJson { get; }
    }
}
