//! Channel messages missed during a link loss (spec/rtm-1x.md §2.3 item 6): after the resume,
//! up to 32 of those sent in the 30 s before it.

use super::{secs, text, Bench, C};
use crate::proto::link::{ChannelSeq, Event, Reply, Request};
use crate::system::SystemConfig;

/// Alice and Bob in "room"; what Bob last saw there.
fn in_room(bench: &mut Bench) -> (C, C, ChannelSeq) {
    let alice = bench.login("alice");
    let bob = bench.login("bob");
    let _ = bench.call(
        alice,
        Request::Join {
            channel: "room".into(),
        },
    );
    let Ok(Reply::Joined { last_message }) = bench.call(
        bob,
        Request::Join {
            channel: "room".into(),
        },
    ) else {
        panic!("bob could not join");
    };
    bench.events(alice);
    bench.events(bob);
    (alice, bob, last_message)
}

fn say(bench: &mut Bench, c: C, t: &str) {
    let sent = bench.call(
        c,
        Request::SendChannel {
            channel: "room".into(),
            message: text(t),
        },
    );
    assert_eq!(sent, Ok(Reply::Done));
}

/// Bob comes back on a new link within his session's grace.
fn bob_resumes(bench: &mut Bench, bob: C, seen: ChannelSeq) -> Vec<String> {
    let session = bench.session(bob);
    let (back, resumed) = bench.resume("bob", session, &[("room", seen)]);
    assert!(
        matches!(resumed, Ok(Reply::Resumed { kept: true, .. })),
        "{resumed:?}"
    );
    bench
        .events(back)
        .into_iter()
        .filter_map(|e| match e {
            Event::ChannelMessage { message, .. } => Some(message.text().to_string()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_member_back_from_a_link_loss_gets_the_last_32_messages_it_missed() {
    let mut bench = Bench::new();
    let (alice, bob, seen) = in_room(&mut bench);
    bench.set_live(bob, false);
    bench.advance_to(secs(2));
    for n in 0..5 {
        say(&mut bench, alice, &format!("early {n}"));
    }
    bench.advance_to(secs(20));
    for n in 0..40 {
        say(&mut bench, alice, &format!("late {n}"));
    }
    bench.advance_to(secs(25));
    let got = bob_resumes(&mut bench, bob, seen);
    let want: Vec<String> = (8..40).map(|n| format!("late {n}")).collect();
    assert_eq!(got, want);
}

#[test]
fn messages_older_than_30_s_are_not_delivered_again() {
    // A longer grace, so that a session outlives the 30 s window.
    let mut bench = Bench::with(SystemConfig {
        presence_grace: secs(60),
        ..SystemConfig::default()
    });
    let (alice, bob, seen) = in_room(&mut bench);
    bench.set_live(bob, false);
    bench.advance_to(secs(1));
    say(&mut bench, alice, "old");
    bench.advance_to(secs(20));
    say(&mut bench, alice, "recent");
    // "old" is 30 s old at 31 s: past the window by then.
    bench.advance_to(secs(32));
    assert_eq!(
        bob_resumes(&mut bench, bob, seen),
        vec!["recent".to_string()]
    );
}

#[test]
fn what_a_member_saw_before_the_loss_is_not_delivered_again() {
    let mut bench = Bench::new();
    let (alice, bob, _) = in_room(&mut bench);
    say(&mut bench, alice, "seen");
    let seen = bench
        .events(bob)
        .into_iter()
        .find_map(|e| match e {
            Event::ChannelMessage { seq, .. } => Some(seq),
            _ => None,
        })
        .expect("bob got the first message");
    bench.set_live(bob, false);
    bench.advance_to(secs(3));
    say(&mut bench, alice, "missed");
    bench.advance_to(secs(8));
    assert_eq!(
        bob_resumes(&mut bench, bob, seen),
        vec!["missed".to_string()]
    );
}
