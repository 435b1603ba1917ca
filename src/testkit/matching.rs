//! Matching observed transcripts against expected ones: per-client order, any-order groups, and
//! placeholders bound once for the whole scenario.
//!
//! Clients are checked in their declared order and each client's transcript from its first
//! entry on, so a placeholder binds where it first matches in that order; from then on it means
//! that value in every client's transcript. Two different placeholders never stand for the same
//! value (so `$msgid1` and `$msgid2` prove two distinct ids). `$uid(account)` needs no binding:
//! it is the uid the shim computes for the account (rule N4).

use super::expr::{Expr, Term};
use super::scenario::Expected;
use std::collections::BTreeMap;

/// Values bound to placeholders so far, and where each was bound.
#[derive(Debug, Clone, Default)]
pub(crate) struct Bindings {
    app_id: String,
    values: BTreeMap<String, (Term, String, usize)>,
}

/// Where a check stands: the client and the 1-based position in its transcript.
#[derive(Debug, Clone, Copy)]
pub(crate) struct At<'a> {
    pub client: &'a str,
    pub position: usize,
}

/// The first place where a client's transcript differs from its expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The client.
    pub client: String,
    /// The 1-based position in the client's observed transcript.
    pub position: usize,
    /// What was expected there (`None`: the expectation had ended).
    pub expected: Option<String>,
    /// What was observed there (`None`: the transcript had ended).
    pub observed: Option<String>,
    /// Why they differ, in a sentence.
    pub reason: String,
}

impl Bindings {
    pub fn new(app_id: &str) -> Self {
        Bindings {
            app_id: app_id.to_string(),
            values: BTreeMap::new(),
        }
    }

    /// The value bound to `$name`, if any.
    pub fn get(&self, name: &str) -> Option<&Term> {
        self.values.get(name).map(|(v, _, _)| v)
    }

    /// Matches one pattern term against one observed value, binding placeholders.
    fn term(&mut self, pat: &Term, val: &Term, at: At<'_>) -> Result<(), String> {
        match pat {
            Term::Any => Ok(()),
            Term::App => match val {
                Term::Str(s) if *s == self.app_id => Ok(()),
                _ => Err(format!("expected $app ({:?}), got {val}", self.app_id)),
            },
            Term::Uid(account) => {
                let uid = i64::from(crate::signaling::uid_of(account));
                match val {
                    Term::Int(n) if *n == uid => Ok(()),
                    _ => Err(format!(
                        "expected $uid({account}) = {uid}, got {val}{}",
                        match val {
                            Term::Int(0) => " (uid 0)",
                            _ => "",
                        }
                    )),
                }
            }
            Term::Var(name) => {
                if let Some((bound, client, position)) = self.values.get(name) {
                    return if bound == val {
                        Ok(())
                    } else {
                        Err(format!(
                            "${name} is {bound} (bound at client \"{client}\", position \
                             {position}) but here it would be {val}"
                        ))
                    };
                }
                if let Some((other, _)) = self.values.iter().find(|(_, (v, _, _))| v == val) {
                    return Err(format!(
                        "${name} would be {val}, which ${other} already is; different \
                         placeholders stand for different values"
                    ));
                }
                self.values.insert(
                    name.clone(),
                    (val.clone(), at.client.to_string(), at.position),
                );
                Ok(())
            }
            Term::List(pats) => match val {
                Term::List(vals) if vals.len() == pats.len() => {
                    for (i, (p, v)) in pats.iter().zip(vals).enumerate() {
                        self.term(p, v, at)
                            .map_err(|e| format!("list item {}: {e}", i + 1))?;
                    }
                    Ok(())
                }
                Term::List(vals) => Err(format!(
                    "expected a list of {} item(s), got {} item(s): {val}",
                    pats.len(),
                    vals.len()
                )),
                _ => Err(format!("expected a list, got {val}")),
            },
            Term::Str(_) | Term::Int(_) | Term::Bool(_) => {
                if pat == val {
                    Ok(())
                } else {
                    Err(format!("expected {pat}, got {val}"))
                }
            }
        }
    }

