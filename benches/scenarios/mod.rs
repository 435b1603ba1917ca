//! Benchmark scenarios of issue 9, shared by the criterion benches (`benches/*.rs`) and by
//! `examples/bench_report.rs`, which includes this file with `#[path]`.
//!
//! Every scenario builds its own isolated [`System`], so nothing carries over between them.
//! Work runs as tasks on a two-worker tokio runtime (one worker per core of the reference
//! machine); the calling thread only waits. Completion times are taken from the moment the
//! last message was handled (recorded by the receiver itself), so the way the caller waits does
//! not add to them.
#![allow(dead_code)]

use sig2rtm::rtm::{
    ChannelEvent, ClientConfig, EventStream, RateLimits, RtmChannel, RtmClient, RtmEvent,
    RtmMessage, SendMessageOptions,
};
use sig2rtm::signaling::{CallbackMode, Signaling, SignalingCallback, SignalingConfig};
use sig2rtm::system::{System, SystemConfig};
use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;
use tokio::sync::Notify;

/// The App ID every scenario uses (App-ID-only, auto-registered).
pub const APP: &str = "0123456789abcdef0123456789abcdef";

/// Peer sends a core sender keeps in flight before it waits for the oldest reply, in total
/// over all its senders.
pub const CORE_WINDOW: usize = 4096;

/// Legacy sends the facade driver keeps unanswered (no `on_message_send_success` yet).
pub const FACADE_WINDOW: u64 = 4096;

/// Logins started at once when many clients log in.
const LOGIN_WAVE: usize = 1000;

/// Legacy channel joins started at once.
const JOIN_WAVE: usize = 250;

/// How long any wait of a scenario may take before it is declared stuck.
const STUCK: Duration = Duration::from_secs(180);

// ---------------------------------------------------------------------------------------------
// Clock, runtime, process figures

/// Nanoseconds since the first call in this process: a clock every thread can read and store
/// in an atomic.
pub fn now_ns() -> u64 {
    static BASE: OnceLock<Instant> = OnceLock::new();
    BASE.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

/// The runtime the scenarios run on: two worker threads.
pub fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("bench-worker")
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Runs `fut` as a task on `rt` and waits for it; the calling thread stays parked meanwhile.
pub fn on_rt<F>(rt: &Runtime, fut: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    rt.block_on(rt.spawn(fut)).expect("scenario task panicked")
}

/// A system whose member-count updates are throttled to once an hour, so that they stay out
/// of the timings (every other setting is the default).
pub fn system() -> System {
    System::new(SystemConfig {
        member_count_interval: Duration::from_secs(3600),
        member_count_interval_large: Duration::from_secs(3600),
        ..SystemConfig::default()
    })
}

/// Client settings with every call-frequency limit off.
pub fn unlimited() -> ClientConfig {
    ClientConfig {
        rate_limits: RateLimits::off(),
        ..ClientConfig::default()
    }
}

/// Resident memory of this process in bytes (`/proc/self/statm`, 4 KiB pages).
pub fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// CPU time this process has used, user plus system (`/proc/self/stat`, 100 ticks a second).
pub fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the name.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// The `q`-quantile (0..=1) of sorted samples.
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The median of some durations.
pub fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    quantile(&runs, 0.5)
}

// ---------------------------------------------------------------------------------------------
// Baseline: the physical limit of handing messages from one thread to another

/// Time to hand `n` messages from one thread to another through an unbounded crossbeam
/// channel, the receiver taking them as they come.
pub fn baseline_handoff(n: u64) -> Duration {
    let (tx, rx) = crossbeam_channel::unbounded::<u64>();
    let ready = Arc::new(Barrier::new(2));
    let consumer = {
        let ready = ready.clone();
        std::thread::spawn(move || {
            ready.wait();
            let mut sum = 0u64;
            for _ in 0..n {
                sum = sum.wrapping_add(rx.recv().expect("baseline sender alive"));
            }
            (sum, Instant::now())
        })
    };
    ready.wait();
    let start = Instant::now();
    for i in 0..n {
        tx.send(i).expect("baseline receiver alive");
    }
    let (sum, end) = consumer.join().expect("baseline consumer");
    std::hint::black_box(sum);
    end.duration_since(start)
}

