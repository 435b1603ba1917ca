//! The table-driven adapter: turns legacy calls into RTM core operations and RTM events into
//! legacy callbacks.
//!
//! One adapter task runs per [`crate::signaling::Signaling`] instance. It owns all the legacy
//! state (session, channels, invitations) and is the only producer of legacy callbacks, so their
//! order is the order in which it handles things. Legacy calls arrive as [`Command`]s tagged with
//! the generated [`LegacyMethod`]; [`Adapter::dispatch`] matches on it exhaustively, so a table
//! row without a handler does not compile.
//!
//! RTM operations are started at once (the core sends each request when it is called) and the
//! adapter task itself polls them until they finish; their results become continuations.
//! Continuations of one *lane* (messages, one channel, calls…) are applied in the order their
//! operations were started; lanes do not wait for one another, so a slow login or invitation
//! never holds up a message (T4).

mod channels;
mod emitter;
mod errors;
mod invitations;
mod invoke;
mod messages;
mod queries;
mod session;

use crate::signaling::uid_of;
pub(crate) use emitter::{Delivery, Emitter};
pub(crate) use invitations::invite_options;
pub(crate) use invoke::invoke_request;
#[cfg(feature = "testkit")]
pub(crate) use messages::is_generated_message_id;

use crate::mapping::LegacyMethod;
use crate::rtm::{EventStream, RtmClient, RtmEvent};
use crate::signaling::{LegacyEvent, LoginState, SignalingConfig};
use futures_util::future::MaybeDone;
use futures_util::stream::{FuturesUnordered, StreamExt};
use parking_lot::Mutex;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

/// State the facade reads without going through the adapter task.
pub(crate) struct InstanceState {
    status: AtomicI32,
    client: Mutex<Option<RtmClient>>,
    usage: Vec<AtomicU64>,
}

impl InstanceState {
    pub fn new() -> Self {
        InstanceState {
            status: AtomicI32::new(LoginState::NotLogin as i32),
            client: Mutex::new(None),
            usage: LegacyMethod::ALL
                .iter()
                .map(|_| AtomicU64::new(0))
                .collect(),
        }
    }

    /// `get_status()` now.
    pub fn status(&self) -> LoginState {
        match self.status.load(Ordering::Acquire) {
            1 => LoginState::Logining,
            2 => LoginState::Logined,
            3 => LoginState::Reconnecting,
            _ => LoginState::NotLogin,
        }
    }

    fn set_status(&self, state: LoginState) {
        self.status.store(state as i32, Ordering::Release);
    }

    /// The RTM client serving this instance, once `login` created it.
    pub fn client(&self) -> Option<RtmClient> {
        self.client.lock().clone()
    }

    /// Counts a call of `method`; true on its first call.
    pub fn count(&self, method: LegacyMethod) -> bool {
        self.usage[method as usize].fetch_add(1, Ordering::Relaxed) == 0
    }

    /// How often `method` was called.
    pub fn calls_of(&self, method: LegacyMethod) -> u64 {
        self.usage[method as usize].load(Ordering::Relaxed)
    }
}

include!(concat!(env!("OUT_DIR"), "/legacy_call.rs"));

/// What the facade sends to the adapter task.
pub(crate) enum Command {
    /// A legacy method call.
    Call(LegacyCall),
    /// `destroy()`: log out, stop.
    Destroy,
}

/// An RTM operation together with what the adapter does with its result, in one allocation.
trait Operation: Send {
    /// Drives the operation; ready once its result is stored.
    fn poll_operation(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()>;

    /// Applies the continuation to the stored result (the first call only).
    fn finish(self: Pin<&mut Self>, adapter: &mut Adapter);
}

impl<F, T, K> Operation for MaybeDone<F>
where
    F: Future<Output = (T, K)> + Send,
    T: Send,
    K: FnOnce(&mut Adapter, T) + Send,
{
    fn poll_operation(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.poll(cx)
    }

    fn finish(self: Pin<&mut Self>, adapter: &mut Adapter) {
        if let Some((output, k)) = self.take_output() {
            k(adapter, output);
        }
    }
}

/// A finished operation, whose continuation is still to be applied.
type Continuation = Pin<Box<dyn Operation>>;

/// A finished operation: its lane, its place in the lane, and what to do with its result.
type Finished = (Lane, u64, Continuation);

/// An operation in flight, polled by the adapter task.
struct InFlight {
    lane: Option<Lane>,
    seq: u64,
    operation: Option<Continuation>,
}

impl Future for InFlight {
    type Output = Finished;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Finished> {
        let this = &mut *self;
        let Some(operation) = this.operation.as_mut() else {
            return Poll::Pending;
        };
        ready!(operation.as_mut().poll_operation(cx));
        match (this.lane.take(), this.operation.take()) {
            (Some(lane), Some(operation)) => Poll::Ready((lane, this.seq, operation)),
            _ => Poll::Pending,
        }
    }
}

/// Orders continuations: the adapter applies them per lane in the order their operations began.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Lane {
    /// Login and logout.
    Session,
    /// Peer and channel messages.
    Messages,
    /// Operations on one channel.
    Channel(String),
    /// Invitations.
    Invitations,
    /// Queries and attributes.
    Queries,
    /// A timer of its own, ordered after nothing: a pending timer never holds up another
    /// lane's continuations (T4).
    Timer(u64),
}

