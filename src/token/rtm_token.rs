//! RTM login tokens: [`RtmTokenBuilder`] and [`verify_rtm_token`].
//!
//! An RTM token is an AccessToken "006" whose channel-name slot holds the **user ID**, whose
//! uid slot is **empty**, and which grants privilege [`PRIVILEGE_RTM_LOGIN`] (1000). Its `ts`
//! field is the build time plus 24 hours, and that is when it expires.

use super::access_token::{AccessToken, ParsedAccessToken, PRIVILEGE_RTM_LOGIN};
use super::claims::TokenClaims;
use super::clock::unix_now_secs;
use super::error::{MalformedReason, TokenError};
use super::salt::random_salt;

/// How long an RTM token is valid after it is built: 24 hours, in seconds.
pub const RTM_TOKEN_VALIDITY_SECS: u32 = 24 * 60 * 60;

/// Builds RTM 1.x login tokens the way Agora's RTM token builders do.
///
/// ```
/// use sig2rtm::token::{verify_rtm_token, RtmTokenBuilder, TokenError};
///
/// let app_id = "970CA35de60c44645bbae8a215061b33";
/// let app_certificate = "5CFd2fd1755d40ecb72977518be15d3b";
/// let built_at = 1_700_000_000;
///
/// let token = RtmTokenBuilder::build(app_id, app_certificate, "alice", built_at, 42);
/// assert!(token.starts_with("006970CA35de60c44645bbae8a215061b33"));
///
/// // Valid for alice during the next 24 hours...
/// let claims = verify_rtm_token(&token, app_id, app_certificate, "alice", built_at + 60)?;
/// assert_eq!(u64::from(claims.expires_at), built_at + 24 * 3600);
///
/// // ...but not for anybody else, and not after that.
/// let err = verify_rtm_token(&token, app_id, app_certificate, "bob", built_at + 60).unwrap_err();
/// assert_eq!(err.login_err_code(), 5); // LOGIN_ERR_INVALID_TOKEN
/// let err = verify_rtm_token(&token, app_id, app_certificate, "alice", built_at + 24 * 3600)
///     .unwrap_err();
/// assert_eq!(err.login_err_code(), 6); // LOGIN_ERR_TOKEN_EXPIRED
/// # Ok::<(), TokenError>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct RtmTokenBuilder;

impl RtmTokenBuilder {
    /// A token for `user_id`, built at `issued_at_unix_secs` with the given salt.
    ///
    /// The token expires 24 hours after `issued_at_unix_secs` (capped at `u32::MAX`, the
    /// format's limit). The login privilege's own expiry time is set to that same moment; RTM
    /// ignores it, but a stricter checker then sees a consistent value.
    ///
    /// The App ID is written verbatim and must be the 32-character App ID for the token to be
    /// accepted. The same inputs always give the same string.
    pub fn build(
        app_id: &str,
        app_certificate: &str,
        user_id: &str,
        issued_at_unix_secs: u64,
        salt: u32,
    ) -> String {
        let expires_at = issued_at_unix_secs
            .saturating_add(u64::from(RTM_TOKEN_VALIDITY_SECS))
            .min(u64::from(u32::MAX));
        let expires_at = u32::try_from(expires_at).unwrap_or(u32::MAX);
        Self::build_exact(
            app_id,
            app_certificate,
            user_id,
            salt,
            expires_at,
            expires_at,
        )
    }

    /// A token for `user_id` built now, with a fresh salt. Use it on a token server or in tests;
    /// use [`RtmTokenBuilder::build`] when the result has to be reproducible.
    pub fn build_now(app_id: &str, app_certificate: &str, user_id: &str) -> String {
        Self::build(
            app_id,
            app_certificate,
            user_id,
            unix_now_secs(),
            random_salt(),
        )
    }

