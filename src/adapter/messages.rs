//! Messages: peer messages with offline delivery, channel messages with the legacy echo
//! (contract rules M1–M4, C5, C6).

use super::channels::Membership;
use super::context::Cx;
use super::errors::{check_id, id_error_code, translate};
use super::events::{channel_message, peer_message};
use super::operations::Lane;
use crate::mapping::LegacyMethod;
use crate::rtm::{RtmChannel, RtmMessage, SendMessageOptions, END_CALL_PREFIX};
use crate::signaling::{AgoraECode, LegacyEvent};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

static NEXT_MESSAGE_ID: AtomicU64 = AtomicU64::new(1);

/// M2: the id a message is reported under; a unique one is made for an empty id.
///
/// A generated id reads `sig2rtm-<process>-<n>`: `<process>` is 12 lowercase hex digits drawn
/// at random once per process (48 bits, so two processes, or one process before and after a
/// restart, share it with a chance of about 2^-48), and `<n>` counts the process's generated
/// ids from 1. Ids are thus unique across the clients of every process, e.g.
/// `sig2rtm-3f09a4c1d27e-1`.
fn message_id(given: &str) -> String {
    if given.is_empty() {
        format!(
            "sig2rtm-{}-{}",
            process_tag(),
            NEXT_MESSAGE_ID.fetch_add(1, Ordering::Relaxed)
        )
    } else {
        given.to_string()
    }
}

/// Whether `s` has the shape of a generated message id (see [`message_id`]).
#[cfg_attr(not(feature = "testkit"), allow(dead_code))]
pub(crate) fn is_generated_message_id(s: &str) -> bool {
    let Some((tag, n)) = s
        .strip_prefix("sig2rtm-")
        .and_then(|rest| rest.split_once('-'))
    else {
        return false;
    };
    let hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    tag.len() == 12
        && tag.bytes().all(hex)
        && !n.is_empty()
        && n.bytes().all(|b| b.is_ascii_digit())
}

/// The random part of this process's generated message ids (see [`message_id`]).
fn process_tag() -> &'static str {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| format!("{:012x}", crate::proto::random::random_u64() >> 16))
}

/// M1–M3: a peer message, with offline messaging on.
pub(super) fn instant_send(
    cx: &mut Cx,
    method: LegacyMethod,
    account: &str,
    msg: &str,
    msg_id: &str,
) {
    let op = method.rust_name();
    let id = message_id(msg_id);
    let Some(client) = cx.client() else {
        return send_failed(cx, op, &id, AgoraECode::GeneralENotLogin, "not logged in");
    };
    if msg.starts_with(END_CALL_PREFIX) || msg.starts_with(super::invitations::DTMF_PREFIX) {
        return send_failed(
            cx,
            op,
            &id,
            AgoraECode::GeneralEWrongParam,
            "the message starts with a prefix the shim reserves for call control",
        );
    }
    if let Err((general, desc)) = check_id("peer id", account) {
        // C11: 1005 for an account over 64 bytes, 1004 for the other id rules.
        return send_failed(cx, op, &id, general, &desc);
    }
    let options = SendMessageOptions {
        enable_offline_messaging: true,
        ..SendMessageOptions::default()
    };
    let send = client.send_message_to_peer(account, &RtmMessage::from_text(msg), options);
    cx.then(Lane::Messages, send, move |cx, result| {
        match result.map_err(|e| translate(&e)) {
            Ok(_) => cx.emit(LegacyEvent::MessageSendSuccess { message_id: id }),
            Err(t) if t.success => cx.emit(LegacyEvent::MessageSendSuccess { message_id: id }),
            Err(t) => {
                cx.emit(LegacyEvent::MessageSendError {
                    message_id: id,
                    ecode: t.code.code(),
                });
                if let Some(general) = t.on_error {
                    cx.error(op, general, t.desc);
                }
            }
        }
    });
}

/// Reports a send that never reached RTM: `on_message_send_error(id, 400)` and `on_error`.
fn send_failed(cx: &Cx, op: &str, id: &str, general: AgoraECode, desc: &str) {
    cx.emit(LegacyEvent::MessageSendError {
        message_id: id.to_string(),
        ecode: AgoraECode::SendmessageEOther.code(),
    });
    cx.error(op, general, desc);
}

