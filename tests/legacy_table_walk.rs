//! Walks every row of `mapping/methods.toml` (`sig2rtm::mapping::METHODS`) and calls the facade
//! method of the row with valid and with bad arguments, before and after login: no call may
//! panic, and bad input must reach `on_error` or the row's failure callback, never silence.
//!
//! The calls go through an exhaustive `match` over `LegacyMethod`, so a new table row does not
//! compile here until the walk knows its parameters.

mod legacy_common;

use legacy_common::{logged_in, APP};
use sig2rtm::mapping::{LegacyMethod, MethodKind, INVOKES, METHODS};
use sig2rtm::rtm::attributes::{MAX_ATTRIBUTE_KEY_BYTES, MAX_ATTRIBUTE_VALUE_BYTES};
use sig2rtm::rtm::ids::check_id;
use sig2rtm::rtm::limits::MAX_INVITATION_TEXT_BYTES;
use sig2rtm::rtm::MAX_MESSAGE_BYTES;
use sig2rtm::signaling::{LegacyEvent, Signaling};
use sig2rtm::system::{System, SystemConfig};
use sig2rtm::testkit::Recorder;
use std::sync::Arc;
use std::time::Duration;

/// What a string parameter holds, which decides which values are bad for it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// An App ID: 32 letters or digits.
    AppId,
    /// A user or channel id: RTM's id rules.
    Id,
    /// The channel of an invitation: empty, or RTM's id rules.
    CallChannel,
    /// Message text: at most 32 KB.
    Text,
    /// A user or channel attribute name: 1 to 32 bytes.
    AttrName,
    /// An attribute value: at most 8 KB.
    AttrValue,
    /// Invitation extra: empty or a JSON object, at most 8 KB.
    InviteExtra,
    /// An answer's extra: at most 8 KB.
    AnswerExtra,
    /// DTMF digits: one or more of 0-9, * and #.
    Digits,
    /// An invoke function name of invoke.toml.
    InvokeName,
    /// An invoke request: a JSON object.
    InvokeRequest,
    /// Anything goes (tokens, message ids, device ids, options, call ids, phone numbers).
    Free,
}

/// A number parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Num {
    /// An `i32` limit that must not be negative (login2's retry limits).
    Limit,
    /// A `u32` the shim ignores or only logs (uids, background flags).
    Ignored,
}

/// The parameters of a row's facade method, in order (strings, then numbers). Exhaustive.
fn params(m: LegacyMethod) -> (Vec<Kind>, Vec<Num>) {
    use Kind::*;
    use LegacyMethod as M;
    match m {
        M::CallbackSet
        | M::CallbackGet
        | M::Logout
        | M::Ping
        | M::GetAttrAll
        | M::Start
        | M::Stop
        | M::IsOnline
        | M::GetStatus
        | M::GetSdkVersion
        | M::Destroy => (vec![], vec![]),
        M::Login => (vec![AppId, Id, Free, Free], vec![Num::Ignored]),
        M::Login2 => (
            vec![AppId, Id, Free, Free],
            vec![Num::Ignored, Num::Limit, Num::Limit],
        ),
        M::ChannelJoin | M::ChannelLeave | M::ChannelQueryUserNum | M::ChannelClearAttr => {
            (vec![Id], vec![])
        }
        M::ChannelQueryUserIsIn => (vec![Id, Id], vec![]),
        M::ChannelSetAttr => (vec![Id, AttrName, AttrValue], vec![]),
        M::ChannelDelAttr => (vec![Id, AttrName], vec![]),
        M::ChannelInviteUser => (vec![CallChannel, Id], vec![Num::Ignored]),
        M::ChannelInviteUser2 => (vec![CallChannel, Id, InviteExtra], vec![]),
        M::ChannelInvitePhone => (vec![Free, Free], vec![Num::Ignored]),
        M::ChannelInvitePhone2 => (vec![Free, Free, Free], vec![]),
        M::ChannelInvitePhone3 => (vec![Free, Free, Free, Free], vec![]),
        M::ChannelInviteDtmf => (vec![Free, Id, Digits], vec![]),
        M::ChannelInviteAccept | M::ChannelInviteRefuse => {
            (vec![CallChannel, Id, AnswerExtra], vec![Num::Ignored])
        }
        M::ChannelInviteEnd => (vec![CallChannel, Id], vec![Num::Ignored]),
        M::MessageAppSend => (vec![Free, Free], vec![]),
        M::MessageInstantSend | M::MessagePushSend | M::MessageChatSend => {
            (vec![Id, Text, Free], vec![Num::Ignored])
        }
        M::MessageInstantSend2 => (vec![Id, Text, Free, Free], vec![Num::Ignored]),
        M::MessageChannelSend | M::MessageChannelSendForce => (vec![Id, Text, Free], vec![]),
        M::MessageChannelSend2 => (vec![Id, Text, Free, Free], vec![]),
        M::MessageDtmfSend => (vec![Free, Free], vec![Num::Ignored]),
        M::SetBackground | M::SetNetworkStatus => (vec![], vec![Num::Ignored]),
        M::SetAttr => (vec![AttrName, AttrValue], vec![]),
        M::GetAttr => (vec![AttrName], vec![]),
        M::GetUserAttr => (vec![Id, AttrName], vec![]),
        M::GetUserAttrAll | M::QueryUserStatus => (vec![Id], vec![]),
        M::Invoke => (vec![InvokeName, InvokeRequest, Free], vec![]),
        M::BcCall => (vec![Free, Free, Free], vec![]),
        M::Dbg => (vec![Free, Free], vec![]),
    }
}

