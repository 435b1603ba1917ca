//! [`Recorder`]: a [`SignalingCallback`] that records every callback as a [`LegacyEvent`].

use crate::signaling::{LegacyEvent, SignalingCallback};
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Records the callbacks of one legacy instance, in order.
///
/// Install it with `signaling.callback_set(Some(recorder.clone()))`, then read
/// [`Recorder::events`] or wait for one with [`Recorder::wait_for`] (tokio time, so a test with
/// a paused clock waits in virtual time).
#[derive(Default)]
pub struct Recorder {
    events: Mutex<Vec<LegacyEvent>>,
    changed: Notify,
}

impl Recorder {
    /// A new, empty recorder, ready to be installed as a handler.
    pub fn new() -> Arc<Recorder> {
        Arc::new(Recorder::default())
    }

    fn push(&self, event: LegacyEvent) {
        self.events.lock().push(event);
        self.changed.notify_waiters();
    }

    /// Everything recorded so far.
    pub fn events(&self) -> Vec<LegacyEvent> {
        self.events.lock().clone()
    }

    /// Everything recorded so far, without `on_log` lines.
    pub fn events_without_logs(&self) -> Vec<LegacyEvent> {
        self.events()
            .into_iter()
            .filter(|e| !matches!(e, LegacyEvent::Log { .. }))
            .collect()
    }

    /// Removes and returns everything recorded so far.
    pub fn take(&self) -> Vec<LegacyEvent> {
        std::mem::take(&mut *self.events.lock())
    }

    /// Waits until a recorded event satisfies `pred` (at most `within` of tokio time) and
    /// returns it; `None` on timeout.
    pub async fn wait_for(
        &self,
        within: Duration,
        pred: impl Fn(&LegacyEvent) -> bool,
    ) -> Option<LegacyEvent> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let notified = self.changed.notified();
            if let Some(e) = self.events.lock().iter().find(|e| pred(e)) {
                return Some(e.clone());
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.events.lock().iter().find(|e| pred(e)).cloned();
            }
        }
    }

    /// Waits until at least `n` events other than `on_log` were recorded (at most `within`).
    pub async fn wait_for_count(&self, within: Duration, n: usize) -> Vec<LegacyEvent> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let notified = self.changed.notified();
            let now = self.events_without_logs();
            if now.len() >= n {
                return now;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.events_without_logs();
            }
        }
    }
}

impl SignalingCallback for Recorder {
    fn on_reconnecting(&self, nretry: u32) {
        self.push(LegacyEvent::Reconnecting { nretry });
    }

    fn on_reconnected(&self, fd: i32) {
        self.push(LegacyEvent::Reconnected { fd });
    }

    fn on_login_success(&self, uid: u32, fd: i32) {
        self.push(LegacyEvent::LoginSuccess { uid, fd });
    }

    fn on_logout(&self, ecode: i32) {
        self.push(LegacyEvent::Logout { ecode });
    }

    fn on_login_failed(&self, ecode: i32) {
        self.push(LegacyEvent::LoginFailed { ecode });
    }

    fn on_channel_joined(&self, channel_id: &str) {
        self.push(LegacyEvent::ChannelJoined {
            channel_id: channel_id.to_string(),
        });
    }

    fn on_channel_join_failed(&self, channel_id: &str, ecode: i32) {
        self.push(LegacyEvent::ChannelJoinFailed {
            channel_id: channel_id.to_string(),
            ecode,
        });
    }

    fn on_channel_leaved(&self, channel_id: &str, ecode: i32) {
        self.push(LegacyEvent::ChannelLeaved {
            channel_id: channel_id.to_string(),
            ecode,
        });
    }

    fn on_channel_user_joined(&self, account: &str, uid: u32) {
        self.push(LegacyEvent::ChannelUserJoined {
            account: account.to_string(),
            uid,
        });
    }

    fn on_channel_user_leaved(&self, account: &str, uid: u32) {
        self.push(LegacyEvent::ChannelUserLeaved {
            account: account.to_string(),
            uid,
        });
    }

    fn on_channel_user_list(&self, accounts: &[String], uids: &[u32]) {
        self.push(LegacyEvent::ChannelUserList {
            accounts: accounts.to_vec(),
            uids: uids.to_vec(),
        });
    }

    fn on_channel_query_user_num_result(&self, channel_id: &str, ecode: i32, num: i32) {
        self.push(LegacyEvent::ChannelQueryUserNumResult {
            channel_id: channel_id.to_string(),
            ecode,
            num,
        });
    }

    fn on_channel_query_user_is_in(&self, channel_id: &str, account: &str, is_in: i32) {
        self.push(LegacyEvent::ChannelQueryUserIsIn {
            channel_id: channel_id.to_string(),
            account: account.to_string(),
            is_in,
        });
    }

    fn on_channel_attr_updated(&self, channel_id: &str, name: &str, value: &str, kind: &str) {
        self.push(LegacyEvent::ChannelAttrUpdated {
            channel_id: channel_id.to_string(),
            name: name.to_string(),
            value: value.to_string(),
            kind: kind.to_string(),
        });
    }

    fn on_invite_received(&self, channel_id: &str, account: &str, uid: u32, extra: &str) {
        self.push(LegacyEvent::InviteReceived {
            channel_id: channel_id.to_string(),
            account: account.to_string(),
            uid,
            extra: extra.to_string(),
        });
    }

