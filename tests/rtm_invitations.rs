//! Call invitations of the RTM core (spec/rtm-1x.md §1.5 and §2.5): the ten call events, their
//! order across caller and callee, the states of the invitation objects, the system's timers
//! (30 s peer wait, 60 s expiry, 5 s accept acknowledgement) in virtual time, and every
//! `INVITATION_API_CALL_ERR_CODE` misuse.
//!
//! Events of every client are recorded on one shared [`Timeline`]: each client's stream is pumped
//! by its own task into a single log, so the log shows the order in which the events happened
//! across clients (an event that causes another is always recorded first).

mod common;

use common::{settle, APP};
use sig2rtm::rtm::{
    CallEvent, InvitationApiCallErrCode, LocalInvitation, LocalInvitationState, PeerDelivery,
    RemoteInvitation, RemoteInvitationState, RtmCallManager, RtmClient, RtmCode, RtmEvent,
    RtmMessage, SendMessageOptions, END_CALL_PREFIX,
};
use sig2rtm::system::System;
use sig2rtm::transport::protocol::Up;
use sig2rtm::transport::{Connector, InProcessConnector, Link, LinkClosed, LinkSender};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::{sleep, Instant};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

struct Entry {
    at: Instant,
    who: &'static str,
    event: RtmEvent,
}

/// The events of several clients, in the order they happened.
#[derive(Clone, Default)]
struct Timeline {
    log: Arc<Mutex<Vec<Entry>>>,
}

/// A short, comparable description of an event (`None` for connection-state changes).
fn show(event: &RtmEvent) -> Option<String> {
    Some(match event {
        RtmEvent::ConnectionStateChanged { .. } => return None,
        RtmEvent::MessageFromPeer { peer_id, message } => {
            format!("MessageFromPeer({peer_id}, {:?})", message.text())
        }
        RtmEvent::Call(call) => match call {
            CallEvent::LocalInvitationReceivedByPeer(i) => {
                format!("LocalInvitationReceivedByPeer({})", i.callee_id())
            }
            CallEvent::LocalInvitationAccepted {
                invitation,
                response,
            } => format!(
                "LocalInvitationAccepted({}, {response:?})",
                invitation.callee_id()
            ),
            CallEvent::LocalInvitationRefused {
                invitation,
                response,
            } => format!(
                "LocalInvitationRefused({}, {response:?})",
                invitation.callee_id()
            ),
            CallEvent::LocalInvitationCanceled(i) => {
                format!("LocalInvitationCanceled({})", i.callee_id())
            }
            CallEvent::LocalInvitationFailure { invitation, code } => {
                format!("LocalInvitationFailure({}, {code})", invitation.callee_id())
            }
            CallEvent::RemoteInvitationReceived(i) => {
                format!("RemoteInvitationReceived({})", i.caller_id())
            }
            CallEvent::RemoteInvitationAccepted(i) => {
                format!("RemoteInvitationAccepted({})", i.caller_id())
            }
            CallEvent::RemoteInvitationRefused(i) => {
                format!("RemoteInvitationRefused({})", i.caller_id())
            }
            CallEvent::RemoteInvitationCanceled(i) => {
                format!("RemoteInvitationCanceled({})", i.caller_id())
            }
            CallEvent::RemoteInvitationFailure { invitation, code } => {
                format!(
                    "RemoteInvitationFailure({}, {code})",
                    invitation.caller_id()
                )
            }
        },
        other => format!("{other:?}"),
    })
}

fn show_all(event: &RtmEvent) -> String {
    match event {
        RtmEvent::ConnectionStateChanged { state, reason } => {
            format!(
                "ConnectionStateChanged({}, {})",
                state.name(),
                reason.name()
            )
        }
        other => show(other).unwrap_or_default(),
    }
}

impl Timeline {
    fn new() -> Self {
        Self::default()
    }

    /// Records every event of `client` under the name `who` from now on.
    fn watch(&self, who: &'static str, client: &RtmClient) {
        let mut events = client.subscribe();
        let log = self.log.clone();
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                log.lock().unwrap().push(Entry {
                    at: Instant::now(),
                    who,
                    event,
                });
            }
        });
    }

    /// Every event except connection-state changes, as `"who: event"`, in order.
    fn lines(&self) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| show(&e.event).map(|s| format!("{}: {s}", e.who)))
            .collect()
    }

    /// The events of one client except connection-state changes.
    fn of(&self, who: &str) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.who == who)
            .filter_map(|e| show(&e.event))
            .collect()
    }

    /// Every event of one client, connection-state changes included.
    fn all_of(&self, who: &str) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.who == who)
            .map(|e| show_all(&e.event))
            .collect()
    }

    /// When `who` got the event described as `line`.
    fn when(&self, who: &str, line: &str) -> Instant {
        self.log
            .lock()
            .unwrap()
            .iter()
            .find(|e| e.who == who && show(&e.event).as_deref() == Some(line))
            .map(|e| e.at)
            .unwrap_or_else(|| panic!("{who} never got {line}; timeline: {:#?}", self.lines()))
    }

    /// The invitations `who` received, in order.
    fn remotes(&self, who: &str) -> Vec<RemoteInvitation> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.who == who)
            .filter_map(|e| match &e.event {
                RtmEvent::Call(CallEvent::RemoteInvitationReceived(i)) => Some(i.clone()),
                _ => None,
            })
            .collect()
    }

    /// The one invitation `who` received.
    fn remote(&self, who: &str) -> RemoteInvitation {
        let mut all = self.remotes(who);
        assert_eq!(all.len(), 1, "{who} received {} invitations", all.len());
        all.pop().unwrap()
    }

    /// The local invitations carried by `who`'s call events, in order.
    fn locals(&self, who: &str) -> Vec<LocalInvitation> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.who == who)
            .filter_map(|e| match &e.event {
                RtmEvent::Call(
                    CallEvent::LocalInvitationReceivedByPeer(i)
                    | CallEvent::LocalInvitationCanceled(i)
                    | CallEvent::LocalInvitationAccepted { invitation: i, .. }
                    | CallEvent::LocalInvitationRefused { invitation: i, .. }
                    | CallEvent::LocalInvitationFailure { invitation: i, .. },
                ) => Some(i.clone()),
                _ => None,
            })
            .collect()
    }
}

