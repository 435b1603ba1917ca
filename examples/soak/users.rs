//! The simulated users: each is a task that logs in and then, at random moments, sends peer
//! and channel messages, joins and leaves channels, sets attributes, invites, and logs out and
//! in again. A user is either an RTM core client ([`RtmClient`]) or a legacy Signaling instance
//! ([`Signaling`]); both reach the server through the fault proxy.

use crate::ledger::{channel_text, peer_text, Answer, Ledger};
use crate::rng::Rng;
use sig2rtm::rtm::{
    CallEvent, ChannelEvent, ConnectionState, PeerDelivery, PeerMessageErrCode, RtmAttribute,
    RtmChannel, RtmClient, RtmEvent, RtmMessage, SendMessageOptions,
};
use sig2rtm::signaling::{LegacyEvent, LoginState, Signaling, SignalingConfig};
use sig2rtm::transport::Connector;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// The App ID every user logs in to (App-ID-only: no tokens).
pub const APP: &str = "0123456789abcdef0123456789abcdef";

/// How many partners each user sends peer messages to: few enough that every pair carries a
/// long sequence, whose order the checker can judge.
const PARTNERS: u32 = 8;

/// What every user shares.
pub struct World {
    /// The record of the run.
    pub ledger: Arc<Ledger>,
    /// How clients reach the server (the fault proxy).
    pub connector: Arc<dyn Connector>,
    /// Number of users.
    pub users: u32,
    /// Number of channels they pick from.
    pub channels: u32,
    /// Mean time between two actions of one user.
    pub mean_gap: Duration,
    /// Time over which the first logins are spread.
    pub login_spread: Duration,
    /// Set at the end of the workload: users stop acting and make sure they are logged in.
    pub stop: AtomicBool,
    /// Per user: the fault driver asks for a duplicate login (a second instance of the same
    /// user logs in and kicks the first).
    pub kicks: Vec<AtomicBool>,
    /// Users whose final login is done.
    pub settled: AtomicUsize,
    /// Per user: what it is doing now ([`Doing`]), for the report of users that do not settle.
    pub doing: Vec<AtomicU8>,
    next_instance: AtomicU64,
}

impl World {
    /// A world of `users` users.
    pub fn new(
        ledger: Arc<Ledger>,
        connector: Arc<dyn Connector>,
        users: u32,
        mean_gap: Duration,
        login_spread: Duration,
    ) -> World {
        World {
            ledger,
            connector,
            users,
            channels: (users / 20).max(1),
            mean_gap,
            login_spread,
            stop: AtomicBool::new(false),
            kicks: (0..users).map(|_| AtomicBool::new(false)).collect(),
            settled: AtomicUsize::new(0),
            doing: (0..users)
                .map(|_| AtomicU8::new(Doing::Waiting as u8))
                .collect(),
            next_instance: AtomicU64::new(1),
        }
    }

    fn set_doing(&self, me: u32, doing: Doing) {
        self.doing[me as usize].store(doing as u8, Ordering::Relaxed);
    }

    /// How many users are doing each thing now, for the ones not `Settled`.
    pub fn doing_summary(&self) -> String {
        let mut counts = [0usize; Doing::ALL.len()];
        for d in &self.doing {
            counts[d.load(Ordering::Relaxed) as usize] += 1;
        }
        Doing::ALL
            .iter()
            .zip(counts)
            .filter(|(d, n)| **d != Doing::Settled && *n > 0)
            .map(|(d, n)| format!("{d:?} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn counters(&self) -> &crate::ledger::Counters {
        &self.ledger.counters
    }
}

/// What a user is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Doing {
    /// Between actions.
    Waiting,
    /// Logging in.
    LoggingIn,
    /// Logging out.
    LoggingOut,
    /// Joining or leaving a channel.
    Joining,
    /// Writing an attribute.
    Attribute,
    /// Inviting.
    Inviting,
    /// A duplicate login.
    Kicking,
    /// Done: logged in at the end.
    Settled,
}

impl Doing {
    /// Every value, in the order of their numbers.
    pub const ALL: [Doing; 8] = [
        Doing::Waiting,
        Doing::LoggingIn,
        Doing::LoggingOut,
        Doing::Joining,
        Doing::Attribute,
        Doing::Inviting,
        Doing::Kicking,
        Doing::Settled,
    ];
}

fn name(user: u32) -> String {
    format!("u{user}")
}

/// One client instance of a user.
pub enum Instance {
    /// An RTM core client.
    Core(CoreUser),
    /// A legacy Signaling instance.
    Legacy(LegacyUser),
}

/// An RTM core client and its channel.
pub struct CoreUser {
    client: RtmClient,
    channel: Option<RtmChannel>,
}

/// A legacy instance, its channel and the way to stop its event task.
pub struct LegacyUser {
    sig: Signaling,
    channel: Option<String>,
    events: mpsc::UnboundedSender<LegacyMsg>,
}

enum LegacyMsg {
    Event(LegacyEvent),
    Stop,
}

impl Instance {
    fn new(world: &Arc<World>, me: u32, legacy: bool) -> Instance {
        let id = world.next_instance.fetch_add(1, Ordering::Relaxed);
        if legacy {
            Instance::Legacy(LegacyUser::new(world, me, id))
        } else {
            Instance::Core(CoreUser::new(world, me, id))
        }
    }

