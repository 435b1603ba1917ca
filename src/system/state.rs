//! The data the system keeps: links, apps, online users, channels, cached messages, invitations.

use super::ConnId;
use crate::rtm::{ChannelAttribute, RtmAttribute, RtmMessage};
use crate::transport::protocol::{CallId, Down, Event};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;

#[derive(Default)]
pub(super) struct State {
    pub next_conn: u64,
    pub conns: HashMap<ConnId, Conn>,
    pub apps: HashMap<String, App>,
}

pub(super) struct Conn {
    pub down: UnboundedSender<Down>,
    /// (app id, user id) once logged in.
    pub session: Option<(String, String)>,
}

impl Conn {
    pub fn new(down: UnboundedSender<Down>) -> Self {
        Conn {
            down,
            session: None,
        }
    }
}

/// How an app authenticates its users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum AppAuth {
    /// No token needed.
    AppIdOnly,
}

pub(super) struct App {
    #[allow(dead_code)] // read once token checking by certificate lands
    pub auth: AppAuth,
    pub users: HashMap<String, User>,
    pub channels: HashMap<String, Channel>,
    pub offline: HashMap<String, VecDeque<CachedMessage>>,
    /// target user → users subscribed to its online state.
    pub watchers: HashMap<String, BTreeSet<String>>,
    /// (caller, call id) → invitation.
    pub invitations: HashMap<(String, CallId), Invitation>,
    pub next_generation: u64,
}

impl App {
    pub fn new(auth: AppAuth) -> Self {
        App {
            auth,
            users: HashMap::new(),
            channels: HashMap::new(),
            offline: HashMap::new(),
            watchers: HashMap::new(),
            invitations: HashMap::new(),
            next_generation: 0,
        }
    }

    /// A fresh number to tell a timer whether what it was set for still holds.
    pub fn generation(&mut self) -> u64 {
        self.next_generation += 1;
        self.next_generation
    }
}

pub(super) struct User {
    pub conn: ConnId,
    pub attributes: Vec<RtmAttribute>,
    pub channels: BTreeSet<String>,
    pub subscriptions: BTreeSet<String>,
}

pub(super) struct CachedMessage {
    pub from: String,
    pub message: RtmMessage,
    pub kept_at: Instant,
}

#[derive(Default)]
pub(super) struct Channel {
    next_seq: u64,
    /// member → join sequence number.
    members: HashMap<String, u64>,
    /// join sequence number → member (join order).
    order: BTreeMap<u64, String>,
    pub attributes: Vec<ChannelAttribute>,
    /// Last member count sent to members, and when.
    pub last_count_sent: Option<(u32, Instant)>,
    pub count_update_pending: bool,
    /// Generation of the pending member-count timer (a channel emptied and made again must not
    /// take the old channel's timer).
    pub count_timer: u64,
    /// Generation of the pending attribute wipe, if one is scheduled.
    pub wipe_generation: Option<u64>,
}

impl Channel {
    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    pub fn contains(&self, user: &str) -> bool {
        self.members.contains_key(user)
    }

    /// Adds a member; false when it was already one.
    pub fn add(&mut self, user: &str) -> bool {
        if self.members.contains_key(user) {
            return false;
        }
        self.next_seq += 1;
        self.members.insert(user.to_string(), self.next_seq);
        self.order.insert(self.next_seq, user.to_string());
        true
    }

    /// Removes a member; false when it was not one.
    pub fn remove(&mut self, user: &str) -> bool {
        match self.members.remove(user) {
            Some(seq) => {
                self.order.remove(&seq);
                true
            }
            None => false,
        }
    }

    pub fn members_in_order(&self) -> impl DoubleEndedIterator<Item = &String> {
        self.order.values()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum InvitationPhase {
    /// Sent; the callee is offline.
    WaitingForCallee,
    /// Delivered to the callee's link; no acknowledgement yet.
    Delivered,
    /// The callee acknowledged it; waiting for an answer.
    Received,
    /// The callee accepted; waiting for the caller to see it.
    Accepting,
}

pub(super) struct Invitation {
    pub callee: String,
    pub content: String,
    pub channel_id: String,
    pub phase: InvitationPhase,
    pub generation: u64,
}

impl State {
    /// Pushes a message down a link, if it is still open.
    pub fn send(&self, conn: ConnId, down: Down) {
        if let Some(c) = self.conns.get(&conn) {
            let _ = c.down.send(down);
        }
    }

    /// Pushes an event to a user of an app, if it is online.
    pub fn send_to_user(&self, app: &str, user: &str, event: Event) {
        if let Some(conn) = self.conn_of(app, user) {
            self.send(conn, Down::Event(event));
        }
    }

    pub fn conn_of(&self, app: &str, user: &str) -> Option<ConnId> {
        self.apps.get(app)?.users.get(user).map(|u| u.conn)
    }

    pub fn session_of(&self, conn: ConnId) -> Option<(String, String)> {
        self.conns.get(&conn)?.session.clone()
    }

    pub fn app(&mut self, app: &str) -> &mut App {
        self.apps
            .get_mut(app)
            .expect("a logged-in session always belongs to a registered app")
    }
}
