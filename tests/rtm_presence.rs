//! RTM core presence: online-status queries, subscriptions with their status events, the
//! subscription cache, limits, rate limits and timeouts.

mod common;
use common::LossyConnector;

use common::{client, logged_in, settle, APP};
use sig2rtm::rtm::{
    EventStream,
    PeerOnlineState::{self, Offline, Online},
    PeerOnlineStatus, PeerSubscriptionOption, PeerSubscriptionStatusErr,
    QueryPeersBySubscriptionOptionErr, QueryPeersOnlineStatusErr, RtmClient, RtmEvent,
};
use sig2rtm::system::System;
use sig2rtm::transport::protocol::Request;
use sig2rtm::transport::InProcessConnector;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

// ---------------------------------------------------------------------------------------------
// Helpers

const ONLINE_STATUS: PeerSubscriptionOption = PeerSubscriptionOption::OnlineStatus;

fn pairs(list: &[PeerOnlineStatus]) -> Vec<(String, PeerOnlineState)> {
    list.iter()
        .map(|s| (s.peer_id.clone(), s.online_state))
        .collect()
}

fn expect(list: &[(&str, PeerOnlineState)]) -> Vec<(String, PeerOnlineState)> {
    list.iter().map(|(p, s)| (p.to_string(), *s)).collect()
}

/// The status-change events waiting on `events`, each as its list of (peer, state); panics on
/// any other event except connection-state changes.
async fn status_changes(events: &mut EventStream) -> Vec<Vec<(String, PeerOnlineState)>> {
    settle().await;
    events
        .drain()
        .into_iter()
        .filter_map(|e| match e {
            RtmEvent::PeersOnlineStatusChanged(list) => Some(pairs(&list)),
            RtmEvent::ConnectionStateChanged { .. } => None,
            other => panic!("unexpected event {other:?}"),
        })
        .collect()
}

fn ids(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

/// A logged-in watcher with its stream emptied.
async fn watcher(system: &System, user: &str) -> (RtmClient, EventStream) {
    let (c, mut events) = logged_in(system, user).await;
    settle().await;
    events.drain();
    (c, events)
}

async fn lossy_client(system: &System, user: &str, drop_if: fn(&Request) -> bool) -> RtmClient {
    let c = RtmClient::builder(APP)
        .connector(Arc::new(LossyConnector {
            inner: InProcessConnector::new(system.clone()),
            drop_if,
        }))
        .build()
        .unwrap();
    c.login("", user).await.unwrap();
    c
}

// ---------------------------------------------------------------------------------------------
// query_peers_online_status

#[tokio::test(start_paused = true)]
async fn query_reports_online_and_offline_in_the_order_asked() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    let (_bob, _b) = logged_in(&system, "bob").await;
    let (_dave, _d) = logged_in(&system, "dave").await;
    let asked = ["dave", "nobody", "alice", "bob", "carol", "dave"];
    let status = alice.query_peers_online_status(&asked).await.unwrap();
    assert_eq!(
        pairs(&status),
        expect(&[
            ("dave", Online),
            ("nobody", Offline),
            ("alice", Online),
            ("bob", Online),
            ("carol", Offline),
            ("dave", Online),
        ])
    );
}

#[tokio::test(start_paused = true)]
async fn query_follows_logins_and_logouts() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    let query = || async { pairs(&alice.query_peers_online_status(&["bob"]).await.unwrap()) };
    assert_eq!(query().await, expect(&[("bob", Offline)]));
    let (bob, _b) = logged_in(&system, "bob").await;
    assert_eq!(query().await, expect(&[("bob", Online)]));
    bob.logout().await.unwrap();
    assert_eq!(query().await, expect(&[("bob", Offline)]));
}

/// A user kicked by a remote login is still online (under its new session).
#[tokio::test(start_paused = true)]
async fn query_reports_a_remotely_logged_in_user_as_online() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    let (_bob1, _b1) = logged_in(&system, "bob").await;
    let (_bob2, _b2) = logged_in(&system, "bob").await;
    let status = alice.query_peers_online_status(&["bob"]).await.unwrap();
    assert_eq!(pairs(&status), expect(&[("bob", Online)]));
}

