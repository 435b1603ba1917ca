//! The state enumerations client and system both speak of, with RTM's numbers
//! (spec/rtm-1x.md §3.6, §3.10).

rtm_codes! {
    /// `PEER_ONLINE_STATE`.
    pub enum PeerOnlineState = "PEER_ONLINE_STATE" {
        /// Logged in and reachable.
        Online = 0 => "ONLINE",
        /// Nothing heard from the peer for more than 6 s (only reported to subscribers).
        Unreachable = 1 => "UNREACHABLE",
        /// Not logged in, logged out, or silent for more than 30 s.
        Offline = 2 => "OFFLINE",
    }
}

rtm_codes! {
    /// `MESSAGE_TYPE`.
    pub enum MessageType = "MESSAGE_TYPE" {
        /// Unknown type.
        Undefined = 0 => "UNDEFINED",
        /// A text message.
        Text = 1 => "TEXT",
        /// A binary message with an optional text description.
        Raw = 2 => "RAW",
        /// A file message (media; not carried by this core).
        File = 3 => "FILE",
        /// An image message (media; not carried by this core).
        Image = 4 => "IMAGE",
    }
}

rtm_codes! {
    /// `LOCAL_INVITATION_ERR_CODE`: why a sent invitation failed (caller side).
    pub enum LocalInvitationErrCode = "LOCAL_INVITATION_ERR_CODE" {
        /// The callee stayed offline for 30 s after the invitation was sent.
        PeerOffline = 1 => "PEER_OFFLINE",
        /// The callee is online but did not acknowledge within 30 s.
        PeerNoResponse = 2 => "PEER_NO_RESPONSE",
        /// No accept, refuse or cancel within 60 s of the callee receiving it.
        InvitationExpire = 3 => "INVITATION_EXPIRE",
        /// The caller is not logged in.
        NotLoggedin = 4 => "NOT_LOGGEDIN",
    }
}

rtm_codes! {
    /// `REMOTE_INVITATION_ERR_CODE`: why a received invitation failed (callee side).
    pub enum RemoteInvitationErrCode = "REMOTE_INVITATION_ERR_CODE" {
        /// The caller was offline when the callee accepted.
        PeerOffline = 1 => "PEER_OFFLINE",
        /// The caller did not acknowledge the accept in time.
        AcceptFailure = 2 => "ACCEPT_FAILURE",
        /// No accept, refuse or cancel within 60 s.
        InvitationExpire = 3 => "INVITATION_EXPIRE",
    }
}
