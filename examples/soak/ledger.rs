//! What was sent, how each send was answered, and what each client received; and the checker
//! that compares them at the end.
//!
//! A peer message's text is `p FROM TO SEQ`, a channel message's `c FROM SEQ`: `SEQ` counts the
//! sender's messages, so each sender → receiver pair sees an increasing subsequence. Receipts are
//! kept per receiving client instance (a user can have several over the run: re-logins after a
//! kick make new instances), exactly-once is judged per receiving user.

use parking_lot::Mutex;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};

/// The server's life: before the restart, while it restarts, after it.
pub const BEFORE_RESTART: u8 = 0;
/// Between the kill and the new process listening.
pub const RESTARTING: u8 = 1;
/// After the new process listens.
pub const AFTER_RESTART: u8 = 2;

/// How a peer message send was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// No answer yet.
    Pending,
    /// RTM core: `Ok(Received)`, the receiving client acknowledged it.
    Received,
    /// RTM core: `Ok(CachedByServer)`, the receiver was offline and the server keeps it.
    Cached,
    /// Legacy facade: `onMessageSendSuccess`, which does not say which of the two it was.
    LegacySuccess,
    /// RTM core: the send timed out (`SENT_TIMEOUT`): the outcome is unknown.
    Timeout,
    /// Any other failure.
    Failed,
}

#[derive(Debug, Clone, Copy)]
struct Sent {
    answer: Answer,
    /// The server's life when the answer came.
    epoch: u8,
}

#[derive(Default)]
struct PairLog {
    sent: BTreeMap<u64, Sent>,
    /// (receiving instance, seq) in the order the receiving clients emitted them.
    received: Vec<(u64, u64)>,
}

#[derive(Default)]
struct ChannelLog {
    seen: HashSet<(u32, u64)>,
}

/// Counters shown in the progress lines and the summary.
#[derive(Default)]
pub struct Counters {
    /// Peer messages sent.
    pub peer_sent: AtomicU64,
    /// Peer messages answered with success (any kind).
    pub peer_ok: AtomicU64,
    /// Peer messages emitted by a receiving client.
    pub peer_received: AtomicU64,
    /// Channel messages sent.
    pub channel_sent: AtomicU64,
    /// Channel messages answered with success.
    pub channel_ok: AtomicU64,
    /// Channel messages emitted by a receiving client.
    pub channel_received: AtomicU64,
    /// Logins that succeeded.
    pub logins: AtomicU64,
    /// Logouts asked for.
    pub logouts: AtomicU64,
    /// Channel joins and leaves that succeeded.
    pub joins: AtomicU64,
    /// Attribute writes that succeeded.
    pub attributes: AtomicU64,
    /// Invitations sent.
    pub invitations: AtomicU64,
    /// Invitations accepted by the callee.
    pub accepted: AtomicU64,
    /// Texts that could not be read, came from someone else than they say, or were meant for
    /// another user.
    pub malformed: AtomicU64,
}

/// The record of the whole run.
#[derive(Default)]
pub struct Ledger {
    epoch: AtomicU8,
    pairs: Mutex<HashMap<(u32, u32), PairLog>>,
    channels: Mutex<HashMap<u64, ChannelLog>>,
    channel_duplicates: AtomicU64,
    /// Running counts.
    pub counters: Counters,
}

/// Parses `u123` into 123.
pub fn user_index(name: &str) -> Option<u32> {
    name.strip_prefix('u')?.parse().ok()
}

/// The text of peer message `seq` from `from` to `to`.
pub fn peer_text(from: u32, to: u32, seq: u64) -> String {
    format!("p {from} {to} {seq}")
}

/// The text of channel message `seq` from `from`.
pub fn channel_text(from: u32, seq: u64) -> String {
    format!("c {from} {seq}")
}

fn parse_peer(text: &str) -> Option<(u32, u32, u64)> {
    let mut it = text.strip_prefix("p ")?.split(' ');
    let from = it.next()?.parse().ok()?;
    let to = it.next()?.parse().ok()?;
    let seq = it.next()?.parse().ok()?;
    it.next().is_none().then_some((from, to, seq))
}

