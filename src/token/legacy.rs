//! Legacy Agora Signaling tokens, and telling the kinds of token a legacy app passes apart.
//!
//! A Signaling token is `"1:" + appId + ":" + expiredTs + ":" + md5hex(account + appId +
//! appCertificate + expiredTs)`, where `expiredTs` is written in decimal and the MD5 digest in
//! lowercase hex. It is a different format from RTM tokens and RTM does not accept it. Legacy
//! apps without an App Certificate pass `"_no_need_token"` (or nothing) instead of a token.

use std::fmt::Write as _;

use md5::{Digest, Md5};

use super::error::TokenError;

/// The placeholder legacy Signaling apps pass when the project has no App Certificate.
pub const NO_NEED_TOKEN: &str = "_no_need_token";

const SIGNALING_VERSION: &str = "1";
const MD5_HEX_LEN: usize = 32;

/// What kind of token a legacy app passed to login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LegacyToken {
    /// No token: the empty string or [`NO_NEED_TOKEN`].
    None,
    /// A well-formed legacy Signaling token.
    Signaling(SignalingToken),
    /// Anything else, for example an RTM token, passed on unchanged.
    Other(String),
}

impl LegacyToken {
    /// Sorts `token` into one of the three kinds. Never panics.
    pub fn classify(token: &str) -> Self {
        if token.is_empty() || token == NO_NEED_TOKEN {
            LegacyToken::None
        } else if let Some(parsed) = SignalingToken::parse(token) {
            LegacyToken::Signaling(parsed)
        } else {
            LegacyToken::Other(token.to_owned())
        }
    }

    /// Like [`LegacyToken::classify`], but also counts the App ID itself passed as the token as
    /// "no token", as RTM's web SDK does.
    pub fn classify_for_app(token: &str, app_id: &str) -> Self {
        if !app_id.is_empty() && token == app_id {
            LegacyToken::None
        } else {
            Self::classify(token)
        }
    }

    /// Whether this is [`LegacyToken::None`].
    pub fn is_none(&self) -> bool {
        matches!(self, LegacyToken::None)
    }
}

/// The fields of a legacy Signaling token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalingToken {
    /// The App ID written in the token.
    pub app_id: String,
    /// When the token expires, Unix seconds.
    pub expired_ts: u32,
    /// The MD5 digest as 32 hex digits, as written in the token.
    pub signature: String,
}

impl SignalingToken {
    /// Reads `"1:<appId>:<expiredTs>:<md5 hex>"`. Returns `None` unless the version is `1`, the
    /// App ID is 32 ASCII letters and digits, `expiredTs` is a decimal `u32` without sign or
    /// leading zeros, and the digest is 32 hex digits. Never panics.
    pub fn parse(token: &str) -> Option<Self> {
        let mut parts = token.split(':');
        let (version, app_id, expired, signature) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || version != SIGNALING_VERSION {
            return None;
        }
        let app_id_ok = app_id.len() == 32 && app_id.bytes().all(|b| b.is_ascii_alphanumeric());
        let expired_ok = !expired.is_empty()
            && expired.bytes().all(|b| b.is_ascii_digit())
            && (expired == "0" || !expired.starts_with('0'));
        let signature_ok =
            signature.len() == MD5_HEX_LEN && signature.bytes().all(|b| b.is_ascii_hexdigit());
        if !(app_id_ok && expired_ok && signature_ok) {
            return None;
        }
        Some(SignalingToken {
            app_id: app_id.to_owned(),
            expired_ts: expired.parse().ok()?,
            signature: signature.to_owned(),
        })
    }

