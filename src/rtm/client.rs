//! [`RtmClient`]: login, peer messages, presence, attributes and member counts
//! (RTM `IRtmService` / Java `RtmClient`).

use super::attributes::{
    check_keys, check_pairs, ChannelAttribute, ChannelAttributeOptions, ChannelMemberCount,
    PeerOnlineStatus, RtmAttribute,
};
use super::call::{Invitations, RtmCallManager};
use super::channel::{ChannelShared, RtmChannel};
use super::config::ClientConfig;
use super::enums::{
    ConnectionChangeReason, ConnectionState, PeerOnlineState, PeerSubscriptionOption,
};
use super::error::*;
use super::events::{ChannelEvent, EventStream, RtmEvent};
use super::ids;
use super::limits::{
    Budget, RateLimiter, MAX_MEMBER_COUNT_CHANNELS, MAX_QUERY_PEERS, MAX_SUBSCRIBED_PEERS,
};
use super::message::{check_end_call_text, PeerDelivery, RtmMessage, SendMessageOptions};
use super::session::{Logout, Session};
use crate::proto::link::{
    AttributeOp, ChannelSeq, Down, Event, Failure, Notice, Reply, Request, RequestId,
    ResumeRequest, SessionId, Up,
};
use crate::transport::{Connector, LinkSender};
use parking_lot::Mutex;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};
use tokio::sync::{oneshot, Notify};
use tokio::time::Instant;

/// An RTM 1.x client: one user's session with an RTM system.
///
/// Every operation is an `async fn` returning the operation's RTM error code on failure.
/// Events (connection state, peer messages, channel and invitation events) reach every
/// [`EventStream`] made by [`RtmClient::subscribe`], in order.
///
/// Clones share the same client.
///
/// ```
/// use sig2rtm::rtm::{RtmClient, RtmMessage, SendMessageOptions};
/// use sig2rtm::system::{System, SystemConfig};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let system = System::new(SystemConfig::default());
/// let app = "0123456789abcdef0123456789abcdef";
/// let alice = RtmClient::builder(app).system(&system).build().unwrap();
/// let bob = RtmClient::builder(app).system(&system).build().unwrap();
/// alice.login("", "alice").await.unwrap();
/// bob.login("", "bob").await.unwrap();
/// let mut bob_events = bob.subscribe();
/// alice
///     .send_message_to_peer("bob", &RtmMessage::from_text("hi"), SendMessageOptions::default())
///     .await
///     .unwrap();
/// # }
/// ```
#[derive(Clone)]
pub struct RtmClient {
    pub(crate) inner: Arc<ClientInner>,
}

/// Builds an [`RtmClient`] (RTM `createInstance`).
pub struct RtmClientBuilder {
    app_id: String,
    connector: Option<Arc<dyn Connector>>,
    config: ClientConfig,
}

impl RtmClientBuilder {
    /// Reach the system through this connector.
    pub fn connector(mut self, connector: Arc<dyn Connector>) -> Self {
        self.connector = Some(connector);
        self
    }

    /// Use these limits and timeouts.
    pub fn config(mut self, config: ClientConfig) -> Self {
        self.config = config;
        self
    }

    /// Creates the client. Fails with `INVALID_APP_ID` (3) when the App ID is not 32 letters
    /// or digits. Without [`Self::system`] or [`Self::connector`], the client reaches the
    /// server named by `SIG2RTM_SERVER` (`host:port`) when that is set, otherwise the
    /// process-wide embedded system ([`crate::transport::default_connector`]).
    #[doc(alias = "createInstance")]
    #[doc(alias = "initialize")]
    pub fn build(self) -> RtmResult<RtmClient, InitErrCode> {
        ids::check_app_id(&self.app_id).map_err(|e| RtmError::new(InitErrCode::InvalidAppId, e))?;
        let connector = self
            .connector
            .unwrap_or_else(crate::embedded::default_connector);
        let timers = self.config.connection.clone();
        let client = RtmClient {
            inner: Arc::new(ClientInner {
                app_id: self.app_id,
                connector,
                config: self.config.into_shared(),
                core: Mutex::new(Core {
                    conn: Session::new(timers),
                    ..Core::default()
                }),
                listeners: Mutex::new(Vec::new()),
                pending: Mutex::new(Requests::default()),
                expiry_wake: Arc::new(Notify::new()),
                next_request: AtomicU64::new(1),
                limiter: Mutex::new(RateLimiter::default()),
            }),
        };
        super::service::register(&client.inner);
        Ok(client)
    }
}

pub(crate) type ReplyResult = Result<Reply, Failure>;
/// Runs on the client's event task when a reply arrives, before any later event is handled.
pub(crate) type Effect = Box<dyn FnOnce(&Arc<ClientInner>, &ReplyResult) + Send>;

/// What a request's future receives: the reply, the system's failure, or the timeout.
pub(crate) type Answer = Result<Reply, CallError>;

pub(crate) struct Pending {
    pub(crate) tx: oneshot::Sender<Answer>,
    pub(crate) effect: Option<Effect>,
    /// When the request times out, once its future has been polled without an answer (see
    /// [`ReplyFuture`]); `None` before that, or when the timeout is too large to count.
    pub(crate) deadline: Option<Instant>,
}

impl Pending {
    pub(crate) fn new(tx: oneshot::Sender<Answer>, effect: Option<Effect>) -> Self {
        Pending {
            tx,
            effect,
            deadline: None,
        }
    }
}

/// The requests waiting for their reply, and the client's expiry timer: one task per client
/// that answers requests past their deadline with [`CallError::Timeout`], so that a request's
/// future does not need a timer of its own.
#[derive(Default)]
pub(crate) struct Requests {
    map: ids::IdMap<RequestId, Pending>,
    /// The running expiry task, if any (each gets a new number).
    timer: Option<u64>,
    timers_started: u64,
    /// When the running expiry task looks at the deadlines next; `None` while it has nothing
    /// to wait for.
    timer_due: Option<Instant>,
}

impl std::ops::Deref for Requests {
    type Target = ids::IdMap<RequestId, Pending>;

    fn deref(&self) -> &Self::Target {
        &self.map
    }
}

impl std::ops::DerefMut for Requests {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.map
    }
}

/// Waits for the outcome of a `renewToken` made while the link was down, for this token.
pub(crate) type RenewWaiter = (String, oneshot::Sender<RtmResult<(), RenewTokenErrCode>>);

pub(crate) struct ClientInner {
    pub(crate) app_id: String,
    pub(crate) connector: Arc<dyn Connector>,
    /// Shared by the clients built with equal settings.
    pub(crate) config: Arc<ClientConfig>,
    pub(crate) core: Mutex<Core>,
    listeners: Mutex<Vec<UnboundedSender<RtmEvent>>>,
    pub(crate) pending: Mutex<Requests>,
    /// Wakes the expiry task (see [`Requests`]) when a deadline earlier than its next one is set.
    expiry_wake: Arc<Notify>,
    pub(crate) next_request: AtomicU64,
    limiter: Mutex<RateLimiter>,
}

/// The client's session state.
#[derive(Default)]
pub(crate) struct Core {
    pub released: bool,
    pub state: ConnectionState_,
    pub user_id: Option<String>,
    /// The connection state machine: which link is the session's, the stream, the outage.
    pub(crate) conn: Session<Arc<dyn LinkSender>>,
    pub channels: HashMap<String, Arc<ChannelShared>>,
    pub joined: HashSet<String>,
    pub subscriptions: BTreeSet<String>,
    pub last_member_count: HashMap<String, u32>,
    pub invitations: Invitations,
    // What the client keeps of its session to resume it on a new link.
    /// The session on the system, once logged in.
    pub(crate) session: Option<SessionId>,
    pub(crate) token: Option<String>,
    /// Per channel, the last channel message received (or the newest at join time).
    pub(crate) channel_seen: HashMap<String, ChannelSeq>,
    /// The local user attributes, as the system last confirmed them.
    pub(crate) local_attributes: Vec<RtmAttribute>,
    /// The last reported state of each subscribed peer.
    pub(crate) peer_states: HashMap<String, PeerOnlineState>,
    /// Wakes the session's driver task (token renewed, session over). Each driver keeps the
    /// one it was started with; a driver whose notifier is no longer this one stops.
    pub(crate) wake: Arc<Notify>,
    pub(crate) renew_waiters: Vec<RenewWaiter>,
}

