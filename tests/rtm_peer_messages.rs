//! RTM core peer-to-peer messages: delivery with ids and server timestamps, the offline cache
//! (flag, order, 200-message cap, TTL), id and size rules, end-call texts, the shared send rate
//! limit, ordering and timeouts.

mod common;
use common::LossyConnector;

use common::{client, logged_in, settle, APP};
use sig2rtm::rtm::{
    ChannelMessageErrCode, ConnectionChangeReason, ConnectionState, EventStream, MessageType,
    PeerDelivery, PeerMessageErrCode, RtmClient, RtmEvent, RtmMessage, SendMessageOptions,
    END_CALL_PREFIX, MAX_MESSAGE_BYTES,
};
use sig2rtm::system::{System, SystemConfig};
use sig2rtm::transport::protocol::Request;
use sig2rtm::transport::InProcessConnector;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

// ---------------------------------------------------------------------------------------------
// Helpers

const EPOCH_MS: u64 = 1_700_000_000_000;

fn plain() -> SendMessageOptions {
    SendMessageOptions::default()
}

fn offline() -> SendMessageOptions {
    SendMessageOptions {
        enable_offline_messaging: true,
        ..SendMessageOptions::default()
    }
}

/// The peer messages waiting on `events` as (sender, message), in order; panics on any other
/// event except connection-state changes.
async fn peer_messages(events: &mut EventStream) -> Vec<(String, RtmMessage)> {
    settle().await;
    events
        .drain()
        .into_iter()
        .filter_map(|e| match e {
            RtmEvent::MessageFromPeer { peer_id, message } => Some((peer_id, message)),
            RtmEvent::ConnectionStateChanged { .. } => None,
            other => panic!("unexpected event {other:?}"),
        })
        .collect()
}

fn texts(messages: &[(String, RtmMessage)]) -> Vec<String> {
    messages.iter().map(|(_, m)| m.text().to_string()).collect()
}

// ---------------------------------------------------------------------------------------------
// Delivery

#[tokio::test(start_paused = true)]
async fn text_message_arrives_with_sender_id_text_and_server_timestamp() {
    let system = System::new(SystemConfig {
        epoch_ms: Some(EPOCH_MS),
        ..SystemConfig::default()
    });
    let start = Instant::now();
    let (alice, _a) = logged_in(&system, "alice").await;
    let (_bob, mut bob_events) = logged_in(&system, "bob").await;
    settle().await;
    bob_events.drain();
    tokio::time::sleep(Duration::from_millis(4_321)).await;

    let msg = RtmMessage::from_text("hello bob");
    assert_eq!(msg.server_received_ts(), 0);
    let delivery = alice
        .send_message_to_peer("bob", &msg, plain())
        .await
        .unwrap();
    assert_eq!(delivery, PeerDelivery::Received);
    let expected_ts = EPOCH_MS + start.elapsed().as_millis() as u64;
    assert!(expected_ts >= EPOCH_MS + 4_321);

    let got = peer_messages(&mut bob_events).await;
    assert_eq!(got.len(), 1);
    let (from, m) = &got[0];
    assert_eq!(from, "alice");
    assert_eq!(m.message_id(), msg.message_id());
    assert_eq!(m.message_type(), MessageType::Text);
    assert_eq!(m.text(), "hello bob");
    assert_eq!(m.raw_data(), None);
    assert_eq!(m.server_received_ts(), expected_ts);
    assert!(!m.is_offline_message());
    // The sender's own message object is not stamped.
    assert_eq!(msg.server_received_ts(), 0);
}

