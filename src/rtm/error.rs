//! RTM 1.x error and status enumerations with their exact numeric values (spec/rtm-1x.md §3),
//! and [`RtmError`], the error type every core operation returns.
//!
//! Each operation family has its own code enum, named after the RTM enum it mirrors
//! (`LOGIN_ERR_CODE` → [`LoginErrCode`] …). `code()` gives the RTM number, `name()` the RTM
//! constant's suffix (`"INVALID_TOKEN"`), so tables and logs can speak RTM's language.

use std::fmt;

pub use crate::proto::enums::{LocalInvitationErrCode, RemoteInvitationErrCode};
use crate::proto::FailureReason;
pub use crate::proto::RtmCode;

rtm_codes! {
    /// `INIT_ERR_CODE`: failures creating a client instance.
    pub enum InitErrCode = "INIT_ERR_CODE" {
        /// Unspecified failure.
        Failure = 1 => "FAILURE",
        /// The instance was already initialised.
        AlreadyInitialized = 2 => "ALREADY_INITIALIZED",
        /// The App ID is not 32 letters and digits.
        InvalidAppId = 3 => "INVALID_APP_ID",
        /// An argument (such as the event handler) is missing or invalid.
        InvalidArgument = 4 => "INVALID_ARGUMENT",
    }
}

rtm_codes! {
    /// `LOGIN_ERR_CODE`: why a login failed.
    pub enum LoginErrCode = "LOGIN_ERR_CODE" {
        /// Unknown reason.
        Unknown = 1 => "UNKNOWN",
        /// The server rejected the login.
        Rejected = 2 => "REJECTED",
        /// The user id breaks RTM's id rules.
        InvalidArgument = 3 => "INVALID_ARGUMENT",
        /// The App ID is not known to the system.
        InvalidAppId = 4 => "INVALID_APP_ID",
        /// The token is not valid for this App ID and user.
        InvalidToken = 5 => "INVALID_TOKEN",
        /// The token has expired.
        TokenExpired = 6 => "TOKEN_EXPIRED",
        /// The user is not authorised.
        NotAuthorized = 7 => "NOT_AUTHORIZED",
        /// Already logged in, logging in, or still ABORTED (log out first).
        AlreadyLoggedIn = 8 => "ALREADY_LOGGED_IN",
        /// No answer within the login timeout (6 s).
        Timeout = 9 => "TIMEOUT",
        /// More than the allowed logins per second.
        TooOften = 10 => "TOO_OFTEN",
        /// The client was released.
        NotInitialized = 101 => "NOT_INITIALIZED",
    }
}

rtm_codes! {
    /// `LOGOUT_ERR_CODE`.
    pub enum LogoutErrCode = "LOGOUT_ERR_CODE" {
        /// Reserved by RTM.
        Rejected = 1 => "REJECTED",
        /// The client was released.
        NotInitialized = 101 => "NOT_INITIALIZED",
        /// Not logged in.
        UserNotLoggedIn = 102 => "USER_NOT_LOGGED_IN",
    }
}

rtm_codes! {
    /// `RENEW_TOKEN_ERR_CODE`.
    pub enum RenewTokenErrCode = "RENEW_TOKEN_ERR_CODE" {
        /// Unspecified failure.
        Failure = 1 => "FAILURE",
        /// The token is empty or malformed.
        InvalidArgument = 2 => "INVALID_ARGUMENT",
        /// Reserved by RTM.
        Rejected = 3 => "REJECTED",
        /// More than the allowed renewals per second.
        TooOften = 4 => "TOO_OFTEN",
        /// The new token has already expired.
        TokenExpired = 5 => "TOKEN_EXPIRED",
        /// The new token is not valid for this App ID and user.
        InvalidToken = 6 => "INVALID_TOKEN",
        /// The client was released.
        NotInitialized = 101 => "NOT_INITIALIZED",
        /// Not logged in.
        UserNotLoggedIn = 102 => "USER_NOT_LOGGED_IN",
    }
}

