//! The table-driven adapter: turns legacy calls into RTM core operations and RTM events into
//! legacy callbacks.
//!
//! One adapter task runs per [`crate::signaling::Signaling`] instance. It owns all the legacy
//! state (session, channels, invitations) and is the only producer of legacy callbacks, so their
//! order is the order in which it handles things. Legacy calls arrive as [`Command`]s tagged with
//! the generated [`LegacyMethod`]; [`Adapter::dispatch`] matches on it exhaustively, so a table
//! row without a handler does not compile.
//!
//! The legacy rules live in *areas*, each owning its state: [`session`] (login, logout,
//! reconnection, tokens), [`channels`] (join sequence, members, channel attributes and
//! queries), [`invitations`] (calls, end-call and DTMF control messages), and the stateless
//! [`messages`], [`queries`] and [`invoke`]. Areas see each other only through the narrow
//! [`context::Cx`] (emit a legacy event, run an RTM operation with a continuation, arm a timer,
//! reach the client and the account); the adapter routes each legacy call and each RTM event to
//! its area. How RTM events read as legacy events is written as pure functions in [`events`].
//!
//! RTM operations are started at once (the core sends each request when it is called) and the
//! adapter task itself polls them until they finish; their results become continuations.
//! Continuations of one *lane* (messages, one channel, calls…) are applied in the order their
//! operations were started; lanes do not wait for one another, so a slow login or invitation
//! never holds up a message (T4). See [`operations`].

mod channels;
mod context;
mod emitter;
mod errors;
mod events;
mod invitations;
mod invoke;
mod messages;
mod operations;
mod queries;
mod session;

pub(crate) use emitter::{Delivery, Emitter};
pub(crate) use invitations::invite_options;
pub(crate) use invoke::invoke_request;
#[cfg(feature = "testkit")]
pub(crate) use messages::is_generated_message_id;

use crate::mapping::LegacyMethod;
use crate::rtm::{EventStream, RtmClient, RtmEvent};
use crate::signaling::{AgoraECode, LoginState, SignalingConfig};
use context::{Area, Cx};
use operations::{Continuation, Lane};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::Arc;
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

/// The adapter task's state: the context and the areas.
pub(crate) struct Adapter {
    cx: Cx,
    delivery: Arc<Delivery>,
    /// RTM events that arrived while a login was being completed: the app hears
    /// `on_login_success` first, then what came with the session (offline messages, invitations).
    held: Vec<RtmEvent>,
    session: session::Session,
    channels: channels::Channels,
    invitations: invitations::Invitations,
}

impl Area for session::Session {
    fn parts(a: &mut Adapter) -> (&mut Self, &mut Cx) {
        (&mut a.session, &mut a.cx)
    }
}

impl Area for channels::Channels {
    fn parts(a: &mut Adapter) -> (&mut Self, &mut Cx) {
        (&mut a.channels, &mut a.cx)
    }
}

