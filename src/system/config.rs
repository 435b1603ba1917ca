//! Settings of an RTM system: every limit and timer, so tests can shrink them or run them in
//! virtual time. The defaults are RTM 1.x's (spec/rtm-1x.md §4, choices in shim-contract.md §8).

use std::time::Duration;

/// Limits and timers of an RTM system.
#[derive(Debug, Clone)]
pub struct SystemConfig {
    /// Accept logins for App IDs never registered, as App-ID-only apps (default true).
    pub auto_register_apps: bool,
    /// Messages kept per offline receiver; the newest evicts the oldest (200).
    pub offline_cache_per_user: usize,
    /// How long a kept message stays (7 days).
    pub offline_cache_ttl: Duration,
    /// Above this many members, member joined / left events are not sent (512).
    pub member_event_limit: usize,
    /// Least time between member-count updates at or below `member_event_limit` members (1 s).
    pub member_count_interval: Duration,
    /// Least time between member-count updates above `member_event_limit` members (3 s).
    pub member_count_interval_large: Duration,
    /// Most members `getMembers` returns (512).
    pub get_members_cap: usize,
    /// Attributes of a channel nobody is in are wiped after this long (120 s).
    pub channel_attributes_wipe_after: Duration,
    /// A callee offline this long after an invitation was sent fails it with PEER_OFFLINE (30 s);
    /// an online callee that does not acknowledge it in this time fails it with PEER_NO_RESPONSE.
    pub invitation_peer_wait: Duration,
    /// An invitation received but not answered this long fails with INVITATION_EXPIRE (60 s).
    pub invitation_expiry: Duration,
    /// A callee's accept not acknowledged by the caller this long fails with ACCEPT_FAILURE (5 s).
    pub invitation_accept_ack_wait: Duration,
    /// A session whose link is silent this long is UNREACHABLE for its subscribers, and senders
    /// waiting for it are answered CACHED_BY_SERVER (6 s).
    pub unreachable_after: Duration,
    /// A session whose link is silent this long ends: the user leaves the online list and its
    /// channels, subscribers see OFFLINE. A client back sooner continues its session (30 s).
    pub presence_grace: Duration,
    /// Most channel messages per channel re-delivered to a client after it reconnects (32).
    pub channel_redelivery_max: usize,
    /// Only channel messages sent this long before a client reconnects are re-delivered (30 s).
    pub channel_redelivery_window: Duration,
    /// A login that kicks out a session whose client is reachable waits this long at most for
    /// that client's last acknowledgement, so that a message in flight at the kick reaches one
    /// device only: the old one if it handled it, otherwise the new one (1 s).
    pub remote_login_handover: Duration,
    /// Wall-clock time of the system's start in ms since the Unix epoch; server timestamps count
    /// from it. `None` takes the real clock (set it for reproducible timestamps).
    pub epoch_ms: Option<u64>,
}

impl Default for SystemConfig {
    fn default() -> Self {
        SystemConfig {
            auto_register_apps: true,
            offline_cache_per_user: 200,
            offline_cache_ttl: Duration::from_secs(7 * 24 * 3600),
            member_event_limit: 512,
            member_count_interval: Duration::from_secs(1),
            member_count_interval_large: Duration::from_secs(3),
            get_members_cap: 512,
            channel_attributes_wipe_after: Duration::from_secs(120),
            invitation_peer_wait: Duration::from_secs(30),
            invitation_expiry: Duration::from_secs(60),
            invitation_accept_ack_wait: Duration::from_secs(5),
            unreachable_after: Duration::from_secs(6),
            presence_grace: Duration::from_secs(30),
            channel_redelivery_max: 32,
            channel_redelivery_window: Duration::from_secs(30),
            remote_login_handover: Duration::from_secs(1),
            epoch_ms: None,
        }
    }
}
