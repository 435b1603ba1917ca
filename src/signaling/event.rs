//! [`LegacyEvent`]: one legacy callback invocation as a value.
//!
//! The adapter produces these; the callback thread turns each into the matching
//! [`SignalingCallback`] call. As values they can be recorded, compared and printed in legacy
//! style (`onChannelJoined("room")`), which the regression kit builds on.

use super::callback::SignalingCallback;
use serde::{Deserialize, Serialize};
use std::fmt;

include!(concat!(env!("OUT_DIR"), "/legacy_event.rs"));
