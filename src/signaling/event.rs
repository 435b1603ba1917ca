//! [`LegacyEvent`]: one legacy callback invocation as a value.
//!
//! The adapter produces these; the callback thread turns each into the matching
//! [`SignalingCallback`] call. As values they can be recorded, compared and printed in legacy
//! style (`onChannelJoined("room")`), which the regression kit builds on.

use super::callback::SignalingCallback;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One legacy callback with its arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LegacyEvent {
    /// `onReconnecting`.
    Reconnecting {
        /// `nretry`.
        nretry: u32,
    },
    /// `onReconnected`.
    Reconnected {
        /// `fd`.
        fd: i32,
    },
    /// `onLoginSuccess`.
    LoginSuccess {
        /// `uid`.
        uid: u32,
        /// `fd`.
        fd: i32,
    },
    /// `onLogout`.
    Logout {
        /// `ecode`.
        ecode: i32,
    },
    /// `onLoginFailed`.
    LoginFailed {
        /// `ecode`.
        ecode: i32,
    },
    /// `onChannelJoined`.
    ChannelJoined {
        /// `channelID`.
        channel_id: String,
    },
    /// `onChannelJoinFailed`.
    ChannelJoinFailed {
        /// `channelID`.
        channel_id: String,
        /// `ecode`.
        ecode: i32,
    },
    /// `onChannelLeaved`.
    ChannelLeaved {
        /// `channelID`.
        channel_id: String,
        /// `ecode`.
        ecode: i32,
    },
    /// `onChannelUserJoined`.
    ChannelUserJoined {
        /// `account`.
        account: String,
        /// `uid`.
        uid: u32,
    },
    /// `onChannelUserLeaved`.
    ChannelUserLeaved {
        /// `account`.
        account: String,
        /// `uid`.
        uid: u32,
    },
    /// `onChannelUserList`.
    ChannelUserList {
        /// `accounts`.
        accounts: Vec<String>,
        /// `uids`.
        uids: Vec<u32>,
    },
    /// `onChannelQueryUserNumResult`.
    ChannelQueryUserNumResult {
        /// `channelID`.
        channel_id: String,
        /// `ecode`.
        ecode: i32,
        /// `num`.
        num: i32,
    },
    /// `onChannelQueryUserIsIn`.
    ChannelQueryUserIsIn {
        /// `channelID`.
        channel_id: String,
        /// `account`.
        account: String,
        /// `isIn`.
        is_in: i32,
    },
    /// `onChannelAttrUpdated`.
    ChannelAttrUpdated {
        /// `channelID`.
        channel_id: String,
        /// `name`.
        name: String,
        /// `value`.
        value: String,
        /// `type` (renamed: a Rust keyword).
        kind: String,
    },
    /// `onInviteReceived`.
    InviteReceived {
        /// `channelID`.
        channel_id: String,
        /// `account`.
        account: String,
        /// `uid`.
        uid: u32,
        /// `extra`.
        extra: String,
    },
    /// `onInviteReceivedByPeer`.
    InviteReceivedByPeer {
        /// `channelID`.
        channel_id: String,
        /// `account`.
        account: String,
        /// `uid`.
        uid: u32,
    },
    /// `onInviteAcceptedByPeer`.
    InviteAcceptedByPeer {
        /// `channelID`.
        channel_id: String,
        /// `account`.
        account: String,
        /// `uid`.
        uid: u32,
        /// `extra`.
        extra: String,
    },
    /// `onInviteRefusedByPeer`.
    InviteRefusedByPeer {
        /// `channelID`.
        channel_id: String,
        /// `account`.
        account: String,
        /// `uid`.
        uid: u32,
        /// `extra`.
        extra: String,
    },
    /// `onInviteFailed`.
    InviteFailed {
        /// `channelID`.
        channel_id: String,
        /// `account`.
        account: String,
        /// `uid`.
        uid: u32,
        /// `ecode`.
        ecode: i32,
        /// `extra`.
        extra: String,
    },
    /// `onInviteEndByPeer`.
    InviteEndByPeer {
        /// `channelID`.
        channel_id: String,
        /// `account`.
        account: String,
        /// `uid`.
        uid: u32,
        /// `extra`.
        extra: String,
    },
    /// `onInviteEndByMyself`.
    InviteEndByMyself {
        /// `channelID`.
        channel_id: String,
        /// `account`.
        account: String,
        /// `uid`.
        uid: u32,
    },
    /// `onInviteMsg`.
    InviteMsg {
        /// `channelID`.
        channel_id: String,
        /// `account`.
        account: String,
        /// `uid`.
        uid: u32,
        /// `msgType`.
        msg_type: String,
        /// `msgData`.
        msg_data: String,
        /// `extra`.
        extra: String,
    },
    /// `onMessageSendError`.
    MessageSendError {
        /// `messageID`.
        message_id: String,
        /// `ecode`.
        ecode: i32,
    },
    /// `onMessageSendProgress`.
    MessageSendProgress {
        /// `account`.
        account: String,
        /// `messageID`.
        message_id: String,
        /// `type` (renamed: a Rust keyword).
        kind: String,
        /// `info`.
        info: String,
    },
    /// `onMessageSendSuccess`.
    MessageSendSuccess {
        /// `messageID`.
        message_id: String,
    },
    /// `onMessageAppReceived`.
    MessageAppReceived {
        /// `msg`.
        msg: String,
    },
    /// `onMessageInstantReceive`.
    MessageInstantReceive {
        /// `account`.
        account: String,
        /// `uid`.
        uid: u32,
        /// `msg`.
        msg: String,
    },
    /// `onMessageChannelReceive`.
    MessageChannelReceive {
        /// `channelID`.
        channel_id: String,
        /// `account`.
        account: String,
        /// `uid`.
        uid: u32,
        /// `msg`.
        msg: String,
    },
    /// `onLog`.
    Log {
        /// `txt`.
        txt: String,
    },
    /// `onInvokeRet`.
    InvokeRet {
        /// `callID`.
        call_id: String,
        /// `err`.
        err: String,
        /// `resp`.
        resp: String,
    },
    /// `onMsg`.
    Msg {
        /// `from`.
        from: String,
        /// `t`.
        t: String,
        /// `msg`.
        msg: String,
    },
    /// `onUserAttrResult`.
    UserAttrResult {
        /// `account`.
        account: String,
        /// `name`.
        name: String,
        /// `value`.
        value: String,
    },
    /// `onUserAttrAllResult`.
    UserAttrAllResult {
        /// `account`.
        account: String,
        /// `value`.
        value: String,
    },
    /// `onError`.
    Error {
        /// `name`.
        name: String,
        /// `ecode`.
        ecode: i32,
        /// `desc`.
        desc: String,
    },
    /// `onQueryUserStatusResult`.
    QueryUserStatusResult {
        /// `name`.
        name: String,
        /// `status`.
        status: String,
    },
    /// `onDbg`.
    Dbg {
        /// `a`.
        a: String,
        /// `b`.
        b: String,
    },
    /// `onBCCall_result`.
    BcCallResult {
        /// `reason`.
        reason: String,
        /// `json_ret`.
        json_ret: String,
        /// `callID`.
        call_id: String,
    },
}

