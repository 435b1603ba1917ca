//! MIGRATION.md generation: the tables and snippets of the guide, produced from the mapping rows
//! and the snippet files, between marker comments that leave the hand-written prose alone.
//!
//! A generated block is delimited by two HTML comments on lines of their own:
//!
//! ```text
//! <!-- generated:methods:peer_messages -->
//! …replaced on every regeneration…
//! <!-- /generated:methods:peer_messages -->
//! ```
//!
//! [`regenerate`] rewrites the inside of every block and keeps everything else byte for byte.
//! The guide must hold every block of [`BlockKey::all`] exactly once. The command is
//! [`REGENERATE_COMMAND`]; a test fails with it when the file is stale.
//!
//! ```
//! use sig2rtm::migration::doc::{regenerate, BlockKey};
//!
//! let mut text = String::from("# Guide\n\nHand-written prose.\n");
//! for key in BlockKey::all() {
//!     text.push_str(&format!("{}\n{}\n", key.begin_marker(), key.end_marker()));
//! }
//! let fresh = regenerate(&text).unwrap();
//! assert!(fresh.starts_with("# Guide\n\nHand-written prose.\n"));
//! assert!(fresh.contains("| `messageInstantSend` |"));
//! assert_eq!(regenerate(&fresh).unwrap(), fresh); // regenerating a fresh file changes nothing
//! ```

use super::replacement::{
    area_title, callback_areas, callback_kind, callback_rtm_events, rtm_rust_path,
};
use super::snippets::{snippet, visible, POLICIES};
use crate::mapping::{
    Area, LegacyCallbackName, MethodKind, CALLBACKS, ERRORS, INVOKES, LEGACY_CODES, METHODS,
    RTM_EVENTS,
};
use std::collections::BTreeSet;
use std::fmt::{self, Write as _};

/// The command that regenerates MIGRATION.md.
pub const REGENERATE_COMMAND: &str = "cargo run --example migration_doc";

/// The file the command rewrites, relative to the crate root.
pub const GUIDE_FILE: &str = "MIGRATION.md";

/// One generated block of the guide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BlockKey {
    /// Per area: how many methods of each kind, and how many callbacks.
    Summary,
    /// The configuration snippet of the switchable policies.
    Policies,
    /// The methods of an area: legacy → RTM, kind, note.
    Methods(Area),
    /// The callbacks of an area: legacy → RTM event, kind, note.
    Callbacks(Area),
    /// The side-by-side snippet of an area.
    Snippet(Area),
    /// The `io.agora.signal.*` functions of `invoke`.
    Invoke,
    /// Every RTM event and the legacy callbacks it drives.
    RtmEvents,
    /// How each RTM error code reaches a legacy app.
    Errors,
    /// The legacy `AGORA_E_CODE` values.
    LegacyCodes,
}

impl BlockKey {
    /// Every block the guide must hold, in the order the guide presents them.
    pub fn all() -> Vec<BlockKey> {
        let mut keys = vec![BlockKey::Summary, BlockKey::Policies];
        for &area in Area::ALL {
            keys.push(BlockKey::Snippet(area));
            keys.push(BlockKey::Methods(area));
            keys.push(BlockKey::Callbacks(area));
        }
        keys.extend([
            BlockKey::Invoke,
            BlockKey::RtmEvents,
            BlockKey::Errors,
            BlockKey::LegacyCodes,
        ]);
        keys
    }

    /// The key as written in the markers, e.g. `"methods:peer_messages"`.
    pub fn name(&self) -> String {
        match self {
            BlockKey::Summary => "summary".to_string(),
            BlockKey::Policies => "policies".to_string(),
            BlockKey::Methods(a) => format!("methods:{a}"),
            BlockKey::Callbacks(a) => format!("callbacks:{a}"),
            BlockKey::Snippet(a) => format!("snippet:{a}"),
            BlockKey::Invoke => "invoke".to_string(),
            BlockKey::RtmEvents => "rtm-events".to_string(),
            BlockKey::Errors => "errors".to_string(),
            BlockKey::LegacyCodes => "legacy-codes".to_string(),
        }
    }

