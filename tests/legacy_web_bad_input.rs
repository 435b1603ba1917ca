//! Bad input on the legacy web endpoint: nothing panics, nothing vanishes without a reply or a
//! log line, and the server keeps serving everyone else. Virtual time throughout.

mod legacy_web_common;

use legacy_web_common::*;
use serde_json::json;
use sig2rtm::legacy_web::LegacyWebConfig;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// Another client on the same endpoint still gets served.
async fn others_still_served(web: &sig2rtm::legacy_web::LegacyWeb) {
    let mut c = WebClient::logged_in(web, "bystander").await;
    let r = c
        .call("user_query_user_status", json!({"account": "bystander"}))
        .await;
    assert_eq!(r["status"], 1);
}

#[tokio::test(start_paused = true)]
async fn frames_that_are_not_json_arrays_are_ignored_and_the_connection_stays() {
    let web = endpoint();
    let mut c = WebClient::logged_in(&web, "alice").await;
    for bad in [
        "{nope",
        "{\"a\":1}",
        "[1,2]",
        "\"text\"",
        "[]",
        "",
        "[\"login\"",
    ] {
        c.send_text(bad).await;
    }
    let r = c
        .call("user_query_user_status", json!({"account": "alice"}))
        .await;
    assert_eq!(r["status"], 1, "the connection still works");
    assert!(
        c.stash.is_empty(),
        "no reply to frames without a call id: {:?}",
        c.stash
    );
    others_still_served(&web).await;
}

#[tokio::test(start_paused = true)]
async fn a_call2_with_a_bad_payload_gets_a_failed_reply_when_it_has_a_call_id() {
    let web = endpoint();
    let mut c = WebClient::logged_in(&web, "alice").await;
    c.send(json!(["call2", ["user_sendmsg", 41, "not an object"]]))
        .await;
    let r = c.reply(41).await;
    assert_eq!(r["result"], "failed");
    assert!(
        r["reason"].as_str().unwrap().contains("not a JSON object"),
        "{r}"
    );
    c.send(json!(["call2", [17, 42, {}]])).await;
    assert_eq!(c.reply(42).await["result"], "failed");
    c.send(json!(["call2", "garbage"])).await;
    let id = c.call_nowait("user_sendmsg", json!({"peer": "bob"})).await;
    let r = c.reply(id).await;
    assert!(
        r["reason"].as_str().unwrap().contains("content"),
        "missing fields are named: {r}"
    );
    let r = c.call("frobnicate", json!({})).await;
    assert_eq!(
        (&r["result"], &r["data"]["result"]),
        (&json!("failed"), &json!("unknown_function"))
    );
    assert_eq!(
        c.call("user_query_user_status", json!({"account": "alice"}))
            .await["status"],
        1
    );
}

#[tokio::test(start_paused = true)]
async fn binary_frames_are_ignored_and_the_connection_stays() {
    let web = endpoint();
    let mut c = WebClient::logged_in(&web, "alice").await;
    c.send_message(Message::Binary(vec![0x78, 0x9c, 1, 2, 3].into()))
        .await
        .unwrap();
    assert_eq!(
        c.call("user_query_user_status", json!({"account": "alice"}))
            .await["status"],
        1
    );
}

#[tokio::test(start_paused = true)]
async fn an_oversize_frame_closes_that_socket_only() {
    let web = endpoint_with(LegacyWebConfig {
        max_frame: 4096,
        ..LegacyWebConfig::default()
    });
    let mut c = WebClient::logged_in(&web, "alice").await;
    let big = format!("[\"ping\",\"{}\"]", "x".repeat(10_000));
    c.send_text(&big).await;
    assert!(c.wait_closed().await.is_some(), "the socket is closed");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!web
        .system()
        .online_users(APP)
        .contains(&"alice".to_string()));
    others_still_served(&web).await;
}

#[tokio::test(start_paused = true)]
async fn call2_before_login_and_with_a_wrong_or_stale_line_is_refused() {
    let web = endpoint();
    let mut c = WebClient::connect(&web).await;
    let r = c
        .call(
            "user_query_user_status",
            json!({"line": "x", "account": "a"}),
        )
        .await;
    assert_eq!(
        (&r["result"], &r["reason"]),
        (&json!("failed"), &json!("not logged in"))
    );
    c.login("alice").await;
    let r = c
        .call(
            "user_query_user_status",
            json!({"line": "bogus", "account": "a"}),
        )
        .await;
    assert_eq!(r["reason"], "wrong line");
    let stale = c.line.clone();
    c.call("user_logout", json!({})).await;
    let mut again = WebClient::logged_in(&web, "alice").await;
    let r = again
        .call(
            "user_query_user_status",
            json!({"line": stale, "account": "a"}),
        )
        .await;
    assert_eq!(r["reason"], "wrong line");
    assert_eq!(
        again
            .call("user_query_user_status", json!({"account": "alice"}))
            .await["status"],
        1
    );
}

