//! Contract rules I1–I6 (shim-contract.md §5) and flows F6–F9 of signaling-legacy.md §9: legacy
//! invitations on RTM's call manager, seen as the exact ordered callbacks of each client.
//!
//! Every test runs in virtual time on an isolated system; timers (20 s offline wait, `_timeout`,
//! RTM's 30 s / 60 s invitation timers) are crossed with virtual sleeps.

mod legacy_common;

use legacy_common::{logged_in, settle, transcript, uid};
use sig2rtm::rtm::{RtmClient, RtmEvent, RtmMessage, SendMessageOptions, END_CALL_PREFIX};
use sig2rtm::signaling::{LegacyEvent, Signaling};
use sig2rtm::system::{System, SystemConfig};
use sig2rtm::testkit::Recorder;
use std::sync::Arc;
use std::time::Duration;

fn system() -> System {
    System::new(SystemConfig::default())
}

/// A and B, both logged in, recorders emptied.
async fn pair(system: &System) -> (Signaling, Arc<Recorder>, Signaling, Arc<Recorder>) {
    let (a, ra) = logged_in(system, "A").await;
    let (b, rb) = logged_in(system, "B").await;
    (a, ra, b, rb)
}

fn received(ch: &str, caller: &str, extra: &str) -> String {
    LegacyEvent::InviteReceived {
        channel_id: ch.into(),
        account: caller.into(),
        uid: uid(caller),
        extra: extra.into(),
    }
    .to_string()
}

fn received_by_peer(ch: &str, callee: &str) -> String {
    LegacyEvent::InviteReceivedByPeer {
        channel_id: ch.into(),
        account: callee.into(),
        uid: uid(callee),
    }
    .to_string()
}

fn accepted(ch: &str, callee: &str, extra: &str) -> String {
    LegacyEvent::InviteAcceptedByPeer {
        channel_id: ch.into(),
        account: callee.into(),
        uid: uid(callee),
        extra: extra.into(),
    }
    .to_string()
}

fn refused(ch: &str, callee: &str, extra: &str) -> String {
    LegacyEvent::InviteRefusedByPeer {
        channel_id: ch.into(),
        account: callee.into(),
        uid: uid(callee),
        extra: extra.into(),
    }
    .to_string()
}

fn end_by_peer(ch: &str, peer: &str, extra: &str) -> String {
    LegacyEvent::InviteEndByPeer {
        channel_id: ch.into(),
        account: peer.into(),
        uid: uid(peer),
        extra: extra.into(),
    }
    .to_string()
}

fn end_by_myself(ch: &str, peer: &str) -> String {
    LegacyEvent::InviteEndByMyself {
        channel_id: ch.into(),
        account: peer.into(),
        uid: uid(peer),
    }
    .to_string()
}

