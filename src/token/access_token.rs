//! The AccessToken version "006" format: building with explicit fields, and parsing.
//!
//! Layout (all integers little-endian, byte strings prefixed with a `u16` length):
//!
//! ```text
//! token     = "006" + appId (32 chars) + base64(content)
//! content   = bytes(signature) + u32 crc32(channelName) + u32 crc32(uid) + bytes(message)
//! message   = u32 salt + u32 ts + u16 count + count × (u16 privilege, u32 expireTs), keys ascending
//! signature = HMAC-SHA256(key = appCertificate, data = appId + channelName + uid + message)
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::error::{BuildError, MalformedReason, TokenError};
use super::pack::{self, Reader};

/// The version prefix of every AccessToken this module reads and writes.
pub const ACCESS_TOKEN_VERSION: &str = "006";

/// The length of the App ID that follows the version prefix.
pub const APP_ID_LENGTH: usize = 32;

/// Privilege number for joining an RTC channel (`kJoinChannel`).
pub const PRIVILEGE_JOIN_CHANNEL: u16 = 1;

/// Privilege number for logging in to RTM (`kRtmLogin`).
pub const PRIVILEGE_RTM_LOGIN: u16 = 1000;

/// The most privileges one token can carry: the message (8 bytes of salt and ts, a 2-byte count
/// and 6 bytes per privilege) must fit a `u16` length.
pub const MAX_PRIVILEGES: usize = (u16::MAX as usize - 10) / 6;

const HEADER_LEN: usize = 3 + APP_ID_LENGTH;

/// The fields of an AccessToken "006", ready to be signed and encoded with [`AccessToken::build`].
///
/// Nothing is random here: salt and `ts` are given, so the same fields always give the same
/// string. For RTM login tokens use [`RtmTokenBuilder`](super::RtmTokenBuilder), which fills the
/// fields the way Agora's RTM builders do.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    /// The 32-character App ID, written into the token verbatim.
    pub app_id: String,
    /// The App Certificate: the HMAC key. Never written into the token.
    pub app_certificate: String,
    /// The channel name slot (RTM tokens put the user ID here).
    pub channel_name: String,
    /// The uid slot as a string (`""` for uid 0, and always `""` in RTM tokens).
    pub uid: String,
    /// A number that makes two tokens with otherwise equal fields differ.
    pub salt: u32,
    /// The token's own expiry time, Unix seconds.
    pub ts: u32,
    /// Privilege number → expiry time of that privilege (Unix seconds; 0 conventionally means
    /// "no separate limit").
    pub privileges: BTreeMap<u16, u32>,
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("app_id", &self.app_id)
            .field("app_certificate", &"<redacted>")
            .field("channel_name", &self.channel_name)
            .field("uid", &self.uid)
            .field("salt", &self.salt)
            .field("ts", &self.ts)
            .field("privileges", &self.privileges)
            .finish()
    }
}

impl AccessToken {
    /// Fields with no privileges yet; add them with [`AccessToken::with_privilege`].
    pub fn new(
        app_id: impl Into<String>,
        app_certificate: impl Into<String>,
        channel_name: impl Into<String>,
        uid: impl Into<String>,
        salt: u32,
        ts: u32,
    ) -> Self {
        AccessToken {
            app_id: app_id.into(),
            app_certificate: app_certificate.into(),
            channel_name: channel_name.into(),
            uid: uid.into(),
            salt,
            ts,
            privileges: BTreeMap::new(),
        }
    }

    /// Grants `privilege` until `expire_ts` (replacing an earlier grant of the same privilege).
    pub fn with_privilege(mut self, privilege: u16, expire_ts: u32) -> Self {
        self.privileges.insert(privilege, expire_ts);
        self
    }

    /// Signs and encodes the token.
    ///
    /// The App ID is written as given; it must be exactly [`APP_ID_LENGTH`] bytes for the token
    /// to be readable again.
    ///
    /// # Errors
    ///
    /// [`BuildError::TooManyPrivileges`] when more than [`MAX_PRIVILEGES`] privileges are set.
    pub fn build(&self) -> Result<String, BuildError> {
        let message = self.message()?;
        let signature = sign(
            &self.app_certificate,
            &self.app_id,
            &self.channel_name,
            &self.uid,
            &message,
        );

        let mut content = Vec::with_capacity(2 + signature.len() + 8 + 2 + message.len());
        // Neither string can exceed the u16 limit: the signature is 32 bytes and the message
        // length was checked in `message()`.
        pack::put_bytes(&mut content, &signature).map_err(|_| self.too_many())?;
        pack::put_u32(&mut content, crc32(&self.channel_name));
        pack::put_u32(&mut content, crc32(&self.uid));
        pack::put_bytes(&mut content, &message).map_err(|_| self.too_many())?;

        let mut token = String::with_capacity(HEADER_LEN + content.len() * 4 / 3 + 4);
        token.push_str(ACCESS_TOKEN_VERSION);
        token.push_str(&self.app_id);
        STANDARD.encode_string(&content, &mut token);
        Ok(token)
    }

