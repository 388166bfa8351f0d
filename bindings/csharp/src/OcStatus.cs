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

        /// <summary><c>OC_ERR_TIMEOUT</c>: a timeout or the call's deadline expired before anything could take effect.</summary>
        Timeout = 6,

        /// <summary><c>OC_ERR_TRANSPORT</c>: DNS, connect, TLS or I/O failure, or a refused redirect.</summary>
        Transport = 7,

        /// <summary><c>OC_ERR_DECODE</c>: a 2xx answer whose body is not the expected JSON or is too large; a webhook body that is not JSON.</summary>
        Decode = 8,

        /// <summary><c>OC_ERR_OUTCOME_UNKNOWN</c>: a POST, PUT or PATCH may or may not have taken effect (its connection was lost, it timed out, or it was cancelled after it was sent).</summary>
        OutcomeUnknown = 9,

        /// <summary>
        /// <c>OC_ERR_CANCELLED</c>: the caller cancelled the call before anything of it could take
        /// effect. The package reports it as <see cref="System.OperationCanceledException"/> (or a
        /// canceled task) rather than as an <see cref="OpenConnectorsException"/>.
        /// </summary>
        Cancelled = 10,

        /// <summary><c>OC_ERR_SIGNATURE</c>: a webhook whose signature is missing, of another scheme, or wrong.</summary>
        Signature = 11,

        /// <summary><c>OC_ERR_INTERNAL</c>: a bug in the library (a panic caught at the boundary).</summary>
        Internal = 99,
    }
}