#[tokio::test(start_paused = true)]
async fn query_with_an_empty_list_an_invalid_id_or_257_ids_fails_with_invalid_argument() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    let empty: [&str; 0] = [];
    let long = "x".repeat(65);
    let lists: Vec<Vec<String>> = vec![
        Vec::new(),
        vec!["bob".into(), "a*b".into()],
        vec!["".into()],
        vec!["null".into()],
        vec![long],
        ids("p", 257),
    ];
    let err = alice.query_peers_online_status(&empty).await.unwrap_err();
    assert_eq!(err.kind(), QueryPeersOnlineStatusErr::InvalidArgument);
    for list in &lists {
        let err = alice.query_peers_online_status(list).await.unwrap_err();
        assert_eq!(
            err.kind(),
            QueryPeersOnlineStatusErr::InvalidArgument,
            "{} ids",
            list.len()
        );
        assert_eq!(err.code(), 2);
    }
}

#[tokio::test(start_paused = true)]
async fn query_of_256_ids_succeeds() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    let (_p7, _p) = logged_in(&system, "p7").await;
    let asked = ids("p", 256);
    let status = alice.query_peers_online_status(&asked).await.unwrap();
    assert_eq!(status.len(), 256);
    for (i, s) in status.iter().enumerate() {
        assert_eq!(s.peer_id, asked[i]);
        let want = if i == 7 { Online } else { Offline };
        assert_eq!(s.online_state, want, "{}", s.peer_id);
    }
}

#[tokio::test(start_paused = true)]
async fn query_when_not_logged_in_fails_with_user_not_logged_in() {
    let system = common::system();
    let alice = client(&system);
    let err = alice.query_peers_online_status(&["bob"]).await.unwrap_err();
    assert_eq!(err.kind(), QueryPeersOnlineStatusErr::UserNotLoggedIn);
    assert_eq!(err.code(), 102);
}

