//! Reading request members from JSON with every problem recorded, not only the first.
//!
//! Absent and `null` members read as absent. A member of the wrong JSON type is recorded as a
//! wrong type (the request is malformed); a required member that is absent, null or an empty
//! string is recorded as missing. Unknown members are ignored, so newer callers keep working.

use crate::error::{Error, Problems, Result};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::cell::RefCell;

/// Parses request text into a JSON object. A member named twice in one object, at any depth,
/// is refused naming it: ambiguous input is never resolved last-wins.
pub(crate) fn parse_object(text: &str) -> Result<Map<String, Value>> {
    let path = RefCell::new(String::new());
    let duplicate = RefCell::new(None);
    let seed = Strict {
        path: &path,
        duplicate: &duplicate,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = seed.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    match parsed {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Error::invalid_argument("", "must be a JSON object")),
        Err(_) if duplicate.borrow().is_some() => {
            let pointer = duplicate.take().unwrap_or_default();
            Err(Error::invalid_argument(&pointer, "is named more than once"))
        }
        // serde_json's message may quote input around the error position; it is not passed
        // on, only its kind (a nesting deeper than it reads is not a syntax error).
        Err(e) if e.to_string().starts_with("recursion limit exceeded") => Err(
            Error::invalid_argument("", "is nested more than 128 levels deep"),
        ),
        Err(e) => Err(Error::invalid_argument(
            "",
            &format!(
                "is not valid JSON (line {}, column {})",
                e.line(),
                e.column()
            ),
        )),
    }
}

/// Builds a `Value` like serde_json does, but fails on a repeated member and records its
/// pointer. `path` is the pointer of the value being read (pushed and truncated as the reader
/// descends), shared by every level so that no level allocates its own.
#[derive(Clone, Copy)]
struct Strict<'a> {
    path: &'a RefCell<String>,
    duplicate: &'a RefCell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            let len = self.path.borrow().len();
            self.path
                .borrow_mut()
                .push_str(&format!("/{}", items.len()));
            let item = seq.next_element_seed(self);
            self.path.borrow_mut().truncate(len);
            match item? {
                Some(v) => items.push(v),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            let len = self.path.borrow().len();
            self.path.borrow_mut().push('/');
            self.path.borrow_mut().push_str(&pointer_segment(&name));
            let value = map.next_value_seed(self);
            let pointer = self.path.borrow()[..].to_owned();
            self.path.borrow_mut().truncate(len);
            if members.insert(name, value?).is_some() {
                *self.duplicate.borrow_mut() = Some(pointer);
                return Err(de::Error::custom("a member is named twice"));
            }
        }
        Ok(Value::Object(members))
    }
}

/// Escapes a member name as one JSON Pointer segment (RFC 6901).
pub(crate) fn pointer_segment(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// Whether text holds a control character (CR, LF, NUL, DEL, ...).
pub(crate) fn has_control(text: &str) -> bool {
    text.chars().any(char::is_control)
}

/// The longest value the library puts into a URL or a header; servers refuse longer ones.
pub(crate) const MAX_URL_VALUE: usize = 8 * 1024;

/// The longest string an instance document may hold.
pub(crate) const MAX_DOCUMENT_STRING: usize = 64 * 1024;

/// Records a value bound for a URL or a header that holds a control character or is too long.
pub(crate) fn no_control(p: &mut Problems, pointer: &str, value: &str) {
    if has_control(value) {
        p.invalid(pointer, "must not contain control characters");
    } else if value.len() > MAX_URL_VALUE {
        p.invalid(pointer, &format!("must be at most {MAX_URL_VALUE} bytes"));
    }
}

/// Records every string of a document longer than [`MAX_DOCUMENT_STRING`], at its pointer.
pub(crate) fn no_huge_strings(p: &mut Problems, pointer: &str, value: &Value) {
    match value {
        Value::String(s) if s.len() > MAX_DOCUMENT_STRING => p.invalid(
            pointer,
            &format!("must be at most {MAX_DOCUMENT_STRING} bytes"),
        ),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                no_huge_strings(p, &format!("{pointer}/{i}"), item);
            }
        }
        Value::Object(members) => {
            for (name, item) in members {
                if name.len() > MAX_DOCUMENT_STRING {
                    p.invalid(pointer, "has a member name that is too long");
                }
                no_huge_strings(p, &format!("{pointer}/{}", pointer_segment(name)), item);
            }
        }
        _ => {}
    }
}

