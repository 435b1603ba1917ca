//! The data the system keeps: links, apps, online users, channels, cached messages, invitations.

use super::faults::Faults;
use super::route::{Binding, ChannelCell, LinkCell, Route, RouteCell, Shared};
use super::ConnId;
use crate::proto::link::{ChannelSeq, Down, Event, RequestId, SessionId, StreamSeq};
use crate::proto::RtmMessage;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use tokio::time::Instant;

#[derive(Default)]
pub(super) struct State {
    pub next_conn: u64,
    pub next_session: SessionId,
    pub conns: crate::proto::ids::IdMap<ConnId, Conn>,
    pub apps: HashMap<String, App>,
    pub faults: Faults,
    /// Routes set up or moved while the state lock is held, opened to the fast path when it is
    /// let go.
    pub reopen: Vec<RouteCell>,
    /// The directories and the channel message counter, shared with the fast path.
    pub shared: Arc<Shared>,
    /// What is due when (see `timers.rs`).
    pub timers: super::timers::Timers,
    /// (App ID, user) → a login waiting for the session it kicked out to hand over.
    pub handovers: HashMap<(String, String), Handover>,
    /// The time of what the state handles now: set when the lock is taken (see
    /// `Inner::lock_at`), never read from a clock by the rules themselves, so that they can be
    /// driven in explicit time.
    pub now: Now,
    /// What every node of the system must see alike (see `records.rs`).
    pub records: Box<dyn super::records::SharedRecords>,
}

/// The state's idea of now. Never goes back: a lock taken with an earlier reading of the clock
/// than the previous holder's keeps the later time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Now(pub Instant);

impl Default for Now {
    fn default() -> Self {
        Now(Instant::now())
    }
}

/// A login that kicked out a reachable session and waits for that session's client to say
/// what it handled (its last acknowledgement, then its link's close), or for
/// `remote_login_handover` to pass. Then the old session ends, what its client never handled
/// moves to the offline cache, and the login is carried out and answered.
pub(super) struct Handover {
    /// The kicked session's link.
    pub old: ConnId,
    /// The waiting login: its link, request and token.
    pub conn: ConnId,
    pub id: RequestId,
    pub token: Option<String>,
    /// Tells the handover's timer whether it is still this handover.
    pub generation: u64,
}

pub(super) struct Conn {
    pub down: crate::proto::DownSender,
    /// What the fast path shares with the link: when it was last heard from, and the
    /// session it carries (see [`State::session_of`]).
    pub cell: Arc<LinkCell>,
    /// (app id, user id) this link spoke for in its first login or resume, whether it worked
    /// or not: network faults of that user apply to the link (kept in `cell`).
    pub who: Option<(String, String)>,
    /// Which silence check of this link is the latest (earlier ones do nothing when they fire).
    pub watch: u64,
}

impl Conn {
    pub fn new(down: crate::proto::DownSender, cell: Arc<LinkCell>) -> Self {
        Conn {
            down,
            cell,
            who: None,
            watch: 0,
        }
    }
}

/// How an app authenticates its users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum AppAuth {
    /// No token needed; a token given anyway is accepted and ignored.
    AppIdOnly,
    /// An RTM token (AccessToken 006) signed with this App Certificate is required.
    Certificate(String),
}

pub(super) struct App {
    /// The App ID, shared by the routes and links of its users.
    pub id: Arc<str>,
    pub auth: AppAuth,
    pub users: HashMap<String, User>,
    pub channels: HashMap<String, Channel>,
    /// user → tokens declared expired by fault injection (`None` stands for "no token").
    pub expired_tokens: HashMap<String, HashSet<Option<String>>>,
    /// user → the token of its latest login, resume or renewal.
    pub last_token: HashMap<String, Option<String>>,
    /// target user → users subscribed to its online state.
    pub watchers: HashMap<String, BTreeSet<String>>,
    pub next_generation: u64,
}

