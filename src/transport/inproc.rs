//! The in-process transport: a link whose far end is a [`System`] in the same process.

use super::protocol::Up;
use super::{Connector, Link, LinkClosed, LinkSender};
use crate::system::{ConnId, System};

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
    conn: ConnId,
}

impl LinkSender for InProcessSender {
    fn send(&self, up: Up) -> Result<(), LinkClosed> {
        self.system.handle(self.conn, up)
    }

    fn close(&self) {
        self.system.disconnect(self.conn);
    }
}

impl Drop for InProcessSender {
    fn drop(&mut self) {
        self.system.disconnect(self.conn);
    }
}

#[async_trait::async_trait]
impl Connector for InProcessConnector {
    async fn connect(&self) -> std::io::Result<Link> {
        let (conn, receiver) = self.system.connect();
        Ok(Link {
            sender: Box::new(InProcessSender {
                system: self.system.clone(),
                conn,
            }),
            receiver,
        })
    }

    fn describe(&self) -> String {
        "embedded RTM system".into()
    }
}
