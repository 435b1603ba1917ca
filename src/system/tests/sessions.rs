//! Session ids across a restart: a client that comes back to a restarted system with the id of
//! its old session must never be given a different session that happens to have that id.

use super::Bench;
use crate::proto::link::KickReason;
use crate::proto::link::{Event, Failure, Reply};
use crate::proto::FailureReason;

#[test]
fn a_session_id_from_before_a_restart_never_resumes_another_session() {
    // Before the restart: alice's first device logs in.
    let mut before = Bench::new();
    let first = before.login("alice");
    let old_session = before.session(first);

    // After it, on a fresh system: her second device logs in anew, then the first comes back
    // with the id it had.
    let mut after = Bench::new();
    let second = after.login("alice");
    assert_ne!(
        after.session(second),
        old_session,
        "a restarted system hands out ids the old one did not"
    );
    let (back, answer) = after.resume("alice", old_session, &[]);
    assert!(
        matches!(
            answer,
            Err(Failure {
                reason: FailureReason::AlreadyLoggedIn,
                ..
            })
        ),
        "the returning device does not take the second device's session: {answer:?}"
    );
    let events = after.events(back);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Kicked(KickReason::RemoteLogin))),
        "{events:?}"
    );
    let still = after.call(
        second,
        crate::proto::link::Request::QueryOnline {
            peers: vec!["alice".into()],
        },
    );
    assert!(matches!(still, Ok(Reply::Online(_))), "{still:?}");
}
