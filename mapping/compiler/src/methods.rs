//! Generation of the legacy method artefacts from the queued `[[method]]` rows: the adapter's
//! `LegacyCall` enum and the `Signaling` methods that queue one.

use crate::generate::{doc, lit, x_macro, HEADER};
use crate::names::camel_case;
use crate::schema::{Method, Param, ParamType};
use std::fmt::Write as _;

/// The parameters a call carries to the adapter (the ignored ones stay in the facade).
fn carried(m: &Method) -> impl Iterator<Item = &Param> {
    m.params.iter().filter(|p| !p.ignored)
}

fn queued(methods: &[Method]) -> impl Iterator<Item = &Method> {
    methods.iter().filter(|m| m.queued)
}

/// An `unsupported` row whose only answer is `onError`: it needs no handler of its own, and its
/// call is `LegacyCall::Unsupported`.
fn plainly_unsupported(m: &Method) -> bool {
    m.kind == "unsupported" && m.results == ["onError"]
}

/// The queued rows with a `LegacyCall` variant of their own.
fn handled(methods: &[Method]) -> impl Iterator<Item = &Method> {
    queued(methods).filter(|m| !plainly_unsupported(m))
}

/// `$OUT_DIR/legacy_call.rs`, included by `src/adapter/mod.rs`: `LegacyCall`, one variant per
/// queued method with one field per parameter the shim uses, and `LegacyCall::method`.
pub(crate) fn legacy_call(methods: &[Method]) -> String {
    let mut o = String::from(HEADER);
    doc(&mut o, "", "One queued legacy call with the arguments the shim uses: one variant per queued `[[method]]` row of `mapping/methods.toml` (the facade drops the parameters marked `ignored`).");
    o.push_str("#[derive(Debug, Clone, PartialEq, Eq)]\npub(crate) enum LegacyCall {\n");
    for m in handled(methods) {
        doc(&mut o, "    ", &format!("`{}`.", m.legacy));
        let variant = camel_case(&m.rust);
        if carried(m).next().is_none() {
            let _ = writeln!(o, "    {variant},");
            continue;
        }
        let _ = writeln!(o, "    {variant} {{");
        for p in carried(m) {
            doc(&mut o, "        ", &format!("`{}`.", p.legacy));
            let ty = match p.ty {
                ParamType::Str => "String",
                ParamType::I32 => "i32",
                ParamType::U32 => "u32",
            };
            let _ = writeln!(o, "        {}: {ty},", p.rust);
        }
        o.push_str("    },\n");
    }
    doc(
        &mut o,
        "    ",
        "A call of an `unsupported` method whose only answer is `onError`.",
    );
    o.push_str("    Unsupported(LegacyMethod),\n");
    o.push_str("}\n\nimpl LegacyCall {\n");
    doc(&mut o, "    ", "The method this is a call of.");
    o.push_str("    pub(crate) fn method(&self) -> LegacyMethod {\n        match self {\n");
    o.push_str("            LegacyCall::Unsupported(method) => *method,\n");
    for m in handled(methods) {
        let v = camel_case(&m.rust);
        let rest = if carried(m).next().is_none() {
            ""
        } else {
            " { .. }"
        };
        let _ = writeln!(o, "            LegacyCall::{v}{rest} => LegacyMethod::{v},");
    }
    o.push_str("        }\n    }\n}\n");
    o
}

/// `$OUT_DIR/signaling_methods.rs`, included by `src/signaling/facade.rs`: one `Signaling`
/// method per queued row, documented with the row's note, with the legacy name as a doc alias,
/// queuing its `LegacyCall` through `Signaling::call`.
pub(crate) fn signaling_methods(methods: &[Method]) -> String {
    let mut o = String::from(HEADER);
    o.push_str("impl Signaling {\n");
    for m in queued(methods) {
        doc(
            &mut o,
            "    ",
            &format!("`{}` ({}). {}", m.legacy, m.kind, m.note),
        );
        if m.legacy != m.rust {
            let _ = writeln!(o, "    #[doc(alias = {})]", lit(&m.legacy));
        }
        if m.params.len() + 1 > 7 {
            o.push_str("    #[allow(clippy::too_many_arguments)] // the legacy signature\n");
        }
        let params: Vec<String> = m
            .params
            .iter()
            .map(|p| {
                let ty = match p.ty {
                    ParamType::Str => "&str",
                    ParamType::I32 => "i32",
                    ParamType::U32 => "u32",
                };
                format!(", {}: {ty}", p.rust)
            })
            .collect();
        let _ = writeln!(o, "    pub fn {}(&self{}) {{", m.rust, params.concat());
        let plain = plainly_unsupported(m);
        let ignored: Vec<&str> = m
            .params
            .iter()
            .filter(|p| p.ignored || plain)
            .map(|p| p.rust.as_str())
            .collect();
        match ignored.as_slice() {
            [] => {}
            [one] => {
                let _ = writeln!(
                    o,
                    "        let _ = {one}; // ignored by the shim (see the row)"
                );
            }
            many => {
                let _ = writeln!(
                    o,
                    "        let _ = ({}); // ignored by the shim (see the row)",
                    many.join(", ")
                );
            }
        }
        let variant = camel_case(&m.rust);
        let fields: Vec<String> = carried(m)
            .map(|p| match p.ty {
                ParamType::Str => format!("{}: {}.to_string()", p.rust, p.rust),
                ParamType::I32 | ParamType::U32 => p.rust.clone(),
            })
            .collect();
        if plain {
            let _ = writeln!(
                o,
                "        self.call(LegacyCall::Unsupported(LegacyMethod::{variant}));"
            );
        } else if fields.is_empty() {
            let _ = writeln!(o, "        self.call(LegacyCall::{variant});");
        } else {
            let _ = writeln!(
                o,
                "        self.call(LegacyCall::{variant} {{ {} }});",
                fields.join(", ")
            );
        }
        o.push_str("    }\n\n");
    }
    o.push_str("}\n\n");
    method_list(&mut o, methods);
    o
}