#[derive(Default)]
struct LaneState {
    next_issue: u64,
    next_apply: u64,
    ready: BTreeMap<u64, Continuation>,
}

/// The adapter task's state.
pub(crate) struct Adapter {
    shared: Arc<InstanceState>,
    config: SignalingConfig,
    emitter: Emitter,
    delivery: Arc<Delivery>,
    /// Operations in flight; the adapter task polls them between commands and events.
    operations: FuturesUnordered<InFlight>,
    /// Operations added since the set was last polled, which have not started yet.
    fresh: bool,
    /// Finished operations whose continuations wait for their turn (commands go first).
    finished: VecDeque<Finished>,
    lanes: HashMap<Lane, LaneState>,
    events: Option<EventStream>,
    /// RTM events that arrived while a login was being completed: the app hears
    /// `on_login_success` first, then what came with the session (offline messages, invitations).
    held: Vec<RtmEvent>,
    session: session::Session,
    channels: channels::Channels,
    invitations: invitations::Invitations,
    next_timer: u64,
    stopped: bool,
}

impl Adapter {
    /// Starts the adapter task of an instance on `runtime`.
    pub fn spawn(
        shared: Arc<InstanceState>,
        config: SignalingConfig,
        delivery: Arc<Delivery>,
        runtime: &tokio::runtime::Handle,
    ) -> UnboundedSender<Command> {
        let (commands_tx, commands) = unbounded_channel();
        let emitter = Emitter::start(config.callback_mode, delivery.clone());
        let adapter = Adapter {
            shared,
            config,
            emitter,
            delivery,
            operations: FuturesUnordered::new(),
            fresh: false,
            finished: VecDeque::new(),
            lanes: HashMap::new(),
            events: None,
            held: Vec::new(),
            session: session::Session::default(),
            channels: channels::Channels::default(),
            invitations: invitations::Invitations::default(),
            next_timer: 0,
            stopped: false,
        };
        runtime.spawn(adapter.run(commands));
        commands_tx
    }

    async fn run(mut self, mut commands: UnboundedReceiver<Command>) {
        while !self.stopped {
            // `biased`: when several sources are ready, take them in this fixed order, so the
            // same flow always gives the same transcript (a random pick would not).
            // Each wake drains what is already queued, in the same order as one item per turn
            // would (commands first, then continuations, then RTM events), so a burst costs
            // one wake of this task, not one per item. The operations a batch of commands
            // started are polled once the batch is handled, those of a continuation or an
            // event right after it, so each starts at once.
            tokio::select! {
                biased;
                command = commands.recv() => {
                    match command {
                        Some(Command::Call(call)) => self.dispatch(call),
                        Some(Command::Destroy) | None => self.destroy(),
                    }
                    while !self.stopped {
                        self.release_held();
                        match commands.try_recv() {
                            Ok(Command::Call(call)) => self.dispatch(call),
                            Ok(Command::Destroy) => self.destroy(),
                            Err(_) => break,
                        }
                    }
                    self.start_operations().await;
                }
                Some((lane, seq, k)) = next_finished(&mut self.finished, &mut self.operations) => {
                    self.apply(lane, seq, k);
                    self.start_operations().await;
                    while !self.stopped && commands.is_empty() {
                        self.release_held();
                        match self.finished_now().await {
                            Some((lane, seq, k)) => self.apply(lane, seq, k),
                            None => break,
                        }
                        self.start_operations().await;
                    }
                }
                Some(event) = next_event(&mut self.events) => {
                    self.rtm_event(event);
                    loop {
                        // Also the operations this event started; a finished one goes first.
                        self.poll_operations().await;
                        if self.stopped || !commands.is_empty() || !self.finished.is_empty() {
                            break;
                        }
                        self.release_held();
                        match self.events.as_mut().and_then(|e| e.try_recv()) {
                            Some(event) => self.rtm_event(event),
                            None => break,
                        }
                    }
                }
            }
            self.release_held();
            self.start_operations().await;
            // The callbacks of this turn go to the callback thread before the task waits.
            self.emitter.flush();
        }
        self.emitter.flush();
        // Operations still in flight run to their end on their own, as the requests they made
        // expect; their continuations are dropped (no callback after `destroy`, S8).
        let operations = std::mem::take(&mut self.operations);
        if !operations.is_empty() {
            tokio::spawn(operations.for_each(|_| async {}));
        }
    }

