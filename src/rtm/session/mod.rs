//! The client's session with the RTM system as a plain state machine, without I/O, tasks or a
//! clock of its own (spec/rtm-1x.md §2.3): what [`super::connection`]'s driver task feeds it and
//! what it hands back.
//!
//! Inputs, each with the current time as an explicit `Instant`:
//! * the link that carries a login ([`Session::open_login`]) and the login's outcome
//!   ([`Session::logged_in`]);
//! * frames from the system, tagged with the link they came on ([`Session::on_frame`]) — frames
//!   of a link that is no longer the session's (replaced by a resume, given up) are dropped;
//! * a link that closed or refused a frame ([`Session::on_link_closed`],
//!   [`Session::on_send_failed`]), a new link opened for a resume attempt
//!   ([`Session::link_opened`]) or the failure to open one ([`Session::connect_failed`]);
//! * the passing of time ([`Session::handle_timeout`], at the instant [`Session::poll_timeout`]
//!   named).
//!
//! Outputs ([`Session::poll_output`]): frames to send and on which link, links to close or give
//! up, a request to open a new link, connection state changes and `TokenExpired` for the app,
//! and the login's timeout. [`Session::on_frame`] also says what a frame means for the client
//! ([`Incoming`]): a reply or event to hand on, or the outcome of a resume attempt.
//!
//! The link handle `L` is opaque here: the client uses its link senders, the unit tests plain
//! numbers.

mod stream;

#[cfg(test)]
mod tests;

use super::config::ConnectionTimers;
use super::enums::{ConnectionChangeReason, ConnectionState, PeerOnlineState};
use crate::proto::link::{Down, Failure, Reply, RequestId, SessionId, StreamSeq, Up};
use std::collections::VecDeque;
use std::time::{Duration, Instant};
use stream::Stream;

/// Names one link the session used, so that frames of a link it gave up are told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LinkId(u64);

/// Something the session asks of its driver.
#[derive(Debug)]
pub(crate) enum Output<L> {
    /// Send `frame` on the link `link` (`handle`). `request` names the operation it belongs to,
    /// for a frame that waited for the link: it is not sent when the operation is over.
    Transmit {
        /// The link.
        link: LinkId,
        /// Its handle.
        handle: L,
        /// The waiting operation, if the frame waited for the link.
        request: Option<RequestId>,
        /// The frame.
        frame: Up,
    },
    /// Close this link (the session no longer uses it; the system may end what it carried).
    Close(L),
    /// Give up this link without a word (it went silent or was replaced).
    Abandon(L),
    /// Open a new link for a resume attempt, then call [`Session::link_opened`] or
    /// [`Session::connect_failed`].
    Connect,
    /// Tell the app the connection state changed.
    State(ConnectionState, ConnectionChangeReason),
    /// Tell the app the token expired (while RECONNECTING, once per token).
    TokenExpired,
    /// The login request got no answer within the login timeout.
    LoginTimedOut(RequestId),
}

/// What a frame means for the client.
#[derive(Debug)]
pub(crate) enum Incoming {
    /// Nothing: a frame of a retired link, or a stream event handled before.
    Dropped,
    /// A reply or event for the client to handle (a stream event only the first time).
    Deliver(Down),
    /// The system took the session back on the new link, which is now the session's.
    Resumed {
        /// The session now.
        session: SessionId,
        /// Whether it is the same session (false: a new one started from the resume request).
        kept: bool,
        /// For a new session: the subscribed peers' states.
        peers: Vec<(String, PeerOnlineState)>,
        /// The token the attempt used.
        token: Option<String>,
    },
    /// The system refused the resume; attempts go on after the backoff.
    ResumeRefused {
        /// Why.
        failure: Failure,
        /// The token the attempt used.
        token: Option<String>,
    },
}