    fn message(&self) -> Result<Vec<u8>, BuildError> {
        if self.privileges.len() > MAX_PRIVILEGES {
            return Err(self.too_many());
        }
        let mut message = Vec::with_capacity(10 + 6 * self.privileges.len());
        pack::put_u32(&mut message, self.salt);
        pack::put_u32(&mut message, self.ts);
        pack::put_u32_map(&mut message, &self.privileges).map_err(|_| self.too_many())?;
        Ok(message)
    }

    fn too_many(&self) -> BuildError {
        BuildError::TooManyPrivileges {
            count: self.privileges.len(),
            max: MAX_PRIVILEGES,
        }
    }
}

/// An AccessToken "006" read back from its string form.
///
/// Parsing checks only the structure. The channel name and uid are not in the token (only
/// their CRC-32s are), so the signature can be checked only by someone who knows them and the
/// App Certificate: see [`ParsedAccessToken::signature_matches`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAccessToken {
    /// The App ID written in the token.
    pub app_id: String,
    /// The HMAC-SHA256 signature bytes (32 for well-formed tokens).
    pub signature: Vec<u8>,
    /// CRC-32 (IEEE) of the channel name slot.
    pub crc_channel_name: u32,
    /// CRC-32 (IEEE) of the uid slot (0 when the uid slot is empty).
    pub crc_uid: u32,
    /// The salt.
    pub salt: u32,
    /// The token's own expiry time, Unix seconds.
    pub ts: u32,
    /// Privilege number → expiry time of that privilege.
    pub privileges: BTreeMap<u16, u32>,
    message: Vec<u8>,
}

impl ParsedAccessToken {
    /// Reads a token string. Never panics.
    ///
    /// The content must be standard base64 with padding, and must end right after the message
    /// (Agora's own parsers ignore extra bytes there; since those bytes are not signed, this
    /// parser refuses them instead).
    ///
    /// # Errors
    ///
    /// [`TokenError::Malformed`] for any structural problem.
    pub fn parse(token: &str) -> Result<Self, TokenError> {
        let bytes = token.as_bytes();
        if bytes.is_empty() {
            return Err(MalformedReason::Empty.into());
        }
        if bytes.starts_with(b"1:") {
            return Err(MalformedReason::LegacySignalingToken.into());
        }
        if bytes.len() < ACCESS_TOKEN_VERSION.len() {
            return Err(MalformedReason::TooShort { len: bytes.len() }.into());
        }
        let version = &bytes[..ACCESS_TOKEN_VERSION.len()];
        if version != ACCESS_TOKEN_VERSION.as_bytes() {
            let found = String::from_utf8_lossy(version).into_owned();
            return Err(MalformedReason::UnsupportedVersion { found }.into());
        }
        if bytes.len() <= HEADER_LEN {
            return Err(MalformedReason::TooShort { len: bytes.len() }.into());
        }
        let app_id = token
            .get(ACCESS_TOKEN_VERSION.len()..HEADER_LEN)
            .ok_or(MalformedReason::BadAppId)?;
        let content = STANDARD
            .decode(&bytes[HEADER_LEN..])
            .map_err(|_| MalformedReason::BadBase64)?;

        let truncated = |_| MalformedReason::Truncated;
        let mut reader = Reader::new(&content);
        let signature = reader.bytes().map_err(truncated)?.to_vec();
        let crc_channel_name = reader.u32().map_err(truncated)?;
        let crc_uid = reader.u32().map_err(truncated)?;
        let message = reader.bytes().map_err(truncated)?.to_vec();
        if reader.remaining() != 0 {
            let count = reader.remaining();
            return Err(MalformedReason::TrailingBytes { count }.into());
        }

        let mut reader = Reader::new(&message);
        let salt = reader.u32().map_err(truncated)?;
        let ts = reader.u32().map_err(truncated)?;
        let privileges = reader.u32_map().map_err(truncated)?;
        if reader.remaining() != 0 {
            let count = reader.remaining();
            return Err(MalformedReason::TrailingBytes { count }.into());
        }

        Ok(ParsedAccessToken {
            app_id: app_id.to_owned(),
            signature,
            crc_channel_name,
            crc_uid,
            salt,
            ts,
            privileges,
            message,
        })
    }

