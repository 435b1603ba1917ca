//! Calls into the program's handler: an `ICallBackC` (function pointers, NULL skipped) or an
//! `agora_sdk_cpp::ICallBack` (virtual table, slot `i` = field `i` of [`ICallBackC`]).

use crate::abi::ICallBackC;
use crate::instance::Handler;
use crate::text::CText;
use sig2rtm::signaling::SignalingCallback;
use std::ffi::{c_char, c_int, c_void};

/// The program's handler as a [`SignalingCallback`]; strings are handed over NUL-terminated
/// and sized, valid during the call.
pub(crate) struct UserBridge(pub Handler);

/// Reads slot `slot` of the virtual table of the C++ object `obj` as a function pointer of
/// the same type as an [`ICallBackC`] field (`_field` only names that type).
///
/// # Safety
///
/// `obj` is a live object of a class derived from `agora_sdk_cpp::ICallBack`, compiled
/// against `agora_sig.h` by an Itanium C++ ABI compiler; `slot` is the index of a callback in
/// declaration order; `F` is the pointer type of that callback's [`ICallBackC`] field.
unsafe fn cpp_slot<F: Copy>(
    obj: *mut c_void,
    slot: usize,
    _field: fn(&ICallBackC) -> Option<F>,
) -> Option<F> {
    const { assert!(std::mem::size_of::<F>() == std::mem::size_of::<*const c_void>()) };
    // SAFETY: by the Itanium ABI the object starts with a pointer to its virtual table, whose
    // entries from that address on are the virtual functions in declaration order; ICallBack
    // declares the callbacks first, so entry `slot` exists and has the signature of `F` (with
    // `this` first, passed like a C pointer argument).
    unsafe {
        let vtable = *obj.cast::<*const *const c_void>();
        let entry = *vtable.add(slot);
        if entry.is_null() {
            None
        } else {
            Some(std::mem::transmute_copy::<*const c_void, F>(&entry))
        }
    }
}

/// Calls callback `$field` of the handler with `$args` (after `self`).
macro_rules! call {
    ($h:expr, $field:ident ( $($arg:expr),* $(,)? )) => {{
        match $h {
            Handler::None => {}
            Handler::C(cb) => {
                // SAFETY: `cb` is the program's live `ICallBackC` (legacy contract: the
                // program owns the handler and keeps it alive while installed); its field is
                // NULL or a function of the header's signature, called with `self` first.
                unsafe {
                    if let Some(f) = (*cb).$field {
                        f(cb $(, $arg)*);
                    }
                }
            }
            Handler::Cpp(obj) => {
                let slot = std::mem::offset_of!(ICallBackC, $field)
                    / std::mem::size_of::<*const c_void>();
                // SAFETY: `obj` is the program's live `ICallBack` (same contract); the slot
                // of `$field` holds the virtual function of the same signature, which takes
                // `this` first like a C function takes `self`.
                unsafe {
                    if let Some(f) = cpp_slot(obj, slot, |c: &ICallBackC| c.$field) {
                        f(obj.cast::<ICallBackC>() $(, $arg)*);
                    }
                }
            }
        }
    }};
}

impl SignalingCallback for UserBridge {
    fn on_reconnecting(&self, nretry: u32) {
        call!(self.0, onReconnecting(nretry));
    }

    fn on_reconnected(&self, fd: i32) {
        call!(self.0, onReconnected(fd as c_int));
    }

    fn on_login_success(&self, uid: u32, fd: i32) {
        call!(self.0, onLoginSuccess(uid, fd as c_int));
    }

    fn on_logout(&self, ecode: i32) {
        call!(self.0, onLogout(ecode as c_int));
    }

    fn on_login_failed(&self, ecode: i32) {
        call!(self.0, onLoginFailed(ecode as c_int));
    }

    fn on_channel_joined(&self, channel_id: &str) {
        let ch = CText::new(channel_id);
        call!(self.0, onChannelJoined(ch.ptr(), ch.len()));
    }

    fn on_channel_join_failed(&self, channel_id: &str, ecode: i32) {
        let ch = CText::new(channel_id);
        call!(self.0, onChannelJoinFailed(ch.ptr(), ch.len(), ecode));
    }

    fn on_channel_leaved(&self, channel_id: &str, ecode: i32) {
        let ch = CText::new(channel_id);
        call!(self.0, onChannelLeaved(ch.ptr(), ch.len(), ecode));
    }

    fn on_channel_user_joined(&self, account: &str, uid: u32) {
        let a = CText::new(account);
        call!(self.0, onChannelUserJoined(a.ptr(), a.len(), uid));
    }