/// One-message latency of the same hand-off when both threads are idle: the time from a send
/// until the parked receiving thread runs. `samples` sends, `gap` apart; sorted.
pub fn baseline_latency(samples: usize, gap: Duration) -> Vec<Duration> {
    let (tx, rx) = crossbeam_channel::unbounded::<Instant>();
    let (back_tx, back_rx) = crossbeam_channel::unbounded::<Duration>();
    let echo = std::thread::spawn(move || {
        for sent in rx {
            let _ = back_tx.send(sent.elapsed());
        }
    });
    let mut out = Vec::with_capacity(samples);
    for _ in 0..samples {
        std::thread::sleep(gap);
        tx.send(Instant::now()).expect("echo thread alive");
        out.push(back_rx.recv().expect("echo thread alive"));
    }
    drop(tx);
    let _ = echo.join();
    out.sort();
    out
}

// ---------------------------------------------------------------------------------------------
// Logging in many core clients

/// Logs in one client of [`APP`] per name, [`LOGIN_WAVE`] at a time, each subscribed to its
/// events first when `subscribe` is set. Clients come back in the order of `names`.
pub async fn login_many(
    system: &System,
    names: Vec<String>,
    subscribe: bool,
) -> Vec<(RtmClient, Option<EventStream>)> {
    let mut out = Vec::with_capacity(names.len());
    let mut names = names.into_iter().peekable();
    while names.peek().is_some() {
        let wave: Vec<_> = names
            .by_ref()
            .take(LOGIN_WAVE)
            .map(|name| {
                let client = RtmClient::builder(APP)
                    .system(system)
                    .config(unlimited())
                    .build()
                    .expect("client");
                tokio::spawn(async move {
                    let events = subscribe.then(|| client.subscribe());
                    client
                        .login("", &name)
                        .await
                        .unwrap_or_else(|e| panic!("login of {name}: {e}"));
                    (client, events)
                })
            })
            .collect();
        for task in wave {
            out.push(task.await.expect("login task"));
        }
    }
    out
}

/// Joins every client to its channel (`channel_of(index)`), [`LOGIN_WAVE`] at a time.
pub async fn join_many(
    clients: &[RtmClient],
    channel_of: impl Fn(usize) -> String,
) -> Vec<RtmChannel> {
    let mut out = Vec::with_capacity(clients.len());
    for (wave_no, wave) in clients.chunks(LOGIN_WAVE).enumerate() {
        let tasks: Vec<_> = wave
            .iter()
            .enumerate()
            .map(|(i, client)| {
                let channel = client
                    .create_channel(&channel_of(wave_no * LOGIN_WAVE + i))
                    .expect("channel");
                tokio::spawn(async move {
                    channel.join().await.expect("join");
                    channel
                })
            })
            .collect();
        for task in tasks {
            out.push(task.await.expect("join task"));
        }
    }
    out
}

/// Counts deliveries and wakes a waiter when a target is reached; remembers when the latest
/// delivery happened.
#[derive(Default)]
pub struct Progress {
    count: AtomicU64,
    target: AtomicU64,
    last_ns: AtomicU64,
    done: Notify,
}

impl Progress {
    fn delivered(&self) {
        self.last_ns.fetch_max(now_ns(), Ordering::AcqRel);
        let now = self.count.fetch_add(1, Ordering::AcqRel) + 1;
        if now == self.target.load(Ordering::Acquire) {
            self.done.notify_one();
        }
    }

    /// Expects `more` deliveries from now on.
    fn expect(&self, more: u64) {
        self.target
            .store(self.count.load(Ordering::Acquire) + more, Ordering::Release);
    }

    async fn wait(&self) {
        tokio::time::timeout(STUCK, self.done.notified())
            .await
            .expect("deliveries stopped before the target");
    }
}

// ---------------------------------------------------------------------------------------------
// Peer messages on the RTM core

/// Sender/receiver pairs of core clients: sender `s{i}` sends to receiver `r{i}`.
pub struct CorePeers {
    _system: System,
    senders: Vec<RtmClient>,
    _receivers: Vec<RtmClient>,
    progress: Arc<Progress>,
    message: RtmMessage,
}

