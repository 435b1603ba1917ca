//! Invitations: legacy call invitations on RTM's call manager, the end-call prefix both ways, DTMF between
//! shim users (contract rules I1–I6).

use super::errors::check_id;
use super::{uid_of, Adapter, Lane};
use crate::mapping::LegacyMethod;
use crate::rtm::limits::MAX_INVITATION_TEXT_BYTES;
use crate::rtm::{
    CallEvent, LocalInvitation, LocalInvitationErrCode, LocalInvitationState, RemoteInvitation,
    RtmCode, RtmMessage, SendMessageOptions, END_CALL_PREFIX,
};
use crate::signaling::{AgoraECode, LegacyEvent};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Prefix of the peer message that carries `channel_invite_dtmf` between shim users (I6):
/// `<prefix>_<channel>_<digits>`.
pub(crate) const DTMF_PREFIX: &str = "Sig2RtmLegacyDtmfMessagePrefix";

/// Response a callee's shim sends when it ends a pending invitation with `channel_invite_end`;
/// the caller's shim reports it as `on_invite_end_by_peer` (I5).
const END_RESPONSE: &str = r#"{"_end":1}"#;

/// How long the default invitation waits for an offline callee (I2).
const OFFLINE_WAIT: Duration = Duration::from_secs(20);

/// Invitations by (channel, peer account).
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

/// I3: `{"reason":"<RTM error name>"}`.
fn reason(name: &str) -> String {
    serde_json::json!({ "reason": name }).to_string()
}

/// I5: `<prefix>_<channel>_<extra>` → (channel, extra), the channel running to the LAST
/// underscore.
pub(crate) fn parse_control(prefix: &str, text: &str) -> Option<(String, String)> {
    let rest = text.strip_prefix(prefix)?.strip_prefix('_')?;
    let (channel, extra) = rest.rsplit_once('_')?;
    Some((channel.to_string(), extra.to_string()))
}

