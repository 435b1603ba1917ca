//! One test per check: the real tables compile; each test breaks one row in one way and reads
//! the problem reported for it, which must name the file and the row.

use crate::{compile, Sources};

/// The crate's real tables.
fn real() -> Sources {
    Sources {
        methods: include_str!("../../methods.toml").to_string(),
        events: include_str!("../../events.toml").to_string(),
        errors: include_str!("../../errors.toml").to_string(),
        invoke: include_str!("../../invoke.toml").to_string(),
    }
}

/// Which table an edit applies to.
#[derive(Clone, Copy)]
enum File {
    Methods,
    Events,
    Errors,
    Invoke,
}

/// The real tables with the first `from` of `file` replaced by `to`.
fn edited(edits: &[(File, &str, &str)]) -> Sources {
    let mut s = real();
    for (file, from, to) in edits {
        let text = match file {
            File::Methods => &mut s.methods,
            File::Events => &mut s.events,
            File::Errors => &mut s.errors,
            File::Invoke => &mut s.invoke,
        };
        assert!(text.contains(from), "the table has no {from:?} to edit");
        *text = text.replacen(from, to, 1);
    }
    s
}

/// The problems reported for the edited tables, which must fail.
fn problems(edits: &[(File, &str, &str)]) -> Vec<String> {
    match compile(&edited(edits)) {
        Ok(_) => panic!("the edited tables compiled"),
        Err(p) => p.lines().to_vec(),
    }
}

/// Asserts that one problem contains every piece of `parts`.
fn assert_reported(edits: &[(File, &str, &str)], parts: &[&str]) {
    let list = problems(edits);
    assert!(
        list.iter()
            .any(|l| parts.iter().all(|part| l.contains(part))),
        "no problem mentions all of {parts:?}; got:\n{}",
        list.join("\n")
    );
}

const SEND: &str = "mapping/methods.toml, [[method]] #";
const SEND_ROW: &str = "(legacy = \"messageInstantSend\")";
const SEND_KIND: &str = "legacy   = \"messageInstantSend\"\nrust     = \"message_instant_send\"\nparams   = [\"account: str\", \"uid: u32 ignored\", \"msg: str\", \"msgID: str\"]\narea     = \"peer_messages\"\nkind     = \"direct\"";
const SEND_OPS: &str = "[\"createMessage\", \"sendMessageToPeer\"]";
const SEND_RTM: &str = "kind     = \"direct\"\nrtm      = [\"createMessage\", \"sendMessageToPeer\"]\nresults  = [\"onMessageSendSuccess\"";

#[test]
fn the_real_tables_compile() {
    let files = compile(&real()).unwrap_or_else(|p| panic!("{p}"));
    let names: Vec<&str> = files.iter().map(|f| f.name).collect();
    assert_eq!(
        names,
        [
            "mapping_tables.rs",
            "agora_e_code.rs",
            "legacy_event.rs",
            "legacy_callback_macros.rs",
            "legacy_call.rs",
            "signaling_methods.rs",
            "testkit_calls.rs"
        ]
    );
    assert!(files[0].code.contains("pub enum LegacyMethod"));
    assert!(files[0].code.contains("MessageInstantSend"));
    assert!(files[1].code.contains("GeneralELargeParam = 1005,"));
}

#[test]
fn snake_case_follows_rule_n1() {
    for (legacy, rust) in [
        ("login2", "login2"),
        ("channelInviteUser2", "channel_invite_user2"),
        ("channelInviteDTMF", "channel_invite_dtmf"),
        ("onBCCall_result", "on_bc_call_result"),
        ("messageInstantSend", "message_instant_send"),
    ] {
        assert_eq!(crate::snake_case(legacy), rust);
    }
    assert_eq!(crate::camel_case("on_bc_call_result"), "OnBcCallResult");
}

#[test]
fn a_file_that_is_not_toml_is_reported() {
    assert_reported(
        &[(File::Invoke, "[[invoke]]", "[[invoke]")],
        &["mapping/invoke.toml: not valid for its schema"],
    );
}

