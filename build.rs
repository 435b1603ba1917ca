//! Build script: reads the mapping tables in `mapping/*.toml`, validates every row, and
//! generates `$OUT_DIR/mapping_tables.rs`, which `src/mapping.rs` includes.
//!
//! The tables are the single source of truth for the legacy-to-RTM adapter; the schema and the
//! list of checks are in `mapping/README.md`. A bad row stops the build with a message that
//! names the file and the row.

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const METHODS_FILE: &str = "mapping/methods.toml";
const EVENTS_FILE: &str = "mapping/events.toml";
const ERRORS_FILE: &str = "mapping/errors.toml";
const INVOKE_FILE: &str = "mapping/invoke.toml";

/// `area` values: the areas of the seed table, plus `misc`.
const AREAS: &[(&str, &str)] = &[
    ("login", "Login"),
    ("peer_messages", "PeerMessages"),
    ("online_status", "OnlineStatus"),
    ("user_attributes", "UserAttributes"),
    ("channels", "Channels"),
    ("channel_messages", "ChannelMessages"),
    ("channel_attributes", "ChannelAttributes"),
    ("member_list", "MemberList"),
    ("member_count", "MemberCount"),
    ("call_invitation", "CallInvitation"),
    ("tokens", "Tokens"),
    ("misc", "Misc"),
];

/// `kind` values.
const KINDS: &[(&str, &str)] = &[
    ("direct", "Direct"),
    ("emulated", "Emulated"),
    ("local", "Local"),
    ("unsupported", "Unsupported"),
];

/// `scope` values of RTM events: who raises them.
const SCOPES: &[(&str, &str)] = &[
    ("client", "Client"),
    ("channel", "Channel"),
    ("call", "Call"),
];

/// RTM 1.x operations (C++ names of spec/rtm-1x.md §1) that a method row may list in `rtm`.
const RTM_OPERATIONS: &[&str] = &[
    // §1.1 entry points
    "createRtmService",
    "initialize",
    "getRtmSdkVersion",
    "setRtmServiceContext",
    // §1.2 IRtmService
    "addEventHandler",
    "removeEventHandler",
    "release",
    "login",
    "logout",
    "renewToken",
    "sendMessageToPeer",
    "createChannel",
    "getRtmCallManager",
    "createMessage",
    "createChannelAttribute",
    "setParameters",
    "queryPeersOnlineStatus",
    "subscribePeersOnlineStatus",
    "unsubscribePeersOnlineStatus",
    "queryPeersBySubscriptionOption",
    "setLocalUserAttributes",
    "addOrUpdateLocalUserAttributes",
    "deleteLocalUserAttributesByKeys",
    "clearLocalUserAttributes",
    "getUserAttributes",
    "getUserAttributesByKeys",
    "setChannelAttributes",
    "addOrUpdateChannelAttributes",
    "deleteChannelAttributesByKeys",
    "clearChannelAttributes",
    "getChannelAttributes",
    "getChannelAttributesByKeys",
    "getChannelMemberCount",
    "setLogFile",
    "setLogFilter",
    "setLogFileSize",
    "createFileMessageByUploading",
    "createImageMessageByUploading",
    "createFileMessageByMediaId",
    "createImageMessageByMediaId",
    "downloadMediaToMemory",
    "downloadMediaToFile",
    "cancelMediaUpload",
    "cancelMediaDownload",
    // §1.4 IChannel
    "join",
    "leave",
    "sendMessage",
    "getId",
    "getMembers",
    // §1.5 IRtmCallManager
    "createLocalCallInvitation",
    "sendLocalInvitation",
    "cancelLocalInvitation",
    "acceptRemoteInvitation",
    "refuseRemoteInvitation",
];

/// The RTM operation result enums of spec/rtm-1x.md §3 that `errors.toml` may translate.
const RTM_ERROR_ENUMS: &[&str] = &[
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
];

/// Prefix every invoke function name carries.
const INVOKE_PREFIX: &str = "io.agora.signal.";

/// Callback that carries the general (1000-range) legacy codes.
const ON_ERROR: &str = "onError";