impl App {
    pub fn new(id: &str, auth: AppAuth) -> Self {
        App {
            id: id.into(),
            auth,
            users: HashMap::new(),
            channels: HashMap::new(),
            expired_tokens: HashMap::new(),
            last_token: HashMap::new(),
            watchers: HashMap::new(),
            next_generation: 0,
        }
    }

    /// A fresh number to tell a timer whether what it was set for still holds.
    pub fn generation(&mut self) -> u64 {
        self.next_generation += 1;
        self.next_generation
    }
}

/// An online user: its session, bound to one link at a time.
pub(super) struct User {
    /// The user id, shared by its route's directory entry, its links and its channels.
    pub name: Arc<str>,
    /// The link it is on, its reachability and its event stream, behind their own lock.
    pub route: RouteCell,
    pub session: SessionId,
    /// The session this one replaced when it was started by a resume, so that a client whose
    /// resume reply was lost is recognised when it tries again.
    pub resumed_from: Option<SessionId>,
    pub token: Option<String>,
    pub channels: BTreeSet<String>,
    pub subscriptions: BTreeSet<String>,
}

impl User {
    /// The link the session is on.
    pub fn conn(&self) -> ConnId {
        self.route.lock().conn
    }

    /// False once the session's link has been silent for `unreachable_after`.
    pub fn reachable(&self) -> bool {
        self.route.lock().reachable
    }
}

/// A session's event stream: what was sent and not yet acknowledged.
#[derive(Default)]
pub(super) struct Stream {
    pub next_seq: StreamSeq,
    pub unacked: VecDeque<Outgoing>,
}

pub(super) struct Outgoing {
    pub seq: StreamSeq,
    pub event: Event,
    /// For a peer message: the sender's request, answered once the receiver acknowledges.
    pub reply_to: Option<PendingReply>,
}

/// A peer send whose answer waits for the receiver.
pub(super) struct PendingReply {
    pub user: Arc<str>,
    pub session: SessionId,
    pub id: RequestId,
}

pub(super) struct CachedMessage {
    pub from: String,
    pub message: RtmMessage,
    pub kept_at: Instant,
    /// Where it came from when it was moved here from an ended session's stream (that session
    /// and the message's place in it), so a client resuming that session does not get it twice.
    pub origin: Option<(SessionId, StreamSeq)>,
}

/// A channel message kept for re-delivery after reconnections.
pub(super) struct RecentMessage {
    pub seq: ChannelSeq,
    pub from: String,
    pub message: RtmMessage,
    pub at: Instant,
}

#[derive(Default)]
pub(super) struct Channel {
    /// Members and recent messages, behind the lock the fast path takes too.
    pub hot: ChannelCell,
    /// Last member count sent to members, and when.
    pub last_count_sent: Option<(u32, Instant)>,
    pub count_update_pending: bool,
    /// Generation of the pending member-count timer (a channel emptied and made again must not
    /// take the old channel's timer).
    pub count_timer: u64,
    /// Generation of the pending attribute wipe, if one is scheduled.
    pub wipe_generation: Option<u64>,
}

