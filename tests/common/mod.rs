//! Helpers shared by the integration tests: isolated systems, clients, event waiting in
//! virtual time.
#![allow(dead_code)]

use sig2rtm::rtm::{ChannelEvent, ClientConfig, EventStream, RateLimits, RtmClient, RtmEvent};
use sig2rtm::system::{System, SystemConfig};
use std::time::Duration;

/// An App ID for tests.
pub const APP: &str = "0123456789abcdef0123456789abcdef";
/// Another App ID, to check isolation.
pub const OTHER_APP: &str = "fedcba9876543210fedcba9876543210";

/// A fresh system with default settings.
pub fn system() -> System {
    System::new(SystemConfig::default())
}

/// A client of [`APP`] on `system`, with default (Linux 1.4) rate limits.
pub fn client(system: &System) -> RtmClient {
    RtmClient::builder(APP).system(system).build().unwrap()
}

/// A client of [`APP`] on `system` without rate limits.
pub fn unlimited_client(system: &System) -> RtmClient {
    RtmClient::builder(APP)
        .system(system)
        .config(ClientConfig {
            rate_limits: RateLimits::off(),
            ..ClientConfig::default()
        })
        .build()
        .unwrap()
}

/// A client logged in as `user`, with its event stream (subscribed before login).
pub async fn logged_in(system: &System, user: &str) -> (RtmClient, EventStream) {
    let c = client(system);
    let events = c.subscribe();
    c.login("", user).await.unwrap();
    (c, events)
}

/// Lets in-flight events reach their streams (a short virtual-time sleep).
pub async fn settle() {
    tokio::time::sleep(Duration::from_millis(10)).await;
}

/// The next event, waiting at most 120 s of virtual time.
pub async fn next_event(events: &mut EventStream) -> RtmEvent {
    tokio::time::timeout(Duration::from_secs(120), events.recv())
        .await
        .expect("no event within 120 s")
        .expect("event stream ended")
}

/// Every event that arrives within `d` of virtual time.
pub async fn events_within(events: &mut EventStream, d: Duration) -> Vec<RtmEvent> {
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + d;
    while let Ok(Some(e)) = tokio::time::timeout_at(deadline, events.recv()).await {
        out.push(e);
    }
    out
}

/// Events waiting now, without the connection-state ones.
pub async fn drain_non_state(events: &mut EventStream) -> Vec<RtmEvent> {
    settle().await;
    events
        .drain()
        .into_iter()
        .filter(|e| !matches!(e, RtmEvent::ConnectionStateChanged { .. }))
        .collect()
}

/// The channel events waiting now, as (channel, event) pairs.
pub async fn channel_events(events: &mut EventStream) -> Vec<(String, ChannelEvent)> {
    settle().await;
    events
        .drain()
        .into_iter()
        .filter_map(|e| match e {
            RtmEvent::Channel { channel_id, event } => Some((channel_id, event)),
            _ => None,
        })
        .collect()
}

// ------------------------------------------------------------------ test links

use sig2rtm::transport::protocol::{Request, Up};
use sig2rtm::transport::{Connector, InProcessConnector, Link, LinkClosed, LinkSender};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A real in-process link to a system, except that requests matching `drop_if` are lost.
pub struct LossyConnector {
    pub inner: InProcessConnector,
    pub drop_if: fn(&Request) -> bool,
}

pub struct LossySender {
    pub inner: Box<dyn LinkSender>,
    pub drop_if: fn(&Request) -> bool,
}

impl LinkSender for LossySender {
    fn send(&self, up: Up) -> Result<(), LinkClosed> {
        match &up {
            Up::Request { body, .. } if (self.drop_if)(body) => Ok(()),
            _ => self.inner.send(up),
        }
    }
    fn close(&self) {
        self.inner.close()
    }
}

#[async_trait::async_trait]
impl Connector for LossyConnector {
    async fn connect(&self) -> std::io::Result<Link> {
        let link = self.inner.connect().await?;
        Ok(Link {
            sender: Box::new(LossySender {
                inner: link.sender,
                drop_if: self.drop_if,
            }),
            receiver: link.receiver,
        })
    }
    fn describe(&self) -> String {
        "lossy test link".into()
    }
}

/// A connector to `system` whose requests can be silenced: while `mute` is set, requests
/// never reach the system (an RTM system that does not answer).
pub struct Muting {
    pub inner: InProcessConnector,
    pub mute: Arc<AtomicBool>,
}

pub struct MutingSender {
    pub inner: Box<dyn LinkSender>,
    pub mute: Arc<AtomicBool>,
}

impl LinkSender for MutingSender {
    fn send(&self, up: Up) -> Result<(), LinkClosed> {
        if self.mute.load(Ordering::SeqCst) && matches!(up, Up::Request { .. }) {
            return Ok(());
        }
        self.inner.send(up)
    }

    fn close(&self) {
        self.inner.close()
    }
}

#[async_trait::async_trait]
impl Connector for Muting {
    async fn connect(&self) -> std::io::Result<Link> {
        let link = self.inner.connect().await?;
        Ok(Link {
            sender: Box::new(MutingSender {
                inner: link.sender,
                mute: self.mute.clone(),
            }),
            receiver: link.receiver,
        })
    }

    fn describe(&self) -> String {
        "muting test connector".into()
    }
}
