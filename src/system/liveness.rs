//! What the system makes of a silent link (spec/rtm-1x.md §2.3 item 5, §2.4).
//!
//! Every frame a link delivers (clients ping every second) counts as a sign of life. When the
//! link of a session has been silent for
//! [`unreachable_after`](super::SystemConfig::unreachable_after) (6 s), subscribers of the user
//! see UNREACHABLE and senders waiting on the user's acknowledgement are answered
//! CACHED_BY_SERVER. Within [`presence_grace`](super::SystemConfig::presence_grace) (30 s) the
//! session is kept whole — channels, attributes, subscriptions, its event stream — and a client
//! that resumes it changes nothing for the others (subscribers see ONLINE again). After the grace
//! the session ends as on a logout: the user leaves its channels (members get MemberLeft),
//! subscribers see OFFLINE, and the peer messages it never acknowledged move to its offline
//! cache. A link without a session is dropped after the same silence.

use super::state::State;
use super::timers::Timer;
use super::{ConnId, SessionEnd, System};
use crate::proto::PeerOnlineState;
use std::time::Duration;

impl System {
    /// Watches a link's silence from now on: looks again after `first_check`, and only then
    /// (a check armed earlier for the link does nothing when it fires).
    pub(super) fn watch_link(&self, st: &mut State, conn: ConnId, first_check: Duration) {
        let Some(c) = st.conns.get_mut(&conn) else {
            return;
        };
        c.watch += 1;
        let generation = c.watch;
        self.arm(st, first_check, Timer::LinkSilence { conn, generation });
    }

    /// How long `conn` has been silent: acts on it, and looks again when something is due.
    /// Does nothing if a later check of the link was armed since `generation`.
    pub(super) fn check_silence(&self, st: &mut State, conn: ConnId, generation: u64) {
        let config = &self.inner.config;
        let Some(c) = st.conns.get(&conn) else {
            return;
        };
        if c.watch != generation {
            return;
        }
        let silent = self.inner.silence_at(&c.cell, st.now());
        let owner = st
            .session_of(conn)
            .filter(|(app, user)| st.conn_of(app, user) == Some(conn));
        let next = match owner {
            Some((app, user)) => {
                if silent >= config.presence_grace {
                    self.end_session(st, conn, SessionEnd::Expired);
                    st.remove_conn(conn);
                    return;
                }
                let reachable = st
                    .apps
                    .get(&*app)
                    .and_then(|a| a.users.get(&*user))
                    .is_some_and(|u| u.reachable());
                if reachable && silent >= config.unreachable_after {
                    self.set_reachable(st, &app, &user, false);
                    config.presence_grace - silent
                } else if reachable {
                    config.unreachable_after - silent
                } else {
                    config.presence_grace - silent
                }
            }
            None => {
                if silent >= config.presence_grace {
                    st.remove_conn(conn);
                    return;
                }
                config.presence_grace - silent
            }
        };
        self.watch_link(st, conn, next.max(Duration::from_millis(1)));
    }

    /// A frame arrived on `conn`.
    pub(super) fn heard(&self, st: &mut State, conn: ConnId) {
        let Some(c) = st.conns.get(&conn) else {
            return;
        };
        c.cell.heard_at(self.inner.stamp_at(st.now()));
        let Some(session) = c.cell.binding.lock().clone() else {
            return;
        };
        let unreachable = {
            let route = session.route.lock();
            route.conn == conn && !route.reachable
        };
        if unreachable {
            self.set_reachable(st, &session.app, &session.user, true);
            // While it was unreachable the next check was set for the end of the grace; from
            // now on a new silence must be noticed 6 s after it starts, as on a fresh link.
            self.watch_link(st, conn, self.inner.config.unreachable_after);
        }
    }

    /// Marks a session reachable or not, and tells the user's subscribers.
    pub(super) fn set_reachable(&self, st: &mut State, app: &str, user: &str, reachable: bool) {
        let Some(u) = st.apps.get(app).and_then(|a| a.users.get(user)) else {
            return;
        };
        if std::mem::replace(&mut u.route.lock().reachable, reachable) == reachable {
            return;
        }
        let session = u.session;
        st.records.session_reachable(app, user, session, reachable);
        if !reachable {
            st.answer_all_pending(app, user, crate::proto::PeerDelivery::CachedByServer);
        }
        let state = if reachable {
            PeerOnlineState::Online
        } else {
            PeerOnlineState::Unreachable
        };
        self.notify_watchers(st, app, user, state);
    }
}
