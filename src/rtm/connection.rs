//! The connection state machine after login (spec/rtm-1x.md §2.3 items 4–8): watching the link,
//! resuming the session on a new link, and what the app is told.
//!
//! One driver task runs per client, from login until logout, kick or release
//! ([`drive`]). It owns the receiver of the link it reads and one timer, and calls into the
//! I/O-free [`Session`](super::session::Session), which decides what happens; the driver does
//! the I/O the session asks for (sending, opening and closing links) and tells the app. API
//! calls do not go through the driver: a request is written straight to the session's link on
//! the caller's thread, under the client lock (or kept by the session while the link is down).
//! The requests' reply timeouts are counted by the client's expiry task (see
//! `client::Requests`), not by the driver; the login's timeout is the session's (the driver
//! answers a login the system did not answer in time with TIMEOUT). Frames of a link the
//! session gave up (silent, or replaced by a resume) are dropped, and a resume's answer is
//! handled before anything later on its link.
//!
//! 1. **Watch.** Every `ping_interval` it pings the system; any frame from the system counts as
//!    a sign of life. After `link_timeout` of silence — or when the link closes under it — the
//!    link is given up (without ending the session: nothing would arrive on a dead network).
//! 2. **Resume.** It opens a new link and asks the system to resume the session
//!    (`Request::Resume`, carrying the session id, the last stream event handled, the joined
//!    channels with the last message seen in each, the local attributes and the subscriptions).
//!    Attempts repeat with a backoff (0.5 s doubling to 2 s) until one works, the client is
//!    kicked, or the app logs out. When the watch found the loss (silence, a refused ping)
//!    rather than the link closing, a failed first attempt is followed by the second at once.
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
use super::client::{ClientInner, Effect};
use super::enums::{ConnectionState, PeerOnlineState};
use super::error::{RenewTokenErrCode, RtmError};
use super::events::RtmEvent;
use super::session::{Closed, Incoming, LinkId, Output, PhaseKind};
use crate::proto::link::{Down, Event, Failure, Request, Up};
use crate::proto::{DownReceiver, FailureReason};
use crate::transport::{Link, LinkSender};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use tokio::sync::Notify;
use tokio::time::Instant;

/// How long a client that logged out while its link was down keeps trying to tell the system:
/// RTM's presence grace, past which the system has ended the session by itself.
const FAREWELL_FOR: std::time::Duration = std::time::Duration::from_secs(30);

/// A link being opened for a resume attempt.
type Opening = Pin<Box<dyn Future<Output = std::io::Result<Link>> + Send>>;

/// What woke the driver.
enum Step {
    Frame(LinkId, Option<Down>),
    Opened(std::io::Result<Link>),
    Wake,
    Timer,
}

/// The now of the session's clock (tokio's, so that paused test time counts).
fn now() -> std::time::Instant {
    Instant::now().into_std()
}

async fn next_frame(reading: &mut Option<(LinkId, DownReceiver)>) -> (LinkId, Option<Down>) {
    match reading {
        Some((id, rx)) => (*id, rx.recv().await),
        None => std::future::pending().await,
    }
}

async fn opened(opening: &mut Option<Opening>) -> std::io::Result<Link> {
    match opening {
        Some(f) => f.as_mut().await,
        None => std::future::pending().await,
    }
}

async fn timer(at: Option<std::time::Instant>) {
    match at {
        // A fresh timer each pass.
        Some(at) => tokio::time::sleep_until(Instant::from_std(at)).await,
        None => std::future::pending().await,
    }
}

