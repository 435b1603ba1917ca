//! Tokens on the embedded system (spec/rtm-1x.md §6): App-ID-only apps and apps with an App
//! Certificate, login and renewal codes, expiry while connected and while reconnecting — with
//! tokens from the crate's builder and a published Agora vector. All in virtual time; the
//! system's clock (which tokens are checked against) follows it.

mod common;

use common::settle;
use sig2rtm::rtm::{
    ConnectionChangeReason as Reason, ConnectionState as State, EventStream, LoginErrCode,
    PeerDelivery, RenewTokenErrCode, RtmClient, RtmCode, RtmEvent, RtmMessage, SendMessageOptions,
};
use sig2rtm::system::{System, SystemConfig};
use sig2rtm::token::{RtmTokenBuilder, RTM_TOKEN_VALIDITY_SECS};
use std::time::Duration;
use tokio::time::{sleep, Instant};

const APP: &str = "970CA35de60c44645bbae8a215061b33";
const CERT: &str = "5CFd2fd1755d40ecb72977518be15d3b";
const OTHER_CERT: &str = "00000000000000000000000000000000";
/// The system's clock at its start (Unix seconds).
const EPOCH: u64 = 1_700_000_000;

// Published vector from AgoraIO/Tools (RtmTokenTest.js): account "test_user", salt 1, valid
// until Unix time 1111111.
const AGORA_RTM_TOKEN: &str = "006970CA35de60c44645bbae8a215061b33IAAsR0qgiCxv0vrpRcpkz5BrbfEWCBZ6kvR6t7qG/wJIQob86ogAAAAAEAABAAAAR/QQAAEA6AOvKDdW";

fn system_at(epoch_secs: u64) -> System {
    System::new(SystemConfig {
        epoch_ms: Some(epoch_secs * 1000),
        ..SystemConfig::default()
    })
}

/// A system whose clock starts at [`EPOCH`], with [`APP`] registered with [`CERT`].
fn certified() -> System {
    let system = system_at(EPOCH);
    system.register_app_with_certificate(APP, CERT);
    system
}

fn now_secs(system: &System) -> u64 {
    system.now_ms() / 1000
}

/// A token for `user` built now on the system's clock (valid 24 h).
fn fresh(system: &System, user: &str) -> String {
    RtmTokenBuilder::build(APP, CERT, user, now_secs(system), 42)
}

/// A token for `user` that expires `in_secs` from now on the system's clock.
fn expiring(system: &System, user: &str, in_secs: u64) -> String {
    let built_at = now_secs(system) + in_secs - u64::from(RTM_TOKEN_VALIDITY_SECS);
    RtmTokenBuilder::build(APP, CERT, user, built_at, 7)
}

fn client(system: &System) -> (RtmClient, EventStream) {
    let c = RtmClient::builder(APP).system(system).build().unwrap();
    let events = c.subscribe();
    (c, events)
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

/// State changes and token-expiry events, in order.
fn lifecycle(events: &[RtmEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            RtmEvent::ConnectionStateChanged { state, reason } => {
                Some(format!("{} {}", state.name(), reason.name()))
            }
            RtmEvent::TokenExpired => Some("TokenExpired".into()),
            _ => None,
        })
        .collect()
}

