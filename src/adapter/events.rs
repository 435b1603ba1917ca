//! How RTM events read as legacy events: pure functions, one per rule, with their tests.
//!
//! The areas decide *whether* an event concerns them (a joined channel, a known invitation);
//! these functions say *what* the legacy app is told.

use crate::rtm::{ConnectionChangeReason, ConnectionState, LocalInvitationErrCode, RtmCode};
use crate::signaling::{uid_of, AgoraECode, LegacyEvent, LoginState};
use std::collections::{BTreeMap, BTreeSet};

/// Response a callee's shim sends when it ends a pending invitation with `channel_invite_end`;
/// the caller's shim reports it as `on_invite_end_by_peer` (I5).
pub(super) const END_RESPONSE: &str = r#"{"_end":1}"#;

/// N4: a peer message is `on_message_instant_receive(account, 0, text)`; the legacy SDK always
/// passed uid 0 here.
pub(super) fn peer_message(peer_id: String, text: &str) -> LegacyEvent {
    LegacyEvent::MessageInstantReceive {
        account: peer_id,
        uid: 0,
        msg: text.to_string(),
    }
}

/// C5: a channel message, from another member or as the sender's own echo.
pub(super) fn channel_message(channel_id: String, user_id: String, text: &str) -> LegacyEvent {
    LegacyEvent::MessageChannelReceive {
        channel_id,
        uid: uid_of(&user_id),
        account: user_id,
        msg: text.to_string(),
    }
}

/// C1 / C10: a member joined (`joined`) or left a channel whose `_userNotification` is on.
pub(super) fn member_event(joined: bool, user_id: String) -> LegacyEvent {
    let uid = uid_of(&user_id);
    if joined {
        LegacyEvent::ChannelUserJoined {
            account: user_id,
            uid,
        }
    } else {
        LegacyEvent::ChannelUserLeaved {
            account: user_id,
            uid,
        }
    }
}

/// C1: the join-time user list: the members RTM listed plus the joiner if RTM did not list it
/// yet, the last `max` of them. Also gives the accounts listed, so member-joined events that
/// raced the list are not announced twice.
pub(super) fn user_list(
    mut members: Vec<String>,
    me: &str,
    max: usize,
) -> (LegacyEvent, BTreeSet<String>) {
    if !members.iter().any(|m| m == me) {
        members.push(me.to_string());
    }
    let members = members.split_off(members.len().saturating_sub(max));
    let listed = members.iter().cloned().collect();
    let event = LegacyEvent::ChannelUserList {
        uids: members.iter().map(|m| uid_of(m)).collect(),
        accounts: members,
    };
    (event, listed)
}

/// C9: the legacy `onChannelAttrUpdated` events between two snapshots of a channel's
/// attributes: one "update" per new or changed key, one "del" (with an empty value) per removed
/// key, or a single "clear" (empty name and value) when the last attributes went at once.
pub(super) fn attribute_updates(
    channel_id: &str,
    previous: &BTreeMap<String, String>,
    next: &BTreeMap<String, String>,
) -> Vec<LegacyEvent> {
    if next.is_empty() && !previous.is_empty() {
        return vec![attribute_update(channel_id, "", "", "clear")];
    }
    let updated = next
        .iter()
        .filter(|(k, v)| previous.get(*k) != Some(*v))
        .map(|(k, v)| attribute_update(channel_id, k, v, "update"));
    let deleted = previous
        .keys()
        .filter(|k| !next.contains_key(*k))
        .map(|k| attribute_update(channel_id, k, "", "del"));
    updated.chain(deleted).collect()
}

/// C9 / C10: one `onChannelAttrUpdated(channel, name, value, kind)`.
pub(super) fn attribute_update(
    channel_id: &str,
    name: &str,
    value: &str,
    kind: &str,
) -> LegacyEvent {
    LegacyEvent::ChannelAttrUpdated {
        channel_id: channel_id.to_string(),
        name: name.to_string(),
        value: value.to_string(),
        kind: kind.to_string(),
    }
}

