//! [`SignalingCallback`]: the legacy `ICallBack` interface, one method per callback, each with
//! an empty default body (spec/signaling-legacy.md §3).

/// Receives the legacy callbacks of a [`crate::signaling::Signaling`] instance.
///
/// Implement only the callbacks you need; the others do nothing. Callbacks of one instance run
/// one at a time, in the order the events happened, on the instance's callback thread; a
/// callback may call any [`crate::signaling::Signaling`] method, including `destroy`.
///
/// ```
/// use sig2rtm::signaling::SignalingCallback;
///
/// struct Printer;
/// impl SignalingCallback for Printer {
///     fn on_login_success(&self, uid: u32, _fd: i32) {
///         println!("logged in as uid {uid}");
///     }
///     fn on_message_instant_receive(&self, account: &str, _uid: u32, msg: &str) {
///         println!("{account}: {msg}");
///     }
/// }
/// ```
#[doc(alias = "ICallBack")]
pub trait SignalingCallback: Send + Sync {
    /// `onReconnecting`. RTM onConnectionStateChanged to RECONNECTING, then a shim timer for each further attempt
    #[doc(alias = "onReconnecting")]
    fn on_reconnecting(&self, nretry: u32) {
        let _ = nretry;
    }

    /// `onReconnected`. RTM onConnectionStateChanged from RECONNECTING back to CONNECTED
    #[doc(alias = "onReconnected")]
    fn on_reconnected(&self, fd: i32) {
        let _ = fd;
    }

    /// `onLoginSuccess`. RTM onLoginSuccess for the login or login2 call
    #[doc(alias = "onLoginSuccess")]
    fn on_login_success(&self, uid: u32, fd: i32) {
        let _ = uid;
        let _ = fd;
    }

    /// `onLogout`. RTM onLogout (101), onConnectionStateChanged ABORTED (103 remote login, 100 banned), the reconnect limit (102), or a token that expired with no provider (105)
    #[doc(alias = "onLogout")]
    fn on_logout(&self, ecode: i32) {
        let _ = ecode;
    }

    /// `onLoginFailed`. RTM onLoginFailure translated through errors.toml after the login2 retry policy, or the shim's token check (206)
    #[doc(alias = "onLoginFailed")]
    fn on_login_failed(&self, ecode: i32) {
        let _ = ecode;
    }

    /// `onChannelJoined`. RTM channel onJoinSuccess, or a channelJoin of a channel already joined (replay)
    #[doc(alias = "onChannelJoined")]
    fn on_channel_joined(&self, channel_id: &str) {
        let _ = channel_id;
    }

    /// `onChannelJoinFailed`. RTM channel onJoinFailure via errors.toml, the 20-channel limit, or the shim's own id check
    #[doc(alias = "onChannelJoinFailed")]
    fn on_channel_join_failed(&self, channel_id: &str, ecode: i32) {
        let _ = channel_id;
        let _ = ecode;
    }

    /// `onChannelLeaved`. RTM channel onLeave after channelLeave, or the automatic leave of the single-channel policy
    #[doc(alias = "onChannelLeaved")]
    fn on_channel_leaved(&self, channel_id: &str, ecode: i32) {
        let _ = channel_id;
        let _ = ecode;
    }

    /// `onChannelUserJoined`. RTM channel onMemberJoined
    #[doc(alias = "onChannelUserJoined")]
    fn on_channel_user_joined(&self, account: &str, uid: u32) {
        let _ = account;
        let _ = uid;
    }

    /// `onChannelUserLeaved`. RTM channel onMemberLeft
    #[doc(alias = "onChannelUserLeaved")]
    fn on_channel_user_leaved(&self, account: &str, uid: u32) {
        let _ = account;
        let _ = uid;
    }

    /// `onChannelUserList`. emulated: RTM getMembers issued right after onJoinSuccess
    #[doc(alias = "onChannelUserList")]
    fn on_channel_user_list(&self, accounts: &[String], uids: &[u32]) {
        let _ = accounts;
        let _ = uids;
    }

    /// `onChannelQueryUserNumResult`. emulated: RTM onGetMembers or onGetChannelMemberCountResult for channelQueryUserNum
    #[doc(alias = "onChannelQueryUserNumResult")]
    fn on_channel_query_user_num_result(&self, channel_id: &str, ecode: i32, num: i32) {
        let _ = channel_id;
        let _ = ecode;
        let _ = num;
    }

