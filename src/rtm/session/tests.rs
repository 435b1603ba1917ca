//! The connection state machine of spec/rtm-1x.md §2.3, row by row, with explicit time: no
//! runtime, no clock, no sleeping. Links are plain numbers.

use super::*;
use crate::proto::link::{Event, KickReason, Request};
use crate::proto::FailureReason;

const MS: Duration = Duration::from_millis(1);

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

fn outputs(s: &mut Session<u32>) -> Vec<Output<u32>> {
    std::iter::from_fn(|| s.poll_output()).collect()
}

fn states(out: &[Output<u32>]) -> Vec<(ConnectionState, ConnectionChangeReason)> {
    out.iter()
        .filter_map(|o| match o {
            Output::State(s, r) => Some((*s, *r)),
            _ => None,
        })
        .collect()
}

fn connects(out: &[Output<u32>]) -> usize {
    out.iter().filter(|o| matches!(o, Output::Connect)).count()
}

fn frames(out: &[Output<u32>]) -> Vec<(u32, Up)> {
    out.iter()
        .filter_map(|o| match o {
            Output::Transmit { handle, frame, .. } => Some((*handle, frame.clone())),
            _ => None,
        })
        .collect()
}

fn resumed(kept: bool) -> Result<Reply, Failure> {
    Ok(Reply::Resumed {
        session: 7,
        kept,
        peers: Vec::new(),
    })
}

/// The system's answer to resume request `id`.
fn resume_answer(id: RequestId, kept: bool) -> Down {
    Down::Reply {
        id,
        result: resumed(kept),
    }
}

fn peer_message(seq: StreamSeq) -> Down {
    Down::Stream {
        seq,
        event: Event::PeerMessage {
            from: "bob".into(),
            message: crate::rtm::RtmMessage::from_text(format!("m{seq}")),
        },
    }
}

fn resume_frame(id: RequestId) -> Up {
    Up::Request {
        id,
        body: Request::Logout,
    }
}

/// A session logged in on link 1 at `t0`.
fn live(t0: Instant) -> (Session<u32>, LinkId) {
    let mut s = Session::new(ConnectionTimers::default());
    let link = s.open_login(1, t0 + secs(6.0));
    s.login_request(1);
    assert!(matches!(
        s.on_frame(
            link,
            Down::Reply {
                id: 1,
                result: Ok(Reply::LoggedIn { session: 7 })
            },
            t0
        ),
        Incoming::Deliver(Down::Reply { id: 1, .. })
    ));
    s.logged_in(t0);
    assert_eq!(s.phase(), PhaseKind::Live);
    (s, link)
}

/// Steps the session through every deadline up to `until`, collecting what it asked for.
fn run_until(s: &mut Session<u32>, until: Instant) -> Vec<(Instant, Output<u32>)> {
    let mut out = Vec::new();
    while let Some(at) = s.poll_timeout().filter(|at| *at <= until) {
        s.handle_timeout(at);
        out.extend(std::iter::from_fn(|| s.poll_output()).map(|o| (at, o)));
    }
    out
}

/// The link went silent after `t0`: the session notices at t0 + 2 s and asks for a new link.
fn silent_from(s: &mut Session<u32>, t0: Instant) -> Instant {
    let out = run_until(s, t0 + secs(2.0));
    let at = out
        .iter()
        .find(|(_, o)| matches!(o, Output::Connect))
        .map(|(at, _)| *at)
        .expect("the silence is noticed");
    assert!(out.iter().any(|(_, o)| matches!(o, Output::Abandon(1))));
    assert!(states(&out.into_iter().map(|(_, o)| o).collect::<Vec<_>>()).is_empty());
    at
}

#[test]
fn the_login_times_out_at_its_deadline() {
    let t0 = Instant::now();
    let mut s: Session<u32> = Session::new(ConnectionTimers::default());
    s.open_login(1, t0 + secs(6.0));
    s.login_request(9);
    assert_eq!(s.poll_timeout(), Some(t0 + secs(6.0)));
    s.handle_timeout(t0 + secs(6.0) - MS);
    assert!(outputs(&mut s).is_empty());
    s.handle_timeout(t0 + secs(6.0));
    assert!(matches!(
        outputs(&mut s).as_slice(),
        [Output::LoginTimedOut(9)]
    ));
    // Once.
    assert_eq!(s.poll_timeout(), None);
    let (links, _) = s.end();
    assert_eq!(links, vec![1]);
    assert_eq!(s.phase(), PhaseKind::Idle);
}

