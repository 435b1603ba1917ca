//! Helpers shared by the legacy facade tests: an instance on an isolated system with a
//! [`Recorder`] installed, a logged-in instance, and a virtual-time settle.
//!
//! Use from a test file with `mod legacy_common;` and a test runtime with a paused clock
//! (`#[tokio::test(start_paused = true)]`): instances run their callbacks inline on the test's
//! runtime, so every flow is deterministic in virtual time.
#![allow(dead_code)]

use sig2rtm::signaling::{CallbackMode, LegacyEvent, Signaling, SignalingConfig};
use sig2rtm::system::System;
use sig2rtm::testkit::Recorder;
use std::sync::Arc;
use std::time::Duration;

/// The App ID the legacy tests log in with.
pub const APP: &str = "0123456789abcdef0123456789abcdef";

/// The configuration of a deterministic test instance on `system`: inline callbacks on the
/// current tokio runtime. Add options (policies, token provider) before passing it to
/// [`legacy_with`].
pub fn config(system: &System) -> SignalingConfig {
    SignalingConfig::default()
        .system(system)
        .callback_mode(CallbackMode::Inline)
        .runtime(tokio::runtime::Handle::current())
}

/// A new instance made with `config`, with a fresh [`Recorder`] installed.
pub fn legacy_with(config: SignalingConfig) -> (Signaling, Arc<Recorder>) {
    let sig = Signaling::create_instance(config);
    let rec = Recorder::new();
    sig.callback_set(Some(rec.clone()));
    (sig, rec)
}

/// A new instance on `system` ([`config`]), with a fresh [`Recorder`] installed.
pub fn legacy(system: &System) -> (Signaling, Arc<Recorder>) {
    legacy_with(config(system))
}

/// An instance made with `config`, logged in as `account` (login2 with "_no_need_token",
/// 30 s, 3 retries). Panics unless `on_login_success` arrives within 30 s of virtual time. The
/// recorder is emptied afterwards, so the test sees only what follows the login.
pub async fn logged_in_with(config: SignalingConfig, account: &str) -> (Signaling, Arc<Recorder>) {
    let (sig, rec) = legacy_with(config);
    sig.login2(APP, account, "_no_need_token", 0, "", 30, 3);
    let ok = rec
        .wait_for(Duration::from_secs(30), |e| {
            matches!(
                e,
                LegacyEvent::LoginSuccess { .. } | LegacyEvent::LoginFailed { .. }
            )
        })
        .await;
    assert!(
        matches!(ok, Some(LegacyEvent::LoginSuccess { .. })),
        "login of {account} failed: {:?}",
        rec.events_without_logs()
    );
    rec.take();
    (sig, rec)
}

/// An instance on `system` logged in as `account`; see [`logged_in_with`].
pub async fn logged_in(system: &System, account: &str) -> (Signaling, Arc<Recorder>) {
    logged_in_with(config(system), account).await
}

/// Lets in-flight calls and events run to completion (50 ms of virtual time).
pub async fn settle() {
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// The recorded callbacks without `on_log`, in legacy style (`onChannelJoined("ch")`), with the
/// description of every `on_error` blanked (`onError("channel_join", 1004, "")`) so transcripts
/// compare exactly; read descriptions with [`error_descs`].
pub fn transcript(rec: &Recorder) -> Vec<String> {
    rec.events_without_logs()
        .into_iter()
        .map(|e| match e {
            LegacyEvent::Error { name, ecode, .. } => LegacyEvent::Error {
                name,
                ecode,
                desc: String::new(),
            }
            .to_string(),
            other => other.to_string(),
        })
        .collect()
}

/// The descriptions of the recorded `on_error` callbacks, in order.
pub fn error_descs(rec: &Recorder) -> Vec<String> {
    rec.events()
        .into_iter()
        .filter_map(|e| match e {
            LegacyEvent::Error { desc, .. } => Some(desc),
            _ => None,
        })
        .collect()
}

/// The uid the shim gives `account` in callbacks (rule N4): FNV-1a of its bytes, 0 mapped to 1.
/// Fixed here so that the tests also pin the value across processes and releases.
pub fn uid(account: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for b in account.bytes() {
        hash ^= u32::from(b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    if hash == 0 {
        1
    } else {
        hash
    }
}
