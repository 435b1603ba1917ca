//! Random numbers for ids that must not repeat across processes and restarts (generated
//! message ids, session ids).

/// 64 random bits from the operating system; where it has none to give, a hash of the time
/// and the process id under the standard library's randomly keyed hasher.
pub fn random_u64() -> u64 {
    getrandom::u64().unwrap_or_else(|_| {
        use std::hash::{BuildHasher, Hash, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        std::time::SystemTime::now().hash(&mut h);
        std::process::id().hash(&mut h);
        h.finish()
    })
}
