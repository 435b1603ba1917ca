//! The records every node of one RTM system must see alike, behind one interface:
//! [`SharedRecords`].
//!
//! Two kinds of record go through it:
//!
//! * **Records the system keeps wherever its users are**: the offline cache (messages kept for
//!   users who are offline), the user attributes of online users, channel attributes and the
//!   invitations in flight. The rules read and write them only through this interface.
//! * **The session directory and channel membership.** A node holds its own sessions and
//!   channel members (links, routes, event streams, the fast path's member lists) and
//!   *announces* every change of them here: a session started, became reachable or not, ended;
//!   a member joined or left. It *reads* here the sessions and members other nodes hold, for
//!   presence (online state, subscriptions) and channel queries (members, counts).
//!
//! Everything runs under the state lock, in explicit time. [`MemRecords`] keeps the records in
//! this process — the embedded default and a single server — where every session is held by the
//! one node, so its announcements go nowhere and nothing is elsewhere. An engine-backed
//! implementation, for several nodes, keeps a copy of what its node reads and writes through to
//! the engine; it enforces the offline cache's limits (200 messages, 7 days) as the engine's
//! stream limits.
//!
//! What stays with the node that holds it, outside this interface: links, each session's route
//! and event stream (numbering, what is not yet acknowledged), each channel's local members and
//! recent messages for the fast path, and the timers of the node.

use super::state::{CachedMessage, Invitation, InvitationPhase};
use crate::proto::link::{CallId, SessionId};
use crate::proto::{ChannelAttribute, RtmAttribute};
use std::collections::{HashMap, VecDeque};
use std::time::Duration;
use tokio::time::Instant;

/// An invitation's key: its caller and the caller's call id.
pub(super) type InvitationKey = (String, CallId);

/// A session another node holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SessionElsewhere {
    pub session: SessionId,
    /// False once its link has been silent for the unreachable time.
    pub reachable: bool,
}

/// The records every node must see alike (see the module docs). Keys are an App ID plus a
/// user, channel or invitation key; an empty list stands for "none".
pub(super) trait SharedRecords: Send {
    /// Keeps a message for `user` while it is offline: the oldest go once the cache is full,
    /// expired ones go on the way.
    fn keep_offline(&mut self, app: &str, user: &str, message: CachedMessage);
    /// Takes, oldest first, the messages kept for `user` that have not expired at `now`.
    fn take_offline(&mut self, app: &str, user: &str, now: Instant) -> Vec<CachedMessage>;
    /// How many messages are kept for `user` (expired ones included until they are dropped).
    fn offline_count(&self, app: &str, user: &str) -> usize;

    /// The attributes of an online user.
    fn user_attributes(&self, app: &str, user: &str) -> &[RtmAttribute];
    /// Replaces the attributes of `user` (empty: it has none).
    fn set_user_attributes(&mut self, app: &str, user: &str, attributes: Vec<RtmAttribute>);

    /// The attributes of a channel.
    fn channel_attributes(&self, app: &str, channel: &str) -> &[ChannelAttribute];
    /// Replaces the attributes of `channel` (empty: it has none).
    fn set_channel_attributes(
        &mut self,
        app: &str,
        channel: &str,
        attributes: Vec<ChannelAttribute>,
    );

    /// An invitation in flight.
    fn invitation(&self, app: &str, key: &InvitationKey) -> Option<&Invitation>;
    /// Records a new invitation.
    fn put_invitation(&mut self, app: &str, key: InvitationKey, invitation: Invitation);
    /// Moves an invitation to `phase`, armed as `generation`.
    fn advance_invitation(
        &mut self,
        app: &str,
        key: &InvitationKey,
        phase: InvitationPhase,
        generation: u64,
    );
    /// Ends an invitation: takes it out.
    fn take_invitation(&mut self, app: &str, key: &InvitationKey) -> Option<Invitation>;
    /// The invitations waiting for `callee` to come online, oldest first.
    fn waiting_for(&self, app: &str, callee: &str) -> Vec<InvitationKey>;

    /// This node holds a new session of `user` (a login, or a resume after the grace), reachable.
    fn session_started(&mut self, app: &str, user: &str, session: SessionId);
    /// A session this node holds became reachable or unreachable.
    fn session_reachable(&mut self, app: &str, user: &str, session: SessionId, reachable: bool);
    /// A session this node held ended.
    fn session_ended(&mut self, app: &str, user: &str, session: SessionId);
    /// The session of `user` another node holds, if any.
    fn session_elsewhere(&self, app: &str, user: &str) -> Option<SessionElsewhere>;