#[tokio::test(start_paused = true)]
async fn more_than_100_queries_in_5_seconds_fail_with_too_often() {
    let system = common::system();
    let (alice, _a) = logged_in(&system, "alice").await;
    for i in 0..100 {
        alice
            .query_peers_online_status(&["bob"])
            .await
            .unwrap_or_else(|e| panic!("query {i}: {e}"));
    }
    let err = alice.query_peers_online_status(&["bob"]).await.unwrap_err();
    assert_eq!(err.kind(), QueryPeersOnlineStatusErr::TooOften);
    assert_eq!(err.code(), 5);
    tokio::time::sleep(Duration::from_secs(5)).await;
    alice.query_peers_online_status(&["bob"]).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn unanswered_query_fails_with_timeout_after_ten_seconds() {
    let system = common::system();
    let alice = lossy_client(&system, "alice", |r| {
        matches!(r, Request::QueryOnline { .. })
    })
    .await;
    let start = Instant::now();
    let err = alice.query_peers_online_status(&["bob"]).await.unwrap_err();
    assert_eq!(err.kind(), QueryPeersOnlineStatusErr::Timeout);
    assert_eq!(err.code(), 4);
    assert_eq!(start.elapsed(), Duration::from_secs(10));
}

// ---------------------------------------------------------------------------------------------
// subscribe / unsubscribe: events

#[tokio::test(start_paused = true)]
async fn subscribe_succeeds_then_reports_the_current_states() {
    let system = common::system();
    let (alice, mut events) = watcher(&system, "alice").await;
    let (_bob, _b) = logged_in(&system, "bob").await;
    alice
        .subscribe_peers_online_status(&["carol", "bob"])
        .await
        .unwrap();
    assert_eq!(
        status_changes(&mut events).await,
        vec![expect(&[("carol", Offline), ("bob", Online)])]
    );
}

#[tokio::test(start_paused = true)]
async fn subscribed_peer_login_and_logout_push_online_and_offline() {
    let system = common::system();
    let (alice, mut events) = watcher(&system, "alice").await;
    alice.subscribe_peers_online_status(&["bob"]).await.unwrap();
    assert_eq!(
        status_changes(&mut events).await,
        vec![expect(&[("bob", Offline)])]
    );

    let (bob, _b) = logged_in(&system, "bob").await;
    assert_eq!(
        status_changes(&mut events).await,
        vec![expect(&[("bob", Online)])]
    );
    bob.logout().await.unwrap();
    assert_eq!(
        status_changes(&mut events).await,
        vec![expect(&[("bob", Offline)])]
    );
    // Nothing else happens while bob stays away.
    let later = common::events_within(&mut events, Duration::from_secs(60)).await;
    assert!(later.is_empty(), "{later:?}");
}

/// A change reports only the peer whose state changed, to every watcher.
#[tokio::test(start_paused = true)]
async fn status_change_reports_only_the_changed_peer_to_every_watcher() {
    let system = common::system();
    let (alice, mut alice_events) = watcher(&system, "alice").await;
    let (dave, mut dave_events) = watcher(&system, "dave").await;
    alice
        .subscribe_peers_online_status(&["bob", "carol"])
        .await
        .unwrap();
    dave.subscribe_peers_online_status(&["bob"]).await.unwrap();
    status_changes(&mut alice_events).await;
    status_changes(&mut dave_events).await;

    let (_carol, _c) = logged_in(&system, "carol").await;
    assert_eq!(
        status_changes(&mut alice_events).await,
        vec![expect(&[("carol", Online)])]
    );
    assert!(status_changes(&mut dave_events).await.is_empty());

    let (_bob, _b) = logged_in(&system, "bob").await;
    assert_eq!(
        status_changes(&mut alice_events).await,
        vec![expect(&[("bob", Online)])]
    );
    assert_eq!(
        status_changes(&mut dave_events).await,
        vec![expect(&[("bob", Online)])]
    );
}

#[tokio::test(start_paused = true)]
async fn unsubscribe_stops_status_changes() {
    let system = common::system();
    let (alice, mut events) = watcher(&system, "alice").await;
    alice
        .subscribe_peers_online_status(&["bob", "carol"])
        .await
        .unwrap();
    status_changes(&mut events).await;
    alice
        .unsubscribe_peers_online_status(&["bob"])
        .await
        .unwrap();
    assert!(
        status_changes(&mut events).await.is_empty(),
        "no event for an unsubscribe"
    );

    let (bob, _b) = logged_in(&system, "bob").await;
    bob.logout().await.unwrap();
    assert!(status_changes(&mut events).await.is_empty());
    // carol is still watched.
    let (_carol, _c) = logged_in(&system, "carol").await;
    assert_eq!(
        status_changes(&mut events).await,
        vec![expect(&[("carol", Online)])]
    );
}

/// Unsubscribing a peer that was never subscribed is accepted and changes nothing.
#[tokio::test(start_paused = true)]
async fn unsubscribe_of_an_unknown_peer_succeeds() {
    let system = common::system();
    let (alice, mut events) = watcher(&system, "alice").await;
    alice
        .unsubscribe_peers_online_status(&["stranger"])
        .await
        .unwrap();
    assert!(alice
        .query_peers_by_subscription_option(ONLINE_STATUS)
        .await
        .unwrap()
        .is_empty());
    assert!(status_changes(&mut events).await.is_empty());
}

/// A remote login of a watched user does not tell its watchers anything: the user never went
/// offline. Only the final logout of the new session does.
#[tokio::test(start_paused = true)]
async fn remote_login_kick_of_a_watched_user_reports_no_change() {
    let system = common::system();
    let (alice, mut events) = watcher(&system, "alice").await;
    let (_bob1, _b1) = logged_in(&system, "bob").await;
    alice.subscribe_peers_online_status(&["bob"]).await.unwrap();
    assert_eq!(
        status_changes(&mut events).await,
        vec![expect(&[("bob", Online)])]
    );

    let (bob2, _b2) = logged_in(&system, "bob").await;
    let later = common::events_within(&mut events, Duration::from_secs(60)).await;
    assert!(later.is_empty(), "{later:?}");

    bob2.logout().await.unwrap();
    assert_eq!(
        status_changes(&mut events).await,
        vec![expect(&[("bob", Offline)])]
    );
}

/// Releasing a watched client takes it offline for its watchers.
#[tokio::test(start_paused = true)]
async fn release_of_a_watched_client_reports_offline() {
    let system = common::system();
    let (alice, mut events) = watcher(&system, "alice").await;
    let (bob, _b) = logged_in(&system, "bob").await;
    alice.subscribe_peers_online_status(&["bob"]).await.unwrap();
    status_changes(&mut events).await;
    bob.release();
    assert_eq!(
        status_changes(&mut events).await,
        vec![expect(&[("bob", Offline)])]
    );
}

// ---------------------------------------------------------------------------------------------
// The subscription list

#[tokio::test(start_paused = true)]
async fn query_by_subscription_option_returns_the_subscribed_peers_sorted() {
    let system = common::system();
    let (alice, _e) = watcher(&system, "alice").await;
    assert!(alice
        .query_peers_by_subscription_option(ONLINE_STATUS)
        .await
        .unwrap()
        .is_empty());
    alice
        .subscribe_peers_online_status(&["zoe", "bob", "mallory"])
        .await
        .unwrap();
    alice
        .subscribe_peers_online_status(&["bob", "carol"])
        .await
        .unwrap();
    assert_eq!(
        alice
            .query_peers_by_subscription_option(ONLINE_STATUS)
            .await
            .unwrap(),
        vec!["bob", "carol", "mallory", "zoe"]
    );
    alice
        .unsubscribe_peers_online_status(&["mallory", "nobody"])
        .await
        .unwrap();
    assert_eq!(
        alice
            .query_peers_by_subscription_option(ONLINE_STATUS)
            .await
            .unwrap(),
        vec!["bob", "carol", "zoe"]
    );
}

#[tokio::test(start_paused = true)]
async fn subscribing_to_more_than_512_peers_in_one_call_fails_with_overflow() {
    let system = common::system();
    let (alice, mut events) = watcher(&system, "alice").await;
    let err = alice
        .subscribe_peers_online_status(&ids("p", 513))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), PeerSubscriptionStatusErr::Overflow);
    assert_eq!(err.code(), 6);
    assert!(alice
        .query_peers_by_subscription_option(ONLINE_STATUS)
        .await
        .unwrap()
        .is_empty());
    assert!(status_changes(&mut events).await.is_empty());
    // Unsubscribe has the same per-call cap.
    let err = alice
        .unsubscribe_peers_online_status(&ids("p", 513))
        .await
        .unwrap_err();
    assert_eq!(err.code(), 6);
    // Exactly 512 in one call is fine.
    alice
        .subscribe_peers_online_status(&ids("p", 512))
        .await
        .unwrap();
    let changes = status_changes(&mut events).await;
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].len(), 512);
}

