//! The messages exchanged between an RTM core client and the RTM system.
//!
//! In process they travel as these Rust values; a network transport serialises them (serde).
//! Requests carry an id; the system answers each with at most one [`Down::Reply`] of that id
//! (none when the frames are lost on the way).
//!
//! What the system tells a session travels in two ways:
//! * [`Down::Stream`]: the session's ordered event stream. Each event has a sequence number; the
//!   system keeps it until the client acknowledges it ([`Up::Ack`]) and sends the unacknowledged
//!   ones again when the client resumes its session on a new link ([`Request::Resume`]). Peer
//!   messages, presence, member and invitation events go this way, so they arrive in order and
//!   exactly once across reconnections.
//! * [`Down::Event`]: best effort. Channel messages (re-delivered after a reconnection only from a
//!   short per-channel history, RTM's "32 messages / 30 s"), the kick notice, and events for a
//!   link without a session.
//!
//! [`Up::Ping`] / [`Down::Pong`] keep the link's liveness visible to both sides.

use super::attributes::{ChannelAttribute, RtmAttribute};
use super::enums::{LocalInvitationErrCode, PeerOnlineState, RemoteInvitationErrCode};
pub use super::failure::Failure;
use super::message::{PeerDelivery, RtmMessage};
use serde::{Deserialize, Serialize};

/// Id of a request, chosen by the client, unique on its link.
pub type RequestId = u64;

/// Id of an invitation, chosen by the caller, unique per caller.
pub type CallId = u64;

/// Id of a session on the system, given at login; a client resumes its session with it.
pub type SessionId = u64;

/// Sequence number of an event in a session's stream (1, 2, 3 …).
pub type StreamSeq = u64;

/// Sequence number of a channel message (increasing across the whole system).
pub type ChannelSeq = u64;

/// Client → system.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Up {
    /// A request that gets one reply.
    Request {
        /// Matches the reply.
        id: RequestId,
        /// What is asked.
        body: Request,
    },
    /// A notice that gets no reply.
    Notice(Notice),
    /// Liveness probe; the system answers [`Down::Pong`].
    Ping,
    /// The client has handled every stream event up to and including `seq`.
    Ack {
        /// Highest stream sequence number handled.
        seq: StreamSeq,
    },
}