#[test]
fn an_unknown_field_is_reported() {
    assert_reported(
        &[(
            File::Methods,
            "area     = \"peer_messages\"",
            "areas = \"peer_messages\"",
        )],
        &["mapping/methods.toml: not valid for its schema", "areas"],
    );
}

#[test]
fn a_missing_field_names_the_row() {
    assert_reported(
        &[(
            File::Methods,
            "contract = [\"M1\", \"M2\", \"M3\", \"M4\", \"C11\", \"Q4\"]\n",
            "",
        )],
        &[SEND, SEND_ROW, "missing field `contract`"],
    );
}

#[test]
fn an_empty_note_is_reported() {
    assert_reported(
        &[(
            File::Errors,
            "note = \"M1. Rare, since the shim always sends with offline messaging on.\"",
            "note = \" \"",
        )],
        &[
            "[[error]] #",
            "PEER_MESSAGE_ERR_CODE::PEER_UNREACHABLE",
            "`note` must not be empty",
        ],
    );
}

#[test]
fn unknown_area_kind_and_scope_are_reported() {
    assert_reported(
        &[(
            File::Methods,
            "area     = \"peer_messages\"",
            "area     = \"peers\"",
        )],
        &[SEND_ROW, "unknown area \"peers\""],
    );
    assert_reported(
        &[(
            File::Methods,
            SEND_KIND,
            &SEND_KIND.replace("direct", "forwarded"),
        )],
        &[SEND_ROW, "unknown kind \"forwarded\""],
    );
    assert_reported(
        &[(
            File::Events,
            "scope  = \"client\"\nrtm    = \"onLoginSuccess\"",
            "scope  = \"server\"\nrtm    = \"onLoginSuccess\"",
        )],
        &["(rtm = \"onLoginSuccess\")", "unknown scope \"server\""],
    );
}

#[test]
fn a_rust_name_that_is_not_the_snake_case_is_reported() {
    assert_reported(
        &[(
            File::Methods,
            "rust     = \"message_instant_send\"",
            "rust     = \"instant_send\"",
        )],
        &[
            SEND_ROW,
            "expected \"message_instant_send\", found \"instant_send\"",
        ],
    );
}

#[test]
fn a_rust_keyword_is_not_a_usable_name() {
    assert_reported(
        &[(
            File::Methods,
            "legacy   = \"logout\"\nrust     = \"logout\"",
            "legacy   = \"loop\"\nrust     = \"loop\"",
        )],
        &["(legacy = \"loop\")", "not a usable snake_case identifier"],
    );
}

#[test]
fn a_repeated_name_is_reported() {
    assert_reported(
        &[(
            File::Methods,
            "legacy   = \"login2\"\nrust     = \"login2\"",
            "legacy   = \"login\"\nrust     = \"login\"",
        )],
        &["[[method]] #", "legacy \"login\" is already used by row #"],
    );
    assert_reported(
        &[(
            File::Invoke,
            "io.agora.signal.user_set_attr",
            "io.agora.signal.user_query_user_status",
        )],
        &[
            "mapping/invoke.toml",
            "name \"io.agora.signal.user_query_user_status\" is already used",
        ],
    );
    assert_reported(
        &[(
            File::Errors,
            "rtm_name = \"PEER_UNREACHABLE\"\nrtm_code = 3",
            "rtm_name = \"SENT_TIMEOUT\"\nrtm_code = 3",
        )],
        &["(rtm_enum, rtm_name) \"PEER_MESSAGE_ERR_CODE::SENT_TIMEOUT\" is already used"],
    );
    assert_reported(
        &[(
            File::Errors,
            "name = \"LOGOUT_E_USER\"\ncode = 101",
            "name = \"LOGOUT_E_USER\"\ncode = 100",
        )],
        &["[[legacy_code]]", "code \"100\" is already used"],
    );
}

