//! The mapping tables hold every legacy name of the specs, with the translations the contract
//! asks for. The name lists below are copied by hand from spec/signaling-legacy.md §2 and §3
//! (cross-checked against spec/legacy-cpp-api.md), so a dropped or renamed row fails here.

use std::collections::BTreeSet;

use sig2rtm::mapping::*;
use sig2rtm_tables::snake_case;

/// Every IAgoraAPI method of signaling-legacy.md §2.1–§2.8 and legacy-cpp-api.md. The iOS-only
/// `channelJoin:dynamicKey:` selector and `uid` property of §2.7 are not C++ methods and have no row.
const SPEC_METHODS: &[&str] = &[
    // §2.1 session (+ callbackSet, callbackGet, destroy from §1.1 and the C++ header)
    "callbackSet",
    "callbackGet",
    "login",
    "login2",
    "logout",
    "getStatus",
    "isOnline",
    "getSdkVersion",
    "destroy",
    // §2.2 user attributes and presence
    "queryUserStatus",
    "setAttr",
    "getAttr",
    "getAttrAll",
    "getUserAttr",
    "getUserAttrAll",
    // §2.3 messages
    "messageInstantSend",
    "messageChannelSend",
    "messageChannelSendForce",
    "messageInstantSend2",
    "messageChannelSend2",
    "messageAppSend",
    "messagePushSend",
    "messageChatSend",
    "messageDTMFSend",
    // §2.4 channels
    "channelJoin",
    "channelLeave",
    "channelQueryUserNum",
    "channelQueryUserIsIn",
    "channelSetAttr",
    "channelDelAttr",
    "channelClearAttr",
    // §2.5 calls
    "channelInviteUser",
    "channelInviteUser2",
    "channelInviteAccept",
    "channelInviteRefuse",
    "channelInviteEnd",
    "channelInviteDTMF",
    "channelInvitePhone",
    "channelInvitePhone2",
    "channelInvitePhone3",
    // §2.6 invoke
    "invoke",
    // §2.7 other undocumented methods
    "setBackground",
    "setNetworkStatus",
    "ping",
    "bc_call",
    "dbg",
    "start",
    "stop",
];

/// Every ICallBack callback of signaling-legacy.md §3 / legacy-cpp-api.md, in header order.
const SPEC_CALLBACKS: &[&str] = &[
    "onReconnecting",
    "onReconnected",
    "onLoginSuccess",
    "onLogout",
    "onLoginFailed",
    "onChannelJoined",
    "onChannelJoinFailed",
    "onChannelLeaved",
    "onChannelUserJoined",
    "onChannelUserLeaved",
    "onChannelUserList",
    "onChannelQueryUserNumResult",
    "onChannelQueryUserIsIn",
    "onChannelAttrUpdated",
    "onInviteReceived",
    "onInviteReceivedByPeer",
    "onInviteAcceptedByPeer",
    "onInviteRefusedByPeer",
    "onInviteFailed",
    "onInviteEndByPeer",
    "onInviteEndByMyself",
    "onInviteMsg",
    "onMessageSendError",
    "onMessageSendProgress",
    "onMessageSendSuccess",
    "onMessageAppReceived",
    "onMessageInstantReceive",
    "onMessageChannelReceive",
    "onLog",
    "onInvokeRet",
    "onMsg",
    "onUserAttrResult",
    "onUserAttrAllResult",
    "onError",
    "onQueryUserStatusResult",
    "onDbg",
    "onBCCall_result",
];

/// The `io.agora.signal.*` functions of signaling-legacy.md §2.6.
const SPEC_INVOKES: &[&str] = &[
    "io.agora.signal.user_query_user_status",
    "io.agora.signal.user_set_attr",
    "io.agora.signal.user_get_attr",
    "io.agora.signal.user_get_attr_all",
    "io.agora.signal.channel_query_num",
    "io.agora.signal.channel_query_user_isin",
    "io.agora.signal.channel_query_userlist",
    "io.agora.signal.channel_query_userlist_all",
    "io.agora.signal.channel_clear_attr",
    "io.agora.signal.channel_del_attr",
    "io.agora.signal.channel_set_attr",
];

