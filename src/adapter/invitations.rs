//! Invitations: legacy call invitations on RTM's call manager, the end-call prefix both ways, DTMF between
//! shim users (contract rules I1–I6).

use super::context::Cx;
use super::errors::{check_id, translate};
use super::events::{
    control_message, invitation_refused, invite_failed, local_invitation_failed, reason, Control,
    END_RESPONSE,
};
use super::operations::Lane;
use crate::mapping::LegacyMethod;
use crate::rtm::limits::MAX_INVITATION_TEXT_BYTES;
use crate::rtm::{
    CallEvent, LocalInvitation, LocalInvitationState, RemoteInvitation, RtmCode, RtmMessage,
    SendMessageOptions, END_CALL_PREFIX,
};
use crate::signaling::{uid_of, AgoraECode, LegacyEvent};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Prefix of the peer message that carries `channel_invite_dtmf` between shim users (I6):
/// `<prefix>_<channel>_<digits>`.
pub(crate) const DTMF_PREFIX: &str = "Sig2RtmLegacyDtmfMessagePrefix";

/// How long the default invitation waits for an offline callee (I2).
const OFFLINE_WAIT: Duration = Duration::from_secs(20);

/// The invitations area: invitations and calls by (channel, peer account).
#[derive(Default)]
pub(crate) struct Invitations {
    /// Sent by this client, still running.
    outgoing: BTreeMap<(String, String), Outgoing>,
    /// Received by this client, not answered.
    incoming: BTreeMap<(String, String), RemoteInvitation>,
    /// Accepted calls, in either direction, that an end-call message ends.
    active: BTreeSet<(String, String)>,
}

struct Outgoing {
    invitation: LocalInvitation,
    /// Ended by this side already (on_invite_end_by_myself was fired).
    ended: bool,
}

/// I2: the keys of `extra` the shim acts on.
#[derive(Debug)]
pub(crate) struct InviteOptions {
    /// `_require_peer_online`: a non-zero number (or numeric string).
    pub(crate) require_peer_online: bool,
    /// `_timeout`: a positive number of seconds (or numeric string).
    pub(crate) timeout: Option<Duration>,
}

/// I2: reads the keys the shim acts on out of `channel_invite_user2`'s `extra` (empty: none).
pub(crate) fn invite_options(extra: &str) -> Result<InviteOptions, String> {
    if extra.trim().is_empty() {
        return Ok(InviteOptions {
            require_peer_online: false,
            timeout: None,
        });
    }
    let value: serde_json::Value =
        serde_json::from_str(extra).map_err(|e| format!("extra must be a JSON object: {e}"))?;
    let obj = value
        .as_object()
        .ok_or_else(|| "extra must be a JSON object".to_string())?;
    let number = |key: &str| -> Option<f64> {
        obj.get(key).and_then(|v| {
            v.as_f64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        })
    };
    Ok(InviteOptions {
        require_peer_online: number("_require_peer_online").is_some_and(|n| n != 0.0),
        // A timeout too long for a Duration (1e300, "inf") waits as long as one can.
        timeout: number("_timeout")
            .filter(|n| *n > 0.0)
            .map(|n| Duration::try_from_secs_f64(n).unwrap_or(Duration::MAX)),
    })
}

/// C11: the checks RTM applies to an invitation, as (general code, description): the callee
/// must be a valid RTM id, the channel empty or a valid RTM id, `extra` at most 8 KB.
fn check_invitation(
    channel_id: &str,
    account: &str,
    extra: &str,
) -> Result<(), (AgoraECode, String)> {
    check_id("account", account)?;
    if !channel_id.is_empty() {
        check_id("channel", channel_id)?;
    }
    if extra.len() > MAX_INVITATION_TEXT_BYTES {
        return Err((
            AgoraECode::GeneralELargeParam,
            format!(
                "extra is {} bytes; RTM invitations carry at most {MAX_INVITATION_TEXT_BYTES}",
                extra.len()
            ),
        ));
    }
    Ok(())
}

