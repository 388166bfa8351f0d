//! Gives the cdylib a SONAME when OPENCONNECTORS_SONAME names one (e.g. libopenconnectors.so.0.2).
//! `make install` and scripts/package set it, so the installed and shipped libraries carry
//! it; ordinary cargo builds do not, because the project's own tests link
//! target/debug/libopenconnectors.so with -lopenconnectors, and a SONAME would make their
//! programs ask the loader for a file that a plain build does not create.
fn main() {
    println!("cargo:rerun-if-env-changed=OPENCONNECTORS_SONAME");
    let soname = std::env::var("OPENCONNECTORS_SONAME").unwrap_or_default();
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if !soname.is_empty() && target_os == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    }
}