/// Every rule id of spec/shim-contract.md.
const CONTRACT_RULES: &[&str] = &[
    "N1", "N2", "N3", "N4", "N5", "S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "C1", "C2", "C3",
    "C4", "C5", "C6", "C7", "C8", "C9", "C10", "C11", "M1", "M2", "M3", "M4", "I1", "I2", "I3",
    "I4", "I5", "I6", "Q1", "Q2", "Q3", "Q4", "T1", "T2", "T3", "T4", "T5",
];

/// Rules that hold for every row alike, so no single row lists them: N1 (names, checked
/// below for all rows), T1 (no legacy method blocks) and T4 (no operation delays another).
const RULES_FOR_ALL_ROWS: &[&str] = &["N1", "T1", "T4"];

/// Legacy names whose Rust name is not the plain snake_case of the legacy name (N1).
/// Empty: every name converts by rule, acronyms included (`onBCCall_result` ->
/// `on_bc_call_result`, `channelInviteDTMF` -> `channel_invite_dtmf`).
const SNAKE_CASE_EXCEPTIONS: &[(&str, &str)] = &[];

/// Direct or emulated methods that fire no callback at all: `destroy` (S8 forbids any
/// callback once it returns).
const SILENT_METHODS: &[&str] = &["destroy"];

fn expected_rust_name(legacy: &str) -> String {
    SNAKE_CASE_EXCEPTIONS
        .iter()
        .find(|(l, _)| *l == legacy)
        .map(|(_, r)| r.to_string())
        .unwrap_or_else(|| snake_case(legacy))
}

fn assert_same_names(what: &str, table: &[&str], spec: &[&str]) {
    let table_set: BTreeSet<&str> = table.iter().copied().collect();
    let spec_set: BTreeSet<&str> = spec.iter().copied().collect();
    let missing: Vec<_> = spec_set.difference(&table_set).collect();
    let extra: Vec<_> = table_set.difference(&spec_set).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: missing from the table {missing:?}; not in the spec {extra:?}"
    );
    assert_eq!(table.len(), table_set.len(), "{what}: a name appears twice");
}

#[test]
fn every_spec_method_has_exactly_one_row() {
    let names: Vec<&str> = METHODS.iter().map(|m| m.legacy).collect();
    assert_same_names("methods", &names, SPEC_METHODS);
    assert_eq!(METHODS.len(), 48);
}

#[test]
fn every_spec_callback_has_exactly_one_row() {
    let names: Vec<&str> = CALLBACKS.iter().map(|c| c.legacy).collect();
    assert_same_names("callbacks", &names, SPEC_CALLBACKS);
    assert_eq!(CALLBACKS.len(), 37);
}

#[test]
fn every_spec_invoke_function_has_exactly_one_row() {
    let names: Vec<&str> = INVOKES.iter().map(|v| v.name).collect();
    assert_same_names("invoke functions", &names, SPEC_INVOKES);
}

#[test]
fn rust_names_are_the_snake_case_of_legacy_names() {
    for m in METHODS {
        assert_eq!(m.rust, expected_rust_name(m.legacy), "method {}", m.legacy);
    }
    for c in CALLBACKS {
        assert_eq!(
            c.rust,
            expected_rust_name(c.legacy),
            "callback {}",
            c.legacy
        );
    }
    assert_eq!(method_by_legacy("login2").unwrap().rust, "login2");
    assert_eq!(
        method_by_legacy("channelInviteUser2").unwrap().rust,
        "channel_invite_user2"
    );
    assert_eq!(
        method_by_legacy("channelInviteDTMF").unwrap().rust,
        "channel_invite_dtmf"
    );
    assert_eq!(
        method_by_legacy("getSdkVersion").unwrap().rust,
        "get_sdk_version"
    );
    assert_eq!(
        method_by_legacy("callbackSet").unwrap().rust,
        "callback_set"
    );
    assert_eq!(
        method_by_legacy("queryUserStatus").unwrap().rust,
        "query_user_status"
    );
    assert_eq!(
        callback_by_legacy("onBCCall_result").unwrap().rust,
        "on_bc_call_result"
    );
    assert_eq!(
        callback_by_legacy("onLoginSuccess").unwrap().rust,
        "on_login_success"
    );
}

