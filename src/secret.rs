//! Values that must never be printed, and the one function that takes them out of text that
//! came from elsewhere.
//!
//! Secret values live in types whose `Debug` prints `[redacted]` and which have no `Display`
//! (the pattern of oauth2-rs' secret types), so they cannot reach a message by accident. What a
//! server sends back is another matter: a platform, proxy or provider may echo a secret of the
//! call in a message, a request id or a header. Every error document therefore passes
//! [`Redactor::apply`] before it leaves the library.

use crate::url::encode;
use std::fmt;

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Default, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Wraps a value.
            pub fn new(value: impl Into<String>) -> $name {
                $name(value.into())
            }

            /// The value, for the one place that puts it on the wire or in a result.
            pub fn expose(&self) -> &str {
                &self.0
            }

            /// Whether the value is empty.
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[redacted]")
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> $name {
                $name::new(value)
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> $name {
                $name(value)
            }
        }
    };
}

secret_type!(
    /// A secret string: platform secrets, an OAuth client secret, an instance token, a proxy
    /// URL with credentials, a webhook signature key. Its `Debug` prints `[redacted]`; it has
    /// no `Display`. Read it with [`Secret::expose`] only where it goes on the wire.
    Secret
);

secret_type!(
    /// A single-use OAuth authorization code, as the provider's redirect carries it. Secret
    /// like [`Secret`]: it is returned only in the callback's result document.
    AuthorizationCode
);

/// The shortest secret that is redacted: shorter values would redact ordinary words.
const MIN_REDACTED: usize = 4;

/// What replaces a secret in text.
pub(crate) const REDACTED: &str = "[redacted]";

/// The secrets of one call (the client's and the request's), in every form a server could
/// echo them in: as sent, percent-encoded (either hex case, `+` or `%20` for spaces) and
/// JSON-escaped.
#[derive(Default)]
pub(crate) struct Redactor {
    forms: Vec<String>,
}

impl Redactor {
    /// Adds a secret (and its encoded forms).
    pub(crate) fn add(&mut self, secret: &str) {
        if secret.len() < MIN_REDACTED {
            return;
        }
        let encoded = encode(secret);
        let escaped = serde_json::Value::from(secret).to_string();
        let escaped = &escaped[1..escaped.len() - 1];
        let candidates = [
            secret.to_owned(),
            encoded.clone(),
            lowercase_escapes(&encoded),
            encoded.replace("%20", "+"),
            escaped.to_owned(),
            escaped.replace('/', "\\/"),
        ];
        for form in candidates {
            if form.len() >= MIN_REDACTED && !self.forms.contains(&form) {
                self.forms.push(form);
            }
        }
        // Longest first, so that an encoded form is replaced whole before a shorter form
        // could cut it apart.
        self.forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    }

    /// Replaces every known secret in `text` with `[redacted]`.
    pub(crate) fn apply(&self, text: &mut String) {
        for form in &self.forms {
            if text.contains(form.as_str()) {
                *text = text.replace(form.as_str(), REDACTED);
            }
        }
    }
}

/// The same text with the hex digits of its percent escapes in lower case.
fn lowercase_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut hex_left = 0;
    for c in text.chars() {
        if c == '%' {
            hex_left = 2;
            out.push(c);
        } else if hex_left > 0 {
            hex_left -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("hunter2-very-secret");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(&s)), "Some([redacted])");
        assert_eq!(s.expose(), "hunter2-very-secret");
        let c = AuthorizationCode::new("one-time-code");
        assert_eq!(format!("{c:?}"), "[redacted]");
    }

    #[test]
    fn every_form_of_a_secret_is_redacted() {
        let mut r = Redactor::default();
        r.add("s3cr/et +x\"y");
        r.add("ab");
        let mut text = concat!(
            "raw s3cr/et +x\"y; upper s3cr%2Fet%20%2Bx%22y; lower s3cr%2fet%20%2bx%22y; ",
            "form s3cr%2Fet+%2Bx%22y; json s3cr/et +x\\\"y; slash s3cr\\/et +x\\\"y; ab"
        )
        .to_owned();
        r.apply(&mut text);
        assert_eq!(
            text,
            "raw [redacted]; upper [redacted]; lower [redacted]; form [redacted]; \
             json [redacted]; slash [redacted]; ab"
        );
    }
}