rtm_codes! {
    /// `PEER_MESSAGE_ERR_CODE`: outcome of a peer-to-peer send.
    ///
    /// `CachedByServer` is how RTM reports a message kept for an offline peer; the core returns it
    /// as a success ([`crate::rtm::PeerDelivery::CachedByServer`]), never as an error.
    pub enum PeerMessageErrCode = "PEER_MESSAGE_ERR_CODE" {
        /// Unspecified failure.
        Failure = 1 => "FAILURE",
        /// The peer did not confirm within the send timeout (10 s).
        SentTimeout = 2 => "SENT_TIMEOUT",
        /// The peer is offline and offline messaging was off.
        PeerUnreachable = 3 => "PEER_UNREACHABLE",
        /// The peer is offline; the server keeps the message for it.
        CachedByServer = 4 => "CACHED_BY_SERVER",
        /// More messages than the send rate limit allows.
        TooOften = 5 => "TOO_OFTEN",
        /// The peer id breaks RTM's id rules.
        InvalidUserid = 6 => "INVALID_USERID",
        /// The message is empty where it may not be, over 32 KB, or a malformed end-call text.
        InvalidMessage = 7 => "INVALID_MESSAGE",
        /// The receiver's SDK cannot read this message (spelling as in RTM).
        ImcompatibleMessage = 8 => "IMCOMPATIBLE_MESSAGE",
        /// The client was released.
        NotInitialized = 101 => "NOT_INITIALIZED",
        /// Not logged in.
        UserNotLoggedIn = 102 => "USER_NOT_LOGGED_IN",
    }
}

rtm_codes! {
    /// `JOIN_CHANNEL_ERR`.
    pub enum JoinChannelErr = "JOIN_CHANNEL_ERR" {
        /// Unspecified failure.
        Failure = 1 => "FAILURE",
        /// Reserved (RTM ≤ 1.0 used it for "already joined").
        Rejected = 2 => "REJECTED",
        /// The channel id breaks RTM's id rules.
        InvalidArgument = 3 => "INVALID_ARGUMENT",
        /// No answer within the join timeout (5 s).
        JoinChannelTimeout = 4 => "JOIN_CHANNEL_TIMEOUT",
        /// Already in 20 channels.
        ExceedLimit = 5 => "EXCEED_LIMIT",
        /// This channel object is already joined.
        AlreadyJoined = 6 => "ALREADY_JOINED",
        /// More than 50 joins in 3 s.
        TooOften = 7 => "TOO_OFTEN",
        /// More than 2 joins of the same channel in 5 s.
        JoinSameChannelTooOften = 8 => "JOIN_SAME_CHANNEL_TOO_OFTEN",
        /// The client or channel was released.
        NotInitialized = 101 => "NOT_INITIALIZED",
        /// Not logged in.
        UserNotLoggedIn = 102 => "USER_NOT_LOGGED_IN",
    }
}

rtm_codes! {
    /// `LEAVE_CHANNEL_ERR`.
    pub enum LeaveChannelErr = "LEAVE_CHANNEL_ERR" {
        /// Unspecified failure.
        Failure = 1 => "FAILURE",
        /// Reserved by RTM.
        Rejected = 2 => "REJECTED",
        /// The channel is not joined.
        NotInChannel = 3 => "NOT_IN_CHANNEL",
        /// The client or channel was released.
        NotInitialized = 101 => "NOT_INITIALIZED",
        /// Not logged in.
        UserNotLoggedIn = 102 => "USER_NOT_LOGGED_IN",
    }
}

rtm_codes! {
    /// `CHANNEL_MESSAGE_ERR_CODE`.
    pub enum ChannelMessageErrCode = "CHANNEL_MESSAGE_ERR_CODE" {
        /// Unspecified failure, including sending to a channel that is not joined.
        Failure = 1 => "FAILURE",
        /// The server did not confirm within the send timeout (10 s).
        SentTimeout = 2 => "SENT_TIMEOUT",
        /// More messages than the send rate limit allows.
        TooOften = 3 => "TOO_OFTEN",
        /// The message is over 32 KB.
        InvalidMessage = 4 => "INVALID_MESSAGE",
        /// The client or channel was released.
        NotInitialized = 101 => "NOT_INITIALIZED",
        /// Not logged in.
        UserNotLoggedIn = 102 => "USER_NOT_LOGGED_IN",
    }
}