#[test]
fn no_two_rows_share_a_name() {
    let (mut legacy, mut rust) = (BTreeSet::new(), BTreeSet::new());
    for m in METHODS {
        assert!(
            legacy.insert(m.legacy),
            "method legacy name {} twice",
            m.legacy
        );
        assert!(rust.insert(m.rust), "method rust name {} twice", m.rust);
    }
    let (mut legacy, mut rust) = (BTreeSet::new(), BTreeSet::new());
    for c in CALLBACKS {
        assert!(
            legacy.insert(c.legacy),
            "callback legacy name {} twice",
            c.legacy
        );
        assert!(rust.insert(c.rust), "callback rust name {} twice", c.rust);
    }
    let mut seen = BTreeSet::new();
    for e in RTM_EVENTS {
        assert!(
            seen.insert((e.scope, e.rtm)),
            "RTM event {} {} twice",
            e.scope,
            e.rtm
        );
    }
    let mut by_name = BTreeSet::new();
    let mut by_code = BTreeSet::new();
    for e in ERRORS {
        assert!(
            by_name.insert((e.rtm_enum, e.rtm_name)),
            "{}::{} twice",
            e.rtm_enum,
            e.rtm_name
        );
        assert!(
            by_code.insert((e.rtm_enum, e.rtm_code)),
            "{} code {} twice",
            e.rtm_enum,
            e.rtm_code
        );
    }
}

#[test]
fn kinds_decide_which_fields_are_filled() {
    for m in METHODS {
        match m.kind {
            MethodKind::Direct | MethodKind::Emulated => {
                assert!(
                    !m.rtm.is_empty(),
                    "{} ({}) lists no RTM operation",
                    m.legacy,
                    m.kind
                );
                assert!(
                    !m.contract.is_empty(),
                    "{} ({}) cites no contract rule",
                    m.legacy,
                    m.kind
                );
                if !SILENT_METHODS.contains(&m.legacy) {
                    assert!(
                        !m.results.is_empty(),
                        "{} ({}) fires no callback",
                        m.legacy,
                        m.kind
                    );
                }
            }
            MethodKind::Local => {
                assert!(m.rtm.is_empty(), "local {} must not use RTM", m.legacy);
            }
            MethodKind::Unsupported => {
                assert!(
                    m.rtm.is_empty(),
                    "unsupported {} must not use RTM",
                    m.legacy
                );
                assert!(
                    m.results.contains(&"onError"),
                    "unsupported {} must fail with onError",
                    m.legacy
                );
                assert!(
                    !m.contract.is_empty(),
                    "unsupported {} cites no contract rule",
                    m.legacy
                );
            }
        }
        assert!(!m.note.trim().is_empty(), "{} has no note", m.legacy);
    }
}

#[test]
fn kinds_follow_the_contract() {
    let kind = |name: &str| method_by_legacy(name).unwrap().kind;
    assert_eq!(kind("messageInstantSend"), MethodKind::Direct);
    assert_eq!(
        kind("channelJoin"),
        MethodKind::Emulated,
        "user list on join (C1)"
    );
    assert_eq!(
        kind("messageChannelSend"),
        MethodKind::Emulated,
        "echo (C5)"
    );
    assert_eq!(
        kind("messageChannelSendForce"),
        MethodKind::Emulated,
        "transient join (C6)"
    );
    assert_eq!(kind("channelQueryUserNum"), MethodKind::Emulated, "C7");
    assert_eq!(kind("channelInviteDTMF"), MethodKind::Emulated, "I6");
    assert_eq!(kind("channelInviteEnd"), MethodKind::Emulated, "I5");
    for pstn in [
        "channelInvitePhone",
        "channelInvitePhone2",
        "channelInvitePhone3",
    ] {
        assert_eq!(
            kind(pstn),
            MethodKind::Unsupported,
            "{pstn}: no PSTN in RTM"
        );
    }
    assert_eq!(kind("setBackground"), MethodKind::Unsupported);
    for local in ["getStatus", "getSdkVersion", "callbackSet", "callbackGet"] {
        assert_eq!(kind(local), MethodKind::Local, "{local}");
    }
    assert_eq!(
        method_by_legacy("messageInstantSend").unwrap().rtm,
        &["createMessage", "sendMessageToPeer"]
    );
}