    /// The signed message bytes exactly as they appear in the token.
    pub fn message_bytes(&self) -> &[u8] {
        &self.message
    }

    /// Whether the signature was made with `app_certificate` over this token's App ID, the
    /// given channel name and uid, and the message. The comparison runs in constant time.
    pub fn signature_matches(&self, app_certificate: &str, channel_name: &str, uid: &str) -> bool {
        mac(
            app_certificate,
            &self.app_id,
            channel_name,
            uid,
            &self.message,
        )
        .verify_slice(&self.signature)
        .is_ok()
    }
}

impl FromStr for ParsedAccessToken {
    type Err = TokenError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ParsedAccessToken::parse(s)
    }
}

/// CRC-32 (IEEE, as used by the format) of a string's UTF-8 bytes.
pub(crate) fn crc32(text: &str) -> u32 {
    crc32fast::hash(text.as_bytes())
}

fn mac(
    app_certificate: &str,
    app_id: &str,
    channel_name: &str,
    uid: &str,
    message: &[u8],
) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(app_certificate.as_bytes())
        .expect("HMAC-SHA256 accepts keys of any length");
    mac.update(app_id.as_bytes());
    mac.update(channel_name.as_bytes());
    mac.update(uid.as_bytes());
    mac.update(message);
    mac
}

