//! Fault injection: network cuts and delays, token expiry and bans, for tests and the regression
//! kit.
//!
//! Network faults act at the transport boundary, on the links of the in-process transport, the
//! way a real network would:
//!
//! * **Cut**: every frame on the user's links is lost, both ways, and those links stay dead even
//!   after the cut is lifted (as a TCP connection that timed out). The client notices only the
//!   silence (no replies, no events, no pongs) and has to resume its session on a new link; new
//!   links of a cut user are cut too, from their first login or resume frame on. The system
//!   likewise notices only the silence: the user becomes UNREACHABLE for its subscribers after
//!   [`SystemConfig::unreachable_after`](super::SystemConfig::unreachable_after) and its session
//!   ends after [`SystemConfig::presence_grace`](super::SystemConfig::presence_grace).
//! * **Delay**: every frame on the user's links arrives that much later, in order.
//!
//! Faults are keyed by (App ID, user id): they follow the user across its links.
//!
//! ```
//! use sig2rtm::system::{System, SystemConfig};
//! use std::time::Duration;
//! let system = System::new(SystemConfig::default());
//! let app = "0123456789abcdef0123456789abcdef";
//! system.cut_user(app, "alice"); // alice's network is down …
//! assert!(system.is_cut(app, "alice"));
//! system.restore_user(app, "alice"); // … and back
//! system.delay_user(app, "bob", Duration::from_millis(200));
//! system.restore_all();
//! assert!(!system.is_cut(app, "alice"));
//! ```

use super::state::State;
use super::timers::Timer;
use super::{ConnId, System};
use crate::proto::link::{Down, KickReason, Up};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};
use tokio::time::Instant;

type UserKey = (String, String);

fn key(app_id: &str, user_id: &str) -> UserKey {
    (app_id.to_string(), user_id.to_string())
}

/// The faults in force.
#[derive(Default)]
pub(super) struct Faults {
    next_id: u64,
    /// Everyone is cut (the id tells a timed restore whether this cut is still the one it
    /// was set for).
    all_cut: Option<u64>,
    cut: HashMap<UserKey, u64>,
    delay: HashMap<UserKey, Duration>,
    /// Delay of every link without a delay of its own.
    all_delay: Option<Duration>,
    pub banned: HashSet<UserKey>,
}

impl Faults {
    /// Ends the timed cut `id` of `who`, unless it was replaced or lifted meanwhile.
    pub fn lift_user_cut(&mut self, who: &UserKey, id: u64) {
        if self.cut.get(who) == Some(&id) {
            self.cut.remove(who);
        }
    }

    /// Ends the timed cut `id` of everyone, unless it was replaced or lifted meanwhile.
    pub fn lift_all_cut(&mut self, id: u64) {
        if self.all_cut == Some(id) {
            self.all_cut = None;
        }
    }

    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Whether a link speaking for `who` is cut now.
    pub fn is_cut(&self, who: Option<&UserKey>) -> bool {
        self.all_cut.is_some() || who.is_some_and(|w| self.cut.contains_key(w))
    }

    /// The delay for a user's links.
    pub fn delay_of(&self, who: &UserKey) -> Duration {
        self.delay
            .get(who)
            .copied()
            .or(self.all_delay)
            .unwrap_or_default()
    }

    pub fn is_banned(&self, app_id: &str, user_id: &str) -> bool {
        self.banned.contains(&key(app_id, user_id))
    }
}

/// What travels up a delayed link.
pub(super) enum UpItem {
    Frame(Up),
    Close,
}

/// The two queues of a delayed link. Each frame waits until its time, then goes on; frames
/// leave in the order they entered.
pub(super) struct DelayLines {
    up: UnboundedSender<(Instant, UpItem)>,
    down: UnboundedSender<(Instant, Down)>,
}

impl DelayLines {
    pub fn up(&self, delay: Duration, item: UpItem) {
        let _ = self.up.send((Instant::now() + delay, item));
    }

    pub fn down(&self, delay: Duration, frame: Down) {
        let _ = self.down.send((Instant::now() + delay, frame));
    }
}

impl State {
    /// Whether a frame from or to `conn` gets through the network now. A link of a cut user is
    /// marked dead for good.
    pub(super) fn passes(&mut self, conn: ConnId) -> bool {
        let State { conns, faults, .. } = self;
        let Some(c) = conns.get_mut(&conn) else {
            return false;
        };
        if faults.is_cut(c.who.as_ref()) && !c.cell.is_dead() {
            c.cell.faults_mut().dead = true;
        }
        !c.cell.is_dead()
    }