    /// The key written as `name`, if there is one.
    pub fn parse(name: &str) -> Option<BlockKey> {
        let area = |s: &str| Area::ALL.iter().copied().find(|a| a.as_str() == s);
        match name.split_once(':') {
            Some(("methods", a)) => area(a).map(BlockKey::Methods),
            Some(("callbacks", a)) => area(a).map(BlockKey::Callbacks),
            Some(("snippet", a)) => area(a).map(BlockKey::Snippet),
            Some(_) => None,
            None => match name {
                "summary" => Some(BlockKey::Summary),
                "policies" => Some(BlockKey::Policies),
                "invoke" => Some(BlockKey::Invoke),
                "rtm-events" => Some(BlockKey::RtmEvents),
                "errors" => Some(BlockKey::Errors),
                "legacy-codes" => Some(BlockKey::LegacyCodes),
                _ => None,
            },
        }
    }

    /// The line that opens the block.
    pub fn begin_marker(&self) -> String {
        format!("<!-- generated:{} -->", self.name())
    }

    /// The line that closes the block.
    pub fn end_marker(&self) -> String {
        format!("<!-- /generated:{} -->", self.name())
    }

    /// The block's content, as generated now from the tables.
    pub fn generate(&self) -> String {
        match *self {
            BlockKey::Summary => summary(),
            BlockKey::Policies => visible(POLICIES),
            BlockKey::Methods(area) => methods_table(area),
            BlockKey::Callbacks(area) => callbacks_table(area),
            BlockKey::Snippet(area) => visible(snippet(area)),
            BlockKey::Invoke => invoke_table(),
            BlockKey::RtmEvents => rtm_events_table(),
            BlockKey::Errors => errors_tables(),
            BlockKey::LegacyCodes => legacy_codes_table(),
        }
    }
}

impl fmt::Display for BlockKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// Why a guide could not be regenerated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocError {
    /// A marker names no known block.
    UnknownBlock {
        /// 1-based line of the marker.
        line: usize,
        /// The name it gives.
        name: String,
    },
    /// A block appears twice.
    DuplicateBlock {
        /// 1-based line of the second begin marker.
        line: usize,
        /// The block.
        key: BlockKey,
    },
    /// A block is opened and not closed by its own end marker.
    Unclosed {
        /// 1-based line of the begin marker.
        line: usize,
        /// The block.
        key: BlockKey,
    },
    /// An end marker without a begin marker.
    StrayEnd {
        /// 1-based line of the marker.
        line: usize,
        /// The name it gives.
        name: String,
    },
    /// Blocks the guide must hold and does not.
    Missing(Vec<BlockKey>),
}

