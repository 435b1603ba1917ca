//! The embedded default, wired in one place: an RTM core built without a system or connector
//! reaches the RTM system of this process ([`System::global`]), or the `sig2rtm-server` named
//! by `SIG2RTM_SERVER`.
//!
//! This is the only module where the client side ([`crate::rtm`], [`crate::transport`]) meets
//! the system ([`crate::system`]): the core and the system share only [`crate::proto`].

use crate::proto::link::Up;
use crate::rtm::RtmClientBuilder;
use crate::system::{LinkEnd, System};
use crate::transport::{
    tcp, Connector, InProcessConnector, Link, LinkClosed, LinkHost, LinkSender,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The connector of clients built without one: `SIG2RTM_SERVER` when set, otherwise the
/// process-wide embedded system.
pub(crate) fn default_connector() -> Arc<dyn Connector> {
    match tcp::from_env() {
        Some(tcp) => Arc::new(tcp),
        None => Arc::new(InProcessConnector::new(System::global())),
    }
}

impl LinkHost for System {
    fn open_link(&self) -> Link {
        let (link, receiver) = self.connect();
        Link {
            sender: Box::new(InProcessSender {
                system: self.clone(),
                link,
                abandoned: AtomicBool::new(false),
            }),
            receiver,
        }
    }
}

/// A client's end of an in-process link: frames go straight into the system.
struct InProcessSender {
    system: System,
    link: LinkEnd,
    abandoned: AtomicBool,
}

impl LinkSender for InProcessSender {
    fn send(&self, up: Up) -> Result<(), LinkClosed> {
        self.system.handle(&self.link, up)
    }

    fn close(&self) {
        self.system.disconnect(self.link.id());
    }

    fn abandon(&self) {
        // The system notices the silence by itself (and drops the link after the grace time).
        self.abandoned.store(true, Ordering::Release);
    }
}

impl Drop for InProcessSender {
    fn drop(&mut self) {
        if !self.abandoned.load(Ordering::Acquire) {
            self.system.disconnect(self.link.id());
        }
    }
}

impl RtmClientBuilder {
    /// Reach this system in the same process.
    ///
    /// ```
    /// use sig2rtm::rtm::RtmClient;
    /// use sig2rtm::system::{System, SystemConfig};
    /// let system = System::new(SystemConfig::default());
    /// let client = RtmClient::builder("0123456789abcdef0123456789abcdef").system(&system).build();
    /// assert!(client.is_ok());
    /// ```
    pub fn system(self, system: &System) -> Self {
        self.connector(Arc::new(InProcessConnector::new(system.clone())))
    }
}
