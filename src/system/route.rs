//! What the message path needs, behind locks of its own, so that peer messages and their
//! acknowledgements between different users do not queue on the system's state lock.
//!
//! * A [`Route`] per session: the link it is on, whether it is reachable, and its event stream.
//!   Every change to a stream, whichever path makes it, happens under that route's lock, and
//!   a stream frame is written to the link while the lock is held, so frames leave in the order
//!   of their numbers.
//! * A [`LinkCell`] per link, held by the transport's end of it ([`LinkEnd`]): when the link was
//!   last heard from and which session it carries.
//! * The [`Directory`]: (App ID, user) → route, split into shards that lock separately.
//!
//! The state lock's holder (the slow path) keeps these in step with the state. Lock order:
//! state → directory shard → one route. The fast path (see `fast.rs`) never takes the state
//! lock and never holds two routes, or a shard and a route, at once.

use super::state::{Outgoing, PendingReply, Stream};
use super::ConnId;
use crate::transport::protocol::{Event, SessionId, StreamSeq};
use crate::transport::DownSender;
use parking_lot::{Mutex, RwLock};
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A session's routing and stream.
pub(super) struct Route {
    /// The link the session is on.
    pub conn: ConnId,
    /// That link's frame queue.
    pub down: DownSender,
    pub session: SessionId,
    /// False once the session's link has been silent for `unreachable_after`.
    pub reachable: bool,
    /// False while the state lock's holder is setting the route up (a new session until its
    /// login answer is out, a session moving to a new link until its replay is out), and for
    /// good once the session has ended. The fast path leaves a closed route to the slow path.
    pub open: bool,
    /// The session has ended (its stream has been emptied, the route is leaving the directory).
    pub ended: bool,
    pub stream: Stream,
}

/// A route, shared by the state, the directory and the links bound to it.
pub(super) type RouteCell = Arc<Mutex<Route>>;

impl Route {
    /// A new session's route, closed until the state lock is let go.
    pub fn new_cell(conn: ConnId, down: DownSender, session: SessionId) -> RouteCell {
        Arc::new(Mutex::new(Route {
            conn,
            down,
            session,
            reachable: true,
            open: false,
            ended: false,
            stream: Stream::default(),
        }))
    }

    /// Whether the fast path may carry a frame to this session, or from it on link `from`.
    pub fn takes_fast(&self, from: Option<ConnId>) -> bool {
        self.open && !self.ended && self.reachable && from.is_none_or(|c| c == self.conn)
    }

    /// Closes the route to the fast path until the state lock is let go.
    pub fn close_for_now(&mut self, reopen: &mut Vec<RouteCell>, cell: &RouteCell) {
        self.open = false;
        reopen.push(cell.clone());
    }

    /// Closes the route for good: the session ended.
    pub fn end(&mut self) {
        self.open = false;
        self.ended = true;
    }

    /// Numbers `event` and keeps it until the client acknowledges it. Returns its number, and
    /// the sender to answer now: an unreachable receiver cannot acknowledge soon, so a peer
    /// message's sender learns at once that the message waits for it.
    pub fn append(
        &mut self,
        event: &Event,
        reply_to: Option<PendingReply>,
    ) -> (StreamSeq, Option<PendingReply>) {
        self.stream.next_seq += 1;
        let seq = self.stream.next_seq;
        let (reply_to, answer_now) = if self.reachable {
            (reply_to, None)
        } else {
            (None, reply_to)
        };
        self.stream.unacked.push_back(Outgoing {
            seq,
            event: event.clone(),
            reply_to,
        });
        (seq, answer_now)
    }

    /// Forgets stream events up to `seq`; returns the senders waiting on them.
    pub fn drop_acked(&mut self, seq: StreamSeq) -> Vec<PendingReply> {
        let mut replies = Vec::new();
        while self.stream.unacked.front().is_some_and(|o| o.seq <= seq) {
            if let Some(r) = self.stream.unacked.pop_front().and_then(|o| o.reply_to) {
                replies.push(r);
            }
        }
        replies
    }
}

/// The session a link carries, as the fast path sees it.
pub(super) struct Binding {
    pub app: Arc<str>,
    pub user: Arc<str>,
    pub route: RouteCell,
}

/// The part of a link the fast path reads and writes.
pub(super) struct LinkCell {
    /// When a frame last arrived, in nanoseconds of tokio time since the system started.
    last_heard: AtomicU64,
    /// The session the link carries (kept in step with the state's `Conn::session`).
    pub binding: Mutex<Option<Binding>>,
}

impl LinkCell {
    pub fn new(now: u64) -> Arc<LinkCell> {
        Arc::new(LinkCell {
            last_heard: AtomicU64::new(now),
            binding: Mutex::new(None),
        })
    }

    pub fn heard_at(&self, now: u64) {
        self.last_heard.fetch_max(now, Ordering::AcqRel);
    }

    pub fn last_heard(&self) -> u64 {
        self.last_heard.load(Ordering::Acquire)
    }
}

/// The system's end of one link, held by the transport that carries it.
pub(crate) struct LinkEnd {
    pub(super) id: ConnId,
    pub(super) cell: Arc<LinkCell>,
}

impl LinkEnd {
    /// The link's id.
    pub(crate) fn id(&self) -> ConnId {
        self.id
    }
}

type Shard = HashMap<Arc<str>, HashMap<Arc<str>, RouteCell>>;

/// (App ID, user) → route of the user's session, in shards that lock separately.
pub(super) struct Directory {
    hasher: RandomState,
    shards: Box<[RwLock<Shard>]>,
}

const SHARDS: usize = 32;

impl Default for Directory {
    fn default() -> Self {
        Directory {
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect(),
        }
    }
}

impl Directory {
    fn shard(&self, app: &str, user: &str) -> &RwLock<Shard> {
        let h = self.hasher.hash_one((app, user));
        &self.shards[(h as usize) % SHARDS]
    }

    /// The route of `user`'s session, if it has one.
    pub fn get(&self, app: &str, user: &str) -> Option<RouteCell> {
        self.shard(app, user)
            .read()
            .get(app)
            .and_then(|users| users.get(user))
            .cloned()
    }

    /// Makes `route` the one of `user` (replacing an ended session's).
    pub fn insert(&self, app: &Arc<str>, user: &Arc<str>, route: RouteCell) {
        self.shard(app, user)
            .write()
            .entry(app.clone())
            .or_default()
            .insert(user.clone(), route);
    }

    /// Forgets `user`'s route if it is still `route`.
    pub fn remove(&self, app: &str, user: &str, route: &RouteCell) {
        let mut shard = self.shard(app, user).write();
        let Some(users) = shard.get_mut(app) else {
            return;
        };
        if users.get(user).is_some_and(|r| Arc::ptr_eq(r, route)) {
            users.remove(user);
            if users.is_empty() {
                shard.remove(app);
            }
        }
    }
}