impl Adapter {
    /// I1 / I2: `channel_invite_user` / `channel_invite_user2`.
    pub(super) fn channel_invite_user(
        &mut self,
        method: LegacyMethod,
        channel_id: &str,
        account: &str,
        extra: &str,
    ) {
        let op = method.rust_name();
        let key = (channel_id.to_string(), account.to_string());
        let failed = |a: &Adapter, code: AgoraECode, why: &str| {
            a.emit(LegacyEvent::InviteFailed {
                channel_id: key.0.clone(),
                account: key.1.clone(),
                uid: uid_of(&key.1),
                ecode: code.code(),
                extra: reason(why),
            });
        };
        let Some(client) = self.client().filter(|_| self.session.account.is_some()) else {
            failed(self, AgoraECode::InviteENet, "NOT_LOGGEDIN");
            return self.error(op, AgoraECode::GeneralENotLogin, "not logged in");
        };
        // C11: what RTM would refuse fails here, with the limit named.
        if let Err((code, desc)) = check_invitation(channel_id, account, extra) {
            failed(self, AgoraECode::InviteEOther, "INVALID_ARGUMENT");
            return self.error(op, code, desc);
        }
        let options = match invite_options(extra) {
            Ok(o) => o,
            Err(desc) => {
                failed(self, AgoraECode::InviteEOther, "INVALID_ARGUMENT");
                return self.error(op, AgoraECode::GeneralEWrongParam, desc);
            }
        };
        if let Some(old) = self.invitations.outgoing.remove(&key) {
            // A second invitation with the same key replaces the first.
            let cancel = client
                .call_manager()
                .cancel_local_invitation(&old.invitation);
            tokio::spawn(async move {
                let _ = cancel.await;
            });
        }
        let manager = client.call_manager();
        let invitation = manager.create_local_invitation(account);
        invitation.set_channel_id(channel_id);
        invitation.set_content(extra);
        let invitation_handle = invitation.clone();
        self.invitations.outgoing.insert(
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
        self.then(Lane::Invitations, send, move |a: &mut Adapter, result| {
            if let Err((why, code)) = result {
                if a.invitations.outgoing.remove(&k).is_some() {
                    a.emit(LegacyEvent::InviteFailed {
                        channel_id: k.0.clone(),
                        account: k.1.clone(),
                        uid: uid_of(&k.1),
                        ecode: code.code(),
                        extra: reason(why),
                    });
                }
            }
        });
        // I2: give up on an offline callee after 20 s, or after `_timeout` without an answer.
        let (wait, code, why) = match options.timeout {
            Some(t) => (t, AgoraECode::InviteETimeout, "PEER_NO_RESPONSE"),
            None => (OFFLINE_WAIT, AgoraECode::InviteEPeeroffline, "PEER_OFFLINE"),
        };
        let only_if_unreceived = options.timeout.is_none();
        let this = invitation_handle;
        // On a timer lane of its own: a pending invitation holds up no other call (T4).
        self.after(wait, move |a: &mut Adapter| {
            let state = match a.invitations.outgoing.get(&key) {
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
            if let (Some(o), Some(client)) = (a.invitations.outgoing.remove(&key), a.client()) {
                let cancel = client.call_manager().cancel_local_invitation(&o.invitation);
                tokio::spawn(async move {
                    let _ = cancel.await;
                });
            }
            a.emit(LegacyEvent::InviteFailed {
                channel_id: key.0.clone(),
                account: key.1.clone(),
                uid: uid_of(&key.1),
                ecode: code.code(),
                extra: reason(why),
            });
        });
    }

    /// PSTN invitations: RTM has no telephone network.
    pub(super) fn channel_invite_phone(
        &mut self,
        method: LegacyMethod,
        channel_id: &str,
        phone: &str,
    ) {
        self.emit(LegacyEvent::InviteFailed {
            channel_id: channel_id.to_string(),
            account: phone.to_string(),
            // N4: callbacks never carry uid 0; the number stands in for the account.
            uid: uid_of(phone),
            ecode: AgoraECode::InviteEOther.code(),
            extra: reason("PSTN_UNSUPPORTED"),
        });
        self.error(
            method.rust_name(),
            AgoraECode::GeneralEFailed,
            format!(
                "{} calls a telephone; RTM has no PSTN gateway",
                method.legacy_name()
            ),
        );
    }

    /// I6: DTMF digits as a reserved peer message that the peer's shim turns into `on_invite_msg`.
    pub(super) fn channel_invite_dtmf(&mut self, channel_id: &str, account: &str, digits: &str) {
        if digits.is_empty()
            || !digits
                .chars()
                .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
        {
            return self.error(
                "channel_invite_dtmf",
                AgoraECode::GeneralEWrongParam,
                format!("DTMF digits must be 0-9, * or #, not {digits:?}"),
            );
        }
        let Some(client) = self.client().filter(|_| self.session.account.is_some()) else {
            return self.error(
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
        self.then(Lane::Invitations, send, |a: &mut Adapter, result| {
            if let Err(e) = result {
                let t = super::errors::translate(&e);
                a.error(
                    "channel_invite_dtmf",
                    t.on_error.unwrap_or(AgoraECode::GeneralEFailed),
                    t.desc,
                );
            }
        });
    }

    /// I4: accept or refuse the pending invitation from `caller` for `channel_id`.
    pub(super) fn channel_invite_answer(
        &mut self,
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
        let Some(client) = self.client().filter(|_| self.session.account.is_some()) else {
            return self.error(op, AgoraECode::GeneralENotLogin, "not logged in");
        };
        let key = (channel_id.to_string(), caller.to_string());
        let Some(invitation) = self.invitations.incoming.remove(&key) else {
            return self.error(
                op,
                AgoraECode::GeneralEWrongParam,
                format!("no pending invitation from {caller:?} for channel {channel_id:?}"),
            );
        };
        invitation.set_response(extra);
        let manager = client.call_manager();
        let report = move |a: &mut Adapter,
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
                a.error(op, code, format!("{e}"));
            }
        };
        if accept {
            self.invitations.active.insert(key);
            let answer = manager.accept_remote_invitation(&invitation);
            self.then(Lane::Invitations, answer, report);
        } else {
            let answer = manager.refuse_remote_invitation(&invitation);
            self.then(Lane::Invitations, answer, report);
        }
    }

    /// I5: end an invitation or a call, from either side, before or after the accept.
    pub(super) fn channel_invite_end(&mut self, channel_id: &str, peer: &str) {
        let Some(client) = self.client().filter(|_| self.session.account.is_some()) else {
            return self.error(
                "channel_invite_end",
                AgoraECode::GeneralENotLogin,
                "not logged in",
            );
        };
        if let Err((code, desc)) = check_invitation(channel_id, peer, "") {
            // No call can exist with ids RTM refuses: nothing to end.
            return self.error("channel_invite_end", code, desc);
        }
        let key = (channel_id.to_string(), peer.to_string());
        let manager = client.call_manager();
        if let Some(out) = self.invitations.outgoing.get_mut(&key).filter(|o| !o.ended) {
            // Caller of a pending invitation: RTM cancel.
            out.ended = true;
            let cancel = manager.cancel_local_invitation(&out.invitation);
            self.then(Lane::Invitations, cancel, |_, _| {});
        } else if let Some(invitation) = self.invitations.incoming.remove(&key) {
            // Callee of a pending invitation: refuse with the end marker.
            invitation.set_response(END_RESPONSE);
            let refuse = manager.refuse_remote_invitation(&invitation);
            self.then(Lane::Invitations, refuse, |_, _| {});
        } else {
            // After an accept (or with nothing known): the end-call message.
            self.invitations.active.remove(&key);
            let text = format!("{END_CALL_PREFIX}_{channel_id}_");
            let send = client.send_message_to_peer(
                peer,
                &RtmMessage::from_text(text),
                SendMessageOptions::default(),
            );
            self.then(Lane::Invitations, send, |a: &mut Adapter, result| {
                if let Err(e) = result {
                    a.log_warn(format!("the end-call message did not reach the peer: {e}"));
                }
            });
        }
        // The ender learns at once, whatever the network says.
        self.emit(LegacyEvent::InviteEndByMyself {
            channel_id: channel_id.to_string(),
            account: peer.to_string(),
            uid: uid_of(peer),
        });
    }

    /// RTM call-manager events → legacy invitation callbacks.
    pub(super) fn on_call_event(&mut self, event: CallEvent) {
        match event {
            CallEvent::RemoteInvitationReceived(inv) => {
                let (channel_id, caller) = (inv.channel_id(), inv.caller_id());
                let extra = inv.content();
                self.invitations
                    .incoming
                    .insert((channel_id.clone(), caller.clone()), inv);
                self.emit(LegacyEvent::InviteReceived {
                    channel_id,
                    uid: uid_of(&caller),
                    account: caller,
                    extra,
                });
            }
            CallEvent::RemoteInvitationCanceled(inv) => {
                let key = (inv.channel_id(), inv.caller_id());
                if self.invitations.incoming.remove(&key).is_some() {
                    self.emit(LegacyEvent::InviteEndByPeer {
                        channel_id: key.0,
                        uid: uid_of(&key.1),
                        account: key.1,
                        extra: String::new(),
                    });
                }
            }
            CallEvent::RemoteInvitationFailure { invitation, code } => {
                let key = (invitation.channel_id(), invitation.caller_id());
                self.invitations.active.remove(&key);
                if self.invitations.incoming.remove(&key).is_some() {
                    self.emit(LegacyEvent::InviteEndByPeer {
                        channel_id: key.0.clone(),
                        uid: uid_of(&key.1),
                        account: key.1.clone(),
                        extra: reason(code.name()),
                    });
                    self.error(
                        "channel_invite_received",
                        AgoraECode::GeneralEFailed,
                        format!("the invitation from {:?} ended: {}", key.1, code.name()),
                    );
                }
            }
            CallEvent::RemoteInvitationAccepted(_) | CallEvent::RemoteInvitationRefused(_) => {}
            CallEvent::LocalInvitationReceivedByPeer(inv) => {
                if let Some(key) = self
                    .outgoing_key(&inv)
                    .filter(|k| !self.invitations.outgoing[k].ended)
                {
                    self.emit(LegacyEvent::InviteReceivedByPeer {
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
                    self.invitations.outgoing.remove(&key);
                    self.invitations.active.insert(key.clone());
                    self.emit(LegacyEvent::InviteAcceptedByPeer {
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
                    let out = self.invitations.outgoing.remove(&key);
                    if out.is_some_and(|o| o.ended) {
                        return;
                    }
                    let event = if response == END_RESPONSE {
                        LegacyEvent::InviteEndByPeer {
                            channel_id: key.0,
                            uid: uid_of(&key.1),
                            account: key.1,
                            extra: String::new(),
                        }
                    } else {
                        LegacyEvent::InviteRefusedByPeer {
                            channel_id: key.0,
                            uid: uid_of(&key.1),
                            account: key.1,
                            extra: response,
                        }
                    };
                    self.emit(event);
                }
            }
            CallEvent::LocalInvitationCanceled(invitation) => {
                if let Some(key) = self.outgoing_key(&invitation) {
                    self.invitations.outgoing.remove(&key);
                }
            }
            CallEvent::LocalInvitationFailure { invitation, code } => {
                if let Some(key) = self.outgoing_key(&invitation) {
                    let out = self.invitations.outgoing.remove(&key);
                    if out.is_some_and(|o| o.ended) {
                        return;
                    }
                    // I3: RTM failure → legacy code, with the RTM name as the reason.
                    let ecode = match code {
                        LocalInvitationErrCode::PeerOffline => AgoraECode::InviteEPeeroffline,
                        LocalInvitationErrCode::PeerNoResponse
                        | LocalInvitationErrCode::InvitationExpire => AgoraECode::InviteETimeout,
                        LocalInvitationErrCode::NotLoggedin => AgoraECode::InviteENet,
                    };
                    self.emit(LegacyEvent::InviteFailed {
                        channel_id: key.0,
                        uid: uid_of(&key.1),
                        account: key.1,
                        ecode: ecode.code(),
                        extra: reason(code.name()),
                    });
                }
            }
        }
    }

    fn outgoing_key(&self, invitation: &LocalInvitation) -> Option<(String, String)> {
        self.invitations
            .outgoing
            .iter()
            .find(|(_, o)| o.invitation.same_as(invitation))
            .map(|(k, _)| k.clone())
    }

    /// I5 / I6: a peer message that is call control. True when it was one.
    pub(super) fn call_control_message(&mut self, from: &str, text: &str) -> bool {
        if let Some((channel_id, extra)) = parse_control(END_CALL_PREFIX, text) {
            let key = (channel_id.clone(), from.to_string());
            self.invitations.active.remove(&key);
            self.invitations.incoming.remove(&key);
            self.emit(LegacyEvent::InviteEndByPeer {
                channel_id,
                account: from.to_string(),
                uid: uid_of(from),
                extra,
            });
            return true;
        }
        if let Some((channel_id, digits)) = parse_control(DTMF_PREFIX, text) {
            self.emit(LegacyEvent::InviteMsg {
                channel_id,
                account: from.to_string(),
                uid: uid_of(from),
                msg_type: "dtmf".into(),
                msg_data: digits,
                extra: String::new(),
            });
            return true;
        }
        text.starts_with(END_CALL_PREFIX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_call_text_splits_at_the_last_underscore() {
        let text = format!("{END_CALL_PREFIX}_room_a_b_extra");
        assert_eq!(
            parse_control(END_CALL_PREFIX, &text),
            Some(("room_a_b".into(), "extra".into()))
        );
        let text = format!("{END_CALL_PREFIX}_room_");
        assert_eq!(
            parse_control(END_CALL_PREFIX, &text),
            Some(("room".into(), "".into()))
        );
        assert_eq!(parse_control(END_CALL_PREFIX, "hello"), None);
    }

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
