//! Legacy web sessions meet the other clients of the same RTM system: legacy facade
//! instances (Rust `Signaling`) and RTM-core clients. Virtual time throughout.

mod legacy_common;
mod legacy_web_common;

use legacy_web_common::*;
use serde_json::{json, Value};
use sig2rtm::rtm::{RtmClient, RtmEvent, RtmMessage, SendMessageOptions};
use sig2rtm::signaling::LegacyEvent;
use std::time::Duration;

const T: Duration = Duration::from_secs(5);

#[tokio::test(start_paused = true)]
async fn web_and_facade_exchange_peer_messages_both_ways() {
    let web = endpoint();
    let (rusty, rec) = legacy_common::logged_in(web.system(), "rusty").await;
    let mut alice = WebClient::logged_in(&web, "alice").await;
    let r = alice
        .call("user_sendmsg", json!({"peer": "rusty", "flag": "v1:E:3600", "t": "instant", "content": "from the web é"}))
        .await;
    assert_eq!(r["result"], "ok");
    let got = rec
        .wait_for(T, |e| {
            matches!(e, LegacyEvent::MessageInstantReceive { .. })
        })
        .await;
    assert_eq!(
        got,
        Some(LegacyEvent::MessageInstantReceive {
            account: "alice".into(),
            uid: 0,
            msg: "from the web é".into()
        })
    );
    rusty.message_instant_send("alice", 0, "from rust, with spaces", "");
    let lines = alice.lines_after_notify().await;
    let (src, _, kind, content) = peer_line(&lines[0]);
    assert_eq!(
        (src.as_str(), kind.as_str(), content.as_str()),
        ("rusty", "instant", "from rust, with spaces")
    );
    rusty.destroy();
}

#[tokio::test(start_paused = true)]
async fn web_and_facade_share_a_channel() {
    let web = endpoint();
    let (rusty, rec) = legacy_common::logged_in(web.system(), "rusty").await;
    let mut alice = WebClient::logged_in(&web, "alice").await;
    alice.call("channel_join", json!({"name": "room"})).await;
    rusty.channel_join("room");
    let (kind, content) = alice.channel_event().await.unwrap();
    assert_eq!(
        (kind.as_str(), &content["account"]),
        ("channel_user_join", &json!("rusty"))
    );
    assert_eq!(content["uid"], legacy_common::uid("rusty"));
    rusty.message_channel_send("room", "hi web", "");
    let (kind, content) = alice.channel_event().await.unwrap();
    assert_eq!(
        (kind.as_str(), &content["msg"]),
        ("channel_msg", &json!("hi web"))
    );
    alice
        .call("channel_sendmsg", json!({"name": "room", "msg": "hi rust"}))
        .await;
    let got = rec
        .wait_for(T, |e| matches!(e, LegacyEvent::MessageChannelReceive { account, .. } if account == "alice"))
        .await;
    assert!(
        matches!(got, Some(LegacyEvent::MessageChannelReceive { msg, .. }) if msg == "hi rust")
    );
    alice
        .call(
            "channel_set_attr",
            json!({"channel": "room", "name": "topic", "value": "x"}),
        )
        .await;
    let got = rec
        .wait_for(T, |e| matches!(e, LegacyEvent::ChannelAttrUpdated { .. }))
        .await;
    assert!(
        matches!(got, Some(LegacyEvent::ChannelAttrUpdated { name, value, .. }) if name == "topic" && value == "x")
    );
    rusty.destroy();
}

#[tokio::test(start_paused = true)]
async fn a_web_caller_and_a_facade_callee_complete_an_invitation() {
    let web = endpoint();
    let (rusty, rec) = legacy_common::logged_in(web.system(), "rusty").await;
    let mut alice = WebClient::logged_in(&web, "alice").await;
    alice
        .call(
            "voip_invite",
            json!({"channelName": "c1", "peer": "rusty", "extra": "{\"hint\":1}"}),
        )
        .await;
    let got = rec
        .wait_for(T, |e| matches!(e, LegacyEvent::InviteReceived { .. }))
        .await;
    assert!(
        matches!(got, Some(LegacyEvent::InviteReceived { channel_id, account, .. }) if channel_id == "c1" && account == "alice")
    );
    rusty.channel_invite_accept("c1", "alice", 0, "sure");
    let mut kinds = Vec::new();
    while kinds.len() < 2 {
        for l in alice.lines_after_notify().await {
            let (_, _, kind, content) = peer_line(&l);
            let content: Value = serde_json::from_str(&content).unwrap();
            assert_eq!(content["peer"], "rusty");
            kinds.push((kind, content["extra"].as_str().unwrap().to_string()));
        }
    }
    assert_eq!(
        kinds,
        [
            ("voip_invite_ack".to_string(), String::new()),
            ("voip_invite_accept".to_string(), "sure".to_string())
        ]
    );
    rusty.destroy();
}

#[tokio::test(start_paused = true)]
async fn web_and_an_rtm_core_client_exchange_messages() {
    let web = endpoint();
    let rtm = RtmClient::builder(APP)
        .system(web.system())
        .build()
        .unwrap();
    rtm.login("", "core").await.unwrap();
    let mut events = rtm.subscribe();
    let mut alice = WebClient::logged_in(&web, "alice").await;
    rtm.send_message_to_peer(
        "alice",
        &RtmMessage::from_text("from the core"),
        SendMessageOptions::default(),
    )
    .await
    .unwrap();
    let lines = alice.lines_after_notify().await;
    assert_eq!(peer_line(&lines[0]).3, "from the core");
    alice
        .call(
            "user_sendmsg",
            json!({"peer": "core", "flag": "v1:E:3600", "t": "instant", "content": "from the web"}),
        )
        .await;
    let got = tokio::time::timeout(T, async {
        loop {
            if let Some(RtmEvent::MessageFromPeer { peer_id, message }) = events.recv().await {
                return (peer_id, message.text().to_string());
            }
        }
    })
    .await
    .expect("a peer message");
    assert_eq!(got, ("alice".to_string(), "from the web".to_string()));
    let r = alice
        .call("user_query_user_status", json!({"account": "core"}))
        .await;
    assert_eq!(r["status"], 1);
}