    fn on_channel_user_leaved(&self, account: &str, uid: u32) {
        let a = CText::new(account);
        call!(self.0, onChannelUserLeaved(a.ptr(), a.len(), uid));
    }

    fn on_channel_user_list(&self, accounts: &[String], uids: &[u32]) {
        // Both arrays have `n` entries plus a terminating NULL / 0, and live for the call.
        let n = accounts.len().min(uids.len()).min(c_int::MAX as usize - 1);
        let mut texts: Vec<CText> = accounts[..n].iter().map(|a| CText::new(a)).collect();
        let mut ptrs: Vec<*mut c_char> = texts.iter_mut().map(CText::ptr_mut).collect();
        ptrs.push(std::ptr::null_mut());
        let mut ids: Vec<u32> = uids[..n].to_vec();
        ids.push(0);
        call!(
            self.0,
            onChannelUserList(n as c_int, ptrs.as_mut_ptr(), ids.as_mut_ptr())
        );
        drop(texts);
    }

    fn on_channel_query_user_num_result(&self, channel_id: &str, ecode: i32, num: i32) {
        let ch = CText::new(channel_id);
        call!(
            self.0,
            onChannelQueryUserNumResult(ch.ptr(), ch.len(), ecode, num)
        );
    }

    fn on_channel_query_user_is_in(&self, channel_id: &str, account: &str, is_in: i32) {
        let ch = CText::new(channel_id);
        let a = CText::new(account);
        call!(
            self.0,
            onChannelQueryUserIsIn(ch.ptr(), ch.len(), a.ptr(), a.len(), is_in)
        );
    }

    fn on_channel_attr_updated(&self, channel_id: &str, name: &str, value: &str, kind: &str) {
        let ch = CText::new(channel_id);
        let n = CText::new(name);
        let v = CText::new(value);
        let t = CText::new(kind);
        call!(
            self.0,
            onChannelAttrUpdated(
                ch.ptr(),
                ch.len(),
                n.ptr(),
                n.len(),
                v.ptr(),
                v.len(),
                t.ptr(),
                t.len()
            )
        );
    }

    fn on_invite_received(&self, channel_id: &str, account: &str, uid: u32, extra: &str) {
        let ch = CText::new(channel_id);
        let a = CText::new(account);
        let x = CText::new(extra);
        call!(
            self.0,
            onInviteReceived(ch.ptr(), ch.len(), a.ptr(), a.len(), uid, x.ptr(), x.len())
        );
    }

    fn on_invite_received_by_peer(&self, channel_id: &str, account: &str, uid: u32) {
        let ch = CText::new(channel_id);
        let a = CText::new(account);
        call!(
            self.0,
            onInviteReceivedByPeer(ch.ptr(), ch.len(), a.ptr(), a.len(), uid)
        );
    }

    fn on_invite_accepted_by_peer(&self, channel_id: &str, account: &str, uid: u32, extra: &str) {
        let ch = CText::new(channel_id);
        let a = CText::new(account);
        let x = CText::new(extra);
        call!(
            self.0,
            onInviteAcceptedByPeer(ch.ptr(), ch.len(), a.ptr(), a.len(), uid, x.ptr(), x.len())
        );
    }

    fn on_invite_refused_by_peer(&self, channel_id: &str, account: &str, uid: u32, extra: &str) {
        let ch = CText::new(channel_id);
        let a = CText::new(account);
        let x = CText::new(extra);
        call!(
            self.0,
            onInviteRefusedByPeer(ch.ptr(), ch.len(), a.ptr(), a.len(), uid, x.ptr(), x.len())
        );
    }

    fn on_invite_failed(&self, channel_id: &str, account: &str, uid: u32, ecode: i32, extra: &str) {
        let ch = CText::new(channel_id);
        let a = CText::new(account);
        let x = CText::new(extra);
        call!(
            self.0,
            onInviteFailed(
                ch.ptr(),
                ch.len(),
                a.ptr(),
                a.len(),
                uid,
                ecode,
                x.ptr(),
                x.len()
            )
        );
    }

    fn on_invite_end_by_peer(&self, channel_id: &str, account: &str, uid: u32, extra: &str) {
        let ch = CText::new(channel_id);
        let a = CText::new(account);
        let x = CText::new(extra);
        call!(
            self.0,
            onInviteEndByPeer(ch.ptr(), ch.len(), a.ptr(), a.len(), uid, x.ptr(), x.len())
        );
    }