#[test]
fn a_list_that_repeats_an_entry_is_reported() {
    assert_reported(
        &[(
            File::Methods,
            SEND_RTM,
            &SEND_RTM.replace(
                SEND_OPS,
                "[\"createMessage\", \"createMessage\", \"sendMessageToPeer\"]",
            ),
        )],
        &[SEND_ROW, "`rtm` lists \"createMessage\" twice"],
    );
}

#[test]
fn rtm_operations_must_exist_and_agree_with_the_kind() {
    assert_reported(
        &[(
            File::Methods,
            SEND_RTM,
            &SEND_RTM.replace(SEND_OPS, "[\"createMessage\", \"sendPeerMessage\"]"),
        )],
        &[SEND_ROW, "\"sendPeerMessage\": is not an RTM 1.x operation"],
    );
    assert_reported(
        &[(File::Methods, SEND_RTM, &SEND_RTM.replace(SEND_OPS, "[]"))],
        &[SEND_ROW, "a direct row must list the RTM operations"],
    );
    assert_reported(
        &[(
            File::Methods,
            "kind     = \"unsupported\"\nrtm      = []",
            "kind     = \"unsupported\"\nrtm      = [\"login\"]",
        )],
        &[
            "(legacy = \"channelInvitePhone\")",
            "a unsupported row uses no RTM operation",
        ],
    );
}

#[test]
fn an_unsupported_method_must_report_on_error() {
    assert_reported(
        &[(File::Methods, "kind     = \"unsupported\"\nrtm      = []\nresults  = [\"onInviteFailed\", \"onError\"]", "kind     = \"unsupported\"\nrtm      = []\nresults  = [\"onInviteFailed\"]")],
        &["(legacy = \"channelInvitePhone\")", "must include \"onError\""],
    );
}

#[test]
fn callbacks_named_by_other_rows_must_exist() {
    assert_reported(
        &[(
            File::Methods,
            "results  = [\"onMessageSendSuccess\",",
            "results  = [\"onMessageSent\",",
        )],
        &[
            SEND_ROW,
            "`results` names \"onMessageSent\", which has no [[callback]] row",
        ],
    );
    assert_reported(
        &[(
            File::Events,
            "drives = [\"onLoginSuccess\"]",
            "drives = [\"onLoggedIn\"]",
        )],
        &[
            "(rtm = \"onLoginSuccess\")",
            "`drives` names \"onLoggedIn\"",
        ],
    );
    assert_reported(
        &[(
            File::Errors,
            "code = 101\ncarrier = \"onLogout\"",
            "code = 101\ncarrier = \"onLoggedOut\"",
        )],
        &[
            "(name = \"LOGOUT_E_USER\")",
            "`carrier` names \"onLoggedOut\"",
        ],
    );
}

#[test]
fn a_malformed_contract_id_is_reported() {
    assert_reported(
        &[(
            File::Methods,
            "contract = [\"M1\", \"M2\", \"M3\", \"M4\", \"C11\", \"Q4\"]",
            "contract = [\"M1\", \"X2\"]",
        )],
        &[SEND_ROW, "\"X2\": is not a contract rule id"],
    );
}

#[test]
fn an_event_that_drives_nothing_needs_a_note() {
    assert_reported(
        &[(File::Events, "drives = [\"onLoginSuccess\"]\nnote   = \"Fires after a login or login2 attempt succeeds; reconnections do not repeat it.\"", "drives = []")],
        &["(rtm = \"onLoginSuccess\")", "a `note` must say why"],
    );
}