impl Core {
    /// Logged in, but the link is down and being replaced: operations wait for it.
    pub(crate) fn link_down(&self) -> bool {
        self.conn.is_down()
            && self.session.is_some()
            && matches!(
                self.state.0,
                ConnectionState::Connected | ConnectionState::Reconnecting
            )
    }

    /// What the system needs to continue this session, or to start it again.
    pub(crate) fn resume_request(&self, app_id: &str) -> ResumeRequest {
        let mut channels: Vec<(String, ChannelSeq)> = self
            .joined
            .iter()
            .map(|c| (c.clone(), self.channel_seen.get(c).copied().unwrap_or(0)))
            .collect();
        channels.sort();
        ResumeRequest {
            app_id: app_id.to_string(),
            user_id: self.user_id.clone().unwrap_or_default(),
            token: self.token.clone(),
            session: self.session.unwrap_or_default(),
            seen: self.conn.seen(),
            channels,
            attributes: self.local_attributes.clone(),
            subscriptions: self.subscriptions.iter().cloned().collect(),
        }
    }
}

/// `ConnectionState` with a default, for `Core`'s derive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ConnectionState_(pub ConnectionState);

impl Default for ConnectionState_ {
    fn default() -> Self {
        ConnectionState_(ConnectionState::Disconnected)
    }
}

/// Why a request got no reply.
pub(crate) enum CallError {
    NotLoggedIn,
    Timeout,
    LinkLost,
    Failed(Failure),
}

impl CallError {
    pub(crate) fn into_rtm<C: OpCode>(self) -> RtmError<C> {
        match self {
            CallError::NotLoggedIn => RtmError::new(C::NOT_LOGGED_IN, "not logged in"),
            CallError::Timeout => {
                RtmError::new(C::TIMEOUT, "the RTM system did not answer in time")
            }
            CallError::LinkLost => RtmError::new(C::FAILURE, "the link to the RTM system was lost"),
            CallError::Failed(f) => RtmError::new(C::from_reason(f.reason), f.detail),
        }
    }
}

/// The reply to one request, waited for within the request's timeout (counted from the first
/// poll, as `tokio::time::timeout` does).
///
/// Written by hand rather than as an `async` block: operation futures wrap it a few times, and
/// each `async` level kept both its input and the future it awaited, so a peer send's future
/// had grown to 2.4 KB — copied whenever it moved (into a task, a queue, a `select!`).
///
/// The future has no timer of its own. When the reply is not there at the first poll, the
/// deadline goes into the request's [`Pending`] entry, and the client's expiry task (see
/// [`Requests`]) answers the request with [`CallError::Timeout`] at that instant — also when
/// the future is not polled again meanwhile. A future dropped before its deadline leaves its
/// request alone, as before: a late reply still runs the request's effect.
pub(crate) struct ReplyFuture {
    me: Arc<ClientInner>,
    state: ReplyState,
    timeout: Duration,
    /// Whether the first poll without a reply has happened (and set the deadline).
    started: bool,
}

enum ReplyState {
    Waiting {
        id: RequestId,
        rx: oneshot::Receiver<Answer>,
    },
    Failed(CallError),
    Done,
}

impl ReplyFuture {
    /// The request's id, while its reply is awaited.
    fn request_id(&self) -> Option<RequestId> {
        match self.state {
            ReplyState::Waiting { id, .. } => Some(id),
            _ => None,
        }
    }
}

impl Future for ReplyFuture {
    type Output = Result<Reply, CallError>;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        use std::task::Poll;
        let this = self.get_mut();
        let id = match &mut this.state {
            ReplyState::Waiting { id, rx } => {
                if let Poll::Ready(answer) = std::pin::Pin::new(rx).poll(cx) {
                    this.state = ReplyState::Done;
                    // A dropped sender: the link was lost or the session ended.
                    return Poll::Ready(answer.unwrap_or(Err(CallError::LinkLost)));
                }
                *id
            }
            ReplyState::Failed(_) => {
                let ReplyState::Failed(e) = std::mem::replace(&mut this.state, ReplyState::Done)
                else {
                    unreachable!("matched above")
                };
                return Poll::Ready(Err(e));
            }
            ReplyState::Done => panic!("a request's reply future was polled after it finished"),
        };
        if !this.started {
            this.started = true;
            // The clock is read only when the reply is not there at the first poll.
            if let Some(deadline) = Instant::now().checked_add(this.timeout) {
                this.me.set_deadline(id, deadline);
            }
        }
        Poll::Pending
    }
}

/// Clears the client's record of its expiry task when the task ends, also when its runtime
/// drops it.
struct ExpiryTask {
    inner: Weak<ClientInner>,
    number: u64,
}

impl Drop for ExpiryTask {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.upgrade() {
            let mut pending = inner.pending.lock();
            if pending.timer == Some(self.number) {
                pending.timer = None;
                pending.timer_due = None;
            }
        }
    }
}

impl ClientInner {
    /// Gives a request its deadline, and makes sure the expiry task will look at it in time.
    fn set_deadline(self: &Arc<Self>, id: RequestId, deadline: Instant) {
        let start = {
            let mut pending = self.pending.lock();
            // Without an entry the answer is on its way (or the link is gone): the receiver
            // will wake the future.
            let Some(entry) = pending.map.get_mut(&id) else {
                return;
            };
            entry.deadline = Some(deadline);
            if pending.timer_due.is_some_and(|due| due <= deadline) {
                return;
            }
            pending.timer_due = Some(deadline);
            match pending.timer {
                Some(_) => None,
                None => {
                    pending.timers_started += 1;
                    pending.timer = Some(pending.timers_started);
                    Some(pending.timers_started)
                }
            }
        };
        match start {
            // Spawned outside the lock: a runtime shutting down drops the task at once.
            Some(number) => self.spawn_expiry(number),
            None => self.expiry_wake.notify_one(),
        }
    }

    fn spawn_expiry(self: &Arc<Self>, number: u64) {
        let task = ExpiryTask {
            inner: Arc::downgrade(self),
            number,
        };
        let wake = self.expiry_wake.clone();
        tokio::spawn(async move {
            let task = task;
            loop {
                let due = {
                    let Some(inner) = task.inner.upgrade() else {
                        return;
                    };
                    match inner.expire(task.number) {
                        Some(due) => due,
                        None => return,
                    }
                };
                tokio::select! {
                    () = tokio::time::sleep_until(due) => {}
                    () = wake.notified() => {}
                }
            }
        });
    }