// ------------------------------------------------------------------------------------------
// Raw rows, as written in the files. Every field is optional here so that a missing field is
// reported with the row it belongs to instead of as a bare deserialisation error.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MethodsFile {
    #[serde(default)]
    method: Vec<RawMethod>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMethod {
    legacy: Option<String>,
    rust: Option<String>,
    area: Option<String>,
    kind: Option<String>,
    rtm: Option<Vec<String>>,
    results: Option<Vec<String>>,
    contract: Option<Vec<String>>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsFile {
    #[serde(default)]
    callback: Vec<RawCallback>,
    #[serde(default)]
    rtm_event: Vec<RawRtmEvent>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCallback {
    legacy: Option<String>,
    rust: Option<String>,
    args: Option<Vec<String>>,
    produced_by: Option<String>,
    contract: Option<Vec<String>>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRtmEvent {
    scope: Option<String>,
    rtm: Option<String>,
    drives: Option<Vec<String>>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorsFile {
    #[serde(default)]
    legacy_code: Vec<RawLegacyCode>,
    #[serde(default)]
    error: Vec<RawError>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLegacyCode {
    name: Option<String>,
    code: Option<i64>,
    carrier: Option<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawError {
    rtm_enum: Option<String>,
    rtm_name: Option<String>,
    rtm_code: Option<i64>,
    legacy_name: Option<String>,
    legacy_code: Option<i64>,
    success: Option<bool>,
    on_error: Option<String>,
    transient: Option<bool>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InvokeFile {
    #[serde(default)]
    invoke: Vec<RawInvoke>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInvoke {
    name: Option<String>,
    request: Option<Vec<String>>,
    response: Option<Vec<String>>,
    method: Option<String>,
    kind: Option<String>,
    note: Option<String>,
}

// ------------------------------------------------------------------------------------------
// Checked rows.

struct Method {
    legacy: String,
    rust: String,
    area: String,
    kind: String,
    rtm: Vec<String>,
    results: Vec<String>,
    contract: Vec<String>,
    note: String,
}

struct Callback {
    legacy: String,
    rust: String,
    args: Vec<String>,
    produced_by: String,
    contract: Vec<String>,
    note: String,
}

struct RtmEvent {
    scope: String,
    rtm: String,
    drives: Vec<String>,
    note: String,
}

struct LegacyCode {
    name: String,
    code: i64,
    carrier: String,
    note: String,
}

struct ErrorRow {
    rtm_enum: String,
    rtm_name: String,
    rtm_code: i64,
    legacy_name: String,
    legacy_code: i64,
    success: bool,
    on_error: Option<String>,
    transient: bool,
    note: String,
}

struct Invoke {
    name: String,
    request: Vec<String>,
    response: Vec<String>,
    method: String,
    kind: String,
    note: String,
}

/// Collects every problem, so one build run reports all of them.
#[derive(Default)]
struct Problems {
    list: Vec<String>,
}

impl Problems {
    fn add(&mut self, file: &str, row: &str, msg: impl AsRef<str>) {
        self.list.push(format!("{file}, {row}: {}", msg.as_ref()));
    }
}

/// Takes a required field, or records that it is missing.
fn required<T>(p: &mut Problems, file: &str, row: &str, field: &str, v: Option<T>) -> Option<T> {
    if v.is_none() {
        p.add(file, row, format!("missing field `{field}`"));
    }
    v
}

/// Records a problem when a required text field is empty.
fn non_empty(p: &mut Problems, file: &str, row: &str, field: &str, v: &str) {
    if v.trim().is_empty() {
        p.add(file, row, format!("field `{field}` must not be empty"));
    }
}

/// Describes a row for messages: `[[method]] #3 (legacy = "login")`.
fn row_label(table: &str, index: usize, key: &str, value: Option<&String>) -> String {
    match value {
        Some(v) => format!("[[{table}]] #{} ({key} = {v:?})", index + 1),
        None => format!("[[{table}]] #{}", index + 1),
    }
}

/// snake_case of a legacy camelCase name (contract rule N1): an underscore goes before an
/// upper-case letter that follows a lower-case letter or digit, and before the last capital of
/// an acronym that is followed by a lower-case letter (`onBCCall_result` -> `on_bc_call_result`).
fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = if i > 0 { Some(chars[i - 1]) } else { None };
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
            if boundary {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// CamelCase variant name from a snake_case name: `channel_invite_user2` -> `ChannelInviteUser2`.
fn camel_case(snake: &str) -> String {
    snake
        .split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut cs = part.chars();
            match cs.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + cs.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn is_identifier(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_snake_identifier(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some(c) if c.is_ascii_lowercase())
        && cs.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.contains("__")
        && !s.ends_with('_')
}

fn is_upper_identifier(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some(c) if c.is_ascii_uppercase())
        && cs.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Contract rule ids look like `M1`, `C11`: a section letter of spec/shim-contract.md and a number.
fn is_contract_id(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some('N' | 'S' | 'C' | 'M' | 'I' | 'Q' | 'T'))
        && !cs.as_str().is_empty()
        && cs.all(|c| c.is_ascii_digit())
}

/// Rust keywords that a generated snake_case name must not collide with.
const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use",
    "where", "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv",
    "try", "typeof", "unsized", "virtual", "yield", "gen",
];

/// Checks a list field: no empty or repeated entries, each accepted by `ok`.
fn check_list(
    p: &mut Problems,
    file: &str,
    row: &str,
    field: &str,
    items: &[String],
    ok: impl Fn(&str) -> Result<(), String>,
) {
    let mut seen = BTreeSet::new();
    for item in items {
        if !seen.insert(item.as_str()) {
            p.add(file, row, format!("`{field}` lists {item:?} twice"));
        }
        if let Err(why) = ok(item) {
            p.add(file, row, format!("`{field}` entry {item:?}: {why}"));
        }
    }
}

fn check_contract(p: &mut Problems, file: &str, row: &str, ids: &[String]) {
    check_list(p, file, row, "contract", ids, |id| {
        if is_contract_id(id) {
            Ok(())
        } else {
            Err("is not a contract rule id (one of N S C M I Q T followed by digits)".into())
        }
    });
}

fn read_file(root: &Path, rel: &str, p: &mut Problems) -> Option<String> {
    let path = root.join(rel);
    println!("cargo:rerun-if-changed={rel}");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) => {
            p.list
                .push(format!("{rel}: cannot read {}: {e}", path.display()));
            None
        }
    }
}

fn parse<T: for<'de> Deserialize<'de>>(rel: &str, text: &str, p: &mut Problems) -> Option<T> {
    match toml::from_str::<T>(text) {
        Ok(v) => Some(v),
        Err(e) => {
            p.list
                .push(format!("{rel}: not valid for its schema:\n{e}"));
            None
        }
    }
}

// ------------------------------------------------------------------------------------------
// Per-file checks.

fn check_methods(raw: Vec<RawMethod>, p: &mut Problems) -> Vec<Method> {
    let f = METHODS_FILE;
    let mut out = Vec::new();
    for (i, r) in raw.into_iter().enumerate() {
        let row = row_label("method", i, "legacy", r.legacy.as_ref());
        let legacy = required(p, f, &row, "legacy", r.legacy);
        let rust = required(p, f, &row, "rust", r.rust);
        let area = required(p, f, &row, "area", r.area);
        let kind = required(p, f, &row, "kind", r.kind);
        let rtm = required(p, f, &row, "rtm", r.rtm);
        let results = required(p, f, &row, "results", r.results);
        let contract = required(p, f, &row, "contract", r.contract);
        let note = required(p, f, &row, "note", r.note);
        let (
            Some(legacy),
            Some(rust),
            Some(area),
            Some(kind),
            Some(rtm),
            Some(results),
            Some(contract),
            Some(note),
        ) = (legacy, rust, area, kind, rtm, results, contract, note)
        else {
            continue;
        };
        if !is_identifier(&legacy) || !legacy.starts_with(|c: char| c.is_ascii_lowercase()) {
            p.add(f, &row, "`legacy` must be the exact legacy method name (an identifier starting with a lower-case letter)");
        }
        check_rust_name(p, f, &row, &legacy, &rust);
        if !AREAS.iter().any(|(a, _)| *a == area) {
            let allowed: Vec<&str> = AREAS.iter().map(|(a, _)| *a).collect();
            p.add(
                f,
                &row,
                format!("unknown area {area:?}; allowed: {}", allowed.join(", ")),
            );
        }
        if !KINDS.iter().any(|(k, _)| *k == kind) {
            p.add(
                f,
                &row,
                format!("unknown kind {kind:?}; allowed: direct, emulated, local, unsupported"),
            );
        }
        check_list(p, f, &row, "rtm", &rtm, |op| {
            if RTM_OPERATIONS.contains(&op) {
                Ok(())
            } else {
                Err("is not an RTM 1.x operation of spec/rtm-1x.md §1 (C++ names)".into())
            }
        });
        match kind.as_str() {
            "local" | "unsupported" if !rtm.is_empty() => p.add(
                f,
                &row,
                format!("a {kind} row uses no RTM operation, so `rtm` must be empty"),
            ),
            "direct" | "emulated" if rtm.is_empty() => p.add(
                f,
                &row,
                format!("a {kind} row must list the RTM operations it uses in `rtm`"),
            ),
            _ => {}
        }
        if kind == "unsupported" && !results.iter().any(|r| r == ON_ERROR) {
            p.add(
                f,
                &row,
                "an unsupported method must fail loudly: `results` must include \"onError\"",
            );
        }
        check_contract(p, f, &row, &contract);
        non_empty(p, f, &row, "note", &note);
        out.push(Method {
            legacy,
            rust,
            area,
            kind,
            rtm,
            results,
            contract,
            note,
        });
    }
    check_unique(
        p,
        f,
        "method",
        "legacy",
        out.iter().map(|m| m.legacy.as_str()),
    );
    check_unique(p, f, "method", "rust", out.iter().map(|m| m.rust.as_str()));
    check_unique(
        p,
        f,
        "method",
        "generated variant name",
        out.iter()
            .map(|m| camel_case(&m.rust))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str),
    );
    out
}

/// `rust` must be a usable snake_case identifier and the snake_case of `legacy` (rule N1).
fn check_rust_name(p: &mut Problems, f: &str, row: &str, legacy: &str, rust: &str) {
    if !is_snake_identifier(rust) || RUST_KEYWORDS.contains(&rust) {
        p.add(
            f,
            row,
            format!("`rust` = {rust:?} is not a usable snake_case identifier"),
        );
    }
    let expected = snake_case(legacy);
    if rust != expected {
        p.add(
            f,
            row,
            format!("`rust` must be the snake_case of `legacy` (rule N1): expected {expected:?}, found {rust:?}"),
        );
    }
}

fn check_unique<'a>(
    p: &mut Problems,
    file: &str,
    table: &str,
    field: &str,
    values: impl Iterator<Item = &'a str>,
) {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, v) in values.enumerate() {
        if let Some(first) = seen.insert(v, i) {
            p.add(
                file,
                &format!("[[{table}]] #{}", i + 1),
                format!("{field} {v:?} is already used by row #{}", first + 1),
            );
        }
    }
}

fn check_callbacks(raw: Vec<RawCallback>, p: &mut Problems) -> Vec<Callback> {
    let f = EVENTS_FILE;
    let mut out = Vec::new();
    for (i, r) in raw.into_iter().enumerate() {
        let row = row_label("callback", i, "legacy", r.legacy.as_ref());
        let legacy = required(p, f, &row, "legacy", r.legacy);
        let rust = required(p, f, &row, "rust", r.rust);
        let args = required(p, f, &row, "args", r.args);
        let produced_by = required(p, f, &row, "produced_by", r.produced_by);
        let contract = required(p, f, &row, "contract", r.contract);
        let note = required(p, f, &row, "note", r.note);
        let (Some(legacy), Some(rust), Some(args), Some(produced_by), Some(contract), Some(note)) =
            (legacy, rust, args, produced_by, contract, note)
        else {
            continue;
        };
        if !is_identifier(&legacy) || !legacy.starts_with("on") {
            p.add(
                f,
                &row,
                "`legacy` must be the exact legacy callback name (an identifier starting with \"on\")",
            );
        }
        check_rust_name(p, f, &row, &legacy, &rust);
        check_list(p, f, &row, "args", &args, |a| {
            if is_identifier(a) {
                Ok(())
            } else {
                Err("is not an identifier".into())
            }
        });
        non_empty(p, f, &row, "produced_by", &produced_by);
        check_contract(p, f, &row, &contract);
        non_empty(p, f, &row, "note", &note);
        out.push(Callback {
            legacy,
            rust,
            args,
            produced_by,
            contract,
            note,
        });
    }
    check_unique(
        p,
        f,
        "callback",
        "legacy",
        out.iter().map(|c| c.legacy.as_str()),
    );
    check_unique(
        p,
        f,
        "callback",
        "rust",
        out.iter().map(|c| c.rust.as_str()),
    );
    check_unique(
        p,
        f,
        "callback",
        "generated variant name",
        out.iter()
            .map(|c| camel_case(&c.rust))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str),
    );
    out
}

fn check_rtm_events(raw: Vec<RawRtmEvent>, p: &mut Problems) -> Vec<RtmEvent> {
    let f = EVENTS_FILE;
    let mut out = Vec::new();
    for (i, r) in raw.into_iter().enumerate() {
        let row = row_label("rtm_event", i, "rtm", r.rtm.as_ref());
        let scope = required(p, f, &row, "scope", r.scope);
        let rtm = required(p, f, &row, "rtm", r.rtm);
        let drives = required(p, f, &row, "drives", r.drives);
        let note = match (r.note, drives.as_ref()) {
            (None, Some(d)) if d.is_empty() => {
                p.add(
                    f,
                    &row,
                    "`drives` is empty, so a `note` must say why the event drives no legacy callback",
                );
                None
            }
            (n, _) => required(p, f, &row, "note", n),
        };
        let (Some(scope), Some(rtm), Some(drives), Some(note)) = (scope, rtm, drives, note) else {
            continue;
        };
        if !SCOPES.iter().any(|(s, _)| *s == scope) {
            p.add(
                f,
                &row,
                format!("unknown scope {scope:?}; allowed: client, channel, call"),
            );
        }
        if !is_identifier(&rtm) {
            p.add(f, &row, "`rtm` must be the RTM event name (an identifier)");
        }
        check_list(p, f, &row, "drives", &drives, |_| Ok(()));
        non_empty(p, f, &row, "note", &note);
        out.push(RtmEvent {
            scope,
            rtm,
            drives,
            note,
        });
    }
    let keys: Vec<String> = out
        .iter()
        .map(|e| format!("{}/{}", e.scope, e.rtm))
        .collect();
    check_unique(
        p,
        f,
        "rtm_event",
        "scope/rtm",
        keys.iter().map(String::as_str),
    );
    out
}

fn check_legacy_codes(raw: Vec<RawLegacyCode>, p: &mut Problems) -> Vec<LegacyCode> {
    let f = ERRORS_FILE;
    let mut out = Vec::new();
    for (i, r) in raw.into_iter().enumerate() {
        let row = row_label("legacy_code", i, "name", r.name.as_ref());
        let name = required(p, f, &row, "name", r.name);
        let code = required(p, f, &row, "code", r.code);
        let carrier = required(p, f, &row, "carrier", r.carrier);
        let note = required(p, f, &row, "note", r.note);
        let (Some(name), Some(code), Some(carrier), Some(note)) = (name, code, carrier, note)
        else {
            continue;
        };
        if !is_upper_identifier(&name) {
            p.add(f, &row, "`name` must be an AGORA_E_CODE name in upper case");
        }
        if i32::try_from(code).is_err() || code < 0 {
            p.add(f, &row, "`code` must be a non-negative 32-bit integer");
        }
        if (code == 0) != carrier.is_empty() {
            p.add(
                f,
                &row,
                "`carrier` is empty for SUCCESS (code 0) and names a callback for every other code",
            );
        }
        non_empty(p, f, &row, "note", &note);
        out.push(LegacyCode {
            name,
            code,
            carrier,
            note,
        });
    }
    check_unique(
        p,
        f,
        "legacy_code",
        "name",
        out.iter().map(|c| c.name.as_str()),
    );
    let codes: Vec<String> = out.iter().map(|c| c.code.to_string()).collect();
    check_unique(
        p,
        f,
        "legacy_code",
        "code",
        codes.iter().map(String::as_str),
    );
    out
}

fn check_errors(raw: Vec<RawError>, legacy: &[LegacyCode], p: &mut Problems) -> Vec<ErrorRow> {
    let f = ERRORS_FILE;
    let by_name: BTreeMap<&str, &LegacyCode> =
        legacy.iter().map(|c| (c.name.as_str(), c)).collect();
    let mut out = Vec::new();
    for (i, r) in raw.into_iter().enumerate() {
        let label_value = match (&r.rtm_enum, &r.rtm_name) {
            (Some(e), Some(n)) => Some(format!("{e}::{n}")),
            _ => None,
        };
        let row = row_label("error", i, "rtm", label_value.as_ref());
        let rtm_enum = required(p, f, &row, "rtm_enum", r.rtm_enum);
        let rtm_name = required(p, f, &row, "rtm_name", r.rtm_name);
        let rtm_code = required(p, f, &row, "rtm_code", r.rtm_code);
        let legacy_name = required(p, f, &row, "legacy_name", r.legacy_name);
        let legacy_code = required(p, f, &row, "legacy_code", r.legacy_code);
        let success = required(p, f, &row, "success", r.success);
        let note = required(p, f, &row, "note", r.note);
        let transient = r.transient.unwrap_or(false);
        let (
            Some(rtm_enum),
            Some(rtm_name),
            Some(rtm_code),
            Some(legacy_name),
            Some(legacy_code),
            Some(success),
            Some(note),
        ) = (
            rtm_enum,
            rtm_name,
            rtm_code,
            legacy_name,
            legacy_code,
            success,
            note,
        )
        else {
            continue;
        };
        if !RTM_ERROR_ENUMS.contains(&rtm_enum.as_str()) {
            p.add(
                f,
                &row,
                format!(
                    "unknown rtm_enum {rtm_enum:?}; allowed: {}",
                    RTM_ERROR_ENUMS.join(", ")
                ),
            );
        }
        if !is_upper_identifier(&rtm_name) {
            p.add(
                f,
                &row,
                "`rtm_name` must be the RTM value name in upper case",
            );
        }
        if i32::try_from(rtm_code).is_err() || rtm_code < 0 {
            p.add(f, &row, "`rtm_code` must be a non-negative 32-bit integer");
        }
        if rtm_code == 0 && !success {
            p.add(
                f,
                &row,
                "an RTM OK value (code 0) must have `success = true`",
            );
        }
        match by_name.get(legacy_name.as_str()) {
            None => p.add(
                f,
                &row,
                format!("legacy_name {legacy_name:?} is not a [[legacy_code]] row"),
            ),
            Some(lc) => {
                if lc.code != legacy_code {
                    p.add(
                        f,
                        &row,
                        format!(
                            "legacy_code {legacy_code} does not match {legacy_name}, which is {}",
                            lc.code
                        ),
                    );
                }
                if r.on_error.is_some() && lc.carrier == ON_ERROR {
                    p.add(
                        f,
                        &row,
                        "`on_error` is redundant: the legacy code itself already goes to onError",
                    );
                }
            }
        }
        if success != (legacy_code == 0) {
            p.add(
                f,
                &row,
                "`success = true` goes with legacy SUCCESS (0), and only with it",
            );
        }
        if success && transient {
            p.add(f, &row, "a success row cannot be `transient`");
        }
        if let Some(extra) = &r.on_error {
            match by_name.get(extra.as_str()) {
                Some(lc) if lc.carrier == ON_ERROR => {}
                Some(_) => p.add(
                    f,
                    &row,
                    format!(
                        "on_error {extra:?} is not a general code carried by onError (1000..=1005)"
                    ),
                ),
                None => p.add(
                    f,
                    &row,
                    format!("on_error {extra:?} is not a [[legacy_code]] row"),
                ),
            }
            if success {
                p.add(f, &row, "a success row cannot also report `on_error`");
            }
        }
        non_empty(p, f, &row, "note", &note);
        out.push(ErrorRow {
            rtm_enum,
            rtm_name,
            rtm_code,
            legacy_name,
            legacy_code,
            success,
            on_error: r.on_error,
            transient,
            note,
        });
    }
    let by_name_keys: Vec<String> = out
        .iter()
        .map(|e| format!("{}::{}", e.rtm_enum, e.rtm_name))
        .collect();
    check_unique(
        p,
        f,
        "error",
        "(rtm_enum, rtm_name)",
        by_name_keys.iter().map(String::as_str),
    );
    let by_code_keys: Vec<String> = out
        .iter()
        .map(|e| format!("{}::{}", e.rtm_enum, e.rtm_code))
        .collect();
    check_unique(
        p,
        f,
        "error",
        "(rtm_enum, rtm_code)",
        by_code_keys.iter().map(String::as_str),
    );
    out
}

fn check_invokes(raw: Vec<RawInvoke>, p: &mut Problems) -> Vec<Invoke> {
    let f = INVOKE_FILE;
    let mut out = Vec::new();
    for (i, r) in raw.into_iter().enumerate() {
        let row = row_label("invoke", i, "name", r.name.as_ref());
        let name = required(p, f, &row, "name", r.name);
        let request = required(p, f, &row, "request", r.request);
        let response = required(p, f, &row, "response", r.response);
        let method = required(p, f, &row, "method", r.method);
        let kind = required(p, f, &row, "kind", r.kind);
        let note = required(p, f, &row, "note", r.note);
        let (Some(name), Some(request), Some(response), Some(method), Some(kind), Some(note)) =
            (name, request, response, method, kind, note)
        else {
            continue;
        };
        match name.strip_prefix(INVOKE_PREFIX) {
            Some(func) if is_snake_identifier(func) => {}
            _ => p.add(
                f,
                &row,
                format!("`name` must be {INVOKE_PREFIX:?} followed by a snake_case function name"),
            ),
        }
        let ident = |a: &str| {
            if is_identifier(a) {
                Ok(())
            } else {
                Err("is not a JSON field name made of letters, digits and underscores".into())
            }
        };
        check_list(p, f, &row, "request", &request, ident);
        check_list(p, f, &row, "response", &response, ident);
        if !response.iter().any(|r| r == "result") {
            p.add(
                f,
                &row,
                "`response` must include \"result\" (every answer carries it, rule Q3)",
            );
        }
        if !KINDS.iter().any(|(k, _)| *k == kind) {
            p.add(
                f,
                &row,
                format!("unknown kind {kind:?}; allowed: direct, emulated, local, unsupported"),
            );
        }
        non_empty(p, f, &row, "note", &note);
        out.push(Invoke {
            name,
            request,
            response,
            method,
            kind,
            note,
        });
    }
    check_unique(p, f, "invoke", "name", out.iter().map(|v| v.name.as_str()));
    out
}

/// Checks that need more than one table: names used in one file must exist in another.
fn check_cross(
    methods: &[Method],
    callbacks: &[Callback],
    events: &[RtmEvent],
    legacy_codes: &[LegacyCode],
    invokes: &[Invoke],
    p: &mut Problems,
) {
    let callback_names: BTreeSet<&str> = callbacks.iter().map(|c| c.legacy.as_str()).collect();
    for (i, m) in methods.iter().enumerate() {
        for r in &m.results {
            if !callback_names.contains(r.as_str()) {
                p.add(
                    METHODS_FILE,
                    &row_label("method", i, "legacy", Some(&m.legacy)),
                    format!(
                        "`results` names {r:?}, which has no [[callback]] row in {EVENTS_FILE}"
                    ),
                );
            }
        }
    }
    for (i, e) in events.iter().enumerate() {
        for d in &e.drives {
            if !callback_names.contains(d.as_str()) {
                p.add(
                    EVENTS_FILE,
                    &row_label("rtm_event", i, "rtm", Some(&e.rtm)),
                    format!("`drives` names {d:?}, which has no [[callback]] row"),
                );
            }
        }
    }
    for (i, c) in legacy_codes.iter().enumerate() {
        if !c.carrier.is_empty() && !callback_names.contains(c.carrier.as_str()) {
            p.add(
                ERRORS_FILE,
                &row_label("legacy_code", i, "name", Some(&c.name)),
                format!(
                    "`carrier` names {:?}, which has no [[callback]] row in {EVENTS_FILE}",
                    c.carrier
                ),
            );
        }
    }
    let by_legacy: BTreeMap<&str, &Method> =
        methods.iter().map(|m| (m.legacy.as_str(), m)).collect();
    let invoke_method = by_legacy.get("invoke");
    for (i, v) in invokes.iter().enumerate() {
        let row = row_label("invoke", i, "name", Some(&v.name));
        if v.method.is_empty() {
            continue;
        }
        match by_legacy.get(v.method.as_str()) {
            None => p.add(
                INVOKE_FILE,
                &row,
                format!("`method` names {:?}, which has no [[method]] row", v.method),
            ),
            Some(m) => {
                if m.kind != v.kind {
                    p.add(
                        INVOKE_FILE,
                        &row,
                        format!(
                            "`kind` {:?} differs from the kind {:?} of its method {}",
                            v.kind, m.kind, m.legacy
                        ),
                    );
                }
                if let Some(inv) = invoke_method {
                    for op in &m.rtm {
                        if !inv.rtm.contains(op) {
                            p.add(
                                METHODS_FILE,
                                "[[method]] legacy = \"invoke\"",
                                format!(
                                    "`rtm` lacks {op:?}, which {} uses for {}",
                                    m.legacy, v.name
                                ),
                            );
                        }
                    }
                }
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// Generation.

/// A Rust string literal for `s`.
fn lit(s: &str) -> String {
    format!("{s:?}")
}

/// A Rust `&[&str]` literal.
fn lit_list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| lit(s)).collect();
    format!("&[{}]", inner.join(", "))
}

fn variant_of<'a>(table: &'a [(&str, &str)], key: &str) -> &'a str {
    table
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| *v)
        .unwrap_or("Misc")
}

/// Writes one `#[doc = "..."]` line for each line of `text`.
fn doc(out: &mut String, indent: &str, text: &str) {
    for line in text.split('\n') {
        let _ = writeln!(out, "{indent}#[doc = {}]", lit(line));
    }
}

#[allow(clippy::too_many_arguments)]
fn generate(
    methods: &[Method],
    callbacks: &[Callback],
    events: &[RtmEvent],
    legacy_codes: &[LegacyCode],
    errors: &[ErrorRow],
    invokes: &[Invoke],
) -> String {
    let mut o = String::new();
    o.push_str(
        "// @generated by build.rs from mapping/*.toml. Do not edit: change the tables.\n\n",
    );

    // ---- LegacyMethod
    doc(
        &mut o,
        "",
        "Every legacy `IAgoraAPI` method, one variant per row of `mapping/methods.toml`, in table order.",
    );
    doc(&mut o, "", "");
    doc(
        &mut o,
        "",
        "The adapter matches on it exhaustively, so adding a row without a handler does not compile.",
    );
    o.push_str("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]\n");
    o.push_str("pub enum LegacyMethod {\n");
    for m in methods {
        doc(
            &mut o,
            "    ",
            &format!("`{}` ({}, {}): {}", m.legacy, m.kind, m.area, m.note),
        );
        let _ = writeln!(o, "    #[doc(alias = {})]", lit(&m.legacy));
        let _ = writeln!(o, "    {},", camel_case(&m.rust));
    }
    o.push_str("}\n\n");
    o.push_str("impl LegacyMethod {\n");
    doc(&mut o, "    ", "Every method, in table order.");
    o.push_str("    pub const ALL: &'static [LegacyMethod] = &[\n");
    for m in methods {
        let _ = writeln!(o, "        LegacyMethod::{},", camel_case(&m.rust));
    }
    o.push_str("    ];\n\n");
    doc(&mut o, "    ", "The table row of this method.");
    o.push_str("    pub fn row(self) -> &'static MethodRow {\n");
    o.push_str("        &METHODS[self as usize]\n    }\n\n");
    doc(&mut o, "    ", "The exact legacy (camelCase) name.");
    o.push_str(
        "    pub fn legacy_name(self) -> &'static str {\n        self.row().legacy\n    }\n\n",
    );
    doc(
        &mut o,
        "    ",
        "The snake_case name of the Rust facade (rule N1).",
    );
    o.push_str("    pub fn rust_name(self) -> &'static str {\n        self.row().rust\n    }\n\n");
    doc(&mut o, "    ", "Finds a method by its exact legacy name.");
    o.push_str("    pub fn from_legacy(name: &str) -> Option<Self> {\n        match name {\n");
    for m in methods {
        let _ = writeln!(
            o,
            "            {} => Some(LegacyMethod::{}),",
            lit(&m.legacy),
            camel_case(&m.rust)
        );
    }
    o.push_str("            _ => None,\n        }\n    }\n}\n\n");

    // ---- LegacyCallbackName
    doc(
        &mut o,
        "",
        "Every legacy `ICallBack` callback, one variant per `[[callback]]` row of `mapping/events.toml`, in table order.",
    );
    o.push_str("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]\n");
    o.push_str("pub enum LegacyCallbackName {\n");
    for c in callbacks {
        doc(
            &mut o,
            "    ",
            &format!("`{}({})`: {}", c.legacy, c.args.join(", "), c.note),
        );
        let _ = writeln!(o, "    #[doc(alias = {})]", lit(&c.legacy));
        let _ = writeln!(o, "    {},", camel_case(&c.rust));
    }
    o.push_str("}\n\n");
    o.push_str("impl LegacyCallbackName {\n");
    doc(&mut o, "    ", "Every callback, in table order.");
    o.push_str("    pub const ALL: &'static [LegacyCallbackName] = &[\n");
    for c in callbacks {
        let _ = writeln!(o, "        LegacyCallbackName::{},", camel_case(&c.rust));
    }
    o.push_str("    ];\n\n");
    doc(&mut o, "    ", "The table row of this callback.");
    o.push_str("    pub fn row(self) -> &'static CallbackRow {\n");
    o.push_str("        &CALLBACKS[self as usize]\n    }\n\n");
    doc(&mut o, "    ", "The exact legacy (camelCase) name.");
    o.push_str(
        "    pub fn legacy_name(self) -> &'static str {\n        self.row().legacy\n    }\n\n",
    );
    doc(
        &mut o,
        "    ",
        "The snake_case name of the Rust facade (rule N1).",
    );
    o.push_str("    pub fn rust_name(self) -> &'static str {\n        self.row().rust\n    }\n\n");
    doc(&mut o, "    ", "Finds a callback by its exact legacy name.");
    o.push_str("    pub fn from_legacy(name: &str) -> Option<Self> {\n        match name {\n");
    for c in callbacks {
        let _ = writeln!(
            o,
            "            {} => Some(LegacyCallbackName::{}),",
            lit(&c.legacy),
            camel_case(&c.rust)
        );
    }
    o.push_str("            _ => None,\n        }\n    }\n}\n\n");

    // ---- METHODS
    doc(
        &mut o,
        "",
        "Rows of `mapping/methods.toml`, in file order; `LegacyMethod::row` indexes into it.",
    );
    o.push_str("pub static METHODS: &[MethodRow] = &[\n");
    for m in methods {
        let _ = writeln!(
            o,
            "    MethodRow {{\n        legacy: {},\n        rust: {},\n        area: Area::{},\n        kind: MethodKind::{},\n        rtm: {},\n        results: {},\n        contract: {},\n        note: {},\n    }},",
            lit(&m.legacy),
            lit(&m.rust),
            variant_of(AREAS, &m.area),
            variant_of(KINDS, &m.kind),
            lit_list(&m.rtm),
            lit_list(&m.results),
            lit_list(&m.contract),
            lit(&m.note),
        );
    }
    o.push_str("];\n\n");

    // ---- CALLBACKS
    doc(
        &mut o,
        "",
        "`[[callback]]` rows of `mapping/events.toml`, in file order; `LegacyCallbackName::row` indexes into it.",
    );
    o.push_str("pub static CALLBACKS: &[CallbackRow] = &[\n");
    for c in callbacks {
        let _ = writeln!(
            o,
            "    CallbackRow {{\n        legacy: {},\n        rust: {},\n        args: {},\n        produced_by: {},\n        contract: {},\n        note: {},\n    }},",
            lit(&c.legacy),
            lit(&c.rust),
            lit_list(&c.args),
            lit(&c.produced_by),
            lit_list(&c.contract),
            lit(&c.note),
        );
    }
    o.push_str("];\n\n");

    // ---- RTM_EVENTS
    doc(
        &mut o,
        "",
        "`[[rtm_event]]` rows of `mapping/events.toml`: every RTM 1.x event and the legacy callbacks it drives.",
    );
    o.push_str("pub static RTM_EVENTS: &[RtmEventRow] = &[\n");
    for e in events {
        let _ = writeln!(
            o,
            "    RtmEventRow {{\n        scope: RtmEventScope::{},\n        rtm: {},\n        drives: {},\n        note: {},\n    }},",
            variant_of(SCOPES, &e.scope),
            lit(&e.rtm),
            lit_list(&e.drives),
            lit(&e.note),
        );
    }
    o.push_str("];\n\n");

    // ---- LEGACY_CODES
    doc(
        &mut o,
        "",
        "`[[legacy_code]]` rows of `mapping/errors.toml`: the legacy `AGORA_E_CODE` enum, names and values.",
    );
    o.push_str("pub static LEGACY_CODES: &[LegacyCodeRow] = &[\n");
    for c in legacy_codes {
        let _ = writeln!(
            o,
            "    LegacyCodeRow {{\n        name: {},\n        code: {},\n        carrier: {},\n        note: {},\n    }},",
            lit(&c.name),
            c.code,
            lit(&c.carrier),
            lit(&c.note),
        );
    }
    o.push_str("];\n\n");

    // ---- ERRORS
    let code_of: BTreeMap<&str, i64> = legacy_codes
        .iter()
        .map(|c| (c.name.as_str(), c.code))
        .collect();
    doc(
        &mut o,
        "",
        "`[[error]]` rows of `mapping/errors.toml`: how each RTM result code reaches the legacy API.",
    );
    o.push_str("pub static ERRORS: &[ErrorRow] = &[\n");
    for e in errors {
        let (on_error_name, on_error_code) = match &e.on_error {
            Some(n) => (
                format!("Some({})", lit(n)),
                format!("Some({})", code_of.get(n.as_str()).copied().unwrap_or(0)),
            ),
            None => ("None".to_string(), "None".to_string()),
        };
        let _ = writeln!(
            o,
            "    ErrorRow {{\n        rtm_enum: {},\n        rtm_name: {},\n        rtm_code: {},\n        legacy_name: {},\n        legacy_code: {},\n        success: {},\n        on_error_name: {},\n        on_error_code: {},\n        transient: {},\n        note: {},\n    }},",
            lit(&e.rtm_enum),
            lit(&e.rtm_name),
            e.rtm_code,
            lit(&e.legacy_name),
            e.legacy_code,
            e.success,
            on_error_name,
            on_error_code,
            e.transient,
            lit(&e.note),
        );
    }
    o.push_str("];\n\n");

    // ---- INVOKES
    doc(
        &mut o,
        "",
        "Rows of `mapping/invoke.toml`: the `io.agora.signal.*` functions that `invoke` dispatches.",
    );
    o.push_str("pub static INVOKES: &[InvokeRow] = &[\n");
    for v in invokes {
        let _ = writeln!(
            o,
            "    InvokeRow {{\n        name: {},\n        request: {},\n        response: {},\n        method: {},\n        kind: MethodKind::{},\n        note: {},\n    }},",
            lit(&v.name),
            lit_list(&v.request),
            lit_list(&v.response),
            lit(&v.method),
            variant_of(KINDS, &v.kind),
            lit(&v.note),
        );
    }
    o.push_str("];\n");
    o
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let root =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let mut p = Problems::default();

    let methods_text = read_file(&root, METHODS_FILE, &mut p);
    let events_text = read_file(&root, EVENTS_FILE, &mut p);
    let errors_text = read_file(&root, ERRORS_FILE, &mut p);
    let invoke_text = read_file(&root, INVOKE_FILE, &mut p);

    let methods_file: Option<MethodsFile> =
        methods_text.and_then(|t| parse(METHODS_FILE, &t, &mut p));
    let events_file: Option<EventsFile> = events_text.and_then(|t| parse(EVENTS_FILE, &t, &mut p));
    let errors_file: Option<ErrorsFile> = errors_text.and_then(|t| parse(ERRORS_FILE, &t, &mut p));
    let invoke_file: Option<InvokeFile> = invoke_text.and_then(|t| parse(INVOKE_FILE, &t, &mut p));

    let (Some(mf), Some(ef), Some(erf), Some(inf)) =
        (methods_file, events_file, errors_file, invoke_file)
    else {
        fail(&p);
    };

    let methods = check_methods(mf.method, &mut p);
    let callbacks = check_callbacks(ef.callback, &mut p);
    let events = check_rtm_events(ef.rtm_event, &mut p);
    let legacy_codes = check_legacy_codes(erf.legacy_code, &mut p);
    let errors = check_errors(erf.error, &legacy_codes, &mut p);
    let invokes = check_invokes(inf.invoke, &mut p);
    for (file, table, empty) in [
        (METHODS_FILE, "method", methods.is_empty()),
        (EVENTS_FILE, "callback", callbacks.is_empty()),
        (EVENTS_FILE, "rtm_event", events.is_empty()),
        (ERRORS_FILE, "legacy_code", legacy_codes.is_empty()),
        (ERRORS_FILE, "error", errors.is_empty()),
        (INVOKE_FILE, "invoke", invokes.is_empty()),
    ] {
        if empty {
            p.list.push(format!("{file}: no valid [[{table}]] rows"));
        }
    }
    check_cross(
        &methods,
        &callbacks,
        &events,
        &legacy_codes,
        &invokes,
        &mut p,
    );
    if !p.list.is_empty() {
        fail(&p);
    }

    let code = generate(
        &methods,
        &callbacks,
        &events,
        &legacy_codes,
        &errors,
        &invokes,
    );
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let dest = out_dir.join("mapping_tables.rs");
    if let Err(e) = std::fs::write(&dest, code) {
        eprintln!("error: cannot write {}: {e}", dest.display());
        std::process::exit(1);
    }
}

/// Prints every problem and stops the build.
fn fail(p: &Problems) -> ! {
    eprintln!(
        "error: the mapping tables are invalid ({} problem{}); see mapping/README.md for the schema:",
        p.list.len(),
        if p.list.len() == 1 { "" } else { "s" }
    );
    for line in &p.list {
        eprintln!("  - {line}");
    }
    std::process::exit(1);
}
