//! The session's numbered event stream: what was handled, what was acknowledged.

use crate::proto::link::StreamSeq;

/// How far the session's stream was handled and acknowledged. Events the system sends again
/// after a resume (everything after the last acknowledgement) are handled once.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Stream {
    /// The last event handled.
    pub(super) seen: StreamSeq,
    /// The last position acknowledged to the system.
    pub(super) acked: StreamSeq,
}

impl Stream {
    /// Whether the event `seq` is new (and marks it handled).
    pub(super) fn fresh(&mut self, seq: StreamSeq) -> bool {
        let fresh = seq > self.seen;
        if fresh {
            self.seen = seq;
        }
        fresh
    }

    /// The position to acknowledge, if the stream was handled further than acknowledged.
    pub(super) fn take_ack(&mut self) -> Option<StreamSeq> {
        if self.seen == self.acked {
            return None;
        }
        self.acked = self.seen;
        Some(self.seen)
    }
}
