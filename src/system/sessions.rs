//! Sessions: login (with the remote-login kick), logout, link loss and token renewal.

use super::state::{App, AppAuth, State, User};
use super::{ConnId, System};
use crate::rtm::{LoginErrCode, PeerOnlineState, RenewTokenErrCode};
use crate::transport::protocol::{Down, Event, Failure, KickReason, Reply};
use std::collections::BTreeSet;

impl System {
    pub(super) fn login(
        &self,
        st: &mut State,
        conn: ConnId,
        app_id: String,
        user_id: String,
        _token: Option<String>,
        after: &mut Vec<(ConnId, Event)>,
    ) -> Result<Reply, Failure> {
        if st.session_of(conn).is_some() {
            return Err(Failure::new(
                LoginErrCode::AlreadyLoggedIn,
                "this link is already logged in",
            ));
        }
        if !st.apps.contains_key(&app_id) {
            if !self.inner.config.auto_register_apps {
                return Err(Failure::new(
                    LoginErrCode::InvalidAppId,
                    format!("App ID {app_id} is not registered on this RTM system"),
                ));
            }
            st.apps.insert(app_id.clone(), App::new(AppAuth::AppIdOnly));
        }
        // The same user logged in elsewhere: the older session is kicked out (REMOTE_LOGIN).
        let previous = st.conn_of(&app_id, &user_id);
        if let Some(old) = previous {
            self.kick(st, old, KickReason::RemoteLogin);
        }
        st.app(&app_id).users.insert(
            user_id.clone(),
            User {
                conn,
                attributes: Vec::new(),
                channels: BTreeSet::new(),
                subscriptions: BTreeSet::new(),
            },
        );
        if let Some(c) = st.conns.get_mut(&conn) {
            c.session = Some((app_id.clone(), user_id.clone()));
        }
        if previous.is_none() {
            self.notify_watchers(st, &app_id, &user_id, PeerOnlineState::Online);
        }
        // After the reply: messages kept while offline, then invitations waiting for this user.
        for event in self.take_offline_messages(st, &app_id, &user_id) {
            after.push((conn, event));
        }
        self.deliver_waiting_invitations(st, &app_id, &user_id, conn, after);
        Ok(Reply::Done)
    }

    pub(super) fn renew_token(
        &self,
        _st: &mut State,
        _app: &str,
        _user: &str,
        token: String,
    ) -> Result<Reply, Failure> {
        if token.is_empty() {
            return Err(Failure::new(
                RenewTokenErrCode::InvalidArgument,
                "the new token is empty",
            ));
        }
        Ok(Reply::Done)
    }

    /// Ends the session bound to `conn` (logout or link closed): leaves its channels, drops its
    /// subscriptions and attributes, tells watchers it went offline.
    pub(super) fn end_session(&self, st: &mut State, conn: ConnId) {
        self.close_session(st, conn, true);
    }

    /// Ends a session on the system's initiative and tells its client why.
    pub(super) fn kick(&self, st: &mut State, conn: ConnId, reason: KickReason) {
        st.send(conn, Down::Event(Event::Kicked(reason)));
        // On a remote login the user stays online under its new session: watchers see no change.
        self.close_session(st, conn, reason != KickReason::RemoteLogin);
    }

    fn close_session(&self, st: &mut State, conn: ConnId, went_offline: bool) {
        let Some((app_id, user_id)) = st.conns.get_mut(&conn).and_then(|c| c.session.take()) else {
            return;
        };
        let Some(user) = st.app(&app_id).users.remove(&user_id) else {
            return;
        };
        for channel in &user.channels {
            self.remove_member(st, &app_id, &user_id, channel);
        }
        let app = st.app(&app_id);
        for target in &user.subscriptions {
            if let Some(w) = app.watchers.get_mut(target) {
                w.remove(&user_id);
            }
        }
        if went_offline {
            self.notify_watchers(st, &app_id, &user_id, PeerOnlineState::Offline);
        }
    }
}