    /// A token with every field given: the token's expiry `ts` and the login privilege's expiry
    /// `login_privilege_expire_ts` (which Agora's builders take as `privilegeExpiredTs`).
    /// This reproduces tokens made by Agora's builders when their salt and `ts` are fixed.
    pub fn build_exact(
        app_id: &str,
        app_certificate: &str,
        user_id: &str,
        salt: u32,
        ts: u32,
        login_privilege_expire_ts: u32,
    ) -> String {
        AccessToken::new(app_id, app_certificate, user_id, "", salt, ts)
            .with_privilege(PRIVILEGE_RTM_LOGIN, login_privilege_expire_ts)
            .build()
            // One privilege is far below the format's limit.
            .unwrap_or_default()
    }
}

/// Checks an RTM token for a login (or `renewToken`) by `user_id` at `now_unix_secs`.
///
/// # Errors
///
/// Checks, in this order, and returns the first failure:
///
/// 1. structure: version `"006"`, a 32-character App ID, base64 content that decodes to exactly
///    the expected fields, an empty uid slot → [`TokenError::Malformed`];
/// 2. the App ID in the token equals `app_id` → [`TokenError::WrongAppId`];
/// 3. the token was built for `user_id` (CRC of the channel-name slot) → [`TokenError::WrongUser`];
/// 4. the HMAC-SHA256 signature, recomputed with `app_certificate`, `user_id` in the
///    channel-name slot and an empty uid, matches (constant-time comparison)
///    → [`TokenError::BadSignature`];
/// 5. privilege 1000 (RTM login) is granted → [`TokenError::MissingPrivilege`];
/// 6. `now_unix_secs` is before the token's `ts` (build time + 24 h) → [`TokenError::Expired`].
///
/// **Choice:** the login privilege's own expiry time is *not* checked. Agora documents it as
/// ignored by RTM ("currently invalid"; tokens are valid for 24 hours), while its builder
/// comments suggest values such as "now + 600 s"; refusing tokens that real RTM accepts would
/// break working apps. The value is returned in
/// [`TokenClaims::login_privilege_expire_ts`], and
/// [`TokenClaims::login_privilege_expired`] applies the stricter rule for callers that want it.
///
/// Never panics, whatever the input.
pub fn verify_rtm_token(
    token: &str,
    app_id: &str,
    app_certificate: &str,
    user_id: &str,
    now_unix_secs: u64,
) -> Result<TokenClaims, TokenError> {
    if !token.is_empty() && token == app_id {
        return Err(MalformedReason::AppIdUsedAsToken.into());
    }
    let parsed = ParsedAccessToken::parse(token)?;
    if parsed.app_id != app_id {
        return Err(TokenError::WrongAppId {
            expected: app_id.to_owned(),
            token_app_id: parsed.app_id,
        });
    }
    if parsed.crc_uid != super::access_token::crc32("") {
        return Err(MalformedReason::UidNotEmpty.into());
    }
    if parsed.crc_channel_name != super::access_token::crc32(user_id) {
        return Err(TokenError::WrongUser {
            user_id: user_id.to_owned(),
        });
    }
    if !parsed.signature_matches(app_certificate, user_id, "") {
        return Err(TokenError::BadSignature);
    }
    let Some(&login_privilege_expire_ts) = parsed.privileges.get(&PRIVILEGE_RTM_LOGIN) else {
        return Err(TokenError::MissingPrivilege {
            granted: parsed.privileges.keys().copied().collect(),
        });
    };
    if now_unix_secs >= u64::from(parsed.ts) {
        return Err(TokenError::Expired {
            expired_at: parsed.ts,
            now: now_unix_secs,
        });
    }
    Ok(TokenClaims {
        app_id: parsed.app_id,
        user_id: user_id.to_owned(),
        salt: parsed.salt,
        expires_at: parsed.ts,
        login_privilege_expire_ts,
        privileges: parsed.privileges,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::access_token::PRIVILEGE_JOIN_CHANNEL;

    const APP_ID: &str = "970CA35de60c44645bbae8a215061b33";
    const CERT: &str = "5CFd2fd1755d40ecb72977518be15d3b";
    const T0: u64 = 1_700_000_000;

    #[test]
    fn round_trip() {
        let token = RtmTokenBuilder::build(APP_ID, CERT, "alice", T0, 99);
        let claims = verify_rtm_token(&token, APP_ID, CERT, "alice", T0).unwrap();
        assert_eq!(claims.user_id, "alice");
        assert_eq!(claims.app_id, APP_ID);
        assert_eq!(claims.salt, 99);
        assert_eq!(u64::from(claims.expires_at), T0 + 86_400);
        assert_eq!(claims.login_privilege_expire_ts, claims.expires_at);
        assert_eq!(u64::from(claims.issued_at()), T0);
        assert!(claims.grants_rtm_login());
    }

    #[test]
    fn deterministic() {
        assert_eq!(
            RtmTokenBuilder::build(APP_ID, CERT, "u", T0, 1),
            RtmTokenBuilder::build(APP_ID, CERT, "u", T0, 1)
        );
        assert_ne!(
            RtmTokenBuilder::build(APP_ID, CERT, "u", T0, 1),
            RtmTokenBuilder::build(APP_ID, CERT, "u", T0, 2)
        );
    }

    #[test]
    fn build_now_verifies_now() {
        let token = RtmTokenBuilder::build_now(APP_ID, CERT, "alice");
        let claims = verify_rtm_token(&token, APP_ID, CERT, "alice", unix_now_secs()).unwrap();
        assert!(claims.seconds_left(unix_now_secs()) > 86_000);
    }

    #[test]
    fn expiry_boundary() {
        let token = RtmTokenBuilder::build(APP_ID, CERT, "alice", T0, 1);
        let last_valid = T0 + 86_399;
        assert!(verify_rtm_token(&token, APP_ID, CERT, "alice", last_valid).is_ok());
        let err = verify_rtm_token(&token, APP_ID, CERT, "alice", T0 + 86_400).unwrap_err();
        assert_eq!(
            err,
            TokenError::Expired {
                expired_at: (T0 + 86_400) as u32,
                now: T0 + 86_400
            }
        );
    }

    #[test]
    fn far_future_issue_time_saturates() {
        let token = RtmTokenBuilder::build(APP_ID, CERT, "alice", u64::MAX, 1);
        let parsed = ParsedAccessToken::parse(&token).unwrap();
        assert_eq!(parsed.ts, u32::MAX);
    }

    #[test]
    fn privilege_expiry_is_ignored() {
        let token = RtmTokenBuilder::build_exact(APP_ID, CERT, "alice", 1, 2_000_000_000, 100);
        let claims = verify_rtm_token(&token, APP_ID, CERT, "alice", T0).unwrap();
        assert!(claims.login_privilege_expired(T0));
    }

    #[test]
    fn failures_in_order() {
        let token = RtmTokenBuilder::build(APP_ID, CERT, "alice", T0, 1);
        let other_app = "00000000000000000000000000000000";
        assert!(matches!(
            verify_rtm_token(&token, other_app, CERT, "alice", T0),
            Err(TokenError::WrongAppId { .. })
        ));
        assert_eq!(
            verify_rtm_token(&token, APP_ID, CERT, "bob", T0),
            Err(TokenError::WrongUser {
                user_id: "bob".into()
            })
        );
        assert_eq!(
            verify_rtm_token(&token, APP_ID, "wrong-certificate", "alice", T0),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            verify_rtm_token(APP_ID, APP_ID, CERT, "alice", T0),
            Err(TokenError::Malformed(MalformedReason::AppIdUsedAsToken))
        );
    }

    #[test]
    fn rtc_tokens_are_refused() {
        let with_uid = AccessToken::new(APP_ID, CERT, "alice", "42", 1, u32::MAX)
            .with_privilege(PRIVILEGE_JOIN_CHANNEL, 0)
            .build()
            .unwrap();
        assert_eq!(
            verify_rtm_token(&with_uid, APP_ID, CERT, "alice", T0),
            Err(TokenError::Malformed(MalformedReason::UidNotEmpty))
        );
        let without_uid = AccessToken::new(APP_ID, CERT, "alice", "", 1, u32::MAX)
            .with_privilege(PRIVILEGE_JOIN_CHANNEL, 0)
            .build()
            .unwrap();
        assert_eq!(
            verify_rtm_token(&without_uid, APP_ID, CERT, "alice", T0),
            Err(TokenError::MissingPrivilege { granted: vec![1] })
        );
    }
}
