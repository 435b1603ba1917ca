//! Attribute and presence data types (spec/rtm-1x.md §1.6) and the attribute size rules (§4.2).

use super::enums::PeerOnlineState;
use serde::{Deserialize, Serialize};

/// Largest attribute key, in bytes.
pub const MAX_ATTRIBUTE_KEY_BYTES: usize = 32;
/// Largest attribute value, in bytes.
pub const MAX_ATTRIBUTE_VALUE_BYTES: usize = 8 * 1024;
/// Most attributes a user or a channel may hold.
pub const MAX_ATTRIBUTE_COUNT: usize = 32;
/// Most bytes (keys plus values) of one user's attributes.
pub const MAX_USER_ATTRIBUTES_TOTAL_BYTES: usize = 16 * 1024;
/// Most bytes (keys plus values) of one channel's attributes.
pub const MAX_CHANNEL_ATTRIBUTES_TOTAL_BYTES: usize = 32 * 1024;

/// A user attribute (RTM `RtmAttribute`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RtmAttribute {
    /// Key: 1 to 32 bytes of visible characters.
    pub key: String,
    /// Value: 1 byte to 8 KB.
    pub value: String,
}

impl RtmAttribute {
    /// An attribute from a key and a value.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        RtmAttribute {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// A channel attribute (RTM `IRtmChannelAttribute`), with who changed it last and when.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChannelAttribute {
    /// Key: 1 to 32 bytes of visible characters.
    pub key: String,
    /// Value: 1 byte to 8 KB.
    pub value: String,
    /// The user who last wrote it (empty in a value being written).
    #[doc(alias = "getLastUpdateUserId")]
    pub last_update_user_id: String,
    /// When it was last written, in ms since the Unix epoch (0 in a value being written).
    #[doc(alias = "getLastUpdateTs")]
    pub last_update_ts: u64,
}

impl ChannelAttribute {
    /// An attribute to write (RTM `createChannelAttribute` + `setKey` + `setValue`).
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        ChannelAttribute {
            key: key.into(),
            value: value.into(),
            last_update_user_id: String::new(),
            last_update_ts: 0,
        }
    }
}

/// Options of a channel attribute write (RTM `ChannelAttributeOptions`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelAttributeOptions {
    /// Send the channel's whole attribute set to its members after this write.
    pub enable_notification_to_channel_members: bool,
}

/// A peer's online state (RTM `PeerOnlineStatus`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerOnlineStatus {
    /// The peer.
    pub peer_id: String,
    /// Its state.
    pub online_state: PeerOnlineState,
}

impl PeerOnlineStatus {
    /// True when the state is ONLINE (RTM's deprecated `isOnline`).
    pub fn is_online(&self) -> bool {
        self.online_state == PeerOnlineState::Online
    }
}

/// Member count of one channel (RTM `ChannelMemberCount`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelMemberCount {
    /// The channel.
    pub channel_id: String,
    /// Its members; 0 for a channel nobody is in.
    pub count: u32,
}

/// A channel member (RTM `IChannelMember`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChannelMember {
    /// The member's user id.
    pub user_id: String,
    /// The channel.
    pub channel_id: String,
}

/// Checks one key: 1..=32 bytes, visible ASCII characters.
pub(crate) fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("attribute key is empty".into());
    }
    if key.len() > MAX_ATTRIBUTE_KEY_BYTES {
        return Err(format!(
            "attribute key {key:?} is {} bytes; RTM allows at most {MAX_ATTRIBUTE_KEY_BYTES}",
            key.len()
        ));
    }
    if let Some(c) = key.chars().find(|c| !c.is_ascii_graphic()) {
        return Err(format!(
            "attribute key {key:?} contains {c:?}; keys are visible ASCII characters"
        ));
    }
    Ok(())
}

/// Why a set of attributes was refused: `true` = size overflow, `false` = invalid argument.
pub(crate) type AttrProblem = (bool, String);

/// Checks a list of key/value pairs written in one operation.
pub(crate) fn check_pairs<'a>(
    pairs: impl Iterator<Item = (&'a str, &'a str)>,
) -> Result<(), AttrProblem> {
    let mut n = 0;
    for (key, value) in pairs {
        n += 1;
        check_key(key).map_err(|e| (false, e))?;
        if value.is_empty() {
            return Err((false, format!("attribute {key:?} has an empty value")));
        }
        if value.len() > MAX_ATTRIBUTE_VALUE_BYTES {
            return Err((
                true,
                format!(
                    "attribute {key:?} value is {} bytes; RTM allows at most {MAX_ATTRIBUTE_VALUE_BYTES}",
                    value.len()
                ),
            ));
        }
    }
    if n > MAX_ATTRIBUTE_COUNT {
        return Err((
            true,
            format!("{n} attributes in one call; RTM allows at most {MAX_ATTRIBUTE_COUNT}"),
        ));
    }
    Ok(())
}

/// Checks a list of keys (delete / get by keys): 1..=32 keys, each a valid key.
pub(crate) fn check_keys(keys: &[String]) -> Result<(), String> {
    if keys.is_empty() {
        return Err("the key list is empty".into());
    }
    if keys.len() > MAX_ATTRIBUTE_COUNT {
        return Err(format!(
            "{} keys in one call; RTM allows at most {MAX_ATTRIBUTE_COUNT}",
            keys.len()
        ));
    }
    keys.iter().try_for_each(|k| check_key(k))
}
