//! The RTM system: the server side that RTM core clients talk to — sessions, presence, peer
//! routing with an offline cache, channels, attributes and invitation relay.
//!
//! [`System`] runs in this process (the embedded default, [`System::global`]) and is reached
//! through a transport link. Tests create their own isolated systems with [`System::new`]; every
//! timer runs on tokio time, so a test with a paused clock runs them in virtual time.
//!
//! ```
//! use sig2rtm::system::{System, SystemConfig};
//! let system = System::new(SystemConfig::default());
//! assert_eq!(system.online_users("0123456789abcdef0123456789abcdef").len(), 0);
//! ```

mod attributes;
mod channels;
mod config;
mod invitations;
mod peers;
mod sessions;
mod state;

pub use config::SystemConfig;

use crate::transport::protocol::{Down, Event, Failure, Notice, Reply, Request, Up};
use crate::transport::LinkClosed;
use parking_lot::Mutex;
use state::{App, AppAuth, Conn, State};
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};
use tokio::time::Instant;

/// Identifies one link (connection) to the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub(crate) u64);

/// An RTM system. Cheap to clone: clones share the same system.
#[derive(Clone)]
pub struct System {
    inner: Arc<Inner>,
}

struct Inner {
    config: SystemConfig,
    epoch_ms: u64,
    started: Instant,
    state: Mutex<State>,
}

static GLOBAL: OnceLock<System> = OnceLock::new();