#[test]
fn every_named_callback_exists() {
    for m in METHODS {
        for r in m.results {
            assert!(
                callback_by_legacy(r).is_some(),
                "{} results: unknown {r}",
                m.legacy
            );
        }
    }
    for e in RTM_EVENTS {
        for d in e.drives {
            assert!(
                callback_by_legacy(d).is_some(),
                "{} drives: unknown {d}",
                e.rtm
            );
        }
        if e.drives.is_empty() {
            assert!(
                !e.note.trim().is_empty(),
                "{} drives nothing and says not why",
                e.rtm
            );
        }
    }
    for c in LEGACY_CODES {
        assert!(
            c.carrier.is_empty() || callback_by_legacy(c.carrier).is_some(),
            "{} carrier {} unknown",
            c.name,
            c.carrier
        );
    }
}

/// Callbacks fed by the shim's own machinery rather than by a method result or an RTM event:
/// `onLog` carries the shim's log lines (T5).
const SHIM_FED_CALLBACKS: &[&str] = &["onLog"];

#[test]
fn every_produced_callback_has_a_source() {
    for c in CALLBACKS
        .iter()
        .filter(|c| !SHIM_FED_CALLBACKS.contains(&c.legacy))
    {
        let from_method = METHODS.iter().any(|m| m.results.contains(&c.legacy));
        let from_event = RTM_EVENTS.iter().any(|e| e.drives.contains(&c.legacy));
        if c.is_produced() {
            assert!(
                from_method || from_event,
                "{} is said to be produced, but no method result or RTM event names it",
                c.legacy
            );
        } else {
            assert!(
                !from_method && !from_event,
                "{} is marked never produced, yet a row names it",
                c.legacy
            );
        }
    }
}

#[test]
fn contract_ids_are_known_and_every_rule_is_mapped() {
    let mut cited = BTreeSet::new();
    let method_ids = METHODS.iter().flat_map(|m| m.contract.iter());
    let callback_ids = CALLBACKS.iter().flat_map(|c| c.contract.iter());
    for id in method_ids.chain(callback_ids) {
        assert!(CONTRACT_RULES.contains(id), "unknown contract rule {id}");
        cited.insert(*id);
    }
    for rule in CONTRACT_RULES {
        assert!(
            cited.contains(rule) || RULES_FOR_ALL_ROWS.contains(rule),
            "contract rule {rule} is not cited by any row"
        );
    }
}

#[test]
fn all_rtm_events_of_the_spec_have_rows() {
    use RtmEventScope::*;
    let expected = [
        (Client, "onLoginSuccess"),
        (Client, "onLoginFailure"),
        (Client, "onLogout"),
        (Client, "onConnectionStateChanged"),
        (Client, "onRenewTokenResult"),
        (Client, "onTokenExpired"),
        (Client, "onSendMessageResult"),
        (Client, "onMessageReceivedFromPeer"),
        (Client, "onPeersOnlineStatusChanged"),
        (Client, "onQueryPeersOnlineStatusResult"),
        (Client, "onSubscriptionRequestResult"),
        (Client, "onQueryPeersBySubscriptionOptionResult"),
        (Client, "onSetLocalUserAttributesResult"),
        (Client, "onAddOrUpdateLocalUserAttributesResult"),
        (Client, "onDeleteLocalUserAttributesResult"),
        (Client, "onClearLocalUserAttributesResult"),
        (Client, "onGetUserAttributesResult"),
        (Client, "onSetChannelAttributesResult"),
        (Client, "onAddOrUpdateChannelAttributesResult"),
        (Client, "onDeleteChannelAttributesResult"),
        (Client, "onClearChannelAttributesResult"),
        (Client, "onGetChannelAttributesResult"),
        (Client, "onGetChannelMemberCountResult"),
        (Client, "onImageMessageReceivedFromPeer"),
        (Client, "onFileMessageReceivedFromPeer"),
        (Client, "onMediaUploadingProgress"),
        (Client, "onMediaDownloadingProgress"),
        (Channel, "onJoinSuccess"),
        (Channel, "onJoinFailure"),
        (Channel, "onLeave"),
        (Channel, "onMessageReceived"),
        (Channel, "onSendMessageResult"),
        (Channel, "onMemberJoined"),
        (Channel, "onMemberLeft"),
        (Channel, "onGetMembers"),
        (Channel, "onAttributesUpdated"),
        (Channel, "onMemberCountUpdated"),
        (Channel, "onImageMessageReceived"),
        (Channel, "onFileMessageReceived"),
        (Call, "onLocalInvitationReceivedByPeer"),
        (Call, "onLocalInvitationAccepted"),
        (Call, "onLocalInvitationRefused"),
        (Call, "onLocalInvitationCanceled"),
        (Call, "onLocalInvitationFailure"),
        (Call, "onRemoteInvitationReceived"),
        (Call, "onRemoteInvitationAccepted"),
        (Call, "onRemoteInvitationRefused"),
        (Call, "onRemoteInvitationCanceled"),
        (Call, "onRemoteInvitationFailure"),
    ];
    for (scope, name) in expected {
        assert!(
            rtm_event(scope, name).is_some(),
            "no row for {scope} event {name}"
        );
    }
    assert_eq!(RTM_EVENTS.iter().filter(|e| e.scope == Call).count(), 10);
    let drives = |scope, name| rtm_event(scope, name).unwrap().drives;
    assert!(drives(Channel, "onMemberJoined").contains(&"onChannelUserJoined"));
    assert!(drives(Client, "onMessageReceivedFromPeer").contains(&"onMessageInstantReceive"));
    assert!(drives(Call, "onRemoteInvitationReceived").contains(&"onInviteReceived"));
    assert!(drives(Client, "onConnectionStateChanged").contains(&"onReconnecting"));
}