    /// Logs in; true when logged in within the login wait.
    async fn login(&mut self, world: &World, me: u32) -> bool {
        world.set_doing(me, Doing::LoggingIn);
        let ok = match self {
            Instance::Core(c) => {
                if c.client.connection_state() == ConnectionState::Aborted {
                    let _ = c.client.logout().await;
                }
                c.client.login("", &name(me)).await.is_ok()
            }
            Instance::Legacy(l) => {
                l.sig.login2(APP, &name(me), "_no_need_token", 0, "", 30, 3);
                l.wait_login().await
            }
        };
        if ok {
            world.counters().logins.fetch_add(1, Ordering::Relaxed);
        }
        ok
    }

    /// Whether the user holds a session or is getting it back by itself.
    fn logged_in(&self) -> bool {
        match self {
            Instance::Core(c) => matches!(
                c.client.connection_state(),
                ConnectionState::Connected | ConnectionState::Reconnecting
            ),
            Instance::Legacy(l) => matches!(
                l.sig.login_state(),
                LoginState::Logined | LoginState::Reconnecting
            ),
        }
    }

    /// Whether a login is under way (nothing to do but wait).
    fn logging_in(&self) -> bool {
        match self {
            Instance::Core(c) => c.client.connection_state() == ConnectionState::Connecting,
            Instance::Legacy(l) => l.sig.login_state() == LoginState::Logining,
        }
    }