fn parse_channel(text: &str) -> Option<(u32, u64)> {
    let mut it = text.strip_prefix("c ")?.split(' ');
    let from = it.next()?.parse().ok()?;
    let seq = it.next()?.parse().ok()?;
    it.next().is_none().then_some((from, seq))
}

impl Ledger {
    /// Moves the server's life on (see [`BEFORE_RESTART`] …).
    pub fn set_epoch(&self, epoch: u8) {
        self.epoch.store(epoch, Ordering::SeqCst);
    }

    /// Notes a peer message about to be sent (before the send call, so that a fast receipt
    /// finds it).
    pub fn peer_sending(&self, from: u32, to: u32, seq: u64) {
        self.counters.peer_sent.fetch_add(1, Ordering::Relaxed);
        let sent = Sent {
            answer: Answer::Pending,
            epoch: self.epoch.load(Ordering::SeqCst),
        };
        self.pairs
            .lock()
            .entry((from, to))
            .or_default()
            .sent
            .insert(seq, sent);
    }

    /// Notes the answer to a peer message.
    pub fn peer_answered(&self, from: u32, to: u32, seq: u64, answer: Answer) {
        if matches!(
            answer,
            Answer::Received | Answer::Cached | Answer::LegacySuccess
        ) {
            self.counters.peer_ok.fetch_add(1, Ordering::Relaxed);
        }
        let epoch = self.epoch.load(Ordering::SeqCst);
        if let Some(sent) = self
            .pairs
            .lock()
            .get_mut(&(from, to))
            .and_then(|p| p.sent.get_mut(&seq))
        {
            *sent = Sent { answer, epoch };
        }
    }

