//! RTM core channels: create, join, leave, channel messages, member lists, member events and
//! counts, release, `get_channel_member_count` (spec/rtm-1x.md §1.4, §2.2, §3.7, §4).
//!
//! Every test runs its own system in virtual time.

mod common;
use common::Muting;

use common::*;
use sig2rtm::rtm::{
    ChannelEvent, ChannelMemberCount, ChannelMessageErrCode, CreateChannelErr, EventStream,
    GetChannelMemberCountErrCode, GetMembersErr, JoinChannelErr, LeaveChannelErr, RtmChannel,
    RtmClient, RtmEvent, RtmMessage, SendMessageOptions, MAX_MESSAGE_BYTES,
};
use sig2rtm::system::{System, SystemConfig};
use sig2rtm::transport::InProcessConnector;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::{sleep, sleep_until, Instant};

// ---------------------------------------------------------------------------------------------
// Helpers of this file
// ---------------------------------------------------------------------------------------------

/// A system with some settings changed.
fn system_with(change: impl FnOnce(&mut SystemConfig)) -> System {
    let mut config = SystemConfig::default();
    change(&mut config);
    System::new(config)
}

/// A logged-in user with its event stream, and its channel object for `channel`, joined.
async fn member(
    system: &System,
    user: &str,
    channel: &str,
) -> (RtmClient, EventStream, RtmChannel) {
    let (client, events) = logged_in(system, user).await;
    let ch = client.create_channel(channel).unwrap();
    ch.join().await.unwrap();
    (client, events, ch)
}

/// A logged-in client without rate limits.
async fn unlimited(system: &System, user: &str) -> RtmClient {
    let c = unlimited_client(system);
    c.login("", user).await.unwrap();
    c
}

/// The channel events waiting now, without the channel id (all tests use one channel per check).
async fn events_of(events: &mut EventStream, channel: &str) -> Vec<ChannelEvent> {
    channel_events(events)
        .await
        .into_iter()
        .filter(|(c, _)| c == channel)
        .map(|(_, e)| e)
        .collect()
}

/// Short text forms of channel events, easy to compare.
fn describe(events: &[ChannelEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            ChannelEvent::MemberJoined { user_id } => format!("joined {user_id}"),
            ChannelEvent::MemberLeft { user_id } => format!("left {user_id}"),
            ChannelEvent::MemberCountUpdated(n) => format!("count {n}"),
            ChannelEvent::AttributesUpdated(a) => format!("attributes {}", a.len()),
            ChannelEvent::MessageReceived { user_id, message } => {
                format!("message {user_id}: {}", message.text())
            }
        })
        .collect()
}

/// Only the member joined / left events, as text.
fn member_events(events: &[ChannelEvent]) -> Vec<String> {
    describe(events)
        .into_iter()
        .filter(|e| e.starts_with("joined") || e.starts_with("left"))
        .collect()
}

/// Records, in the background, every member count update a client sees, with the virtual time
/// (ms since `start`) at which it arrived.
fn record_counts(mut events: EventStream, start: Instant) -> Arc<Mutex<Vec<(u64, u32)>>> {
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = log.clone();
    tokio::spawn(async move {
        while let Some(e) = events.recv().await {
            if let RtmEvent::Channel {
                event: ChannelEvent::MemberCountUpdated(n),
                ..
            } = e
            {
                let at = start.elapsed().as_millis() as u64;
                sink.lock().unwrap().push((at, n));
            }
        }
    });
    log
}

/// A client logged in as `user` whose later requests go unanswered once the flag is set.
async fn muted_client(system: &System, user: &str) -> (RtmClient, Arc<AtomicBool>) {
    let mute = Arc::new(AtomicBool::new(false));
    let connector = Muting {
        inner: InProcessConnector::new(system.clone()),
        mute: mute.clone(),
    };
    let c = RtmClient::builder(APP)
        .connector(Arc::new(connector))
        .build()
        .unwrap();
    c.login("", user).await.unwrap();
    (c, mute)
}

fn at(start: Instant, ms: u64) -> Instant {
    start + Duration::from_millis(ms)
}

fn text(s: &str) -> RtmMessage {
    RtmMessage::from_text(s)
}

fn user_ids(members: &[sig2rtm::rtm::ChannelMember]) -> Vec<String> {
    members.iter().map(|m| m.user_id.clone()).collect()
}

// ---------------------------------------------------------------------------------------------
// create_channel
// ---------------------------------------------------------------------------------------------

/// Empty, `"null"`, over 64 bytes, and characters outside RTM's set are refused with the web
/// SDK's `CREATE_CHANNEL_ERR_INVALID_ARGUMENT` (1).
#[tokio::test(start_paused = true)]
async fn create_channel_with_invalid_id_fails_with_invalid_argument() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let too_long = "c".repeat(65);
    for bad in ["", "null", too_long.as_str(), "a/b", "a*b", "quote\"d", "é"] {
        let err = alice
            .create_channel(bad)
            .err()
            .unwrap_or_else(|| panic!("{bad:?} accepted"));
        assert_eq!(err.kind(), CreateChannelErr::InvalidArgument, "{bad:?}");
        assert_eq!(err.code(), 1, "{bad:?}");
    }
    // The limits themselves are fine: 64 bytes, a leading space, RTM's punctuation.
    for good in [
        "c".repeat(64).as_str(),
        " lead",
        "a!#$%&()+-:;<=.>?@[]^_{}|~,z",
    ] {
        assert!(alice.create_channel(good).is_ok(), "{good:?} refused");
    }
}