/// Calls the facade method of a row. Exhaustive over the table.
fn call(sig: &Signaling, rec: &Arc<Recorder>, m: LegacyMethod, s: &[String], n: &[i64]) {
    use LegacyMethod as M;
    let u = |i: usize| n[i] as u32;
    let i = |i: usize| n[i] as i32;
    match m {
        M::CallbackSet => sig.callback_set(Some(rec.clone())),
        M::CallbackGet => assert!(sig.callback_get().is_some()),
        M::Login => sig.login(&s[0], &s[1], &s[2], u(0), &s[3]),
        M::Login2 => sig.login2(&s[0], &s[1], &s[2], u(0), &s[3], i(1), i(2)),
        M::Logout => sig.logout(),
        M::ChannelJoin => sig.channel_join(&s[0]),
        M::ChannelLeave => sig.channel_leave(&s[0]),
        M::ChannelQueryUserNum => sig.channel_query_user_num(&s[0]),
        M::ChannelQueryUserIsIn => sig.channel_query_user_is_in(&s[0], &s[1]),
        M::ChannelSetAttr => sig.channel_set_attr(&s[0], &s[1], &s[2]),
        M::ChannelDelAttr => sig.channel_del_attr(&s[0], &s[1]),
        M::ChannelClearAttr => sig.channel_clear_attr(&s[0]),
        M::ChannelInviteUser => sig.channel_invite_user(&s[0], &s[1], u(0)),
        M::ChannelInviteUser2 => sig.channel_invite_user2(&s[0], &s[1], &s[2]),
        M::ChannelInvitePhone => sig.channel_invite_phone(&s[0], &s[1], u(0)),
        M::ChannelInvitePhone2 => sig.channel_invite_phone2(&s[0], &s[1], &s[2]),
        M::ChannelInvitePhone3 => sig.channel_invite_phone3(&s[0], &s[1], &s[2], &s[3]),
        M::ChannelInviteDtmf => sig.channel_invite_dtmf(&s[0], &s[1], &s[2]),
        M::ChannelInviteAccept => sig.channel_invite_accept(&s[0], &s[1], u(0), &s[2]),
        M::ChannelInviteRefuse => sig.channel_invite_refuse(&s[0], &s[1], u(0), &s[2]),
        M::ChannelInviteEnd => sig.channel_invite_end(&s[0], &s[1], u(0)),
        M::MessageAppSend => sig.message_app_send(&s[0], &s[1]),
        M::MessageInstantSend => sig.message_instant_send(&s[0], u(0), &s[1], &s[2]),
        M::MessageInstantSend2 => sig.message_instant_send2(&s[0], u(0), &s[1], &s[2], &s[3]),
        M::MessageChannelSend => sig.message_channel_send(&s[0], &s[1], &s[2]),
        M::MessageChannelSendForce => sig.message_channel_send_force(&s[0], &s[1], &s[2]),
        M::MessageChannelSend2 => sig.message_channel_send2(&s[0], &s[1], &s[2], &s[3]),
        M::MessagePushSend => sig.message_push_send(&s[0], u(0), &s[1], &s[2]),
        M::MessageChatSend => sig.message_chat_send(&s[0], u(0), &s[1], &s[2]),
        M::MessageDtmfSend => sig.message_dtmf_send(u(0), &s[0], &s[1]),
        M::SetBackground => sig.set_background(u(0)),
        M::SetNetworkStatus => sig.set_network_status(u(0)),
        M::Ping => sig.ping(),
        M::SetAttr => sig.set_attr(&s[0], &s[1]),
        M::GetAttr => sig.get_attr(&s[0]),
        M::GetAttrAll => sig.get_attr_all(),
        M::GetUserAttr => sig.get_user_attr(&s[0], &s[1]),
        M::GetUserAttrAll => sig.get_user_attr_all(&s[0]),
        M::QueryUserStatus => sig.query_user_status(&s[0]),
        M::Invoke => sig.invoke(&s[0], &s[1], &s[2]),
        M::Start => sig.start(),
        M::Stop => sig.stop(),
        M::IsOnline => {
            let _ = sig.is_online();
        }
        M::GetStatus => assert!((0..=3).contains(&sig.get_status())),
        M::GetSdkVersion => assert!(sig.get_sdk_version() >= 1_000_000_000),
        M::BcCall => sig.bc_call(&s[0], &s[1], &s[2]),
        M::Dbg => sig.dbg(&s[0], &s[1]),
        M::Destroy => sig.destroy(),
    }
}