/// Cancels an invitation this client sent, in the background (nothing waits for the answer).
fn cancel_in_background(cx: &Cx, invitation: &LocalInvitation) {
    if let Some(client) = cx.client() {
        let cancel = client.call_manager().cancel_local_invitation(invitation);
        tokio::spawn(async move {
            let _ = cancel.await;
        });
    }
}

/// The RTM client while logged in; otherwise `None`.
fn logged_in(cx: &Cx) -> Option<crate::rtm::RtmClient> {
    cx.client().filter(|_| cx.account().is_some())
}

impl Invitations {
    /// I1 / I2: `channel_invite_user` / `channel_invite_user2`.
    pub(super) fn invite_user(
        &mut self,
        cx: &mut Cx,
        method: LegacyMethod,
        channel_id: &str,
        account: &str,
        extra: &str,
    ) {
        let op = method.rust_name();
        let key = (channel_id.to_string(), account.to_string());
        let failed = |cx: &Cx, code: AgoraECode, why: &str| {
            cx.emit(invite_failed(channel_id, account, code, why));
        };
        let Some(client) = logged_in(cx) else {
            failed(cx, AgoraECode::InviteENet, "NOT_LOGGEDIN");
            return cx.error(op, AgoraECode::GeneralENotLogin, "not logged in");
        };
        // C11: what RTM would refuse fails here, with the limit named.
        if let Err((code, desc)) = check_invitation(channel_id, account, extra) {
            failed(cx, AgoraECode::InviteEOther, "INVALID_ARGUMENT");
            return cx.error(op, code, desc);
        }
        let options = match invite_options(extra) {
            Ok(o) => o,
            Err(desc) => {
                failed(cx, AgoraECode::InviteEOther, "INVALID_ARGUMENT");
                return cx.error(op, AgoraECode::GeneralEWrongParam, desc);
            }
        };
        if let Some(old) = self.outgoing.remove(&key) {
            // A second invitation with the same key replaces the first.
            cancel_in_background(cx, &old.invitation);
        }
        let manager = client.call_manager();
        let invitation = manager.create_local_invitation(account);
        invitation.set_channel_id(channel_id);
        invitation.set_content(extra);
        let invitation_handle = invitation.clone();
        self.outgoing.insert(
            key.clone(),
            Outgoing {
                invitation: invitation.clone(),
                ended: false,
            },
        );
        let send = async move {
            if options.require_peer_online {
                let online = client
                    .query_peers_online_status(&[invitation.callee_id()])
                    .await
                    .map(|v| v.first().is_some_and(|s| s.is_online()))
                    .unwrap_or(false);
                if !online {
                    return Err(("PEER_OFFLINE", AgoraECode::InviteEPeeroffline));
                }
            }
            manager
                .send_local_invitation(&invitation)
                .await
                .map_err(|_| ("INVALID_ARGUMENT", AgoraECode::InviteEOther))
        };
        let k = key.clone();
        cx.then_in(
            Lane::Invitations,
            send,
            move |inv: &mut Invitations, cx, result| {
                if let Err((why, code)) = result {
                    if inv.outgoing.remove(&k).is_some() {
                        cx.emit(invite_failed(&k.0, &k.1, code, why));
                    }
                }
            },
        );
        // I2: give up on an offline callee after 20 s, or after `_timeout` without an answer.
        let (wait, code, why) = match options.timeout {
            Some(t) => (t, AgoraECode::InviteETimeout, "PEER_NO_RESPONSE"),
            None => (OFFLINE_WAIT, AgoraECode::InviteEPeeroffline, "PEER_OFFLINE"),
        };
        let only_if_unreceived = options.timeout.is_none();
        let this = invitation_handle;
        // On a timer lane of its own: a pending invitation holds up no other call (T4).
        cx.after_in(wait, move |inv: &mut Invitations, cx| {
            let state = match inv.outgoing.get(&key) {
                Some(o) if !o.ended && o.invitation.same_as(&this) => o.invitation.state(),
                _ => return,
            };
            let why = match state {
                LocalInvitationState::SentToRemote => why,
                // I3: an invitation the callee has but does not answer expires.
                LocalInvitationState::ReceivedByRemote if !only_if_unreceived => {
                    "INVITATION_EXPIRE"
                }
                _ => return,
            };
            if let Some(o) = inv.outgoing.remove(&key) {
                cancel_in_background(cx, &o.invitation);
            }
            cx.emit(invite_failed(&key.0, &key.1, code, why));
        });
    }