async fn until_state(client: &RtmClient, state: State, max: Duration) {
    let deadline = Instant::now() + max;
    while client.connection_state() != state {
        assert!(Instant::now() < deadline, "not {state:?} within {max:?}");
        sleep(Duration::from_millis(50)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Login

#[tokio::test(start_paused = true)]
async fn login_with_a_token_from_the_builder_succeeds_on_a_certified_app() {
    let system = certified();
    let (alice, mut events) = client(&system);
    alice
        .login(&fresh(&system, "alice"), "alice")
        .await
        .unwrap();
    settle().await;
    assert_eq!(
        state_changes(&events.drain()),
        vec![
            (State::Connecting, Reason::Login),
            (State::Connected, Reason::LoginSuccess)
        ]
    );
    assert_eq!(system.online_users(APP), vec!["alice".to_string()]);
}

/// A token made by Agora's own published builder is accepted while valid, and refused as
/// expired after its `ts`.
#[tokio::test(start_paused = true)]
async fn published_agora_token_is_accepted_until_it_expires() {
    let system = system_at(1_111_100);
    system.register_app_with_certificate(APP, CERT);
    let (c, _e) = client(&system);
    c.login(AGORA_RTM_TOKEN, "test_user").await.unwrap();
    c.logout().await.unwrap();
    sleep(Duration::from_secs(11)).await; // now 1111111: expired
    let err = c.login(AGORA_RTM_TOKEN, "test_user").await.unwrap_err();
    assert_eq!((err.kind(), err.code()), (LoginErrCode::TokenExpired, 6));
}

/// Every refused token fails the login with its code and (DISCONNECTED, LOGIN_FAILURE).
#[tokio::test(start_paused = true)]
async fn certified_app_refuses_missing_wrong_expired_and_foreign_tokens() {
    let system = certified();
    let now = now_secs(&system);
    let cases: Vec<(&str, String, LoginErrCode)> = vec![
        ("no token", String::new(), LoginErrCode::InvalidToken),
        ("the App ID", APP.to_string(), LoginErrCode::InvalidToken),
        ("garbage", "006garbage".into(), LoginErrCode::InvalidToken),
        (
            "another certificate",
            RtmTokenBuilder::build(APP, OTHER_CERT, "alice", now, 1),
            LoginErrCode::InvalidToken,
        ),
        (
            "another user's token",
            fresh(&system, "bob"),
            LoginErrCode::InvalidToken,
        ),
        (
            "another app's token",
            RtmTokenBuilder::build("fedcba9876543210fedcba9876543210", CERT, "alice", now, 1),
            LoginErrCode::InvalidToken,
        ),
        (
            "an expired token",
            RtmTokenBuilder::build(APP, CERT, "alice", now - 86_400, 1),
            LoginErrCode::TokenExpired,
        ),
    ];
    for (what, token, code) in cases {
        let (alice, mut events) = client(&system);
        let err = alice.login(&token, "alice").await.unwrap_err();
        assert_eq!(err.kind(), code, "{what}: {err}");
        settle().await;
        assert_eq!(
            state_changes(&events.drain()),
            vec![
                (State::Connecting, Reason::Login),
                (State::Disconnected, Reason::LoginFailure)
            ],
            "{what}"
        );
        assert!(system.online_users(APP).is_empty(), "{what}");
        sleep(Duration::from_secs(1)).await; // login rate limit
    }
}

/// An App-ID-only app needs no token, and ignores one given anyway.
#[tokio::test(start_paused = true)]
async fn app_id_only_app_accepts_no_token_and_ignores_any_token() {
    let system = system_at(EPOCH);
    system.register_app(APP);
    let mut clients = Vec::new();
    for (user, token) in [
        ("a", String::new()),
        ("b", "whatever".to_string()),
        ("c", RtmTokenBuilder::build(APP, CERT, "someone-else", 1, 1)),
    ] {
        let (c, _e) = client(&system);
        c.login(&token, user).await.unwrap();
        clients.push(c);
    }
    assert_eq!(system.online_users(APP).len(), 3);
}

/// Enabling the certificate later leaves connected users online; new logins need a token.
#[tokio::test(start_paused = true)]
async fn certificate_enabled_later_applies_to_new_logins_only() {
    let system = system_at(EPOCH);
    system.register_app(APP);
    let (alice, _a) = client(&system);
    alice.login("", "alice").await.unwrap();
    system.register_app_with_certificate(APP, CERT);
    let (bob, _b) = client(&system);
    assert_eq!(bob.login("", "bob").await.unwrap_err().code(), 5);
    sleep(Duration::from_secs(1)).await;
    bob.login(&fresh(&system, "bob"), "bob").await.unwrap();
    assert_eq!(alice.connection_state(), State::Connected);
}

// ---------------------------------------------------------------------------------------------
// renewToken

#[tokio::test(start_paused = true)]
async fn renew_token_checks_the_new_token_with_its_own_codes() {
    let system = certified();
    let (alice, mut events) = client(&system);
    alice
        .login(&fresh(&system, "alice"), "alice")
        .await
        .unwrap();
    settle().await;
    events.drain();
    let now = now_secs(&system);
    let expired = RtmTokenBuilder::build(APP, CERT, "alice", now - 86_400, 1);
    let err = alice.renew_token(&expired).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (RenewTokenErrCode::TokenExpired, 5)
    );
    let err = alice.renew_token(&fresh(&system, "bob")).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (RenewTokenErrCode::InvalidToken, 6)
    );
    sleep(Duration::from_secs(1)).await;
    let err = alice.renew_token("nonsense").await.unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (RenewTokenErrCode::InvalidToken, 6)
    );
    alice.renew_token(&fresh(&system, "alice")).await.unwrap();
    settle().await;
    assert!(events.drain().is_empty());
    assert_eq!(alice.connection_state(), State::Connected);
}

