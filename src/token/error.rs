//! Errors of token checking ([`TokenError`]) and token building ([`BuildError`]).

use std::fmt;

/// `LOGIN_ERR_INVALID_TOKEN` in RTM 1.x.
const LOGIN_ERR_INVALID_TOKEN: i32 = 5;
/// `LOGIN_ERR_TOKEN_EXPIRED` in RTM 1.x.
const LOGIN_ERR_TOKEN_EXPIRED: i32 = 6;
/// `RENEW_TOKEN_ERR_TOKEN_EXPIRED` in RTM 1.x.
const RENEW_TOKEN_ERR_TOKEN_EXPIRED: i32 = 5;
/// `RENEW_TOKEN_ERR_INVALID_TOKEN` in RTM 1.x.
const RENEW_TOKEN_ERR_INVALID_TOKEN: i32 = 6;

/// Why a token could not be accepted.
///
/// Every variant maps to an RTM 1.x error code through [`TokenError::login_err_code`] and
/// [`TokenError::renew_token_err_code`]; the `Display` text says what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The string is not a well-formed AccessToken "006"; [`MalformedReason`] says which part.
    #[error("the token is not a valid RTM token: {0}")]
    Malformed(MalformedReason),

    /// The token was built for another App ID than the one the client was initialized with.
    #[error(
        "the token was built for App ID {token_app_id:?}, but the client uses App ID \
         {expected:?}; build the token with the App ID the client is initialized with"
    )]
    WrongAppId {
        /// The App ID the client uses.
        expected: String,
        /// The App ID written in the token.
        token_app_id: String,
    },

    /// The signature does not match this App Certificate (or the token was altered).
    #[error(
        "the token's signature does not match: it was signed with a different App Certificate \
         or has been altered; build a new token on your token server with this project's \
         App Certificate"
    )]
    BadSignature,

    /// The token was built for another user ID than the one logging in.
    #[error(
        "the token was built for a different user ID than {user_id:?}; an RTM token is only \
         valid for the user ID it was built for, so build one for this user ID"
    )]
    WrongUser {
        /// The user ID that tried to use the token.
        user_id: String,
    },

    /// The token's 24-hour validity has ended.
    #[error(
        "the token expired at Unix time {expired_at} (now {now}); RTM tokens are valid for \
         24 hours after they are built: fetch a new token, then log in again or call renewToken"
    )]
    Expired {
        /// When the token stopped being valid (Unix seconds, the token's `ts` field).
        expired_at: u32,
        /// The time the check was made (Unix seconds).
        now: u64,
    },

    /// The token is genuine but does not grant RTM login (privilege 1000).
    #[error(
        "the token does not grant RTM login (privilege 1000 is missing; it grants {granted:?}); \
         it is probably an RTC token: build it with the RTM token builder instead"
    )]
    MissingPrivilege {
        /// The privilege numbers the token does grant.
        granted: Vec<u16>,
    },
}

impl TokenError {
    /// The RTM 1.x `LOGIN_ERR_CODE` a login fails with for this error:
    /// `TOKEN_EXPIRED` (6) for [`TokenError::Expired`], `INVALID_TOKEN` (5) for all others.
    ///
    /// A wrong App ID in the token is `INVALID_TOKEN`, not `INVALID_APP_ID` (4): the client's own
    /// App ID is fine, it is the token that does not fit it.
    pub fn login_err_code(&self) -> i32 {
        match self {
            TokenError::Expired { .. } => LOGIN_ERR_TOKEN_EXPIRED,
            _ => LOGIN_ERR_INVALID_TOKEN,
        }
    }

    /// The RTM 1.x `RENEW_TOKEN_ERR_CODE` a `renewToken` call fails with for this error:
    /// `TOKEN_EXPIRED` (5) for [`TokenError::Expired`], `INVALID_TOKEN` (6) for all others.
    pub fn renew_token_err_code(&self) -> i32 {
        match self {
            TokenError::Expired { .. } => RENEW_TOKEN_ERR_TOKEN_EXPIRED,
            _ => RENEW_TOKEN_ERR_INVALID_TOKEN,
        }
    }

    /// Whether this is [`TokenError::Expired`].
    pub fn is_expired(&self) -> bool {
        matches!(self, TokenError::Expired { .. })
    }
}

