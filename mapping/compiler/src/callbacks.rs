//! Generation of the legacy callback artefacts from the `[[callback]]` rows: the `LegacyEvent`
//! enum with `deliver`, `legacy_name` and `Display`, and the method lists of
//! `SignalingCallback` and of its `LegacyEventSink` implementation.

use crate::generate::{doc, lit, x_macro, HEADER};
use crate::names::camel_case;
use crate::schema::{Arg, ArgType, Callback};
use std::fmt::Write as _;

/// The `LegacyEvent` variant of a callback: `on_channel_joined` -> `ChannelJoined`.
pub(crate) fn event_variant(c: &Callback) -> String {
    let camel = camel_case(&c.rust);
    camel.strip_prefix("On").unwrap_or(&camel).to_string()
}

/// The arguments the Rust signatures carry (a `count` is implied by its list).
fn rust_args(c: &Callback) -> impl Iterator<Item = &Arg> {
    c.args.iter().filter(|a| a.ty != ArgType::Count)
}

/// The parameter type of an argument in a `SignalingCallback` method.
fn param_type(ty: ArgType) -> &'static str {
    match ty {
        ArgType::Str => "&str",
        ArgType::I32 | ArgType::Count => "i32",
        ArgType::U32 => "u32",
        ArgType::StrList => "&[String]",
        ArgType::U32List => "&[u32]",
    }
}

/// The field type of an argument in a `LegacyEvent` variant.
fn field_type(ty: ArgType) -> &'static str {
    match ty {
        ArgType::Str => "String",
        ArgType::I32 | ArgType::Count => "i32",
        ArgType::U32 => "u32",
        ArgType::StrList => "Vec<String>",
        ArgType::U32List => "Vec<u32>",
    }
}

fn is_number(ty: ArgType) -> bool {
    matches!(ty, ArgType::I32 | ArgType::U32 | ArgType::Count)
}

/// `&self, channel_id: &str, ecode: i32`.
fn params(c: &Callback) -> String {
    let mut out = String::from("&self");
    for a in rust_args(c) {
        let _ = write!(out, ", {}: {}", a.rust, param_type(a.ty));
    }
    out
}

