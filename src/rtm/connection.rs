//! The connection state machine after login (spec/rtm-1x.md §2.3 items 4–8): watching the link,
//! resuming the session on a new link, and what the app is told.
//!
//! One supervisor task runs per session (from login until logout, kick or release):
//!
//! 1. **Watch.** Every `ping_interval` it pings the system; any frame from the system counts as
//!    a sign of life. After `link_timeout` of silence — or when the link closes under it — the
//!    link is given up (without ending the session: nothing would arrive on a dead network).
//! 2. **Resume.** It opens a new link and asks the system to resume the session
//!    (`Request::Resume`, carrying the session id, the last stream event handled, the joined
//!    channels with the last message seen in each, the local attributes and the subscriptions).
//!    Attempts repeat with a backoff (0.5 s doubling to 2 s) until one works, the client is
//!    kicked, or the app logs out.
//! 3. **Report.** If the session is not back `interrupted_after` (4 s) after the last sign of
//!    life, the app gets `(RECONNECTING, INTERRUPTED)`; when it is back,
//!    `(CONNECTED, LOGIN_SUCCESS)` — and no second login success. A short outage that is over
//!    sooner is not reported at all.
//!
//! A logout while the link is down is done at once for the app; the client then says so to the
//! system on fresh links in the background (`Request::EndSession`, with the reconnection
//! backoff, for at most the 30 s presence grace), so that the session ends — and others see the
//! user leave — as soon as the system hears of it rather than when its grace runs out.
//!
//! While the link is down, operations are accepted and wait, in order, for the session to be
//! back; each fails with its own TIMEOUT code if it is not back within the operation's timeout
//! (for messages 10 s, close to the web SDK's 9 s wait). Requests already sent on the lost link
//! are not sent again (the system may have carried them out): they end with their TIMEOUT code,
//! an unknown outcome — a peer message that got SENT_TIMEOUT this way is delivered at most once.
//!
//! The resume refused: for an expired token the app gets [`RtmEvent::TokenExpired`] (once per
//! token, while RECONNECTING; the state does not change) and attempts go on until
//! `renew_token` provides a token that works; when the user logged in elsewhere meanwhile or was
//! banned, the system says so with a kick and the client goes to
//! `(ABORTED, REMOTE_LOGIN | BANNED_BY_SERVER)` — the returning client never takes the
//! session from a newer login, so there is no kick loop.

use super::attributes::PeerOnlineStatus;
use super::client::{CallError, ClientInner, Effect, Pending, ReplyResult};
use super::enums::{ConnectionChangeReason, ConnectionState};
use super::error::{RenewTokenErrCode, RtmError};
use super::events::RtmEvent;
use crate::proto::link::{Down, Failure, Reply, Request, Up};
use crate::proto::FailureReason;
use crate::transport::LinkSender;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use tokio::sync::{oneshot, Notify};
use tokio::time::Instant;

/// How long a client that logged out while its link was down keeps trying to tell the system:
/// RTM's presence grace, past which the system has ended the session by itself.
const FAREWELL_FOR: std::time::Duration = std::time::Duration::from_secs(30);

/// What the watch found.
enum Beat {
    /// The session is over: stop.
    Stop,
    /// The link is fine (a ping went out).
    Alive,
    /// The link is gone: resume.
    Down,
}

/// How a resume attempt went.
enum Attempt {
    Back,
    Failed,
    Stop,
}