/// Looks up a translation by RTM value name and checks its legacy code.
fn translates(rtm_enum: &str, rtm_name: &str, legacy_code: i32) -> &'static ErrorRow {
    let row = legacy_error_by_name(rtm_enum, rtm_name)
        .unwrap_or_else(|| panic!("no row for {rtm_enum}::{rtm_name}"));
    assert_eq!(
        row.legacy_code, legacy_code,
        "{rtm_enum}::{rtm_name} should become {legacy_code}, not {} ({})",
        row.legacy_code, row.legacy_name
    );
    assert_eq!(legacy_error_for(rtm_enum, row.rtm_code), Some(row));
    row
}

#[test]
fn peer_message_errors_follow_m1() {
    let unreachable = translates("PEER_MESSAGE_ERR_CODE", "PEER_UNREACHABLE", 400);
    assert_eq!(unreachable.legacy_name, "SENDMESSAGE_E_OTHER");
    assert_eq!(unreachable.rtm_code, 3);
    translates("PEER_MESSAGE_ERR_CODE", "FAILURE", 400);
    let timeout = translates("PEER_MESSAGE_ERR_CODE", "SENT_TIMEOUT", 401);
    assert_eq!(timeout.legacy_name, "SENDMESSAGE_E_TIMEOUT");
    let cached = translates("PEER_MESSAGE_ERR_CODE", "CACHED_BY_SERVER", 0);
    assert!(cached.success, "CACHED_BY_SERVER counts as sent (M1)");
    let bad_id = translates("PEER_MESSAGE_ERR_CODE", "INVALID_USERID", 400);
    assert_eq!(
        bad_id.on_error_code,
        Some(1004),
        "invalid argument: 400 plus on_error"
    );
    let too_big = translates("PEER_MESSAGE_ERR_CODE", "INVALID_MESSAGE", 400);
    assert_eq!(
        too_big.on_error_code,
        Some(1005),
        "oversized message: on_error 1005 (M3)"
    );
}

#[test]
fn invitation_errors_follow_i3() {
    assert_eq!(
        translates("LOCAL_INVITATION_ERR_CODE", "PEER_OFFLINE", 703).rtm_code,
        1
    );
    assert_eq!(
        translates("LOCAL_INVITATION_ERR_CODE", "PEER_NO_RESPONSE", 704).rtm_code,
        2
    );
    assert_eq!(
        translates("LOCAL_INVITATION_ERR_CODE", "INVITATION_EXPIRE", 704).rtm_code,
        3
    );
    assert_eq!(
        translates("LOCAL_INVITATION_ERR_CODE", "NOT_LOGGEDIN", 702).rtm_code,
        4
    );
}

#[test]
fn join_errors_follow_c2_and_c3() {
    let limit = translates("JOIN_CHANNEL_ERR", "EXCEED_LIMIT", 300);
    assert_eq!(limit.rtm_code, 5);
    assert!(
        limit.on_error_code.is_some(),
        "the 21st join also explains itself on onError (C2)"
    );
    assert!(
        translates("JOIN_CHANNEL_ERR", "ALREADY_JOINED", 0).success,
        "rejoin replays (C3)"
    );
    translates("JOIN_CHANNEL_ERR", "FAILURE", 300);
}