#[tokio::test(start_paused = true)]
async fn raw_message_arrives_with_its_bytes_and_description() {
    let system = System::new(SystemConfig {
        epoch_ms: Some(EPOCH_MS),
        ..SystemConfig::default()
    });
    let start = Instant::now();
    let (alice, _a) = logged_in(&system, "alice").await;
    let (_bob, mut bob_events) = logged_in(&system, "bob").await;
    tokio::time::sleep(Duration::from_secs(90)).await;
    settle().await;
    bob_events.drain();

    let bytes: Vec<u8> = (0..=255u8).collect();
    let msg = RtmMessage::from_raw(bytes.clone(), "all the bytes");
    assert_eq!(
        alice
            .send_message_to_peer("bob", &msg, plain())
            .await
            .unwrap(),
        PeerDelivery::Received
    );
    let expected_ts = EPOCH_MS + start.elapsed().as_millis() as u64;
    let got = peer_messages(&mut bob_events).await;
    let [(from, m)] = &got[..] else {
        panic!("{got:?}")
    };
    assert_eq!(from, "alice");
    assert_eq!(m.message_id(), msg.message_id());
    assert_eq!(m.message_type(), MessageType::Raw);
    assert_eq!(m.raw_data(), Some(&bytes[..]));
    assert_eq!(m.text(), "all the bytes");
    assert_eq!(m.server_received_ts(), expected_ts);
    assert!(!m.is_offline_message());
}

#[tokio::test(start_paused = true)]
async fn sender_gets_no_event_for_its_own_peer_message() {
    let system = common::system();
    let (alice, mut alice_events) = logged_in(&system, "alice").await;
    let (_bob, _b) = logged_in(&system, "bob").await;
    settle().await;
    alice_events.drain();
    alice
        .send_message_to_peer("bob", &RtmMessage::from_text("x"), plain())
        .await
        .unwrap();
    assert!(peer_messages(&mut alice_events).await.is_empty());
}

#[tokio::test(start_paused = true)]
async fn message_to_self_is_received_by_the_sender() {
    let system = common::system();
    let (alice, mut alice_events) = logged_in(&system, "alice").await;
    settle().await;
    alice_events.drain();
    let msg = RtmMessage::from_text("note to self");
    assert_eq!(
        alice
            .send_message_to_peer("alice", &msg, plain())
            .await
            .unwrap(),
        PeerDelivery::Received
    );
    let got = peer_messages(&mut alice_events).await;
    let [(from, m)] = &got[..] else {
        panic!("{got:?}")
    };
    assert_eq!(from, "alice");
    assert_eq!(m.message_id(), msg.message_id());
    assert_eq!(m.text(), "note to self");
}

/// The offline flag changes nothing when the peer is online.
#[tokio::test(start_paused = true)]
async fn offline_flag_to_an_online_peer_is_delivered_normally() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    let (_bob, mut bob_events) = logged_in(&system, "bob").await;
    settle().await;
    bob_events.drain();
    let delivery = alice
        .send_message_to_peer("bob", &RtmMessage::from_text("now"), offline())
        .await
        .unwrap();
    assert_eq!(delivery, PeerDelivery::Received);
    let got = peer_messages(&mut bob_events).await;
    assert_eq!(texts(&got), vec!["now"]);
    assert!(!got[0].1.is_offline_message());
    assert_eq!(system.offline_messages_for(APP, "bob"), 0);
}

/// Historical messaging is a private beta in RTM: accepted and ignored.
#[tokio::test(start_paused = true)]
async fn historical_messaging_flag_is_accepted_and_ignored() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    let (_bob, mut bob_events) = logged_in(&system, "bob").await;
    settle().await;
    bob_events.drain();
    let options = SendMessageOptions {
        enable_historical_messaging: true,
        ..SendMessageOptions::default()
    };
    alice
        .send_message_to_peer("bob", &RtmMessage::from_text("h"), options)
        .await
        .unwrap();
    let err = alice
        .send_message_to_peer("nobody", &RtmMessage::from_text("h"), options)
        .await
        .unwrap_err();
    assert_eq!(err.code(), 3);
    assert_eq!(texts(&peer_messages(&mut bob_events).await), vec!["h"]);
}

// ---------------------------------------------------------------------------------------------
// Offline peers and the offline cache

