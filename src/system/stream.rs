//! Each session's event stream: numbered events kept until the client acknowledges them, and
//! sent again when the client resumes the session on a new link. This is what makes peer
//! messages (and presence, member and invitation events) arrive in order and exactly once
//! across link losses.
//!
//! A peer message's sender is answered when the receiver acknowledges it (`Received`), or as
//! soon as the receiver is known to be unreachable (`CachedByServer`: the system holds it for the
//! receiver's session and delivers it when the receiver is back).

use super::state::{CachedMessage, Outgoing, PendingReply, State};
use super::ConnId;
use crate::proto::link::{Down, Event, StreamSeq};
use crate::proto::PeerDelivery;

impl State {
    /// Sends an event to whatever session `conn` carries: on its stream, except for channel
    /// messages and kicks (best effort), or when the link carries no session.
    pub fn deliver(&mut self, conn: ConnId, event: Event) {
        let owner = match &event {
            Event::ChannelMessage { .. } | Event::Kicked(_) => None,
            _ => self
                .session_of(conn)
                .filter(|(app, user)| self.conn_of(app, user) == Some(conn)),
        };
        match owner {
            Some((app, user)) => self.push_stream(&app, &user, event, None),
            None => self.send(conn, Down::Event(event)),
        }
    }

    /// Pushes an event to a user of an app on its session's stream, if it is online (or within
    /// its presence grace).
    pub fn send_to_user(&mut self, app: &str, user: &str, event: Event) {
        self.push_stream(app, user, event, None);
    }

    /// Appends an event to a user's stream and sends it on the session's link.
    pub fn push_stream(
        &mut self,
        app: &str,
        user: &str,
        event: Event,
        reply_to: Option<PendingReply>,
    ) {
        let Some(u) = self.apps.get(app).and_then(|a| a.users.get(user)) else {
            return;
        };
        let answer_now = u.route.lock().push(event, reply_to);
        if let Some(r) = answer_now {
            self.answer(app, r, PeerDelivery::CachedByServer);
        }
    }

    /// The client of `conn` handled its stream up to `seq`.
    pub fn ack(&mut self, conn: ConnId, seq: StreamSeq) {
        let Some((app, user)) = self.session_of(conn) else {
            return;
        };
        if self.conn_of(&app, &user) != Some(conn) {
            return;
        }
        self.drop_acked(&app, &user, seq);
    }

    /// Forgets stream events up to `seq`, answering their senders `Received`.
    pub fn drop_acked(&mut self, app: &str, user: &str, seq: StreamSeq) {
        let Some(u) = self.apps.get(app).and_then(|a| a.users.get(user)) else {
            return;
        };
        let replies = u.route.lock().drop_acked(seq);
        for r in replies {
            self.answer(app, r, PeerDelivery::Received);
        }
    }

    /// Answers every sender still waiting on `user`'s stream.
    pub fn answer_all_pending(&mut self, app: &str, user: &str, delivery: PeerDelivery) {
        let Some(u) = self.apps.get(app).and_then(|a| a.users.get(user)) else {
            return;
        };
        let replies: Vec<PendingReply> = u
            .route
            .lock()
            .stream
            .unacked
            .iter_mut()
            .filter_map(|o| o.reply_to.take())
            .collect();
        for r in replies {
            self.answer(app, r, delivery);
        }
    }

    /// Answers a waiting sender on its session's route, if that session still exists.
    fn answer(&self, app: &str, reply: PendingReply, delivery: PeerDelivery) {
        if let Some(u) = self.apps.get(app).and_then(|a| a.users.get(&*reply.user)) {
            u.route.lock().answer(&reply, delivery);
        }
    }

    /// Moves the peer messages a session never acknowledged to the user's offline cache (they
    /// were accepted for it, so they are delivered at its next login or resume), answering
    /// their senders `CachedByServer` if they still wait. Other stream events are dropped.
    pub fn stream_to_offline_cache(&mut self, app: &str, user: &str) {
        let now = self.now();
        let Some(a) = self.apps.get_mut(app) else {
            return;
        };
        let Some(u) = a.users.get(user) else {
            return;
        };
        let session = u.session;
        let outgoing: Vec<Outgoing> = u.route.lock().stream.unacked.drain(..).collect();
        let mut replies = Vec::new();
        for o in outgoing {
            if let Some(r) = o.reply_to {
                replies.push(r);
            }
            if let Event::PeerMessage { from, message } = o.event {
                let message = message.stamped(message.server_received_ts(), true);
                let kept = CachedMessage {
                    from,
                    message,
                    kept_at: now,
                    origin: Some((session, o.seq)),
                };
                self.records.keep_offline(app, user, kept);
            }
        }
        for r in replies {
            self.answer(app, r, PeerDelivery::CachedByServer);
        }
    }
}