impl Area for invitations::Invitations {
    fn parts(a: &mut Adapter) -> (&mut Self, &mut Cx) {
        (&mut a.invitations, &mut a.cx)
    }
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
            cx: Cx::new(shared, config, emitter),
            delivery,
            held: Vec::new(),
            session: session::Session::default(),
            channels: channels::Channels::default(),
            invitations: invitations::Invitations::default(),
        };
        runtime.spawn(adapter.run(commands));
        commands_tx
    }

    async fn run(mut self, mut commands: UnboundedReceiver<Command>) {
        while !self.cx.stopped {
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
                    while !self.cx.stopped {
                        self.release_held();
                        match commands.try_recv() {
                            Ok(Command::Call(call)) => self.dispatch(call),
                            Ok(Command::Destroy) => self.destroy(),
                            Err(_) => break,
                        }
                    }
                    self.start_operations().await;
                }
                Some((lane, seq, k)) = self.cx.operations.next_finished() => {
                    self.apply(lane, seq, k);
                    self.start_operations().await;
                    while !self.cx.stopped && commands.is_empty() {
                        self.release_held();
                        match self.cx.operations.finished_now().await {
                            Some((lane, seq, k)) => self.apply(lane, seq, k),
                            None => break,
                        }
                        self.start_operations().await;
                    }
                }
                Some(event) = next_event(&mut self.cx.events) => {
                    self.rtm_event(event);
                    loop {
                        // Also the operations this event started; a finished one goes first.
                        self.cx.operations.poll().await;
                        if self.cx.stopped
                            || !commands.is_empty()
                            || self.cx.operations.has_finished()
                        {
                            break;
                        }
                        self.release_held();
                        match self.cx.events.as_mut().and_then(|e| e.try_recv()) {
                            Some(event) => self.rtm_event(event),
                            None => break,
                        }
                    }
                }
            }
            self.release_held();
            self.start_operations().await;
            // The callbacks of this turn go to the callback thread before the task waits.
            self.cx.emitter().flush();
        }
        self.cx.emitter().flush();
        // Operations still in flight run to their end on their own, as the requests they made
        // expect; their continuations are dropped (no callback after `destroy`, S8).
        if !self.cx.operations.is_idle() {
            tokio::spawn(self.cx.operations.take_in_flight());
        }
    }

    /// Polls the operations added since the last poll, so each starts at once; the ones that
    /// finish right away queue their continuations behind the commands already waiting.
    async fn start_operations(&mut self) {
        if self.cx.operations.has_fresh() {
            self.cx.operations.poll().await;
        }
    }

    /// Handles the events held back during a login once it has completed (or failed).
    fn release_held(&mut self) {
        if self.held.is_empty() || self.cx.status() == LoginState::Logining {
            return;
        }
        for event in std::mem::take(&mut self.held) {
            self.handle_rtm_event(event);
        }
    }

    /// What one area's step means for the others: a session that ended takes its channels and
    /// calls with it, without callbacks.
    fn settle(&mut self) {
        if self.cx.take_session_over() {
            self.channels = Default::default();
            self.invitations = Default::default();
        }
    }

    /// Runs the handler of a legacy method. Every table row has an arm here.
    fn dispatch(&mut self, call: LegacyCall) {
        use LegacyCall as C;
        let method = call.method();
        let (cx, session, channels, invitations) = (
            &mut self.cx,
            &mut self.session,
            &mut self.channels,
            &mut self.invitations,
        );
        match call {
            C::Login {
                vendor_id,
                account,
                token,
            } => session.login(cx, &vendor_id, &account, &token, 30, 3),
            C::Login2 {
                vendor_id,
                account,
                token,
                retry_time_in_s,
                retry_count,
            } => {
                if retry_time_in_s < 0 || retry_count < 0 {
                    cx.error(
                        "login2",
                        AgoraECode::GeneralEWrongParam,
                        format!(
                            "retry_time_in_s ({retry_time_in_s}) and retry_count ({retry_count}) \
                             must not be negative; a negative limit counts as 0 (no retry)"
                        ),
                    );
                }
                let (time, count) = (i64::from(retry_time_in_s), i64::from(retry_count));
                session.login(cx, &vendor_id, &account, &token, time, count)
            }
            C::Logout => session.logout(cx),
            C::ChannelJoin { channel_id } => channels.join(cx, &channel_id),
            C::ChannelLeave { channel_id } => channels.leave(cx, &channel_id),
            C::ChannelQueryUserNum { channel_id } => channels.query_user_num(cx, &channel_id),
            C::ChannelQueryUserIsIn {
                channel_id,
                account,
            } => channels.query_user_is_in(cx, &channel_id, &account),
            C::ChannelSetAttr {
                channel_id,
                name,
                value,
            } => channels::set_attr(cx, &channel_id, &name, &value),
            C::ChannelDelAttr { channel_id, name } => channels::del_attr(cx, &channel_id, &name),
            C::ChannelClearAttr { channel_id } => channels::clear_attr(cx, &channel_id),
            C::ChannelInviteUser {
                channel_id,
                account,
            } => invitations.invite_user(cx, method, &channel_id, &account, ""),
            C::ChannelInviteUser2 {
                channel_id,
                account,
                extra,
            } => invitations.invite_user(cx, method, &channel_id, &account, &extra),
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
            } => invitations::invite_phone(cx, method, &channel_id, &phone_num),
            C::ChannelInviteDtmf {
                channel_id,
                phone_num,
                dtmf,
            } => invitations::invite_dtmf(cx, &channel_id, &phone_num, &dtmf),
            C::ChannelInviteAccept {
                channel_id,
                account,
                extra,
            } => invitations.answer(cx, true, &channel_id, &account, &extra),
            C::ChannelInviteRefuse {
                channel_id,
                account,
                extra,
            } => invitations.answer(cx, false, &channel_id, &account, &extra),
            C::ChannelInviteEnd {
                channel_id,
                account,
            } => invitations.end(cx, &channel_id, &account),
            C::MessageAppSend { msg_id } | C::MessageDtmfSend { msg_id } => {
                messages::unsupported_send(cx, method, &msg_id)
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
            } => messages::instant_send(cx, method, &account, &msg, &msg_id),
            C::MessageChannelSend {
                channel_id,
                msg,
                msg_id,
            }
            | C::MessageChannelSend2 {
                channel_id,
                msg,
                msg_id,
            } => {
                let membership = channels.membership(&channel_id);
                messages::channel_send(cx, method, &channel_id, &msg, &msg_id, false, membership)
            }
            C::MessageChannelSendForce {
                channel_id,
                msg,
                msg_id,
            } => {
                let membership = channels.membership(&channel_id);
                messages::channel_send(cx, method, &channel_id, &msg, &msg_id, true, membership)
            }
            C::Unsupported(_) => queries::unsupported(cx, method),
            C::SetNetworkStatus | C::Ping | C::Start | C::Stop => {
                cx.log_info(format!("{} needs nothing on RTM", method.rust_name()))
            }
            C::SetAttr { name, value } => queries::set_attr(cx, &name, &value),
            C::GetAttr { name } => queries::get_user_attr(cx, None, &name),
            C::GetAttrAll => queries::get_user_attr_all(cx, None),
            C::GetUserAttr { account, name } => queries::get_user_attr(cx, Some(&account), &name),
            C::GetUserAttrAll { account } => queries::get_user_attr_all(cx, Some(&account)),
            C::QueryUserStatus { account } => queries::query_user_status(cx, &account),
            C::Invoke { name, req, call_id } => invoke::invoke(cx, &name, &req, &call_id),
            C::BcCall { call_id } => queries::bc_call(cx, &call_id),
        }
        self.settle();
    }

    /// Applies a finished operation's continuation when its turn in the lane has come, and the
    /// continuations that were waiting for it.
    fn apply(&mut self, lane: Lane, seq: u64, k: Continuation) {
        let mut next = self.cx.operations.arrive(&lane, seq, k);
        while let Some(k) = next.take() {
            if !self.cx.stopped {
                k.finish(self);
                self.settle();
            }
            next = self.cx.operations.applied(&lane);
        }
    }

    fn rtm_event(&mut self, event: RtmEvent) {
        let holding = self.cx.status() == LoginState::Logining;
        if holding && !matches!(event, RtmEvent::ConnectionStateChanged { .. }) {
            self.held.push(event);
            return;
        }
        self.handle_rtm_event(event);
    }

    /// Routes an RTM event to the area it concerns.
    fn handle_rtm_event(&mut self, event: RtmEvent) {
        let cx = &mut self.cx;
        match event {
            RtmEvent::ConnectionStateChanged { state, reason } => {
                self.session.on_connection_state(cx, state, reason)
            }
            RtmEvent::TokenExpired => self.session.on_token_expired(cx),
            RtmEvent::MessageFromPeer { peer_id, message } => {
                // Call control (end-call, DTMF) is the invitations' business.
                if !self
                    .invitations
                    .control_message(cx, &peer_id, message.text())
                {
                    messages::on_peer_message(cx, peer_id, message)
                }
            }
            RtmEvent::PeersOnlineStatusChanged(_) => {}
            RtmEvent::Channel { channel_id, event } => {
                self.channels.on_channel_event(cx, channel_id, event)
            }
            RtmEvent::Call(event) => self.invitations.on_call_event(cx, event),
        }
        self.settle();
    }

    /// `destroy()`: logs out, stops every task and timer; no callback after it (S8).
    fn destroy(&mut self) {
        if self.cx.stopped {
            return;
        }
        self.delivery.shut();
        self.cx.stopped = true;
        self.cx.events = None;
        self.held.clear();
        let session = self.cx.status() != LoginState::NotLogin;
        if let Some(client) = self.cx.shared.client.lock().take() {
            // S8: log out first, so the user is offline at once; a bare release counts as a
            // lost link, which the system may hold open for a reconnect.
            tokio::spawn(async move {
                if session {
                    let _ = client.logout().await;
                }
                client.release();
            });
        }
        self.cx.set_status(LoginState::NotLogin);
    }
}

async fn next_event(events: &mut Option<EventStream>) -> Option<RtmEvent> {
    match events {
        Some(stream) => stream.recv().await,
        None => std::future::pending().await,
    }
}
