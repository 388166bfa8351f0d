//! The emulator's own small PRNG, so that every random choice (codes, tokens, ids, request ids)
//! can be replayed with `--seed`: xoshiro256** seeded through splitmix64, as its authors
//! recommend. Not cryptographic, and it need not be: the emulator guards nothing real.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

/// Characters of codes and tokens: URL- and header-safe, so they need no encoding anywhere.
const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// xoshiro256** state.
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator whose whole output is fixed by `seed`.
    pub fn seeded(seed: u64) -> Rng {
        let mut sm = seed;
        let mut next = || {
            sm = sm.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = sm;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Rng {
            s: [next(), next(), next(), next()],
        }
    }

    /// A seed from OS-derived entropy: std seeds every `RandomState` from the OS, so hashing
    /// the clock with one gives a value that differs between runs without another crate.
    pub fn entropy_seed() -> u64 {
        let mut hasher = RandomState::new().build_hasher();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        hasher.write_u128(nanos);
        hasher.write_u32(std::process::id());
        hasher.finish()
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A number in `low..high` (`low < high`); the modulo bias is irrelevant at these ranges.
    pub fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next_u64() % (high - low)
    }

    /// `len` random letters and digits.
    pub fn alphanumeric(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(ALPHANUMERIC[self.range(0, ALPHANUMERIC.len() as u64) as usize]))
            .collect()
    }

    /// An id shaped like a random (version 4) UUID, as event ids are.
    pub fn uuid(&mut self) -> String {
        let high = (self.next_u64() & !0xf000) | 0x4000;
        let low = (self.next_u64() & (u64::MAX >> 2)) | (1 << 63);
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            high >> 32,
            (high >> 16) & 0xffff,
            high & 0xffff,
            low >> 48,
            low & 0xffff_ffff_ffff
        )
    }

    /// A platform request id: 24 lower-case hex digits.
    pub fn request_id(&mut self) -> String {
        let high = self.next_u64();
        let low = self.next_u64() >> 32;
        format!("{high:016x}{low:08x}")
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn same_seed_same_sequence() {
        let (mut a, mut b) = (Rng::seeded(7), Rng::seeded(7));
        assert_eq!(a.request_id(), b.request_id());
        assert_eq!(a.alphanumeric(40), b.alphanumeric(40));
        assert_ne!(Rng::seeded(8).next_u64(), Rng::seeded(7).next_u64());
    }

    #[test]
    fn uuids_have_the_version_4_shape() {
        let id = Rng::seeded(3).uuid();
        let parts: Vec<&str> = id.split('-').collect();
        let lengths: Vec<usize> = parts.iter().map(|p| p.len()).collect();
        assert_eq!(lengths, [8, 4, 4, 4, 12], "{id}");
        assert!(parts[2].starts_with('4'), "{id}");
        assert!(matches!(&parts[3][..1], "8" | "9" | "a" | "b"), "{id}");
    }

    #[test]
    fn request_ids_are_24_hex_digits() {
        let id = Rng::seeded(1).request_id();
        assert_eq!(id.len(), 24);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