    /// I4: accept or refuse the pending invitation from `caller` for `channel_id`.
    pub(super) fn answer(
        &mut self,
        cx: &mut Cx,
        accept: bool,
        channel_id: &str,
        caller: &str,
        extra: &str,
    ) {
        let op = if accept {
            "channel_invite_accept"
        } else {
            "channel_invite_refuse"
        };
        let Some(client) = logged_in(cx) else {
            return cx.error(op, AgoraECode::GeneralENotLogin, "not logged in");
        };
        let key = (channel_id.to_string(), caller.to_string());
        let Some(invitation) = self.incoming.remove(&key) else {
            return cx.error(
                op,
                AgoraECode::GeneralEWrongParam,
                format!("no pending invitation from {caller:?} for channel {channel_id:?}"),
            );
        };
        invitation.set_response(extra);
        let manager = client.call_manager();
        let report = move |cx: &mut Cx,
                           result: crate::rtm::RtmResult<
            (),
            crate::rtm::InvitationApiCallErrCode,
        >| {
            if let Err(e) = result {
                let code = if e.kind() == crate::rtm::InvitationApiCallErrCode::InvalidArgument {
                    AgoraECode::GeneralELargeParam
                } else {
                    AgoraECode::GeneralEFailed
                };
                cx.error(op, code, format!("{e}"));
            }
        };
        if accept {
            self.active.insert(key);
            let answer = manager.accept_remote_invitation(&invitation);
            cx.then(Lane::Invitations, answer, report);
        } else {
            let answer = manager.refuse_remote_invitation(&invitation);
            cx.then(Lane::Invitations, answer, report);
        }
    }

    /// I5: end an invitation or a call, from either side, before or after the accept.
    pub(super) fn end(&mut self, cx: &mut Cx, channel_id: &str, peer: &str) {
        let Some(client) = logged_in(cx) else {
            return cx.error(
                "channel_invite_end",
                AgoraECode::GeneralENotLogin,
                "not logged in",
            );
        };
        // No call can exist with ids RTM refuses: nothing to end.
        if !cx.passes("channel_invite_end", check_invitation(channel_id, peer, "")) {
            return;
        }
        let key = (channel_id.to_string(), peer.to_string());
        let manager = client.call_manager();
        if let Some(out) = self.outgoing.get_mut(&key).filter(|o| !o.ended) {
            // Caller of a pending invitation: RTM cancel.
            out.ended = true;
            let cancel = manager.cancel_local_invitation(&out.invitation);
            cx.then(Lane::Invitations, cancel, |_, _| {});
        } else if let Some(invitation) = self.incoming.remove(&key) {
            // Callee of a pending invitation: refuse with the end marker.
            invitation.set_response(END_RESPONSE);
            let refuse = manager.refuse_remote_invitation(&invitation);
            cx.then(Lane::Invitations, refuse, |_, _| {});
        } else {
            // After an accept (or with nothing known): the end-call message.
            self.active.remove(&key);
            let text = format!("{END_CALL_PREFIX}_{channel_id}_");
            let send = client.send_message_to_peer(
                peer,
                &RtmMessage::from_text(text),
                SendMessageOptions::default(),
            );
            cx.then(Lane::Invitations, send, |cx, result| {
                if let Err(e) = result {
                    cx.log_warn(format!("the end-call message did not reach the peer: {e}"));
                }
            });
        }
        // The ender learns at once, whatever the network says.
        cx.emit(LegacyEvent::InviteEndByMyself {
            channel_id: channel_id.to_string(),
            account: peer.to_string(),
            uid: uid_of(peer),
        });
    }

