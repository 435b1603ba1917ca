//! Contract rules Q1–Q4 (shim-contract.md §6): online status, user attributes, `invoke` through
//! mapping/invoke.toml, and `on_error` naming and the "before login" code.

mod legacy_common;

use legacy_common::{legacy, logged_in, settle, transcript, uid};
use serde_json::{json, Value};
use sig2rtm::mapping::INVOKES;
use sig2rtm::signaling::{LegacyEvent, Signaling};
use sig2rtm::system::{System, SystemConfig};
use sig2rtm::testkit::Recorder;
use std::collections::BTreeSet;
use std::time::Duration;

fn system() -> System {
    System::new(SystemConfig::default())
}

fn error(op: &str, ecode: i32) -> String {
    format!("onError({op:?}, {ecode}, \"\")")
}

fn status(account: &str, s: &str) -> String {
    LegacyEvent::QueryUserStatusResult {
        name: account.into(),
        status: s.into(),
    }
    .to_string()
}

fn attr(account: &str, name: &str, value: &str) -> String {
    LegacyEvent::UserAttrResult {
        account: account.into(),
        name: name.into(),
        value: value.into(),
    }
    .to_string()
}

/// The one `on_user_attr_all_result` recorded, as (account, parsed JSON).
fn attr_all(rec: &Recorder) -> Vec<(String, Value)> {
    rec.events_without_logs()
        .into_iter()
        .filter_map(|e| match e {
            LegacyEvent::UserAttrAllResult { account, value } => {
                Some((account, serde_json::from_str(&value).expect("not JSON")))
            }
            _ => None,
        })
        .collect()
}

/// The `on_invoke_ret` callbacks recorded, as (callID, err, parsed resp).
fn invoke_rets(rec: &Recorder) -> Vec<(String, String, Value)> {
    rec.events_without_logs()
        .into_iter()
        .filter_map(|e| match e {
            LegacyEvent::InvokeRet { call_id, err, resp } => Some((
                call_id,
                err,
                serde_json::from_str(&resp).expect("resp is not JSON"),
            )),
            _ => None,
        })
        .collect()
}

/// Calls `invoke` and returns its single answer (waits past RTM's 1 s count rate limit).
async fn invoke(sig: &Signaling, rec: &Recorder, name: &str, req: &str) -> (String, Value) {
    rec.take();
    sig.invoke(name, req, "call-1");
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let rets = invoke_rets(rec);
    assert_eq!(rets.len(), 1, "{name}: {:?}", rec.events_without_logs());
    let (call_id, err, resp) = rets.into_iter().next().unwrap();
    assert_eq!(call_id, "call-1");
    (err, resp)
}

// ------------------------------------------------------------------ Q1

#[tokio::test(start_paused = true)]
async fn contract_q1_query_user_status_online_is_string_1() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    let (_b, _rb) = logged_in(&system, "B").await;
    a.query_user_status("B");
    settle().await;
    assert_eq!(transcript(&ra), vec![status("B", "1")]);
}

#[tokio::test(start_paused = true)]
async fn contract_q1_query_user_status_offline_is_string_0() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    let (b, _rb) = logged_in(&system, "B").await;
    a.query_user_status("Z");
    b.logout();
    settle().await;
    a.query_user_status("B");
    settle().await;
    assert_eq!(transcript(&ra), vec![status("Z", "0"), status("B", "0")]);
}

#[tokio::test(start_paused = true)]
async fn contract_q1_query_user_status_of_self_is_1() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    a.query_user_status("A");
    settle().await;
    assert_eq!(transcript(&ra), vec![status("A", "1")]);
}

#[tokio::test(start_paused = true)]
async fn contract_q1_query_user_status_of_invalid_account_is_on_error() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    a.query_user_status("");
    a.query_user_status(&"x".repeat(65));
    settle().await;
    let t = transcript(&ra);
    assert_eq!(t.len(), 2, "{t:?}");
    for line in &t {
        assert!(
            line.starts_with("onError(\"query_user_status\", 100"),
            "{t:?}"
        );
    }
}

// ------------------------------------------------------------------ Q2

