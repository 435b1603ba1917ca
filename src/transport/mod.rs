//! The client's side of the boundary between the RTM core and the RTM system.
//!
//! A [`Connector`] opens [`Link`]s. The core only ever talks to the system through a link, so
//! the system can live in the same process ([`InProcessConnector`], to any [`LinkHost`]) or
//! behind a network ([`tcp::TcpConnector`]). What travels on a link is the vocabulary of
//! [`crate::proto`]; the system's ends of the links (and its TCP server) live with the system.

pub mod inproc;
pub mod tcp;

pub use crate::proto::link as protocol;
pub use crate::proto::queue::{down_channel, DownReceiver, DownSender, LinkClosed};
pub use inproc::{InProcessConnector, LinkHost};
use protocol::Up;

/// The sending half of a link.
pub trait LinkSender: Send + Sync {
    /// Sends one message toward the system. Never blocks.
    fn send(&self, up: Up) -> Result<(), LinkClosed>;
    /// Closes the link; the system sees the client go away and ends its session at once.
    fn close(&self);
    /// Gives up on a link that went silent, without ending the session: the client will resume
    /// the session on a new link. Nothing is sent (on a dead network nothing would arrive).
    /// The default does nothing; a transport whose drop closes the link must not close it
    /// after this.
    fn abandon(&self) {}
}

/// An open link: a sender toward the system and the stream of what the system sends back.
pub struct Link {
    /// Toward the system.
    pub sender: Box<dyn LinkSender>,
    /// From the system, in order. Ends when the link closes. A transport (or a test connector)
    /// makes it with [`down_channel`] and keeps the [`DownSender`].
    pub receiver: DownReceiver,
}

/// Opens links to an RTM system.
#[async_trait::async_trait]
pub trait Connector: Send + Sync + 'static {
    /// Opens a new link.
    async fn connect(&self) -> std::io::Result<Link>;
    /// A short description for logs, such as `"embedded system"`.
    fn describe(&self) -> String;
}

/// The connector a client uses when none is configured: the server named by `SIG2RTM_SERVER`
/// (see [`tcp::from_env`]) when that is set, otherwise the process-wide embedded system.
pub fn default_connector() -> std::sync::Arc<dyn Connector> {
    crate::embedded::default_connector()
}
