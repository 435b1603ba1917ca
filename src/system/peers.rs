//! Peer routing with the offline cache, online-state queries and subscriptions.

use super::state::{CachedMessage, PendingReply, State};
use super::System;
use crate::proto::link::{Event, Failure, Reply, SessionId, StreamSeq};
use crate::proto::{FailureReason, PeerDelivery, PeerOnlineState, RtmMessage};

impl System {
    /// Routes a peer message. To a user with a session (connected, or within its presence
    /// grace) it goes on the receiver's stream and the answer waits for the receiver (`None`
    /// here): `Received` when it acknowledges, `CachedByServer` once it is unreachable.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn send_peer(
        &self,
        st: &mut State,
        app_id: &str,
        from: &str,
        to: String,
        message: RtmMessage,
        offline: bool,
        waiting: PendingReply,
    ) -> Option<Result<Reply, Failure>> {
        let now_ms = self.inner.ms_at(st.now());
        if st.conn_of(app_id, &to).is_some() {
            let message = message.stamped(now_ms, false);
            let event = Event::PeerMessage {
                from: from.to_string(),
                message,
            };
            st.push_stream(app_id, &to, event, Some(waiting));
            return None;
        }
        Some(self.keep_for_offline_peer(st, app_id, from, to, message, offline, now_ms))
    }

    #[allow(clippy::too_many_arguments)]
    fn keep_for_offline_peer(
        &self,
        st: &mut State,
        app_id: &str,
        from: &str,
        to: String,
        message: RtmMessage,
        offline: bool,
        now_ms: u64,
    ) -> Result<Reply, Failure> {
        if !offline {
            return Err(Failure::new(
                FailureReason::PeerUnreachable,
                format!("{to} is offline and offline messaging was not enabled"),
            ));
        }
        let kept = CachedMessage {
            from: from.to_string(),
            message: message.stamped(now_ms, true),
            kept_at: st.now(),
            origin: None,
        };
        st.records.keep_offline(app_id, &to, kept);
        Ok(Reply::PeerSent(PeerDelivery::CachedByServer))
    }

    /// Removes and returns, oldest first, the messages kept for `user` that have not expired.
    /// `seen`: a session the client resumes and the last stream event it handled there —
    /// messages moved here from that session's stream that the client already had are left
    /// out.
    pub(super) fn take_offline_messages(
        &self,
        st: &mut State,
        app_id: &str,
        user: &str,
        seen: Option<(SessionId, StreamSeq)>,
    ) -> Vec<Event> {
        let now = st.now();
        st.records
            .take_offline(app_id, user, now)
            .into_iter()
            .filter(|m| match (m.origin, seen) {
                (Some((session, seq)), Some((s, last))) => session != s || seq > last,
                _ => true,
            })
            .map(|m| Event::PeerMessage {
                from: m.from,
                message: m.message,
            })
            .collect()
    }

    pub(super) fn query_online(&self, st: &mut State, app_id: &str, peers: Vec<String>) -> Reply {
        let (apps, records) = (&st.apps, &st.records);
        let app = apps.get(app_id);
        Reply::Online(
            peers
                .into_iter()
                .map(|p| {
                    let online = app.is_some_and(|a| a.users.contains_key(&p))
                        || records.session_elsewhere(app_id, &p).is_some();
                    (p, online)
                })
                .collect(),
        )
    }

    pub(super) fn subscribe(
        &self,
        st: &mut State,
        app_id: &str,
        user: &str,
        peers: Vec<String>,
        after: &mut Vec<(super::ConnId, Event)>,
    ) -> Result<Reply, Failure> {
        let app = st.app(app_id);
        let Some(me) = app.users.get_mut(user) else {
            return Err(Failure::new(FailureReason::SessionEnded, "session ended"));
        };
        // A peer repeated in one call counts once.
        let new: std::collections::BTreeSet<&String> = peers
            .iter()
            .filter(|p| !me.subscriptions.contains(*p))
            .collect();
        if me.subscriptions.len() + new.len() > crate::proto::limits::MAX_SUBSCRIBED_PEERS {
            return Err(Failure::new(
                FailureReason::TooManySubscriptions,
                format!(
                    "subscribing to {} more peers would exceed RTM's {} subscribed peers",
                    new.len(),
                    crate::proto::limits::MAX_SUBSCRIBED_PEERS
                ),
            ));
        }
        let conn = me.conn();
        for p in &peers {
            me.subscriptions.insert(p.clone());
        }
        for p in &peers {
            app.watchers
                .entry(p.clone())
                .or_default()
                .insert(user.to_string());
        }
        // The first status report follows the reply: the current state of every peer asked.
        let states = peers
            .into_iter()
            .map(|p| {
                let s = st.peer_state(app_id, &p);
                (p, s)
            })
            .collect();
        after.push((conn, Event::PeerStatus(states)));
        Ok(Reply::Done)
    }

    pub(super) fn unsubscribe(
        &self,
        st: &mut State,
        app_id: &str,
        user: &str,
        peers: Vec<String>,
    ) -> Reply {
        let app = st.app(app_id);
        if let Some(me) = app.users.get_mut(user) {
            for p in &peers {
                me.subscriptions.remove(p);
            }
        }
        for p in &peers {
            if let Some(w) = app.watchers.get_mut(p) {
                w.remove(user);
            }
        }
        Reply::Done
    }

    /// Tells every online subscriber of `user` its new state.
    pub(super) fn notify_watchers(
        &self,
        st: &mut State,
        app_id: &str,
        user: &str,
        state: PeerOnlineState,
    ) {
        let watchers: Vec<String> = match st.apps.get(app_id).and_then(|a| a.watchers.get(user)) {
            Some(w) => w.iter().cloned().collect(),
            None => return,
        };
        for w in watchers {
            st.send_to_user(
                app_id,
                &w,
                Event::PeerStatus(vec![(user.to_string(), state)]),
            );
        }
    }
}