    /// `onChannelQueryUserIsIn`. emulated: RTM onGetMembers, possibly inside a transient join
    #[doc(alias = "onChannelQueryUserIsIn")]
    fn on_channel_query_user_is_in(&self, channel_id: &str, account: &str, is_in: i32) {
        let _ = channel_id;
        let _ = account;
        let _ = is_in;
    }

    /// `onChannelAttrUpdated`. emulated: attribute replay after a join (getChannelAttributes), per-key diff of RTM onAttributesUpdated, and `_member_num` refreshes from onMemberCountUpdated
    #[doc(alias = "onChannelAttrUpdated")]
    fn on_channel_attr_updated(&self, channel_id: &str, name: &str, value: &str, kind: &str) {
        let _ = channel_id;
        let _ = name;
        let _ = value;
        let _ = kind;
    }

    /// `onInviteReceived`. RTM onRemoteInvitationReceived
    #[doc(alias = "onInviteReceived")]
    fn on_invite_received(&self, channel_id: &str, account: &str, uid: u32, extra: &str) {
        let _ = channel_id;
        let _ = account;
        let _ = uid;
        let _ = extra;
    }

    /// `onInviteReceivedByPeer`. RTM onLocalInvitationReceivedByPeer
    #[doc(alias = "onInviteReceivedByPeer")]
    fn on_invite_received_by_peer(&self, channel_id: &str, account: &str, uid: u32) {
        let _ = channel_id;
        let _ = account;
        let _ = uid;
    }

    /// `onInviteAcceptedByPeer`. RTM onLocalInvitationAccepted
    #[doc(alias = "onInviteAcceptedByPeer")]
    fn on_invite_accepted_by_peer(&self, channel_id: &str, account: &str, uid: u32, extra: &str) {
        let _ = channel_id;
        let _ = account;
        let _ = uid;
        let _ = extra;
    }

    /// `onInviteRefusedByPeer`. RTM onLocalInvitationRefused whose response is not the shim's end marker
    #[doc(alias = "onInviteRefusedByPeer")]
    fn on_invite_refused_by_peer(&self, channel_id: &str, account: &str, uid: u32, extra: &str) {
        let _ = channel_id;
        let _ = account;
        let _ = uid;
        let _ = extra;
    }

    /// `onInviteFailed`. RTM onLocalInvitationFailure via errors.toml, or the shim's `_require_peer_online` and `_timeout` timers, or a refused PSTN call
    #[doc(alias = "onInviteFailed")]
    fn on_invite_failed(&self, channel_id: &str, account: &str, uid: u32, ecode: i32, extra: &str) {
        let _ = channel_id;
        let _ = account;
        let _ = uid;
        let _ = ecode;
        let _ = extra;
    }

    /// `onInviteEndByPeer`. RTM onRemoteInvitationCanceled, an end-call prefix peer message, a refusal with {"_end":1}, or onRemoteInvitationFailure
    #[doc(alias = "onInviteEndByPeer")]
    fn on_invite_end_by_peer(&self, channel_id: &str, account: &str, uid: u32, extra: &str) {
        let _ = channel_id;
        let _ = account;
        let _ = uid;
        let _ = extra;
    }

    /// `onInviteEndByMyself`. emulated: fired locally by channelInviteEnd before any network answer
    #[doc(alias = "onInviteEndByMyself")]
    fn on_invite_end_by_myself(&self, channel_id: &str, account: &str, uid: u32) {
        let _ = channel_id;
        let _ = account;
        let _ = uid;
    }

    /// `onInviteMsg`. emulated: RTM onMessageReceivedFromPeer carrying the shim's reserved DTMF prefix
    #[doc(alias = "onInviteMsg")]
    fn on_invite_msg(
        &self,
        channel_id: &str,
        account: &str,
        uid: u32,
        msg_type: &str,
        msg_data: &str,
        extra: &str,
    ) {
        let _ = channel_id;
        let _ = account;
        let _ = uid;
        let _ = msg_type;
        let _ = msg_data;
        let _ = extra;
    }