    /// RTM call-manager events → legacy invitation callbacks.
    pub(super) fn on_call_event(&mut self, cx: &mut Cx, event: CallEvent) {
        match event {
            CallEvent::RemoteInvitationReceived(inv) => {
                let (channel_id, caller) = (inv.channel_id(), inv.caller_id());
                let extra = inv.content();
                self.incoming
                    .insert((channel_id.clone(), caller.clone()), inv);
                cx.emit(LegacyEvent::InviteReceived {
                    channel_id,
                    uid: uid_of(&caller),
                    account: caller,
                    extra,
                });
            }
            CallEvent::RemoteInvitationCanceled(inv) => {
                let key = (inv.channel_id(), inv.caller_id());
                if self.incoming.remove(&key).is_some() {
                    cx.emit(LegacyEvent::InviteEndByPeer {
                        channel_id: key.0,
                        uid: uid_of(&key.1),
                        account: key.1,
                        extra: String::new(),
                    });
                }
            }
            CallEvent::RemoteInvitationFailure { invitation, code } => {
                let key = (invitation.channel_id(), invitation.caller_id());
                self.active.remove(&key);
                if self.incoming.remove(&key).is_some() {
                    cx.emit(LegacyEvent::InviteEndByPeer {
                        channel_id: key.0.clone(),
                        uid: uid_of(&key.1),
                        account: key.1.clone(),
                        extra: reason(code.name()),
                    });
                    cx.error(
                        "channel_invite_received",
                        AgoraECode::GeneralEFailed,
                        format!("the invitation from {:?} ended: {}", key.1, code.name()),
                    );
                }
            }
            CallEvent::RemoteInvitationAccepted(_) | CallEvent::RemoteInvitationRefused(_) => {}
            CallEvent::LocalInvitationReceivedByPeer(inv) => {
                if let Some(key) = self.outgoing_key(&inv).filter(|k| !self.outgoing[k].ended) {
                    cx.emit(LegacyEvent::InviteReceivedByPeer {
                        channel_id: key.0,
                        uid: uid_of(&key.1),
                        account: key.1,
                    });
                }
            }
            CallEvent::LocalInvitationAccepted {
                invitation,
                response,
            } => {
                if let Some(key) = self.outgoing_key(&invitation) {
                    self.outgoing.remove(&key);
                    self.active.insert(key.clone());
                    cx.emit(LegacyEvent::InviteAcceptedByPeer {
                        channel_id: key.0,
                        uid: uid_of(&key.1),
                        account: key.1,
                        extra: response,
                    });
                }
            }
            CallEvent::LocalInvitationRefused {
                invitation,
                response,
            } => {
                if let Some(key) = self.outgoing_key(&invitation) {
                    let out = self.outgoing.remove(&key);
                    if out.is_some_and(|o| o.ended) {
                        return;
                    }
                    cx.emit(invitation_refused(key.0, key.1, response));
                }
            }
            CallEvent::LocalInvitationCanceled(invitation) => {
                if let Some(key) = self.outgoing_key(&invitation) {
                    self.outgoing.remove(&key);
                }
            }
            CallEvent::LocalInvitationFailure { invitation, code } => {
                if let Some(key) = self.outgoing_key(&invitation) {
                    let out = self.outgoing.remove(&key);
                    if out.is_some_and(|o| o.ended) {
                        return;
                    }
                    // I3: RTM failure → legacy code, with the RTM name as the reason.
                    cx.emit(local_invitation_failed(&key.0, &key.1, code));
                }
            }
        }
    }

    fn outgoing_key(&self, invitation: &LocalInvitation) -> Option<(String, String)> {
        self.outgoing
            .iter()
            .find(|(_, o)| o.invitation.same_as(invitation))
            .map(|(k, _)| k.clone())
    }