#[tokio::test(start_paused = true)]
async fn subscriptions_beyond_512_in_total_fail_with_overflow() {
    let system = common::system();
    let (alice, mut events) = watcher(&system, "alice").await;
    alice
        .subscribe_peers_online_status(&ids("a", 300))
        .await
        .unwrap();
    alice
        .subscribe_peers_online_status(&ids("b", 212))
        .await
        .unwrap();
    status_changes(&mut events).await;

    let err = alice
        .subscribe_peers_online_status(&["one-more"])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), PeerSubscriptionStatusErr::Overflow);
    assert_eq!(err.code(), 6);
    // A call that fails subscribes none of its peers, even those that would fit.
    let err = alice
        .subscribe_peers_online_status(&["a0", "new-one"])
        .await
        .unwrap_err();
    assert_eq!(err.code(), 6);
    let list = alice
        .query_peers_by_subscription_option(ONLINE_STATUS)
        .await
        .unwrap();
    assert_eq!(list.len(), 512);
    assert!(!list.contains(&"one-more".to_string()));
    assert!(!list.contains(&"new-one".to_string()));
    assert!(status_changes(&mut events).await.is_empty());
    let (_n, _ne) = logged_in(&system, "new-one").await;
    assert!(status_changes(&mut events).await.is_empty());

    // Peers already subscribed do not count again.
    alice
        .subscribe_peers_online_status(&["a0", "b5"])
        .await
        .unwrap();
    // Room made by unsubscribing can be used again.
    alice
        .unsubscribe_peers_online_status(&["a1"])
        .await
        .unwrap();
    alice
        .subscribe_peers_online_status(&["one-more"])
        .await
        .unwrap();
}

