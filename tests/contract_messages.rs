//! Contract rules M1–M4 (shim-contract.md §4): peer messages with offline delivery, result
//! codes, generated message ids, the 32 KB size limit and ordering.

mod legacy_common;

use legacy_common::*;
use parking_lot::Mutex;
use sig2rtm::proto::FailureReason;
use sig2rtm::rtm::{PeerMessageErrCode, RtmCode};
use sig2rtm::signaling::LegacyEvent;
use sig2rtm::system::{System, SystemConfig};
use sig2rtm::transport::protocol::{Down, Failure, Request, Up};
use sig2rtm::transport::{
    down_channel, Connector, DownSender, InProcessConnector, Link, LinkClosed, LinkSender,
};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

fn system() -> System {
    System::new(SystemConfig::default())
}

// ------------------------------------------------------------------------------- PeerTap

/// What the tap does with a peer message request.
#[derive(Clone)]
enum PeerRule {
    /// Pass it on to the system.
    Pass,
    /// Answer it with this failure.
    Fail(Failure),
    /// Drop it: no answer ever comes.
    Swallow,
}

/// Reaches the system, but answers peer-message requests as [`PeerRule`] says, and records
/// whether they asked for offline messaging.
#[derive(Clone)]
struct PeerTap {
    inner: InProcessConnector,
    rule: Arc<Mutex<PeerRule>>,
    offline_flags: Arc<Mutex<Vec<bool>>>,
}

impl PeerTap {
    fn new(system: &System) -> PeerTap {
        PeerTap {
            inner: InProcessConnector::new(system.clone()),
            rule: Arc::new(Mutex::new(PeerRule::Pass)),
            offline_flags: Arc::default(),
        }
    }

    fn set(&self, rule: PeerRule) {
        *self.rule.lock() = rule;
    }
}

struct PeerTapSender {
    inner: Box<dyn LinkSender>,
    to_client: DownSender,
    tap: PeerTap,
}

impl LinkSender for PeerTapSender {
    fn send(&self, up: Up) -> Result<(), LinkClosed> {
        if let Up::Request {
            id,
            body: Request::SendPeer { offline, .. },
        } = &up
        {
            self.tap.offline_flags.lock().push(*offline);
            match self.tap.rule.lock().clone() {
                PeerRule::Pass => {}
                PeerRule::Fail(failure) => {
                    let _ = self.to_client.send(Down::Reply {
                        id: *id,
                        result: Err(failure),
                    });
                    return Ok(());
                }
                PeerRule::Swallow => return Ok(()),
            }
        }
        self.inner.send(up)
    }

    fn close(&self) {
        self.inner.close();
    }
}

#[async_trait::async_trait]
impl Connector for PeerTap {
    async fn connect(&self) -> std::io::Result<Link> {
        let inner = self.inner.connect().await?;
        let (tx, rx) = down_channel();
        let mut from_system = inner.receiver;
        let forward = tx.clone();
        tokio::spawn(async move {
            while let Some(down) = from_system.recv().await {
                if forward.send(down).is_err() {
                    break;
                }
            }
        });
        Ok(Link {
            sender: Box::new(PeerTapSender {
                inner: inner.sender,
                to_client: tx,
                tap: self.clone(),
            }),
            receiver: rx,
        })
    }

    fn describe(&self) -> String {
        "embedded system with a peer-message tap".into()
    }
}

fn instant(from: &str, msg: &str) -> String {
    format!("onMessageInstantReceive({from:?}, 0, {msg:?})")
}

fn success(id: &str) -> String {
    format!("onMessageSendSuccess({id:?})")
}

// ------------------------------------------------------------------------------------- M1

#[tokio::test(start_paused = true)]
async fn contract_m1_peer_message_to_an_online_peer() {
    let system = system();
    let tap = PeerTap::new(&system);
    let (a, ra) = logged_in_with(config(&system).connector(Arc::new(tap.clone())), "A").await;
    let (_b, rb) = logged_in(&system, "B").await;
    a.message_instant_send("B", 0, "hello", "m1");
    settle().await;
    assert_eq!(transcript(&ra), [success("m1")]);
    assert_eq!(transcript(&rb), [instant("A", "hello")]);
    assert_eq!(
        *tap.offline_flags.lock(),
        [true],
        "sent with offline messaging on"
    );
}

