//! The current time in the unit tokens use.

use std::time::{SystemTime, UNIX_EPOCH};

/// The current time as whole seconds since the Unix epoch (0 if the system clock is set
/// before 1970). Pass it as `now_unix_secs` to [`verify_rtm_token`](super::verify_rtm_token).
pub fn unix_now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn is_after_2020() {
        assert!(super::unix_now_secs() > 1_577_836_800);
    }
}
