//! Contract rules T1–T5 and S8 (shim-contract.md §7, §2): legacy calls never block, callbacks
//! run one at a time in order on one dedicated thread, callbacks may call back into the
//! instance (destroy included), `callback_set` swaps atomically, and nothing fires after
//! `destroy` returns.
//!
//! The tests that need a real callback thread use `CallbackMode::Thread` on the crate's own
//! runtime and wait with std channels (`recv_timeout`); they never sleep to let a timeout run
//! out. Tests that need exact timing use inline callbacks in virtual time.

mod legacy_common;

use sig2rtm::signaling::{
    LegacyEvent, LegacyEventSink, Signaling, SignalingCallback, SignalingConfig,
};
use sig2rtm::system::{System, SystemConfig};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

const APP: &str = legacy_common::APP;
/// The longest a threaded test waits for one expected callback (real time).
const WAIT: Duration = Duration::from_secs(10);

fn system() -> System {
    System::new(SystemConfig::default())
}

/// An instance with the default callback thread and the crate's runtime.
fn threaded(system: &System) -> Signaling {
    Signaling::create_instance(SignalingConfig::default().system(system))
}

/// One delivered callback: the thread it ran on and the event.
type Seen = (ThreadId, LegacyEvent);

/// A handler that reports every callback over a channel, checks that no two callbacks of the
/// instance overlap, and can run a reaction inside the callback.
struct Probe {
    tx: Mutex<Sender<Seen>>,
    active: AtomicBool,
    overlaps: AtomicUsize,
    hold: Duration,
    react: Box<dyn Fn(&LegacyEvent) + Send + Sync>,
}

impl Probe {
    fn new(
        hold: Duration,
        react: impl Fn(&LegacyEvent) + Send + Sync + 'static,
    ) -> (Arc<Probe>, Receiver<Seen>) {
        let (tx, rx) = channel();
        let probe = Arc::new(Probe {
            tx: Mutex::new(tx),
            active: AtomicBool::new(false),
            overlaps: AtomicUsize::new(0),
            hold,
            react: Box::new(react),
        });
        (probe, rx)
    }

    fn plain() -> (Arc<Probe>, Receiver<Seen>) {
        Probe::new(Duration::ZERO, |_| {})
    }
}

impl LegacyEventSink for Probe {
    fn on_event(&self, event: LegacyEvent) {
        if self.active.swap(true, Ordering::SeqCst) {
            self.overlaps.fetch_add(1, Ordering::SeqCst);
        }
        if !self.hold.is_zero() {
            std::thread::sleep(self.hold);
        }
        (self.react)(&event);
        let _ = self
            .tx
            .lock()
            .unwrap()
            .send((std::thread::current().id(), event));
        self.active.store(false, Ordering::SeqCst);
    }
}

/// Waits (real time) until `pred` matches a received event; returns everything received up to
/// and including it, logs left out.
fn until(rx: &Receiver<Seen>, pred: impl Fn(&LegacyEvent) -> bool) -> Vec<Seen> {
    let deadline = Instant::now() + WAIT;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((t, e)) => {
                let done = pred(&e);
                if !matches!(e, LegacyEvent::Log { .. }) {
                    seen.push((t, e));
                }
                if done {
                    return seen;
                }
            }
            Err(_) => panic!(
                "the expected callback did not come within {WAIT:?}; got {:?}",
                seen.iter().map(|(_, e)| e.to_string()).collect::<Vec<_>>()
            ),
        }
    }
}

fn is_login_success(e: &LegacyEvent) -> bool {
    matches!(e, LegacyEvent::LoginSuccess { .. })
}

/// Logs `sig` in as `account` with `probe` installed and waits for on_login_success.
fn login(sig: &Signaling, account: &str, rx: &Receiver<Seen>) {
    sig.login2(APP, account, "_no_need_token", 0, "", 30, 3);
    until(rx, is_login_success);
}

// ------------------------------------------------------------------ T1

/// A connector that never connects: every login stays pending forever.
struct Unreachable;