/// What an RTM connection state change means for the legacy session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SessionChange {
    /// S5: status 3 and `on_reconnecting(1)`.
    Reconnecting,
    /// S5: status 2 and `on_reconnected`.
    Reconnected,
    /// S5, S6: the session is over: `on_logout(code)`, for the reason given.
    Ended(AgoraECode, &'static str),
    /// Nothing the legacy app hears of.
    Unchanged,
}

/// S5, S6: how RTM's `(state, reason)` reads for a legacy session in `status`.
pub(super) fn session_change(
    status: LoginState,
    state: ConnectionState,
    reason: ConnectionChangeReason,
) -> SessionChange {
    match state {
        ConnectionState::Reconnecting if status == LoginState::Logined => {
            SessionChange::Reconnecting
        }
        ConnectionState::Connected if status == LoginState::Reconnecting => {
            SessionChange::Reconnected
        }
        ConnectionState::Aborted if status != LoginState::NotLogin => {
            let (code, why) = abort_code(reason);
            SessionChange::Ended(code, why)
        }
        _ => SessionChange::Unchanged,
    }
}

/// S5, S6: the `onLogout` code of a session RTM aborted for `reason`, and why, in words.
fn abort_code(reason: ConnectionChangeReason) -> (AgoraECode, &'static str) {
    match reason {
        ConnectionChangeReason::RemoteLogin => (
            AgoraECode::LogoutEKicked,
            "the same account logged in elsewhere",
        ),
        ConnectionChangeReason::BannedByServer => {
            (AgoraECode::LogoutEOther, "banned by the RTM system")
        }
        _ => (AgoraECode::LogoutENet, "the connection was lost"),
    }
}

/// I3: `{"reason":"<RTM error name>"}`, the `extra` of a failed or ended invitation.
pub(super) fn reason(name: &str) -> String {
    serde_json::json!({ "reason": name }).to_string()
}

/// I3: `on_invite_failed(channel, account, uid, code, {"reason": why})`.
pub(super) fn invite_failed(
    channel_id: &str,
    account: &str,
    code: AgoraECode,
    why: &str,
) -> LegacyEvent {
    LegacyEvent::InviteFailed {
        channel_id: channel_id.to_string(),
        account: account.to_string(),
        uid: uid_of(account),
        ecode: code.code(),
        extra: reason(why),
    }
}

/// I3: an RTM failure of an invitation this client sent, as the legacy failure callback.
pub(super) fn local_invitation_failed(
    channel_id: &str,
    callee: &str,
    code: LocalInvitationErrCode,
) -> LegacyEvent {
    let ecode = match code {
        LocalInvitationErrCode::PeerOffline => AgoraECode::InviteEPeeroffline,
        LocalInvitationErrCode::PeerNoResponse | LocalInvitationErrCode::InvitationExpire => {
            AgoraECode::InviteETimeout
        }
        LocalInvitationErrCode::NotLoggedin => AgoraECode::InviteENet,
    };
    invite_failed(channel_id, callee, ecode, code.name())
}

/// I4 / I5: the callee refused an invitation this client sent — or ended it, when the response
/// is the end marker of a callee's `channel_invite_end`.
pub(super) fn invitation_refused(
    channel_id: String,
    callee: String,
    response: String,
) -> LegacyEvent {
    let uid = uid_of(&callee);
    if response == END_RESPONSE {
        LegacyEvent::InviteEndByPeer {
            channel_id,
            uid,
            account: callee,
            extra: String::new(),
        }
    } else {
        LegacyEvent::InviteRefusedByPeer {
            channel_id,
            uid,
            account: callee,
            extra: response,
        }
    }
}

/// A peer message the shims use for call control (I5, I6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Control {
    /// `<END_CALL_PREFIX>_<channel>_<extra>`: the peer ended the call.
    EndCall { channel_id: String, extra: String },
    /// `<DTMF_PREFIX>_<channel>_<digits>`: DTMF digits from the peer.
    Dtmf { channel_id: String, digits: String },
    /// Starts with the end-call prefix but has not its shape: swallowed, never shown as text.
    Malformed,
}

/// I5 / I6: what a peer message is, if it is call control; the channel runs to the LAST
/// underscore.
pub(super) fn control_message(text: &str, end_call: &str, dtmf: &str) -> Option<Control> {
    if let Some((channel_id, extra)) = parse_control(end_call, text) {
        return Some(Control::EndCall { channel_id, extra });
    }
    if let Some((channel_id, digits)) = parse_control(dtmf, text) {
        return Some(Control::Dtmf { channel_id, digits });
    }
    text.starts_with(end_call).then_some(Control::Malformed)
}