    /// `onMessageSendError`. RTM peer or channel onSendMessageResult failures via errors.toml, and the shim's size and state checks
    #[doc(alias = "onMessageSendError")]
    fn on_message_send_error(&self, message_id: &str, ecode: i32) {
        let _ = message_id;
        let _ = ecode;
    }

    /// `onMessageSendProgress`. never produced: undocumented in the legacy SDK and without any RTM counterpart
    #[doc(alias = "onMessageSendProgress")]
    fn on_message_send_progress(&self, account: &str, message_id: &str, kind: &str, info: &str) {
        let _ = account;
        let _ = message_id;
        let _ = kind;
        let _ = info;
    }

    /// `onMessageSendSuccess`. RTM peer onSendMessageResult OK or CACHED_BY_SERVER, or channel onSendMessageResult OK
    #[doc(alias = "onMessageSendSuccess")]
    fn on_message_send_success(&self, message_id: &str) {
        let _ = message_id;
    }

    /// `onMessageAppReceived`. never produced: RTM has no application server that could send such messages
    #[doc(alias = "onMessageAppReceived")]
    fn on_message_app_received(&self, msg: &str) {
        let _ = msg;
    }

    /// `onMessageInstantReceive`. RTM onMessageReceivedFromPeer, except end-call and DTMF texts
    #[doc(alias = "onMessageInstantReceive")]
    fn on_message_instant_receive(&self, account: &str, uid: u32, msg: &str) {
        let _ = account;
        let _ = uid;
        let _ = msg;
    }

    /// `onMessageChannelReceive`. RTM channel onMessageReceived, plus the shim's local echo to the sender
    #[doc(alias = "onMessageChannelReceive")]
    fn on_message_channel_receive(&self, channel_id: &str, account: &str, uid: u32, msg: &str) {
        let _ = channel_id;
        let _ = account;
        let _ = uid;
        let _ = msg;
    }

    /// `onLog`. the shim's own log records (the log crate), forwarded one line per call
    #[doc(alias = "onLog")]
    fn on_log(&self, txt: &str) {
        let _ = txt;
    }

    /// `onInvokeRet`. emulated: the invoke dispatcher, from the RTM results of the function's emulation
    #[doc(alias = "onInvokeRet")]
    fn on_invoke_ret(&self, call_id: &str, err: &str, resp: &str) {
        let _ = call_id;
        let _ = err;
        let _ = resp;
    }

    /// `onMsg`. never produced: an undocumented generic message of the legacy server with no RTM counterpart
    #[doc(alias = "onMsg")]
    fn on_msg(&self, from: &str, t: &str, msg: &str) {
        let _ = from;
        let _ = t;
        let _ = msg;
    }

    /// `onUserAttrResult`. RTM onGetUserAttributesResult for getAttr or getUserAttr
    #[doc(alias = "onUserAttrResult")]
    fn on_user_attr_result(&self, account: &str, name: &str, value: &str) {
        let _ = account;
        let _ = name;
        let _ = value;
    }

    /// `onUserAttrAllResult`. RTM onGetUserAttributesResult for getAttrAll or getUserAttrAll
    #[doc(alias = "onUserAttrAllResult")]
    fn on_user_attr_all_result(&self, account: &str, value: &str) {
        let _ = account;
        let _ = value;
    }

    /// `onError`. the shim: failures of any operation, before-login calls, bad or oversized arguments, unsupported methods
    #[doc(alias = "onError")]
    fn on_error(&self, name: &str, ecode: i32, desc: &str) {
        let _ = name;
        let _ = ecode;
        let _ = desc;
    }

    /// `onQueryUserStatusResult`. RTM onQueryPeersOnlineStatusResult for queryUserStatus
    #[doc(alias = "onQueryUserStatusResult")]
    fn on_query_user_status_result(&self, name: &str, status: &str) {
        let _ = name;
        let _ = status;
    }

    /// `onDbg`. never produced: dbg is unsupported
    #[doc(alias = "onDbg")]
    fn on_dbg(&self, a: &str, b: &str) {
        let _ = a;
        let _ = b;
    }

    /// `onBCCall_result`. emulated: the unsupported bc_call answers with a failure reason
    #[doc(alias = "onBCCall_result")]
    fn on_bc_call_result(&self, reason: &str, json_ret: &str, call_id: &str) {
        let _ = reason;
        let _ = json_ret;
        let _ = call_id;
    }
}
