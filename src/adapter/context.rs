//! The narrow context through which the adapter's areas act.
//!
//! An area (session, channels, invitations, and the stateless messages, queries and invoke)
//! owns its own state and reaches the rest of the adapter only through a [`Cx`]: emit a legacy
//! event, report an error or a log line, run an RTM operation with a continuation, arm a timer,
//! reach the RTM client and the logged-in account. Areas never see one another; where one
//! area's outcome concerns another (a session that ends drops the channels and calls), the
//! area tells the context, and the adapter settles it between two steps.

use super::operations::{Lane, Operations};
use super::{Adapter, Emitter, InstanceState};
use crate::rtm::{EventStream, RtmClient};
use crate::signaling::{AgoraECode, LegacyEvent, LoginState, SignalingConfig};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// An area of the adapter: state of its own, reached by continuations through
/// [`Cx::then_in`] and [`Cx::after_in`].
pub(super) trait Area: Send + 'static {
    /// The area and the context, borrowed apart from the adapter.
    fn parts(adapter: &mut Adapter) -> (&mut Self, &mut Cx);
}

/// What an area may do besides change its own state.
pub(crate) struct Cx {
    pub(super) shared: Arc<InstanceState>,
    config: SignalingConfig,
    emitter: Emitter,
    pub(super) operations: Operations,
    /// The events of the current RTM client.
    pub(super) events: Option<EventStream>,
    /// The logged-in (or logging-in) account.
    account: Option<String>,
    /// Set by `destroy`: no callback, no continuation after it (S8).
    pub(super) stopped: bool,
    /// The session ended: the areas that live within a session start afresh.
    session_over: bool,
}

impl Cx {
    pub(super) fn new(shared: Arc<InstanceState>, config: SignalingConfig, emitter: Emitter) -> Cx {
        Cx {
            shared,
            config,
            emitter,
            operations: Operations::default(),
            events: None,
            account: None,
            stopped: false,
            session_over: false,
        }
    }

    /// The instance's configuration.
    pub(super) fn config(&self) -> &SignalingConfig {
        &self.config
    }

    /// The callback emitter (flushed by the adapter loop).
    pub(super) fn emitter(&self) -> &Emitter {
        &self.emitter
    }

    /// Hands a legacy callback to the handler.
    pub(super) fn emit(&self, event: LegacyEvent) {
        if !self.stopped {
            self.emitter.emit(event);
        }
    }

    /// `on_error(op, code, desc)`, also logged.
    pub(super) fn error(&self, op: &str, code: AgoraECode, desc: impl Into<String>) {
        let desc = desc.into();
        log::warn!("{op}: {} ({}): {desc}", code.name(), code.code());
        self.emit(LegacyEvent::Error {
            name: op.to_string(),
            ecode: code.code(),
            desc,
        });
    }

    /// Whether a check (`check_id`, `check_attribute` …) passed; when it did not, reports its
    /// problem as `on_error(op, code, desc)`.
    pub(super) fn passes(&self, op: &str, checked: Result<(), (AgoraECode, String)>) -> bool {
        match checked {
            Ok(()) => true,
            Err((code, desc)) => {
                self.error(op, code, desc);
                false
            }
        }
    }

    /// A log line of the shim, also given to `on_log` (T5).
    pub(super) fn log_info(&self, text: String) {
        log::info!("{text}");
        self.emit(LegacyEvent::Log { txt: text });
    }

    /// A warning of the shim, also given to `on_log` (T5).
    pub(super) fn log_warn(&self, text: String) {
        log::warn!("{text}");
        self.emit(LegacyEvent::Log { txt: text });
    }

    /// `get_status()` now.
    pub(super) fn status(&self) -> LoginState {
        self.shared.status()
    }

    pub(super) fn set_status(&self, state: LoginState) {
        self.shared.set_status(state);
    }

    /// The RTM client, once a login made one.
    pub(super) fn client(&self) -> Option<RtmClient> {
        self.shared.client()
    }

    /// Makes `client` the instance's RTM client and follows its events.
    pub(super) fn use_client(&mut self, client: &RtmClient) {
        *self.shared.client.lock() = Some(client.clone());
        self.events = Some(client.subscribe());
    }

    /// The logged-in (or logging-in) account.
    pub(super) fn account(&self) -> Option<&str> {
        self.account.as_deref()
    }

    pub(super) fn set_account(&mut self, account: Option<String>) {
        self.account = account;
    }

    /// Says that the session is over: the channels and calls of the instance are dropped
    /// (without callbacks) before anything else is handled.
    pub(super) fn end_session_state(&mut self) {
        self.account = None;
        self.session_over = true;
    }

    /// Whether [`Cx::end_session_state`] was called since the last time this asked.
    pub(super) fn take_session_over(&mut self) -> bool {
        std::mem::take(&mut self.session_over)
    }

    /// The RTM client while a session is open (logging in, logged in or reconnecting).
    pub(super) fn session_client(&self) -> Option<RtmClient> {
        self.client()
            .filter(|_| self.status() != LoginState::NotLogin)
    }

    /// Reports 1003: `op` needs a login first.
    pub(super) fn not_logged_in(&self, op: &str) {
        self.error(
            op,
            AgoraECode::GeneralENotLogin,
            format!("{op} needs a login first"),
        );
    }

    /// The RTM client while a session is open; otherwise reports 1003 and gives `None`.
    pub(super) fn logged_in_client(&self, op: &str) -> Option<RtmClient> {
        let client = self.session_client();
        if client.is_none() {
            self.not_logged_in(op);
        }
        client
    }

    /// The RTM client and the account while a session is open; otherwise reports 1003.
    pub(super) fn client_and_account(&self, op: &str) -> Option<(RtmClient, String)> {
        match (self.session_client(), self.account()) {
            (Some(client), Some(account)) => Some((client, account.to_string())),
            _ => {
                self.not_logged_in(op);
                None
            }
        }
    }

    /// Runs `op` and applies `k` to its output, after the continuations of operations started
    /// earlier on the same lane. For the areas without state of their own.
    pub(super) fn then<T, F, K>(&mut self, lane: Lane, op: F, k: K)
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
        K: FnOnce(&mut Cx, T) + Send + 'static,
    {
        self.operations
            .push(lane, op, move |a: &mut Adapter, t| k(&mut a.cx, t));
    }

    /// Runs `op` and applies `k` to the area `A` with its output, after the continuations of
    /// operations started earlier on the same lane.
    pub(super) fn then_in<A, T, F, K>(&mut self, lane: Lane, op: F, k: K)
    where
        A: Area,
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
        K: FnOnce(&mut A, &mut Cx, T) + Send + 'static,
    {
        self.operations.push(lane, op, move |a: &mut Adapter, t| {
            let (area, cx) = A::parts(a);
            k(area, cx, t)
        });
    }

    /// Applies `k` to the area `A` once `delay` has passed, on a lane of its own, so the wait
    /// holds up nothing else (T4).
    pub(super) fn after_in<A, K>(&mut self, delay: Duration, k: K)
    where
        A: Area,
        K: FnOnce(&mut A, &mut Cx) + Send + 'static,
    {
        let lane = self.operations.timer_lane();
        self.then_in(
            lane,
            tokio::time::sleep(delay),
            move |area: &mut A, cx, ()| k(area, cx),
        );
    }
}