#[tokio::test(start_paused = true)]
async fn message_to_an_offline_peer_without_offline_flag_fails_with_peer_unreachable() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    let err = alice
        .send_message_to_peer("bob", &RtmMessage::from_text("hi"), plain())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), PeerMessageErrCode::PeerUnreachable);
    assert_eq!(err.code(), 3);
    assert_eq!(system.offline_messages_for(APP, "bob"), 0);
    // Nothing is delivered at bob's later login either.
    let (_bob, mut bob_events) = logged_in(&system, "bob").await;
    assert!(peer_messages(&mut bob_events).await.is_empty());
}

#[tokio::test(start_paused = true)]
async fn message_to_a_peer_that_logged_out_fails_with_peer_unreachable() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    let (bob, _b) = logged_in(&system, "bob").await;
    bob.logout().await.unwrap();
    let err = alice
        .send_message_to_peer("bob", &RtmMessage::from_text("hi"), plain())
        .await
        .unwrap_err();
    assert_eq!(err.code(), 3);
}

#[tokio::test(start_paused = true)]
async fn message_to_an_offline_peer_with_offline_flag_is_cached_by_server() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    let delivery = alice
        .send_message_to_peer("bob", &RtmMessage::from_text("hi"), offline())
        .await
        .unwrap();
    assert_eq!(delivery, PeerDelivery::CachedByServer);
    assert_eq!(system.offline_messages_for(APP, "bob"), 1);
}

/// At login the kept messages arrive in the order sent, flagged offline, stamped with the time
/// the server received them, and after the (CONNECTED, LOGIN_SUCCESS) event.
#[tokio::test(start_paused = true)]
async fn cached_messages_arrive_at_login_in_order_after_the_connected_event() {
    let system = System::new(SystemConfig {
        epoch_ms: Some(EPOCH_MS),
        ..SystemConfig::default()
    });
    let start = Instant::now();
    let (alice, _a) = logged_in(&system, "alice").await;
    let (carol, _c) = logged_in(&system, "carol").await;
    let mut sent = Vec::new();
    for (i, sender) in [&alice, &carol, &alice].into_iter().enumerate() {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let m = if i == 1 {
            RtmMessage::from_raw(vec![7u8; 3], format!("m{i}"))
        } else {
            RtmMessage::from_text(format!("m{i}"))
        };
        assert_eq!(
            sender
                .send_message_to_peer("bob", &m, offline())
                .await
                .unwrap(),
            PeerDelivery::CachedByServer
        );
        sent.push((m, EPOCH_MS + start.elapsed().as_millis() as u64));
    }
    tokio::time::sleep(Duration::from_secs(60)).await;

    let bob = client(&system);
    let mut bob_events = bob.subscribe();
    bob.login("", "bob").await.unwrap();
    settle().await;
    let all = bob_events.drain();
    assert_eq!(all.len(), 5, "{all:?}");
    assert!(matches!(
        all[0],
        RtmEvent::ConnectionStateChanged {
            state: ConnectionState::Connecting,
            reason: ConnectionChangeReason::Login
        }
    ));
    assert!(matches!(
        all[1],
        RtmEvent::ConnectionStateChanged {
            state: ConnectionState::Connected,
            reason: ConnectionChangeReason::LoginSuccess
        }
    ));
    let senders = ["alice", "carol", "alice"];
    for (i, event) in all[2..].iter().enumerate() {
        let RtmEvent::MessageFromPeer { peer_id, message } = event else {
            panic!("{event:?}")
        };
        assert_eq!(peer_id, senders[i]);
        assert_eq!(message.text(), format!("m{i}"));
        assert_eq!(message.message_id(), sent[i].0.message_id());
        assert_eq!(message.message_type(), sent[i].0.message_type());
        assert!(message.is_offline_message());
        assert_eq!(message.server_received_ts(), sent[i].1);
    }
    assert_eq!(system.offline_messages_for(APP, "bob"), 0);
}

#[tokio::test(start_paused = true)]
async fn cached_messages_are_delivered_only_once() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    alice
        .send_message_to_peer("bob", &RtmMessage::from_text("once"), offline())
        .await
        .unwrap();
    let (bob, mut bob_events) = logged_in(&system, "bob").await;
    assert_eq!(texts(&peer_messages(&mut bob_events).await), vec!["once"]);
    bob.logout().await.unwrap();
    bob.login("", "bob").await.unwrap();
    assert!(peer_messages(&mut bob_events).await.is_empty());
}