/// C5 / C6: a channel message; the sender gets success and then its own echo. `force` sends
/// from outside the channel through a transient join. `membership` is where this client
/// stands in the channel.
pub(super) fn channel_send(
    cx: &mut Cx,
    method: LegacyMethod,
    channel_id: &str,
    msg: &str,
    msg_id: &str,
    force: bool,
    membership: Membership,
) {
    let op = method.rust_name().to_string();
    let id = message_id(msg_id);
    let (Some(client), Some(account)) = (cx.client(), cx.account().map(str::to_string)) else {
        return send_failed(cx, &op, &id, AgoraECode::GeneralENotLogin, "not logged in");
    };
    let channel = match client.create_channel(channel_id) {
        Ok(c) => c,
        Err(e) => {
            return send_failed(cx, &op, &id, id_error_code(&e), &format!("{e}"));
        }
    };
    let message = RtmMessage::from_text(msg);
    if force && membership != Membership::Joined {
        let transient = transient_send(channel.clone(), message);
        cx.then(Lane::Messages, transient, move |cx, result| match result {
            Ok(()) => cx.emit(LegacyEvent::MessageSendSuccess { message_id: id }),
            Err((code, general, desc)) => {
                cx.emit(LegacyEvent::MessageSendError {
                    message_id: id,
                    ecode: code.code(),
                });
                cx.error(&op, general.unwrap_or(AgoraECode::GeneralEFailed), desc);
            }
        });
        return;
    }
    if !force && membership == Membership::Out {
        // RTM answers FAILURE, which has no on_error; the table promises 400 and on_error.
        return send_failed(
            cx,
            &op,
            &id,
            AgoraECode::GeneralEFailed,
            &format!("{op} needs channel {channel_id:?} joined first (channel_join)"),
        );
    }
    let send = channel.send_message(&message, SendMessageOptions::default());
    let (channel_id, text) = (channel_id.to_string(), msg.to_string());
    cx.then(Lane::Messages, send, move |cx, result| {
        match result.map_err(|e| translate(&e)) {
            Ok(()) => {
                cx.emit(LegacyEvent::MessageSendSuccess { message_id: id });
                cx.emit(channel_message(channel_id, account, &text));
            }
            Err(t) => {
                cx.emit(LegacyEvent::MessageSendError {
                    message_id: id,
                    ecode: t.code.code(),
                });
                if let Some(general) = t.on_error {
                    cx.error(&op, general, t.desc);
                }
            }
        }
    });
}

/// A peer message that is not call control: `on_message_instant_receive`.
pub(super) fn on_peer_message(cx: &mut Cx, peer_id: String, message: RtmMessage) {
    cx.emit(peer_message(peer_id, message.text()));
}

/// `messageAppSend` / `messageDTMFSend`: nothing in RTM carries them.
pub(super) fn unsupported_send(cx: &mut Cx, method: LegacyMethod, msg_id: &str) {
    let id = message_id(msg_id);
    send_failed(
        cx,
        method.rust_name(),
        &id,
        AgoraECode::GeneralEFailed,
        &format!(
            "{} has no RTM equivalent (see MIGRATION.md)",
            method.legacy_name()
        ),
    );
}

type TransientError = (AgoraECode, Option<AgoraECode>, String);

/// C6: join, send, leave. Other members see the join and the leave.
async fn transient_send(channel: RtmChannel, message: RtmMessage) -> Result<(), TransientError> {
    channel.join().await.map_err(|e| {
        let t = translate(&e);
        (
            AgoraECode::SendmessageEOther,
            Some(t.on_error.unwrap_or(t.code)),
            t.desc,
        )
    })?;
    let sent = channel
        .send_message(&message, SendMessageOptions::default())
        .await;
    let _ = channel.leave().await;
    sent.map_err(|e| {
        let t = translate(&e);
        (t.code, t.on_error, t.desc)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_carry_the_process_tag_and_a_count() {
        let a = message_id("");
        let b = message_id("");
        assert_ne!(a, b);
        for id in [&a, &b] {
            assert!(is_generated_message_id(id), "{id}");
            assert!(
                id.starts_with(&format!("sig2rtm-{}-", process_tag())),
                "{id}"
            );
            assert!(id.len() <= "sig2rtm-".len() + 12 + 1 + 20, "{id}");
        }
        assert_eq!(message_id("mine"), "mine");
        assert!(!is_generated_message_id("mine"));
    }

    #[test]
    fn the_shape_of_a_generated_id() {
        assert!(is_generated_message_id("sig2rtm-3f09a4c1d27e-1"));
        for not in [
            "sig2rtm-12",
            "sig2rtm-3f09a4c1d27e-",
            "sig2rtm-3F09A4C1D27E-1",
            "sig2rtm-3f09a4c1d27-1",
            "sig2rtm-3f09a4c1d27e-1x",
            "m1",
        ] {
            assert!(!is_generated_message_id(not), "{not}");
        }
    }
}
