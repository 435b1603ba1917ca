//! RTM core sessions: client creation, login / logout with their connection-state events, id
//! rules, rate limits, the remote-login kick, token renewal, release, App ID isolation, and
//! logins over transports that never answer or cannot connect.

mod common;
use common::LossyConnector;

use common::{client, logged_in, settle, APP, OTHER_APP};
use sig2rtm::rtm::{
    ChannelEvent, ConnectionChangeReason as Reason, ConnectionState as State, CreateChannelErr,
    InitErrCode, LoginErrCode, LogoutErrCode, PeerDelivery, PeerMessageErrCode, RenewTokenErrCode,
    RtmClient, RtmEvent, RtmMessage, SendMessageOptions,
};
use sig2rtm::system::{System, SystemConfig};
use sig2rtm::transport::protocol::{Request, Up};
use sig2rtm::transport::{
    down_channel, Connector, DownSender, InProcessConnector, Link, LinkClosed, LinkSender,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

// ---------------------------------------------------------------------------------------------
// Helpers

/// The connection-state changes among `events`, in order.
fn state_changes(events: &[RtmEvent]) -> Vec<(State, Reason)> {
    events
        .iter()
        .filter_map(|e| match e {
            RtmEvent::ConnectionStateChanged { state, reason } => Some((*state, *reason)),
            _ => None,
        })
        .collect()
}

/// Lets events arrive, then returns the connection-state changes waiting on `events`.
async fn drained_states(events: &mut sig2rtm::rtm::EventStream) -> Vec<(State, Reason)> {
    settle().await;
    state_changes(&events.drain())
}

/// A link whose sender swallows everything and whose receiver never yields (nor ends).
struct BlackHoleSender {
    // Kept so the receiving half stays open (and silent) as long as the link exists.
    _down: DownSender,
}

impl LinkSender for BlackHoleSender {
    fn send(&self, _up: Up) -> Result<(), LinkClosed> {
        Ok(())
    }
    fn close(&self) {}
}

/// Connects to a system that never answers anything.
struct BlackHoleConnector;

#[async_trait::async_trait]
impl Connector for BlackHoleConnector {
    async fn connect(&self) -> std::io::Result<Link> {
        let (tx, rx) = down_channel();
        Ok(Link {
            sender: Box::new(BlackHoleSender { _down: tx }),
            receiver: rx,
        })
    }
    fn describe(&self) -> String {
        "silent test system".into()
    }
}

/// Never finishes opening a link (a network that swallows the connection attempt).
struct HangingConnector;

#[async_trait::async_trait]
impl Connector for HangingConnector {
    async fn connect(&self) -> std::io::Result<Link> {
        std::future::pending().await
    }
    fn describe(&self) -> String {
        "unreachable test system".into()
    }
}

/// Cannot connect at all.
struct RefusingConnector;

#[async_trait::async_trait]
impl Connector for RefusingConnector {
    async fn connect(&self) -> std::io::Result<Link> {
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "nobody listens here",
        ))
    }
    fn describe(&self) -> String {
        "unreachable test system".into()
    }
}

/// Connects, but the link closes before the system says anything; what is sent is lost
/// (`refuse` = false) or refused as sent on a closed link (`refuse` = true).
struct ClosingConnector {
    refuse: bool,
}

#[async_trait::async_trait]
impl Connector for ClosingConnector {
    async fn connect(&self) -> std::io::Result<Link> {
        let (tx, rx) = down_channel();
        drop(tx);
        Ok(Link {
            sender: Box::new(DeadSender {
                refuse: self.refuse,
            }),
            receiver: rx,
        })
    }
    fn describe(&self) -> String {
        "closing test system".into()
    }
}

struct DeadSender {
    refuse: bool,
}

impl LinkSender for DeadSender {
    fn send(&self, _up: Up) -> Result<(), LinkClosed> {
        if self.refuse {
            Err(LinkClosed)
        } else {
            Ok(())
        }
    }
    fn close(&self) {}
}

