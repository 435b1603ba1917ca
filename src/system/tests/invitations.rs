//! Invitation timers (spec/rtm-1x.md §2.5): PEER_OFFLINE / PEER_NO_RESPONSE 30 s after
//! sending, INVITATION_EXPIRE 60 s after the callee received it, ACCEPT_FAILURE when the caller
//! never confirms an accept.

use super::{secs, Bench, C};
use crate::proto::link::{Event, InviteFailure, Notice, Reply, Request};
use crate::proto::{LocalInvitationErrCode, RemoteInvitationErrCode};

fn invite(bench: &mut Bench, caller: C, callee: &str) {
    let sent = bench.call(
        caller,
        Request::Invite {
            call_id: 1,
            callee: callee.into(),
            content: "come".into(),
            channel_id: "room".into(),
        },
    );
    assert_eq!(sent, Ok(Reply::Done));
}

/// The callee's client says the invitation reached it.
fn acknowledge(bench: &mut Bench, callee: C) {
    bench.send(
        callee,
        crate::proto::Up::Notice(Notice::InviteReceived {
            caller: "alice".into(),
            call_id: 1,
        }),
    );
}

fn accept(bench: &mut Bench, callee: C) {
    let accepted = bench.call(
        callee,
        Request::AcceptInvite {
            caller: "alice".into(),
            call_id: 1,
            response: "yes".into(),
        },
    );
    assert_eq!(accepted, Ok(Reply::Done));
}

fn failures(events: &[Event]) -> Vec<InviteFailure> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::InviteFailed { failure, .. } => Some(*failure),
            _ => None,
        })
        .collect()
}

#[test]
fn an_invitation_to_an_offline_callee_fails_peer_offline_at_30_s() {
    let mut bench = Bench::new();
    let alice = bench.login("alice");
    invite(&mut bench, alice, "bob");
    bench.advance_to(secs(29));
    assert!(failures(&bench.events(alice)).is_empty());
    bench.advance_to(secs(30));
    assert_eq!(
        failures(&bench.events(alice)),
        vec![InviteFailure::Local(LocalInvitationErrCode::PeerOffline)]
    );
}

#[test]
fn an_invitation_the_callee_never_acknowledges_fails_peer_no_response_at_30_s() {
    let mut bench = Bench::new();
    let alice = bench.login("alice");
    let bob = bench.login("bob");
    invite(&mut bench, alice, "bob");
    assert!(bench
        .events(bob)
        .iter()
        .any(|e| matches!(e, Event::InviteReceived { call_id: 1, .. })));
    bench.advance_to(secs(29));
    assert!(failures(&bench.events(alice)).is_empty());
    bench.advance_to(secs(30));
    assert_eq!(
        failures(&bench.events(alice)),
        vec![InviteFailure::Local(LocalInvitationErrCode::PeerNoResponse)]
    );
}

#[test]
fn a_received_invitation_left_unanswered_expires_60_s_after_it_was_received() {
    let mut bench = Bench::new();
    let alice = bench.login("alice");
    let bob = bench.login("bob");
    invite(&mut bench, alice, "bob");
    bench.advance_to(secs(5));
    acknowledge(&mut bench, bob);
    assert!(bench
        .events(alice)
        .iter()
        .any(|e| matches!(e, Event::InviteReceivedByPeer { call_id: 1 })));
    // The 30 s wait for an acknowledgement is over: it was acknowledged.
    bench.advance_to(secs(64));
    assert!(failures(&bench.events(alice)).is_empty());
    assert!(failures(&bench.events(bob)).is_empty());
    bench.advance_to(secs(65));
    assert_eq!(
        failures(&bench.events(alice)),
        vec![InviteFailure::Local(
            LocalInvitationErrCode::InvitationExpire
        )]
    );
    assert_eq!(
        failures(&bench.events(bob)),
        vec![InviteFailure::Remote(
            RemoteInvitationErrCode::InvitationExpire
        )]
    );
}

#[test]
fn an_accept_the_caller_never_confirms_fails_accept_failure_on_the_callee() {
    let mut bench = Bench::new();
    let alice = bench.login("alice");
    let bob = bench.login("bob");
    invite(&mut bench, alice, "bob");
    acknowledge(&mut bench, bob);
    bench.advance_to(secs(10));
    accept(&mut bench, bob);
    assert!(bench
        .events(alice)
        .iter()
        .any(|e| matches!(e, Event::InviteAccepted { call_id: 1, .. })));
    bench.events(bob);
    // Alice's client never says it saw the accept.
    bench.advance_to(secs(14));
    assert!(failures(&bench.events(bob)).is_empty());
    bench.advance_to(secs(15));
    assert_eq!(
        failures(&bench.events(bob)),
        vec![InviteFailure::Remote(
            RemoteInvitationErrCode::AcceptFailure
        )]
    );
}

#[test]
fn a_confirmed_accept_ends_the_invitation_with_no_timer_left() {
    let mut bench = Bench::new();
    let alice = bench.login("alice");
    let bob = bench.login("bob");
    invite(&mut bench, alice, "bob");
    acknowledge(&mut bench, bob);
    accept(&mut bench, bob);
    bench.send(
        alice,
        crate::proto::Up::Notice(Notice::AcceptSeen {
            callee: "bob".into(),
            call_id: 1,
        }),
    );
    assert!(bench
        .events(bob)
        .iter()
        .any(|e| matches!(e, Event::InviteAcceptConfirmed { call_id: 1, .. })));
    bench.advance_to(secs(120));
    assert!(failures(&bench.events(alice)).is_empty());
    assert!(failures(&bench.events(bob)).is_empty());
}