rtm_codes! {
    /// `GET_MEMBERS_ERR`.
    pub enum GetMembersErr = "GET_MEMBERS_ERR" {
        /// Unspecified failure.
        Failure = 1 => "FAILURE",
        /// Reserved by RTM.
        Rejected = 2 => "REJECTED",
        /// No answer within 5 s.
        Timeout = 3 => "TIMEOUT",
        /// More than 5 calls in 2 s.
        TooOften = 4 => "TOO_OFTEN",
        /// The channel is not joined.
        NotInChannel = 5 => "NOT_IN_CHANNEL",
        /// The client or channel was released.
        NotInitialized = 101 => "NOT_INITIALIZED",
        /// Not logged in.
        UserNotLoggedIn = 102 => "USER_NOT_LOGGED_IN",
    }
}

rtm_codes! {
    /// `GET_CHANNEL_MEMBER_COUNT_ERR_CODE`.
    pub enum GetChannelMemberCountErrCode = "GET_CHANNEL_MEMBER_COUNT_ERR_CODE" {
        /// Unspecified failure.
        Failure = 1 => "FAILURE",
        /// A channel id breaks RTM's id rules, or the list is empty.
        InvalidArgument = 2 => "INVALID_ARGUMENT",
        /// More than one call per second.
        TooOften = 3 => "TOO_OFTEN",
        /// No answer within 5 s.
        Timeout = 4 => "TIMEOUT",
        /// More than 32 channel ids in one call.
        ExceedLimit = 5 => "EXCEED_LIMIT",
        /// The client was released.
        NotInitialized = 101 => "NOT_INITIALIZED",
        /// Not logged in.
        UserNotLoggedIn = 102 => "USER_NOT_LOGGED_IN",
    }
}

rtm_codes! {
    /// `QUERY_PEERS_ONLINE_STATUS_ERR`.
    pub enum QueryPeersOnlineStatusErr = "QUERY_PEERS_ONLINE_STATUS_ERR" {
        /// Unspecified failure.
        Failure = 1 => "FAILURE",
        /// A peer id breaks RTM's id rules, the list is empty or longer than 256.
        InvalidArgument = 2 => "INVALID_ARGUMENT",
        /// Reserved by RTM.
        Rejected = 3 => "REJECTED",
        /// No answer within 10 s.
        Timeout = 4 => "TIMEOUT",
        /// More queries than the rate limit allows.
        TooOften = 5 => "TOO_OFTEN",
        /// The client was released.
        NotInitialized = 101 => "NOT_INITIALIZED",
        /// Not logged in.
        UserNotLoggedIn = 102 => "USER_NOT_LOGGED_IN",
    }
}

rtm_codes! {
    /// `PEER_SUBSCRIPTION_STATUS_ERR`.
    pub enum PeerSubscriptionStatusErr = "PEER_SUBSCRIPTION_STATUS_ERR" {
        /// Unspecified failure.
        Failure = 1 => "FAILURE",
        /// A peer id breaks RTM's id rules or the list is empty.
        InvalidArgument = 2 => "INVALID_ARGUMENT",
        /// Reserved by RTM.
        Rejected = 3 => "REJECTED",
        /// No answer within 10 s.
        Timeout = 4 => "TIMEOUT",
        /// More calls than the rate limit allows.
        TooOften = 5 => "TOO_OFTEN",
        /// More than 512 subscribed peers in total, or in one call.
        Overflow = 6 => "OVERFLOW",
        /// The client was released.
        NotInitialized = 101 => "NOT_INITIALIZED",
        /// Not logged in.
        UserNotLoggedIn = 102 => "USER_NOT_LOGGED_IN",
    }
}