/// Online messages sent after the login are not flagged offline, and follow the kept ones.
#[tokio::test(start_paused = true)]
async fn messages_sent_after_login_follow_the_cached_ones_unflagged() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    alice
        .send_message_to_peer("bob", &RtmMessage::from_text("kept"), offline())
        .await
        .unwrap();
    let (_bob, mut bob_events) = logged_in(&system, "bob").await;
    alice
        .send_message_to_peer("bob", &RtmMessage::from_text("live"), offline())
        .await
        .unwrap();
    let got = peer_messages(&mut bob_events).await;
    assert_eq!(texts(&got), vec!["kept", "live"]);
    assert!(got[0].1.is_offline_message());
    assert!(!got[1].1.is_offline_message());
}

#[tokio::test(start_paused = true)]
async fn offline_cache_keeps_the_newest_200_messages() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    for i in 0..205 {
        let d = alice
            .send_message_to_peer("bob", &RtmMessage::from_text(i.to_string()), offline())
            .await
            .unwrap();
        assert_eq!(d, PeerDelivery::CachedByServer, "message {i}");
    }
    assert_eq!(system.offline_messages_for(APP, "bob"), 200);
    let (_bob, mut bob_events) = logged_in(&system, "bob").await;
    let got = peer_messages(&mut bob_events).await;
    let expected: Vec<String> = (5..205).map(|i| i.to_string()).collect();
    assert_eq!(texts(&got), expected);
    assert!(got.iter().all(|(_, m)| m.is_offline_message()));
}

/// The cap is per receiver: messages kept for one user do not evict another's.
#[tokio::test(start_paused = true)]
async fn offline_cache_cap_is_per_receiver() {
    let system = System::new(SystemConfig {
        offline_cache_per_user: 3,
        ..SystemConfig::default()
    });
    let (alice, _a) = logged_in(&system, "alice").await;
    for i in 0..5 {
        for to in ["bob", "carol"] {
            alice
                .send_message_to_peer(to, &RtmMessage::from_text(format!("{to}{i}")), offline())
                .await
                .unwrap();
        }
    }
    assert_eq!(system.offline_messages_for(APP, "bob"), 3);
    assert_eq!(system.offline_messages_for(APP, "carol"), 3);
    let (_bob, mut bob_events) = logged_in(&system, "bob").await;
    assert_eq!(
        texts(&peer_messages(&mut bob_events).await),
        vec!["bob2", "bob3", "bob4"]
    );
}

#[tokio::test(start_paused = true)]
async fn offline_messages_older_than_the_ttl_are_dropped() {
    let system = System::new(SystemConfig {
        offline_cache_ttl: Duration::from_secs(60),
        ..SystemConfig::default()
    });
    let (alice, _a) = logged_in(&system, "alice").await;
    alice
        .send_message_to_peer("bob", &RtmMessage::from_text("old"), offline())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(30)).await;
    alice
        .send_message_to_peer("bob", &RtmMessage::from_text("recent"), offline())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(31)).await; // "old" is 61 s old, "recent" 31 s
    let (_bob, mut bob_events) = logged_in(&system, "bob").await;
    assert_eq!(texts(&peer_messages(&mut bob_events).await), vec!["recent"]);
}

