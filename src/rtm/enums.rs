//! RTM 1.x state and option enumerations with their numeric values (spec/rtm-1x.md §3.4–§3.11).

pub use crate::proto::enums::{MessageType, PeerOnlineState};

rtm_codes! {
    /// `CONNECTION_STATE`: where the client's link to the RTM system stands.
    pub enum ConnectionState = "CONNECTION_STATE" {
        /// Not logged in.
        Disconnected = 1 => "DISCONNECTED",
        /// Logging in.
        Connecting = 2 => "CONNECTING",
        /// Logged in.
        Connected = 3 => "CONNECTED",
        /// The link was lost; the client keeps retrying until logout.
        Reconnecting = 4 => "RECONNECTING",
        /// Kicked out (remote login or ban); call `logout` before logging in again.
        Aborted = 5 => "ABORTED",
    }
}

rtm_codes! {
    /// `CONNECTION_CHANGE_REASON`: why the connection state changed.
    pub enum ConnectionChangeReason = "CONNECTION_CHANGE_REASON" {
        /// A login started.
        Login = 1 => "LOGIN",
        /// A login or reconnection succeeded.
        LoginSuccess = 2 => "LOGIN_SUCCESS",
        /// A login failed.
        LoginFailure = 3 => "LOGIN_FAILURE",
        /// A login timed out.
        LoginTimeout = 4 => "LOGIN_TIMEOUT",
        /// The link was down for more than 4 s.
        Interrupted = 5 => "INTERRUPTED",
        /// The user logged out.
        Logout = 6 => "LOGOUT",
        /// The server banned the user.
        BannedByServer = 7 => "BANNED_BY_SERVER",
        /// The same user id logged in elsewhere.
        RemoteLogin = 8 => "REMOTE_LOGIN",
    }
}

rtm_codes! {
    /// `PEER_SUBSCRIPTION_OPTION`.
    pub enum PeerSubscriptionOption = "PEER_SUBSCRIPTION_OPTION" {
        /// Subscription to a peer's online status.
        OnlineStatus = 0 => "ONLINE_STATUS",
    }
}

rtm_codes! {
    /// `LOCAL_INVITATION_STATE`: the caller's view of an invitation.
    pub enum LocalInvitationState = "LOCAL_INVITATION_STATE" {
        /// Created, not sent.
        Idle = 0 => "IDLE",
        /// Sent, not yet received by the callee.
        SentToRemote = 1 => "SENT_TO_REMOTE",
        /// The callee received it.
        ReceivedByRemote = 2 => "RECEIVED_BY_REMOTE",
        /// The callee accepted it.
        AcceptedByRemote = 3 => "ACCEPTED_BY_REMOTE",
        /// The callee refused it.
        RefusedByRemote = 4 => "REFUSED_BY_REMOTE",
        /// The caller cancelled it.
        Canceled = 5 => "CANCELED",
        /// It failed (see [`crate::rtm::LocalInvitationErrCode`]).
        Failure = 6 => "FAILURE",
    }
}

rtm_codes! {
    /// `REMOTE_INVITATION_STATE`: the callee's view of an invitation.
    pub enum RemoteInvitationState = "REMOTE_INVITATION_STATE" {
        /// Not yet received.
        Idle = 0 => "IDLE",
        /// Received, not yet answered.
        InvitationReceived = 1 => "INVITATION_RECEIVED",
        /// Accepted; waiting for the caller's acknowledgement.
        AcceptSentToLocal = 2 => "ACCEPT_SENT_TO_LOCAL",
        /// Refused.
        Refused = 3 => "REFUSED",
        /// Accepted and acknowledged by the caller.
        Accepted = 4 => "ACCEPTED",
        /// The caller cancelled it.
        Canceled = 5 => "CANCELED",
        /// It failed (see [`crate::rtm::RemoteInvitationErrCode`]).
        Failure = 6 => "FAILURE",
    }
}

rtm_codes! {
    /// `LEAVE_CHANNEL_REASON` (declared by RTM 1.x; no 1.x callback exposes it).
    pub enum LeaveChannelReason = "LEAVE_CHANNEL_REASON" {
        /// The member left.
        Quit = 1 => "QUIT",
        /// The member was removed.
        Kicked = 2 => "KICKED",
    }
}
