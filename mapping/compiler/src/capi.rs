//! Generation of the C ABI's callback glue (crate `agorasig` in `capi/`) from the
//! `[[callback]]` rows: the `ICallBackC` struct with `CALLBACK_NAMES`, and the bridge that turns
//! each `SignalingCallback` method into a call of the program's handler.

use crate::generate::{doc, lit, HEADER};
use crate::schema::{ArgType, Callback, Method, ParamType};
use std::fmt::Write as _;

/// The C parameter types of one argument (a text is a pointer and a length).
fn c_types(ty: ArgType) -> &'static [&'static str] {
    match ty {
        ArgType::Str => &["S", "usize"],
        ArgType::I32 | ArgType::Count => &["c_int"],
        ArgType::U32 => &["u32"],
        ArgType::StrList => &["*mut *mut c_char"],
        ArgType::U32List => &["*mut u32"],
    }
}

/// `$OUT_DIR/icallback_c.rs`, included by `capi/src/abi.rs` (which imports `c_char` and
/// `c_int` and defines `S`).
pub(crate) fn icallback_c(callbacks: &[Callback]) -> String {
    let mut o = String::from(HEADER);
    doc(&mut o, "", "`ICallBackC`: the callbacks of a C program, in the header's order (which is also the order of the C++ `ICallBack` virtual table: slot `i` is field `i`). NULL fields are skipped. One field per `[[callback]]` row of `mapping/events.toml`.");
    o.push_str("#[repr(C)]\n#[derive(Default)]\n#[allow(clippy::type_complexity)]\npub struct ICallBackC {\n");
    for c in callbacks {
        let mut params = vec!["*mut ICallBackC"];
        for a in &c.args {
            params.extend_from_slice(c_types(a.ty));
        }
        doc(&mut o, "    ", &format!("`{}`.", c.legacy));
        let _ = writeln!(
            o,
            "    pub {}: Option<unsafe extern \"C-unwind\" fn({})>,",
            c.legacy,
            params.join(", ")
        );
    }
    o.push_str("}\n\n");
    doc(&mut o, "", "The callbacks' names in declaration order (= field order of [`ICallBackC`] = slot order of the C++ `ICallBack` virtual table).");
    o.push_str("pub const CALLBACK_NAMES: &[&str] = &[\n");
    for c in callbacks {
        let _ = writeln!(o, "    {},", lit(&c.legacy));
    }
    o.push_str("];\n");
    o
}

/// `$OUT_DIR/callback_bridge.rs`, included by `capi/src/bridge.rs`: `impl SignalingCallback for
/// UserBridge`, each method converting its arguments (texts with `CText`, lists with
/// `text_list` / `id_list` and the count of entries) and calling the handler with `call!`.
pub(crate) fn callback_bridge(callbacks: &[Callback]) -> String {
    let mut o = String::from(HEADER);
    o.push_str("impl SignalingCallback for UserBridge {\n");
    for c in callbacks {
        let params: Vec<String> = c
            .args
            .iter()
            .filter(|a| a.ty != ArgType::Count)
            .map(|a| {
                let ty = match a.ty {
                    ArgType::Str => "&str",
                    ArgType::I32 | ArgType::Count => "i32",
                    ArgType::U32 => "u32",
                    ArgType::StrList => "&[String]",
                    ArgType::U32List => "&[u32]",
                };
                format!(", {}: {ty}", a.rust)
            })
            .collect();
        let _ = writeln!(o, "    fn {}(&self{}) {{", c.rust, params.concat());
        let lists: Vec<&str> = c
            .args
            .iter()
            .filter(|a| a.ty.is_list())
            .map(|a| a.rust.as_str())
            .collect();
        if c.args.iter().any(|a| a.ty == ArgType::Count) {
            let lens: Vec<String> = lists.iter().map(|l| format!("{l}.len()")).collect();
            o.push_str("        // Each list has `n` entries plus a terminating NULL / 0, and lives for the call.\n");
            let _ = writeln!(o, "        let n = entries(&[{}]);", lens.join(", "));
        }
        let mut call_args = Vec::new();
        for a in &c.args {
            let r = &a.rust;
            match a.ty {
                ArgType::Str => {
                    let _ = writeln!(o, "        let {r} = CText::new({r});");
                    call_args.push(format!("{r}.ptr()"));
                    call_args.push(format!("{r}.len()"));
                }
                ArgType::I32 | ArgType::U32 => call_args.push(r.clone()),
                ArgType::Count => call_args.push("n as c_int".to_string()),
                ArgType::StrList => {
                    let _ = writeln!(o, "        let (_{r}_texts, mut {r}) = text_list({r}, n);");
                    call_args.push(format!("{r}.as_mut_ptr()"));
                }
                ArgType::U32List => {
                    let _ = writeln!(o, "        let mut {r} = id_list({r}, n);");
                    call_args.push(format!("{r}.as_mut_ptr()"));
                }
            }
        }
        let _ = writeln!(
            o,
            "        call!(self.0, {}({}));",
            c.legacy,
            call_args.join(", ")
        );
        o.push_str("    }\n\n");
    }
    o.push_str("}\n");
    o
}

/// `$OUT_DIR/api_methods.rs`, included by `capi/src/abi.rs`: `legacy_api!`, which expands
/// `api_methods!` with one entry per method row in row (= header) order. A queued row's entry
/// reads its texts and calls its `Signaling` method; the rows the facade answers itself are
/// given to `legacy_api!` by hand, by legacy name.
pub(crate) fn api_methods(methods: &[Method]) -> String {
    let mut o = String::from(HEADER);
    o.push_str("/// Expands `api_methods!` with every `[[method]]` row; takes the entries of the rows the facade\n");
    o.push_str("/// answers itself as `legacyName: { entry }`, in row order.\n");
    o.push_str("macro_rules! legacy_api {\n    (\n");
    for m in methods.iter().filter(|m| !m.queued) {
        let _ = writeln!(o, "        {0}: {{ $(${0}:tt)* }}", m.legacy);
    }
    o.push_str("    ) => {\n        api_methods! {\n");
    for m in methods {
        if !m.queued {
            let _ = writeln!(o, "            $(${})*", m.legacy);
            continue;
        }
        let mut params = Vec::new();
        for p in &m.params {
            match p.ty {
                ParamType::Str => {
                    params.push(format!("{}: S", p.rust));
                    params.push(format!("{}_size: usize", p.rust));
                }
                ParamType::I32 => params.push(format!("{}: c_int", p.rust)),
                ParamType::U32 => params.push(format!("{}: u32", p.rust)),
            }
        }
        let _ = writeln!(
            o,
            "            {}({}) -> () = ();",
            m.legacy,
            params.join(", ")
        );
        o.push_str("                |c| {\n                    let sig = c.sig()?;\n");
        for p in m.params.iter().filter(|p| p.ty == ParamType::Str) {
            let _ = writeln!(
                o,
                "                    let {0} = c.s({1}, {0}, {0}_size)?;",
                p.rust,
                lit(&p.legacy)
            );
        }
        let args: Vec<&str> = m.params.iter().map(|p| p.rust.as_str()).collect();
        let _ = writeln!(
            o,
            "                    sig.{}({});",
            m.rust,
            args.join(", ")
        );
        o.push_str("                    Ok(())\n                }\n");
    }
    o.push_str("        }\n    };\n}\n");
    o
}