#[test]
fn a_live_link_is_pinged_every_second_with_the_ack_first() {
    let t0 = Instant::now();
    let (mut s, link) = live(t0);
    assert!(matches!(
        s.on_frame(link, peer_message(1), t0 + secs(0.5)),
        Incoming::Deliver(_)
    ));
    s.on_frame(link, Down::Pong, t0 + secs(0.9));
    assert_eq!(s.poll_timeout(), Some(t0 + secs(1.0)));
    s.handle_timeout(t0 + secs(1.0));
    let sent = frames(&outputs(&mut s));
    assert!(matches!(
        sent.as_slice(),
        [(1, Up::Ack { seq: 1 }), (1, Up::Ping)]
    ));
    assert_eq!(s.poll_timeout(), Some(t0 + secs(2.0)));
    s.on_frame(link, Down::Pong, t0 + secs(1.0));
    s.handle_timeout(t0 + secs(2.0));
    // Nothing new to acknowledge.
    assert!(matches!(
        frames(&outputs(&mut s)).as_slice(),
        [(1, Up::Ping)]
    ));
}

#[test]
fn two_seconds_of_silence_resume_quietly_when_back_before_four() {
    let t0 = Instant::now();
    let (mut s, _) = live(t0);
    let noticed = silent_from(&mut s, t0);
    assert_eq!(noticed, t0 + secs(2.0));
    assert_eq!(s.phase(), PhaseKind::Down);
    let link2 = s
        .link_opened(2, 50, resume_frame(50), None, noticed + secs(0.1))
        .unwrap();
    assert!(matches!(
        frames(&outputs(&mut s)).as_slice(),
        [(2, Up::Request { id: 50, .. })]
    ));
    let back = s.on_frame(link2, resume_answer(50, true), noticed + secs(0.2));
    assert!(matches!(back, Incoming::Resumed { kept: true, .. }));
    // Back at 2.2 s, before 4 s: no event at all.
    assert!(states(&outputs(&mut s)).is_empty());
    assert_eq!(s.phase(), PhaseKind::Live);
    assert_eq!(s.link(), Some(&2));
    // (Silent again from 2.2 s, it would be reported at 6.2 s.)
    let later: Vec<_> = run_until(&mut s, t0 + secs(6.0))
        .into_iter()
        .map(|(_, o)| o)
        .collect();
    assert!(states(&later).is_empty());
}

#[test]
fn four_seconds_after_the_last_sign_of_life_report_reconnecting_then_connected_once() {
    let t0 = Instant::now();
    let (mut s, _) = live(t0);
    // The last sign of life is at t0; the link closes (is noticed) only at 1.5 s.
    s.on_link_closed(LinkId(1));
    let out = outputs(&mut s);
    assert_eq!(connects(&out), 1);
    // Connecting fails; attempts continue with the backoff.
    s.connect_failed(t0 + secs(1.5));
    let out = run_until(&mut s, t0 + secs(4.0));
    let reports: Vec<_> = out
        .iter()
        .filter(|(_, o)| matches!(o, Output::State(..)))
        .collect();
    assert_eq!(reports.len(), 1);
    // 4 s after the last sign of life, not after the loss was noticed.
    assert_eq!(reports[0].0, t0 + secs(4.0));
    assert!(matches!(
        reports[0].1,
        Output::State(
            ConnectionState::Reconnecting,
            ConnectionChangeReason::Interrupted
        )
    ));
    assert!(s.wants_link());
    let link = s
        .link_opened(3, 60, resume_frame(60), None, t0 + secs(4.5))
        .unwrap();
    outputs(&mut s);
    s.on_frame(link, resume_answer(60, true), t0 + secs(4.6));
    assert_eq!(
        states(&outputs(&mut s)),
        vec![(
            ConnectionState::Connected,
            ConnectionChangeReason::LoginSuccess
        )]
    );
    // A second reply, or anything later, reports nothing more.
    s.on_frame(link, resume_answer(60, true), t0 + secs(4.7));
    assert!(states(&outputs(&mut s)).is_empty());
}