/// A client of `who`, recorded on `tl`, logged in.
async fn online(system: &System, tl: &Timeline, who: &'static str) -> RtmClient {
    let client = common::client(system);
    tl.watch(who, &client);
    client.login("", who).await.unwrap();
    client
}

/// A connector whose links never pass client notices (the acknowledgements of a received
/// invitation and of a seen accept) to the system: a client that never acknowledges.
struct DropNotices {
    inner: InProcessConnector,
    dropped: Arc<AtomicUsize>,
}

struct DropNoticesSender {
    inner: Box<dyn LinkSender>,
    dropped: Arc<AtomicUsize>,
}

impl LinkSender for DropNoticesSender {
    fn send(&self, up: Up) -> Result<(), LinkClosed> {
        match up {
            Up::Notice(_) => {
                self.dropped.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
            other => self.inner.send(other),
        }
    }

    fn close(&self) {
        self.inner.close()
    }
}

#[async_trait::async_trait]
impl Connector for DropNotices {
    async fn connect(&self) -> std::io::Result<Link> {
        let link = self.inner.connect().await?;
        Ok(Link {
            sender: Box::new(DropNoticesSender {
                inner: link.sender,
                dropped: self.dropped.clone(),
            }),
            receiver: link.receiver,
        })
    }

    fn describe(&self) -> String {
        "embedded RTM system, notices dropped".into()
    }
}

/// A logged-in client of `who` that never acknowledges anything, and its count of dropped
/// acknowledgements.
async fn silent(
    system: &System,
    tl: &Timeline,
    who: &'static str,
) -> (RtmClient, Arc<AtomicUsize>) {
    let dropped = Arc::new(AtomicUsize::new(0));
    let connector = DropNotices {
        inner: InProcessConnector::new(system.clone()),
        dropped: dropped.clone(),
    };
    let client = RtmClient::builder(APP)
        .connector(Arc::new(connector))
        .build()
        .unwrap();
    tl.watch(who, &client);
    client.login("", who).await.unwrap();
    (client, dropped)
}

/// Creates and sends an invitation.
async fn invite(
    manager: &RtmCallManager,
    callee: &str,
    content: &str,
    channel_id: &str,
) -> LocalInvitation {
    let inv = manager.create_local_invitation(callee);
    inv.set_content(content);
    inv.set_channel_id(channel_id);
    manager.send_local_invitation(&inv).await.unwrap();
    inv
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}

// ---------------------------------------------------------------------------------------------
// The normal flows
// ---------------------------------------------------------------------------------------------

/// Send: the callee gets `RemoteInvitationReceived` (state INVITATION_RECEIVED, with the content,
/// channel id and caller), then the caller `LocalInvitationReceivedByPeer` (RECEIVED_BY_REMOTE).
#[tokio::test(start_paused = true)]
async fn send_reaches_the_callee_then_the_caller_learns_it_was_received() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;
    let _bob = online(&system, &tl, "bob").await;

    let manager = alice.call_manager();
    let inv = manager.create_local_invitation("bob");
    assert_eq!(inv.state(), LocalInvitationState::Idle);
    assert_eq!(inv.state().code(), 0);
    assert_eq!(inv.callee_id(), "bob");
    assert_eq!(inv.response(), "");
    inv.set_content("video call?");
    inv.set_channel_id("room 1");
    assert_eq!(inv.content(), "video call?");
    assert_eq!(inv.channel_id(), "room 1");

    manager.send_local_invitation(&inv).await.unwrap();
    settle().await;

    assert_eq!(
        tl.lines(),
        [
            "bob: RemoteInvitationReceived(alice)",
            "alice: LocalInvitationReceivedByPeer(bob)",
        ]
    );
    let remote = tl.remote("bob");
    assert_eq!(remote.caller_id(), "alice");
    assert_eq!(remote.content(), "video call?");
    assert_eq!(remote.channel_id(), "room 1");
    assert_eq!(remote.response(), "");
    assert_eq!(remote.state(), RemoteInvitationState::InvitationReceived);
    assert_eq!(remote.state().code(), 1);
    assert_eq!(inv.state(), LocalInvitationState::ReceivedByRemote);
    assert_eq!(inv.state().code(), 2);
    // The event carries the very invitation the app sent.
    assert!(tl.locals("alice")[0].same_as(&inv));
}

/// Once sent, content and channel id can no longer change (later sets are ignored).
#[tokio::test(start_paused = true)]
async fn content_and_channel_id_are_frozen_once_sent() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;
    let _bob = online(&system, &tl, "bob").await;

    let inv = invite(&alice.call_manager(), "bob", "first", "room1").await;
    inv.set_content("second");
    inv.set_channel_id("room2");
    settle().await;

    assert_eq!(inv.content(), "first");
    assert_eq!(inv.channel_id(), "room1");
    let remote = tl.remote("bob");
    assert_eq!(remote.content(), "first");
    assert_eq!(remote.channel_id(), "room1");
}

/// Accept is a three-way handshake: the caller's `LocalInvitationAccepted(response)` comes
/// before the callee's `RemoteInvitationAccepted`; states end ACCEPTED_BY_REMOTE / ACCEPTED.
#[tokio::test(start_paused = true)]
async fn accept_reaches_the_caller_before_the_callee_learns_the_call_is_on() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;
    let bob = online(&system, &tl, "bob").await;

    let inv = invite(&alice.call_manager(), "bob", "call?", "room1").await;
    settle().await;
    let remote = tl.remote("bob");
    remote.set_response("on my way");
    assert_eq!(remote.response(), "on my way");
    bob.call_manager()
        .accept_remote_invitation(&remote)
        .await
        .unwrap();
    settle().await;

    assert_eq!(
        tl.lines(),
        [
            "bob: RemoteInvitationReceived(alice)",
            "alice: LocalInvitationReceivedByPeer(bob)",
            "alice: LocalInvitationAccepted(bob, \"on my way\")",
            "bob: RemoteInvitationAccepted(alice)",
        ]
    );
    assert_eq!(inv.state(), LocalInvitationState::AcceptedByRemote);
    assert_eq!(inv.state().code(), 3);
    assert_eq!(inv.response(), "on my way");
    assert_eq!(remote.state(), RemoteInvitationState::Accepted);
    assert_eq!(remote.state().code(), 4);
}