/// Operations a client asks of the system.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Request {
    /// Bind this link to a user of an app.
    Login {
        /// The App ID.
        app_id: String,
        /// The user id.
        user_id: String,
        /// The token, if any.
        token: Option<String>,
    },
    /// Take a session back on a new link after the old link was lost. The client sends what it
    /// knows of its session, so the system can continue it (within the presence grace) or start
    /// a new one with the same channels, attributes and subscriptions.
    Resume(Box<ResumeRequest>),
    /// End the session.
    Logout,
    /// End a session whose own link is down, from a fresh link (a logout while the client was
    /// away). The system ends it if it is still the user's current session: what the client
    /// handled (up to `seen`) is done with, what it did not waits in the offline cache.
    EndSession {
        /// The App ID.
        app_id: String,
        /// The user id.
        user_id: String,
        /// The session's token, if any (checked as for a resume).
        token: Option<String>,
        /// The session to end.
        session: SessionId,
        /// The last stream event the client handled in that session.
        seen: StreamSeq,
    },
    /// Replace the session's token.
    RenewToken {
        /// The new token.
        token: String,
    },
    /// Send a peer message.
    SendPeer {
        /// Receiver.
        to: String,
        /// The message.
        message: RtmMessage,
        /// Keep it for an offline receiver.
        offline: bool,
    },
    /// Ask which peers are online.
    QueryOnline {
        /// The peers.
        peers: Vec<String>,
    },
    /// Subscribe to peers' online state.
    Subscribe {
        /// The peers.
        peers: Vec<String>,
    },
    /// Unsubscribe from peers' online state.
    Unsubscribe {
        /// The peers.
        peers: Vec<String>,
    },
    /// Change the caller's own attributes.
    UserAttributes(AttributeOp<RtmAttribute>),
    /// Read a user's attributes (all, or the given keys).
    GetUserAttributes {
        /// The user.
        user: String,
        /// Only these keys; all when `None`.
        keys: Option<Vec<String>>,
    },
    /// Change a channel's attributes.
    ChannelAttributes {
        /// The channel.
        channel: String,
        /// The change.
        op: AttributeOp<ChannelAttribute>,
        /// Notify members with the new full set.
        notify: bool,
    },
    /// Read a channel's attributes (all, or the given keys).
    GetChannelAttributes {
        /// The channel.
        channel: String,
        /// Only these keys; all when `None`.
        keys: Option<Vec<String>>,
    },
    /// Count members of channels.
    MemberCount {
        /// The channels.
        channels: Vec<String>,
    },
    /// Join a channel.
    Join {
        /// The channel.
        channel: String,
    },
    /// Leave a channel.
    Leave {
        /// The channel.
        channel: String,
    },
    /// Send a channel message.
    SendChannel {
        /// The channel.
        channel: String,
        /// The message.
        message: RtmMessage,
    },
    /// List a channel's members.
    GetMembers {
        /// The channel.
        channel: String,
    },
    /// Send an invitation.
    Invite {
        /// Caller-chosen id.
        call_id: CallId,
        /// Callee.
        callee: String,
        /// Content.
        content: String,
        /// Channel id (for Signaling interop).
        channel_id: String,
    },
    /// Cancel a sent invitation.
    CancelInvite {
        /// The invitation.
        call_id: CallId,
    },
    /// Accept a received invitation.
    AcceptInvite {
        /// Caller.
        caller: String,
        /// The invitation.
        call_id: CallId,
        /// Response text.
        response: String,
    },
    /// Refuse a received invitation.
    RefuseInvite {
        /// Caller.
        caller: String,
        /// The invitation.
        call_id: CallId,
        /// Response text.
        response: String,
    },
}

/// What a client tells the system when it resumes its session ([`Request::Resume`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResumeRequest {
    /// The App ID.
    pub app_id: String,
    /// The user id.
    pub user_id: String,
    /// The current token (renewed or not), if any.
    pub token: Option<String>,
    /// The session to resume (from the login or the last resume).
    pub session: SessionId,
    /// The last stream event the client handled in that session.
    pub seen: StreamSeq,
    /// The channels the client is in, each with the last channel message it received there.
    pub channels: Vec<(String, ChannelSeq)>,
    /// The client's copy of its user attributes.
    pub attributes: Vec<RtmAttribute>,
    /// The peers whose online state the client follows.
    pub subscriptions: Vec<String>,
}

/// A change to an attribute set.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum AttributeOp<A> {
    /// Replace the whole set.
    Set(Vec<A>),
    /// Insert or update by key.
    AddOrUpdate(Vec<A>),
    /// Delete these keys.
    DeleteKeys(Vec<String>),
    /// Delete everything.
    Clear,
}

/// Fire-and-forget client → system messages.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Notice {
    /// The callee's client received an invitation.
    InviteReceived {
        /// Caller.
        caller: String,
        /// The invitation.
        call_id: CallId,
    },
    /// The caller's client saw the callee's accept.
    AcceptSeen {
        /// Callee.
        callee: String,
        /// The invitation.
        call_id: CallId,
    },
}

/// System → client.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Down {
    /// The answer to a request.
    Reply {
        /// The request.
        id: RequestId,
        /// Its outcome.
        result: Result<Reply, Failure>,
    },
    /// Something happened (best effort: not re-sent after a reconnection).
    Event(Event),
    /// An event of the session's stream: kept by the system until acknowledged.
    Stream {
        /// Its place in the stream.
        seq: StreamSeq,
        /// What happened.
        event: Event,
    },
    /// Answer to [`Up::Ping`].
    Pong,
}

