//! RTM 1.x limits (spec/rtm-1x.md §4.2) and per-client call-frequency limits (§4.4).

use std::collections::{HashMap, VecDeque};
use std::time::Duration;
use tokio::time::Instant;

pub use crate::proto::limits::{
    MAX_INVITATION_TEXT_BYTES, MAX_JOINED_CHANNELS, MAX_MEMBER_COUNT_CHANNELS, MAX_QUERY_PEERS,
    MAX_SUBSCRIBED_PEERS,
};

/// At most `max` calls in any window of `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Calls allowed in the window.
    pub max: u32,
    /// Window length.
    pub per: Duration,
}

const fn w(max: u32, per_ms: u64) -> Option<Window> {
    Some(Window {
        max,
        per: Duration::from_millis(per_ms),
    })
}

/// Call-frequency limits of one client; `None` means unlimited.
///
/// Grouped methods share one budget, as in RTM: peer and channel sends share `send_message`;
/// the four local user attribute writes share `user_attribute_write`, and so on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    /// `login` (LOGIN_ERR_TOO_OFTEN).
    pub login: Option<Window>,
    /// `renew_token`.
    pub renew_token: Option<Window>,
    /// `get_channel_member_count`.
    pub channel_member_count: Option<Window>,
    /// `join`, any channel.
    pub join: Option<Window>,
    /// `join` of the same channel.
    pub join_same_channel: Option<Window>,
    /// Peer and channel sends together.
    pub send_message: Option<Window>,
    /// `get_members`.
    pub get_members: Option<Window>,
    /// `query_peers_online_status`.
    pub query_online_status: Option<Window>,
    /// set / add-or-update / delete / clear local user attributes.
    pub user_attribute_write: Option<Window>,
    /// `get_user_attributes` (+ by keys).
    pub user_attribute_read: Option<Window>,
    /// set / add-or-update / delete / clear channel attributes.
    pub channel_attribute_write: Option<Window>,
    /// `get_channel_attributes` (+ by keys).
    pub channel_attribute_read: Option<Window>,
    /// `subscribe_peers_online_status`.
    pub subscribe: Option<Window>,
    /// `unsubscribe_peers_online_status`.
    pub unsubscribe: Option<Window>,
    /// `query_peers_by_subscription_option`.
    pub query_subscription: Option<Window>,
}

impl RateLimits {
    /// The Linux C++ / Linux Java SDK 1.4 limits (the default).
    pub fn linux_1_4() -> Self {
        RateLimits {
            login: w(2, 1000),
            renew_token: w(2, 1000),
            channel_member_count: w(1, 1000),
            join: w(50, 3000),
            join_same_channel: w(2, 5000),
            send_message: w(1500, 3000),
            get_members: w(5, 2000),
            query_online_status: w(100, 5000),
            user_attribute_write: w(100, 5000),
            user_attribute_read: w(400, 5000),
            channel_attribute_write: w(100, 5000),
            channel_attribute_read: w(400, 5000),
            subscribe: w(10, 5000),
            unsubscribe: w(10, 5000),
            query_subscription: w(10, 5000),
        }
    }

    /// The Android / iOS / macOS / Windows / Web (1.1+) limits.
    pub fn mobile_and_web() -> Self {
        RateLimits {
            send_message: w(180, 3000),
            query_online_status: w(10, 5000),
            user_attribute_write: w(10, 5000),
            user_attribute_read: w(40, 5000),
            channel_attribute_write: w(10, 5000),
            channel_attribute_read: w(10, 5000),
            ..Self::linux_1_4()
        }
    }

    /// No limits at all (benchmarks).
    pub fn off() -> Self {
        RateLimits {
            login: None,
            renew_token: None,
            channel_member_count: None,
            join: None,
            join_same_channel: None,
            send_message: None,
            get_members: None,
            query_online_status: None,
            user_attribute_write: None,
            user_attribute_read: None,
            channel_attribute_write: None,
            channel_attribute_read: None,
            subscribe: None,
            unsubscribe: None,
            query_subscription: None,
        }
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        Self::linux_1_4()
    }
}

/// Which budget a call draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Budget {
    Login,
    RenewToken,
    ChannelMemberCount,
    Join,
    SendMessage,
    GetMembers,
    QueryOnlineStatus,
    UserAttributeWrite,
    UserAttributeRead,
    ChannelAttributeWrite,
    ChannelAttributeRead,
    Subscribe,
    Unsubscribe,
    QuerySubscription,
}

impl Budget {
    fn window(self, l: &RateLimits) -> Option<Window> {
        match self {
            Budget::Login => l.login,
            Budget::RenewToken => l.renew_token,
            Budget::ChannelMemberCount => l.channel_member_count,
            Budget::Join => l.join,
            Budget::SendMessage => l.send_message,
            Budget::GetMembers => l.get_members,
            Budget::QueryOnlineStatus => l.query_online_status,
            Budget::UserAttributeWrite => l.user_attribute_write,
            Budget::UserAttributeRead => l.user_attribute_read,
            Budget::ChannelAttributeWrite => l.channel_attribute_write,
            Budget::ChannelAttributeRead => l.channel_attribute_read,
            Budget::Subscribe => l.subscribe,
            Budget::Unsubscribe => l.unsubscribe,
            Budget::QuerySubscription => l.query_subscription,
        }
    }
}

/// Sliding-window counters for one client.
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    calls: HashMap<Budget, VecDeque<Instant>>,
    joins_per_channel: HashMap<String, VecDeque<Instant>>,
}

fn take(log: &mut VecDeque<Instant>, window: Window, now: Instant) -> bool {
    while log
        .front()
        .is_some_and(|t| now.duration_since(*t) >= window.per)
    {
        log.pop_front();
    }
    if log.len() >= window.max as usize {
        return false;
    }
    log.push_back(now);
    true
}

impl RateLimiter {
    /// Records a call; false when the budget is spent.
    pub fn allow(&mut self, limits: &RateLimits, budget: Budget) -> bool {
        match budget.window(limits) {
            None => true,
            Some(window) => take(
                self.calls.entry(budget).or_default(),
                window,
                Instant::now(),
            ),
        }
    }

    /// Records a join of `channel` against the same-channel budget; false when spent.
    pub fn allow_join_same(&mut self, limits: &RateLimits, channel: &str) -> bool {
        match limits.join_same_channel {
            None => true,
            Some(window) => {
                let now = Instant::now();
                self.joins_per_channel.retain(|_, log| {
                    log.back()
                        .is_some_and(|t| now.duration_since(*t) < window.per)
                });
                take(
                    self.joins_per_channel
                        .entry(channel.to_string())
                        .or_default(),
                    window,
                    now,
                )
            }
        }
    }
}
