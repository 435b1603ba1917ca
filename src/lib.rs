//! # sig2rtm
//!
//! Run software written against the legacy Agora **Signaling** SDK unchanged on an **RTM 1.x**
//! core, and migrate it to RTM one call at a time.
//!
//! The crate is layered:
//!
//! - [`rtm`] — the RTM 1.x core: [`rtm::RtmClient`], channels, the call manager, with RTM's
//!   codes, limits and event order.
//! - [`system`] — the RTM system (the server side), embedded in the process by default.
//! - [`transport`] — the boundary between the two.
//! - [`token`] — RTM AccessToken (006) and legacy Signaling tokens.
//!
//! ## Quick start (RTM core)
//!
//! ```
//! use sig2rtm::rtm::{RtmClient, RtmEvent, RtmMessage, SendMessageOptions};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let app_id = "0123456789abcdef0123456789abcdef";
//! // Both clients reach the process-wide embedded RTM system.
//! let alice = RtmClient::new(app_id).unwrap();
//! let bob = RtmClient::new(app_id).unwrap();
//! alice.login("", "doc-alice").await.unwrap();
//! bob.login("", "doc-bob").await.unwrap();
//!
//! let mut bob_events = bob.subscribe();
//! alice
//!     .send_message_to_peer("doc-bob", &RtmMessage::from_text("hello"), SendMessageOptions::default())
//!     .await
//!     .unwrap();
//! match bob_events.recv().await {
//!     Some(RtmEvent::MessageFromPeer { peer_id, message }) => {
//!         assert_eq!((peer_id.as_str(), message.text()), ("doc-alice", "hello"));
//!     }
//!     other => panic!("unexpected {other:?}"),
//! }
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[macro_use]
pub mod proto;

mod adapter;
mod embedded;
#[doc(hidden)]
pub mod fuzzing;
#[cfg(feature = "legacy-web")]
pub mod legacy_web;
pub mod mapping;
pub mod migration;
pub mod rtm;
pub mod signaling;
pub mod system;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod token;
pub mod transport;
