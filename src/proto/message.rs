//! Messages: text and raw payloads with their id, server timestamp and offline flag
//! (spec/rtm-1x.md §1.3).

use super::enums::MessageType;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Largest message RTM carries: text, or raw data plus description, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 32 * 1024;

/// Text that makes a peer message behave like the legacy Signaling `channelInviteEnd`:
/// `"<prefix>_<channelId>_<extra>"` (spec/rtm-1x.md §5.1).
pub const END_CALL_PREFIX: &str = "AgoraRTMLegacyEndcallCompatibleMessagePrefix";

static NEXT_MESSAGE_ID: AtomicU64 = AtomicU64::new(1);

/// What a message carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessagePayload {
    /// UTF-8 text.
    Text(Arc<str>),
    /// Binary data with an optional text description.
    Raw {
        /// The bytes.
        data: Arc<[u8]>,
        /// A description shown by `text()`.
        description: Arc<str>,
    },
}

/// A peer or channel message (RTM's `IMessage`).
///
/// Messages are cheap to clone: the payload is shared. A message created here gets a fresh
/// message id; the RTM system stamps `server_received_ts` and, for messages kept for an offline
/// peer, the offline flag.
///
/// ```
/// use sig2rtm::rtm::{MessageType, RtmMessage};
/// let m = RtmMessage::from_text("hello");
/// assert_eq!(m.text(), "hello");
/// assert_eq!(m.message_type(), MessageType::Text);
/// let r = RtmMessage::from_raw(vec![1, 2, 3], "three bytes");
/// assert_eq!(r.raw_data(), Some(&[1u8, 2, 3][..]));
/// assert_ne!(m.message_id(), r.message_id());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RtmMessage {
    id: u64,
    payload: MessagePayload,
    server_received_ts: u64,
    offline: bool,
}

impl RtmMessage {
    /// A text message (RTM `createMessage(text)`).
    pub fn from_text(text: impl Into<Arc<str>>) -> Self {
        Self::with_payload(MessagePayload::Text(text.into()))
    }

    /// A raw message with a description (RTM `createMessage(raw, len, description)`).
    pub fn from_raw(data: impl Into<Arc<[u8]>>, description: impl Into<Arc<str>>) -> Self {
        Self::with_payload(MessagePayload::Raw {
            data: data.into(),
            description: description.into(),
        })
    }

    fn with_payload(payload: MessagePayload) -> Self {
        RtmMessage {
            id: NEXT_MESSAGE_ID.fetch_add(1, Ordering::Relaxed),
            payload,
            server_received_ts: 0,
            offline: false,
        }
    }

    /// The message id (unique within this process).
    #[doc(alias = "getMessageId")]
    pub fn message_id(&self) -> u64 {
        self.id
    }

    /// TEXT or RAW.
    #[doc(alias = "getMessageType")]
    pub fn message_type(&self) -> MessageType {
        match self.payload {
            MessagePayload::Text(_) => MessageType::Text,
            MessagePayload::Raw { .. } => MessageType::Raw,
        }
    }

    /// The text, or the description of a raw message.
    #[doc(alias = "getText")]
    pub fn text(&self) -> &str {
        match &self.payload {
            MessagePayload::Text(t) => t,
            MessagePayload::Raw { description, .. } => description,
        }
    }

    /// The bytes of a raw message.
    #[doc(alias = "getRawMessageData")]
    pub fn raw_data(&self) -> Option<&[u8]> {
        match &self.payload {
            MessagePayload::Text(_) => None,
            MessagePayload::Raw { data, .. } => Some(data),
        }
    }

    /// The payload.
    pub fn payload(&self) -> &MessagePayload {
        &self.payload
    }

    /// When the RTM system received the message, in ms since the Unix epoch (0 before sending).
    #[doc(alias = "getServerReceivedTs")]
    pub fn server_received_ts(&self) -> u64 {
        self.server_received_ts
    }

    /// True for a peer message that was kept by the server while the receiver was offline.
    #[doc(alias = "isOfflineMessage")]
    pub fn is_offline_message(&self) -> bool {
        self.offline
    }

    /// Size that counts toward the 32 KB limit: text bytes, or raw bytes plus description bytes.
    pub fn size_bytes(&self) -> usize {
        match &self.payload {
            MessagePayload::Text(t) => t.len(),
            MessagePayload::Raw { data, description } => data.len() + description.len(),
        }
    }

    pub(crate) fn stamped(&self, server_ts: u64, offline: bool) -> Self {
        let mut m = self.clone();
        m.server_received_ts = server_ts;
        m.offline = offline;
        m
    }

    /// `Err` with a description when the message cannot be sent (over 32 KB).
    pub(crate) fn check_size(&self) -> Result<(), String> {
        let n = self.size_bytes();
        if n > MAX_MESSAGE_BYTES {
            Err(format!(
                "message is {n} bytes; RTM carries at most {MAX_MESSAGE_BYTES} bytes"
            ))
        } else {
            Ok(())
        }
    }
}

/// Options of a peer send (RTM `SendMessageOptions`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendMessageOptions {
    /// Keep the message on the server for an offline peer (delivered at its next login).
    pub enable_offline_messaging: bool,
    /// Historical messaging (a private beta in RTM); accepted and ignored.
    pub enable_historical_messaging: bool,
}

/// How a peer message was delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PeerDelivery {
    /// The peer received it (`PEER_MESSAGE_ERR_OK`).
    Received,
    /// The peer is offline and the server keeps the message for it (`CACHED_BY_SERVER`, 4).
    CachedByServer,
}

/// Checks an end-call text (`<prefix>_<channelId>_<extra>`): `None` when `text` does not start with
/// the prefix, `Some(Err)` when it does but is malformed.
pub(crate) fn check_end_call_text(text: &str) -> Option<Result<(), String>> {
    if !text.starts_with(END_CALL_PREFIX) {
        return None;
    }
    let mut parts = text.splitn(3, '_');
    let p0 = parts.next().unwrap_or_default();
    let channel = parts.next();
    let extra = parts.next();
    Some(match (p0 == END_CALL_PREFIX, channel, extra) {
        (true, Some(channel), Some(_)) => super::ids::validate("end-call channel id", channel),
        _ => Err(format!(
            "a text starting with {END_CALL_PREFIX} must read {END_CALL_PREFIX}_<channelId>_<extra>"
        )),
    })
}
