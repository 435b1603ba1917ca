//! Why the system refused a request, in the protocol's own terms.
//!
//! The system does not know which RTM enum an operation reports its failures in; it says what
//! went wrong ([`FailureReason`]) and the client turns that into the code of the operation's
//! own enum (for example [`FailureReason::NotInChannel`] is `LEAVE_CHANNEL_ERR_NOT_IN_CHANNEL`
//! for a leave and `GET_MEMBERS_ERR_NOT_IN_CHANNEL` for a member list).

use serde::{Deserialize, Serialize};

/// What went wrong with a request, as the system sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FailureReason {
    /// The link carries no session: log in first.
    NotLoggedIn,
    /// The session ended while the request was being carried out.
    SessionEnded,
    /// The App ID is not registered on this system.
    InvalidAppId,
    /// The user is banned from the app.
    Banned,
    /// The link is already logged in, or the user logged in elsewhere meanwhile.
    AlreadyLoggedIn,
    /// The token is missing or not valid for this App ID and user.
    InvalidToken,
    /// The token has expired.
    TokenExpired,
    /// An argument is empty or malformed.
    InvalidArgument,
    /// The peer is offline and the message was not to be kept for it.
    PeerUnreachable,
    /// The user is already in the channel.
    AlreadyJoined,
    /// The user is already in as many channels as RTM allows.
    TooManyChannels,
    /// The user is not in the channel.
    NotInChannel,
    /// The subscriptions would exceed RTM's limit.
    TooManySubscriptions,
    /// The attributes would exceed RTM's size limits.
    AttributesTooLarge,
    /// The user whose attributes were asked for is not online.
    UserNotFound,
    /// The invitation has already ended.
    InvitationEnded,
    /// The system limits how often this may be asked, and the limit was reached.
    TooOften,
    /// The system could not carry the request out in time.
    Timeout,
}

/// A refused request: the reason, and a description a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// What went wrong.
    pub reason: FailureReason,
    /// What went wrong, in words.
    pub detail: String,
}

impl Failure {
    /// A failure with a reason and a description.
    ///
    /// ```
    /// use sig2rtm::proto::{Failure, FailureReason};
    /// let f = Failure::new(FailureReason::NotInChannel, "alice is not in channel lobby");
    /// assert_eq!(f.reason, FailureReason::NotInChannel);
    /// ```
    pub fn new(reason: FailureReason, detail: impl Into<String>) -> Self {
        Failure {
            reason,
            detail: detail.into(),
        }
    }
}
