namespace OpenConnectors
{
    /// <summary>
    /// The status codes of the C ABI (<c>oc_status</c>, a <c>uint32_t</c>). The numbers are fixed
    /// and never change; a library newer than this assembly may return a number not named here.
    /// </summary>
    public enum OcStatus : uint
    {
        /// <summary><c>OC_OK</c>: the call succeeded.</summary>
        Ok = 0,

        /// <summary><c>OC_ERR_INVALID_ARGUMENT</c>: not UTF-8, not JSON, or a member of the wrong JSON type.</summary>
        InvalidArgument = 1,

        /// <summary><c>OC_ERR_VALIDATION</c>: well-formed but missing or invalid entries; nothing was sent.</summary>
        Validation = 2,

        /// <summary><c>OC_ERR_OAUTH_DENIED</c>: the provider redirected back with an <c>error</c> parameter.</summary>
        OAuthDenied = 3,

        /// <summary><c>OC_ERR_STATE_MISMATCH</c>: the callback's state differs from the expected one.</summary>
        StateMismatch = 4,

        /// <summary><c>OC_ERR_API</c>: the platform answered with a non-2xx status.</summary>
        Api = 5,

        /// <summary><c>OC_ERR_TIMEOUT</c>: a configured timeout expired.</summary>
        Timeout = 6,

        /// <summary><c>OC_ERR_TRANSPORT</c>: DNS, connect, TLS or I/O failure, or a refused redirect.</summary>
        Transport = 7,

        /// <summary><c>OC_ERR_DECODE</c>: a 2xx answer whose body is not the expected JSON.</summary>
        Decode = 8,

        /// <summary><c>OC_ERR_OUTCOME_UNKNOWN</c>: a non-idempotent request may or may not have taken effect.</summary>
        OutcomeUnknown = 9,

        /// <summary><c>OC_ERR_INTERNAL</c>: a bug in the library (a panic caught at the boundary).</summary>
        Internal = 99,
    }
}
