//! The system's timers: one deadline queue in the state, served by one task per system.
//!
//! The rules arm a [`Timer`] with the state lock held ([`Timers::arm`]); each timer says what is
//! due, not how to do it, and [`System::fire`] carries it out under the state lock when its
//! time comes. Every timer that arms something checks, when it fires, that what it was armed for
//! still holds (a generation number, a fault id), so a timer never needs to be cancelled.
//!
//! One tokio task per system sleeps until the earliest deadline and fires everything due, in
//! deadline order (timers due at the same instant in the order they were armed). It is started
//! on the first timer, on the runtime of the thread that armed it, and when its runtime goes
//! away the next timer starts it again on the next runtime — so the number of timer tasks does
//! not grow with the number of links, channels or invitations.

use super::state::State;
use super::{ConnId, Inner, System};
use crate::proto::link::CallId;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::{Arc, Weak};
use tokio::time::Instant;

/// Something the system must do at a given time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Timer {
    /// Look at how long a link has been silent (UNREACHABLE at 6 s, the session's end at 30 s),
    /// if this is still the link's latest check (`generation`).
    LinkSilence { conn: ConnId, generation: u64 },
    /// Send a channel's member count, if the throttled update armed as `generation` still waits.
    MemberCount {
        app: String,
        channel: String,
        generation: u64,
    },
    /// Forget the attributes of a channel that stayed empty since `generation` was armed.
    AttributeWipe {
        app: String,
        channel: String,
        generation: u64,
    },
    /// The callee of an invitation neither came online nor acknowledged it in time.
    InvitationPeerWait {
        app: String,
        invitation: (String, CallId),
        generation: u64,
    },
    /// A received invitation got no answer in time.
    InvitationExpiry {
        app: String,
        invitation: (String, CallId),
        generation: u64,
    },
    /// The caller did not confirm an accepted invitation in time.
    AcceptConfirmation {
        app: String,
        invitation: (String, CallId),
        generation: u64,
    },
    /// A login's wait for the session it kicked out is over.
    Handover {
        app: String,
        user: String,
        generation: u64,
    },
    /// Lift a timed cut of one user's network (fault `id`), unless it was replaced.
    LiftUserCut { who: (String, String), id: u64 },
    /// Lift a timed cut of everyone's network (fault `id`), unless it was replaced.
    LiftAllCut { id: u64 },
}

/// A timer in the queue.
struct Due {
    at: Instant,
    /// Arming order, so that timers due at the same instant fire in the order they were armed.
    seq: u64,
    timer: Timer,
}

impl PartialEq for Due {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl Eq for Due {}

impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Due {
    /// Reversed, so that the heap's top is the earliest.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// The deadline queue, and what the state lock's holder must do about the timer task once the
/// lock is let go.
#[derive(Default)]
pub(super) struct Timers {
    queue: BinaryHeap<Due>,
    next_seq: u64,
    /// The timer task exists (it clears this when it ends, also when its runtime drops it).
    running: bool,
    /// What the timer task is sleeping until; `None` while it waits for a first timer or fires.
    sleeping_until: Option<Instant>,
    /// Set by [`Timers::arm`] when the task must be started or woken (see [`Timers::kick`]).
    kick: Kick,
}

/// What the timer task needs after a timer was armed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kick {
    /// Nothing: it will wake in time.
    #[default]
    None,
    /// Wake it: the new timer is due before it would wake.
    Wake,
    /// Start it: there is none.
    Start,
}

impl Timers {
    /// Arms `timer` for `at`.
    pub fn arm(&mut self, at: Instant, timer: Timer) {
        self.next_seq += 1;
        self.queue.push(Due {
            at,
            seq: self.next_seq,
            timer,
        });
        let kick = if !self.running {
            Kick::Start
        } else if self.sleeping_until.is_none_or(|until| at < until) {
            Kick::Wake
        } else {
            Kick::None
        };
        self.kick = self.kick.max_with(kick);
    }