#[test]
fn error_rows_must_agree_with_the_legacy_codes() {
    let row = "PEER_MESSAGE_ERR_CODE::PEER_UNREACHABLE";
    let head = "rtm_enum = \"PEER_MESSAGE_ERR_CODE\"\nrtm_name = \"PEER_UNREACHABLE\"";
    assert_reported(
        &[(
            File::Errors,
            head,
            "rtm_enum = \"PEER_MSG_ERR\"\nrtm_name = \"PEER_UNREACHABLE\"",
        )],
        &[
            "PEER_MSG_ERR::PEER_UNREACHABLE",
            "unknown rtm_enum \"PEER_MSG_ERR\"",
        ],
    );
    let unreachable = "legacy_name = \"SENDMESSAGE_E_OTHER\"\nlegacy_code = 400\nsuccess = false\nnote = \"M1. Rare";
    assert_reported(
        &[(
            File::Errors,
            unreachable,
            &unreachable.replace("= 400", "= 401"),
        )],
        &[
            row,
            "legacy_code 401 does not match SENDMESSAGE_E_OTHER, which is 400",
        ],
    );
    assert_reported(
        &[(
            File::Errors,
            unreachable,
            &unreachable.replace("E_OTHER", "E_LOST"),
        )],
        &[
            row,
            "legacy_name \"SENDMESSAGE_E_LOST\" is not a [[legacy_code]] row",
        ],
    );
    assert_reported(
        &[(
            File::Errors,
            unreachable,
            &unreachable.replace("false", "true"),
        )],
        &[row, "`success = true` goes with legacy SUCCESS (0)"],
    );
    assert_reported(
        &[(
            File::Errors,
            unreachable,
            &unreachable.replace(
                "success = false",
                "success = false\non_error = \"LOGOUT_E_USER\"",
            ),
        )],
        &[row, "on_error \"LOGOUT_E_USER\" is not a general code"],
    );
    assert_reported(
        &[(
            File::Errors,
            unreachable,
            &unreachable.replace(
                "success = false",
                "success = false\non_error = \"GENERAL_E_WRONG\"",
            ),
        )],
        &[
            row,
            "on_error \"GENERAL_E_WRONG\" is not a [[legacy_code]] row",
        ],
    );
}

#[test]
fn invoke_rows_must_match_their_methods() {
    let status = "method   = \"queryUserStatus\"\nkind     = \"direct\"";
    assert_reported(
        &[(
            File::Invoke,
            "name     = \"io.agora.signal.user_query_user_status\"",
            "name     = \"user_query_user_status\"",
        )],
        &["mapping/invoke.toml", "`name` must be \"io.agora.signal.\""],
    );
    assert_reported(
        &[(
            File::Invoke,
            "response = [\"result\", \"status\"]",
            "response = [\"status\"]",
        )],
        &[
            "(name = \"io.agora.signal.user_query_user_status\")",
            "`response` must include \"result\"",
        ],
    );
    assert_reported(
        &[(
            File::Invoke,
            status,
            "method   = \"queryStatus\"\nkind     = \"direct\"",
        )],
        &["`method` names \"queryStatus\", which has no [[method]] row"],
    );
    assert_reported(
        &[(
            File::Invoke,
            status,
            "method   = \"queryUserStatus\"\nkind     = \"emulated\"",
        )],
        &["`kind` \"emulated\" differs from the kind \"direct\" of its method queryUserStatus"],
    );
    assert_reported(
        &[(
            File::Methods,
            "rtm      = [\"queryPeersOnlineStatus\", \"addOrUpdateLocalUserAttributes\"",
            "rtm      = [\"addOrUpdateLocalUserAttributes\"",
        )],
        &[
            "legacy = \"invoke\"",
            "`rtm` lacks \"queryPeersOnlineStatus\"",
        ],
    );
}

#[test]
fn every_problem_is_reported_in_one_run() {
    let list = problems(&[
        (
            File::Methods,
            "area     = \"peer_messages\"",
            "area     = \"peers\"",
        ),
        (
            File::Events,
            "drives = [\"onLoginSuccess\"]",
            "drives = [\"onLoggedIn\"]",
        ),
    ]);
    assert!(list.len() >= 2, "{list:?}");
}