fn client_with(connector: Arc<dyn Connector>) -> RtmClient {
    RtmClient::builder(APP)
        .connector(connector)
        .build()
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Client creation

#[test]
fn client_creation_with_a_malformed_app_id_fails_with_invalid_app_id() {
    let system = common::system();
    let bad = [
        "",
        "0123456789abcdef0123456789abcde",   // 31
        "0123456789abcdef0123456789abcdef0", // 33
        "0123456789abcdef0123456789abcde-",
        "0123456789abcdef 123456789abcdef",
        "0123456789abcdef0123456789abcdé", // 32 bytes, not ASCII
    ];
    for app_id in bad {
        let err = RtmClient::builder(app_id)
            .system(&system)
            .build()
            .err()
            .unwrap_or_else(|| panic!("App ID {app_id:?} was accepted"));
        assert_eq!(err.kind(), InitErrCode::InvalidAppId, "{app_id:?}");
        assert_eq!(err.code(), 3);
    }
    // Upper and lower case letters and digits are all fine.
    assert!(RtmClient::builder("ABCDEF0123456789abcdef0123456789")
        .system(&system)
        .build()
        .is_ok());
}

#[test]
fn a_new_client_is_disconnected_with_no_user() {
    let system = common::system();
    let c = client(&system);
    assert_eq!(c.connection_state(), State::Disconnected);
    assert_eq!(c.user_id(), None);
    assert_eq!(c.app_id(), APP);
    assert!(!RtmClient::sdk_version().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Login

#[tokio::test(start_paused = true)]
async fn login_reports_connecting_then_connected_and_sets_the_state() {
    let system = common::system();
    let c = client(&system);
    let mut events = c.subscribe();
    c.login("", "alice").await.unwrap();
    assert_eq!(c.connection_state(), State::Connected);
    assert_eq!(c.user_id().as_deref(), Some("alice"));
    settle().await;
    let all = events.drain();
    assert_eq!(
        state_changes(&all),
        vec![
            (State::Connecting, Reason::Login),
            (State::Connected, Reason::LoginSuccess)
        ]
    );
    assert_eq!(all.len(), 2, "nothing but the two state changes: {all:?}");
    assert_eq!(system.online_users(APP), vec!["alice".to_string()]);
}

/// The CONNECTED event is emitted before the login future resolves (as the web SDK does).
#[tokio::test(start_paused = true)]
async fn connected_event_is_already_queued_when_login_returns() {
    let system = common::system();
    let c = client(&system);
    let mut events = c.subscribe();
    c.login("", "alice").await.unwrap();
    let queued = state_changes(&events.drain());
    assert_eq!(
        queued.last(),
        Some(&(State::Connected, Reason::LoginSuccess))
    );
}

#[tokio::test(start_paused = true)]
async fn login_with_an_invalid_user_id_fails_with_invalid_argument_and_no_events() {
    let system = common::system();
    let c = client(&system);
    let mut events = c.subscribe();
    let long = "a".repeat(65);
    for user in [
        "",
        "null",
        long.as_str(),
        "a*b",
        "a/b",
        "back\\slash",
        "quo\"te",
        "é",
    ] {
        let err = c.login("", user).await.unwrap_err();
        assert_eq!(err.kind(), LoginErrCode::InvalidArgument, "{user:?}");
        assert_eq!(err.code(), 3);
    }
    assert_eq!(c.connection_state(), State::Disconnected);
    settle().await;
    assert!(events.drain().is_empty(), "a refused id changes no state");
    assert!(system.online_users(APP).is_empty());
}

/// Ids of exactly 64 bytes, with every allowed punctuation mark, or with a leading space (RTM
/// 0.9.2+, shim-contract §8) are accepted.
#[tokio::test(start_paused = true)]
async fn login_accepts_a_leading_space_64_bytes_and_every_allowed_punctuation_mark() {
    let system = common::system();
    let ids = [
        " alice".to_string(),
        "b".repeat(64),
        "x !#$%&()+-:;<=.>?@[]^_{}|~,".to_string(),
        "nul".to_string(),
        "NULL".to_string(),
    ];
    let mut clients = Vec::new();
    for id in &ids {
        let c = client(&system);
        c.login("", id)
            .await
            .unwrap_or_else(|e| panic!("{id:?}: {e}"));
        assert_eq!(c.user_id().as_deref(), Some(id.as_str()));
        clients.push(c);
    }
    assert!(system.online_users(APP).contains(&" alice".to_string()));
}

#[tokio::test(start_paused = true)]
async fn login_while_logged_in_fails_with_already_logged_in() {
    let system = common::system();
    let (c, mut events) = logged_in(&system, "alice").await;
    settle().await;
    events.drain();
    let err = c.login("", "alice").await.unwrap_err();
    assert_eq!(err.kind(), LoginErrCode::AlreadyLoggedIn);
    assert_eq!(err.code(), 8);
    let err = c.login("", "someone-else").await.unwrap_err();
    assert_eq!(err.code(), 8);
    assert_eq!(c.connection_state(), State::Connected);
    assert!(drained_states(&mut events).await.is_empty());
}

/// The 6 s login timeout also covers opening the link.
#[tokio::test(start_paused = true)]
async fn login_times_out_when_the_link_never_opens() {
    let c = client_with(Arc::new(HangingConnector));
    let mut events = c.subscribe();
    let started = Instant::now();
    let err = c.login("", "alice").await.unwrap_err();
    assert_eq!(err.kind(), LoginErrCode::Timeout);
    assert_eq!(started.elapsed(), Duration::from_secs(6));
    assert_eq!(
        drained_states(&mut events).await,
        [
            (State::Connecting, Reason::Login),
            (State::Disconnected, Reason::LoginTimeout)
        ]
    );
}

/// A login while the first is still in flight is refused too.
#[tokio::test(start_paused = true)]
async fn login_while_connecting_fails_with_already_logged_in() {
    let c = client_with(Arc::new(BlackHoleConnector));
    let first = {
        let c = c.clone();
        tokio::spawn(async move { c.login("", "alice").await })
    };
    settle().await;
    assert_eq!(c.connection_state(), State::Connecting);
    assert_eq!(c.login("", "alice").await.unwrap_err().code(), 8);
    assert_eq!(first.await.unwrap().unwrap_err().code(), 9);
}

#[tokio::test(start_paused = true)]
async fn third_login_within_a_second_fails_with_too_often_and_is_allowed_after_a_second() {
    let system = common::system();
    let c = client(&system);
    let mut events = c.subscribe();
    c.login("", "alice").await.unwrap();
    c.logout().await.unwrap();
    c.login("", "alice").await.unwrap();
    c.logout().await.unwrap();
    settle().await;
    events.drain();

    let err = c.login("", "alice").await.unwrap_err();
    assert_eq!(err.kind(), LoginErrCode::TooOften);
    assert_eq!(err.code(), 10);
    assert_eq!(c.connection_state(), State::Disconnected);
    assert!(
        drained_states(&mut events).await.is_empty(),
        "a refused login changes no state"
    );

    tokio::time::sleep(Duration::from_secs(1)).await;
    c.login("", "alice").await.unwrap();
    assert_eq!(c.connection_state(), State::Connected);
}

/// Logins refused by a local check (bad id, already logged in) do not use up the budget.
#[tokio::test(start_paused = true)]
async fn refused_logins_do_not_count_toward_the_login_rate_limit() {
    let system = common::system();
    let c = client(&system);
    for _ in 0..5 {
        assert_eq!(c.login("", "a*b").await.unwrap_err().code(), 3);
    }
    c.login("", "alice").await.unwrap();
    for _ in 0..5 {
        assert_eq!(c.login("", "alice").await.unwrap_err().code(), 8);
    }
    c.logout().await.unwrap();
    c.login("", "alice").await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn login_to_an_unregistered_app_without_auto_registration_fails_with_invalid_app_id() {
    let system = System::new(SystemConfig {
        auto_register_apps: false,
        ..SystemConfig::default()
    });
    let c = client(&system);
    let mut events = c.subscribe();
    let err = c.login("", "alice").await.unwrap_err();
    assert_eq!(err.kind(), LoginErrCode::InvalidAppId);
    assert_eq!(err.code(), 4);
    assert_eq!(c.connection_state(), State::Disconnected);
    assert_eq!(c.user_id(), None);
    assert_eq!(
        drained_states(&mut events).await,
        vec![
            (State::Connecting, Reason::Login),
            (State::Disconnected, Reason::LoginFailure)
        ]
    );
    assert!(system.online_users(APP).is_empty());
}

#[tokio::test(start_paused = true)]
async fn login_to_a_registered_app_without_auto_registration_succeeds() {
    let system = System::new(SystemConfig {
        auto_register_apps: false,
        ..SystemConfig::default()
    });
    system.register_app(APP);
    let c = client(&system);
    c.login("", "alice").await.unwrap();
    // Another App ID on the same system is still refused.
    let other = RtmClient::builder(OTHER_APP)
        .system(&system)
        .build()
        .unwrap();
    assert_eq!(other.login("", "alice").await.unwrap_err().code(), 4);
}

/// After a failed login the client may simply log in again.
#[tokio::test(start_paused = true)]
async fn login_after_a_failed_login_succeeds_once_the_app_exists() {
    let system = System::new(SystemConfig {
        auto_register_apps: false,
        ..SystemConfig::default()
    });
    let c = client(&system);
    assert_eq!(c.login("", "alice").await.unwrap_err().code(), 4);
    system.register_app(APP);
    c.login("", "alice").await.unwrap();
    assert_eq!(c.connection_state(), State::Connected);
}

// ---------------------------------------------------------------------------------------------
// Logout

#[tokio::test(start_paused = true)]
async fn logout_reports_disconnected_logout_and_takes_the_user_offline() {
    let system = common::system();
    let (c, mut events) = logged_in(&system, "alice").await;
    settle().await;
    events.drain();
    c.logout().await.unwrap();
    assert_eq!(c.connection_state(), State::Disconnected);
    assert_eq!(c.user_id(), None);
    assert_eq!(
        drained_states(&mut events).await,
        vec![(State::Disconnected, Reason::Logout)]
    );
    assert!(system.online_users(APP).is_empty());
}

#[tokio::test(start_paused = true)]
async fn logout_when_not_logged_in_fails_with_user_not_logged_in() {
    let system = common::system();
    let c = client(&system);
    let mut events = c.subscribe();
    let err = c.logout().await.unwrap_err();
    assert_eq!(err.kind(), LogoutErrCode::UserNotLoggedIn);
    assert_eq!(err.code(), 102);
    // Also after a logout.
    c.login("", "alice").await.unwrap();
    c.logout().await.unwrap();
    settle().await;
    events.drain();
    assert_eq!(c.logout().await.unwrap_err().code(), 102);
    assert!(drained_states(&mut events).await.is_empty());
}

#[tokio::test(start_paused = true)]
async fn logout_leaves_channels_and_other_members_see_member_left() {
    let system = common::system();
    let (alice, mut alice_events) = logged_in(&system, "alice").await;
    let (bob, _b) = logged_in(&system, "bob").await;
    alice.create_channel("room").unwrap().join().await.unwrap();
    let bob_room = bob.create_channel("room").unwrap();
    bob_room.join().await.unwrap();
    settle().await;
    alice_events.drain();

    bob.logout().await.unwrap();
    assert!(!bob_room.is_joined());
    let alice_saw = common::channel_events(&mut alice_events).await;
    assert!(
        alice_saw.iter().any(|(ch, e)| ch == "room"
            && matches!(e, ChannelEvent::MemberLeft { user_id } if user_id == "bob")),
        "{alice_saw:?}"
    );
    assert_eq!(
        system.channel_members(APP, "room"),
        vec!["alice".to_string()]
    );
    // Bob, back in, is not a member until he joins again.
    bob.login("", "bob").await.unwrap();
    assert!(!bob_room.is_joined());
    assert_eq!(system.channel_members(APP, "room").len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Remote login

#[tokio::test(start_paused = true)]
async fn second_login_of_a_user_kicks_the_first_with_aborted_remote_login() {
    let system = common::system();
    let (old, mut old_events) = logged_in(&system, "alice").await;
    settle().await;
    old_events.drain();

    let (new, mut new_events) = logged_in(&system, "alice").await;
    assert_eq!(
        drained_states(&mut old_events).await,
        vec![(State::Aborted, Reason::RemoteLogin)]
    );
    assert_eq!(old.connection_state(), State::Aborted);
    assert_eq!(old.user_id(), None);
    assert_eq!(new.connection_state(), State::Connected);
    assert_eq!(
        drained_states(&mut new_events).await,
        vec![
            (State::Connecting, Reason::Login),
            (State::Connected, Reason::LoginSuccess)
        ]
    );
    assert_eq!(system.online_users(APP), vec!["alice".to_string()]);
}

/// In ABORTED, login is refused (8) until the app logs out; that logout succeeds locally and
/// reports (DISCONNECTED, LOGOUT) without touching the new session.
#[tokio::test(start_paused = true)]
async fn kicked_client_must_log_out_before_logging_in_again() {
    let system = common::system();
    let (old, mut old_events) = logged_in(&system, "alice").await;
    let (new, mut new_events) = logged_in(&system, "alice").await;
    settle().await;
    old_events.drain();
    new_events.drain();

    let err = old.login("", "alice").await.unwrap_err();
    assert_eq!(err.kind(), LoginErrCode::AlreadyLoggedIn);
    assert_eq!(err.code(), 8);
    assert_eq!(old.connection_state(), State::Aborted);

    old.logout().await.unwrap();
    assert_eq!(old.connection_state(), State::Disconnected);
    assert_eq!(
        drained_states(&mut old_events).await,
        vec![(State::Disconnected, Reason::Logout)]
    );
    // The new session is untouched by the old client's logout.
    assert_eq!(new.connection_state(), State::Connected);
    assert!(drained_states(&mut new_events).await.is_empty());
    assert_eq!(system.online_users(APP), vec!["alice".to_string()]);

    // Operations of the kicked client report "not logged in" meanwhile.
    let err = old
        .send_message_to_peer(
            "alice",
            &RtmMessage::from_text("x"),
            SendMessageOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), 102);
}

#[tokio::test(start_paused = true)]
async fn remote_login_does_not_start_a_kick_loop() {
    let system = common::system();
    let (old, mut old_events) = logged_in(&system, "alice").await;
    let (new, mut new_events) = logged_in(&system, "alice").await;
    settle().await;
    old_events.drain();
    new_events.drain();

    let later_old = common::events_within(&mut old_events, Duration::from_secs(60)).await;
    let later_new = common::events_within(&mut new_events, Duration::from_secs(60)).await;
    assert!(later_old.is_empty(), "{later_old:?}");
    assert!(later_new.is_empty(), "{later_new:?}");
    assert_eq!(old.connection_state(), State::Aborted);
    assert_eq!(new.connection_state(), State::Connected);
    assert_eq!(system.online_users(APP), vec!["alice".to_string()]);
}

/// The kicked session is the one delivered to: messages go to the newest login only.
#[tokio::test(start_paused = true)]
async fn messages_reach_only_the_newest_session_after_a_remote_login() {
    let system = common::system();
    let (_old, mut old_events) = logged_in(&system, "alice").await;
    let (_new, mut new_events) = logged_in(&system, "alice").await;
    let (bob, _b) = logged_in(&system, "bob").await;
    settle().await;
    old_events.drain();
    new_events.drain();
    let sent = bob
        .send_message_to_peer(
            "alice",
            &RtmMessage::from_text("hi"),
            SendMessageOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(sent, PeerDelivery::Received);
    settle().await;
    assert!(old_events.drain().is_empty());
    let got = new_events.drain();
    assert!(
        matches!(&got[..], [RtmEvent::MessageFromPeer { peer_id, message }] if peer_id == "bob" && message.text() == "hi"),
        "{got:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn remote_login_ends_the_kicked_users_channel_memberships() {
    let system = common::system();
    let (alice, mut alice_events) = logged_in(&system, "alice").await;
    let (bob, mut bob_events) = logged_in(&system, "bob").await;
    let alice_room = alice.create_channel("room").unwrap();
    alice_room.join().await.unwrap();
    bob.create_channel("room").unwrap().join().await.unwrap();
    settle().await;
    alice_events.drain();
    bob_events.drain();

    let (alice2, _a2) = logged_in(&system, "alice").await;
    let bob_saw = common::channel_events(&mut bob_events).await;
    let left: Vec<&str> = bob_saw
        .iter()
        .filter_map(|(ch, e)| match e {
            ChannelEvent::MemberLeft { user_id } if ch == "room" => Some(user_id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(left, vec!["alice"], "{bob_saw:?}");
    assert!(!bob_saw
        .iter()
        .any(|(_, e)| matches!(e, ChannelEvent::MemberJoined { .. })));
    assert_eq!(system.channel_members(APP, "room"), vec!["bob".to_string()]);
    assert!(!alice_room.is_joined());
    // The new session is not a member either, and can join afresh.
    let room2 = alice2.create_channel("room").unwrap();
    assert!(!room2.is_joined());
    room2.join().await.unwrap();
    assert_eq!(
        system.channel_members(APP, "room"),
        vec!["bob".to_string(), "alice".to_string()]
    );
}

/// A kicked-then-logged-out client may log in again; that kicks the other session in turn.
#[tokio::test(start_paused = true)]
async fn kicked_client_can_take_the_session_back_after_logout() {
    let system = common::system();
    let (first, _f) = logged_in(&system, "alice").await;
    let (second, mut second_events) = logged_in(&system, "alice").await;
    settle().await;
    second_events.drain();
    first.logout().await.unwrap();
    first.login("", "alice").await.unwrap();
    assert_eq!(first.connection_state(), State::Connected);
    assert_eq!(
        drained_states(&mut second_events).await,
        vec![(State::Aborted, Reason::RemoteLogin)]
    );
    assert_eq!(second.connection_state(), State::Aborted);
}

// ---------------------------------------------------------------------------------------------
// Token renewal

#[tokio::test(start_paused = true)]
async fn renew_token_succeeds_when_logged_in_without_state_change() {
    let system = common::system();
    let (c, mut events) = logged_in(&system, "alice").await;
    settle().await;
    events.drain();
    c.renew_token("a-new-token").await.unwrap();
    assert_eq!(c.connection_state(), State::Connected);
    settle().await;
    assert!(events.drain().is_empty());
}

#[tokio::test(start_paused = true)]
async fn renew_token_with_an_empty_token_fails_with_invalid_argument() {
    let system = common::system();
    let (c, _e) = logged_in(&system, "alice").await;
    let err = c.renew_token("").await.unwrap_err();
    assert_eq!(err.kind(), RenewTokenErrCode::InvalidArgument);
    assert_eq!(err.code(), 2);
}

#[tokio::test(start_paused = true)]
async fn renew_token_when_not_logged_in_fails_with_user_not_logged_in() {
    let system = common::system();
    let c = client(&system);
    let err = c.renew_token("token").await.unwrap_err();
    assert_eq!(err.kind(), RenewTokenErrCode::UserNotLoggedIn);
    assert_eq!(err.code(), 102);
    // Nor in ABORTED.
    c.login("", "alice").await.unwrap();
    let (_other, _o) = logged_in(&system, "alice").await;
    settle().await;
    assert_eq!(c.connection_state(), State::Aborted);
    assert_eq!(c.renew_token("token").await.unwrap_err().code(), 102);
}

#[tokio::test(start_paused = true)]
async fn third_renew_token_within_a_second_fails_with_too_often() {
    let system = common::system();
    let (c, _e) = logged_in(&system, "alice").await;
    c.renew_token("t1").await.unwrap();
    c.renew_token("t2").await.unwrap();
    let err = c.renew_token("t3").await.unwrap_err();
    assert_eq!(err.kind(), RenewTokenErrCode::TooOften);
    assert_eq!(err.code(), 4);
    tokio::time::sleep(Duration::from_secs(1)).await;
    c.renew_token("t4").await.unwrap();
}

/// A renewal the system never answers fails with FAILURE (1) after the renew timeout (10 s,
/// chosen in config.rs since the native value is unconfirmed); the session stays up.
#[tokio::test(start_paused = true)]
async fn renew_token_without_an_answer_fails_after_the_renew_timeout() {
    let system = common::system();
    let c = client_with(Arc::new(LossyConnector {
        inner: InProcessConnector::new(system.clone()),
        drop_if: |r| matches!(r, Request::RenewToken { .. }),
    }));
    c.login("", "alice").await.unwrap();
    let start = Instant::now();
    let err = c.renew_token("t").await.unwrap_err();
    assert_eq!(err.kind(), RenewTokenErrCode::Failure);
    assert_eq!(err.code(), 1);
    assert_eq!(start.elapsed(), Duration::from_secs(10));
    assert_eq!(c.connection_state(), State::Connected);
}

// ---------------------------------------------------------------------------------------------
// Release

#[tokio::test(start_paused = true)]
async fn calls_after_release_fail_with_not_initialized() {
    let system = common::system();
    let (c, _e) = logged_in(&system, "alice").await;
    let (_bob, _b) = logged_in(&system, "bob").await;
    let room = c.create_channel("room").unwrap();
    room.join().await.unwrap();
    c.release();

    let err = c.login("", "alice").await.unwrap_err();
    assert_eq!(err.kind(), LoginErrCode::NotInitialized);
    assert_eq!(err.code(), 101);
    let err = c.logout().await.unwrap_err();
    assert_eq!(err.kind(), LogoutErrCode::NotInitialized);
    assert_eq!(err.code(), 101);
    let err = c.create_channel("other").err().unwrap();
    assert_eq!(err.kind(), CreateChannelErr::NotInitialized);
    assert_eq!(err.code(), 101);
    let err = c
        .send_message_to_peer(
            "bob",
            &RtmMessage::from_text("x"),
            SendMessageOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), PeerMessageErrCode::NotInitialized);
    assert_eq!(err.code(), 101);
    let err = room
        .send_message(&RtmMessage::from_text("x"), SendMessageOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), 101);
    assert_eq!(c.renew_token("t").await.unwrap_err().code(), 101);
    assert_eq!(
        c.query_peers_online_status(&["bob"])
            .await
            .unwrap_err()
            .code(),
        101
    );
    assert_eq!(c.connection_state(), State::Disconnected);
}

/// Releasing a logged-in client ends its session on the system at once, and ends its streams.
#[tokio::test(start_paused = true)]
async fn release_ends_the_session_and_the_event_streams() {
    let system = common::system();
    let (alice, mut alice_events) = logged_in(&system, "alice").await;
    let (bob, mut bob_events) = logged_in(&system, "bob").await;
    alice.create_channel("room").unwrap().join().await.unwrap();
    bob.create_channel("room").unwrap().join().await.unwrap();
    settle().await;
    alice_events.drain();
    bob_events.drain();

    alice.release();
    alice.release(); // twice is harmless
    settle().await;
    assert_eq!(system.online_users(APP), vec!["bob".to_string()]);
    let bob_saw = common::channel_events(&mut bob_events).await;
    assert!(bob_saw.iter().any(|(ch, e)| ch == "room"
        && matches!(e, ChannelEvent::MemberLeft { user_id } if user_id == "alice")));
    // Whatever was queued before release may still be read; then the stream ends.
    while alice_events.try_recv().is_some() {}
    assert!(alice_events.recv().await.is_none());
    // Bob can no longer reach alice.
    let err = bob
        .send_message_to_peer(
            "alice",
            &RtmMessage::from_text("x"),
            SendMessageOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), 3);
}

// ---------------------------------------------------------------------------------------------
// App isolation

#[tokio::test(start_paused = true)]
async fn same_user_id_in_two_apps_does_not_kick_either_session() {
    let system = common::system();
    let (a, mut a_events) = logged_in(&system, "alice").await;
    let other = RtmClient::builder(OTHER_APP)
        .system(&system)
        .build()
        .unwrap();
    let mut other_events = other.subscribe();
    other.login("", "alice").await.unwrap();
    settle().await;
    a_events.drain();
    other_events.drain();

    let later = common::events_within(&mut a_events, Duration::from_secs(10)).await;
    assert!(later.is_empty(), "{later:?}");
    assert_eq!(a.connection_state(), State::Connected);
    assert_eq!(other.connection_state(), State::Connected);
    assert_eq!(system.online_users(APP), vec!["alice".to_string()]);
    assert_eq!(system.online_users(OTHER_APP), vec!["alice".to_string()]);
}

#[tokio::test(start_paused = true)]
async fn messages_and_presence_do_not_cross_apps() {
    let system = common::system();
    let (alice, mut alice_events) = logged_in(&system, "alice").await;
    let bob_other = RtmClient::builder(OTHER_APP)
        .system(&system)
        .build()
        .unwrap();
    let mut bob_other_events = bob_other.subscribe();
    bob_other.login("", "bob").await.unwrap();
    let alice_other = RtmClient::builder(OTHER_APP)
        .system(&system)
        .build()
        .unwrap();
    let mut alice_other_events = alice_other.subscribe();
    alice_other.login("", "alice").await.unwrap();
    settle().await;
    alice_events.drain();
    bob_other_events.drain();
    alice_other_events.drain();

    // bob exists only in the other app: unreachable from APP.
    let err = alice
        .send_message_to_peer(
            "bob",
            &RtmMessage::from_text("hi"),
            SendMessageOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), PeerMessageErrCode::PeerUnreachable);
    let status = alice.query_peers_online_status(&["bob"]).await.unwrap();
    assert_eq!(
        status[0].online_state,
        sig2rtm::rtm::PeerOnlineState::Offline
    );
    // alice of the other app messages "alice": it reaches only the other app's alice (herself).
    bob_other
        .send_message_to_peer(
            "alice",
            &RtmMessage::from_text("other app"),
            SendMessageOptions::default(),
        )
        .await
        .unwrap();
    // Offline messages kept in one app are not delivered in the other.
    alice
        .send_message_to_peer(
            "carol",
            &RtmMessage::from_text("kept in APP"),
            SendMessageOptions {
                enable_offline_messaging: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let carol_other = RtmClient::builder(OTHER_APP)
        .system(&system)
        .build()
        .unwrap();
    let mut carol_other_events = carol_other.subscribe();
    carol_other.login("", "carol").await.unwrap();

    settle().await;
    assert!(common::drain_non_state(&mut alice_events).await.is_empty());
    assert!(common::drain_non_state(&mut carol_other_events)
        .await
        .is_empty());
    assert_eq!(system.offline_messages_for(APP, "carol"), 1);
    let got = common::drain_non_state(&mut alice_other_events).await;
    assert!(
        matches!(&got[..], [RtmEvent::MessageFromPeer { peer_id, message }] if peer_id == "bob" && message.text() == "other app"),
        "{got:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn channels_with_the_same_id_in_two_apps_are_separate() {
    let system = common::system();
    let (alice, mut alice_events) = logged_in(&system, "alice").await;
    let bob = RtmClient::builder(OTHER_APP)
        .system(&system)
        .build()
        .unwrap();
    bob.login("", "bob").await.unwrap();
    let room = alice.create_channel("room").unwrap();
    room.join().await.unwrap();
    settle().await;
    alice_events.drain();
    let bob_room = bob.create_channel("room").unwrap();
    bob_room.join().await.unwrap();
    bob_room
        .send_message(&RtmMessage::from_text("x"), SendMessageOptions::default())
        .await
        .unwrap();
    assert!(common::channel_events(&mut alice_events).await.is_empty());
    assert_eq!(
        system.channel_members(APP, "room"),
        vec!["alice".to_string()]
    );
    assert_eq!(
        system.channel_members(OTHER_APP, "room"),
        vec!["bob".to_string()]
    );
}

// ---------------------------------------------------------------------------------------------
// Transports that fail

#[tokio::test(start_paused = true)]
async fn login_without_an_answer_times_out_after_six_seconds() {
    let c = client_with(Arc::new(BlackHoleConnector));
    let mut events = c.subscribe();
    let start = Instant::now();
    let err = c.login("", "alice").await.unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_secs(6));
    assert_eq!(err.kind(), LoginErrCode::Timeout);
    assert_eq!(err.code(), 9);
    assert_eq!(c.connection_state(), State::Disconnected);
    assert_eq!(c.user_id(), None);
    assert_eq!(
        drained_states(&mut events).await,
        vec![
            (State::Connecting, Reason::Login),
            (State::Disconnected, Reason::LoginTimeout)
        ]
    );
    // Nothing more happens afterwards.
    let later = common::events_within(&mut events, Duration::from_secs(30)).await;
    assert!(later.is_empty(), "{later:?}");
}

#[tokio::test(start_paused = true)]
async fn login_when_the_connector_cannot_connect_fails_with_login_failure() {
    let c = client_with(Arc::new(RefusingConnector));
    let mut events = c.subscribe();
    let err = c.login("", "alice").await.unwrap_err();
    assert_eq!(err.kind(), LoginErrCode::Unknown);
    assert_eq!(err.code(), 1);
    assert!(
        err.detail().contains("unreachable test system"),
        "{}",
        err.detail()
    );
    assert_eq!(c.connection_state(), State::Disconnected);
    assert_eq!(
        drained_states(&mut events).await,
        vec![
            (State::Connecting, Reason::Login),
            (State::Disconnected, Reason::LoginFailure)
        ]
    );
}

/// A link that closes while the login is in flight fails the login: the client goes straight
/// back to (DISCONNECTED, LOGIN_FAILURE), never through ABORTED.
#[tokio::test(start_paused = true)]
async fn login_over_a_link_that_refuses_the_request_fails_with_login_failure() {
    let c = client_with(Arc::new(ClosingConnector { refuse: true }));
    let mut events = c.subscribe();
    let err = c.login("", "alice").await.unwrap_err();
    assert_eq!(err.kind(), LoginErrCode::Unknown);
    assert_eq!(c.connection_state(), State::Disconnected);
    assert_eq!(
        drained_states(&mut events).await,
        vec![
            (State::Connecting, Reason::Login),
            (State::Disconnected, Reason::LoginFailure)
        ]
    );
    // And the client is usable again for a later login attempt.
    let err = c.login("", "alice").await.unwrap_err();
    assert_eq!(err.kind(), LoginErrCode::Unknown);
}

/// Same when the request seemed to go out but the link then closed without an answer.
#[tokio::test(start_paused = true)]
async fn login_over_a_link_that_closes_before_answering_fails_with_login_failure() {
    let c = client_with(Arc::new(ClosingConnector { refuse: false }));
    let mut events = c.subscribe();
    let err = c.login("", "alice").await.unwrap_err();
    assert_eq!(err.kind(), LoginErrCode::Unknown);
    assert_eq!(c.connection_state(), State::Disconnected);
    assert_eq!(
        drained_states(&mut events).await,
        vec![
            (State::Connecting, Reason::Login),
            (State::Disconnected, Reason::LoginFailure)
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn login_after_a_timeout_can_succeed() {
    // The first attempt is lost; the second goes through.
    let system = common::system();
    let attempts = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    struct FlakyConnector {
        system: System,
        attempts: Arc<std::sync::atomic::AtomicUsize>,
    }
    #[async_trait::async_trait]
    impl Connector for FlakyConnector {
        async fn connect(&self) -> std::io::Result<Link> {
            if self
                .attempts
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
                == 0
            {
                BlackHoleConnector.connect().await
            } else {
                InProcessConnector::new(self.system.clone()).connect().await
            }
        }
        fn describe(&self) -> String {
            "flaky".into()
        }
    }
    let c = client_with(Arc::new(FlakyConnector {
        system: system.clone(),
        attempts: attempts.clone(),
    }));
    assert_eq!(c.login("", "alice").await.unwrap_err().code(), 9);
    c.login("", "alice").await.unwrap();
    assert_eq!(c.connection_state(), State::Connected);
    assert_eq!(system.online_users(APP), vec!["alice".to_string()]);
    assert_eq!(attempts.load(std::sync::atomic::Ordering::SeqCst), 2);
}

/// A logout while the login is still in flight abandons it at once: the login fails, and the only
/// state change after CONNECTING is (DISCONNECTED, LOGOUT).
#[tokio::test(start_paused = true)]
async fn logout_while_connecting_cancels_the_login() {
    let c = client_with(Arc::new(BlackHoleConnector));
    let mut events = c.subscribe();
    let pending = {
        let c = c.clone();
        tokio::spawn(async move { c.login("", "alice").await })
    };
    settle().await;
    assert_eq!(c.connection_state(), State::Connecting);
    let start = Instant::now();
    c.logout().await.unwrap();
    assert!(
        start.elapsed() < Duration::from_millis(100),
        "logout did not wait"
    );
    let err = pending.await.unwrap().unwrap_err();
    assert_eq!(err.kind(), LoginErrCode::Unknown);
    assert_eq!(c.connection_state(), State::Disconnected);
    assert_eq!(
        drained_states(&mut events).await,
        vec![
            (State::Connecting, Reason::Login),
            (State::Disconnected, Reason::Logout)
        ]
    );
    let later = common::events_within(&mut events, Duration::from_secs(30)).await;
    assert!(later.is_empty(), "{later:?}");
}

/// Same when the logout comes before the connector has even opened the link: the login does not
/// go on to log in afterwards.
#[tokio::test(start_paused = true)]
async fn logout_before_the_link_opens_cancels_the_login() {
    struct SlowConnector(System);
    #[async_trait::async_trait]
    impl Connector for SlowConnector {
        async fn connect(&self) -> std::io::Result<Link> {
            tokio::time::sleep(Duration::from_secs(1)).await;
            InProcessConnector::new(self.0.clone()).connect().await
        }
        fn describe(&self) -> String {
            "slow".into()
        }
    }
    let system = common::system();
    let c = client_with(Arc::new(SlowConnector(system.clone())));
    let mut events = c.subscribe();
    let pending = {
        let c = c.clone();
        tokio::spawn(async move { c.login("", "alice").await })
    };
    settle().await;
    c.logout().await.unwrap();
    let err = pending.await.unwrap().unwrap_err();
    assert_eq!(err.kind(), LoginErrCode::Unknown);
    assert_eq!(c.connection_state(), State::Disconnected);
    assert!(system.online_users(APP).is_empty());
    assert_eq!(
        drained_states(&mut events).await,
        vec![
            (State::Connecting, Reason::Login),
            (State::Disconnected, Reason::Logout)
        ]
    );
    // A later login works normally.
    c.login("", "alice").await.unwrap();
    assert_eq!(system.online_users(APP), vec!["alice".to_string()]);
}

// ---------------------------------------------------------------------------------------------
// Event subscribers (addEventHandler / removeEventHandler)

/// What a stream holds now, as comparable text.
async fn debug_events(events: &mut sig2rtm::rtm::EventStream) -> Vec<String> {
    settle().await;
    events.drain().iter().map(|e| format!("{e:?}")).collect()
}

/// Two subscribers of one client (`addEventHandler` twice) see the same events in the same
/// order: connection states, a peer message and channel events.
#[tokio::test(start_paused = true)]
async fn every_event_stream_of_a_client_gets_every_event_in_the_same_order() {
    let system = common::system();
    let alice = client(&system);
    let mut first = alice.subscribe();
    let mut second = alice.subscribe();
    alice.login("", "alice").await.unwrap();
    let (bob, _bob_events) = logged_in(&system, "bob").await;
    bob.send_message_to_peer(
        "alice",
        &RtmMessage::from_text("hi"),
        SendMessageOptions::default(),
    )
    .await
    .unwrap();
    alice.create_channel("room").unwrap().join().await.unwrap();

    let seen_first = debug_events(&mut first).await;
    let seen_second = debug_events(&mut second).await;
    assert_eq!(seen_first, seen_second);
    assert!(seen_first.len() >= 4, "{seen_first:?}");
    assert!(seen_first.iter().any(|e| e.contains("MessageFromPeer")));
    assert!(seen_first.iter().any(|e| e.contains("MemberCountUpdated")));
}

/// A subscriber added after login gets what happens from then on, not the login's events.
#[tokio::test(start_paused = true)]
async fn an_event_stream_subscribed_later_gets_only_later_events() {
    let system = common::system();
    let (alice, _early) = logged_in(&system, "alice").await;
    settle().await;
    let mut late = alice.subscribe();
    assert!(debug_events(&mut late).await.is_empty());

    alice.logout().await.unwrap();
    settle().await;
    assert_eq!(
        state_changes(&late.drain()),
        vec![(State::Disconnected, Reason::Logout)]
    );
}

/// Dropping one subscriber's stream (`removeEventHandler`) does not disturb the others.
#[tokio::test(start_paused = true)]
async fn dropping_an_event_stream_leaves_the_other_streams_receiving() {
    let system = common::system();
    let alice = client(&system);
    let dropped = alice.subscribe();
    let mut kept = alice.subscribe();
    alice.login("", "alice").await.unwrap();
    settle().await;
    kept.drain();
    drop(dropped);

    let (bob, _bob_events) = logged_in(&system, "bob").await;
    bob.send_message_to_peer(
        "alice",
        &RtmMessage::from_text("still there?"),
        SendMessageOptions::default(),
    )
    .await
    .unwrap();
    settle().await;
    let got = kept.drain();
    assert!(
        got.iter().any(|e| matches!(
            e,
            RtmEvent::MessageFromPeer { message, .. } if message.text() == "still there?"
        )),
        "{got:?}"
    );
}

/// A runtime with two worker threads, for races between real threads.
fn two_workers() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a two-worker runtime")
}

/// Two logins of one account racing: whatever the interleaving, exactly one session stands on
/// the system, its client is CONNECTED, and the other client ends ABORTED (REMOTE_LOGIN) —
/// never both connected, never both out. A message sent right after reaches the standing
/// session only.
#[test]
fn racing_logins_of_one_account_end_with_exactly_one_session() {
    two_workers().block_on(async {
        for round in 0..200 {
            let system = common::system();
            let (bob, _b) = logged_in(&system, "bob").await;
            let one = common::client(&system);
            let two = common::client(&system);
            let (mut one_events, mut two_events) = (one.subscribe(), two.subscribe());
            // Both logins start together on separate tasks; the yields shift which reaches
            // the system first from one round to the next.
            let spins = round % 7;
            let a = {
                let one = one.clone();
                tokio::spawn(async move {
                    for _ in 0..spins {
                        tokio::task::yield_now().await;
                    }
                    one.login("", "alice").await
                })
            };
            let b = {
                let two = two.clone();
                tokio::spawn(async move { two.login("", "alice").await })
            };
            let (ra, rb) = (a.await.unwrap(), b.await.unwrap());
            // The loser's kick is on its way: wait (bounded) until neither client is mid-way.
            let settled = std::time::Instant::now();
            while [one.connection_state(), two.connection_state()].contains(&State::Connecting)
                || one.connection_state() == two.connection_state()
            {
                if settled.elapsed() > Duration::from_secs(5) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }

            let states = [one.connection_state(), two.connection_state()];
            let connected = states.iter().filter(|s| **s == State::Connected).count();
            assert_eq!(connected, 1, "round {round}: {states:?} ({ra:?}, {rb:?})");
            for (state, result) in [(states[0], &ra), (states[1], &rb)] {
                match state {
                    State::Connected => assert!(result.is_ok(), "round {round}"),
                    State::Aborted => {}
                    other => panic!("round {round}: the loser is {other:?} ({result:?})"),
                }
            }
            assert_eq!(system.online_users(APP), ["alice", "bob"], "round {round}");

            let winner_events = if states[0] == State::Connected {
                &mut one_events
            } else {
                &mut two_events
            };
            winner_events.drain();
            let loser_events = if states[0] == State::Connected {
                &mut two_events
            } else {
                &mut one_events
            };
            loser_events.drain();
            let sent = bob
                .send_message_to_peer(
                    "alice",
                    &RtmMessage::from_text("only once"),
                    SendMessageOptions::default(),
                )
                .await;
            assert_eq!(sent, Ok(PeerDelivery::Received), "round {round}");
            // Received means the winner's client has it; a stray copy to the loser would have
            // been queued before that answer.
            tokio::time::sleep(Duration::from_millis(2)).await;
            let winner_events = if states[0] == State::Connected {
                &mut one_events
            } else {
                &mut two_events
            };
            let got = winner_events.drain();
            assert!(
                got.iter()
                    .any(|e| matches!(e, RtmEvent::MessageFromPeer { .. })),
                "round {round}: {got:?}"
            );
            let loser_events = if states[0] == State::Connected {
                &mut two_events
            } else {
                &mut one_events
            };
            let lost = loser_events.drain();
            assert!(
                !lost
                    .iter()
                    .any(|e| matches!(e, RtmEvent::MessageFromPeer { .. })),
                "round {round}: {lost:?}"
            );
            one.release();
            two.release();
        }
    });
}

/// Messages streaming to an account while a second device logs in: each message reaches one
/// device, never both, and none that was answered with success is lost.
#[test]
fn messages_racing_a_remote_login_reach_one_device_each() {
    two_workers().block_on(async {
        for round in 0..50 {
            let system = common::system();
            let (bob, _b) = logged_in(&system, "bob").await;
            let (old, mut old_events) = logged_in(&system, "alice").await;
            let newer = common::client(&system);
            let mut new_events = newer.subscribe();
            let sender = tokio::spawn(async move {
                let mut answered = Vec::new();
                for i in 0..40 {
                    let text = format!("m{i}");
                    let sent = bob
                        .send_message_to_peer(
                            "alice",
                            &RtmMessage::from_text(text.as_str()),
                            SendMessageOptions {
                                enable_offline_messaging: true,
                                ..SendMessageOptions::default()
                            },
                        )
                        .await;
                    if sent.is_ok() {
                        answered.push(text);
                    }
                    if i % 4 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
                answered
            });
            for _ in 0..(round % 9) {
                tokio::task::yield_now().await;
            }
            newer.login("", "alice").await.unwrap();
            let answered = sender.await.unwrap();
            // Every answered message is with a client by now; let their event streams fill.
            tokio::time::sleep(Duration::from_millis(10)).await;
            let texts = |events: &mut sig2rtm::rtm::EventStream| -> Vec<String> {
                events
                    .drain()
                    .into_iter()
                    .filter_map(|e| match e {
                        RtmEvent::MessageFromPeer { message, .. } => {
                            Some(message.text().to_string())
                        }
                        _ => None,
                    })
                    .collect()
            };
            let (to_old, to_new) = (texts(&mut old_events), texts(&mut new_events));
            for text in &answered {
                let n = to_old.iter().chain(&to_new).filter(|t| *t == text).count();
                assert_eq!(
                    n, 1,
                    "round {round}: {text} arrived {n} times ({to_old:?} / {to_new:?})"
                );
            }
            assert_eq!(old.connection_state(), State::Aborted, "round {round}");
            old.release();
            newer.release();
        }
    });
}

/// One driver task per client: an idle logged-in client runs exactly one task (no reader per
/// link, supervisor or timer tasks besides it), and none once logged out.
#[tokio::test(start_paused = true)]
async fn a_logged_in_idle_client_runs_one_task() {
    let system = System::new(SystemConfig::default());
    let metrics = tokio::runtime::Handle::current().metrics();
    // A first client, so that the system's own timer task runs before counting.
    let (_first, _first_events) = logged_in(&system, "first").await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let before = metrics.num_alive_tasks();
    let (idle, _events) = logged_in(&system, "idle").await;
    // Pings go back and forth for a while.
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(idle.connection_state(), State::Connected);
    assert_eq!(metrics.num_alive_tasks(), before + 1);
    idle.logout().await.unwrap();
    settle().await;
    assert_eq!(metrics.num_alive_tasks(), before);
}