    /// Notes a peer message emitted by client `instance` of user `receiver`, from `sender`.
    pub fn peer_received(&self, instance: u64, receiver: u32, sender: &str, text: &str) {
        self.counters.peer_received.fetch_add(1, Ordering::Relaxed);
        match parse_peer(text) {
            Some((from, to, seq)) if to == receiver && user_index(sender) == Some(from) => {
                self.pairs
                    .lock()
                    .entry((from, to))
                    .or_default()
                    .received
                    .push((instance, seq));
            }
            _ => {
                self.counters.malformed.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Notes a channel message emitted by client `instance`, from `sender`.
    pub fn channel_received(&self, instance: u64, sender: &str, text: &str) {
        self.counters
            .channel_received
            .fetch_add(1, Ordering::Relaxed);
        match parse_channel(text) {
            Some((from, seq)) if user_index(sender) == Some(from) => {
                let fresh = self
                    .channels
                    .lock()
                    .entry(instance)
                    .or_default()
                    .seen
                    .insert((from, seq));
                if !fresh {
                    self.channel_duplicates.fetch_add(1, Ordering::Relaxed);
                }
            }
            _ => {
                self.counters.malformed.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Success-answered peer messages not received yet that must arrive (see [`Ledger::check`]).
    pub fn outstanding(&self) -> (u64, u64) {
        let pairs = self.pairs.lock();
        let mut pending = 0;
        let mut missing = 0;
        for log in pairs.values() {
            let got: HashSet<u64> = log.received.iter().map(|&(_, s)| s).collect();
            for (seq, sent) in &log.sent {
                if sent.answer == Answer::Pending {
                    pending += 1;
                } else if must_arrive(sent) && !got.contains(seq) {
                    missing += 1;
                }
            }
        }
        (pending, missing)
    }

    /// Compares what was sent with what was received.
    pub fn check(&self) -> Verdict {
        let pairs = self.pairs.lock();
        let mut v = Verdict {
            channel_duplicates: self.channel_duplicates.load(Ordering::Relaxed),
            malformed: self.counters.malformed.load(Ordering::Relaxed),
            ..Verdict::default()
        };
        for (&(from, to), log) in pairs.iter() {
            let mut count: HashMap<u64, u32> = HashMap::new();
            for &(_, seq) in &log.received {
                *count.entry(seq).or_default() += 1;
            }
            for (seq, sent) in &log.sent {
                let n = count.get(seq).copied().unwrap_or(0);
                match sent.answer {
                    Answer::Received => v.strict += 1,
                    Answer::Cached | Answer::LegacySuccess if must_arrive(sent) => v.strict += 1,
                    Answer::Cached | Answer::LegacySuccess => {
                        v.cached_before_restart += 1;
                        if n == 0 {
                            v.cached_lost_in_restart += 1;
                        }
                    }
                    Answer::Timeout | Answer::Failed | Answer::Pending => {
                        v.unknown += 1;
                        if n == 1 {
                            v.unknown_delivered += 1;
                        }
                    }
                }
                if must_arrive(sent) && n == 0 {
                    v.losses += 1;
                    v.note(format!("lost: {} ({:?})", peer_text(from, to, *seq), sent));
                }
                if n > 1 {
                    v.duplicates += 1;
                    v.note(format!(
                        "{n} times: {} ({:?})",
                        peer_text(from, to, *seq),
                        sent
                    ));
                }
            }
            for seq in count.keys() {
                if !log.sent.contains_key(seq) {
                    v.phantoms += 1;
                    v.note(format!("never sent: {}", peer_text(from, to, *seq)));
                }
            }
            // Order: each receiving instance sees this sender's messages in increasing order.
            let mut last: HashMap<u64, u64> = HashMap::new();
            for &(instance, seq) in &log.received {
                if let Some(prev) = last.insert(instance, seq) {
                    if seq <= prev {
                        v.reorders += 1;
                        v.note(format!(
                            "out of order at instance {instance}: {} after seq {prev}",
                            peer_text(from, to, seq)
                        ));
                    }
                }
            }
        }
        v
    }
}

/// Whether a success-answered message must have arrived by the end: an acknowledged delivery
/// always; a cached one (or a legacy success, which may have been cached) unless it was answered
/// before the new server process was up, since the offline cache of the killed process died
/// with it.
fn must_arrive(sent: &Sent) -> bool {
    match sent.answer {
        Answer::Received => true,
        Answer::Cached | Answer::LegacySuccess => sent.epoch == AFTER_RESTART,
        _ => false,
    }
}

/// The checker's findings.
#[derive(Debug, Default)]
pub struct Verdict {
    /// Messages that had to arrive exactly once.
    pub strict: u64,
    /// Of those, how many never arrived.
    pub losses: u64,
    /// Messages emitted more than once by the receiving side.
    pub duplicates: u64,
    /// Receipts out of order (per receiving instance and sender).
    pub reorders: u64,
    /// Receipts of messages nobody sent.
    pub phantoms: u64,
    /// Channel messages emitted twice by one client.
    pub channel_duplicates: u64,
    /// Texts that could not be read or were misrouted.
    pub malformed: u64,
    /// Cached (or legacy-success) messages answered before the new server was up.
    pub cached_before_restart: u64,
    /// Of those, how many never arrived (the killed process had them).
    pub cached_lost_in_restart: u64,
    /// Sends without a success answer (timeout, failure, none by the end).
    pub unknown: u64,
    /// Of those, how many arrived (once; twice is a duplicate).
    pub unknown_delivered: u64,
    /// The first findings, for the summary.
    pub examples: Vec<String>,
}

impl Verdict {
    fn note(&mut self, line: String) {
        if self.examples.len() < 20 {
            self.examples.push(line);
        }
    }

    /// True when nothing is wrong.
    pub fn clean(&self) -> bool {
        self.losses == 0
            && self.duplicates == 0
            && self.reorders == 0
            && self.phantoms == 0
            && self.channel_duplicates == 0
            && self.malformed == 0
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "peer messages that had to arrive exactly once: {}; losses {}, duplicates {}, \
             out of order {}, never sent {}, unreadable or misrouted {}",
            self.strict, self.losses, self.duplicates, self.reorders, self.phantoms, self.malformed
        )?;
        writeln!(
            f,
            "cached before the restart (may die with the process): {}, of which lost {}",
            self.cached_before_restart, self.cached_lost_in_restart
        )?;
        writeln!(
            f,
            "sends without a success answer (may arrive at most once): {}, of which arrived {}",
            self.unknown, self.unknown_delivered
        )?;
        write!(
            f,
            "channel messages emitted twice: {}",
            self.channel_duplicates
        )?;
        for e in &self.examples {
            write!(f, "\n  {e}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger_with(answer: Answer, epoch: u8) -> Ledger {
        let ledger = Ledger::default();
        ledger.set_epoch(epoch);
        ledger.peer_sending(1, 2, 1);
        ledger.peer_answered(1, 2, 1, answer);
        ledger
    }

    #[test]
    fn an_acknowledged_message_must_arrive_exactly_once() {
        let lost = ledger_with(Answer::Received, BEFORE_RESTART);
        assert_eq!(lost.check().losses, 1);
        assert!(!lost.check().clean());

        let once = ledger_with(Answer::Received, BEFORE_RESTART);
        once.peer_received(10, 2, "u1", &peer_text(1, 2, 1));
        assert!(once.check().clean(), "{}", once.check());

        once.peer_received(11, 2, "u1", &peer_text(1, 2, 1));
        let v = once.check();
        assert_eq!((v.duplicates, v.losses), (1, 0));
    }

    #[test]
    fn a_message_cached_by_the_killed_process_may_be_lost_but_not_one_cached_after() {
        let before = ledger_with(Answer::Cached, BEFORE_RESTART);
        let v = before.check();
        assert!(v.clean(), "{v}");
        assert_eq!((v.cached_before_restart, v.cached_lost_in_restart), (1, 1));

        let after = ledger_with(Answer::LegacySuccess, AFTER_RESTART);
        assert_eq!(after.check().losses, 1);
    }

    #[test]
    fn an_unanswered_send_may_arrive_once_but_not_twice() {
        let ledger = ledger_with(Answer::Timeout, AFTER_RESTART);
        assert!(ledger.check().clean());
        ledger.peer_received(10, 2, "u1", &peer_text(1, 2, 1));
        assert!(ledger.check().clean());
        assert_eq!(ledger.check().unknown_delivered, 1);
        ledger.peer_received(10, 2, "u1", &peer_text(1, 2, 1));
        assert_eq!(ledger.check().duplicates, 1);
    }

    #[test]
    fn order_is_judged_per_receiving_instance() {
        let ledger = Ledger::default();
        for seq in 1..=3 {
            ledger.peer_sending(1, 2, seq);
            ledger.peer_answered(1, 2, seq, Answer::Received);
        }
        // Instance 10 was kicked after seq 2; its receipts may be recorded after instance 11's.
        ledger.peer_received(11, 2, "u1", &peer_text(1, 2, 3));
        ledger.peer_received(10, 2, "u1", &peer_text(1, 2, 1));
        ledger.peer_received(10, 2, "u1", &peer_text(1, 2, 2));
        assert!(ledger.check().clean(), "{}", ledger.check());

        let swapped = Ledger::default();
        for seq in 1..=2 {
            swapped.peer_sending(1, 2, seq);
            swapped.peer_answered(1, 2, seq, Answer::Received);
        }
        swapped.peer_received(10, 2, "u1", &peer_text(1, 2, 2));
        swapped.peer_received(10, 2, "u1", &peer_text(1, 2, 1));
        assert_eq!(swapped.check().reorders, 1);
    }

    #[test]
    fn stray_and_twice_emitted_messages_are_findings() {
        let ledger = Ledger::default();
        ledger.peer_received(10, 2, "u1", &peer_text(1, 2, 7));
        assert_eq!(ledger.check().phantoms, 1);

        let misrouted = Ledger::default();
        misrouted.peer_received(10, 3, "u1", &peer_text(1, 2, 1));
        misrouted.peer_received(10, 3, "u9", &peer_text(1, 3, 1));
        misrouted.peer_received(10, 3, "u1", "hello");
        assert_eq!(misrouted.check().malformed, 3);

        let channel = Ledger::default();
        channel.channel_received(10, "u1", &channel_text(1, 5));
        channel.channel_received(11, "u1", &channel_text(1, 5));
        assert!(channel.check().clean());
        channel.channel_received(10, "u1", &channel_text(1, 5));
        assert_eq!(channel.check().channel_duplicates, 1);
    }
}
