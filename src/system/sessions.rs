//! Sessions: login (with the remote-login kick), resume after a link loss, logout, link loss
//! and token renewal.
//!
//! A login of a user whose session is still reachable elsewhere kicks that session out in two
//! steps, so that a peer message in flight at that moment reaches exactly one device: the old
//! client gets the kick, acknowledges what it handled and closes its link; then (or after
//! `remote_login_handover`, 1 s, at most) the old session ends, what its client never handled
//! moves to the offline cache, and the new login is answered and gets it. A session that is
//! already unreachable is kicked out at once.

use super::state::{App, AppAuth, Handover, State};
use super::timers::Timer;
use super::tokens::TokenUse;
use super::{ConnId, SessionEnd, System};
use crate::proto::link::{
    ChannelSeq, Down, Event, Failure, KickReason, Reply, RequestId, ResumeRequest, SessionId,
    StreamSeq,
};
use crate::proto::{FailureReason, PeerDelivery, PeerOnlineState};
use std::collections::BTreeSet;

impl System {
    /// Makes sure the app exists (registering it App-ID-only when the system allows).
    fn ensure_app(&self, st: &mut State, app_id: &str) -> Result<(), Failure> {
        if !st.apps.contains_key(app_id) {
            if !self.inner.config.auto_register_apps {
                return Err(Failure::new(
                    FailureReason::InvalidAppId,
                    format!("App ID {app_id} is not registered on this RTM system"),
                ));
            }
            st.apps
                .insert(app_id.to_string(), App::new(app_id, AppAuth::AppIdOnly));
        }
        Ok(())
    }

    fn check_banned(&self, st: &State, app_id: &str, user_id: &str) -> Result<(), Failure> {
        if st.faults.is_banned(app_id, user_id) {
            return Err(Failure::new(
                FailureReason::Banned,
                format!("{user_id} is banned from App ID {app_id} on this RTM system"),
            ));
        }
        Ok(())
    }

    /// A login (`Request::Login`). `None` when the answer comes later: the login kicked out a
    /// reachable session of the same user and waits for it to hand over (see [`Handover`]).
    pub(super) fn login(
        &self,
        st: &mut State,
        conn: ConnId,
        id: RequestId,
        (app_id, user_id): (String, String),
        token: Option<String>,
        after: &mut Vec<(ConnId, Event)>,
    ) -> Option<Result<Reply, Failure>> {
        if let Err(f) = self.check_login(st, conn, &app_id, &user_id, &token) {
            return Some(Err(f));
        }
        // The same user logged in elsewhere: the older session is kicked out (REMOTE_LOGIN).
        let previous = st
            .apps
            .get(&app_id)
            .and_then(|a| a.users.get(&user_id))
            .map(|u| (u.conn(), u.reachable()));
        match previous {
            Some((old, true)) => {
                // Its client may be handling messages right now: it gets the kick, says what
                // it handled, and only then does this login take over.
                st.send(old, Down::Event(Event::Kicked(KickReason::RemoteLogin)));
                let generation = st.app(&app_id).generation();
                let waiting = Handover {
                    old,
                    conn,
                    id,
                    token,
                    generation,
                };
                let key = (app_id.clone(), user_id.clone());
                if let Some(earlier) = st.handovers.insert(key, waiting) {
                    // A third login came first: the one that waited before it gives way.
                    let refused = Failure::new(
                        FailureReason::AlreadyLoggedIn,
                        format!("{user_id} logged in again elsewhere before this login completed"),
                    );
                    st.send(
                        earlier.conn,
                        Down::Reply {
                            id: earlier.id,
                            result: Err(refused),
                        },
                    );
                }
                let due = Timer::Handover {
                    app: app_id,
                    user: user_id,
                    generation,
                };
                self.arm(st, self.inner.config.remote_login_handover, due);
                None
            }
            Some((old, false)) => {
                self.kick(st, old, KickReason::RemoteLogin);
                Some(Ok(self.start_session(
                    st,
                    conn,
                    (app_id, user_id),
                    token,
                    false,
                    after,
                )))
            }
            None => Some(Ok(self.start_session(
                st,
                conn,
                (app_id, user_id),
                token,
                true,
                after,
            ))),
        }
    }

    /// What a login needs before it may start a session.
    fn check_login(
        &self,
        st: &mut State,
        conn: ConnId,
        app_id: &str,
        user_id: &str,
        token: &Option<String>,
    ) -> Result<(), Failure> {
        if st.session_of(conn).is_some() {
            return Err(Failure::new(
                FailureReason::AlreadyLoggedIn,
                "this link is already logged in",
            ));
        }
        self.ensure_app(st, app_id)?;
        self.check_banned(st, app_id, user_id)?;
        self.check_token(st, app_id, user_id, token, TokenUse::Login)
            .map_err(|p| p.failure())
    }