/// Whether the `i`-th string of `m` names a user (the others name channels).
fn names_user(m: LegacyMethod, i: usize) -> bool {
    use LegacyMethod as M;
    matches!(
        (m, i),
        (M::Login | M::Login2, 1)
            | (M::ChannelQueryUserIsIn, 1)
            | (M::ChannelInviteUser | M::ChannelInviteUser2, 1)
            | (
                M::ChannelInviteAccept | M::ChannelInviteRefuse | M::ChannelInviteEnd,
                1
            )
            | (M::ChannelInviteDtmf, 1)
            | (
                M::MessageInstantSend
                    | M::MessageInstantSend2
                    | M::MessagePushSend
                    | M::MessageChatSend
                    | M::GetUserAttr
                    | M::GetUserAttrAll
                    | M::QueryUserStatus,
                0
            )
    )
}

/// A valid value for the `i`-th string of `m`, of `kind`: the instance is "A", its peer "B",
/// the channel "ch".
fn valid(m: LegacyMethod, kind: Kind, i: usize) -> String {
    match kind {
        Kind::AppId => APP.into(),
        Kind::Id if names_user(m, i) => {
            if matches!(m, LegacyMethod::Login | LegacyMethod::Login2) {
                "A".into()
            } else {
                "B".into()
            }
        }
        Kind::Id | Kind::CallChannel => "ch".into(),
        Kind::Text => "hello".into(),
        Kind::AttrName => "topic".into(),
        Kind::AttrValue => "value".into(),
        Kind::InviteExtra => r#"{"k":"v"}"#.into(),
        Kind::AnswerExtra => r#"{"status":0}"#.into(),
        Kind::Digits => "12#".into(),
        Kind::InvokeName => "io.agora.signal.user_query_user_status".into(),
        Kind::InvokeRequest => r#"{"account":"B"}"#.into(),
        Kind::Free => "x".into(),
    }
}

/// The bad-looking values every string parameter is tried with.
fn odd_values() -> Vec<String> {
    vec![
        String::new(),
        "x".repeat(65),
        "y".repeat(40 * 1024),
        "a/b".into(),
        "null".into(),
        "名前\u{0}\t".into(),
        " lead".into(),
        "{\"_timeout\":-5,\"_require_peer_online\":\"x\"}".into(),
    ]
}