    /// I5 / I6: a peer message that is call control. True when it was one (it is then not a
    /// message for the app).
    pub(super) fn control_message(&mut self, cx: &mut Cx, from: &str, text: &str) -> bool {
        match control_message(text, END_CALL_PREFIX, DTMF_PREFIX) {
            Some(Control::EndCall { channel_id, extra }) => {
                let key = (channel_id.clone(), from.to_string());
                self.active.remove(&key);
                self.incoming.remove(&key);
                cx.emit(LegacyEvent::InviteEndByPeer {
                    channel_id,
                    account: from.to_string(),
                    uid: uid_of(from),
                    extra,
                });
                true
            }
            Some(Control::Dtmf { channel_id, digits }) => {
                cx.emit(LegacyEvent::InviteMsg {
                    channel_id,
                    account: from.to_string(),
                    uid: uid_of(from),
                    msg_type: "dtmf".into(),
                    msg_data: digits,
                    extra: String::new(),
                });
                true
            }
            Some(Control::Malformed) => true,
            None => false,
        }
    }
}

/// PSTN invitations: RTM has no telephone network.
pub(super) fn invite_phone(cx: &mut Cx, method: LegacyMethod, channel_id: &str, phone: &str) {
    // N4: callbacks never carry uid 0; the number stands in for the account.
    cx.emit(invite_failed(
        channel_id,
        phone,
        AgoraECode::InviteEOther,
        "PSTN_UNSUPPORTED",
    ));
    cx.error(
        method.rust_name(),
        AgoraECode::GeneralEFailed,
        format!(
            "{} calls a telephone; RTM has no PSTN gateway",
            method.legacy_name()
        ),
    );
}

/// I6: DTMF digits as a reserved peer message that the peer's shim turns into `on_invite_msg`.
pub(super) fn invite_dtmf(cx: &mut Cx, channel_id: &str, account: &str, digits: &str) {
    if digits.is_empty()
        || !digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
    {
        return cx.error(
            "channel_invite_dtmf",
            AgoraECode::GeneralEWrongParam,
            format!("DTMF digits must be 0-9, * or #, not {digits:?}"),
        );
    }
    let Some(client) = logged_in(cx) else {
        return cx.error(
            "channel_invite_dtmf",
            AgoraECode::GeneralENotLogin,
            "not logged in",
        );
    };
    let text = format!("{DTMF_PREFIX}_{channel_id}_{digits}");
    let send = client.send_message_to_peer(
        account,
        &RtmMessage::from_text(text),
        SendMessageOptions::default(),
    );
    cx.then(Lane::Invitations, send, |cx, result| {
        if let Err(e) = result {
            let t = translate(&e);
            cx.error(
                "channel_invite_dtmf",
                t.on_error.unwrap_or(AgoraECode::GeneralEFailed),
                t.desc,
            );
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_options_read_the_legacy_keys() {
        let o = invite_options(r#"{"_require_peer_online":1,"_timeout":5,"x":"y"}"#).unwrap();
        assert!(o.require_peer_online);
        assert_eq!(o.timeout, Some(Duration::from_secs(5)));
        assert!(invite_options("not json").is_err());
        assert!(!invite_options("").unwrap().require_peer_online);
    }

    #[test]
    fn invite_timeouts_beyond_a_duration_wait_as_long_as_possible() {
        for extra in [
            r#"{"_timeout":1e300}"#,
            r#"{"_timeout":99499979997999999990}"#,
            r#"{"_timeout":"inf"}"#,
        ] {
            assert_eq!(
                invite_options(extra).unwrap().timeout,
                Some(Duration::MAX),
                "{extra}"
            );
        }
        for extra in [r#"{"_timeout":"NaN"}"#, r#"{"_timeout":-1e300}"#] {
            assert_eq!(invite_options(extra).unwrap().timeout, None, "{extra}");
        }
    }
}