/// The default TTL is 7 days: a message 1 s short of it is delivered, one 1 s past it is not.
#[tokio::test(start_paused = true)]
async fn offline_messages_are_kept_for_seven_days_by_default() {
    let system = common::system();
    let week = Duration::from_secs(7 * 24 * 3600);
    let (alice, _a) = logged_in(&system, "alice").await;
    alice
        .send_message_to_peer("bob", &RtmMessage::from_text("for bob"), offline())
        .await
        .unwrap();
    alice
        .send_message_to_peer("carol", &RtmMessage::from_text("for carol"), offline())
        .await
        .unwrap();
    // Nobody stays logged in through the week: a connected client pings every second, and a
    // week of pings would take seconds of wall time even in virtual time.
    alice.logout().await.unwrap();
    tokio::time::sleep(week - Duration::from_secs(1)).await;
    let (_bob, mut bob_events) = logged_in(&system, "bob").await;
    assert_eq!(
        texts(&peer_messages(&mut bob_events).await),
        vec!["for bob"]
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (_carol, mut carol_events) = logged_in(&system, "carol").await;
    assert!(peer_messages(&mut carol_events).await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Argument checks

#[tokio::test(start_paused = true)]
async fn message_to_an_invalid_peer_id_fails_with_invalid_userid() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    let long = "p".repeat(65);
    for peer in ["", "null", long.as_str(), "a*b", "a/b", "tab\there"] {
        let err = alice
            .send_message_to_peer(peer, &RtmMessage::from_text("x"), plain())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), PeerMessageErrCode::InvalidUserid, "{peer:?}");
        assert_eq!(err.code(), 6);
    }
    // A 64-byte id and a leading space are valid (the peer is just offline).
    for peer in ["p".repeat(64), " bob".to_string()] {
        let err = alice
            .send_message_to_peer(&peer, &RtmMessage::from_text("x"), plain())
            .await
            .unwrap_err();
        assert_eq!(err.code(), 3, "{peer:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn text_of_exactly_32_kb_is_delivered_and_one_byte_more_is_invalid() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    let (_bob, mut bob_events) = logged_in(&system, "bob").await;
    settle().await;
    bob_events.drain();
    assert_eq!(MAX_MESSAGE_BYTES, 32 * 1024);

    let full = "x".repeat(32 * 1024);
    alice
        .send_message_to_peer("bob", &RtmMessage::from_text(full.clone()), plain())
        .await
        .unwrap();
    let got = peer_messages(&mut bob_events).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1.text(), full);

    let err = alice
        .send_message_to_peer(
            "bob",
            &RtmMessage::from_text("x".repeat(32 * 1024 + 1)),
            plain(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), PeerMessageErrCode::InvalidMessage);
    assert_eq!(err.code(), 7);
    // Bytes count, not characters: 16 385 two-byte characters are 32 770 bytes.
    let err = alice
        .send_message_to_peer("bob", &RtmMessage::from_text("é".repeat(16_385)), plain())
        .await
        .unwrap_err();
    assert_eq!(err.code(), 7);
    assert!(peer_messages(&mut bob_events).await.is_empty());
}

#[tokio::test(start_paused = true)]
async fn raw_data_plus_description_counts_toward_32_kb() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    let (_bob, mut bob_events) = logged_in(&system, "bob").await;
    settle().await;
    bob_events.drain();

    let ok = RtmMessage::from_raw(vec![1u8; 32 * 1024 - 100], "d".repeat(100));
    alice
        .send_message_to_peer("bob", &ok, plain())
        .await
        .unwrap();
    let only_data = RtmMessage::from_raw(vec![2u8; 32 * 1024], "");
    alice
        .send_message_to_peer("bob", &only_data, plain())
        .await
        .unwrap();
    let got = peer_messages(&mut bob_events).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].1.raw_data().map(<[u8]>::len), Some(32 * 1024 - 100));
    assert_eq!(got[1].1.raw_data().map(<[u8]>::len), Some(32 * 1024));

    for too_big in [
        RtmMessage::from_raw(vec![1u8; 32 * 1024 - 100], "d".repeat(101)),
        RtmMessage::from_raw(vec![1u8; 32 * 1024 + 1], ""),
    ] {
        let err = alice
            .send_message_to_peer("bob", &too_big, plain())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), PeerMessageErrCode::InvalidMessage);
        assert_eq!(err.code(), 7);
    }
    // Too big for the offline cache too: refused before anything is kept.
    let err = alice
        .send_message_to_peer(
            "nobody",
            &RtmMessage::from_text("x".repeat(32 * 1024 + 1)),
            offline(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), 7);
    assert_eq!(system.offline_messages_for(APP, "nobody"), 0);
}