impl CorePeers {
    /// Logs in `pairs` senders and receivers; a task per receiver counts its peer messages.
    pub fn new(rt: &Runtime, pairs: usize) -> CorePeers {
        let system = system();
        let progress = Arc::new(Progress::default());
        let (senders, receivers) = {
            let (system, progress) = (system.clone(), progress.clone());
            on_rt(rt, async move {
                let senders = login_many(&system, names("s", pairs), false).await;
                let receivers = login_many(&system, names("r", pairs), true).await;
                let mut kept = Vec::with_capacity(pairs);
                for (client, events) in receivers {
                    let mut events = events.expect("subscribed");
                    let progress = progress.clone();
                    tokio::spawn(async move {
                        while let Some(event) = events.recv().await {
                            if let RtmEvent::MessageFromPeer { .. } = event {
                                progress.delivered();
                            }
                        }
                    });
                    kept.push(client);
                }
                (senders.into_iter().map(|(c, _)| c).collect(), kept)
            })
        };
        CorePeers {
            _system: system,
            senders,
            _receivers: receivers,
            progress,
            message: RtmMessage::from_text("hello"),
        }
    }

    /// Sends about `total` messages, spread evenly over the pairs, each sender keeping its share
    /// of [`CORE_WINDOW`] in flight. Returns the time until every message was received and
    /// every send was answered, and the number of messages sent.
    pub fn run(&self, rt: &Runtime, total: u64) -> (Duration, u64) {
        let pairs = self.senders.len() as u64;
        let per_sender = (total / pairs).max(1);
        let total = per_sender * pairs;
        let window = (CORE_WINDOW / self.senders.len()).max(4);
        self.progress.expect(total);
        let senders = self.senders.clone();
        let (progress, message) = (self.progress.clone(), self.message.clone());
        let elapsed = on_rt(rt, async move {
            let start = now_ns();
            let tasks: Vec<_> = senders
                .into_iter()
                .enumerate()
                .map(|(i, sender)| {
                    let (to, message) = (format!("r{i}"), message.clone());
                    tokio::spawn(async move {
                        let mut in_flight = VecDeque::with_capacity(window);
                        for _ in 0..per_sender {
                            in_flight.push_back(sender.send_message_to_peer(
                                &to,
                                &message,
                                SendMessageOptions::default(),
                            ));
                            if in_flight.len() > window {
                                let oldest = in_flight.pop_front().expect("window not empty");
                                oldest.await.expect("peer message");
                            }
                        }
                        for answer in in_flight {
                            answer.await.expect("peer message");
                        }
                        now_ns()
                    })
                })
                .collect();
            let mut answered = start;
            for task in tasks {
                answered = answered.max(task.await.expect("sender task"));
            }
            progress.wait().await;
            let received = progress.last_ns.load(Ordering::Acquire);
            Duration::from_nanos(answered.max(received) - start)
        });
        (elapsed, total)
    }
}

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

// ---------------------------------------------------------------------------------------------
// The legacy facade

/// What a group of legacy instances has seen; one value may be shared by many instances.
#[derive(Default)]
pub struct LegacyStats {
    pub logins: AtomicU64,
    pub joined: AtomicU64,
    pub instant_received: AtomicU64,
    pub channel_received: AtomicU64,
    pub send_success: AtomicU64,
    pub errors: AtomicU64,
    /// Latest delivery of a counted callback, in [`now_ns`].
    pub last_ns: AtomicU64,
    /// Told the arrival time of each peer message while set (latency runs).
    pub arrivals: Mutex<Option<mpsc::Sender<u64>>>,
    /// Echoes of one's own channel messages are not counted for this account.
    pub own_account: Mutex<Option<String>>,
    pub first_error: Mutex<Option<String>>,
}

impl LegacyStats {
    fn hit(&self, counter: &AtomicU64) {
        self.last_ns.fetch_max(now_ns(), Ordering::AcqRel);
        counter.fetch_add(1, Ordering::AcqRel);
    }

    fn error(&self, what: String) {
        self.errors.fetch_add(1, Ordering::AcqRel);
        self.first_error.lock().expect("stats").get_or_insert(what);
    }

    /// Panics with the first error a callback reported, if any.
    pub fn check(&self) {
        let first = self.first_error.lock().expect("stats").clone();
        if let Some(e) = first {
            panic!("a legacy callback reported an error: {e}");
        }
    }
}