    async fn logout(&mut self, world: &World, me: u32) {
        world.set_doing(me, Doing::LoggingOut);
        world.counters().logouts.fetch_add(1, Ordering::Relaxed);
        match self {
            Instance::Core(c) => {
                if let Some(ch) = c.channel.take() {
                    ch.release();
                }
                let _ = c.client.logout().await;
            }
            Instance::Legacy(l) => {
                l.channel = None;
                l.sig.logout();
                let deadline = Instant::now() + Duration::from_secs(10);
                while l.sig.login_state() != LoginState::NotLogin && Instant::now() < deadline {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    fn send_peer(&self, world: &World, me: u32, to: u32, seq: u64, offline: bool) {
        let ledger = world.ledger.clone();
        let text = peer_text(me, to, seq);
        ledger.peer_sending(me, to, seq);
        match self {
            Instance::Core(c) => {
                let options = SendMessageOptions {
                    enable_offline_messaging: offline,
                    ..SendMessageOptions::default()
                };
                let reply =
                    c.client
                        .send_message_to_peer(&name(to), &RtmMessage::from_text(text), options);
                tokio::spawn(async move {
                    let answer = match reply.await {
                        Ok(PeerDelivery::Received) => Answer::Received,
                        Ok(PeerDelivery::CachedByServer) => Answer::Cached,
                        Err(e) if e.kind() == PeerMessageErrCode::SentTimeout => Answer::Timeout,
                        Err(_) => Answer::Failed,
                    };
                    ledger.peer_answered(me, to, seq, answer);
                });
            }
            Instance::Legacy(l) => {
                let id = format!("p-{me}-{to}-{seq}");
                l.sig.message_instant_send(&name(to), 0, &text, &id);
            }
        }
    }

    fn send_channel(&self, world: &World, me: u32, seq: u64) -> bool {
        let text = channel_text(me, seq);
        match self {
            Instance::Core(c) => {
                let Some(ch) = &c.channel else { return false };
                world
                    .counters()
                    .channel_sent
                    .fetch_add(1, Ordering::Relaxed);
                let reply = ch.send_message(&RtmMessage::from_text(text), Default::default());
                let ledger = world.ledger.clone();
                tokio::spawn(async move {
                    if reply.await.is_ok() {
                        ledger.counters.channel_ok.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
            Instance::Legacy(l) => {
                let Some(ch) = &l.channel else { return false };
                world
                    .counters()
                    .channel_sent
                    .fetch_add(1, Ordering::Relaxed);
                l.sig
                    .message_channel_send(ch, &text, &format!("c-{me}-{seq}"));
            }
        }
        true
    }

    /// Leaves the current channel, if any, and joins `channel`.
    async fn switch_channel(&mut self, world: &World, me: u32, channel: String) {
        world.set_doing(me, Doing::Joining);
        match self {
            Instance::Core(c) => {
                if let Some(old) = c.channel.take() {
                    if old.leave().await.is_ok() {
                        world.counters().joins.fetch_add(1, Ordering::Relaxed);
                    }
                    old.release();
                }
                let Ok(ch) = c.client.create_channel(&channel) else {
                    return;
                };
                if ch.join().await.is_ok() {
                    world.counters().joins.fetch_add(1, Ordering::Relaxed);
                    c.channel = Some(ch);
                } else {
                    ch.release();
                }
            }
            Instance::Legacy(l) => {
                if let Some(old) = l.channel.take() {
                    l.sig.channel_leave(&old);
                }
                l.sig.channel_join(&channel);
                l.channel = Some(channel);
            }
        }
    }

    async fn set_attribute(&self, world: &World, me: u32, seq: u64) {
        world.set_doing(me, Doing::Attribute);
        match self {
            Instance::Core(c) => {
                let write = c
                    .client
                    .add_or_update_local_user_attributes(&[RtmAttribute::new(
                        "seq",
                        seq.to_string(),
                    )]);
                if write.await.is_ok() {
                    world.counters().attributes.fetch_add(1, Ordering::Relaxed);
                }
            }
            Instance::Legacy(l) => {
                match &l.channel {
                    Some(ch) => l.sig.channel_set_attr(ch, "topic", &seq.to_string()),
                    None => l.sig.set_attr("seq", &seq.to_string()),
                }
                world.counters().attributes.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    async fn invite(&self, world: &World, me: u32, to: u32) {
        world.set_doing(me, Doing::Inviting);
        world.counters().invitations.fetch_add(1, Ordering::Relaxed);
        match self {
            Instance::Core(c) => {
                let calls = c.client.call_manager();
                let invitation = calls.create_local_invitation(&name(to));
                invitation.set_channel_id(format!("call-{me}"));
                let _ = calls.send_local_invitation(&invitation).await;
            }
            Instance::Legacy(l) => {
                l.sig
                    .channel_invite_user2(&format!("call-{me}"), &name(to), "");
            }
        }
    }

    /// Ends the instance: no more events, the session closed.
    pub fn release(self) {
        match self {
            Instance::Core(c) => {
                if let Some(ch) = c.channel {
                    ch.release();
                }
                c.client.release();
            }
            Instance::Legacy(l) => {
                l.sig.destroy();
                let _ = l.events.send(LegacyMsg::Stop);
            }
        }
    }
}

impl CoreUser {
    fn new(world: &Arc<World>, me: u32, id: u64) -> CoreUser {
        let client = RtmClient::builder(APP)
            .connector(world.connector.clone())
            .build()
            .expect("an RTM client");
        let mut events = client.subscribe();
        let calls = client.call_manager();
        let ledger = world.ledger.clone();
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                match event {
                    RtmEvent::MessageFromPeer { peer_id, message } => {
                        ledger.peer_received(id, me, &peer_id, message.text())
                    }
                    RtmEvent::Channel {
                        event: ChannelEvent::MessageReceived { user_id, message },
                        ..
                    } => ledger.channel_received(id, &user_id, message.text()),
                    RtmEvent::Call(CallEvent::RemoteInvitationReceived(invitation)) => {
                        let accept = calls.accept_remote_invitation(&invitation);
                        let ledger = ledger.clone();
                        tokio::spawn(async move {
                            if accept.await.is_ok() {
                                ledger.counters.accepted.fetch_add(1, Ordering::Relaxed);
                            }
                        });
                    }
                    _ => {}
                }
            }
        });
        CoreUser {
            client,
            channel: None,
        }
    }
}

impl LegacyUser {
    fn new(world: &Arc<World>, me: u32, id: u64) -> LegacyUser {
        let sig = Signaling::create_instance(
            SignalingConfig::default()
                .connector(world.connector.clone())
                .runtime(tokio::runtime::Handle::current()),
        );
        let (tx, mut rx) = mpsc::unbounded_channel();
        let forward = tx.clone();
        sig.callback_set(Some(Arc::new(move |event: LegacyEvent| {
            let _ = forward.send(LegacyMsg::Event(event));
        })));
        let ledger = world.ledger.clone();
        let handle = sig.clone();
        tokio::spawn(async move {
            while let Some(LegacyMsg::Event(event)) = rx.recv().await {
                legacy_event(&ledger, &handle, id, me, event);
            }
        });
        LegacyUser {
            sig,
            channel: None,
            events: tx,
        }
    }

    async fn wait_login(&self) -> bool {
        // The state moves once the adapter has taken the call: NOT_LOGIN right after `login2`
        // is not yet an answer.
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(40) {
            match self.sig.login_state() {
                LoginState::Logined => return true,
                LoginState::NotLogin if started.elapsed() > Duration::from_secs(2) => return false,
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        false
    }
}

/// Records what a legacy callback says, and accepts invitations.
fn legacy_event(ledger: &Ledger, sig: &Signaling, id: u64, me: u32, event: LegacyEvent) {
    match event {
        LegacyEvent::MessageInstantReceive { account, msg, .. } => {
            ledger.peer_received(id, me, &account, &msg)
        }
        LegacyEvent::MessageChannelReceive { account, msg, .. } => {
            ledger.channel_received(id, &account, &msg)
        }
        LegacyEvent::MessageSendSuccess { message_id } => {
            legacy_answer(ledger, &message_id, Answer::LegacySuccess)
        }
        LegacyEvent::MessageSendError { message_id, .. } => {
            legacy_answer(ledger, &message_id, Answer::Failed)
        }
        LegacyEvent::InviteReceived {
            channel_id,
            account,
            ..
        } => sig.channel_invite_accept(&channel_id, &account, 0, ""),
        LegacyEvent::InviteAcceptedByPeer { .. } => {
            ledger.counters.accepted.fetch_add(1, Ordering::Relaxed);
        }
        LegacyEvent::ChannelJoined { .. } | LegacyEvent::ChannelLeaved { .. } => {
            ledger.counters.joins.fetch_add(1, Ordering::Relaxed);
        }
        _ => {}
    }
}

/// The answer to a legacy send, found by its message id (`p-FROM-TO-SEQ` or `c-FROM-SEQ`).
fn legacy_answer(ledger: &Ledger, message_id: &str, answer: Answer) {
    let parts: Vec<&str> = message_id.split('-').collect();
    match parts[..] {
        ["p", from, to, seq] => {
            if let (Ok(from), Ok(to), Ok(seq)) = (from.parse(), to.parse(), seq.parse()) {
                ledger.peer_answered(from, to, seq, answer);
            }
        }
        ["c", _, _] if answer == Answer::LegacySuccess => {
            ledger.counters.channel_ok.fetch_add(1, Ordering::Relaxed);
        }
        _ => {}
    }
}

/// One user's life until the world stops; returns its instance, logged in, so that it keeps
/// receiving while the checker waits for the last messages.
pub async fn run_user(world: Arc<World>, me: u32, legacy: bool, seed: u64) -> Instance {
    let mut rng = Rng::new(seed);
    let mut seq = 0u64;
    let mut inst = Instance::new(&world, me, legacy);
    tokio::time::sleep(rng.duration_below(world.login_spread)).await;
    while !world.stop.load(Ordering::Relaxed) {
        world.set_doing(me, Doing::Waiting);
        tokio::time::sleep(rng.exponential(world.mean_gap)).await;
        if world.kicks[me as usize].swap(false, Ordering::Relaxed) && inst.logged_in() {
            inst = duplicate_login(&world, me, legacy, inst).await;
            continue;
        }
        if !inst.logged_in() {
            if !inst.logging_in() {
                inst.login(&world, me).await;
            }
            continue;
        }
        let pick = rng.below(100);
        match pick {
            0..=54 => {
                seq += 1;
                let to = (me + 1 + rng.below(PARTNERS as u64) as u32) % world.users;
                inst.send_peer(&world, me, to, seq, rng.below(2) == 0);
            }
            55..=74 => {
                seq += 1;
                if !inst.send_channel(&world, me, seq) {
                    let channel = format!("ch{}", rng.below(world.channels as u64));
                    inst.switch_channel(&world, me, channel).await;
                }
            }
            75..=81 => {
                let channel = format!("ch{}", rng.below(world.channels as u64));
                inst.switch_channel(&world, me, channel).await;
            }
            82..=89 => {
                seq += 1;
                inst.set_attribute(&world, me, seq).await;
            }
            90..=95 => {
                let to = (me + 1 + rng.below(world.users as u64 - 1) as u32) % world.users;
                inst.invite(&world, me, to).await;
            }
            _ => {
                inst.logout(&world, me).await;
                tokio::time::sleep(rng.duration_below(Duration::from_secs(3))).await;
                inst.login(&world, me).await;
            }
        }
    }
    // The end: be logged in, so that messages the server keeps for this user are delivered.
    let deadline = Instant::now() + Duration::from_secs(90);
    while !inst.logged_in() && Instant::now() < deadline {
        if inst.logging_in() || !inst.login(&world, me).await {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    world.settled.fetch_add(1, Ordering::Relaxed);
    world.set_doing(me, Doing::Settled);
    inst
}

/// A second instance of the user logs in, which kicks the first (remote login); the first is
/// released a little later, once it has handed over what it received.
async fn duplicate_login(world: &Arc<World>, me: u32, legacy: bool, old: Instance) -> Instance {
    world.set_doing(me, Doing::Kicking);
    let mut new = Instance::new(world, me, legacy);
    // A failed login is tried again on the user's next turn.
    new.login(world, me).await;
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(3)).await;
        old.release();
    });
    new
}