/// Refuse: the callee's `RemoteInvitationRefused` comes first, then the caller's
/// `LocalInvitationRefused(response)`; states REFUSED / REFUSED_BY_REMOTE.
#[tokio::test(start_paused = true)]
async fn refuse_ends_on_the_callee_first_then_the_caller_gets_the_response() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;
    let bob = online(&system, &tl, "bob").await;

    let inv = invite(&alice.call_manager(), "bob", "call?", "").await;
    settle().await;
    let remote = tl.remote("bob");
    remote.set_response("busy");
    bob.call_manager()
        .refuse_remote_invitation(&remote)
        .await
        .unwrap();
    settle().await;

    assert_eq!(
        tl.lines(),
        [
            "bob: RemoteInvitationReceived(alice)",
            "alice: LocalInvitationReceivedByPeer(bob)",
            "bob: RemoteInvitationRefused(alice)",
            "alice: LocalInvitationRefused(bob, \"busy\")",
        ]
    );
    assert_eq!(remote.state(), RemoteInvitationState::Refused);
    assert_eq!(remote.state().code(), 3);
    assert_eq!(inv.state(), LocalInvitationState::RefusedByRemote);
    assert_eq!(inv.state().code(), 4);
    assert_eq!(inv.response(), "busy");
}

/// Cancel: the callee's `RemoteInvitationCanceled` comes before the caller's
/// `LocalInvitationCanceled` (shim-contract §8: callee first); both states CANCELED.
#[tokio::test(start_paused = true)]
async fn cancel_ends_on_the_callee_first_then_on_the_caller() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;
    let _bob = online(&system, &tl, "bob").await;

    let manager = alice.call_manager();
    let inv = invite(&manager, "bob", "call?", "").await;
    settle().await;
    manager.cancel_local_invitation(&inv).await.unwrap();
    settle().await;

    assert_eq!(
        tl.lines(),
        [
            "bob: RemoteInvitationReceived(alice)",
            "alice: LocalInvitationReceivedByPeer(bob)",
            "bob: RemoteInvitationCanceled(alice)",
            "alice: LocalInvitationCanceled(bob)",
        ]
    );
    assert_eq!(inv.state(), LocalInvitationState::Canceled);
    assert_eq!(inv.state().code(), 5);
    let remote = tl.remote("bob");
    assert_eq!(remote.state(), RemoteInvitationState::Canceled);
    assert_eq!(remote.state().code(), 5);
}

/// An invitation cancelled while its callee is offline is never shown to the callee.
#[tokio::test(start_paused = true)]
async fn an_invitation_cancelled_before_the_callee_logs_in_never_reaches_it() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;

    let manager = alice.call_manager();
    let inv = invite(&manager, "bob", "call?", "").await;
    manager.cancel_local_invitation(&inv).await.unwrap();
    let _bob = online(&system, &tl, "bob").await;
    sleep(secs(40)).await;

    assert_eq!(tl.lines(), ["alice: LocalInvitationCanceled(bob)"]);
    assert_eq!(inv.state(), LocalInvitationState::Canceled);
}

// ---------------------------------------------------------------------------------------------
// Timers and failures
// ---------------------------------------------------------------------------------------------

/// A callee that stays offline fails the invitation with PEER_OFFLINE (1) exactly 30 s after it
/// was sent; until then the invitation is SENT_TO_REMOTE.
#[tokio::test(start_paused = true)]
async fn callee_offline_for_30_s_fails_with_peer_offline_at_exactly_30_s() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;

    let t0 = Instant::now();
    let inv = invite(&alice.call_manager(), "bob", "call?", "").await;
    assert_eq!(inv.state(), LocalInvitationState::SentToRemote);
    assert_eq!(inv.state().code(), 1);

    sleep(ms(29_999)).await;
    assert_eq!(tl.lines(), Vec::<String>::new());
    assert_eq!(inv.state(), LocalInvitationState::SentToRemote);

    sleep(ms(1)).await;
    settle().await;
    assert_eq!(
        tl.lines(),
        ["alice: LocalInvitationFailure(bob, PEER_OFFLINE (1))"]
    );
    let at = tl.when("alice", "LocalInvitationFailure(bob, PEER_OFFLINE (1))");
    assert_eq!(at - t0, secs(30));
    assert_eq!(inv.state(), LocalInvitationState::Failure);
    assert_eq!(inv.state().code(), 6);
}

/// A callee that logs in within the 30 s gets the invitation right after its login succeeds,
/// and the flow continues: no PEER_OFFLINE at 30 s, and the accept handshake completes.
#[tokio::test(start_paused = true)]
async fn callee_logging_in_within_30_s_receives_the_invitation_and_can_accept() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;

    let t0 = Instant::now();
    let inv = invite(&alice.call_manager(), "bob", "call?", "room1").await;
    sleep(secs(20)).await;
    let bob = online(&system, &tl, "bob").await;
    settle().await;

    assert_eq!(
        tl.all_of("bob"),
        [
            "ConnectionStateChanged(CONNECTING, LOGIN)",
            "ConnectionStateChanged(CONNECTED, LOGIN_SUCCESS)",
            "RemoteInvitationReceived(alice)",
        ]
    );
    let received_by_peer = tl.when("alice", "LocalInvitationReceivedByPeer(bob)");
    assert_eq!(received_by_peer - t0, secs(20));
    let remote = tl.remote("bob");
    assert_eq!(remote.content(), "call?");
    assert_eq!(remote.channel_id(), "room1");

    // Past the 30 s peer wait: nothing fails.
    sleep(secs(15)).await;
    assert_eq!(
        tl.lines(),
        [
            "bob: RemoteInvitationReceived(alice)",
            "alice: LocalInvitationReceivedByPeer(bob)",
        ]
    );

    bob.call_manager()
        .accept_remote_invitation(&remote)
        .await
        .unwrap();
    settle().await;
    assert_eq!(
        tl.lines()[2..],
        [
            "alice: LocalInvitationAccepted(bob, \"\")",
            "bob: RemoteInvitationAccepted(alice)",
        ]
    );
    assert_eq!(inv.state(), LocalInvitationState::AcceptedByRemote);
    assert_eq!(remote.state(), RemoteInvitationState::Accepted);
}