    /// The handover of the session kicked by a waiting login took too long: the old session
    /// ends now (and with it the handover).
    pub(super) fn handover_due(&self, st: &mut State, app: String, user: String, generation: u64) {
        let key = (app, user);
        let Some(old) = st
            .handovers
            .get(&key)
            .filter(|h| h.generation == generation)
            .map(|h| h.old)
        else {
            return;
        };
        self.end_session(st, old, SessionEnd::Kicked(KickReason::RemoteLogin));
        // Not ended through `old` (it no longer carried the session): the login goes on.
        if let Some(h) = st.handovers.remove(&key) {
            self.finish_handover(st, key, h);
        }
    }

    /// The kicked session is gone: the waiting login is carried out and answered.
    fn finish_handover(&self, st: &mut State, (app_id, user_id): (String, String), h: Handover) {
        let conn = h.conn;
        // Still standing (its link changed under the handover): it goes now.
        if let Some(standing) = st.conn_of(&app_id, &user_id) {
            self.kick(st, standing, KickReason::RemoteLogin);
        }
        match self.check_login(st, conn, &app_id, &user_id, &h.token) {
            // The waiting link went away meanwhile: nobody to log in.
            Ok(()) if !st.conns.contains_key(&conn) => {}
            Ok(()) => self.start_session_answering(st, conn, h.id, (app_id, user_id), h.token),
            Err(f) => st.send(
                conn,
                Down::Reply {
                    id: h.id,
                    result: Err(f),
                },
            ),
        }
    }

    /// Starts the session of a login that waited, answers it, then sends what follows a login.
    fn start_session_answering(
        &self,
        st: &mut State,
        conn: ConnId,
        id: RequestId,
        who: (String, String),
        token: Option<String>,
    ) {
        let mut after = Vec::new();
        let reply = self.start_session(st, conn, who, token, false, &mut after);
        st.send(
            conn,
            Down::Reply {
                id,
                result: Ok(reply),
            },
        );
        for (to, event) in after {
            st.deliver(to, event);
        }
    }

    /// A new session for `user_id` on `conn`. `announce`: tell the user's watchers it is
    /// online (not when it replaced a session they saw online).
    fn start_session(
        &self,
        st: &mut State,
        conn: ConnId,
        (app_id, user_id): (String, String),
        token: Option<String>,
        announce: bool,
        after: &mut Vec<(ConnId, Event)>,
    ) -> Reply {
        let user = st.new_user(conn, (&app_id, &user_id), token.clone());
        let session = user.session;
        st.records.session_started(&app_id, &user_id, session);
        let app = st.app(&app_id);
        app.users.insert(user_id.clone(), user);
        app.last_token.insert(user_id.clone(), token);
        st.bind(conn, &app_id, &user_id);
        // Watchers saw nothing of a remote login, unless the old session had gone unreachable.
        if announce {
            self.notify_watchers(st, &app_id, &user_id, PeerOnlineState::Online);
        }
        // After the reply: messages kept while offline, then invitations waiting for this user.
        for event in self.take_offline_messages(st, &app_id, &user_id, None) {
            after.push((conn, event));
        }
        self.deliver_waiting_invitations(st, &app_id, &user_id, conn, after);
        Reply::LoggedIn { session }
    }