/// Whether `value` breaks the rules of `kind` (so the call must be answered with a failure).
fn is_bad(kind: Kind, value: &str) -> bool {
    match kind {
        Kind::AppId => !(value.len() == 32 && value.bytes().all(|b| b.is_ascii_alphanumeric())),
        Kind::Id => check_id(value).is_err(),
        Kind::CallChannel => !value.is_empty() && check_id(value).is_err(),
        Kind::Text => value.len() > MAX_MESSAGE_BYTES,
        Kind::AttrName => value.is_empty() || value.len() > MAX_ATTRIBUTE_KEY_BYTES,
        Kind::AttrValue => value.len() > MAX_ATTRIBUTE_VALUE_BYTES,
        Kind::InviteExtra => {
            value.len() > MAX_INVITATION_TEXT_BYTES
                || (!value.trim().is_empty()
                    && !matches!(
                        serde_json::from_str::<serde_json::Value>(value),
                        Ok(serde_json::Value::Object(_))
                    ))
        }
        Kind::AnswerExtra => value.len() > MAX_INVITATION_TEXT_BYTES,
        Kind::Digits => {
            value.is_empty()
                || !value
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
        }
        Kind::InvokeName => !INVOKES.iter().any(|r| r.name == value),
        Kind::InvokeRequest => !matches!(
            serde_json::from_str::<serde_json::Value>(value),
            Ok(serde_json::Value::Object(_))
        ),
        Kind::Free => false,
    }
}

/// True when the events answer a failure: `on_error` or a failure callback.
fn failure_reported(events: &[LegacyEvent]) -> bool {
    events.iter().any(|e| match e {
        LegacyEvent::Error { .. }
        | LegacyEvent::LoginFailed { .. }
        | LegacyEvent::ChannelJoinFailed { .. }
        | LegacyEvent::MessageSendError { .. }
        | LegacyEvent::InviteFailed { .. } => true,
        LegacyEvent::ChannelQueryUserNumResult { ecode, .. } => *ecode != 0,
        LegacyEvent::InvokeRet { err, .. } => !err.is_empty(),
        LegacyEvent::BcCallResult { reason, .. } => !reason.is_empty(),
        _ => false,
    })
}

fn on_errors(events: &[LegacyEvent]) -> Vec<(String, i32)> {
    events
        .iter()
        .filter_map(|e| match e {
            LegacyEvent::Error { name, ecode, .. } => Some((name.clone(), *ecode)),
            _ => None,
        })
        .collect()
}

fn short(s: &[String]) -> Vec<String> {
    s.iter()
        .map(|v| {
            if v.len() > 20 {
                format!("<{} bytes>", v.len())
            } else {
                format!("{v:?}")
            }
        })
        .collect()
}

/// A world for one row: "A" (the instance under test, logged in unless `before_login`), "B"
/// logged in on another instance; A is in "ch" and has a pending invitation from B on "ch".
async fn world(before_login: bool) -> (System, Signaling, Arc<Recorder>, Signaling) {
    // The pending invitation must outlive the walk of a row (RTM expires it after 60 s).
    let system = System::new(SystemConfig {
        invitation_expiry: Duration::from_secs(24 * 3600),
        ..SystemConfig::default()
    });
    let (b, _rb) = logged_in(&system, "B").await;
    let (a, ra) = if before_login {
        legacy_common::legacy(&system)
    } else {
        let (a, ra) = logged_in(&system, "A").await;
        a.channel_join("ch");
        legacy_common::settle().await;
        b.channel_invite_user("ch", "A", 0);
        tokio::time::sleep(Duration::from_secs(2)).await;
        (a, ra)
    };
    ra.take();
    (system, a, ra, b)
}

/// Calls `m` with `s` / `n` and returns what A heard (logs left out).
async fn run(
    a: &Signaling,
    ra: &Arc<Recorder>,
    m: LegacyMethod,
    s: &[String],
    n: &[i64],
) -> Vec<LegacyEvent> {
    ra.take();
    call(a, ra, m, s, n);
    // Past RTM's 1 s and 2 s rate-limit windows, so one call does not starve the next.
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    ra.events_without_logs()
}