/// A callee that is online but whose client never acknowledges the invitation fails it with
/// PEER_NO_RESPONSE (2) at 30 s; meanwhile the invitation stays SENT_TO_REMOTE.
#[tokio::test(start_paused = true)]
async fn callee_that_never_acknowledges_fails_with_peer_no_response_at_30_s() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;
    let (_bob, dropped) = silent(&system, &tl, "bob").await;

    let t0 = Instant::now();
    let inv = invite(&alice.call_manager(), "bob", "call?", "").await;
    settle().await;
    assert_eq!(tl.lines(), ["bob: RemoteInvitationReceived(alice)"]);
    assert_eq!(dropped.load(Ordering::SeqCst), 1);

    sleep(ms(29_999) - ms(10)).await;
    assert_eq!(tl.of("alice"), Vec::<String>::new());
    assert_eq!(inv.state(), LocalInvitationState::SentToRemote);

    sleep(ms(1)).await;
    settle().await;
    assert_eq!(
        tl.of("alice"),
        ["LocalInvitationFailure(bob, PEER_NO_RESPONSE (2))"]
    );
    let at = tl.when("alice", "LocalInvitationFailure(bob, PEER_NO_RESPONSE (2))");
    assert_eq!(at - t0, secs(30));
    assert_eq!(inv.state(), LocalInvitationState::Failure);
}

/// An accept of an invitation the system has already ended (here: after PEER_NO_RESPONSE) is
/// refused by the system with ALREADY_END (3); the callee's invitation then ends with
/// `RemoteInvitationFailure(ACCEPT_FAILURE)`, so its lifecycle is closed.
#[tokio::test(start_paused = true)]
async fn accepting_an_invitation_the_system_already_ended_fails_with_already_end() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;
    let (bob, _) = silent(&system, &tl, "bob").await;

    invite(&alice.call_manager(), "bob", "call?", "").await;
    sleep(secs(31)).await;
    let remote = tl.remote("bob");
    assert_eq!(remote.state(), RemoteInvitationState::InvitationReceived);

    let err = bob
        .call_manager()
        .accept_remote_invitation(&remote)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), InvitationApiCallErrCode::AlreadyEnd);
    assert_eq!(err.code(), 3);
    settle().await;
    assert_eq!(
        tl.of("bob"),
        [
            "RemoteInvitationReceived(alice)",
            "RemoteInvitationFailure(alice, ACCEPT_FAILURE (2))",
        ]
    );
    assert_eq!(remote.state(), RemoteInvitationState::Failure);
}

/// A refusal of an invitation the system has already ended fails with ALREADY_END (3), and the
/// callee's invitation is then over (FAILURE, without an event: RTM has no code for it).
#[tokio::test(start_paused = true)]
async fn refusing_an_invitation_the_system_already_ended_fails_with_already_end() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;
    let (bob, _) = silent(&system, &tl, "bob").await;

    invite(&alice.call_manager(), "bob", "call?", "").await;
    sleep(secs(31)).await;
    let remote = tl.remote("bob");

    let err = bob
        .call_manager()
        .refuse_remote_invitation(&remote)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), InvitationApiCallErrCode::AlreadyEnd);
    assert_eq!(err.code(), 3);
    settle().await;
    assert_eq!(remote.state(), RemoteInvitationState::Failure);
    assert_eq!(tl.of("bob"), ["RemoteInvitationReceived(alice)"]);
    assert_eq!(
        tl.of("alice"),
        ["LocalInvitationFailure(bob, PEER_NO_RESPONSE (2))"]
    );
}

/// No accept, refuse or cancel within 60 s of the callee receiving it: both sides fail with
/// INVITATION_EXPIRE (3) — the callee first — at exactly 60 s.
#[tokio::test(start_paused = true)]
async fn unanswered_invitation_expires_on_both_sides_60_s_after_receipt() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;
    let _bob = online(&system, &tl, "bob").await;

    let t0 = Instant::now();
    let inv = invite(&alice.call_manager(), "bob", "call?", "").await;
    settle().await;
    let remote = tl.remote("bob");

    sleep(ms(59_999) - ms(10)).await;
    assert_eq!(tl.lines().len(), 2);
    assert_eq!(remote.state(), RemoteInvitationState::InvitationReceived);
    assert_eq!(inv.state(), LocalInvitationState::ReceivedByRemote);

    sleep(ms(1)).await;
    settle().await;
    assert_eq!(
        tl.lines(),
        [
            "bob: RemoteInvitationReceived(alice)",
            "alice: LocalInvitationReceivedByPeer(bob)",
            "bob: RemoteInvitationFailure(alice, INVITATION_EXPIRE (3))",
            "alice: LocalInvitationFailure(bob, INVITATION_EXPIRE (3))",
        ]
    );
    assert_eq!(
        tl.when(
            "bob",
            "RemoteInvitationFailure(alice, INVITATION_EXPIRE (3))"
        ) - t0,
        secs(60)
    );
    assert_eq!(
        tl.when(
            "alice",
            "LocalInvitationFailure(bob, INVITATION_EXPIRE (3))"
        ) - t0,
        secs(60)
    );
    assert_eq!(inv.state(), LocalInvitationState::Failure);
    assert_eq!(remote.state(), RemoteInvitationState::Failure);
    assert_eq!(remote.state().code(), 6);
}

/// The 60 s expiry counts from the receipt, not from sending: a callee that logs in 20 s after
/// the send sees the invitation expire at 80 s.
#[tokio::test(start_paused = true)]
async fn expiry_counts_from_the_receipt_not_from_sending() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;

    let t0 = Instant::now();
    invite(&alice.call_manager(), "bob", "call?", "").await;
    sleep(secs(20)).await;
    let _bob = online(&system, &tl, "bob").await;
    sleep(secs(70)).await;

    assert_eq!(
        tl.when(
            "alice",
            "LocalInvitationFailure(bob, INVITATION_EXPIRE (3))"
        ) - t0,
        secs(80)
    );
    assert_eq!(
        tl.when(
            "bob",
            "RemoteInvitationFailure(alice, INVITATION_EXPIRE (3))"
        ) - t0,
        secs(80)
    );
}