/// shim-contract §8: creating a channel with an id that already has an object returns that
/// object, so joining through one handle shows on the other.
#[tokio::test(start_paused = true)]
async fn create_channel_twice_returns_the_same_channel() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let first = alice.create_channel("room").unwrap();
    let second = alice.create_channel("room").unwrap();
    assert_eq!(first.id(), "room");
    assert_eq!(second.id(), "room");
    assert!(!second.is_joined());
    first.join().await.unwrap();
    assert!(second.is_joined());
    // Joining through the other handle is joining the same channel again.
    let err = second.join().await.unwrap_err();
    assert_eq!(err.kind(), JoinChannelErr::AlreadyJoined);
    second.leave().await.unwrap();
    assert!(!first.is_joined());
}

/// Creating a channel object needs no login (RTM 0.9.3+); it can be joined after logging in.
#[tokio::test(start_paused = true)]
async fn create_channel_is_allowed_before_login() {
    let system = system();
    let alice = client(&system);
    let room = alice.create_channel("room").unwrap();
    assert!(!room.is_joined());
    alice.login("", "alice").await.unwrap();
    room.join().await.unwrap();
    assert!(room.is_joined());
    assert_eq!(system.channel_members(APP, "room"), vec!["alice"]);
}

// ---------------------------------------------------------------------------------------------
// join / leave
// ---------------------------------------------------------------------------------------------

/// The joiner gets its member count right after joining and nothing about itself; members
/// already there get `MemberJoined`.
#[tokio::test(start_paused = true)]
async fn join_gives_joiner_the_member_count_and_others_member_joined() {
    let system = system();
    let (_alice, mut alice_events, _) = member(&system, "alice", "room").await;
    assert_eq!(
        describe(&events_of(&mut alice_events, "room").await),
        vec!["count 1"]
    );

    let (bob, mut bob_events) = logged_in(&system, "bob").await;
    let room = bob.create_channel("room").unwrap();
    room.join().await.unwrap();
    assert!(room.is_joined());
    // Right after the join, before any throttle interval has passed.
    assert_eq!(
        describe(&events_of(&mut bob_events, "room").await),
        vec!["count 2"]
    );
    assert_eq!(
        describe(&events_of(&mut alice_events, "room").await),
        vec!["joined bob"]
    );
    assert_eq!(system.channel_members(APP, "room"), vec!["alice", "bob"]);
}

#[tokio::test(start_paused = true)]
async fn join_when_not_logged_in_fails_with_user_not_logged_in() {
    let system = system();
    let alice = client(&system);
    let room = alice.create_channel("room").unwrap();
    let err = room.join().await.unwrap_err();
    assert_eq!(err.kind(), JoinChannelErr::UserNotLoggedIn);
    assert_eq!(err.code(), 102);
    assert!(system.channel_members(APP, "room").is_empty());
}

#[tokio::test(start_paused = true)]
async fn join_twice_fails_with_already_joined() {
    let system = system();
    let (_alice, _, room) = member(&system, "alice", "room").await;
    let err = room.join().await.unwrap_err();
    assert_eq!(err.kind(), JoinChannelErr::AlreadyJoined);
    assert_eq!(err.code(), 6);
    assert!(room.is_joined());
}

/// shim-contract §8: the 21st simultaneously joined channel fails with EXCEED_LIMIT (5).
#[tokio::test(start_paused = true)]
async fn joining_a_21st_channel_fails_with_exceed_limit() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    for i in 0..20 {
        alice
            .create_channel(&format!("ch{i}"))
            .unwrap()
            .join()
            .await
            .unwrap();
    }
    let ch20 = alice.create_channel("ch20").unwrap();
    let err = ch20.join().await.unwrap_err();
    assert_eq!(err.kind(), JoinChannelErr::ExceedLimit);
    assert_eq!(err.code(), 5);
    // Leaving one makes room again.
    alice.create_channel("ch0").unwrap().leave().await.unwrap();
    ch20.join().await.unwrap();
}

/// Joins issued at once (not awaited one by one) still respect the 20-channel limit: exactly
/// one of 21 fails with EXCEED_LIMIT (5).
#[tokio::test(start_paused = true)]
async fn concurrent_joins_of_21_channels_fail_one_with_exceed_limit() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..21 {
        let ch = alice.create_channel(&format!("ch{i}")).unwrap();
        tasks.spawn(async move { ch.join().await });
    }
    let results = tasks.join_all().await;
    let failures: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(failures.len(), 1, "{results:?}");
    assert_eq!(failures[0].kind(), JoinChannelErr::ExceedLimit);
    let joined = (0..21)
        .filter(|i| !system.channel_members(APP, &format!("ch{i}")).is_empty())
        .count();
    assert_eq!(joined, 20);
}