/// The client's driver: reads the session's link, keeps its one timer, and runs what the
/// session asks for, until the session (or the login it was started for) is over.
pub(crate) async fn drive(
    weak: Weak<ClientInner>,
    wake: Arc<Notify>,
    link: LinkId,
    receiver: DownReceiver,
) {
    let mut reading = Some((link, receiver));
    // Boxed when used: an idle client's driver carries no room for a link being opened.
    let mut opening: Option<Opening> = None;
    loop {
        let due = {
            let Some(inner) = weak.upgrade() else { return };
            let core = inner.core.lock();
            if !Arc::ptr_eq(&core.wake, &wake) || core.conn.phase() == PhaseKind::Idle {
                return;
            }
            core.conn.poll_timeout()
        };
        let step = tokio::select! {
            biased;
            (id, down) = next_frame(&mut reading) => Step::Frame(id, down),
            result = opened(&mut opening) => Step::Opened(result),
            () = wake.notified() => Step::Wake,
            () = timer(due) => Step::Timer,
        };
        let Some(inner) = weak.upgrade() else { return };
        match step {
            Step::Frame(id, Some(first)) => {
                let heard = now();
                let mut next = Some(first);
                // Peer messages are acknowledged at once (their senders wait for it); other
                // stream events with the next ping.
                let mut urgent = false;
                while let Some(down) = next {
                    urgent |= matches!(
                        down,
                        Down::Stream {
                            event: Event::PeerMessage { .. },
                            ..
                        }
                    );
                    if !inner.on_frame(&wake, id, down, heard, &mut opening) {
                        return;
                    }
                    next = match &mut reading {
                        Some((current, rx)) if *current == id => rx.try_recv(),
                        _ => None,
                    };
                }
                if urgent {
                    inner.ack();
                }
            }
            Step::Frame(id, None) => {
                reading = None;
                let closed = {
                    let mut core = inner.core.lock();
                    if !Arc::ptr_eq(&core.wake, &wake) {
                        return;
                    }
                    core.conn.on_link_closed(id)
                };
                match closed {
                    // A login in flight: dropping the link fails it, and `login` reports
                    // (DISCONNECTED, LOGIN_FAILURE) itself.
                    Closed::Login => {
                        log::warn!("RTM client: the link to the RTM system closed");
                        inner.drop_link();
                        return;
                    }
                    Closed::Down => {
                        log::info!(
                            "RTM client: the link to the RTM system closed; resuming on a new link"
                        );
                    }
                    Closed::Nothing => {}
                }
            }
            Step::Opened(result) => {
                opening = None;
                match inner.on_opened(&wake, result) {
                    Some(Some(new)) => reading = Some(new),
                    Some(None) => {}
                    None => return,
                }
            }
            Step::Wake => {}
            Step::Timer => {
                let mut core = inner.core.lock();
                if !Arc::ptr_eq(&core.wake, &wake) {
                    return;
                }
                core.conn.handle_timeout(now());
            }
        }
        if !inner.run_outputs(&wake, &mut opening) {
            return;
        }
    }
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
}

impl ClientInner {
    /// Hands one frame of `link` to the session and acts on what it means. False when this
    /// driver's session is over.
    fn on_frame(
        self: &Arc<Self>,
        wake: &Arc<Notify>,
        link: LinkId,
        down: Down,
        heard: std::time::Instant,
        opening: &mut Option<Opening>,
    ) -> bool {
        let incoming = {
            let mut core = self.core.lock();
            if !Arc::ptr_eq(&core.wake, wake) {
                return false;
            }
            let incoming = core.conn.on_frame(link, down, heard);
            if let Incoming::Resumed { session, .. } = &incoming {
                let session = *session;
                core.session = Some(session);
                // What the app started meanwhile goes out now, in order, before any call
                // made after this lock is released.
                self.send_now(&mut core);
            }
            incoming
        };
        match incoming {
            Incoming::Dropped => {}
            Incoming::Deliver(down) => self.on_down(down),
            Incoming::Resumed {
                peers, token, kept, ..
            } => {
                if !kept {
                    log::info!("RTM client: the RTM system started a new session from the resume");
                }
                if !self.run_outputs(wake, opening) {
                    return false;
                }
                self.on_resumed(peers, token);
            }
            Incoming::ResumeRefused { failure, token } => {
                if !self.run_outputs(wake, opening) {
                    return false;
                }
                self.on_resume_refused(token, failure);
            }
        }
        true
    }

    /// Sends the frames the session wants sent now, under the client lock (so they keep their
    /// place before calls made later). A link that refuses one is given up.
    fn send_now(&self, core: &mut super::client::Core) {
        while let Some((link, handle, request, frame)) = core.conn.poll_transmit() {
            let wanted = request.is_none_or(|id| self.pending.lock().contains_key(&id));
            if wanted && handle.send(frame).is_err() {
                core.conn.on_send_failed(link, now());
            }
        }
    }

    /// Runs what the session asks for. False when this driver's session is over (a driver
    /// that lingers after a logout must not take the outputs of the next login's session).
    fn run_outputs(self: &Arc<Self>, wake: &Arc<Notify>, opening: &mut Option<Opening>) -> bool {
        loop {
            let output = {
                let mut core = self.core.lock();
                if !Arc::ptr_eq(&core.wake, wake) {
                    return false;
                }
                let output = core.conn.poll_output();
                match output {
                    Some(Output::Transmit {
                        link,
                        handle,
                        request,
                        frame,
                    }) => {
                        let wanted = request.is_none_or(|id| self.pending.lock().contains_key(&id));
                        if wanted && handle.send(frame).is_err() {
                            core.conn.on_send_failed(link, now());
                        }
                        continue;
                    }
                    Some(Output::State(state, reason)) => {
                        core.state.0 = state;
                        Some(Output::State(state, reason))
                    }
                    other => other,
                }
            };
            let Some(output) = output else { return true };
            match output {
                Output::Transmit { .. } => unreachable!("sent above"),
                Output::Close(link) => link.close(),
                Output::Abandon(link) => {
                    log::info!("RTM client: giving up a link to the RTM system");
                    link.abandon();
                }
                Output::Connect => {
                    let connector = self.connector.clone();
                    *opening = Some(Box::pin(async move { connector.connect().await }));
                }
                Output::State(state, reason) => {
                    if state == ConnectionState::Reconnecting {
                        log::warn!("RTM client: the link has been down for too long; reconnecting");
                    } else {
                        log::info!("RTM client: reconnected");
                    }
                    self.emit(RtmEvent::ConnectionStateChanged { state, reason });
                }
                Output::TokenExpired => self.emit(RtmEvent::TokenExpired),
                Output::LoginTimedOut(id) => {
                    let entry = self.pending.lock().remove(&id);
                    if let Some(entry) = entry {
                        let _ = entry.tx.send(Err(super::client::CallError::Timeout));
                    }
                }
            }
        }
    }