    /// The next finished operation if there is one now, without waiting.
    async fn finished_now(&mut self) -> Option<Finished> {
        let mut next = next_finished(&mut self.finished, &mut self.operations);
        std::future::poll_fn(|cx| match Pin::new(&mut next).poll(cx) {
            Poll::Ready(done) => Poll::Ready(done),
            Poll::Pending => Poll::Ready(None),
        })
        .await
    }

    /// Polls the operations added since the last poll, so each starts at once; the ones that
    /// finish right away queue their continuations behind the commands already waiting.
    async fn start_operations(&mut self) {
        if self.fresh {
            self.poll_operations().await;
        }
    }

    /// Polls the operations that can make progress; the continuations of those that finish
    /// are queued in `finished`.
    async fn poll_operations(&mut self) {
        self.fresh = false;
        let (operations, finished) = (&mut self.operations, &mut self.finished);
        std::future::poll_fn(|cx| {
            while let Poll::Ready(Some(done)) = poll_set(operations, cx) {
                finished.push_back(done);
            }
            Poll::Ready(())
        })
        .await
    }

    /// Handles the events held back during a login once it has completed (or failed).
    fn release_held(&mut self) {
        if self.held.is_empty() || self.shared.status() == LoginState::Logining {
            return;
        }
        for event in std::mem::take(&mut self.held) {
            self.handle_rtm_event(event);
        }
    }

    /// Runs the handler of a legacy method. Every table row has an arm here.
    fn dispatch(&mut self, call: LegacyCall) {
        use LegacyCall as C;
        let method = call.method();
        match call {
            C::Login {
                vendor_id,
                account,
                token,
            } => self.login(&vendor_id, &account, &token, 30, 3),
            C::Login2 {
                vendor_id,
                account,
                token,
                retry_time_in_s,
                retry_count,
            } => {
                if retry_time_in_s < 0 || retry_count < 0 {
                    self.error(
                        "login2",
                        crate::signaling::AgoraECode::GeneralEWrongParam,
                        format!(
                            "retry_time_in_s ({retry_time_in_s}) and retry_count ({retry_count}) \
                             must not be negative; a negative limit counts as 0 (no retry)"
                        ),
                    );
                }
                let (time, count) = (i64::from(retry_time_in_s), i64::from(retry_count));
                self.login(&vendor_id, &account, &token, time, count)
            }
            C::Logout => self.logout(),
            C::ChannelJoin { channel_id } => self.channel_join(&channel_id),
            C::ChannelLeave { channel_id } => self.channel_leave(&channel_id),
            C::ChannelQueryUserNum { channel_id } => self.channel_query_user_num(&channel_id),
            C::ChannelQueryUserIsIn {
                channel_id,
                account,
            } => self.channel_query_user_is_in(&channel_id, &account),
            C::ChannelSetAttr {
                channel_id,
                name,
                value,
            } => self.channel_set_attr(&channel_id, &name, &value),
            C::ChannelDelAttr { channel_id, name } => self.channel_del_attr(&channel_id, &name),
            C::ChannelClearAttr { channel_id } => self.channel_clear_attr(&channel_id),
            C::ChannelInviteUser {
                channel_id,
                account,
            } => self.channel_invite_user(method, &channel_id, &account, ""),
            C::ChannelInviteUser2 {
                channel_id,
                account,
                extra,
            } => self.channel_invite_user(method, &channel_id, &account, &extra),
            C::ChannelInvitePhone {
                channel_id,
                phone_num,
            }
            | C::ChannelInvitePhone2 {
                channel_id,
                phone_num,
            }
            | C::ChannelInvitePhone3 {
                channel_id,
                phone_num,
            } => self.channel_invite_phone(method, &channel_id, &phone_num),
            C::ChannelInviteDtmf {
                channel_id,
                phone_num,
                dtmf,
            } => self.channel_invite_dtmf(&channel_id, &phone_num, &dtmf),
            C::ChannelInviteAccept {
                channel_id,
                account,
                extra,
            } => self.channel_invite_answer(true, &channel_id, &account, &extra),
            C::ChannelInviteRefuse {
                channel_id,
                account,
                extra,
            } => self.channel_invite_answer(false, &channel_id, &account, &extra),
            C::ChannelInviteEnd {
                channel_id,
                account,
            } => self.channel_invite_end(&channel_id, &account),
            C::MessageAppSend { msg_id } | C::MessageDtmfSend { msg_id } => {
                self.unsupported_send(method, &msg_id)
            }
            C::MessageInstantSend {
                account,
                msg,
                msg_id,
            }
            | C::MessageInstantSend2 {
                account,
                msg,
                msg_id,
            }
            | C::MessagePushSend {
                account,
                msg,
                msg_id,
            }
            | C::MessageChatSend {
                account,
                msg,
                msg_id,
            } => self.message_instant_send(method, &account, &msg, &msg_id),
            C::MessageChannelSend {
                channel_id,
                msg,
                msg_id,
            }
            | C::MessageChannelSend2 {
                channel_id,
                msg,
                msg_id,
            } => self.message_channel_send(method, &channel_id, &msg, &msg_id, false),
            C::MessageChannelSendForce {
                channel_id,
                msg,
                msg_id,
            } => self.message_channel_send(method, &channel_id, &msg, &msg_id, true),
            C::Unsupported(_) => self.unsupported(method),
            C::SetNetworkStatus | C::Ping | C::Start | C::Stop => {
                self.log_info(format!("{} needs nothing on RTM", method.rust_name()))
            }
            C::SetAttr { name, value } => self.set_attr(&name, &value),
            C::GetAttr { name } => self.get_user_attr(None, &name),
            C::GetAttrAll => self.get_user_attr_all(None),
            C::GetUserAttr { account, name } => self.get_user_attr(Some(&account), &name),
            C::GetUserAttrAll { account } => self.get_user_attr_all(Some(&account)),
            C::QueryUserStatus { account } => self.query_user_status(&account),
            C::Invoke { name, req, call_id } => self.invoke(&name, &req, &call_id),
            C::BcCall { call_id } => self.bc_call(&call_id),
        }
    }

