//! The session directory and channel membership through the shared records' interface: what
//! a node announces of its own sessions and members, and how sessions and members held by
//! other nodes count in presence and channel queries.

use super::{secs, Bench, APP, C};
use crate::proto::link::{CallId, Event, Reply, Request, SessionId};
use crate::proto::{ChannelAttribute, PeerOnlineState, RtmAttribute};
use crate::system::records::{InvitationKey, MemRecords, SessionElsewhere, SharedRecords};
use crate::system::state::{CachedMessage, Invitation, InvitationPhase};
use crate::system::SystemConfig;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::time::Instant;

/// One announcement a node made.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Said {
    Started(String, SessionId),
    Reachable(String, bool),
    Ended(String, SessionId),
    Member(String, String, bool),
}

/// What other nodes hold, as a test sets it.
#[derive(Default)]
struct Elsewhere {
    sessions: HashMap<String, SessionElsewhere>,
    members: HashMap<String, Vec<String>>,
}

/// Records in this process that also note what the node announces and answer for a made-up
/// rest of the system.
struct Recording {
    inner: MemRecords,
    said: Arc<Mutex<Vec<Said>>>,
    elsewhere: Arc<Mutex<Elsewhere>>,
}

impl SharedRecords for Recording {
    fn keep_offline(&mut self, app: &str, user: &str, message: CachedMessage) {
        self.inner.keep_offline(app, user, message)
    }
    fn take_offline(&mut self, app: &str, user: &str, now: Instant) -> Vec<CachedMessage> {
        self.inner.take_offline(app, user, now)
    }
    fn offline_count(&self, app: &str, user: &str) -> usize {
        self.inner.offline_count(app, user)
    }
    fn user_attributes(&self, app: &str, user: &str) -> &[RtmAttribute] {
        self.inner.user_attributes(app, user)
    }
    fn set_user_attributes(&mut self, app: &str, user: &str, attributes: Vec<RtmAttribute>) {
        self.inner.set_user_attributes(app, user, attributes)
    }
    fn channel_attributes(&self, app: &str, channel: &str) -> &[ChannelAttribute] {
        self.inner.channel_attributes(app, channel)
    }
    fn set_channel_attributes(&mut self, app: &str, ch: &str, attributes: Vec<ChannelAttribute>) {
        self.inner.set_channel_attributes(app, ch, attributes)
    }
    fn invitation(&self, app: &str, key: &InvitationKey) -> Option<&Invitation> {
        self.inner.invitation(app, key)
    }
    fn put_invitation(&mut self, app: &str, key: InvitationKey, invitation: Invitation) {
        self.inner.put_invitation(app, key, invitation)
    }
    fn advance_invitation(&mut self, app: &str, key: &InvitationKey, p: InvitationPhase, g: u64) {
        self.inner.advance_invitation(app, key, p, g)
    }
    fn take_invitation(&mut self, app: &str, key: &(String, CallId)) -> Option<Invitation> {
        self.inner.take_invitation(app, key)
    }
    fn waiting_for(&self, app: &str, callee: &str) -> Vec<InvitationKey> {
        self.inner.waiting_for(app, callee)
    }
    fn session_started(&mut self, _app: &str, user: &str, session: SessionId) {
        self.said.lock().push(Said::Started(user.into(), session));
    }
    fn session_reachable(&mut self, _app: &str, user: &str, _session: SessionId, on: bool) {
        self.said.lock().push(Said::Reachable(user.into(), on));
    }
    fn session_ended(&mut self, _app: &str, user: &str, session: SessionId) {
        self.said.lock().push(Said::Ended(user.into(), session));
    }
    fn session_elsewhere(&self, _app: &str, user: &str) -> Option<SessionElsewhere> {
        self.elsewhere.lock().sessions.get(user).copied()
    }
    fn member_changed(&mut self, _app: &str, channel: &str, user: &str, joined: bool) {
        self.said
            .lock()
            .push(Said::Member(channel.into(), user.into(), joined));
    }
    fn members_elsewhere(&self, _app: &str, channel: &str) -> Vec<String> {
        self.elsewhere
            .lock()
            .members
            .get(channel)
            .cloned()
            .unwrap_or_default()
    }
}

/// What a node announced, as the test reads it.
type Log = Arc<Mutex<Vec<Said>>>;

/// A bench whose records note announcements and answer for other nodes.
fn bench() -> (Bench, Log, Arc<Mutex<Elsewhere>>) {
    let said = Arc::new(Mutex::new(Vec::new()));
    let elsewhere = Arc::new(Mutex::new(Elsewhere::default()));
    let config = SystemConfig::default();
    let records = Recording {
        inner: MemRecords::new(config.offline_cache_per_user, config.offline_cache_ttl),
        said: said.clone(),
        elsewhere: elsewhere.clone(),
    };
    let bench = Bench::with(config);
    bench.system.inner.state.lock().records = Box::new(records);
    (bench, said, elsewhere)
}

fn join(bench: &mut Bench, c: C, channel: &str) {
    let joined = bench.call(
        c,
        Request::Join {
            channel: channel.into(),
        },
    );
    assert!(matches!(joined, Ok(Reply::Joined { .. })), "{joined:?}");
}