#[async_trait::async_trait]
impl sig2rtm::transport::Connector for Unreachable {
    async fn connect(&self) -> std::io::Result<sig2rtm::transport::Link> {
        std::future::pending().await
    }

    fn describe(&self) -> String {
        "a system that never answers".into()
    }
}

#[test]
fn contract_t1_calls_return_at_once_when_the_network_never_answers() {
    let sig =
        Signaling::create_instance(SignalingConfig::default().connector(Arc::new(Unreachable)));
    let (probe, _rx) = Probe::plain();
    sig.callback_set(Some(probe));
    let started = Instant::now();
    sig.login2(APP, "A", "_no_need_token", 0, "", 30, 3);
    for i in 0..200 {
        sig.message_instant_send("B", 0, "hello", &format!("m{i}"));
        sig.channel_join("ch");
        sig.channel_invite_user2("ch", "B", "");
        sig.query_user_status("B");
        sig.invoke("io.agora.signal.channel_query_num", r#"{"name":"ch"}"#, "c");
        sig.get_status();
    }
    sig.logout();
    let spent = started.elapsed();
    assert!(spent < Duration::from_secs(1), "1202 calls took {spent:?}");
    let started = Instant::now();
    sig.destroy();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "destroy blocked"
    );
}

#[test]
fn contract_t1_get_status_reads_local_state_while_logging_in() {
    let sig =
        Signaling::create_instance(SignalingConfig::default().connector(Arc::new(Unreachable)));
    sig.login2(APP, "A", "_no_need_token", 0, "", 30, 3);
    let deadline = Instant::now() + WAIT;
    while sig.get_status() != 1 && Instant::now() < deadline {
        std::thread::yield_now();
    }
    assert_eq!(sig.get_status(), 1, "logging in");
    assert!(!sig.is_online());
    sig.destroy();
}

// ------------------------------------------------------------------ T2

#[test]
fn contract_t2_callbacks_run_one_at_a_time_in_order_on_one_dedicated_thread() {
    let system = system();
    let a = threaded(&system);
    let b = threaded(&system);
    let (pa, ra) = Probe::plain();
    // B's callbacks are slow, so that overlaps would show.
    let (pb, rb) = Probe::new(Duration::from_micros(200), |_| {});
    a.callback_set(Some(pa));
    b.callback_set(Some(pb.clone()));
    login(&a, "A", &ra);
    login(&b, "B", &rb);
    b.channel_join("ch");
    until(&rb, |e| matches!(e, LegacyEvent::ChannelUserList { .. }));
    // A stream of peer messages from A, mixed with B's own queries.
    let n = 300;
    for i in 0..n {
        a.message_instant_send("B", 0, &format!("p{i}"), "");
        if i % 10 == 0 {
            b.query_user_status("A");
        }
    }
    let seen = until(
        &rb,
        |e| matches!(e, LegacyEvent::MessageInstantReceive { msg, .. } if *msg == format!("p{}", n - 1)),
    );
    let threads: std::collections::HashSet<ThreadId> = seen.iter().map(|(t, _)| *t).collect();
    assert_eq!(threads.len(), 1, "callbacks ran on several threads");
    assert_ne!(*threads.iter().next().unwrap(), std::thread::current().id());
    assert_eq!(
        pb.overlaps.load(Ordering::SeqCst),
        0,
        "callbacks overlapped"
    );
    // In order: the peer messages arrive exactly as sent (M4 through T2).
    let messages: Vec<String> = seen
        .iter()
        .filter_map(|(_, e)| match e {
            LegacyEvent::MessageInstantReceive { msg, .. } => Some(msg.clone()),
            _ => None,
        })
        .collect();
    let expected: Vec<String> = (0..n).map(|i| format!("p{i}")).collect();
    assert_eq!(messages, expected);
    a.destroy();
    b.destroy();
}

