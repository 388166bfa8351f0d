//! `InstanceId::from_json` (the request of get and delete).
#![no_main]
use libfuzzer_sys::fuzz_target;
use openconnectors::InstanceId;
use openconnectors_fuzz::check_in;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Some(id) = check_in(InstanceId::from_json(text), text) {
        let id = id.get();
        assert_ne!(id, 0, "an id of 0 accepted: {text}");
        // An accepted id is the request's number, or its string of digits.
        let doc: serde_json::Value = serde_json::from_str(text).expect("accepted but not JSON");
        match &doc["id"] {
            serde_json::Value::Number(n) => assert_eq!(n.as_u64(), Some(id), "{text}"),
            serde_json::Value::String(s) => assert_eq!(s.parse::<u64>().ok(), Some(id), "{text}"),
            other => panic!("accepted id {other} as {id}"),
        }
    }
});
