//! The committed header must be what cbindgen makes of the source today.
//! `OC_UPDATE_HEADER=1 cargo test --test header` rewrites it.

use std::path::Path;

#[test]
fn committed_header_matches_a_fresh_generation() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut fresh = Vec::new();
    cbindgen::Builder::new()
        .with_crate(root)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut fresh);
    let path = root.join("include/openconnectors.h");
    if std::env::var_os("OC_UPDATE_HEADER").is_some() {
        std::fs::write(&path, &fresh).expect("write the header");
    }
    let committed = std::fs::read(&path).expect("include/openconnectors.h exists");
    assert!(
        committed == fresh,
        "include/openconnectors.h differs from a fresh cbindgen run: \
         run `OC_UPDATE_HEADER=1 cargo test --test header` and commit it"
    );
}
