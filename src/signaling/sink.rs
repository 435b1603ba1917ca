//! [`LegacyEventSink`]: receive every legacy callback as one [`LegacyEvent`] value.

use super::{LegacyEvent, SignalingCallback};

/// A handler that takes every callback as a [`LegacyEvent`]. Anything that implements it is a
/// [`SignalingCallback`], and so is any `Fn(LegacyEvent)` closure.
///
/// ```
/// use sig2rtm::signaling::{LegacyEvent, SignalingCallback};
///
/// let print = |event: LegacyEvent| println!("{event}");
/// let handler: &dyn SignalingCallback = &print;
/// handler.on_channel_joined("lobby"); // prints onChannelJoined("lobby")
/// ```
pub trait LegacyEventSink: Send + Sync {
    /// One callback, as a value.
    fn on_event(&self, event: LegacyEvent);
}

impl<F> LegacyEventSink for F
where
    F: Fn(LegacyEvent) + Send + Sync,
{
    fn on_event(&self, event: LegacyEvent) {
        self(event)
    }
}

impl<T: LegacyEventSink + ?Sized> SignalingCallback for T {
    fn on_reconnecting(&self, nretry: u32) {
        self.on_event(LegacyEvent::Reconnecting { nretry });
    }

    fn on_reconnected(&self, fd: i32) {
        self.on_event(LegacyEvent::Reconnected { fd });
    }

    fn on_login_success(&self, uid: u32, fd: i32) {
        self.on_event(LegacyEvent::LoginSuccess { uid, fd });
    }

    fn on_logout(&self, ecode: i32) {
        self.on_event(LegacyEvent::Logout { ecode });
    }

    fn on_login_failed(&self, ecode: i32) {
        self.on_event(LegacyEvent::LoginFailed { ecode });
    }

    fn on_channel_joined(&self, channel_id: &str) {
        self.on_event(LegacyEvent::ChannelJoined {
            channel_id: channel_id.to_string(),
        });
    }

    fn on_channel_join_failed(&self, channel_id: &str, ecode: i32) {
        self.on_event(LegacyEvent::ChannelJoinFailed {
            channel_id: channel_id.to_string(),
            ecode,
        });
    }

    fn on_channel_leaved(&self, channel_id: &str, ecode: i32) {
        self.on_event(LegacyEvent::ChannelLeaved {
            channel_id: channel_id.to_string(),
            ecode,
        });
    }

    fn on_channel_user_joined(&self, account: &str, uid: u32) {
        self.on_event(LegacyEvent::ChannelUserJoined {
            account: account.to_string(),
            uid,
        });
    }

    fn on_channel_user_leaved(&self, account: &str, uid: u32) {
        self.on_event(LegacyEvent::ChannelUserLeaved {
            account: account.to_string(),
            uid,
        });
    }

    fn on_channel_user_list(&self, accounts: &[String], uids: &[u32]) {
        self.on_event(LegacyEvent::ChannelUserList {
            accounts: accounts.to_vec(),
            uids: uids.to_vec(),
        });
    }

    fn on_channel_query_user_num_result(&self, channel_id: &str, ecode: i32, num: i32) {
        self.on_event(LegacyEvent::ChannelQueryUserNumResult {
            channel_id: channel_id.to_string(),
            ecode,
            num,
        });
    }

    fn on_channel_query_user_is_in(&self, channel_id: &str, account: &str, is_in: i32) {
        self.on_event(LegacyEvent::ChannelQueryUserIsIn {
            channel_id: channel_id.to_string(),
            account: account.to_string(),
            is_in,
        });
    }

    fn on_channel_attr_updated(&self, channel_id: &str, name: &str, value: &str, kind: &str) {
        self.on_event(LegacyEvent::ChannelAttrUpdated {
            channel_id: channel_id.to_string(),
            name: name.to_string(),
            value: value.to_string(),
            kind: kind.to_string(),
        });
    }

    fn on_invite_received(&self, channel_id: &str, account: &str, uid: u32, extra: &str) {
        self.on_event(LegacyEvent::InviteReceived {
            channel_id: channel_id.to_string(),
            account: account.to_string(),
            uid,
            extra: extra.to_string(),
        });
    }

    fn on_invite_received_by_peer(&self, channel_id: &str, account: &str, uid: u32) {
        self.on_event(LegacyEvent::InviteReceivedByPeer {
            channel_id: channel_id.to_string(),
            account: account.to_string(),
            uid,
        });
    }

    fn on_invite_accepted_by_peer(&self, channel_id: &str, account: &str, uid: u32, extra: &str) {
        self.on_event(LegacyEvent::InviteAcceptedByPeer {
            channel_id: channel_id.to_string(),
            account: account.to_string(),
            uid,
            extra: extra.to_string(),
        });
    }

