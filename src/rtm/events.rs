//! Events of an RTM client, delivered in order to every subscriber.
//!
//! RTM 1.x has three handler interfaces (client, channel, call manager). Here they are one enum,
//! [`RtmEvent`], so that a subscriber sees everything that happened to the client in the order
//! it happened. Any number of subscribers may watch one client (for example the legacy facade and
//! new RTM code side by side); each gets every event. Nothing is dropped: a subscriber that falls
//! behind buffers, it never loses events.

use super::attributes::{ChannelAttribute, PeerOnlineStatus};
use super::call::{LocalInvitation, RemoteInvitation};
use super::enums::{ConnectionChangeReason, ConnectionState};
use super::error::{LocalInvitationErrCode, RemoteInvitationErrCode};
use super::message::RtmMessage;
use tokio::sync::mpsc::UnboundedReceiver;

/// Something that happened to an RTM client.
#[derive(Debug, Clone)]
pub enum RtmEvent {
    /// `onConnectionStateChanged`.
    ConnectionStateChanged {
        /// The new state.
        state: ConnectionState,
        /// Why it changed.
        reason: ConnectionChangeReason,
    },
    /// `onTokenExpired`: the token expired while reconnecting; call `renew_token`.
    TokenExpired,
    /// `onMessageReceivedFromPeer`.
    MessageFromPeer {
        /// The sender.
        peer_id: String,
        /// The message.
        message: RtmMessage,
    },
    /// `onPeersOnlineStatusChanged`: only the subscribed peers whose state changed.
    PeersOnlineStatusChanged(Vec<PeerOnlineStatus>),
    /// An event of a channel the client is in.
    Channel {
        /// The channel.
        channel_id: String,
        /// What happened.
        event: ChannelEvent,
    },
    /// An event of the call manager.
    Call(CallEvent),
}

/// Events of a channel (RTM `IChannelEventHandler`).
#[derive(Debug, Clone)]
pub enum ChannelEvent {
    /// `onMemberJoined` (not sent above 512 members).
    MemberJoined {
        /// The member.
        user_id: String,
    },
    /// `onMemberLeft` (not sent above 512 members).
    MemberLeft {
        /// The member.
        user_id: String,
    },
    /// `onMemberCountUpdated`: right after joining, then when the count changes (at most every
    /// 1 s, or 3 s above 512 members).
    MemberCountUpdated(u32),
    /// `onAttributesUpdated`: the channel's complete attribute set.
    AttributesUpdated(Vec<ChannelAttribute>),
    /// `onMessageReceived`: a message from another member.
    MessageReceived {
        /// The sender.
        user_id: String,
        /// The message.
        message: RtmMessage,
    },
}

/// Events of the call manager (RTM `IRtmCallEventHandler`): the ten invitation callbacks.
#[derive(Debug, Clone)]
pub enum CallEvent {
    /// Caller: the callee received the invitation.
    LocalInvitationReceivedByPeer(LocalInvitation),
    /// Caller: the callee accepted.
    LocalInvitationAccepted {
        /// The invitation.
        invitation: LocalInvitation,
        /// The callee's response.
        response: String,
    },
    /// Caller: the callee refused.
    LocalInvitationRefused {
        /// The invitation.
        invitation: LocalInvitation,
        /// The callee's response.
        response: String,
    },
    /// Caller: the invitation was cancelled.
    LocalInvitationCanceled(LocalInvitation),
    /// Caller: the invitation failed.
    LocalInvitationFailure {
        /// The invitation.
        invitation: LocalInvitation,
        /// Why.
        code: LocalInvitationErrCode,
    },
    /// Callee: an invitation arrived.
    RemoteInvitationReceived(RemoteInvitation),
    /// Callee: the accept was acknowledged by the caller; the call is on.
    RemoteInvitationAccepted(RemoteInvitation),
    /// Callee: the refusal was sent.
    RemoteInvitationRefused(RemoteInvitation),
    /// Callee: the caller cancelled.
    RemoteInvitationCanceled(RemoteInvitation),
    /// Callee: the invitation failed.
    RemoteInvitationFailure {
        /// The invitation.
        invitation: RemoteInvitation,
        /// Why.
        code: RemoteInvitationErrCode,
    },
}

impl RtmEvent {
    /// The channel an event belongs to, if it is a channel event.
    pub fn channel_id(&self) -> Option<&str> {
        match self {
            RtmEvent::Channel { channel_id, .. } => Some(channel_id),
            _ => None,
        }
    }
}

/// A subscription to a client's events ([`crate::rtm::RtmClient::subscribe`]).
///
/// ```
/// # async fn demo(client: sig2rtm::rtm::RtmClient) {
/// let mut events = client.subscribe();
/// while let Some(event) = events.recv().await {
///     println!("{event:?}");
/// }
/// # }
/// ```
pub struct EventStream {
    pub(crate) rx: UnboundedReceiver<RtmEvent>,
}

impl EventStream {
    /// The next event; `None` once the client is released and every event was read.
    pub async fn recv(&mut self) -> Option<RtmEvent> {
        self.rx.recv().await
    }

    /// The next event if one is waiting.
    pub fn try_recv(&mut self) -> Option<RtmEvent> {
        self.rx.try_recv().ok()
    }

    /// Every event waiting now, in order.
    pub fn drain(&mut self) -> Vec<RtmEvent> {
        std::iter::from_fn(|| self.try_recv()).collect()
    }

    /// Blocks the current (non-async) thread for the next event.
    pub fn blocking_recv(&mut self) -> Option<RtmEvent> {
        self.rx.blocking_recv()
    }
}