    /// Takes the next timer due at `now` or earlier.
    pub fn pop_due(&mut self, now: Instant) -> Option<Timer> {
        if self.queue.peek()?.at > now {
            return None;
        }
        self.queue.pop().map(|d| d.timer)
    }

    /// When the earliest timer is due.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.queue.peek().map(|d| d.at)
    }

    /// Timers waiting.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// What the task needs since the last call; marks it started when it must start.
    pub fn kick(&mut self) -> Kick {
        let kick = std::mem::take(&mut self.kick);
        if kick == Kick::Start {
            self.running = true;
        }
        kick
    }
}

impl Kick {
    fn max_with(self, other: Kick) -> Kick {
        match (self, other) {
            (Kick::Start, _) | (_, Kick::Start) => Kick::Start,
            (Kick::Wake, _) | (_, Kick::Wake) => Kick::Wake,
            _ => Kick::None,
        }
    }
}

impl Inner {
    /// Starts or wakes the timer task as the last state lock's holder asked. Called with the
    /// state lock let go: starting a task on a runtime that is shutting down drops it at once,
    /// and its end takes the lock.
    pub(super) fn kick_timers(self: &Arc<Self>, kick: Kick) {
        match kick {
            Kick::None => {}
            Kick::Wake => self.timer_wake.notify_one(),
            Kick::Start => match tokio::runtime::Handle::try_current() {
                Ok(handle) => {
                    let task = TimerTask {
                        inner: Arc::downgrade(self),
                    };
                    handle.spawn(task.run());
                }
                Err(_) => {
                    log::warn!("RTM system timers wait: no tokio runtime in this thread");
                    self.state.lock().timers.running = false;
                }
            },
        }
    }
}

/// The system's timer task. Marks the system as having none when it ends.
struct TimerTask {
    inner: Weak<Inner>,
}

impl TimerTask {
    async fn run(self) {
        loop {
            let (next, wake) = {
                let Some(inner) = self.inner.upgrade() else {
                    return;
                };
                let next = System {
                    inner: inner.clone(),
                }
                .fire_due(Instant::now());
                (next, inner.timer_wake.clone())
            };
            match next {
                Some(at) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = wake.notified() => {}
                    }
                }
                None => wake.notified().await,
            }
        }
    }
}

impl Drop for TimerTask {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.upgrade() {
            let mut st = inner.state.lock();
            st.timers.running = false;
            st.timers.sleeping_until = None;
        }
    }
}

impl System {
    /// Fires every timer due at `now`, then returns when the next one is due (and notes that
    /// the timer task sleeps until then).
    pub(super) fn fire_due(&self, now: Instant) -> Option<Instant> {
        let mut st = self.inner.lock_at(now);
        st.timers.sleeping_until = None;
        while let Some(timer) = st.timers.pop_due(now) {
            self.fire(&mut st, timer);
        }
        let next = st.timers.next_deadline();
        st.timers.sleeping_until = next;
        // The task itself is about to wait for `next`: no need to wake it for what it armed.
        if st.timers.kick == Kick::Wake {
            st.timers.kick = Kick::None;
        }
        next
    }

    /// Carries out one timer.
    fn fire(&self, st: &mut State, timer: Timer) {
        match timer {
            Timer::LinkSilence { conn, generation } => self.check_silence(st, conn, generation),
            Timer::MemberCount {
                app,
                channel,
                generation,
            } => self.member_count_due(st, &app, &channel, generation),
            Timer::AttributeWipe {
                app,
                channel,
                generation,
            } => self.attribute_wipe_due(st, &app, &channel, generation),
            Timer::InvitationPeerWait {
                app,
                invitation,
                generation,
            } => self.invitation_peer_wait_over(st, &app, invitation, generation),
            Timer::InvitationExpiry {
                app,
                invitation,
                generation,
            } => self.invitation_expired(st, &app, invitation, generation),
            Timer::AcceptConfirmation {
                app,
                invitation,
                generation,
            } => self.accept_not_confirmed(st, &app, invitation, generation),
            Timer::Handover {
                app,
                user,
                generation,
            } => self.handover_due(st, app, user, generation),
            Timer::LiftUserCut { who, id } => st.faults.lift_user_cut(&who, id),
            Timer::LiftAllCut { id } => st.faults.lift_all_cut(id),
        }
    }

