//! The in-process transport: a link whose far end is a [`System`] in the same process.
//!
//! Frames are handed to the system directly. The system's fault injection
//! ([`System::cut_user`], [`System::delay_user`] …) acts on these links as a network would:
//! frames of a cut link are lost both ways, delayed frames arrive late and in order.

use super::protocol::Up;
use super::{Connector, Link, LinkClosed, LinkSender};
use crate::system::{LinkEnd, System};
use std::sync::atomic::{AtomicBool, Ordering};

/// Connects clients to a [`System`] in this process.
#[derive(Clone)]
pub struct InProcessConnector {
    system: System,
}

impl InProcessConnector {
    /// A connector to `system`.
    pub fn new(system: System) -> Self {
        InProcessConnector { system }
    }
}

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

#[async_trait::async_trait]
impl Connector for InProcessConnector {
    async fn connect(&self) -> std::io::Result<Link> {
        let (link, receiver) = self.system.connect();
        Ok(Link {
            sender: Box::new(InProcessSender {
                system: self.system.clone(),
                link,
                abandoned: AtomicBool::new(false),
            }),
            receiver,
        })
    }

    fn describe(&self) -> String {
        "embedded RTM system".into()
    }
}
