//! What the message path needs, behind locks of its own, so that messages between different
//! users do not queue on the system's state lock.
//!
//! * A [`Route`] per session: the link it is on, whether it is reachable, and its event stream.
//!   Every change to a stream, whichever path makes it, happens under that route's lock, and
//!   a stream frame is written to the link while the lock is held, so frames leave in the order
//!   of their numbers.
//! * A [`ChannelHot`] per channel: its members (with their routes) and recent messages. Channel
//!   messages are numbered and fanned out under its lock.
//! * A [`LinkCell`] per link, held by the transport's end of it ([`LinkEnd`]): when the link was
//!   last heard from and which session it carries.
//! * Two [`Directory`]s, (App ID, user) → route and (App ID, channel) → channel, split into
//!   shards that lock separately.
//!
//! The state lock's holder (the slow path) keeps these in step with the state. Lock order:
//! state → channel → route; a directory shard is only held to find or change an entry. The fast
//! path (see `fast.rs`) never takes the state lock and never holds two routes at once.

use super::faults::DelayLines;
use super::state::{Outgoing, PendingReply, RecentMessage, Stream};
use super::ConnId;
use crate::proto::ids::IdMap;
use crate::proto::link::{ChannelSeq, Down, Event, Reply, SessionId, StreamSeq};
use crate::proto::DownSender;
use crate::proto::PeerDelivery;
use parking_lot::{Mutex, RwLock};
use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A session's routing and stream.
pub(super) struct Route {
    /// The link the session is on.
    pub conn: ConnId,
    /// That link's frame queue.
    pub down: DownSender,
    /// That link's cell: its faults apply to what is sent to the session.
    pub link: Arc<LinkCell>,
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
    /// Frames the fast path met the route closed with (channel messages, answers to this
    /// session's peer sends): sent when it opens again, after what the state lock's holder
    /// sends (a join's answer, a resume's replay).
    pub held: Vec<Down>,
}

/// A route, shared by the state, the directory and the links bound to it.
pub(super) type RouteCell = Arc<Mutex<Route>>;