fn sign(
    app_certificate: &str,
    app_id: &str,
    channel_name: &str,
    uid: &str,
    message: &[u8],
) -> Vec<u8> {
    mac(app_certificate, app_id, channel_name, uid, message)
        .finalize()
        .into_bytes()
        .to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP_ID: &str = "970CA35de60c44645bbae8a215061b33";
    const CERT: &str = "5CFd2fd1755d40ecb72977518be15d3b";

    fn sample() -> AccessToken {
        AccessToken::new(APP_ID, CERT, "room", "", 7, 1_000_000)
            .with_privilege(PRIVILEGE_RTM_LOGIN, 5)
            .with_privilege(PRIVILEGE_JOIN_CHANNEL, 6)
    }

    #[test]
    fn build_then_parse_gives_the_fields_back() {
        let text = sample().build().unwrap();
        assert!(text.starts_with("006970CA35de60c44645bbae8a215061b33"));
        let parsed = ParsedAccessToken::parse(&text).unwrap();
        assert_eq!(parsed.app_id, APP_ID);
        assert_eq!(parsed.salt, 7);
        assert_eq!(parsed.ts, 1_000_000);
        assert_eq!(parsed.privileges.len(), 2);
        assert_eq!(parsed.privileges[&PRIVILEGE_RTM_LOGIN], 5);
        assert_eq!(parsed.crc_channel_name, crc32("room"));
        assert_eq!(parsed.crc_uid, 0);
        assert_eq!(parsed.signature.len(), 32);
        assert!(parsed.signature_matches(CERT, "room", ""));
        assert!(!parsed.signature_matches(CERT, "room2", ""));
        assert!(!parsed.signature_matches(CERT, "room", "1"));
        assert!(!parsed.signature_matches("other", "room", ""));
        assert_eq!(text.parse::<ParsedAccessToken>().unwrap(), parsed);
    }

    /// Published vector: AgoraIO/Tools, DynamicKey/AgoraDynamicKey/go/src/AccessToken/
    /// AccessToken_test.go (uid 2882341273, and uid 0).
    #[test]
    fn reproduces_agora_access_token_vectors() {
        let channel = "7d72365eb983485397e3e3f9d460bdda";
        let with_uid = AccessToken::new(APP_ID, CERT, channel, "2882341273", 1, 1_111_111)
            .with_privilege(PRIVILEGE_JOIN_CHANNEL, 1_446_455_471);
        assert_eq!(
            with_uid.build().unwrap(),
            "006970CA35de60c44645bbae8a215061b33IACV0fZUBw+72cVoL9eyGGh3Q6Poi8bgjwVLnyKSJyOXR7dIfRBXoFHlEAABAAAAR/QQAAEAAQCvKDdW"
        );
        let uid_zero = AccessToken::new(APP_ID, CERT, channel, "", 1, 1_111_111)
            .with_privilege(PRIVILEGE_JOIN_CHANNEL, 1_446_455_471);
        assert_eq!(
            uid_zero.build().unwrap(),
            "006970CA35de60c44645bbae8a215061b33IACw1o7htY6ISdNRtku3p9tjTPi0jCKf9t49UHJhzCmL6bdIfRAAAAAAEAABAAAAR/QQAAEAAQCvKDdW"
        );
    }

    #[test]
    fn parses_agora_access_token_vector_fields() {
        let parsed = ParsedAccessToken::parse(
            "006970CA35de60c44645bbae8a215061b33IACV0fZUBw+72cVoL9eyGGh3Q6Poi8bgjwVLnyKSJyOXR7dIfRBXoFHlEAABAAAAR/QQAAEAAQCvKDdW",
        )
        .unwrap();
        let hex: String = parsed
            .signature
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "95d1f654070fbbd9c5682fd7b218687743a3e88bc6e08f054b9f229227239747"
        );
        assert_eq!(parsed.crc_channel_name, 276_646_071);
        assert_eq!(parsed.crc_uid, 3_847_331_927);
        assert_eq!(parsed.crc_uid, crc32("2882341273"));
        assert_eq!((parsed.salt, parsed.ts), (1, 1_111_111));
        assert_eq!(
            parsed.privileges,
            BTreeMap::from([(PRIVILEGE_JOIN_CHANNEL, 1_446_455_471)])
        );
        assert!(parsed.signature_matches(CERT, "7d72365eb983485397e3e3f9d460bdda", "2882341273"));
    }

    #[test]
    fn too_many_privileges_is_an_error() {
        let mut token = AccessToken::new(APP_ID, CERT, "c", "", 1, 1);
        for p in 0..MAX_PRIVILEGES as u16 {
            token.privileges.insert(p, 0);
        }
        assert!(token.build().is_ok());
        token.privileges.insert(u16::MAX, 0);
        assert_eq!(
            token.build(),
            Err(BuildError::TooManyPrivileges {
                count: MAX_PRIVILEGES + 1,
                max: MAX_PRIVILEGES
            })
        );
    }

    #[test]
    fn debug_hides_the_certificate() {
        let shown = format!("{:?}", sample());
        assert!(!shown.contains(CERT));
        assert!(shown.contains("<redacted>"));
    }

    fn malformed(text: &str) -> MalformedReason {
        match ParsedAccessToken::parse(text) {
            Err(TokenError::Malformed(reason)) => reason,
            other => panic!("expected Malformed for {text:?}, got {other:?}"),
        }
    }

    #[test]
    fn structural_problems_are_named() {
        let good = sample().build().unwrap();
        assert_eq!(malformed(""), MalformedReason::Empty);
        assert_eq!(
            malformed("1:abc:1:ff"),
            MalformedReason::LegacySignalingToken
        );
        assert_eq!(malformed("00"), MalformedReason::TooShort { len: 2 });
        assert_eq!(
            malformed(&good.replacen("006", "007", 1)),
            MalformedReason::UnsupportedVersion {
                found: "007".into()
            }
        );
        assert_eq!(
            malformed(&good[..HEADER_LEN]),
            MalformedReason::TooShort { len: 35 }
        );
        assert_eq!(
            malformed(&format!("006{}AAAA", "é".repeat(16))),
            MalformedReason::Truncated
        );
        assert_eq!(
            malformed(&format!("006a{}AAAA", "é".repeat(16))),
            MalformedReason::BadAppId
        );
        assert_eq!(malformed(&format!("{good} ")), MalformedReason::BadBase64);
        assert_eq!(
            malformed(&format!("{}AAAA", &good[..HEADER_LEN])),
            MalformedReason::Truncated
        );
    }

    #[test]
    fn extra_bytes_are_refused() {
        let good = sample().build().unwrap();
        let mut content = STANDARD.decode(&good[HEADER_LEN..]).unwrap();
        content.push(0);
        let text = format!("{}{}", &good[..HEADER_LEN], STANDARD.encode(&content));
        assert_eq!(
            malformed(&text),
            MalformedReason::TrailingBytes { count: 1 }
        );
    }
}