/// An id repeated in one call counts once toward the 512 limit.
#[tokio::test(start_paused = true)]
async fn a_repeated_id_in_one_subscribe_call_counts_once() {
    let system = common::system();
    let (alice, _e) = watcher(&system, "alice").await;
    alice
        .subscribe_peers_online_status(&ids("a", 511))
        .await
        .unwrap();
    alice
        .subscribe_peers_online_status(&["last", "last"])
        .await
        .unwrap();
    assert_eq!(
        alice
            .query_peers_by_subscription_option(ONLINE_STATUS)
            .await
            .unwrap()
            .len(),
        512
    );
}

#[tokio::test(start_paused = true)]
async fn subscriptions_are_dropped_at_logout() {
    let system = common::system();
    let (alice, mut events) = watcher(&system, "alice").await;
    alice
        .subscribe_peers_online_status(&["bob", "carol"])
        .await
        .unwrap();
    alice.logout().await.unwrap();
    alice.login("", "alice").await.unwrap();
    assert!(alice
        .query_peers_by_subscription_option(ONLINE_STATUS)
        .await
        .unwrap()
        .is_empty());
    status_changes(&mut events).await;
    // The system forgot them too: bob's login is not reported.
    let (_bob, _b) = logged_in(&system, "bob").await;
    assert!(status_changes(&mut events).await.is_empty());
}

/// A watcher kicked by a remote login loses its subscriptions; the new session starts with none.
#[tokio::test(start_paused = true)]
async fn subscriptions_end_with_a_kicked_watchers_session() {
    let system = common::system();
    let (old, mut old_events) = watcher(&system, "alice").await;
    old.subscribe_peers_online_status(&["bob"]).await.unwrap();
    status_changes(&mut old_events).await;
    let (new, mut new_events) = watcher(&system, "alice").await;
    assert!(new
        .query_peers_by_subscription_option(ONLINE_STATUS)
        .await
        .unwrap()
        .is_empty());
    let (_bob, _b) = logged_in(&system, "bob").await;
    assert!(status_changes(&mut old_events).await.is_empty());
    assert!(status_changes(&mut new_events).await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// subscribe / unsubscribe / query-by-option: argument checks and limits

#[tokio::test(start_paused = true)]
async fn subscribe_and_unsubscribe_with_an_empty_list_or_invalid_id_fail_with_invalid_argument() {
    let system = common::system();
    let (alice, _e) = watcher(&system, "alice").await;
    let empty: [&str; 0] = [];
    let err = alice
        .subscribe_peers_online_status(&empty)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), PeerSubscriptionStatusErr::InvalidArgument);
    assert_eq!(err.code(), 2);
    let err = alice
        .unsubscribe_peers_online_status(&empty)
        .await
        .unwrap_err();
    assert_eq!(err.code(), 2);
    for bad in ["", "null", "a*b", "a/b"] {
        let err = alice
            .subscribe_peers_online_status(&["bob", bad])
            .await
            .unwrap_err();
        assert_eq!(err.code(), 2, "{bad:?}");
        let err = alice
            .unsubscribe_peers_online_status(&[bad])
            .await
            .unwrap_err();
        assert_eq!(err.code(), 2, "{bad:?}");
    }
    assert!(alice
        .query_peers_by_subscription_option(ONLINE_STATUS)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test(start_paused = true)]
async fn subscription_calls_when_not_logged_in_fail_with_user_not_logged_in() {
    let system = common::system();
    let alice = client(&system);
    let err = alice
        .subscribe_peers_online_status(&["bob"])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), PeerSubscriptionStatusErr::UserNotLoggedIn);
    assert_eq!(err.code(), 102);
    let err = alice
        .unsubscribe_peers_online_status(&["bob"])
        .await
        .unwrap_err();
    assert_eq!(err.code(), 102);
    let err = alice
        .query_peers_by_subscription_option(ONLINE_STATUS)
        .await
        .unwrap_err();
    assert_eq!(
        err.kind(),
        QueryPeersBySubscriptionOptionErr::UserNotLoggedIn
    );
    assert_eq!(err.code(), 102);
}