#[test]
fn success_rows_cannot_fail_in_other_ways() {
    let cached = "rtm_name = \"CACHED_BY_SERVER\"\nrtm_code = 4\nvariant = \"CachedByServer\"\nlegacy_name = \"SUCCESS\"\nlegacy_code = 0\nsuccess = true";
    let row = "PEER_MESSAGE_ERR_CODE::CACHED_BY_SERVER";
    assert_reported(
        &[(File::Errors, cached, &format!("{cached}\ntransient = true"))],
        &[row, "a success row cannot be `transient`"],
    );
    assert_reported(
        &[(
            File::Errors,
            cached,
            &format!("{cached}\non_error = \"GENERAL_E_WRONG_PARAM\""),
        )],
        &[row, "a success row cannot also report `on_error`"],
    );
    assert_reported(
        &[(
            File::Errors,
            cached,
            &cached
                .replace("rtm_code = 4", "rtm_code = 0")
                .replace("true", "false"),
        )],
        &[row, "an RTM OK value (code 0) must have `success = true`"],
    );
}

#[test]
fn on_error_must_not_repeat_a_general_code() {
    let not_init = "rtm_enum = \"LOGOUT_ERR_CODE\"\nrtm_name = \"NOT_INITIALIZED\"\nrtm_code = 101\nvariant = \"NotInitialized\"\nlegacy_name = \"GENERAL_E_NOT_LOGIN\"\nlegacy_code = 1003\nsuccess = false";
    assert_reported(
        &[(
            File::Errors,
            not_init,
            &format!("{not_init}\non_error = \"GENERAL_E_WRONG_PARAM\""),
        )],
        &[
            "LOGOUT_ERR_CODE::NOT_INITIALIZED",
            "`on_error` is redundant",
        ],
    );
}

#[test]
fn legacy_codes_have_a_carrier_except_success() {
    assert_reported(
        &[(
            File::Errors,
            "code = 101\ncarrier = \"onLogout\"",
            "code = 101\ncarrier = \"\"",
        )],
        &[
            "(name = \"LOGOUT_E_USER\")",
            "`carrier` is empty for SUCCESS",
        ],
    );
    assert_reported(
        &[(
            File::Errors,
            "name = \"LOGOUT_E_USER\"",
            "name = \"logout_e_user\"",
        )],
        &[
            "(name = \"logout_e_user\")",
            "must be an AGORA_E_CODE name in upper case",
        ],
    );
}

#[test]
fn an_error_row_must_name_the_cores_variant() {
    let unreachable =
        "rtm_name = \"PEER_UNREACHABLE\"\nrtm_code = 3\nvariant = \"PeerUnreachable\"";
    assert_reported(
        &[(File::Errors, unreachable, &unreachable.replace("\"PeerUnreachable\"", "\"PeerUnreachble\""))],
        &["[[error]] #", "PEER_MESSAGE_ERR_CODE::PEER_UNREACHABLE", "`variant` \"PeerUnreachble\" is not the core's variant for PEER_UNREACHABLE: expected \"PeerUnreachable\""],
    );
}

#[test]
fn legacy_codes_are_in_numeric_order() {
    assert_reported(
        &[(
            File::Errors,
            "name = \"LOGOUT_E_USER\"\ncode = 101",
            "name = \"LOGOUT_E_USER\"\ncode = 99",
        )],
        &[
            "(name = \"LOGOUT_E_USER\")",
            "rows must be in increasing `code` order",
        ],
    );
}

#[test]
fn callback_args_are_typed() {
    let joined = "args        = [\"channelID: str\"]";
    assert_reported(
        &[(File::Events, joined, "args        = [\"channelID\"]")],
        &[
            "(legacy = \"onChannelJoined\")",
            "`args` entry \"channelID\" must read \"name: type\"",
        ],
    );
    assert_reported(
        &[(
            File::Events,
            joined,
            "args        = [\"channelID: string\"]",
        )],
        &[
            "(legacy = \"onChannelJoined\")",
            "unknown type \"string\"; allowed: str, i32, u32, [str], [u32], count",
        ],
    );
    assert_reported(
        &[(
            File::Events,
            joined,
            "args        = [\"channelID: str\", \"channelID: i32\"]",
        )],
        &[
            "(legacy = \"onChannelJoined\")",
            "`args` names \"channelID\" twice",
        ],
    );
    assert_reported(
        &[(
            File::Events,
            "[\"n: count\", \"accounts: [str]\", \"uids: [u32]\"]",
            "[\"accounts: [str]\", \"uids: [u32]\", \"n: count\"]",
        )],
        &[
            "(legacy = \"onChannelUserList\")",
            "\"n\" is a count, so a list must follow it",
        ],
    );
}

