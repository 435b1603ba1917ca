//! `invoke(name, req, callID)`: the `io.agora.signal.*` functions of `mapping/invoke.toml`,
//! answered with `on_invoke_ret(callID, err, resp)` (contract rule Q3).

use super::context::Cx;
use super::errors::{id_error_code, translate};
use super::operations::Lane;
use super::queries::attributes_json;
use crate::mapping::invoke_by_name;
use crate::rtm::{
    AttributeOperationErr, ChannelAttribute, ChannelAttributeOptions, RtmAttribute, RtmClient,
};
use crate::signaling::uid_of;
use crate::signaling::{AgoraECode, LegacyEvent};
use serde_json::{json, Map, Value};

/// The prefix every invoke function name carries.
const PREFIX: &str = "io.agora.signal.";

/// Why a function failed, and the general code `on_error` also reports, if any.
type Failure = (String, Option<AgoraECode>);

type Answer = Result<Map<String, Value>, Failure>;

/// Most members RTM's getMembers returns; a list this long may be cut (C7, C8).
const GET_MEMBERS_CAP: usize = 512;

fn field<'a>(req: &'a Value, key: &str) -> Result<&'a str, Failure> {
    req.get(key).and_then(Value::as_str).ok_or_else(|| {
        (
            format!("the request needs a string field {key:?}"),
            Some(AgoraECode::GeneralEWrongParam),
        )
    })
}

/// An RTM error as a failure of the function, translated through the error table.
fn rtm_failure<C: crate::mapping::ErrorTranslation + std::fmt::Display>(
    e: crate::rtm::RtmError<C>,
) -> Failure {
    let t = translate(&e);
    (t.desc, t.on_error)
}

