//! Unpredictable-enough salts without a random-number crate.
//!
//! A salt only has to make two tokens built in the same second differ; it is not a secret.
//! `RandomState` is seeded per process from the operating system, and hashing the clock and a
//! counter with it gives values that differ between calls and between processes.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Upper bound (exclusive) of generated salts, the range Agora's builders use.
const SALT_LIMIT: u64 = 100_000_000;

/// A salt in `1..100_000_000`, different on every call.
pub(crate) fn random_salt() -> u32 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(nanos);
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let salt = hasher.finish() % (SALT_LIMIT - 1) + 1;
    // salt < SALT_LIMIT < u32::MAX, so the conversion cannot fail.
    u32::try_from(salt).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn salts_are_in_range_and_vary() {
        let salts: HashSet<u32> = (0..64).map(|_| random_salt()).collect();
        assert!(salts.iter().all(|&s| (1..100_000_000).contains(&s)));
        assert!(salts.len() > 60, "only {} distinct salts", salts.len());
    }
}
