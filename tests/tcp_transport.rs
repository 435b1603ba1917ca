//! RTM flows over the TCP transport: a server started in the test on 127.0.0.1:0, clients that
//! reach it through `TcpConnector`. Real time, real sockets, loopback only; every wait is bounded.

use sig2rtm::rtm::{
    CallEvent, ChannelEvent, ClientConfig, ConnectionChangeReason, ConnectionState,
    ConnectionTimers, EventStream, LoginErrCode, PeerDelivery, RateLimits, RtmAttribute, RtmClient,
    RtmEvent, RtmMessage, SendMessageOptions,
};
use sig2rtm::system::tcp::{ServerConfig, TcpServer};
use sig2rtm::system::{System, SystemConfig};
use sig2rtm::token::RtmTokenBuilder;
use sig2rtm::transport::tcp::{TcpConnector, TcpOptions};
use sig2rtm::transport::Connector;
use std::sync::Arc;
use std::time::Duration;

const APP: &str = "0123456789abcdef0123456789abcdef";
const WAIT: Duration = Duration::from_secs(5);

async fn server() -> TcpServer {
    TcpServer::bind(
        "127.0.0.1:0",
        System::new(SystemConfig::default()),
        ServerConfig::default(),
    )
    .await
    .unwrap()
}

fn connector(server: &TcpServer) -> Arc<TcpConnector> {
    Arc::new(TcpConnector::new(server.local_addr().to_string()))
}

fn client(server: &TcpServer) -> RtmClient {
    RtmClient::builder(APP)
        .connector(connector(server))
        .config(ClientConfig {
            rate_limits: RateLimits::off(),
            ..ClientConfig::default()
        })
        .build()
        .unwrap()
}

async fn logged_in(server: &TcpServer, user: &str) -> (RtmClient, EventStream) {
    let c = client(server);
    let events = c.subscribe();
    c.login("", user).await.unwrap();
    (c, events)
}

/// The first event that `pick` accepts, within [`WAIT`].
async fn wait_for<T>(events: &mut EventStream, mut pick: impl FnMut(RtmEvent) -> Option<T>) -> T {
    tokio::time::timeout(WAIT, async {
        loop {
            let e = events.recv().await.expect("event stream ended");
            if let Some(t) = pick(e) {
                return t;
            }
        }
    })
    .await
    .expect("no such event within 5 s")
}

async fn wait_state(events: &mut EventStream) -> (ConnectionState, ConnectionChangeReason) {
    wait_for(events, |e| match e {
        RtmEvent::ConnectionStateChanged { state, reason } => Some((state, reason)),
        _ => None,
    })
    .await
}