/// Two joins of the same channel issued at once: one succeeds, the other fails with
/// ALREADY_JOINED (6).
#[tokio::test(start_paused = true)]
async fn concurrent_joins_of_the_same_channel_fail_one_with_already_joined() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let room = alice.create_channel("room").unwrap();
    let (first, second) = tokio::join!(room.join(), room.join());
    let mut codes = vec![
        first.err().map(|e| e.kind()),
        second.err().map(|e| e.kind()),
    ];
    codes.sort_by_key(|c| c.map(|k| k as i32));
    assert_eq!(codes, vec![None, Some(JoinChannelErr::AlreadyJoined)]);
    assert!(room.is_joined());
}

/// More than 50 joins (of different channels) within 3 s fail with TOO_OFTEN (7); the budget
/// comes back once the window has passed.
#[tokio::test(start_paused = true)]
async fn more_than_50_joins_in_3_seconds_fail_with_too_often() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    for i in 0..50 {
        let ch = alice.create_channel(&format!("ch{i}")).unwrap();
        ch.join().await.unwrap();
        ch.leave().await.unwrap();
    }
    let ch50 = alice.create_channel("ch50").unwrap();
    let err = ch50.join().await.unwrap_err();
    assert_eq!(err.kind(), JoinChannelErr::TooOften);
    assert_eq!(err.code(), 7);
    assert!(!ch50.is_joined());

    sleep(Duration::from_secs(3)).await;
    ch50.join().await.unwrap();
}

/// A third join of the same channel within 5 s fails with JOIN_SAME_CHANNEL_TOO_OFTEN (8).
#[tokio::test(start_paused = true)]
async fn joining_the_same_channel_3_times_in_5_seconds_fails() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let room = alice.create_channel("room").unwrap();
    room.join().await.unwrap();
    room.leave().await.unwrap();
    room.join().await.unwrap();
    room.leave().await.unwrap();
    let err = room.join().await.unwrap_err();
    assert_eq!(err.kind(), JoinChannelErr::JoinSameChannelTooOften);
    assert_eq!(err.code(), 8);
    // Another channel is not affected.
    alice.create_channel("other").unwrap().join().await.unwrap();

    sleep(Duration::from_secs(5)).await;
    room.join().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn leave_gives_other_members_member_left() {
    let system = system();
    let (_alice, mut alice_events, _) = member(&system, "alice", "room").await;
    let (_bob, mut bob_events, bob_room) = member(&system, "bob", "room").await;
    let _ = events_of(&mut alice_events, "room").await;
    let _ = events_of(&mut bob_events, "room").await;

    bob_room.leave().await.unwrap();
    assert!(!bob_room.is_joined());
    assert_eq!(
        member_events(&events_of(&mut alice_events, "room").await),
        vec!["left bob"]
    );
    // The leaver hears nothing more from the channel.
    sleep(Duration::from_secs(5)).await;
    assert!(events_of(&mut bob_events, "room").await.is_empty());
    assert_eq!(system.channel_members(APP, "room"), vec!["alice"]);
}

#[tokio::test(start_paused = true)]
async fn leave_when_not_joined_fails_with_not_in_channel() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let room = alice.create_channel("room").unwrap();
    let err = room.leave().await.unwrap_err();
    assert_eq!(err.kind(), LeaveChannelErr::NotInChannel);
    assert_eq!(err.code(), 3);
}

/// Two leaves issued at once: one succeeds, the system refuses the other with NOT_IN_CHANNEL (3).
#[tokio::test(start_paused = true)]
async fn concurrent_leaves_fail_one_with_not_in_channel() {
    let system = system();
    let (_alice, _, room) = member(&system, "alice", "room").await;
    let (first, second) = tokio::join!(room.leave(), room.leave());
    let mut codes = vec![
        first.err().map(|e| e.kind()),
        second.err().map(|e| e.kind()),
    ];
    codes.sort_by_key(|c| c.map(|k| k as i32));
    assert_eq!(codes, vec![None, Some(LeaveChannelErr::NotInChannel)]);
    assert!(!room.is_joined());
}

#[tokio::test(start_paused = true)]
async fn leave_when_not_logged_in_fails_with_user_not_logged_in() {
    let system = system();
    let alice = client(&system);
    let room = alice.create_channel("room").unwrap();
    let err = room.leave().await.unwrap_err();
    assert_eq!(err.kind(), LeaveChannelErr::UserNotLoggedIn);
    assert_eq!(err.code(), 102);
}

// ---------------------------------------------------------------------------------------------
// Channel messages
// ---------------------------------------------------------------------------------------------

/// Every other member gets the message with the server's receive time; the sender does not get
/// its own message.
#[tokio::test(start_paused = true)]
async fn channel_message_reaches_every_other_member_but_not_the_sender() {
    const EPOCH: u64 = 1_700_000_000_000;
    let start = Instant::now();
    let system = system_with(|c| c.epoch_ms = Some(EPOCH));
    let (_alice, mut alice_events, alice_room) = member(&system, "alice", "room").await;
    let (_bob, mut bob_events, _) = member(&system, "bob", "room").await;
    let (_carol, mut carol_events, _) = member(&system, "carol", "room").await;
    let (_dave, mut dave_events) = logged_in(&system, "dave").await; // not a member
    sleep(Duration::from_millis(2_500)).await;
    for e in [&mut alice_events, &mut bob_events, &mut carol_events] {
        let _ = events_of(e, "room").await;
    }
    let sent_at = EPOCH + start.elapsed().as_millis() as u64;
    assert!(sent_at >= EPOCH + 2_500);

    alice_room
        .send_message(&text("hello room"), SendMessageOptions::default())
        .await
        .unwrap();

    for events in [&mut bob_events, &mut carol_events] {
        let got = events_of(events, "room").await;
        assert_eq!(describe(&got), vec!["message alice: hello room"]);
        let ChannelEvent::MessageReceived { message, .. } = &got[0] else {
            unreachable!()
        };
        assert_eq!(message.server_received_ts(), sent_at);
        assert!(!message.is_offline_message());
    }
    assert!(events_of(&mut alice_events, "room").await.is_empty());
    assert!(drain_non_state(&mut dave_events).await.is_empty());
}

