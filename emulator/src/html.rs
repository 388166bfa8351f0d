//! Text that meets HTML: markup stripped from names and tags the platform stores, and text
//! escaped where the emulator writes HTML itself.

/// `text` without HTML tags: `<a href="x">name</a>` becomes `name`. A `<` that does not open a
/// tag (followed by a space or a digit, as in `a < b`) is kept.
pub fn strip_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let opens_tag = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
        if !opens_tag {
            out.push('<');
            rest = after;
            continue;
        }
        // An unclosed tag runs to the end of the text, as a browser would read it.
        rest = after.find('>').map_or("", |end| &after[end + 1..]);
    }
    out.push_str(rest);
    out
}

/// `text` safe inside HTML text and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{escape, strip_markup};

    #[test]
    fn escaping_leaves_no_markup() {
        assert_eq!(
            escape(r#"<a href="x" onclick='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn tags_are_stripped_text_is_kept() {
        assert_eq!(strip_markup("<a href=\"https://x\">name</a>"), "name");
        assert_eq!(strip_markup("a <b>bold</b> move"), "a bold move");
        assert_eq!(strip_markup("1 < 2 and 3 <4"), "1 < 2 and 3 <4");
        assert_eq!(strip_markup("x<script"), "x");
        assert_eq!(strip_markup("<!-- c -->plain"), "plain");
    }
}