/// What a closed link meant.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Closed {
    /// Nothing (a retired link, or one being tried: its attempt times out).
    Nothing,
    /// The link of a login in flight: the login fails.
    Login,
    /// The session's link: the session is being resumed.
    Down,
}

/// How a logout goes, by the state the session is in.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Logout {
    /// No session.
    Nothing,
    /// A login in flight: it is abandoned.
    AbandonLogin,
    /// Live link: say `Logout` on it and wait for the answer (within the logout timeout).
    OnLink,
    /// Link down: done at once; the system is told with `EndSession` on fresh links.
    Farewell,
}

/// Which phase the session is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PhaseKind {
    /// No session, no login.
    Idle,
    /// A login in flight.
    LoggingIn,
    /// Logged in, the link is fine.
    Live,
    /// Logged in, the link is lost: resuming.
    Down,
}

enum Phase<L> {
    Idle,
    LoggingIn {
        link: LinkId,
        handle: L,
        /// The login request, until it timed out.
        request: Option<RequestId>,
        deadline: Instant,
    },
    Live {
        link: LinkId,
        handle: L,
        last_heard: Instant,
        /// When the link is checked next (and pinged).
        next_beat: Instant,
    },
    /// Boxed: an idle session does not carry room for an outage.
    Down(Box<Outage<L>>),
}

struct Outage<L> {
    /// When the system was last heard from.
    since: Instant,
    /// Whether (RECONNECTING, INTERRUPTED) was reported.
    reported: bool,
    /// The last pause between attempts.
    pause: Option<Duration>,
    /// Start the next attempt without waiting (a renewed token).
    hurry: bool,
    attempt: Attempt<L>,
}

enum Attempt<L> {
    /// The next attempt starts at this instant.
    Wait(Instant),
    /// The driver is opening a link.
    Connecting,
    /// The resume request went out on this link.
    Resuming {
        link: LinkId,
        handle: L,
        request: RequestId,
        deadline: Instant,
        token: Option<String>,
    },
}

/// The session state machine (see the module docs).
pub(crate) struct Session<L> {
    timers: ConnectionTimers,
    phase: Phase<L>,
    links: u64,
    stream: Stream,
    /// A resume was refused because the token expired; reported once per token while
    /// RECONNECTING.
    token_expired: bool,
    token_expired_reported: bool,
    /// Frames of operations started while the link is down, sent in order once it is back.
    buffered: VecDeque<(Option<RequestId>, Up)>,
    out: VecDeque<Output<L>>,
}

impl<L: Clone> Session<L> {
    /// A session with no login yet.
    pub(crate) fn new(timers: ConnectionTimers) -> Self {
        Session {
            timers,
            phase: Phase::Idle,
            links: 0,
            stream: Stream::default(),
            token_expired: false,
            token_expired_reported: false,
            buffered: VecDeque::new(),
            out: VecDeque::new(),
        }
    }

    /// The phase now.
    pub(crate) fn phase(&self) -> PhaseKind {
        match self.phase {
            Phase::Idle => PhaseKind::Idle,
            Phase::LoggingIn { .. } => PhaseKind::LoggingIn,
            Phase::Live { .. } => PhaseKind::Live,
            Phase::Down(_) => PhaseKind::Down,
        }
    }

    /// The link requests go on now: the login's or the live session's. `None` while there is
    /// no session or its link is down.
    pub(crate) fn link(&self) -> Option<&L> {
        match &self.phase {
            Phase::LoggingIn { handle, .. } | Phase::Live { handle, .. } => Some(handle),
            _ => None,
        }
    }

    /// Logged in, but the link is down and being replaced: operations wait for it.
    pub(crate) fn is_down(&self) -> bool {
        matches!(self.phase, Phase::Down(_))
    }

    /// The last event of the session's stream handled.
    pub(crate) fn seen(&self) -> StreamSeq {
        self.stream.seen
    }

    fn new_link(&mut self) -> LinkId {
        self.links += 1;
        LinkId(self.links)
    }