/// A callback handler that counts into [`LegacyStats`].
pub struct Counting(pub Arc<LegacyStats>);

impl SignalingCallback for Counting {
    fn on_login_success(&self, _uid: u32, _fd: i32) {
        self.0.logins.fetch_add(1, Ordering::AcqRel);
    }

    fn on_login_failed(&self, ecode: i32) {
        self.0.error(format!("onLoginFailed({ecode})"));
    }

    fn on_channel_joined(&self, _channel_id: &str) {
        self.0.joined.fetch_add(1, Ordering::AcqRel);
    }

    fn on_channel_join_failed(&self, channel_id: &str, ecode: i32) {
        self.0
            .error(format!("onChannelJoinFailed({channel_id}, {ecode})"));
    }

    fn on_message_instant_receive(&self, _account: &str, _uid: u32, _msg: &str) {
        let at = now_ns();
        if let Some(tx) = self.0.arrivals.lock().expect("stats").as_ref() {
            let _ = tx.send(at);
        }
        self.0.hit(&self.0.instant_received);
    }

    fn on_message_channel_receive(&self, _channel_id: &str, account: &str, _uid: u32, _msg: &str) {
        let own = self.0.own_account.lock().expect("stats");
        if own.as_deref() != Some(account) {
            drop(own);
            self.0.hit(&self.0.channel_received);
        }
    }

    fn on_message_send_success(&self, _message_id: &str) {
        self.0.hit(&self.0.send_success);
    }

    fn on_message_send_error(&self, message_id: &str, ecode: i32) {
        self.0
            .error(format!("onMessageSendError({message_id}, {ecode})"));
    }

    fn on_error(&self, name: &str, ecode: i32, desc: &str) {
        self.0.error(format!("onError({name}, {ecode}, {desc})"));
    }
}