#[tokio::test(start_paused = true)]
async fn contract_m1_offline_peer_succeeds_and_gets_the_message_at_login() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    a.message_instant_send("C", 0, "kept for you", "m1");
    a.message_instant_send("C", 0, "and this", "m2");
    settle().await;
    assert_eq!(transcript(&ra), [success("m1"), success("m2")]);
    assert_eq!(system.offline_messages_for(APP, "C"), 2);

    let (c, rc) = legacy(&system);
    c.login2(APP, "C", "", 0, "", 30, 3);
    settle().await;
    assert_eq!(
        transcript(&rc),
        [
            format!("onLoginSuccess({}, 1)", uid("C")),
            instant("A", "kept for you"),
            instant("A", "and this"),
        ]
    );
    assert_eq!(system.offline_messages_for(APP, "C"), 0);
}

#[tokio::test(start_paused = true)]
async fn contract_m1_peer_unreachable_and_failure_give_400() {
    let system = system();
    let tap = PeerTap::new(&system);
    let (a, ra) = logged_in_with(config(&system).connector(Arc::new(tap.clone())), "A").await;
    let (_b, rb) = logged_in(&system, "B").await;
    // Refusals the system reports as PEER_MESSAGE_ERR_PEER_UNREACHABLE and as FAILURE.
    for (reason, code) in [
        (
            FailureReason::PeerUnreachable,
            PeerMessageErrCode::PeerUnreachable,
        ),
        (FailureReason::SessionEnded, PeerMessageErrCode::Failure),
    ] {
        tap.set(PeerRule::Fail(Failure::new(
            reason,
            format!("tap: {}", code.name()),
        )));
        a.message_instant_send("B", 0, "lost", code.name());
        settle().await;
        assert_eq!(
            transcript(&ra),
            [format!("onMessageSendError({:?}, 400)", code.name())],
            "{code:?}"
        );
        ra.take();
    }
    assert!(transcript(&rb).is_empty());
}

#[tokio::test(start_paused = true)]
async fn contract_m1_sent_timeout_gives_401() {
    let system = system();
    let tap = PeerTap::new(&system);
    let (a, ra) = logged_in_with(config(&system).connector(Arc::new(tap.clone())), "A").await;
    tap.set(PeerRule::Swallow);
    a.message_instant_send("B", 0, "into the void", "m1");
    tokio::time::sleep(Duration::from_secs(9)).await;
    assert!(transcript(&ra).is_empty(), "RTM waits 10 s");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(transcript(&ra), [r#"onMessageSendError("m1", 401)"#]);
}

#[tokio::test(start_paused = true)]
async fn contract_m1_invalid_peer_gives_400_and_on_error() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    let long = "p".repeat(65);
    for (peer, general) in [
        ("", 1004),
        ("null", 1004),
        ("a/b", 1004),
        (long.as_str(), 1005),
    ] {
        a.message_instant_send(peer, 0, "hi", "m1");
        settle().await;
        assert_eq!(
            transcript(&ra),
            [
                r#"onMessageSendError("m1", 400)"#.to_string(),
                format!(r#"onError("message_instant_send", {general}, "")"#),
            ],
            "peer {peer:?}"
        );
        ra.take();
    }
    a.message_instant_send(&long, 0, "hi", "m1");
    settle().await;
    let desc = error_descs(&ra).remove(0);
    assert!(desc.contains("64"), "names the limit: {desc}");
}

#[tokio::test(start_paused = true)]
async fn contract_m1_the_variants_send_like_message_instant_send() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    let (_b, rb) = logged_in(&system, "B").await;
    a.message_instant_send2("B", 0, "two", "m2", "{\"opts\":1}");
    a.message_push_send("B", 0, "push", "m3");
    a.message_chat_send("B", 0, "chat", "m4");
    settle().await;
    assert_eq!(
        transcript(&ra),
        [success("m2"), success("m3"), success("m4")]
    );
    assert_eq!(
        transcript(&rb),
        [
            instant("A", "two"),
            instant("A", "push"),
            instant("A", "chat")
        ]
    );
}

// ------------------------------------------------------------------------------------- M2

#[tokio::test(start_paused = true)]
async fn contract_m2_empty_message_ids_are_replaced_by_unique_ones() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    let (b, _rb) = logged_in(&system, "B").await;
    a.channel_join("ch");
    b.channel_join("ch");
    settle().await;
    ra.take();
    a.message_instant_send("B", 0, "one", "");
    a.message_instant_send("B", 0, "two", "");
    a.message_channel_send("ch", "three", "");
    a.message_instant_send("bad/peer", 0, "four", "");
    settle().await;
    let mut ids = Vec::new();
    for e in ra.events_without_logs() {
        match e {
            LegacyEvent::MessageSendSuccess { message_id } => ids.push(message_id),
            LegacyEvent::MessageSendError { message_id, ecode } => {
                assert_eq!(ecode, 400);
                ids.push(message_id);
            }
            _ => {}
        }
    }
    assert_eq!(ids.len(), 4, "{:?}", transcript(&ra));
    assert!(ids.iter().all(|id| !id.is_empty()), "{ids:?}");
    let distinct: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), 4, "{ids:?}");
    // A second instance never reuses them.
    let (c, rc) = logged_in(&system, "C").await;
    c.message_instant_send("B", 0, "five", "");
    settle().await;
    let LegacyEvent::MessageSendSuccess { message_id } = &rc.events_without_logs()[0] else {
        panic!("{:?}", transcript(&rc));
    };
    assert!(!ids.contains(message_id));
}