/// `channel_id, ecode`.
fn field_list(c: &Callback) -> String {
    rust_args(c)
        .map(|a| a.rust.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `LegacyEvent::X { a, b }`, or `LegacyEvent::X { .. }` with `rest`.
fn pattern(c: &Callback, rest: bool) -> String {
    if rest {
        format!("LegacyEvent::{} {{ .. }}", event_variant(c))
    } else {
        format!("LegacyEvent::{} {{ {} }}", event_variant(c), field_list(c))
    }
}

/// The legacy-style text of a callback's arguments: `{:?}` for texts and lists, `{}` for numbers.
fn display_format(c: &Callback) -> String {
    let parts: Vec<&str> = rust_args(c)
        .map(|a| if is_number(a.ty) { "{}" } else { "{:?}" })
        .collect();
    format!("{}({})", c.legacy, parts.join(", "))
}

/// `$OUT_DIR/legacy_event.rs`: the `LegacyEvent` enum and its impls, included by
/// `src/signaling/event.rs` (which imports `SignalingCallback`, `Serialize`, `Deserialize` and
/// `fmt`).
pub(crate) fn legacy_event(callbacks: &[Callback]) -> String {
    let mut o = String::from(HEADER);
    doc(&mut o, "", "One legacy callback with its arguments: one variant per `[[callback]]` row of `mapping/events.toml`.");
    o.push_str(
        "#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]\npub enum LegacyEvent {\n",
    );
    for c in callbacks {
        doc(&mut o, "    ", &format!("`{}`.", c.legacy));
        let _ = writeln!(o, "    #[doc(alias = {})]", lit(&c.legacy));
        let _ = writeln!(o, "    {} {{", event_variant(c));
        for a in rust_args(c) {
            if a.rust == "kind" && a.legacy == "type" {
                doc(&mut o, "        ", "`type` (renamed: a Rust keyword).");
            } else {
                doc(&mut o, "        ", &format!("`{}`.", a.legacy));
            }
            let _ = writeln!(o, "        {}: {},", a.rust, field_type(a.ty));
        }
        o.push_str("    },\n");
    }
    o.push_str("}\n\nimpl LegacyEvent {\n");
    doc(&mut o, "    ", "Calls the matching method of `cb`.");
    o.push_str("    pub fn deliver(&self, cb: &dyn SignalingCallback) {\n        match self {\n");
    for c in callbacks {
        let args: Vec<String> = rust_args(c)
            .map(|a| {
                if is_number(a.ty) {
                    format!("*{}", a.rust)
                } else {
                    a.rust.clone()
                }
            })
            .collect();
        let _ = writeln!(
            o,
            "            {} => cb.{}({}),",
            pattern(c, false),
            c.rust,
            args.join(", ")
        );
    }
    o.push_str("        }\n    }\n\n");
    doc(
        &mut o,
        "    ",
        "The legacy callback name, such as `\"onChannelJoined\"`.",
    );
    o.push_str("    pub fn legacy_name(&self) -> &'static str {\n        match self {\n");
    for c in callbacks {
        let _ = writeln!(o, "            {} => {},", pattern(c, true), lit(&c.legacy));
    }
    o.push_str("        }\n    }\n}\n\n");
    o.push_str("impl fmt::Display for LegacyEvent {\n");
    o.push_str(
        "    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {\n        match self {\n",
    );
    for c in callbacks {
        let fields = field_list(c);
        let sep = if fields.is_empty() { "" } else { ", " };
        let _ = writeln!(
            o,
            "            {} => write!(f, {}{sep}{fields}),",
            pattern(c, false),
            lit(&display_format(c))
        );
    }
    o.push_str("        }\n    }\n}\n");
    o
}

/// `$OUT_DIR/legacy_callback_macros.rs`, included by `src/signaling/mod.rs` before its modules:
/// `signaling_callback_methods!()`, the methods of `SignalingCallback` with empty defaults, and
/// `legacy_event_sink_methods!()`, the same methods turning their arguments into a
/// `LegacyEvent` for `LegacyEventSink::on_event`.
pub(crate) fn callback_macros(callbacks: &[Callback]) -> String {
    let mut o = String::from(HEADER);
    o.push_str(
        "/// The methods of `SignalingCallback`, one per `[[callback]]` row, each doing nothing.\n",
    );
    o.push_str("macro_rules! signaling_callback_methods {\n    () => {\n");
    for c in callbacks {
        let arg_names: Vec<&str> = c.args.iter().map(|a| a.legacy.as_str()).collect();
        doc(
            &mut o,
            "        ",
            &format!(
                "`{}({})`: {}\n\nProduced by: {}.",
                c.legacy,
                arg_names.join(", "),
                c.note,
                c.produced_by.trim_end_matches('.')
            ),
        );
        let _ = writeln!(o, "        #[doc(alias = {})]", lit(&c.legacy));
        let _ = writeln!(o, "        fn {}({}) {{", c.rust, params(c));
        for a in rust_args(c) {
            let _ = writeln!(o, "            let _ = {};", a.rust);
        }
        o.push_str("        }\n\n");
    }
    o.push_str("    };\n}\n\n");
    o.push_str(
        "/// The methods of `SignalingCallback` for a `LegacyEventSink`: each builds its event.\n",
    );
    o.push_str("macro_rules! legacy_event_sink_methods {\n    () => {\n");
    for c in callbacks {
        let _ = writeln!(o, "        fn {}({}) {{", c.rust, params(c));
        let _ = writeln!(
            o,
            "            self.on_event(LegacyEvent::{} {{",
            event_variant(c)
        );
        for a in rust_args(c) {
            let value = match a.ty {
                ArgType::Str => format!("{}.to_string()", a.rust),
                ArgType::StrList | ArgType::U32List => format!("{}.to_vec()", a.rust),
                ArgType::I32 | ArgType::U32 | ArgType::Count => a.rust.clone(),
            };
            if value == a.rust {
                let _ = writeln!(o, "                {},", a.rust);
            } else {
                let _ = writeln!(o, "                {}: {value},", a.rust);
            }
        }
        o.push_str("            });\n        }\n\n");
    }
    o.push_str("    };\n}\n\n");
    callback_list(&mut o, callbacks);
    o
}

/// `legacy_callbacks!(m)`, exported: calls `m!` with one entry per callback row,
/// `(legacyName, rust_name, EventVariant, [rust_arg: type, ...])`, types spelt as in the tables
/// (`str`, `i32`, `u32`, `[str]`, `[u32]`, `count`), so other crates (tests, bindings) expand
/// the rows without restating them.
fn callback_list(o: &mut String, callbacks: &[Callback]) {
    let entries: Vec<String> = callbacks
        .iter()
        .map(|c| {
            let args: Vec<String> = c
                .args
                .iter()
                .map(|a| {
                    let ty = ArgType::ALL
                        .iter()
                        .find(|(_, t)| *t == a.ty)
                        .map_or("str", |(n, _)| *n);
                    format!("{}: {ty}", a.rust)
                })
                .collect();
            format!(
                "({}, {}, {}, [{}])",
                c.legacy,
                c.rust,
                event_variant(c),
                args.join(", ")
            )
        })
        .collect();
    x_macro(
        o,
        "legacy_callbacks",
        "every `[[callback]]` row of `mapping/events.toml`: `(legacyName, rust_name, EventVariant, [arg: type, ...])`",
        &entries,
    );
}
