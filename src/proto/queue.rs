//! The queue that carries a link's frames from the system to the client ([`down_channel`]).
//!
//! A process may hold a great many links that stay idle almost all the time, so this queue
//! costs little beyond its own small shared cell while it is quiet: one frame waits inline,
//! more frames go to a buffer. The buffer is kept while frames keep coming in bursts (so a busy
//! link does not allocate per burst), and given back when the receiver finds the queue empty
//! twice in a row with no burst in between. A link hears at least a pong every ping interval,
//! so an idle link gives its buffer back within two of them. (A tokio unbounded channel
//! allocates a block of 32 slots as soon as it is made, ~4 KB per link for [`Down`] frames.)

use super::link::Down;
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// The link was closed; nothing more can be sent on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the link to the RTM system is closed")]
pub struct LinkClosed;

/// Makes a link's down queue: unbounded, in order, one receiver and any number of senders.
///
/// The receiver's [`DownReceiver::recv`] ends (`None`) once every [`DownSender`] is dropped
/// and the frames already queued are taken; a send fails once the receiver is dropped.
///
/// ```
/// use sig2rtm::transport::down_channel;
/// use sig2rtm::transport::protocol::Down;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let (tx, mut rx) = down_channel();
/// tx.send(Down::Pong).unwrap();
/// drop(tx);
/// assert!(matches!(rx.recv().await, Some(Down::Pong)));
/// assert!(rx.recv().await.is_none());
/// # }
/// ```
pub fn down_channel() -> (DownSender, DownReceiver) {
    let shared = Arc::new(Mutex::new(Queue {
        head: None,
        rest: VecDeque::new(),
        waker: None,
        burst: false,
        senders: 1,
        receiver: true,
    }));
    (
        DownSender {
            shared: shared.clone(),
        },
        DownReceiver { shared },
    )
}

struct Queue {
    /// The oldest frame waiting. Kept inline, so a link that carries one frame at a time (an
    /// answer, a pong) never allocates.
    head: Option<Down>,
    /// The frames after `head`, in order; empty whenever `head` is `None`.
    rest: VecDeque<Down>,
    /// The receiver waiting for a frame.
    waker: Option<Waker>,
    /// `rest` was used since the receiver last found the queue empty.
    burst: bool,
    /// Live senders.
    senders: usize,
    /// The receiver still exists.
    receiver: bool,
}

impl Queue {
    fn pop(&mut self) -> Option<Down> {
        let first = self.head.take()?;
        self.head = self.rest.pop_front();
        Some(first)
    }
}

/// The sending half of a link's down queue (see [`down_channel`]). Clones send into the same
/// queue.
pub struct DownSender {
    shared: Arc<Mutex<Queue>>,
}

