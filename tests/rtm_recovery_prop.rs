//! Property: whatever faults hit two clients (cuts short and long, of one or both, link delays)
//! while they send each other peer messages, once both are connected again no peer message is
//! lost or duplicated, and each arrives in the order it was sent.
//!
//! "Lost" is judged by the send's outcome: a send answered `Received` or `CachedByServer` must
//! arrive exactly once; one refused with PEER_UNREACHABLE must never arrive; one whose outcome
//! is unknown (SENT_TIMEOUT, FAILURE) arrives at most once. Everything runs in virtual time.

mod common;

use proptest::prelude::*;
use sig2rtm::rtm::{
    ConnectionState, EventStream, PeerDelivery, PeerMessageErrCode, RtmError, RtmEvent, RtmMessage,
    SendMessageOptions,
};
use sig2rtm::system::System;
use std::collections::HashSet;
use std::time::Duration;
use tokio::task::JoinHandle;

const APP: &str = common::APP;

#[derive(Debug, Clone)]
enum Op {
    /// A peer message from alice (true) or bob, with or without offline messaging.
    Send { from_alice: bool, offline: bool },
    /// Cut alice, bob, or both, for a while.
    Cut { alice: bool, bob: bool, secs: u64 },
    /// Slow one client's link a little (never enough to lose it).
    Delay { alice: bool, millis: u64 },
    /// Lift every cut and delay.
    Restore,
    /// Let virtual time pass.
    Wait { millis: u64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (any::<bool>(), any::<bool>())
            .prop_map(|(from_alice, offline)| Op::Send { from_alice, offline }),
        2 => (any::<bool>(), any::<bool>(), prop::sample::select(vec![1u64, 3, 5, 8, 15, 25, 45]))
            .prop_map(|(alice, bob, secs)| Op::Cut { alice: alice || !bob, bob, secs }),
        1 => (any::<bool>(), 0u64..400).prop_map(|(alice, millis)| Op::Delay { alice, millis }),
        1 => Just(Op::Restore),
        3 => (0u64..15_000).prop_map(|millis| Op::Wait { millis }),
    ]
}

type Outcome = Result<PeerDelivery, RtmError<PeerMessageErrCode>>;

struct Sent {
    text: String,
    from_alice: bool,
    result: JoinHandle<Outcome>,
}

fn received(events: &mut EventStream, from: &str) -> Vec<String> {
    events
        .drain()
        .into_iter()
        .filter_map(|e| match e {
            RtmEvent::MessageFromPeer { peer_id, message } if peer_id == from => {
                Some(message.text().to_string())
            }
            _ => None,
        })
        .collect()
}

/// Checks one direction: `sent` (in send order, with outcomes) against what arrived.
fn check(direction: &str, sent: &[(String, Outcome)], got: &[String]) -> Result<(), String> {
    let mut seen = HashSet::new();
    for t in got {
        if !seen.insert(t) {
            return Err(format!("{direction}: {t} arrived twice: {got:?}"));
        }
    }
    // In send order: `got` is a subsequence of the sent texts.
    let order: Vec<&String> = sent.iter().map(|(t, _)| t).collect();
    let mut next = 0;
    for t in got {
        match order[next..].iter().position(|s| *s == t) {
            Some(i) => next += i + 1,
            None => return Err(format!("{direction}: {t} out of order or unknown: {got:?}")),
        }
    }
    for (text, outcome) in sent {
        let arrived = seen.contains(text);
        match outcome {
            Ok(_) if !arrived => {
                return Err(format!(
                    "{direction}: {text} was accepted ({outcome:?}) but never arrived: {got:?}"
                ))
            }
            Err(e) if e.kind() == PeerMessageErrCode::PeerUnreachable && arrived => {
                return Err(format!("{direction}: {text} was refused but arrived"))
            }
            _ => {}
        }
    }
    Ok(())
}

async fn scenario(ops: Vec<Op>) -> Result<(), String> {
    let system = System::new(sig2rtm::system::SystemConfig::default());
    let alice = common::client(&system);
    let bob = common::client(&system);
    // Rate limits are not under test; the default budgets are far above what a case sends.
    let mut alice_events = alice.subscribe();
    let mut bob_events = bob.subscribe();
    alice.login("", "alice").await.unwrap();
    bob.login("", "bob").await.unwrap();
    let mut sent: Vec<Sent> = Vec::new();
    for (i, op) in ops.into_iter().enumerate() {
        match op {
            Op::Send {
                from_alice,
                offline,
            } => {
                let (from, to) = if from_alice {
                    (&alice, "bob")
                } else {
                    (&bob, "alice")
                };
                let text = format!("m{i}");
                let options = SendMessageOptions {
                    enable_offline_messaging: offline,
                    ..SendMessageOptions::default()
                };
                let send =
                    from.send_message_to_peer(to, &RtmMessage::from_text(text.clone()), options);
                sent.push(Sent {
                    text,
                    from_alice,
                    result: tokio::spawn(send),
                });
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Op::Cut {
                alice: a,
                bob: b,
                secs,
            } => {
                if a {
                    system.cut_user_for(APP, "alice", Duration::from_secs(secs));
                }
                if b {
                    system.cut_user_for(APP, "bob", Duration::from_secs(secs));
                }
            }
            Op::Delay { alice: a, millis } => {
                let user = if a { "alice" } else { "bob" };
                system.delay_user(APP, user, Duration::from_millis(millis));
            }
            Op::Restore => system.restore_all(),
            Op::Wait { millis } => tokio::time::sleep(Duration::from_millis(millis)).await,
        }
    }
    // Everyone back, and time for every pending delivery.
    system.restore_all();
    tokio::time::sleep(Duration::from_secs(60)).await;
    for (name, c) in [("alice", &alice), ("bob", &bob)] {
        if c.connection_state() != ConnectionState::Connected {
            return Err(format!("{name} is {:?} at the end", c.connection_state()));
        }
    }
    let mut a_to_b = Vec::new();
    let mut b_to_a = Vec::new();
    for s in sent {
        let outcome = s.result.await.map_err(|e| e.to_string())?;
        if s.from_alice {
            a_to_b.push((s.text, outcome));
        } else {
            b_to_a.push((s.text, outcome));
        }
    }
    check("alice→bob", &a_to_b, &received(&mut bob_events, "alice"))?;
    check("bob→alice", &b_to_a, &received(&mut alice_events, "bob"))?;
    Ok(())
}

fn run(ops: Vec<Op>) -> Result<(), String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap()
        .block_on(scenario(ops))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn no_peer_message_is_lost_or_duplicated_across_faults(ops in prop::collection::vec(op(), 1..30)) {
        if let Err(e) = run(ops) {
            return Err(TestCaseError::fail(e));
        }
    }
}

/// A fixed case that exercises every path at once: a short cut, a long cut of the receiver
/// (its session ends, messages go to the offline cache), a cut of both, and sends throughout.
#[test]
fn mixed_outages_keep_every_accepted_message_exactly_once() {
    let mut ops = Vec::new();
    for round in 0..3 {
        ops.push(Op::Send {
            from_alice: round % 2 == 0,
            offline: false,
        });
        ops.push(Op::Cut {
            alice: true,
            bob: round == 2,
            secs: [3, 45, 8][round],
        });
        for k in 0..6 {
            ops.push(Op::Wait { millis: 1_500 });
            ops.push(Op::Send {
                from_alice: k % 2 == 1,
                offline: k % 3 == 0,
            });
        }
        ops.push(Op::Wait { millis: 40_000 });
    }
    run(ops).unwrap();
}
