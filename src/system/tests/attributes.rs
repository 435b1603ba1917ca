//! Channel attributes of an empty channel are wiped 120 s after it emptied.

use super::{secs, Bench, C};
use crate::proto::link::{AttributeOp, Reply, Request};
use crate::proto::ChannelAttribute;

fn join(bench: &mut Bench, c: C) {
    let joined = bench.call(
        c,
        Request::Join {
            channel: "room".into(),
        },
    );
    assert!(matches!(joined, Ok(Reply::Joined { .. })), "{joined:?}");
}

fn leave(bench: &mut Bench, c: C) {
    let left = bench.call(
        c,
        Request::Leave {
            channel: "room".into(),
        },
    );
    assert_eq!(left, Ok(Reply::Done));
}

fn keys(bench: &mut Bench, c: C) -> Vec<String> {
    match bench.call(
        c,
        Request::GetChannelAttributes {
            channel: "room".into(),
            keys: None,
        },
    ) {
        Ok(Reply::ChannelAttributes(list)) => list.iter().map(|a| a.key.clone()).collect(),
        other => panic!("{other:?}"),
    }
}

/// Alice in "room" with attribute "topic" set, and Bob outside the channel.
fn set_up(bench: &mut Bench) -> (C, C) {
    let alice = bench.login("alice");
    let bob = bench.login("bob");
    join(bench, alice);
    let set = bench.call(
        alice,
        Request::ChannelAttributes {
            channel: "room".into(),
            op: AttributeOp::Set(vec![ChannelAttribute::new("topic", "rust")]),
            notify: false,
        },
    );
    assert_eq!(set, Ok(Reply::Done));
    (alice, bob)
}

#[test]
fn the_attributes_of_a_channel_empty_for_120_s_are_wiped() {
    let mut bench = Bench::new();
    let (alice, bob) = set_up(&mut bench);
    leave(&mut bench, alice);
    bench.advance_to(secs(119));
    assert_eq!(keys(&mut bench, bob), vec!["topic"]);
    bench.advance_to(secs(120));
    assert!(keys(&mut bench, bob).is_empty());
}

#[test]
fn a_member_back_before_the_wipe_keeps_the_attributes() {
    let mut bench = Bench::new();
    let (alice, bob) = set_up(&mut bench);
    leave(&mut bench, alice);
    bench.advance_to(secs(60));
    join(&mut bench, alice);
    bench.advance_to(secs(100));
    leave(&mut bench, alice);
    // 120 s after the first emptying: the channel was not empty all along.
    bench.advance_to(secs(200));
    assert_eq!(keys(&mut bench, bob), vec!["topic"]);
    // 120 s after the second.
    bench.advance_to(secs(220));
    assert!(keys(&mut bench, bob).is_empty());
}