/// Accepting when the caller has gone offline fails the callee's invitation with
/// PEER_OFFLINE (1); the accept call itself succeeds (the outcome is an event).
#[tokio::test(start_paused = true)]
async fn accept_after_the_caller_went_offline_fails_with_peer_offline() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;
    let bob = online(&system, &tl, "bob").await;

    let inv = invite(&alice.call_manager(), "bob", "call?", "").await;
    settle().await;
    alice.logout().await.unwrap();
    settle().await;
    let remote = tl.remote("bob");
    assert_eq!(remote.state(), RemoteInvitationState::InvitationReceived);

    bob.call_manager()
        .accept_remote_invitation(&remote)
        .await
        .unwrap();
    settle().await;

    assert_eq!(
        tl.lines(),
        [
            "bob: RemoteInvitationReceived(alice)",
            "alice: LocalInvitationReceivedByPeer(bob)",
            "alice: LocalInvitationFailure(bob, NOT_LOGGEDIN (4))",
            "bob: RemoteInvitationFailure(alice, PEER_OFFLINE (1))",
        ]
    );
    assert_eq!(remote.state(), RemoteInvitationState::Failure);
    assert_eq!(inv.state(), LocalInvitationState::Failure);
}

/// A caller whose client never acknowledges the accept: the caller sees
/// `LocalInvitationAccepted`, the callee stays ACCEPT_SENT_TO_LOCAL and fails with
/// ACCEPT_FAILURE (2) exactly 5 s after accepting.
#[tokio::test(start_paused = true)]
async fn accept_not_acknowledged_by_the_caller_fails_with_accept_failure_after_5_s() {
    let system = common::system();
    let tl = Timeline::new();
    let (alice, dropped) = silent(&system, &tl, "alice").await;
    let bob = online(&system, &tl, "bob").await;

    let inv = invite(&alice.call_manager(), "bob", "call?", "").await;
    settle().await;
    let remote = tl.remote("bob");
    let t1 = Instant::now();
    bob.call_manager()
        .accept_remote_invitation(&remote)
        .await
        .unwrap();
    settle().await;
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
    assert_eq!(inv.state(), LocalInvitationState::AcceptedByRemote);
    assert_eq!(remote.state(), RemoteInvitationState::AcceptSentToLocal);
    assert_eq!(remote.state().code(), 2);

    sleep(ms(4_999) - ms(10)).await;
    assert_eq!(tl.of("bob"), ["RemoteInvitationReceived(alice)"]);

    sleep(ms(1)).await;
    settle().await;
    assert_eq!(
        tl.lines(),
        [
            "bob: RemoteInvitationReceived(alice)",
            "alice: LocalInvitationReceivedByPeer(bob)",
            "alice: LocalInvitationAccepted(bob, \"\")",
            "bob: RemoteInvitationFailure(alice, ACCEPT_FAILURE (2))",
        ]
    );
    assert_eq!(
        tl.when("bob", "RemoteInvitationFailure(alice, ACCEPT_FAILURE (2))") - t1,
        secs(5)
    );
    assert_eq!(remote.state(), RemoteInvitationState::Failure);
}

/// An accept that reaches the caller before the callee's receipt acknowledgement is reported as
/// `LocalInvitationReceivedByPeer` first, then `LocalInvitationAccepted`.
#[tokio::test(start_paused = true)]
async fn accept_overtaking_the_receipt_is_reported_after_received_by_peer() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;
    let (bob, _) = silent(&system, &tl, "bob").await;

    let inv = invite(&alice.call_manager(), "bob", "call?", "").await;
    settle().await;
    assert_eq!(inv.state(), LocalInvitationState::SentToRemote);
    let remote = tl.remote("bob");
    remote.set_response("yes");
    bob.call_manager()
        .accept_remote_invitation(&remote)
        .await
        .unwrap();
    settle().await;

    assert_eq!(
        tl.lines(),
        [
            "bob: RemoteInvitationReceived(alice)",
            "alice: LocalInvitationReceivedByPeer(bob)",
            "alice: LocalInvitationAccepted(bob, \"yes\")",
            "bob: RemoteInvitationAccepted(alice)",
        ]
    );
    assert_eq!(inv.state(), LocalInvitationState::AcceptedByRemote);
    assert_eq!(remote.state(), RemoteInvitationState::Accepted);
}

/// A refusal that reaches the caller before the receipt acknowledgement is reported as
/// `LocalInvitationReceivedByPeer` first, then `LocalInvitationRefused`.
#[tokio::test(start_paused = true)]
async fn refusal_overtaking_the_receipt_is_reported_after_received_by_peer() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;
    let (bob, _) = silent(&system, &tl, "bob").await;

    let inv = invite(&alice.call_manager(), "bob", "call?", "").await;
    settle().await;
    let remote = tl.remote("bob");
    remote.set_response("no");
    bob.call_manager()
        .refuse_remote_invitation(&remote)
        .await
        .unwrap();
    settle().await;

    assert_eq!(
        tl.lines(),
        [
            "bob: RemoteInvitationReceived(alice)",
            "bob: RemoteInvitationRefused(alice)",
            "alice: LocalInvitationReceivedByPeer(bob)",
            "alice: LocalInvitationRefused(bob, \"no\")",
        ]
    );
    assert_eq!(inv.state(), LocalInvitationState::RefusedByRemote);
}

/// Sending while not logged in: the call returns `Ok` and the invitation fails at once with
/// NOT_LOGGEDIN (4).
#[tokio::test(start_paused = true)]
async fn send_while_not_logged_in_returns_ok_and_fails_with_not_logged_in() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = common::client(&system);
    tl.watch("alice", &alice);
    let _bob = online(&system, &tl, "bob").await;

    let manager = alice.call_manager();
    let inv = manager.create_local_invitation("bob");
    assert!(manager.send_local_invitation(&inv).await.is_ok());
    settle().await;

    assert_eq!(
        tl.lines(),
        ["alice: LocalInvitationFailure(bob, NOT_LOGGEDIN (4))"]
    );
    assert_eq!(inv.state(), LocalInvitationState::Failure);
}

