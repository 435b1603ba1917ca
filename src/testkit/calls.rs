//! Legacy calls written in scenarios: which facade method a name means, the arguments it takes,
//! and carrying it out on a [`Signaling`] instance.
//!
//! The method is looked up in the mapping table by its Rust name (`channel_join`) or its legacy
//! name (`channelJoin`); the `match` over [`LegacyMethod`] is exhaustive, so a new table row
//! cannot be missing here.

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

/// The parameters a scenario passes to `method`, in the facade's order.
pub(crate) fn params(method: LegacyMethod) -> &'static [Param] {
    use LegacyMethod as M;
    use Param::{Bool as B, Num as N, Str as S};
    match method {
        // `callback_set(true)` installs the client's recorder again, `callback_set(false)`
        // removes the handler (rule T3: events with no handler are dropped).
        M::CallbackSet => &[B],
        M::CallbackGet | M::GetStatus | M::IsOnline | M::GetSdkVersion | M::Destroy => &[],
        M::Login => &[S, S, S, N, S],
        M::Login2 => &[S, S, S, N, S, N, N],
        M::Logout => &[],
        M::ChannelJoin | M::ChannelLeave | M::ChannelQueryUserNum | M::ChannelClearAttr => &[S],
        M::ChannelQueryUserIsIn | M::ChannelDelAttr => &[S, S],
        M::ChannelSetAttr => &[S, S, S],
        M::ChannelInviteUser => &[S, S, N],
        M::ChannelInviteUser2 => &[S, S, S],
        M::ChannelInvitePhone => &[S, S, N],
        M::ChannelInvitePhone2 => &[S, S, S],
        M::ChannelInvitePhone3 => &[S, S, S, S],
        M::ChannelInviteDtmf => &[S, S, S],
        M::ChannelInviteAccept | M::ChannelInviteRefuse => &[S, S, N, S],
        M::ChannelInviteEnd => &[S, S, N],
        M::MessageAppSend => &[S, S],
        M::MessageInstantSend | M::MessagePushSend | M::MessageChatSend => &[S, N, S, S],
        M::MessageInstantSend2 => &[S, N, S, S, S],
        M::MessageChannelSend | M::MessageChannelSendForce => &[S, S, S],
        M::MessageChannelSend2 => &[S, S, S, S],
        M::MessageDtmfSend => &[N, S, S],
        M::SetBackground | M::SetNetworkStatus => &[N],
        M::Ping | M::Start | M::Stop | M::GetAttrAll => &[],
        M::SetAttr | M::GetUserAttr | M::Dbg => &[S, S],
        M::GetAttr | M::GetUserAttrAll | M::QueryUserStatus => &[S],
        M::Invoke | M::BcCall => &[S, S, S],
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
            Term::Uid(account) => i64::from(crate::adapter::uid_of(account)),
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
        M::Login => sig.login(a.s(0), a.s(1), a.s(2), a.u(3), a.s(4)),
        M::Login2 => sig.login2(a.s(0), a.s(1), a.s(2), a.u(3), a.s(4), a.i(5), a.i(6)),
        M::Logout => sig.logout(),
        M::ChannelJoin => sig.channel_join(a.s(0)),
        M::ChannelLeave => sig.channel_leave(a.s(0)),
        M::ChannelQueryUserNum => sig.channel_query_user_num(a.s(0)),
        M::ChannelQueryUserIsIn => sig.channel_query_user_is_in(a.s(0), a.s(1)),
        M::ChannelSetAttr => sig.channel_set_attr(a.s(0), a.s(1), a.s(2)),
        M::ChannelDelAttr => sig.channel_del_attr(a.s(0), a.s(1)),
        M::ChannelClearAttr => sig.channel_clear_attr(a.s(0)),
        M::ChannelInviteUser => sig.channel_invite_user(a.s(0), a.s(1), a.u(2)),
        M::ChannelInviteUser2 => sig.channel_invite_user2(a.s(0), a.s(1), a.s(2)),
        M::ChannelInvitePhone => sig.channel_invite_phone(a.s(0), a.s(1), a.u(2)),
        M::ChannelInvitePhone2 => sig.channel_invite_phone2(a.s(0), a.s(1), a.s(2)),
        M::ChannelInvitePhone3 => sig.channel_invite_phone3(a.s(0), a.s(1), a.s(2), a.s(3)),
        M::ChannelInviteDtmf => sig.channel_invite_dtmf(a.s(0), a.s(1), a.s(2)),
        M::ChannelInviteAccept => sig.channel_invite_accept(a.s(0), a.s(1), a.u(2), a.s(3)),
        M::ChannelInviteRefuse => sig.channel_invite_refuse(a.s(0), a.s(1), a.u(2), a.s(3)),
        M::ChannelInviteEnd => sig.channel_invite_end(a.s(0), a.s(1), a.u(2)),
        M::MessageAppSend => sig.message_app_send(a.s(0), a.s(1)),
        M::MessageInstantSend => sig.message_instant_send(a.s(0), a.u(1), a.s(2), a.s(3)),
        M::MessageInstantSend2 => sig.message_instant_send2(a.s(0), a.u(1), a.s(2), a.s(3), a.s(4)),
        M::MessageChannelSend => sig.message_channel_send(a.s(0), a.s(1), a.s(2)),
        M::MessageChannelSendForce => sig.message_channel_send_force(a.s(0), a.s(1), a.s(2)),
        M::MessageChannelSend2 => sig.message_channel_send2(a.s(0), a.s(1), a.s(2), a.s(3)),
        M::MessagePushSend => sig.message_push_send(a.s(0), a.u(1), a.s(2), a.s(3)),
        M::MessageChatSend => sig.message_chat_send(a.s(0), a.u(1), a.s(2), a.s(3)),
        M::MessageDtmfSend => sig.message_dtmf_send(a.u(0), a.s(1), a.s(2)),
        M::SetBackground => sig.set_background(a.u(0)),
        M::SetNetworkStatus => sig.set_network_status(a.u(0)),
        M::Ping => sig.ping(),
        M::SetAttr => sig.set_attr(a.s(0), a.s(1)),
        M::GetAttr => sig.get_attr(a.s(0)),
        M::GetAttrAll => sig.get_attr_all(),
        M::GetUserAttr => sig.get_user_attr(a.s(0), a.s(1)),
        M::GetUserAttrAll => sig.get_user_attr_all(a.s(0)),
        M::QueryUserStatus => sig.query_user_status(a.s(0)),
        M::Invoke => sig.invoke(a.s(0), a.s(1), a.s(2)),
        M::Start => sig.start(),
        M::Stop => sig.stop(),
        M::BcCall => sig.bc_call(a.s(0), a.s(1), a.s(2)),
        M::Dbg => sig.dbg(a.s(0), a.s(1)),
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