    /// A user whose session this node holds joined (`true`) or left `channel`.
    fn member_changed(&mut self, app: &str, channel: &str, user: &str, joined: bool);
    /// The members of `channel` whose sessions other nodes hold, in the order they joined.
    fn members_elsewhere(&self, app: &str, channel: &str) -> Vec<String>;
}

/// The records of one process (see [`SharedRecords`]).
pub(super) struct MemRecords {
    apps: HashMap<String, AppRecords>,
    /// Offline cache limits: messages per user, and how long each is kept.
    offline_cap: usize,
    offline_ttl: Duration,
}

#[derive(Default)]
struct AppRecords {
    offline: HashMap<String, VecDeque<CachedMessage>>,
    user_attributes: HashMap<String, Vec<RtmAttribute>>,
    channel_attributes: HashMap<String, Vec<ChannelAttribute>>,
    invitations: HashMap<InvitationKey, Invitation>,
}

impl MemRecords {
    /// Empty records with the offline cache's limits.
    pub fn new(offline_cap: usize, offline_ttl: Duration) -> MemRecords {
        MemRecords {
            apps: HashMap::new(),
            offline_cap,
            offline_ttl,
        }
    }

    fn app(&self, app: &str) -> Option<&AppRecords> {
        self.apps.get(app)
    }

    /// The app's records to change; made if `make` (a removal needs none).
    fn records_for(&mut self, app: &str, make: bool) -> Option<&mut AppRecords> {
        if make {
            Some(self.app_mut(app))
        } else {
            self.apps.get_mut(app)
        }
    }

    fn app_mut(&mut self, app: &str) -> &mut AppRecords {
        if !self.apps.contains_key(app) {
            self.apps.insert(app.to_string(), AppRecords::default());
        }
        self.apps.get_mut(app).expect("inserted above")
    }
}

impl SharedRecords for MemRecords {
    fn keep_offline(&mut self, app: &str, user: &str, message: CachedMessage) {
        let (cap, ttl) = (self.offline_cap, self.offline_ttl);
        if cap == 0 {
            return;
        }
        let now = message.kept_at;
        let records = self.app_mut(app);
        if !records.offline.contains_key(user) {
            records.offline.insert(user.to_string(), VecDeque::new());
        }
        let queue = records.offline.get_mut(user).expect("inserted above");
        while queue
            .front()
            .is_some_and(|m| now.saturating_duration_since(m.kept_at) >= ttl)
        {
            queue.pop_front();
        }
        while queue.len() >= cap {
            queue.pop_front();
        }
        queue.push_back(message);
    }

    fn take_offline(&mut self, app: &str, user: &str, now: Instant) -> Vec<CachedMessage> {
        let ttl = self.offline_ttl;
        let Some(records) = self.apps.get_mut(app) else {
            return Vec::new();
        };
        records
            .offline
            .remove(user)
            .unwrap_or_default()
            .into_iter()
            .filter(|m| now.saturating_duration_since(m.kept_at) < ttl)
            .collect()
    }

    fn offline_count(&self, app: &str, user: &str) -> usize {
        self.app(app)
            .and_then(|r| r.offline.get(user))
            .map_or(0, VecDeque::len)
    }

    fn user_attributes(&self, app: &str, user: &str) -> &[RtmAttribute] {
        self.app(app)
            .and_then(|r| r.user_attributes.get(user))
            .map_or(&[], Vec::as_slice)
    }

    fn set_user_attributes(&mut self, app: &str, user: &str, attributes: Vec<RtmAttribute>) {
        if let Some(records) = self.records_for(app, !attributes.is_empty()) {
            put_or_remove(&mut records.user_attributes, user, attributes);
        }
    }

    fn channel_attributes(&self, app: &str, channel: &str) -> &[ChannelAttribute] {
        self.app(app)
            .and_then(|r| r.channel_attributes.get(channel))
            .map_or(&[], Vec::as_slice)
    }

    fn set_channel_attributes(
        &mut self,
        app: &str,
        channel: &str,
        attributes: Vec<ChannelAttribute>,
    ) {
        if let Some(records) = self.records_for(app, !attributes.is_empty()) {
            put_or_remove(&mut records.channel_attributes, channel, attributes);
        }
    }

    fn invitation(&self, app: &str, key: &InvitationKey) -> Option<&Invitation> {
        self.app(app)?.invitations.get(key)
    }

    fn put_invitation(&mut self, app: &str, key: InvitationKey, invitation: Invitation) {
        self.app_mut(app).invitations.insert(key, invitation);
    }

    fn advance_invitation(
        &mut self,
        app: &str,
        key: &InvitationKey,
        phase: InvitationPhase,
        generation: u64,
    ) {
        if let Some(i) = self
            .apps
            .get_mut(app)
            .and_then(|r| r.invitations.get_mut(key))
        {
            i.phase = phase;
            i.generation = generation;
        }
    }