/// Logging out ends every running local invitation with NOT_LOGGEDIN (4), in the order they
/// were sent; idle and already ended invitations are untouched.
#[tokio::test(start_paused = true)]
async fn logout_ends_running_local_invitations_with_not_logged_in() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;
    let _bob = online(&system, &tl, "bob").await;

    let manager = alice.call_manager();
    let to_bob = invite(&manager, "bob", "call?", "").await;
    let to_dave = invite(&manager, "dave", "call?", "").await; // dave is offline
    let idle = manager.create_local_invitation("bob");
    settle().await;
    alice.logout().await.unwrap();
    settle().await;

    assert_eq!(
        tl.of("alice"),
        [
            "LocalInvitationReceivedByPeer(bob)",
            "LocalInvitationFailure(bob, NOT_LOGGEDIN (4))",
            "LocalInvitationFailure(dave, NOT_LOGGEDIN (4))",
        ]
    );
    assert_eq!(to_bob.state(), LocalInvitationState::Failure);
    assert_eq!(to_dave.state(), LocalInvitationState::Failure);
    assert_eq!(idle.state(), LocalInvitationState::Idle);
    // The system's later timers for these invitations reach no one on the caller's side.
    alice.login("", "alice").await.unwrap();
    sleep(secs(70)).await;
    assert_eq!(tl.of("alice").len(), 3);
}

/// A callee that logs out loses its received invitations (state FAILURE; RTM has no event for
/// it); answering one afterwards fails with ALREADY_END (3).
#[tokio::test(start_paused = true)]
async fn callee_logout_ends_received_invitations_without_an_event() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;
    let bob = online(&system, &tl, "bob").await;

    invite(&alice.call_manager(), "bob", "call?", "").await;
    settle().await;
    let remote = tl.remote("bob");
    bob.logout().await.unwrap();
    settle().await;

    assert_eq!(tl.of("bob"), ["RemoteInvitationReceived(alice)"]);
    assert_eq!(remote.state(), RemoteInvitationState::Failure);
    let err = bob
        .call_manager()
        .accept_remote_invitation(&remote)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), InvitationApiCallErrCode::AlreadyEnd);
}

// ---------------------------------------------------------------------------------------------
// Misuse: INVITATION_API_CALL_ERR_CODE
// ---------------------------------------------------------------------------------------------

/// Sending an invitation a second time fails with ALREADY_SENT (5) and sends nothing.
#[tokio::test(start_paused = true)]
async fn sending_twice_fails_with_already_sent() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;
    let _bob = online(&system, &tl, "bob").await;

    let manager = alice.call_manager();
    let inv = invite(&manager, "bob", "call?", "").await;
    let err = manager.send_local_invitation(&inv).await.unwrap_err();
    assert_eq!(err.kind(), InvitationApiCallErrCode::AlreadySent);
    assert_eq!(err.code(), 5);
    settle().await;
    assert_eq!(tl.remotes("bob").len(), 1);
}

/// Cancelling an invitation that was never sent fails with NOT_STARTED (2).
#[tokio::test(start_paused = true)]
async fn cancel_before_send_fails_with_not_started() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;

    let manager = alice.call_manager();
    let inv = manager.create_local_invitation("bob");
    let err = manager.cancel_local_invitation(&inv).await.unwrap_err();
    assert_eq!(err.kind(), InvitationApiCallErrCode::NotStarted);
    assert_eq!(err.code(), 2);
    assert_eq!(inv.state(), LocalInvitationState::Idle);
}

/// Once an invitation has ended (here: refused), cancelling or re-sending it fails with
/// ALREADY_END (3), and so does answering the callee's ended invitation again.
#[tokio::test(start_paused = true)]
async fn operations_after_the_end_fail_with_already_end() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;
    let bob = online(&system, &tl, "bob").await;

    let manager = alice.call_manager();
    let inv = invite(&manager, "bob", "call?", "").await;
    settle().await;
    let remote = tl.remote("bob");
    bob.call_manager()
        .refuse_remote_invitation(&remote)
        .await
        .unwrap();
    settle().await;
    assert_eq!(inv.state(), LocalInvitationState::RefusedByRemote);

    let err = manager.cancel_local_invitation(&inv).await.unwrap_err();
    assert_eq!(err.kind(), InvitationApiCallErrCode::AlreadyEnd);
    assert_eq!(err.code(), 3);
    let err = manager.send_local_invitation(&inv).await.unwrap_err();
    assert_eq!(err.kind(), InvitationApiCallErrCode::AlreadyEnd);
    let err = bob
        .call_manager()
        .refuse_remote_invitation(&remote)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), InvitationApiCallErrCode::AlreadyEnd);
    let err = bob
        .call_manager()
        .accept_remote_invitation(&remote)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), InvitationApiCallErrCode::AlreadyEnd);
}

/// Cancelling an invitation that has failed (PEER_OFFLINE) fails with ALREADY_END (3).
#[tokio::test(start_paused = true)]
async fn cancel_after_a_failure_fails_with_already_end() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;

    let manager = alice.call_manager();
    let inv = invite(&manager, "bob", "call?", "").await;
    sleep(secs(31)).await;
    assert_eq!(inv.state(), LocalInvitationState::Failure);
    let err = manager.cancel_local_invitation(&inv).await.unwrap_err();
    assert_eq!(err.kind(), InvitationApiCallErrCode::AlreadyEnd);
}

/// Accepting twice fails with ALREADY_ACCEPT (4), both while the accept awaits the caller's
/// acknowledgement (ACCEPT_SENT_TO_LOCAL) and once the call is on (ACCEPTED).
#[tokio::test(start_paused = true)]
async fn accepting_twice_fails_with_already_accept() {
    let system = common::system();
    let tl = Timeline::new();
    let (silent_alice, _) = silent(&system, &tl, "alice").await;
    let carol = online(&system, &tl, "carol").await;
    let bob = online(&system, &tl, "bob").await;
    let bob_calls = bob.call_manager();

    // Waiting for the caller's acknowledgement.
    invite(&silent_alice.call_manager(), "bob", "one", "").await;
    settle().await;
    let waiting = tl.remote("bob");
    bob_calls.accept_remote_invitation(&waiting).await.unwrap();
    settle().await;
    assert_eq!(waiting.state(), RemoteInvitationState::AcceptSentToLocal);
    let err = bob_calls
        .accept_remote_invitation(&waiting)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), InvitationApiCallErrCode::AlreadyAccept);
    assert_eq!(err.code(), 4);

    // The call is on.
    invite(&carol.call_manager(), "bob", "two", "").await;
    settle().await;
    let on = tl.remotes("bob").pop().unwrap();
    bob_calls.accept_remote_invitation(&on).await.unwrap();
    settle().await;
    assert_eq!(on.state(), RemoteInvitationState::Accepted);
    let err = bob_calls.accept_remote_invitation(&on).await.unwrap_err();
    assert_eq!(err.kind(), InvitationApiCallErrCode::AlreadyAccept);
    assert_eq!(err.code(), 4);
}