    fn on_invite_end_by_myself(&self, channel_id: &str, account: &str, uid: u32) {
        let ch = CText::new(channel_id);
        let a = CText::new(account);
        call!(
            self.0,
            onInviteEndByMyself(ch.ptr(), ch.len(), a.ptr(), a.len(), uid)
        );
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
        let ch = CText::new(channel_id);
        let a = CText::new(account);
        let t = CText::new(msg_type);
        let m = CText::new(msg_data);
        let x = CText::new(extra);
        call!(
            self.0,
            onInviteMsg(
                ch.ptr(),
                ch.len(),
                a.ptr(),
                a.len(),
                uid,
                t.ptr(),
                t.len(),
                m.ptr(),
                m.len(),
                x.ptr(),
                x.len()
            )
        );
    }

    fn on_message_send_error(&self, message_id: &str, ecode: i32) {
        let id = CText::new(message_id);
        call!(self.0, onMessageSendError(id.ptr(), id.len(), ecode));
    }

    fn on_message_send_progress(&self, account: &str, message_id: &str, kind: &str, info: &str) {
        let a = CText::new(account);
        let id = CText::new(message_id);
        let t = CText::new(kind);
        let i = CText::new(info);
        call!(
            self.0,
            onMessageSendProgress(
                a.ptr(),
                a.len(),
                id.ptr(),
                id.len(),
                t.ptr(),
                t.len(),
                i.ptr(),
                i.len()
            )
        );
    }

    fn on_message_send_success(&self, message_id: &str) {
        let id = CText::new(message_id);
        call!(self.0, onMessageSendSuccess(id.ptr(), id.len()));
    }

    fn on_message_app_received(&self, msg: &str) {
        let m = CText::new(msg);
        call!(self.0, onMessageAppReceived(m.ptr(), m.len()));
    }

    fn on_message_instant_receive(&self, account: &str, uid: u32, msg: &str) {
        let a = CText::new(account);
        let m = CText::new(msg);
        call!(
            self.0,
            onMessageInstantReceive(a.ptr(), a.len(), uid, m.ptr(), m.len())
        );
    }

    fn on_message_channel_receive(&self, channel_id: &str, account: &str, uid: u32, msg: &str) {
        let ch = CText::new(channel_id);
        let a = CText::new(account);
        let m = CText::new(msg);
        call!(
            self.0,
            onMessageChannelReceive(ch.ptr(), ch.len(), a.ptr(), a.len(), uid, m.ptr(), m.len())
        );
    }

    fn on_log(&self, txt: &str) {
        let t = CText::new(txt);
        call!(self.0, onLog(t.ptr(), t.len()));
    }

    fn on_invoke_ret(&self, call_id: &str, err: &str, resp: &str) {
        let id = CText::new(call_id);
        let e = CText::new(err);
        let r = CText::new(resp);
        call!(
            self.0,
            onInvokeRet(id.ptr(), id.len(), e.ptr(), e.len(), r.ptr(), r.len())
        );
    }

    fn on_msg(&self, from: &str, t: &str, msg: &str) {
        let f = CText::new(from);
        let t = CText::new(t);
        let m = CText::new(msg);
        call!(
            self.0,
            onMsg(f.ptr(), f.len(), t.ptr(), t.len(), m.ptr(), m.len())
        );
    }

    fn on_user_attr_result(&self, account: &str, name: &str, value: &str) {
        let a = CText::new(account);
        let n = CText::new(name);
        let v = CText::new(value);
        call!(
            self.0,
            onUserAttrResult(a.ptr(), a.len(), n.ptr(), n.len(), v.ptr(), v.len())
        );
    }

    fn on_user_attr_all_result(&self, account: &str, value: &str) {
        let a = CText::new(account);
        let v = CText::new(value);
        call!(
            self.0,
            onUserAttrAllResult(a.ptr(), a.len(), v.ptr(), v.len())
        );
    }

    fn on_error(&self, name: &str, ecode: i32, desc: &str) {
        let n = CText::new(name);
        let d = CText::new(desc);
        call!(self.0, onError(n.ptr(), n.len(), ecode, d.ptr(), d.len()));
    }

    fn on_query_user_status_result(&self, name: &str, status: &str) {
        let n = CText::new(name);
        let s = CText::new(status);
        call!(
            self.0,
            onQueryUserStatusResult(n.ptr(), n.len(), s.ptr(), s.len())
        );
    }

    fn on_dbg(&self, a: &str, b: &str) {
        let a = CText::new(a);
        let b = CText::new(b);
        call!(self.0, onDbg(a.ptr(), a.len(), b.ptr(), b.len()));
    }

    fn on_bc_call_result(&self, reason: &str, json_ret: &str, call_id: &str) {
        let r = CText::new(reason);
        let j = CText::new(json_ret);
        let id = CText::new(call_id);
        call!(
            self.0,
            onBCCall_result(r.ptr(), r.len(), j.ptr(), j.len(), id.ptr(), id.len())
        );
    }
}
