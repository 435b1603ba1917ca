//! Queries and user attributes: online status, own and others' attributes, unsupported calls
//! (contract rules Q1, Q2, Q4).

use super::context::Cx;
use super::errors::{check_attribute, translate};
use super::operations::Lane;
use crate::mapping::LegacyMethod;
use crate::rtm::{AttributeOperationErr, RtmAttribute, RtmError};
use crate::signaling::{AgoraECode, LegacyEvent};

/// Whether an attribute read failed only because the user is offline (reported as empty).
fn user_not_found(e: &RtmError<AttributeOperationErr>) -> bool {
    e.kind() == AttributeOperationErr::UserNotFound
}

/// A JSON object text of attributes, as `on_user_attr_all_result` carries it.
pub(crate) fn attributes_json(attributes: &[RtmAttribute]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = attributes
        .iter()
        .map(|a| (a.key.clone(), serde_json::Value::String(a.value.clone())))
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// Reports a failed attribute read or write through `on_error`.
fn report(cx: &Cx, op: &str, e: &RtmError<AttributeOperationErr>) {
    let t = translate(e);
    cx.error(op, t.on_error.unwrap_or(t.code), t.desc);
}

/// Q2: `set_attr` → addOrUpdateLocalUserAttributes; an empty value deletes the attribute.
pub(super) fn set_attr(cx: &mut Cx, name: &str, value: &str) {
    let Some((client, _)) = cx.client_and_account("set_attr") else {
        return;
    };
    if !cx.passes("set_attr", check_attribute(name, Some(value))) {
        return;
    }
    let k = |cx: &mut Cx, result: Result<(), RtmError<AttributeOperationErr>>| {
        if let Err(e) = result {
            report(cx, "set_attr", &e);
        }
    };
    if value.is_empty() {
        let write = client.delete_local_user_attributes_by_keys(&[name]);
        cx.then(Lane::Queries, write, k);
    } else {
        let write = client.add_or_update_local_user_attributes(&[RtmAttribute::new(name, value)]);
        cx.then(Lane::Queries, write, k);
    }
}

/// Q2: `get_attr` / `get_user_attr` → `on_user_attr_result(account, name, value)`.
pub(super) fn get_user_attr(cx: &mut Cx, account: Option<&str>, name: &str) {
    let op = if account.is_some() {
        "get_user_attr"
    } else {
        "get_attr"
    };
    let Some((client, me)) = cx.client_and_account(op) else {
        return;
    };
    if !cx.passes(op, check_attribute(name, None)) {
        return;
    }
    let account = account.map_or(me, str::to_string);
    let read = client.get_user_attributes_by_keys(&account, &[name]);
    let name = name.to_string();
    cx.then(Lane::Queries, read, move |cx, result| {
        let value = match result {
            Ok(v) => v.into_iter().find(|x| x.key == name).map(|x| x.value),
            Err(e) if user_not_found(&e) => None,
            Err(e) => return report(cx, op, &e),
        };
        cx.emit(LegacyEvent::UserAttrResult {
            account,
            name,
            value: value.unwrap_or_default(),
        });
    });
}

/// Q2: `get_attr_all` / `get_user_attr_all` → `on_user_attr_all_result(account, json)`.
pub(super) fn get_user_attr_all(cx: &mut Cx, account: Option<&str>) {
    let op = if account.is_some() {
        "get_user_attr_all"
    } else {
        "get_attr_all"
    };
    let Some((client, me)) = cx.client_and_account(op) else {
        return;
    };
    let account = account.map_or(me, str::to_string);
    let read = client.get_user_attributes(&account);
    cx.then(Lane::Queries, read, move |cx, result| {
        let all = match result {
            Ok(v) => v,
            Err(e) if user_not_found(&e) => Vec::new(),
            Err(e) => return report(cx, op, &e),
        };
        cx.emit(LegacyEvent::UserAttrAllResult {
            account,
            value: attributes_json(&all),
        });
    });
}

/// Q1: `query_user_status` → `on_query_user_status_result(account, "1" | "0")`.
pub(super) fn query_user_status(cx: &mut Cx, account: &str) {
    let Some((client, _)) = cx.client_and_account("query_user_status") else {
        return;
    };
    let query = client.query_peers_online_status(&[account]);
    let account = account.to_string();
    cx.then(Lane::Queries, query, move |cx, result| match result {
        Ok(states) => {
            let online = states.first().is_some_and(|s| s.is_online());
            cx.emit(LegacyEvent::QueryUserStatusResult {
                name: account,
                status: if online { "1" } else { "0" }.into(),
            });
        }
        Err(e) => {
            let t = translate(&e);
            cx.error("query_user_status", t.on_error.unwrap_or(t.code), t.desc);
        }
    });
}

/// Methods RTM cannot carry at all: a clear `on_error`, never silence.
pub(super) fn unsupported(cx: &mut Cx, method: LegacyMethod) {
    cx.error(
        method.rust_name(),
        AgoraECode::GeneralEFailed,
        format!(
            "{} has no RTM equivalent; the call did nothing (see MIGRATION.md)",
            method.legacy_name()
        ),
    );
}

/// `bc_call`: answered with a reason, as the legacy SDK answered failed calls.
pub(super) fn bc_call(cx: &mut Cx, call_id: &str) {
    cx.emit(LegacyEvent::BcCallResult {
        reason: "bc_call has no RTM equivalent".into(),
        json_ret: String::new(),
        call_id: call_id.to_string(),
    });
    unsupported(cx, LegacyMethod::BcCall);
}
