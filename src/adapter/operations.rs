//! RTM operations in flight and the lanes that order their continuations.
//!
//! Every RTM operation the adapter starts is polled by the adapter task itself (no task per
//! operation). When one finishes, its continuation waits for its turn in its *lane*:
//! continuations of one lane run in the order their operations were started, lanes do not wait
//! for one another (T4).

use super::Adapter;
use futures_util::future::MaybeDone;
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Orders continuations: the adapter applies them per lane in the order their operations began.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Lane {
    /// Login and logout.
    Session,
    /// Peer and channel messages.
    Messages,
    /// Operations on one channel.
    Channel(String),
    /// Invitations.
    Invitations,
    /// Queries and attributes.
    Queries,
    /// A timer of its own, ordered after nothing: a pending timer never holds up another
    /// lane's continuations (T4).
    Timer(u64),
}

/// An RTM operation together with what the adapter does with its result, in one allocation.
trait Operation: Send {
    /// Drives the operation; ready once its result is stored.
    fn poll_operation(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()>;

    /// Applies the continuation to the stored result (the first call only).
    fn finish(self: Pin<&mut Self>, adapter: &mut Adapter);
}

impl<F, T, K> Operation for MaybeDone<F>
where
    F: Future<Output = (T, K)> + Send,
    T: Send,
    K: FnOnce(&mut Adapter, T) + Send,
{
    fn poll_operation(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.poll(cx)
    }

    fn finish(self: Pin<&mut Self>, adapter: &mut Adapter) {
        if let Some((output, k)) = self.take_output() {
            k(adapter, output);
        }
    }
}

/// A finished operation, whose continuation is still to be applied.
pub(super) struct Continuation(Pin<Box<dyn Operation>>);

impl Continuation {
    /// Applies the continuation to the operation's result.
    pub(super) fn finish(mut self, adapter: &mut Adapter) {
        self.0.as_mut().finish(adapter);
    }
}

/// A finished operation: its lane, its place in the lane, and what to do with its result.
pub(super) type Finished = (Lane, u64, Continuation);

/// An operation in flight, polled by the adapter task.
struct InFlight {
    lane: Option<Lane>,
    seq: u64,
    operation: Option<Pin<Box<dyn Operation>>>,
}

impl Future for InFlight {
    type Output = Finished;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Finished> {
        let this = &mut *self;
        let Some(operation) = this.operation.as_mut() else {
            return Poll::Pending;
        };
        ready!(operation.as_mut().poll_operation(cx));
        match (this.lane.take(), this.operation.take()) {
            (Some(lane), Some(operation)) => Poll::Ready((lane, this.seq, Continuation(operation))),
            _ => Poll::Pending,
        }
    }
}

#[derive(Default)]
struct LaneState {
    next_issue: u64,
    next_apply: u64,
    ready: BTreeMap<u64, Continuation>,
}

/// The operations in flight, the continuations waiting for their turn, and the lanes.
#[derive(Default)]
pub(super) struct Operations {
    /// Operations in flight; the adapter task polls them between commands and events.
    set: FuturesUnordered<InFlight>,
    /// Operations added since the set was last polled, which have not started yet.
    fresh: bool,
    /// Finished operations whose continuations wait for their turn (commands go first).
    finished: VecDeque<Finished>,
    lanes: HashMap<Lane, LaneState>,
    next_timer: u64,
}

impl Operations {
    /// Adds `op`, whose continuation `k` is applied after those of the operations started
    /// earlier on `lane`.
    pub(super) fn push<T, F, K>(&mut self, lane: Lane, op: F, k: K)
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
        K: FnOnce(&mut Adapter, T) + Send + 'static,
    {
        let state = self.lanes.entry(lane.clone()).or_default();
        let seq = state.next_issue;
        state.next_issue += 1;
        let operation = MaybeDone::Future(async move { (op.await, k) });
        self.set.push(InFlight {
            lane: Some(lane),
            seq,
            operation: Some(Box::pin(operation)),
        });
        self.fresh = true;
    }

