//! Interop: a legacy facade client and a plain `sig2rtm::rtm::RtmClient` on the same system
//! talk to each other: peer messages, channel membership and messages, invitations with the
//! RTM end-call prefix both ways, and `Signaling::rtm_client()` sharing the legacy connection.
//!
//! The legacy side is checked as its exact transcript, the RTM side as the RTM events it got
//! (connection-state and member-count events left out).

mod legacy_common;

use legacy_common::{logged_in, settle, transcript, uid, APP};
use sig2rtm::rtm::{
    CallEvent, ChannelEvent, EventStream, RemoteInvitation, RtmChannel, RtmClient, RtmEvent,
    RtmMessage, SendMessageOptions, END_CALL_PREFIX,
};
use sig2rtm::system::{System, SystemConfig};

fn system() -> System {
    System::new(SystemConfig::default())
}

/// A plain RTM client logged in as `user`, with its events.
async fn rtm_user(system: &System, user: &str) -> (RtmClient, EventStream) {
    let client = RtmClient::builder(APP).system(system).build().unwrap();
    let events = client.subscribe();
    client.login("", user).await.unwrap();
    (client, events)
}

/// The RTM events waiting now, one line each (state and member-count events left out).
fn rtm_lines(events: &mut EventStream) -> Vec<String> {
    events
        .drain()
        .into_iter()
        .filter_map(|e| match e {
            RtmEvent::MessageFromPeer { peer_id, message } => {
                Some(format!("peer {peer_id}: {}", message.text()))
            }
            RtmEvent::Channel { channel_id, event } => match event {
                ChannelEvent::MemberJoined { user_id } => {
                    Some(format!("{channel_id}: {user_id} joined"))
                }
                ChannelEvent::MemberLeft { user_id } => {
                    Some(format!("{channel_id}: {user_id} left"))
                }
                ChannelEvent::MessageReceived { user_id, message } => {
                    Some(format!("{channel_id}: {user_id} says {}", message.text()))
                }
                ChannelEvent::AttributesUpdated(a) => Some(format!("{channel_id}: {a:?}")),
                ChannelEvent::MemberCountUpdated(_) => None,
            },
            RtmEvent::Call(call) => Some(call_line(&call)),
            _ => None,
        })
        .collect()
}

fn call_line(call: &CallEvent) -> String {
    match call {
        CallEvent::LocalInvitationReceivedByPeer(i) => {
            format!("local received by {} ({})", i.callee_id(), i.channel_id())
        }
        CallEvent::LocalInvitationAccepted {
            invitation,
            response,
        } => format!(
            "local accepted by {} ({}): {response}",
            invitation.callee_id(),
            invitation.channel_id()
        ),
        CallEvent::LocalInvitationRefused {
            invitation,
            response,
        } => format!(
            "local refused by {} ({}): {response}",
            invitation.callee_id(),
            invitation.channel_id()
        ),
        CallEvent::LocalInvitationCanceled(i) => format!("local canceled ({})", i.channel_id()),
        CallEvent::LocalInvitationFailure { invitation, code } => {
            format!("local failure ({}): {code:?}", invitation.channel_id())
        }
        CallEvent::RemoteInvitationReceived(i) => format!(
            "remote from {} ({}): {}",
            i.caller_id(),
            i.channel_id(),
            i.content()
        ),
        CallEvent::RemoteInvitationAccepted(i) => format!("remote accepted ({})", i.channel_id()),
        CallEvent::RemoteInvitationRefused(i) => format!("remote refused ({})", i.channel_id()),
        CallEvent::RemoteInvitationCanceled(i) => format!("remote canceled ({})", i.channel_id()),
        CallEvent::RemoteInvitationFailure { invitation, code } => {
            format!("remote failure ({}): {code:?}", invitation.channel_id())
        }
    }
}

/// The invitation an RTM client received, taken from its events.
fn remote_invitation(events: &mut EventStream) -> RemoteInvitation {
    events
        .drain()
        .into_iter()
        .find_map(|e| match e {
            RtmEvent::Call(CallEvent::RemoteInvitationReceived(i)) => Some(i),
            _ => None,
        })
        .expect("the RTM client received no invitation")
}

async fn rtm_join(client: &RtmClient, ch: &str) -> RtmChannel {
    let channel = client.create_channel(ch).unwrap();
    channel.join().await.unwrap();
    channel
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

// ------------------------------------------------------------------ peer messages

#[tokio::test(start_paused = true)]
async fn interop_legacy_peer_message_reaches_rtm_client() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    let (_r, mut events) = rtm_user(&system, "R").await;
    a.message_instant_send("R", 0, "hello rtm", "m1");
    settle().await;
    assert_eq!(transcript(&ra), strings(&["onMessageSendSuccess(\"m1\")"]));
    assert_eq!(rtm_lines(&mut events), strings(&["peer A: hello rtm"]));
}