/// A view of one JSON object of the request, at a JSON Pointer prefix.
pub(crate) struct Fields<'a> {
    obj: &'a Map<String, Value>,
    prefix: String,
}

impl<'a> Fields<'a> {
    /// The top-level object of a request.
    pub(crate) fn root(obj: &'a Map<String, Value>) -> Fields<'a> {
        Fields {
            obj,
            prefix: String::new(),
        }
    }

    /// An object of the request at `prefix` (a JSON Pointer).
    pub(crate) fn at(obj: &'a Map<String, Value>, prefix: &str) -> Fields<'a> {
        Fields {
            obj,
            prefix: prefix.to_owned(),
        }
    }

    /// The pointer of a member of this object.
    pub(crate) fn pointer(&self, name: &str) -> String {
        format!("{}/{}", self.prefix, pointer_segment(name))
    }

    /// The raw value of a member, `None` when absent or null.
    pub(crate) fn value(&self, name: &str) -> Option<&'a Value> {
        self.obj.get(name).filter(|v| !v.is_null())
    }

    /// An optional string member.
    pub(crate) fn str(&self, name: &str, p: &mut Problems) -> Option<&'a str> {
        match self.value(name)? {
            Value::String(s) => Some(s),
            _ => {
                p.wrong_type(&self.pointer(name), "must be a string");
                None
            }
        }
    }

