//! The RTM system: the server side that RTM core clients talk to — sessions, presence, peer
//! routing with an offline cache, channels, attributes and invitation relay.
//!
//! [`System`] runs in this process (the embedded default, [`System::global`]) and is reached
//! through a transport link. Tests create their own isolated systems with [`System::new`]; every
//! timer runs on tokio time, so a test with a paused clock runs them in virtual time.
//!
//! ```
//! use sig2rtm::system::{System, SystemConfig};
//! let system = System::new(SystemConfig::default());
//! assert_eq!(system.online_users("0123456789abcdef0123456789abcdef").len(), 0);
//! ```
//!
//! # Faults and reconnection
//!
//! Sessions outlive their links. Fault injection ([`System::cut_user`],
//! [`System::delay_user`], [`System::expire_token`], [`System::ban_user`] …) breaks links the way
//! a network does, for tests and the regression kit.
//!
//! * A session whose link is silent for 6 s is UNREACHABLE for its subscribers; at 30 s it ends
//!   (members get MemberLeft, subscribers OFFLINE). Both are [`SystemConfig`] settings.
//! * A client back within those 30 s continues its session: channel members see nothing, and
//!   subscribers that saw UNREACHABLE see ONLINE again. A client back later gets a new session
//!   with its channels, attributes and subscriptions (members get MemberJoined).
//! * Peer messages, presence, member and invitation events travel on the session's stream and
//!   are kept until acknowledged, so they arrive in order and exactly once across
//!   reconnections. A peer send is answered `Received` once the receiver acknowledges it, or
//!   `CachedByServer` as soon as the receiver is unreachable: the message then waits for the
//!   receiver's return, within or after the grace, whatever its offline flag. (A receiver
//!   already offline is handled as before: cached with the offline flag, else
//!   PEER_UNREACHABLE.)
//! * Channel messages are best effort; after a reconnection the client gets the ones it missed
//!   among the last 32 sent in the channel in the 30 s before (configurable).
//!
//! # Timers
//!
//! Presence (6 s / 30 s), member-count throttling, attribute wipes, invitation timers and timed
//! faults are timers in one deadline queue of the state, served by one task per system: the
//! number of timer tasks does not grow with the number of links.
//!
//! The rules never read a clock: the time of what they handle is set once, when the state lock
//! is taken for it (a frame's arrival, a timer's deadline), and every rule reads it from the
//! state. So the rules run in explicit time without a runtime: the unit tests in
//! `system/tests/` drive presence, the offline cache, channel redelivery, invitation timers
//! and attribute wipes on the state alone, with their own clock.
//!
//! # What other nodes would see
//!
//! The offline cache, user and channel attributes and invitations are kept through one
//! interface (`records.rs`), and the node announces there every change of its sessions (start,
//! reachability, end) and channel members (join, leave), and reads there the sessions and
//! members held elsewhere for presence and channel queries. In one process the records are
//! in memory and nothing is elsewhere; the same interface is where a system spread over
//! several server processes keeps them in a shared engine.
//!
//! # Concurrency
//!
//! The message path takes no system-wide lock. Peer messages, their acknowledgements and
//! channel messages go through a fast path that locks only the sessions and the channel they
//! touch (each session's link, reachability and event stream, and each channel's members and
//! recent messages, sit behind locks of their own, found through sharded directories), so
//! messages between different users are routed in parallel. Everything else — logins, resumes,
//! joins, attributes, invitations, timers, fault injection — runs under the system's state lock,
//! as does any message the fast path cannot settle alone (a receiver offline or unreachable, a
//! session being set up or moved to a new link, a frame from a link that was cut or delayed).
//! Fault injection acts on the links it names only: frames to a cut or delayed link go through
//! that link's faults on either path, and other links keep the fast path.
//!
//! Frames the rules send go into their link's queue at once, with the state lock held (the
//! queue never blocks: the transport's task drains it), rather than being collected and sent
//! once the lock is let go. A stream frame has to be written under its session's route lock,
//! in the order of its number, because the fast path writes to the same streams: frames held
//! back until after the state lock let a fast-path frame with a higher number overtake one with
//! a lower number, and the client dropped the lower one as already seen.

mod attributes;
mod channels;
mod config;
mod fast;
mod faults;
mod invitations;
mod liveness;
mod peers;
mod records;
mod route;
mod sessions;
mod state;
mod stream;
pub mod tcp;
#[cfg(test)]
mod tests;
mod timers;
mod tokens;