#[test]
fn a_node_announces_its_sessions_their_reachability_and_their_end() {
    let (mut bench, said, _) = bench();
    let alice = bench.login("alice");
    let first = bench.session(alice);
    assert_eq!(*said.lock(), vec![Said::Started("alice".into(), first)]);
    said.lock().clear();

    bench.set_live(alice, false);
    bench.advance_to(secs(6));
    assert_eq!(*said.lock(), vec![Said::Reachable("alice".into(), false)]);
    said.lock().clear();

    let (back, resumed) = bench.resume("alice", first, &[]);
    assert!(matches!(resumed, Ok(Reply::Resumed { kept: true, .. })));
    assert_eq!(*said.lock(), vec![Said::Reachable("alice".into(), true)]);
    said.lock().clear();

    let out = bench.call(back, Request::Logout);
    assert_eq!(out, Ok(Reply::Done));
    assert_eq!(*said.lock(), vec![Said::Ended("alice".into(), first)]);
}

#[test]
fn a_session_that_expires_is_announced_ended_with_its_channels_left() {
    let (mut bench, said, _) = bench();
    let alice = bench.login("alice");
    join(&mut bench, alice, "room");
    let session = bench.session(alice);
    said.lock().clear();
    bench.set_live(alice, false);
    bench.advance_to(secs(30));
    assert_eq!(
        *said.lock(),
        vec![
            Said::Reachable("alice".into(), false),
            Said::Member("room".into(), "alice".into(), false),
            Said::Ended("alice".into(), session),
        ]
    );
}

#[test]
fn a_node_announces_joins_and_leaves() {
    let (mut bench, said, _) = bench();
    let alice = bench.login("alice");
    said.lock().clear();
    join(&mut bench, alice, "room");
    let left = bench.call(
        alice,
        Request::Leave {
            channel: "room".into(),
        },
    );
    assert_eq!(left, Ok(Reply::Done));
    assert_eq!(
        *said.lock(),
        vec![
            Said::Member("room".into(), "alice".into(), true),
            Said::Member("room".into(), "alice".into(), false),
        ]
    );
}

#[test]
fn sessions_held_elsewhere_count_in_presence() {
    let (mut bench, _, elsewhere) = bench();
    elsewhere.lock().sessions.insert(
        "carol".into(),
        SessionElsewhere {
            session: 77,
            reachable: false,
        },
    );
    let bob = bench.login("bob");
    let online = bench.call(
        bob,
        Request::QueryOnline {
            peers: vec!["carol".into(), "dave".into()],
        },
    );
    assert_eq!(
        online,
        Ok(Reply::Online(vec![
            ("carol".into(), true),
            ("dave".into(), false)
        ]))
    );
    let subscribed = bench.call(
        bob,
        Request::Subscribe {
            peers: vec!["carol".into()],
        },
    );
    assert!(subscribed.is_ok(), "{subscribed:?}");
    let events = bench.events(bob);
    assert!(
        events.iter().any(|e| matches!(
            e,
            Event::PeerStatus(list) if list == &vec![("carol".to_string(), PeerOnlineState::Unreachable)]
        )),
        "a subscriber learns the state of a session held elsewhere: {events:?}"
    );
}

#[test]
fn members_held_elsewhere_count_in_channel_queries_and_keep_the_attributes() {
    let (mut bench, _, elsewhere) = bench();
    elsewhere
        .lock()
        .members
        .insert("room".into(), vec!["carol".into()]);
    let alice = bench.login("alice");
    join(&mut bench, alice, "room");
    let members = bench.call(
        alice,
        Request::GetMembers {
            channel: "room".into(),
        },
    );
    assert_eq!(
        members,
        Ok(Reply::Members(vec!["carol".into(), "alice".into()]))
    );
    let counts = bench.call(
        alice,
        Request::MemberCount {
            channels: vec!["room".into()],
        },
    );
    assert_eq!(counts, Ok(Reply::Counts(vec![("room".into(), 2)])));
    assert_eq!(
        bench.system.channel_members(APP, "room"),
        vec!["alice", "carol"]
    );

    // The last member here leaves; Carol is still in the channel elsewhere.
    let set = bench.call(
        alice,
        Request::ChannelAttributes {
            channel: "room".into(),
            op: crate::proto::link::AttributeOp::Set(vec![ChannelAttribute::new("k", "v")]),
            notify: false,
        },
    );
    assert_eq!(set, Ok(Reply::Done));
    let left = bench.call(
        alice,
        Request::Leave {
            channel: "room".into(),
        },
    );
    assert_eq!(left, Ok(Reply::Done));
    bench.advance_to(secs(200));
    let kept = bench.call(
        alice,
        Request::GetChannelAttributes {
            channel: "room".into(),
            keys: None,
        },
    );
    assert!(
        matches!(&kept, Ok(Reply::ChannelAttributes(list)) if list.len() == 1),
        "not wiped while members elsewhere remain: {kept:?}"
    );
}
