//! The legacy web protocol end to end through an in-process endpoint, with clients written
//! from the protocol: login and logout, peer messages and the polled queue, channels, queries,
//! invitations, duplicate logins and 1.4.0's reconnect. Virtual time throughout.

mod legacy_web_common;

use legacy_web_common::*;
use serde_json::{json, Value};

#[tokio::test(start_paused = true)]
async fn login_answers_line_and_uid_and_logout_replies_then_closes() {
    let web = endpoint();
    let mut alice = WebClient::connect(&web).await;
    let ret = alice.login_frame("alice", "_no_need_token", "websdk").await;
    assert_eq!(ret[0], "");
    let body: Value = serde_json::from_str(ret[1].as_str().unwrap()).unwrap();
    assert_eq!(body["result"], "ok");
    assert!(body["line"].as_str().is_some_and(|l| l.len() >= 16));
    assert!(body["uid"].as_u64().is_some_and(|u| u != 0));
    alice.line = body["line"].as_str().unwrap().into();
    assert!(alice.poll().await.is_empty());
    let bye = alice.call("user_logout", json!({})).await;
    assert_eq!(bye["result"], "ok");
    assert_eq!(alice.wait_closed().await.as_deref(), Some("logged out"));
    assert!(web.system().online_users(APP).is_empty());
}

#[tokio::test(start_paused = true)]
async fn uids_are_stable_per_account() {
    let web = endpoint();
    let a1 = WebClient::logged_in(&web, "alice").await;
    let b = WebClient::logged_in(&web, "bob").await;
    assert_ne!(a1.uid, b.uid);
    let first = a1.uid;
    drop(a1);
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let a2 = WebClient::logged_in(&web, "alice").await;
    assert_eq!(a2.uid, first);
}

#[tokio::test(start_paused = true)]
async fn ping_gets_the_same_number_back_only_after_login() {
    let web = endpoint();
    let mut c = WebClient::connect(&web).await;
    c.send(json!(["ping", 1])).await;
    assert!(
        c.wait_for(|f| f[0] == "pong").await.is_none(),
        "no pong before login"
    );
    let mut c = WebClient::logged_in(&web, "alice").await;
    c.send(json!(["ping", 7])).await;
    let pong = c.wait_for(|f| f[0] == "pong").await.unwrap();
    assert_eq!(pong, json!(["pong", 7]));
}