impl System {
    /// A new, empty system.
    pub fn new(config: SystemConfig) -> System {
        let epoch_ms = config.epoch_ms.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0)
        });
        System {
            inner: Arc::new(Inner {
                config,
                epoch_ms,
                started: Instant::now(),
                state: Mutex::new(State::default()),
            }),
        }
    }

    /// The process-wide embedded system that clients reach when nothing else is configured.
    pub fn global() -> System {
        GLOBAL
            .get_or_init(|| System::new(SystemConfig::default()))
            .clone()
    }

    /// The system's settings.
    pub fn config(&self) -> &SystemConfig {
        &self.inner.config
    }

    /// Registers an App ID that needs no token (App-ID-only authentication).
    pub fn register_app(&self, app_id: &str) {
        self.inner
            .state
            .lock()
            .apps
            .entry(app_id.to_string())
            .or_insert_with(|| App::new(AppAuth::AppIdOnly));
    }

    /// Ids of the users of `app_id` online now, sorted.
    pub fn online_users(&self, app_id: &str) -> Vec<String> {
        let st = self.inner.state.lock();
        let mut users: Vec<String> = st
            .apps
            .get(app_id)
            .map(|a| a.users.keys().cloned().collect())
            .unwrap_or_default();
        users.sort();
        users
    }

    /// Members of a channel of `app_id`, in the order they joined.
    pub fn channel_members(&self, app_id: &str, channel: &str) -> Vec<String> {
        let st = self.inner.state.lock();
        st.apps
            .get(app_id)
            .and_then(|a| a.channels.get(channel))
            .map(|c| c.members_in_order().cloned().collect())
            .unwrap_or_default()
    }

    /// Number of messages the system keeps for `user` of `app_id` while it is offline.
    pub fn offline_messages_for(&self, app_id: &str, user: &str) -> usize {
        let st = self.inner.state.lock();
        st.apps
            .get(app_id)
            .and_then(|a| a.offline.get(user))
            .map(|q| q.len())
            .unwrap_or(0)
    }

    /// Milliseconds since the Unix epoch on the system's clock (follows tokio time).
    pub fn now_ms(&self) -> u64 {
        self.inner.now_ms()
    }

    /// Opens a link (used by transports).
    pub(crate) fn connect(&self) -> (ConnId, UnboundedReceiver<Down>) {
        let (tx, rx) = unbounded_channel();
        let mut st = self.inner.state.lock();
        st.next_conn += 1;
        let id = ConnId(st.next_conn);
        st.conns.insert(id, Conn::new(tx));
        (id, rx)
    }

    /// Closes a link: its session, if any, ends as on logout.
    pub(crate) fn disconnect(&self, conn: ConnId) {
        let mut st = self.inner.state.lock();
        if st.conns.contains_key(&conn) {
            self.end_session(&mut st, conn);
            st.conns.remove(&conn);
        }
    }

    /// Handles one message from a link.
    pub(crate) fn handle(&self, conn: ConnId, up: Up) -> Result<(), LinkClosed> {
        let mut st = self.inner.state.lock();
        if !st.conns.contains_key(&conn) {
            return Err(LinkClosed);
        }
        match up {
            Up::Request { id, body } => {
                let mut after = Vec::new();
                let result = self.request(&mut st, conn, body, &mut after);
                st.send(conn, Down::Reply { id, result });
                for (to, event) in after {
                    st.send(to, Down::Event(event));
                }
            }
            Up::Notice(notice) => self.notice(&mut st, conn, notice),
        }
        Ok(())
    }

    fn request(
        &self,
        st: &mut State,
        conn: ConnId,
        body: Request,
        after: &mut Vec<(ConnId, Event)>,
    ) -> Result<Reply, Failure> {
        if let Request::Login {
            app_id,
            user_id,
            token,
        } = body
        {
            return self.login(st, conn, app_id, user_id, token, after);
        }
        let Some((app, user)) = st.session_of(conn) else {
            return Err(Failure {
                code: 102,
                detail: "not logged in to the RTM system".into(),
            });
        };
        match body {
            Request::Login { .. } => unreachable!("handled above"),
            Request::Logout => {
                self.end_session(st, conn);
                Ok(Reply::Done)
            }
            Request::RenewToken { token } => self.renew_token(st, &app, &user, token),
            Request::SendPeer {
                to,
                message,
                offline,
            } => self.send_peer(st, &app, &user, to, message, offline),
            Request::QueryOnline { peers } => Ok(self.query_online(st, &app, peers)),
            Request::Subscribe { peers } => self.subscribe(st, &app, &user, peers, after),
            Request::Unsubscribe { peers } => Ok(self.unsubscribe(st, &app, &user, peers)),
            Request::UserAttributes(op) => self.user_attributes(st, &app, &user, op),
            Request::GetUserAttributes { user: of, keys } => {
                self.get_user_attributes(st, &app, &of, keys)
            }
            Request::ChannelAttributes {
                channel,
                op,
                notify,
            } => self.channel_attributes(st, &app, &user, channel, op, notify),
            Request::GetChannelAttributes { channel, keys } => {
                Ok(self.get_channel_attributes(st, &app, &channel, keys))
            }
            Request::MemberCount { channels } => Ok(self.member_counts(st, &app, channels)),
            Request::Join { channel } => self.join(st, &app, &user, channel, after),
            Request::Leave { channel } => self.leave(st, &app, &user, &channel),
            Request::SendChannel { channel, message } => {
                self.send_channel(st, &app, &user, &channel, message)
            }
            Request::GetMembers { channel } => self.get_members(st, &app, &user, &channel),
            Request::Invite {
                call_id,
                callee,
                content,
                channel_id,
            } => Ok(self.invite(st, &app, &user, call_id, callee, content, channel_id)),
            Request::CancelInvite { call_id } => self.cancel_invite(st, &app, &user, call_id),
            Request::AcceptInvite {
                caller,
                call_id,
                response,
            } => self.accept_invite(st, &app, &user, caller, call_id, response),
            Request::RefuseInvite {
                caller,
                call_id,
                response,
            } => self.refuse_invite(st, &app, &user, caller, call_id, response, after),
        }
    }

    fn notice(&self, st: &mut State, conn: ConnId, notice: Notice) {
        let Some((app, user)) = st.session_of(conn) else {
            return;
        };
        match notice {
            Notice::InviteReceived { caller, call_id } => {
                self.invite_received(st, &app, &user, caller, call_id)
            }
            Notice::AcceptSeen { callee, call_id } => {
                self.accept_seen(st, &app, &user, callee, call_id)
            }
        }
    }

    /// Runs `f` on the system after `delay` of tokio time, if the system still exists and a
    /// tokio runtime is available.
    fn after(&self, delay: Duration, f: impl FnOnce(&System, &mut State) + Send + 'static) {
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn(async move {
                    tokio::time::sleep(delay).await;
                    if let Some(inner) = weak.upgrade() {
                        let system = System { inner };
                        let mut st = system.inner.state.lock();
                        f(&system, &mut st);
                    }
                });
            }
            Err(_) => log::warn!("RTM system timer not started: no tokio runtime in this thread"),
        }
    }
}

impl Inner {
    fn now_ms(&self) -> u64 {
        self.epoch_ms + self.started.elapsed().as_millis() as u64
    }
}