/// Which part of a token string is not well formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MalformedReason {
    /// The token is the empty string.
    Empty,
    /// The App ID itself was passed as the token.
    AppIdUsedAsToken,
    /// The token is a legacy Signaling token (`"1:appId:expiredTs:md5"`).
    LegacySignalingToken,
    /// The token does not start with version `"006"`.
    UnsupportedVersion {
        /// The first three characters of the token (lossily decoded).
        found: String,
    },
    /// The token is too short to hold the version, the 32-character App ID and content.
    TooShort {
        /// The token's length in bytes.
        len: usize,
    },
    /// The 32 bytes after the version are not a whole UTF-8 string.
    BadAppId,
    /// The content after the App ID is not standard base64.
    BadBase64,
    /// The decoded content ends before all fields were read.
    Truncated,
    /// The decoded content has bytes after the last field.
    TrailingBytes {
        /// How many bytes were left over.
        count: usize,
    },
    /// The token's uid field is not empty, which an RTM token's never is.
    UidNotEmpty,
}

impl fmt::Display for MalformedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MalformedReason::Empty => f.write_str(
                "the token is empty; this project has an App Certificate, so log in with a token \
                 from your token server",
            ),
            MalformedReason::AppIdUsedAsToken => f.write_str(
                "the App ID was passed as the token; that only works while the project has no \
                 App Certificate: log in with a token from your token server",
            ),
            MalformedReason::LegacySignalingToken => f.write_str(
                "this is a legacy Signaling token (\"1:appId:expiredTs:md5\"), which RTM does \
                 not accept; build an RTM token (version 006) instead",
            ),
            MalformedReason::UnsupportedVersion { found } if found == "007" => f.write_str(
                "this is a version 007 token (AccessToken2, used by RTM 2.x and newer builders), \
                 which RTM 1.x does not accept; build a version 006 RTM token instead",
            ),
            MalformedReason::UnsupportedVersion { found } => write!(
                f,
                "the token starts with {found:?} but RTM tokens start with \"006\"; \
                 pass the token exactly as the token builder returned it"
            ),
            MalformedReason::TooShort { len } => write!(
                f,
                "the token is only {len} bytes long, too short to be an RTM token; \
                 it may have been cut off"
            ),
            MalformedReason::BadAppId => f.write_str(
                "the 32 characters after \"006\" are not a valid App ID; \
                 pass the token exactly as the token builder returned it",
            ),
            MalformedReason::BadBase64 => f.write_str(
                "the part after the App ID is not valid base64; check that the token was not \
                 changed in transit (whitespace added, '+' turned into a space, URL-encoding)",
            ),
            MalformedReason::Truncated => {
                f.write_str("the token's content ends early; it may have been cut off")
            }
            MalformedReason::TrailingBytes { count } => write!(
                f,
                "the token's content has {count} unexpected extra bytes at the end; \
                 pass the token exactly as the token builder returned it"
            ),
            MalformedReason::UidNotEmpty => f.write_str(
                "the token was built for a numeric uid, which RTM tokens never carry (it is \
                 probably an RTC token); build it with the RTM token builder instead",
            ),
        }
    }
}

impl From<MalformedReason> for TokenError {
    fn from(reason: MalformedReason) -> Self {
        TokenError::Malformed(reason)
    }
}

/// Why an [`AccessToken`](super::AccessToken) could not be turned into a string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// The privilege map does not fit the format's 65 535-byte message limit.
    #[error(
        "the token has {count} privileges, but at most {max} fit in an AccessToken 006; \
         grant fewer privileges"
    )]
    TooManyPrivileges {
        /// How many privileges were set.
        count: usize,
        /// The most the format can carry.
        max: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_rtm_1x() {
        let expired = TokenError::Expired {
            expired_at: 1,
            now: 2,
        };
        assert_eq!(expired.login_err_code(), 6);
        assert_eq!(expired.renew_token_err_code(), 5);
        assert!(expired.is_expired());
        for e in [
            TokenError::Malformed(MalformedReason::Empty),
            TokenError::WrongAppId {
                expected: "a".into(),
                token_app_id: "b".into(),
            },
            TokenError::BadSignature,
            TokenError::WrongUser {
                user_id: "u".into(),
            },
            TokenError::MissingPrivilege { granted: vec![1] },
        ] {
            assert_eq!(e.login_err_code(), 5, "{e}");
            assert_eq!(e.renew_token_err_code(), 6, "{e}");
            assert!(!e.is_expired());
        }
    }

    #[test]
    fn messages_name_the_problem() {
        let e = TokenError::from(MalformedReason::UnsupportedVersion {
            found: "007".into(),
        });
        assert!(e.to_string().contains("AccessToken2"), "{e}");
        let e = TokenError::WrongUser {
            user_id: "bob".into(),
        };
        assert!(e.to_string().contains("\"bob\""), "{e}");
    }
}