// ---------------------------------------------------------------------------------------------
// Expiry

/// As in RTM 1.x native: the token expiring does not disconnect a connected user.
#[tokio::test(start_paused = true)]
async fn connected_user_stays_online_when_its_token_expires() {
    let system = certified();
    let (alice, mut events) = client(&system);
    alice
        .login(&expiring(&system, "alice", 60), "alice")
        .await
        .unwrap();
    let (bob, _b) = client(&system);
    bob.login(&fresh(&system, "bob"), "bob").await.unwrap();
    settle().await;
    events.drain();
    sleep(Duration::from_secs(120)).await;
    assert_eq!(alice.connection_state(), State::Connected);
    let later = events.drain();
    assert!(lifecycle(&later).is_empty(), "{later:?}");
    assert_eq!(
        bob.send_message_to_peer(
            "alice",
            &RtmMessage::from_text("hi"),
            SendMessageOptions::default()
        )
        .await
        .unwrap(),
        PeerDelivery::Received
    );
}

/// The token expires while the client is away: on its return the resume is refused, the app
/// gets TokenExpired once while RECONNECTING (state unchanged), and renew_token with a fresh
/// token lets the reconnection finish.
#[tokio::test(start_paused = true)]
async fn token_expired_while_reconnecting_is_reported_and_renewal_finishes_the_reconnect() {
    let system = certified();
    let (alice, mut events) = client(&system);
    alice
        .login(&expiring(&system, "alice", 15), "alice")
        .await
        .unwrap();
    settle().await;
    events.drain();
    sleep(Duration::from_millis(10_490)).await; // t = 10.5 s
    system.cut_user_for(APP, "alice", Duration::from_secs(10));
    sleep(Duration::from_secs(20)).await; // t = 30.5: back on the network, token expired at 15
    assert_eq!(alice.connection_state(), State::Reconnecting);
    assert_eq!(
        lifecycle(&events.drain()),
        vec!["RECONNECTING INTERRUPTED", "TokenExpired"]
    );
    let start = Instant::now();
    alice.renew_token(&fresh(&system, "alice")).await.unwrap();
    assert!(start.elapsed() < Duration::from_millis(100));
    settle().await;
    assert_eq!(alice.connection_state(), State::Connected);
    assert_eq!(lifecycle(&events.drain()), vec!["CONNECTED LOGIN_SUCCESS"]);
    // Back within the grace: the same session.
    assert_eq!(system.online_users(APP), vec!["alice".to_string()]);
}