    /// Hands a legacy callback to the handler.
    fn emit(&self, event: LegacyEvent) {
        if !self.stopped {
            self.emitter.emit(event);
        }
    }

    /// `on_error(op, code, desc)`, also logged.
    fn error(&self, op: &str, code: crate::signaling::AgoraECode, desc: impl Into<String>) {
        let desc = desc.into();
        log::warn!("{op}: {} ({}): {desc}", code.name(), code.code());
        self.emit(LegacyEvent::Error {
            name: op.to_string(),
            ecode: code.code(),
            desc,
        });
    }

    /// A log line of the shim, also given to `on_log` (T5).
    fn log_info(&self, text: String) {
        log::info!("{text}");
        self.emit(LegacyEvent::Log { txt: text });
    }

    /// A warning of the shim, also given to `on_log` (T5).
    fn log_warn(&self, text: String) {
        log::warn!("{text}");
        self.emit(LegacyEvent::Log { txt: text });
    }

    fn set_status(&self, state: LoginState) {
        self.shared.set_status(state);
    }

    /// The RTM client, when logged in.
    fn client(&self) -> Option<RtmClient> {
        self.shared.client()
    }

    /// Runs `op` and applies `k` to its output on the adapter task, after the continuations of
    /// operations started earlier on the same lane.
    fn then<T, F, K>(&mut self, lane: Lane, op: F, k: K)
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
        K: FnOnce(&mut Adapter, T) + Send + 'static,
    {
        let state = self.lanes.entry(lane.clone()).or_default();
        let seq = state.next_issue;
        state.next_issue += 1;
        let operation = MaybeDone::Future(async move { (op.await, k) });
        self.operations.push(InFlight {
            lane: Some(lane),
            seq,
            operation: Some(Box::pin(operation)),
        });
        self.fresh = true;
    }

    /// Applies `k` on the adapter task once `delay` has passed, on a lane of its own, so the
    /// wait holds up nothing else (T4).
    fn after<K>(&mut self, delay: std::time::Duration, k: K)
    where
        K: FnOnce(&mut Adapter) + Send + 'static,
    {
        self.next_timer += 1;
        let lane = Lane::Timer(self.next_timer);
        self.then(
            lane,
            tokio::time::sleep(delay),
            move |a: &mut Adapter, ()| k(a),
        );
    }

