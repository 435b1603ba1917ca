//! The RTM 1.x core: an async, idiomatic Rust rendering of the RTM 1.x client API
//! (spec/rtm-1x.md §1–§3), faithful to its codes, limits, timers and event order.
//!
//! | RTM 1.x | here |
//! |---|---|
//! | `createInstance` / `initialize` | [`RtmClient::new`], [`RtmClient::builder`] |
//! | `IRtmServiceEventHandler`, `IChannelEventHandler`, `IRtmCallEventHandler` | [`RtmClient::subscribe`] → [`RtmEvent`] |
//! | `IChannel` | [`RtmChannel`] |
//! | `IRtmCallManager`, `ILocalCallInvitation`, `IRemoteCallInvitation` | [`RtmCallManager`], [`LocalInvitation`], [`RemoteInvitation`] |
//! | `IMessage` | [`RtmMessage`] |
//! | result callbacks with error codes | `async fn` → `Result<T, RtmError<Code>>` |

mod call;
mod channel;
mod client;
mod config;
mod connection;
mod enums;
mod error;
mod events;
pub mod limits;
mod service;
mod session;

use crate::proto::message;
pub use crate::proto::{attributes, ids};

pub use attributes::{
    ChannelAttribute, ChannelAttributeOptions, ChannelMember, ChannelMemberCount, PeerOnlineStatus,
    RtmAttribute,
};
pub use call::{LocalInvitation, RemoteInvitation, RtmCallManager};
pub use channel::RtmChannel;
pub use client::{RtmClient, RtmClientBuilder};
pub use config::{ClientConfig, ConnectionTimers, Timeouts};
pub use enums::*;
pub use error::*;
pub use events::{CallEvent, ChannelEvent, EventStream, RtmEvent};
pub use limits::RateLimits;
pub use message::{
    MessagePayload, PeerDelivery, RtmMessage, SendMessageOptions, END_CALL_PREFIX,
    MAX_MESSAGE_BYTES,
};
pub use service::{
    rtm_service_context, set_rtm_service_context, AreaCode, RtmServiceContext,
    SetRtmServiceContextErrCode,
};
