//! Entry points for the fuzz targets of `fuzz/` into parsing code that is otherwise private to
//! the crate. Not part of the API: hidden from the docs, and may change at any time.

use std::time::Duration;

/// The request of the legacy `invoke(name, req, callID)`: the JSON object it reads, or the
/// reason the call is refused (an unknown function, a request that is not a JSON object).
pub fn invoke_request(name: &str, req: &str) -> Result<serde_json::Value, String> {
    crate::adapter::invoke_request(name, req)
}

/// The keys of `channelInviteUser2`'s `extra` that the shim acts on:
/// `(_require_peer_online, _timeout)`, or the reason `extra` is refused.
pub fn invite_options(extra: &str) -> Result<(bool, Option<Duration>), String> {
    crate::adapter::invite_options(extra).map(|o| (o.require_peer_online, o.timeout))
}