impl ClientInner {
    /// Tells the system that the session the app logged out of while its link was down is over
    /// (`request` is a `Request::EndSession`): one fresh link per attempt, with the reconnection
    /// backoff, until the system answers or [`FAREWELL_FOR`] has passed.
    pub(crate) fn spawn_farewell(&self, request: Request) {
        let connector = self.connector.clone();
        let timers = self.config.connection.clone();
        tokio::spawn(async move {
            let deadline = Instant::now() + FAREWELL_FOR;
            let mut pause = timers.reconnect_backoff_min;
            loop {
                if let Ok(Ok(link)) = tokio::time::timeout_at(deadline, connector.connect()).await {
                    let mut from_system = link.receiver;
                    let id = 1;
                    let sent = link.sender.send(Up::Request {
                        id,
                        body: request.clone(),
                    });
                    let answer = async {
                        while let Some(down) = from_system.recv().await {
                            if matches!(down, Down::Reply { id: got, .. } if got == id) {
                                return true;
                            }
                        }
                        false
                    };
                    let answered = sent.is_ok()
                        && tokio::time::timeout(timers.reconnect_attempt_timeout, answer)
                            .await
                            .unwrap_or(false);
                    link.sender.close();
                    if answered {
                        return;
                    }
                }
                if Instant::now() + pause >= deadline {
                    log::info!("RTM client: the RTM system did not hear of the logout; it ends the session when its grace is over");
                    return;
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(timers.reconnect_backoff_max);
            }
        });
    }

    /// Starts the supervisor of the session `epoch`.
    pub(crate) fn spawn_supervisor(self: &Arc<Self>, epoch: u64) {
        let weak = Arc::downgrade(self);
        let wake = self.core.lock().wake.clone();
        tokio::spawn(supervise(weak, wake, epoch));
    }

    /// Gives up the link of `generation` (silent or closed) and wakes the supervisor. The
    /// session is kept: requests in flight wait for their timeouts.
    pub(crate) fn link_lost(&self, generation: u64) {
        let link = {
            let mut core = self.core.lock();
            if core.link_generation != generation || core.session.is_none() {
                return;
            }
            core.link_generation += 1;
            if core.down_since.is_none() {
                core.outage += 1;
                core.down_since = Some(core.last_heard.unwrap_or_else(Instant::now));
            }
            let link = core.link.take();
            // A link being tried that closes is the attempt's business (it times out).
            if link.is_some() {
                core.wake.notify_one();
            }
            link
        };
        if let Some(link) = link {
            log::info!("RTM client: no sign of life from the RTM system; resuming on a new link");
            link.abandon();
        }
    }

    /// Forgets the link being tried as `generation`, so that nothing it still delivers (or its
    /// closing) is taken for the session's.
    fn retire(&self, generation: u64) {
        let mut core = self.core.lock();
        if core.link_generation == generation {
            core.link_generation += 1;
        }
    }

    /// Whether the session `epoch` is still on (logged in, not kicked, not released).
    fn session_is(&self, epoch: u64) -> bool {
        let core = self.core.lock();
        self.session_is_locked(&core, epoch)
    }

    fn heartbeat(&self, epoch: u64) -> Beat {
        let (link, generation) = {
            let core = self.core.lock();
            if !self.session_is_locked(&core, epoch) {
                return Beat::Stop;
            }
            let Some(link) = core.link.clone() else {
                return Beat::Down;
            };
            let silent = core.last_heard.map(|t| t.elapsed()).unwrap_or_default();
            if silent >= self.config.connection.link_timeout {
                let generation = core.link_generation;
                drop(core);
                self.link_lost(generation);
                return Beat::Down;
            }
            (link, core.link_generation)
        };
        self.ack(generation);
        if link.send(Up::Ping).is_err() {
            self.link_lost(generation);
            return Beat::Down;
        }
        Beat::Alive
    }

    fn session_is_locked(&self, core: &super::client::Core, epoch: u64) -> bool {
        !core.released
            && core.epoch == epoch
            && matches!(
                core.state.0,
                ConnectionState::Connected | ConnectionState::Reconnecting
            )
    }

    /// Reports the outage as (RECONNECTING, INTERRUPTED) when it has lasted
    /// `interrupted_after` since the last sign of life, unless it is over by then.
    fn schedule_interruption_report(self: &Arc<Self>, epoch: u64) {
        let (at, outage) = {
            let core = self.core.lock();
            let since = core.down_since.unwrap_or_else(Instant::now);
            (
                since + self.config.connection.interrupted_after,
                core.outage,
            )
        };
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            tokio::time::sleep_until(at).await;
            let Some(inner) = weak.upgrade() else { return };
            let (report, token_expired) = {
                let mut core = inner.core.lock();
                let report = inner.session_is_locked(&core, epoch)
                    && core.outage == outage
                    && core.down_since.is_some()
                    && core.state.0 == ConnectionState::Connected;
                if report {
                    core.state.0 = ConnectionState::Reconnecting;
                }
                let token_expired = report && core.token_expired && !core.token_expired_reported;
                if token_expired {
                    core.token_expired_reported = true;
                }
                (report, token_expired)
            };
            if report {
                log::warn!("RTM client: the link has been down for too long; reconnecting");
                inner.emit(RtmEvent::ConnectionStateChanged {
                    state: ConnectionState::Reconnecting,
                    reason: ConnectionChangeReason::Interrupted,
                });
            }
            if token_expired {
                inner.emit(RtmEvent::TokenExpired);
            }
        });
    }

    /// One attempt to resume the session on a new link.
    async fn try_resume(self: &Arc<Self>, epoch: u64) -> Attempt {
        let link = match self.connector.connect().await {
            Ok(link) => link,
            Err(e) => {
                log::info!(
                    "RTM client: cannot reach the {}: {e}",
                    self.connector.describe()
                );
                return Attempt::Failed;
            }
        };
        let sender: Arc<dyn LinkSender> = Arc::from(link.sender);
        let (generation, request, token) = {
            let mut core = self.core.lock();
            if !self.session_is_locked(&core, epoch) || !core.link_down() {
                let back = self.session_is_locked(&core, epoch) && core.link.is_some();
                drop(core);
                sender.close();
                return if back { Attempt::Back } else { Attempt::Stop };
            }
            core.link_generation += 1;
            let request = core.resume_request(&self.app_id);
            let token = request.token.clone();
            (
                core.link_generation,
                Request::Resume(Box::new(request)),
                token,
            )
        };
        self.spawn_reader(generation, link.receiver);
        let candidate = sender.clone();
        let used = token.clone();
        let effect: Effect = Box::new(move |inner, result| {
            inner.on_resumed(epoch, generation, candidate, used, result)
        });
        let id = self.next_request.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        // No deadline in the entry: the attempt's own timeout below counts.
        self.pending
            .lock()
            .insert(id, Pending::new(tx, Some(effect)));
        if sender.send(Up::Request { id, body: request }).is_err() {
            self.pending.lock().remove(&id);
            self.retire(generation);
            sender.abandon();
            return Attempt::Failed;
        }
        let timeout = self.config.connection.reconnect_attempt_timeout;
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(Ok(_))) => {
                let core = self.core.lock();
                if core.link.is_some() && core.link_generation == generation {
                    Attempt::Back
                } else if self.session_is_locked(&core, epoch) {
                    Attempt::Failed
                } else {
                    Attempt::Stop
                }
            }
            Ok(Ok(Err(CallError::Failed(failure)))) => {
                self.retire(generation);
                sender.close();
                self.on_resume_refused(epoch, token, failure)
            }
            // The attempt's request was dropped: kicked, logged out or released meanwhile. (Its
            // entry has no deadline, so no other error comes through the channel.)
            Ok(Err(_) | Ok(Err(_))) => {
                self.retire(generation);
                sender.close();
                if self.session_is(epoch) {
                    Attempt::Failed
                } else {
                    Attempt::Stop
                }
            }
            Err(_) => {
                self.pending.lock().remove(&id);
                self.retire(generation);
                sender.abandon();
                Attempt::Failed
            }
        }
    }

    /// The system took the session back on `candidate` (runs on that link's reader, before
    /// anything the system sent after its answer).
    fn on_resumed(
        self: &Arc<Self>,
        epoch: u64,
        generation: u64,
        candidate: Arc<dyn LinkSender>,
        used_token: Option<String>,
        result: &ReplyResult,
    ) {
        let Ok(Reply::Resumed {
            session,
            kept,
            peers,
        }) = result
        else {
            return;
        };
        let (back, changed, confirmed, to_renew) = {
            let mut core = self.core.lock();
            if !self.session_is_locked(&core, epoch)
                || core.link_generation != generation
                || core.link.is_some()
            {
                return;
            }
            core.link = Some(candidate.clone());
            core.session = Some(*session);
            if !kept {
                core.stream_seen = 0;
            }
            // The system forgot what the resume said was handled.
            core.stream_acked = core.stream_seen;
            core.last_heard = Some(Instant::now());
            core.down_since = None;
            core.token_expired = false;
            core.token_expired_reported = false;
            // What the app started meanwhile goes out now, in order.
            let buffered = std::mem::take(&mut core.buffered);
            for (id, frame) in buffered {
                let wanted = id.is_none_or(|id| self.pending.lock().contains_key(&id));
                if wanted {
                    let _ = candidate.send(frame);
                }
            }
            let back = core.state.0 == ConnectionState::Reconnecting;
            if back {
                core.state.0 = ConnectionState::Connected;
            }
            let mut changed = Vec::new();
            for (peer, state) in peers {
                if core.peer_states.insert(peer.clone(), *state) != Some(*state) {
                    changed.push(PeerOnlineStatus {
                        peer_id: peer.clone(),
                        online_state: *state,
                    });
                }
            }
            // Renewals waiting for this token are answered; a token renewed during the attempt
            // still has to be given to the system.
            let (confirmed, to_renew): (Vec<_>, Vec<_>) = std::mem::take(&mut core.renew_waiters)
                .into_iter()
                .partition(|(t, _)| Some(t) == used_token.as_ref());
            (back, changed, confirmed, to_renew)
        };
        for (_, waiter) in confirmed {
            let _ = waiter.send(Ok(()));
        }
        if back {
            log::info!("RTM client: reconnected");
            self.emit(RtmEvent::ConnectionStateChanged {
                state: ConnectionState::Connected,
                reason: ConnectionChangeReason::LoginSuccess,
            });
        }
        if !changed.is_empty() {
            self.emit(RtmEvent::PeersOnlineStatusChanged(changed));
        }
        if let Some((token, _)) = to_renew.last() {
            let token = token.clone();
            let kept = token.clone();
            let effect: Effect = Box::new(move |inner, result| {
                if result.is_ok() {
                    inner.core.lock().token = Some(kept);
                }
            });
            let reply = self.start_op::<RenewTokenErrCode>(
                Request::RenewToken { token },
                self.config.timeouts.renew_token,
                Some(effect),
            );
            tokio::spawn(async move {
                let result = reply.await.map(|_| ());
                for (_, waiter) in to_renew {
                    let _ = waiter.send(result.clone());
                }
            });
        }
    }

    /// The system refused to resume the session with `token`.
    fn on_resume_refused(&self, epoch: u64, token: Option<String>, failure: Failure) -> Attempt {
        if !self.session_is(epoch) {
            return Attempt::Stop;
        }
        log::info!("RTM client: the RTM system refused to resume the session: {failure:?}");
        let renew_code = match failure.reason {
            FailureReason::TokenExpired => RenewTokenErrCode::TokenExpired,
            FailureReason::InvalidToken => RenewTokenErrCode::InvalidToken,
            _ => return Attempt::Failed,
        };
        let (answered, report) = {
            let mut core = self.core.lock();
            if core.token != token {
                // Renewed meanwhile: the next attempt uses the new token.
                return Attempt::Failed;
            }
            let (answered, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut core.renew_waiters)
                .into_iter()
                .partition(|(t, _)| Some(t) == token.as_ref());
            core.renew_waiters = rest;
            let mut report = false;
            if failure.reason == FailureReason::TokenExpired {
                core.token_expired = true;
                report =
                    core.state.0 == ConnectionState::Reconnecting && !core.token_expired_reported;
                if report {
                    core.token_expired_reported = true;
                }
            }
            (answered, report)
        };
        for (_, waiter) in answered {
            let _ = waiter.send(Err(RtmError::new(renew_code, failure.detail.clone())));
        }
        if report {
            self.emit(RtmEvent::TokenExpired);
        }
        Attempt::Failed
    }
}