#[test]
fn reconnect_attempts_back_off_from_half_a_second_doubling_to_two() {
    let t0 = Instant::now();
    let (mut s, _) = live(t0);
    s.on_link_closed(LinkId(1));
    assert_eq!(connects(&outputs(&mut s)), 1);
    let mut now = t0;
    let mut starts = Vec::new();
    for _ in 0..6 {
        s.connect_failed(now);
        // Skip the report deadline if it comes first.
        loop {
            let at = s.poll_timeout().unwrap();
            s.handle_timeout(at);
            now = at;
            if connects(&outputs(&mut s)) == 1 {
                break;
            }
        }
        starts.push(now.duration_since(t0));
    }
    assert_eq!(
        starts,
        vec![
            secs(0.5),
            secs(1.5),
            secs(3.5),
            secs(5.5),
            secs(7.5),
            secs(9.5)
        ]
    );
    // An attempt whose link opens but gets no answer in 1 s fails the same way.
    let link = s.link_opened(4, 70, resume_frame(70), None, now).unwrap();
    outputs(&mut s);
    let at = s.poll_timeout().unwrap();
    assert_eq!(at, now + secs(1.0));
    s.handle_timeout(at);
    assert!(matches!(outputs(&mut s).as_slice(), [Output::Abandon(4)]));
    assert_eq!(s.poll_timeout(), Some(at + secs(2.0)));
    // Its frames are dropped from now on.
    assert!(matches!(
        s.on_frame(link, resume_answer(70, true), at),
        Incoming::Dropped
    ));
}

#[test]
fn a_resume_replays_the_unacknowledged_stream_and_duplicates_are_dropped() {
    let t0 = Instant::now();
    let (mut s, link) = live(t0);
    for seq in 1..=3 {
        assert!(matches!(
            s.on_frame(link, peer_message(seq), t0),
            Incoming::Deliver(_)
        ));
    }
    // Only 1..=2 were acknowledged before the loss.
    assert!(matches!(s.ack(), Some((1, Up::Ack { seq: 3 }))));
    assert!(s.ack().is_none());
    s.on_link_closed(link);
    outputs(&mut s);
    assert_eq!(s.seen(), 3);
    let link2 = s
        .link_opened(2, 80, resume_frame(80), None, t0 + secs(0.6))
        .unwrap();
    outputs(&mut s);
    s.on_frame(link2, resume_answer(80, true), t0 + secs(0.7));
    // The system sends again what it kept: 2 and 3 were handled, 4 is new.
    let replay: Vec<_> = (2..=4)
        .map(|seq| s.on_frame(link2, peer_message(seq), t0 + secs(0.7)))
        .collect();
    assert!(matches!(
        replay.as_slice(),
        [
            Incoming::Dropped,
            Incoming::Dropped,
            Incoming::Deliver(Down::Stream { seq: 4, .. })
        ]
    ));
    // The resume told the system 3 was handled: only 4 is news.
    assert!(matches!(s.ack(), Some((2, Up::Ack { seq: 4 }))));
    // The old link's late frames are dropped.
    assert!(matches!(
        s.on_frame(link, peer_message(5), t0 + secs(0.8)),
        Incoming::Dropped
    ));
}

#[test]
fn after_the_grace_a_new_session_starts_its_stream_afresh() {
    let t0 = Instant::now();
    let (mut s, link) = live(t0);
    for seq in 1..=5 {
        s.on_frame(link, peer_message(seq), t0);
    }
    s.on_link_closed(link);
    outputs(&mut s);
    // Still connecting 31 s later (reported as RECONNECTING at 4 s).
    run_until(&mut s, t0 + secs(31.0));
    let link2 = s
        .link_opened(2, 90, resume_frame(90), None, t0 + secs(31.0))
        .unwrap();
    outputs(&mut s);
    let back = s.on_frame(
        link2,
        Down::Reply {
            id: 90,
            result: Ok(Reply::Resumed {
                session: 8,
                kept: false,
                peers: vec![("carol".into(), PeerOnlineState::Online)],
            }),
        },
        t0 + secs(31.0),
    );
    // The client re-joins, re-uploads and re-subscribes through the resume request; the
    // system answers with a new session and the peers' states.
    assert!(matches!(
        back,
        Incoming::Resumed { session: 8, kept: false, ref peers, .. } if peers.len() == 1
    ));
    assert_eq!(s.seen(), 0);
    assert!(matches!(
        s.on_frame(link2, peer_message(1), t0 + secs(31.0)),
        Incoming::Deliver(Down::Stream { seq: 1, .. })
    ));
    let out = outputs(&mut s);
    assert_eq!(
        states(&out),
        vec![(
            ConnectionState::Connected,
            ConnectionChangeReason::LoginSuccess
        )]
    );
}