    /// A link for a resume attempt opened (or not): the resume request goes out on it. `None`
    /// when this driver's session is over; `Some(None)` when no link is to be read.
    fn on_opened(
        &self,
        wake: &Arc<Notify>,
        result: std::io::Result<Link>,
    ) -> Option<Option<(LinkId, DownReceiver)>> {
        let link = match result {
            Ok(link) => link,
            Err(e) => {
                log::info!(
                    "RTM client: cannot reach the {}: {e}",
                    self.connector.describe()
                );
                let mut core = self.core.lock();
                if !Arc::ptr_eq(&core.wake, wake) {
                    return None;
                }
                core.conn.connect_failed(now());
                return Some(None);
            }
        };
        let sender: Arc<dyn LinkSender> = Arc::from(link.sender);
        let refused = {
            let mut core = self.core.lock();
            if !Arc::ptr_eq(&core.wake, wake) {
                drop(core);
                sender.close();
                return None;
            }
            if !core.conn.wants_link() || core.session.is_none() {
                Some(sender)
            } else {
                let request = core.resume_request(&self.app_id);
                let token = request.token.clone();
                let id = self.next_request.fetch_add(1, Ordering::Relaxed);
                let frame = Up::Request {
                    id,
                    body: Request::Resume(Box::new(request)),
                };
                match core.conn.link_opened(sender, id, frame, token, now()) {
                    Ok(new) => {
                        self.send_now(&mut core);
                        return Some(Some((new, link.receiver)));
                    }
                    Err(sender) => Some(sender),
                }
            }
        };
        if let Some(sender) = refused {
            sender.close();
        }
        Some(None)
    }

    /// The system took the session back: what the client does besides the session's part
    /// (peer states, renewals waiting for the link).
    fn on_resumed(
        self: &Arc<Self>,
        peers: Vec<(String, PeerOnlineState)>,
        used_token: Option<String>,
    ) {
        let (changed, confirmed, to_renew) = {
            let mut core = self.core.lock();
            let mut changed = Vec::new();
            for (peer, state) in peers {
                if core.peer_states.insert(peer.clone(), state) != Some(state) {
                    changed.push(PeerOnlineStatus {
                        peer_id: peer,
                        online_state: state,
                    });
                }
            }
            // Renewals waiting for this token are answered; a token renewed during the attempt
            // still has to be given to the system.
            let (confirmed, to_renew): (Vec<_>, Vec<_>) = std::mem::take(&mut core.renew_waiters)
                .into_iter()
                .partition(|(t, _)| Some(t) == used_token.as_ref());
            (changed, confirmed, to_renew)
        };
        for (_, waiter) in confirmed {
            let _ = waiter.send(Ok(()));
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
    fn on_resume_refused(&self, token: Option<String>, failure: Failure) {
        log::info!("RTM client: the RTM system refused to resume the session: {failure:?}");
        let renew_code = match failure.reason {
            FailureReason::TokenExpired => RenewTokenErrCode::TokenExpired,
            FailureReason::InvalidToken => RenewTokenErrCode::InvalidToken,
            _ => return,
        };
        let (answered, report) = {
            let mut core = self.core.lock();
            if core.token != token {
                // Renewed meanwhile: the next attempt uses the new token.
                return;
            }
            let (answered, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut core.renew_waiters)
                .into_iter()
                .partition(|(t, _)| Some(t) == token.as_ref());
            core.renew_waiters = rest;
            let report = core
                .conn
                .token_refused(failure.reason == FailureReason::TokenExpired);
            (answered, report)
        };
        for (_, waiter) in answered {
            let _ = waiter.send(Err(RtmError::new(renew_code, failure.detail.clone())));
        }
        if report {
            self.emit(RtmEvent::TokenExpired);
        }
    }
}