    /// Whether the digest matches `account` and `app_certificate` (hex compared without regard
    /// to case, in constant time).
    pub fn signature_matches(&self, account: &str, app_certificate: &str) -> bool {
        let expected = signaling_digest(account, &self.app_id, app_certificate, self.expired_ts);
        let given = self.signature.to_ascii_lowercase();
        expected.len() == given.len()
            && expected
                .bytes()
                .zip(given.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }

    /// Whether the token has expired at `now_unix_secs` (`now >= expired_ts`).
    pub fn is_expired(&self, now_unix_secs: u64) -> bool {
        now_unix_secs >= u64::from(self.expired_ts)
    }

    /// Checks the token as legacy Signaling would for `account` logging in to `app_id`.
    ///
    /// # Errors
    ///
    /// [`TokenError::WrongAppId`], [`TokenError::BadSignature`] or [`TokenError::Expired`].
    /// The account is not written in the token, only hashed into the digest, so a token of
    /// another account is reported as [`TokenError::BadSignature`], not `WrongUser`.
    pub fn verify(
        &self,
        account: &str,
        app_id: &str,
        app_certificate: &str,
        now_unix_secs: u64,
    ) -> Result<(), TokenError> {
        if self.app_id != app_id {
            return Err(TokenError::WrongAppId {
                expected: app_id.to_owned(),
                token_app_id: self.app_id.clone(),
            });
        }
        if !self.signature_matches(account, app_certificate) {
            return Err(TokenError::BadSignature);
        }
        if self.is_expired(now_unix_secs) {
            return Err(TokenError::Expired {
                expired_at: self.expired_ts,
                now: now_unix_secs,
            });
        }
        Ok(())
    }
}

/// Whether `token` is a well-formed legacy Signaling token (see [`SignalingToken::parse`]).
pub fn is_legacy_signaling_token(token: &str) -> bool {
    SignalingToken::parse(token).is_some()
}

/// Builds a legacy Signaling token, as Agora's `SignalingToken` generators do (for tests and
/// for migration tooling).
pub fn build_signaling_token(
    account: &str,
    app_id: &str,
    app_certificate: &str,
    expired_ts: u32,
) -> String {
    let digest = signaling_digest(account, app_id, app_certificate, expired_ts);
    format!("{SIGNALING_VERSION}:{app_id}:{expired_ts}:{digest}")
}

fn signaling_digest(account: &str, app_id: &str, app_certificate: &str, expired_ts: u32) -> String {
    let mut md5 = Md5::new();
    md5.update(account.as_bytes());
    md5.update(app_id.as_bytes());
    md5.update(app_certificate.as_bytes());
    md5.update(expired_ts.to_string().as_bytes());
    let mut hex = String::with_capacity(MD5_HEX_LEN);
    for byte in md5.finalize() {
        // Writing to a String cannot fail.
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP_ID: &str = "970CA35de60c44645bbae8a215061b33";
    const CERT: &str = "5CFd2fd1755d40ecb72977518be15d3b";

    /// Published vector: AgoraIO/Tools, DynamicKey/AgoraDynamicKey/python/test/SignalingTokenTest.py.
    const PUBLISHED: &str =
        "1:970CA35de60c44645bbae8a215061b33:1514219634:82539e1f3973bcfe3f0d0c8993e6c051";

    #[test]
    fn reproduces_agora_signaling_vector() {
        assert_eq!(
            build_signaling_token("2882341273", APP_ID, CERT, 1_514_219_634),
            PUBLISHED
        );
    }

    #[test]
    fn parse_and_verify() {
        let t = SignalingToken::parse(PUBLISHED).unwrap();
        assert_eq!(t.app_id, APP_ID);
        assert_eq!(t.expired_ts, 1_514_219_634);
        assert!(t.verify("2882341273", APP_ID, CERT, 1_514_219_633).is_ok());
        assert_eq!(
            t.verify("someone-else", APP_ID, CERT, 0),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            t.verify("2882341273", APP_ID, "x", 0),
            Err(TokenError::BadSignature)
        );
        assert!(matches!(
            t.verify("2882341273", "00000000000000000000000000000000", CERT, 0),
            Err(TokenError::WrongAppId { .. })
        ));
        assert!(t
            .verify("2882341273", APP_ID, CERT, 1_514_219_634)
            .unwrap_err()
            .is_expired());
        let upper = PUBLISHED.replace("82539e1f", "82539E1F");
        assert!(SignalingToken::parse(&upper)
            .unwrap()
            .signature_matches("2882341273", CERT));
    }

    #[test]
    fn classify() {
        assert_eq!(LegacyToken::classify(""), LegacyToken::None);
        assert!(LegacyToken::classify(NO_NEED_TOKEN).is_none());
        assert!(matches!(
            LegacyToken::classify(PUBLISHED),
            LegacyToken::Signaling(_)
        ));
        assert_eq!(
            LegacyToken::classify("006abc"),
            LegacyToken::Other("006abc".into())
        );
        assert_eq!(
            LegacyToken::classify(APP_ID),
            LegacyToken::Other(APP_ID.into())
        );
        assert_eq!(
            LegacyToken::classify_for_app(APP_ID, APP_ID),
            LegacyToken::None
        );
        assert_eq!(LegacyToken::classify_for_app("", ""), LegacyToken::None);
    }

    #[test]
    fn near_misses_are_not_signaling_tokens() {
        let digest = "82539e1f3973bcfe3f0d0c8993e6c051";
        for bad in [
            format!("2:{APP_ID}:1514219634:{digest}"),
            format!("1:{APP_ID}:1514219634:{digest}:"),
            format!("1:{APP_ID}:1514219634"),
            format!("1:{APP_ID}::{digest}"),
            format!("1:{APP_ID}:01514219634:{digest}"),
            format!("1:{APP_ID}:-1:{digest}"),
            format!("1:{APP_ID}:4294967296:{digest}"),
            format!("1:{APP_ID}:1514219634:{}", &digest[1..]),
            format!("1:{APP_ID}:1514219634:{}g", &digest[1..]),
            format!("1:{}:1514219634:{digest}", &APP_ID[1..]),
            "1:".to_owned(),
            "1".to_owned(),
        ] {
            assert!(!is_legacy_signaling_token(&bad), "{bad}");
        }
        assert!(is_legacy_signaling_token(&format!("1:{APP_ID}:0:{digest}")));
    }
}