impl Channel {
    pub fn len(&self) -> usize {
        self.hot.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn contains(&self, user: &str) -> bool {
        self.hot.lock().contains(user)
    }

    /// Members, in the order they joined.
    pub fn member_names(&self) -> Vec<String> {
        self.hot
            .lock()
            .members()
            .map(|m| m.user.to_string())
            .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum InvitationPhase {
    /// Sent; the callee is offline.
    WaitingForCallee,
    /// Delivered to the callee's link; no acknowledgement yet.
    Delivered,
    /// The callee acknowledged it; waiting for an answer.
    Received,
    /// The callee accepted; waiting for the caller to see it.
    Accepting,
}

pub(super) struct Invitation {
    pub callee: String,
    pub content: String,
    pub channel_id: String,
    pub phase: InvitationPhase,
    pub generation: u64,
}

impl State {
    /// The time of what is being handled.
    pub fn now(&self) -> Instant {
        self.now.0
    }

    /// Moves the state's time on to `now` (never back).
    pub fn advance_to(&mut self, now: Instant) {
        if now > self.now.0 {
            self.now = Now(now);
        }
    }

    /// Pushes a frame down a link, if it is still open. A cut link loses it; a delayed one
    /// delivers it late.
    pub fn send(&self, conn: ConnId, down: Down) {
        if let Some(c) = self.conns.get(&conn) {
            c.cell.deliver(&c.down, down);
        }
    }

    /// A fresh session id.
    pub fn new_session(&mut self) -> SessionId {
        self.next_session += 1;
        self.next_session
    }

    /// A user's online state as its subscribers see it.
    pub fn peer_state(&self, app: &str, user: &str) -> crate::proto::PeerOnlineState {
        use crate::proto::PeerOnlineState;
        let reachable = match self.apps.get(app).and_then(|a| a.users.get(user)) {
            Some(u) => Some(u.reachable()),
            None => self
                .records
                .session_elsewhere(app, user)
                .map(|s| s.reachable),
        };
        match reachable {
            None => PeerOnlineState::Offline,
            Some(true) => PeerOnlineState::Online,
            Some(false) => PeerOnlineState::Unreachable,
        }
    }

    pub fn conn_of(&self, app: &str, user: &str) -> Option<ConnId> {
        self.apps.get(app)?.users.get(user).map(|u| u.conn())
    }

    /// A new session for a user logging in (or coming back) on `conn`. Its route opens to the
    /// fast path when the state lock is let go, after the answer to the login.
    pub fn new_user(
        &mut self,
        conn: ConnId,
        (app, user): (&str, &str),
        token: Option<String>,
    ) -> User {
        let session = self.new_session();
        let (down, link) = match self.conns.get(&conn) {
            Some(c) => (c.down.clone(), c.cell.clone()),
            // Not reached: a session starts on the link whose frame asked for it.
            None => (crate::proto::down_channel().0, LinkCell::new(0)),
        };
        let route = Route::new_cell(conn, down, link, session);
        self.reopen.push(route.clone());
        let name: Arc<str> = user.into();
        if let Some(app) = self.apps.get(app) {
            self.shared.routes.insert(&app.id, &name, route.clone());
        }
        User {
            name,
            route,
            session,
            resumed_from: None,
            token,
            channels: BTreeSet::new(),
            subscriptions: BTreeSet::new(),
        }
    }

    /// Binds `conn` to the session of `user` (which must be online).
    pub fn bind(&mut self, conn: ConnId, app: &str, user: &str) {
        let Some((app, user, route)) = self.apps.get(app).and_then(|a| {
            let u = a.users.get(user)?;
            Some((a.id.clone(), u.name.clone(), u.route.clone()))
        }) else {
            return;
        };
        if let Some(c) = self.conns.get(&conn) {
            *c.cell.binding.lock() = Some(Binding { app, user, route });
        }
    }

    /// Unbinds `conn` from the session it carried.
    pub fn unbind(&mut self, conn: ConnId) {
        if let Some(c) = self.conns.get(&conn) {
            *c.cell.binding.lock() = None;
        }
    }

    /// Forgets a link.
    pub fn remove_conn(&mut self, conn: ConnId) {
        if let Some(c) = self.conns.remove(&conn) {
            *c.cell.binding.lock() = None;
        }
    }

    /// (App ID, user) of the session `conn` carries, once logged in. Shared strings: a copy
    /// costs a reference count, not two allocations.
    pub fn session_of(&self, conn: ConnId) -> Option<(Arc<str>, Arc<str>)> {
        self.conns.get(&conn)?.cell.session()
    }

    pub fn app(&mut self, app: &str) -> &mut App {
        self.apps
            .get_mut(app)
            .expect("a logged-in session always belongs to a registered app")
    }
}