#[test]
fn generated_callback_methods_carry_their_legacy_alias() {
    let files = compile(&real()).unwrap_or_else(|p| panic!("{p}"));
    let macros = &files[3].code;
    let methods = &macros[..macros
        .find("macro_rules! legacy_event_sink_methods")
        .unwrap()];
    let rows = crate::checks::check_all(&real()).unwrap_or_else(|p| panic!("{p}"));
    for c in &rows.callbacks {
        let at = methods
            .find(&format!("fn {}(&self", c.rust))
            .unwrap_or_else(|| panic!("no method {}", c.rust));
        let before = &methods[..at];
        let item_start = before.rfind("}\n").map_or(0, |i| i + 2);
        assert!(
            before[item_start..].contains(&format!("#[doc(alias = \"{}\")]", c.legacy)),
            "{} lacks its alias",
            c.rust
        );
    }
}

#[test]
fn a_list_argument_needs_a_count() {
    assert_reported(
        &[(
            File::Events,
            "[\"n: count\", \"accounts: [str]\", \"uids: [u32]\"]",
            "[\"accounts: [str]\", \"uids: [u32]\"]",
        )],
        &[
            "(legacy = \"onChannelUserList\")",
            "`args` has a list but no `count` before it",
        ],
    );
}

#[test]
fn the_c_abi_files_follow_the_callback_rows() {
    let files = crate::compile_capi(&real()).unwrap_or_else(|p| panic!("{p}"));
    let names: Vec<&str> = files.iter().map(|f| f.name).collect();
    assert_eq!(
        names,
        ["icallback_c.rs", "callback_bridge.rs", "api_methods.rs"]
    );
    let fields = files[0].code.matches("    pub on").count();
    let methods = files[1].code.matches("    fn on_").count();
    let rows = crate::checks::check_all(&real()).unwrap_or_else(|p| panic!("{p}"));
    assert_eq!(
        (fields, methods),
        (rows.callbacks.len(), rows.callbacks.len())
    );
    assert!(files[0]
        .code
        .contains("pub onChannelUserList: Option<unsafe extern \"C-unwind\" fn(*mut ICallBackC, c_int, *mut *mut c_char, *mut u32)>,"));
}

#[test]
fn generated_facade_methods_carry_their_note_and_legacy_alias() {
    let files = compile(&real()).unwrap_or_else(|p| panic!("{p}"));
    let facade = &files[5].code;
    let rows = crate::checks::check_all(&real()).unwrap_or_else(|p| panic!("{p}"));
    for m in rows.methods.iter().filter(|m| m.queued) {
        let at = facade
            .find(&format!("    pub fn {}(&self", m.rust))
            .unwrap_or_else(|| panic!("no method {}", m.rust));
        let before = &facade[..at];
        let item = &before[before.rfind("    }\n").map_or(0, |i| i + 6)..];
        assert!(
            item.contains(&format!("`{}` ({}).", m.legacy, m.kind)),
            "{}",
            m.rust
        );
        if m.legacy != m.rust {
            let alias = format!("#[doc(alias = \"{}\")]", m.legacy);
            assert!(item.contains(&alias), "{} lacks its alias", m.rust);
        }
    }
    // The ignored parameters stay in the facade; the call carries the others.
    let calls = &files[4].code;
    let send = &calls[calls.find("    MessageInstantSend {").unwrap()..];
    let send = &send[..send.find("    },").unwrap()];
    assert!(
        send.contains("msg_id: String") && !send.contains("uid"),
        "{send}"
    );
}