    /// A login goes out on `handle`; it must be answered by `deadline`.
    pub(crate) fn open_login(&mut self, handle: L, deadline: Instant) -> LinkId {
        let link = self.new_link();
        self.phase = Phase::LoggingIn {
            link,
            handle,
            request: None,
            deadline,
        };
        link
    }

    /// The login's request id (its timeout is reported with it).
    pub(crate) fn login_request(&mut self, id: RequestId) {
        if let Phase::LoggingIn { request, .. } = &mut self.phase {
            *request = Some(id);
        }
    }

    /// The login succeeded: the session starts on the login's link.
    pub(crate) fn logged_in(&mut self, now: Instant) {
        let phase = std::mem::replace(&mut self.phase, Phase::Idle);
        self.phase = match phase {
            Phase::LoggingIn { link, handle, .. } => Phase::Live {
                link,
                handle,
                last_heard: now,
                next_beat: now + self.timers.ping_interval,
            },
            other => other,
        };
        self.stream = Stream::default();
        self.token_expired = false;
        self.token_expired_reported = false;
    }

    /// The session (or login) is over: every link it holds is returned, to be closed; the
    /// operations that waited for the link are returned too (they fail). Pending outputs go.
    pub(crate) fn end(&mut self) -> (Vec<L>, Vec<RequestId>) {
        let mut links = Vec::new();
        match std::mem::replace(&mut self.phase, Phase::Idle) {
            Phase::Idle => {}
            Phase::LoggingIn { handle, .. } | Phase::Live { handle, .. } => links.push(handle),
            Phase::Down(outage) => {
                if let Attempt::Resuming { handle, .. } = outage.attempt {
                    links.push(handle);
                }
            }
        }
        self.stream = Stream::default();
        self.token_expired = false;
        self.token_expired_reported = false;
        self.out.clear();
        let waiting = self.buffered.drain(..).filter_map(|(id, _)| id).collect();
        (links, waiting)
    }

    /// How a logout goes now.
    pub(crate) fn logout(&self) -> Logout {
        match self.phase {
            Phase::Idle => Logout::Nothing,
            Phase::LoggingIn { .. } => Logout::AbandonLogin,
            Phase::Live { .. } => Logout::OnLink,
            Phase::Down(_) => Logout::Farewell,
        }
    }

    /// Keeps the frame of an operation started while the link is down, to send it once the
    /// session is back. False (nothing kept) unless the link is down.
    pub(crate) fn buffer(&mut self, request: Option<RequestId>, frame: Up) -> bool {
        if !self.is_down() {
            return false;
        }
        self.buffered.push_back((request, frame));
        true
    }

    /// Forgets the waiting frames of these operations (they timed out).
    pub(crate) fn drop_buffered(&mut self, over: impl Fn(RequestId) -> bool) {
        self.buffered
            .retain(|(waiting, _)| waiting.is_none_or(|w| !over(w)));
    }

    /// Whether frames wait for the link.
    pub(crate) fn has_buffered(&self) -> bool {
        !self.buffered.is_empty()
    }

    /// An `Ack` for the live link, if the stream was handled further than acknowledged.
    pub(crate) fn ack(&mut self) -> Option<(L, Up)> {
        let Phase::Live { handle, .. } = &self.phase else {
            return None;
        };
        let seq = self.stream.take_ack()?;
        Some((handle.clone(), Up::Ack { seq }))
    }