#[test]
fn an_expired_token_is_reported_once_while_reconnecting_and_attempts_go_on_until_renewed() {
    let t0 = Instant::now();
    let (mut s, link) = live(t0);
    s.on_link_closed(link);
    outputs(&mut s);
    let refuse = |s: &mut Session<u32>, handle: u32, id: RequestId, now: Instant| {
        let link = s
            .link_opened(handle, id, resume_frame(id), Some("old".into()), now)
            .unwrap();
        outputs(s);
        let refused = s.on_frame(
            link,
            Down::Reply {
                id,
                result: Err(Failure {
                    reason: FailureReason::TokenExpired,
                    detail: "expired".into(),
                }),
            },
            now,
        );
        assert!(matches!(
            refused,
            Incoming::ResumeRefused { ref token, .. } if token.as_deref() == Some("old")
        ));
        s.token_refused(true)
    };
    // Refused before 4 s: not RECONNECTING yet, so nothing is reported now...
    assert!(!refuse(&mut s, 2, 100, t0 + secs(0.1)));
    assert!(matches!(outputs(&mut s).as_slice(), [Output::Close(2)]));
    // ...but with the interruption at 4 s.
    let out: Vec<_> = run_until(&mut s, t0 + secs(4.0))
        .into_iter()
        .map(|(_, o)| o)
        .collect();
    let told: Vec<_> = out
        .iter()
        .filter(|o| matches!(o, Output::State(..) | Output::TokenExpired))
        .collect();
    assert!(matches!(
        told.as_slice(),
        [
            Output::State(ConnectionState::Reconnecting, _),
            Output::TokenExpired
        ]
    ));
    // Attempts go on; refused again with the same token: not reported again.
    let mut now = t0 + secs(4.0);
    for i in 0..3 {
        while !s.wants_link() {
            let at = s.poll_timeout().unwrap();
            s.handle_timeout(at);
            outputs(&mut s);
            now = at;
        }
        assert!(!refuse(&mut s, 10 + i, 200 + RequestId::from(i), now));
        let out = outputs(&mut s);
        assert!(!out.iter().any(|o| matches!(o, Output::TokenExpired)));
        assert!(states(&out).is_empty());
    }
    // The renewal makes the next attempt start at once.
    s.token_renewed(now);
    assert_eq!(s.poll_timeout(), Some(now));
    s.handle_timeout(now);
    assert_eq!(connects(&outputs(&mut s)), 1);
    let link = s
        .link_opened(20, 300, resume_frame(300), Some("new".into()), now)
        .unwrap();
    outputs(&mut s);
    s.on_frame(link, resume_answer(300, true), now);
    assert_eq!(
        states(&outputs(&mut s)),
        vec![(
            ConnectionState::Connected,
            ConnectionChangeReason::LoginSuccess
        )]
    );
}

#[test]
fn a_kick_on_the_resuming_link_reaches_the_client_and_ends_everything() {
    let t0 = Instant::now();
    let (mut s, link) = live(t0);
    // A kick on the live link is handed on (the client goes to ABORTED).
    assert!(matches!(
        s.on_frame(
            link,
            Down::Event(Event::Kicked(KickReason::RemoteLogin)),
            t0
        ),
        Incoming::Deliver(Down::Event(Event::Kicked(KickReason::RemoteLogin)))
    ));
    s.on_link_closed(link);
    outputs(&mut s);
    let link2 = s
        .link_opened(2, 5, resume_frame(5), None, t0 + secs(0.1))
        .unwrap();
    outputs(&mut s);
    // So is a ban the system announces on the link the session is resumed on.
    assert!(matches!(
        s.on_frame(
            link2,
            Down::Event(Event::Kicked(KickReason::Banned)),
            t0 + secs(0.2)
        ),
        Incoming::Deliver(Down::Event(Event::Kicked(KickReason::Banned)))
    ));
    let (links, _) = s.end();
    assert_eq!(links, vec![2]);
    assert_eq!(s.phase(), PhaseKind::Idle);
    assert_eq!(s.poll_timeout(), None);
    assert!(outputs(&mut s).is_empty());
}

