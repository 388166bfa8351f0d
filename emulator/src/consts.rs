//! Facts every part of the emulator shares, kept apart from the crate root so that no module
//! reaches back into it.

/// The crate version, sent in every answer's `X-Emulator-Version` header.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The path under which the platform API is served, as on the real platform.
pub const BASE_PATH: &str = "/elements/api-v2";
