//! Bad input and load on the TCP server: each misbehaving connection gets a clean close with a
//! reason, and every other client keeps being served. Loopback only, small configured timeouts,
//! every loop bounded.

use sig2rtm::rtm::{
    ClientConfig, EventStream, RateLimits, RtmClient, RtmEvent, RtmMessage, SendMessageOptions,
};
use sig2rtm::system::tcp::{ServerConfig, TcpServer};
use sig2rtm::system::{System, SystemConfig};
use sig2rtm::transport::protocol::{Request, Up};
use sig2rtm::transport::tcp::wire::{
    encode_frame, parse_preamble, preamble, ClientFrame, Close, CloseReason, FrameReader, Hello,
    ServerFrame, PREAMBLE_LEN, PROTOCOL_VERSION,
};
use sig2rtm::transport::tcp::TcpConnector;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const APP: &str = "0123456789abcdef0123456789abcdef";
const WAIT: Duration = Duration::from_secs(5);

fn config() -> ServerConfig {
    ServerConfig {
        max_frame: 64 * 1024,
        handshake_timeout: Duration::from_millis(150),
        max_connections: 1000,
        write_buffer: 256 * 1024,
        close_linger: Duration::from_millis(300),
    }
}

async fn server(config: ServerConfig) -> TcpServer {
    TcpServer::bind("127.0.0.1:0", System::new(SystemConfig::default()), config)
        .await
        .unwrap()
}

fn client(server: &TcpServer) -> RtmClient {
    RtmClient::builder(APP)
        .connector(Arc::new(TcpConnector::new(server.local_addr().to_string())))
        .config(ClientConfig {
            rate_limits: RateLimits::off(),
            ..ClientConfig::default()
        })
        .build()
        .unwrap()
}

/// Two well-behaved clients, logged in; they must keep working whatever the others do.
struct Witnesses {
    alice: RtmClient,
    bob: RtmClient,
    bob_events: EventStream,
    round: u32,
}

impl Witnesses {
    async fn new(server: &TcpServer) -> Witnesses {
        let alice = client(server);
        let bob = client(server);
        let bob_events = bob.subscribe();
        alice.login("", "witness-alice").await.unwrap();
        bob.login("", "witness-bob").await.unwrap();
        Witnesses {
            alice,
            bob,
            bob_events,
            round: 0,
        }
    }

    /// Alice's next message reaches Bob.
    async fn still_served(&mut self) {
        self.round += 1;
        let text = format!("round {}", self.round);
        self.alice
            .send_message_to_peer(
                "witness-bob",
                &RtmMessage::from_text(text.as_str()),
                SendMessageOptions::default(),
            )
            .await
            .expect("the witnesses are still served");
        let got = tokio::time::timeout(WAIT, async {
            loop {
                match self.bob_events.recv().await {
                    Some(RtmEvent::MessageFromPeer { peer_id, message })
                        if peer_id == "witness-alice" =>
                    {
                        return message.text().to_string()
                    }
                    Some(_) => {}
                    None => panic!("witness-bob's events ended"),
                }
            }
        })
        .await
        .expect("witness message within 5 s");
        assert_eq!(got, text);
        assert!(self.bob.user_id().is_some());
    }
}

async fn connect(server: &TcpServer) -> TcpStream {
    let s = TcpStream::connect(server.local_addr()).await.unwrap();
    s.set_nodelay(true).unwrap();
    s
}

fn hello_bytes() -> Vec<u8> {
    let mut out = preamble(PROTOCOL_VERSION).to_vec();
    encode_frame(
        &ClientFrame::Hello(Hello {
            client: "bad-input test".into(),
        }),
        &mut out,
    );
    out
}

/// Connects and completes the handshake by hand.
async fn handshaken(server: &TcpServer) -> (TcpStream, FrameReader) {
    let mut s = connect(server).await;
    s.write_all(&hello_bytes()).await.unwrap();
    let mut reader = FrameReader::new(1 << 20);
    let deadline = Instant::now() + WAIT;
    let mut got_preamble = false;
    loop {
        if !got_preamble {
            if let Some(p) = reader.take_raw::<PREAMBLE_LEN>() {
                assert_eq!(parse_preamble(&p), Some(PROTOCOL_VERSION));
                got_preamble = true;
                continue;
            }
        } else if let Some(frame) = reader.next_frame::<ServerFrame>().unwrap() {
            assert!(matches!(frame, ServerFrame::Welcome(_)), "{frame:?}");
            return (s, reader);
        }
        assert!(Instant::now() < deadline, "no Welcome");
        let n = tokio::time::timeout(WAIT, s.read_buf(reader.buffer()))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0, "closed during the handshake");
    }
}