#[tokio::test(start_paused = true)]
async fn interop_rtm_peer_message_reaches_legacy_client_with_uid_0() {
    let system = system();
    let (_a, ra) = logged_in(&system, "A").await;
    let (r, _events) = rtm_user(&system, "R").await;
    for text in ["one", "two", "three"] {
        r.send_message_to_peer(
            "A",
            &RtmMessage::from_text(text),
            SendMessageOptions::default(),
        )
        .await
        .unwrap();
    }
    settle().await;
    assert_eq!(
        transcript(&ra),
        strings(&[
            "onMessageInstantReceive(\"R\", 0, \"one\")",
            "onMessageInstantReceive(\"R\", 0, \"two\")",
            "onMessageInstantReceive(\"R\", 0, \"three\")",
        ])
    );
}

#[tokio::test(start_paused = true)]
async fn interop_legacy_message_to_offline_rtm_user_is_kept_for_it() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    a.message_instant_send("R", 0, "while you were out", "m1");
    settle().await;
    assert_eq!(transcript(&ra), strings(&["onMessageSendSuccess(\"m1\")"]));
    let (_r, mut events) = rtm_user(&system, "R").await;
    settle().await;
    assert_eq!(
        rtm_lines(&mut events),
        strings(&["peer A: while you were out"])
    );
}

// ------------------------------------------------------------------ channels

#[tokio::test(start_paused = true)]
async fn interop_legacy_join_lists_rtm_member_and_rtm_member_sees_join() {
    let system = system();
    let (r, mut events) = rtm_user(&system, "R").await;
    let _channel = rtm_join(&r, "ch").await;
    settle().await;
    events.drain();
    let (a, ra) = logged_in(&system, "A").await;
    a.channel_join("ch");
    settle().await;
    assert_eq!(
        transcript(&ra),
        vec![
            "onChannelJoined(\"ch\")".to_string(),
            format!(
                "onChannelUserList([\"R\", \"A\"], [{}, {}])",
                uid("R"),
                uid("A")
            ),
        ]
    );
    assert_eq!(rtm_lines(&mut events), strings(&["ch: A joined"]));
}