    /// Matches an expected line against an observed one; on failure nothing is bound.
    pub fn expr(&mut self, pat: &Expr, val: &Expr, at: At<'_>) -> Result<(), String> {
        if pat.name != val.name {
            return Err(format!(
                "a different callback: expected {}, got {}",
                pat.name, val.name
            ));
        }
        if pat.args.len() != val.args.len() {
            return Err(format!(
                "{} has {} argument(s) here, {} expected",
                val.name,
                val.args.len(),
                pat.args.len()
            ));
        }
        let mut trial = self.clone();
        for (i, (p, v)) in pat.args.iter().zip(&val.args).enumerate() {
            trial
                .term(p, v, at)
                .map_err(|e| format!("{} argument {}: {e}", val.name, i + 1))?;
        }
        match (&pat.ret, &val.ret) {
            (None, None) => {}
            (Some(p), Some(v)) => trial
                .term(p, v, at)
                .map_err(|e| format!("{} returned: {e}", val.name))?,
            _ => return Err("one side has a `-> value`, the other has not".to_string()),
        }
        *self = trial;
        Ok(())
    }

    /// True when `pat` could match `val` given the bindings so far (nothing is bound).
    pub fn could_match(&self, pat: &Expr, val: &Expr) -> bool {
        self.clone()
            .expr(
                pat,
                val,
                At {
                    client: "",
                    position: 0,
                },
            )
            .is_ok()
    }
}

/// Checks one client's observed transcript against its expectation, binding placeholders.
pub(crate) fn check_client(
    client: &str,
    expected: &[Expected],
    observed: &[Expr],
    b: &mut Bindings,
) -> Result<(), Mismatch> {
    let mut pos = 0;
    for entry in expected {
        match entry {
            Expected::Line(pat) => {
                let at = At {
                    client,
                    position: pos + 1,
                };
                let Some(val) = observed.get(pos) else {
                    return Err(Mismatch {
                        client: client.to_string(),
                        position: pos + 1,
                        expected: Some(pat.to_string()),
                        observed: None,
                        reason: "the transcript ended before this expected callback".into(),
                    });
                };
                b.expr(pat, val, at).map_err(|reason| Mismatch {
                    client: client.to_string(),
                    position: pos + 1,
                    expected: Some(pat.to_string()),
                    observed: Some(val.to_string()),
                    reason,
                })?;
                pos += 1;
            }
            Expected::AnyOrder(group) => {
                let end = (pos + group.len()).min(observed.len());
                let window = &observed[pos..end];
                match arrange(client, pos, group, window, b) {
                    Some(found) => *b = found,
                    None => return Err(group_mismatch(client, pos, group, window, b)),
                }
                pos = end;
            }
        }
    }
    if let Some(extra) = observed.get(pos) {
        return Err(Mismatch {
            client: client.to_string(),
            position: pos + 1,
            expected: None,
            observed: Some(extra.to_string()),
            reason: "a callback after the end of the expected transcript".into(),
        });
    }
    Ok(())
}

/// Finds an assignment of the group's lines to the window's entries that binds consistently.
fn arrange(
    client: &str,
    start: usize,
    group: &[Expr],
    window: &[Expr],
    b: &Bindings,
) -> Option<Bindings> {
    if window.len() != group.len() {
        return None;
    }
    fn go(
        client: &str,
        start: usize,
        group: &[Expr],
        window: &[Expr],
        used: &mut Vec<bool>,
        b: &Bindings,
    ) -> Option<Bindings> {
        let Some((first, rest)) = group.split_first() else {
            return Some(b.clone());
        };
        for (i, val) in window.iter().enumerate() {
            if used[i] {
                continue;
            }
            let mut trial = b.clone();
            let at = At {
                client,
                position: start + i + 1,
            };
            if trial.expr(first, val, at).is_ok() {
                used[i] = true;
                if let Some(done) = go(client, start, rest, window, used, &trial) {
                    return Some(done);
                }
                used[i] = false;
            }
        }
        None
    }
    go(
        client,
        start,
        group,
        window,
        &mut vec![false; window.len()],
        b,
    )
}

fn group_text(group: &[Expr]) -> String {
    let items: Vec<String> = group.iter().map(Expr::to_string).collect();
    format!("any order of {{{}}}", items.join(", "))
}