    /// Answers the requests whose deadline has come with [`CallError::Timeout`]. Returns when
    /// to look again, or `None` (and retires expiry task `number`) when no deadline is left.
    fn expire(&self, number: u64) -> Option<Instant> {
        let now = Instant::now();
        let mut expired = Vec::new();
        let next = {
            let mut pending = self.pending.lock();
            if pending.timer != Some(number) {
                return None;
            }
            let mut next: Option<Instant> = None;
            for (id, entry) in pending.map.iter_mut() {
                let Some(deadline) = entry.deadline else {
                    continue;
                };
                if deadline > now {
                    next = Some(next.map_or(deadline, |n| n.min(deadline)));
                } else if entry.tx.is_closed() {
                    // Its future was dropped: nobody waits for the timeout, and the request
                    // stays as it is (a late reply still runs its effect).
                    entry.deadline = None;
                } else {
                    expired.push(*id);
                }
            }
            let answers: Vec<Pending> = expired
                .iter()
                .filter_map(|id| pending.map.remove(id))
                .collect();
            pending.timer_due = next;
            if next.is_none() {
                pending.timer = None;
            }
            if answers.is_empty() {
                return next;
            }
            (next, answers)
        };
        let (next, answers) = next;
        {
            // Never sent if still waiting for the link.
            let mut core = self.core.lock();
            if core.conn.has_buffered() {
                let expired: HashSet<RequestId, std::hash::BuildHasherDefault<ids::IdHasher>> =
                    expired.into_iter().collect();
                core.conn.drop_buffered(|w| expired.contains(&w));
            }
        }
        for entry in answers {
            let _ = entry.tx.send(Err(CallError::Timeout));
        }
        next
    }
}

/// An operation's outcome: its checks' failure, or its reply mapped to the operation's result
/// with failures in the operation's own code. Small and without an `async` level (see
/// [`ReplyFuture`]).
pub(crate) struct OpFuture<C: RtmCode, T> {
    state: Option<Result<ReplyFuture, RtmError<C>>>,
    map: fn(Reply) -> T,
}

impl<C: OpCode, T> OpFuture<C, T> {
    pub(crate) fn new(started: Result<ReplyFuture, RtmError<C>>, map: fn(Reply) -> T) -> Self {
        OpFuture {
            state: Some(started),
            map,
        }
    }
}

impl<C: OpCode + Unpin, T> Future for OpFuture<C, T> {
    type Output = Result<T, RtmError<C>>;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        use std::task::Poll;
        let this = self.get_mut();
        match this.state.as_mut() {
            Some(Ok(reply)) => match std::pin::Pin::new(reply).poll(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(outcome) => {
                    this.state = None;
                    Poll::Ready(outcome.map(this.map).map_err(CallError::into_rtm))
                }
            },
            Some(Err(_)) => match this.state.take() {
                Some(Err(e)) => Poll::Ready(Err(e)),
                _ => unreachable!("matched above"),
            },
            None => panic!("an operation's future was polled after it finished"),
        }
    }
}

impl ClientInner {
    pub(crate) fn emit(&self, event: RtmEvent) {
        let mut listeners = self.listeners.lock();
        // Copies for all but the last listener, which takes the event itself (with one
        // listener, as the legacy facade has, nothing is copied).
        let mut event = Some(event);
        let last = listeners.len().saturating_sub(1);
        let mut i = 0;
        listeners.retain(|l| {
            let this = if i == last {
                event.take()
            } else {
                event.clone()
            };
            i += 1;
            this.is_some_and(|e| l.send(e).is_ok())
        });
    }

    pub(crate) fn set_state(&self, state: ConnectionState, reason: ConnectionChangeReason) {
        self.core.lock().state = ConnectionState_(state);
        self.emit(RtmEvent::ConnectionStateChanged { state, reason });
    }

    pub(crate) fn state(&self) -> ConnectionState {
        self.core.lock().state.0
    }

    /// `Err` unless the client exists and is logged in. While RECONNECTING operations are
    /// accepted: they wait for the session to be back (each within its own timeout).
    pub(crate) fn require_session<C: OpCode>(&self) -> Result<(), RtmError<C>> {
        let core = self.core.lock();
        if core.released {
            return Err(RtmError::new(C::NOT_INITIALIZED, "the client was released"));
        }
        if !matches!(
            core.state.0,
            ConnectionState::Connected | ConnectionState::Reconnecting
        ) {
            return Err(RtmError::new(
                C::NOT_LOGGED_IN,
                format!("not logged in (connection state {})", core.state.0.name()),
            ));
        }
        Ok(())
    }

    pub(crate) fn allow<C: RtmCode>(
        &self,
        budget: Budget,
        code: C,
        what: &str,
    ) -> Result<(), RtmError<C>> {
        if self.limiter.lock().allow(&self.config.rate_limits, budget) {
            Ok(())
        } else {
            Err(RtmError::new(
                code,
                format!("{what} called more often than RTM allows"),
            ))
        }
    }

    pub(crate) fn allow_join_same(&self, channel: &str) -> bool {
        self.limiter
            .lock()
            .allow_join_same(&self.config.rate_limits, channel)
    }

    pub(crate) fn notice(&self, notice: Notice) {
        let link = {
            let mut core = self.core.lock();
            match core.conn.link().cloned() {
                Some(link) => link,
                None => {
                    if core.link_down() {
                        core.conn.buffer(None, Up::Notice(notice));
                    }
                    return;
                }
            }
        };
        let _ = link.send(Up::Notice(notice));
    }

    /// Sends a request now and returns a future of its reply. Requests therefore reach the
    /// system in the order they were started, whatever order their futures are polled in.
    pub(crate) fn start(
        self: &Arc<Self>,
        body: Request,
        timeout: Duration,
        effect: Option<Effect>,
    ) -> ReplyFuture {
        let state = match self.send_request(body, effect) {
            Ok((id, rx)) => ReplyState::Waiting { id, rx },
            Err(e) => ReplyState::Failed(e),
        };
        ReplyFuture {
            me: self.clone(),
            state,
            timeout,
            started: false,
        }
    }

    /// Sends a request on the live link; while the link is down, keeps it to send once the
    /// session is back.
    fn send_request(
        &self,
        body: Request,
        effect: Option<Effect>,
    ) -> Result<(RequestId, oneshot::Receiver<Answer>), CallError> {
        let id = self.next_request.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        let link = {
            let mut core = self.core.lock();
            match core.conn.link().cloned() {
                Some(link) => {
                    self.pending.lock().insert(id, Pending::new(tx, effect));
                    link
                }
                None if core.link_down() => {
                    self.pending.lock().insert(id, Pending::new(tx, effect));
                    core.conn.buffer(Some(id), Up::Request { id, body });
                    return Ok((id, rx));
                }
                None => return Err(CallError::NotLoggedIn),
            }
        };
        if link.send(Up::Request { id, body }).is_err() {
            self.pending.lock().remove(&id);
            return Err(CallError::LinkLost);
        }
        Ok((id, rx))
    }

    /// [`ClientInner::start`] with the failure reported in the operation's own code.
    pub(crate) fn start_op<C: OpCode>(
        self: &Arc<Self>,
        body: Request,
        timeout: Duration,
        effect: Option<Effect>,
    ) -> OpFuture<C, Reply> {
        OpFuture::new(Ok(self.start(body, timeout, effect)), |reply| reply)
    }

    /// Closes the session's links and stops its driver; pending requests fail, and so do the
    /// operations that waited for the link.
    pub(crate) fn drop_link(&self) {
        let (links, waiting) = {
            let mut core = self.core.lock();
            let ended = core.conn.end();
            let old = std::mem::replace(&mut core.wake, Arc::new(Notify::new()));
            old.notify_one();
            ended
        };
        drop(waiting);
        for link in links {
            link.close();
        }
        self.pending.lock().clear();
    }

    /// Forgets everything tied to the session (RTM wipes it on logout and abort). Operations
    /// waiting for the link fail; the session's driver task stops.
    pub(crate) fn clear_session(self: &Arc<Self>) {
        let (ended, waiting, renewals) = {
            let mut core = self.core.lock();
            core.user_id = None;
            core.joined.clear();
            core.subscriptions.clear();
            core.last_member_count.clear();
            core.session = None;
            core.token = None;
            core.channel_seen.clear();
            core.local_attributes.clear();
            core.peer_states.clear();
            let (links, waiting) = core.conn.end();
            let old = std::mem::replace(&mut core.wake, Arc::new(Notify::new()));
            old.notify_one();
            drop(links);
            let renewals = std::mem::take(&mut core.renew_waiters);
            (core.invitations.end_all(), waiting, renewals)
        };
        {
            let mut pending = self.pending.lock();
            for id in waiting {
                pending.remove(&id);
            }
        }
        drop(renewals);
        for event in ended {
            self.emit(event);
        }
    }

