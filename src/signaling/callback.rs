//! [`SignalingCallback`]: the legacy `ICallBack` interface, one method per callback, each with
//! an empty default body (spec/signaling-legacy.md §3). The methods are generated from the
//! `[[callback]]` rows of `mapping/events.toml`.

/// Receives the legacy callbacks of a [`crate::signaling::Signaling`] instance.
///
/// Implement only the callbacks you need; the others do nothing. Callbacks of one instance run
/// one at a time, in the order the events happened, on the instance's callback thread; a
/// callback may call any [`crate::signaling::Signaling`] method, including `destroy`.
///
/// ```
/// use sig2rtm::signaling::SignalingCallback;
///
/// struct Printer;
/// impl SignalingCallback for Printer {
///     fn on_login_success(&self, uid: u32, _fd: i32) {
///         println!("logged in as uid {uid}");
///     }
///     fn on_message_instant_receive(&self, account: &str, _uid: u32, msg: &str) {
///         println!("{account}: {msg}");
///     }
/// }
/// ```
#[doc(alias = "ICallBack")]
pub trait SignalingCallback: Send + Sync {
    signaling_callback_methods!();
}