    fn on_invite_received_by_peer(&self, channel_id: &str, account: &str, uid: u32) {
        self.push(LegacyEvent::InviteReceivedByPeer {
            channel_id: channel_id.to_string(),
            account: account.to_string(),
            uid,
        });
    }

    fn on_invite_accepted_by_peer(&self, channel_id: &str, account: &str, uid: u32, extra: &str) {
        self.push(LegacyEvent::InviteAcceptedByPeer {
            channel_id: channel_id.to_string(),
            account: account.to_string(),
            uid,
            extra: extra.to_string(),
        });
    }

    fn on_invite_refused_by_peer(&self, channel_id: &str, account: &str, uid: u32, extra: &str) {
        self.push(LegacyEvent::InviteRefusedByPeer {
            channel_id: channel_id.to_string(),
            account: account.to_string(),
            uid,
            extra: extra.to_string(),
        });
    }

    fn on_invite_failed(&self, channel_id: &str, account: &str, uid: u32, ecode: i32, extra: &str) {
        self.push(LegacyEvent::InviteFailed {
            channel_id: channel_id.to_string(),
            account: account.to_string(),
            uid,
            ecode,
            extra: extra.to_string(),
        });
    }

    fn on_invite_end_by_peer(&self, channel_id: &str, account: &str, uid: u32, extra: &str) {
        self.push(LegacyEvent::InviteEndByPeer {
            channel_id: channel_id.to_string(),
            account: account.to_string(),
            uid,
            extra: extra.to_string(),
        });
    }

    fn on_invite_end_by_myself(&self, channel_id: &str, account: &str, uid: u32) {
        self.push(LegacyEvent::InviteEndByMyself {
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
        self.push(LegacyEvent::InviteMsg {
            channel_id: channel_id.to_string(),
            account: account.to_string(),
            uid,
            msg_type: msg_type.to_string(),
            msg_data: msg_data.to_string(),
            extra: extra.to_string(),
        });
    }

    fn on_message_send_error(&self, message_id: &str, ecode: i32) {
        self.push(LegacyEvent::MessageSendError {
            message_id: message_id.to_string(),
            ecode,
        });
    }

    fn on_message_send_progress(&self, account: &str, message_id: &str, kind: &str, info: &str) {
        self.push(LegacyEvent::MessageSendProgress {
            account: account.to_string(),
            message_id: message_id.to_string(),
            kind: kind.to_string(),
            info: info.to_string(),
        });
    }

    fn on_message_send_success(&self, message_id: &str) {
        self.push(LegacyEvent::MessageSendSuccess {
            message_id: message_id.to_string(),
        });
    }

    fn on_message_app_received(&self, msg: &str) {
        self.push(LegacyEvent::MessageAppReceived {
            msg: msg.to_string(),
        });
    }

    fn on_message_instant_receive(&self, account: &str, uid: u32, msg: &str) {
        self.push(LegacyEvent::MessageInstantReceive {
            account: account.to_string(),
            uid,
            msg: msg.to_string(),
        });
    }

    fn on_message_channel_receive(&self, channel_id: &str, account: &str, uid: u32, msg: &str) {
        self.push(LegacyEvent::MessageChannelReceive {
            channel_id: channel_id.to_string(),
            account: account.to_string(),
            uid,
            msg: msg.to_string(),
        });
    }

    fn on_log(&self, txt: &str) {
        self.push(LegacyEvent::Log {
            txt: txt.to_string(),
        });
    }

    fn on_invoke_ret(&self, call_id: &str, err: &str, resp: &str) {
        self.push(LegacyEvent::InvokeRet {
            call_id: call_id.to_string(),
            err: err.to_string(),
            resp: resp.to_string(),
        });
    }

    fn on_msg(&self, from: &str, t: &str, msg: &str) {
        self.push(LegacyEvent::Msg {
            from: from.to_string(),
            t: t.to_string(),
            msg: msg.to_string(),
        });
    }

    fn on_user_attr_result(&self, account: &str, name: &str, value: &str) {
        self.push(LegacyEvent::UserAttrResult {
            account: account.to_string(),
            name: name.to_string(),
            value: value.to_string(),
        });
    }

    fn on_user_attr_all_result(&self, account: &str, value: &str) {
        self.push(LegacyEvent::UserAttrAllResult {
            account: account.to_string(),
            value: value.to_string(),
        });
    }

    fn on_error(&self, name: &str, ecode: i32, desc: &str) {
        self.push(LegacyEvent::Error {
            name: name.to_string(),
            ecode,
            desc: desc.to_string(),
        });
    }

    fn on_query_user_status_result(&self, name: &str, status: &str) {
        self.push(LegacyEvent::QueryUserStatusResult {
            name: name.to_string(),
            status: status.to_string(),
        });
    }

    fn on_dbg(&self, a: &str, b: &str) {
        self.push(LegacyEvent::Dbg {
            a: a.to_string(),
            b: b.to_string(),
        });
    }

    fn on_bc_call_result(&self, reason: &str, json_ret: &str, call_id: &str) {
        self.push(LegacyEvent::BcCallResult {
            reason: reason.to_string(),
            json_ret: json_ret.to_string(),
            call_id: call_id.to_string(),
        });
    }
}