#[test]
fn login_errors_follow_s2() {
    assert!(translates("LOGIN_ERR_CODE", "TIMEOUT", 201).transient);
    assert!(!translates("LOGIN_ERR_CODE", "INVALID_TOKEN", 206).transient);
    assert!(!translates("LOGIN_ERR_CODE", "TOKEN_EXPIRED", 204).transient);
    assert!(!translates("LOGIN_ERR_CODE", "REJECTED", 202).transient);
    translates("LOGIN_ERR_CODE", "INVALID_ARGUMENT", 209);
}

#[test]
fn error_rows_agree_with_the_legacy_code_list() {
    // SUCCESS, 100..=108, 200..=209, 300, 400..=401, 500..=502, 600..=604, 700..=705, 1000..=1005.
    assert_eq!(LEGACY_CODES.len(), 43);
    assert_eq!(
        legacy_code_by_name("QUERYUSERNUM_E_BYUSER").unwrap().code,
        502,
        "N3"
    );
    assert_eq!(
        legacy_code_by_name("GENERAL_E_LARGE_PARAM").unwrap().code,
        1005,
        "N3"
    );
    assert_eq!(
        legacy_code_by_value(703).unwrap().name,
        "INVITE_E_PEEROFFLINE"
    );
    for e in ERRORS {
        let code = legacy_code_by_name(e.legacy_name).unwrap_or_else(|| {
            panic!(
                "{}::{} -> unknown {}",
                e.rtm_enum, e.rtm_name, e.legacy_name
            )
        });
        assert_eq!(code.code, e.legacy_code, "{}::{}", e.rtm_enum, e.rtm_name);
        assert_eq!(
            e.success,
            e.legacy_code == 0,
            "{}::{}",
            e.rtm_enum,
            e.rtm_name
        );
        match (e.on_error_name, e.on_error_code) {
            (Some(name), Some(value)) => {
                let general = legacy_code_by_name(name).unwrap();
                assert_eq!(general.code, value);
                assert_eq!(general.carrier, "onError");
            }
            (None, None) => {}
            other => panic!(
                "{}::{}: inconsistent on_error {other:?}",
                e.rtm_enum, e.rtm_name
            ),
        }
        // N3: no RTM number leaks; every translated code is a legacy one.
        assert!(legacy_code_by_value(e.legacy_code).is_some());
    }
}

#[test]
fn every_rtm_operation_enum_is_translated() {
    let enums: BTreeSet<&str> = ERRORS.iter().map(|e| e.rtm_enum).collect();
    for expected in [
        "LOGIN_ERR_CODE",
        "LOGOUT_ERR_CODE",
        "RENEW_TOKEN_ERR_CODE",
        "PEER_MESSAGE_ERR_CODE",
        "JOIN_CHANNEL_ERR",
        "LEAVE_CHANNEL_ERR",
        "CHANNEL_MESSAGE_ERR_CODE",
        "GET_MEMBERS_ERR",
        "GET_CHANNEL_MEMBER_COUNT_ERR_CODE",
        "QUERY_PEERS_ONLINE_STATUS_ERR",
        "PEER_SUBSCRIPTION_STATUS_ERR",
        "QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR",
        "ATTRIBUTE_OPERATION_ERR",
        "LOCAL_INVITATION_ERR_CODE",
        "REMOTE_INVITATION_ERR_CODE",
        "INVITATION_API_CALL_ERR_CODE",
    ] {
        assert!(enums.contains(expected), "no rows for {expected}");
    }
    // Both "not logged in" conventions of RTM (102 in most enums) reach the app as 1003 (Q4).
    for e in ERRORS.iter().filter(|e| e.rtm_code == 102) {
        assert!(
            e.legacy_code == 1003 || e.on_error_code == Some(1003),
            "{}::{} should report GENERAL_E_NOT_LOGIN",
            e.rtm_enum,
            e.rtm_name
        );
    }
}

#[test]
fn invoke_rows_point_at_real_methods() {
    for v in INVOKES {
        assert!(v.name.starts_with("io.agora.signal."), "{}", v.name);
        assert!(
            v.response.contains(&"result"),
            "{} response lacks result",
            v.name
        );
        if !v.method.is_empty() {
            let m =
                method_by_legacy(v.method).unwrap_or_else(|| panic!("{} -> {}", v.name, v.method));
            assert_eq!(m.kind, v.kind, "{}", v.name);
        }
    }
    let num = invoke_by_name("io.agora.signal.channel_query_num").unwrap();
    assert_eq!(num.method, "channelQueryUserNum");
    assert_eq!(num.request, &["name"]);
    assert_eq!(num.response, &["result", "num"]);
    assert!(invoke_by_name("io.agora.signal.nope").is_none());
}