impl fmt::Display for DocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocError::UnknownBlock { line, name } => {
                write!(f, "line {line}: marker names an unknown block {name:?}")
            }
            DocError::DuplicateBlock { line, key } => {
                write!(f, "line {line}: block {key} appears a second time")
            }
            DocError::Unclosed { line, key } => write!(
                f,
                "line {line}: block {key} is not closed by {}",
                key.end_marker()
            ),
            DocError::StrayEnd { line, name } => {
                write!(
                    f,
                    "line {line}: end marker of {name:?} without its begin marker"
                )
            }
            DocError::Missing(keys) => {
                write!(
                    f,
                    "the guide lacks these generated blocks (add their markers):"
                )?;
                for k in keys {
                    write!(f, " {k}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for DocError {}

/// What a marker line says, if it is one.
enum Marker {
    Begin(String),
    End(String),
}

fn marker(line: &str) -> Option<Marker> {
    let inner = line
        .trim()
        .strip_prefix("<!--")?
        .strip_suffix("-->")?
        .trim();
    if let Some(name) = inner.strip_prefix("/generated:") {
        Some(Marker::End(name.trim().to_string()))
    } else {
        inner
            .strip_prefix("generated:")
            .map(|name| Marker::Begin(name.trim().to_string()))
    }
}

/// The guide with every generated block rewritten from the tables; the text outside the
/// blocks is kept exactly.
pub fn regenerate(current: &str) -> Result<String, DocError> {
    let mut out = String::with_capacity(current.len() + 1024);
    let mut seen = BTreeSet::new();
    let mut open: Option<(usize, BlockKey)> = None;
    for (i, line) in current.split_inclusive('\n').enumerate() {
        let number = i + 1;
        match (marker(line), open) {
            (Some(Marker::Begin(name)), None) => {
                let key = BlockKey::parse(&name).ok_or(DocError::UnknownBlock {
                    line: number,
                    name: name.clone(),
                })?;
                if !seen.insert(key) {
                    return Err(DocError::DuplicateBlock { line: number, key });
                }
                out.push_str(line);
                if !line.ends_with('\n') {
                    out.push('\n');
                }
                out.push('\n');
                out.push_str(&key.generate());
                out.push('\n');
                open = Some((number, key));
            }
            (Some(Marker::Begin(_)), Some((line, key))) => {
                return Err(DocError::Unclosed { line, key })
            }
            (Some(Marker::End(name)), Some((begin, key))) => {
                if name != key.name() {
                    return Err(DocError::Unclosed { line: begin, key });
                }
                out.push_str(line);
                open = None;
            }
            (Some(Marker::End(name)), None) => {
                return Err(DocError::StrayEnd { line: number, name })
            }
            (None, Some(_)) => {} // old generated content: dropped
            (None, None) => out.push_str(line),
        }
    }
    if let Some((line, key)) = open {
        return Err(DocError::Unclosed { line, key });
    }
    let missing: Vec<BlockKey> = BlockKey::all()
        .into_iter()
        .filter(|k| !seen.contains(k))
        .collect();
    if !missing.is_empty() {
        return Err(DocError::Missing(missing));
    }
    Ok(out)
}

/// The GitHub anchor of a heading, e.g. `"Login & logout"` → `"login--logout"`.
pub fn anchor(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// A table cell: one line, pipes escaped.
fn cell(text: &str) -> String {
    text.replace('\n', " ").replace('|', "\\|")
}

/// `a`, `b`, `c` as code spans, or an em dash for none.
fn code_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let items: Vec<String> = items.into_iter().map(|s| format!("`{s}`")).collect();
    if items.is_empty() {
        "—".to_string()
    } else {
        items.join(", ")
    }
}

fn table_header(out: &mut String, headings: &[&str]) {
    let _ = writeln!(out, "| {} |", headings.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(headings.len()));
}

fn summary() -> String {
    let mut out = String::new();
    table_header(
        &mut out,
        &[
            "Area",
            "Methods",
            "direct",
            "emulated",
            "local",
            "unsupported",
            "Callbacks",
        ],
    );
    for &area in Area::ALL {
        let of_area: Vec<_> = METHODS.iter().filter(|m| m.area == area).collect();
        let count = |k: MethodKind| of_area.iter().filter(|m| m.kind == k).count();
        let callbacks = callbacks_of(area).len();
        let title = area_title(area);
        let _ = writeln!(
            out,
            "| [{title}](#{}) | {} | {} | {} | {} | {} | {callbacks} |",
            anchor(title),
            of_area.len(),
            count(MethodKind::Direct),
            count(MethodKind::Emulated),
            count(MethodKind::Local),
            count(MethodKind::Unsupported),
        );
    }
    let total = |k: MethodKind| METHODS.iter().filter(|m| m.kind == k).count();
    let _ = writeln!(
        out,
        "| **All** | **{}** | **{}** | **{}** | **{}** | **{}** | **{}** |",
        METHODS.len(),
        total(MethodKind::Direct),
        total(MethodKind::Emulated),
        total(MethodKind::Local),
        total(MethodKind::Unsupported),
        CALLBACKS.len(),
    );
    out
}

fn methods_table(area: Area) -> String {
    let rows: Vec<_> = METHODS.iter().filter(|m| m.area == area).collect();
    if rows.is_empty() {
        return "_No legacy method belongs to this area._\n".to_string();
    }
    let mut out = String::new();
    table_header(
        &mut out,
        &[
            "Legacy method",
            "Rust facade",
            "Kind",
            "RTM 1.x",
            "In `sig2rtm::rtm`",
            "Note",
        ],
    );
    for m in rows {
        let mut paths: Vec<&str> = Vec::new();
        for op in m.rtm {
            if let Some(p) = rtm_rust_path(op) {
                if !paths.contains(&p) {
                    paths.push(p);
                }
            }
        }
        let _ = writeln!(
            out,
            "| `{}` | `Signaling::{}` | {} | {} | {} | {} |",
            m.legacy,
            m.rust,
            m.kind,
            code_list(m.rtm.iter().copied()),
            code_list(paths),
            cell(m.note),
        );
    }
    out
}

/// The callback rows listed in an area, in table order.
fn callbacks_of(area: Area) -> Vec<&'static crate::mapping::CallbackRow> {
    LegacyCallbackName::ALL
        .iter()
        .filter(|c| callback_areas(**c).contains(&area))
        .map(|c| c.row())
        .collect()
}

fn callbacks_table(area: Area) -> String {
    let rows = callbacks_of(area);
    if rows.is_empty() {
        return "_No legacy callback belongs to this area._\n".to_string();
    }
    let mut out = String::new();
    table_header(
        &mut out,
        &[
            "Legacy callback",
            "Rust facade",
            "Kind",
            "RTM event",
            "Produced by",
            "Note",
        ],
    );
    for c in rows {
        let mut events: Vec<String> = Vec::new();
        for e in callback_rtm_events(c.legacy) {
            let name = format!("{} `{}`", e.scope, e.rtm);
            if !events.contains(&name) {
                events.push(name);
            }
        }
        let events = if events.is_empty() {
            "—".to_string()
        } else {
            events.join(", ")
        };
        let kind = match callback_kind(c) {
            MethodKind::Unsupported => "never fired".to_string(),
            k => k.to_string(),
        };
        let _ = writeln!(
            out,
            "| `{}({})` | `{}` | {kind} | {events} | {} | {} |",
            c.legacy,
            c.args.join(", "),
            c.rust,
            cell(c.produced_by),
            cell(c.note),
        );
    }
    out
}

fn invoke_table() -> String {
    let mut out = String::new();
    table_header(
        &mut out,
        &["Function", "Request", "Response", "Same as", "Kind", "Note"],
    );
    for v in INVOKES {
        let method = if v.method.is_empty() {
            "—".to_string()
        } else {
            format!("`{}`", v.method)
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {method} | {} | {} |",
            v.name,
            code_list(v.request.iter().copied()),
            code_list(v.response.iter().copied()),
            v.kind,
            cell(v.note),
        );
    }
    out
}

fn rtm_events_table() -> String {
    let mut out = String::new();
    table_header(
        &mut out,
        &["Scope", "RTM event", "Legacy callbacks it drives", "Note"],
    );
    for e in RTM_EVENTS {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} |",
            e.scope,
            e.rtm,
            code_list(e.drives.iter().copied()),
            cell(e.note),
        );
    }
    out
}