impl DownSender {
    /// Queues one frame for the receiver. Never blocks; fails when the receiver is gone (the
    /// frame is then dropped).
    pub fn send(&self, down: Down) -> Result<(), LinkClosed> {
        let waker = {
            let mut q = self.shared.lock();
            if !q.receiver {
                return Err(LinkClosed);
            }
            if q.head.is_none() {
                q.head = Some(down);
            } else {
                q.rest.push_back(down);
                q.burst = true;
            }
            q.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// True once the receiver is dropped: nothing sent will be taken.
    pub fn is_closed(&self) -> bool {
        !self.shared.lock().receiver
    }
}

impl Clone for DownSender {
    fn clone(&self) -> Self {
        self.shared.lock().senders += 1;
        DownSender {
            shared: self.shared.clone(),
        }
    }
}

impl Drop for DownSender {
    fn drop(&mut self) {
        let waker = {
            let mut q = self.shared.lock();
            q.senders -= 1;
            if q.senders > 0 {
                return;
            }
            q.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl std::fmt::Debug for DownSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownSender").finish_non_exhaustive()
    }
}

/// The receiving half of a link's down queue: what the system sends, in order (see
/// [`down_channel`]).
pub struct DownReceiver {
    shared: Arc<Mutex<Queue>>,
}

impl DownReceiver {
    /// The next frame; `None` once every sender is dropped and the queue is empty.
    pub async fn recv(&mut self) -> Option<Down> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next frame: `Ready(None)` once every sender is dropped and the queue is
    /// empty; otherwise `Pending` until a frame arrives, and `cx` is woken then.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Down>> {
        let mut q = self.shared.lock();
        if let Some(down) = q.pop() {
            return Poll::Ready(Some(down));
        }
        // Empty: the buffer goes unless it served a burst since the last time.
        if q.rest.capacity() > 0 && !std::mem::take(&mut q.burst) {
            q.rest = VecDeque::new();
        }
        if q.senders == 0 {
            return Poll::Ready(None);
        }
        match &q.waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => q.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// The next frame if one is waiting now.
    pub fn try_recv(&mut self) -> Option<Down> {
        self.shared.lock().pop()
    }
}

impl Drop for DownReceiver {
    fn drop(&mut self) {
        let (head, rest, waker) = {
            let mut q = self.shared.lock();
            q.receiver = false;
            (q.head.take(), std::mem::take(&mut q.rest), q.waker.take())
        };
        // Dropped outside the lock.
        drop((head, rest, waker));
    }
}

impl std::fmt::Debug for DownReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownReceiver").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pong_count(rx: &mut DownReceiver) -> usize {
        std::iter::from_fn(|| rx.try_recv()).count()
    }

    #[tokio::test]
    async fn frames_arrive_in_order_and_the_stream_ends_with_the_last_sender() {
        let (tx, mut rx) = down_channel();
        let tx2 = tx.clone();
        for id in 0..100 {
            let sender = if id % 2 == 0 { &tx } else { &tx2 };
            sender
                .send(Down::Reply {
                    id,
                    result: Ok(crate::proto::link::Reply::Done),
                })
                .unwrap();
        }
        drop(tx);
        for want in 0..100 {
            match rx.recv().await {
                Some(Down::Reply { id, .. }) => assert_eq!(id, want),
                other => panic!("unexpected {other:?}"),
            }
        }
        // One sender left: the queue is empty but open.
        assert!(rx.try_recv().is_none());
        tx2.send(Down::Pong).unwrap();
        assert_eq!(pong_count(&mut rx), 1);
        drop(tx2);
        assert!(rx.recv().await.is_none());
    }

    #[tokio::test]
    async fn a_waiting_receiver_is_woken_by_a_send_and_by_the_last_drop() {
        let (tx, mut rx) = down_channel();
        let reader = tokio::spawn(async move {
            let mut n = 0;
            while rx.recv().await.is_some() {
                n += 1;
            }
            n
        });
        tokio::task::yield_now().await;
        for _ in 0..5 {
            tx.send(Down::Pong).unwrap();
            tokio::task::yield_now().await;
        }
        drop(tx);
        assert_eq!(reader.await.unwrap(), 5);
    }

    #[test]
    fn sending_fails_once_the_receiver_is_gone() {
        let (tx, rx) = down_channel();
        assert!(!tx.is_closed());
        tx.send(Down::Pong).unwrap();
        drop(rx);
        assert!(tx.is_closed());
        assert_eq!(tx.send(Down::Pong), Err(LinkClosed));
    }

    #[test]
    fn the_buffer_stays_through_bursts_and_goes_when_they_stop() {
        let (tx, mut rx) = down_channel();
        let mut cx = Context::from_waker(Waker::noop());
        let mut drain = |rx: &mut DownReceiver| {
            let mut n = 0;
            while let Poll::Ready(Some(_)) = rx.poll_recv(&mut cx) {
                n += 1;
            }
            n
        };
        let capacity = |rx: &DownReceiver| rx.shared.lock().rest.capacity();
        for _ in 0..3 {
            for _ in 0..50 {
                tx.send(Down::Pong).unwrap();
            }
            assert!(capacity(&rx) >= 49);
            assert_eq!(drain(&mut rx), 50);
            // A burst came since the last time the queue was empty: the buffer stays.
            assert!(capacity(&rx) >= 49);
        }
        // One frame at a time (a pong) waits inline; the next time the queue is empty, the
        // buffer goes.
        tx.send(Down::Pong).unwrap();
        assert_eq!(drain(&mut rx), 1);
        assert_eq!(capacity(&rx), 0);
    }
}
