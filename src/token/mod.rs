//! Tokens: building and checking RTM 1.x login tokens, and recognising legacy Signaling tokens.
//!
//! * [`RtmTokenBuilder`] builds RTM tokens byte-for-byte as Agora's RTM token builders do, and
//!   [`verify_rtm_token`] checks one for a login or `renewToken`, returning [`TokenClaims`] or a
//!   [`TokenError`] that maps to the RTM error code
//!   ([`TokenError::login_err_code`], [`TokenError::renew_token_err_code`]).
//! * [`AccessToken`] / [`ParsedAccessToken`] are the underlying AccessToken "006" format with
//!   every field explicit (RTC tokens use it too).
//! * [`LegacyToken`] tells apart what a legacy Signaling app passes as its token: nothing
//!   (`""`, [`NO_NEED_TOKEN`]), a Signaling token ([`SignalingToken`]), or anything else.
//!
//! # Format (AccessToken "006")
//!
//! ```text
//! token     = "006" + appId (32 chars) + base64(content)
//! content   = bytes(signature) + u32 crc32(channelName) + u32 crc32(uid) + bytes(message)
//! message   = u32 salt + u32 ts + u16 count + count × (u16 privilege, u32 expireTs)
//! signature = HMAC-SHA256(key = appCertificate, data = appId + channelName + uid + message)
//! ```
//!
//! Integers are little-endian; `bytes(x)` is a `u16` length then the bytes; privileges are in
//! ascending order. An RTM token puts the user ID in the channel-name slot, leaves the uid
//! empty, grants privilege 1000 (`kRtmLogin`) and sets `ts` to build time + 24 hours.
//!
//! # Choices
//!
//! * A token is expired when `now >= ts`. The login privilege's own expiry value is returned
//!   but not enforced, as in RTM 1.x (see [`verify_rtm_token`]).
//! * Bytes after the last field are refused rather than ignored, since they are not signed.
//! * [`verify_rtm_token`] refuses a token whose uid slot is not empty as malformed: it cannot
//!   be an RTM token.

mod access_token;
mod claims;
mod clock;
mod error;
mod legacy;
mod pack;
mod rtm_token;
mod salt;

pub use access_token::{
    AccessToken, ParsedAccessToken, ACCESS_TOKEN_VERSION, APP_ID_LENGTH, MAX_PRIVILEGES,
    PRIVILEGE_JOIN_CHANNEL, PRIVILEGE_RTM_LOGIN,
};
pub use claims::TokenClaims;
pub use clock::unix_now_secs;
pub use error::{BuildError, MalformedReason, TokenError};
pub use legacy::{
    build_signaling_token, is_legacy_signaling_token, LegacyToken, SignalingToken, NO_NEED_TOKEN,
};
pub use rtm_token::{verify_rtm_token, RtmTokenBuilder, RTM_TOKEN_VALIDITY_SECS};