fn errors_tables() -> String {
    let mut out = String::new();
    let mut enums: Vec<&str> = Vec::new();
    for e in ERRORS {
        if !enums.contains(&e.rtm_enum) {
            enums.push(e.rtm_enum);
        }
    }
    for (i, rtm_enum) in enums.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "**`{rtm_enum}`**\n");
        table_header(
            &mut out,
            &[
                "RTM value",
                "Code",
                "Legacy app sees",
                "Also `on_error`",
                "Retried",
                "Note",
            ],
        );
        for e in ERRORS.iter().filter(|e| e.rtm_enum == *rtm_enum) {
            let legacy = if e.success {
                "success".to_string()
            } else {
                format!("`{}` ({})", e.legacy_name, e.legacy_code)
            };
            let on_error = match (e.on_error_name, e.on_error_code) {
                (Some(name), Some(code)) => format!("`{name}` ({code})"),
                _ => "—".to_string(),
            };
            let _ = writeln!(
                out,
                "| `{}` | {} | {legacy} | {on_error} | {} | {} |",
                e.rtm_name,
                e.rtm_code,
                if e.transient { "yes" } else { "no" },
                cell(e.note),
            );
        }
    }
    out
}

fn legacy_codes_table() -> String {
    let mut out = String::new();
    table_header(&mut out, &["Name", "Code", "Carried by", "Note"]);
    for c in LEGACY_CODES {
        let carrier = if c.carrier.is_empty() {
            "—".to_string()
        } else {
            format!("`{}`", c.carrier)
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {carrier} | {} |",
            c.name,
            c.code,
            cell(c.note)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skeleton() -> String {
        let mut text = String::from("# Title\n\nProse.\n\n");
        for key in BlockKey::all() {
            text.push_str(&format!(
                "Before {key}.\n{}\nstale\n{}\nAfter.\n",
                key.begin_marker(),
                key.end_marker()
            ));
        }
        text
    }

    #[test]
    fn keys_round_trip_through_their_names() {
        for key in BlockKey::all() {
            assert_eq!(BlockKey::parse(&key.name()), Some(key));
        }
        assert_eq!(BlockKey::parse("methods:nowhere"), None);
        assert_eq!(BlockKey::parse("tables"), None);
    }

    #[test]
    fn regenerate_keeps_prose_and_replaces_block_content() {
        let fresh = regenerate(&skeleton()).unwrap();
        assert!(!fresh.contains("stale"));
        assert!(fresh.starts_with("# Title\n\nProse.\n\n"));
        for key in BlockKey::all() {
            assert!(fresh.contains(&format!("Before {key}.\n{}\n", key.begin_marker())));
        }
        assert_eq!(regenerate(&fresh).unwrap(), fresh);
    }

    #[test]
    fn marker_errors_are_reported_with_their_line() {
        let base = skeleton();
        let dup = format!("{base}<!-- generated:invoke -->\n<!-- /generated:invoke -->\n");
        assert!(matches!(
            regenerate(&dup),
            Err(DocError::DuplicateBlock {
                key: BlockKey::Invoke,
                ..
            })
        ));
        let unknown = "<!-- generated:nothing -->\n";
        assert_eq!(
            regenerate(unknown),
            Err(DocError::UnknownBlock {
                line: 1,
                name: "nothing".into()
            })
        );
        let unclosed = "x\n<!-- generated:invoke -->\ny\n";
        assert_eq!(
            regenerate(unclosed),
            Err(DocError::Unclosed {
                line: 2,
                key: BlockKey::Invoke
            })
        );
        let stray = "<!-- /generated:invoke -->\n";
        assert!(matches!(
            regenerate(stray),
            Err(DocError::StrayEnd { line: 1, .. })
        ));
        let missing = regenerate("no markers\n").unwrap_err();
        assert_eq!(missing, DocError::Missing(BlockKey::all()));
        assert!(missing.to_string().contains("methods:login"));
    }

    #[test]
    fn anchors_follow_github() {
        assert_eq!(anchor("Login & logout"), "login--logout");
        assert_eq!(anchor("Peer messages"), "peer-messages");
    }

    #[test]
    fn cells_escape_pipes() {
        assert_eq!(cell("a | b\nc"), "a \\| b c");
    }

    #[test]
    fn tokens_area_has_no_method_but_lists_token_callbacks() {
        assert!(methods_table(Area::Tokens).contains("No legacy method"));
        assert!(callbacks_table(Area::Tokens).contains("`onLogout(ecode)`"));
    }
}