impl LegacyEvent {
    /// Calls the matching method of `cb`.
    pub fn deliver(&self, cb: &dyn SignalingCallback) {
        match self {
            LegacyEvent::Reconnecting { nretry } => cb.on_reconnecting(*nretry),
            LegacyEvent::Reconnected { fd } => cb.on_reconnected(*fd),
            LegacyEvent::LoginSuccess { uid, fd } => cb.on_login_success(*uid, *fd),
            LegacyEvent::Logout { ecode } => cb.on_logout(*ecode),
            LegacyEvent::LoginFailed { ecode } => cb.on_login_failed(*ecode),
            LegacyEvent::ChannelJoined { channel_id } => cb.on_channel_joined(channel_id),
            LegacyEvent::ChannelJoinFailed { channel_id, ecode } => {
                cb.on_channel_join_failed(channel_id, *ecode)
            }
            LegacyEvent::ChannelLeaved { channel_id, ecode } => {
                cb.on_channel_leaved(channel_id, *ecode)
            }
            LegacyEvent::ChannelUserJoined { account, uid } => {
                cb.on_channel_user_joined(account, *uid)
            }
            LegacyEvent::ChannelUserLeaved { account, uid } => {
                cb.on_channel_user_leaved(account, *uid)
            }
            LegacyEvent::ChannelUserList { accounts, uids } => {
                cb.on_channel_user_list(accounts, uids)
            }
            LegacyEvent::ChannelQueryUserNumResult {
                channel_id,
                ecode,
                num,
            } => cb.on_channel_query_user_num_result(channel_id, *ecode, *num),
            LegacyEvent::ChannelQueryUserIsIn {
                channel_id,
                account,
                is_in,
            } => cb.on_channel_query_user_is_in(channel_id, account, *is_in),
            LegacyEvent::ChannelAttrUpdated {
                channel_id,
                name,
                value,
                kind,
            } => cb.on_channel_attr_updated(channel_id, name, value, kind),
            LegacyEvent::InviteReceived {
                channel_id,
                account,
                uid,
                extra,
            } => cb.on_invite_received(channel_id, account, *uid, extra),
            LegacyEvent::InviteReceivedByPeer {
                channel_id,
                account,
                uid,
            } => cb.on_invite_received_by_peer(channel_id, account, *uid),
            LegacyEvent::InviteAcceptedByPeer {
                channel_id,
                account,
                uid,
                extra,
            } => cb.on_invite_accepted_by_peer(channel_id, account, *uid, extra),
            LegacyEvent::InviteRefusedByPeer {
                channel_id,
                account,
                uid,
                extra,
            } => cb.on_invite_refused_by_peer(channel_id, account, *uid, extra),
            LegacyEvent::InviteFailed {
                channel_id,
                account,
                uid,
                ecode,
                extra,
            } => cb.on_invite_failed(channel_id, account, *uid, *ecode, extra),
            LegacyEvent::InviteEndByPeer {
                channel_id,
                account,
                uid,
                extra,
            } => cb.on_invite_end_by_peer(channel_id, account, *uid, extra),
            LegacyEvent::InviteEndByMyself {
                channel_id,
                account,
                uid,
            } => cb.on_invite_end_by_myself(channel_id, account, *uid),
            LegacyEvent::InviteMsg {
                channel_id,
                account,
                uid,
                msg_type,
                msg_data,
                extra,
            } => cb.on_invite_msg(channel_id, account, *uid, msg_type, msg_data, extra),
            LegacyEvent::MessageSendError { message_id, ecode } => {
                cb.on_message_send_error(message_id, *ecode)
            }
            LegacyEvent::MessageSendProgress {
                account,
                message_id,
                kind,
                info,
            } => cb.on_message_send_progress(account, message_id, kind, info),
            LegacyEvent::MessageSendSuccess { message_id } => {
                cb.on_message_send_success(message_id)
            }
            LegacyEvent::MessageAppReceived { msg } => cb.on_message_app_received(msg),
            LegacyEvent::MessageInstantReceive { account, uid, msg } => {
                cb.on_message_instant_receive(account, *uid, msg)
            }
            LegacyEvent::MessageChannelReceive {
                channel_id,
                account,
                uid,
                msg,
            } => cb.on_message_channel_receive(channel_id, account, *uid, msg),
            LegacyEvent::Log { txt } => cb.on_log(txt),
            LegacyEvent::InvokeRet { call_id, err, resp } => cb.on_invoke_ret(call_id, err, resp),
            LegacyEvent::Msg { from, t, msg } => cb.on_msg(from, t, msg),
            LegacyEvent::UserAttrResult {
                account,
                name,
                value,
            } => cb.on_user_attr_result(account, name, value),
            LegacyEvent::UserAttrAllResult { account, value } => {
                cb.on_user_attr_all_result(account, value)
            }
            LegacyEvent::Error { name, ecode, desc } => cb.on_error(name, *ecode, desc),
            LegacyEvent::QueryUserStatusResult { name, status } => {
                cb.on_query_user_status_result(name, status)
            }
            LegacyEvent::Dbg { a, b } => cb.on_dbg(a, b),
            LegacyEvent::BcCallResult {
                reason,
                json_ret,
                call_id,
            } => cb.on_bc_call_result(reason, json_ret, call_id),
        }
    }