/// The offline flag is ignored for channel messages: members get it as an ordinary message.
#[tokio::test(start_paused = true)]
async fn channel_message_ignores_the_offline_flag() {
    let system = system();
    let (_alice, _, alice_room) = member(&system, "alice", "room").await;
    let (_bob, mut bob_events, _) = member(&system, "bob", "room").await;
    let _ = events_of(&mut bob_events, "room").await;
    let options = SendMessageOptions {
        enable_offline_messaging: true,
        ..SendMessageOptions::default()
    };
    alice_room.send_message(&text("x"), options).await.unwrap();
    let got = events_of(&mut bob_events, "room").await;
    let [ChannelEvent::MessageReceived { message, .. }] = got.as_slice() else {
        panic!("unexpected {got:?}")
    };
    assert!(!message.is_offline_message());
}

#[tokio::test(start_paused = true)]
async fn channel_message_when_not_joined_fails_with_failure() {
    let system = system();
    let (_bob, mut bob_events, _) = member(&system, "bob", "room").await;
    let (alice, _) = logged_in(&system, "alice").await;
    let _ = events_of(&mut bob_events, "room").await;
    let room = alice.create_channel("room").unwrap();
    let err = room
        .send_message(&text("from outside"), SendMessageOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ChannelMessageErrCode::Failure);
    assert_eq!(err.code(), 1);
    assert!(events_of(&mut bob_events, "room").await.is_empty());
}

#[tokio::test(start_paused = true)]
async fn channel_message_when_not_logged_in_fails_with_user_not_logged_in() {
    let system = system();
    let alice = client(&system);
    let room = alice.create_channel("room").unwrap();
    let err = room
        .send_message(&text("hi"), SendMessageOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ChannelMessageErrCode::UserNotLoggedIn);
    assert_eq!(err.code(), 102);
}

/// 32 KB is the limit; one byte more fails with INVALID_MESSAGE (4) and nothing is delivered.
#[tokio::test(start_paused = true)]
async fn oversized_channel_message_fails_with_invalid_message() {
    let system = system();
    let (_alice, _, alice_room) = member(&system, "alice", "room").await;
    let (_bob, mut bob_events, _) = member(&system, "bob", "room").await;
    let _ = events_of(&mut bob_events, "room").await;

    let err = alice_room
        .send_message(
            &text(&"x".repeat(MAX_MESSAGE_BYTES + 1)),
            SendMessageOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ChannelMessageErrCode::InvalidMessage);
    assert_eq!(err.code(), 4);
    let raw = RtmMessage::from_raw(vec![0u8; MAX_MESSAGE_BYTES], "d");
    let err = alice_room
        .send_message(&raw, SendMessageOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), 4);
    assert!(events_of(&mut bob_events, "room").await.is_empty());

    alice_room
        .send_message(
            &text(&"x".repeat(MAX_MESSAGE_BYTES)),
            SendMessageOptions::default(),
        )
        .await
        .unwrap();
    let got = events_of(&mut bob_events, "room").await;
    assert_eq!(got.len(), 1);
}

/// M4: per channel, 500 messages arrive in the order they were sent, with two channels
/// interleaved.
#[tokio::test(start_paused = true)]
async fn channel_messages_keep_their_order_per_channel() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let (bob, mut bob_events) = logged_in(&system, "bob").await;
    let a_red = alice.create_channel("red").unwrap();
    let a_blue = alice.create_channel("blue").unwrap();
    a_red.join().await.unwrap();
    a_blue.join().await.unwrap();
    bob.create_channel("red").unwrap().join().await.unwrap();
    bob.create_channel("blue").unwrap().join().await.unwrap();
    let _ = channel_events(&mut bob_events).await;

    for i in 0..500 {
        let ch = if i % 3 == 0 { &a_blue } else { &a_red };
        ch.send_message(
            &text(&format!("{}-{i}", ch.id())),
            SendMessageOptions::default(),
        )
        .await
        .unwrap();
    }
    let mut red = Vec::new();
    let mut blue = Vec::new();
    for (channel, event) in channel_events(&mut bob_events).await {
        if let ChannelEvent::MessageReceived { message, .. } = event {
            match channel.as_str() {
                "red" => red.push(message.text().to_string()),
                "blue" => blue.push(message.text().to_string()),
                other => panic!("message on {other}"),
            }
        }
    }
    let expect = |name: &str, keep: fn(i32) -> bool| -> Vec<String> {
        (0..500)
            .filter(|i| keep(*i))
            .map(|i| format!("{name}-{i}"))
            .collect()
    };
    assert_eq!(blue, expect("blue", |i| i % 3 == 0));
    assert_eq!(red, expect("red", |i| i % 3 != 0));
}