#[test]
fn contract_t2_each_instance_has_its_own_callback_thread() {
    let system = system();
    let a = threaded(&system);
    let b = threaded(&system);
    let (pa, ra) = Probe::plain();
    let (pb, rb) = Probe::plain();
    a.callback_set(Some(pa));
    b.callback_set(Some(pb));
    a.login2(APP, "A", "_no_need_token", 0, "", 30, 3);
    b.login2(APP, "B", "_no_need_token", 0, "", 30, 3);
    let ta = until(&ra, is_login_success)[0].0;
    let tb = until(&rb, is_login_success)[0].0;
    assert_ne!(ta, tb);
    a.destroy();
    b.destroy();
}

#[test]
fn contract_t2_channel_join_inside_on_login_success_does_not_deadlock() {
    let system = system();
    let sig = threaded(&system);
    let inner = sig.clone();
    let (probe, rx) = Probe::new(Duration::ZERO, move |e| {
        if is_login_success(e) {
            inner.channel_join("lobby");
        }
    });
    sig.callback_set(Some(probe));
    sig.login2(APP, "A", "_no_need_token", 0, "", 30, 3);
    let seen = until(&rx, |e| matches!(e, LegacyEvent::ChannelUserList { .. }));
    let names: Vec<String> = seen.iter().map(|(_, e)| e.to_string()).collect();
    assert_eq!(
        names,
        vec![
            format!("onLoginSuccess({}, 1)", legacy_common::uid("A")),
            "onChannelJoined(\"lobby\")".to_string(),
            format!("onChannelUserList([\"A\"], [{}])", legacy_common::uid("A")),
        ]
    );
    sig.destroy();
}

#[test]
fn contract_t2_invite_accept_inside_on_invite_received_does_not_deadlock() {
    let system = system();
    let a = threaded(&system);
    let b = threaded(&system);
    let (pa, ra) = Probe::plain();
    let callee = b.clone();
    let (pb, rb) = Probe::new(Duration::ZERO, move |e| {
        if let LegacyEvent::InviteReceived {
            channel_id,
            account,
            ..
        } = e
        {
            // Every legacy method from inside a callback, the answer included.
            callee.get_status();
            callee.query_user_status(account);
            callee.channel_invite_accept(channel_id, account, 0, "{\"auto\":1}");
        }
    });
    a.callback_set(Some(pa));
    b.callback_set(Some(pb));
    login(&a, "A", &ra);
    login(&b, "B", &rb);
    a.channel_invite_user("call", "B", 0);
    let seen = until(&ra, |e| {
        matches!(e, LegacyEvent::InviteAcceptedByPeer { .. })
    });
    assert_eq!(
        seen.last().unwrap().1.to_string(),
        format!(
            "onInviteAcceptedByPeer(\"call\", \"B\", {}, \"{{\\\"auto\\\":1}}\")",
            legacy_common::uid("B")
        )
    );
    until(&rb, |e| {
        matches!(e, LegacyEvent::QueryUserStatusResult { .. })
    });
    a.destroy();
    b.destroy();
}