/// Refusing an invitation already accepted fails with ALREADY_ACCEPT (4); the call stays on.
#[tokio::test(start_paused = true)]
async fn refusing_after_accepting_fails_with_already_accept() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;
    let bob = online(&system, &tl, "bob").await;

    let inv = invite(&alice.call_manager(), "bob", "call?", "").await;
    settle().await;
    let remote = tl.remote("bob");
    bob.call_manager()
        .accept_remote_invitation(&remote)
        .await
        .unwrap();
    let err = bob
        .call_manager()
        .refuse_remote_invitation(&remote)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), InvitationApiCallErrCode::AlreadyAccept);
    assert_eq!(err.code(), 4);
    settle().await;
    assert_eq!(inv.state(), LocalInvitationState::AcceptedByRemote);
    assert_eq!(remote.state(), RemoteInvitationState::Accepted);
    assert!(!tl.lines().iter().any(|l| l.contains("Refused")));
}

/// Cancelling an invitation the callee accepted fails with ALREADY_ACCEPT (4) (the core's
/// choice: more telling than ALREADY_END; the call is ended with the end-call message instead).
#[tokio::test(start_paused = true)]
async fn cancelling_an_accepted_invitation_fails_with_already_accept() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;
    let bob = online(&system, &tl, "bob").await;

    let manager = alice.call_manager();
    let inv = invite(&manager, "bob", "call?", "").await;
    settle().await;
    bob.call_manager()
        .accept_remote_invitation(&tl.remote("bob"))
        .await
        .unwrap();
    settle().await;
    let err = manager.cancel_local_invitation(&inv).await.unwrap_err();
    assert_eq!(err.kind(), InvitationApiCallErrCode::AlreadyAccept);
    assert_eq!(inv.state(), LocalInvitationState::AcceptedByRemote);
}

/// Content of 8 KB (8192 UTF-8 bytes) is sent intact; one byte more fails with
/// INVALID_ARGUMENT (1), counted in bytes, not characters; the invitation stays IDLE.
#[tokio::test(start_paused = true)]
async fn content_over_8_kb_fails_with_invalid_argument() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;
    let _bob = online(&system, &tl, "bob").await;
    let manager = alice.call_manager();

    let exact = "x".repeat(8192);
    invite(&manager, "bob", &exact, "").await;

    for too_big in ["x".repeat(8193), "é".repeat(4097)] {
        let inv = manager.create_local_invitation("bob");
        inv.set_content(too_big.clone());
        let err = manager.send_local_invitation(&inv).await.unwrap_err();
        assert_eq!(err.kind(), InvitationApiCallErrCode::InvalidArgument);
        assert_eq!(err.code(), 1);
        assert!(err.detail().contains("8192"), "{}", err.detail());
        assert_eq!(inv.state(), LocalInvitationState::Idle);
    }
    settle().await;
    let received = tl.remotes("bob");
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].content(), exact);
}

/// A response over 8 KB makes accept and refuse fail with INVALID_ARGUMENT (1) and leaves the
/// invitation answerable; with a shorter response the accept goes through.
#[tokio::test(start_paused = true)]
async fn response_over_8_kb_fails_with_invalid_argument() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;
    let bob = online(&system, &tl, "bob").await;
    let bob_calls = bob.call_manager();

    let inv = invite(&alice.call_manager(), "bob", "call?", "").await;
    settle().await;
    let remote = tl.remote("bob");
    remote.set_response("y".repeat(8193));
    let err = bob_calls
        .accept_remote_invitation(&remote)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), InvitationApiCallErrCode::InvalidArgument);
    assert_eq!(err.code(), 1);
    let err = bob_calls
        .refuse_remote_invitation(&remote)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), InvitationApiCallErrCode::InvalidArgument);
    assert_eq!(remote.state(), RemoteInvitationState::InvitationReceived);

    remote.set_response("y".repeat(8192));
    bob_calls.accept_remote_invitation(&remote).await.unwrap();
    settle().await;
    assert_eq!(inv.response(), "y".repeat(8192));
    assert_eq!(remote.state(), RemoteInvitationState::Accepted);
}

/// A callee id or invitation channel id that breaks RTM's id rules fails the send with
/// INVALID_ARGUMENT (1); nothing is sent and the invitation stays IDLE.
#[tokio::test(start_paused = true)]
async fn bad_callee_or_channel_id_fails_with_invalid_argument() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;
    let manager = alice.call_manager();

    let long = "b".repeat(65);
    for callee in ["", "null", "bo/b", "b\"ob", "bób", long.as_str()] {
        let inv = manager.create_local_invitation(callee);
        let err = manager.send_local_invitation(&inv).await.unwrap_err();
        assert_eq!(
            err.kind(),
            InvitationApiCallErrCode::InvalidArgument,
            "{callee:?}"
        );
        assert_eq!(err.code(), 1);
        assert_eq!(inv.state(), LocalInvitationState::Idle);
    }
    for channel in ["null", "room*1", long.as_str()] {
        let inv = manager.create_local_invitation("bob");
        inv.set_channel_id(channel);
        let err = manager.send_local_invitation(&inv).await.unwrap_err();
        assert_eq!(
            err.kind(),
            InvitationApiCallErrCode::InvalidArgument,
            "{channel:?}"
        );
    }
    sleep(secs(40)).await;
    assert_eq!(tl.lines(), Vec::<String>::new());
}

