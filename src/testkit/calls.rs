//! Legacy calls written in scenarios: which facade method a name means, the arguments it takes,
//! and carrying it out on a [`Signaling`] instance.
//!
//! The method is looked up in the mapping table by its Rust name (`channel_join`) or its legacy
//! name (`channelJoin`). The parameter types and the calls of the queued methods are generated
//! from the `[[method]]` rows; the methods the facade answers itself are carried out here.

use super::expr::{Expr, Term};
use super::recorder::Recorder;
use crate::mapping::LegacyMethod;
use crate::signaling::Signaling;
use std::sync::Arc;

/// The type of one parameter of a legacy method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Param {
    /// A string: `"text"` or `$app`.
    Str,
    /// A number (uids, counts, flags): an integer or `$uid(account)`.
    Num,
    /// `true` or `false`.
    Bool,
}

impl Param {
    fn describe(self) -> &'static str {
        match self {
            Param::Str => "a string",
            Param::Num => "a number or $uid(account)",
            Param::Bool => "true or false",
        }
    }

    fn accepts(self, term: &Term) -> bool {
        matches!(
            (self, term),
            (Param::Str, Term::Str(_) | Term::App)
                | (Param::Num, Term::Int(_) | Term::Uid(_))
                | (Param::Bool, Term::Bool(_))
        )
    }
}

/// The method a scenario names, by Rust or legacy name.
pub(crate) fn method_named(name: &str) -> Option<LegacyMethod> {
    LegacyMethod::ALL
        .iter()
        .copied()
        .find(|m| m.rust_name() == name || m.row().legacy == name)
}

include!(concat!(env!("OUT_DIR"), "/testkit_calls.rs"));

/// The parameters a scenario passes to `method`, in the facade's order.
pub(crate) fn params(method: LegacyMethod) -> &'static [Param] {
    match method {
        // `callback_set(true)` installs the client's recorder again, `callback_set(false)`
        // removes the handler (rule T3: events with no handler are dropped).
        LegacyMethod::CallbackSet => &[Param::Bool],
        other => queued_params(other).unwrap_or(&[]),
    }
}

/// Checks a scenario call: a known method with arguments of the right number and types.
pub(crate) fn check(call: &Expr) -> Result<LegacyMethod, String> {
    let method = method_named(&call.name).ok_or_else(|| {
        format!(
            "`{}` is not a legacy method (use its Rust name, such as `channel_join`, or its \
             legacy name, such as `channelJoin`)",
            call.name
        )
    })?;
    if call.ret.is_some() {
        return Err(format!(
            "`{}`: a call cannot carry `-> value`; return values are recorded in the transcript",
            call.name
        ));
    }
    let want = params(method);
    if call.args.len() != want.len() {
        return Err(format!(
            "`{}` takes {} argument(s), {} given",
            method.rust_name(),
            want.len(),
            call.args.len()
        ));
    }
    for (i, (param, arg)) in want.iter().zip(&call.args).enumerate() {
        if !param.accepts(arg) {
            return Err(format!(
                "`{}` argument {} must be {}, not `{arg}`",
                method.rust_name(),
                i + 1,
                param.describe()
            ));
        }
    }
    Ok(method)
}

/// Arguments of a checked call with the placeholders filled in.
struct Resolved<'a> {
    args: &'a [Term],
    app_id: &'a str,
}

impl Resolved<'_> {
    fn s(&self, i: usize) -> &str {
        match &self.args[i] {
            Term::Str(s) => s,
            Term::App => self.app_id,
            _ => "",
        }
    }

    fn n(&self, i: usize) -> i64 {
        match &self.args[i] {
            Term::Int(n) => *n,
            Term::Uid(account) => i64::from(crate::signaling::uid_of(account)),
            _ => 0,
        }
    }

    /// A number as the `u32` the facade takes (out-of-range values wrap, as a C caller's would).
    fn u(&self, i: usize) -> u32 {
        self.n(i) as u32
    }

    /// A number as the `i32` the facade takes.
    fn i(&self, i: usize) -> i32 {
        self.n(i) as i32
    }

    fn b(&self, i: usize) -> bool {
        matches!(self.args[i], Term::Bool(true))
    }
}

/// Carries out a checked call on `sig`; the value it returns, for the methods that return one.
pub(crate) fn perform(
    method: LegacyMethod,
    args: &[Term],
    app_id: &str,
    sig: &Signaling,
    recorder: &Arc<Recorder>,
) -> Option<Term> {
    use LegacyMethod as M;
    let a = Resolved { args, app_id };
    match method {
        M::CallbackSet => {
            let handler: Option<Arc<dyn crate::signaling::SignalingCallback>> =
                if a.b(0) { Some(recorder.clone()) } else { None };
            sig.callback_set(handler);
        }
        M::CallbackGet => return Some(Term::Bool(sig.callback_get().is_some())),
        M::GetStatus => return Some(Term::Int(i64::from(sig.get_status()))),
        M::IsOnline => return Some(Term::Bool(sig.is_online())),
        M::GetSdkVersion => return Some(Term::Int(i64::from(sig.get_sdk_version()))),
        M::Destroy => sig.destroy(),
        queued => perform_queued(queued, &a, sig),
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::expr::parse_expr;

    #[test]
    fn every_method_has_a_name_a_scenario_can_use() {
        for &m in LegacyMethod::ALL {
            assert_eq!(method_named(m.rust_name()), Some(m));
            assert_eq!(method_named(m.row().legacy), Some(m));
        }
    }

    #[test]
    fn calls_are_checked_for_arity_and_types() {
        let ok = parse_expr(r#"login2($app, "A", "_no_need_token", 0, "", 30, 3)"#).unwrap();
        assert_eq!(check(&ok), Ok(LegacyMethod::Login2));
        let legacy = parse_expr(r#"channelJoin("ch")"#).unwrap();
        assert_eq!(check(&legacy), Ok(LegacyMethod::ChannelJoin));
        let short = parse_expr(r#"channel_join()"#).unwrap();
        assert!(check(&short).unwrap_err().contains("takes 1 argument"));
        let typed = parse_expr(r#"message_instant_send("B", "0", "hi", "")"#).unwrap();
        assert!(check(&typed)
            .unwrap_err()
            .contains("argument 2 must be a number"));
        let unknown = parse_expr(r#"channel_jump("x")"#).unwrap();
        assert!(check(&unknown).unwrap_err().contains("not a legacy method"));
    }
}
