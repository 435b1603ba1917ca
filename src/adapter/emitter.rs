//! Delivery of legacy callbacks: one at a time, in order, on the instance's callback thread (or
//! inline on the adapter task), with the guarantees of contract rules T2, T3 and S8.

use crate::signaling::{CallbackMode, LegacyEvent, SignalingCallback};
use parking_lot::{Condvar, Mutex, RwLock};
use std::cell::{Cell, RefCell};
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

/// Most events the adapter holds before it hands them to the callback thread in one batch.
const BATCH: usize = 256;

/// Hands legacy events to the handler.
pub(crate) enum Emitter {
    /// In batches, through a queue to the callback thread.
    Thread {
        /// Events of the adapter's current turn, not handed over yet.
        held: RefCell<Vec<LegacyEvent>>,
        queue: Arc<Queue>,
    },
    /// Directly, on the calling task.
    Inline(Arc<Delivery>),
}

/// The queue between an adapter and its callback thread.
pub(crate) struct Queue {
    state: Mutex<QueueState>,
    /// Signalled when events arrive in an empty queue, and when the adapter goes away.
    arrived: Condvar,
}

#[derive(Default)]
struct QueueState {
    events: Vec<LegacyEvent>,
    /// No more events will come (the adapter is gone), or no thread takes them.
    closed: bool,
}

impl Emitter {
    /// Starts delivery for an instance.
    pub fn start(mode: CallbackMode, delivery: Arc<Delivery>) -> Emitter {
        match mode {
            CallbackMode::Inline => Emitter::Inline(delivery),
            CallbackMode::Thread => {
                let queue = Arc::new(Queue {
                    state: Mutex::new(QueueState::default()),
                    arrived: Condvar::new(),
                });
                let theirs = queue.clone();
                let spawned = std::thread::Builder::new()
                    .name("sig2rtm-callbacks".into())
                    .spawn(move || run(&theirs, &delivery));
                if let Err(e) = spawned {
                    log::error!("cannot start the callback thread: {e}");
                    queue.state.lock().closed = true;
                }
                Emitter::Thread {
                    held: RefCell::new(Vec::new()),
                    queue,
                }
            }
        }
    }

    /// Queues (or runs) one callback. Queued callbacks reach the callback thread at the next
    /// [`Emitter::flush`], or once a batch is full.
    pub fn emit(&self, event: LegacyEvent) {
        match self {
            Emitter::Thread { held, .. } => {
                let full = {
                    let mut held = held.borrow_mut();
                    held.push(event);
                    held.len() >= BATCH
                };
                if full {
                    self.flush();
                }
            }
            Emitter::Inline(delivery) => {
                delivery.deliver(&event);
            }
        }
    }

    /// Hands the queued callbacks to the callback thread, waking it if it was idle. The
    /// adapter calls this at the end of each turn, before it waits for more work.
    pub fn flush(&self) {
        let Emitter::Thread { held, queue } = self else {
            return;
        };
        let mut held = held.borrow_mut();
        if held.is_empty() {
            return;
        }
        let mut state = queue.state.lock();
        if state.closed {
            held.clear();
            return;
        }
        let was_empty = state.events.is_empty();
        state.events.append(&mut held);
        drop(state);
        // A callback thread with events still queued is not waiting: it looks again after
        // its batch, so only a hand-off into an empty queue needs a wake-up.
        if was_empty {
            queue.arrived.notify_one();
        }
    }
}

impl Drop for Emitter {
    fn drop(&mut self) {
        self.flush();
        if let Emitter::Thread { queue, .. } = self {
            queue.state.lock().closed = true;
            queue.arrived.notify_one();
        }
    }
}

fn run(queue: &Queue, delivery: &Delivery) {
    // Each wake takes everything queued, so a burst costs one wake-up and one lock; the two
    // buffers are swapped, not reallocated.
    let mut batch = Vec::new();
    loop {
        {
            let mut state = queue.state.lock();
            while state.events.is_empty() && !state.closed {
                queue.arrived.wait(&mut state);
            }
            if state.events.is_empty() {
                return;
            }
            std::mem::swap(&mut state.events, &mut batch);
        }
        for event in batch.drain(..) {
            if !delivery.deliver(&event) {
                return;
            }
        }
    }
}
