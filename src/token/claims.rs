//! [`TokenClaims`]: what a verified RTM token says.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::access_token::PRIVILEGE_RTM_LOGIN;
use super::rtm_token::RTM_TOKEN_VALIDITY_SECS;

/// The contents of an RTM token that passed [`verify_rtm_token`](super::verify_rtm_token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenClaims {
    /// The App ID the token was built for.
    pub app_id: String,
    /// The user ID the token was built for (the one it was verified against).
    pub user_id: String,
    /// The token's salt.
    pub salt: u32,
    /// When the token stops being valid, Unix seconds (the token's `ts` field, which RTM
    /// builders set to build time + 24 h).
    pub expires_at: u32,
    /// The expiry time written for the RTM login privilege (1000). RTM 1.x ignores it; see
    /// [`TokenClaims::login_privilege_expired`] for callers that want to honour it.
    pub login_privilege_expire_ts: u32,
    /// Every privilege in the token: privilege number → its expiry time.
    pub privileges: BTreeMap<u16, u32>,
}

impl TokenClaims {
    /// When the token was built, as far as can be told: [`expires_at`](Self::expires_at)
    /// minus 24 hours (RTM builders set no separate issue time).
    pub fn issued_at(&self) -> u32 {
        self.expires_at.saturating_sub(RTM_TOKEN_VALIDITY_SECS)
    }

    /// Seconds of validity left at `now_unix_secs` (0 once expired).
    pub fn seconds_left(&self, now_unix_secs: u64) -> u64 {
        u64::from(self.expires_at).saturating_sub(now_unix_secs)
    }

    /// Whether the login privilege's own expiry time is set (non-zero) and has passed.
    ///
    /// RTM 1.x does not enforce this value ("currently invalid" per Agora's docs), so
    /// [`verify_rtm_token`](super::verify_rtm_token) does not either; this is for callers that
    /// want the stricter rule.
    pub fn login_privilege_expired(&self, now_unix_secs: u64) -> bool {
        self.login_privilege_expire_ts != 0
            && now_unix_secs >= u64::from(self.login_privilege_expire_ts)
    }

    /// Whether the token grants `privilege`.
    pub fn grants(&self, privilege: u16) -> bool {
        self.privileges.contains_key(&privilege)
    }

    /// Whether the token grants RTM login (always true for claims from
    /// [`verify_rtm_token`](super::verify_rtm_token)).
    pub fn grants_rtm_login(&self) -> bool {
        self.grants(PRIVILEGE_RTM_LOGIN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(expires_at: u32, privilege_expire: u32) -> TokenClaims {
        TokenClaims {
            app_id: "a".into(),
            user_id: "u".into(),
            salt: 1,
            expires_at,
            login_privilege_expire_ts: privilege_expire,
            privileges: BTreeMap::from([(PRIVILEGE_RTM_LOGIN, privilege_expire)]),
        }
    }

    #[test]
    fn times() {
        let c = claims(100_000, 0);
        assert_eq!(c.issued_at(), 100_000 - 86_400);
        assert_eq!(c.seconds_left(99_990), 10);
        assert_eq!(c.seconds_left(200_000), 0);
        assert_eq!(claims(5, 0).issued_at(), 0);
    }

    #[test]
    fn privilege_expiry_zero_means_unlimited() {
        assert!(!claims(10, 0).login_privilege_expired(u64::MAX));
        assert!(claims(10, 50).login_privilege_expired(50));
        assert!(!claims(10, 50).login_privilege_expired(49));
    }

    #[test]
    fn grants() {
        let c = claims(1, 1);
        assert!(c.grants_rtm_login());
        assert!(!c.grants(1));
    }
}