// ---------------------------------------------------------------------------------------------
// get_members
// ---------------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn get_members_lists_members_in_join_order() {
    let system = system();
    let (_carol, _, _) = member(&system, "carol", "room").await;
    let (_alice, _, _) = member(&system, "alice", "room").await;
    let (_bob, _, bob_room) = member(&system, "bob", "room").await;
    let members = bob_room.get_members().await.unwrap();
    assert_eq!(user_ids(&members), vec!["carol", "alice", "bob"]);
    assert!(members.iter().all(|m| m.channel_id == "room"));
}

#[tokio::test(start_paused = true)]
async fn get_members_when_not_joined_fails_with_not_in_channel() {
    let system = system();
    let (_bob, _, _) = member(&system, "bob", "room").await;
    let (alice, _) = logged_in(&system, "alice").await;
    let err = alice
        .create_channel("room")
        .unwrap()
        .get_members()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), GetMembersErr::NotInChannel);
    assert_eq!(err.code(), 5);
}

#[tokio::test(start_paused = true)]
async fn get_members_when_not_logged_in_fails_with_user_not_logged_in() {
    let system = system();
    let alice = client(&system);
    let err = alice
        .create_channel("room")
        .unwrap()
        .get_members()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), GetMembersErr::UserNotLoggedIn);
    assert_eq!(err.code(), 102);
}

/// At most 5 calls in 2 s; the 6th fails with TOO_OFTEN (4) until the window passes.
#[tokio::test(start_paused = true)]
async fn get_members_more_than_5_times_in_2_seconds_fails_with_too_often() {
    let system = system();
    let (_alice, _, room) = member(&system, "alice", "room").await;
    for _ in 0..5 {
        room.get_members().await.unwrap();
    }
    let err = room.get_members().await.unwrap_err();
    assert_eq!(err.kind(), GetMembersErr::TooOften);
    assert_eq!(err.code(), 4);
    sleep(Duration::from_secs(2)).await;
    assert_eq!(user_ids(&room.get_members().await.unwrap()), vec!["alice"]);
}

/// Above the cap, the most recently joined members are returned, oldest first (cap shrunk to 3).
#[tokio::test(start_paused = true)]
async fn get_members_above_the_cap_returns_the_most_recently_joined() {
    let system = system_with(|c| c.get_members_cap = 3);
    let mut keep = Vec::new();
    for u in ["u1", "u2", "u3", "u4", "u5"] {
        keep.push(member(&system, u, "room").await);
    }
    let (_, _, first_room) = &keep[0];
    assert_eq!(
        user_ids(&first_room.get_members().await.unwrap()),
        vec!["u3", "u4", "u5"]
    );
    // When u4 leaves, u2 is among the 3 most recent again.
    keep[3].2.leave().await.unwrap();
    assert_eq!(
        user_ids(&first_room.get_members().await.unwrap()),
        vec!["u2", "u3", "u5"]
    );
}

/// RTM's real cap: 520 members, `get_members` returns the 512 who joined last.
#[tokio::test(start_paused = true)]
async fn get_members_returns_at_most_512_members() {
    let system = system();
    let mut clients = Vec::new();
    let mut channels = Vec::new();
    for i in 0..520 {
        let c = unlimited(&system, &format!("u{i:03}")).await;
        let ch = c.create_channel("crowd").unwrap();
        ch.join().await.unwrap();
        clients.push(c);
        channels.push(ch);
    }
    let members = channels[0].get_members().await.unwrap();
    assert_eq!(members.len(), 512);
    let expected: Vec<String> = (8..520).map(|i| format!("u{i:03}")).collect();
    assert_eq!(user_ids(&members), expected);
    assert_eq!(
        clients[0]
            .get_channel_member_count(&["crowd"])
            .await
            .unwrap()[0]
            .count,
        520
    );
}

// ---------------------------------------------------------------------------------------------
// Member events and member counts
// ---------------------------------------------------------------------------------------------

/// Above `member_event_limit` members (3 here instead of 512) nobody gets MemberJoined or
/// MemberLeft; at or below it they come back.
#[tokio::test(start_paused = true)]
async fn member_events_are_suppressed_above_the_member_event_limit() {
    let system = system_with(|c| c.member_event_limit = 3);
    let (_a, mut a_events, _) = member(&system, "a", "room").await;
    let mut others = Vec::new();
    for u in ["b", "c", "d", "e"] {
        others.push(member(&system, u, "room").await);
    }
    // b and c joined at 2 and 3 members; d (4) and e (5) are above the limit.
    assert_eq!(
        member_events(&events_of(&mut a_events, "room").await),
        vec!["joined b", "joined c"]
    );
    // e leaves from 5 members, d from 4: silent; c leaves from 3: heard.
    for i in [3, 2, 1] {
        others[i].2.leave().await.unwrap();
    }
    assert_eq!(
        member_events(&events_of(&mut a_events, "room").await),
        vec!["left c"]
    );
    let (_, b_events, _) = &mut others[0];
    assert_eq!(
        member_events(&events_of(b_events, "room").await),
        vec!["joined c", "left c"]
    );
}