fn ok(fields: Value) -> Answer {
    let mut map = match fields {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    map.insert("result".into(), json!("ok"));
    Ok(map)
}

fn notify() -> ChannelAttributeOptions {
    ChannelAttributeOptions {
        enable_notification_to_channel_members: true,
    }
}

/// Carries out one function; the channel and user operations are the same RTM calls the
/// corresponding legacy methods use.
async fn run(client: RtmClient, function: String, req: Value) -> Answer {
    let attr_err = rtm_failure::<AttributeOperationErr>;
    match function.as_str() {
        "user_query_user_status" => {
            let account = field(&req, "account")?;
            let states = client
                .query_peers_online_status(&[account])
                .await
                .map_err(rtm_failure)?;
            let online = states.first().is_some_and(|s| s.is_online());
            ok(json!({ "status": i32::from(online) }))
        }
        "user_set_attr" => {
            let (name, value) = (field(&req, "name")?, field(&req, "value")?);
            if value.is_empty() {
                // As set_attr: RTM refuses empty values, so an empty value deletes the key.
                client
                    .delete_local_user_attributes_by_keys(&[name])
                    .await
                    .map_err(attr_err)?;
            } else {
                client
                    .add_or_update_local_user_attributes(&[RtmAttribute::new(name, value)])
                    .await
                    .map_err(attr_err)?;
            }
            ok(json!({ "reason": "" }))
        }
        "user_get_attr" => {
            let (account, name) = (field(&req, "account")?, field(&req, "name")?);
            let value = match client.get_user_attributes_by_keys(account, &[name]).await {
                Ok(v) => v.into_iter().find(|a| a.key == name).map(|a| a.value),
                Err(e) if e.kind() == AttributeOperationErr::UserNotFound => None,
                Err(e) => return Err(attr_err(e)),
            };
            ok(json!({ "account": account, "name": name, "value": value.unwrap_or_default() }))
        }
        "user_get_attr_all" => {
            let account = field(&req, "account")?;
            let all = match client.get_user_attributes(account).await {
                Ok(v) => v,
                Err(e) if e.kind() == AttributeOperationErr::UserNotFound => Vec::new(),
                Err(e) => return Err(attr_err(e)),
            };
            let object: Value = serde_json::from_str(&attributes_json(&all)).unwrap_or(Value::Null);
            ok(json!({ "account": account, "json": object }))
        }
        "channel_query_num" => {
            let name = field(&req, "name")?;
            // C7: exact from getMembers while joined below RTM's cap, else the member count.
            let joined = client.create_channel(name).ok().filter(|c| c.is_joined());
            if let Some(channel) = joined {
                if let Ok(members) = channel.get_members().await {
                    if members.len() < GET_MEMBERS_CAP {
                        return ok(json!({ "num": members.len() }));
                    }
                }
            }
            ok(json!({ "num": member_count(&client, name).await? }))
        }
        "channel_query_user_isin" | "channel_query_userlist" | "channel_query_userlist_all" => {
            let name = field(&req, "name")?;
            let members = members(&client, name).await?;
            if function == "channel_query_user_isin" {
                let account = field(&req, "account")?;
                return ok(json!({ "isin": i32::from(members.iter().any(|m| m == account)) }));
            }
            let max = req
                .get("num")
                .and_then(Value::as_u64)
                .map_or(usize::MAX, |n| n as usize);
            // getMembers stops at RTM's cap; the count says how many there really are.
            let total = if members.len() < GET_MEMBERS_CAP {
                members.len() as u32
            } else {
                member_count(&client, name).await?.max(members.len() as u32)
            };
            let partial = total as usize > members.len() && max > members.len();
            if function == "channel_query_userlist_all" && partial {
                return Err((
                    format!(
                        "{name} has {total} members but RTM's getMembers lists at most {}; \
                         ask for num <= {} or use channel_query_num",
                        members.len(),
                        members.len()
                    ),
                    Some(AgoraECode::GeneralELargeParam),
                ));
            }
            let list: Vec<Value> = members
                .iter()
                .rev()
                .take(max)
                .rev()
                .map(|m| json!([m, uid_of(m)]))
                .collect();
            ok(json!({ "num": total, "list": list }))
        }
        "channel_set_attr" => {
            let (channel, name, value) = (
                field(&req, "channel")?,
                field(&req, "name")?,
                field(&req, "value")?,
            );
            client
                .add_or_update_channel_attributes(
                    channel,
                    &[ChannelAttribute::new(name, value)],
                    notify(),
                )
                .await
                .map_err(attr_err)?;
            ok(json!({}))
        }
        "channel_del_attr" => {
            let (channel, name) = (field(&req, "channel")?, field(&req, "name")?);
            client
                .delete_channel_attributes_by_keys(channel, &[name], notify())
                .await
                .map_err(attr_err)?;
            ok(json!({}))
        }
        "channel_clear_attr" => {
            let channel = field(&req, "channel")?;
            client
                .clear_channel_attributes(channel, notify())
                .await
                .map_err(attr_err)?;
            ok(json!({}))
        }
        other => Err((
            format!("{PREFIX}{other} has no handler"),
            Some(AgoraECode::GeneralEWrongParam),
        )),
    }
}

/// The member count of a channel (C7): exact from the system's count.
async fn member_count(client: &RtmClient, name: &str) -> Result<u32, Failure> {
    let counts = client
        .get_channel_member_count(&[name])
        .await
        .map_err(rtm_failure)?;
    Ok(counts.first().map_or(0, |c| c.count))
}

/// Members of a channel: from getMembers when joined, else through a transient join (C8).
async fn members(client: &RtmClient, name: &str) -> Result<Vec<String>, Failure> {
    let channel = client
        .create_channel(name)
        .map_err(|e| (e.detail().to_string(), Some(id_error_code(&e))))?;
    let joined = channel.is_joined();
    if !joined {
        channel.join().await.map_err(rtm_failure)?;
    }
    let members = channel.get_members().await.map_err(rtm_failure);
    if !joined {
        let _ = channel.leave().await;
    }
    // The transient join is not membership: the caller is not listed.
    let me = client.user_id().filter(|_| !joined);
    Ok(members?
        .into_iter()
        .map(|m| m.user_id)
        .filter(|m| Some(m) != me.as_ref())
        .collect())
}

/// Q3: the request of the invoke function `name`: a JSON object (an empty `req` is `{}`), or
/// why not (an unknown function, a request that is not an object).
pub(crate) fn invoke_request(name: &str, req: &str) -> Result<Value, String> {
    if invoke_by_name(name).is_none() {
        return Err(format!("unknown invoke function {name:?}"));
    }
    match serde_json::from_str(if req.trim().is_empty() { "{}" } else { req }) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(format!("the request of {name} must be a JSON object")),
    }
}

/// Q3: dispatches an `io.agora.signal.*` function through the invoke table.
pub(super) fn invoke(cx: &mut Cx, name: &str, req: &str, call_id: &str) {
    let call_id = call_id.to_string();
    let fail = |cx: &Cx, call_id: String, reason: String| {
        cx.emit(LegacyEvent::InvokeRet {
            call_id,
            err: reason.clone(),
            resp: json!({ "result": "failed", "reason": reason }).to_string(),
        });
    };
    let request = match invoke_request(name, req) {
        Ok(request) => request,
        Err(reason) => {
            cx.error("invoke", AgoraECode::GeneralEWrongParam, reason.clone());
            return fail(cx, call_id, reason);
        }
    };
    let (Some(client), Some(_)) = (cx.client(), cx.account()) else {
        let reason = "invoke needs a login first".to_string();
        cx.error("invoke", AgoraECode::GeneralENotLogin, reason.clone());
        return fail(cx, call_id, reason);
    };
    let function = name.trim_start_matches(PREFIX).to_string();
    cx.then(
        Lane::Queries,
        run(client, function, request),
        move |cx, answer| match answer {
            Ok(map) => cx.emit(LegacyEvent::InvokeRet {
                call_id,
                err: String::new(),
                resp: Value::Object(map).to_string(),
            }),
            Err((reason, general)) => {
                if let Some(general) = general {
                    cx.error("invoke", general, reason.clone());
                }
                fail(cx, call_id, reason)
            }
        },
    );
}
