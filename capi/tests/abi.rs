//! agora_sig.h against the legacy API (the method and callback tables of
//! spec/legacy-cpp-api.md, transcribed below) and against the library's binary layout.
//!
//! A probe program, generated from the tables, is compiled with the system g++: its
//! `static_assert`s pin the exact type of every `IAgoraAPI` / `ICallBack` member function and
//! every `IAgoraAPIC` / `ICallBackC` field; run, it prints the virtual-table slot of each
//! member function and the offset of each field, which must be the ones the library uses.

mod support;

use agorasig::abi::{IAgoraAPIC, ICallBackC, CALLBACK_NAMES, METHOD_NAMES};
use sig2rtm::signaling::AgoraECode;
use std::collections::HashMap;
use std::mem::{offset_of, size_of};

/// `str` stands for `char const* X, size_t X_size`.
const CALLBACKS: &[(&str, &str)] = &[
    ("onReconnecting", "uint32_t nretry"),
    ("onReconnected", "int fd"),
    ("onLoginSuccess", "uint32_t uid, int fd"),
    ("onLogout", "int ecode"),
    ("onLoginFailed", "int ecode"),
    ("onChannelJoined", "str channelID"),
    ("onChannelJoinFailed", "str channelID, int ecode"),
    ("onChannelLeaved", "str channelID, int ecode"),
    ("onChannelUserJoined", "str account, uint32_t uid"),
    ("onChannelUserLeaved", "str account, uint32_t uid"),
    (
        "onChannelUserList",
        "int n, char** accounts, uint32_t* uids",
    ),
    (
        "onChannelQueryUserNumResult",
        "str channelID, int ecode, int num",
    ),
    (
        "onChannelQueryUserIsIn",
        "str channelID, str account, int isIn",
    ),
    (
        "onChannelAttrUpdated",
        "str channelID, str name, str value, str type",
    ),
    (
        "onInviteReceived",
        "str channelID, str account, uint32_t uid, str extra",
    ),
    (
        "onInviteReceivedByPeer",
        "str channelID, str account, uint32_t uid",
    ),
    (
        "onInviteAcceptedByPeer",
        "str channelID, str account, uint32_t uid, str extra",
    ),
    (
        "onInviteRefusedByPeer",
        "str channelID, str account, uint32_t uid, str extra",
    ),
    (
        "onInviteFailed",
        "str channelID, str account, uint32_t uid, int ecode, str extra",
    ),
    (
        "onInviteEndByPeer",
        "str channelID, str account, uint32_t uid, str extra",
    ),
    (
        "onInviteEndByMyself",
        "str channelID, str account, uint32_t uid",
    ),
    (
        "onInviteMsg",
        "str channelID, str account, uint32_t uid, str msgType, str msgData, str extra",
    ),
    ("onMessageSendError", "str messageID, int ecode"),
    (
        "onMessageSendProgress",
        "str account, str messageID, str type, str info",
    ),
    ("onMessageSendSuccess", "str messageID"),
    ("onMessageAppReceived", "str msg"),
    (
        "onMessageInstantReceive",
        "str account, uint32_t uid, str msg",
    ),
    (
        "onMessageChannelReceive",
        "str channelID, str account, uint32_t uid, str msg",
    ),
    ("onLog", "str txt"),
    ("onInvokeRet", "str callID, str err, str resp"),
    ("onMsg", "str from, str t, str msg"),
    ("onUserAttrResult", "str account, str name, str value"),
    ("onUserAttrAllResult", "str account, str value"),
    ("onError", "str name, int ecode, str desc"),
    ("onQueryUserStatusResult", "str name, str status"),
    ("onDbg", "str a, str b"),
    ("onBCCall_result", "str reason, str json_ret, str callID"),
];