    /// A lane of its own for a timer.
    pub(super) fn timer_lane(&mut self) -> Lane {
        self.next_timer += 1;
        Lane::Timer(self.next_timer)
    }

    /// Whether operations were added since the set was last polled.
    pub(super) fn has_fresh(&self) -> bool {
        self.fresh
    }

    /// Whether a finished operation waits to be applied.
    pub(super) fn has_finished(&self) -> bool {
        !self.finished.is_empty()
    }

    /// Polls the operations that can make progress; the continuations of those that finish
    /// are queued behind the ones already waiting.
    pub(super) async fn poll(&mut self) {
        self.fresh = false;
        let (set, finished) = (&mut self.set, &mut self.finished);
        std::future::poll_fn(|cx| {
            while let Poll::Ready(Some(done)) = poll_set(set, cx) {
                finished.push_back(done);
            }
            Poll::Ready(())
        })
        .await
    }

    /// The next finished operation: one already queued, else one the set yields; pending while
    /// none has finished.
    pub(super) fn next_finished(&mut self) -> NextFinished<'_> {
        NextFinished {
            finished: &mut self.finished,
            set: &mut self.set,
        }
    }

    /// The next finished operation if there is one now, without waiting.
    pub(super) async fn finished_now(&mut self) -> Option<Finished> {
        let mut next = self.next_finished();
        std::future::poll_fn(|cx| match Pin::new(&mut next).poll(cx) {
            Poll::Ready(done) => Poll::Ready(done),
            Poll::Pending => Poll::Ready(None),
        })
        .await
    }

    /// Files a finished continuation in its lane. Returns it when its turn has come (the
    /// caller applies it, then asks [`Operations::applied`] for the next one).
    pub(super) fn arrive(
        &mut self,
        lane: &Lane,
        seq: u64,
        k: Continuation,
    ) -> Option<Continuation> {
        let state = self.lanes.entry(lane.clone()).or_default();
        if seq != state.next_apply {
            state.ready.insert(seq, k);
            return None;
        }
        Some(k)
    }

    /// Records that the continuation whose turn it was has been applied; gives the next one of
    /// the lane if it is already waiting. A lane with nothing outstanding is forgotten, so
    /// lanes do not pile up.
    pub(super) fn applied(&mut self, lane: &Lane) -> Option<Continuation> {
        let state = self.lanes.get_mut(lane)?;
        state.next_apply += 1;
        if let Some(next) = state.ready.remove(&state.next_apply) {
            return Some(next);
        }
        if state.ready.is_empty() && state.next_apply == state.next_issue {
            self.lanes.remove(lane);
        }
        None
    }

    /// The operations still in flight (for them to run to their end after `destroy`).
    pub(super) fn take_in_flight(&mut self) -> impl Future<Output = ()> + Send + 'static {
        std::mem::take(&mut self.set).for_each(|_| async {})
    }

    /// Whether no operation is in flight.
    pub(super) fn is_idle(&self) -> bool {
        self.set.is_empty()
    }
}

/// The future of [`Operations::next_finished`].
pub(super) struct NextFinished<'a> {
    finished: &'a mut VecDeque<Finished>,
    set: &'a mut FuturesUnordered<InFlight>,
}

impl Future for NextFinished<'_> {
    type Output = Option<Finished>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(done) = self.finished.pop_front() {
            return Poll::Ready(Some(done));
        }
        match poll_set(self.set, cx) {
            Poll::Ready(Some(done)) => Poll::Ready(Some(done)),
            // An empty set: `push` adds to it only from this task, which polls again after.
            Poll::Ready(None) | Poll::Pending => Poll::Pending,
        }
    }
}

/// Polls the set of operations once, outside tokio's cooperative budget. Each operation used
/// to be a task with a budget of its own; drawn from the adapter task's budget, which its
/// commands spend, every operation would look pending (and wake itself) once that ran out.
fn poll_set(set: &mut FuturesUnordered<InFlight>, cx: &mut Context<'_>) -> Poll<Option<Finished>> {
    let next = std::future::poll_fn(|cx| set.poll_next_unpin(cx));
    std::pin::pin!(tokio::task::unconstrained(next)).poll(cx)
}