/// Reads until the server closes; returns the Close frame it sent (reading the preamble first
/// unless `after_handshake`).
async fn close_of(mut s: TcpStream, reader: Option<FrameReader>) -> Close {
    let after_handshake = reader.is_some();
    let mut reader = reader.unwrap_or_else(|| FrameReader::new(1 << 20));
    let mut bytes_left = 64 << 20; // bounded even against a chatty server
    let read_all = async {
        loop {
            let n = s.read_buf(reader.buffer()).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            bytes_left -= n.min(bytes_left);
            assert!(bytes_left > 0, "the server kept talking");
        }
    };
    tokio::time::timeout(WAIT, read_all)
        .await
        .expect("the server closes within 5 s");
    if !after_handshake {
        let p = reader
            .take_raw::<PREAMBLE_LEN>()
            .expect("the server's preamble");
        assert_eq!(parse_preamble(&p), Some(PROTOCOL_VERSION));
    }
    let mut last = None;
    while let Some(frame) = reader.next_frame::<ServerFrame>().unwrap() {
        last = Some(frame);
    }
    match last {
        Some(ServerFrame::Close(c)) => c,
        other => panic!("expected a Close frame last, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_frames_close_with_malformed() {
    let server = server(config()).await;
    let mut witnesses = Witnesses::new(&server).await;

    // Garbage instead of the Hello.
    let mut s = connect(&server).await;
    let mut bytes = preamble(PROTOCOL_VERSION).to_vec();
    bytes.extend_from_slice(&[0, 0, 0, 5]);
    bytes.extend_from_slice(b"{nope");
    s.write_all(&bytes).await.unwrap();
    let c = close_of(s, None).await;
    assert_eq!(c.reason, CloseReason::Malformed);
    assert!(c.detail.contains("undecodable"), "{c}");
    witnesses.still_served().await;

    // A valid frame that is not a Hello, first.
    let mut s = connect(&server).await;
    let mut bytes = preamble(PROTOCOL_VERSION).to_vec();
    encode_frame(&ClientFrame::Bye, &mut bytes);
    s.write_all(&bytes).await.unwrap();
    let c = close_of(s, None).await;
    assert_eq!(c.reason, CloseReason::Malformed);
    assert!(c.detail.contains("Hello"), "{c}");

    // Garbage after a good handshake, with a session that must end.
    let (mut s, reader) = handshaken(&server).await;
    let mut bytes = Vec::new();
    encode_frame(
        &ClientFrame::Up(Up::Request {
            id: 1,
            body: Request::Login {
                app_id: APP.into(),
                user_id: "mallory".into(),
                token: None,
            },
        }),
        &mut bytes,
    );
    bytes.extend_from_slice(&[0, 0, 0, 2, 0xff, 0xfe]);
    s.write_all(&bytes).await.unwrap();
    let c = close_of(s, Some(reader)).await;
    assert_eq!(c.reason, CloseReason::Malformed);
    assert!(!server
        .system()
        .online_users(APP)
        .contains(&"mallory".to_string()));

    // A second Hello, and an empty frame.
    let (mut s, reader) = handshaken(&server).await;
    s.write_all(&hello_bytes()[PREAMBLE_LEN..]).await.unwrap();
    assert_eq!(
        close_of(s, Some(reader)).await.reason,
        CloseReason::Malformed
    );
    let (mut s, reader) = handshaken(&server).await;
    s.write_all(&[0, 0, 0, 0]).await.unwrap();
    assert_eq!(
        close_of(s, Some(reader)).await.reason,
        CloseReason::Malformed
    );
    witnesses.still_served().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_over_the_limit_close_with_frame_too_large() {
    let server = server(config()).await;
    let mut witnesses = Witnesses::new(&server).await;

    // Announced too large: refused from the length prefix alone, the body never sent.
    let (mut s, reader) = handshaken(&server).await;
    s.write_all(&(64 * 1024 + 1u32).to_be_bytes())
        .await
        .unwrap();
    let c = close_of(s, Some(reader)).await;
    assert_eq!(c.reason, CloseReason::FrameTooLarge);
    assert!(c.detail.contains("65537"), "{c}");

    // The largest length there is, before the handshake.
    let mut s = connect(&server).await;
    let mut bytes = preamble(PROTOCOL_VERSION).to_vec();
    bytes.extend_from_slice(&u32::MAX.to_be_bytes());
    s.write_all(&bytes).await.unwrap();
    assert_eq!(close_of(s, None).await.reason, CloseReason::FrameTooLarge);

    // A frame of exactly the limit is read (and found undecodable, not too large).
    let (mut s, reader) = handshaken(&server).await;
    let mut bytes = (64 * 1024u32).to_be_bytes().to_vec();
    bytes.resize(4 + 64 * 1024, b' ');
    s.write_all(&bytes).await.unwrap();
    assert_eq!(
        close_of(s, Some(reader)).await.reason,
        CloseReason::Malformed
    );
    witnesses.still_served().await;
}

/// A client of protocol version 1 (before failures carried protocol reasons) sends what it always
/// sent, its preamble and Hello, and is told which version the server speaks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_1_client_is_refused_with_the_version_the_server_speaks() {
    let server = server(config()).await;
    let mut witnesses = Witnesses::new(&server).await;

    let mut s = connect(&server).await;
    let mut bytes = preamble(1).to_vec();
    encode_frame(
        &ClientFrame::Hello(Hello {
            client: "sig2rtm 0.0.9".into(),
        }),
        &mut bytes,
    );
    s.write_all(&bytes).await.unwrap();
    let c = close_of(s, None).await;
    assert_eq!(c.reason, CloseReason::UnsupportedVersion);
    assert!(c.detail.contains("version 1"), "{c}");
    assert!(c.detail.contains("version 2"), "{c}");
    witnesses.still_served().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_versions_and_foreign_protocols_are_refused_with_a_reason() {
    let server = server(config()).await;
    let mut witnesses = Witnesses::new(&server).await;

    for version in [0, PROTOCOL_VERSION + 1, 77, u32::MAX] {
        let mut s = connect(&server).await;
        let mut bytes = preamble(version).to_vec();
        bytes.extend_from_slice(b"whatever a future version sends");
        s.write_all(&bytes).await.unwrap();
        let c = close_of(s, None).await;
        assert_eq!(c.reason, CloseReason::UnsupportedVersion, "{version}");
        assert!(c.detail.contains(&version.to_string()), "{c}");
        assert!(
            c.detail.contains(&format!("version {PROTOCOL_VERSION}")),
            "{c}"
        );
    }

    let mut s = connect(&server).await;
    s.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(close_of(s, None).await.reason, CloseReason::NotSig2rtm);
    witnesses.still_served().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_clients_are_closed_at_the_handshake_timeout() {
    let server = server(config()).await;
    let mut witnesses = Witnesses::new(&server).await;

    let started = Instant::now();
    let silent = connect(&server).await;
    // Half a preamble, then nothing.
    let mut half = connect(&server).await;
    half.write_all(&preamble(PROTOCOL_VERSION)[..3])
        .await
        .unwrap();
    // A preamble and half a Hello.
    let mut partial = connect(&server).await;
    let hello = hello_bytes();
    partial.write_all(&hello[..hello.len() - 2]).await.unwrap();

    for s in [silent, half, partial] {
        let c = close_of(s, None).await;
        assert_eq!(c.reason, CloseReason::HandshakeTimeout);
        assert!(c.detail.contains("150 ms"), "{c}");
    }
    assert!(started.elapsed() < Duration::from_secs(2));
    witnesses.still_served().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_is_closed_when_its_buffer_fills() {
    let server = server(config()).await;
    let mut witnesses = Witnesses::new(&server).await;

    // A receive buffer as small as the kernel allows, so the server's buffer fills sooner.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut sleeper = socket.connect(server.local_addr()).await.unwrap();
    let mut bytes = hello_bytes();
    encode_frame(
        &ClientFrame::Up(Up::Request {
            id: 1,
            body: Request::Login {
                app_id: APP.into(),
                user_id: "sleeper".into(),
                token: None,
            },
        }),
        &mut bytes,
    );
    sleeper.write_all(&bytes).await.unwrap();
    let deadline = Instant::now() + WAIT;
    while !server
        .system()
        .online_users(APP)
        .contains(&"sleeper".to_string())
    {
        assert!(Instant::now() < deadline, "sleeper logged in");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    // Alice sends the sleeper 640 messages of 16 KB (10 MB: more than the kernel's socket
    // buffers and the server's 256 KB write buffer hold), then the server must give up on it.
    // The sends are not awaited: their answers wait for the sleeper's acknowledgement.
    let big = RtmMessage::from_text("z".repeat(16 * 1024));
    for _ in 0..640 {
        drop(
            witnesses
                .alice
                .send_message_to_peer("sleeper", &big, SendMessageOptions::default()),
        );
    }
    // Generous: 10 MB go through JSON three times, in a debug build, on a busy machine.
    let deadline = Instant::now() + 4 * WAIT;
    while server.stats().open > 2 {
        assert!(Instant::now() < deadline, "the sleeper was never closed");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    witnesses.still_served().await;
    assert!(server.stats().closed_with_reason >= 1);
    // Its socket ends (the Close frame may sit behind what it never read).
    let mut scratch = vec![0u8; 64 * 1024];
    let drained = tokio::time::timeout(WAIT, async {
        while sleeper.read(&mut scratch).await.unwrap_or(0) > 0 {}
    })
    .await;
    assert!(drained.is_ok(), "the sleeper's connection ends");
    // A slow link is a network problem: the system keeps the session for its grace time.
    assert!(server
        .system()
        .online_users(APP)
        .contains(&"sleeper".to_string()));
    witnesses.still_served().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_limit_are_refused_and_slots_come_back() {
    let server = server(ServerConfig {
        max_connections: 4,
        ..config()
    })
    .await;
    let mut witnesses = Witnesses::new(&server).await; // 2 of the 4
    let (a, _) = handshaken(&server).await;
    let (_b, _) = handshaken(&server).await;

    let mut over = connect(&server).await;
    over.write_all(&hello_bytes()).await.unwrap();
    let c = close_of(over, None).await;
    assert_eq!(c.reason, CloseReason::TooManyConnections);
    assert!(c.detail.contains("at most 4"), "{c}");
    witnesses.still_served().await;

    // A slot frees when a connection ends.
    drop(a);
    let deadline = Instant::now() + WAIT;
    while server.stats().open >= 4 {
        assert!(Instant::now() < deadline, "slot freed");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (_c, _) = handshaken(&server).await;
    witnesses.still_served().await;
}

/// xorshift64*: deterministic noise without a dependency.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_bytes_from_many_connections_leave_the_server_serving() {
    let server = server(config()).await;
    let mut witnesses = Witnesses::new(&server).await;
    let addr = server.local_addr();

    let mut tasks = Vec::new();
    for i in 0..60u64 {
        let mut noise = Noise(0x9e37_79b9_7f4a_7c15 ^ (i + 1));
        tasks.push(tokio::spawn(async move {
            let mut s = TcpStream::connect(addr).await.unwrap();
            let mut bytes = Vec::new();
            match i % 4 {
                // Pure noise.
                0 => {}
                // A valid preamble, then noise.
                1 => bytes.extend_from_slice(&preamble(PROTOCOL_VERSION)),
                // A full handshake, then noise.
                2 => bytes.extend_from_slice(&hello_bytes()),
                // A handshake, then frames of plausible length with noise inside.
                _ => {
                    bytes.extend_from_slice(&hello_bytes());
                    for _ in 0..4 {
                        let len = 1 + noise.next() as usize % 200;
                        bytes.extend_from_slice(&(len as u32).to_be_bytes());
                        bytes.extend(noise.bytes(len));
                    }
                }
            }
            let len = 1 + noise.next() as usize % 4096;
            bytes.extend(noise.bytes(len));
            // The server may close before all is written: errors are expected.
            let _ = s.write_all(&bytes).await;
            let mut scratch = [0u8; 4096];
            let _ = tokio::time::timeout(WAIT, async {
                while s.read(&mut scratch).await.unwrap_or(0) > 0 {}
            })
            .await;
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    witnesses.still_served().await;
    let deadline = Instant::now() + WAIT;
    while server.stats().open > 2 {
        assert!(Instant::now() < deadline, "noisy connections closed");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(
        server.system().online_users(APP),
        vec!["witness-alice", "witness-bob"]
    );

    // A brand-new client still logs in and talks.
    let carol = client(&server);
    carol.login("", "carol").await.unwrap();
    carol
        .send_message_to_peer(
            "witness-bob",
            &RtmMessage::from_text("after the noise"),
            SendMessageOptions::default(),
        )
        .await
        .unwrap();
    witnesses.still_served().await;
}