    /// The legacy callback name, such as `"onChannelJoined"`.
    pub fn legacy_name(&self) -> &'static str {
        match self {
            LegacyEvent::Reconnecting { .. } => "onReconnecting",
            LegacyEvent::Reconnected { .. } => "onReconnected",
            LegacyEvent::LoginSuccess { .. } => "onLoginSuccess",
            LegacyEvent::Logout { .. } => "onLogout",
            LegacyEvent::LoginFailed { .. } => "onLoginFailed",
            LegacyEvent::ChannelJoined { .. } => "onChannelJoined",
            LegacyEvent::ChannelJoinFailed { .. } => "onChannelJoinFailed",
            LegacyEvent::ChannelLeaved { .. } => "onChannelLeaved",
            LegacyEvent::ChannelUserJoined { .. } => "onChannelUserJoined",
            LegacyEvent::ChannelUserLeaved { .. } => "onChannelUserLeaved",
            LegacyEvent::ChannelUserList { .. } => "onChannelUserList",
            LegacyEvent::ChannelQueryUserNumResult { .. } => "onChannelQueryUserNumResult",
            LegacyEvent::ChannelQueryUserIsIn { .. } => "onChannelQueryUserIsIn",
            LegacyEvent::ChannelAttrUpdated { .. } => "onChannelAttrUpdated",
            LegacyEvent::InviteReceived { .. } => "onInviteReceived",
            LegacyEvent::InviteReceivedByPeer { .. } => "onInviteReceivedByPeer",
            LegacyEvent::InviteAcceptedByPeer { .. } => "onInviteAcceptedByPeer",
            LegacyEvent::InviteRefusedByPeer { .. } => "onInviteRefusedByPeer",
            LegacyEvent::InviteFailed { .. } => "onInviteFailed",
            LegacyEvent::InviteEndByPeer { .. } => "onInviteEndByPeer",
            LegacyEvent::InviteEndByMyself { .. } => "onInviteEndByMyself",
            LegacyEvent::InviteMsg { .. } => "onInviteMsg",
            LegacyEvent::MessageSendError { .. } => "onMessageSendError",
            LegacyEvent::MessageSendProgress { .. } => "onMessageSendProgress",
            LegacyEvent::MessageSendSuccess { .. } => "onMessageSendSuccess",
            LegacyEvent::MessageAppReceived { .. } => "onMessageAppReceived",
            LegacyEvent::MessageInstantReceive { .. } => "onMessageInstantReceive",
            LegacyEvent::MessageChannelReceive { .. } => "onMessageChannelReceive",
            LegacyEvent::Log { .. } => "onLog",
            LegacyEvent::InvokeRet { .. } => "onInvokeRet",
            LegacyEvent::Msg { .. } => "onMsg",
            LegacyEvent::UserAttrResult { .. } => "onUserAttrResult",
            LegacyEvent::UserAttrAllResult { .. } => "onUserAttrAllResult",
            LegacyEvent::Error { .. } => "onError",
            LegacyEvent::QueryUserStatusResult { .. } => "onQueryUserStatusResult",
            LegacyEvent::Dbg { .. } => "onDbg",
            LegacyEvent::BcCallResult { .. } => "onBCCall_result",
        }
    }
}