/// Successful answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Reply {
    /// Done, nothing to return.
    Done,
    /// Logged in: the new session.
    LoggedIn {
        /// The session, to resume it after a link loss.
        session: SessionId,
    },
    /// Resumed ([`Request::Resume`]).
    Resumed {
        /// The session now (the same one when `kept`).
        session: SessionId,
        /// True when the system still held the session (back within the presence grace); false
        /// when a new session was started from what the client sent.
        kept: bool,
        /// For a new session: the current state of every subscribed peer.
        peers: Vec<(String, PeerOnlineState)>,
    },
    /// Joined a channel.
    Joined {
        /// The newest channel message sequence number at the time of the join; messages sent
        /// later have higher numbers.
        last_message: ChannelSeq,
    },
    /// How a peer message was delivered.
    PeerSent(PeerDelivery),
    /// Online flags, in the order asked.
    Online(Vec<(String, bool)>),
    /// User attributes.
    UserAttributes(Vec<RtmAttribute>),
    /// Channel attributes.
    ChannelAttributes(Vec<ChannelAttribute>),
    /// Member counts, in the order asked.
    Counts(Vec<(String, u32)>),
    /// Member ids.
    Members(Vec<String>),
}

/// Why the system ended a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KickReason {
    /// The same user logged in elsewhere.
    RemoteLogin,
    /// The user was banned.
    Banned,
}

/// Which side of an invitation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InviteFailure {
    /// The caller's invitation failed.
    Local(LocalInvitationErrCode),
    /// The callee's invitation failed.
    Remote(RemoteInvitationErrCode),
}

/// Things the system pushes to a client.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Event {
    /// The session was ended by the system.
    Kicked(KickReason),
    /// A peer message.
    PeerMessage {
        /// Sender.
        from: String,
        /// The message, stamped.
        message: RtmMessage,
    },
    /// Subscribed peers' states changed.
    PeerStatus(Vec<(String, PeerOnlineState)>),
    /// Someone joined a channel the client is in.
    MemberJoined {
        /// The channel.
        channel: String,
        /// The member.
        user: String,
    },
    /// Someone left a channel the client is in.
    MemberLeft {
        /// The channel.
        channel: String,
        /// The member.
        user: String,
    },
    /// A channel's member count.
    MemberCount {
        /// The channel.
        channel: String,
        /// Its members.
        count: u32,
    },
    /// A channel's full attribute set after a notifying write.
    ChannelAttributes {
        /// The channel.
        channel: String,
        /// All attributes.
        attributes: Vec<ChannelAttribute>,
    },
    /// A channel message from another member.
    ChannelMessage {
        /// The channel.
        channel: String,
        /// Sender.
        from: String,
        /// The message, stamped.
        message: RtmMessage,
        /// Its sequence number (to re-deliver missed ones after a reconnection, and to drop
        /// duplicates).
        seq: ChannelSeq,
    },
    /// (Callee) an invitation arrived.
    InviteReceived {
        /// Caller.
        caller: String,
        /// The invitation.
        call_id: CallId,
        /// Content.
        content: String,
        /// Channel id.
        channel_id: String,
    },
    /// (Caller) the callee received the invitation.
    InviteReceivedByPeer {
        /// The invitation.
        call_id: CallId,
    },
    /// (Caller) the callee accepted.
    InviteAccepted {
        /// The invitation.
        call_id: CallId,
        /// Callee's response.
        response: String,
    },
    /// (Callee) the caller saw the accept: the call is on.
    InviteAcceptConfirmed {
        /// Caller.
        caller: String,
        /// The invitation.
        call_id: CallId,
    },
    /// (Caller) the callee refused.
    InviteRefused {
        /// The invitation.
        call_id: CallId,
        /// Callee's response.
        response: String,
    },
    /// (Callee) the caller cancelled.
    InviteCanceled {
        /// Caller.
        caller: String,
        /// The invitation.
        call_id: CallId,
    },
    /// An invitation failed (caller or callee side).
    InviteFailed {
        /// The other party (callee for a local failure, caller for a remote one).
        peer: String,
        /// The invitation.
        call_id: CallId,
        /// Which side and why.
        failure: InviteFailure,
    },
}
