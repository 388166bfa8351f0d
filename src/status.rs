//! The statuses of the C contract: each number, its constant's name and its error kind are
//! written here once. The header, `oc_status_name` and the error document all read them from
//! this table; the Python and C# packages mirror it, with tests that they agree with the header.

use std::ffi::CStr;

/// The result of every operation, with numbers fixed by the public C contract.
///
/// The numbers never change; new statuses may be added, so treat an unknown number as an
/// error. In C the type is `uint32_t`.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum oc_status {
    /// Success: the out-pointer holds the result document.
    OC_OK = 0,
    /// A NULL pointer, bytes that are not UTF-8, text that is not JSON, a member of the wrong
    /// JSON type or a member named twice (named in `invalid`), or an unknown operation.
    OC_ERR_INVALID_ARGUMENT = 1,
    /// Well-formed input with missing or invalid entries (named in `missing` and `invalid`);
    /// nothing was sent.
    OC_ERR_VALIDATION = 2,
    /// The provider redirected back with `error=...` (see `oauthError`).
    OC_ERR_OAUTH_DENIED = 3,
    /// The callback's `state` differs from the expected one, or is absent.
    OC_ERR_STATE_MISMATCH = 4,
    /// The platform answered with a non-2xx status (see `status`, `requestId`,
    /// `platformMessage`).
    OC_ERR_API = 5,
    /// A timeout or the call's deadline expired before anything could take effect.
    OC_ERR_TIMEOUT = 6,
    /// DNS, connect, TLS or I/O failure, or a refused redirect.
    OC_ERR_TRANSPORT = 7,
    /// A 2xx answer whose body is not the expected JSON, or is larger than `maxResponseBytes`;
    /// a webhook body that is not JSON.
    OC_ERR_DECODE = 8,
    /// A POST, PUT or PATCH may or may not have taken effect: its connection was lost, it timed
    /// out, or it was cancelled after the request was sent.
    OC_ERR_OUTCOME_UNKNOWN = 9,
    /// The caller cancelled the call before anything of it could take effect.
    OC_ERR_CANCELLED = 10,
    /// A webhook whose signature is missing, of another scheme, or wrong.
    OC_ERR_SIGNATURE = 11,
    /// A bug in the library: a panic caught at the boundary.
    OC_ERR_INTERNAL = 99,
}

/// The Rust name of [`oc_status`].
pub type Status = oc_status;

/// Every status, in numeric order.
const ALL: [oc_status; 13] = [
    oc_status::OC_OK,
    oc_status::OC_ERR_INVALID_ARGUMENT,
    oc_status::OC_ERR_VALIDATION,
    oc_status::OC_ERR_OAUTH_DENIED,
    oc_status::OC_ERR_STATE_MISMATCH,
    oc_status::OC_ERR_API,
    oc_status::OC_ERR_TIMEOUT,
    oc_status::OC_ERR_TRANSPORT,
    oc_status::OC_ERR_DECODE,
    oc_status::OC_ERR_OUTCOME_UNKNOWN,
    oc_status::OC_ERR_CANCELLED,
    oc_status::OC_ERR_SIGNATURE,
    oc_status::OC_ERR_INTERNAL,
];

/// What the table holds for one status.
struct Entry {
    name: &'static CStr,
    kind: &'static str,
}

impl oc_status {
    /// Every status, in numeric order.
    pub fn all() -> &'static [oc_status] {
        &ALL
    }

    /// The table: an exhaustive match, so a new status cannot be added without its row.
    const fn entry(self) -> Entry {
        let (name, kind) = match self {
            oc_status::OC_OK => (c"OC_OK", "ok"),
            oc_status::OC_ERR_INVALID_ARGUMENT => (c"OC_ERR_INVALID_ARGUMENT", "invalid_argument"),
            oc_status::OC_ERR_VALIDATION => (c"OC_ERR_VALIDATION", "validation"),
            oc_status::OC_ERR_OAUTH_DENIED => (c"OC_ERR_OAUTH_DENIED", "oauth_denied"),
            oc_status::OC_ERR_STATE_MISMATCH => (c"OC_ERR_STATE_MISMATCH", "state_mismatch"),
            oc_status::OC_ERR_API => (c"OC_ERR_API", "api"),
            oc_status::OC_ERR_TIMEOUT => (c"OC_ERR_TIMEOUT", "timeout"),
            oc_status::OC_ERR_TRANSPORT => (c"OC_ERR_TRANSPORT", "transport"),
            oc_status::OC_ERR_DECODE => (c"OC_ERR_DECODE", "decode"),
            oc_status::OC_ERR_OUTCOME_UNKNOWN => (c"OC_ERR_OUTCOME_UNKNOWN", "outcome_unknown"),
            oc_status::OC_ERR_CANCELLED => (c"OC_ERR_CANCELLED", "cancelled"),
            oc_status::OC_ERR_SIGNATURE => (c"OC_ERR_SIGNATURE", "signature"),
            oc_status::OC_ERR_INTERNAL => (c"OC_ERR_INTERNAL", "internal"),
        };
        Entry { name, kind }
    }

    /// The status for a raw number, if it is one.
    pub fn from_u32(n: u32) -> Option<oc_status> {
        ALL.iter().copied().find(|s| *s as u32 == n)
    }

    /// The constant's name as a static C string, e.g. `"OC_ERR_API"`.
    pub const fn name_c(self) -> &'static CStr {
        self.entry().name
    }

    /// The constant's name, e.g. `"OC_ERR_API"`.
    pub fn name(self) -> &'static str {
        // The table's names are ASCII literals.
        self.name_c().to_str().unwrap_or("OC_ERR_UNKNOWN")
    }

    /// The error document's `kind` for this status (`"ok"` for [`oc_status::OC_OK`]).
    pub const fn kind(self) -> &'static str {
        self.entry().kind
    }
}

/// The name `oc_status_name` gives a number that is not a status.
pub(crate) const UNKNOWN_NAME: &CStr = c"OC_ERR_UNKNOWN";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_names_and_kinds_are_fixed() {
        let expected = [
            (0, "OC_OK", "ok"),
            (1, "OC_ERR_INVALID_ARGUMENT", "invalid_argument"),
            (2, "OC_ERR_VALIDATION", "validation"),
            (3, "OC_ERR_OAUTH_DENIED", "oauth_denied"),
            (4, "OC_ERR_STATE_MISMATCH", "state_mismatch"),
            (5, "OC_ERR_API", "api"),
            (6, "OC_ERR_TIMEOUT", "timeout"),
            (7, "OC_ERR_TRANSPORT", "transport"),
            (8, "OC_ERR_DECODE", "decode"),
            (9, "OC_ERR_OUTCOME_UNKNOWN", "outcome_unknown"),
            (10, "OC_ERR_CANCELLED", "cancelled"),
            (11, "OC_ERR_SIGNATURE", "signature"),
            (99, "OC_ERR_INTERNAL", "internal"),
        ];
        for (n, name, kind) in expected {
            let s = oc_status::from_u32(n).unwrap();
            assert_eq!((s as u32, s.name(), s.kind()), (n, name, kind));
        }
        let known = (0..=1000).filter_map(oc_status::from_u32).count();
        assert_eq!(
            known,
            oc_status::all().len(),
            "all() lists every status once"
        );
        assert_eq!(oc_status::from_u32(12), None);
    }
}
