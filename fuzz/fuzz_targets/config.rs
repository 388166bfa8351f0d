//! `Config::from_json`, then `Client::new` when it parses (no network traffic).
#![no_main]
use libfuzzer_sys::fuzz_target;
use openconnectors::{Client, Config};
use openconnectors_fuzz::{assert_no_leak, check_in};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // A configuration names a file to read; the fuzzer must not make it read devices or block.
    if text.contains("caCertificatesPemFile") {
        return;
    }
    let leak_check = |e: &openconnectors::Error| {
        for p in ["/userSecret", "/organizationSecret", "/proxy"] {
            assert_no_leak(e, text, p);
        }
    };
    match Config::from_json(text) {
        Ok(config) => {
            // from_json already validated: a second validation must agree.
            if let Err(e) = config.validate() {
                panic!("from_json accepted a configuration that validate() rejects: {e:?}");
            }
            if let Err(e) = Client::new(config) {
                leak_check(&e);
                check_in(Err::<(), _>(e), text);
            }
        }
        Err(e) => {
            leak_check(&e);
            check_in(Err::<(), _>(e), text);
        }
    }
});