    /// A frame arrived on `link`.
    pub(crate) fn on_frame(&mut self, link: LinkId, down: Down, now: Instant) -> Incoming {
        match &mut self.phase {
            Phase::LoggingIn { link: current, .. } if *current == link => {}
            Phase::Live {
                link: current,
                last_heard,
                ..
            } if *current == link => *last_heard = now,
            Phase::Down(outage) => match &outage.attempt {
                Attempt::Resuming {
                    link: candidate,
                    request,
                    ..
                } if *candidate == link => {
                    if matches!(down, Down::Reply { id, .. } if id == *request) {
                        let Down::Reply { result, .. } = down else {
                            unreachable!("matched above")
                        };
                        return self.on_resume_reply(result, now);
                    }
                }
                _ => return Incoming::Dropped,
            },
            _ => return Incoming::Dropped,
        }
        match down {
            Down::Stream { seq, event } => {
                if self.stream.fresh(seq) {
                    Incoming::Deliver(Down::Stream { seq, event })
                } else {
                    Incoming::Dropped
                }
            }
            Down::Pong => Incoming::Dropped,
            other => Incoming::Deliver(other),
        }
    }

    fn on_resume_reply(&mut self, result: Result<Reply, Failure>, now: Instant) -> Incoming {
        let Phase::Down(outage) = std::mem::replace(&mut self.phase, Phase::Idle) else {
            unreachable!("a resume reply is only taken while down")
        };
        let Outage {
            since,
            reported,
            pause,
            hurry,
            attempt,
        } = *outage;
        let Attempt::Resuming {
            link,
            handle,
            token,
            ..
        } = attempt
        else {
            unreachable!("a resume reply is only taken while resuming")
        };
        match result {
            Ok(Reply::Resumed {
                session,
                kept,
                peers,
            }) => {
                if !kept {
                    self.stream.seen = 0;
                }
                // The resume said what was handled.
                self.stream.acked = self.stream.seen;
                self.token_expired = false;
                self.token_expired_reported = false;
                for (request, frame) in std::mem::take(&mut self.buffered) {
                    self.out.push_back(Output::Transmit {
                        link,
                        handle: handle.clone(),
                        request,
                        frame,
                    });
                }
                self.phase = Phase::Live {
                    link,
                    handle,
                    last_heard: now,
                    next_beat: now + self.timers.ping_interval,
                };
                if reported {
                    self.out.push_back(Output::State(
                        ConnectionState::Connected,
                        ConnectionChangeReason::LoginSuccess,
                    ));
                }
                Incoming::Resumed {
                    session,
                    kept,
                    peers,
                    token,
                }
            }
            other => {
                self.out.push_back(Output::Close(handle));
                let mut outage = Outage {
                    since,
                    reported,
                    pause,
                    hurry,
                    attempt: Attempt::Connecting,
                };
                self.wait_for_next(&mut outage, now);
                self.phase = Phase::Down(Box::new(outage));
                match other {
                    Err(failure) => Incoming::ResumeRefused { failure, token },
                    Ok(_) => Incoming::Dropped,
                }
            }
        }
    }

    /// The resume was refused for the token: returns whether to tell the app the token expired
    /// now (`expired`: the token expired rather than being invalid).
    pub(crate) fn token_refused(&mut self, expired: bool) -> bool {
        if !expired {
            return false;
        }
        self.token_expired = true;
        let reconnecting = matches!(&self.phase, Phase::Down(o) if o.reported);
        let report = reconnecting && !self.token_expired_reported;
        if report {
            self.token_expired_reported = true;
        }
        report
    }

    /// The app renewed its token while the link is down: the next attempt uses it, at once.
    pub(crate) fn token_renewed(&mut self, now: Instant) {
        self.token_expired = false;
        self.token_expired_reported = false;
        if let Phase::Down(outage) = &mut self.phase {
            match &mut outage.attempt {
                Attempt::Wait(at) => *at = now.min(*at),
                _ => outage.hurry = true,
            }
        }
    }

    /// `link` closed (its frames are all handled).
    pub(crate) fn on_link_closed(&mut self, link: LinkId) -> Closed {
        match &self.phase {
            Phase::LoggingIn { link: current, .. } if *current == link => Closed::Login,
            Phase::Live { link: current, .. } if *current == link => {
                self.go_down(false);
                Closed::Down
            }
            _ => Closed::Nothing,
        }
    }