#[tokio::test(start_paused = true)]
async fn well_formed_end_call_text_is_delivered_as_a_peer_message() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    let (_bob, mut bob_events) = logged_in(&system, "bob").await;
    settle().await;
    bob_events.drain();
    let with_extra = format!("{END_CALL_PREFIX}_room_extra");
    let empty_extra = format!("{END_CALL_PREFIX}_room-2_");
    assert_eq!(
        with_extra,
        "AgoraRTMLegacyEndcallCompatibleMessagePrefix_room_extra"
    );
    for text in [&with_extra, &empty_extra] {
        let delivery = alice
            .send_message_to_peer("bob", &RtmMessage::from_text(text.as_str()), plain())
            .await
            .unwrap();
        assert_eq!(delivery, PeerDelivery::Received);
    }
    let got = peer_messages(&mut bob_events).await;
    assert_eq!(texts(&got), vec![with_extra, empty_extra]);
    assert!(got
        .iter()
        .all(|(from, m)| from == "alice" && !m.is_offline_message()));
}

#[tokio::test(start_paused = true)]
async fn malformed_end_call_text_fails_with_invalid_message() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    let (_bob, mut bob_events) = logged_in(&system, "bob").await;
    settle().await;
    bob_events.drain();
    let p = END_CALL_PREFIX;
    let malformed = [
        p.to_string(),               // no channel
        format!("{p}_room"),         // only one underscore
        format!("{p}__extra"),       // empty channel id
        format!("{p}_bad*id_extra"), // channel id with a forbidden character
        format!("{p}_null_extra"),   // reserved channel id
        format!("{p}_{}_extra", "c".repeat(65)),
        format!("{p}X_room_extra"), // starts with the prefix but the first piece differs
    ];
    for text in &malformed {
        let err = alice
            .send_message_to_peer("bob", &RtmMessage::from_text(text.as_str()), plain())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), PeerMessageErrCode::InvalidMessage, "{text:?}");
        assert_eq!(err.code(), 7);
    }
    assert!(peer_messages(&mut bob_events).await.is_empty());
}

/// Only text peer messages are checked: a raw message whose description looks like a malformed
/// end-call text, or the prefix in the middle of a text, is an ordinary message.
#[tokio::test(start_paused = true)]
async fn end_call_rules_apply_only_to_texts_that_start_with_the_prefix() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    let (_bob, mut bob_events) = logged_in(&system, "bob").await;
    settle().await;
    bob_events.drain();
    alice
        .send_message_to_peer(
            "bob",
            &RtmMessage::from_raw(vec![1], END_CALL_PREFIX),
            plain(),
        )
        .await
        .unwrap();
    alice
        .send_message_to_peer(
            "bob",
            &RtmMessage::from_text(format!("see {END_CALL_PREFIX}")),
            plain(),
        )
        .await
        .unwrap();
    assert_eq!(peer_messages(&mut bob_events).await.len(), 2);
}

#[tokio::test(start_paused = true)]
async fn peer_message_when_not_logged_in_fails_with_user_not_logged_in() {
    let system = common::system();
    let (_bob, _b) = logged_in(&system, "bob").await;
    let alice = client(&system);
    let err = alice
        .send_message_to_peer("bob", &RtmMessage::from_text("x"), plain())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), PeerMessageErrCode::UserNotLoggedIn);
    assert_eq!(err.code(), 102);
    alice.login("", "alice").await.unwrap();
    alice.logout().await.unwrap();
    let err = alice
        .send_message_to_peer("bob", &RtmMessage::from_text("x"), plain())
        .await
        .unwrap_err();
    assert_eq!(err.code(), 102);
}

// ---------------------------------------------------------------------------------------------
// Rate limit, order, timeout