#[tokio::test(start_paused = true)]
async fn interop_rtm_member_joining_and_leaving_reaches_legacy_member() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    a.channel_join("ch");
    settle().await;
    ra.take();
    let (r, _events) = rtm_user(&system, "R").await;
    let channel = rtm_join(&r, "ch").await;
    settle().await;
    channel.leave().await.unwrap();
    settle().await;
    assert_eq!(
        transcript(&ra),
        vec![
            format!("onChannelUserJoined(\"R\", {})", uid("R")),
            format!("onChannelUserLeaved(\"R\", {})", uid("R")),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn interop_legacy_leave_reaches_rtm_member() {
    let system = system();
    let (r, mut events) = rtm_user(&system, "R").await;
    let _channel = rtm_join(&r, "ch").await;
    let (a, ra) = logged_in(&system, "A").await;
    a.channel_join("ch");
    settle().await;
    events.drain();
    ra.take();
    a.channel_leave("ch");
    settle().await;
    assert_eq!(transcript(&ra), strings(&["onChannelLeaved(\"ch\", 602)"]));
    assert_eq!(rtm_lines(&mut events), strings(&["ch: A left"]));
}

#[tokio::test(start_paused = true)]
async fn interop_channel_messages_both_ways_echo_only_on_the_legacy_side() {
    let system = system();
    let (r, mut events) = rtm_user(&system, "R").await;
    let channel = rtm_join(&r, "ch").await;
    let (a, ra) = logged_in(&system, "A").await;
    a.channel_join("ch");
    settle().await;
    events.drain();
    ra.take();
    a.message_channel_send("ch", "from legacy", "m1");
    settle().await;
    channel
        .send_message(
            &RtmMessage::from_text("from rtm"),
            SendMessageOptions::default(),
        )
        .await
        .unwrap();
    settle().await;
    assert_eq!(
        transcript(&ra),
        vec![
            "onMessageSendSuccess(\"m1\")".to_string(),
            format!(
                "onMessageChannelReceive(\"ch\", \"A\", {}, \"from legacy\")",
                uid("A")
            ),
            format!(
                "onMessageChannelReceive(\"ch\", \"R\", {}, \"from rtm\")",
                uid("R")
            ),
        ]
    );
    // RTM does not echo: R sees A's message only.
    assert_eq!(rtm_lines(&mut events), strings(&["ch: A says from legacy"]));
}

// ------------------------------------------------------------------ invitations

#[tokio::test(start_paused = true)]
async fn interop_legacy_invites_rtm_client_which_accepts_then_ends_with_prefix_text() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    let (r, mut events) = rtm_user(&system, "R").await;
    a.channel_invite_user2("call_1", "R", r#"{"video":true}"#);
    settle().await;
    let invitation = remote_invitation(&mut events);
    assert_eq!(invitation.caller_id(), "A");
    assert_eq!(invitation.channel_id(), "call_1");
    assert_eq!(invitation.content(), r#"{"video":true}"#);
    invitation.set_response("sure");
    r.call_manager()
        .accept_remote_invitation(&invitation)
        .await
        .unwrap();
    settle().await;
    // The RTM side hangs up the RTM way: the end-call prefix text as a peer message.
    let text = format!("{END_CALL_PREFIX}_call_1_bye");
    r.send_message_to_peer(
        "A",
        &RtmMessage::from_text(text),
        SendMessageOptions::default(),
    )
    .await
    .unwrap();
    settle().await;
    assert_eq!(
        transcript(&ra),
        vec![
            format!("onInviteReceivedByPeer(\"call_1\", \"R\", {})", uid("R")),
            format!(
                "onInviteAcceptedByPeer(\"call_1\", \"R\", {}, \"sure\")",
                uid("R")
            ),
            format!(
                "onInviteEndByPeer(\"call_1\", \"R\", {}, \"bye\")",
                uid("R")
            ),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn interop_legacy_invite_refused_by_rtm_client() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    let (r, mut events) = rtm_user(&system, "R").await;
    a.channel_invite_user("ch", "R", 0);
    settle().await;
    let invitation = remote_invitation(&mut events);
    invitation.set_response(r#"{"status":1}"#);
    r.call_manager()
        .refuse_remote_invitation(&invitation)
        .await
        .unwrap();
    settle().await;
    assert_eq!(
        transcript(&ra),
        vec![
            format!("onInviteReceivedByPeer(\"ch\", \"R\", {})", uid("R")),
            format!(
                "onInviteRefusedByPeer(\"ch\", \"R\", {}, \"{{\\\"status\\\":1}}\")",
                uid("R")
            ),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn interop_legacy_cancel_reaches_rtm_client_as_canceled() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    let (_r, mut events) = rtm_user(&system, "R").await;
    a.channel_invite_user("ch", "R", 0);
    settle().await;
    a.channel_invite_end("ch", "R", 0);
    settle().await;
    assert_eq!(
        rtm_lines(&mut events),
        strings(&["remote from A (ch): ", "remote canceled (ch)"])
    );
    assert_eq!(
        transcript(&ra),
        vec![
            format!("onInviteReceivedByPeer(\"ch\", \"R\", {})", uid("R")),
            format!("onInviteEndByMyself(\"ch\", \"R\", {})", uid("R")),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn interop_rtm_client_invites_legacy_which_accepts() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    let (r, mut events) = rtm_user(&system, "R").await;
    let manager = r.call_manager();
    let invitation = manager.create_local_invitation("A");
    invitation.set_channel_id("room_x");
    invitation.set_content("ring");
    manager.send_local_invitation(&invitation).await.unwrap();
    settle().await;
    assert_eq!(
        transcript(&ra),
        vec![format!(
            "onInviteReceived(\"room_x\", \"R\", {}, \"ring\")",
            uid("R")
        )]
    );
    a.channel_invite_accept("room_x", "R", 0, "ok!");
    settle().await;
    assert_eq!(
        rtm_lines(&mut events),
        strings(&[
            "local received by A (room_x)",
            "local accepted by A (room_x): ok!",
        ])
    );
    // The legacy callee gets no local callback for its accept.
    assert_eq!(transcript(&ra).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn interop_rtm_client_invite_refused_by_legacy() {
    let system = system();
    let (a, _ra) = logged_in(&system, "A").await;
    let (r, mut events) = rtm_user(&system, "R").await;
    let manager = r.call_manager();
    let invitation = manager.create_local_invitation("A");
    invitation.set_channel_id("ch");
    manager.send_local_invitation(&invitation).await.unwrap();
    settle().await;
    a.channel_invite_refuse("ch", "R", 0, "busy");
    settle().await;
    assert_eq!(
        rtm_lines(&mut events),
        strings(&["local received by A (ch)", "local refused by A (ch): busy"])
    );
}

#[tokio::test(start_paused = true)]
async fn interop_rtm_client_cancel_reaches_legacy_as_end_by_peer() {
    let system = system();
    let (_a, ra) = logged_in(&system, "A").await;
    let (r, _events) = rtm_user(&system, "R").await;
    let manager = r.call_manager();
    let invitation = manager.create_local_invitation("A");
    invitation.set_channel_id("ch");
    manager.send_local_invitation(&invitation).await.unwrap();
    settle().await;
    manager.cancel_local_invitation(&invitation).await.unwrap();
    settle().await;
    assert_eq!(
        transcript(&ra),
        vec![
            format!("onInviteReceived(\"ch\", \"R\", {}, \"\")", uid("R")),
            format!("onInviteEndByPeer(\"ch\", \"R\", {}, \"\")", uid("R")),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn interop_legacy_end_after_accept_reaches_rtm_client_as_end_call_text() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    let (r, mut events) = rtm_user(&system, "R").await;
    let manager = r.call_manager();
    let invitation = manager.create_local_invitation("A");
    invitation.set_channel_id("room_a_b");
    manager.send_local_invitation(&invitation).await.unwrap();
    settle().await;
    a.channel_invite_accept("room_a_b", "R", 0, "");
    settle().await;
    events.drain();
    a.channel_invite_end("room_a_b", "R", 0);
    settle().await;
    assert_eq!(
        rtm_lines(&mut events),
        vec![format!("peer A: {END_CALL_PREFIX}_room_a_b_")]
    );
    assert_eq!(
        transcript(&ra),
        vec![
            format!("onInviteReceived(\"room_a_b\", \"R\", {}, \"\")", uid("R")),
            format!("onInviteEndByMyself(\"room_a_b\", \"R\", {})", uid("R")),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn interop_legacy_callee_ending_pending_rtm_invitation_refuses_it() {
    let system = system();
    let (a, _ra) = logged_in(&system, "A").await;
    let (r, mut events) = rtm_user(&system, "R").await;
    let manager = r.call_manager();
    let invitation = manager.create_local_invitation("A");
    invitation.set_channel_id("ch");
    manager.send_local_invitation(&invitation).await.unwrap();
    settle().await;
    a.channel_invite_end("ch", "R", 0);
    settle().await;
    assert_eq!(
        rtm_lines(&mut events),
        strings(&[
            "local received by A (ch)",
            "local refused by A (ch): {\"_end\":1}",
        ])
    );
}

// ------------------------------------------------------------------ rtm_client()

#[tokio::test(start_paused = true)]
async fn interop_rtm_client_is_none_before_login_and_the_logged_in_user_after() {
    let system = system();
    let (a, _ra) = legacy_common::legacy(&system);
    assert!(a.rtm_client().is_none());
    a.login2(APP, "A", "_no_need_token", 0, "", 30, 3);
    settle().await;
    let client = a.rtm_client().expect("no RTM client after login");
    assert_eq!(client.user_id().as_deref(), Some("A"));
    assert_eq!(client.app_id(), APP);
}

#[tokio::test(start_paused = true)]
async fn interop_rtm_client_shares_the_connection_and_its_events() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    let shared = a.rtm_client().unwrap();
    let mut new_code = shared.subscribe();
    let (r, mut r_events) = rtm_user(&system, "R").await;
    r.send_message_to_peer(
        "A",
        &RtmMessage::from_text("to both"),
        SendMessageOptions::default(),
    )
    .await
    .unwrap();
    settle().await;
    // The legacy callbacks and the RTM-side subscriber see the same message.
    assert_eq!(
        transcript(&ra),
        strings(&["onMessageInstantReceive(\"R\", 0, \"to both\")"])
    );
    assert_eq!(rtm_lines(&mut new_code), strings(&["peer R: to both"]));
    // One connection: the system has A online once, and R hears new code as A.
    assert_eq!(
        system
            .online_users(APP)
            .iter()
            .filter(|u| u.as_str() == "A")
            .count(),
        1
    );
    shared
        .send_message_to_peer(
            "R",
            &RtmMessage::from_text("from new code"),
            SendMessageOptions::default(),
        )
        .await
        .unwrap();
    settle().await;
    assert_eq!(
        rtm_lines(&mut r_events),
        strings(&["peer A: from new code"])
    );
    // A legacy channel join is the RTM client's join; channel events reach both sides.
    a.channel_join("ch");
    settle().await;
    assert!(shared.create_channel("ch").unwrap().is_joined());
    ra.take();
    let _r_channel = rtm_join(&r, "ch").await;
    settle().await;
    assert_eq!(
        transcript(&ra),
        vec![format!("onChannelUserJoined(\"R\", {})", uid("R"))]
    );
    assert_eq!(rtm_lines(&mut new_code), strings(&["ch: R joined"]));
}
