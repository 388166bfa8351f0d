//! `ListInstances::from_json`, then `.validate()`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use openconnectors::ListInstances;
use openconnectors_fuzz::check_in;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    check_in(
        ListInstances::from_json(text).and_then(|l| l.validate().map(|()| l)),
        text,
    );
});