    /// A frame could not be sent on `link`: the live link is lost, a resume attempt fails.
    pub(crate) fn on_send_failed(&mut self, link: LinkId, now: Instant) {
        let candidate = match &self.phase {
            Phase::Live { link: current, .. } if *current == link => {
                self.go_down(true);
                return;
            }
            Phase::Down(outage) => {
                matches!(&outage.attempt, Attempt::Resuming { link: c, .. } if *c == link)
            }
            _ => false,
        };
        if candidate {
            self.fail_attempt(now);
        }
    }

    /// The resume attempt in flight failed: its link is given up, the next one waits.
    fn fail_attempt(&mut self, now: Instant) {
        let Phase::Down(mut outage) = std::mem::replace(&mut self.phase, Phase::Idle) else {
            unreachable!("only an outage has attempts")
        };
        if let Attempt::Resuming { handle, .. } =
            std::mem::replace(&mut outage.attempt, Attempt::Connecting)
        {
            self.out.push_back(Output::Abandon(handle));
        }
        self.wait_for_next(&mut outage, now);
        self.phase = Phase::Down(outage);
    }

    /// The live link is lost: give it up and start resuming. The first attempt starts at
    /// once. When the loss was found by the link watch (silence, or a ping the link refused)
    /// rather than by the link closing, a failed first attempt is followed by the second at
    /// once too, as it always was (`hurry`).
    fn go_down(&mut self, hurry: bool) {
        let Phase::Live {
            handle, last_heard, ..
        } = std::mem::replace(&mut self.phase, Phase::Idle)
        else {
            unreachable!("only a live link goes down")
        };
        self.out.push_back(Output::Abandon(handle));
        self.out.push_back(Output::Connect);
        self.phase = Phase::Down(Box::new(Outage {
            since: last_heard,
            reported: false,
            pause: None,
            hurry,
            attempt: Attempt::Connecting,
        }));
    }

    /// An attempt failed: the next one after the backoff (0.5 s doubling to 2 s), or at once
    /// after a renewal.
    fn wait_for_next(&self, outage: &mut Outage<L>, now: Instant) {
        let wait = match outage.pause {
            None => self.timers.reconnect_backoff_min,
            Some(p) => (p * 2).min(self.timers.reconnect_backoff_max),
        };
        outage.pause = Some(wait);
        let at = if std::mem::take(&mut outage.hurry) {
            now
        } else {
            now + wait
        };
        outage.attempt = Attempt::Wait(at);
    }

    /// Whether the session waits for the link the driver is opening.
    pub(crate) fn wants_link(&self) -> bool {
        matches!(&self.phase, Phase::Down(o) if matches!(o.attempt, Attempt::Connecting))
    }

    /// A link opened for the resume attempt: `frame` (the resume request `request`, made with
    /// `token`) goes out on it. `Err` gives the link back when no attempt wants it any more.
    pub(crate) fn link_opened(
        &mut self,
        handle: L,
        request: RequestId,
        frame: Up,
        token: Option<String>,
        now: Instant,
    ) -> Result<LinkId, L> {
        if !self.wants_link() {
            return Err(handle);
        }
        let link = self.new_link();
        let deadline = now + self.timers.reconnect_attempt_timeout;
        let Phase::Down(outage) = &mut self.phase else {
            unreachable!("wants_link")
        };
        outage.attempt = Attempt::Resuming {
            link,
            handle: handle.clone(),
            request,
            deadline,
            token,
        };
        self.out.push_back(Output::Transmit {
            link,
            handle,
            request: None,
            frame,
        });
        Ok(link)
    }

    /// No link could be opened for the attempt.
    pub(crate) fn connect_failed(&mut self, now: Instant) {
        if !self.wants_link() {
            return;
        }
        let Phase::Down(mut outage) = std::mem::replace(&mut self.phase, Phase::Idle) else {
            unreachable!("wants_link")
        };
        self.wait_for_next(&mut outage, now);
        self.phase = Phase::Down(outage);
    }