#[tokio::test(start_paused = true)]
async fn more_than_1500_sends_in_3_seconds_fail_with_too_often() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    let (_bob, mut bob_events) = logged_in(&system, "bob").await;
    for i in 0..1500 {
        alice
            .send_message_to_peer("bob", &RtmMessage::from_text(i.to_string()), plain())
            .await
            .unwrap_or_else(|e| panic!("send {i}: {e}"));
    }
    let err = alice
        .send_message_to_peer("bob", &RtmMessage::from_text("one too many"), plain())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), PeerMessageErrCode::TooOften);
    assert_eq!(err.code(), 5);
    // Refused sends are not delivered; the budget is back once the window has passed.
    assert_eq!(peer_messages(&mut bob_events).await.len(), 1500);
    tokio::time::sleep(Duration::from_secs(3)).await;
    alice
        .send_message_to_peer("bob", &RtmMessage::from_text("again"), plain())
        .await
        .unwrap();
}

/// The window slides: sends made 2 s ago still count, those 3 s ago no longer do.
#[tokio::test(start_paused = true)]
async fn send_rate_limit_is_a_sliding_three_second_window() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    let (_bob, _b) = logged_in(&system, "bob").await;
    let send =
        |text: String| alice.send_message_to_peer("bob", &RtmMessage::from_text(text), plain());
    for i in 0..1000 {
        send(format!("a{i}")).await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    for i in 0..500 {
        send(format!("b{i}")).await.unwrap();
    }
    assert_eq!(send("c".into()).await.unwrap_err().code(), 5);
    tokio::time::sleep(Duration::from_secs(1)).await; // the first 1000 leave the window
    for i in 0..1000 {
        send(format!("d{i}")).await.unwrap();
    }
    assert_eq!(send("e".into()).await.unwrap_err().code(), 5);
}

#[tokio::test(start_paused = true)]
async fn channel_sends_use_up_the_peer_send_budget() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    let (_bob, _b) = logged_in(&system, "bob").await;
    let room = alice.create_channel("room").unwrap();
    room.join().await.unwrap();
    for i in 0..1000 {
        room.send_message(&RtmMessage::from_text(format!("c{i}")), plain())
            .await
            .unwrap();
    }
    for i in 0..500 {
        alice
            .send_message_to_peer("bob", &RtmMessage::from_text(format!("p{i}")), plain())
            .await
            .unwrap();
    }
    let err = alice
        .send_message_to_peer("bob", &RtmMessage::from_text("p"), plain())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), PeerMessageErrCode::TooOften);
    assert_eq!(err.code(), 5);
    let err = room
        .send_message(&RtmMessage::from_text("c"), plain())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ChannelMessageErrCode::TooOften);
    assert_eq!(err.code(), 3);
}

/// The limit is per client: another client of the same app still has its whole budget.
#[tokio::test(start_paused = true)]
async fn send_rate_limit_is_per_client() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    let (carol, _c) = logged_in(&system, "carol").await;
    let (_bob, _b) = logged_in(&system, "bob").await;
    for i in 0..1500 {
        alice
            .send_message_to_peer("bob", &RtmMessage::from_text(i.to_string()), plain())
            .await
            .unwrap();
    }
    assert_eq!(
        alice
            .send_message_to_peer("bob", &RtmMessage::from_text("x"), plain())
            .await
            .unwrap_err()
            .code(),
        5
    );
    carol
        .send_message_to_peer("bob", &RtmMessage::from_text("x"), plain())
        .await
        .unwrap();
}

/// Sends that fail a local check (bad id, too big, not logged in) use no budget.
#[tokio::test(start_paused = true)]
async fn refused_sends_do_not_use_the_send_budget() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    let (_bob, _b) = logged_in(&system, "bob").await;
    for _ in 0..100 {
        let _ = alice
            .send_message_to_peer("a*b", &RtmMessage::from_text("x"), plain())
            .await;
        let _ = alice
            .send_message_to_peer("bob", &RtmMessage::from_text("x".repeat(40_000)), plain())
            .await;
    }
    for i in 0..1500 {
        alice
            .send_message_to_peer("bob", &RtmMessage::from_text(i.to_string()), plain())
            .await
            .unwrap_or_else(|e| panic!("send {i}: {e}"));
    }
}