rtm_codes! {
    /// `QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR`.
    pub enum QueryPeersBySubscriptionOptionErr = "QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR" {
        /// Unspecified failure.
        Failure = 1 => "FAILURE",
        /// No answer within 5 s.
        Timeout = 2 => "TIMEOUT",
        /// More calls than the rate limit allows.
        TooOften = 3 => "TOO_OFTEN",
        /// The client was released.
        NotInitialized = 101 => "NOT_INITIALIZED",
        /// Not logged in.
        UserNotLoggedIn = 102 => "USER_NOT_LOGGED_IN",
    }
}

rtm_codes! {
    /// `ATTRIBUTE_OPERATION_ERR`: user and channel attribute operations.
    pub enum AttributeOperationErr = "ATTRIBUTE_OPERATION_ERR" {
        /// Deprecated since 1.1.0 (RTM now answers 102).
        NotReady = 1 => "NOT_READY",
        /// Unspecified failure.
        Failure = 2 => "FAILURE",
        /// Empty key or value, key over 32 bytes, bad id.
        InvalidArgument = 3 => "INVALID_ARGUMENT",
        /// Value over 8 KB, more than 32 pairs, or over the total size.
        SizeOverflow = 4 => "SIZE_OVERFLOW",
        /// More calls than the rate limit allows.
        TooOften = 5 => "TOO_OFTEN",
        /// The user is offline or unknown.
        UserNotFound = 6 => "USER_NOT_FOUND",
        /// No answer within 5 s.
        Timeout = 7 => "TIMEOUT",
        /// The client was released.
        NotInitialized = 101 => "NOT_INITIALIZED",
        /// Not logged in.
        UserNotLoggedIn = 102 => "USER_NOT_LOGGED_IN",
    }
}

rtm_codes! {
    /// `INVITATION_API_CALL_ERR_CODE`: misuse of the call-manager methods.
    pub enum InvitationApiCallErrCode = "INVITATION_API_CALL_ERR_CODE" {
        /// Content or response over 8 KB, a bad id, or an invitation of another client.
        InvalidArgument = 1 => "INVALID_ARGUMENT",
        /// The invitation has not been sent yet (e.g. cancel before send).
        NotStarted = 2 => "NOT_STARTED",
        /// The invitation's lifecycle has ended.
        AlreadyEnd = 3 => "ALREADY_END",
        /// The invitation was already accepted.
        AlreadyAccept = 4 => "ALREADY_ACCEPT",
        /// The invitation was already sent.
        AlreadySent = 5 => "ALREADY_SENT",
    }
}

/// The error every RTM core operation returns: an RTM code plus a description a person can act on.
///
/// ```
/// use sig2rtm::rtm::{LoginErrCode, RtmCode, RtmError};
/// let e = RtmError::new(LoginErrCode::InvalidToken, "the token was built for another user");
/// assert_eq!(e.code(), 5);
/// assert_eq!(e.kind(), LoginErrCode::InvalidToken);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtmError<C: RtmCode> {
    kind: C,
    detail: String,
}

impl<C: RtmCode> RtmError<C> {
    /// An error of `kind` with a human description.
    pub fn new(kind: C, detail: impl Into<String>) -> Self {
        RtmError {
            kind,
            detail: detail.into(),
        }
    }

    /// The RTM code value.
    pub fn kind(&self) -> C {
        self.kind
    }

    /// The RTM number of the code (for example 5 for `LOGIN_ERR_INVALID_TOKEN`).
    pub fn code(&self) -> i32 {
        self.kind.code()
    }

    /// What went wrong, in words.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl<C: RtmCode + fmt::Display> fmt::Display for RtmError<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}: {}", C::ENUM_NAME, self.kind, self.detail)
    }
}

impl<C: RtmCode + fmt::Display> std::error::Error for RtmError<C> {}

/// Result of an RTM core operation whose failures are codes of `C`.
pub type RtmResult<T, C> = Result<T, RtmError<C>>;

rtm_codes! {
    /// Why `create_channel` failed. Native RTM returns a null channel; the numbers follow the web
    /// SDK's `CREATE_CHANNEL_ERR_INVALID_ARGUMENT` (1) and RTM's common 101.
    pub enum CreateChannelErr = "CREATE_CHANNEL_ERR" {
        /// The channel id breaks RTM's id rules.
        InvalidArgument = 1 => "INVALID_ARGUMENT",
        /// The client was released.
        NotInitialized = 101 => "NOT_INITIALIZED",
    }
}