    /// The next instant [`Session::handle_timeout`] has something to do, if any.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        match &self.phase {
            Phase::Idle => None,
            Phase::LoggingIn {
                request, deadline, ..
            } => request.map(|_| *deadline),
            Phase::Live { next_beat, .. } => Some(*next_beat),
            Phase::Down(outage) => {
                let report =
                    (!outage.reported).then(|| outage.since + self.timers.interrupted_after);
                let attempt = match &outage.attempt {
                    Attempt::Wait(at) => Some(*at),
                    Attempt::Connecting => None,
                    Attempt::Resuming { deadline, .. } => Some(*deadline),
                };
                match (report, attempt) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                }
            }
        }
    }

    /// Does what is due at `now`.
    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        match &mut self.phase {
            Phase::Idle => {}
            Phase::LoggingIn {
                request, deadline, ..
            } => {
                if now >= *deadline {
                    if let Some(id) = request.take() {
                        self.out.push_back(Output::LoginTimedOut(id));
                    }
                }
            }
            Phase::Live {
                link,
                handle,
                last_heard,
                next_beat,
            } => {
                if now < *next_beat {
                    return;
                }
                if now.saturating_duration_since(*last_heard) >= self.timers.link_timeout {
                    self.go_down(true);
                    return;
                }
                *next_beat = now + self.timers.ping_interval;
                let (link, handle) = (*link, handle.clone());
                if let Some(seq) = self.stream.take_ack() {
                    self.out.push_back(Output::Transmit {
                        link,
                        handle: handle.clone(),
                        request: None,
                        frame: Up::Ack { seq },
                    });
                }
                self.out.push_back(Output::Transmit {
                    link,
                    handle,
                    request: None,
                    frame: Up::Ping,
                });
            }
            Phase::Down(outage) => {
                if !outage.reported && now >= outage.since + self.timers.interrupted_after {
                    outage.reported = true;
                    self.out.push_back(Output::State(
                        ConnectionState::Reconnecting,
                        ConnectionChangeReason::Interrupted,
                    ));
                    if self.token_expired && !self.token_expired_reported {
                        self.token_expired_reported = true;
                        self.out.push_back(Output::TokenExpired);
                    }
                }
                let due = match &outage.attempt {
                    Attempt::Wait(at) => now >= *at,
                    Attempt::Resuming { deadline, .. } => now >= *deadline,
                    Attempt::Connecting => false,
                };
                if !due {
                    return;
                }
                if matches!(outage.attempt, Attempt::Wait(_)) {
                    outage.attempt = Attempt::Connecting;
                    self.out.push_back(Output::Connect);
                    return;
                }
                // The attempt in flight got no answer in time.
                self.fail_attempt(now);
                // The next attempt may be due at once (a renewed token).
                if self.poll_timeout().is_some_and(|at| at <= now) {
                    self.handle_timeout(now);
                }
            }
        }
    }

    /// The next output if it is a frame to send: (link, handle, waiting operation, frame).
    pub(crate) fn poll_transmit(&mut self) -> Option<(LinkId, L, Option<RequestId>, Up)> {
        if !matches!(self.out.front(), Some(Output::Transmit { .. })) {
            return None;
        }
        match self.out.pop_front() {
            Some(Output::Transmit {
                link,
                handle,
                request,
                frame,
            }) => Some((link, handle, request, frame)),
            _ => unreachable!("checked above"),
        }
    }

    /// The next thing the driver has to do, if any.
    pub(crate) fn poll_output(&mut self) -> Option<Output<L>> {
        self.out.pop_front()
    }
}

impl<L: Clone> Default for Session<L> {
    fn default() -> Self {
        Session::new(ConnectionTimers::default())
    }
}