/// Renewing with a token that does not work either: the renewal fails with the resume's
/// verdict and the client keeps trying with it; a good token then finishes the reconnect.
#[tokio::test(start_paused = true)]
async fn bad_renewal_while_reconnecting_fails_and_a_good_one_finishes_the_reconnect() {
    let system = certified();
    let (alice, mut events) = client(&system);
    alice
        .login(&expiring(&system, "alice", 15), "alice")
        .await
        .unwrap();
    sleep(Duration::from_millis(10_500)).await;
    system.cut_user_for(APP, "alice", Duration::from_secs(10));
    sleep(Duration::from_secs(20)).await;
    assert_eq!(alice.connection_state(), State::Reconnecting);
    let err = alice
        .renew_token(&fresh(&system, "mallory"))
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (RenewTokenErrCode::InvalidToken, 6)
    );
    let now = now_secs(&system);
    let err = alice
        .renew_token(&RtmTokenBuilder::build(APP, CERT, "alice", now - 90_000, 3))
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (RenewTokenErrCode::TokenExpired, 5)
    );
    sleep(Duration::from_secs(5)).await;
    assert_eq!(alice.connection_state(), State::Reconnecting);
    alice.renew_token(&fresh(&system, "alice")).await.unwrap();
    until_state(&alice, State::Connected, Duration::from_secs(1)).await;
    settle().await;
    let seen = lifecycle(&events.drain());
    assert_eq!(
        seen.last().map(String::as_str),
        Some("CONNECTED LOGIN_SUCCESS")
    );
    // TokenExpired came once per refused token, not once per attempt.
    assert!(
        seen.iter().filter(|e| *e == "TokenExpired").count() <= 2,
        "{seen:?}"
    );
}

/// A renewal made while the network is still down waits for the next attempt; if none gets
/// through in time it fails with FAILURE, but the token is kept and used when the network is
/// back.
#[tokio::test(start_paused = true)]
async fn renewal_while_the_network_is_down_is_used_when_it_is_back() {
    let system = certified();
    let (alice, _e) = client(&system);
    alice
        .login(&expiring(&system, "alice", 15), "alice")
        .await
        .unwrap();
    sleep(Duration::from_millis(10_500)).await;
    system.cut_user(APP, "alice");
    sleep(Duration::from_secs(8)).await;
    let start = Instant::now();
    let err = alice
        .renew_token(&fresh(&system, "alice"))
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_secs(10));
    assert_eq!((err.kind(), err.code()), (RenewTokenErrCode::Failure, 1));
    system.restore_user(APP, "alice");
    until_state(&alice, State::Connected, Duration::from_secs(5)).await;
}

/// The fault injection's token expiry, on an App-ID-only app: same story — online while
/// connected, TokenExpired when resuming, any renewal accepted.
#[tokio::test(start_paused = true)]
async fn expired_token_fault_on_an_app_id_only_app() {
    let system = system_at(EPOCH);
    let (alice, mut events) = client(&system);
    alice.login("", "alice").await.unwrap();
    settle().await;
    events.drain();
    system.expire_token(APP, "alice");
    sleep(Duration::from_millis(10_490)).await;
    assert_eq!(alice.connection_state(), State::Connected);
    system.cut_user_for(APP, "alice", Duration::from_secs(6));
    sleep(Duration::from_secs(10)).await;
    assert_eq!(
        lifecycle(&events.drain()),
        vec!["RECONNECTING INTERRUPTED", "TokenExpired"]
    );
    alice.renew_token("a-new-token").await.unwrap();
    settle().await;
    assert_eq!(lifecycle(&events.drain()), vec!["CONNECTED LOGIN_SUCCESS"]);
}

/// A token declared expired cannot log in again; another valid token can.
#[tokio::test(start_paused = true)]
async fn token_declared_expired_cannot_log_in_again() {
    let system = certified();
    let token = fresh(&system, "alice");
    let (alice, _e) = client(&system);
    alice.login(&token, "alice").await.unwrap();
    system.expire_token(APP, "alice");
    alice.logout().await.unwrap();
    let err = alice.login(&token, "alice").await.unwrap_err();
    assert_eq!((err.kind(), err.code()), (LoginErrCode::TokenExpired, 6));
    sleep(Duration::from_secs(1)).await;
    let other = RtmTokenBuilder::build(APP, CERT, "alice", now_secs(&system), 99);
    alice.login(&other, "alice").await.unwrap();
}
