//! Presence of a session whose link goes silent (spec/rtm-1x.md §2.3 item 5, §2.4; contract
//! presence rules): UNREACHABLE to subscribers at 6 s, the session's end at 30 s.

use super::{secs, Bench, APP, C};
use crate::proto::link::{Event, Reply, Request};
use crate::proto::PeerOnlineState::{Offline, Online, Unreachable};

/// Alice and Bob in channel "room"; Bob watches Alice's online state.
fn alice_watched_by_bob(bench: &mut Bench) -> (C, C) {
    let alice = bench.login("alice");
    let bob = bench.login("bob");
    for c in [alice, bob] {
        let joined = bench.call(
            c,
            Request::Join {
                channel: "room".into(),
            },
        );
        assert!(matches!(joined, Ok(Reply::Joined { .. })), "{joined:?}");
    }
    let subscribed = bench.call(
        bob,
        Request::Subscribe {
            peers: vec!["alice".into()],
        },
    );
    assert!(subscribed.is_ok(), "{subscribed:?}");
    bench.events(alice);
    bench.events(bob);
    (alice, bob)
}

fn statuses(events: &[Event]) -> Vec<(String, crate::proto::PeerOnlineState)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::PeerStatus(list) => Some(list.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn left(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::MemberLeft { user, .. } => Some(user.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_silent_session_is_unreachable_at_6_s_and_ends_at_30_s() {
    let mut bench = Bench::new();
    let (alice, bob) = alice_watched_by_bob(&mut bench);
    bench.set_live(alice, false);

    bench.advance_to(secs(5));
    assert_eq!(statuses(&bench.events(bob)), vec![], "nothing before 6 s");
    bench.advance_to(secs(6));
    assert_eq!(
        statuses(&bench.events(bob)),
        vec![("alice".to_string(), Unreachable)],
        "UNREACHABLE once 6 s of silence have passed"
    );

    bench.advance_to(secs(29));
    let events = bench.events(bob);
    assert!(statuses(&events).is_empty() && left(&events).is_empty());
    assert!(bench
        .system
        .online_users(APP)
        .contains(&"alice".to_string()));

    bench.advance_to(secs(30));
    let events = bench.events(bob);
    assert_eq!(statuses(&events), vec![("alice".to_string(), Offline)]);
    assert_eq!(left(&events), vec!["alice".to_string()]);
    assert_eq!(bench.system.online_users(APP), vec!["bob".to_string()]);
    assert_eq!(bench.system.channel_members(APP, "room"), vec!["bob"]);
}

#[test]
fn a_session_resumed_within_the_grace_is_online_again_and_members_see_nothing() {
    let mut bench = Bench::new();
    let (alice, bob) = alice_watched_by_bob(&mut bench);
    let session = bench.session(alice);
    bench.set_live(alice, false);
    bench.advance_to(secs(10));
    assert_eq!(
        statuses(&bench.events(bob)),
        vec![("alice".to_string(), Unreachable)]
    );

    let (_back, resumed) = bench.resume("alice", session, &[("room", 0)]);
    assert!(
        matches!(resumed, Ok(Reply::Resumed { kept: true, .. })),
        "{resumed:?}"
    );
    assert_eq!(
        statuses(&bench.events(bob)),
        vec![("alice".to_string(), Online)]
    );

    bench.advance_to(secs(45));
    let events = bench.events(bob);
    assert!(
        events
            .iter()
            .all(|e| !matches!(e, Event::MemberLeft { .. } | Event::MemberJoined { .. })),
        "members saw nothing of the outage: {events:?}"
    );
    assert!(statuses(&events).is_empty(), "{events:?}");
    assert_eq!(
        bench.system.channel_members(APP, "room"),
        vec!["alice", "bob"]
    );
}

#[test]
fn a_session_resumed_after_the_grace_is_new_and_members_see_it_leave_and_join() {
    let mut bench = Bench::new();
    let (alice, bob) = alice_watched_by_bob(&mut bench);
    let session = bench.session(alice);
    bench.set_live(alice, false);
    bench.advance_to(secs(31));
    assert_eq!(left(&bench.events(bob)), vec!["alice".to_string()]);

    let (_back, resumed) = bench.resume("alice", session, &[("room", 0)]);
    assert!(
        matches!(resumed, Ok(Reply::Resumed { kept: false, .. })),
        "{resumed:?}"
    );
    let events = bench.events(bob);
    assert!(
        events.iter().any(|e| matches!(
            e,
            Event::MemberJoined { channel, user } if channel == "room" && user == "alice"
        )),
        "{events:?}"
    );
    assert_eq!(
        statuses(&events),
        vec![("alice".to_string(), Online)],
        "{events:?}"
    );
}

#[test]
fn a_link_heard_again_after_unreachable_is_unreachable_6_s_into_its_next_silence() {
    let mut bench = Bench::new();
    let (alice, bob) = alice_watched_by_bob(&mut bench);
    bench.set_live(alice, false);
    bench.advance_to(secs(6));
    assert_eq!(
        statuses(&bench.events(bob)),
        vec![("alice".to_string(), Unreachable)]
    );

    // The same link is heard again (a delayed network delivering once more): ONLINE.
    bench.set_live(alice, true);
    bench.advance_to(secs(10));
    assert_eq!(
        statuses(&bench.events(bob)),
        vec![("alice".to_string(), Online)]
    );
    bench.events(alice);

    // Silent again from 10 s on: UNREACHABLE at 16 s, not when the old check for the end of
    // the grace comes round.
    bench.set_live(alice, false);
    bench.advance_to(secs(15));
    assert_eq!(
        statuses(&bench.events(bob)),
        vec![],
        "nothing before 6 s of silence"
    );
    bench.advance_to(secs(16));
    assert_eq!(
        statuses(&bench.events(bob)),
        vec![("alice".to_string(), Unreachable)],
        "UNREACHABLE 6 s into the second silence"
    );

    // The grace counts from the last sign of life too: OFFLINE at 40 s, not at 30 s.
    bench.advance_to(secs(39));
    assert_eq!(statuses(&bench.events(bob)), vec![]);
    bench.advance_to(secs(40));
    assert_eq!(
        statuses(&bench.events(bob)),
        vec![("alice".to_string(), Offline)]
    );
}