/// Polls `cond` every 5 ms for up to [`WAIT`].
async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !cond() {
        assert!(tokio::time::Instant::now() < deadline, "{what} within 5 s");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_and_peer_messages_cross_the_server() {
    let server = server().await;
    let (alice, _) = logged_in(&server, "alice").await;
    let (bob, mut bob_events) = logged_in(&server, "bob").await;
    assert_eq!(alice.connection_state(), ConnectionState::Connected);
    assert_eq!(server.system().online_users(APP), vec!["alice", "bob"]);

    let sent = alice
        .send_message_to_peer(
            "bob",
            &RtmMessage::from_text("hello over tcp"),
            SendMessageOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(sent, PeerDelivery::Received);
    let (from, text) = wait_for(&mut bob_events, |e| match e {
        RtmEvent::MessageFromPeer { peer_id, message } => {
            Some((peer_id, message.text().to_string()))
        }
        _ => None,
    })
    .await;
    assert_eq!((from.as_str(), text.as_str()), ("alice", "hello over tcp"));

    // Raw payloads survive the trip byte for byte.
    let raw: Vec<u8> = (0..=255).collect();
    alice
        .send_message_to_peer(
            "bob",
            &RtmMessage::from_raw(raw.clone(), "all bytes"),
            SendMessageOptions::default(),
        )
        .await
        .unwrap();
    let got = wait_for(&mut bob_events, |e| match e {
        RtmEvent::MessageFromPeer { message, .. } => message.raw_data().map(|d| d.to_vec()),
        _ => None,
    })
    .await;
    assert_eq!(got, raw);

    // Offline messaging: kept by the server, delivered at the next login.
    bob.logout().await.unwrap();
    let kept = alice
        .send_message_to_peer(
            "bob",
            &RtmMessage::from_text("while you were out"),
            SendMessageOptions {
                enable_offline_messaging: true,
                ..SendMessageOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(kept, PeerDelivery::CachedByServer);
    bob.login("", "bob").await.unwrap();
    let offline = wait_for(&mut bob_events, |e| match e {
        RtmEvent::MessageFromPeer { message, .. } => Some(message.is_offline_message()),
        _ => None,
    })
    .await;
    assert!(offline);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channels_attributes_and_presence_cross_the_server() {
    let server = server().await;
    let (alice, mut alice_events) = logged_in(&server, "alice").await;
    let (bob, mut bob_events) = logged_in(&server, "bob").await;

    alice
        .subscribe_peers_online_status(&["carol"])
        .await
        .unwrap();
    let (carol, _) = logged_in(&server, "carol").await;
    wait_for(&mut alice_events, |e| match e {
        RtmEvent::PeersOnlineStatusChanged(list) => list
            .iter()
            .any(|p| {
                p.peer_id == "carol" && p.online_state == sig2rtm::rtm::PeerOnlineState::Online
            })
            .then_some(()),
        _ => None,
    })
    .await;
    carol.release();
    wait_for(&mut alice_events, |e| match e {
        RtmEvent::PeersOnlineStatusChanged(list) => list
            .iter()
            .any(|p| {
                p.peer_id == "carol" && p.online_state == sig2rtm::rtm::PeerOnlineState::Offline
            })
            .then_some(()),
        _ => None,
    })
    .await;

    let a_lobby = alice.create_channel("lobby").unwrap();
    let b_lobby = bob.create_channel("lobby").unwrap();
    a_lobby.join().await.unwrap();
    b_lobby.join().await.unwrap();
    let joined = wait_for(&mut alice_events, |e| match e {
        RtmEvent::Channel {
            event: ChannelEvent::MemberJoined { user_id },
            ..
        } => Some(user_id),
        _ => None,
    })
    .await;
    assert_eq!(joined, "bob");
    let mut members: Vec<String> = b_lobby
        .get_members()
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    members.sort();
    assert_eq!(members, ["alice", "bob"]);

    b_lobby
        .send_message(
            &RtmMessage::from_text("hi lobby"),
            SendMessageOptions::default(),
        )
        .await
        .unwrap();
    let (from, text) = wait_for(&mut alice_events, |e| match e {
        RtmEvent::Channel {
            event: ChannelEvent::MessageReceived { user_id, message },
            ..
        } => Some((user_id, message.text().to_string())),
        _ => None,
    })
    .await;
    assert_eq!((from.as_str(), text.as_str()), ("bob", "hi lobby"));

    alice
        .set_local_user_attributes(&[RtmAttribute::new("mood", "fine")])
        .await
        .unwrap();
    let attrs = bob.get_user_attributes("alice").await.unwrap();
    assert_eq!(attrs, vec![RtmAttribute::new("mood", "fine")]);

    a_lobby.leave().await.unwrap();
    let left = wait_for(&mut bob_events, |e| match e {
        RtmEvent::Channel {
            event: ChannelEvent::MemberLeft { user_id },
            ..
        } => Some(user_id),
        _ => None,
    })
    .await;
    assert_eq!(left, "alice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitations_cross_the_server() {
    let server = server().await;
    let (alice, mut alice_events) = logged_in(&server, "alice").await;
    let (bob, mut bob_events) = logged_in(&server, "bob").await;
    let invitation = alice.call_manager().create_local_invitation("bob");
    invitation.set_channel_id("room-1");
    alice
        .call_manager()
        .send_local_invitation(&invitation)
        .await
        .unwrap();
    let remote = wait_for(&mut bob_events, |e| match e {
        RtmEvent::Call(CallEvent::RemoteInvitationReceived(r)) => Some(r),
        _ => None,
    })
    .await;
    assert_eq!(
        (remote.caller_id().as_str(), remote.channel_id().as_str()),
        ("alice", "room-1")
    );
    wait_for(&mut alice_events, |e| {
        matches!(
            e,
            RtmEvent::Call(CallEvent::LocalInvitationReceivedByPeer(_))
        )
        .then_some(())
    })
    .await;
    bob.call_manager()
        .accept_remote_invitation(&remote)
        .await
        .unwrap();
    wait_for(&mut alice_events, |e| {
        matches!(e, RtmEvent::Call(CallEvent::LocalInvitationAccepted { .. })).then_some(())
    })
    .await;
    wait_for(&mut bob_events, |e| {
        matches!(e, RtmEvent::Call(CallEvent::RemoteInvitationAccepted(_))).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_login_elsewhere_kicks_the_first_over_tcp() {
    let server = server().await;
    let (_first, mut first_events) = logged_in(&server, "alice").await;
    let (_second, _) = logged_in(&server, "alice").await;
    loop {
        let (state, reason) = wait_state(&mut first_events).await;
        if state == ConnectionState::Aborted {
            assert_eq!(reason, ConnectionChangeReason::RemoteLogin);
            break;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn release_ends_the_session_on_the_server() {
    let server = server().await;
    let (alice, _) = logged_in(&server, "alice").await;
    assert_eq!(server.system().online_users(APP), vec!["alice"]);
    alice.release();
    eventually("alice offline", || {
        server.system().online_users(APP).is_empty()
    })
    .await;
    eventually("connection closed", || server.stats().open == 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_fails_cleanly_when_no_server_listens() {
    // Bind then drop a listener: its port refuses connections.
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let c = RtmClient::builder(APP)
        .connector(Arc::new(TcpConnector::new(addr.to_string())))
        .build()
        .unwrap();
    let mut events = c.subscribe();
    let err = c.login("", "alice").await.unwrap_err();
    assert_eq!(err.kind(), LoginErrCode::Unknown);
    assert!(err.to_string().contains(&addr.to_string()), "{err}");
    assert_eq!(
        wait_state(&mut events).await,
        (ConnectionState::Connecting, ConnectionChangeReason::Login)
    );
    assert_eq!(
        wait_state(&mut events).await,
        (
            ConnectionState::Disconnected,
            ConnectionChangeReason::LoginFailure
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_fails_in_time_when_the_server_never_answers() {
    // A listener that accepts and never speaks.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        for _ in 0..4 {
            if let Ok((s, _)) = listener.accept().await {
                held.push(s);
            }
        }
    });
    let c = RtmClient::builder(APP)
        .connector(Arc::new(TcpConnector::new(addr.to_string()).with_options(
            TcpOptions {
                handshake_timeout: Duration::from_millis(200),
                ..TcpOptions::default()
            },
        )))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = c.login("", "alice").await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(err.to_string().contains("handshake"), "{err}");
    hold.abort();
}

/// Link watching and reconnection 20 times faster than RTM's, so outages take milliseconds.
fn quick_timers() -> ConnectionTimers {
    ConnectionTimers {
        ping_interval: Duration::from_millis(50),
        link_timeout: Duration::from_millis(100),
        interrupted_after: Duration::from_millis(200),
        reconnect_attempt_timeout: Duration::from_millis(200),
        reconnect_backoff_min: Duration::from_millis(25),
        reconnect_backoff_max: Duration::from_millis(100),
    }
}

fn quick_client(connector: Arc<dyn Connector>) -> RtmClient {
    RtmClient::builder(APP)
        .connector(connector)
        .config(ClientConfig {
            rate_limits: RateLimits::off(),
            connection: quick_timers(),
            ..ClientConfig::default()
        })
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_shutdown_sends_clients_reconnecting() {
    let server = server().await;
    let alice = quick_client(connector(&server));
    let mut events = alice.subscribe();
    alice.login("", "alice").await.unwrap();
    wait_state(&mut events).await; // connecting
    wait_state(&mut events).await; // connected
    server.shutdown().await;
    assert_eq!(
        wait_state(&mut events).await,
        (
            ConnectionState::Reconnecting,
            ConnectionChangeReason::Interrupted
        )
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(alice.connection_state(), ConnectionState::Reconnecting);
    alice.release();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_resumes_its_session_and_recovers_messages() {
    let system = System::new(SystemConfig::default());
    let first = TcpServer::bind("127.0.0.1:0", system.clone(), ServerConfig::default())
        .await
        .unwrap();
    let addr = first.local_addr();
    // Bob is in the same system in-process: TCP and in-process clients meet.
    let bob = RtmClient::builder(APP)
        .system(&system)
        .config(ClientConfig {
            rate_limits: RateLimits::off(),
            ..ClientConfig::default()
        })
        .build()
        .unwrap();
    let mut bob_events = bob.subscribe();
    bob.login("", "bob").await.unwrap();
    let alice = quick_client(Arc::new(TcpConnector::new(addr.to_string())));
    let mut alice_events = alice.subscribe();
    alice.login("", "alice").await.unwrap();
    let lobby = alice.create_channel("lobby").unwrap();
    lobby.join().await.unwrap();
    bob.create_channel("lobby").unwrap().join().await.unwrap();

    // The server goes away; the system keeps Alice's session for its grace time.
    first.shutdown().await;
    wait_for(&mut alice_events, |e| {
        matches!(
            e,
            RtmEvent::ConnectionStateChanged {
                state: ConnectionState::Reconnecting,
                ..
            }
        )
        .then_some(())
    })
    .await;
    assert_eq!(system.online_users(APP), vec!["alice", "bob"]);
    // Sent now; answered once Alice is back and has it.
    let kept = bob.send_message_to_peer(
        "alice",
        &RtmMessage::from_text("sent while you were away"),
        SendMessageOptions::default(),
    );

    // A server on the same address and system: Alice resumes her session.
    let _second = TcpServer::bind(addr, system.clone(), ServerConfig::default())
        .await
        .unwrap();
    wait_for(&mut alice_events, |e| {
        matches!(
            e,
            RtmEvent::ConnectionStateChanged {
                state: ConnectionState::Connected,
                ..
            }
        )
        .then_some(())
    })
    .await;
    let text = wait_for(&mut alice_events, |e| match e {
        RtmEvent::MessageFromPeer { message, .. } => Some(message.text().to_string()),
        _ => None,
    })
    .await;
    assert_eq!(text, "sent while you were away");
    assert_eq!(kept.await.unwrap(), PeerDelivery::Received);
    assert!(lobby.is_joined());
    assert_eq!(system.channel_members(APP, "lobby"), vec!["alice", "bob"]);
    // Bob never saw Alice leave.
    for e in bob_events.drain() {
        assert!(
            !matches!(
                e,
                RtmEvent::Channel {
                    event: ChannelEvent::MemberLeft { .. },
                    ..
                }
            ),
            "{e:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_detect_a_cut_network_over_tcp_and_the_client_comes_back() {
    let server = server().await;
    let alice = quick_client(connector(&server));
    let mut events = alice.subscribe();
    alice.login("", "alice").await.unwrap();
    wait_state(&mut events).await;
    wait_state(&mut events).await;

    // The TCP connection stays up, but nothing gets through: only the pings can tell.
    server.system().cut_user(APP, "alice");
    let started = std::time::Instant::now();
    assert_eq!(
        wait_state(&mut events).await,
        (
            ConnectionState::Reconnecting,
            ConnectionChangeReason::Interrupted
        )
    );
    assert!(started.elapsed() >= Duration::from_millis(150));
    server.system().restore_user(APP, "alice");
    assert_eq!(wait_state(&mut events).await.0, ConnectionState::Connected);
    assert_eq!(server.system().online_users(APP), vec!["alice"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_checked_through_the_server_with_rtm_codes() {
    const CERT: &str = "fedcba9876543210fedcba9876543210";
    let system = System::new(SystemConfig {
        auto_register_apps: false,
        ..SystemConfig::default()
    });
    system.register_app_with_certificate(APP, CERT);
    let server = TcpServer::bind("127.0.0.1:0", system.clone(), ServerConfig::default())
        .await
        .unwrap();
    let alice = client(&server);
    let token = RtmTokenBuilder::build(APP, CERT, "alice", system.now_ms() / 1000, 7);
    alice.login(&token, "alice").await.unwrap();
    let mallory = client(&server);
    let err = mallory.login(&token, "mallory").await.unwrap_err();
    assert_eq!(err.kind(), LoginErrCode::InvalidToken, "{err}");
    let other = RtmClient::builder("fedcba9876543210fedcba9876543210")
        .connector(connector(&server))
        .build()
        .unwrap();
    let err = other.login("", "carol").await.unwrap_err();
    assert_eq!(err.kind(), LoginErrCode::InvalidAppId, "{err}");
}

/// A port nothing listens on: bound, then let go.
fn refused_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connector_with_several_servers_skips_the_ones_that_do_not_answer() {
    let server = server().await;
    let live = server.local_addr().to_string();
    let dead = refused_addr();
    let connector = Arc::new(TcpConnector::new(format!("{dead}, {live}")));
    assert_eq!(connector.servers(), [dead.clone(), live.clone()]);
    let alice = quick_client(connector.clone());
    alice.login("", "alice").await.unwrap();
    assert_eq!(server.system().online_users(APP), vec!["alice"]);
    // The next link starts with the server that answered.
    assert_eq!(connector.addr(), live);
    alice.release();

    // None answers: the error names every server and why.
    let other = refused_addr();
    let nobody = RtmClient::builder(APP)
        .connector(Arc::new(TcpConnector::with_servers([&dead, &other])))
        .build()
        .unwrap();
    let err = nobody.login("", "bob").await.unwrap_err();
    assert_eq!(err.kind(), LoginErrCode::Unknown);
    let text = err.to_string();
    assert!(text.contains("none of the 2 servers answered"), "{text}");
    assert!(text.contains(&dead) && text.contains(&other), "{text}");

    // No server at all is a clear error too, not a panic.
    let empty = RtmClient::builder(APP)
        .connector(Arc::new(TcpConnector::new(" , ")))
        .build()
        .unwrap();
    let err = empty.login("", "carol").await.unwrap_err();
    assert!(err.to_string().contains("no server address given"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_whose_server_dies_fails_over_to_the_next_one() {
    // Two servers of two systems: the second knows nothing of the first's sessions, so the
    // client comes back with a new session there, its channel joined again.
    let first = server().await;
    let second = server().await;
    let connector = Arc::new(TcpConnector::with_servers([
        first.local_addr().to_string(),
        second.local_addr().to_string(),
    ]));
    let alice = quick_client(connector.clone());
    let mut alice_events = alice.subscribe();
    alice.login("", "alice").await.unwrap();
    alice.create_channel("lobby").unwrap().join().await.unwrap();
    assert_eq!(first.system().online_users(APP), vec!["alice"]);

    let second_system = second.system().clone();
    first.shutdown().await;
    eventually("alice on the second server", || {
        second_system.online_users(APP) == ["alice"]
    })
    .await;
    eventually("alice back in the lobby", || {
        second_system.channel_members(APP, "lobby") == ["alice"]
    })
    .await;
    assert_eq!(connector.addr(), second.local_addr().to_string());

    // Reachable there: a peer on the second server gets through.
    let (bob, _) = logged_in(&second, "bob").await;
    let sent = bob
        .send_message_to_peer(
            "alice",
            &RtmMessage::from_text("found you"),
            SendMessageOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(sent, PeerDelivery::Received);
    let text = wait_for(&mut alice_events, |e| match e {
        RtmEvent::MessageFromPeer { message, .. } => Some(message.text().to_string()),
        _ => None,
    })
    .await;
    assert_eq!(text, "found you");
    assert_eq!(alice.connection_state(), ConnectionState::Connected);
}