/// `legacy_methods!(m)`, exported: calls `m!` with every method row as
/// `(legacyName, rust_name, queued | own, [param: type, param: type ignored, ...])`.
fn method_list(o: &mut String, methods: &[Method]) {
    let entries: Vec<String> = methods
        .iter()
        .map(|m| {
            let params: Vec<String> = m
                .params
                .iter()
                .map(|p| {
                    let ty = ParamType::ALL
                        .iter()
                        .find(|(_, t)| *t == p.ty)
                        .map_or("str", |(n, _)| *n);
                    let ignored = if p.ignored { " ignored" } else { "" };
                    format!("{}: {ty}{ignored}", p.rust)
                })
                .collect();
            let how = if m.queued { "queued" } else { "own" };
            format!("({}, {}, {how}, [{}])", m.legacy, m.rust, params.join(", "))
        })
        .collect();
    x_macro(
        o,
        "legacy_methods",
        "every `[[method]]` row of `mapping/methods.toml`: `(legacyName, rust_name, queued | own, [param: type (ignored)?, ...])`",
        &entries,
    );
}

/// `$OUT_DIR/testkit_calls.rs`, included by `src/testkit/calls.rs`: `queued_params`, the
/// parameter types a scenario passes to each queued method, and `perform_queued`, which calls
/// that `Signaling` method with the resolved arguments. The methods the facade answers itself
/// give `None` and are carried out by `perform`.
pub(crate) fn testkit_calls(methods: &[Method]) -> String {
    let mut o = String::from(HEADER);
    let own: Vec<String> = methods
        .iter()
        .filter(|m| !m.queued)
        .map(|m| format!("LegacyMethod::{}", camel_case(&m.rust)))
        .collect();
    doc(&mut o, "", "The parameters a scenario passes to a queued method, in the facade's order; `None` for the methods the facade answers itself.");
    o.push_str("fn queued_params(method: LegacyMethod) -> Option<&'static [Param]> {\n    match method {\n");
    for m in queued(methods) {
        let params: Vec<&str> = m
            .params
            .iter()
            .map(|p| match p.ty {
                ParamType::Str => "Param::Str",
                ParamType::I32 | ParamType::U32 => "Param::Num",
            })
            .collect();
        let _ = writeln!(
            o,
            "        LegacyMethod::{} => Some(&[{}]),",
            camel_case(&m.rust),
            params.join(", ")
        );
    }
    if !own.is_empty() {
        let _ = writeln!(o, "        {} => None,", own.join(" | "));
    }
    o.push_str("    }\n}\n\n");
    doc(&mut o, "", "Calls the queued method `method` on `sig` with the resolved arguments of a checked call; the methods the facade answers itself are left to `perform`.");
    o.push_str("fn perform_queued(method: LegacyMethod, a: &Resolved<'_>, sig: &Signaling) {\n    match method {\n");
    for m in queued(methods) {
        let args: Vec<String> = m
            .params
            .iter()
            .enumerate()
            .map(|(i, p)| match p.ty {
                ParamType::Str => format!("a.s({i})"),
                ParamType::I32 => format!("a.i({i})"),
                ParamType::U32 => format!("a.u({i})"),
            })
            .collect();
        let _ = writeln!(
            o,
            "        LegacyMethod::{} => sig.{}({}),",
            camel_case(&m.rust),
            m.rust,
            args.join(", ")
        );
    }
    if !own.is_empty() {
        let _ = writeln!(o, "        {} => {{}}", own.join(" | "));
    }
    o.push_str("    }\n}\n");
    o
}