#[test]
fn contract_t2_destroy_from_inside_a_callback_returns_and_silences_the_instance() {
    let system = system();
    let sig = threaded(&system);
    let inner = sig.clone();
    let (done_tx, done_rx) = channel();
    let done_tx = Mutex::new(done_tx);
    let (probe, rx) = Probe::new(Duration::ZERO, move |e| {
        if is_login_success(e) {
            inner.channel_join("after-destroy");
            inner.destroy();
            let _ = done_tx.lock().unwrap().send(());
        }
    });
    sig.callback_set(Some(probe));
    sig.login2(APP, "A", "_no_need_token", 0, "", 30, 3);
    done_rx
        .recv_timeout(WAIT)
        .expect("destroy inside a callback did not return");
    until(&rx, is_login_success);
    // Nothing after destroy: the join queued before it never reports.
    let other = threaded(&system);
    let (po, ro) = Probe::plain();
    other.callback_set(Some(po));
    login(&other, "B", &ro);
    // destroy logs out without blocking (T1): A goes offline shortly after, not at once.
    let deadline = Instant::now() + WAIT;
    loop {
        other.query_user_status("A");
        let seen = until(&ro, |e| {
            matches!(e, LegacyEvent::QueryUserStatusResult { .. })
        });
        let status = seen.last().unwrap().1.to_string();
        if status == "onQueryUserStatusResult(\"A\", \"0\")" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "destroy did not log out: {status}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let after: Vec<String> = rx.try_iter().map(|(_, e)| e.to_string()).collect();
    assert!(after.is_empty(), "callbacks fired after destroy: {after:?}");
    assert_eq!(sig.get_status(), 0);
    other.destroy();
}

#[test]
fn contract_t2_no_callback_after_destroy_returns_while_callbacks_flow() {
    let system = system();
    let a = threaded(&system);
    let b = threaded(&system);
    let (pa, ra) = Probe::plain();
    let destroyed = Arc::new(AtomicBool::new(false));
    let late = Arc::new(AtomicUsize::new(0));
    let (flag, count) = (destroyed.clone(), late.clone());
    let (pb, rb) = Probe::new(Duration::from_micros(300), move |_| {
        if flag.load(Ordering::SeqCst) {
            count.fetch_add(1, Ordering::SeqCst);
        }
    });
    a.callback_set(Some(pa));
    b.callback_set(Some(pb));
    login(&a, "A", &ra);
    login(&b, "B", &rb);
    // A floods B from another thread while the test thread destroys B.
    let sender = a.clone();
    let flood = std::thread::spawn(move || {
        for i in 0..2_000 {
            sender.message_instant_send("B", 0, &format!("m{i}"), "");
        }
    });
    // Destroy in the middle of the flow: after B has taken 50 messages.
    until(
        &rb,
        |e| matches!(e, LegacyEvent::MessageInstantReceive { msg, .. } if msg == "m50"),
    );
    b.destroy();
    destroyed.store(true, Ordering::SeqCst);
    flood.join().unwrap();
    // Give any stray callback a chance to show up: wait for A to finish sending everything.
    let mut successes = 0;
    while successes < 2_000 {
        match ra.recv_timeout(WAIT) {
            Ok((_, LegacyEvent::MessageSendSuccess { .. })) => successes += 1,
            Ok((_, LegacyEvent::MessageSendError { .. })) => successes += 1,
            Ok(_) => {}
            Err(_) => panic!("A's sends did not all finish"),
        }
    }
    assert_eq!(
        late.load(Ordering::SeqCst),
        0,
        "callbacks ran after destroy returned"
    );
    let after = rb.try_iter().count();
    assert!(
        after < 1_900,
        "destroy did not stop the flow ({after} more callbacks)"
    );
    a.destroy();
}

// ------------------------------------------------------------------ T3

#[test]
fn contract_t3_callback_set_swaps_atomically_without_loss_or_duplicate() {
    let system = system();
    let a = threaded(&system);
    let b = threaded(&system);
    let (pa, ra) = Probe::plain();
    let (h1, r1) = Probe::new(Duration::from_micros(100), |_| {});
    let (h2, r2) = Probe::plain();
    a.callback_set(Some(pa));
    b.callback_set(Some(h1.clone()));
    login(&a, "A", &ra);
    login(&b, "B", &r1);
    let n = 1_000;
    for i in 0..n {
        a.message_instant_send("B", 0, &format!("m{i}"), "");
    }
    until(&r1, |e| {
        matches!(e, LegacyEvent::MessageInstantReceive { .. })
    });
    b.callback_set(Some(h2.clone()));
    assert!(
        Arc::ptr_eq(
            &b.callback_get().unwrap(),
            &(h2.clone() as Arc<dyn SignalingCallback>)
        ),
        "callback_get does not return the handler just set"
    );
    let last = format!("m{}", n - 1);
    let second = until(
        &r2,
        |e| matches!(e, LegacyEvent::MessageInstantReceive { msg, .. } if *msg == last),
    );
    let text = |seen: Vec<Seen>| -> Vec<String> {
        seen.into_iter()
            .filter_map(|(_, e)| match e {
                LegacyEvent::MessageInstantReceive { msg, .. } => Some(msg),
                _ => None,
            })
            .collect()
    };
    // The first handler saw m0 (consumed by `until` above), then the rest of its share.
    let mut combined = vec!["m0".to_string()];
    combined.extend(text(r1.try_iter().collect()));
    let first_share = combined.len();
    combined.extend(text(second));
    assert!(first_share < n, "the swap came after every message");
    let expected: Vec<String> = (0..n).map(|i| format!("m{i}")).collect();
    assert_eq!(
        combined, expected,
        "lost, duplicated or reordered across the swap"
    );
    a.destroy();
    b.destroy();
}

#[tokio::test(start_paused = true)]
async fn contract_t3_events_without_a_handler_are_dropped() {
    let system = system();
    let (a, _ra) = legacy_common::logged_in(&system, "A").await;
    let (b, rb) = legacy_common::logged_in(&system, "B").await;
    b.callback_set(None);
    assert!(b.callback_get().is_none());
    a.message_instant_send("B", 0, "unheard", "");
    legacy_common::settle().await;
    b.callback_set(Some(rb.clone()));
    a.message_instant_send("B", 0, "heard", "");
    legacy_common::settle().await;
    assert_eq!(
        legacy_common::transcript(&rb),
        vec!["onMessageInstantReceive(\"A\", 0, \"heard\")".to_string()]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_t3_a_new_handler_gets_everything_after_the_swap() {
    let system = system();
    let (a, _ra) = legacy_common::logged_in(&system, "A").await;
    let (b, first) = legacy_common::logged_in(&system, "B").await;
    a.message_instant_send("B", 0, "one", "");
    legacy_common::settle().await;
    let second = sig2rtm::testkit::Recorder::new();
    b.callback_set(Some(second.clone()));
    a.message_instant_send("B", 0, "two", "");
    legacy_common::settle().await;
    assert_eq!(
        legacy_common::transcript(&first),
        vec!["onMessageInstantReceive(\"A\", 0, \"one\")".to_string()]
    );
    assert_eq!(
        legacy_common::transcript(&second),
        vec!["onMessageInstantReceive(\"A\", 0, \"two\")".to_string()]
    );
}

// ------------------------------------------------------------------ T4

#[tokio::test(start_paused = true)]
async fn contract_t4_pending_invitation_does_not_delay_a_message_send() {
    let system = system();
    let (a, ra) = legacy_common::logged_in(&system, "A").await;
    let (_b, rb) = legacy_common::logged_in(&system, "B").await;
    // Pending for 20 s (offline callee) and for 25 s (`_timeout`, callee ringing).
    a.channel_invite_user("ch", "Z", 0);
    a.channel_invite_user2("ch2", "B", r#"{"_timeout":25}"#);
    legacy_common::settle().await;
    ra.take();
    rb.take();
    a.message_instant_send("B", 0, "hi", "m1");
    legacy_common::settle().await;
    assert_eq!(
        legacy_common::transcript(&ra),
        vec!["onMessageSendSuccess(\"m1\")".to_string()]
    );
    assert_eq!(
        legacy_common::transcript(&rb),
        vec!["onMessageInstantReceive(\"A\", 0, \"hi\")".to_string()]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_t4_pending_invitation_does_not_delay_other_calls() {
    let system = system();
    let (a, ra) = legacy_common::logged_in(&system, "A").await;
    let (b, _rb) = legacy_common::logged_in(&system, "B").await;
    a.channel_invite_user("ch", "Z", 0); // pending 20 s
    legacy_common::settle().await;
    a.channel_invite_user2("ch", "Y", r#"{"_require_peer_online":1}"#);
    a.channel_invite_user("ch", "B", 0);
    legacy_common::settle().await;
    b.channel_invite_refuse("ch", "A", 0, "no");
    legacy_common::settle().await;
    let uid = legacy_common::uid;
    // Y's failure and B's answers are independent: each is there at once, B's in order.
    let t = legacy_common::transcript(&ra);
    let y_failed = format!(
        "onInviteFailed(\"ch\", \"Y\", {}, 703, \"{{\\\"reason\\\":\\\"PEER_OFFLINE\\\"}}\")",
        uid("Y")
    );
    assert!(t.contains(&y_failed), "{t:?}");
    let from_b: Vec<String> = t.into_iter().filter(|l| *l != y_failed).collect();
    assert_eq!(
        from_b,
        vec![
            format!("onInviteReceivedByPeer(\"ch\", \"B\", {})", uid("B")),
            format!("onInviteRefusedByPeer(\"ch\", \"B\", {}, \"no\")", uid("B")),
        ]
    );
}

/// A connector to `system` whose links lose every login request, so logins time out (6 s) and
/// login2 retries them.
struct LosesLogins(sig2rtm::transport::InProcessConnector);

struct LosesLoginsSender(Box<dyn sig2rtm::transport::LinkSender>);

impl sig2rtm::transport::LinkSender for LosesLoginsSender {
    fn send(
        &self,
        up: sig2rtm::transport::protocol::Up,
    ) -> Result<(), sig2rtm::transport::LinkClosed> {
        use sig2rtm::transport::protocol::{Request, Up};
        if matches!(
            up,
            Up::Request {
                body: Request::Login { .. },
                ..
            }
        ) {
            return Ok(());
        }
        self.0.send(up)
    }

    fn close(&self) {
        self.0.close()
    }
}

#[async_trait::async_trait]
impl sig2rtm::transport::Connector for LosesLogins {
    async fn connect(&self) -> std::io::Result<sig2rtm::transport::Link> {
        let link = self.0.connect().await?;
        Ok(sig2rtm::transport::Link {
            sender: Box::new(LosesLoginsSender(link.sender)),
            receiver: link.receiver,
        })
    }

    fn describe(&self) -> String {
        "a system that loses logins".into()
    }
}

#[tokio::test(start_paused = true)]
async fn contract_t4_login_retry_does_not_delay_a_message_send() {
    let system = system();
    let (a, ra) = legacy_common::logged_in(&system, "A").await;
    let (_b, rb) = legacy_common::logged_in(&system, "B").await;
    // C's logins are lost: each times out after 6 s and login2 retries, for up to 30 s.
    let (c, rc) = legacy_common::legacy_with(legacy_common::config(&system).connector(Arc::new(
        LosesLogins(sig2rtm::transport::InProcessConnector::new(system.clone())),
    )));
    c.login2(APP, "C", "_no_need_token", 0, "", 30, 3);
    // Into the first retry.
    tokio::time::sleep(Duration::from_secs(8)).await;
    assert!(
        rc.events()
            .iter()
            .any(|e| matches!(e, LegacyEvent::Log { txt } if txt.contains("retrying"))),
        "C is not retrying: {:?}",
        rc.events()
    );
    a.message_instant_send("B", 0, "hi", "m1");
    legacy_common::settle().await;
    assert_eq!(
        legacy_common::transcript(&ra),
        vec!["onMessageSendSuccess(\"m1\")".to_string()]
    );
    assert_eq!(
        legacy_common::transcript(&rb),
        vec!["onMessageInstantReceive(\"A\", 0, \"hi\")".to_string()]
    );
    assert_eq!(c.get_status(), 1, "C should still be logging in");
    // C's own send is answered at once, not after the login: it is not logged in.
    c.message_instant_send("B", 0, "x", "c1");
    legacy_common::settle().await;
    let t = legacy_common::transcript(&rc);
    assert_eq!(
        t.first().map(String::as_str),
        Some("onMessageSendError(\"c1\", 400)"),
        "{t:?}"
    );
    // And the retries end as S2 says, after at most 30 s.
    tokio::time::sleep(Duration::from_secs(30)).await;
    let t = legacy_common::transcript(&rc);
    assert!(t.contains(&"onLoginFailed(201)".to_string()), "{t:?}");
    assert_eq!(c.get_status(), 0);
}

#[tokio::test(start_paused = true)]
async fn contract_t1_login_to_a_system_that_never_answers_fails_with_201() {
    let system = system();
    let (c, rc) =
        legacy_common::legacy_with(legacy_common::config(&system).connector(Arc::new(Unreachable)));
    c.login2(APP, "C", "_no_need_token", 0, "", 30, 3);
    tokio::time::sleep(Duration::from_secs(60)).await;
    let t = legacy_common::transcript(&rc);
    assert!(t.contains(&"onLoginFailed(201)".to_string()), "{t:?}");
    assert_eq!(c.get_status(), 0);
}

// ------------------------------------------------------------------ T5

/// Collects what reaches the `log` crate, for T5.
struct Collect(Mutex<Vec<String>>);

impl log::Log for Collect {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
        self.0.lock().unwrap().push(record.args().to_string());
    }
    fn flush(&self) {}
}

fn log_lines() -> &'static Collect {
    static LOGGER: OnceLock<&'static Collect> = OnceLock::new();
    LOGGER.get_or_init(|| {
        let logger: &'static Collect = Box::leak(Box::new(Collect(Mutex::new(Vec::new()))));
        let _ = log::set_logger(logger);
        log::set_max_level(log::LevelFilter::Trace);
        logger
    })
}

#[tokio::test(start_paused = true)]
async fn contract_t5_on_log_receives_the_shims_log_lines() {
    let logs = log_lines();
    let system = system();
    let (a, ra) = legacy_common::legacy(&system);
    a.login2(APP, "t5-user", "_no_need_token", 0, "", 30, 3);
    legacy_common::settle().await;
    // A second login is ignored with a warning (S3): that line reaches on_log as well.
    a.login2(APP, "t5-user", "_no_need_token", 0, "", 30, 3);
    legacy_common::settle().await;
    let on_log: Vec<String> = ra
        .events()
        .into_iter()
        .filter_map(|e| match e {
            LegacyEvent::Log { txt } => Some(txt),
            _ => None,
        })
        .collect();
    assert!(
        on_log
            .iter()
            .any(|l| l.contains("logged in") && l.contains("t5-user")),
        "{on_log:?}"
    );
    assert!(
        on_log
            .iter()
            .any(|l| l.contains("ignored") && l.contains("t5-user")),
        "{on_log:?}"
    );
    let crate_lines = logs.0.lock().unwrap().clone();
    for line in &on_log {
        assert!(
            crate_lines.iter().any(|l| l == line),
            "on_log line {line:?} did not go through the log crate"
        );
    }
}

// ------------------------------------------------------------------ S8

#[tokio::test(start_paused = true)]
async fn contract_s8_calls_after_destroy_are_no_ops() {
    let system = system();
    let (a, ra) = legacy_common::logged_in(&system, "A").await;
    let (b, rb) = legacy_common::logged_in(&system, "B").await;
    a.destroy();
    a.destroy();
    a.login2(APP, "A", "_no_need_token", 0, "", 30, 3);
    a.message_instant_send("B", 0, "x", "m");
    a.channel_join("ch");
    a.channel_invite_user("ch", "B", 0);
    a.query_user_status("B");
    a.invoke(
        "io.agora.signal.user_query_user_status",
        r#"{"account":"B"}"#,
        "c",
    );
    a.logout();
    a.callback_set(Some(ra.clone()));
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(legacy_common::transcript(&ra), Vec::<String>::new());
    assert_eq!(a.get_status(), 0);
    assert!(!a.is_online());
    assert_eq!(legacy_common::transcript(&rb), Vec::<String>::new());
    // destroy logged A out of RTM.
    b.query_user_status("A");
    legacy_common::settle().await;
    assert_eq!(
        legacy_common::transcript(&rb),
        vec!["onQueryUserStatusResult(\"A\", \"0\")".to_string()]
    );
}