/// A local invitation created by another client's manager cannot be sent or cancelled here, and
/// a received invitation cannot be answered by another client: INVALID_ARGUMENT (1).
#[tokio::test(start_paused = true)]
async fn invitation_of_another_client_fails_with_invalid_argument() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;
    let bob = online(&system, &tl, "bob").await;
    let carol = online(&system, &tl, "carol").await;
    let carol_calls = carol.call_manager();

    let foreign = alice.call_manager().create_local_invitation("bob");
    let err = carol_calls
        .send_local_invitation(&foreign)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), InvitationApiCallErrCode::InvalidArgument);
    assert_eq!(err.code(), 1);
    assert_eq!(foreign.state(), LocalInvitationState::Idle);

    let sent = invite(&alice.call_manager(), "bob", "call?", "").await;
    settle().await;
    let err = carol_calls
        .cancel_local_invitation(&sent)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), InvitationApiCallErrCode::InvalidArgument);

    let remote = tl.remote("bob");
    let err = carol_calls
        .accept_remote_invitation(&remote)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), InvitationApiCallErrCode::InvalidArgument);
    let err = carol_calls
        .refuse_remote_invitation(&remote)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), InvitationApiCallErrCode::InvalidArgument);
    assert_eq!(remote.state(), RemoteInvitationState::InvitationReceived);

    // The owner still can.
    bob.call_manager()
        .accept_remote_invitation(&remote)
        .await
        .unwrap();
    settle().await;
    assert_eq!(sent.state(), LocalInvitationState::AcceptedByRemote);
}

// ---------------------------------------------------------------------------------------------
// Several invitations, end-call text
// ---------------------------------------------------------------------------------------------

/// One caller runs several invitations at once — to different callees and twice to the same
/// callee — and each ends on its own: accepted, refused, cancelled.
#[tokio::test(start_paused = true)]
async fn several_invitations_from_one_caller_are_independent() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;
    let bob = online(&system, &tl, "bob").await;
    let _carol = online(&system, &tl, "carol").await;
    let manager = alice.call_manager();

    let bob_1 = invite(&manager, "bob", "first", "").await;
    let carol_1 = invite(&manager, "carol", "to carol", "").await;
    let bob_2 = invite(&manager, "bob", "second", "").await;
    settle().await;

    let to_bob = tl.remotes("bob");
    assert_eq!(to_bob.len(), 2);
    let contents: Vec<String> = to_bob.iter().map(|r| r.content()).collect();
    assert_eq!(contents, ["first", "second"]);
    let to_carol = tl.remote("carol");
    assert_eq!(to_carol.content(), "to carol");
    assert_eq!(bob_1.state(), LocalInvitationState::ReceivedByRemote);
    assert_eq!(bob_2.state(), LocalInvitationState::ReceivedByRemote);
    assert_eq!(carol_1.state(), LocalInvitationState::ReceivedByRemote);

    to_bob[1].set_response("no to the second");
    bob.call_manager()
        .refuse_remote_invitation(&to_bob[1])
        .await
        .unwrap();
    to_bob[0].set_response("yes to the first");
    bob.call_manager()
        .accept_remote_invitation(&to_bob[0])
        .await
        .unwrap();
    manager.cancel_local_invitation(&carol_1).await.unwrap();
    settle().await;

    assert_eq!(bob_1.state(), LocalInvitationState::AcceptedByRemote);
    assert_eq!(bob_1.response(), "yes to the first");
    assert_eq!(bob_2.state(), LocalInvitationState::RefusedByRemote);
    assert_eq!(bob_2.response(), "no to the second");
    assert_eq!(carol_1.state(), LocalInvitationState::Canceled);
    assert_eq!(to_bob[0].state(), RemoteInvitationState::Accepted);
    assert_eq!(to_bob[1].state(), RemoteInvitationState::Refused);
    assert_eq!(to_carol.state(), RemoteInvitationState::Canceled);
    assert_eq!(
        tl.of("alice")[3..],
        [
            "LocalInvitationRefused(bob, \"no to the second\")",
            "LocalInvitationAccepted(bob, \"yes to the first\")",
            "LocalInvitationCanceled(carol)",
        ]
    );
    assert!(tl.locals("alice")[3].same_as(&bob_2));
    assert!(tl.locals("alice")[4].same_as(&bob_1));
    // Nothing else happens later: every invitation is over.
    sleep(secs(70)).await;
    assert_eq!(tl.of("alice").len(), 6);
    assert_eq!(tl.of("bob").len(), 4);
    assert_eq!(tl.of("carol").len(), 2);
}

/// Invitations waiting for an offline callee are all delivered when it logs in, in the order
/// they were sent.
#[tokio::test(start_paused = true)]
async fn waiting_invitations_are_delivered_at_login_in_sending_order() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;
    let carol = online(&system, &tl, "carol").await;

    invite(&alice.call_manager(), "bob", "from alice 1", "").await;
    invite(&carol.call_manager(), "bob", "from carol", "").await;
    invite(&alice.call_manager(), "bob", "from alice 2", "").await;
    sleep(secs(5)).await;
    let _bob = online(&system, &tl, "bob").await;
    settle().await;

    let contents: Vec<String> = tl.remotes("bob").iter().map(|r| r.content()).collect();
    assert_eq!(contents, ["from alice 1", "from carol", "from alice 2"]);
    assert_eq!(tl.of("alice").len(), 2);
    assert_eq!(tl.of("carol"), ["LocalInvitationReceivedByPeer(bob)"]);
}

/// A peer text with the end-call prefix (`<prefix>_<channel>_<extra>`) arrives as an ordinary
/// peer message with that exact text; it touches no invitation.
#[tokio::test(start_paused = true)]
async fn end_call_text_arrives_as_a_normal_peer_message() {
    let system = common::system();
    let tl = Timeline::new();
    let alice = online(&system, &tl, "alice").await;
    let bob = online(&system, &tl, "bob").await;

    let inv = invite(&alice.call_manager(), "bob", "call?", "room1").await;
    settle().await;
    let remote = tl.remote("bob");
    bob.call_manager()
        .accept_remote_invitation(&remote)
        .await
        .unwrap();
    settle().await;

    let text = format!("{END_CALL_PREFIX}_room1_bye");
    let delivery = bob
        .send_message_to_peer(
            "alice",
            &RtmMessage::from_text(text.clone()),
            SendMessageOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(delivery, PeerDelivery::Received);
    settle().await;

    assert_eq!(
        tl.of("alice")[2..],
        [format!("MessageFromPeer(bob, {text:?})")]
    );
    let message = {
        let log = tl.log.lock().unwrap();
        match &log.last().unwrap().event {
            RtmEvent::MessageFromPeer { message, .. } => message.clone(),
            other => panic!("unexpected {other:?}"),
        }
    };
    assert!(!message.is_offline_message());
    assert_eq!(message.text(), text);
    assert_eq!(inv.state(), LocalInvitationState::AcceptedByRemote);
    assert_eq!(remote.state(), RemoteInvitationState::Accepted);
}