    fn take_invitation(&mut self, app: &str, key: &InvitationKey) -> Option<Invitation> {
        self.apps.get_mut(app)?.invitations.remove(key)
    }

    fn waiting_for(&self, app: &str, callee: &str) -> Vec<InvitationKey> {
        let Some(records) = self.app(app) else {
            return Vec::new();
        };
        let mut waiting: Vec<(&InvitationKey, &Invitation)> = records
            .invitations
            .iter()
            .filter(|(_, i)| i.callee == callee && i.phase == InvitationPhase::WaitingForCallee)
            .collect();
        waiting.sort_by_key(|(_, i)| i.generation);
        waiting.into_iter().map(|(k, _)| k.clone()).collect()
    }

    // One process holds every session: announcements go nowhere, nothing is elsewhere.

    fn session_started(&mut self, _app: &str, _user: &str, _session: SessionId) {}

    fn session_reachable(&mut self, _app: &str, _user: &str, _session: SessionId, _on: bool) {}

    fn session_ended(&mut self, _app: &str, _user: &str, _session: SessionId) {}

    fn session_elsewhere(&self, _app: &str, _user: &str) -> Option<SessionElsewhere> {
        None
    }

    fn member_changed(&mut self, _app: &str, _channel: &str, _user: &str, _joined: bool) {}

    fn members_elsewhere(&self, _app: &str, _channel: &str) -> Vec<String> {
        Vec::new()
    }
}

/// Keeps a non-empty list under `key`; an empty one leaves no entry.
fn put_or_remove<A>(map: &mut HashMap<String, Vec<A>>, key: &str, list: Vec<A>) {
    if list.is_empty() {
        map.remove(key);
    } else {
        map.insert(key.to_string(), list);
    }
}

impl Default for Box<dyn SharedRecords> {
    fn default() -> Self {
        let config = super::SystemConfig::default();
        Box::new(MemRecords::new(
            config.offline_cache_per_user,
            config.offline_cache_ttl,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::RtmMessage;

    fn kept(text: &str, at: Instant) -> CachedMessage {
        CachedMessage {
            from: "alice".into(),
            message: RtmMessage::from_text(text),
            kept_at: at,
            origin: None,
        }
    }

    fn texts(list: Vec<CachedMessage>) -> Vec<String> {
        list.iter().map(|m| m.message.text().to_string()).collect()
    }

    #[test]
    fn the_offline_cache_keeps_its_limits_per_user() {
        let t0 = Instant::now();
        let mut records = MemRecords::new(2, Duration::from_secs(10));
        records.keep_offline("app", "bob", kept("a", t0));
        records.keep_offline("app", "bob", kept("b", t0));
        records.keep_offline("app", "bob", kept("c", t0));
        records.keep_offline("app", "carol", kept("x", t0));
        assert_eq!(records.offline_count("app", "bob"), 2);
        assert_eq!(records.offline_count("other", "bob"), 0);
        assert_eq!(texts(records.take_offline("app", "bob", t0)), ["b", "c"]);
        assert_eq!(records.offline_count("app", "bob"), 0);
        // Expired at the take, and dropped when a newer one comes.
        let late = t0 + Duration::from_secs(10);
        assert!(records.take_offline("app", "carol", late).is_empty());
        records.keep_offline("app", "dave", kept("old", t0));
        records.keep_offline("app", "dave", kept("new", late));
        assert_eq!(records.offline_count("app", "dave"), 1);
    }

    #[test]
    fn a_cache_of_size_zero_keeps_nothing() {
        let mut records = MemRecords::new(0, Duration::from_secs(10));
        records.keep_offline("app", "bob", kept("a", Instant::now()));
        assert_eq!(records.offline_count("app", "bob"), 0);
    }

    #[test]
    fn empty_attribute_lists_leave_no_record() {
        let mut records = MemRecords::new(1, Duration::from_secs(1));
        records.set_user_attributes("app", "bob", vec![RtmAttribute::new("k", "v")]);
        records.set_channel_attributes("app", "room", vec![ChannelAttribute::new("k", "v")]);
        assert_eq!(records.user_attributes("app", "bob").len(), 1);
        assert_eq!(records.channel_attributes("app", "room").len(), 1);
        records.set_user_attributes("app", "bob", Vec::new());
        records.set_channel_attributes("app", "room", Vec::new());
        let app = records.app("app").expect("the app's records");
        assert!(app.user_attributes.is_empty() && app.channel_attributes.is_empty());
        assert!(records.user_attributes("app", "carol").is_empty());
    }
}
