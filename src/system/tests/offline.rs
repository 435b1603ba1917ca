//! The offline cache (spec/rtm-1x.md limits; contract M1): 200 messages per user, kept 7 days.

use super::{secs, text, Bench};
use crate::proto::link::{Event, Reply, Request};
use crate::proto::PeerDelivery;

fn send_offline(bench: &mut Bench, from: super::C, to: &str, t: &str) {
    let answer = bench.call(
        from,
        Request::SendPeer {
            to: to.into(),
            message: text(t),
            offline: true,
        },
    );
    assert_eq!(answer, Ok(Reply::PeerSent(PeerDelivery::CachedByServer)));
}

fn texts(events: &[Event]) -> Vec<(String, bool)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::PeerMessage { message, .. } => {
                Some((message.text().to_string(), message.is_offline_message()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn the_cache_keeps_the_last_200_messages_of_a_user() {
    let mut bench = Bench::new();
    let alice = bench.login("alice");
    for n in 0..205 {
        send_offline(&mut bench, alice, "bob", &format!("m{n}"));
    }
    assert_eq!(bench.system.offline_messages_for(super::APP, "bob"), 200);

    let bob = bench.login("bob");
    let got = texts(&bench.events(bob));
    let want: Vec<(String, bool)> = (5..205).map(|n| (format!("m{n}"), true)).collect();
    assert_eq!(
        got, want,
        "the oldest five went; the rest arrive in order, marked offline"
    );
    assert_eq!(bench.system.offline_messages_for(super::APP, "bob"), 0);
}

#[test]
fn cached_messages_expire_after_7_days() {
    let mut bench = Bench::new();
    let alice = bench.login("alice");
    send_offline(&mut bench, alice, "bob", "old");
    bench.set_live(alice, false);
    bench.advance_to(secs(86_400));
    let carol = bench.login("carol");
    send_offline(&mut bench, carol, "bob", "newer");
    bench.set_live(carol, false);

    // 7 days after the first, less one second: both are still kept.
    bench.advance_to(secs(7 * 86_400 - 1));
    let early = bench.login("bob");
    assert_eq!(
        texts(&bench.events(early)),
        vec![("old".to_string(), true), ("newer".to_string(), true)]
    );

    // Once more, and Bob comes back just after the 7 days of the first.
    let dave = bench.login("dave");
    let logout = bench.call(early, Request::Logout);
    assert!(logout.is_ok());
    bench.set_live(early, false);
    send_offline(&mut bench, dave, "bob", "first");
    bench.set_live(dave, false);
    bench.advance(secs(86_400));
    let erin = bench.login("erin");
    send_offline(&mut bench, erin, "bob", "second");
    bench.set_live(erin, false);
    bench.advance(secs(6 * 86_400));
    let late = bench.login("bob");
    assert_eq!(
        texts(&bench.events(late)),
        vec![("second".to_string(), true)],
        "the one kept for 7 days is gone; the younger one arrives"
    );
}

#[test]
fn a_message_to_an_offline_user_without_the_offline_flag_is_refused() {
    let mut bench = Bench::new();
    let alice = bench.login("alice");
    let answer = bench.call(
        alice,
        Request::SendPeer {
            to: "bob".into(),
            message: text("hi"),
            offline: false,
        },
    );
    let failure = answer.expect_err("refused");
    assert_eq!(failure.reason, crate::proto::FailureReason::PeerUnreachable);
    assert_eq!(bench.system.offline_messages_for(super::APP, "bob"), 0);
}
