//! [`LegacyEventSink`]: receive every legacy callback as one [`LegacyEvent`] value.

use super::{LegacyEvent, SignalingCallback};

/// A handler that takes every callback as a [`LegacyEvent`]. Anything that implements it is a
/// [`SignalingCallback`], and so is any `Fn(LegacyEvent)` closure.
///
/// ```
/// use sig2rtm::signaling::{LegacyEvent, SignalingCallback};
///
/// let print = |event: LegacyEvent| println!("{event}");
/// let handler: &dyn SignalingCallback = &print;
/// handler.on_channel_joined("lobby"); // prints onChannelJoined("lobby")
/// ```
pub trait LegacyEventSink: Send + Sync {
    /// One callback, as a value.
    fn on_event(&self, event: LegacyEvent);
}

impl<F> LegacyEventSink for F
where
    F: Fn(LegacyEvent) + Send + Sync,
{
    fn on_event(&self, event: LegacyEvent) {
        self(event)
    }
}

impl<T: LegacyEventSink + ?Sized> SignalingCallback for T {
    legacy_event_sink_methods!();
}