    /// Handles one frame the session handed on.
    pub(crate) fn on_down(self: &Arc<Self>, down: Down) {
        match down {
            Down::Reply { id, result } => {
                let pending = self.pending.lock().remove(&id);
                if let Some(Pending { tx, effect, .. }) = pending {
                    if let Some(effect) = effect {
                        effect(self, &result);
                    }
                    let _ = tx.send(result.map_err(CallError::Failed));
                }
            }
            Down::Event(event) => self.on_event(event),
            // Only the first delivery of a stream event comes this far.
            Down::Stream { event, .. } => self.on_event(event),
            Down::Pong => {}
        }
    }

    /// Tells the system, on the live link, how far the session's stream was handled (if that
    /// is news).
    pub(crate) fn ack(&self) {
        let ack = self.core.lock().conn.ack();
        if let Some((link, up)) = ack {
            let _ = link.send(up);
        }
    }

    fn on_event(self: &Arc<Self>, event: Event) {
        match event {
            Event::Kicked(reason) => {
                // What this client handled is done with; the system moves the rest to the
                // login that kicked it out (so a message in flight reaches one device only).
                self.ack();
                self.drop_link();
                self.clear_session();
                let reason = match reason {
                    crate::proto::link::KickReason::RemoteLogin => {
                        ConnectionChangeReason::RemoteLogin
                    }
                    crate::proto::link::KickReason::Banned => {
                        ConnectionChangeReason::BannedByServer
                    }
                };
                self.set_state(ConnectionState::Aborted, reason);
            }
            Event::PeerMessage { from, message } => self.emit(RtmEvent::MessageFromPeer {
                peer_id: from,
                message,
            }),
            Event::PeerStatus(states) => {
                {
                    let mut core = self.core.lock();
                    for (peer, state) in &states {
                        core.peer_states.insert(peer.clone(), *state);
                    }
                }
                self.emit(RtmEvent::PeersOnlineStatusChanged(
                    states
                        .into_iter()
                        .map(|(peer_id, online_state)| PeerOnlineStatus {
                            peer_id,
                            online_state,
                        })
                        .collect(),
                ))
            }
            Event::MemberJoined { channel, user } => {
                self.emit_channel(channel, ChannelEvent::MemberJoined { user_id: user })
            }
            Event::MemberLeft { channel, user } => {
                self.emit_channel(channel, ChannelEvent::MemberLeft { user_id: user })
            }
            Event::MemberCount { channel, count } => {
                let changed = {
                    let mut core = self.core.lock();
                    core.joined.contains(&channel)
                        && core.last_member_count.insert(channel.clone(), count) != Some(count)
                };
                if changed {
                    self.emit_channel(channel, ChannelEvent::MemberCountUpdated(count));
                }
            }
            Event::ChannelAttributes {
                channel,
                attributes,
            } => self.emit_channel(channel, ChannelEvent::AttributesUpdated(attributes)),
            Event::ChannelMessage {
                channel,
                from,
                message,
                seq,
            } => {
                // Re-delivered after a reconnection: what was already received is skipped.
                let fresh = {
                    let mut core = self.core.lock();
                    // Looked up before inserting, so the channel id is only copied once.
                    let seen = match core.channel_seen.get_mut(&channel) {
                        Some(seen) => seen,
                        None => core.channel_seen.entry(channel.clone()).or_default(),
                    };
                    let fresh = seq > *seen;
                    if fresh {
                        *seen = seq;
                    }
                    fresh
                };
                if fresh {
                    self.emit_channel(
                        channel,
                        ChannelEvent::MessageReceived {
                            user_id: from,
                            message,
                        },
                    )
                }
            }
            other => {
                let (events, notice) = self.core.lock().invitations.on_event(other);
                for e in events {
                    self.emit(e);
                }
                if let Some(n) = notice {
                    self.notice(n);
                }
            }
        }
    }

    fn emit_channel(&self, channel_id: String, event: ChannelEvent) {
        self.emit(RtmEvent::Channel { channel_id, event });
    }
}

fn check_ids<C: RtmCode>(
    what: &str,
    list: &[String],
    code: C,
    max: usize,
) -> Result<(), RtmError<C>> {
    if list.is_empty() {
        return Err(RtmError::new(code, format!("the {what} list is empty")));
    }
    if list.len() > max {
        return Err(RtmError::new(
            code,
            format!(
                "{} {what}s in one call; RTM allows at most {max}",
                list.len()
            ),
        ));
    }
    for id in list {
        RtmError::check_id(code, what, id)?;
    }
    Ok(())
}

fn to_strings(list: &[impl AsRef<str>]) -> Vec<String> {
    list.iter().map(|s| s.as_ref().to_string()).collect()
}

/// Runs an operation's checks and sends its request at call time; the returned future only
/// waits for the answer. So operations reach the RTM system in the order they were called,
/// even when their futures are awaited later or on other tasks.
async fn eager<T, C, F>(started: Result<F, RtmError<C>>) -> Result<T, RtmError<C>>
where
    C: RtmCode,
    F: Future<Output = Result<T, RtmError<C>>>,
{
    started?.await
}

impl RtmClient {
    /// Starts building a client for an App ID.
    pub fn builder(app_id: impl Into<String>) -> RtmClientBuilder {
        RtmClientBuilder {
            app_id: app_id.into(),
            connector: None,
            config: ClientConfig::default(),
        }
    }

    /// A client of `app_id` on the process-wide embedded system, with default settings.
    #[doc(alias = "createInstance")]
    pub fn new(app_id: impl Into<String>) -> RtmResult<RtmClient, InitErrCode> {
        Self::builder(app_id).build()
    }

    /// The App ID.
    pub fn app_id(&self) -> &str {
        &self.inner.app_id
    }

    /// The logged-in user id, if any.
    pub fn user_id(&self) -> Option<String> {
        self.inner.core.lock().user_id.clone()
    }

    /// The connection state now.
    pub fn connection_state(&self) -> ConnectionState {
        self.inner.state()
    }