/// Codes shared by the request/response operations, so one request path can report them, and
/// how the operation reports each reason the system gives for refusing it.
pub(crate) trait OpCode: RtmCode {
    /// The client was released.
    const NOT_INITIALIZED: Self;
    /// Not logged in.
    const NOT_LOGGED_IN: Self;
    /// No answer in time.
    const TIMEOUT: Self;
    /// Anything else.
    const FAILURE: Self;

    /// The operation's code for a refusal by the system.
    fn from_reason(reason: FailureReason) -> Self;
}

/// Implements [`OpCode`] for an operation's code enum: its timeout and failure values, and the
/// reasons it has a code of its own for (every other reason is its failure value; not logged in
/// is its not-logged-in value).
macro_rules! op_code {
    ($ty:ident, $timeout:ident, $failure:ident $(; $($reason:ident => $variant:ident),+)?) => {
        op_code!(@impl $ty, UserNotLoggedIn, $timeout, $failure $(; $($reason => $variant),+)?);
    };
    (@impl $ty:ident, $not_logged_in:ident, $timeout:ident, $failure:ident
        $(; $($reason:ident => $variant:ident),+)?) => {
        impl OpCode for $ty {
            const NOT_INITIALIZED: Self = $ty::NotInitialized;
            const NOT_LOGGED_IN: Self = $ty::$not_logged_in;
            const TIMEOUT: Self = $ty::$timeout;
            const FAILURE: Self = $ty::$failure;

            fn from_reason(reason: FailureReason) -> Self {
                match reason {
                    $($(FailureReason::$reason => $ty::$variant,)+)?
                    FailureReason::NotLoggedIn => Self::NOT_LOGGED_IN,
                    FailureReason::Timeout => Self::TIMEOUT,
                    _ => Self::FAILURE,
                }
            }
        }
    };
}

op_code!(@impl LoginErrCode, Unknown, Timeout, Unknown;
    InvalidAppId => InvalidAppId,
    Banned => Rejected,
    AlreadyLoggedIn => AlreadyLoggedIn,
    InvalidToken => InvalidToken,
    TokenExpired => TokenExpired,
    InvalidArgument => InvalidArgument,
    TooOften => TooOften);
op_code!(@impl LogoutErrCode, UserNotLoggedIn, Rejected, Rejected);
op_code!(RenewTokenErrCode, Failure, Failure;
    InvalidArgument => InvalidArgument,
    InvalidToken => InvalidToken,
    TokenExpired => TokenExpired,
    TooOften => TooOften);
op_code!(PeerMessageErrCode, SentTimeout, Failure; PeerUnreachable => PeerUnreachable,
    TooOften => TooOften);
op_code!(JoinChannelErr, JoinChannelTimeout, Failure;
    AlreadyJoined => AlreadyJoined,
    TooManyChannels => ExceedLimit,
    InvalidArgument => InvalidArgument,
    TooOften => TooOften);
op_code!(LeaveChannelErr, Failure, Failure; NotInChannel => NotInChannel);
op_code!(ChannelMessageErrCode, SentTimeout, Failure; TooOften => TooOften);
op_code!(GetMembersErr, Timeout, Failure; NotInChannel => NotInChannel,
    TooOften => TooOften);
op_code!(GetChannelMemberCountErrCode, Timeout, Failure; TooOften => TooOften);
op_code!(QueryPeersOnlineStatusErr, Timeout, Failure; TooOften => TooOften);
op_code!(PeerSubscriptionStatusErr, Timeout, Failure;
    TooManySubscriptions => Overflow,
    InvalidArgument => InvalidArgument,
    TooOften => TooOften);
op_code!(QueryPeersBySubscriptionOptionErr, Timeout, Failure; TooOften => TooOften);
op_code!(AttributeOperationErr, Timeout, Failure;
    AttributesTooLarge => SizeOverflow,
    UserNotFound => UserNotFound,
    InvalidArgument => InvalidArgument,
    TooOften => TooOften);
