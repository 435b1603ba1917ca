//! The RTM core's connection lifecycle under faults (spec/rtm-1x.md §2.3, §2.4, §4.3), all in
//! virtual time: every state transition with its reason, link loss and reconnection, the
//! system's presence grace as the other users see it, recovery of peer and channel messages,
//! kicks and bans, and operations issued while the link is down.
//!
//! Timing: a logged-in client pings every second, starting one second after its login; tests
//! cut links half a second after a ping so the last sign of life is known exactly.

mod common;

use common::{logged_in, settle, APP};
use sig2rtm::rtm::{
    AttributeOperationErr, ChannelEvent, ClientConfig, ConnectionChangeReason as Reason,
    ConnectionState as State, EventStream, LoginErrCode, PeerDelivery, PeerMessageErrCode,
    PeerOnlineState, RtmAttribute, RtmClient, RtmEvent, RtmMessage, SendMessageOptions,
};
use sig2rtm::system::{System, SystemConfig};
use sig2rtm::transport::{Connector, InProcessConnector, Link};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::{sleep, Instant};

// ---------------------------------------------------------------------------------------------
// Helpers

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

fn system() -> System {
    common::system()
}

fn plain() -> SendMessageOptions {
    SendMessageOptions::default()
}

fn offline() -> SendMessageOptions {
    SendMessageOptions {
        enable_offline_messaging: true,
        ..SendMessageOptions::default()
    }
}

/// Events with the time (since `t0`) at which they were read.
async fn timed(events: &mut EventStream, t0: Instant, d: Duration) -> Vec<(Duration, RtmEvent)> {
    let deadline = Instant::now() + d;
    let mut out = Vec::new();
    while let Ok(Some(e)) = tokio::time::timeout_at(deadline, events.recv()).await {
        out.push((t0.elapsed(), e));
    }
    out
}

fn state_changes(events: &[RtmEvent]) -> Vec<(State, Reason)> {
    events
        .iter()
        .filter_map(|e| match e {
            RtmEvent::ConnectionStateChanged { state, reason } => Some((*state, *reason)),
            _ => None,
        })
        .collect()
}

fn timed_states(events: &[(Duration, RtmEvent)]) -> Vec<(Duration, State, Reason)> {
    events
        .iter()
        .filter_map(|(t, e)| match e {
            RtmEvent::ConnectionStateChanged { state, reason } => Some((*t, *state, *reason)),
            _ => None,
        })
        .collect()
}

/// Peer messages among `events` as (sender, text).
fn peer_texts(events: &[RtmEvent]) -> Vec<(String, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            RtmEvent::MessageFromPeer { peer_id, message } => {
                Some((peer_id.clone(), message.text().to_string()))
            }
            _ => None,
        })
        .collect()
}

/// Channel events among `events` as short texts.
fn channel_texts(events: &[RtmEvent], channel: &str) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            RtmEvent::Channel { channel_id, event } if channel_id == channel => Some(match event {
                ChannelEvent::MemberJoined { user_id } => format!("joined {user_id}"),
                ChannelEvent::MemberLeft { user_id } => format!("left {user_id}"),
                ChannelEvent::MemberCountUpdated(n) => format!("count {n}"),
                ChannelEvent::AttributesUpdated(a) => format!("attributes {}", a.len()),
                ChannelEvent::MessageReceived { user_id, message } => {
                    format!("message {user_id}: {}", message.text())
                }
            }),
            _ => None,
        })
        .collect()
}

fn member_texts(events: &[RtmEvent], channel: &str) -> Vec<String> {
    channel_texts(events, channel)
        .into_iter()
        .filter(|t| t.starts_with("joined") || t.starts_with("left"))
        .collect()
}

fn statuses(events: &[(Duration, RtmEvent)]) -> Vec<(Duration, String, PeerOnlineState)> {
    events
        .iter()
        .flat_map(|(t, e)| match e {
            RtmEvent::PeersOnlineStatusChanged(list) => list
                .iter()
                .map(|s| (*t, s.peer_id.clone(), s.online_state))
                .collect(),
            _ => Vec::new(),
        })
        .collect()
}

