//! The checks: every row of every table, then the references between tables. Problems are
//! collected, not returned one by one, so one run reports all of them.

use crate::names::{
    camel_case, is_contract_id, is_identifier, is_snake_identifier, is_upper_identifier,
    snake_case, upper_to_camel, RUST_KEYWORDS,
};
use crate::schema::*;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// Every problem found in the tables, each naming its file and row. One run collects all of
/// them, so a single build shows everything that needs mending.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Problems {
    list: Vec<String>,
}

impl Problems {
    /// The problems, one line each: `mapping/methods.toml, [[method]] #3 (legacy = "login"): …`.
    pub fn lines(&self) -> &[String] {
        &self.list
    }

    /// Whether no problem was found.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Records a problem of one row.
    pub(crate) fn add(&mut self, file: &str, row: &str, msg: impl AsRef<str>) {
        self.list.push(format!("{file}, {row}: {}", msg.as_ref()));
    }

    /// Records a problem of a whole file.
    pub(crate) fn file(&mut self, file: &str, msg: impl AsRef<str>) {
        self.list.push(format!("{file}: {}", msg.as_ref()));
    }
}

impl std::fmt::Display for Problems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.list.len();
        write!(
            f,
            "the mapping tables are invalid ({n} problem{}); see mapping/README.md for the schema:",
            if n == 1 { "" } else { "s" }
        )?;
        for line in &self.list {
            write!(f, "\n  - {line}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// Takes a required field, or records that it is missing.
pub(crate) fn required<T>(
    p: &mut Problems,
    file: &str,
    row: &str,
    field: &str,
    v: Option<T>,
) -> Option<T> {
    if v.is_none() {
        p.add(file, row, format!("missing field `{field}`"));
    }
    v
}

/// Records a problem when a required text field is empty.
pub(crate) fn non_empty(p: &mut Problems, file: &str, row: &str, field: &str, v: &str) {
    if v.trim().is_empty() {
        p.add(file, row, format!("field `{field}` must not be empty"));
    }
}

/// Describes a row for messages: `[[method]] #3 (legacy = "login")`.
pub(crate) fn row_label(table: &str, index: usize, key: &str, value: Option<&String>) -> String {
    match value {
        Some(v) => format!("[[{table}]] #{} ({key} = {v:?})", index + 1),
        None => format!("[[{table}]] #{}", index + 1),
    }
}
/// Checks a list field: no empty or repeated entries, each accepted by `ok`.
pub(crate) fn check_list(
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

pub(crate) fn check_contract(p: &mut Problems, file: &str, row: &str, ids: &[String]) {
    check_list(p, file, row, "contract", ids, |id| {
        if is_contract_id(id) {
            Ok(())
        } else {
            Err("is not a contract rule id (one of N S C M I Q T followed by digits)".into())
        }
    });
}

pub(crate) fn parse<T: for<'de> Deserialize<'de>>(
    rel: &str,
    text: &str,
    p: &mut Problems,
) -> Option<T> {
    match toml::from_str::<T>(text) {
        Ok(v) => Some(v),
        Err(e) => {
            p.file(rel, format!("not valid for its schema:\n{e}"));
            None
        }
    }
}
// ------------------------------------------------------------------------------------------
// Per-file checks.

pub(crate) fn check_methods(raw: Vec<RawMethod>, p: &mut Problems) -> Vec<Method> {
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
        let queued = r.queued.unwrap_or(true);
        let params = match (queued, r.params) {
            (true, Some(params)) => check_params(p, f, &row, &params),
            (true, None) => {
                p.add(
                    f,
                    &row,
                    "missing field `params` (a queued method lists its parameters)",
                );
                Vec::new()
            }
            (false, None) => Vec::new(),
            (false, Some(_)) => {
                p.add(
                    f,
                    &row,
                    "`params` is for queued methods; the facade answers this one itself",
                );
                Vec::new()
            }
        };
        out.push(Method {
            legacy,
            rust,
            area,
            kind,
            rtm,
            results,
            contract,
            note,
            params,
            queued,
        });
    }
    let names: Vec<(&str, &str)> = out
        .iter()
        .map(|m| (m.legacy.as_str(), m.rust.as_str()))
        .collect();
    check_unique_names(p, f, "method", &names);
    out
}

/// An argument or parameter `name` (entry `entry` of `field`) needs a usable Rust name `rust`
/// and must not repeat an earlier one (`taken`).
fn check_arg_name(
    p: &mut Problems,
    (f, row, field): (&str, &str, &str),
    entry: &str,
    name: &str,
    rust: &str,
    taken: bool,
) {
    if !is_identifier(name) || !is_snake_identifier(rust) || RUST_KEYWORDS.contains(&rust) {
        p.add(
            f,
            row,
            format!("`{field}` entry {entry:?}: {name:?} gives no usable Rust name"),
        );
    }
    if taken {
        p.add(f, row, format!("`{field}` names {name:?} twice"));
    }
}

/// Parses the `params` of a method row: `"name: type"` or `"name: type ignored"`, distinct
/// names with usable Rust names.
pub(crate) fn check_params(p: &mut Problems, f: &str, row: &str, params: &[String]) -> Vec<Param> {
    let mut out: Vec<Param> = Vec::new();
    for entry in params {
        let Some((name, rest)) = entry.split_once(':') else {
            p.add(
                f,
                row,
                format!("`params` entry {entry:?} must read \"name: type\""),
            );
            continue;
        };
        let mut words = rest.split_whitespace();
        let ty = words.next().unwrap_or_default();
        let ignored = match words.next() {
            None => false,
            Some("ignored") if words.next().is_none() => true,
            Some(_) => {
                p.add(
                    f,
                    row,
                    format!("`params` entry {entry:?}: only `ignored` may follow the type"),
                );
                false
            }
        };
        let Some(ty) = ParamType::ALL
            .iter()
            .find(|(t, _)| *t == ty)
            .map(|(_, t)| *t)
        else {
            p.add(
                f,
                row,
                format!("`params` entry {entry:?}: unknown type {ty:?}; allowed: str, i32, u32"),
            );
            continue;
        };
        let name = name.trim();
        let rust = snake_case(name);
        let taken = out.iter().any(|a| a.legacy == name || a.rust == rust);
        check_arg_name(p, (f, row, "params"), entry, name, &rust, taken);
        out.push(Param {
            legacy: name.to_string(),
            rust,
            ty,
            ignored,
        });
    }
    out
}

/// Parses the `args` of a callback row: `"name: type"` entries with distinct names, a usable
/// Rust name for each, and `count` only before a list.
pub(crate) fn check_args(p: &mut Problems, f: &str, row: &str, args: &[String]) -> Vec<Arg> {
    let mut out: Vec<Arg> = Vec::new();
    for entry in args {
        let Some((name, ty)) = entry.split_once(':') else {
            p.add(
                f,
                row,
                format!("`args` entry {entry:?} must read \"name: type\""),
            );
            continue;
        };
        let (name, ty) = (name.trim(), ty.trim());
        let Some(ty) = ArgType::ALL.iter().find(|(t, _)| *t == ty).map(|(_, t)| *t) else {
            let allowed: Vec<&str> = ArgType::ALL.iter().map(|(t, _)| *t).collect();
            p.add(
                f,
                row,
                format!(
                    "`args` entry {entry:?}: unknown type {ty:?}; allowed: {}",
                    allowed.join(", ")
                ),
            );
            continue;
        };
        let rust = if name == "type" {
            "kind".to_string()
        } else {
            snake_case(name)
        };
        let taken = out.iter().any(|a| a.legacy == name || a.rust == rust);
        check_arg_name(p, (f, row, "args"), entry, name, &rust, taken);
        out.push(Arg {
            legacy: name.to_string(),
            rust,
            ty,
        });
    }
    let has_count = out.iter().any(|a| a.ty == ArgType::Count);
    if out.iter().any(|a| a.ty.is_list()) && !has_count {
        p.add(
            f,
            row,
            "`args` has a list but no `count` before it (the C callback needs one)",
        );
    }
    for (i, a) in out.iter().enumerate() {
        if a.ty == ArgType::Count && !out.get(i + 1).is_some_and(|next| next.ty.is_list()) {
            p.add(
                f,
                row,
                format!(
                    "`args`: {:?} is a count, so a list must follow it",
                    a.legacy
                ),
            );
        }
    }
    out
}

/// `rust` must be a usable snake_case identifier and the snake_case of `legacy` (rule N1).
pub(crate) fn check_rust_name(p: &mut Problems, f: &str, row: &str, legacy: &str, rust: &str) {
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

/// No two rows of `table` share a legacy name, a Rust name or a generated variant name.
pub(crate) fn check_unique_names(
    p: &mut Problems,
    file: &str,
    table: &str,
    names: &[(&str, &str)],
) {
    check_unique(p, file, table, "legacy", names.iter().map(|n| n.0));
    check_unique(p, file, table, "rust", names.iter().map(|n| n.1));
    let variants = names.iter().map(|n| camel_case(n.1));
    check_unique(p, file, table, "generated variant name", variants);
}

/// No two rows of `table` share a value of `field` (in row order).
pub(crate) fn check_unique<S: AsRef<str>>(
    p: &mut Problems,
    file: &str,
    table: &str,
    field: &str,
    values: impl IntoIterator<Item = S>,
) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, v) in values.into_iter().enumerate() {
        let v = v.as_ref();
        if let Some(first) = seen.insert(v.to_string(), i) {
            p.add(
                file,
                &format!("[[{table}]] #{}", i + 1),
                format!("{field} {v:?} is already used by row #{}", first + 1),
            );
        }
    }
}

pub(crate) fn check_callbacks(raw: Vec<RawCallback>, p: &mut Problems) -> Vec<Callback> {
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
        let args = check_args(p, f, &row, &args);
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
    let names: Vec<(&str, &str)> = out
        .iter()
        .map(|c| (c.legacy.as_str(), c.rust.as_str()))
        .collect();
    check_unique_names(p, f, "callback", &names);
    out
}

pub(crate) fn check_rtm_events(raw: Vec<RawRtmEvent>, p: &mut Problems) -> Vec<RtmEvent> {
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
    check_unique(
        p,
        f,
        "rtm_event",
        "scope/rtm",
        out.iter().map(|e| format!("{}/{}", e.scope, e.rtm)),
    );
    out
}

pub(crate) fn check_legacy_codes(raw: Vec<RawLegacyCode>, p: &mut Problems) -> Vec<LegacyCode> {
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
    let codes = out.iter().map(|c| c.code.to_string());
    check_unique(p, f, "legacy_code", "code", codes);
    for (i, pair) in out.windows(2).enumerate() {
        if pair[1].code < pair[0].code {
            let row = row_label("legacy_code", i + 1, "name", Some(&pair[1].name));
            p.add(f, &row, "rows must be in increasing `code` order (the generated AgoraECode::ALL is numeric)");
        }
    }
    out
}

pub(crate) fn check_errors(
    raw: Vec<RawError>,
    legacy: &[LegacyCode],
    p: &mut Problems,
) -> Vec<ErrorRow> {
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
        if let Some(variant) = &r.variant {
            let expected = upper_to_camel(&rtm_name);
            if *variant != expected {
                p.add(
                    f,
                    &row,
                    format!(
                        "`variant` {variant:?} is not the core's variant for {rtm_name}: expected {expected:?}"
                    ),
                );
            }
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
            variant: r.variant,
            legacy_name,
            legacy_code,
            success,
            on_error: r.on_error,
            transient,
            note,
        });
    }
    check_unique(
        p,
        f,
        "error",
        "(rtm_enum, rtm_name)",
        out.iter()
            .map(|e| format!("{}::{}", e.rtm_enum, e.rtm_name)),
    );
    check_unique(
        p,
        f,
        "error",
        "(rtm_enum, rtm_code)",
        out.iter()
            .map(|e| format!("{}::{}", e.rtm_enum, e.rtm_code)),
    );
    out
}