fn valid_args(m: LegacyMethod) -> (Vec<String>, Vec<i64>) {
    let (kinds, nums) = params(m);
    let s = kinds
        .iter()
        .enumerate()
        .map(|(i, k)| valid(m, *k, i))
        .collect();
    let n = nums
        .iter()
        .map(|k| match k {
            Num::Limit => 3,
            Num::Ignored => 0,
        })
        .collect();
    (s, n)
}

/// Every callback the caller heard must be one the row lists in `results`.
fn assert_listed(m: LegacyMethod, events: &[LegacyEvent], args: &[String]) {
    let row = m.row();
    for e in events {
        assert!(
            row.results.contains(&e.legacy_name()),
            "{} {:?}: {} is not in the row's results {:?}",
            row.rust,
            short(args),
            e,
            row.results
        );
    }
}

#[test]
fn walk_covers_every_row_of_the_table() {
    assert_eq!(METHODS.len(), LegacyMethod::ALL.len());
    for (row, m) in METHODS.iter().zip(LegacyMethod::ALL) {
        assert_eq!(LegacyMethod::from_legacy(row.legacy), Some(*m));
        assert_eq!(m.rust_name(), row.rust);
        if row.kind == MethodKind::Unsupported {
            assert!(row.results.contains(&"onError"), "{}", row.rust);
        }
    }
}

#[tokio::test(start_paused = true)]
async fn walk_every_row_with_valid_arguments_after_login() {
    for row in METHODS {
        let m = LegacyMethod::from_legacy(row.legacy).unwrap();
        if m == LegacyMethod::Destroy {
            continue; // destroy has its own walk below
        }
        let (_system, a, ra, _b) = world(false).await;
        let (s, n) = valid_args(m);
        let events = run(&a, &ra, m, &s, &n).await;
        let errors = on_errors(&events);
        match row.kind {
            MethodKind::Unsupported => {
                assert_eq!(errors, vec![(row.rust.to_string(), 1001)], "{}", row.rust)
            }
            _ => assert!(
                errors.is_empty(),
                "{} with valid arguments reported {:?}",
                row.rust,
                events.iter().map(|e| e.to_string()).collect::<Vec<_>>()
            ),
        }
        if m != LegacyMethod::Login && m != LegacyMethod::Login2 {
            assert_listed(m, &events, &s);
        }
        a.destroy();
    }
}

#[tokio::test(start_paused = true)]
async fn walk_every_row_with_bad_arguments_after_login() {
    for row in METHODS {
        let m = LegacyMethod::from_legacy(row.legacy).unwrap();
        let (kinds, nums) = params(m);
        if kinds.is_empty() && nums.is_empty() {
            continue;
        }
        let (_system, a, ra, _b) = world(false).await;
        let (valid_s, valid_n) = valid_args(m);
        for (i, kind) in kinds.iter().enumerate() {
            for value in odd_values() {
                let mut s = valid_s.clone();
                s[i] = value.clone();
                let events = run(&a, &ra, m, &s, &valid_n).await;
                if matches!(m, LegacyMethod::Login | LegacyMethod::Login2) {
                    // S3: a login while logged in is ignored, whatever its arguments, with a
                    // warning that also reaches on_log (T5).
                    assert!(events.is_empty(), "{}: {events:?}", row.rust);
                    assert!(
                        ra.events().iter().any(
                            |e| matches!(e, LegacyEvent::Log { txt } if txt.contains("ignored"))
                        ),
                        "{}: the ignored login logged no warning",
                        row.rust
                    );
                    continue;
                }
                let bad = row.kind == MethodKind::Unsupported || is_bad(*kind, &value);
                if bad {
                    assert!(
                        failure_reported(&events),
                        "{} {:?}: bad {kind:?} argument answered with silence: {:?}",
                        row.rust,
                        short(&s),
                        events.iter().map(|e| e.to_string()).collect::<Vec<_>>()
                    );
                }
                if !matches!(m, LegacyMethod::Login | LegacyMethod::Login2) {
                    assert_listed(m, &events, &s);
                }
            }
        }
        for (i, num) in nums.iter().enumerate() {
            for value in [-1i64, i64::from(i32::MIN), i64::from(i32::MAX)] {
                let mut n = valid_n.clone();
                n[i] = value;
                let events = run(&a, &ra, m, &valid_s, &n).await;
                let bad = row.kind == MethodKind::Unsupported || (*num == Num::Limit && value < 0);
                if bad {
                    assert!(
                        failure_reported(&events),
                        "{} {:?} {n:?}: bad number answered with silence: {:?}",
                        row.rust,
                        short(&valid_s),
                        events
                    );
                }
            }
        }
        a.destroy();
    }
}

