//! What a session has queued for its socket, with the write-buffer limit that protects the
//! server from clients that do not read (slow readers).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::sync::Notify;

/// One item for the socket writer.
#[derive(Debug)]
pub(crate) enum Out {
    /// A text frame.
    Text(String),
    /// Send what came before, then a WebSocket close with this reason, then stop.
    Close(String),
}

/// The sending side, shared by the protocol handler and the session's callbacks.
#[derive(Debug)]
pub(crate) struct Outbox {
    tx: UnboundedSender<Out>,
    queued: Arc<AtomicUsize>,
    limit: usize,
    overflowed: AtomicBool,
    overflow: Arc<Notify>,
}

/// The writer's side: the frames, the byte count to release and the overflow signal.
#[derive(Debug)]
pub(crate) struct Inbox {
    pub rx: UnboundedReceiver<Out>,
    pub queued: Arc<AtomicUsize>,
    pub overflow: Arc<Notify>,
}

impl Outbox {
    /// A pair whose sender refuses frames once more than `limit` bytes wait for the socket.
    pub(crate) fn new(limit: usize) -> (Outbox, Inbox) {
        let (tx, rx) = unbounded_channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let overflow = Arc::new(Notify::new());
        (
            Outbox {
                tx,
                queued: queued.clone(),
                limit,
                overflowed: AtomicBool::new(false),
                overflow: overflow.clone(),
            },
            Inbox {
                rx,
                queued,
                overflow,
            },
        )
    }

    /// Queues a text frame; past the limit the frame is refused and the writer told to close.
    pub(crate) fn text(&self, text: String) {
        if self.overflowed.load(Ordering::Acquire) {
            return;
        }
        let n = text.len();
        if self.queued.fetch_add(n, Ordering::AcqRel) + n > self.limit {
            self.overflowed.store(true, Ordering::Release);
            self.overflow.notify_one();
            return;
        }
        let _ = self.tx.send(Out::Text(text));
    }

    /// Queues the end of the connection.
    pub(crate) fn close(&self, reason: impl Into<String>) {
        let _ = self.tx.send(Out::Close(reason.into()));
    }
}

impl Inbox {
    /// Marks `n` bytes as written.
    pub(crate) fn written(&self, n: usize) {
        self.queued.fetch_sub(n, Ordering::AcqRel);
    }
}