/// I5: `<prefix>_<channel>_<extra>` → (channel, extra), the channel running to the LAST
/// underscore.
fn parse_control(prefix: &str, text: &str) -> Option<(String, String)> {
    let rest = text.strip_prefix(prefix)?.strip_prefix('_')?;
    let (channel, extra) = rest.rsplit_once('_')?;
    Some((channel.to_string(), extra.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtm::END_CALL_PREFIX;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn texts(events: Vec<LegacyEvent>) -> Vec<String> {
        events.into_iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn attribute_snapshots_become_updates_then_deletions() {
        let previous = map(&[("a", "1"), ("b", "2"), ("c", "3")]);
        let next = map(&[("a", "1"), ("b", "20"), ("d", "4")]);
        assert_eq!(
            texts(attribute_updates("ch", &previous, &next)),
            [
                r#"onChannelAttrUpdated("ch", "b", "20", "update")"#,
                r#"onChannelAttrUpdated("ch", "d", "4", "update")"#,
                r#"onChannelAttrUpdated("ch", "c", "", "del")"#,
            ]
        );
    }

    #[test]
    fn emptying_the_attributes_is_one_clear_and_nothing_changed_is_silent() {
        let previous = map(&[("a", "1"), ("b", "2")]);
        assert_eq!(
            texts(attribute_updates("ch", &previous, &map(&[]))),
            [r#"onChannelAttrUpdated("ch", "", "", "clear")"#]
        );
        assert!(attribute_updates("ch", &previous, &previous).is_empty());
        assert!(attribute_updates("ch", &map(&[]), &map(&[])).is_empty());
    }

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
    fn a_peer_message_carries_uid_zero_and_a_channel_message_the_senders_uid() {
        // N4: uid 0 for peer messages; channel callbacks carry the stable non-zero uid.
        match peer_message("alice".into(), "hi") {
            LegacyEvent::MessageInstantReceive { account, uid, msg } => {
                assert_eq!((account.as_str(), uid, msg.as_str()), ("alice", 0, "hi"));
            }
            other => panic!("{other}"),
        }
        match channel_message("ch".into(), "bob".into(), "yo") {
            LegacyEvent::MessageChannelReceive { uid, account, .. } => {
                assert_eq!(uid, uid_of("bob"));
                assert_ne!(uid, 0);
                assert_eq!(account, "bob");
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn member_events_name_the_member_with_its_uid() {
        assert!(matches!(
            member_event(true, "m".into()),
            LegacyEvent::ChannelUserJoined { ref account, uid } if account == "m" && uid == uid_of("m")
        ));
        assert!(matches!(
            member_event(false, "m".into()),
            LegacyEvent::ChannelUserLeaved { ref account, .. } if account == "m"
        ));
    }

    #[test]
    fn the_user_list_adds_the_joiner_and_keeps_the_last_of_a_long_list() {
        // C1: the joiner is listed even when RTM's list does not have it yet.
        let (event, listed) = user_list(vec!["a".into(), "b".into()], "me", 200);
        assert_eq!(listed.len(), 3);
        match event {
            LegacyEvent::ChannelUserList { accounts, uids } => {
                assert_eq!(accounts, ["a", "b", "me"]);
                assert_eq!(uids, [uid_of("a"), uid_of("b"), uid_of("me")]);
            }
            other => panic!("{other}"),
        }
        // Listed already: not twice.
        let (_, listed) = user_list(vec!["me".into(), "a".into()], "me", 200);
        assert_eq!(listed.len(), 2);
        // C1: at most `max`, the most recent ones (the joiner comes last).
        let many: Vec<String> = (0..300).map(|i| format!("u{i}")).collect();
        let (event, listed) = user_list(many, "me", 200);
        assert_eq!(listed.len(), 200);
        assert!(listed.contains("me") && listed.contains("u299") && !listed.contains("u100"));
        assert!(
            matches!(event, LegacyEvent::ChannelUserList { accounts, .. } if accounts.len() == 200)
        );
    }

    #[test]
    fn connection_states_read_as_legacy_session_changes() {
        use ConnectionChangeReason as R;
        use ConnectionState as S;
        use LoginState as L;
        // S5: only a logged-in session starts reconnecting, only a reconnecting one is back.
        for (status, state, reason, change) in [
            (
                L::Logined,
                S::Reconnecting,
                R::Interrupted,
                SessionChange::Reconnecting,
            ),
            (
                L::Logining,
                S::Reconnecting,
                R::Interrupted,
                SessionChange::Unchanged,
            ),
            (
                L::Reconnecting,
                S::Connected,
                R::LoginSuccess,
                SessionChange::Reconnected,
            ),
            (
                L::Logined,
                S::Connected,
                R::LoginSuccess,
                SessionChange::Unchanged,
            ),
            (
                L::NotLogin,
                S::Aborted,
                R::RemoteLogin,
                SessionChange::Unchanged,
            ),
        ] {
            assert_eq!(
                session_change(status, state, reason),
                change,
                "{status:?} {state:?} {reason:?}"
            );
        }
    }

    #[test]
    fn an_aborted_session_logs_out_with_the_code_of_its_reason() {
        use ConnectionChangeReason as R;
        use ConnectionState as S;
        use LoginState as L;
        // S5, S6.
        assert!(matches!(
            session_change(L::Logined, S::Aborted, R::RemoteLogin),
            SessionChange::Ended(AgoraECode::LogoutEKicked, _)
        ));
        assert!(matches!(
            session_change(L::Reconnecting, S::Aborted, R::BannedByServer),
            SessionChange::Ended(AgoraECode::LogoutEOther, _)
        ));
        for other in [R::Interrupted, R::LoginTimeout, R::Logout, R::LoginFailure] {
            assert!(
                matches!(
                    session_change(L::Logined, S::Aborted, other),
                    SessionChange::Ended(AgoraECode::LogoutENet, _)
                ),
                "{other:?}"
            );
        }
    }

    #[test]
    fn invitation_failures_map_to_legacy_codes_with_the_rtm_name_as_reason() {
        // I3.
        use LocalInvitationErrCode as E;
        for (code, legacy) in [
            (E::PeerOffline, AgoraECode::InviteEPeeroffline),
            (E::PeerNoResponse, AgoraECode::InviteETimeout),
            (E::InvitationExpire, AgoraECode::InviteETimeout),
            (E::NotLoggedin, AgoraECode::InviteENet),
        ] {
            match local_invitation_failed("ch", "bob", code) {
                LegacyEvent::InviteFailed {
                    ecode, extra, uid, ..
                } => {
                    assert_eq!(ecode, legacy.code(), "{code:?}");
                    assert_eq!(extra, format!("{{\"reason\":\"{}\"}}", code.name()));
                    assert_eq!(uid, uid_of("bob"));
                }
                other => panic!("{other}"),
            }
        }
    }

    #[test]
    fn a_refusal_with_the_end_marker_is_an_end_by_the_peer() {
        // I5.
        assert!(matches!(
            invitation_refused("ch".into(), "bob".into(), END_RESPONSE.into()),
            LegacyEvent::InviteEndByPeer { ref extra, .. } if extra.is_empty()
        ));
        assert!(matches!(
            invitation_refused("ch".into(), "bob".into(), "busy".into()),
            LegacyEvent::InviteRefusedByPeer { ref extra, .. } if extra == "busy"
        ));
    }

    #[test]
    fn control_messages_split_at_the_last_underscore() {
        // I5 / I6.
        assert_eq!(
            control_message("END_my_channel_x", "END", "DTMF"),
            Some(Control::EndCall {
                channel_id: "my_channel".into(),
                extra: "x".into()
            })
        );
        assert_eq!(
            control_message("DTMF_ch_12#", "END", "DTMF"),
            Some(Control::Dtmf {
                channel_id: "ch".into(),
                digits: "12#".into()
            })
        );
        assert_eq!(
            control_message("END", "END", "DTMF"),
            Some(Control::Malformed)
        );
        assert_eq!(control_message("hello", "END", "DTMF"), None);
        assert_eq!(control_message("DTMF", "END", "DTMF"), None);
    }
}