/// 1000 sends started back to back (their futures awaited only afterwards) arrive in order.
#[tokio::test(start_paused = true)]
async fn order_is_preserved_across_1000_messages() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    let (_bob, mut bob_events) = logged_in(&system, "bob").await;
    settle().await;
    bob_events.drain();
    let pending: Vec<_> = (0..1000)
        .map(|i| alice.send_message_to_peer("bob", &RtmMessage::from_text(i.to_string()), plain()))
        .collect();
    // Await them in reverse, so completion order cannot be what orders delivery.
    for send in pending.into_iter().rev() {
        assert_eq!(send.await.unwrap(), PeerDelivery::Received);
    }
    let got = peer_messages(&mut bob_events).await;
    let expected: Vec<String> = (0..1000).map(|i| i.to_string()).collect();
    assert_eq!(texts(&got), expected);
    let ids: Vec<u64> = got.iter().map(|(_, m)| m.message_id()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "message ids increase");
}

/// Ordering also holds across the offline cache and several senders interleaved.
#[tokio::test(start_paused = true)]
async fn interleaved_senders_are_delivered_in_send_order() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    let (carol, _c) = logged_in(&system, "carol").await;
    let (_bob, mut bob_events) = logged_in(&system, "bob").await;
    settle().await;
    bob_events.drain();
    for i in 0..50 {
        let (from, who) = if i % 3 == 0 {
            (&carol, "carol")
        } else {
            (&alice, "alice")
        };
        from.send_message_to_peer("bob", &RtmMessage::from_text(format!("{who}{i}")), plain())
            .await
            .unwrap();
    }
    let got = peer_messages(&mut bob_events).await;
    assert_eq!(got.len(), 50);
    for (i, (from, m)) in got.iter().enumerate() {
        let who = if i % 3 == 0 { "carol" } else { "alice" };
        assert_eq!(from, who);
        assert_eq!(m.text(), format!("{who}{i}"));
    }
}

/// A send the system never confirms fails with SENT_TIMEOUT (2) after 10 s.
#[tokio::test(start_paused = true)]
async fn unconfirmed_peer_message_fails_with_sent_timeout_after_ten_seconds() {
    let system = common::system();
    let (_bob, _b) = logged_in(&system, "bob").await;
    let alice = RtmClient::builder(APP)
        .connector(Arc::new(LossyConnector {
            inner: InProcessConnector::new(system.clone()),
            drop_if: |r| matches!(r, Request::SendPeer { .. }),
        }))
        .build()
        .unwrap();
    alice.login("", "alice").await.unwrap();
    let start = Instant::now();
    let err = alice
        .send_message_to_peer("bob", &RtmMessage::from_text("lost"), plain())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), PeerMessageErrCode::SentTimeout);
    assert_eq!(err.code(), 2);
    assert_eq!(start.elapsed(), Duration::from_secs(10));
    assert_eq!(alice.connection_state(), ConnectionState::Connected);
}

/// A send in flight when the sender is kicked by a remote login ends with FAILURE (1) at once,
/// not after the timeout.
#[tokio::test(start_paused = true)]
async fn send_in_flight_fails_when_the_sender_is_kicked() {
    let system = common::system();
    let (_bob, _b) = logged_in(&system, "bob").await;
    let alice = RtmClient::builder(APP)
        .connector(Arc::new(LossyConnector {
            inner: InProcessConnector::new(system.clone()),
            drop_if: |r| matches!(r, Request::SendPeer { .. }),
        }))
        .build()
        .unwrap();
    alice.login("", "alice").await.unwrap();
    let start = Instant::now();
    let pending = alice.send_message_to_peer("bob", &RtmMessage::from_text("x"), plain());
    let (_alice2, _a2) = logged_in(&system, "alice").await;
    let err = pending.await.unwrap_err();
    assert_eq!(err.kind(), PeerMessageErrCode::Failure);
    assert_eq!(err.code(), 1);
    assert!(start.elapsed() < Duration::from_secs(1));
}