/// At or below the member event limit, member counts reach members at most once per second,
/// with the count at sending time; the joiner hears its count at once.
#[tokio::test(start_paused = true)]
async fn member_count_updates_are_throttled_to_one_per_second() {
    let system = system();
    let start = Instant::now();
    let (a, a_events) = logged_in(&system, "a").await;
    let (b, b_events) = logged_in(&system, "b").await;
    let (c, c_events) = logged_in(&system, "c").await;
    let a_log = record_counts(a_events, start);
    let b_log = record_counts(b_events, start);
    let c_log = record_counts(c_events, start);
    let (a_room, b_room, c_room) = (
        a.create_channel("room").unwrap(),
        b.create_channel("room").unwrap(),
        c.create_channel("room").unwrap(),
    );

    a_room.join().await.unwrap();
    sleep_until(at(start, 100)).await;
    b_room.join().await.unwrap();
    sleep_until(at(start, 200)).await;
    c_room.join().await.unwrap();
    sleep_until(at(start, 1_100)).await;
    c_room.leave().await.unwrap();
    sleep_until(at(start, 5_000)).await;
    b_room.leave().await.unwrap();
    sleep_until(at(start, 8_000)).await;

    assert_eq!(
        *a_log.lock().unwrap(),
        vec![(0, 1), (1_000, 3), (2_000, 2), (5_000, 1)]
    );
    assert_eq!(
        *b_log.lock().unwrap(),
        vec![(100, 2), (1_000, 3), (2_000, 2)]
    );
    assert_eq!(*c_log.lock().unwrap(), vec![(200, 3)]);
    let count = a.get_channel_member_count(&["room"]).await.unwrap();
    assert_eq!(count[0].count, 1);
}

/// Above the member event limit (3 here) updates come at most every 3 s
/// (`member_count_interval_large`); back at or below it, every second again.
#[tokio::test(start_paused = true)]
async fn member_count_updates_above_the_limit_come_every_3_seconds() {
    let system = system_with(|c| c.member_event_limit = 3);
    let start = Instant::now();
    let mut clients = Vec::new();
    let mut logs = Vec::new();
    for u in ["a", "b", "c", "d", "e"] {
        let (client, events) = logged_in(&system, u).await;
        logs.push(record_counts(events, start));
        let room = client.create_channel("room").unwrap();
        clients.push((client, room));
    }
    for (_, room) in &clients[..4] {
        room.join().await.unwrap(); // all at t = 0
    }
    sleep_until(at(start, 1_500)).await;
    clients[4].1.join().await.unwrap(); // 5 members
    sleep_until(at(start, 4_500)).await;
    clients[4].1.leave().await.unwrap(); // 4 members, still above 3
    sleep_until(at(start, 7_500)).await;
    clients[3].1.leave().await.unwrap(); // 3 members
    sleep_until(at(start, 10_000)).await;

    assert_eq!(
        *logs[0].lock().unwrap(),
        vec![(0, 1), (1_000, 4), (4_000, 5), (7_000, 4), (8_000, 3)]
    );
    assert_eq!(
        *logs[3].lock().unwrap(),
        vec![(0, 4), (4_000, 5), (7_000, 4)]
    );
    assert_eq!(*logs[4].lock().unwrap(), vec![(1_500, 5)]);
    let count = clients[0]
        .0
        .get_channel_member_count(&["room"])
        .await
        .unwrap();
    assert_eq!(count[0].count, 3);
    assert_eq!(logs[0].lock().unwrap().last().unwrap().1, 3);
}

/// A join and a leave within one interval leave the count where it was: no update is sent.
#[tokio::test(start_paused = true)]
async fn member_count_update_is_skipped_when_the_count_is_back_to_its_last_value() {
    let system = system();
    let start = Instant::now();
    let (a, a_events) = logged_in(&system, "a").await;
    let a_log = record_counts(a_events, start);
    a.create_channel("room").unwrap().join().await.unwrap();
    sleep_until(at(start, 200)).await;
    let (_b, _, b_room) = member(&system, "b", "room").await;
    sleep_until(at(start, 400)).await;
    b_room.leave().await.unwrap();
    sleep_until(at(start, 5_000)).await;
    assert_eq!(*a_log.lock().unwrap(), vec![(0, 1)]);
}

// ---------------------------------------------------------------------------------------------
// Logout and release
// ---------------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn logout_removes_the_user_from_its_channels() {
    let system = system();
    let (_alice, mut alice_events, _) = member(&system, "alice", "room").await;
    let (bob, _, bob_room) = member(&system, "bob", "room").await;
    bob.create_channel("other").unwrap().join().await.unwrap();
    let _ = events_of(&mut alice_events, "room").await;

    bob.logout().await.unwrap();
    assert_eq!(
        member_events(&events_of(&mut alice_events, "room").await),
        vec!["left bob"]
    );
    assert_eq!(system.channel_members(APP, "room"), vec!["alice"]);
    assert!(system.channel_members(APP, "other").is_empty());
    assert!(!bob_room.is_joined());
}