    /// Arms `timer` to fire `delay` from now.
    pub(super) fn arm(&self, st: &mut State, delay: std::time::Duration, timer: Timer) {
        let now = st.now();
        let at = now.checked_add(delay).unwrap_or_else(|| far_future(now));
        st.timers.arm(at, timer);
    }
}

/// A deadline past any test or run (for delays too large to add to `now`).
fn far_future(now: Instant) -> Instant {
    now + std::time::Duration::from_secs(86_400 * 365 * 30)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::SystemConfig;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn one_timer_task_serves_every_link() {
        let system = System::new(SystemConfig::default());
        let tasks = || {
            tokio::runtime::Handle::current()
                .metrics()
                .num_alive_tasks()
        };
        let before = tasks();
        let links: Vec<_> = (0..200).map(|_| system.connect()).collect();
        assert_eq!(tasks(), before + 1, "one timer task, not one per link");
        assert_eq!(
            system.inner.state.lock().timers.len(),
            200,
            "a silence check per link"
        );
        // Silent links are dropped at the end of the presence grace, by that one task.
        tokio::time::sleep(system.config().presence_grace + Duration::from_secs(1)).await;
        assert!(system.inner.state.lock().conns.is_empty());
        assert_eq!(tasks(), before + 1);
        drop(links);
    }

    fn at(base: Instant, ms: u64) -> Instant {
        base + Duration::from_millis(ms)
    }

    #[test]
    fn timers_fire_in_deadline_order_and_ties_in_arming_order() {
        let base = Instant::now();
        let mut t = Timers::default();
        t.arm(at(base, 30), Timer::LiftAllCut { id: 3 });
        t.arm(at(base, 10), Timer::LiftAllCut { id: 1 });
        t.arm(at(base, 10), Timer::LiftAllCut { id: 2 });
        assert_eq!(t.next_deadline(), Some(at(base, 10)));
        assert_eq!(t.pop_due(at(base, 5)), None, "nothing is due yet");
        assert_eq!(t.pop_due(at(base, 10)), Some(Timer::LiftAllCut { id: 1 }));
        assert_eq!(t.pop_due(at(base, 10)), Some(Timer::LiftAllCut { id: 2 }));
        assert_eq!(t.pop_due(at(base, 10)), None);
        assert_eq!(t.pop_due(at(base, 31)), Some(Timer::LiftAllCut { id: 3 }));
        assert_eq!(t.len(), 0);
    }

    #[test]
    fn the_task_is_started_once_and_woken_only_for_an_earlier_deadline() {
        let base = Instant::now();
        let mut t = Timers::default();
        t.arm(at(base, 100), Timer::LiftAllCut { id: 1 });
        t.arm(at(base, 50), Timer::LiftAllCut { id: 2 });
        assert_eq!(t.kick(), Kick::Start, "no task yet");
        assert_eq!(t.kick(), Kick::None, "asked once");
        // The task sleeps until the earliest deadline.
        t.sleeping_until = t.next_deadline();
        t.arm(at(base, 70), Timer::LiftAllCut { id: 3 });
        assert_eq!(t.kick(), Kick::None, "due after the task wakes anyway");
        t.arm(at(base, 20), Timer::LiftAllCut { id: 4 });
        assert_eq!(t.kick(), Kick::Wake, "due before the task would wake");
        // The task went away with its runtime: the next timer starts a new one.
        t.running = false;
        t.sleeping_until = None;
        t.arm(at(base, 80), Timer::LiftAllCut { id: 5 });
        assert_eq!(t.kick(), Kick::Start);
    }
}
