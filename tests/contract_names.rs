//! Contract rules N1–N5 (shim-contract.md §1): names, status values, legacy codes, uids and the
//! SDK version of the legacy facade.

mod legacy_common;

use legacy_common::*;
use sig2rtm::mapping::{LegacyCallbackName, LegacyMethod, ERRORS, LEGACY_CODES};
use sig2rtm::signaling::{sdk_version, AgoraECode, LoginState, Signaling, SignalingCallback};
use sig2rtm::system::{System, SystemConfig};
use sig2rtm::transport::{Connector, InProcessConnector, Link};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

fn system() -> System {
    System::new(SystemConfig::default())
}

// ------------------------------------------------------------------------------------- N1

/// `(legacy, rust)` of every method row, each checked at compile time to be a method of
/// `Signaling`.
macro_rules! facade_methods {
    ($(($legacy:ident, $rust:ident, $how:ident, [$($param:tt)*])),* $(,)?) => {
        vec![$({
            let _method = Signaling::$rust;
            (stringify!($legacy), stringify!($rust))
        }),*]
    };
}

#[test]
fn contract_n1_every_method_row_is_a_facade_method_with_its_legacy_alias() {
    // The queued methods are expanded from the rows, with the row's legacy name as their doc
    // alias (the table compiler's tests read them); the facade writes the others itself.
    let methods: Vec<(&str, &str)> = sig2rtm::legacy_methods!(facade_methods);
    let rows: Vec<(&str, &str)> = LegacyMethod::ALL
        .iter()
        .map(|m| (m.legacy_name(), m.rust_name()))
        .collect();
    assert_eq!(methods, rows);
}

/// `(legacy, rust)` of every callback the facade expands, each checked at compile time to be a
/// method of `SignalingCallback`.
macro_rules! trait_methods {
    ($(($legacy:ident, $rust:ident, $variant:ident, [$($arg:tt)*])),* $(,)?) => {
        vec![$({
            let _method = <dyn SignalingCallback>::$rust;
            (stringify!($legacy), stringify!($rust))
        }),*]
    };
}

#[test]
fn contract_n1_every_callback_row_is_a_trait_method_with_its_legacy_alias() {
    // The trait is expanded from the callback rows, each method with the row's legacy name as
    // its doc alias (the table compiler's tests read the aliases of the generated methods).
    let methods: Vec<(&str, &str)> = sig2rtm::legacy_callbacks!(trait_methods);
    let rows: Vec<(&str, &str)> = LegacyCallbackName::ALL
        .iter()
        .map(|c| (c.legacy_name(), c.rust_name()))
        .collect();
    assert_eq!(methods, rows);
}

#[test]
fn contract_n1_rust_names_are_the_snake_case_of_the_contract_examples() {
    // The examples the rule names, by both names; the functions exist with these signatures.
    let examples = [
        ("login2", "login2"),
        ("messageInstantSend", "message_instant_send"),
        ("channelJoin", "channel_join"),
        ("channelInviteUser2", "channel_invite_user2"),
        ("getStatus", "get_status"),
        ("callbackSet", "callback_set"),
    ];
    for (legacy, rust) in examples {
        let m = LegacyMethod::from_legacy(legacy).unwrap_or_else(|| panic!("{legacy} row"));
        assert_eq!(m.rust_name(), rust);
    }
    assert_eq!(
        LegacyCallbackName::from_legacy("onLoginSuccess").map(|c| c.rust_name()),
        Some("on_login_success")
    );
    let _: fn(&Signaling, &str, &str, &str, u32, &str, i32, i32) = Signaling::login2;
    let _: fn(&Signaling, &str, u32, &str, &str) = Signaling::message_instant_send;
    let _: fn(&Signaling, &str) = Signaling::channel_join;
    let _: fn(&Signaling, &str, &str, &str) = Signaling::channel_invite_user2;
    let _: fn(&Signaling) -> i32 = Signaling::get_status;
    let _: fn(&Signaling, Option<Arc<dyn SignalingCallback>>) = Signaling::callback_set;
}

// ------------------------------------------------------------------------------------- N2

/// Reaches `system`, but every connection takes `delay` to open.
struct SlowConnector {
    inner: InProcessConnector,
    delay: Duration,
}