    /// The RTM SDK version this core follows.
    #[doc(alias = "getSdkVersion")]
    #[doc(alias = "getRtmSdkVersion")]
    pub fn sdk_version() -> &'static str {
        "1.4.10 (sig2rtm core)"
    }

    /// A new subscription to this client's events (`addEventHandler`). Events that happen after
    /// this call are delivered to it, in order.
    #[doc(alias = "addEventHandler")]
    #[doc(alias = "setEventListener")]
    pub fn subscribe(&self) -> EventStream {
        let (tx, rx) = unbounded_channel();
        self.inner.listeners.lock().push(tx);
        EventStream { rx }
    }

    /// Logs in as `user_id`. `token` may be empty for an App-ID-only app; an app with an App
    /// Certificate needs an RTM token built for `user_id` (`INVALID_TOKEN` 5, `TOKEN_EXPIRED` 6).
    ///
    /// Emits `(CONNECTING, LOGIN)`, then `(CONNECTED, LOGIN_SUCCESS)` or
    /// `(DISCONNECTED, LOGIN_FAILURE | LOGIN_TIMEOUT)`.
    ///
    /// Once logged in, the client keeps its session alive by itself: it watches the link, and
    /// when the link is lost it resumes the session on a new one, reporting
    /// `(RECONNECTING, INTERRUPTED)` if that takes more than 4 s and `(CONNECTED, LOGIN_SUCCESS)`
    /// when it is back (see [`crate::rtm::ConnectionTimers`]).
    pub async fn login(&self, token: &str, user_id: &str) -> RtmResult<(), LoginErrCode> {
        let inner = &self.inner;
        {
            let core = inner.core.lock();
            if core.released {
                return Err(RtmError::new(
                    LoginErrCode::NotInitialized,
                    "the client was released",
                ));
            }
            if core.state.0 != ConnectionState::Disconnected {
                return Err(RtmError::new(
                    LoginErrCode::AlreadyLoggedIn,
                    format!(
                        "cannot log in while {} (log out first)",
                        core.state.0.name()
                    ),
                ));
            }
        }
        RtmError::check_id(LoginErrCode::InvalidArgument, "user id", user_id)?;
        inner.allow(Budget::Login, LoginErrCode::TooOften, "login")?;
        inner.set_state(ConnectionState::Connecting, ConnectionChangeReason::Login);

        // The login timeout covers opening the link as well as the login exchange.
        let deadline = tokio::time::Instant::now() + inner.config.timeouts.login;
        let link = match tokio::time::timeout_at(deadline, inner.connector.connect()).await {
            Ok(Ok(link)) => link,
            Ok(Err(e)) => {
                inner.set_state(
                    ConnectionState::Disconnected,
                    ConnectionChangeReason::LoginFailure,
                );
                return Err(RtmError::new(
                    LoginErrCode::Unknown,
                    format!("cannot reach the {}: {e}", inner.connector.describe()),
                ));
            }
            Err(_) => {
                inner.set_state(
                    ConnectionState::Disconnected,
                    ConnectionChangeReason::LoginTimeout,
                );
                return Err(RtmError::new(
                    LoginErrCode::Timeout,
                    format!(
                        "the {} did not open a link within the login timeout",
                        inner.connector.describe()
                    ),
                ));
            }
        };
        let (wake, link_id) = {
            let mut core = inner.core.lock();
            if core.state.0 != ConnectionState::Connecting {
                // Logged out (or released) while connecting: the login is abandoned.
                drop(core);
                link.sender.close();
                return Err(RtmError::new(
                    LoginErrCode::Unknown,
                    "the login was cancelled by a logout",
                ));
            }
            // The driver of this login (and of the session it starts) gets a notifier of its
            // own; one of an earlier session sees that it is over.
            let wake = Arc::new(Notify::new());
            core.wake = wake.clone();
            let id = core
                .conn
                .open_login(Arc::from(link.sender), deadline.into_std());
            (wake, id)
        };
        tokio::spawn(super::connection::drive(
            Arc::downgrade(inner),
            wake,
            link_id,
            link.receiver,
        ));

        let user = user_id.to_string();
        let kept_token = (!token.is_empty()).then(|| token.to_string());
        let effect: Effect = Box::new(move |inner, result| {
            if let Ok(reply) = result {
                {
                    let mut core = inner.core.lock();
                    core.user_id = Some(user);
                    core.session = Some(match reply {
                        Reply::LoggedIn { session } => *session,
                        _ => 0,
                    });
                    core.token = kept_token;
                    core.conn.logged_in(Instant::now().into_std());
                }
                inner.set_state(
                    ConnectionState::Connected,
                    ConnectionChangeReason::LoginSuccess,
                );
            }
        });
        let request = Request::Login {
            app_id: inner.app_id.clone(),
            user_id: user_id.to_string(),
            token: (!token.is_empty()).then(|| token.to_string()),
        };
        // The login's deadline is kept by the session, and its driver answers the login with
        // TIMEOUT then (removing the request, so a late answer does not log the client in):
        // a client that only logs in and stays idle never starts an expiry task.
        let reply = inner.start(request, Duration::MAX, Some(effect));
        if let Some(id) = reply.request_id() {
            inner.core.lock().conn.login_request(id);
            // The driver looks at the session's deadlines again.
            inner.core.lock().wake.notify_one();
        }
        let outcome = reply.await;
        match outcome {
            Ok(_) => Ok(()),
            // A logout during the login already reported (DISCONNECTED, LOGOUT).
            Err(e) if inner.state() != ConnectionState::Connecting => Err(e.into_rtm()),
            Err(e) => {
                inner.drop_link();
                let reason = if matches!(e, CallError::Timeout) {
                    ConnectionChangeReason::LoginTimeout
                } else {
                    ConnectionChangeReason::LoginFailure
                };
                inner.set_state(ConnectionState::Disconnected, reason);
                Err(e.into_rtm())
            }
        }
    }

    /// Logs out: leaves every channel, drops subscriptions and local attributes.
    /// From ABORTED it only resets the state to DISCONNECTED.
    pub async fn logout(&self) -> RtmResult<(), LogoutErrCode> {
        let inner = &self.inner;
        let state = {
            let core = inner.core.lock();
            if core.released {
                return Err(RtmError::new(
                    LogoutErrCode::NotInitialized,
                    "the client was released",
                ));
            }
            core.state.0
        };
        match state {
            ConnectionState::Disconnected => {
                return Err(RtmError::new(
                    LogoutErrCode::UserNotLoggedIn,
                    "not logged in",
                ))
            }
            ConnectionState::Aborted => {}
            // A login in flight is abandoned: closing its link fails it.
            ConnectionState::Connecting => inner.drop_link(),
            _ => {
                // The session ends on the system when the link closes, even without an answer.
                // While the link is down, the client says so on fresh links in the background
                // (so others see the user leave as soon as the system hears of it), and the
                // logout is done at once.
                let (live, farewell) = {
                    let core = inner.core.lock();
                    let farewell = core.session.map(|session| Request::EndSession {
                        app_id: inner.app_id.clone(),
                        user_id: core.user_id.clone().unwrap_or_default(),
                        token: core.token.clone(),
                        session,
                        seen: core.conn.seen(),
                    });
                    (core.conn.logout() == Logout::OnLink, farewell)
                };
                if live {
                    let _ = inner
                        .start(Request::Logout, inner.config.timeouts.logout, None)
                        .await;
                } else if let Some(farewell) = farewell {
                    inner.spawn_farewell(farewell);
                }
                inner.drop_link();
                inner.clear_session();
            }
        }
        inner.set_state(
            ConnectionState::Disconnected,
            ConnectionChangeReason::Logout,
        );
        Ok(())
    }

    /// Replaces the session's token (`onRenewTokenResult`). The system checks it as at login
    /// (for an app with an App Certificate: `INVALID_TOKEN` 6, `TOKEN_EXPIRED` 5).
    ///
    /// While the link is down (RECONNECTING, typically after [`RtmEvent::TokenExpired`]) the new
    /// token is kept and used by the next reconnection attempt, which starts at once; the result
    /// is that attempt's verdict on the token, or `FAILURE` (1) if the session is not back
    /// within the renewal timeout (the token is still used by later attempts).
    #[doc(alias = "renewToken")]
    pub fn renew_token(
        &self,
        token: &str,
    ) -> impl Future<Output = RtmResult<(), RenewTokenErrCode>> + Send + 'static {
        eager(self.start_renew_token(token))
    }

    fn start_renew_token(&self, token: &str) -> RtmResult<RenewOutcome, RenewTokenErrCode> {
        let inner = &self.inner;
        {
            let core = inner.core.lock();
            if core.released {
                return Err(RtmError::new(
                    RenewTokenErrCode::NotInitialized,
                    "the client was released",
                ));
            }
            if !matches!(
                core.state.0,
                ConnectionState::Connected | ConnectionState::Reconnecting
            ) {
                return Err(RtmError::new(
                    RenewTokenErrCode::UserNotLoggedIn,
                    "not logged in",
                ));
            }
        }
        if token.is_empty() {
            return Err(RtmError::new(
                RenewTokenErrCode::InvalidArgument,
                "the new token is empty",
            ));
        }
        inner.allow(
            Budget::RenewToken,
            RenewTokenErrCode::TooOften,
            "renewToken",
        )?;
        let timeout = inner.config.timeouts.renew_token;
        let waiting = {
            let mut core = inner.core.lock();
            if core.link_down() {
                core.token = Some(token.to_string());
                core.conn.token_renewed(Instant::now().into_std());
                let (tx, rx) = oneshot::channel();
                core.renew_waiters.push((token.to_string(), tx));
                core.wake.notify_one();
                Some(rx)
            } else {
                None
            }
        };
        let reply = match waiting {
            Some(rx) => {
                return Ok(Box::pin(async move {
                    match tokio::time::timeout(timeout, rx).await {
                        Ok(Ok(result)) => result,
                        _ => Err(RtmError::new(
                            RenewTokenErrCode::Failure,
                            "the session is not back yet; the new token will be used when it is",
                        )),
                    }
                }))
            }
            None => {
                let kept = token.to_string();
                let effect: Effect = Box::new(move |inner, result| {
                    if result.is_ok() {
                        inner.core.lock().token = Some(kept);
                    }
                });
                inner.start_op(
                    Request::RenewToken {
                        token: token.to_string(),
                    },
                    timeout,
                    Some(effect),
                )
            }
        };
        Ok(Box::pin(async move { reply.await.map(|_| ()) }))
    }

    /// Sends a peer message. `Ok(Received)` means the peer got it; `Ok(CachedByServer)` means
    /// the peer is offline and the server keeps it (only with offline messaging enabled).
    /// Without offline messaging an offline peer gives `PEER_UNREACHABLE` (3).
    ///
    /// A text starting with [`crate::rtm::END_CALL_PREFIX`] must read
    /// `<prefix>_<channelId>_<extra>`, or the send fails with `INVALID_MESSAGE` (7).
    ///
    /// The message is sent when this is called; the future waits for the outcome.
    #[doc(alias = "sendMessageToPeer")]
    pub fn send_message_to_peer(
        &self,
        peer_id: &str,
        message: &RtmMessage,
        options: SendMessageOptions,
    ) -> impl Future<Output = RtmResult<PeerDelivery, PeerMessageErrCode>> + Send + 'static {
        OpFuture::new(
            self.start_send_message_to_peer(peer_id, message, options),
            |reply| match reply {
                Reply::PeerSent(d) => d,
                _ => PeerDelivery::Received,
            },
        )
    }

    fn start_send_message_to_peer(
        &self,
        peer_id: &str,
        message: &RtmMessage,
        options: SendMessageOptions,
    ) -> RtmResult<ReplyFuture, PeerMessageErrCode> {
        let inner = &self.inner;
        inner.require_session::<PeerMessageErrCode>()?;
        RtmError::check_id(PeerMessageErrCode::InvalidUserid, "peer id", peer_id)?;
        message
            .check_size()
            .map_err(|e| RtmError::new(PeerMessageErrCode::InvalidMessage, e))?;
        if message.raw_data().is_none() {
            if let Some(Err(e)) = check_end_call_text(message.text()) {
                return Err(RtmError::new(PeerMessageErrCode::InvalidMessage, e));
            }
        }
        inner.allow(
            Budget::SendMessage,
            PeerMessageErrCode::TooOften,
            "sendMessageToPeer",
        )?;
        let request = Request::SendPeer {
            to: peer_id.to_string(),
            message: message.clone(),
            offline: options.enable_offline_messaging,
        };
        Ok(inner.start(request, inner.config.timeouts.peer_message, None))
    }

    /// Whether peers are online (ONLINE or OFFLINE; never UNREACHABLE), in the order asked.
    /// At most 256 ids.
    #[doc(alias = "queryPeersOnlineStatus")]
    pub fn query_peers_online_status(
        &self,
        peer_ids: &[impl AsRef<str>],
    ) -> impl Future<Output = RtmResult<Vec<PeerOnlineStatus>, QueryPeersOnlineStatusErr>> + Send + 'static
    {
        eager(self.start_query_peers_online_status(to_strings(peer_ids)))
    }

    fn start_query_peers_online_status(
        &self,
        peers: Vec<String>,
    ) -> RtmResult<
        impl Future<Output = RtmResult<Vec<PeerOnlineStatus>, QueryPeersOnlineStatusErr>>,
        QueryPeersOnlineStatusErr,
    > {
        let inner = &self.inner;
        inner.require_session::<QueryPeersOnlineStatusErr>()?;
        check_ids(
            "peer id",
            &peers,
            QueryPeersOnlineStatusErr::InvalidArgument,
            MAX_QUERY_PEERS,
        )?;
        inner.allow(
            Budget::QueryOnlineStatus,
            QueryPeersOnlineStatusErr::TooOften,
            "queryPeersOnlineStatus",
        )?;
        let reply = inner.start_op(
            Request::QueryOnline { peers },
            inner.config.timeouts.presence,
            None,
        );
        Ok(async move {
            match reply.await? {
                Reply::Online(list) => Ok(list
                    .into_iter()
                    .map(|(peer_id, online)| PeerOnlineStatus {
                        peer_id,
                        online_state: if online {
                            PeerOnlineState::Online
                        } else {
                            PeerOnlineState::Offline
                        },
                    })
                    .collect()),
                _ => Ok(Vec::new()),
            }
        })
    }

    /// Subscribes to peers' online state. After success, a
    /// [`RtmEvent::PeersOnlineStatusChanged`] reports their current states; later changes follow.
    /// At most 512 peers in total (`OVERFLOW`, 6).
    #[doc(alias = "subscribePeersOnlineStatus")]
    pub fn subscribe_peers_online_status(
        &self,
        peer_ids: &[impl AsRef<str>],
    ) -> impl Future<Output = RtmResult<(), PeerSubscriptionStatusErr>> + Send + 'static {
        eager(self.start_subscription(to_strings(peer_ids), true))
    }

    /// Stops following peers' online state.
    #[doc(alias = "unsubscribePeersOnlineStatus")]
    pub fn unsubscribe_peers_online_status(
        &self,
        peer_ids: &[impl AsRef<str>],
    ) -> impl Future<Output = RtmResult<(), PeerSubscriptionStatusErr>> + Send + 'static {
        eager(self.start_subscription(to_strings(peer_ids), false))
    }

    fn start_subscription(
        &self,
        peers: Vec<String>,
        subscribe: bool,
    ) -> RtmResult<
        impl Future<Output = RtmResult<(), PeerSubscriptionStatusErr>>,
        PeerSubscriptionStatusErr,
    > {
        let inner = &self.inner;
        inner.require_session::<PeerSubscriptionStatusErr>()?;
        if peers.len() > MAX_SUBSCRIBED_PEERS {
            return Err(RtmError::new(
                PeerSubscriptionStatusErr::Overflow,
                format!(
                    "{} peers in one call; RTM allows at most {MAX_SUBSCRIBED_PEERS}",
                    peers.len()
                ),
            ));
        }
        check_ids(
            "peer id",
            &peers,
            PeerSubscriptionStatusErr::InvalidArgument,
            MAX_SUBSCRIBED_PEERS,
        )?;
        let changed = peers.clone();
        let (budget, what, request) = if subscribe {
            (
                Budget::Subscribe,
                "subscribePeersOnlineStatus",
                Request::Subscribe { peers },
            )
        } else {
            (
                Budget::Unsubscribe,
                "unsubscribePeersOnlineStatus",
                Request::Unsubscribe { peers },
            )
        };
        inner.allow(budget, PeerSubscriptionStatusErr::TooOften, what)?;
        let effect: Effect = Box::new(move |inner, result| {
            if result.is_ok() {
                let mut core = inner.core.lock();
                for p in changed {
                    if subscribe {
                        core.subscriptions.insert(p);
                    } else {
                        core.peer_states.remove(&p);
                        core.subscriptions.remove(&p);
                    }
                }
            }
        });
        let reply = inner.start_op(request, inner.config.timeouts.presence, Some(effect));
        Ok(async move { reply.await.map(|_| ()) })
    }

    /// The peers this client is subscribed to, sorted.
    #[doc(alias = "queryPeersBySubscriptionOption")]
    pub fn query_peers_by_subscription_option(
        &self,
        option: PeerSubscriptionOption,
    ) -> impl Future<Output = RtmResult<Vec<String>, QueryPeersBySubscriptionOptionErr>> + Send + 'static
    {
        let result = (|| {
            let inner = &self.inner;
            inner.require_session::<QueryPeersBySubscriptionOptionErr>()?;
            inner.allow(
                Budget::QuerySubscription,
                QueryPeersBySubscriptionOptionErr::TooOften,
                "queryPeersBySubscriptionOption",
            )?;
            match option {
                PeerSubscriptionOption::OnlineStatus => {
                    Ok(inner.core.lock().subscriptions.iter().cloned().collect())
                }
            }
        })();
        std::future::ready(result)
    }

    fn start_user_attribute_write(
        &self,
        what: &str,
        op: AttributeOp<RtmAttribute>,
    ) -> RtmResult<impl Future<Output = RtmResult<(), AttributeOperationErr>>, AttributeOperationErr>
    {
        let inner = &self.inner;
        inner.require_session::<AttributeOperationErr>()?;
        check_attribute_op(&op, |a| (a.key.as_str(), a.value.as_str()))?;
        inner.allow(
            Budget::UserAttributeWrite,
            AttributeOperationErr::TooOften,
            what,
        )?;
        // The client keeps the resulting set, to upload it again after a reconnection.
        let effect: Effect = Box::new(|inner, result| {
            if let Ok(Reply::UserAttributes(now)) = result {
                inner.core.lock().local_attributes = now.clone();
            }
        });
        let reply = inner.start_op(
            Request::UserAttributes(op),
            inner.config.timeouts.attributes,
            Some(effect),
        );
        Ok(async move { reply.await.map(|_| ()) })
    }

    /// Replaces all of the local user's attributes.
    #[doc(alias = "setLocalUserAttributes")]
    pub fn set_local_user_attributes(
        &self,
        attributes: &[RtmAttribute],
    ) -> impl Future<Output = RtmResult<(), AttributeOperationErr>> + Send + 'static {
        eager(self.start_user_attribute_write(
            "setLocalUserAttributes",
            AttributeOp::Set(attributes.to_vec()),
        ))
    }

    /// Adds or updates local user attributes by key.
    #[doc(alias = "addOrUpdateLocalUserAttributes")]
    pub fn add_or_update_local_user_attributes(
        &self,
        attributes: &[RtmAttribute],
    ) -> impl Future<Output = RtmResult<(), AttributeOperationErr>> + Send + 'static {
        eager(self.start_user_attribute_write(
            "addOrUpdateLocalUserAttributes",
            AttributeOp::AddOrUpdate(attributes.to_vec()),
        ))
    }

    /// Deletes local user attributes by key.
    #[doc(alias = "deleteLocalUserAttributesByKeys")]
    pub fn delete_local_user_attributes_by_keys(
        &self,
        keys: &[impl AsRef<str>],
    ) -> impl Future<Output = RtmResult<(), AttributeOperationErr>> + Send + 'static {
        eager(self.start_user_attribute_write(
            "deleteLocalUserAttributesByKeys",
            AttributeOp::DeleteKeys(to_strings(keys)),
        ))
    }

    /// Deletes all local user attributes.
    #[doc(alias = "clearLocalUserAttributes")]
    pub fn clear_local_user_attributes(
        &self,
    ) -> impl Future<Output = RtmResult<(), AttributeOperationErr>> + Send + 'static {
        eager(self.start_user_attribute_write("clearLocalUserAttributes", AttributeOp::Clear))
    }

    fn start_user_attribute_read(
        &self,
        user_id: &str,
        keys: Option<Vec<String>>,
    ) -> RtmResult<
        impl Future<Output = RtmResult<Vec<RtmAttribute>, AttributeOperationErr>>,
        AttributeOperationErr,
    > {
        let inner = &self.inner;
        inner.require_session::<AttributeOperationErr>()?;
        RtmError::check_id(AttributeOperationErr::InvalidArgument, "user id", user_id)?;
        if let Some(keys) = &keys {
            check_keys(keys)
                .map_err(|e| RtmError::new(AttributeOperationErr::InvalidArgument, e))?;
        }
        inner.allow(
            Budget::UserAttributeRead,
            AttributeOperationErr::TooOften,
            "getUserAttributes",
        )?;
        let request = Request::GetUserAttributes {
            user: user_id.to_string(),
            keys,
        };
        let reply = inner.start_op(request, inner.config.timeouts.attributes, None);
        Ok(async move {
            match reply.await? {
                Reply::UserAttributes(v) => Ok(v),
                _ => Ok(Vec::new()),
            }
        })
    }

    /// All attributes of a user (local or remote). An offline user gives `USER_NOT_FOUND` (6).
    #[doc(alias = "getUserAttributes")]
    pub fn get_user_attributes(
        &self,
        user_id: &str,
    ) -> impl Future<Output = RtmResult<Vec<RtmAttribute>, AttributeOperationErr>> + Send + 'static
    {
        eager(self.start_user_attribute_read(user_id, None))
    }

    /// Some attributes of a user, by key (absent keys are left out).
    #[doc(alias = "getUserAttributesByKeys")]
    pub fn get_user_attributes_by_keys(
        &self,
        user_id: &str,
        keys: &[impl AsRef<str>],
    ) -> impl Future<Output = RtmResult<Vec<RtmAttribute>, AttributeOperationErr>> + Send + 'static
    {
        eager(self.start_user_attribute_read(user_id, Some(to_strings(keys))))
    }

    fn start_channel_attribute_write(
        &self,
        what: &str,
        channel_id: &str,
        op: AttributeOp<ChannelAttribute>,
        options: ChannelAttributeOptions,
    ) -> RtmResult<impl Future<Output = RtmResult<(), AttributeOperationErr>>, AttributeOperationErr>
    {
        let inner = &self.inner;
        inner.require_session::<AttributeOperationErr>()?;
        RtmError::check_id(
            AttributeOperationErr::InvalidArgument,
            "channel id",
            channel_id,
        )?;
        check_attribute_op(&op, |a| (a.key.as_str(), a.value.as_str()))?;
        inner.allow(
            Budget::ChannelAttributeWrite,
            AttributeOperationErr::TooOften,
            what,
        )?;
        let request = Request::ChannelAttributes {
            channel: channel_id.to_string(),
            op,
            notify: options.enable_notification_to_channel_members,
        };
        let reply = inner.start_op(request, inner.config.timeouts.attributes, None);
        Ok(async move { reply.await.map(|_| ()) })
    }

    /// Replaces all attributes of a channel (no need to be a member).
    #[doc(alias = "setChannelAttributes")]
    pub fn set_channel_attributes(
        &self,
        channel_id: &str,
        attributes: &[ChannelAttribute],
        options: ChannelAttributeOptions,
    ) -> impl Future<Output = RtmResult<(), AttributeOperationErr>> + Send + 'static {
        eager(self.start_channel_attribute_write(
            "setChannelAttributes",
            channel_id,
            AttributeOp::Set(attributes.to_vec()),
            options,
        ))
    }

    /// Adds or updates channel attributes by key.
    #[doc(alias = "addOrUpdateChannelAttributes")]
    pub fn add_or_update_channel_attributes(
        &self,
        channel_id: &str,
        attributes: &[ChannelAttribute],
        options: ChannelAttributeOptions,
    ) -> impl Future<Output = RtmResult<(), AttributeOperationErr>> + Send + 'static {
        eager(self.start_channel_attribute_write(
            "addOrUpdateChannelAttributes",
            channel_id,
            AttributeOp::AddOrUpdate(attributes.to_vec()),
            options,
        ))
    }

    /// Deletes channel attributes by key.
    #[doc(alias = "deleteChannelAttributesByKeys")]
    pub fn delete_channel_attributes_by_keys(
        &self,
        channel_id: &str,
        keys: &[impl AsRef<str>],
        options: ChannelAttributeOptions,
    ) -> impl Future<Output = RtmResult<(), AttributeOperationErr>> + Send + 'static {
        eager(self.start_channel_attribute_write(
            "deleteChannelAttributesByKeys",
            channel_id,
            AttributeOp::DeleteKeys(to_strings(keys)),
            options,
        ))
    }

    /// Deletes all attributes of a channel.
    #[doc(alias = "clearChannelAttributes")]
    pub fn clear_channel_attributes(
        &self,
        channel_id: &str,
        options: ChannelAttributeOptions,
    ) -> impl Future<Output = RtmResult<(), AttributeOperationErr>> + Send + 'static {
        eager(self.start_channel_attribute_write(
            "clearChannelAttributes",
            channel_id,
            AttributeOp::Clear,
            options,
        ))
    }

    fn start_channel_attribute_read(
        &self,
        channel_id: &str,
        keys: Option<Vec<String>>,
    ) -> RtmResult<
        impl Future<Output = RtmResult<Vec<ChannelAttribute>, AttributeOperationErr>>,
        AttributeOperationErr,
    > {
        let inner = &self.inner;
        inner.require_session::<AttributeOperationErr>()?;
        RtmError::check_id(
            AttributeOperationErr::InvalidArgument,
            "channel id",
            channel_id,
        )?;
        if let Some(keys) = &keys {
            check_keys(keys)
                .map_err(|e| RtmError::new(AttributeOperationErr::InvalidArgument, e))?;
        }
        inner.allow(
            Budget::ChannelAttributeRead,
            AttributeOperationErr::TooOften,
            "getChannelAttributes",
        )?;
        let request = Request::GetChannelAttributes {
            channel: channel_id.to_string(),
            keys,
        };
        let reply = inner.start_op(request, inner.config.timeouts.attributes, None);
        Ok(async move {
            match reply.await? {
                Reply::ChannelAttributes(v) => Ok(v),
                _ => Ok(Vec::new()),
            }
        })
    }

    /// All attributes of a channel (no need to be a member).
    #[doc(alias = "getChannelAttributes")]
    pub fn get_channel_attributes(
        &self,
        channel_id: &str,
    ) -> impl Future<Output = RtmResult<Vec<ChannelAttribute>, AttributeOperationErr>> + Send + 'static
    {
        eager(self.start_channel_attribute_read(channel_id, None))
    }

    /// Some attributes of a channel, by key.
    #[doc(alias = "getChannelAttributesByKeys")]
    pub fn get_channel_attributes_by_keys(
        &self,
        channel_id: &str,
        keys: &[impl AsRef<str>],
    ) -> impl Future<Output = RtmResult<Vec<ChannelAttribute>, AttributeOperationErr>> + Send + 'static
    {
        eager(self.start_channel_attribute_read(channel_id, Some(to_strings(keys))))
    }

    /// Member counts of up to 32 channels, in the order asked; 0 for a channel nobody is in.
    #[doc(alias = "getChannelMemberCount")]
    pub fn get_channel_member_count(
        &self,
        channel_ids: &[impl AsRef<str>],
    ) -> impl Future<Output = RtmResult<Vec<ChannelMemberCount>, GetChannelMemberCountErrCode>>
           + Send
           + 'static {
        eager(self.start_get_channel_member_count(to_strings(channel_ids)))
    }

    fn start_get_channel_member_count(
        &self,
        channels: Vec<String>,
    ) -> RtmResult<
        impl Future<Output = RtmResult<Vec<ChannelMemberCount>, GetChannelMemberCountErrCode>>,
        GetChannelMemberCountErrCode,
    > {
        let inner = &self.inner;
        inner.require_session::<GetChannelMemberCountErrCode>()?;
        if channels.len() > MAX_MEMBER_COUNT_CHANNELS {
            return Err(RtmError::new(
                GetChannelMemberCountErrCode::ExceedLimit,
                format!(
                    "{} channels in one call; RTM allows at most {MAX_MEMBER_COUNT_CHANNELS}",
                    channels.len()
                ),
            ));
        }
        check_ids(
            "channel id",
            &channels,
            GetChannelMemberCountErrCode::InvalidArgument,
            MAX_MEMBER_COUNT_CHANNELS,
        )?;
        inner.allow(
            Budget::ChannelMemberCount,
            GetChannelMemberCountErrCode::TooOften,
            "getChannelMemberCount",
        )?;
        let reply = inner.start_op(
            Request::MemberCount { channels },
            inner.config.timeouts.member_count,
            None,
        );
        Ok(async move {
            match reply.await? {
                Reply::Counts(v) => Ok(v
                    .into_iter()
                    .map(|(channel_id, count)| ChannelMemberCount { channel_id, count })
                    .collect()),
                _ => Ok(Vec::new()),
            }
        })
    }

    /// A channel object (RTM `createChannel`); the same id gives the same channel object.
    /// Allowed before login.
    #[doc(alias = "createChannel")]
    pub fn create_channel(&self, channel_id: &str) -> RtmResult<RtmChannel, CreateChannelErr> {
        RtmError::check_id(CreateChannelErr::InvalidArgument, "channel id", channel_id)?;
        let mut core = self.inner.core.lock();
        if core.released {
            return Err(RtmError::new(
                CreateChannelErr::NotInitialized,
                "the client was released",
            ));
        }
        let shared = core
            .channels
            .entry(channel_id.to_string())
            .or_insert_with(|| Arc::new(ChannelShared::new(channel_id)))
            .clone();
        Ok(RtmChannel::new(self.inner.clone(), shared))
    }

    /// The call manager (RTM `getRtmCallManager`).
    #[doc(alias = "getRtmCallManager")]
    pub fn call_manager(&self) -> RtmCallManager {
        RtmCallManager::new(self.inner.clone())
    }

    /// Releases the client: ends the session at once (as a link loss would), ends every event
    /// stream, and makes later calls fail with `NOT_INITIALIZED` (101).
    pub fn release(&self) {
        let inner = &self.inner;
        if std::mem::replace(&mut inner.core.lock().released, true) {
            return;
        }
        inner.drop_link();
        inner.clear_session();
        inner.core.lock().state = ConnectionState_(ConnectionState::Disconnected);
        inner.listeners.lock().clear();
    }
}

/// A renewal in progress: sent on the live link, or waiting for the next reconnection.
type RenewOutcome =
    std::pin::Pin<Box<dyn Future<Output = RtmResult<(), RenewTokenErrCode>> + Send>>;

/// Checks the arguments of an attribute write.
fn check_attribute_op<A>(
    op: &AttributeOp<A>,
    pair: impl Fn(&A) -> (&str, &str),
) -> Result<(), RtmError<AttributeOperationErr>> {
    let problem = match op {
        AttributeOp::Set(items) | AttributeOp::AddOrUpdate(items) => {
            check_pairs(items.iter().map(pair)).err()
        }
        AttributeOp::DeleteKeys(keys) => check_keys(keys).err().map(|e| (false, e)),
        AttributeOp::Clear => None,
    };
    match problem {
        None => Ok(()),
        Some((true, e)) => Err(RtmError::new(AttributeOperationErr::SizeOverflow, e)),
        Some((false, e)) => Err(RtmError::new(AttributeOperationErr::InvalidArgument, e)),
    }
}