    /// A required string member: absent, null or empty is missing.
    pub(crate) fn required_str(&self, name: &str, p: &mut Problems) -> Option<&'a str> {
        match self.value(name) {
            None => {
                p.missing(&self.pointer(name));
                None
            }
            Some(Value::String(s)) if s.is_empty() => {
                p.missing(&self.pointer(name));
                None
            }
            Some(Value::String(s)) => Some(s),
            Some(_) => {
                p.wrong_type(&self.pointer(name), "must be a string");
                None
            }
        }
    }

    /// An optional boolean member.
    pub(crate) fn bool(&self, name: &str, p: &mut Problems) -> Option<bool> {
        match self.value(name)? {
            Value::Bool(b) => Some(*b),
            _ => {
                p.wrong_type(&self.pointer(name), "must be a boolean");
                None
            }
        }
    }

    /// An optional whole number member, at least `min`.
    pub(crate) fn u64_at_least(&self, name: &str, min: u64, p: &mut Problems) -> Option<u64> {
        let v = self.value(name)?;
        if !v.is_number() {
            p.wrong_type(&self.pointer(name), "must be a number");
            return None;
        }
        match v.as_u64() {
            Some(n) if n >= min => Some(n),
            _ => {
                p.invalid(
                    &self.pointer(name),
                    &format!("must be a whole number of at least {min}"),
                );
                None
            }
        }
    }

    /// A required positive whole number (a JSON number): absent, null or an empty string
    /// is missing.
    pub(crate) fn positive_integer(&self, name: &str, p: &mut Problems) -> Option<u64> {
        let pointer = self.pointer(name);
        match self.value(name) {
            None => p.missing(&pointer),
            Some(Value::String(s)) if s.is_empty() => p.missing(&pointer),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(id) if id > 0 => return Some(id),
                _ => p.invalid(&pointer, "must be a positive whole number"),
            },
            Some(_) => p.wrong_type(&pointer, "must be a number"),
        }
        None
    }

    /// An optional object member.
    pub(crate) fn object(&self, name: &str, p: &mut Problems) -> Option<Fields<'a>> {
        match self.value(name)? {
            Value::Object(obj) => Some(Fields {
                obj,
                prefix: self.pointer(name),
            }),
            _ => {
                p.wrong_type(&self.pointer(name), "must be an object");
                None
            }
        }
    }

    /// An optional array of strings.
    pub(crate) fn strings(&self, name: &str, p: &mut Problems) -> Option<Vec<&'a str>> {
        let items = match self.value(name)? {
            Value::Array(items) => items,
            _ => {
                p.wrong_type(&self.pointer(name), "must be an array of strings");
                return None;
            }
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match item {
                Value::String(s) => out.push(s.as_str()),
                _ => p.wrong_type(&format!("{}/{i}", self.pointer(name)), "must be a string"),
            }
        }
        Some(out)
    }

    /// An optional object whose members are all strings, in the order given.
    pub(crate) fn string_map(&self, name: &str, p: &mut Problems) -> Vec<(&'a str, &'a str)> {
        let Some(fields) = self.object(name, p) else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(fields.obj.len());
        for (k, v) in fields.obj {
            match v {
                Value::String(s) => out.push((k.as_str(), s.as_str())),
                _ => p.wrong_type(&fields.pointer(k), "must be a string"),
            }
        }
        out
    }

    /// The members of this object.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (&'a String, &'a Value)> {
        self.obj.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::oc_status;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn reads_and_records_every_problem() {
        let o = obj(json!({"a": "x", "b": 5, "c": "", "d": null, "n": {"k/~": 1, "ok": "v"}}));
        let f = Fields::root(&o);
        let mut p = Problems::default();
        assert_eq!(f.required_str("a", &mut p), Some("x"));
        assert_eq!(f.required_str("c", &mut p), None);
        assert_eq!(f.required_str("d", &mut p), None);
        assert_eq!(f.str("b", &mut p), None);
        assert_eq!(f.string_map("n", &mut p), [("ok", "v")]);
        let e = p.finish().unwrap_err();
        assert_eq!(e.status, oc_status::OC_ERR_INVALID_ARGUMENT);
        let pointers: Vec<_> = e.invalid.iter().map(|i| i.pointer.as_str()).collect();
        assert_eq!(pointers, ["/b", "/n/k~1~0"]);
    }

    #[test]
    fn ids_are_positive_whole_numbers() {
        for (v, ok) in [
            (json!(12), Some(12)),
            (json!("34"), None),
            (json!("../1"), None),
            (json!(0), None),
            (json!(-3), None),
            (json!(1.5), None),
        ] {
            let o = obj(json!({ "id": v }));
            let mut p = Problems::default();
            assert_eq!(Fields::root(&o).positive_integer("id", &mut p), ok);
        }
    }

    #[test]
    fn members_named_twice_are_refused_at_any_depth() {
        for (text, pointer) in [
            (r#"{"path":"/ok","path":"//evil/x"}"#, "/path"),
            (r#"{"a":{"b":1,"b":2}}"#, "/a/b"),
            (r#"{"a":[{"x":1},{"k/~":1,"k/~":2}]}"#, "/a/1/k~1~0"),
            (
                r#"{"c":{"oauth.api.key":"k","oauth.api.key":"evil"}}"#,
                "/c/oauth.api.key",
            ),
        ] {
            let e = parse_object(text).unwrap_err();
            assert_eq!(e.status, oc_status::OC_ERR_INVALID_ARGUMENT, "{text}");
            assert_eq!(e.invalid[0].pointer, pointer, "{text}");
            assert!(e.message.contains("named more than once"), "{}", e.message);
        }
        let ok = parse_object(r#"{"a":{"b":1},"b":{"a":[1,{"b":2}]}}"#).unwrap();
        assert_eq!(ok["b"]["a"][1]["b"], 2);
    }

    #[test]
    fn non_objects_and_bad_json_are_invalid_arguments() {
        for text in ["[]", "nope", "{\"a\":", "\"s\""] {
            let e = parse_object(text).unwrap_err();
            assert_eq!(e.status, oc_status::OC_ERR_INVALID_ARGUMENT);
        }
        let deep = "[".repeat(100_000);
        assert_eq!(
            parse_object(&deep).unwrap_err().status,
            oc_status::OC_ERR_INVALID_ARGUMENT
        );
        let nested = format!("{{\"a\":{}{}}}", "[".repeat(200), "]".repeat(200));
        let e = parse_object(&nested).unwrap_err();
        assert!(e.message.contains("nested more than 128"), "{}", e.message);
    }
}