    /// Marks dead every link that speaks for `who` (every link when `None`).
    fn kill_links(&mut self, who: Option<&UserKey>) {
        for c in self.conns.values_mut() {
            if who.is_none() || c.who.as_ref() == who {
                c.cell.faults_mut().dead = true;
            }
        }
    }

    /// Sets the delay of every link that speaks for `who`.
    fn set_link_delay(&mut self, who: &UserKey, delay: Duration) {
        for c in self.conns.values_mut() {
            if c.who.as_ref() == Some(who) {
                c.cell.faults_mut().delay = delay;
            }
        }
    }

    /// Gives every link the delay the faults in force say.
    fn refresh_link_delays(&mut self) {
        let State { conns, faults, .. } = self;
        for c in conns.values_mut() {
            let delay = match &c.who {
                Some(who) => faults.delay_of(who),
                None => faults.all_delay.unwrap_or_default(),
            };
            // A link that never had a delay stays untouched (and off the slow path).
            if !delay.is_zero() || c.cell.is_faulty() {
                c.cell.faults_mut().delay = delay;
            }
        }
    }
}

impl System {
    fn faults_state(&self) -> super::StateGuard<'_> {
        self.inner.lock()
    }

    /// Cuts the network of `user_id` of `app_id` until [`System::restore_user`] (or
    /// [`System::restore_all`]): its links lose every frame both ways and stay dead; so do the
    /// links it opens meanwhile.
    pub fn cut_user(&self, app_id: &str, user_id: &str) {
        self.cut_user_id(app_id, user_id);
    }

    fn cut_user_id(&self, app_id: &str, user_id: &str) -> u64 {
        let mut st = self.faults_state();
        let who = key(app_id, user_id);
        let id = st.faults.next_id();
        st.faults.cut.insert(who.clone(), id);
        st.kill_links(Some(&who));
        id
    }

    /// Cuts the network of `user_id` of `app_id` for `duration` (of tokio time), then restores
    /// it — unless it was restored or cut again meanwhile.
    pub fn cut_user_for(&self, app_id: &str, user_id: &str, duration: Duration) {
        let id = self.cut_user_id(app_id, user_id);
        let who = key(app_id, user_id);
        let mut st = self.inner.lock();
        self.arm(&mut st, duration, Timer::LiftUserCut { who, id });
    }

    /// Cuts every link, and every link opened meanwhile, until [`System::restore_all`]: the
    /// whole system is unreachable.
    pub fn cut_all(&self) {
        self.cut_all_id();
    }

    fn cut_all_id(&self) -> u64 {
        let mut st = self.faults_state();
        let id = st.faults.next_id();
        st.faults.all_cut = Some(id);
        st.kill_links(None);
        id
    }

    /// Cuts everyone for `duration`, then lifts that cut (per-user cuts stay).
    pub fn cut_all_for(&self, duration: Duration) {
        let id = self.cut_all_id();
        let mut st = self.inner.lock();
        self.arm(&mut st, duration, Timer::LiftAllCut { id });
    }

    /// Adds `delay` each way to every frame on the links of `user_id` of `app_id`, now and
    /// later, until [`System::restore_user`]. Frames keep their order. `Duration::ZERO` removes
    /// the delay. Keep it under half the client's
    /// `link_timeout` (`ConnectionTimers` in the RTM core) to slow the link without
    /// making the client replace it.
    pub fn delay_user(&self, app_id: &str, user_id: &str, delay: Duration) {
        let mut st = self.faults_state();
        let who = key(app_id, user_id);
        if delay.is_zero() {
            st.faults.delay.remove(&who);
        } else {
            st.faults.delay.insert(who.clone(), delay);
        }
        st.set_link_delay(&who, delay);
        self.open_delay_lines(&mut st);
    }

    /// Gives every delayed link its delay queues (so that frames both ways are delayed from
    /// now on, not only once the client has sent something).
    fn open_delay_lines(&self, st: &mut State) {
        for (conn, c) in st.conns.iter_mut() {
            if !c.cell.is_faulty() {
                continue;
            }
            let mut faults = c.cell.faults_mut();
            if !faults.delay.is_zero() && faults.lines.is_none() {
                faults.lines = Some(self.delay_lines(*conn));
            }
        }
    }

    /// Adds `delay` each way to every frame on every link (except links of users with a delay
    /// of their own), until [`System::restore_all`]. `Duration::ZERO` removes it.
    pub fn delay_all(&self, delay: Duration) {
        let mut st = self.faults_state();
        st.faults.all_delay = (!delay.is_zero()).then_some(delay);
        st.refresh_link_delays();
        self.open_delay_lines(&mut st);
    }

    /// Lifts the cut and the delay of `user_id` of `app_id`. Links that were cut stay dead; the
    /// client's next link works.
    pub fn restore_user(&self, app_id: &str, user_id: &str) {
        let mut st = self.faults_state();
        let who = key(app_id, user_id);
        st.faults.cut.remove(&who);
        st.faults.delay.remove(&who);
        st.refresh_link_delays();
    }

    /// Lifts every cut and every delay (bans and expired tokens stay).
    pub fn restore_all(&self) {
        let mut st = self.faults_state();
        st.faults.all_cut = None;
        st.faults.cut.clear();
        st.faults.delay.clear();
        st.faults.all_delay = None;
        st.refresh_link_delays();
    }

    /// Whether the network of `user_id` of `app_id` is cut now (by a cut of the user or of
    /// everyone).
    pub fn is_cut(&self, app_id: &str, user_id: &str) -> bool {
        self.faults_state()
            .faults
            .is_cut(Some(&key(app_id, user_id)))
    }

    /// Declares the current token of `user_id` of `app_id` expired (for an App-ID-only app,
    /// "no token" expires). As in RTM 1.x, a connected user stays online; a client that has to
    /// resume its session with that token is refused with TOKEN_EXPIRED (and emits
    /// `RtmEvent::TokenExpired`) until it renews its token. Logging in again or renewing with
    /// the same token fails with TOKEN_EXPIRED too; any other valid token works.
    pub fn expire_token(&self, app_id: &str, user_id: &str) {
        let mut st = self.faults_state();
        let Some(app) = st.apps.get_mut(app_id) else {
            return;
        };
        let token = match app.users.get(user_id) {
            Some(u) => u.token.clone(),
            None => app.last_token.get(user_id).cloned().unwrap_or_default(),
        };
        app.expired_tokens
            .entry(user_id.to_string())
            .or_default()
            .insert(token);
    }

    /// Bans `user_id` of `app_id`: its session ends now (its client goes to
    /// `(ABORTED, BANNED_BY_SERVER)`, or will when it tries to resume after a cut; other members
    /// see it leave, subscribers see OFFLINE) and its logins fail with REJECTED (2) until
    /// [`System::unban_user`].
    pub fn ban_user(&self, app_id: &str, user_id: &str) {
        let mut st = self.faults_state();
        st.faults.banned.insert(key(app_id, user_id));
        if let Some(conn) = st.conn_of(app_id, user_id) {
            self.kick(&mut st, conn, KickReason::Banned);
        }
    }

    /// Lifts a ban.
    pub fn unban_user(&self, app_id: &str, user_id: &str) {
        self.faults_state()
            .faults
            .banned
            .remove(&key(app_id, user_id));
    }

    /// The delay queues of a link, with their forwarding tasks.
    pub(super) fn delay_lines(&self, conn: ConnId) -> DelayLines {
        let (up, mut up_rx) = unbounded_channel::<(Instant, UpItem)>();
        let (down, mut down_rx) = unbounded_channel::<(Instant, Down)>();
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                let weak = Arc::downgrade(&self.inner);
                handle.spawn(async move {
                    while let Some((at, item)) = up_rx.recv().await {
                        tokio::time::sleep_until(at).await;
                        let Some(inner) = weak.upgrade() else { return };
                        System { inner }.arrive_late(conn, item);
                    }
                });
                let weak = Arc::downgrade(&self.inner);
                handle.spawn(async move {
                    while let Some((at, frame)) = down_rx.recv().await {
                        tokio::time::sleep_until(at).await;
                        let Some(inner) = weak.upgrade() else { return };
                        let mut st = inner.lock();
                        if st.passes(conn) {
                            if let Some(c) = st.conns.get(&conn) {
                                let _ = c.down.send(frame);
                            }
                        }
                    }
                });
            }
            Err(_) => log::warn!("delayed link without a tokio runtime: its frames are lost"),
        }
        DelayLines { up, down }
    }

    /// A frame that waited in a link's delay queue reaches the system.
    fn arrive_late(&self, conn: ConnId, item: UpItem) {
        let mut st = self.inner.lock();
        if !st.passes(conn) {
            return;
        }
        match item {
            UpItem::Frame(up) => self.arrive(&mut st, conn, up),
            UpItem::Close => self.close_link(&mut st, conn),
        }
    }
}