impl fmt::Display for LegacyEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LegacyEvent::Reconnecting { nretry } => write!(f, "onReconnecting({})", nretry),
            LegacyEvent::Reconnected { fd } => write!(f, "onReconnected({})", fd),
            LegacyEvent::LoginSuccess { uid, fd } => write!(f, "onLoginSuccess({}, {})", uid, fd),
            LegacyEvent::Logout { ecode } => write!(f, "onLogout({})", ecode),
            LegacyEvent::LoginFailed { ecode } => write!(f, "onLoginFailed({})", ecode),
            LegacyEvent::ChannelJoined { channel_id } => {
                write!(f, "onChannelJoined({:?})", channel_id)
            }
            LegacyEvent::ChannelJoinFailed { channel_id, ecode } => {
                write!(f, "onChannelJoinFailed({:?}, {})", channel_id, ecode)
            }
            LegacyEvent::ChannelLeaved { channel_id, ecode } => {
                write!(f, "onChannelLeaved({:?}, {})", channel_id, ecode)
            }
            LegacyEvent::ChannelUserJoined { account, uid } => {
                write!(f, "onChannelUserJoined({:?}, {})", account, uid)
            }
            LegacyEvent::ChannelUserLeaved { account, uid } => {
                write!(f, "onChannelUserLeaved({:?}, {})", account, uid)
            }
            LegacyEvent::ChannelUserList { accounts, uids } => {
                write!(f, "onChannelUserList({:?}, {:?})", accounts, uids)
            }
            LegacyEvent::ChannelQueryUserNumResult {
                channel_id,
                ecode,
                num,
            } => write!(
                f,
                "onChannelQueryUserNumResult({:?}, {}, {})",
                channel_id, ecode, num
            ),
            LegacyEvent::ChannelQueryUserIsIn {
                channel_id,
                account,
                is_in,
            } => write!(
                f,
                "onChannelQueryUserIsIn({:?}, {:?}, {})",
                channel_id, account, is_in
            ),
            LegacyEvent::ChannelAttrUpdated {
                channel_id,
                name,
                value,
                kind,
            } => write!(
                f,
                "onChannelAttrUpdated({:?}, {:?}, {:?}, {:?})",
                channel_id, name, value, kind
            ),
            LegacyEvent::InviteReceived {
                channel_id,
                account,
                uid,
                extra,
            } => write!(
                f,
                "onInviteReceived({:?}, {:?}, {}, {:?})",
                channel_id, account, uid, extra
            ),
            LegacyEvent::InviteReceivedByPeer {
                channel_id,
                account,
                uid,
            } => write!(
                f,
                "onInviteReceivedByPeer({:?}, {:?}, {})",
                channel_id, account, uid
            ),
            LegacyEvent::InviteAcceptedByPeer {
                channel_id,
                account,
                uid,
                extra,
            } => write!(
                f,
                "onInviteAcceptedByPeer({:?}, {:?}, {}, {:?})",
                channel_id, account, uid, extra
            ),
            LegacyEvent::InviteRefusedByPeer {
                channel_id,
                account,
                uid,
                extra,
            } => write!(
                f,
                "onInviteRefusedByPeer({:?}, {:?}, {}, {:?})",
                channel_id, account, uid, extra
            ),
            LegacyEvent::InviteFailed {
                channel_id,
                account,
                uid,
                ecode,
                extra,
            } => write!(
                f,
                "onInviteFailed({:?}, {:?}, {}, {}, {:?})",
                channel_id, account, uid, ecode, extra
            ),
            LegacyEvent::InviteEndByPeer {
                channel_id,
                account,
                uid,
                extra,
            } => write!(
                f,
                "onInviteEndByPeer({:?}, {:?}, {}, {:?})",
                channel_id, account, uid, extra
            ),
            LegacyEvent::InviteEndByMyself {
                channel_id,
                account,
                uid,
            } => write!(
                f,
                "onInviteEndByMyself({:?}, {:?}, {})",
                channel_id, account, uid
            ),
            LegacyEvent::InviteMsg {
                channel_id,
                account,
                uid,
                msg_type,
                msg_data,
                extra,
            } => write!(
                f,
                "onInviteMsg({:?}, {:?}, {}, {:?}, {:?}, {:?})",
                channel_id, account, uid, msg_type, msg_data, extra
            ),
            LegacyEvent::MessageSendError { message_id, ecode } => {
                write!(f, "onMessageSendError({:?}, {})", message_id, ecode)
            }
            LegacyEvent::MessageSendProgress {
                account,
                message_id,
                kind,
                info,
            } => write!(
                f,
                "onMessageSendProgress({:?}, {:?}, {:?}, {:?})",
                account, message_id, kind, info
            ),
            LegacyEvent::MessageSendSuccess { message_id } => {
                write!(f, "onMessageSendSuccess({:?})", message_id)
            }
            LegacyEvent::MessageAppReceived { msg } => write!(f, "onMessageAppReceived({:?})", msg),
            LegacyEvent::MessageInstantReceive { account, uid, msg } => write!(
                f,
                "onMessageInstantReceive({:?}, {}, {:?})",
                account, uid, msg
            ),
            LegacyEvent::MessageChannelReceive {
                channel_id,
                account,
                uid,
                msg,
            } => write!(
                f,
                "onMessageChannelReceive({:?}, {:?}, {}, {:?})",
                channel_id, account, uid, msg
            ),
            LegacyEvent::Log { txt } => write!(f, "onLog({:?})", txt),
            LegacyEvent::InvokeRet { call_id, err, resp } => {
                write!(f, "onInvokeRet({:?}, {:?}, {:?})", call_id, err, resp)
            }
            LegacyEvent::Msg { from, t, msg } => write!(f, "onMsg({:?}, {:?}, {:?})", from, t, msg),
            LegacyEvent::UserAttrResult {
                account,
                name,
                value,
            } => write!(
                f,
                "onUserAttrResult({:?}, {:?}, {:?})",
                account, name, value
            ),
            LegacyEvent::UserAttrAllResult { account, value } => {
                write!(f, "onUserAttrAllResult({:?}, {:?})", account, value)
            }
            LegacyEvent::Error { name, ecode, desc } => {
                write!(f, "onError({:?}, {}, {:?})", name, ecode, desc)
            }
            LegacyEvent::QueryUserStatusResult { name, status } => {
                write!(f, "onQueryUserStatusResult({:?}, {:?})", name, status)
            }
            LegacyEvent::Dbg { a, b } => write!(f, "onDbg({:?}, {:?})", a, b),
            LegacyEvent::BcCallResult {
                reason,
                json_ret,
                call_id,
            } => write!(
                f,
                "onBCCall_result({:?}, {:?}, {:?})",
                reason, json_ret, call_id
            ),
        }
    }
}
