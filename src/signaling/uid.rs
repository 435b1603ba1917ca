//! Stable legacy uids (contract rule N4): the same account gives the same non-zero 32-bit uid in
//! every client and every process.

/// The uid of an account: FNV-1a over its bytes, with 0 mapped to 1.
pub(crate) fn uid_of(account: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for b in account.bytes() {
        hash ^= u32::from(b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    if hash == 0 {
        1
    } else {
        hash
    }
}

#[cfg(test)]
mod tests {
    use super::uid_of;

    #[test]
    fn uid_is_stable_and_non_zero() {
        assert_eq!(uid_of("alice"), uid_of("alice"));
        assert_ne!(uid_of("alice"), uid_of("bob"));
        assert_ne!(uid_of(""), 0);
    }
}