/// (method, return type, parameters). `ICallBack*` becomes `ICallBackC*` in the C struct.
const METHODS: &[(&str, &str, &str)] = &[
    ("callbackSet", "void", "ICallBack* handler"),
    ("callbackGet", "ICallBack*", ""),
    ("login", "void", "str vendorID, str account, str token, uint32_t uid, str deviceID"),
    (
        "login2",
        "void",
        "str vendorID, str account, str token, uint32_t uid, str deviceID, int retry_time_in_s, int retry_count",
    ),
    ("logout", "void", ""),
    ("channelJoin", "void", "str channelID"),
    ("channelLeave", "void", "str channelID"),
    ("channelQueryUserNum", "void", "str channelID"),
    ("channelQueryUserIsIn", "void", "str channelID, str account"),
    ("channelSetAttr", "void", "str channelID, str name, str value"),
    ("channelDelAttr", "void", "str channelID, str name"),
    ("channelClearAttr", "void", "str channelID"),
    ("channelInviteUser", "void", "str channelID, str account, uint32_t uid"),
    ("channelInviteUser2", "void", "str channelID, str account, str extra"),
    ("channelInvitePhone", "void", "str channelID, str phoneNum, uint32_t uid"),
    ("channelInvitePhone2", "void", "str channelID, str phoneNum, str sourcesNum"),
    ("channelInvitePhone3", "void", "str channelID, str phoneNum, str sourcesNum, str extra"),
    ("channelInviteDTMF", "void", "str channelID, str phoneNum, str dtmf"),
    ("channelInviteAccept", "void", "str channelID, str account, uint32_t uid, str extra"),
    ("channelInviteRefuse", "void", "str channelID, str account, uint32_t uid, str extra"),
    ("channelInviteEnd", "void", "str channelID, str account, uint32_t uid"),
    ("messageAppSend", "void", "str msg, str msgID"),
    ("messageInstantSend", "void", "str account, uint32_t uid, str msg, str msgID"),
    (
        "messageInstantSend2",
        "void",
        "str account, uint32_t uid, str msg, str msgID, str options",
    ),
    ("messageChannelSend", "void", "str channelID, str msg, str msgID"),
    ("messageChannelSendForce", "void", "str channelID, str msg, str msgID"),
    ("messageChannelSend2", "void", "str channelID, str msg, str msgID, str extra"),
    ("messagePushSend", "void", "str account, uint32_t uid, str msg, str msgID"),
    ("messageChatSend", "void", "str account, uint32_t uid, str msg, str msgID"),
    ("messageDTMFSend", "void", "uint32_t uid, str msg, str msgID"),
    ("setBackground", "void", "uint32_t bOut"),
    ("setNetworkStatus", "void", "uint32_t bOut"),
    ("ping", "void", ""),
    ("setAttr", "void", "str name, str value"),
    ("getAttr", "void", "str name"),
    ("getAttrAll", "void", ""),
    ("getUserAttr", "void", "str account, str name"),
    ("getUserAttrAll", "void", "str account"),
    ("queryUserStatus", "void", "str account"),
    ("invoke", "void", "str name, str req, str callID"),
    ("start", "void", ""),
    ("stop", "void", ""),
    ("isOnline", "bool", ""),
    ("getStatus", "int", ""),
    ("getSdkVersion", "int", ""),
    ("bc_call", "void", "str func, str json_args, str callID"),
    ("dbg", "void", "str a, str b"),
    ("destroy", "void", ""),
];

/// The parameter types of a table entry, `str` expanded.
fn types(params: &str, c_struct: bool) -> Vec<String> {
    let mut out = Vec::new();
    for p in params.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (ty, _name) = p.rsplit_once(' ').expect("type and name");
        match ty {
            "str" => {
                out.push("char const*".to_string());
                out.push("size_t".to_string());
            }
            "ICallBack*" if c_struct => out.push("ICallBackC*".to_string()),
            other => out.push(other.to_string()),
        }
    }
    out
}