#[async_trait::async_trait]
impl Connector for SlowConnector {
    async fn connect(&self) -> std::io::Result<Link> {
        tokio::time::sleep(self.delay).await;
        self.inner.connect().await
    }

    fn describe(&self) -> String {
        "slow embedded system".into()
    }
}

#[test]
fn contract_n2_login_states_have_the_native_numbers() {
    assert_eq!(LoginState::NotLogin as i32, 0);
    assert_eq!(LoginState::Logining as i32, 1);
    assert_eq!(LoginState::Logined as i32, 2);
    assert_eq!(LoginState::Reconnecting as i32, 3);
}

#[tokio::test(start_paused = true)]
async fn contract_n2_get_status_is_0_then_1_while_logging_in_then_2_then_0() {
    let system = system();
    let slow = SlowConnector {
        inner: InProcessConnector::new(system.clone()),
        delay: Duration::from_secs(1),
    };
    let (sig, rec) = legacy_with(config(&system).connector(Arc::new(slow)));
    assert_eq!(sig.get_status(), 0);
    assert!(!sig.is_online());

    sig.login2(APP, "alice", "_no_need_token", 0, "", 30, 3);
    settle().await;
    assert_eq!(sig.get_status(), 1, "logging in while the connection opens");
    assert_eq!(sig.login_state(), LoginState::Logining);
    assert!(!sig.is_online());

    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        transcript(&rec),
        [format!("onLoginSuccess({}, 1)", uid("alice"))]
    );
    assert_eq!(sig.get_status(), 2);
    assert!(sig.is_online());

    sig.logout();
    settle().await;
    assert_eq!(sig.get_status(), 0);
    assert!(!sig.is_online());
    // State 3 (reconnecting) is covered with rule S5.
}

// ------------------------------------------------------------------------------------- N3

/// signaling-legacy.md §5, in order.
const SPEC_CODES: &[(&str, i32)] = &[
    ("SUCCESS", 0),
    ("LOGOUT_E_OTHER", 100),
    ("LOGOUT_E_USER", 101),
    ("LOGOUT_E_NET", 102),
    ("LOGOUT_E_KICKED", 103),
    ("LOGOUT_E_PACKET", 104),
    ("LOGOUT_E_TOKENEXPIRED", 105),
    ("LOGOUT_E_OLDVERSION", 106),
    ("LOGOUT_E_TOKENWRONG", 107),
    ("LOGOUT_E_ALREADY_LOGOUT", 108),
    ("LOGIN_E_OTHER", 200),
    ("LOGIN_E_NET", 201),
    ("LOGIN_E_FAILED", 202),
    ("LOGIN_E_CANCEL", 203),
    ("LOGIN_E_TOKENEXPIRED", 204),
    ("LOGIN_E_OLDVERSION", 205),
    ("LOGIN_E_TOKENWRONG", 206),
    ("LOGIN_E_TOKEN_KICKED", 207),
    ("LOGIN_E_ALREADY_LOGIN", 208),
    ("LOGIN_E_INVALID_USER", 209),
    ("JOINCHANNEL_E_OTHER", 300),
    ("SENDMESSAGE_E_OTHER", 400),
    ("SENDMESSAGE_E_TIMEOUT", 401),
    ("QUERYUSERNUM_E_OTHER", 500),
    ("QUERYUSERNUM_E_TIMEOUT", 501),
    ("QUERYUSERNUM_E_BYUSER", 502),
    ("LEAVECHANNEL_E_OTHER", 600),
    ("LEAVECHANNEL_E_KICKED", 601),
    ("LEAVECHANNEL_E_BYUSER", 602),
    ("LEAVECHANNEL_E_LOGOUT", 603),
    ("LEAVECHANNEL_E_DISCONN", 604),
    ("INVITE_E_OTHER", 700),
    ("INVITE_E_REINVITE", 701),
    ("INVITE_E_NET", 702),
    ("INVITE_E_PEEROFFLINE", 703),
    ("INVITE_E_TIMEOUT", 704),
    ("INVITE_E_CANTRECV", 705),
    ("GENERAL_E", 1000),
    ("GENERAL_E_FAILED", 1001),
    ("GENERAL_E_UNKNOWN", 1002),
    ("GENERAL_E_NOT_LOGIN", 1003),
    ("GENERAL_E_WRONG_PARAM", 1004),
    ("GENERAL_E_LARGE_PARAM", 1005),
];