    fn on_invite_refused_by_peer(&self, channel_id: &str, account: &str, uid: u32, extra: &str) {
        self.on_event(LegacyEvent::InviteRefusedByPeer {
            channel_id: channel_id.to_string(),
            account: account.to_string(),
            uid,
            extra: extra.to_string(),
        });
    }

    fn on_invite_failed(&self, channel_id: &str, account: &str, uid: u32, ecode: i32, extra: &str) {
        self.on_event(LegacyEvent::InviteFailed {
            channel_id: channel_id.to_string(),
            account: account.to_string(),
            uid,
            ecode,
            extra: extra.to_string(),
        });
    }

    fn on_invite_end_by_peer(&self, channel_id: &str, account: &str, uid: u32, extra: &str) {
        self.on_event(LegacyEvent::InviteEndByPeer {
            channel_id: channel_id.to_string(),
            account: account.to_string(),
            uid,
            extra: extra.to_string(),
        });
    }

    fn on_invite_end_by_myself(&self, channel_id: &str, account: &str, uid: u32) {
        self.on_event(LegacyEvent::InviteEndByMyself {
            channel_id: channel_id.to_string(),
            account: account.to_string(),
            uid,
        });
    }

    fn on_invite_msg(
        &self,
        channel_id: &str,
        account: &str,
        uid: u32,
        msg_type: &str,
        msg_data: &str,
        extra: &str,
    ) {
        self.on_event(LegacyEvent::InviteMsg {
            channel_id: channel_id.to_string(),
            account: account.to_string(),
            uid,
            msg_type: msg_type.to_string(),
            msg_data: msg_data.to_string(),
            extra: extra.to_string(),
        });
    }

    fn on_message_send_error(&self, message_id: &str, ecode: i32) {
        self.on_event(LegacyEvent::MessageSendError {
            message_id: message_id.to_string(),
            ecode,
        });
    }

    fn on_message_send_progress(&self, account: &str, message_id: &str, kind: &str, info: &str) {
        self.on_event(LegacyEvent::MessageSendProgress {
            account: account.to_string(),
            message_id: message_id.to_string(),
            kind: kind.to_string(),
            info: info.to_string(),
        });
    }

    fn on_message_send_success(&self, message_id: &str) {
        self.on_event(LegacyEvent::MessageSendSuccess {
            message_id: message_id.to_string(),
        });
    }

    fn on_message_app_received(&self, msg: &str) {
        self.on_event(LegacyEvent::MessageAppReceived {
            msg: msg.to_string(),
        });
    }

    fn on_message_instant_receive(&self, account: &str, uid: u32, msg: &str) {
        self.on_event(LegacyEvent::MessageInstantReceive {
            account: account.to_string(),
            uid,
            msg: msg.to_string(),
        });
    }

    fn on_message_channel_receive(&self, channel_id: &str, account: &str, uid: u32, msg: &str) {
        self.on_event(LegacyEvent::MessageChannelReceive {
            channel_id: channel_id.to_string(),
            account: account.to_string(),
            uid,
            msg: msg.to_string(),
        });
    }

    fn on_log(&self, txt: &str) {
        self.on_event(LegacyEvent::Log {
            txt: txt.to_string(),
        });
    }

    fn on_invoke_ret(&self, call_id: &str, err: &str, resp: &str) {
        self.on_event(LegacyEvent::InvokeRet {
            call_id: call_id.to_string(),
            err: err.to_string(),
            resp: resp.to_string(),
        });
    }

    fn on_msg(&self, from: &str, t: &str, msg: &str) {
        self.on_event(LegacyEvent::Msg {
            from: from.to_string(),
            t: t.to_string(),
            msg: msg.to_string(),
        });
    }

    fn on_user_attr_result(&self, account: &str, name: &str, value: &str) {
        self.on_event(LegacyEvent::UserAttrResult {
            account: account.to_string(),
            name: name.to_string(),
            value: value.to_string(),
        });
    }

    fn on_user_attr_all_result(&self, account: &str, value: &str) {
        self.on_event(LegacyEvent::UserAttrAllResult {
            account: account.to_string(),
            value: value.to_string(),
        });
    }

    fn on_error(&self, name: &str, ecode: i32, desc: &str) {
        self.on_event(LegacyEvent::Error {
            name: name.to_string(),
            ecode,
            desc: desc.to_string(),
        });
    }

    fn on_query_user_status_result(&self, name: &str, status: &str) {
        self.on_event(LegacyEvent::QueryUserStatusResult {
            name: name.to_string(),
            status: status.to_string(),
        });
    }

    fn on_dbg(&self, a: &str, b: &str) {
        self.on_event(LegacyEvent::Dbg {
            a: a.to_string(),
            b: b.to_string(),
        });
    }

    fn on_bc_call_result(&self, reason: &str, json_ret: &str, call_id: &str) {
        self.on_event(LegacyEvent::BcCallResult {
            reason: reason.to_string(),
            json_ret: json_ret.to_string(),
            call_id: call_id.to_string(),
        });
    }
}
