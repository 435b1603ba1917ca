//! The vocabulary the RTM core and the RTM system share: ids and their rules, limits, messages,
//! attributes, state enumerations, the link protocol and its failure reasons, the in-process link
//! queue and the TCP framing.
//!
//! This module is a leaf: it names neither the client (`sig2rtm::rtm`) nor the system
//! (`sig2rtm::system`). Both depend on it, and only on it, for what they say to each other:
//!
//! ```text
//!   rtm ──▶ proto ◀── system
//!    │                  ▲
//!    └──▶ transport ─────┘ (connectors on the client side; the system's link ends and the
//!                           TCP server live with the system; the crate root wires the
//!                           embedded default)
//! ```
//!
//! | module | what it holds |
//! |---|---|
//! | [`ids`] | RTM's id rules, with a structured [`ids::IdProblem`] |
//! | [`limits`] | the limits both sides enforce |
//! | [`message`] | [`RtmMessage`] and how a peer message was delivered |
//! | [`attributes`] | user and channel attributes and their checks |
//! | [`enums`] | the state enumerations both sides speak of |
//! | [`link`] | the frames of a link: [`Up`], [`Down`], requests, replies, events |
//! | [`failure`] | why a request was refused ([`FailureReason`]) |
//! | [`queue`] | the queue that carries a link's frames from the system to the client |
//! | [`wire`] | the TCP framing: preamble, handshake, length-prefixed frames |

#[macro_use]
mod code;
pub mod attributes;
pub mod enums;
pub mod failure;
pub mod ids;
pub mod limits;
pub mod link;
pub mod message;
pub mod queue;
pub mod random;
pub mod wire;

pub use attributes::{ChannelAttribute, RtmAttribute};
pub use code::RtmCode;
pub use enums::{LocalInvitationErrCode, MessageType, PeerOnlineState, RemoteInvitationErrCode};
pub use failure::{Failure, FailureReason};
pub use link::{Down, Event, Reply, Request, Up};
pub use message::{PeerDelivery, RtmMessage};
pub use queue::{down_channel, DownReceiver, DownSender, LinkClosed};