fn group_mismatch(
    client: &str,
    start: usize,
    group: &[Expr],
    window: &[Expr],
    b: &Bindings,
) -> Mismatch {
    // The first observed entry that no line of the group could be.
    for (i, val) in window.iter().enumerate() {
        if !group.iter().any(|pat| b.could_match(pat, val)) {
            return Mismatch {
                client: client.to_string(),
                position: start + i + 1,
                expected: Some(group_text(group)),
                observed: Some(val.to_string()),
                reason: format!("{} is not one of the any-order group", val.name),
            };
        }
    }
    if window.len() < group.len() {
        // Every observed entry fits; some group line has no partner.
        let missing = group
            .iter()
            .find(|pat| !window.iter().any(|val| b.could_match(pat, val)))
            .unwrap_or(&group[0]);
        return Mismatch {
            client: client.to_string(),
            position: start + window.len() + 1,
            expected: Some(missing.to_string()),
            observed: None,
            reason: format!(
                "the transcript ended inside an any-order group ({} of {} seen)",
                window.len(),
                group.len()
            ),
        };
    }
    Mismatch {
        client: client.to_string(),
        position: start + 1,
        expected: Some(group_text(group)),
        observed: Some(
            window
                .iter()
                .map(Expr::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        reason: "no arrangement of the any-order group keeps the placeholders consistent".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::expr::parse_expr;

    fn e(text: &str) -> Expr {
        parse_expr(text).unwrap()
    }

    fn lines(texts: &[&str]) -> Vec<Expected> {
        texts.iter().map(|t| Expected::Line(e(t))).collect()
    }

    #[test]
    fn a_placeholder_means_one_value_everywhere() {
        let mut b = Bindings::new("app");
        let want = lines(&["onMessageSendSuccess($id)", "onMessageSendSuccess($id)"]);
        let same = [
            e(r#"onMessageSendSuccess("m1")"#),
            e(r#"onMessageSendSuccess("m1")"#),
        ];
        assert!(check_client("A", &want, &same, &mut b).is_ok());
        let mut b = Bindings::new("app");
        let differ = [
            e(r#"onMessageSendSuccess("m1")"#),
            e(r#"onMessageSendSuccess("m2")"#),
        ];
        let m = check_client("A", &want, &differ, &mut b).unwrap_err();
        assert_eq!(m.position, 2);
        assert!(m.reason.contains("$id is \"m1\""), "{}", m.reason);
    }

    #[test]
    fn different_placeholders_are_different_values() {
        let mut b = Bindings::new("app");
        let want = lines(&["onMessageSendSuccess($a)", "onMessageSendSuccess($b)"]);
        let same = [
            e(r#"onMessageSendSuccess("m1")"#),
            e(r#"onMessageSendSuccess("m1")"#),
        ];
        let m = check_client("A", &want, &same, &mut b).unwrap_err();
        assert!(m.reason.contains("different placeholders"), "{}", m.reason);
    }

    #[test]
    fn uid_placeholders_are_the_shims_uids() {
        let uid = crate::signaling::uid_of("A");
        let mut b = Bindings::new("app");
        let want = lines(&["onLoginSuccess($uid(A), 0)"]);
        let ok = [e(&format!("onLoginSuccess({uid}, 0)"))];
        assert!(check_client("A", &want, &ok, &mut b).is_ok());
        let bad = [e("onLoginSuccess(5, 0)")];
        assert!(check_client("A", &want, &bad, &mut b).is_err());
    }

    #[test]
    fn any_order_groups_accept_every_order_but_nothing_else() {
        let want = vec![Expected::AnyOrder(vec![e("onA($x)"), e("onB(2)")])];
        let mut b = Bindings::new("app");
        assert!(check_client("A", &want, &[e("onB(2)"), e("onA(1)")], &mut b).is_ok());
        assert_eq!(b.get("x"), Some(&Term::Int(1)));
        let mut b = Bindings::new("app");
        let m = check_client("A", &want, &[e("onB(2)"), e("onC(1)")], &mut b).unwrap_err();
        assert_eq!((m.position, m.observed.as_deref()), (2, Some("onC(1)")));
        let mut b = Bindings::new("app");
        let m = check_client("A", &want, &[e("onB(2)")], &mut b).unwrap_err();
        assert_eq!((m.position, m.observed), (2, None));
    }

    #[test]
    fn extra_and_missing_callbacks_are_reported_where_they_are() {
        let want = lines(&["onA()"]);
        let mut b = Bindings::new("app");
        let m = check_client("A", &want, &[e("onA()"), e("onB()")], &mut b).unwrap_err();
        assert_eq!((m.position, m.expected), (2, None));
        let mut b = Bindings::new("app");
        let m = check_client("A", &want, &[], &mut b).unwrap_err();
        assert_eq!((m.position, m.observed), (1, None));
    }
}