fn probe_source() -> String {
    let mut s = String::from(
        "#include \"agora_sig.h\"\n#include <cstddef>\n#include <cstdio>\n#include <cstring>\n\
         #include <type_traits>\nusing namespace agora_sdk_cpp;\n\
         template <class P> long slot(P pmf) {\n\
           struct Rep { std::ptrdiff_t ptr, adj; } r;\n\
           static_assert(sizeof(P) == sizeof(Rep), \"Itanium member pointer\");\n\
           std::memcpy(&r, &pmf, sizeof r);\n\
         #if defined(__arm__) || defined(__aarch64__)\n\
           return (r.adj & 1) ? (long)(r.ptr / (std::ptrdiff_t)sizeof(void*)) : -1;\n\
         #else\n\
           return (r.ptr & 1) ? (long)((r.ptr - 1) / (std::ptrdiff_t)sizeof(void*)) : -1;\n\
         #endif\n}\n",
    );
    for (name, params) in CALLBACKS {
        let cpp = types(params, false).join(", ");
        let c = std::iter::once("ICallBackC*".to_string())
            .chain(types(params, true))
            .collect::<Vec<_>>()
            .join(", ");
        s += &format!(
            "static_assert(std::is_same<decltype(&ICallBack::{name}), void (ICallBack::*)({cpp})>::value, \"ICallBack::{name}\");\n\
             static_assert(std::is_same<decltype(ICallBackC::{name}), void (*)({c})>::value, \"ICallBackC::{name}\");\n"
        );
    }
    for (name, ret, params) in METHODS {
        let cpp = types(params, false).join(", ");
        let c = std::iter::once("IAgoraAPIC*".to_string())
            .chain(types(params, true))
            .collect::<Vec<_>>()
            .join(", ");
        let c_ret = ret.replace("ICallBack*", "ICallBackC*");
        s += &format!(
            "static_assert(std::is_same<decltype(&IAgoraAPI::{name}), {ret} (IAgoraAPI::*)({cpp})>::value, \"IAgoraAPI::{name}\");\n\
             static_assert(std::is_same<decltype(IAgoraAPIC::{name}), {c_ret} (*)({c})>::value, \"IAgoraAPIC::{name}\");\n"
        );
    }
    s += "static_assert(std::is_same<decltype(IAgoraAPIC::release), void (*)(IAgoraAPIC*)>::value, \"release\");\n\
          static_assert(std::is_same<decltype(IAgoraAPIC::api), void*>::value, \"api\");\n\
          static_assert(std::is_same<decltype(IAgoraAPIC::cb), void*>::value, \"cb\");\n\
          static_assert(std::is_same<decltype(&getAgoraSDKInstanceCPP), IAgoraAPI* (*)()>::value, \"get\");\n\
          static_assert(std::is_same<decltype(&createAgoraSDKInstanceCPP), IAgoraAPI* (*)()>::value, \"create\");\n\
          static_assert(std::is_same<decltype(&getAgoraSDKInstanceC), IAgoraAPIC* (*)()>::value, \"getC\");\n\
          static_assert(std::is_same<decltype(&createAgoraSDKInstanceC), IAgoraAPIC* (*)()>::value, \"createC\");\n\
          static_assert(std::is_abstract<IAgoraAPI>::value && !std::is_abstract<ICallBack>::value, \"abstract\");\n\
          static_assert(std::has_virtual_destructor<ICallBack>::value, \"handler dtor\");\n";
    for code in AgoraECode::ALL {
        s += &format!(
            "static_assert({} == {}, \"{}\");\n",
            code.name(),
            code.code(),
            code.name()
        );
    }
    s += "struct AllDefaults : ICallBack {};\nint main() {\n  AllDefaults d; (void)d;\n";
    for (name, _) in CALLBACKS {
        s += &format!(
            "  std::printf(\"slot ICallBack {name} %ld\\n\", slot(&ICallBack::{name}));\n\
             std::printf(\"offset ICallBackC {name} %zu\\n\", offsetof(ICallBackC, {name}));\n"
        );
    }
    for (name, _, _) in METHODS {
        s += &format!(
            "  std::printf(\"slot IAgoraAPI {name} %ld\\n\", slot(&IAgoraAPI::{name}));\n\
             std::printf(\"offset IAgoraAPIC {name} %zu\\n\", offsetof(IAgoraAPIC, {name}));\n"
        );
    }
    for field in ["release", "api", "cb"] {
        s += &format!(
            "  std::printf(\"offset IAgoraAPIC {field} %zu\\n\", offsetof(IAgoraAPIC, {field}));\n"
        );
    }
    s += "  std::printf(\"size ICallBackC %zu\\nsize IAgoraAPIC %zu\\n\", sizeof(ICallBackC), sizeof(IAgoraAPIC));\n  return 0;\n}\n";
    s
}

/// `(legacy name, queued | own, parameter types)` of every method row.
macro_rules! method_rows {
    ($(($legacy:ident, $rust:ident, $how:ident, [$($p:ident : $t:tt $($ignored:ident)?),*])),* $(,)?) => {
        vec![$((stringify!($legacy), stringify!($how), vec![$(stringify!($t)),*])),*]
    };
}

/// `(legacy name, argument types)` of every callback row.
macro_rules! callback_rows {
    ($(($legacy:ident, $rust:ident, $variant:ident, [$($a:ident : $t:tt),*])),* $(,)?) => {
        vec![$((stringify!($legacy), vec![$(stringify!($t)),*])),*]
    };
}

/// The C++ parameter types of the row types (`str`, `i32`, `u32`, `count`, `[str]`, `[u32]`).
fn row_types(row: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for t in row {
        match *t {
            "str" => out.extend(["char const*".to_string(), "size_t".to_string()]),
            "i32" | "count" => out.push("int".to_string()),
            "u32" => out.push("uint32_t".to_string()),
            "[str]" => out.push("char**".to_string()),
            "[u32]" => out.push("uint32_t*".to_string()),
            other => panic!("unknown row type {other}"),
        }
    }
    out
}

#[test]
fn the_header_tables_are_the_mapping_rows() {
    // The probe checks agora_sig.h against the tables above; these must be the rows' own
    // signatures, from which the library's entries and the facade are generated.
    let methods = sig2rtm::legacy_methods!(method_rows);
    let names: Vec<&str> = methods.iter().map(|m| m.0).collect();
    assert_eq!(names, METHODS.iter().map(|m| m.0).collect::<Vec<_>>());
    for ((legacy, how, row), (_, _, params)) in methods.iter().zip(METHODS) {
        if *how == "queued" {
            assert_eq!(row_types(row), types(params, false), "{legacy}");
        }
    }
    let callbacks = sig2rtm::legacy_callbacks!(callback_rows);
    let names: Vec<&str> = callbacks.iter().map(|c| c.0).collect();
    assert_eq!(names, CALLBACKS.iter().map(|c| c.0).collect::<Vec<_>>());
    for ((legacy, row), (_, params)) in callbacks.iter().zip(CALLBACKS) {
        assert_eq!(row_types(row), types(params, false), "{legacy}");
    }
}