impl Route {
    /// A new session's route, closed until the state lock is let go.
    pub fn new_cell(
        conn: ConnId,
        down: DownSender,
        link: Arc<LinkCell>,
        session: SessionId,
    ) -> RouteCell {
        Arc::new(Mutex::new(Route {
            conn,
            down,
            link,
            session,
            reachable: true,
            open: false,
            ended: false,
            stream: Stream::default(),
            held: Vec::new(),
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
        self.held.clear();
    }

    /// Opens the route again once the state lock is let go, sending what was held meanwhile.
    pub fn reopen(&mut self) {
        if self.ended {
            return;
        }
        self.open = true;
        for frame in std::mem::take(&mut self.held) {
            self.send_now(frame);
        }
    }

    /// Pushes a frame down the session's link now (through the link's faults, if any).
    pub fn send_now(&self, frame: Down) {
        self.link.deliver(&self.down, frame);
    }

    /// Sends a frame that is not part of the stream from the fast path: held while the route is
    /// closed for now, dropped once the session ended.
    pub fn send_best_effort(&mut self, frame: Down) {
        if self.open {
            self.send_now(frame);
        } else if !self.ended {
            self.held.push(frame);
        }
    }

    /// Puts `event` on the session's stream and writes it to the link, both under this route's
    /// lock, so stream frames leave in the order of their numbers; returns the sender to answer
    /// now (see [`Route::append`]). A closed queue is a link that just went away: the session
    /// keeps the event and replays it on the client's next link.
    pub fn push(&mut self, event: Event, reply_to: Option<PendingReply>) -> Option<PendingReply> {
        let (seq, answer_now) = self.append(&event, reply_to);
        self.send_now(Down::Stream { seq, event });
        answer_now
    }

    /// Answers a peer message this session sent, if the session is still the one that sent it
    /// (held while the route is closed for now, dropped once the session ended).
    pub fn answer(&mut self, reply: &PendingReply, delivery: PeerDelivery) {
        if self.session == reply.session {
            self.send_best_effort(Down::Reply {
                id: reply.id,
                result: Ok(Reply::PeerSent(delivery)),
            });
        }
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

/// What the state and the fast path share.
#[derive(Default)]
pub(super) struct Shared {
    /// (App ID, user) → the route of the user's session.
    pub routes: Directory<Mutex<Route>>,
    /// (App ID, channel) → the channel's members and recent messages, for channels with
    /// members.
    pub channels: Directory<Mutex<ChannelHot>>,
    /// The last channel message number given. Numbers increase across the whole system, so a
    /// channel emptied and made again never reuses a number a client has already seen; each is
    /// taken under the lock of its message's channel (see [`ChannelHot`]).
    next_channel_message: AtomicU64,
}

impl Shared {
    /// A fresh channel message number. Called with the channel's lock held.
    pub fn next_channel_message(&self) -> ChannelSeq {
        self.next_channel_message.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// The last channel message number given. Read with the lock of the channel being joined
    /// held: every later message of that channel has a higher number and reaches the joiner.
    pub fn last_channel_message(&self) -> ChannelSeq {
        self.next_channel_message.load(Ordering::Acquire)
    }
}

/// A channel's members (in join order, with their sessions' routes) and its latest messages.
/// Channel messages are numbered and fanned out under this lock, so every member gets a
/// channel's messages in the order of their numbers. Lock order: state → channel → route.
#[derive(Default)]
pub(super) struct ChannelHot {
    next_join: u64,
    /// member → its join number.
    by_name: HashMap<Arc<str>, u64>,
    /// join number → member (join order).
    order: BTreeMap<u64, Member>,
    /// The latest messages, oldest first (at most `channel_redelivery_max`).
    pub history: VecDeque<RecentMessage>,
}

/// A channel member and its session's route.
pub(super) struct Member {
    pub user: Arc<str>,
    pub route: RouteCell,
}

/// A channel's cell, shared by the state's `Channel` and the channel directory.
pub(super) type ChannelCell = Arc<Mutex<ChannelHot>>;

impl ChannelHot {
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn contains(&self, user: &str) -> bool {
        self.by_name.contains_key(user)
    }

    /// Adds a member; false when it was already one.
    pub fn add(&mut self, user: Arc<str>, route: RouteCell) -> bool {
        if self.by_name.contains_key(&user) {
            return false;
        }
        self.next_join += 1;
        self.by_name.insert(user.clone(), self.next_join);
        self.order.insert(self.next_join, Member { user, route });
        true
    }

    /// Removes a member; false when it was not one.
    pub fn remove(&mut self, user: &str) -> bool {
        match self.by_name.remove(user) {
            Some(n) => {
                self.order.remove(&n);
                true
            }
            None => false,
        }
    }

    /// Members in join order.
    pub fn members(&self) -> impl DoubleEndedIterator<Item = &Member> {
        self.order.values()
    }

    /// Keeps a message for members that come back from a link loss: at most `keep`, none
    /// older than `window`.
    pub fn remember(&mut self, message: RecentMessage, keep: usize, window: Duration) {
        let now = message.at;
        while self
            .history
            .front()
            .is_some_and(|m| self.history.len() >= keep || now.duration_since(m.at) > window)
        {
            self.history.pop_front();
        }
        if keep > 0 {
            self.history.push_back(message);
        }
    }
}

/// The session a link carries, as the fast path sees it.
#[derive(Clone)]
pub(super) struct Binding {
    pub app: Arc<str>,
    pub user: Arc<str>,
    pub route: RouteCell,
}

/// The part of a link the fast path reads and writes.
pub(super) struct LinkCell {
    /// When a frame last arrived, in nanoseconds of tokio time since the system started.
    last_heard: AtomicU64,
    /// The session the link carries, set and cleared by the state lock's holder.
    pub binding: Mutex<Option<Binding>>,
    /// Set for good once fault injection cut or delayed this link: its frames then go through
    /// `faults` (and frames from it through the state lock), other links' frames are unaffected.
    faulty: AtomicBool,
    /// What fault injection did to this link, for whichever path sends on it.
    faults: Mutex<LinkFaults>,
}

/// What fault injection did to one link.
#[derive(Default)]
pub(super) struct LinkFaults {
    /// Cut: every frame either way is lost, for good.
    pub dead: bool,
    /// Added latency each way.
    pub delay: Duration,
    /// Once the link was delayed, every frame goes through these, so frames stay in order.
    pub lines: Option<DelayLines>,
}

impl LinkCell {
    pub fn new(now: u64) -> Arc<LinkCell> {
        Arc::new(LinkCell {
            last_heard: AtomicU64::new(now),
            binding: Mutex::new(None),
            faulty: AtomicBool::new(false),
            faults: Mutex::new(LinkFaults::default()),
        })
    }

    /// Whether fault injection ever touched this link.
    pub fn is_faulty(&self) -> bool {
        self.faulty.load(Ordering::Acquire)
    }

    /// The link's faults, to change them: from now on the link counts as faulty.
    pub fn faults_mut(&self) -> parking_lot::MutexGuard<'_, LinkFaults> {
        self.faulty.store(true, Ordering::Release);
        self.faults.lock()
    }

    /// The link's faults, to read them.
    pub fn faults(&self) -> parking_lot::MutexGuard<'_, LinkFaults> {
        self.faults.lock()
    }

    /// Whether the link was cut.
    pub fn is_dead(&self) -> bool {
        self.is_faulty() && self.faults.lock().dead
    }

    /// Pushes a frame down the link into `down`, its queue: lost when the link was cut, late
    /// when it is delayed.
    pub fn deliver(&self, down: &DownSender, frame: Down) {
        if self.is_faulty() {
            let faults = self.faults.lock();
            if faults.dead {
                return;
            }
            if let Some(lines) = &faults.lines {
                lines.down(faults.delay, frame);
                return;
            }
        }
        let _ = down.send(frame);
    }

    pub fn heard_at(&self, now: u64) {
        self.last_heard.fetch_max(now, Ordering::AcqRel);
    }

    pub fn last_heard(&self) -> u64 {
        self.last_heard.load(Ordering::Acquire)
    }

    /// The session the link carries: (App ID, user).
    pub fn session(&self) -> Option<(Arc<str>, Arc<str>)> {
        let binding = self.binding.lock();
        binding.as_ref().map(|b| (b.app.clone(), b.user.clone()))
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

/// One entry; entries whose keys hash alike are chained (practically never).
struct Entry<V> {
    app: Arc<str>,
    name: Arc<str>,
    cell: Arc<V>,
    next: Option<Box<Entry<V>>>,
}

impl<V> Entry<V> {
    fn is(&self, app: &str, name: &str) -> bool {
        &*self.name == name && &*self.app == app
    }
}

/// Keyed by the (App ID, name) pair's keyed SipHash, computed once per lookup: names come from
/// outside, so the hash must not be one they can aim at, and the map can then take the hash as
/// it is.
type Shard<V> = IdMap<u64, Entry<V>>;

/// (App ID, name) → a shared cell (a user's route, a channel's members), in shards that lock
/// separately.
pub(super) struct Directory<V> {
    hasher: RandomState,
    shards: Box<[RwLock<Shard<V>>]>,
}

const SHARDS: usize = 32;

impl<V> Default for Directory<V> {
    fn default() -> Self {
        Directory {
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| RwLock::new(Shard::default())).collect(),
        }
    }
}

impl<V> Directory<V> {
    fn locate(&self, app: &str, user: &str) -> (u64, &RwLock<Shard<V>>) {
        let h = self.hasher.hash_one((app, user));
        // The map uses the hash's low bits: shards take high ones.
        (h, &self.shards[(h >> 58) as usize % SHARDS])
    }

    /// The cell of (`app`, `name`), if there is one.
    pub fn get(&self, app: &str, name: &str) -> Option<Arc<V>> {
        let (h, shard) = self.locate(app, name);
        find(&shard.read(), h, app, name)
    }

    /// Makes `cell` the one of (`app`, `name`) (replacing an earlier one).
    pub fn insert(&self, app: &Arc<str>, name: &Arc<str>, cell: Arc<V>) {
        let (h, shard) = self.locate(app, name);
        put(&mut shard.write(), h, app, name, cell);
    }

    /// Forgets the cell of (`app`, `name`) if it is still `cell`.
    pub fn remove(&self, app: &str, name: &str, cell: &Arc<V>) {
        let (h, shard) = self.locate(app, name);
        take(&mut shard.write(), h, app, name, cell);
    }
}

fn find<V>(shard: &Shard<V>, h: u64, app: &str, name: &str) -> Option<Arc<V>> {
    let mut entry = shard.get(&h);
    while let Some(e) = entry {
        if e.is(app, name) {
            return Some(e.cell.clone());
        }
        entry = e.next.as_deref();
    }
    None
}

fn put<V>(shard: &mut Shard<V>, h: u64, app: &Arc<str>, name: &Arc<str>, cell: Arc<V>) {
    let new = |cell| Entry {
        app: app.clone(),
        name: name.clone(),
        cell,
        next: None,
    };
    let Some(mut entry) = shard.get_mut(&h) else {
        shard.insert(h, new(cell));
        return;
    };
    loop {
        if entry.is(app, name) {
            entry.cell = cell;
            return;
        }
        match entry.next {
            Some(ref mut next) => entry = next,
            None => {
                entry.next = Some(Box::new(new(cell)));
                return;
            }
        }
    }
}

fn take<V>(shard: &mut Shard<V>, h: u64, app: &str, name: &str, cell: &Arc<V>) {
    let is_it = |e: &Entry<V>| e.is(app, name) && Arc::ptr_eq(&e.cell, cell);
    let Some(head) = shard.get_mut(&h) else {
        return;
    };
    if is_it(head) {
        match head.next.take() {
            Some(next) => *head = *next,
            None => {
                shard.remove(&h);
            }
        }
        return;
    }
    // Walk to the link that holds the entry (or to the chain's end), then unlink it.
    let mut link = &mut head.next;
    while link.as_deref().is_some_and(|e| !is_it(e)) {
        link = &mut link.as_mut().expect("checked above").next;
    }
    if let Some(e) = link.take() {
        *link = e.next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::down_channel;

    fn route() -> RouteCell {
        Route::new_cell(ConnId(1), down_channel().0, LinkCell::new(0), 1)
    }

    fn same(a: Option<RouteCell>, b: &RouteCell) -> bool {
        a.is_some_and(|a| Arc::ptr_eq(&a, b))
    }

    #[test]
    fn the_directory_finds_removes_and_replaces_routes_by_app_and_user() {
        let d: Directory<Mutex<Route>> = Directory::default();
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
        let mut shard: Shard<Mutex<Route>> = Shard::default();
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
