//! The in-process transport: a link whose far end is an RTM system in the same process.
//!
//! Frames are handed to the system directly. The system's fault injection
//! (`System::cut_user`, `System::delay_user` …) acts on these links as a network would:
//! frames of a cut link are lost both ways, delayed frames arrive late and in order.

use super::{Connector, Link};
use std::sync::Arc;

/// Something in this process that serves links: an RTM system.
///
/// The RTM system (`sig2rtm::system::System`) is one; a test may put its own in front of one.
pub trait LinkHost: Send + Sync + 'static {
    /// Opens a link to the host.
    fn open_link(&self) -> Link;
}

/// Connects clients to an RTM system in this process.
///
/// ```
/// use sig2rtm::system::{System, SystemConfig};
/// use sig2rtm::transport::InProcessConnector;
/// let connector = InProcessConnector::new(System::new(SystemConfig::default()));
/// # let _ = connector;
/// ```
#[derive(Clone)]
pub struct InProcessConnector {
    host: Arc<dyn LinkHost>,
}

impl InProcessConnector {
    /// A connector to `host` (an RTM system, `sig2rtm::system::System`).
    pub fn new(host: impl LinkHost) -> Self {
        InProcessConnector {
            host: Arc::new(host),
        }
    }
}

#[async_trait::async_trait]
impl Connector for InProcessConnector {
    async fn connect(&self) -> std::io::Result<Link> {
        Ok(self.host.open_link())
    }

    fn describe(&self) -> String {
        "embedded RTM system".into()
    }
}
