//! The legacy Signaling facade: [`Signaling`] (`IAgoraAPI`) and [`SignalingCallback`]
//! (`ICallBack`), running on the RTM 1.x core through the table-driven adapter.
//!
//! Method and callback names are the snake_case of the legacy ones (`messageInstantSend` →
//! [`Signaling::message_instant_send`]); every item carries its legacy name as a doc alias.

// `signaling_callback_methods!` and `legacy_event_sink_methods!`, from the callback rows.
include!(concat!(env!("OUT_DIR"), "/legacy_callback_macros.rs"));

mod callback;
mod codes;
mod config;
mod event;
mod facade;
mod report;
mod sink;
mod uid;

pub use callback::SignalingCallback;
pub use codes::{AgoraECode, LoginState};
pub use config::{CallbackMode, SignalingConfig, TokenProvider};
pub use event::LegacyEvent;
pub use facade::{sdk_version, Signaling};
pub use sink::LegacyEventSink;
pub(crate) use uid::uid_of;