/// The session's supervisor: watch, and resume when the link is lost.
async fn supervise(weak: Weak<ClientInner>, wake: Arc<Notify>, epoch: u64) {
    loop {
        let interval = match weak.upgrade() {
            Some(inner) => inner.config.connection.ping_interval,
            None => return,
        };
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = wake.notified() => {}
        }
        let Some(inner) = weak.upgrade() else { return };
        match inner.heartbeat(epoch) {
            Beat::Stop => return,
            Beat::Alive => {}
            Beat::Down => {
                drop(inner);
                // Boxed: the supervisor of every idle session would otherwise carry room for
                // a resume attempt in its task (128 B more per client).
                if !Box::pin(reconnect(&weak, &wake, epoch)).await {
                    return;
                }
            }
        }
    }
}

/// Tries to resume until it works (true) or the session is over (false).
async fn reconnect(weak: &Weak<ClientInner>, wake: &Notify, epoch: u64) -> bool {
    match weak.upgrade() {
        Some(inner) => inner.schedule_interruption_report(epoch),
        None => return false,
    }
    let mut pause: Option<std::time::Duration> = None;
    loop {
        let Some(inner) = weak.upgrade() else {
            return false;
        };
        if !inner.session_is(epoch) {
            return false;
        }
        let (min, max) = (
            inner.config.connection.reconnect_backoff_min,
            inner.config.connection.reconnect_backoff_max,
        );
        match inner.try_resume(epoch).await {
            Attempt::Back => return true,
            Attempt::Stop => return false,
            Attempt::Failed => {}
        }
        drop(inner);
        let wait = match pause {
            None => min,
            Some(p) => (p * 2).min(max),
        };
        pause = Some(wait);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = wake.notified() => {}
        }
    }
}
