//! The per-session message queue that `user_getmsg` drains (protocol §6).
//!
//! Every line the session receives gets the next version. A poll names the highest version the
//! client has processed (`ver_clear`); the reply acknowledges everything up to it, drops those
//! lines and returns the ones after it, oldest first.
//!
//! Versions do not restart at 1 per session: a session's first version lies above every version
//! any earlier session handed out, in this process or (by the clock) an earlier one. The Web SDK
//! 1.4.0 keeps the poll timer of a dropped socket running after it logs in again, and that timer
//! acknowledges the old socket's versions on the new one; versions that only grow make such a
//! stale acknowledgement harmless (docs/LEGACY_WEB.md).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};

/// The highest version any session of this process handed out.
static HIGHEST: AtomicU64 = AtomicU64::new(0);

/// Where a new session's versions start: above every version handed out before, in this
/// process and, through the wall clock in microseconds, in earlier runs of the server (a
/// session cannot receive a line per microsecond). Stays below 2^53, JavaScript's exact range,
/// until the year 2255.
pub(crate) fn fresh_base() -> u64 {
    let now_us = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0);
    let base = now_us.max(HIGHEST.load(Ordering::Acquire) + 1);
    HIGHEST.fetch_max(base, Ordering::AcqRel);
    base
}

/// Lines waiting for a client's poll, with their versions.
#[derive(Debug)]
pub(crate) struct Queue {
    lines: VecDeque<(u64, String)>,
    /// The highest version handed out.
    last: u64,
    /// The highest version the client acknowledged (or the server skipped).
    cleared: u64,
    /// The most lines kept; the oldest go first when a client never polls.
    limit: usize,
    /// Lines dropped because of `limit` since the last poll.
    dropped: u64,
}

/// What one poll answers.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Drain {
    /// The `ver_clear` of the reply: never below the request's.
    pub ver_clear: u64,
    /// `(version, line)` pairs, ascending.
    pub msgs: Vec<(u64, String)>,
    /// True when lines are left after this reply (the client needs another notify).
    pub more: bool,
    /// Lines lost to the queue limit since the previous poll.
    pub dropped: u64,
}

impl Queue {
    /// An empty queue keeping at most `limit` lines, whose first line gets version `base + 1`.
    pub(crate) fn new(limit: usize, base: u64) -> Queue {
        Queue {
            lines: VecDeque::new(),
            last: base,
            cleared: base,
            limit: limit.max(1),
            dropped: 0,
        }
    }

    /// Adds a line; returns its version.
    pub(crate) fn push(&mut self, line: String) -> u64 {
        self.last += 1;
        if self.lines.len() >= self.limit {
            if let Some((ver, _)) = self.lines.pop_front() {
                self.cleared = self.cleared.max(ver);
                self.dropped += 1;
            }
        }
        self.lines.push_back((self.last, line));
        HIGHEST.fetch_max(self.last, Ordering::AcqRel);
        self.last
    }

    /// The highest version handed out.
    pub(crate) fn last(&self) -> u64 {
        self.last
    }

    /// Answers a poll that acknowledges `ver_clear` and asks for at most `max` lines.
    pub(crate) fn drain(&mut self, ver_clear: u64, max: usize) -> Drain {
        let clear = ver_clear.max(self.cleared);
        self.cleared = clear;
        while self.lines.front().is_some_and(|(v, _)| *v <= clear) {
            self.lines.pop_front();
        }
        let msgs: Vec<_> = self.lines.iter().take(max.max(1)).cloned().collect();
        let more = self.lines.len() > msgs.len();
        Drain {
            ver_clear: clear,
            msgs,
            more,
            dropped: std::mem::take(&mut self.dropped),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poll_acknowledges_and_returns_what_follows() {
        let mut q = Queue::new(100, 0);
        assert_eq!(q.push("a".into()), 1);
        assert_eq!(q.push("b".into()), 2);
        let d = q.drain(0, 30);
        assert_eq!(d.ver_clear, 0);
        assert_eq!(d.msgs, vec![(1, "a".into()), (2, "b".into())]);
        let d = q.drain(2, 30);
        assert_eq!((d.ver_clear, d.msgs.len(), d.more), (2, 0, false));
    }

    #[test]
    fn ver_clear_never_goes_below_the_request_or_back() {
        let mut q = Queue::new(100, 0);
        q.push("a".into());
        assert_eq!(q.drain(5, 30).ver_clear, 5);
        assert_eq!(q.drain(0, 30).ver_clear, 5);
    }

    #[test]
    fn a_backlog_comes_in_pages_of_max() {
        let mut q = Queue::new(100, 0);
        for i in 0..45 {
            q.push(format!("m{i}"));
        }
        let d = q.drain(0, 30);
        assert_eq!((d.msgs.len(), d.more), (30, true));
        let d = q.drain(30, 30);
        assert_eq!((d.msgs.len(), d.more, d.msgs[0].0), (15, false, 31));
    }

    #[test]
    fn every_new_base_lies_above_what_was_handed_out() {
        let mut q = Queue::new(100, fresh_base());
        q.push("a".into());
        let last = q.push("b".into());
        let next = fresh_base();
        assert!(next > last);
        let q2 = Queue::new(100, next);
        assert_eq!(q2.last(), next);
        assert!(next < 1 << 53, "versions stay exact in JavaScript");
    }

    #[test]
    fn the_limit_drops_the_oldest_and_counts_them() {
        let mut q = Queue::new(2, 0);
        for i in 0..5 {
            q.push(format!("m{i}"));
        }
        let d = q.drain(0, 30);
        assert_eq!(d.ver_clear, 3);
        assert_eq!(d.msgs, vec![(4, "m3".into()), (5, "m4".into())]);
        assert_eq!(d.dropped, 3);
    }
}