/// Waits (parked in short sleeps) until `done` holds; panics after [`STUCK`].
pub fn wait_until(what: &str, stats: &[&LegacyStats], done: impl Fn() -> bool) {
    let deadline = Instant::now() + STUCK;
    while !done() {
        for s in stats {
            s.check();
        }
        assert!(Instant::now() < deadline, "stuck waiting for {what}");
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// A legacy instance on `system`, on `rt`, without rate limits, counting into `stats`.
pub fn legacy_instance(
    rt: &Runtime,
    system: &System,
    mode: CallbackMode,
    stats: &Arc<LegacyStats>,
) -> Signaling {
    let sig = Signaling::create_instance(
        SignalingConfig::default()
            .system(system)
            .client_config(unlimited())
            .callback_mode(mode)
            .runtime(rt.handle().clone()),
    );
    sig.callback_set(Some(Arc::new(Counting(stats.clone()))));
    sig
}

/// Logs in every instance as its account; waits for all the `on_login_success`.
pub fn legacy_login_all(instances: &[(&Signaling, &str, &LegacyStats)]) {
    let mut expected: Vec<(u64, &LegacyStats)> = Vec::new();
    for (sig, account, stats) in instances {
        let before = stats.logins.load(Ordering::Acquire);
        let slot = expected.iter_mut().find(|(_, s)| std::ptr::eq(*s, *stats));
        match slot {
            Some((n, _)) => *n += 1,
            None => expected.push((before + 1, stats)),
        }
        sig.login2(APP, account, "_no_need_token", 0, "", 30, 3);
    }
    let all: Vec<&LegacyStats> = expected.iter().map(|(_, s)| *s).collect();
    wait_until("logins", &all, || {
        expected
            .iter()
            .all(|(n, s)| s.logins.load(Ordering::Acquire) >= *n)
    });
}

/// A legacy sender and a legacy receiver on one system.
pub struct FacadePeers {
    _system: System,
    sender: Signaling,
    receiver: Signaling,
    sent: Arc<LegacyStats>,
    received: Arc<LegacyStats>,
}

impl FacadePeers {
    /// Two logged-in instances, `alice` → `bob`, callbacks on their callback threads.
    pub fn new(rt: &Runtime) -> FacadePeers {
        let system = system();
        let sent = Arc::new(LegacyStats::default());
        let received = Arc::new(LegacyStats::default());
        let sender = legacy_instance(rt, &system, CallbackMode::Thread, &sent);
        let receiver = legacy_instance(rt, &system, CallbackMode::Thread, &received);
        legacy_login_all(&[(&sender, "alice", &sent), (&receiver, "bob", &received)]);
        FacadePeers {
            _system: system,
            sender,
            receiver,
            sent,
            received,
        }
    }

    /// Sends `n` peer messages with `message_instant_send` (empty message ids, as most legacy
    /// apps pass), keeping at most [`FACADE_WINDOW`] unanswered. Returns the time until bob's
    /// callback thread ran the last `on_message_instant_receive` and alice's the last
    /// `on_message_send_success`.
    pub fn run(&self, n: u64) -> Duration {
        let base_ok = self.sent.send_success.load(Ordering::Acquire);
        let base_rx = self.received.instant_received.load(Ordering::Acquire);
        let start = now_ns();
        for i in 0..n {
            while i - (self.sent.send_success.load(Ordering::Acquire) - base_ok) >= FACADE_WINDOW {
                self.sent.check();
                std::thread::sleep(Duration::from_micros(50));
            }
            self.sender.message_instant_send("bob", 0, "hello", "");
        }
        wait_until("peer messages", &[&self.sent, &self.received], || {
            self.sent.send_success.load(Ordering::Acquire) - base_ok >= n
                && self.received.instant_received.load(Ordering::Acquire) - base_rx >= n
        });
        let end = self
            .sent
            .last_ns
            .load(Ordering::Acquire)
            .max(self.received.last_ns.load(Ordering::Acquire));
        Duration::from_nanos(end - start)
    }

    /// One message at a time, the system otherwise idle: the time from `message_instant_send`
    /// until `on_message_instant_receive` starts on bob's callback thread. Sorted.
    pub fn latency(&self, samples: usize, gap: Duration) -> Vec<Duration> {
        let (tx, rx) = mpsc::channel();
        *self.received.arrivals.lock().expect("stats") = Some(tx);
        let mut out = Vec::with_capacity(samples);
        for _ in 0..samples {
            std::thread::sleep(gap);
            let start = now_ns();
            self.sender.message_instant_send("bob", 0, "ping", "");
            let at = rx.recv_timeout(STUCK).expect("the message arrives");
            out.push(Duration::from_nanos(at.saturating_sub(start)));
        }
        *self.received.arrivals.lock().expect("stats") = None;
        self.received.check();
        out.sort();
        out
    }
}

impl Drop for FacadePeers {
    fn drop(&mut self) {
        self.sender.destroy();
        self.receiver.destroy();
    }
}

// ---------------------------------------------------------------------------------------------
// Channel fan-out

/// One channel of `members` core clients plus a sending member.
pub struct CoreFanout {
    _system: System,
    _members: Vec<RtmClient>,
    _member_channels: Vec<RtmChannel>,
    _sender: RtmClient,
    channel: RtmChannel,
    progress: Arc<Progress>,
    members: u64,
}

impl CoreFanout {
    /// Logs in `members` clients and the sender, all in channel `big`; a task per member
    /// counts its channel messages.
    pub fn new(rt: &Runtime, members: usize) -> CoreFanout {
        let system = system();
        let progress = Arc::new(Progress::default());
        let (system2, progress2) = (system.clone(), progress.clone());
        let (clients, member_channels, sender, channel) = on_rt(rt, async move {
            let logged = login_many(&system2, names("m", members), true).await;
            let mut clients = Vec::with_capacity(members);
            for (client, events) in logged {
                let mut events = events.expect("subscribed");
                let progress = progress2.clone();
                tokio::spawn(async move {
                    while let Some(event) = events.recv().await {
                        if let RtmEvent::Channel {
                            event: ChannelEvent::MessageReceived { .. },
                            ..
                        } = event
                        {
                            progress.delivered();
                        }
                    }
                });
                clients.push(client);
            }
            let member_channels = join_many(&clients, |_| "big".to_string()).await;
            let (sender, _) = login_many(&system2, vec!["sender".into()], false)
                .await
                .pop()
                .expect("sender");
            let channel = join_many(std::slice::from_ref(&sender), |_| "big".into())
                .await
                .pop()
                .expect("sender's channel");
            // Let the join events settle before anything is timed.
            tokio::time::sleep(Duration::from_millis(200)).await;
            (clients, member_channels, sender, channel)
        });
        CoreFanout {
            _system: system,
            _members: clients,
            _member_channels: member_channels,
            _sender: sender,
            channel,
            progress,
            members: members as u64,
        }
    }

    /// One channel message: the time until the last member's task handled it.
    pub fn run(&self, rt: &Runtime) -> Duration {
        self.progress.expect(self.members);
        let (channel, progress) = (self.channel.clone(), self.progress.clone());
        on_rt(rt, async move {
            let start = now_ns();
            channel
                .send_message(
                    &RtmMessage::from_text("to all"),
                    SendMessageOptions::default(),
                )
                .await
                .expect("channel message");
            progress.wait().await;
            Duration::from_nanos(progress.last_ns.load(Ordering::Acquire) - start)
        })
    }
}

/// One channel of `members` legacy instances plus a sending instance.
pub struct FacadeFanout {
    _system: System,
    members: Vec<Signaling>,
    sender: Signaling,
    stats: Arc<LegacyStats>,
    sender_stats: Arc<LegacyStats>,
}

impl FacadeFanout {
    /// `members` legacy instances (callbacks delivered per `mode`) and a sender, all logged in
    /// and in channel `big`.
    pub fn new(rt: &Runtime, members: usize, mode: CallbackMode) -> FacadeFanout {
        let system = system();
        let stats = Arc::new(LegacyStats::default());
        let sender_stats = Arc::new(LegacyStats::default());
        *sender_stats.own_account.lock().expect("stats") = Some("sender".into());
        let instances: Vec<Signaling> = (0..members)
            .map(|_| legacy_instance(rt, &system, mode, &stats))
            .collect();
        let sender = legacy_instance(rt, &system, mode, &sender_stats);
        let accounts = names("m", members);
        let mut all: Vec<(&Signaling, &str, &LegacyStats)> = instances
            .iter()
            .zip(&accounts)
            .map(|(s, a)| (s, a.as_str(), &*stats))
            .collect();
        all.push((&sender, "sender", &sender_stats));
        for wave in all.chunks(LOGIN_WAVE) {
            legacy_login_all(wave);
        }
        // Joins go in waves too: each legacy join lists the members (getMembers), and ten
        // thousand at once would outlast RTM's 5 s join timeout on two cores.
        for (i, wave) in instances.chunks(JOIN_WAVE).enumerate() {
            for sig in wave {
                sig.channel_join("big");
            }
            let joined = (i * JOIN_WAVE + wave.len()) as u64;
            wait_until("channel joins", &[&stats], || {
                stats.joined.load(Ordering::Acquire) >= joined
            });
        }
        sender.channel_join("big");
        wait_until("the sender's join", &[&sender_stats], || {
            sender_stats.joined.load(Ordering::Acquire) >= 1
        });
        std::thread::sleep(Duration::from_millis(300));
        FacadeFanout {
            _system: system,
            members: instances,
            sender,
            stats,
            sender_stats,
        }
    }

    /// One `message_channel_send`: the time until the last member's
    /// `on_message_channel_receive` ran.
    pub fn run(&self) -> Duration {
        let base = self.stats.channel_received.load(Ordering::Acquire);
        let n = self.members.len() as u64;
        let start = now_ns();
        self.sender.message_channel_send("big", "to all", "");
        wait_until(
            "channel fan-out",
            &[&self.stats, &self.sender_stats],
            || self.stats.channel_received.load(Ordering::Acquire) - base >= n,
        );
        Duration::from_nanos(self.stats.last_ns.load(Ordering::Acquire) - start)
    }
}

impl Drop for FacadeFanout {
    fn drop(&mut self) {
        for sig in self.members.iter().chain(std::iter::once(&self.sender)) {
            sig.destroy();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Scale: many idle clients

/// What logging in many idle clients cost.
pub struct IdleOutcome {
    pub clients: usize,
    pub login_time: Duration,
    pub rss_before: u64,
    pub rss_after: u64,
}

impl IdleOutcome {
    /// Growth of resident memory per logged-in client.
    pub fn bytes_per_client(&self) -> f64 {
        self.rss_after.saturating_sub(self.rss_before) as f64 / self.clients as f64
    }

    pub fn logins_per_sec(&self) -> f64 {
        self.clients as f64 / self.login_time.as_secs_f64()
    }
}

/// Logs in `n` core clients to one fresh system and keeps them idle; measures resident memory
/// before and after (both sides in this process: clients and system).
pub fn idle_clients(rt: &Runtime, n: usize) -> IdleOutcome {
    let system = System::new(SystemConfig::default());
    // Warm up the runtime and the allocator's first arenas with a few logins.
    let warm = on_rt(rt, {
        let system = system.clone();
        async move { login_many(&system, names("warm", 64), false).await }
    });
    drop(warm);
    std::thread::sleep(Duration::from_millis(100));
    let rss_before = rss_bytes();
    let start = Instant::now();
    let clients = on_rt(rt, {
        let system = system.clone();
        async move { login_many(&system, names("idle", n), false).await }
    });
    let login_time = start.elapsed();
    std::thread::sleep(Duration::from_millis(300));
    let rss_after = rss_bytes();
    assert_eq!(system.online_users(APP).len(), n);
    on_rt(rt, async move {
        for (client, _) in &clients {
            client.release();
        }
        drop(clients);
    });
    IdleOutcome {
        clients: n,
        login_time,
        rss_before,
        rss_after,
    }
}

// ---------------------------------------------------------------------------------------------
// Mixed load

/// Delivery latencies: 1 µs buckets up to 10 ms, then 1 ms buckets up to 10 s.
pub struct Histogram {
    buckets: Vec<AtomicU64>,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            buckets: (0..20_001).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

impl Histogram {
    pub fn record(&self, d: Duration) {
        let us = d.as_micros() as usize;
        let i = if us < 10_000 {
            us
        } else {
            (10_000 + (us - 10_000) / 1000).min(20_000)
        };
        self.buckets[i].fetch_add(1, Ordering::Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).sum()
    }

    /// Upper edge of the bucket holding the `q`-quantile.
    pub fn quantile(&self, q: f64) -> Duration {
        let total = self.count();
        let want = ((total as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, b) in self.buckets.iter().enumerate() {
            seen += b.load(Ordering::Relaxed);
            if seen >= want {
                let us = if i < 10_000 {
                    i as u64 + 1
                } else {
                    10_000 + (i as u64 - 10_000 + 1) * 1000
                };
                return Duration::from_micros(us);
            }
        }
        Duration::ZERO
    }
}

/// Result of the mixed load.
pub struct MixedOutcome {
    pub clients: usize,
    pub channels: usize,
    pub senders: usize,
    pub measured: Duration,
    pub sent: u64,
    /// Sends answered with an error (over the whole run, warm-up included).
    pub failed: u64,
    pub delivered: u64,
    pub p50: Duration,
    pub p99: Duration,
    pub cpu: Duration,
}

impl MixedOutcome {
    /// CPU use as a share of one core.
    pub fn cpu_share(&self) -> f64 {
        self.cpu.as_secs_f64() / self.measured.as_secs_f64()
    }
}

/// `clients` core clients in `channels` channels of equal size; every tenth client sends 60
/// messages a second, alternating a channel message to its channel and a peer message to a
/// client of another channel. Runs `warmup`, then measures for `measure`: delivery latency
/// (send call → receiver's task), deliveries, and the process's CPU time.
pub fn mixed(
    rt: &Runtime,
    clients: usize,
    channels: usize,
    warmup: Duration,
    measure: Duration,
) -> MixedOutcome {
    const RATE: u64 = 60;
    let system = system();
    let per_channel = (clients / channels).max(1);
    let hist = Arc::new(Histogram::default());
    let recording = Arc::new(AtomicBool::new(false));
    let delivered = Arc::new(AtomicU64::new(0));
    let (logged, joined) = {
        let (system, hist, recording, delivered) = (
            system.clone(),
            hist.clone(),
            recording.clone(),
            delivered.clone(),
        );
        on_rt(rt, async move {
            let logged = login_many(&system, names("u", clients), true).await;
            let mut kept = Vec::with_capacity(clients);
            for (client, events) in logged {
                let mut events = events.expect("subscribed");
                let (hist, recording, delivered) =
                    (hist.clone(), recording.clone(), delivered.clone());
                tokio::spawn(async move {
                    while let Some(event) = events.recv().await {
                        let message = match event {
                            RtmEvent::MessageFromPeer { message, .. } => message,
                            RtmEvent::Channel {
                                event: ChannelEvent::MessageReceived { message, .. },
                                ..
                            } => message,
                            _ => continue,
                        };
                        let sent: u64 = message.text().parse().unwrap_or(0);
                        if recording.load(Ordering::Relaxed) && sent > 0 {
                            hist.record(Duration::from_nanos(now_ns().saturating_sub(sent)));
                            delivered.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
                kept.push(client);
            }
            let joined = join_many(&kept, |i| format!("ch{}", i / per_channel)).await;
            (kept, joined)
        })
    };
    let senders: Vec<(RtmClient, RtmChannel, String)> = (0..clients)
        .step_by(10)
        .map(|i| {
            // A member of the next channel over.
            let peer = format!("u{}", (i + per_channel + 1) % clients);
            (logged[i].clone(), joined[i].clone(), peer)
        })
        .collect();
    let n_senders = senders.len();
    let sent = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let (start_tx, start_rx) = mpsc::channel::<(Instant, Duration)>();
    let driver = {
        let (recording, sent, failed) = (recording.clone(), sent.clone(), failed.clone());
        rt.spawn(async move {
            let period_ns = 1_000_000_000 / RATE;
            let begin = now_ns();
            // Senders start evenly spread over one period.
            let mut due: Vec<u64> = (0..n_senders as u64)
                .map(|j| begin + j * period_ns / n_senders as u64)
                .collect();
            let mut turn = vec![0u64; n_senders];
            let mut tick = tokio::time::interval(Duration::from_millis(1));
            let warm_end = begin + warmup.as_nanos() as u64;
            let end = warm_end + measure.as_nanos() as u64;
            let mut measuring = false;
            loop {
                tick.tick().await;
                let now = now_ns();
                if !measuring && now >= warm_end {
                    measuring = true;
                    recording.store(true, Ordering::Relaxed);
                    let _ = start_tx.send((Instant::now(), cpu_time()));
                }
                if now >= end {
                    break;
                }
                // The answers of this tick's sends are awaited by one task.
                let (mut to_channels, mut to_peers) = (Vec::new(), Vec::new());
                for (j, (client, channel, peer)) in senders.iter().enumerate() {
                    if due[j] > now {
                        continue;
                    }
                    due[j] += period_ns;
                    let message = RtmMessage::from_text(now_ns().to_string());
                    if turn[j] % 2 == 0 {
                        to_channels
                            .push(channel.send_message(&message, SendMessageOptions::default()));
                    } else {
                        to_peers.push(client.send_message_to_peer(
                            peer,
                            &message,
                            SendMessageOptions::default(),
                        ));
                    }
                    turn[j] += 1;
                    if measuring {
                        sent.fetch_add(1, Ordering::Relaxed);
                    }
                }
                if !to_channels.is_empty() || !to_peers.is_empty() {
                    let failed = failed.clone();
                    tokio::spawn(async move {
                        let mut bad = 0;
                        for answer in to_channels {
                            bad += u64::from(answer.await.is_err());
                        }
                        for answer in to_peers {
                            bad += u64::from(answer.await.is_err());
                        }
                        failed.fetch_add(bad, Ordering::Relaxed);
                    });
                }
            }
            recording.store(false, Ordering::Relaxed);
            (Instant::now(), cpu_time())
        })
    };
    let (t0, cpu0) = start_rx
        .recv_timeout(warmup + STUCK)
        .expect("the mixed load starts");
    let (t1, cpu1) = rt.block_on(driver).expect("mixed driver");
    std::thread::sleep(Duration::from_millis(100));
    let outcome = MixedOutcome {
        clients,
        channels,
        senders: n_senders,
        measured: t1.duration_since(t0),
        sent: sent.load(Ordering::Relaxed),
        failed: failed.load(Ordering::Relaxed),
        delivered: delivered.load(Ordering::Relaxed),
        p50: hist.quantile(0.50),
        p99: hist.quantile(0.99),
        cpu: cpu1.saturating_sub(cpu0),
    };
    on_rt(rt, async move {
        for client in &logged {
            client.release();
        }
        drop((logged, joined));
    });
    drop(system);
    outcome
}