#[test]
fn contract_n3_agora_e_code_is_the_spec_table_exactly() {
    let enum_codes: Vec<(&str, i32)> = AgoraECode::ALL
        .iter()
        .map(|c| (c.name(), c.code()))
        .collect();
    assert_eq!(enum_codes, SPEC_CODES);
    for &(name, code) in SPEC_CODES {
        let c = AgoraECode::from_code(code).unwrap_or_else(|| panic!("no code {code}"));
        assert_eq!((c.name(), c as i32), (name, code));
    }
    assert_eq!(AgoraECode::QueryusernumEByuser.code(), 502);
    assert_eq!(AgoraECode::GeneralELargeParam.code(), 1005);
    assert_eq!(AgoraECode::QueryusernumETimeout.code(), 501);
    assert_eq!(AgoraECode::from_code(503), None);
    assert_eq!(AgoraECode::from_code(1006), None);
}

#[test]
fn contract_n3_mapping_legacy_codes_agree_with_agora_e_code() {
    let table: Vec<(&str, i32)> = LEGACY_CODES.iter().map(|r| (r.name, r.code)).collect();
    let mut sorted = table.clone();
    sorted.sort_by_key(|&(_, code)| code);
    assert_eq!(
        sorted, SPEC_CODES,
        "mapping/errors.toml [[legacy_code]] rows"
    );
    assert_eq!(table.len(), AgoraECode::ALL.len());
}