#[test]
fn method_params_are_typed() {
    let join = "params   = [\"channelID: str\"]";
    assert_reported(
        &[(File::Methods, join, "params   = [\"channelID: text\"]")],
        &[
            "(legacy = \"channelJoin\")",
            "unknown type \"text\"; allowed: str, i32, u32",
        ],
    );
    assert_reported(
        &[(
            File::Methods,
            join,
            "params   = [\"channelID: str unused\"]",
        )],
        &[
            "(legacy = \"channelJoin\")",
            "only `ignored` may follow the type",
        ],
    );
    assert_reported(
        &[(File::Methods, join, "")],
        &["(legacy = \"channelJoin\")", "missing field `params`"],
    );
    assert_reported(
        &[(
            File::Methods,
            "queued   = false",
            "queued   = false\nparams   = []",
        )],
        &[
            "(legacy = \"callbackSet\")",
            "`params` is for queued methods",
        ],
    );
}

/// A new `unsupported` method row, as someone adding `setLogLevel` would write it.
const NEW_UNSUPPORTED_ROW: &str = "
[[method]]
legacy   = \"setLogLevel\"
rust     = \"set_log_level\"
params   = [\"level: i32\"]
area     = \"misc\"
kind     = \"unsupported\"
rtm      = []
results  = [\"onError\"]
contract = [\"Q4\"]
note     = \"A log level for the legacy SDK's own log; the RTM core logs through the `log` crate, so the call reports onError 1001.\"
";

#[test]
fn an_unsupported_row_reaches_the_facade_the_testkit_and_the_c_abi_without_code() {
    let mut sources = real();
    sources.methods.push_str(NEW_UNSUPPORTED_ROW);
    let files = compile(&sources).unwrap_or_else(|p| panic!("{p}"));
    let file = |name: &str| &files.iter().find(|f| f.name == name).unwrap().code;
    // The method enum and the facade gain it; the facade queues the generic unsupported call.
    assert!(file("mapping_tables.rs").contains("    SetLogLevel,"));
    let facade = file("signaling_methods.rs");
    let method = &facade[facade
        .find("pub fn set_log_level(&self, level: i32) {")
        .unwrap()..];
    assert!(method.starts_with(
        "pub fn set_log_level(&self, level: i32) {\n        let _ = level; // ignored by the shim (see the row)\n        self.call(LegacyCall::Unsupported(LegacyMethod::SetLogLevel));"
    ));
    assert!(facade.contains("#[doc(alias = \"setLogLevel\")]"));
    assert!(facade.contains("(setLogLevel, set_log_level, queued, [level: i32])"));
    // The adapter's LegacyCall needs no variant, so Adapter::dispatch needs no new arm: its
    // `Unsupported` arm reports onError(set_log_level, 1001, …).
    assert!(!file("legacy_call.rs").contains("SetLogLevel {"));
    assert!(!file("legacy_call.rs").contains("    SetLogLevel,"));
    // The testkit takes it in scenarios.
    let testkit = file("testkit_calls.rs");
    assert!(testkit.contains("LegacyMethod::SetLogLevel => Some(&[Param::Num]),"));
    assert!(testkit.contains("LegacyMethod::SetLogLevel => sig.set_log_level(a.i(0)),"));
    // The C ABI gains its IAgoraAPIC entry and C++ slot, last in row order.
    let capi = crate::compile_capi(&sources).unwrap_or_else(|p| panic!("{p}"));
    let api = &capi
        .iter()
        .find(|f| f.name == "api_methods.rs")
        .unwrap()
        .code;
    let entry = api.find("setLogLevel(level: c_int) -> () = ();").unwrap();
    assert!(api[entry..].contains("sig.set_log_level(level);"));
    assert!(entry > api.find("$($destroy)*").unwrap());
}