#[tokio::test(start_paused = true)]
async fn a_flood_of_sends_meets_the_rtm_rate_limit_and_every_call_is_answered() {
    let web = endpoint();
    let mut alice = WebClient::logged_in(&web, "alice").await;
    let _bob = WebClient::logged_in(&web, "bob").await;
    let mut ids = Vec::new();
    for i in 0..1600 {
        ids.push(
            alice
                .call_nowait("user_sendmsg", json!({"peer": "bob", "flag": "v1:E:3600", "t": "instant", "content": format!("{i}")}))
                .await,
        );
    }
    let (mut ok, mut failed) = (0, 0);
    for id in ids {
        let r = alice.reply(id).await;
        if r["result"] == "ok" {
            ok += 1;
        } else {
            assert!(!r["reason"].as_str().unwrap().is_empty());
            failed += 1;
        }
    }
    assert!(ok >= 1000 && failed >= 1, "ok {ok}, failed {failed}");
    others_still_served(&web).await;
}

#[tokio::test(start_paused = true)]
async fn a_client_that_does_not_read_is_closed_at_the_write_buffer_limit() {
    let web = endpoint_with(LegacyWebConfig {
        write_buffer: 8 * 1024,
        ..LegacyWebConfig::default()
    });
    let slow = WebClient::connect_with(&web, 512).await;
    let mut slow = slow;
    slow.login("slow").await;
    let mut alice = WebClient::logged_in(&web, "alice").await;
    alice.call("channel_join", json!({"name": "room"})).await;
    slow.call("channel_join", json!({"name": "room"})).await;
    // From here on `slow` never reads; alice talks in the channel.
    let text = "y".repeat(500);
    let mut gone = false;
    for _ in 0..200 {
        let r = alice
            .call("channel_sendmsg", json!({"name": "room", "msg": text}))
            .await;
        assert_eq!(r["result"], "ok");
        alice.stash.clear();
        tokio::time::sleep(Duration::from_millis(20)).await;
        if !web.system().online_users(APP).contains(&"slow".to_string()) {
            gone = true;
            break;
        }
    }
    assert!(gone, "the slow reader was closed and logged out");
    others_still_served(&web).await;
}

#[tokio::test(start_paused = true)]
async fn a_socket_that_never_logs_in_is_closed_after_the_login_timeout() {
    let web = endpoint();
    let mut c = WebClient::connect(&web).await;
    tokio::time::sleep(Duration::from_secs(29)).await;
    assert!(c.closed.is_none());
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(c.wait_closed().await.is_some());
    others_still_served(&web).await;
}

#[tokio::test(start_paused = true)]
async fn a_connection_that_never_sends_its_http_request_is_dropped() {
    let web = endpoint();
    let (_client, server) = tokio::io::duplex(1024);
    let w = web.clone();
    let task = tokio::spawn(async move { w.serve_stream(server, "silent".into()).await });
    tokio::time::timeout(Duration::from_secs(11), task)
        .await
        .expect("dropped after the HTTP timeout")
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_silent_logged_in_socket_is_closed_after_the_idle_timeout() {
    let web = endpoint();
    let mut c = WebClient::logged_in(&web, "alice").await;
    tokio::time::sleep(Duration::from_secs(121)).await;
    let close = c.wait_for(|f| f[0] == "close").await;
    assert!(close.is_some(), "a close frame first");
    assert!(c.wait_closed().await.is_some());
    assert!(web.system().online_users(APP).is_empty());
}

#[tokio::test(start_paused = true)]
async fn socket_churn_while_a_login_is_pending_leaves_nothing_behind() {
    let web = endpoint();
    let mut pending = WebClient::connect(&web).await;
    pending
        .send(json!(["login", {"vid": APP, "account": "alice", "uid": 0, "token": "", "device": "websdk", "ip": ""}]))
        .await;
    for i in 0..40 {
        let mut c = WebClient::connect(&web).await;
        if i % 4 == 0 {
            // Some of them get as far as a login and drop before the answer.
            c.send(json!(["login", {"vid": APP, "account": format!("churn{i}"), "uid": 0, "token": "", "device": "websdk", "ip": ""}])).await;
        }
        drop(c);
    }
    let ret = pending.wait_for(|f| f[0] == "login_ret").await.unwrap();
    assert_eq!(ret[1][0], "");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(web.system().online_users(APP), vec!["alice".to_string()]);
}