    /// Takes a session back on a new link (`Request::Resume`). Answers itself (the reply must
    /// precede what the resume sends) and returns `None`; returns the failure otherwise.
    pub(super) fn resume(
        &self,
        st: &mut State,
        conn: ConnId,
        id: RequestId,
        request: ResumeRequest,
        after: &mut Vec<(ConnId, Event)>,
    ) -> Option<Result<Reply, Failure>> {
        if st.session_of(conn).is_some() {
            return Some(Err(Failure::new(
                FailureReason::AlreadyLoggedIn,
                "this link is already logged in",
            )));
        }
        let ResumeRequest {
            app_id,
            user_id,
            token,
            session,
            seen,
            channels,
            attributes,
            subscriptions,
        } = request;
        if let Err(f) = self.ensure_app(st, &app_id) {
            return Some(Err(f));
        }
        if let Err(f) = self.check_banned(st, &app_id, &user_id) {
            st.send(conn, Down::Event(Event::Kicked(KickReason::Banned)));
            return Some(Err(f));
        }
        if let Err(p) = self.check_token(st, &app_id, &user_id, &token, TokenUse::Session) {
            return Some(Err(p.failure()));
        }
        if st
            .handovers
            .contains_key(&(app_id.clone(), user_id.clone()))
        {
            // A new login is taking this session over.
            st.send(conn, Down::Event(Event::Kicked(KickReason::RemoteLogin)));
            return Some(Err(Failure::new(
                FailureReason::AlreadyLoggedIn,
                format!("{user_id} logged in elsewhere while this client was away"),
            )));
        }
        let current = st
            .apps
            .get(&app_id)
            .and_then(|a| a.users.get(&user_id))
            .map(|u| (u.session, u.resumed_from));
        let kept = match current {
            Some((s, _)) if s == session => true,
            // The reply to an earlier resume that started a new session was lost.
            Some((_, Some(from))) if from == session => false,
            Some(_) => {
                // Someone else logged in as this user meanwhile: that session stays.
                st.send(conn, Down::Event(Event::Kicked(KickReason::RemoteLogin)));
                return Some(Err(Failure::new(
                    FailureReason::AlreadyLoggedIn,
                    format!("{user_id} logged in elsewhere while this client was away"),
                )));
            }
            None => {
                self.restart_session(
                    st,
                    conn,
                    id,
                    (app_id, user_id),
                    token,
                    (session, seen),
                    channels,
                    attributes,
                    subscriptions,
                    after,
                );
                return None;
            }
        };
        // The session is still here: move it to this link.
        let down = st
            .conns
            .get(&conn)
            .map(|c| (c.down.clone(), c.cell.clone()));
        let (old, was_reachable, now_session, subscribed) = {
            let State { apps, reopen, .. } = &mut *st;
            let app = apps
                .get_mut(&app_id)
                .expect("a session belongs to a registered app");
            let Some(u) = app.users.get_mut(&user_id) else {
                return Some(Err(Failure::new(
                    FailureReason::SessionEnded,
                    "session ended",
                )));
            };
            let (old, was_reachable) = {
                let mut route = u.route.lock();
                // Nothing goes on the new link before the answer and the replay below.
                route.close_for_now(reopen, &u.route);
                let old = std::mem::replace(&mut route.conn, conn);
                if let Some((down, link)) = down {
                    route.down = down;
                    route.link = link;
                }
                (old, std::mem::replace(&mut route.reachable, true))
            };
            u.token = token.clone();
            let now_session = u.session;
            let subscribed: Vec<String> = u.subscriptions.iter().cloned().collect();
            app.last_token.insert(user_id.clone(), token);
            (old, was_reachable, now_session, subscribed)
        };
        // A client that did not know this session yet learns the state of its peers.
        let peers = if kept {
            Vec::new()
        } else {
            subscribed
                .into_iter()
                .map(|p| {
                    let s = st.peer_state(&app_id, &p);
                    (p, s)
                })
                .collect()
        };
        st.bind(conn, &app_id, &user_id);
        if old != conn {
            // The old link is done with: what is still in flight on it is lost.
            st.remove_conn(old);
        }
        st.send(
            conn,
            Down::Reply {
                id,
                result: Ok(Reply::Resumed {
                    session: now_session,
                    kept,
                    peers,
                }),
            },
        );
        if kept {
            st.drop_acked(&app_id, &user_id, seen);
        }
        // Everything the client has not acknowledged, again and in order.
        let replay: Vec<Down> = st
            .apps
            .get(&app_id)
            .and_then(|a| a.users.get(&user_id))
            .map(|u| {
                u.route
                    .lock()
                    .stream
                    .unacked
                    .iter()
                    .map(|o| Down::Stream {
                        seq: o.seq,
                        event: o.event.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        for frame in replay {
            st.send(conn, frame);
        }
        if !was_reachable {
            st.records
                .session_reachable(&app_id, &user_id, now_session, true);
            self.notify_watchers(st, &app_id, &user_id, PeerOnlineState::Online);
        }
        // Align the session with what the client believes (a request lost with the old link
        // may have been carried out, or not).
        self.reconcile(
            st,
            &app_id,
            &user_id,
            &channels,
            attributes,
            subscriptions,
            after,
        );
        self.redeliver_channel_messages(st, &app_id, &user_id, conn, &channels);
        None
    }

    /// Starts a new session for a client whose session ended while it was away: with the
    /// channels, attributes and subscriptions it had.
    #[allow(clippy::too_many_arguments)]
    fn restart_session(
        &self,
        st: &mut State,
        conn: ConnId,
        id: RequestId,
        (app_id, user_id): (String, String),
        token: Option<String>,
        old: (u64, u64),
        channels: Vec<(String, ChannelSeq)>,
        attributes: Vec<crate::proto::RtmAttribute>,
        subscriptions: Vec<String>,
        after: &mut Vec<(ConnId, Event)>,
    ) {
        let mut user = st.new_user(conn, (&app_id, &user_id), token.clone());
        let session = user.session;
        user.resumed_from = Some(old.0);
        st.records
            .set_user_attributes(&app_id, &user_id, attributes);
        st.records.session_started(&app_id, &user_id, session);
        user.subscriptions = subscriptions.iter().cloned().collect();
        let app = st.app(&app_id);
        app.users.insert(user_id.clone(), user);
        app.last_token.insert(user_id.clone(), token);
        for p in &subscriptions {
            app.watchers
                .entry(p.clone())
                .or_default()
                .insert(user_id.clone());
        }
        st.bind(conn, &app_id, &user_id);
        let peers: Vec<(String, PeerOnlineState)> = subscriptions
            .iter()
            .map(|p| (p.clone(), st.peer_state(&app_id, p)))
            .collect();
        st.send(
            conn,
            Down::Reply {
                id,
                result: Ok(Reply::Resumed {
                    session,
                    kept: false,
                    peers,
                }),
            },
        );
        self.notify_watchers(st, &app_id, &user_id, PeerOnlineState::Online);
        for (channel, _) in &channels {
            let _ = self.join(st, &app_id, &user_id, channel.clone(), after);
        }
        for event in self.take_offline_messages(st, &app_id, &user_id, Some(old)) {
            st.send_to_user(&app_id, &user_id, event);
        }
        self.deliver_waiting_invitations(st, &app_id, &user_id, conn, after);
        self.redeliver_channel_messages(st, &app_id, &user_id, conn, &channels);
    }

    /// Makes a kept session's channels, attributes and subscriptions those of the client.
    #[allow(clippy::too_many_arguments)]
    fn reconcile(
        &self,
        st: &mut State,
        app_id: &str,
        user_id: &str,
        channels: &[(String, ChannelSeq)],
        attributes: Vec<crate::proto::RtmAttribute>,
        subscriptions: Vec<String>,
        after: &mut Vec<(ConnId, Event)>,
    ) {
        let wanted: BTreeSet<&String> = channels.iter().map(|(c, _)| c).collect();
        let (extra, missing) = {
            let Some(u) = st.apps.get(app_id).and_then(|a| a.users.get(user_id)) else {
                return;
            };
            let extra: Vec<String> = u
                .channels
                .iter()
                .filter(|c| !wanted.contains(c))
                .cloned()
                .collect();
            let missing: Vec<String> = wanted
                .iter()
                .filter(|c| !u.channels.contains(**c))
                .map(|c| (*c).clone())
                .collect();
            (extra, missing)
        };
        for channel in extra {
            let _ = self.leave(st, app_id, user_id, &channel);
        }
        for channel in missing {
            let _ = self.join(st, app_id, user_id, channel, after);
        }
        let wanted: BTreeSet<String> = subscriptions.into_iter().collect();
        if !st.app(app_id).users.contains_key(user_id) {
            return;
        }
        st.records.set_user_attributes(app_id, user_id, attributes);
        let app = st.app(app_id);
        let Some(u) = app.users.get_mut(user_id) else {
            return;
        };
        let dropped: Vec<String> = u.subscriptions.difference(&wanted).cloned().collect();
        let added: Vec<String> = wanted.difference(&u.subscriptions).cloned().collect();
        u.subscriptions = wanted;
        for p in dropped {
            if let Some(w) = app.watchers.get_mut(&p) {
                w.remove(user_id);
            }
        }
        for p in added {
            app.watchers
                .entry(p)
                .or_default()
                .insert(user_id.to_string());
        }
    }

    pub(super) fn renew_token(
        &self,
        st: &mut State,
        app: &str,
        user: &str,
        token: String,
    ) -> Result<Reply, Failure> {
        if token.is_empty() {
            return Err(Failure::new(
                FailureReason::InvalidArgument,
                "the new token is empty",
            ));
        }
        let token = Some(token);
        self.check_token(st, app, user, &token, TokenUse::Session)
            .map_err(|p| p.failure())?;
        let a = st.app(app);
        if let Some(u) = a.users.get_mut(user) {
            u.token = token.clone();
        }
        a.last_token.insert(user.to_string(), token);
        Ok(Reply::Done)
    }

    /// Ends a session whose client logged out while its link was down (`Request::EndSession`,
    /// sent on a fresh link). Nothing to end (the session already ended, or a newer login
    /// replaced it) is not an error: the client's logout is done either way.
    pub(super) fn end_away_session(
        &self,
        st: &mut State,
        (app_id, user_id): (String, String),
        token: Option<String>,
        session: SessionId,
        seen: StreamSeq,
    ) -> Result<Reply, Failure> {
        self.ensure_app(st, &app_id)?;
        if let Err(p) = self.check_token(st, &app_id, &user_id, &token, TokenUse::Session) {
            return Err(p.failure());
        }
        let current = st
            .apps
            .get(&app_id)
            .and_then(|a| a.users.get(&user_id))
            .filter(|u| u.session == session)
            .map(|u| u.conn());
        if let Some(away) = current {
            st.drop_acked(&app_id, &user_id, seen);
            self.end_session(st, away, SessionEnd::LogoutWhileAway);
            st.remove_conn(away);
        }
        Ok(Reply::Done)
    }

    /// Ends the session bound to `conn`, if `conn` still carries it: leaves its channels, drops
    /// its subscriptions and attributes, tells watchers it went offline (except on a remote
    /// login, where the user stays online).
    pub(super) fn end_session(&self, st: &mut State, conn: ConnId, how: SessionEnd) {
        let Some((app_id, user_id)) = st.session_of(conn) else {
            return;
        };
        st.unbind(conn);
        if st.conn_of(&app_id, &user_id) != Some(conn) {
            return;
        }
        // A session kicked by a waiting login ends however its client goes (its close after
        // the last acknowledgement, a logout, silence): as kicked, then the login goes on.
        let key = (app_id.to_string(), user_id.to_string());
        let handover = st
            .handovers
            .get(&key)
            .is_some_and(|h| h.old == conn)
            .then(|| st.handovers.remove(&key))
            .flatten();
        let how = if handover.is_some() {
            SessionEnd::Kicked(KickReason::RemoteLogin)
        } else {
            how
        };
        self.close_session(st, &app_id, &user_id, how);
        if let Some(h) = handover {
            self.finish_handover(st, key, h);
        }
    }

    /// Ends the session of `user_id` (see [`System::end_session`]).
    fn close_session(&self, st: &mut State, app_id: &str, user_id: &str, how: SessionEnd) {
        // Closed to the fast path first: nothing may join the stream once it is emptied below.
        if let Some(u) = st.apps.get(app_id).and_then(|a| a.users.get(user_id)) {
            u.route.lock().end();
        }
        match how {
            // The client handles what reached its link before its logout's answer.
            SessionEnd::Logout | SessionEnd::Closed => {
                st.answer_all_pending(app_id, user_id, PeerDelivery::Received)
            }
            // Accepted messages the user never acknowledged wait for its next session.
            SessionEnd::Kicked(_) | SessionEnd::Expired | SessionEnd::LogoutWhileAway => {
                st.stream_to_offline_cache(app_id, user_id)
            }
        }
        let Some(user) = st.app(app_id).users.remove(user_id) else {
            return;
        };
        st.records.set_user_attributes(app_id, user_id, Vec::new());
        st.shared.routes.remove(app_id, user_id, &user.route);
        for channel in &user.channels {
            self.remove_member(st, app_id, user_id, channel);
        }
        // Announced once it has left its channels, as its channels' members see it.
        st.records.session_ended(app_id, user_id, user.session);
        let app = st.app(app_id);
        for target in &user.subscriptions {
            if let Some(w) = app.watchers.get_mut(target) {
                w.remove(user_id);
            }
        }
        if how != SessionEnd::Kicked(KickReason::RemoteLogin) {
            self.notify_watchers(st, app_id, user_id, PeerOnlineState::Offline);
        }
    }

    /// Ends a session on the system's initiative and tells its client why.
    pub(super) fn kick(&self, st: &mut State, conn: ConnId, reason: KickReason) {
        st.send(conn, Down::Event(Event::Kicked(reason)));
        self.end_session(st, conn, SessionEnd::Kicked(reason));
    }

    /// The client closed its link: its session ends at once.
    pub(super) fn close_link(&self, st: &mut State, conn: ConnId) {
        if st.conns.contains_key(&conn) {
            self.end_session(st, conn, SessionEnd::Closed);
            st.remove_conn(conn);
        }
    }
}