/// Releasing a joined channel object leaves the channel; other members see MemberLeft.
#[tokio::test(start_paused = true)]
async fn release_of_a_joined_channel_leaves_it() {
    let system = system();
    let (_alice, mut alice_events, _) = member(&system, "alice", "room").await;
    let (bob, _, bob_room) = member(&system, "bob", "room").await;
    let _ = events_of(&mut alice_events, "room").await;

    bob_room.release();
    assert_eq!(
        member_events(&events_of(&mut alice_events, "room").await),
        vec!["left bob"]
    );
    assert_eq!(system.channel_members(APP, "room"), vec!["alice"]);
    // A new object for the same id starts out of the channel and can join again.
    let again = bob.create_channel("room").unwrap();
    assert!(!again.is_joined());
    again.join().await.unwrap();
    assert_eq!(system.channel_members(APP, "room"), vec!["alice", "bob"]);
}

#[tokio::test(start_paused = true)]
async fn released_channel_calls_fail_with_not_initialized() {
    let system = system();
    let (_alice, _, room) = member(&system, "alice", "room").await;
    room.release();
    settle().await;

    let join = room.join().await.unwrap_err();
    assert_eq!(
        (join.kind(), join.code()),
        (JoinChannelErr::NotInitialized, 101)
    );
    let leave = room.leave().await.unwrap_err();
    assert_eq!(
        (leave.kind(), leave.code()),
        (LeaveChannelErr::NotInitialized, 101)
    );
    let send = room
        .send_message(&text("x"), SendMessageOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        (send.kind(), send.code()),
        (ChannelMessageErrCode::NotInitialized, 101)
    );
    let members = room.get_members().await.unwrap_err();
    assert_eq!(
        (members.kind(), members.code()),
        (GetMembersErr::NotInitialized, 101)
    );
}

// ---------------------------------------------------------------------------------------------
// get_channel_member_count
// ---------------------------------------------------------------------------------------------

/// Counts come in the order asked, 0 for a channel nobody is in, and need no membership.
#[tokio::test(start_paused = true)]
async fn get_channel_member_count_counts_in_order_without_joining() {
    let system = system();
    let mut keep = Vec::new();
    for (u, ch) in [("a", "two"), ("b", "two"), ("c", "one"), ("d", "three")] {
        keep.push(member(&system, u, ch).await);
    }
    keep.push(member(&system, "e", "three").await);
    keep.push(member(&system, "f", "three").await);
    let (outsider, _) = logged_in(&system, "outsider").await;
    let counts = outsider
        .get_channel_member_count(&["three", "nobody", "one", "two"])
        .await
        .unwrap();
    let expected: Vec<ChannelMemberCount> = [("three", 3), ("nobody", 0), ("one", 1), ("two", 2)]
        .into_iter()
        .map(|(c, n)| ChannelMemberCount {
            channel_id: c.to_string(),
            count: n,
        })
        .collect();
    assert_eq!(counts, expected);
}

#[tokio::test(start_paused = true)]
async fn get_channel_member_count_of_33_channels_fails_with_exceed_limit() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let ids: Vec<String> = (0..33).map(|i| format!("ch{i}")).collect();
    let err = alice.get_channel_member_count(&ids).await.unwrap_err();
    assert_eq!(err.kind(), GetChannelMemberCountErrCode::ExceedLimit);
    assert_eq!(err.code(), 5);
    // 32 is fine.
    assert_eq!(
        alice
            .get_channel_member_count(&ids[..32])
            .await
            .unwrap()
            .len(),
        32
    );
}

#[tokio::test(start_paused = true)]
async fn get_channel_member_count_with_an_invalid_id_fails_with_invalid_argument() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let err = alice
        .get_channel_member_count(&["fine", "not/fine"])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), GetChannelMemberCountErrCode::InvalidArgument);
    assert_eq!(err.code(), 2);
}

#[tokio::test(start_paused = true)]
async fn get_channel_member_count_of_no_channels_fails_with_invalid_argument() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let none: [&str; 0] = [];
    let err = alice.get_channel_member_count(&none).await.unwrap_err();
    assert_eq!(err.kind(), GetChannelMemberCountErrCode::InvalidArgument);
    assert_eq!(err.code(), 2);
}

/// One call per second; the second within a second fails with TOO_OFTEN (3).
#[tokio::test(start_paused = true)]
async fn get_channel_member_count_twice_in_a_second_fails_with_too_often() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    alice.get_channel_member_count(&["room"]).await.unwrap();
    sleep(Duration::from_millis(999)).await;
    let err = alice.get_channel_member_count(&["room"]).await.unwrap_err();
    assert_eq!(err.kind(), GetChannelMemberCountErrCode::TooOften);
    assert_eq!(err.code(), 3);
    sleep(Duration::from_millis(1)).await;
    alice.get_channel_member_count(&["room"]).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn get_channel_member_count_when_not_logged_in_fails_with_user_not_logged_in() {
    let system = system();
    let alice = client(&system);
    let err = alice.get_channel_member_count(&["room"]).await.unwrap_err();
    assert_eq!(err.kind(), GetChannelMemberCountErrCode::UserNotLoggedIn);
    assert_eq!(err.code(), 102);
}