pub(crate) fn check_invokes(raw: Vec<RawInvoke>, p: &mut Problems) -> Vec<Invoke> {
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
pub(crate) fn check_cross(t: &Tables, p: &mut Problems) {
    let (methods, callbacks, events) = (&t.methods, &t.callbacks, &t.events);
    let (legacy_codes, invokes) = (&t.legacy_codes, &t.invokes);
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

/// Parses and checks the four tables.
pub(crate) fn check_all(src: &crate::Sources) -> Result<Tables, Problems> {
    let mut p = Problems::default();
    let mf: Option<MethodsFile> = parse(METHODS_FILE, &src.methods, &mut p);
    let ef: Option<EventsFile> = parse(EVENTS_FILE, &src.events, &mut p);
    let erf: Option<ErrorsFile> = parse(ERRORS_FILE, &src.errors, &mut p);
    let inf: Option<InvokeFile> = parse(INVOKE_FILE, &src.invoke, &mut p);
    let (Some(mf), Some(ef), Some(erf), Some(inf)) = (mf, ef, erf, inf) else {
        return Err(p);
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
            p.file(file, format!("no valid [[{table}]] rows"));
        }
    }
    let tables = Tables {
        methods,
        callbacks,
        events,
        legacy_codes,
        errors,
        invokes,
    };
    check_cross(&tables, &mut p);
    if p.is_empty() {
        Ok(tables)
    } else {
        Err(p)
    }
}