    /// Applies a finished operation's continuation when its turn in the lane has come, and the
    /// continuations that were waiting for it.
    fn apply(&mut self, lane: Lane, seq: u64, k: Continuation) {
        let state = self.lanes.entry(lane.clone()).or_default();
        if seq != state.next_apply {
            state.ready.insert(seq, k);
            return;
        }
        let mut next = Some(k);
        while let Some(mut k) = next.take() {
            if let Some(state) = self.lanes.get_mut(&lane) {
                state.next_apply += 1;
            }
            if !self.stopped {
                k.as_mut().finish(self);
            }
            if let Some(state) = self.lanes.get_mut(&lane) {
                next = state.ready.remove(&state.next_apply);
            }
        }
        // A lane with nothing outstanding is forgotten, so lanes do not pile up.
        if let Some(state) = self.lanes.get(&lane) {
            if state.ready.is_empty() && state.next_apply == state.next_issue {
                self.lanes.remove(&lane);
            }
        }
    }

    /// Starts following a new RTM client's events.
    fn watch(&mut self, client: &RtmClient) {
        self.events = Some(client.subscribe());
    }

    fn rtm_event(&mut self, event: RtmEvent) {
        let holding = self.shared.status() == LoginState::Logining;
        if holding && !matches!(event, RtmEvent::ConnectionStateChanged { .. }) {
            self.held.push(event);
            return;
        }
        self.handle_rtm_event(event);
    }

    fn handle_rtm_event(&mut self, event: RtmEvent) {
        match event {
            RtmEvent::ConnectionStateChanged { state, reason } => {
                self.on_connection_state(state, reason)
            }
            RtmEvent::TokenExpired => self.on_token_expired(),
            RtmEvent::MessageFromPeer { peer_id, message } => {
                self.on_peer_message(peer_id, message)
            }
            RtmEvent::PeersOnlineStatusChanged(_) => {}
            RtmEvent::Channel { channel_id, event } => self.on_channel_event(channel_id, event),
            RtmEvent::Call(event) => self.on_call_event(event),
        }
    }

    /// `destroy()`: logs out, stops every task and timer; no callback after it (S8).
    fn destroy(&mut self) {
        if self.stopped {
            return;
        }
        self.delivery.shut();
        self.stopped = true;
        self.events = None;
        self.held.clear();
        let session = self.shared.status() != LoginState::NotLogin;
        if let Some(client) = self.shared.client.lock().take() {
            // S8: log out first, so the user is offline at once; a bare release counts as a
            // lost link, which the system may hold open for a reconnect.
            tokio::spawn(async move {
                if session {
                    let _ = client.logout().await;
                }
                client.release();
            });
        }
        self.set_status(LoginState::NotLogin);
    }
}

/// The next finished operation: one already queued, else one the set yields now.
fn next_finished<'a>(
    finished: &'a mut VecDeque<Finished>,
    operations: &'a mut FuturesUnordered<InFlight>,
) -> NextFinished<'a> {
    NextFinished {
        finished,
        operations,
    }
}

/// The future of [`next_finished`]; pending while no operation has finished.
struct NextFinished<'a> {
    finished: &'a mut VecDeque<Finished>,
    operations: &'a mut FuturesUnordered<InFlight>,
}

impl Future for NextFinished<'_> {
    type Output = Option<Finished>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(done) = self.finished.pop_front() {
            return Poll::Ready(Some(done));
        }
        match poll_set(self.operations, cx) {
            Poll::Ready(Some(done)) => Poll::Ready(Some(done)),
            // An empty set: `then` adds to it only from this task, which polls again after.
            Poll::Ready(None) | Poll::Pending => Poll::Pending,
        }
    }
}

/// Polls the set of operations once, outside tokio's cooperative budget. Each operation used
/// to be a task with a budget of its own; drawn from the adapter task's budget, which its
/// commands spend, every operation would look pending (and wake itself) once that ran out.
fn poll_set(
    operations: &mut FuturesUnordered<InFlight>,
    cx: &mut Context<'_>,
) -> Poll<Option<Finished>> {
    let next = std::future::poll_fn(|cx| operations.poll_next_unpin(cx));
    std::pin::pin!(tokio::task::unconstrained(next)).poll(cx)
}

async fn next_event(events: &mut Option<EventStream>) -> Option<RtmEvent> {
    match events {
        Some(stream) => stream.recv().await,
        None => std::future::pending().await,
    }
}