#[test]
fn contract_n3_every_rtm_error_translates_to_a_legacy_code() {
    let legacy: BTreeSet<i32> = SPEC_CODES.iter().map(|&(_, c)| c).collect();
    for row in ERRORS {
        let code = AgoraECode::from_code(row.legacy_code).unwrap_or_else(|| {
            panic!(
                "{}_{} → {} is no legacy code",
                row.rtm_enum, row.rtm_name, row.legacy_code
            )
        });
        assert_eq!(
            code.name(),
            row.legacy_name,
            "{}_{}",
            row.rtm_enum,
            row.rtm_name
        );
        assert!(legacy.contains(&row.legacy_code));
        if let Some(general) = row.on_error_code {
            assert!(
                (1000..=1005).contains(&general),
                "{}_{}: on_error {general} is not a GENERAL_E code",
                row.rtm_enum,
                row.rtm_name
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn contract_n3_rtm_failures_reach_callbacks_as_legacy_codes() {
    // Each of these fails inside RTM with an RTM code of its own enum (INVALID_USERID 4,
    // INVALID_ARGUMENT 3, NOT_IN_CHANNEL…); only legacy codes may come out.
    let system = system();
    let (a, rec) = logged_in(&system, "alice").await;
    a.message_instant_send("bad peer/id", 0, "hi", "m1");
    settle().await;
    assert_eq!(
        transcript(&rec),
        [
            r#"onMessageSendError("m1", 400)"#,
            r#"onError("message_instant_send", 1004, "")"#,
        ]
    );
    rec.take();
    a.channel_join("bad/channel");
    settle().await;
    assert_eq!(
        transcript(&rec),
        [
            r#"onChannelJoinFailed("bad/channel", 300)"#,
            r#"onError("channel_join", 1004, "")"#,
        ]
    );
    rec.take();
    a.message_channel_send("not-joined", "hi", "m2");
    settle().await;
    assert_eq!(
        transcript(&rec),
        [
            r#"onMessageSendError("m2", 400)"#,
            r#"onError("message_channel_send", 1001, "")"#,
        ]
    );
}

// ------------------------------------------------------------------------------------- N4

#[tokio::test(start_paused = true)]
async fn contract_n4_uids_are_stable_non_zero_and_the_same_everywhere() {
    let system1 = system();
    let (a, ra) = legacy(&system1);
    // The uid passed in is ignored.
    a.login2(APP, "A", "_no_need_token", 4242, "", 30, 3);
    settle().await;
    let uid_a = uid("A");
    assert_eq!(uid_a, 3_289_118_412, "the uid of an account never changes");
    assert_eq!(transcript(&ra), [format!("onLoginSuccess({uid_a}, 1)")]);
    ra.take();

    let (b, rb) = logged_in(&system1, "B").await;
    b.channel_join("ch");
    settle().await;
    a.channel_join("ch");
    settle().await;
    a.message_channel_send("ch", "to all", "m1");
    settle().await;
    assert_eq!(
        transcript(&ra),
        [
            r#"onChannelJoined("ch")"#.to_string(),
            format!(r#"onChannelUserList(["B", "A"], [{}, {uid_a}])"#, uid("B")),
            r#"onMessageSendSuccess("m1")"#.to_string(),
            format!(r#"onMessageChannelReceive("ch", "A", {uid_a}, "to all")"#),
        ]
    );
    assert_eq!(
        &transcript(&rb)[2..],
        [
            format!(r#"onChannelUserJoined("A", {uid_a})"#),
            format!(r#"onMessageChannelReceive("ch", "A", {uid_a}, "to all")"#),
        ]
    );

    // A second system, a second instance: the same account has the same uid.
    let system2 = system();
    let (a2, ra2) = legacy(&system2);
    a2.login2(APP, "A", "", 77, "", 30, 3);
    settle().await;
    assert_eq!(transcript(&ra2), [format!("onLoginSuccess({uid_a}, 1)")]);

    // Many accounts: all non-zero, all distinct, the same in every member's view.
    let mut sigs = Vec::new();
    for i in 0..30 {
        let (s, _) = logged_in(&system1, &format!("user-{i}")).await;
        s.channel_join("many");
        settle().await;
        sigs.push(s);
    }
    let (c, rc) = logged_in(&system1, "C").await;
    c.channel_join("many");
    settle().await;
    let list = rc
        .events_without_logs()
        .into_iter()
        .find_map(|e| match e {
            sig2rtm::signaling::LegacyEvent::ChannelUserList { accounts, uids } => {
                Some((accounts, uids))
            }
            _ => None,
        })
        .expect("a user list");
    assert_eq!(list.0.len(), 31);
    for (account, u) in list.0.iter().zip(&list.1) {
        assert_ne!(*u, 0);
        assert_eq!(*u, uid(account), "{account}");
    }
    let distinct: BTreeSet<u32> = list.1.iter().copied().collect();
    assert_eq!(distinct.len(), 31);
}

#[tokio::test(start_paused = true)]
async fn contract_n4_instant_receive_always_passes_uid_0() {
    let system = system();
    let (a, _ra) = logged_in(&system, "A").await;
    let (_b, rb) = logged_in(&system, "B").await;
    a.message_instant_send("B", uid("B"), "one", "m1");
    a.message_instant_send("B", 0, "two", "m2");
    settle().await;
    assert_eq!(
        transcript(&rb),
        [
            r#"onMessageInstantReceive("A", 0, "one")"#,
            r#"onMessageInstantReceive("A", 0, "two")"#,
        ]
    );
}

// ------------------------------------------------------------------------------------- N5

#[tokio::test(start_paused = true)]
async fn contract_n5_sdk_version_encodes_the_crate_version() {
    let part = |s: &str| s.parse::<i32>().unwrap();
    let expected = 1_000_000_000
        + part(env!("CARGO_PKG_VERSION_MAJOR")) * 10_000_000
        + part(env!("CARGO_PKG_VERSION_MINOR")) * 100_000
        + part(env!("CARGO_PKG_VERSION_PATCH")) * 1_000;
    assert_eq!(sdk_version(), expected);
    let (sig, rec) = legacy(&system());
    assert_eq!(sig.get_sdk_version(), expected);
    // Decimal digits 2, 4 and 6 give the version, as the legacy Android tutorial reads them.
    let digits = expected.to_string();
    assert_eq!(digits.len(), 10);
    let at = |i: usize| &digits[i..i + 1];
    assert_eq!(
        at(2),
        env!("CARGO_PKG_VERSION_MAJOR")
            .chars()
            .last()
            .unwrap()
            .to_string()
    );
    assert_eq!(
        at(4),
        env!("CARGO_PKG_VERSION_MINOR")
            .chars()
            .last()
            .unwrap()
            .to_string()
    );
    assert_eq!(
        at(6),
        env!("CARGO_PKG_VERSION_PATCH")
            .chars()
            .last()
            .unwrap()
            .to_string()
    );
    // The spec's own example: 1.1.4.19 → 1010104019.
    assert_eq!(
        1_000_000_000 + 10_000_000 + 100_000 + 4 * 1_000 + 19,
        1_010_104_019
    );
    settle().await;
    assert!(transcript(&rec).is_empty(), "a local call fires nothing");
}
