//! [`Recorder`]: a [`crate::signaling::SignalingCallback`] that records every callback as a [`LegacyEvent`].

use crate::signaling::{LegacyEvent, LegacyEventSink};
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Records the callbacks of one legacy instance, in order.
///
/// Install it with `signaling.callback_set(Some(recorder.clone()))`, then read
/// [`Recorder::events`] or wait for one with [`Recorder::wait_for`] (tokio time, so a test with
/// a paused clock waits in virtual time).
#[derive(Default)]
pub struct Recorder {
    events: Mutex<Vec<LegacyEvent>>,
    changed: Notify,
}

impl Recorder {
    /// A new, empty recorder, ready to be installed as a handler.
    pub fn new() -> Arc<Recorder> {
        Arc::new(Recorder::default())
    }

    fn push(&self, event: LegacyEvent) {
        self.events.lock().push(event);
        self.changed.notify_waiters();
    }

    /// Everything recorded so far.
    pub fn events(&self) -> Vec<LegacyEvent> {
        self.events.lock().clone()
    }

    /// Everything recorded so far, without `on_log` lines.
    pub fn events_without_logs(&self) -> Vec<LegacyEvent> {
        self.events()
            .into_iter()
            .filter(|e| !matches!(e, LegacyEvent::Log { .. }))
            .collect()
    }

    /// Removes and returns everything recorded so far.
    pub fn take(&self) -> Vec<LegacyEvent> {
        std::mem::take(&mut *self.events.lock())
    }

    /// Waits until a recorded event satisfies `pred` (at most `within` of tokio time) and
    /// returns it; `None` on timeout.
    pub async fn wait_for(
        &self,
        within: Duration,
        pred: impl Fn(&LegacyEvent) -> bool,
    ) -> Option<LegacyEvent> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let notified = self.changed.notified();
            if let Some(e) = self.events.lock().iter().find(|e| pred(e)) {
                return Some(e.clone());
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.events.lock().iter().find(|e| pred(e)).cloned();
            }
        }
    }

    /// Waits until at least `n` events other than `on_log` were recorded (at most `within`).
    pub async fn wait_for_count(&self, within: Duration, n: usize) -> Vec<LegacyEvent> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let notified = self.changed.notified();
            let now = self.events_without_logs();
            if now.len() >= n {
                return now;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.events_without_logs();
            }
        }
    }
}

impl LegacyEventSink for Recorder {
    fn on_event(&self, event: LegacyEvent) {
        self.push(event);
    }
}