pub use config::SystemConfig;
pub(crate) use route::LinkEnd;

use crate::proto::link::{Down, Event, Failure, KickReason, Notice, Reply, Request, RequestId, Up};
use crate::proto::LinkClosed;
use parking_lot::{Mutex, MutexGuard};
use route::{LinkCell, Shared};
use state::{App, AppAuth, Conn, State};
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;
use tokio::time::Instant;

/// Identifies one link (connection) to the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub(crate) u64);

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SessionEnd {
    /// The client logged out.
    Logout,
    /// The client logged out while its link was down, and said so on a fresh link.
    LogoutWhileAway,
    /// The client closed its link.
    Closed,
    /// The system ended it (remote login or ban).
    Kicked(KickReason),
    /// Its link stayed silent for the whole presence grace.
    Expired,
}

/// An RTM system. Cheap to clone: clones share the same system.
#[derive(Clone)]
pub struct System {
    inner: Arc<Inner>,
}

struct Inner {
    config: SystemConfig,
    epoch_ms: u64,
    started: Instant,
    /// Everything but the message path's own cells (see `route.rs`); held by the slow path.
    state: Mutex<State>,
    /// The routes, the channel cells and the channel message counter, for the fast path (the
    /// state holds the same).
    shared: Arc<Shared>,
    /// Wakes the timer task (see `timers.rs`) for a deadline earlier than its next one.
    timer_wake: Arc<tokio::sync::Notify>,
    /// This system, for the timer task it starts.
    me: Weak<Inner>,
    /// Frames the fast path took.
    #[cfg(test)]
    fast_frames: std::sync::atomic::AtomicU64,
}

/// The state lock's guard. Letting it go opens the routes set up under it to the fast path,
/// and starts or wakes the timer task for the timers armed under it.
struct StateGuard<'a> {
    guard: Option<MutexGuard<'a, State>>,
    inner: &'a Inner,
}

impl Deref for StateGuard<'_> {
    type Target = State;
    fn deref(&self) -> &State {
        self.guard.as_ref().expect("held until the guard drops")
    }
}

impl DerefMut for StateGuard<'_> {
    fn deref_mut(&mut self) -> &mut State {
        self.guard.as_mut().expect("held until the guard drops")
    }
}

impl Drop for StateGuard<'_> {
    fn drop(&mut self) {
        let Some(mut st) = self.guard.take() else {
            return;
        };
        for route in st.reopen.drain(..) {
            route.lock().reopen();
        }
        let kick = st.timers.kick();
        drop(st);
        if let Some(inner) = self.inner.me.upgrade() {
            inner.kick_timers(kick);
        }
    }
}

static GLOBAL: OnceLock<System> = OnceLock::new();

