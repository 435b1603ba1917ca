//! Per-client settings: call-frequency limits and operation timeouts.

use super::limits::RateLimits;
use std::time::Duration;

/// How long each kind of operation waits for the RTM system (spec/rtm-1x.md §4.3,
/// choices in shim-contract.md §8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeouts {
    /// Login (6 s → LOGIN_ERR_TIMEOUT, reason LOGIN_TIMEOUT).
    pub login: Duration,
    /// Logout.
    pub logout: Duration,
    /// Token renewal (native value unconfirmed; 10 s chosen).
    pub renew_token: Duration,
    /// Peer message (10 s → SENT_TIMEOUT).
    pub peer_message: Duration,
    /// Channel message (10 s → SENT_TIMEOUT).
    pub channel_message: Duration,
    /// Join (5 s).
    pub join: Duration,
    /// Leave (5 s).
    pub leave: Duration,
    /// getMembers (5 s).
    pub get_members: Duration,
    /// Online-status query and (un)subscribe (10 s).
    pub presence: Duration,
    /// Attribute operations (5 s).
    pub attributes: Duration,
    /// getChannelMemberCount (5 s).
    pub member_count: Duration,
    /// Invitation requests (10 s per control message).
    pub invitation: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        let s = Duration::from_secs;
        Timeouts {
            login: s(6),
            logout: s(5),
            renew_token: s(10),
            peer_message: s(10),
            channel_message: s(10),
            join: s(5),
            leave: s(5),
            get_members: s(5),
            presence: s(10),
            attributes: s(5),
            member_count: s(5),
            invitation: s(10),
        }
    }
}

/// Settings of one RTM client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientConfig {
    /// Call-frequency limits (Linux 1.4 values by default).
    pub rate_limits: RateLimits,
    /// Operation timeouts.
    pub timeouts: Timeouts,
}