#[tokio::test(start_paused = true)]
async fn more_than_10_subscribes_in_5_seconds_fail_with_too_often() {
    let system = common::system();
    let (alice, _e) = watcher(&system, "alice").await;
    for i in 0..10 {
        alice
            .subscribe_peers_online_status(&[format!("p{i}")])
            .await
            .unwrap();
    }
    let err = alice
        .subscribe_peers_online_status(&["p10"])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), PeerSubscriptionStatusErr::TooOften);
    assert_eq!(err.code(), 5);
    // Unsubscribe has its own budget.
    alice
        .unsubscribe_peers_online_status(&["p0"])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(5)).await;
    alice.subscribe_peers_online_status(&["p10"]).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn more_than_10_unsubscribes_in_5_seconds_fail_with_too_often() {
    let system = common::system();
    let (alice, _e) = watcher(&system, "alice").await;
    for i in 0..10 {
        alice
            .unsubscribe_peers_online_status(&[format!("p{i}")])
            .await
            .unwrap();
    }
    let err = alice
        .unsubscribe_peers_online_status(&["p10"])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), PeerSubscriptionStatusErr::TooOften);
    assert_eq!(err.code(), 5);
    alice.subscribe_peers_online_status(&["p0"]).await.unwrap();
    tokio::time::sleep(Duration::from_secs(5)).await;
    alice
        .unsubscribe_peers_online_status(&["p10"])
        .await
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn more_than_10_queries_by_subscription_option_in_5_seconds_fail_with_too_often() {
    let system = common::system();
    let (alice, _e) = watcher(&system, "alice").await;
    for _ in 0..10 {
        alice
            .query_peers_by_subscription_option(ONLINE_STATUS)
            .await
            .unwrap();
    }
    let err = alice
        .query_peers_by_subscription_option(ONLINE_STATUS)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), QueryPeersBySubscriptionOptionErr::TooOften);
    assert_eq!(err.code(), 3);
    tokio::time::sleep(Duration::from_secs(5)).await;
    alice
        .query_peers_by_subscription_option(ONLINE_STATUS)
        .await
        .unwrap();
}

/// A subscribe the system never answers fails with TIMEOUT (4) after 10 s and subscribes nothing.
#[tokio::test(start_paused = true)]
async fn unanswered_subscribe_fails_with_timeout_after_ten_seconds() {
    let system = common::system();
    let alice = lossy_client(&system, "alice", |r| {
        matches!(r, Request::Subscribe { .. } | Request::Unsubscribe { .. })
    })
    .await;
    let start = Instant::now();
    let err = alice
        .subscribe_peers_online_status(&["bob"])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), PeerSubscriptionStatusErr::Timeout);
    assert_eq!(err.code(), 4);
    assert_eq!(start.elapsed(), Duration::from_secs(10));
    assert!(alice
        .query_peers_by_subscription_option(ONLINE_STATUS)
        .await
        .unwrap()
        .is_empty());
    let err = alice
        .unsubscribe_peers_online_status(&["bob"])
        .await
        .unwrap_err();
    assert_eq!(err.code(), 4);
}

// ---------------------------------------------------------------------------------------------
// What a query reports, compared with what subscribers see

/// A peer whose link went silent is UNREACHABLE for its subscribers, yet a query reports it
/// ONLINE: queries only ever answer ONLINE or OFFLINE.
#[tokio::test(start_paused = true)]
async fn query_reports_an_unreachable_peer_as_online() {
    let system = common::system();
    let (_alice, _a) = logged_in(&system, "alice").await;
    let (bob, mut bob_events) = watcher(&system, "bob").await;
    bob.subscribe_peers_online_status(&["alice"]).await.unwrap();
    status_changes(&mut bob_events).await;

    system.cut_user_for(APP, "alice", Duration::from_secs(20));
    tokio::time::sleep(Duration::from_secs(12)).await;
    assert_eq!(
        status_changes(&mut bob_events).await,
        vec![expect(&[("alice", PeerOnlineState::Unreachable)])]
    );
    let answer = bob.query_peers_online_status(&["alice"]).await.unwrap();
    assert_eq!(pairs(&answer), expect(&[("alice", Online)]));
}

/// `PeerOnlineStatus::is_online` (RTM's deprecated `isOnline`) is true for ONLINE only.
#[test]
fn peer_online_status_is_online_only_for_the_online_state() {
    let status = |online_state| PeerOnlineStatus {
        peer_id: "alice".into(),
        online_state,
    };
    assert!(status(Online).is_online());
    assert!(!status(PeerOnlineState::Unreachable).is_online());
    assert!(!status(Offline).is_online());
}