#[test]
fn the_library_lists_the_legacy_methods_and_callbacks_in_order() {
    let methods: Vec<&str> = METHODS.iter().map(|m| m.0).collect();
    let callbacks: Vec<&str> = CALLBACKS.iter().map(|c| c.0).collect();
    assert_eq!(METHOD_NAMES, &methods[..]);
    assert_eq!(CALLBACK_NAMES, &callbacks[..]);
    let p = size_of::<*const ()>();
    assert_eq!(size_of::<ICallBackC>(), CALLBACKS.len() * p);
    assert_eq!(size_of::<IAgoraAPIC>(), (METHODS.len() + 3) * p);
    assert_eq!(offset_of!(IAgoraAPIC, login2), 3 * p);
    assert_eq!(offset_of!(IAgoraAPIC, release), METHODS.len() * p);
    assert_eq!(
        offset_of!(ICallBackC, onBCCall_result),
        (CALLBACKS.len() - 1) * p
    );
}

#[test]
fn the_header_matches_the_legacy_signatures_and_the_library_layout() {
    let exe = support::build_probe(
        "abi_probe",
        &probe_source(),
        true,
        &["-std=c++11", "-Wall", "-Wextra", "-Werror"],
    );
    let out = support::run(support::program(&exe), std::time::Duration::from_secs(20));
    assert!(out.status.success(), "{}", support::show(&out));
    let mut got: HashMap<String, i64> = HashMap::new();
    for line in support::lines(&out) {
        let (key, value) = line.rsplit_once(' ').expect("key value");
        got.insert(key.to_string(), value.parse().expect("number"));
    }
    let p = size_of::<*const ()>() as i64;
    for (i, name) in CALLBACK_NAMES.iter().enumerate() {
        assert_eq!(got[&format!("slot ICallBack {name}")], i as i64, "{name}");
        assert_eq!(
            got[&format!("offset ICallBackC {name}")],
            i as i64 * p,
            "{name}"
        );
    }
    for (i, name) in METHOD_NAMES.iter().enumerate() {
        assert_eq!(got[&format!("slot IAgoraAPI {name}")], i as i64, "{name}");
        assert_eq!(
            got[&format!("offset IAgoraAPIC {name}")],
            i as i64 * p,
            "{name}"
        );
    }
    assert_eq!(
        got["offset IAgoraAPIC release"],
        offset_of!(IAgoraAPIC, release) as i64
    );
    assert_eq!(
        got["offset IAgoraAPIC api"],
        offset_of!(IAgoraAPIC, api) as i64
    );
    assert_eq!(
        got["offset IAgoraAPIC cb"],
        offset_of!(IAgoraAPIC, cb) as i64
    );
    assert_eq!(got["size ICallBackC"], size_of::<ICallBackC>() as i64);
    assert_eq!(got["size IAgoraAPIC"], size_of::<IAgoraAPIC>() as i64);
}

#[test]
fn the_header_is_strict_c_and_strict_cpp() {
    let c = "#include \"agora_sig.h\"\n\
             _Static_assert(LOGOUT_E_USER == 101 && QUERYUSERNUM_E_BYUSER == 502 && \
             GENERAL_E_LARGE_PARAM == 1005, \"codes\");\n\
             int main(void) { IAgoraAPIC* api = getAgoraSDKInstanceC(); ICallBackC cb = {0}; \
             (void)cb; return api == 0; }\n";
    for std in ["-std=c99", "-std=c11"] {
        let flags = [
            std,
            "-pedantic",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-fsyntax-only",
        ];
        let src = if std == "-std=c99" {
            c.replace("_Static_assert(", "typedef char codes_ok[(")
                .replace(", \"codes\");", ") ? 1 : -1];")
        } else {
            c.to_string()
        };
        support::build_probe(&format!("strict_c{}", &std[5..]), &src, false, &flags);
    }
    let cpp = "#include \"agora_sig.h\"\nint main() { return getAgoraSDKInstanceCPP() == 0; }\n";
    for std in ["-std=c++11", "-std=c++17"] {
        support::build_probe(
            &format!("strict_cpp{}", &std[8..]),
            cpp,
            true,
            &[
                std,
                "-pedantic",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-Wnon-virtual-dtor",
                "-Wshadow",
                "-fsyntax-only",
            ],
        );
    }
}