impl System {
    /// A new, empty system.
    pub fn new(config: SystemConfig) -> System {
        let epoch_ms = config.epoch_ms.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0)
        });
        let state = State {
            records: Box::new(records::MemRecords::new(
                config.offline_cache_per_user,
                config.offline_cache_ttl,
            )),
            // Session ids start at a random point, so that a client coming back to a restarted
            // system (or, later, to another node) never finds its old session id given to a
            // different session: the system would take that one for the client's and resume it.
            next_session: crate::proto::random::random_u64() >> 12,
            ..State::default()
        };
        System {
            inner: Arc::new_cyclic(|me| Inner {
                config,
                epoch_ms,
                started: Instant::now(),
                shared: state.shared.clone(),
                state: Mutex::new(state),
                timer_wake: Arc::new(tokio::sync::Notify::new()),
                me: me.clone(),
                #[cfg(test)]
                fast_frames: Default::default(),
            }),
        }
    }

    /// The process-wide embedded system that clients reach when nothing else is configured.
    pub fn global() -> System {
        GLOBAL
            .get_or_init(|| System::new(SystemConfig::default()))
            .clone()
    }

    /// The system's settings.
    pub fn config(&self) -> &SystemConfig {
        &self.inner.config
    }

    /// Registers an App ID that needs no token (App-ID-only authentication). A token given at
    /// login anyway is accepted and ignored. An app already registered keeps its settings.
    pub fn register_app(&self, app_id: &str) {
        self.inner
            .state
            .lock()
            .apps
            .entry(app_id.to_string())
            .or_insert_with(|| App::new(app_id, AppAuth::AppIdOnly));
    }

    /// Registers an App ID with an App Certificate: logins, resumes and renewals then need an
    /// RTM token (AccessToken "006", see [`crate::token::RtmTokenBuilder`]) built for the user
    /// with this certificate. Enables the certificate on an app already registered (its
    /// connected users stay online).
    ///
    /// ```
    /// use sig2rtm::system::{System, SystemConfig};
    /// use sig2rtm::token::RtmTokenBuilder;
    /// let system = System::new(SystemConfig::default());
    /// let (app, cert) = ("0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210");
    /// system.register_app_with_certificate(app, cert);
    /// // Tokens are checked against the system's clock.
    /// let token = RtmTokenBuilder::build(app, cert, "alice", system.now_ms() / 1000, 7);
    /// # let _ = token;
    /// ```
    pub fn register_app_with_certificate(&self, app_id: &str, app_certificate: &str) {
        let auth = AppAuth::Certificate(app_certificate.to_string());
        self.inner
            .state
            .lock()
            .apps
            .entry(app_id.to_string())
            .and_modify(|a| a.auth = auth.clone())
            .or_insert_with(|| App::new(app_id, auth));
    }

    /// Ids of the users of `app_id` online now, sorted.
    pub fn online_users(&self, app_id: &str) -> Vec<String> {
        let st = self.inner.lock();
        let mut users: Vec<String> = st
            .apps
            .get(app_id)
            .map(|a| a.users.keys().cloned().collect())
            .unwrap_or_default();
        users.sort();
        users
    }

    /// Members of a channel of `app_id`: those whose sessions this system holds, in the order
    /// they joined, then those held by other nodes of the same system.
    pub fn channel_members(&self, app_id: &str, channel: &str) -> Vec<String> {
        let st = self.inner.lock();
        let mut members = st
            .apps
            .get(app_id)
            .and_then(|a| a.channels.get(channel))
            .map(|c| c.member_names())
            .unwrap_or_default();
        members.extend(st.records.members_elsewhere(app_id, channel));
        members
    }

    /// Number of messages the system keeps for `user` of `app_id` while it is offline.
    pub fn offline_messages_for(&self, app_id: &str, user: &str) -> usize {
        self.inner.lock().records.offline_count(app_id, user)
    }

    /// Milliseconds since the Unix epoch on the system's clock (follows tokio time).
    pub fn now_ms(&self) -> u64 {
        self.inner.now_ms()
    }

    /// Opens a link (used by transports).
    pub(crate) fn connect(&self) -> (LinkEnd, crate::proto::DownReceiver) {
        self.connect_at(Instant::now())
    }

    /// Opens a link at `now`.
    fn connect_at(&self, now: Instant) -> (LinkEnd, crate::proto::DownReceiver) {
        let (tx, rx) = crate::proto::down_channel();
        let config = &self.inner.config;
        let mut st = self.inner.lock_at(now);
        let cell = LinkCell::new(self.inner.stamp_at(st.now()));
        st.next_conn += 1;
        let id = ConnId(st.next_conn);
        st.conns.insert(id, Conn::new(tx, cell.clone()));
        self.watch_link(
            &mut st,
            id,
            config.unreachable_after.min(config.presence_grace),
        );
        drop(st);
        (LinkEnd { id, cell }, rx)
    }

    /// The client closes a link: its session, if any, ends as on logout. Like any frame, the
    /// close is lost on a cut link and late on a delayed one.
    pub(crate) fn disconnect(&self, conn: ConnId) {
        self.disconnect_at(Instant::now(), conn)
    }

    /// The client closes a link at `now`.
    fn disconnect_at(&self, now: Instant, conn: ConnId) {
        let mut st = self.inner.lock_at(now);
        if !st.passes(conn) {
            return;
        }
        if let Some(c) = st.conns.get(&conn) {
            let link_faults = c.cell.faults();
            if let Some(lines) = &link_faults.lines {
                lines.up(link_faults.delay, faults::UpItem::Close);
                return;
            }
        }
        self.close_link(&mut st, conn);
    }

    /// A network transport saw a link drop without the client closing it (no goodbye): the
    /// session it carried is kept for the presence grace, exactly as for a silent link, so the
    /// client can resume it. (Use [`System::disconnect`] when the client closed the link.)
    pub(crate) fn link_dropped(&self, conn: ConnId) {
        if let Some(c) = self.inner.lock().conns.get_mut(&conn) {
            c.cell.faults_mut().dead = true;
        }
    }

    /// Takes one frame from a link: a peer or channel message or an acknowledgement on the fast
    /// path when it can; anything else through the network faults, then to [`System::arrive`].
    pub(crate) fn handle(&self, link: &LinkEnd, up: Up) -> Result<(), LinkClosed> {
        match self.try_fast(link, up) {
            Ok(()) => Ok(()),
            Err(up) => self.handle_at(Instant::now(), link.id, up),
        }
    }

    /// Takes one frame from `conn` that reached the system at `now`, under the state lock:
    /// through the link's network faults, then to [`System::arrive`].
    fn handle_at(&self, now: Instant, conn: ConnId, up: Up) -> Result<(), LinkClosed> {
        let mut st = self.inner.lock_at(now);
        let state = &mut *st;
        let Some(c) = state.conns.get_mut(&conn) else {
            return Err(LinkClosed);
        };
        if c.who.is_none() {
            // A link speaks for a user from its first login or resume on: that user's network
            // faults apply to it.
            if let Up::Request { body, .. } = &up {
                let who = match body {
                    Request::Login {
                        app_id, user_id, ..
                    } => Some((app_id.clone(), user_id.clone())),
                    Request::Resume(r) => Some((r.app_id.clone(), r.user_id.clone())),
                    _ => None,
                };
                if let Some(who) = who {
                    let delay = state.faults.delay_of(&who);
                    if !delay.is_zero() {
                        c.cell.faults_mut().delay = delay;
                    }
                    c.who = Some(who);
                }
            }
        }
        if !st.passes(conn) {
            // Lost on the way; the sender cannot tell.
            return Ok(());
        }
        if let Some(c) = st.conns.get(&conn) {
            if c.cell.is_faulty() {
                let mut link_faults = c.cell.faults_mut();
                if link_faults.lines.is_some() || !link_faults.delay.is_zero() {
                    let delay = link_faults.delay;
                    link_faults
                        .lines
                        .get_or_insert_with(|| self.delay_lines(conn))
                        .up(delay, faults::UpItem::Frame(up));
                    return Ok(());
                }
            }
        }
        self.arrive(&mut st, conn, up);
        Ok(())
    }

    /// Handles one frame that reached the system.
    fn arrive(&self, st: &mut State, conn: ConnId, up: Up) {
        self.heard(st, conn);
        match up {
            Up::Request { id, body } => {
                let mut after = Vec::new();
                if let Some(result) = self.request(st, conn, id, body, &mut after) {
                    st.send(conn, Down::Reply { id, result });
                }
                for (to, event) in after {
                    st.deliver(to, event);
                }
            }
            Up::Notice(notice) => self.notice(st, conn, notice),
            Up::Ping => st.send(conn, Down::Pong),
            Up::Ack { seq } => st.ack(conn, seq),
        }
    }

    /// Carries out a request. `None` when the answer comes later (a peer message waits for its
    /// receiver) or was already sent (resume).
    fn request(
        &self,
        st: &mut State,
        conn: ConnId,
        id: RequestId,
        body: Request,
        after: &mut Vec<(ConnId, Event)>,
    ) -> Option<Result<Reply, Failure>> {
        match body {
            Request::Login {
                app_id,
                user_id,
                token,
            } => return self.login(st, conn, id, (app_id, user_id), token, after),
            Request::Resume(r) => return self.resume(st, conn, id, *r, after),
            Request::EndSession {
                app_id,
                user_id,
                token,
                session,
                seen,
            } => return Some(self.end_away_session(st, (app_id, user_id), token, session, seen)),
            _ => {}
        }
        let Some((app, user)) = st.session_of(conn) else {
            return Some(Err(Failure {
                reason: crate::proto::FailureReason::NotLoggedIn,
                detail: "not logged in to the RTM system".into(),
            }));
        };
        if let Request::SendPeer {
            to,
            message,
            offline,
        } = body
        {
            let waiting = state::PendingReply {
                user: user.clone(),
                session: st
                    .apps
                    .get(&*app)
                    .and_then(|a| a.users.get(&*user))
                    .map_or(0, |u| u.session),
                id,
            };
            return self.send_peer(st, &app, &user, to, message, offline, waiting);
        }
        Some(self.session_request(st, conn, &app, &user, body, after))
    }

    fn session_request(
        &self,
        st: &mut State,
        conn: ConnId,
        app: &str,
        user: &str,
        body: Request,
        after: &mut Vec<(ConnId, Event)>,
    ) -> Result<Reply, Failure> {
        match body {
            Request::Login { .. }
            | Request::Resume(_)
            | Request::EndSession { .. }
            | Request::SendPeer { .. } => {
                unreachable!("handled by request()")
            }
            Request::Logout => {
                self.end_session(st, conn, SessionEnd::Logout);
                Ok(Reply::Done)
            }
            Request::RenewToken { token } => self.renew_token(st, app, user, token),
            Request::QueryOnline { peers } => Ok(self.query_online(st, app, peers)),
            Request::Subscribe { peers } => self.subscribe(st, app, user, peers, after),
            Request::Unsubscribe { peers } => Ok(self.unsubscribe(st, app, user, peers)),
            Request::UserAttributes(op) => self.user_attributes(st, app, user, op),
            Request::GetUserAttributes { user: of, keys } => {
                self.get_user_attributes(st, app, &of, keys)
            }
            Request::ChannelAttributes {
                channel,
                op,
                notify,
            } => self.channel_attributes(st, app, user, channel, op, notify),
            Request::GetChannelAttributes { channel, keys } => {
                Ok(self.get_channel_attributes(st, app, &channel, keys))
            }
            Request::MemberCount { channels } => Ok(self.member_counts(st, app, channels)),
            Request::Join { channel } => self.join(st, app, user, channel, after),
            Request::Leave { channel } => self.leave(st, app, user, &channel),
            Request::SendChannel { channel, message } => {
                self.send_channel(st, app, user, &channel, message)
            }
            Request::GetMembers { channel } => self.get_members(st, app, user, &channel),
            Request::Invite {
                call_id,
                callee,
                content,
                channel_id,
            } => Ok(self.invite(st, app, user, call_id, callee, content, channel_id)),
            Request::CancelInvite { call_id } => self.cancel_invite(st, app, user, call_id),
            Request::AcceptInvite {
                caller,
                call_id,
                response,
            } => self.accept_invite(st, app, user, caller, call_id, response),
            Request::RefuseInvite {
                caller,
                call_id,
                response,
            } => self.refuse_invite(st, app, user, caller, call_id, response, after),
        }
    }

    fn notice(&self, st: &mut State, conn: ConnId, notice: Notice) {
        let Some((app, user)) = st.session_of(conn) else {
            return;
        };
        match notice {
            Notice::InviteReceived { caller, call_id } => {
                self.invite_received(st, &app, &user, caller, call_id)
            }
            Notice::AcceptSeen { callee, call_id } => {
                self.accept_seen(st, &app, &user, callee, call_id)
            }
        }
    }
}