#[tokio::test(start_paused = true)]
async fn walk_every_row_before_login_fails_loudly() {
    for row in METHODS {
        let m = LegacyMethod::from_legacy(row.legacy).unwrap();
        let (kinds, _) = params(m);
        let (_system, a, ra, _b) = world(true).await;
        let (valid_s, valid_n) = valid_args(m);
        let mut inputs = vec![valid_s.clone()];
        for i in 0..kinds.len() {
            for value in odd_values() {
                let mut s = valid_s.clone();
                s[i] = value;
                inputs.push(s);
            }
        }
        for s in inputs {
            let events = run(&a, &ra, m, &s, &valid_n).await;
            match row.kind {
                MethodKind::Local => assert!(
                    on_errors(&events).is_empty(),
                    "{}: local rows need no login",
                    row.rust
                ),
                MethodKind::Unsupported => assert!(
                    on_errors(&events).contains(&(row.rust.to_string(), 1001)),
                    "{} {:?}: {:?}",
                    row.rust,
                    short(&s),
                    events
                ),
                _ if matches!(m, LegacyMethod::Login | LegacyMethod::Login2) => {
                    // The login itself: answered one way or the other.
                    assert!(
                        events.iter().any(|e| matches!(
                            e,
                            LegacyEvent::LoginSuccess { .. } | LegacyEvent::LoginFailed { .. }
                        )) || a.get_status() != 0,
                        "{} {:?}: no answer",
                        row.rust,
                        short(&s)
                    );
                    if a.get_status() == 2 {
                        a.logout();
                        tokio::time::sleep(Duration::from_secs(2)).await;
                    }
                }
                _ if m == LegacyMethod::Destroy => {
                    assert!(events.is_empty());
                    break;
                }
                _ => {
                    let errors = on_errors(&events);
                    assert!(
                        !errors.is_empty() && failure_reported(&events),
                        "{} {:?} before login: {:?}",
                        row.rust,
                        short(&s),
                        events
                    );
                    assert!(
                        errors
                            .iter()
                            .all(|(name, code)| name == row.rust
                                && [1003, 1004, 1005].contains(code)),
                        "{} {:?} before login: {errors:?}",
                        row.rust,
                        short(&s)
                    );
                    if is_all_valid(m, &s) {
                        assert!(
                            errors.contains(&(row.rust.to_string(), 1003)),
                            "{}: valid call before login must give 1003, got {errors:?}",
                            row.rust
                        );
                    }
                }
            }
        }
        a.destroy();
    }
}

fn is_all_valid(m: LegacyMethod, s: &[String]) -> bool {
    let (kinds, _) = params(m);
    kinds.iter().zip(s).all(|(k, v)| !is_bad(*k, v))
}

#[tokio::test(start_paused = true)]
async fn walk_destroy_then_every_row_is_a_silent_no_op() {
    let (_system, a, ra, _b) = world(false).await;
    a.destroy();
    for row in METHODS {
        let m = LegacyMethod::from_legacy(row.legacy).unwrap();
        if m == LegacyMethod::CallbackGet {
            continue; // the handler is still readable after destroy
        }
        let (s, n) = valid_args(m);
        let events = run(&a, &ra, m, &s, &n).await;
        assert!(events.is_empty(), "{} after destroy: {events:?}", row.rust);
    }
    assert_eq!(a.get_status(), 0);
}
