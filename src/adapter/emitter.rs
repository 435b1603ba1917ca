//! Delivery of legacy callbacks: one at a time, in order, on the instance's callback thread (or
//! inline on the adapter task), with the guarantees of contract rules T2, T3 and S8.

use crate::signaling::{CallbackMode, LegacyEvent, SignalingCallback};
use crossbeam_channel::{unbounded, Receiver, Sender};
use parking_lot::{Mutex, RwLock};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

thread_local! {
    /// True while this thread is running a legacy callback.
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

/// The handler of an instance and the gate that orders delivery against `destroy`.
#[derive(Default)]
pub(crate) struct Delivery {
    handler: RwLock<Option<Arc<dyn SignalingCallback>>>,
    destroyed: AtomicBool,
    /// Held while a callback runs, so `destroy` on another thread can wait for it.
    gate: Mutex<()>,
}

impl Delivery {
    /// Replaces the handler atomically (T3).
    pub fn set_handler(&self, handler: Option<Arc<dyn SignalingCallback>>) {
        *self.handler.write() = handler;
    }

    /// The current handler.
    pub fn handler(&self) -> Option<Arc<dyn SignalingCallback>> {
        self.handler.read().clone()
    }

    /// Runs one callback unless the instance was destroyed; false once destroyed.
    fn deliver(&self, event: &LegacyEvent) -> bool {
        let _gate = self.gate.lock();
        if self.destroyed.load(Ordering::Acquire) {
            return false;
        }
        if let Some(handler) = self.handler() {
            IN_CALLBACK.with(|f| f.set(true));
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| event.deliver(&*handler)));
            IN_CALLBACK.with(|f| f.set(false));
            if outcome.is_err() {
                log::error!(
                    "the {} callback panicked; the instance goes on",
                    event.legacy_name()
                );
            }
        }
        true
    }

    /// Stops delivery. When called outside a callback it waits for a running callback to end,
    /// so no callback runs after it returns (S8).
    pub fn shut(&self) {
        self.destroyed.store(true, Ordering::Release);
        if !IN_CALLBACK.with(|f| f.get()) {
            drop(self.gate.lock());
        }
    }
}

/// Hands legacy events to the handler.
#[derive(Clone)]
pub(crate) enum Emitter {
    /// Through a queue to the callback thread.
    Thread(Sender<LegacyEvent>),
    /// Directly, on the calling task.
    Inline(Arc<Delivery>),
}

impl Emitter {
    /// Starts delivery for an instance.
    pub fn start(mode: CallbackMode, delivery: Arc<Delivery>) -> Emitter {
        match mode {
            CallbackMode::Inline => Emitter::Inline(delivery),
            CallbackMode::Thread => {
                let (tx, rx) = unbounded();
                let spawned = std::thread::Builder::new()
                    .name("sig2rtm-callbacks".into())
                    .spawn(move || run(rx, delivery));
                if let Err(e) = spawned {
                    log::error!("cannot start the callback thread: {e}");
                }
                Emitter::Thread(tx)
            }
        }
    }

    /// Queues (or runs) one callback.
    pub fn emit(&self, event: LegacyEvent) {
        match self {
            Emitter::Thread(tx) => {
                let _ = tx.send(event);
            }
            Emitter::Inline(delivery) => {
                delivery.deliver(&event);
            }
        }
    }
}

fn run(rx: Receiver<LegacyEvent>, delivery: Arc<Delivery>) {
    // Each wake drains everything queued, so bursts cost one wake-up.
    while let Ok(first) = rx.recv() {
        for event in std::iter::once(first).chain(rx.try_iter()) {
            if !delivery.deliver(&event) {
                return;
            }
        }
    }
}