#[test]
fn enums_mirror_the_rows() {
    assert_eq!(LegacyMethod::ALL.len(), METHODS.len());
    for (i, m) in LegacyMethod::ALL.iter().enumerate() {
        assert!(std::ptr::eq(m.row(), &METHODS[i]));
        assert_eq!(LegacyMethod::from_legacy(m.legacy_name()), Some(*m));
        assert_eq!(
            method_by_rust(m.rust_name()).map(|r| r.legacy),
            Some(m.legacy_name())
        );
    }
    assert_eq!(
        LegacyMethod::MessageInstantSend.row().legacy,
        "messageInstantSend"
    );
    assert_eq!(
        LegacyMethod::ChannelInviteDtmf.rust_name(),
        "channel_invite_dtmf"
    );

    assert_eq!(LegacyCallbackName::ALL.len(), CALLBACKS.len());
    for (i, c) in LegacyCallbackName::ALL.iter().enumerate() {
        assert!(std::ptr::eq(c.row(), &CALLBACKS[i]));
        assert_eq!(LegacyCallbackName::from_legacy(c.legacy_name()), Some(*c));
        assert_eq!(
            callback_by_rust(c.rust_name()).map(|r| r.legacy),
            Some(c.legacy_name())
        );
    }
    assert_eq!(
        LegacyCallbackName::OnBcCallResult.legacy_name(),
        "onBCCall_result"
    );
    assert_eq!(LegacyCallbackName::from_legacy("onNothing"), None);
}

#[test]
fn area_and_kind_spellings_round_trip() {
    let spellings: BTreeSet<&str> = Area::ALL.iter().map(|a| a.as_str()).collect();
    assert_eq!(spellings.len(), Area::ALL.len());
    for m in METHODS {
        assert!(Area::ALL.contains(&m.area));
    }
    assert_eq!(MethodKind::Unsupported.as_str(), "unsupported");
    assert_eq!(MethodKind::Emulated.to_string(), "emulated");
    assert_eq!(Area::CallInvitation.to_string(), "call_invitation");
}

/// Every value of one RTM code enum reaches its own `[[error]]` row through the generated match.
fn assert_typed_rows<C: ErrorTranslation + std::fmt::Debug>() {
    for &value in C::all() {
        let row = value.error_row();
        assert_eq!(
            (row.rtm_enum, row.rtm_name, row.rtm_code),
            (C::ENUM_NAME, value.name(), value.code()),
            "{value:?} reaches the wrong row"
        );
        assert!(row.variant.is_some(), "{value:?}: its row names no variant");
    }
}

#[test]
fn typed_translation_reaches_each_values_own_row() {
    use sig2rtm::rtm::*;
    assert_typed_rows::<LoginErrCode>();
    assert_typed_rows::<LogoutErrCode>();
    assert_typed_rows::<RenewTokenErrCode>();
    assert_typed_rows::<PeerMessageErrCode>();
    assert_typed_rows::<JoinChannelErr>();
    assert_typed_rows::<LeaveChannelErr>();
    assert_typed_rows::<ChannelMessageErrCode>();
    assert_typed_rows::<GetMembersErr>();
    assert_typed_rows::<GetChannelMemberCountErrCode>();
    assert_typed_rows::<QueryPeersOnlineStatusErr>();
    assert_typed_rows::<PeerSubscriptionStatusErr>();
    assert_typed_rows::<QueryPeersBySubscriptionOptionErr>();
    assert_typed_rows::<AttributeOperationErr>();
    assert_typed_rows::<LocalInvitationErrCode>();
    assert_typed_rows::<RemoteInvitationErrCode>();
    assert_typed_rows::<InvitationApiCallErrCode>();
    // The rows without a variant are the web-only values, which no core enum has.
    let web_only: Vec<String> = ERRORS
        .iter()
        .filter(|e| e.variant.is_none())
        .map(|e| format!("{}::{}", e.rtm_enum, e.rtm_name))
        .collect();
    assert_eq!(web_only.len(), 5, "{web_only:?}");
}
