//! Decoding of query strings (as forms: `+` is a space) and of path segments, and the
//! percent-encoding of the URLs the emulator builds.

/// The pairs of a query string, decoded, in order. A name without `=` has an empty value.
pub fn parse(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            (
                decode(&name.replace('+', " ")),
                decode(&value.replace('+', " ")),
            )
        })
        .collect()
}

/// Percent-decodes `text`; malformed escapes are kept literally and invalid UTF-8 is replaced,
/// so any input decodes to something.
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |at: usize| bytes.get(at).and_then(|&b| char::from(b).to_digit(16));
        if bytes[i] == b'%' {
            if let (Some(high), Some(low)) = (hex(i + 1), hex(i + 2)) {
                out.push((high * 16 + low) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes everything but the unreserved characters of RFC 3986.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `name=value&...`, each part encoded.
pub fn build(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::{build, decode, parse};

    #[test]
    fn forms_decode_plus_and_escapes() {
        assert_eq!(
            parse("a=1+2&b=%2Fx%3D&c&d=%zz%4"),
            vec![
                ("a".into(), "1 2".into()),
                ("b".into(), "/x=".into()),
                ("c".into(), String::new()),
                ("d".into(), "%zz%4".into())
            ]
        );
        assert_eq!(decode("%E2%9C%93"), "\u{2713}");
    }

    #[test]
    fn build_encodes_reserved_characters() {
        assert_eq!(
            build(&[("u", "http://h/p?q=1 2")]),
            "u=http%3A%2F%2Fh%2Fp%3Fq%3D1%202"
        );
    }
}