/// The once-per-interval throttle holds even when a channel empties and fills again while an
/// update is still due: an update scheduled for the old members must not reach the new ones
/// early.
#[tokio::test(start_paused = true)]
async fn member_count_throttle_holds_when_a_channel_empties_and_refills() {
    let system = system();
    let start = Instant::now();
    let (a, _) = logged_in(&system, "a").await;
    let (b, _) = logged_in(&system, "b").await;
    let (c, c_events) = logged_in(&system, "c").await;
    let (d, _) = logged_in(&system, "d").await;
    let c_log = record_counts(c_events, start);
    let a_room = a.create_channel("room").unwrap();
    let b_room = b.create_channel("room").unwrap();
    a_room.join().await.unwrap();
    sleep_until(at(start, 100)).await;
    b_room.join().await.unwrap(); // an update is due at 1 000
    sleep_until(at(start, 200)).await;
    a_room.leave().await.unwrap();
    b_room.leave().await.unwrap(); // empty
    sleep_until(at(start, 500)).await;
    c.create_channel("room").unwrap().join().await.unwrap();
    sleep_until(at(start, 600)).await;
    d.create_channel("room").unwrap().join().await.unwrap();
    sleep_until(at(start, 3_000)).await;
    assert_eq!(*c_log.lock().unwrap(), vec![(500, 1), (1_500, 2)]);
}

// ---------------------------------------------------------------------------------------------
// No answer from the system, and a released client
// ---------------------------------------------------------------------------------------------

/// shim-contract §8: a join the system does not answer fails after 5 s with
/// JOIN_CHANNEL_TIMEOUT (4); the channel is not joined.
#[tokio::test(start_paused = true)]
async fn join_without_an_answer_fails_with_timeout_after_5_seconds() {
    let system = system();
    let (alice, mute) = muted_client(&system, "alice").await;
    let room = alice.create_channel("room").unwrap();
    mute.store(true, Ordering::SeqCst);
    let start = Instant::now();
    let err = room.join().await.unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_secs(5));
    assert_eq!(err.kind(), JoinChannelErr::JoinChannelTimeout);
    assert_eq!(err.code(), 4);
    assert!(!room.is_joined());
}

/// LEAVE_CHANNEL_ERR has no timeout code: a leave the system does not answer fails after 5 s
/// with FAILURE (1) (choice of this core).
#[tokio::test(start_paused = true)]
async fn leave_without_an_answer_fails_with_failure_after_5_seconds() {
    let system = system();
    let (alice, mute) = muted_client(&system, "alice").await;
    let room = alice.create_channel("room").unwrap();
    room.join().await.unwrap();
    mute.store(true, Ordering::SeqCst);
    let start = Instant::now();
    let err = room.leave().await.unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_secs(5));
    assert_eq!(err.kind(), LeaveChannelErr::Failure);
    assert_eq!(err.code(), 1);
}

/// shim-contract §8: a channel message the system does not confirm fails after 10 s with
/// SENT_TIMEOUT (2).
#[tokio::test(start_paused = true)]
async fn channel_message_without_an_answer_fails_with_sent_timeout_after_10_seconds() {
    let system = system();
    let (alice, mute) = muted_client(&system, "alice").await;
    let room = alice.create_channel("room").unwrap();
    room.join().await.unwrap();
    mute.store(true, Ordering::SeqCst);
    let start = Instant::now();
    let err = room
        .send_message(&text("lost"), SendMessageOptions::default())
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_secs(10));
    assert_eq!(err.kind(), ChannelMessageErrCode::SentTimeout);
    assert_eq!(err.code(), 2);
}

#[tokio::test(start_paused = true)]
async fn get_members_without_an_answer_fails_with_timeout_after_5_seconds() {
    let system = system();
    let (alice, mute) = muted_client(&system, "alice").await;
    let room = alice.create_channel("room").unwrap();
    room.join().await.unwrap();
    mute.store(true, Ordering::SeqCst);
    let start = Instant::now();
    let err = room.get_members().await.unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_secs(5));
    assert_eq!(err.kind(), GetMembersErr::Timeout);
    assert_eq!(err.code(), 3);
}

#[tokio::test(start_paused = true)]
async fn get_channel_member_count_without_an_answer_fails_with_timeout_after_5_seconds() {
    let system = system();
    let (alice, mute) = muted_client(&system, "alice").await;
    mute.store(true, Ordering::SeqCst);
    let start = Instant::now();
    let err = alice.get_channel_member_count(&["room"]).await.unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_secs(5));
    assert_eq!(err.kind(), GetChannelMemberCountErrCode::Timeout);
    assert_eq!(err.code(), 4);
}

/// After the client is released, channel calls fail with NOT_INITIALIZED (101), and the user
/// is gone from the channel.
#[tokio::test(start_paused = true)]
async fn channel_calls_of_a_released_client_fail_with_not_initialized() {
    let system = system();
    let (_bob, mut bob_events, _) = member(&system, "bob", "room").await;
    let (alice, _, room) = member(&system, "alice", "room").await;
    let _ = events_of(&mut bob_events, "room").await;
    alice.release();
    assert_eq!(
        member_events(&events_of(&mut bob_events, "room").await),
        vec!["left alice"]
    );

    let err = alice.create_channel("other").err().unwrap();
    assert_eq!(
        (err.kind(), err.code()),
        (CreateChannelErr::NotInitialized, 101)
    );
    let err = room.join().await.unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (JoinChannelErr::NotInitialized, 101)
    );
    let err = room.get_members().await.unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (GetMembersErr::NotInitialized, 101)
    );
    let err = alice.get_channel_member_count(&["room"]).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (GetChannelMemberCountErrCode::NotInitialized, 101)
    );
}