// ------------------------------------------------------------------------------------- M3

#[tokio::test(start_paused = true)]
async fn contract_m3_messages_up_to_32_kb_are_delivered_whole() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    let (b, rb) = logged_in(&system, "B").await;
    a.channel_join("ch");
    b.channel_join("ch");
    settle().await;
    ra.take();
    rb.take();
    let max = "x".repeat(32 * 1024);
    let legacy_max_plus = "y".repeat(8 * 1024 + 1);
    a.message_instant_send("B", 0, &max, "m1");
    a.message_instant_send("B", 0, &legacy_max_plus, "m2");
    a.message_channel_send("ch", &max, "m3");
    settle().await;
    assert_eq!(
        transcript(&ra),
        [
            success("m1"),
            success("m2"),
            success("m3"),
            format!(
                r#"onMessageChannelReceive("ch", "A", {}, {max:?})"#,
                uid("A")
            ),
        ]
    );
    assert_eq!(
        transcript(&rb),
        [
            instant("A", &max),
            instant("A", &legacy_max_plus),
            format!(
                r#"onMessageChannelReceive("ch", "A", {}, {max:?})"#,
                uid("A")
            ),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_m3_larger_messages_fail_400_and_1005() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    let (b, rb) = logged_in(&system, "B").await;
    a.channel_join("ch");
    b.channel_join("ch");
    settle().await;
    ra.take();
    rb.take();
    let over = "z".repeat(32 * 1024 + 1);
    a.message_instant_send("B", 0, &over, "m1");
    settle().await;
    a.message_channel_send("ch", &over, "m2");
    settle().await;
    assert_eq!(
        transcript(&ra),
        [
            r#"onMessageSendError("m1", 400)"#,
            r#"onError("message_instant_send", 1005, "")"#,
            r#"onMessageSendError("m2", 400)"#,
            r#"onError("message_channel_send", 1005, "")"#,
        ]
    );
    for desc in error_descs(&ra) {
        assert!(desc.contains("32768"), "names the limit: {desc}");
    }
    assert!(transcript(&rb).is_empty(), "nothing is truncated and sent");
}

// ------------------------------------------------------------------------------------- M4

#[tokio::test(start_paused = true)]
async fn contract_m4_200_peer_messages_arrive_in_order_once() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    let (_b, rb) = logged_in(&system, "B").await;
    for i in 0..200 {
        a.message_instant_send("B", 0, &format!("msg {i}"), &format!("id{i}"));
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let expected_a: Vec<String> = (0..200).map(|i| success(&format!("id{i}"))).collect();
    let expected_b: Vec<String> = (0..200)
        .map(|i| instant("A", &format!("msg {i}")))
        .collect();
    assert_eq!(transcript(&ra), expected_a);
    assert_eq!(transcript(&rb), expected_b);
}

#[tokio::test(start_paused = true)]
async fn contract_m4_200_peer_messages_to_an_offline_peer_arrive_in_order_once() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    for i in 0..200 {
        a.message_instant_send("B", 0, &format!("msg {i}"), &format!("id{i}"));
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(transcript(&ra).len(), 200);
    let (b, rb) = legacy(&system);
    b.login2(APP, "B", "", 0, "", 30, 3);
    tokio::time::sleep(Duration::from_secs(5)).await;
    let mut expected = vec![format!("onLoginSuccess({}, 1)", uid("B"))];
    expected.extend((0..200).map(|i| instant("A", &format!("msg {i}"))));
    assert_eq!(transcript(&rb), expected);
}

#[tokio::test(start_paused = true)]
async fn contract_m4_200_channel_messages_arrive_in_order_once() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    let (b, rb) = logged_in(&system, "B").await;
    a.channel_join("ch");
    b.channel_join("ch");
    settle().await;
    ra.take();
    rb.take();
    for i in 0..200 {
        a.message_channel_send("ch", &format!("msg {i}"), &format!("id{i}"));
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let echo = |i: usize| {
        format!(
            r#"onMessageChannelReceive("ch", "A", {}, "msg {i}")"#,
            uid("A")
        )
    };
    let expected_a: Vec<String> = (0..200)
        .flat_map(|i| [success(&format!("id{i}")), echo(i)])
        .collect();
    let expected_b: Vec<String> = (0..200).map(echo).collect();
    assert_eq!(transcript(&ra), expected_a);
    assert_eq!(transcript(&rb), expected_b);
}

#[tokio::test(start_paused = true)]
async fn contract_m4_messages_survive_a_reconnection_of_the_receiver_in_order_once() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    let (b, rb) = logged_in(&system, "B").await;
    a.channel_join("ch");
    b.channel_join("ch");
    settle().await;
    ra.take();
    rb.take();
    let echo = |i: usize| {
        format!(
            r#"onMessageChannelReceive("ch", "A", {}, "ch {i}")"#,
            uid("A")
        )
    };
    system.cut_user_for(APP, "B", Duration::from_secs(8));
    for i in 0..200 {
        a.message_instant_send("B", 0, &format!("msg {i}"), &format!("id{i}"));
        if i % 10 == 0 {
            a.message_channel_send("ch", &format!("ch {}", i / 10), &format!("c{i}"));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_secs(30)).await;
    let t = transcript(&rb);
    let peer: Vec<String> = t
        .iter()
        .filter(|e| e.starts_with("onMessageInstantReceive"))
        .cloned()
        .collect();
    let channel: Vec<String> = t
        .iter()
        .filter(|e| e.starts_with("onMessageChannelReceive"))
        .cloned()
        .collect();
    let expected_peer: Vec<String> = (0..200)
        .map(|i| instant("A", &format!("msg {i}")))
        .collect();
    let expected_channel: Vec<String> = (0..20).map(echo).collect();
    assert_eq!(peer, expected_peer);
    assert_eq!(channel, expected_channel);
    assert_eq!(
        t.len(),
        222,
        "B also saw its reconnection, and nothing else: {:?}",
        t.iter()
            .filter(|e| !e.starts_with("onMessage"))
            .collect::<Vec<_>>()
    );
    assert_eq!(t[0], "onReconnecting(1)");
    // The sender saw every send succeed.
    let successes = transcript(&ra)
        .iter()
        .filter(|e| e.starts_with("onMessageSendSuccess"))
        .count();
    assert_eq!(successes, 220);
}