#[tokio::test(start_paused = true)]
async fn peer_messages_keep_spaces_and_non_ascii_text() {
    let web = endpoint();
    let mut alice = WebClient::logged_in(&web, "alice").await;
    let mut bob = WebClient::logged_in(&web, "bob").await;
    let text = "hi bob, with spaces é世";
    let r = alice
        .call(
            "user_sendmsg",
            json!({"peer": "bob", "flag": "v1:E:3600", "t": "instant", "content": text}),
        )
        .await;
    assert_eq!(r["result"], "ok", "{r}");
    let lines = bob.lines_after_notify().await;
    assert_eq!(lines.len(), 1);
    let (src, dst, kind, content) = peer_line(&lines[0]);
    assert_eq!(
        (src.as_str(), dst.as_str(), kind.as_str(), content.as_str()),
        ("alice", "bob", "instant", text)
    );
    // The next poll acknowledges it: nothing comes twice.
    assert!(bob.poll().await.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_message_to_an_offline_peer_arrives_at_its_login() {
    let web = endpoint();
    let mut alice = WebClient::logged_in(&web, "alice").await;
    let r = alice
        .call("user_sendmsg", json!({"peer": "bob", "flag": "v1:E:3600", "t": "instant", "content": "while you were out"}))
        .await;
    assert_eq!(r["result"], "ok", "an offline peer's message is kept: {r}");
    let mut bob = WebClient::logged_in(&web, "bob").await;
    let mut lines = bob.poll().await;
    if lines.is_empty() {
        lines = bob.lines_after_notify().await;
    }
    assert_eq!(peer_line(&lines[0]).3, "while you were out");
}

#[tokio::test(start_paused = true)]
async fn ver_clear_is_never_below_the_request_and_a_backlog_is_notified_again() {
    let web = endpoint();
    let mut alice = WebClient::logged_in(&web, "alice").await;
    let mut bob = WebClient::logged_in(&web, "bob").await;
    for i in 0..40 {
        let id = alice
            .call_nowait("user_sendmsg", json!({"peer": "bob", "flag": "v1:E:3600", "t": "instant", "content": format!("m{i}")}))
            .await;
        assert_eq!(alice.reply(id).await["result"], "ok");
    }
    // A fresh client polls with 0 and adopts the server's value; nothing comes twice.
    let body = bob
        .call("user_getmsg", json!({"ver_clear": 0, "max": 30}))
        .await;
    let msgs = body["msgs"].as_array().unwrap().clone();
    assert_eq!(msgs.len(), 30);
    let base = body["ver_clear"].as_u64().unwrap();
    assert_eq!(msgs[0][0].as_u64(), Some(base + 1));
    // After a partial page the server says there is more: the latest version.
    let last = base + 40;
    let again = bob
        .wait_for(|f| f[0] == "notify" && f[1][0] == "msg" && f[1][1] == json!(last))
        .await;
    assert!(
        again.is_some(),
        "a notify of the latest version after a partial page"
    );
    let body = bob
        .call("user_getmsg", json!({"ver_clear": base + 30, "max": 30}))
        .await;
    let msgs = body["msgs"].as_array().unwrap();
    assert_eq!(
        (body["ver_clear"].as_u64(), msgs.len(), msgs[0][0].as_u64()),
        (Some(base + 30), 10, Some(base + 31))
    );
    // A client that claims more than it saw gets its own value back, never less.
    let body = bob
        .call("user_getmsg", json!({"ver_clear": last + 9, "max": 30}))
        .await;
    assert_eq!(body["ver_clear"].as_u64(), Some(last + 9));
    let body = bob
        .call("user_getmsg", json!({"ver_clear": 5, "max": 30}))
        .await;
    assert_eq!(
        body["ver_clear"].as_u64(),
        Some(last + 9),
        "ver_clear never goes back"
    );
    assert!(body["msgs"].as_array().unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_stale_acknowledgement_from_a_dropped_socket_loses_nothing_on_the_new_one() {
    let web = endpoint();
    let mut alice = WebClient::logged_in(&web, "alice").await;
    let mut bob = WebClient::logged_in(&web, "bob").await;
    for text in ["one", "two", "three"] {
        alice
            .call(
                "user_sendmsg",
                json!({"peer": "bob", "flag": "v1:E:3600", "t": "instant", "content": text}),
            )
            .await;
    }
    let mut seen = Vec::new();
    while seen.len() < 3 {
        seen.extend(bob.lines_after_notify().await);
    }
    let old_ver = bob.ver_clear;
    drop(bob);
    let mut bob = WebClient::logged_in(&web, "bob").await;
    alice
        .call(
            "user_sendmsg",
            json!({"peer": "bob", "flag": "v1:E:3600", "t": "instant", "content": "four"}),
        )
        .await;
    bob.wait_for(|f| f[0] == "notify" && f[1][0] == "msg")
        .await
        .unwrap();
    // The old socket's timer polls on the new socket with the old socket's version.
    let body = bob
        .call("user_getmsg", json!({"ver_clear": old_ver, "max": 30}))
        .await;
    let msgs = body["msgs"].as_array().unwrap();
    assert_eq!(msgs.len(), 1, "{body}");
    assert_eq!(peer_line(msgs[0][1].as_str().unwrap()).3, "four");
}

#[tokio::test(start_paused = true)]
async fn channel_join_lists_users_and_others_see_join_messages_echo_and_leave() {
    let web = endpoint();
    let mut alice = WebClient::logged_in(&web, "alice").await;
    let mut bob = WebClient::logged_in(&web, "bob").await;
    let j = alice.call("channel_join", json!({"name": "room1"})).await;
    assert_eq!(j["result"], "ok");
    assert_eq!(j["list"], json!([["alice", alice.uid]]));
    assert!(j["attrs"].is_object());
    let j = bob.call("channel_join", json!({"name": "room1"})).await;
    let mut names: Vec<&str> = j["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e[0].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["alice", "bob"]);
    let (kind, content) = alice.channel_event().await.unwrap();
    assert_eq!(kind, "channel_user_join");
    assert_eq!(
        content,
        json!({"channel": "room1", "account": "bob", "uid": bob.uid})
    );

    let r = bob
        .call(
            "channel_sendmsg",
            json!({"name": "room1", "msg": "hello room"}),
        )
        .await;
    assert_eq!(r["result"], "ok");
    for c in [&mut alice, &mut bob] {
        let (kind, content) = c.channel_event().await.unwrap();
        assert_eq!(
            kind, "channel_msg",
            "everyone, the sender included, gets it"
        );
        assert_eq!(content["msg"], "hello room");
        assert_eq!(content["account"], "bob");
    }
    let r = bob.call("channel_leave", json!({"name": "room1"})).await;
    assert_eq!(r["result"], "ok");
    let (kind, content) = alice.channel_event().await.unwrap();
    assert_eq!(
        (kind.as_str(), &content["account"]),
        ("channel_user_leave", &json!("bob"))
    );
    // Nothing more reaches bob's old channel object.
    alice
        .call("channel_sendmsg", json!({"name": "room1", "msg": "gone?"}))
        .await;
    assert!(bob.channel_event().await.is_none());
}

#[tokio::test(start_paused = true)]
async fn channel_msgids_strictly_increase() {
    let web = endpoint();
    let mut alice = WebClient::logged_in(&web, "alice").await;
    alice.call("channel_join", json!({"name": "room1"})).await;
    for i in 0..5 {
        alice
            .call(
                "channel_sendmsg",
                json!({"name": "room1", "msg": format!("n{i}")}),
            )
            .await;
    }
    let mut last = 0;
    while let Some(f) = alice
        .wait_for(|f| f[0] == "notify" && f[1][0] == "channel2")
        .await
    {
        let id = f[1][2].as_u64().expect("numeric msgid");
        assert!(id > last, "{id} after {last}");
        last = id;
    }
    assert!(last >= 5);
}

#[tokio::test(start_paused = true)]
async fn channel_attributes_set_del_clear_reach_every_member_and_later_joiners() {
    let web = endpoint();
    let mut alice = WebClient::logged_in(&web, "alice").await;
    let mut bob = WebClient::logged_in(&web, "bob").await;
    alice.call("channel_join", json!({"name": "room1"})).await;
    bob.call("channel_join", json!({"name": "room1"})).await;
    alice.channel_event().await; // bob's join
    let r = alice
        .call(
            "channel_set_attr",
            json!({"channel": "room1", "name": "topic", "value": "news"}),
        )
        .await;
    assert_eq!(r["result"], "ok", "{r}");
    for c in [&mut alice, &mut bob] {
        let (kind, content) = c.channel_event().await.unwrap();
        assert_eq!(kind, "channel_attr_update");
        assert_eq!(
            (&content["name"], &content["value"], &content["type"]),
            (&json!("topic"), &json!("news"), &json!("update"))
        );
    }
    // A later joiner hears the existing attribute as an "update" right after its join reply.
    let mut carol = WebClient::logged_in(&web, "carol").await;
    carol.call("channel_join", json!({"name": "room1"})).await;
    let (kind, content) = carol.channel_event().await.unwrap();
    assert_eq!(
        (kind.as_str(), &content["name"], &content["type"]),
        ("channel_attr_update", &json!("topic"), &json!("update"))
    );

    alice
        .call(
            "channel_set_attr",
            json!({"channel": "room1", "name": "keep", "value": "1"}),
        )
        .await;
    bob.drain_channel_events().await;
    alice
        .call(
            "channel_del_attr",
            json!({"channel": "room1", "name": "topic"}),
        )
        .await;
    let events = bob.drain_channel_events().await;
    let attr: Vec<_> = events
        .iter()
        .filter(|(k, _)| k == "channel_attr_update")
        .collect();
    assert_eq!(attr.len(), 1, "{events:?}");
    assert_eq!(
        (&attr[0].1["name"], &attr[0].1["type"]),
        (&json!("topic"), &json!("del"))
    );
    alice
        .call("channel_clear_attr", json!({"channel": "room1"}))
        .await;
    let events = bob.drain_channel_events().await;
    let last = events
        .iter()
        .rev()
        .find(|(k, _)| k == "channel_attr_update")
        .unwrap();
    assert_eq!(
        (&last.1["name"], &last.1["value"], &last.1["type"]),
        (&json!(""), &json!(""), &json!("clear"))
    );
}

#[tokio::test(start_paused = true)]
async fn query_user_status_and_invoke_queries_answer_and_unknown_functions_fail() {
    let web = endpoint();
    let mut alice = WebClient::logged_in(&web, "alice").await;
    let mut bob = WebClient::logged_in(&web, "bob").await;
    let r = alice
        .call("user_query_user_status", json!({"account": "bob"}))
        .await;
    assert_eq!((&r["result"], &r["status"]), (&json!("ok"), &json!(1)));
    let r = alice
        .call("user_query_user_status", json!({"account": "nobody"}))
        .await;
    assert_eq!(r["status"], 0);
    alice.call("channel_join", json!({"name": "room1"})).await;
    bob.call("channel_join", json!({"name": "room1"})).await;
    let r = alice
        .call("channel_query_num", json!({"name": "room1"}))
        .await;
    assert_eq!((&r["result"], &r["num"]), (&json!("ok"), &json!(2)));
    let r = alice
        .call(
            "channel_query_user_isin",
            json!({"name": "room1", "account": "bob"}),
        )
        .await;
    assert_eq!(r["isin"], 1);
    let r = alice
        .call("user_set_attr", json!({"name": "mood", "value": "fine"}))
        .await;
    assert_eq!(r["result"], "ok", "{r}");
    let r = bob
        .call("user_get_attr", json!({"account": "alice", "name": "mood"}))
        .await;
    assert_eq!(r["value"], "fine", "{r}");
    let r = alice.call("no_such_function", json!({})).await;
    assert_eq!(
        (&r["result"], &r["reason"], &r["data"]["result"]),
        (
            &json!("failed"),
            &json!("unknown_function"),
            &json!("unknown_function")
        )
    );
    // The connection stays.
    let r = alice
        .call("user_query_user_status", json!({"account": "bob"}))
        .await;
    assert_eq!(r["status"], 1);
}

/// The content of the next `voip_*` line in `c`'s queue: (type, content).
async fn call_line(c: &mut WebClient) -> (String, Value) {
    let lines = c.lines_after_notify().await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    let (_, _, kind, content) = peer_line(&lines[0]);
    let content: Value = serde_json::from_str(&content).unwrap();
    for key in ["channel", "peer", "extra", "peeruid"] {
        assert!(content.get(key).is_some(), "{key} missing in {content}");
    }
    (kind, content)
}

fn invite(ch: &str, peer: &str, extra: &str) -> Value {
    json!({"channelName": ch, "peer": peer, "extra": extra})
}

#[tokio::test(start_paused = true)]
async fn an_invitation_is_acknowledged_accepted_and_ended_by_the_caller() {
    let web = endpoint();
    let mut alice = WebClient::logged_in(&web, "alice").await;
    let mut bob = WebClient::logged_in(&web, "bob").await;
    assert_eq!(
        alice
            .call("voip_invite", invite("call1", "bob", "{\"hint\":1}"))
            .await["result"],
        "ok"
    );
    let (kind, content) = call_line(&mut bob).await;
    assert_eq!(kind, "voip_invite");
    assert_eq!(
        (&content["channel"], &content["peer"], &content["extra"]),
        (&json!("call1"), &json!("alice"), &json!("{\"hint\":1}"))
    );
    assert_eq!(content["peeruid"], alice.uid);
    bob.call("voip_invite_ack", invite("call1", "alice", ""))
        .await;
    let (kind, content) = call_line(&mut alice).await;
    assert_eq!(
        (kind.as_str(), &content["peer"]),
        ("voip_invite_ack", &json!("bob"))
    );
    bob.call("voip_invite_accept", invite("call1", "alice", "accepted!"))
        .await;
    let (kind, content) = call_line(&mut alice).await;
    assert_eq!(
        (kind.as_str(), &content["extra"]),
        ("voip_invite_accept", &json!("accepted!"))
    );
    alice
        .call("voip_invite_bye", invite("call1", "bob", "bye!"))
        .await;
    let (kind, content) = call_line(&mut bob).await;
    assert_eq!(
        (kind.as_str(), &content["peer"]),
        ("voip_invite_bye", &json!("alice"))
    );
}

#[tokio::test(start_paused = true)]
async fn an_invitation_refused_or_ended_by_the_callee_reaches_the_caller() {
    let web = endpoint();
    let mut alice = WebClient::logged_in(&web, "alice").await;
    let mut bob = WebClient::logged_in(&web, "bob").await;
    alice.call("voip_invite", invite("c1", "bob", "")).await;
    assert_eq!(call_line(&mut bob).await.0, "voip_invite");
    assert_eq!(call_line(&mut alice).await.0, "voip_invite_ack");
    bob.call("voip_invite_refuse", invite("c1", "alice", "busy"))
        .await;
    let (kind, content) = call_line(&mut alice).await;
    assert_eq!(
        (kind.as_str(), &content["extra"]),
        ("voip_invite_refuse", &json!("busy"))
    );

    alice.call("voip_invite", invite("c2", "bob", "")).await;
    assert_eq!(call_line(&mut bob).await.0, "voip_invite");
    assert_eq!(call_line(&mut alice).await.0, "voip_invite_ack");
    bob.call("voip_invite_accept", invite("c2", "alice", ""))
        .await;
    assert_eq!(call_line(&mut alice).await.0, "voip_invite_accept");
    bob.call("voip_invite_bye", invite("c2", "alice", "")).await;
    let (kind, content) = call_line(&mut alice).await;
    assert_eq!(
        (kind.as_str(), &content["peer"], &content["channel"]),
        ("voip_invite_bye", &json!("bob"), &json!("c2"))
    );
}

#[tokio::test(start_paused = true)]
async fn an_invitation_to_an_offline_callee_fails() {
    let web = endpoint();
    let mut alice = WebClient::logged_in(&web, "alice").await;
    alice
        .call(
            "voip_invite",
            invite("c1", "nobody", "{\"_require_peer_online\":1}"),
        )
        .await;
    let (kind, content) = call_line(&mut alice).await;
    assert_eq!(
        (kind.as_str(), &content["peer"], &content["channel"]),
        ("voip_invite_failed", &json!("nobody"), &json!("c1"))
    );
    // Without the flag it fails once the callee stayed away long enough (virtual time).
    alice.call("voip_invite", invite("c2", "nobody", "")).await;
    let mut failed = None;
    for _ in 0..20 {
        if let Some(f) = alice
            .wait_for(|f| f[0] == "notify" && f[1][0] == "msg")
            .await
        {
            let _ = f;
            let lines = alice.poll().await;
            if let Some(l) = lines.into_iter().next() {
                failed = Some(peer_line(&l));
                break;
            }
        }
    }
    let (_, _, kind, content) = failed.expect("a voip_invite_failed line");
    assert_eq!(kind, "voip_invite_failed");
    assert_eq!(
        serde_json::from_str::<Value>(&content).unwrap()["channel"],
        "c2"
    );
}

#[tokio::test(start_paused = true)]
async fn a_second_login_of_an_account_kicks_the_first_web14_with_kick_web13_with_close() {
    let web = endpoint();
    let mut old14 = WebClient::logged_in(&web, "alice").await;
    old14.send(json!(["set_flag", {"binary": 1}])).await;
    old14
        .call("user_query_user_status", json!({"account": "alice"}))
        .await;
    let _new = WebClient::logged_in(&web, "alice").await;
    let kick = old14
        .wait_for(|f| f[0] == "kick" || f[0] == "close")
        .await
        .unwrap();
    assert_eq!(kick[0], "kick");
    assert_eq!(old14.wait_closed().await.as_deref(), Some("kicked"));

    let mut old13 = WebClient::logged_in(&web, "bob").await;
    let _new = WebClient::logged_in(&web, "bob").await;
    let close = old13
        .wait_for(|f| f[0] == "kick" || f[0] == "close")
        .await
        .unwrap();
    assert_eq!(close[0], "close");
}

#[tokio::test(start_paused = true)]
async fn a_client_that_reconnects_with_a_fresh_login_keeps_receiving() {
    let web = endpoint();
    let mut alice = WebClient::logged_in(&web, "alice").await;
    let mut bob = WebClient::logged_in(&web, "bob").await;
    bob.send(json!(["set_flag", {"binary": 1}])).await;
    // The socket drops without a word (1.4.0 then logs in again on a new socket).
    drop(bob);
    let mut bob = WebClient::logged_in(&web, "bob").await;
    bob.send(json!(["set_flag", {"binary": 1}])).await;
    let r = alice
        .call(
            "user_sendmsg",
            json!({"peer": "bob", "flag": "v1:E:3600", "t": "instant", "content": "still there?"}),
        )
        .await;
    assert_eq!(r["result"], "ok");
    let lines = bob.lines_after_notify().await;
    assert_eq!(peer_line(&lines[0]).3, "still there?");
    assert_eq!(web.system().online_users(APP).len(), 2);
}

#[tokio::test(start_paused = true)]
async fn the_python_sdk_login_shape_is_served_too() {
    let web = endpoint();
    let mut py = WebClient::connect(&web).await;
    py.send(json!(["login", {"account": "py", "token": "_no_need_token", "vid": APP, "device": "javasdk", "ip": "", "uid": 0, "ver": 1010002000}])).await;
    let ret = py.wait_for(|f| f[0] == "login_ret").await.unwrap();
    let body: Value = serde_json::from_str(ret[1][1].as_str().unwrap()).unwrap();
    assert_eq!(body["result"], "ok");
}

#[tokio::test(start_paused = true)]
async fn a_login_to_an_app_the_server_does_not_serve_fails_with_a_reason_and_closes() {
    let system = sig2rtm::system::System::new(sig2rtm::system::SystemConfig {
        auto_register_apps: false,
        ..Default::default()
    });
    system.register_app("fedcba9876543210fedcba9876543210");
    let web = sig2rtm::legacy_web::LegacyWeb::new(system, Default::default());
    let mut c = WebClient::connect(&web).await;
    let ret = c.login_frame("alice", "_no_need_token", "websdk").await;
    let reason = ret[0].as_str().unwrap();
    assert!(!reason.is_empty());
    let body: Value = serde_json::from_str(ret[1].as_str().unwrap()).unwrap();
    assert_eq!(
        (&body["result"], &body["reason"]),
        (&json!("failed"), &json!(reason))
    );
    assert!(body.get("line").is_none());
    assert!(c.wait_closed().await.is_some());
}

#[tokio::test(start_paused = true)]
async fn legacy_tokens_are_checked_against_the_app_certificate() {
    use sig2rtm::token::build_signaling_token;
    const CERT: &str = "fedcba9876543210fedcba9876543210";
    let system = sig2rtm::system::System::new(sig2rtm::system::SystemConfig {
        auto_register_apps: false,
        ..Default::default()
    });
    system.register_app_with_certificate(APP, CERT);
    let web = sig2rtm::legacy_web::LegacyWeb::new(
        system.clone(),
        sig2rtm::legacy_web::LegacyWebConfig {
            app_certificates: vec![(APP.into(), CERT.into())],
            ..Default::default()
        },
    );
    let now = (system.now_ms() / 1000) as u32;
    let reason = |ret: &Value| ret[0].as_str().unwrap().to_string();

    let mut ok = WebClient::connect(&web).await;
    let good = build_signaling_token("alice", APP, CERT, now + 3600);
    let ret = ok.login_frame("alice", &good, "websdk").await;
    assert_eq!(reason(&ret), "", "a valid legacy token logs in: {ret}");

    let mut expired = WebClient::connect(&web).await;
    let old = build_signaling_token("bob", APP, CERT, now - 10);
    assert_eq!(
        reason(&expired.login_frame("bob", &old, "websdk").await),
        "TokenErrorExpired"
    );

    let mut forged = WebClient::connect(&web).await;
    let wrong = build_signaling_token("bob", APP, "00000000000000000000000000000000", now + 3600);
    assert!(reason(&forged.login_frame("bob", &wrong, "websdk").await).starts_with("TokenError"));

    let mut other_account = WebClient::connect(&web).await;
    let r = reason(&other_account.login_frame("carol", &good, "websdk").await);
    assert!(
        r.starts_with("TokenError"),
        "alice's token is not carol's: {r}"
    );

    let mut none = WebClient::connect(&web).await;
    let r = reason(&none.login_frame("dave", "_no_need_token", "websdk").await);
    assert!(!r.is_empty(), "an App ID with a certificate needs a token");
}

#[tokio::test(start_paused = true)]
async fn messages_larger_than_the_socket_read_buffer_arrive_whole() {
    // The endpoint reads 4 KiB at a time; a message of 20 000 bytes (below RTM's 32 KiB) must
    // still arrive whole, both ways through the socket.
    let web = endpoint();
    assert!(sig2rtm::legacy_web::LegacyWebConfig::default().socket_read_buffer < 20_000);
    let mut alice = WebClient::logged_in(&web, "alice").await;
    let mut bob = WebClient::logged_in(&web, "bob").await;
    let text: String = (0..20_000)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let r = alice
        .call(
            "user_sendmsg",
            json!({"peer": "bob", "flag": "v1:E:3600", "t": "instant", "content": text}),
        )
        .await;
    assert_eq!(r["result"], "ok", "{r}");
    let lines = bob.lines_after_notify().await;
    assert_eq!(lines.len(), 1);
    assert_eq!(peer_line(&lines[0]).3, text);
}
