//! The TCP transport: the RTM core in one process, the RTM system in another
//! (`sig2rtm-server`), the same protocol messages in between.
//!
//! - [`TcpConnector`] (client side) opens links to a server; the core uses it like the
//!   in-process connector.
//! - The server side (`sig2rtm::system::tcp::TcpServer`) lives with the system.
//! - [`wire`] holds the framing: an 8-byte preamble with the protocol version, then
//!   length-prefixed JSON frames. `docs/PROTOCOL.md` describes it byte by byte.
//!
//! Setting `SIG2RTM_SERVER=host:port` makes clients built without an explicit system or
//! connector reach that server ([`from_env`]); `SIG2RTM_SERVER=host:port,host:port,…` names
//! several, tried in turn when a link is opened (see [`TcpConnector`]).

mod client;

pub use crate::proto::wire;
pub use client::{server_list, TcpConnector, TcpOptions};

/// The environment variable naming the server that clients reach by default.
pub const SERVER_ENV: &str = "SIG2RTM_SERVER";

/// A connector to the server (or the comma-separated servers) named by `SIG2RTM_SERVER`, when
/// it is set and names at least one.
pub fn from_env() -> Option<TcpConnector> {
    let servers = server_list(&std::env::var(SERVER_ENV).ok()?);
    (!servers.is_empty()).then(|| TcpConnector::with_servers(servers))
}