#[tokio::test(start_paused = true)]
async fn contract_q2_set_attr_is_silent_and_get_attr_reads_it_back() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    a.set_attr("color", "blue");
    settle().await;
    assert_eq!(
        transcript(&ra),
        Vec::<String>::new(),
        "set_attr has no callback"
    );
    a.get_attr("color");
    settle().await;
    assert_eq!(transcript(&ra), vec![attr("A", "color", "blue")]);
}

#[tokio::test(start_paused = true)]
async fn contract_q2_get_attr_of_missing_name_is_empty_value() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    a.get_attr("nothing");
    settle().await;
    assert_eq!(transcript(&ra), vec![attr("A", "nothing", "")]);
}

#[tokio::test(start_paused = true)]
async fn contract_q2_set_attr_with_empty_value_deletes_it() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    a.set_attr("k", "v");
    a.set_attr("k", "");
    settle().await;
    a.get_attr("k");
    a.get_attr_all();
    settle().await;
    assert_eq!(
        transcript(&ra),
        vec![
            attr("A", "k", ""),
            LegacyEvent::UserAttrAllResult {
                account: "A".into(),
                value: "{}".into()
            }
            .to_string(),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_q2_get_attr_all_is_a_json_object_of_strings() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    a.set_attr("attr1", "v1");
    a.set_attr("attr2", "{\"nested\":\"json \\\" text\"}");
    settle().await;
    a.get_attr_all();
    settle().await;
    assert_eq!(
        attr_all(&ra),
        vec![(
            "A".to_string(),
            json!({ "attr1": "v1", "attr2": "{\"nested\":\"json \\\" text\"}" })
        )]
    );
    assert_eq!(transcript(&ra).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn contract_q2_get_attr_all_without_attributes_is_empty_object() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    a.get_attr_all();
    settle().await;
    assert_eq!(
        transcript(&ra),
        vec![LegacyEvent::UserAttrAllResult {
            account: "A".into(),
            value: "{}".into()
        }
        .to_string()]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_q2_get_user_attr_reads_another_users_attribute() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    let (b, _rb) = logged_in(&system, "B").await;
    b.set_attr("mood", "happy");
    settle().await;
    a.get_user_attr("B", "mood");
    a.get_user_attr("B", "other");
    settle().await;
    assert_eq!(
        transcript(&ra),
        vec![attr("B", "mood", "happy"), attr("B", "other", "")]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_q2_get_user_attr_all_reads_another_users_json() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    let (b, _rb) = logged_in(&system, "B").await;
    b.set_attr("attr1", "v1");
    b.set_attr("attr2", "v2");
    settle().await;
    a.get_user_attr_all("B");
    settle().await;
    assert_eq!(
        attr_all(&ra),
        vec![("B".to_string(), json!({ "attr1": "v1", "attr2": "v2" }))]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_q2_offline_user_has_empty_attributes() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    a.get_user_attr("Z", "k");
    a.get_user_attr_all("Z");
    settle().await;
    assert_eq!(
        transcript(&ra),
        vec![
            attr("Z", "k", ""),
            LegacyEvent::UserAttrAllResult {
                account: "Z".into(),
                value: "{}".into()
            }
            .to_string(),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_q2_attribute_limits_fail_with_on_error_never_truncated() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    a.set_attr("", "v");
    a.set_attr(&"n".repeat(33), "v");
    a.set_attr("k", &"v".repeat(8 * 1024 + 1));
    a.get_attr(&"n".repeat(33));
    a.get_user_attr("B", "");
    settle().await;
    assert_eq!(
        transcript(&ra),
        vec![
            error("set_attr", 1004),
            error("set_attr", 1005),
            error("set_attr", 1005),
            error("get_attr", 1005),
            error("get_user_attr", 1004),
        ]
    );
    // Nothing was stored.
    ra.take();
    a.get_attr_all();
    settle().await;
    assert_eq!(attr_all(&ra), vec![("A".to_string(), json!({}))]);
}

#[tokio::test(start_paused = true)]
async fn contract_q2_attribute_limit_descriptions_name_the_limit() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    a.set_attr(&"n".repeat(33), "v");
    a.set_attr("k", &"v".repeat(8 * 1024 + 1));
    settle().await;
    let descs = legacy_common::error_descs(&ra);
    assert_eq!(descs.len(), 2);
    assert!(descs[0].contains("32"), "{descs:?}");
    assert!(descs[1].contains("8192"), "{descs:?}");
}

#[tokio::test(start_paused = true)]
async fn contract_q2_largest_allowed_attribute_is_stored_whole() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    let name = "n".repeat(32);
    let value = "v".repeat(8 * 1024);
    a.set_attr(&name, &value);
    settle().await;
    a.get_attr(&name);
    settle().await;
    assert_eq!(transcript(&ra), vec![attr("A", &name, &value)]);
}

// ------------------------------------------------------------------ Q3: invoke

/// A and B logged in, both in channel "ch" with attribute topic=x; A has attribute k=v.
async fn invoke_world(system: &System) -> (Signaling, std::sync::Arc<Recorder>, Signaling) {
    let (a, ra) = logged_in(system, "A").await;
    let (b, _rb) = logged_in(system, "B").await;
    b.channel_join("ch");
    settle().await;
    a.channel_join("ch");
    a.set_attr("k", "v");
    settle().await;
    a.channel_set_attr("ch", "topic", "x");
    tokio::time::sleep(Duration::from_secs(2)).await;
    ra.take();
    (a, ra, b)
}

/// A valid request for each function of the table.
fn valid_request(name: &str) -> &'static str {
    match name {
        "io.agora.signal.user_query_user_status" => r#"{"account":"B"}"#,
        "io.agora.signal.user_set_attr" => r#"{"name":"k2","value":"v2"}"#,
        "io.agora.signal.user_get_attr" => r#"{"account":"A","name":"k"}"#,
        "io.agora.signal.user_get_attr_all" => r#"{"account":"A"}"#,
        "io.agora.signal.channel_query_num" => r#"{"name":"ch"}"#,
        "io.agora.signal.channel_query_user_isin" => r#"{"name":"ch","account":"B"}"#,
        "io.agora.signal.channel_query_userlist" => r#"{"name":"ch"}"#,
        "io.agora.signal.channel_query_userlist_all" => r#"{"name":"ch","num":10}"#,
        "io.agora.signal.channel_clear_attr" => r#"{"channel":"ch"}"#,
        "io.agora.signal.channel_del_attr" => r#"{"channel":"ch","name":"topic"}"#,
        "io.agora.signal.channel_set_attr" => r#"{"channel":"ch","name":"t2","value":"y"}"#,
        other => panic!("invoke.toml has a function this test does not know: {other}"),
    }
}

#[tokio::test(start_paused = true)]
async fn contract_q3_every_invoke_function_answers_ok_with_its_table_fields() {
    let system = system();
    let (a, ra, _b) = invoke_world(&system).await;
    for row in INVOKES {
        let (err, resp) = invoke(&a, &ra, row.name, valid_request(row.name)).await;
        assert_eq!(err, "", "{}: {resp}", row.name);
        assert_eq!(resp["result"], "ok", "{}: {resp}", row.name);
        let keys: BTreeSet<&str> = resp
            .as_object()
            .unwrap_or_else(|| panic!("{}: resp is not an object: {resp}", row.name))
            .keys()
            .map(String::as_str)
            .collect();
        let table: BTreeSet<&str> = row.response.iter().copied().collect();
        assert_eq!(keys, table, "{}: fields differ from invoke.toml", row.name);
    }
}

#[tokio::test(start_paused = true)]
async fn contract_q3_user_query_user_status_answers_number_status() {
    let system = system();
    let (a, ra, _b) = invoke_world(&system).await;
    let (_, online) = invoke(
        &a,
        &ra,
        "io.agora.signal.user_query_user_status",
        r#"{"account":"B"}"#,
    )
    .await;
    let (_, offline) = invoke(
        &a,
        &ra,
        "io.agora.signal.user_query_user_status",
        r#"{"account":"Z"}"#,
    )
    .await;
    assert_eq!(online, json!({ "result": "ok", "status": 1 }));
    assert_eq!(offline, json!({ "result": "ok", "status": 0 }));
}

#[tokio::test(start_paused = true)]
async fn contract_q3_user_set_and_get_attr_round_trip() {
    let system = system();
    let (a, ra, _b) = invoke_world(&system).await;
    let (_, set) = invoke(
        &a,
        &ra,
        "io.agora.signal.user_set_attr",
        r#"{"name":"n","value":"1"}"#,
    )
    .await;
    assert_eq!(set, json!({ "result": "ok", "reason": "" }));
    let (_, got) = invoke(
        &a,
        &ra,
        "io.agora.signal.user_get_attr",
        r#"{"account":"A","name":"n"}"#,
    )
    .await;
    assert_eq!(
        got,
        json!({ "result": "ok", "account": "A", "name": "n", "value": "1" })
    );
    let (_, missing) = invoke(
        &a,
        &ra,
        "io.agora.signal.user_get_attr",
        r#"{"account":"B","name":"n"}"#,
    )
    .await;
    assert_eq!(
        missing,
        json!({ "result": "ok", "account": "B", "name": "n", "value": "" })
    );
    let (_, all) = invoke(
        &a,
        &ra,
        "io.agora.signal.user_get_attr_all",
        r#"{"account":"A"}"#,
    )
    .await;
    assert_eq!(
        all,
        json!({ "result": "ok", "account": "A", "json": { "k": "v", "n": "1" } })
    );
    // An empty value deletes, as set_attr does.
    let (err, _) = invoke(
        &a,
        &ra,
        "io.agora.signal.user_set_attr",
        r#"{"name":"n","value":""}"#,
    )
    .await;
    assert_eq!(err, "");
    let (_, all) = invoke(
        &a,
        &ra,
        "io.agora.signal.user_get_attr_all",
        r#"{"account":"A"}"#,
    )
    .await;
    assert_eq!(
        all,
        json!({ "result": "ok", "account": "A", "json": { "k": "v" } })
    );
}

#[tokio::test(start_paused = true)]
async fn contract_q3_channel_queries_count_and_list_members() {
    let system = system();
    let (a, ra, _b) = invoke_world(&system).await;
    let (_, num) = invoke(
        &a,
        &ra,
        "io.agora.signal.channel_query_num",
        r#"{"name":"ch"}"#,
    )
    .await;
    assert_eq!(num, json!({ "result": "ok", "num": 2 }));
    let (_, isin) = invoke(
        &a,
        &ra,
        "io.agora.signal.channel_query_user_isin",
        r#"{"name":"ch","account":"B"}"#,
    )
    .await;
    assert_eq!(isin, json!({ "result": "ok", "isin": 1 }));
    let (_, notin) = invoke(
        &a,
        &ra,
        "io.agora.signal.channel_query_user_isin",
        r#"{"name":"ch","account":"Z"}"#,
    )
    .await;
    assert_eq!(notin, json!({ "result": "ok", "isin": 0 }));
    let (_, list) = invoke(
        &a,
        &ra,
        "io.agora.signal.channel_query_userlist",
        r#"{"name":"ch"}"#,
    )
    .await;
    assert_eq!(
        list,
        json!({ "result": "ok", "num": 2, "list": [["B", uid("B")], ["A", uid("A")]] })
    );
    let (_, cut) = invoke(
        &a,
        &ra,
        "io.agora.signal.channel_query_userlist_all",
        r#"{"name":"ch","num":1}"#,
    )
    .await;
    assert_eq!(
        cut,
        json!({ "result": "ok", "num": 2, "list": [["A", uid("A")]] })
    );
}

#[tokio::test(start_paused = true)]
async fn contract_q3_channel_queries_from_outside_do_not_list_the_caller() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    let (b, _rb) = logged_in(&system, "B").await;
    b.channel_join("room");
    settle().await;
    let (_, num) = invoke(
        &a,
        &ra,
        "io.agora.signal.channel_query_num",
        r#"{"name":"room"}"#,
    )
    .await;
    assert_eq!(num, json!({ "result": "ok", "num": 1 }));
    let (_, me) = invoke(
        &a,
        &ra,
        "io.agora.signal.channel_query_user_isin",
        r#"{"name":"room","account":"A"}"#,
    )
    .await;
    assert_eq!(me, json!({ "result": "ok", "isin": 0 }));
    let (_, list) = invoke(
        &a,
        &ra,
        "io.agora.signal.channel_query_userlist",
        r#"{"name":"room"}"#,
    )
    .await;
    assert_eq!(
        list,
        json!({ "result": "ok", "num": 1, "list": [["B", uid("B")]] })
    );
}

#[tokio::test(start_paused = true)]
async fn contract_q3_channel_attr_functions_drive_the_usual_member_callbacks() {
    let system = system();
    let (a, ra, b) = invoke_world(&system).await;
    let rb = Recorder::new();
    b.callback_set(Some(rb.clone()));
    let updates = |rec: &Recorder| -> Vec<String> {
        rec.events_without_logs()
            .into_iter()
            .filter(|e| matches!(e, LegacyEvent::ChannelAttrUpdated { .. }))
            .map(|e| e.to_string())
            .collect()
    };
    let (_, set) = invoke(
        &a,
        &ra,
        "io.agora.signal.channel_set_attr",
        r#"{"channel":"ch","name":"t2","value":"y"}"#,
    )
    .await;
    assert_eq!(set, json!({ "result": "ok" }));
    let (_, del) = invoke(
        &a,
        &ra,
        "io.agora.signal.channel_del_attr",
        r#"{"channel":"ch","name":"t2"}"#,
    )
    .await;
    assert_eq!(del, json!({ "result": "ok" }));
    let (_, clear) = invoke(
        &a,
        &ra,
        "io.agora.signal.channel_clear_attr",
        r#"{"channel":"ch"}"#,
    )
    .await;
    assert_eq!(clear, json!({ "result": "ok" }));
    let attr_updated = |name: &str, value: &str, kind: &str| {
        LegacyEvent::ChannelAttrUpdated {
            channel_id: "ch".into(),
            name: name.into(),
            value: value.into(),
            kind: kind.into(),
        }
        .to_string()
    };
    assert_eq!(
        updates(&rb),
        vec![
            attr_updated("t2", "y", "update"),
            attr_updated("t2", "", "del"),
            attr_updated("", "", "clear"),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_q3_unknown_invoke_name_fails_with_reason() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    for name in [
        "io.agora.signal.no_such_function",
        "user_query_user_status",
        "",
    ] {
        let (err, resp) = invoke(&a, &ra, name, "{}").await;
        assert!(!err.is_empty(), "{name:?}");
        assert_eq!(resp["result"], "failed", "{name:?}: {resp}");
        assert_eq!(resp["reason"], err.as_str(), "{name:?}: {resp}");
        assert_eq!(resp.as_object().unwrap().len(), 2, "{resp}");
        assert_eq!(
            transcript(&ra)[0],
            error("invoke", 1004),
            "{name:?}: an unknown name is bad input"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn contract_q3_bad_request_json_fails_with_reason() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    for req in [
        "not json",
        "[1,2]",
        "\"account\"",
        r#"{"account":"#,
        r#"{"account":5}"#,
        "{}",
    ] {
        let (err, resp) = invoke(&a, &ra, "io.agora.signal.user_get_attr_all", req).await;
        assert!(!err.is_empty(), "{req:?}");
        assert_eq!(
            resp,
            json!({ "result": "failed", "reason": err }),
            "{req:?}"
        );
        assert_eq!(
            transcript(&ra),
            vec![
                error("invoke", 1004),
                LegacyEvent::InvokeRet {
                    call_id: "call-1".into(),
                    err: err.clone(),
                    resp: resp.to_string(),
                }
                .to_string()
            ],
            "{req:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn contract_q3_invoke_before_login_fails_with_1003() {
    let system = system();
    let (a, ra) = legacy(&system);
    let (err, resp) = invoke(
        &a,
        &ra,
        "io.agora.signal.user_query_user_status",
        r#"{"account":"B"}"#,
    )
    .await;
    assert!(!err.is_empty());
    assert_eq!(resp, json!({ "result": "failed", "reason": err }));
    assert_eq!(transcript(&ra)[0], error("invoke", 1003));
}

// ------------------------------------------------------------------ Q4: before login

#[tokio::test(start_paused = true)]
async fn contract_q4_every_operation_before_login_fails_with_1003() {
    let system = system();
    let (a, ra) = legacy(&system);
    a.query_user_status("B");
    a.set_attr("k", "v");
    a.get_attr("k");
    a.get_attr_all();
    a.get_user_attr("B", "k");
    a.get_user_attr_all("B");
    a.logout();
    a.channel_join("ch");
    a.channel_leave("ch");
    a.channel_query_user_num("ch");
    a.channel_query_user_is_in("ch", "B");
    a.channel_set_attr("ch", "k", "v");
    a.channel_del_attr("ch", "k");
    a.channel_clear_attr("ch");
    a.message_instant_send("B", 0, "x", "m1");
    a.message_instant_send2("B", 0, "x", "m2", "");
    a.message_push_send("B", 0, "x", "m3");
    a.message_chat_send("B", 0, "x", "m4");
    a.message_channel_send("ch", "x", "m5");
    a.message_channel_send2("ch", "x", "m6", "");
    a.message_channel_send_force("ch", "x", "m7");
    a.channel_invite_accept("ch", "B", 0, "");
    a.channel_invite_refuse("ch", "B", 0, "");
    a.channel_invite_end("ch", "B", 0);
    a.channel_invite_dtmf("ch", "B", "1");
    settle().await;
    let errors: Vec<(String, i32)> = ra
        .events_without_logs()
        .into_iter()
        .filter_map(|e| match e {
            LegacyEvent::Error { name, ecode, .. } => Some((name, ecode)),
            _ => None,
        })
        .collect();
    let expected: Vec<(String, i32)> = [
        "query_user_status",
        "set_attr",
        "get_attr",
        "get_attr_all",
        "get_user_attr",
        "get_user_attr_all",
        "logout",
        "channel_join",
        "channel_leave",
        "channel_query_user_num",
        "channel_query_user_is_in",
        "channel_set_attr",
        "channel_del_attr",
        "channel_clear_attr",
        "message_instant_send",
        "message_instant_send2",
        "message_push_send",
        "message_chat_send",
        "message_channel_send",
        "message_channel_send2",
        "message_channel_send_force",
        "channel_invite_accept",
        "channel_invite_refuse",
        "channel_invite_end",
        "channel_invite_dtmf",
    ]
    .into_iter()
    .map(|op| (op.to_string(), 1003))
    .collect();
    assert_eq!(errors, expected);
}

#[tokio::test(start_paused = true)]
async fn contract_q4_failures_with_own_callback_also_fire_it_before_login() {
    let system = system();
    let (a, ra) = legacy(&system);
    a.message_instant_send("B", 0, "x", "m1");
    a.channel_query_user_num("ch");
    settle().await;
    assert_eq!(
        transcript(&ra),
        vec![
            "onMessageSendError(\"m1\", 400)".to_string(),
            error("message_instant_send", 1003),
            error("channel_query_user_num", 1003),
            "onChannelQueryUserNumResult(\"ch\", 500, 0)".to_string(),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_q4_on_error_name_is_the_snake_case_operation() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    a.query_user_status("");
    settle().await;
    a.set_attr("", "v");
    settle().await;
    a.channel_invite_accept("ch", "nobody", 0, "");
    settle().await;
    let names: Vec<String> = ra
        .events_without_logs()
        .into_iter()
        .filter_map(|e| match e {
            LegacyEvent::Error { name, .. } => Some(name),
            _ => None,
        })
        .collect();
    assert_eq!(
        names,
        vec!["query_user_status", "set_attr", "channel_invite_accept"]
    );
    for name in &names {
        assert!(sig2rtm::mapping::method_by_rust(name).is_some(), "{name}");
    }
}