#[test]
fn logout_in_each_state() {
    let t0 = Instant::now();
    let mut s: Session<u32> = Session::new(ConnectionTimers::default());
    assert_eq!(s.logout(), Logout::Nothing);
    s.open_login(1, t0 + secs(6.0));
    assert_eq!(s.logout(), Logout::AbandonLogin);
    let (mut s, link) = live(t0);
    assert_eq!(s.logout(), Logout::OnLink);
    s.on_link_closed(link);
    // Link down: done at once; the system hears of it from `EndSession` on fresh links.
    assert_eq!(s.logout(), Logout::Farewell);
    s.buffer(Some(4), resume_frame(4));
    let link2 = s
        .link_opened(2, 5, resume_frame(5), None, t0 + secs(0.1))
        .unwrap();
    assert_eq!(s.logout(), Logout::Farewell);
    let (links, waiting) = s.end();
    // The link being tried is closed, the waiting operation fails.
    assert_eq!(links, vec![2]);
    assert_eq!(waiting, vec![4]);
    assert!(matches!(
        s.on_frame(link2, resume_answer(5, true), t0),
        Incoming::Dropped
    ));
}

#[test]
fn requests_sent_on_a_lost_link_are_not_sent_again_and_waiting_ones_go_in_order() {
    let t0 = Instant::now();
    let (mut s, link) = live(t0);
    // Sent on link 1 by the caller (not through the session); it cannot be buffered.
    assert!(!s.buffer(Some(10), resume_frame(10)));
    s.on_link_closed(link);
    outputs(&mut s);
    // While down, operations wait in order; one of them times out meanwhile.
    for id in 11..=14 {
        assert!(s.buffer(Some(id), resume_frame(id)));
    }
    assert!(s.buffer(None, Up::Ping));
    s.drop_buffered(|id| id == 12);
    let link2 = s
        .link_opened(2, 20, resume_frame(20), None, t0 + secs(0.1))
        .unwrap();
    outputs(&mut s);
    s.on_frame(link2, resume_answer(20, true), t0 + secs(0.2));
    let mut sent = Vec::new();
    while let Some((_, handle, request, _)) = s.poll_transmit() {
        sent.push((handle, request));
    }
    // Request 10 (sent on the lost link) is not sent again: it ends with its TIMEOUT code
    // through the client's reply timeouts. The rest go out in order, on the new link, before
    // anything else.
    assert_eq!(
        sent,
        vec![(2, Some(11)), (2, Some(13)), (2, Some(14)), (2, None)]
    );
    assert!(!s.has_buffered());
}

#[test]
fn a_closed_login_link_fails_the_login_and_a_closed_candidate_waits_for_its_timeout() {
    let t0 = Instant::now();
    let mut s: Session<u32> = Session::new(ConnectionTimers::default());
    let login = s.open_login(1, t0 + secs(6.0));
    assert_eq!(s.on_link_closed(login), Closed::Login);
    let (mut s, link) = live(t0);
    assert_eq!(s.on_link_closed(link), Closed::Down);
    outputs(&mut s);
    let link2 = s
        .link_opened(2, 5, resume_frame(5), None, t0 + secs(0.1))
        .unwrap();
    assert_eq!(s.on_link_closed(link2), Closed::Nothing);
    assert_eq!(s.poll_timeout(), Some(t0 + secs(1.1)));
    // A link that refuses the resume frame fails the attempt at once.
    s.handle_timeout(t0 + secs(1.1));
    outputs(&mut s);
    let at = s.poll_timeout().unwrap();
    s.handle_timeout(at);
    outputs(&mut s);
    let link3 = s.link_opened(3, 6, resume_frame(6), None, at).unwrap();
    s.on_send_failed(link3, at);
    assert!(s
        .poll_output()
        .is_some_and(|o| matches!(o, Output::Transmit { .. })));
    assert!(matches!(s.poll_output(), Some(Output::Abandon(3))));
    assert!(!s.wants_link());
}

#[test]
fn after_a_loss_found_by_the_watch_a_failed_first_attempt_is_retried_at_once() {
    let t0 = Instant::now();
    let (mut s, _) = live(t0);
    let noticed = silent_from(&mut s, t0);
    s.connect_failed(noticed);
    // No pause after the first attempt (the pause still counts: the next one is 1 s).
    assert_eq!(s.poll_timeout(), Some(noticed));
    s.handle_timeout(noticed);
    assert_eq!(connects(&outputs(&mut s)), 1);
    s.connect_failed(noticed);
    assert_eq!(s.poll_timeout(), Some(noticed + secs(1.0)));
}
