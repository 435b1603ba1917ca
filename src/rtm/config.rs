//! Per-client settings: call-frequency limits, operation timeouts, and the timers that watch the
//! link and reconnect.

use super::limits::RateLimits;
use std::sync::{Arc, Mutex, Weak};
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

/// How the client watches its link and gets its session back (spec/rtm-1x.md §2.3, §4.3).
///
/// The client pings the system every `ping_interval`; any frame from the system is a sign of
/// life. After `link_timeout` of silence it gives the link up and resumes its session on a new
/// link, quietly: if it is back before `interrupted_after` of silence, the app sees nothing.
/// Otherwise it reports `(RECONNECTING, INTERRUPTED)` at that moment and keeps trying — an
/// attempt waits `reconnect_attempt_timeout` for the system's answer; the pause between attempts
/// starts at `reconnect_backoff_min` and doubles up to `reconnect_backoff_max` — until it is back
/// (`(CONNECTED, LOGIN_SUCCESS)`, no second login success), kicked, or logged out.
///
/// With the defaults, a link whose delay stays under 0.5 s each way is never given up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionTimers {
    /// Ping period (1 s).
    pub ping_interval: Duration,
    /// Silence after which the link is replaced, quietly (2 s).
    pub link_timeout: Duration,
    /// Silence after which the outage is reported as (RECONNECTING, INTERRUPTED) (4 s).
    pub interrupted_after: Duration,
    /// How long one reconnection attempt waits for the system (1 s).
    pub reconnect_attempt_timeout: Duration,
    /// First pause between failed attempts (0.5 s); it doubles after each failure …
    pub reconnect_backoff_min: Duration,
    /// … up to this (2 s).
    pub reconnect_backoff_max: Duration,
}

impl Default for ConnectionTimers {
    fn default() -> Self {
        ConnectionTimers {
            ping_interval: Duration::from_secs(1),
            link_timeout: Duration::from_secs(2),
            interrupted_after: Duration::from_secs(4),
            reconnect_attempt_timeout: Duration::from_secs(1),
            reconnect_backoff_min: Duration::from_millis(500),
            reconnect_backoff_max: Duration::from_secs(2),
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
    /// Link watching and reconnection.
    pub connection: ConnectionTimers,
}

impl ClientConfig {
    /// This configuration, shared with the live clients built with equal settings (it is
    /// 648 B, and a process with many clients usually gives them all the same one). Up to
    /// [`SHARED_CONFIGS`] distinct configurations in use are remembered.
    pub(crate) fn into_shared(self) -> Arc<ClientConfig> {
        static IN_USE: Mutex<Vec<Weak<ClientConfig>>> = Mutex::new(Vec::new());
        let mut in_use = IN_USE
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        in_use.retain(|known| known.strong_count() > 0);
        if let Some(shared) = in_use
            .iter()
            .filter_map(Weak::upgrade)
            .find(|known| **known == self)
        {
            return shared;
        }
        let shared = Arc::new(self);
        if in_use.len() == SHARED_CONFIGS {
            in_use.remove(0);
        }
        in_use.push(Arc::downgrade(&shared));
        shared
    }
}

/// How many distinct client configurations in use [`ClientConfig::into_shared`] remembers.
const SHARED_CONFIGS: usize = 16;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_configurations_are_shared_and_others_are_not() {
        let a = ClientConfig::default().into_shared();
        let b = ClientConfig::default().into_shared();
        assert!(Arc::ptr_eq(&a, &b));
        let other = ClientConfig {
            rate_limits: RateLimits::off(),
            ..ClientConfig::default()
        };
        let c = other.clone().into_shared();
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(*c, other);
    }
}