/// Waits (in virtual time, at most `max`) until `client` reaches `state`.
async fn until_state(client: &RtmClient, state: State, max: Duration) {
    let deadline = Instant::now() + max;
    while client.connection_state() != state {
        assert!(
            Instant::now() < deadline,
            "still {:?} after {max:?}, expected {state:?}",
            client.connection_state()
        );
        sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until `client` has reported the outage and is back.
async fn until_back(client: &RtmClient) {
    until_state(client, State::Reconnecting, secs(10.0)).await;
    until_state(client, State::Connected, secs(60.0)).await;
}

/// A logged-in client whose event stream has been emptied.
async fn quiet(system: &System, user: &str) -> (RtmClient, EventStream) {
    let (c, mut events) = logged_in(system, user).await;
    settle().await;
    events.drain();
    (c, events)
}

/// A client of [`APP`] whose connector counts the links it opens.
fn counted_client(system: &System) -> (RtmClient, Arc<AtomicUsize>) {
    struct Counting {
        inner: InProcessConnector,
        opened: Arc<AtomicUsize>,
    }
    #[async_trait::async_trait]
    impl Connector for Counting {
        async fn connect(&self) -> std::io::Result<Link> {
            self.opened.fetch_add(1, Ordering::SeqCst);
            self.inner.connect().await
        }
        fn describe(&self) -> String {
            "counting link".into()
        }
    }
    let opened = Arc::new(AtomicUsize::new(0));
    let c = RtmClient::builder(APP)
        .connector(Arc::new(Counting {
            inner: InProcessConnector::new(system.clone()),
            opened: opened.clone(),
        }))
        .build()
        .unwrap();
    (c, opened)
}

// ---------------------------------------------------------------------------------------------
// §2.3: every transition with its reason

/// Login, an outage longer than 4 s, the return, and logout: the whole state machine of a
/// session, in order, each change with its reason — and no second login success.
#[tokio::test(start_paused = true)]
async fn session_walks_through_connecting_connected_reconnecting_connected_disconnected() {
    let system = system();
    let t0 = Instant::now();
    let alice = common::client(&system);
    let mut events = alice.subscribe();
    alice.login("", "alice").await.unwrap();
    sleep(secs(10.5)).await;
    system.cut_user_for(APP, "alice", secs(10.0));
    let seen = timed(&mut events, t0, secs(30.0)).await;
    alice.logout().await.unwrap();
    settle().await;
    let mut all: Vec<RtmEvent> = seen.iter().map(|(_, e)| e.clone()).collect();
    all.extend(events.drain());
    assert_eq!(
        state_changes(&all),
        vec![
            (State::Connecting, Reason::Login),
            (State::Connected, Reason::LoginSuccess),
            (State::Reconnecting, Reason::Interrupted),
            (State::Connected, Reason::LoginSuccess),
            (State::Disconnected, Reason::Logout),
        ]
    );
    // The outage is reported 4 s after the last sign of life (the ping at 10 s) …
    let times = timed_states(&seen);
    assert_eq!(times[2].0, secs(14.0), "{times:?}");
    // … and the session is back soon after the cut ends (at 20.5 s).
    assert!(
        times[3].0 > secs(20.5) && times[3].0 < secs(24.0),
        "{times:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn login_while_the_network_is_cut_times_out_with_login_timeout() {
    let system = system();
    system.cut_user(APP, "alice");
    let alice = common::client(&system);
    let mut events = alice.subscribe();
    let start = Instant::now();
    let err = alice.login("", "alice").await.unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_secs(6));
    assert_eq!((err.kind(), err.code()), (LoginErrCode::Timeout, 9));
    settle().await;
    assert_eq!(
        state_changes(&events.drain()),
        vec![
            (State::Connecting, Reason::Login),
            (State::Disconnected, Reason::LoginTimeout)
        ]
    );
    // Once the network is back, a new login works.
    system.restore_user(APP, "alice");
    alice.login("", "alice").await.unwrap();
    assert_eq!(system.online_users(APP), vec!["alice".to_string()]);
}

/// RECONNECTING comes when the link has been down for 4 s, not before.
#[tokio::test(start_paused = true)]
async fn link_down_for_4_seconds_reports_reconnecting_interrupted() {
    let system = system();
    let (alice, mut events) = quiet(&system, "alice").await;
    sleep(secs(10.5)).await;
    system.cut_user(APP, "alice");
    let t_cut = Instant::now();
    sleep(secs(3.4)).await;
    assert_eq!(alice.connection_state(), State::Connected);
    assert!(events.drain().is_empty());
    sleep(secs(0.2)).await; // 4 s after the last ping answered
    assert_eq!(alice.connection_state(), State::Reconnecting);
    assert_eq!(
        state_changes(&events.drain()),
        vec![(State::Reconnecting, Reason::Interrupted)]
    );
    assert!(t_cut.elapsed() < secs(4.0));
}

/// A glitch shorter than the detection window is repaired on a new link without the app
/// seeing any change.
#[tokio::test(start_paused = true)]
async fn short_outage_is_repaired_without_any_state_change() {
    let system = system();
    let (alice, mut alice_events) = quiet(&system, "alice").await;
    let (bob, mut bob_events) = quiet(&system, "bob").await;
    let room = alice.create_channel("room").unwrap();
    room.join().await.unwrap();
    bob.create_channel("room").unwrap().join().await.unwrap();
    bob.subscribe_peers_online_status(&["alice"]).await.unwrap();
    settle().await;
    alice_events.drain();
    bob_events.drain();

    sleep(secs(10.5)).await;
    system.cut_user_for(APP, "alice", secs(1.0));
    let later = common::events_within(&mut alice_events, secs(30.0)).await;
    assert!(state_changes(&later).is_empty(), "{later:?}");
    assert_eq!(alice.connection_state(), State::Connected);
    let bob_saw = common::events_within(&mut bob_events, secs(0.1)).await;
    assert!(bob_saw.is_empty(), "{bob_saw:?}");
    // The session went on: same membership, messages still flow.
    assert!(room.is_joined());
    bob.send_message_to_peer("alice", &RtmMessage::from_text("still there?"), plain())
        .await
        .unwrap();
    settle().await;
    assert_eq!(
        peer_texts(&alice_events.drain()),
        vec![("bob".to_string(), "still there?".to_string())]
    );
}

/// The client retries until it is back, however long that takes (with a bounded pause), and
/// reports the return once.
#[tokio::test(start_paused = true)]
async fn reconnection_is_retried_until_the_network_is_back() {
    let system = system();
    let (alice, opened) = counted_client(&system);
    let mut events = alice.subscribe();
    alice.login("", "alice").await.unwrap();
    settle().await;
    events.drain();
    sleep(secs(10.5)).await;
    system.cut_user(APP, "alice");
    sleep(Duration::from_secs(300)).await;
    assert_eq!(alice.connection_state(), State::Reconnecting);
    // A new link at least every 3 s (1 s attempt + 2 s pause at most), over 5 minutes.
    let attempts = opened.load(Ordering::SeqCst) - 1;
    assert!(attempts >= 95, "{attempts} attempts");
    system.restore_user(APP, "alice");
    until_state(&alice, State::Connected, secs(3.0)).await;
    settle().await;
    assert_eq!(
        state_changes(&events.drain()),
        vec![
            (State::Reconnecting, Reason::Interrupted),
            (State::Connected, Reason::LoginSuccess)
        ]
    );
}

/// Logout while RECONNECTING: (DISCONNECTED, LOGOUT) at once, no more reconnection attempts;
/// the client says the logout on one fresh link once the network is back, and the system ends
/// the session then.
#[tokio::test(start_paused = true)]
async fn logout_while_reconnecting_stops_the_attempts() {
    let system = system();
    let (alice, opened) = counted_client(&system);
    let mut events = alice.subscribe();
    alice.login("", "alice").await.unwrap();
    sleep(secs(10.5)).await;
    system.cut_user(APP, "alice");
    until_state(&alice, State::Reconnecting, secs(5.0)).await;
    settle().await;
    events.drain();
    let start = Instant::now();
    alice.logout().await.unwrap();
    assert!(start.elapsed() < secs(0.1));
    assert_eq!(alice.connection_state(), State::Disconnected);
    let attempts = opened.load(Ordering::SeqCst);
    system.restore_user(APP, "alice");
    let later = common::events_within(&mut events, secs(60.0)).await;
    assert_eq!(
        state_changes(&later),
        vec![(State::Disconnected, Reason::Logout)]
    );
    // Farewell links opened while the network was cut reached nobody; after the restore one
    // more says the logout, and nothing follows it.
    let after_restore = opened.load(Ordering::SeqCst);
    assert!(
        after_restore > attempts,
        "the logout was said on a fresh link"
    );
    sleep(secs(60.0)).await;
    assert_eq!(opened.load(Ordering::SeqCst), after_restore);
    assert!(system.online_users(APP).is_empty());
    // A new login is possible.
    alice.login("", "alice").await.unwrap();
}

/// Logout while the link is down ends the session as soon as the system hears of it: here one
/// second after the network is back, not at the end of the 30 s grace. Subscribers see OFFLINE
/// then, and the message the client never got waits for its next login.
#[tokio::test(start_paused = true)]
async fn logout_while_the_link_is_down_ends_the_session_once_the_system_hears_of_it() {
    let system = system();
    let (alice, _a) = logged_in(&system, "alice").await;
    let (bob, mut bob_events) = logged_in(&system, "bob").await;
    bob.subscribe_peers_online_status(&["alice"]).await.unwrap();
    settle().await;
    bob_events.drain();
    system.cut_user(APP, "alice");
    // The client gives the silent link up after 2 s; the system still holds the session.
    sleep(secs(3.0)).await;
    let kept = bob
        .send_message_to_peer("alice", &RtmMessage::from_text("while away"), plain())
        .await;
    assert_eq!(kept, Ok(PeerDelivery::CachedByServer));
    let start = Instant::now();
    alice.logout().await.unwrap();
    assert!(start.elapsed() < secs(0.1), "the client does not wait");
    assert_eq!(alice.connection_state(), State::Disconnected);
    assert_eq!(
        system.online_users(APP),
        ["alice", "bob"],
        "nobody told the system yet"
    );

    system.restore_user(APP, "alice");
    let restored = Instant::now();
    while system.online_users(APP) != ["bob"] {
        assert!(restored.elapsed() < secs(5.0), "the session still stands");
        sleep(secs(0.1)).await;
    }
    assert!(restored.elapsed() < secs(5.0));
    let offline_within = restored.elapsed() + secs(0.5);
    let seen = common::events_within(&mut bob_events, offline_within).await;
    let states: Vec<PeerOnlineState> = seen
        .iter()
        .filter_map(|e| match e {
            RtmEvent::PeersOnlineStatusChanged(l) => Some(l[0].online_state),
            _ => None,
        })
        .collect();
    assert_eq!(states.last(), Some(&PeerOnlineState::Offline), "{seen:?}");

    // The message alice never received is delivered at her next login.
    let mut a = alice.subscribe();
    alice.login("", "alice").await.unwrap();
    let texts = peer_texts(&common::events_within(&mut a, secs(1.0)).await);
    assert_eq!(texts, [("bob".to_string(), "while away".to_string())]);
}

#[tokio::test(start_paused = true)]
async fn cut_of_everyone_reconnects_everyone() {
    let system = system();
    let (alice, mut a) = quiet(&system, "alice").await;
    let (bob, mut b) = quiet(&system, "bob").await;
    sleep(secs(10.5)).await;
    system.cut_all_for(secs(10.0));
    sleep(secs(20.0)).await;
    for (c, events) in [(&alice, &mut a), (&bob, &mut b)] {
        assert_eq!(c.connection_state(), State::Connected);
        assert_eq!(
            state_changes(&events.drain()),
            vec![
                (State::Reconnecting, Reason::Interrupted),
                (State::Connected, Reason::LoginSuccess)
            ]
        );
    }
    assert_eq!(
        bob.send_message_to_peer("alice", &RtmMessage::from_text("hi"), plain())
            .await
            .unwrap(),
        PeerDelivery::Received
    );
}

/// A slow link (under half a second each way) just makes everything later; nothing breaks.
#[tokio::test(start_paused = true)]
async fn small_delay_makes_messages_late_without_reconnecting() {
    let system = system();
    let (alice, mut alice_events) = quiet(&system, "alice").await;
    let (bob, _b) = quiet(&system, "bob").await;
    system.delay_user(APP, "alice", Duration::from_millis(300));
    sleep(secs(5.0)).await;
    let start = Instant::now();
    let delivered = bob
        .send_message_to_peer("alice", &RtmMessage::from_text("slow"), plain())
        .await
        .unwrap();
    // Received once alice's acknowledgement came back: 300 ms there, 300 ms back.
    assert_eq!(delivered, PeerDelivery::Received);
    assert_eq!(start.elapsed(), Duration::from_millis(600));
    let later = common::events_within(&mut alice_events, secs(30.0)).await;
    assert!(state_changes(&later).is_empty(), "{later:?}");
    assert_eq!(peer_texts(&later), vec![("bob".into(), "slow".into())]);
    assert_eq!(alice.connection_state(), State::Connected);
    system.restore_user(APP, "alice");
    let start = Instant::now();
    bob.send_message_to_peer("alice", &RtmMessage::from_text("fast"), plain())
        .await
        .unwrap();
    assert!(start.elapsed() < Duration::from_millis(10));
}

/// A link slower than the client's patience is replaced, and the outage is reported.
#[tokio::test(start_paused = true)]
async fn delay_longer_than_the_link_timeout_makes_the_client_reconnect() {
    let system = system();
    let (alice, mut events) = quiet(&system, "alice").await;
    system.delay_user(APP, "alice", secs(3.0));
    until_state(&alice, State::Reconnecting, secs(10.0)).await;
    system.restore_user(APP, "alice");
    until_state(&alice, State::Connected, secs(5.0)).await;
    settle().await;
    assert_eq!(
        state_changes(&events.drain()),
        vec![
            (State::Reconnecting, Reason::Interrupted),
            (State::Connected, Reason::LoginSuccess)
        ]
    );
    assert_eq!(system.online_users(APP), vec!["alice".to_string()]);
}

// ---------------------------------------------------------------------------------------------
// Kicks: remote login and ban

/// The same user logs in elsewhere while this client is away: when it comes back it is told
/// (ABORTED, REMOTE_LOGIN) and does not take the session back — no kick loop.
#[tokio::test(start_paused = true)]
async fn client_back_after_a_remote_login_is_aborted_without_a_kick_loop() {
    let system = system();
    let (first, mut first_events) = quiet(&system, "alice").await;
    sleep(secs(10.5)).await;
    system.cut_user(APP, "alice");
    until_state(&first, State::Reconnecting, secs(5.0)).await;
    // Another client of alice logs in (its network is fine: the cut was of the first device,
    // so lift it just for the second login by restoring after the first gave up its links).
    system.restore_user(APP, "alice");
    let second = common::client(&system);
    let mut second_events = second.subscribe();
    second.login("", "alice").await.unwrap();
    until_state(&first, State::Aborted, secs(5.0)).await;
    settle().await;
    assert_eq!(
        state_changes(&first_events.drain()),
        vec![
            (State::Reconnecting, Reason::Interrupted),
            (State::Aborted, Reason::RemoteLogin)
        ]
    );
    second_events.drain();
    let later_first = common::events_within(&mut first_events, secs(60.0)).await;
    let later_second = common::events_within(&mut second_events, secs(0.1)).await;
    assert!(later_first.is_empty(), "{later_first:?}");
    assert!(later_second.is_empty(), "{later_second:?}");
    assert_eq!(second.connection_state(), State::Connected);
    assert_eq!(system.online_users(APP), vec!["alice".to_string()]);
    // ABORTED needs a logout before a new login.
    assert_eq!(first.login("", "alice").await.unwrap_err().code(), 8);
}

#[tokio::test(start_paused = true)]
async fn ban_aborts_with_banned_by_server_and_refuses_logins_until_unbanned() {
    let system = system();
    let (alice, mut alice_events) = quiet(&system, "alice").await;
    let (bob, mut bob_events) = quiet(&system, "bob").await;
    alice.create_channel("room").unwrap().join().await.unwrap();
    bob.create_channel("room").unwrap().join().await.unwrap();
    bob.subscribe_peers_online_status(&["alice"]).await.unwrap();
    settle().await;
    alice_events.drain();
    bob_events.drain();

    system.ban_user(APP, "alice");
    settle().await;
    assert_eq!(
        state_changes(&alice_events.drain()),
        vec![(State::Aborted, Reason::BannedByServer)]
    );
    let bob_saw = bob_events.drain();
    assert_eq!(member_texts(&bob_saw, "room"), vec!["left alice"]);
    assert!(bob_saw.iter().any(|e| matches!(e,
        RtmEvent::PeersOnlineStatusChanged(l)
            if l[0].peer_id == "alice" && l[0].online_state == PeerOnlineState::Offline)));
    assert!(system.online_users(APP) == vec!["bob".to_string()]);

    // ABORTED: logout first; then the login is refused (REJECTED, 2).
    assert_eq!(alice.login("", "alice").await.unwrap_err().code(), 8);
    alice.logout().await.unwrap();
    let err = alice.login("", "alice").await.unwrap_err();
    assert_eq!((err.kind(), err.code()), (LoginErrCode::Rejected, 2));
    assert_eq!(alice.connection_state(), State::Disconnected);
    system.unban_user(APP, "alice");
    sleep(secs(1.0)).await; // login rate limit: 2 per second
    alice.login("", "alice").await.unwrap();
}

/// A ban while the user is away: its session ends at once, and the client learns it when it
/// tries to resume.
#[tokio::test(start_paused = true)]
async fn ban_during_an_outage_aborts_the_client_when_it_comes_back() {
    let system = system();
    let (alice, mut events) = quiet(&system, "alice").await;
    sleep(secs(10.5)).await;
    system.cut_user(APP, "alice");
    sleep(secs(5.0)).await;
    system.ban_user(APP, "alice");
    assert!(system.online_users(APP).is_empty());
    system.restore_user(APP, "alice");
    until_state(&alice, State::Aborted, secs(5.0)).await;
    settle().await;
    assert_eq!(
        state_changes(&events.drain()),
        vec![
            (State::Reconnecting, Reason::Interrupted),
            (State::Aborted, Reason::BannedByServer)
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Operations while the link is down

/// Operations issued while RECONNECTING wait for the session and then go through.
#[tokio::test(start_paused = true)]
async fn operations_issued_while_reconnecting_are_carried_out_once_back() {
    let system = system();
    let (alice, _a) = quiet(&system, "alice").await;
    let (_bob, mut bob_events) = quiet(&system, "bob").await;
    sleep(secs(10.5)).await;
    system.cut_user_for(APP, "alice", secs(6.0));
    until_state(&alice, State::Reconnecting, secs(5.0)).await;
    let send = tokio::spawn(alice.send_message_to_peer(
        "bob",
        &RtmMessage::from_text("sent while away"),
        plain(),
    ));
    let room = alice.create_channel("room").unwrap();
    let join = tokio::spawn(room.join());
    let start = Instant::now();
    assert_eq!(send.await.unwrap().unwrap(), PeerDelivery::Received);
    join.await.unwrap().unwrap();
    assert!(start.elapsed() < secs(5.0));
    assert!(room.is_joined());
    settle().await;
    assert_eq!(
        peer_texts(&bob_events.drain()),
        vec![("alice".to_string(), "sent while away".to_string())]
    );
}

/// Not back within the operation's timeout: it fails with its TIMEOUT code and is never carried
/// out.
#[tokio::test(start_paused = true)]
async fn operations_waiting_longer_than_their_timeout_fail_and_are_dropped() {
    let system = system();
    let (alice, _a) = quiet(&system, "alice").await;
    let (_bob, mut bob_events) = quiet(&system, "bob").await;
    sleep(secs(10.5)).await;
    system.cut_user(APP, "alice");
    until_state(&alice, State::Reconnecting, secs(5.0)).await;
    let start = Instant::now();
    let err = alice
        .send_message_to_peer("bob", &RtmMessage::from_text("too late"), plain())
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_secs(10));
    assert_eq!(
        (err.kind(), err.code()),
        (PeerMessageErrCode::SentTimeout, 2)
    );
    system.restore_user(APP, "alice");
    until_state(&alice, State::Connected, secs(5.0)).await;
    let later = common::events_within(&mut bob_events, secs(5.0)).await;
    assert!(peer_texts(&later).is_empty(), "{later:?}");
}

// ---------------------------------------------------------------------------------------------
// The presence grace as others see it

/// Back within 30 s: the other members see nothing; the session (channel, attributes,
/// subscriptions) was kept.
#[tokio::test(start_paused = true)]
async fn outage_under_30_seconds_is_invisible_to_channel_members() {
    let system = system();
    let (alice, mut alice_events) = quiet(&system, "alice").await;
    let (bob, mut bob_events) = quiet(&system, "bob").await;
    let room = alice.create_channel("room").unwrap();
    room.join().await.unwrap();
    bob.create_channel("room").unwrap().join().await.unwrap();
    alice
        .set_local_user_attributes(&[RtmAttribute::new("mood", "fine")])
        .await
        .unwrap();
    sleep(secs(2.0)).await;
    alice_events.drain();
    bob_events.drain();

    sleep(secs(8.5)).await;
    system.cut_user_for(APP, "alice", secs(15.0));
    sleep(secs(12.0)).await;
    // In the middle of the outage the system still holds everything.
    assert_eq!(
        system.channel_members(APP, "room"),
        vec!["alice".to_string(), "bob".to_string()]
    );
    assert_eq!(
        system.online_users(APP),
        vec!["alice".to_string(), "bob".to_string()]
    );
    let online = bob.query_peers_online_status(&["alice"]).await.unwrap();
    assert_eq!(online[0].online_state, PeerOnlineState::Online);
    until_state(&alice, State::Connected, secs(15.0)).await;
    let bob_saw = common::events_within(&mut bob_events, secs(30.0)).await;
    assert!(bob_saw.is_empty(), "{bob_saw:?}");
    assert!(room.is_joined());
    let attrs = bob.get_user_attributes("alice").await.unwrap();
    assert_eq!(attrs, vec![RtmAttribute::new("mood", "fine")]);
    let states = state_changes(&alice_events.drain());
    assert_eq!(
        states,
        vec![
            (State::Reconnecting, Reason::Interrupted),
            (State::Connected, Reason::LoginSuccess)
        ]
    );
}

/// Away longer than 30 s: removed from the online list and the channel at 30 s (members get
/// MemberLeft); on return the client re-joins (MemberJoined), re-uploads its attributes and
/// restores its subscriptions.
#[tokio::test(start_paused = true)]
async fn outage_over_30_seconds_removes_the_user_and_the_return_restores_its_session() {
    let system = system();
    let t0 = Instant::now();
    let (alice, mut alice_events) = quiet(&system, "alice").await;
    let (bob, mut bob_events) = quiet(&system, "bob").await;
    let (carol, _c) = quiet(&system, "carol").await;
    let room = alice.create_channel("room").unwrap();
    room.join().await.unwrap();
    bob.create_channel("room").unwrap().join().await.unwrap();
    alice
        .set_local_user_attributes(&[RtmAttribute::new("mood", "fine")])
        .await
        .unwrap();
    alice
        .subscribe_peers_online_status(&["carol"])
        .await
        .unwrap();
    sleep(secs(2.0)).await;
    alice_events.drain();
    bob_events.drain();

    sleep(secs(8.5)).await; // t = 10.5, last ping at 10
    system.cut_user_for(APP, "alice", secs(40.0));
    let before = timed(&mut bob_events, t0, secs(35.0)).await; // until t = 45.5
    let left: Vec<Duration> = before
        .iter()
        .filter(|(_, e)| member_texts(std::slice::from_ref(e), "room") == ["left alice"])
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(left, vec![secs(40.0)], "{before:?}");
    assert_eq!(system.channel_members(APP, "room"), vec!["bob".to_string()]);
    assert_eq!(
        system.online_users(APP),
        vec!["bob".to_string(), "carol".to_string()]
    );
    let err = bob.get_user_attributes("alice").await.unwrap_err();
    assert_eq!(err.kind(), AttributeOperationErr::UserNotFound);
    // The client still believes it is in the channel.
    assert!(room.is_joined());

    until_state(&alice, State::Connected, secs(10.0)).await;
    settle().await;
    assert_eq!(
        member_texts(&bob_events.drain(), "room"),
        vec!["joined alice"]
    );
    assert_eq!(
        system.channel_members(APP, "room"),
        vec!["bob".to_string(), "alice".to_string()]
    );
    assert_eq!(
        bob.get_user_attributes("alice").await.unwrap(),
        vec![RtmAttribute::new("mood", "fine")]
    );
    // The subscription to carol works again.
    alice_events.drain();
    carol.logout().await.unwrap();
    settle().await;
    let got = timed(&mut alice_events, t0, secs(0.1)).await;
    assert_eq!(
        statuses(&got)
            .into_iter()
            .map(|(_, p, s)| (p, s))
            .collect::<Vec<_>>(),
        vec![("carol".to_string(), PeerOnlineState::Offline)]
    );
    // And the channel works both ways.
    room.send_message(&RtmMessage::from_text("back"), plain())
        .await
        .unwrap();
    settle().await;
    assert_eq!(
        channel_texts(&bob_events.drain(), "room"),
        vec!["message alice: back"]
    );
}

/// Subscribers see ONLINE → UNREACHABLE after 6 s without traffic → OFFLINE after 30 s, and
/// ONLINE again when the user is back.
#[tokio::test(start_paused = true)]
async fn subscribers_see_unreachable_after_6_seconds_then_offline_after_30() {
    let system = system();
    let t0 = Instant::now();
    let (alice, _a) = quiet(&system, "alice").await;
    let (bob, mut bob_events) = quiet(&system, "bob").await;
    bob.subscribe_peers_online_status(&["alice"]).await.unwrap();
    settle().await;
    bob_events.drain();
    sleep(secs(10.5)).await;
    system.cut_user_for(APP, "alice", secs(40.0));
    let seen = timed(&mut bob_events, t0, secs(50.0)).await;
    until_state(&alice, State::Connected, secs(1.0)).await;
    assert_eq!(
        statuses(&seen),
        vec![
            (
                secs(16.0),
                "alice".to_string(),
                PeerOnlineState::Unreachable
            ),
            (secs(40.0), "alice".to_string(), PeerOnlineState::Offline),
            (
                seen.last().unwrap().0,
                "alice".to_string(),
                PeerOnlineState::Online
            ),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn subscribers_see_online_again_when_the_user_is_back_within_the_grace() {
    let system = system();
    let (alice, _a) = quiet(&system, "alice").await;
    let (bob, mut bob_events) = quiet(&system, "bob").await;
    bob.subscribe_peers_online_status(&["alice"]).await.unwrap();
    settle().await;
    bob_events.drain();
    sleep(secs(10.5)).await;
    system.cut_user_for(APP, "alice", secs(12.0));
    sleep(secs(20.0)).await;
    assert_eq!(alice.connection_state(), State::Connected);
    let t0 = Instant::now();
    let got = timed(&mut bob_events, t0, Duration::ZERO).await;
    let got: Vec<(String, PeerOnlineState)> =
        statuses(&got).into_iter().map(|(_, p, s)| (p, s)).collect();
    assert_eq!(
        got,
        vec![
            ("alice".to_string(), PeerOnlineState::Unreachable),
            ("alice".to_string(), PeerOnlineState::Online)
        ]
    );
}

/// The 6 s / 30 s timers are system settings.
#[tokio::test(start_paused = true)]
async fn presence_timers_are_configurable() {
    let system = System::new(SystemConfig {
        unreachable_after: Duration::from_secs(3),
        presence_grace: Duration::from_secs(8),
        ..SystemConfig::default()
    });
    let t0 = Instant::now();
    let (_alice, _a) = quiet(&system, "alice").await;
    let (bob, mut bob_events) = quiet(&system, "bob").await;
    bob.subscribe_peers_online_status(&["alice"]).await.unwrap();
    settle().await;
    bob_events.drain();
    sleep(secs(10.5)).await;
    system.cut_user(APP, "alice");
    let seen = timed(&mut bob_events, t0, secs(15.0)).await;
    assert_eq!(
        statuses(&seen),
        vec![
            (
                secs(13.0),
                "alice".to_string(),
                PeerOnlineState::Unreachable
            ),
            (secs(18.0), "alice".to_string(), PeerOnlineState::Offline),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Message recovery

/// Every peer message sent during a short outage arrives after the return, in order, once; its
/// sender learned CACHED_BY_SERVER as soon as the receiver was unreachable.
#[tokio::test(start_paused = true)]
async fn peer_messages_of_a_short_outage_arrive_after_the_return_in_order_once() {
    let system = system();
    let t0 = Instant::now();
    let (alice, mut alice_events) = quiet(&system, "alice").await;
    let (bob, _b) = quiet(&system, "bob").await;
    sleep(secs(10.5)).await;
    system.cut_user_for(APP, "alice", secs(15.0));
    let mut sends = Vec::new();
    for i in 1..=5 {
        sleep(secs(2.0)).await;
        let f = bob.send_message_to_peer("alice", &RtmMessage::from_text(format!("m{i}")), plain());
        sends.push(tokio::spawn(async move { (f.await, t0.elapsed()) }));
    }
    for s in sends {
        let (result, at) = s.await.unwrap();
        assert_eq!(result.unwrap(), PeerDelivery::CachedByServer);
        // Answered when alice became unreachable (16 s), or at once after.
        assert!(at <= secs(21.0), "{at:?}");
    }
    until_state(&alice, State::Connected, secs(10.0)).await;
    settle().await;
    let got = alice_events.drain();
    let texts: Vec<String> = peer_texts(&got).into_iter().map(|(_, t)| t).collect();
    assert_eq!(texts, vec!["m1", "m2", "m3", "m4", "m5"]);
    assert!(got.iter().all(|e| match e {
        RtmEvent::MessageFromPeer { message, .. } => !message.is_offline_message(),
        _ => true,
    }));
    let later = common::events_within(&mut alice_events, secs(60.0)).await;
    assert!(peer_texts(&later).is_empty(), "{later:?}");
}

/// Over 30 s: messages accepted during the grace and those kept for the offline user arrive
/// after the return, in order, once, flagged as offline messages; a send without the offline
/// flag to the user gone offline fails with PEER_UNREACHABLE and is never delivered.
#[tokio::test(start_paused = true)]
async fn peer_messages_of_a_long_outage_arrive_after_the_return_in_order_once() {
    let system = system();
    let (alice, mut alice_events) = quiet(&system, "alice").await;
    let (bob, _b) = quiet(&system, "bob").await;
    sleep(secs(10.5)).await;
    system.cut_user_for(APP, "alice", secs(50.0));
    sleep(secs(2.0)).await;
    for text in ["g1", "g2", "g3"] {
        let sent = bob
            .send_message_to_peer("alice", &RtmMessage::from_text(text), plain())
            .await
            .unwrap();
        assert_eq!(sent, PeerDelivery::CachedByServer);
    }
    sleep(secs(30.0)).await; // the session ended at 40 s
    assert!(!system.online_users(APP).contains(&"alice".to_string()));
    let err = bob
        .send_message_to_peer("alice", &RtmMessage::from_text("lost"), plain())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), PeerMessageErrCode::PeerUnreachable);
    for text in ["o1", "o2"] {
        let sent = bob
            .send_message_to_peer("alice", &RtmMessage::from_text(text), offline())
            .await
            .unwrap();
        assert_eq!(sent, PeerDelivery::CachedByServer);
    }
    until_state(&alice, State::Connected, secs(20.0)).await;
    settle().await;
    let got = alice_events.drain();
    let texts: Vec<String> = peer_texts(&got).into_iter().map(|(_, t)| t).collect();
    assert_eq!(texts, vec!["g1", "g2", "g3", "o1", "o2"]);
    assert!(got.iter().all(|e| match e {
        RtmEvent::MessageFromPeer { message, .. } => message.is_offline_message(),
        _ => true,
    }));
    let later = common::events_within(&mut alice_events, secs(60.0)).await;
    assert!(peer_texts(&later).is_empty(), "{later:?}");
}

/// Up to 32 channel messages missed during the outage are re-delivered, in order, after the
/// return; what the client had already received is not repeated.
#[tokio::test(start_paused = true)]
async fn channel_messages_missed_in_an_outage_are_redelivered_up_to_32() {
    let system = system();
    let (alice, mut alice_events) = quiet(&system, "alice").await;
    let (bob, _b) = quiet(&system, "bob").await;
    alice.create_channel("room").unwrap().join().await.unwrap();
    let room = bob.create_channel("room").unwrap();
    room.join().await.unwrap();
    room.send_message(&RtmMessage::from_text("before"), plain())
        .await
        .unwrap();
    settle().await;
    assert_eq!(
        channel_texts(&alice_events.drain(), "room")
            .into_iter()
            .filter(|t| t.starts_with("message"))
            .collect::<Vec<_>>(),
        vec!["message bob: before"]
    );
    sleep(secs(10.5)).await;
    system.cut_user_for(APP, "alice", secs(15.0));
    for i in 1..=40 {
        room.send_message(&RtmMessage::from_text(format!("c{i}")), plain())
            .await
            .unwrap();
        sleep(secs(0.25)).await;
    }
    until_state(&alice, State::Connected, secs(20.0)).await;
    settle().await;
    let got: Vec<String> = channel_texts(&alice_events.drain(), "room")
        .into_iter()
        .filter(|t| t.starts_with("message"))
        .collect();
    let expected: Vec<String> = (9..=40).map(|i| format!("message bob: c{i}")).collect();
    assert_eq!(got, expected);
}

/// Only channel messages of the 30 s before the return are re-delivered; the channel works
/// normally afterwards.
#[tokio::test(start_paused = true)]
async fn only_channel_messages_of_the_last_30_seconds_are_redelivered() {
    let system = system();
    let (alice, mut alice_events) = quiet(&system, "alice").await;
    let (bob, _b) = quiet(&system, "bob").await;
    alice.create_channel("room").unwrap().join().await.unwrap();
    let room = bob.create_channel("room").unwrap();
    room.join().await.unwrap();
    settle().await;
    alice_events.drain();
    sleep(secs(10.5)).await;
    system.cut_user_for(APP, "alice", secs(50.0)); // back at about 62 s
    sleep(secs(5.0)).await;
    for text in ["old1", "old2"] {
        room.send_message(&RtmMessage::from_text(text), plain())
            .await
            .unwrap();
    }
    sleep(secs(40.0)).await; // t = 55.5
    for text in ["new1", "new2"] {
        room.send_message(&RtmMessage::from_text(text), plain())
            .await
            .unwrap();
    }
    until_state(&alice, State::Connected, secs(20.0)).await;
    settle().await;
    let got: Vec<String> = channel_texts(&alice_events.drain(), "room")
        .into_iter()
        .filter(|t| t.starts_with("message"))
        .collect();
    assert_eq!(got, vec!["message bob: new1", "message bob: new2"]);
    room.send_message(&RtmMessage::from_text("live"), plain())
        .await
        .unwrap();
    settle().await;
    assert_eq!(
        channel_texts(&alice_events.drain(), "room"),
        vec!["message bob: live"]
    );
}

#[tokio::test(start_paused = true)]
async fn channel_redelivery_cap_and_window_are_configurable() {
    let system = System::new(SystemConfig {
        channel_redelivery_max: 3,
        ..SystemConfig::default()
    });
    let (alice, mut alice_events) = quiet(&system, "alice").await;
    let (bob, _b) = quiet(&system, "bob").await;
    alice.create_channel("room").unwrap().join().await.unwrap();
    let room = bob.create_channel("room").unwrap();
    room.join().await.unwrap();
    settle().await;
    alice_events.drain();
    sleep(secs(10.5)).await;
    system.cut_user_for(APP, "alice", secs(10.0));
    for i in 1..=6 {
        room.send_message(&RtmMessage::from_text(format!("c{i}")), plain())
            .await
            .unwrap();
    }
    until_back(&alice).await;
    settle().await;
    let got: Vec<String> = channel_texts(&alice_events.drain(), "room")
        .into_iter()
        .filter(|t| t.starts_with("message"))
        .collect();
    assert_eq!(
        got,
        vec!["message bob: c4", "message bob: c5", "message bob: c6"]
    );

    // Nothing at all when re-delivery is off.
    let system = System::new(SystemConfig {
        channel_redelivery_max: 0,
        ..SystemConfig::default()
    });
    let (alice, mut alice_events) = quiet(&system, "alice").await;
    let (bob, _b) = quiet(&system, "bob").await;
    alice.create_channel("room").unwrap().join().await.unwrap();
    let room = bob.create_channel("room").unwrap();
    room.join().await.unwrap();
    sleep(secs(10.5)).await;
    system.cut_user_for(APP, "alice", secs(10.0));
    room.send_message(&RtmMessage::from_text("gone"), plain())
        .await
        .unwrap();
    until_back(&alice).await;
    settle().await;
    assert!(!channel_texts(&alice_events.drain(), "room")
        .iter()
        .any(|t| t.starts_with("message")));
}

/// The client's link timers are settings too.
#[tokio::test(start_paused = true)]
async fn client_link_timers_are_configurable() {
    let system = system();
    let mut config = ClientConfig::default();
    config.connection.ping_interval = Duration::from_millis(500);
    config.connection.link_timeout = Duration::from_secs(1);
    config.connection.interrupted_after = Duration::from_secs(2);
    let alice = RtmClient::builder(APP)
        .system(&system)
        .config(config)
        .build()
        .unwrap();
    alice.login("", "alice").await.unwrap();
    sleep(secs(10.25)).await;
    system.cut_user(APP, "alice");
    let start = Instant::now();
    until_state(&alice, State::Reconnecting, secs(3.0)).await;
    assert!(start.elapsed() <= secs(2.0), "{:?}", start.elapsed());
}

/// `delay_all` slows every link; `restore_all` lifts cuts and delays of everyone.
#[tokio::test(start_paused = true)]
async fn delay_of_everyone_and_restore_all() {
    let system = system();
    let (alice, mut alice_events) = quiet(&system, "alice").await;
    let (bob, _b) = quiet(&system, "bob").await;
    system.delay_all(Duration::from_millis(200));
    let start = Instant::now();
    bob.send_message_to_peer("alice", &RtmMessage::from_text("slow"), plain())
        .await
        .unwrap();
    // bob → system 200 ms, system → alice 200 ms, alice's ack 200 ms, answer to bob 200 ms.
    assert_eq!(start.elapsed(), Duration::from_millis(800));
    system.cut_user(APP, "bob");
    system.cut_all();
    assert!(system.is_cut(APP, "alice") && system.is_cut(APP, "bob"));
    system.restore_all();
    assert!(!system.is_cut(APP, "alice") && !system.is_cut(APP, "bob"));
    // The links cut meanwhile are dead; the clients replace them quietly (within 4 s, so no
    // state change), and everything is fast again.
    sleep(secs(5.0)).await;
    assert_eq!(alice.connection_state(), State::Connected);
    assert_eq!(bob.connection_state(), State::Connected);
    let start = Instant::now();
    bob.send_message_to_peer("alice", &RtmMessage::from_text("fast"), plain())
        .await
        .unwrap();
    assert!(start.elapsed() < Duration::from_millis(10));
    settle().await;
    let got = alice_events.drain();
    assert!(state_changes(&got).is_empty(), "{got:?}");
    let texts: Vec<String> = peer_texts(&got).into_iter().map(|(_, t)| t).collect();
    assert_eq!(texts, vec!["slow", "fast"]);
}