impl Inner {
    fn now_ms(&self) -> u64 {
        self.ms_at(Instant::now())
    }

    /// `at` in milliseconds since the Unix epoch on the system's clock.
    fn ms_at(&self, at: Instant) -> u64 {
        self.epoch_ms + at.saturating_duration_since(self.started).as_millis() as u64
    }

    /// Takes the state lock, for something that happens now.
    fn lock(&self) -> StateGuard<'_> {
        self.lock_at(Instant::now())
    }

    /// Takes the state lock, for something that happens at `now` (the rules read the time
    /// from the state, never from a clock: see [`State::now`]).
    fn lock_at(&self, now: Instant) -> StateGuard<'_> {
        let mut guard = self.state.lock();
        guard.advance_to(now);
        StateGuard {
            guard: Some(guard),
            inner: self,
        }
    }

    /// Now, in nanoseconds of tokio time since the system started (for link cells).
    fn stamp(&self) -> u64 {
        self.stamp_at(Instant::now())
    }

    /// `at`, in nanoseconds since the system started (for link cells).
    fn stamp_at(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.started).as_nanos() as u64
    }

    /// How long a link has been silent at `now`.
    fn silence_at(&self, cell: &LinkCell, now: Instant) -> Duration {
        Duration::from_nanos(self.stamp_at(now).saturating_sub(cell.last_heard()))
    }
}