fn failed(ch: &str, callee: &str, ecode: i32, reason: &str) -> String {
    LegacyEvent::InviteFailed {
        channel_id: ch.into(),
        account: callee.into(),
        uid: uid(callee),
        ecode,
        extra: format!(r#"{{"reason":"{reason}"}}"#),
    }
    .to_string()
}

fn error(op: &str, ecode: i32) -> String {
    format!("onError({op:?}, {ecode}, \"\")")
}

/// A plain RTM client of the test app, logged in as `user`.
async fn rtm_user(system: &System, user: &str) -> (RtmClient, sig2rtm::rtm::EventStream) {
    let client = RtmClient::builder(legacy_common::APP)
        .system(system)
        .build()
        .unwrap();
    let events = client.subscribe();
    client.login("", user).await.unwrap();
    (client, events)
}

// ------------------------------------------------------------------ I1: invite

#[tokio::test(start_paused = true)]
async fn contract_i1_invite_user2_reaches_callee_then_caller_hears_received_by_peer() {
    let system = system();
    let (a, ra, _b, rb) = pair(&system).await;
    let extra = r#"{"_require_peer_online":1}"#;
    a.channel_invite_user2("ch", "B", extra);
    settle().await;
    assert_eq!(transcript(&rb), vec![received("ch", "A", extra)]);
    assert_eq!(transcript(&ra), vec![received_by_peer("ch", "B")]);
}

#[tokio::test(start_paused = true)]
async fn contract_i1_invite_user_sends_empty_extra() {
    let system = system();
    let (a, ra, _b, rb) = pair(&system).await;
    a.channel_invite_user("ch", "B", 0);
    settle().await;
    assert_eq!(transcript(&rb), vec![received("ch", "A", "")]);
    assert_eq!(transcript(&ra), vec![received_by_peer("ch", "B")]);
}

#[tokio::test(start_paused = true)]
async fn contract_i1_invitation_is_an_rtm_local_invitation_with_callee_channel_and_content() {
    let system = system();
    let (a, _ra) = logged_in(&system, "A").await;
    let (_r, mut events) = rtm_user(&system, "R").await;
    a.channel_invite_user2("room", "R", r#"{"k":"v"}"#);
    settle().await;
    let invitation = events
        .drain()
        .into_iter()
        .find_map(|e| match e {
            RtmEvent::Call(sig2rtm::rtm::CallEvent::RemoteInvitationReceived(inv)) => Some(inv),
            _ => None,
        })
        .expect("the RTM callee got no invitation");
    assert_eq!(invitation.caller_id(), "A");
    assert_eq!(invitation.channel_id(), "room");
    assert_eq!(invitation.content(), r#"{"k":"v"}"#);
}

// ------------------------------------------------------------------ F6 / I4 / I5: accept, end

#[tokio::test(start_paused = true)]
async fn contract_f6_invite_accept_end_transcripts() {
    let system = system();
    let (a, ra, b, rb) = pair(&system).await;
    let extra = r#"{"_require_peer_online":1}"#;
    a.channel_invite_user2("ch", "B", extra);
    settle().await;
    b.channel_invite_accept("ch", "A", 0, "");
    settle().await;
    a.channel_invite_end("ch", "B", 0);
    settle().await;
    assert_eq!(
        transcript(&ra),
        vec![
            received_by_peer("ch", "B"),
            accepted("ch", "B", ""),
            end_by_myself("ch", "B"),
        ]
    );
    assert_eq!(
        transcript(&rb),
        vec![received("ch", "A", extra), end_by_peer("ch", "A", "")]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_i4_accept_extra_reaches_caller_and_callee_gets_no_local_callback() {
    let system = system();
    let (a, ra, b, rb) = pair(&system).await;
    a.channel_invite_user("ch", "B", 0);
    settle().await;
    rb.take();
    b.channel_invite_accept("ch", "A", 0, r#"{"media":"rtc-7"}"#);
    settle().await;
    assert_eq!(
        transcript(&ra),
        vec![
            received_by_peer("ch", "B"),
            accepted("ch", "B", r#"{"media":"rtc-7"}"#),
        ]
    );
    assert_eq!(transcript(&rb), Vec::<String>::new());
}

#[tokio::test(start_paused = true)]
async fn contract_i4_answer_without_pending_invitation_is_on_error_1004() {
    let system = system();
    let (_a, ra, b, rb) = pair(&system).await;
    b.channel_invite_accept("ch", "A", 0, "");
    b.channel_invite_refuse("ch", "A", 0, "");
    settle().await;
    assert_eq!(
        transcript(&rb),
        vec![
            error("channel_invite_accept", 1004),
            error("channel_invite_refuse", 1004),
        ]
    );
    assert_eq!(transcript(&ra), Vec::<String>::new());
}

#[tokio::test(start_paused = true)]
async fn contract_i4_answer_matches_caller_and_channel() {
    let system = system();
    let (a, ra, b, rb) = pair(&system).await;
    a.channel_invite_user("ch", "B", 0);
    settle().await;
    rb.take();
    ra.take();
    // Right caller, wrong channel; right channel, wrong caller: neither is the invitation.
    b.channel_invite_accept("other", "A", 0, "");
    b.channel_invite_accept("ch", "C", 0, "");
    settle().await;
    assert_eq!(
        transcript(&rb),
        vec![
            error("channel_invite_accept", 1004),
            error("channel_invite_accept", 1004),
        ]
    );
    assert_eq!(transcript(&ra), Vec::<String>::new());
    // The real one is still pending.
    b.channel_invite_accept("ch", "A", 0, "ok");
    settle().await;
    assert_eq!(transcript(&ra), vec![accepted("ch", "B", "ok")]);
}

#[tokio::test(start_paused = true)]
async fn contract_f7_refuse_busy_reaches_caller_with_extra() {
    let system = system();
    let (a, ra, b, rb) = pair(&system).await;
    a.channel_invite_user2("ch", "B", "");
    settle().await;
    b.channel_invite_refuse("ch", "A", 0, r#"{"status":1}"#);
    settle().await;
    assert_eq!(
        transcript(&ra),
        vec![
            received_by_peer("ch", "B"),
            refused("ch", "B", r#"{"status":1}"#),
        ]
    );
    assert_eq!(transcript(&rb), vec![received("ch", "A", "")]);
}

#[tokio::test(start_paused = true)]
async fn contract_f8_caller_cancels_before_answer() {
    let system = system();
    let (a, ra, b, rb) = pair(&system).await;
    a.channel_invite_user("ch", "B", 0);
    settle().await;
    a.channel_invite_end("ch", "B", 0);
    settle().await;
    assert_eq!(
        transcript(&ra),
        vec![received_by_peer("ch", "B"), end_by_myself("ch", "B")]
    );
    assert_eq!(
        transcript(&rb),
        vec![received("ch", "A", ""), end_by_peer("ch", "A", "")]
    );
    // The cancelled invitation is gone for the callee.
    rb.take();
    b.channel_invite_accept("ch", "A", 0, "");
    settle().await;
    assert_eq!(transcript(&rb), vec![error("channel_invite_accept", 1004)]);
    assert_eq!(
        transcript(&ra),
        vec![received_by_peer("ch", "B"), end_by_myself("ch", "B")]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_i5_end_by_myself_fires_at_once_before_the_network_answers() {
    let system = system();
    let (a, ra, _b, _rb) = pair(&system).await;
    a.channel_invite_user("ch", "B", 0);
    settle().await;
    ra.take();
    a.channel_invite_end("ch", "B", 0);
    // No time passes: the local echo does not wait for RTM's cancel.
    tokio::task::yield_now().await;
    tokio::task::yield_now().await;
    assert_eq!(transcript(&ra), vec![end_by_myself("ch", "B")]);
}

#[tokio::test(start_paused = true)]
async fn contract_i5_callee_ending_pending_invitation_is_end_by_peer_for_caller() {
    let system = system();
    let (a, ra, b, rb) = pair(&system).await;
    a.channel_invite_user("ch", "B", 0);
    settle().await;
    b.channel_invite_end("ch", "A", 0);
    settle().await;
    assert_eq!(
        transcript(&rb),
        vec![received("ch", "A", ""), end_by_myself("ch", "A")]
    );
    assert_eq!(
        transcript(&ra),
        vec![received_by_peer("ch", "B"), end_by_peer("ch", "B", "")]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_i5_callee_hangs_up_after_accept() {
    let system = system();
    let (a, ra, b, rb) = pair(&system).await;
    a.channel_invite_user("ch", "B", 0);
    settle().await;
    b.channel_invite_accept("ch", "A", 0, "");
    settle().await;
    b.channel_invite_end("ch", "A", 0);
    settle().await;
    assert_eq!(
        transcript(&ra),
        vec![
            received_by_peer("ch", "B"),
            accepted("ch", "B", ""),
            end_by_peer("ch", "B", ""),
        ]
    );
    assert_eq!(
        transcript(&rb),
        vec![received("ch", "A", ""), end_by_myself("ch", "A")]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_i5_end_call_with_underscored_channel_both_ways() {
    let system = system();
    let (a, ra, b, rb) = pair(&system).await;
    let ch = "room_a_b_";
    // A calls B, B hangs up; then B calls A, A hangs up.
    a.channel_invite_user(ch, "B", 0);
    settle().await;
    b.channel_invite_accept(ch, "A", 0, "");
    settle().await;
    b.channel_invite_end(ch, "A", 0);
    settle().await;
    b.channel_invite_user(ch, "A", 0);
    settle().await;
    a.channel_invite_accept(ch, "B", 0, "");
    settle().await;
    a.channel_invite_end(ch, "B", 0);
    settle().await;
    assert_eq!(
        transcript(&ra),
        vec![
            received_by_peer(ch, "B"),
            accepted(ch, "B", ""),
            end_by_peer(ch, "B", ""),
            received(ch, "B", ""),
            end_by_myself(ch, "B"),
        ]
    );
    assert_eq!(
        transcript(&rb),
        vec![
            received(ch, "A", ""),
            end_by_myself(ch, "A"),
            received_by_peer(ch, "A"),
            accepted(ch, "A", ""),
            end_by_peer(ch, "A", ""),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_i5_end_call_text_is_parsed_at_the_last_underscore_and_never_shown() {
    let system = system();
    let (_b, rb) = logged_in(&system, "B").await;
    let (r, _events) = rtm_user(&system, "R").await;
    let text = format!("{END_CALL_PREFIX}_room_a_b_bye");
    r.send_message_to_peer(
        "B",
        &RtmMessage::from_text(text),
        SendMessageOptions::default(),
    )
    .await
    .unwrap();
    settle().await;
    assert_eq!(transcript(&rb), vec![end_by_peer("room_a_b", "R", "bye")]);
}

#[tokio::test(start_paused = true)]
async fn contract_i5_end_call_sent_after_accept_is_the_rtm_prefix_text() {
    let system = system();
    let (a, _ra) = logged_in(&system, "A").await;
    let (_r, mut events) = rtm_user(&system, "R").await;
    a.channel_invite_user("my_room", "R", 0);
    settle().await;
    let invitation = events
        .drain()
        .into_iter()
        .find_map(|e| match e {
            RtmEvent::Call(sig2rtm::rtm::CallEvent::RemoteInvitationReceived(inv)) => Some(inv),
            _ => None,
        })
        .unwrap();
    _r.call_manager()
        .accept_remote_invitation(&invitation)
        .await
        .unwrap();
    settle().await;
    events.drain();
    a.channel_invite_end("my_room", "R", 0);
    settle().await;
    let texts: Vec<String> = events
        .drain()
        .into_iter()
        .filter_map(|e| match e {
            RtmEvent::MessageFromPeer { peer_id, message } => {
                Some(format!("{peer_id}: {}", message.text()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(texts, vec![format!("A: {END_CALL_PREFIX}_my_room_")]);
}

// ------------------------------------------------------------------ F9 / I2 / I3: failures

#[tokio::test(start_paused = true)]
async fn contract_f9_require_peer_online_fails_at_once_with_703() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    a.channel_invite_user2("ch", "Z", r#"{"_require_peer_online":1}"#);
    settle().await;
    assert_eq!(
        transcript(&ra),
        vec![failed("ch", "Z", 703, "PEER_OFFLINE")]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_i2_require_peer_online_with_online_callee_rings() {
    let system = system();
    let (a, ra, _b, rb) = pair(&system).await;
    a.channel_invite_user2("ch", "B", r#"{"_require_peer_online":"1"}"#);
    settle().await;
    assert_eq!(transcript(&ra), vec![received_by_peer("ch", "B")]);
    assert_eq!(
        transcript(&rb),
        vec![received("ch", "A", r#"{"_require_peer_online":"1"}"#)]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_f9_default_fails_with_703_after_20s_offline() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    a.channel_invite_user("ch", "Z", 0);
    tokio::time::sleep(Duration::from_millis(19_900)).await;
    assert_eq!(transcript(&ra), Vec::<String>::new(), "failed before 20 s");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        transcript(&ra),
        vec![failed("ch", "Z", 703, "PEER_OFFLINE")]
    );
    // Exactly once: RTM's own PEER_OFFLINE (30 s) is not reported again.
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(
        transcript(&ra),
        vec![failed("ch", "Z", 703, "PEER_OFFLINE")]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_i2_offline_callee_coming_online_within_20s_gets_the_call() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    a.channel_invite_user2("ch", "B", r#"{"x":1}"#);
    tokio::time::sleep(Duration::from_secs(10)).await;
    let (_b, rb) = legacy_common::legacy(&system);
    _b.login2(legacy_common::APP, "B", "_no_need_token", 0, "", 30, 3);
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(
        transcript(&rb),
        vec![
            format!("onLoginSuccess({}, 1)", uid("B")),
            received("ch", "A", r#"{"x":1}"#),
        ]
    );
    assert_eq!(transcript(&ra), vec![received_by_peer("ch", "B")]);
}

#[tokio::test(start_paused = true)]
async fn contract_i2_timeout_fails_with_704_after_n_seconds_unanswered() {
    let system = system();
    let (a, ra, _b, rb) = pair(&system).await;
    a.channel_invite_user2("ch", "B", r#"{"_timeout":5}"#);
    tokio::time::sleep(Duration::from_millis(4_900)).await;
    assert_eq!(transcript(&ra), vec![received_by_peer("ch", "B")]);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        transcript(&ra),
        vec![
            received_by_peer("ch", "B"),
            failed("ch", "B", 704, "INVITATION_EXPIRE"),
        ]
    );
    // The invitation is destroyed: the callee's ringing ends.
    assert_eq!(
        transcript(&rb),
        vec![
            received("ch", "A", r#"{"_timeout":5}"#),
            end_by_peer("ch", "A", ""),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_i2_timeout_with_offline_callee_fails_with_704() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    a.channel_invite_user2("ch", "Z", r#"{"_timeout":3}"#);
    tokio::time::sleep(Duration::from_millis(2_900)).await;
    assert_eq!(transcript(&ra), Vec::<String>::new());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        transcript(&ra),
        vec![failed("ch", "Z", 704, "PEER_NO_RESPONSE")]
    );
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(
        transcript(&ra).len(),
        1,
        "reported twice: {:?}",
        transcript(&ra)
    );
}

#[tokio::test(start_paused = true)]
async fn contract_i2_answer_before_timeout_cancels_the_timer() {
    let system = system();
    let (a, ra, b, _rb) = pair(&system).await;
    a.channel_invite_user2("ch", "B", r#"{"_timeout":5}"#);
    settle().await;
    b.channel_invite_accept("ch", "A", 0, "");
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(
        transcript(&ra),
        vec![received_by_peer("ch", "B"), accepted("ch", "B", "")]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_i2_other_extra_keys_pass_through_untouched() {
    let system = system();
    let (a, _ra, _b, rb) = pair(&system).await;
    let extra = r#"{"_timeout":30, "destMediaUid":5,"srcNum":"+1 555","custom":{"a":[1,2]}}"#;
    a.channel_invite_user2("ch", "B", extra);
    settle().await;
    assert_eq!(transcript(&rb), vec![received("ch", "A", extra)]);
}

#[tokio::test(start_paused = true)]
async fn contract_i2_second_invite_with_same_key_replaces_the_first() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    a.channel_invite_user2("ch", "Z", r#"{"_timeout":5}"#);
    tokio::time::sleep(Duration::from_secs(3)).await;
    a.channel_invite_user2("ch", "Z", r#"{"_timeout":5}"#);
    // The first invitation's timer (at 5 s) must not fail the second one (due at 8 s).
    tokio::time::sleep(Duration::from_millis(4_900)).await;
    assert_eq!(transcript(&ra), Vec::<String>::new());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        transcript(&ra),
        vec![failed("ch", "Z", 704, "PEER_NO_RESPONSE")]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_i3_rtm_peer_offline_maps_to_703_with_reason() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    // `_timeout` longer than RTM's own 30 s offline wait: RTM's PEER_OFFLINE decides.
    a.channel_invite_user2("ch", "Z", r#"{"_timeout":45}"#);
    tokio::time::sleep(Duration::from_secs(31)).await;
    assert_eq!(
        transcript(&ra),
        vec![failed("ch", "Z", 703, "PEER_OFFLINE")]
    );
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(transcript(&ra).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn contract_i3_rtm_invitation_expire_maps_to_704_with_reason() {
    let system = system();
    let (a, ra, _b, rb) = pair(&system).await;
    // Received but never answered: RTM expires it 60 s after received-by-peer.
    a.channel_invite_user2("ch", "B", r#"{"_timeout":90}"#);
    tokio::time::sleep(Duration::from_secs(61)).await;
    assert_eq!(
        transcript(&ra),
        vec![
            received_by_peer("ch", "B"),
            failed("ch", "B", 704, "INVITATION_EXPIRE"),
        ]
    );
    // The callee's ringing ends too, with the RTM reason, and the cause goes to on_error.
    let b_events = transcript(&rb);
    assert_eq!(b_events[0], received("ch", "A", r#"{"_timeout":90}"#));
    assert_eq!(
        b_events[1],
        end_by_peer("ch", "A", r#"{"reason":"INVITATION_EXPIRE"}"#)
    );
    assert_eq!(b_events.len(), 3, "{b_events:?}");
    assert!(b_events[2].starts_with("onError("), "{b_events:?}");
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(transcript(&ra).len(), 2);
}

#[tokio::test(start_paused = true)]
async fn contract_i3_failure_extra_is_a_json_object_with_reason() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    a.channel_invite_user2("ch", "Z", r#"{"_require_peer_online":1}"#);
    settle().await;
    let extra = match ra.events_without_logs().as_slice() {
        [LegacyEvent::InviteFailed { extra, .. }] => extra.clone(),
        other => panic!("expected one onInviteFailed, got {other:?}"),
    };
    let value: serde_json::Value = serde_json::from_str(&extra).unwrap();
    assert_eq!(value, serde_json::json!({ "reason": "PEER_OFFLINE" }));
}

#[tokio::test(start_paused = true)]
async fn contract_i3_invite_before_login_fails_702_and_on_error_1003() {
    let system = system();
    let (a, ra) = legacy_common::legacy(&system);
    a.channel_invite_user("ch", "B", 0);
    a.channel_invite_user2("ch", "B", "");
    settle().await;
    assert_eq!(
        transcript(&ra),
        vec![
            failed("ch", "B", 702, "NOT_LOGGEDIN"),
            error("channel_invite_user", 1003),
            failed("ch", "B", 702, "NOT_LOGGEDIN"),
            error("channel_invite_user2", 1003),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_i2_extra_that_is_not_json_fails_the_invitation_and_on_error() {
    let system = system();
    let (a, ra, _b, rb) = pair(&system).await;
    a.channel_invite_user2("ch", "B", "not json");
    settle().await;
    assert_eq!(
        transcript(&ra),
        vec![
            failed("ch", "B", 700, "INVALID_ARGUMENT"),
            error("channel_invite_user2", 1004),
        ]
    );
    assert_eq!(transcript(&rb), Vec::<String>::new());
}

// ------------------------------------------------------------------ I6: DTMF, PSTN

#[tokio::test(start_paused = true)]
async fn contract_i6_dtmf_between_shim_users_is_on_invite_msg() {
    let system = system();
    let (a, ra, b, rb) = pair(&system).await;
    a.channel_invite_user("call_1", "B", 0);
    settle().await;
    b.channel_invite_accept("call_1", "A", 0, "");
    settle().await;
    ra.take();
    a.channel_invite_dtmf("call_1", "B", "12*#0");
    settle().await;
    assert_eq!(
        transcript(&rb),
        vec![
            received("call_1", "A", ""),
            LegacyEvent::InviteMsg {
                channel_id: "call_1".into(),
                account: "A".into(),
                uid: uid("A"),
                msg_type: "dtmf".into(),
                msg_data: "12*#0".into(),
                extra: String::new(),
            }
            .to_string(),
        ]
    );
    // The sender gets no success callback, as in the legacy SDK.
    assert_eq!(transcript(&ra), Vec::<String>::new());
}

#[tokio::test(start_paused = true)]
async fn contract_i6_dtmf_with_bad_digits_is_on_error_1004() {
    let system = system();
    let (a, ra, _b, rb) = pair(&system).await;
    a.channel_invite_dtmf("ch", "B", "12a");
    a.channel_invite_dtmf("ch", "B", "");
    settle().await;
    assert_eq!(
        transcript(&ra),
        vec![
            error("channel_invite_dtmf", 1004),
            error("channel_invite_dtmf", 1004),
        ]
    );
    assert_eq!(transcript(&rb), Vec::<String>::new());
}

#[tokio::test(start_paused = true)]
async fn contract_i6_pstn_invites_fail_700_and_on_error_1001() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    a.channel_invite_phone("ch", "+15550100", 0);
    a.channel_invite_phone2("ch", "+15550100", "+15550199");
    a.channel_invite_phone3("ch", "+15550100", "+15550199", "{}");
    settle().await;
    let mut expected = Vec::new();
    for op in [
        "channel_invite_phone",
        "channel_invite_phone2",
        "channel_invite_phone3",
    ] {
        expected.push(failed("ch", "+15550100", 700, "PSTN_UNSUPPORTED"));
        expected.push(error(op, 1001));
    }
    assert_eq!(transcript(&ra), expected);
}
