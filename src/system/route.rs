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
use crate::rtm::ids::IdMap;
use crate::transport::protocol::{Event, SessionId, StreamSeq};
use crate::transport::DownSender;
use parking_lot::{Mutex, RwLock};
use std::collections::hash_map::RandomState;
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

/// One user's entry; entries whose keys hash alike are chained (practically never).
struct Entry {
    app: Arc<str>,
    user: Arc<str>,
    route: RouteCell,
    next: Option<Box<Entry>>,
}

impl Entry {
    fn is(&self, app: &str, user: &str) -> bool {
        &*self.user == user && &*self.app == app
    }
}

/// Keyed by the (App ID, user) pair's keyed SipHash, computed once per lookup: user ids come
/// from outside, so the hash must not be one they can aim at, and the map can then take the
/// hash as it is.
type Shard = IdMap<u64, Entry>;

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
            shards: (0..SHARDS).map(|_| RwLock::new(Shard::default())).collect(),
        }
    }
}

impl Directory {
    fn locate(&self, app: &str, user: &str) -> (u64, &RwLock<Shard>) {
        let h = self.hasher.hash_one((app, user));
        // The map uses the hash's low bits: shards take high ones.
        (h, &self.shards[(h >> 58) as usize % SHARDS])
    }

    /// The route of `user`'s session, if it has one.
    pub fn get(&self, app: &str, user: &str) -> Option<RouteCell> {
        let (h, shard) = self.locate(app, user);
        find(&shard.read(), h, app, user)
    }

    /// Makes `route` the one of `user` (replacing an ended session's).
    pub fn insert(&self, app: &Arc<str>, user: &Arc<str>, route: RouteCell) {
        let (h, shard) = self.locate(app, user);
        put(&mut shard.write(), h, app, user, route);
    }

    /// Forgets `user`'s route if it is still `route`.
    pub fn remove(&self, app: &str, user: &str, route: &RouteCell) {
        let (h, shard) = self.locate(app, user);
        take(&mut shard.write(), h, app, user, route);
    }
}

fn find(shard: &Shard, h: u64, app: &str, user: &str) -> Option<RouteCell> {
    let mut entry = shard.get(&h);
    while let Some(e) = entry {
        if e.is(app, user) {
            return Some(e.route.clone());
        }
        entry = e.next.as_deref();
    }
    None
}

fn put(shard: &mut Shard, h: u64, app: &Arc<str>, user: &Arc<str>, route: RouteCell) {
    let new = |route| Entry {
        app: app.clone(),
        user: user.clone(),
        route,
        next: None,
    };
    let Some(mut entry) = shard.get_mut(&h) else {
        shard.insert(h, new(route));
        return;
    };
    loop {
        if entry.is(app, user) {
            entry.route = route;
            return;
        }
        match entry.next {
            Some(ref mut next) => entry = next,
            None => {
                entry.next = Some(Box::new(new(route)));
                return;
            }
        }
    }
}

fn take(shard: &mut Shard, h: u64, app: &str, user: &str, route: &RouteCell) {
    let Some(head) = shard.remove(&h) else {
        return;
    };
    // Unchain every entry, then chain back all but the one removed.
    let mut kept: Vec<Entry> = Vec::new();
    let mut next = Some(Box::new(head));
    while let Some(mut e) = next {
        next = e.next.take();
        if !(e.is(app, user) && Arc::ptr_eq(&e.route, route)) {
            kept.push(*e);
        }
    }
    let mut chain: Option<Entry> = None;
    for mut e in kept.into_iter().rev() {
        e.next = chain.map(Box::new);
        chain = Some(e);
    }
    if let Some(head) = chain {
        shard.insert(h, head);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::down_channel;

    fn route() -> RouteCell {
        Route::new_cell(ConnId(1), down_channel().0, 1)
    }

    fn same(a: Option<RouteCell>, b: &RouteCell) -> bool {
        a.is_some_and(|a| Arc::ptr_eq(&a, b))
    }

    #[test]
    fn the_directory_finds_removes_and_replaces_routes_by_app_and_user() {
        let d = Directory::default();
        let (a, b): (Arc<str>, Arc<str>) = ("app-a".into(), "app-b".into());
        let (alice, bob): (Arc<str>, Arc<str>) = ("alice".into(), "bob".into());
        let (r1, r2, r3) = (route(), route(), route());
        d.insert(&a, &alice, r1.clone());
        d.insert(&b, &alice, r2.clone());
        assert!(same(d.get("app-a", "alice"), &r1));
        assert!(same(d.get("app-b", "alice"), &r2));
        assert!(d.get("app-a", "bob").is_none());
        // Only the route it was given is removed: a newer session of the user stays.
        d.insert(&a, &alice, r3.clone());
        d.remove("app-a", "alice", &r1);
        assert!(same(d.get("app-a", "alice"), &r3));
        d.remove("app-a", "alice", &r3);
        assert!(d.get("app-a", "alice").is_none());
        assert!(same(d.get("app-b", "alice"), &r2));
        d.insert(&a, &bob, r1.clone());
        assert!(same(d.get("app-a", "bob"), &r1));
    }

    #[test]
    fn users_whose_hashes_collide_share_a_slot() {
        let mut shard = Shard::default();
        let app: Arc<str> = "app".into();
        let users: Vec<Arc<str>> = ["x", "y", "z"].map(Arc::from).to_vec();
        let routes: Vec<RouteCell> = users.iter().map(|_| route()).collect();
        for (u, r) in users.iter().zip(&routes) {
            put(&mut shard, 7, &app, u, r.clone());
        }
        for (u, r) in users.iter().zip(&routes) {
            assert!(same(find(&shard, 7, "app", u), r), "{u}");
        }
        take(&mut shard, 7, "app", "y", &routes[1]);
        assert!(find(&shard, 7, "app", "y").is_none());
        assert!(same(find(&shard, 7, "app", "x"), &routes[0]));
        assert!(same(find(&shard, 7, "app", "z"), &routes[2]));
        let replacement = route();
        put(&mut shard, 7, &app, &users[2], replacement.clone());
        assert!(same(find(&shard, 7, "app", "z"), &replacement));
        take(&mut shard, 7, "app", "x", &routes[0]);
        take(&mut shard, 7, "app", "z", &replacement);
        assert!(shard.is_empty());
    }
}
