//! Contract rules C1–C11 (shim-contract.md §3): the join sequence, the channel policies,
//! leave, channel echo, force-send, member queries, channel attributes and their built-ins,
//! and argument limits.

mod legacy_common;

use legacy_common::*;
use sig2rtm::rtm::{ClientConfig, RateLimits, RtmClient};
use sig2rtm::signaling::{LegacyEvent, Signaling};
use sig2rtm::system::{System, SystemConfig};
use sig2rtm::testkit::Recorder;
use std::sync::Arc;
use std::time::Duration;

fn system() -> System {
    System::new(SystemConfig::default())
}

/// `account`'s callbacks for another member joining / leaving.
fn user_joined(account: &str) -> String {
    format!(r#"onChannelUserJoined({account:?}, {})"#, uid(account))
}

fn user_left(account: &str) -> String {
    format!(r#"onChannelUserLeaved({account:?}, {})"#, uid(account))
}

fn user_list(accounts: &[&str]) -> String {
    let uids: Vec<u32> = accounts.iter().map(|a| uid(a)).collect();
    format!("onChannelUserList({accounts:?}, {uids:?})")
}

fn attr(ch: &str, name: &str, value: &str, kind: &str) -> String {
    format!("onChannelAttrUpdated({ch:?}, {name:?}, {value:?}, {kind:?})")
}

fn joined(ch: &str) -> String {
    format!("onChannelJoined({ch:?})")
}

/// Logged-in instances for `accounts`, each joined to `ch` in turn, recorders emptied.
async fn members(system: &System, ch: &str, accounts: &[&str]) -> Vec<(Signaling, Arc<Recorder>)> {
    let mut out = Vec::new();
    for account in accounts {
        let (sig, rec) = logged_in(system, account).await;
        sig.channel_join(ch);
        settle().await;
        out.push((sig, rec));
    }
    for (_, rec) in &out {
        rec.take();
    }
    out
}

/// A plain RTM client of APP without rate limits, logged in as `user`.
async fn rtm_user(system: &System, user: &str) -> RtmClient {
    let client = RtmClient::builder(APP)
        .system(system)
        .config(ClientConfig {
            rate_limits: RateLimits::off(),
            ..ClientConfig::default()
        })
        .build()
        .unwrap();
    client.login("", user).await.unwrap();
    client
}

// ------------------------------------------------------------------------------------- C1

#[tokio::test(start_paused = true)]
async fn contract_c1_join_emits_joined_then_user_list_then_attributes() {
    let system = system();
    let m = members(&system, "ch", &["B", "C"]).await;
    m[0].0.channel_set_attr("ch", "topic", "hello");
    m[0].0.channel_set_attr("ch", "mode", "open");
    settle().await;
    for (_, rec) in &m {
        rec.take();
    }

    let (a, ra) = logged_in(&system, "A").await;
    a.channel_join("ch");
    settle().await;
    assert_eq!(
        transcript(&ra),
        [
            joined("ch"),
            user_list(&["B", "C", "A"]),
            attr("ch", "topic", "hello", "update"),
            attr("ch", "mode", "open", "update"),
        ]
    );
    for (_, rec) in &m {
        assert_eq!(transcript(rec), [user_joined("A")]);
    }
}

#[tokio::test(start_paused = true)]
async fn contract_c1_join_before_login_fails_300_then_1003() {
    let system = system();
    let (a, ra) = legacy(&system);
    a.channel_join("ch");
    settle().await;
    assert_eq!(
        transcript(&ra),
        [
            r#"onChannelJoinFailed("ch", 300)"#,
            r#"onError("channel_join", 1003, "")"#
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_c1_first_member_sees_only_itself_and_no_attributes() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    a.channel_join("empty");
    settle().await;
    assert_eq!(transcript(&ra), [joined("empty"), user_list(&["A"])]);
}

#[tokio::test(start_paused = true)]
async fn contract_c1_user_list_holds_the_200_most_recent_members_joiner_included() {
    let system = system();
    let mut fillers = Vec::new();
    for i in 0..210 {
        let c = rtm_user(&system, &format!("u{i:03}")).await;
        let ch = c.create_channel("big").unwrap();
        ch.join().await.unwrap();
        fillers.push((c, ch));
    }
    let (a, ra) = logged_in(&system, "A").await;
    a.channel_join("big");
    settle().await;
    let events = ra.events_without_logs();
    assert_eq!(events.len(), 2, "{:?}", transcript(&ra));
    assert_eq!(
        events[0],
        LegacyEvent::ChannelJoined {
            channel_id: "big".into()
        }
    );
    let LegacyEvent::ChannelUserList { accounts, uids } = &events[1] else {
        panic!("{:?}", events[1]);
    };
    let mut expected: Vec<String> = (11..210).map(|i| format!("u{i:03}")).collect();
    expected.push("A".into());
    assert_eq!(*accounts, expected);
    assert_eq!(*uids, expected.iter().map(|a| uid(a)).collect::<Vec<_>>());
}

#[tokio::test(start_paused = true)]
async fn contract_c1_plain_rtm_members_see_the_legacy_join_and_vice_versa() {
    let system = system();
    let rtm = rtm_user(&system, "R").await;
    let mut rtm_events = rtm.subscribe();
    let ch = rtm.create_channel("mixed").unwrap();
    ch.join().await.unwrap();
    let (a, ra) = logged_in(&system, "A").await;
    a.channel_join("mixed");
    settle().await;
    assert_eq!(transcript(&ra), [joined("mixed"), user_list(&["R", "A"])]);
    let seen: Vec<String> = rtm_events
        .drain()
        .into_iter()
        .filter_map(|e| match e {
            sig2rtm::rtm::RtmEvent::Channel {
                event: sig2rtm::rtm::ChannelEvent::MemberJoined { user_id },
                ..
            } => Some(user_id),
            _ => None,
        })
        .collect();
    assert_eq!(seen, ["A"]);
    ra.take();
    ch.leave().await.unwrap();
    settle().await;
    assert_eq!(transcript(&ra), [user_left("R")]);
}

// ------------------------------------------------------------------------------------- C2

#[tokio::test(start_paused = true)]
async fn contract_c2_single_channel_policy_leaves_the_old_channel_602() {
    let system = system();
    let m = members(&system, "ch1", &["B"]).await;
    let (a, ra) = logged_in(&system, "A").await;
    a.channel_join("ch1");
    settle().await;
    ra.take();
    m[0].1.take();

    a.channel_join("ch2");
    settle().await;
    assert_eq!(
        transcript(&ra),
        [
            r#"onChannelLeaved("ch1", 602)"#.to_string(),
            joined("ch2"),
            user_list(&["A"]),
        ]
    );
    assert_eq!(transcript(&m[0].1), [user_left("A")]);
    assert_eq!(system.channel_members(APP, "ch1"), ["B"]);
    assert_eq!(system.channel_members(APP, "ch2"), ["A"]);

    // Messages of the old channel no longer reach A.
    ra.take();
    m[0].0.message_channel_send("ch1", "only B", "m1");
    settle().await;
    assert!(transcript(&ra).is_empty(), "{:?}", transcript(&ra));
}

#[tokio::test(start_paused = true)]
async fn contract_c2_multi_channel_allows_20_and_the_21st_fails_300() {
    let system = system();
    let (a, ra) = logged_in_with(config(&system).multi_channel(true), "A").await;
    for i in 0..20 {
        a.channel_join(&format!("ch{i}"));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // RTM allows 5 getMembers in 2 s: the later user lists wait for it, none is lost.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let t = transcript(&ra);
    assert_eq!(t.len(), 40, "{t:?}");
    assert!(!t.iter().any(|e| e.starts_with("onChannelLeaved")), "{t:?}");
    for i in 0..20 {
        assert_eq!(t[2 * i], joined(&format!("ch{i}")));
        assert_eq!(t[2 * i + 1], user_list(&["A"]));
    }
    ra.take();

    a.channel_join("ch20");
    settle().await;
    assert_eq!(
        transcript(&ra),
        [
            r#"onChannelJoinFailed("ch20", 300)"#,
            r#"onError("channel_join", 1001, "")"#
        ]
    );
    let desc = &error_descs(&ra)[0];
    assert!(desc.contains("20"), "names the limit: {desc}");
    for i in 0..20 {
        assert_eq!(system.channel_members(APP, &format!("ch{i}")), ["A"]);
    }
    assert!(system.channel_members(APP, "ch20").is_empty());

    // Leaving one makes room again.
    ra.take();
    a.channel_leave("ch0");
    tokio::time::sleep(Duration::from_secs(6)).await;
    a.channel_join("ch20");
    settle().await;
    assert_eq!(
        transcript(&ra),
        [
            r#"onChannelLeaved("ch0", 602)"#.to_string(),
            joined("ch20"),
            user_list(&["A"]),
        ]
    );
}

// ------------------------------------------------------------------------------------- C3

#[tokio::test(start_paused = true)]
async fn contract_c3_rejoining_a_joined_channel_replays_the_sequence_without_leaving() {
    let system = system();
    let m = members(&system, "ch", &["B", "A"]).await;
    m[0].0.channel_set_attr("ch", "topic", "hello");
    settle().await;
    for (_, rec) in &m {
        rec.take();
    }
    let (a, ra) = (&m[1].0, &m[1].1);
    a.channel_join("ch");
    settle().await;
    let sequence = [
        joined("ch"),
        user_list(&["B", "A"]),
        attr("ch", "topic", "hello", "update"),
    ];
    assert_eq!(transcript(ra), sequence);
    // Again, at once (no RTM join, so no rate limit).
    ra.take();
    a.channel_join("ch");
    a.channel_join("ch");
    settle().await;
    assert_eq!(transcript(ra), [sequence.clone(), sequence].concat());
    assert!(
        transcript(&m[0].1).is_empty(),
        "B sees no leave and no join"
    );
    assert_eq!(system.channel_members(APP, "ch"), ["B", "A"]);
}

// ------------------------------------------------------------------------------------- C4

#[tokio::test(start_paused = true)]
async fn contract_c4_leave_reports_602_and_others_see_the_leave() {
    let system = system();
    let m = members(&system, "ch", &["A", "B", "C"]).await;
    m[0].0.channel_leave("ch");
    settle().await;
    assert_eq!(transcript(&m[0].1), [r#"onChannelLeaved("ch", 602)"#]);
    assert_eq!(transcript(&m[1].1), [user_left("A")]);
    assert_eq!(transcript(&m[2].1), [user_left("A")]);
    assert_eq!(system.channel_members(APP, "ch"), ["B", "C"]);
}

#[tokio::test(start_paused = true)]
async fn contract_c4_leaving_a_channel_not_joined_also_reports_602() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    a.channel_leave("elsewhere");
    settle().await;
    assert_eq!(transcript(&ra), [r#"onChannelLeaved("elsewhere", 602)"#]);
}

// ------------------------------------------------------------------------------------- C5

#[tokio::test(start_paused = true)]
async fn contract_c5_channel_message_echoes_to_the_sender_after_success() {
    let system = system();
    let m = members(&system, "ch", &["A", "B", "C"]).await;
    m[0].0.message_channel_send("ch", "hello all", "m1");
    settle().await;
    let received = format!(
        r#"onMessageChannelReceive("ch", "A", {}, "hello all")"#,
        uid("A")
    );
    assert_eq!(
        transcript(&m[0].1),
        [
            r#"onMessageSendSuccess("m1")"#.to_string(),
            received.clone()
        ]
    );
    assert_eq!(transcript(&m[1].1), std::slice::from_ref(&received));
    assert_eq!(transcript(&m[2].1), [received]);
}

// ------------------------------------------------------------------------------------- C6

#[tokio::test(start_paused = true)]
async fn contract_c6_force_send_from_outside_joins_sends_and_leaves() {
    let system = system();
    let m = members(&system, "ch", &["B", "C"]).await;
    let (a, ra) = logged_in(&system, "A").await;
    a.message_channel_send_force("ch", "knock knock", "m1");
    settle().await;
    assert_eq!(
        transcript(&ra),
        [r#"onMessageSendSuccess("m1")"#],
        "no echo from outside"
    );
    for (_, rec) in &m {
        assert_eq!(
            transcript(rec),
            [
                user_joined("A"),
                format!(
                    r#"onMessageChannelReceive("ch", "A", {}, "knock knock")"#,
                    uid("A")
                ),
                user_left("A"),
            ]
        );
    }
    assert_eq!(system.channel_members(APP, "ch"), ["B", "C"]);

    // A proper join afterwards behaves as usual.
    ra.take();
    tokio::time::sleep(Duration::from_secs(6)).await;
    a.channel_join("ch");
    settle().await;
    assert_eq!(transcript(&ra), [joined("ch"), user_list(&["B", "C", "A"])]);
}

#[tokio::test(start_paused = true)]
async fn contract_c6_force_send_from_inside_is_a_channel_send() {
    let system = system();
    let m = members(&system, "ch", &["A", "B"]).await;
    m[0].0.message_channel_send_force("ch", "inside", "m1");
    settle().await;
    let received = format!(
        r#"onMessageChannelReceive("ch", "A", {}, "inside")"#,
        uid("A")
    );
    assert_eq!(
        transcript(&m[0].1),
        [
            r#"onMessageSendSuccess("m1")"#.to_string(),
            received.clone()
        ]
    );
    assert_eq!(transcript(&m[1].1), [received]);
}

// ------------------------------------------------------------------------------------- C7

#[tokio::test(start_paused = true)]
async fn contract_c7_query_user_num_when_joined_counts_the_caller() {
    let system = system();
    let m = members(&system, "ch", &["A", "B", "C"]).await;
    m[0].0.channel_query_user_num("ch");
    settle().await;
    assert_eq!(
        transcript(&m[0].1),
        [r#"onChannelQueryUserNumResult("ch", 0, 3)"#]
    );
    assert!(transcript(&m[1].1).is_empty());
}

#[tokio::test(start_paused = true)]
async fn contract_c7_query_user_num_when_not_joined_uses_the_member_count() {
    let system = system();
    let m = members(&system, "ch", &["B", "C"]).await;
    let (a, ra) = logged_in(&system, "A").await;
    a.channel_query_user_num("ch");
    // RTM allows one getChannelMemberCount per second.
    tokio::time::sleep(Duration::from_secs(1)).await;
    a.channel_query_user_num("nobody-here");
    settle().await;
    assert_eq!(
        transcript(&ra),
        [
            r#"onChannelQueryUserNumResult("ch", 0, 2)"#,
            r#"onChannelQueryUserNumResult("nobody-here", 0, 0)"#,
        ]
    );
    for (_, rec) in &m {
        assert!(transcript(rec).is_empty(), "no transient join for a count");
    }
}

#[tokio::test(start_paused = true)]
async fn contract_c7_query_user_num_of_a_large_joined_channel_uses_the_member_count() {
    // getMembers stops at 512 members; above that the count comes from getChannelMemberCount.
    let system = system();
    let mut fillers = Vec::new();
    for i in 0..599 {
        let c = rtm_user(&system, &format!("u{i:03}")).await;
        let ch = c.create_channel("huge").unwrap();
        ch.join().await.unwrap();
        fillers.push((c, ch));
    }
    let (a, ra) = logged_in(&system, "A").await;
    a.channel_join("huge");
    tokio::time::sleep(Duration::from_secs(5)).await;
    ra.take();
    a.channel_query_user_num("huge");
    settle().await;
    assert_eq!(
        transcript(&ra),
        [r#"onChannelQueryUserNumResult("huge", 0, 600)"#]
    );
}

// ------------------------------------------------------------------------------------- C8

#[tokio::test(start_paused = true)]
async fn contract_c8_query_user_is_in_when_joined() {
    let system = system();
    let m = members(&system, "ch", &["A", "B"]).await;
    let (_z, _rz) = logged_in(&system, "Z").await;
    m[0].0.channel_query_user_is_in("ch", "B");
    m[0].0.channel_query_user_is_in("ch", "Z");
    m[0].0.channel_query_user_is_in("ch", "A");
    settle().await;
    assert_eq!(
        transcript(&m[0].1),
        [
            r#"onChannelQueryUserIsIn("ch", "B", 1)"#,
            r#"onChannelQueryUserIsIn("ch", "Z", 0)"#,
            r#"onChannelQueryUserIsIn("ch", "A", 1)"#,
        ]
    );
    assert!(transcript(&m[1].1).is_empty());
}

#[tokio::test(start_paused = true)]
async fn contract_c8_query_user_is_in_when_not_joined_joins_briefly() {
    let system = system();
    let m = members(&system, "ch", &["B", "C"]).await;
    let (a, ra) = logged_in(&system, "A").await;
    a.channel_query_user_is_in("ch", "C");
    settle().await;
    assert_eq!(transcript(&ra), [r#"onChannelQueryUserIsIn("ch", "C", 1)"#]);
    for (_, rec) in &m {
        assert_eq!(
            transcript(rec),
            [user_joined("A"), user_left("A")],
            "documented side effect"
        );
    }
    assert_eq!(system.channel_members(APP, "ch"), ["B", "C"]);
    ra.take();
    tokio::time::sleep(Duration::from_secs(6)).await;
    a.channel_query_user_is_in("ch", "nobody");
    settle().await;
    assert_eq!(
        transcript(&ra),
        [r#"onChannelQueryUserIsIn("ch", "nobody", 0)"#]
    );
}

// ------------------------------------------------------------------------------------- C9

#[tokio::test(start_paused = true)]
async fn contract_c9_set_update_del_reach_every_member_once() {
    let system = system();
    let m = members(&system, "ch", &["A", "B", "C"]).await;
    let a = &m[0].0;
    a.channel_set_attr("ch", "k", "v1");
    settle().await;
    a.channel_set_attr("ch", "k", "v2");
    settle().await;
    a.channel_set_attr("ch", "other", "x");
    settle().await;
    a.channel_del_attr("ch", "k");
    settle().await;
    for (i, (_, rec)) in m.iter().enumerate() {
        assert_eq!(
            transcript(rec),
            [
                attr("ch", "k", "v1", "update"),
                attr("ch", "k", "v2", "update"),
                attr("ch", "other", "x", "update"),
                attr("ch", "k", "", "del"),
            ],
            "member {i}"
        );
    }
}

/// The note of channelDelAttr: RTM's notification of an emptied set is the same for a delete
/// of the last key and for a clear, so members hear "clear".
#[tokio::test(start_paused = true)]
async fn contract_c9_deleting_the_last_attribute_reads_as_clear() {
    let system = system();
    let m = members(&system, "ch", &["A", "B"]).await;
    m[0].0.channel_set_attr("ch", "only", "1");
    settle().await;
    for (_, rec) in &m {
        rec.take();
    }
    m[1].0.channel_del_attr("ch", "only");
    settle().await;
    for (_, rec) in &m {
        assert_eq!(transcript(rec), [attr("ch", "", "", "clear")]);
    }
}

#[tokio::test(start_paused = true)]
async fn contract_c9_clear_fires_one_clear_callback() {
    let system = system();
    let m = members(&system, "ch", &["A", "B"]).await;
    m[1].0.channel_set_attr("ch", "k1", "1");
    settle().await;
    m[1].0.channel_set_attr("ch", "k2", "2");
    settle().await;
    for (_, rec) in &m {
        rec.take();
    }
    m[0].0.channel_clear_attr("ch");
    settle().await;
    for (_, rec) in &m {
        assert_eq!(transcript(rec), [attr("ch", "", "", "clear")]);
    }
    // A later join sees no attributes.
    let (c, rc) = logged_in(&system, "C").await;
    c.channel_join("ch");
    settle().await;
    assert_eq!(transcript(&rc), [joined("ch"), user_list(&["A", "B", "C"])]);
}

#[tokio::test(start_paused = true)]
async fn contract_c9_writer_outside_the_channel_reaches_the_members() {
    let system = system();
    let m = members(&system, "ch", &["A", "B"]).await;
    let (w, rw) = logged_in(&system, "W").await;
    w.channel_set_attr("ch", "k", "v");
    settle().await;
    assert!(transcript(&rw).is_empty(), "{:?}", transcript(&rw));
    for (_, rec) in &m {
        assert_eq!(transcript(rec), [attr("ch", "k", "v", "update")]);
    }
}

#[tokio::test(start_paused = true)]
async fn contract_c9_joiner_sees_attributes_then_later_changes_once() {
    let system = system();
    let m = members(&system, "ch", &["A"]).await;
    m[0].0.channel_set_attr("ch", "k", "v");
    settle().await;
    let (b, rb) = logged_in(&system, "B").await;
    b.channel_join("ch");
    settle().await;
    m[0].0.channel_set_attr("ch", "k", "w");
    settle().await;
    assert_eq!(
        transcript(&rb),
        [
            joined("ch"),
            user_list(&["A", "B"]),
            attr("ch", "k", "v", "update"),
            attr("ch", "k", "w", "update"),
        ]
    );
}

// ------------------------------------------------------------------------------------ C10

#[tokio::test(start_paused = true)]
async fn contract_c10_user_notification_0_suppresses_joined_and_left() {
    let system = system();
    let m = members(&system, "ch", &["A", "B"]).await;
    m[0].0.channel_set_attr("ch", "_userNotification", "0");
    settle().await;
    for (_, rec) in &m {
        assert_eq!(
            transcript(rec),
            [attr("ch", "_userNotification", "0", "update")]
        );
        rec.take();
    }
    let (c, rc) = logged_in(&system, "C").await;
    c.channel_join("ch");
    settle().await;
    c.channel_leave("ch");
    settle().await;
    for (_, rec) in &m {
        assert!(transcript(rec).is_empty(), "{:?}", transcript(rec));
    }
    assert_eq!(
        transcript(&rc),
        [
            joined("ch"),
            user_list(&["A", "B", "C"]),
            attr("ch", "_userNotification", "0", "update"),
            r#"onChannelLeaved("ch", 602)"#.to_string(),
        ]
    );

    // "1" turns them back on.
    m[1].0.channel_set_attr("ch", "_userNotification", "1");
    settle().await;
    for (_, rec) in &m {
        rec.take();
    }
    tokio::time::sleep(Duration::from_secs(6)).await;
    c.channel_join("ch");
    settle().await;
    for (_, rec) in &m {
        assert_eq!(transcript(rec), [user_joined("C")]);
    }
}

/// The `_member_num` callbacks of `rec` with their (virtual) time since `start`.
fn member_nums(rec: &Recorder) -> Vec<String> {
    rec.events_without_logs()
        .into_iter()
        .filter_map(|e| match e {
            LegacyEvent::ChannelAttrUpdated {
                name, value, kind, ..
            } if name == "_member_num" => {
                assert_eq!(kind, "update");
                Some(value)
            }
            _ => None,
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn contract_c10_auto_update_num_reports_member_num_at_most_every_n_seconds() {
    let system = system();
    let m = members(&system, "ch", &["A"]).await;
    let (a, ra) = (&m[0].0, &m[0].1);
    a.channel_set_attr("ch", "_auto_update_num", "5");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        transcript(ra)[0],
        attr("ch", "_auto_update_num", "5", "update")
    );
    assert_eq!(member_nums(ra), ["1"], "the current count once");

    // Churn within one interval: one report with the count at its end.
    let mut others = Vec::new();
    for name in ["B", "C", "D"] {
        let (s, _) = logged_in(&system, name).await;
        s.channel_join("ch");
        tokio::time::sleep(Duration::from_millis(500)).await;
        others.push(s);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(member_nums(ra), ["1"], "not before 5 s have passed");
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(member_nums(ra), ["1", "4"]);

    // No change, no callback.
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(member_nums(ra), ["1", "4"]);

    // A leave is reported on the next report.
    others[0].channel_leave("ch");
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(member_nums(ra), ["1", "4", "3"]);

    // Removing the attribute stops the reports.
    a.channel_del_attr("ch", "_auto_update_num");
    settle().await;
    others[1].channel_leave("ch");
    tokio::time::sleep(Duration::from_secs(20)).await;
    assert_eq!(member_nums(ra), ["1", "4", "3"]);
}

#[tokio::test(start_paused = true)]
async fn contract_c10_other_built_ins_are_stored_as_attributes() {
    let system = system();
    let m = members(&system, "ch", &["A"]).await;
    for (k, v) in [
        ("_channel_ttl", "60"),
        ("_sendmsg_limit", "100"),
        ("_setattr_limit", "5"),
    ] {
        m[0].0.channel_set_attr("ch", k, v);
        settle().await;
    }
    assert_eq!(
        transcript(&m[0].1),
        [
            attr("ch", "_channel_ttl", "60", "update"),
            attr("ch", "_sendmsg_limit", "100", "update"),
            attr("ch", "_setattr_limit", "5", "update"),
        ]
    );
    let (b, rb) = logged_in(&system, "B").await;
    b.channel_join("ch");
    settle().await;
    assert_eq!(
        transcript(&rb),
        [
            joined("ch"),
            user_list(&["A", "B"]),
            attr("ch", "_channel_ttl", "60", "update"),
            attr("ch", "_sendmsg_limit", "100", "update"),
            attr("ch", "_setattr_limit", "5", "update"),
        ]
    );
}

// ------------------------------------------------------------------------------------ C11

#[tokio::test(start_paused = true)]
async fn contract_c11_attribute_name_over_32_bytes_fails_1005() {
    let system = system();
    let m = members(&system, "ch", &["A", "B"]).await;
    let name = "n".repeat(33);
    m[0].0.channel_set_attr("ch", &name, "v");
    m[0].0.channel_del_attr("ch", &name);
    settle().await;
    assert_eq!(
        transcript(&m[0].1),
        [
            r#"onError("channel_set_attr", 1005, "")"#,
            r#"onError("channel_del_attr", 1005, "")"#,
        ]
    );
    for desc in error_descs(&m[0].1) {
        assert!(desc.contains("32"), "names the limit: {desc}");
    }
    assert!(transcript(&m[1].1).is_empty());
    // 32 bytes is fine.
    m[0].0.channel_set_attr("ch", &"n".repeat(32), "v");
    settle().await;
    assert_eq!(
        transcript(&m[1].1),
        [attr("ch", &"n".repeat(32), "v", "update")]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_c11_attribute_value_over_8_kb_fails_1005_and_is_not_truncated() {
    let system = system();
    let m = members(&system, "ch", &["A", "B"]).await;
    m[0].0
        .channel_set_attr("ch", "big", &"v".repeat(8 * 1024 + 1));
    settle().await;
    assert_eq!(
        transcript(&m[0].1),
        [r#"onError("channel_set_attr", 1005, "")"#]
    );
    let desc = &error_descs(&m[0].1)[0];
    assert!(desc.contains("8192"), "names the limit: {desc}");
    assert!(transcript(&m[1].1).is_empty());
    // Exactly 8 KB is stored whole.
    let max = "v".repeat(8 * 1024);
    m[0].0.channel_set_attr("ch", "big", &max);
    settle().await;
    assert_eq!(transcript(&m[1].1), [attr("ch", "big", &max, "update")]);
}

#[tokio::test(start_paused = true)]
async fn contract_c11_empty_attribute_name_fails_1004() {
    let system = system();
    let m = members(&system, "ch", &["A"]).await;
    m[0].0.channel_set_attr("ch", "", "v");
    settle().await;
    assert_eq!(
        transcript(&m[0].1),
        [r#"onError("channel_set_attr", 1004, "")"#]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_c11_bad_channel_ids_fail_with_the_failure_callback_and_on_error() {
    let system = system();
    let (a, ra) = logged_in(&system, "A").await;
    let long = "c".repeat(65);
    for (ch, general) in [
        (long.as_str(), 1005),
        ("null", 1004),
        ("bad/id", 1004),
        ("", 1004),
    ] {
        a.channel_join(ch);
        settle().await;
        assert_eq!(
            transcript(&ra),
            [
                format!("onChannelJoinFailed({ch:?}, 300)"),
                format!(r#"onError("channel_join", {general}, "")"#),
            ],
            "join {ch:?}"
        );
        ra.take();

        a.message_channel_send(ch, "hi", "m1");
        settle().await;
        assert_eq!(
            transcript(&ra),
            [
                r#"onMessageSendError("m1", 400)"#.to_string(),
                format!(r#"onError("message_channel_send", {general}, "")"#),
            ],
            "send to {ch:?}"
        );
        ra.take();

        a.channel_set_attr(ch, "k", "v");
        settle().await;
        assert_eq!(
            transcript(&ra),
            [format!(r#"onError("channel_set_attr", {general}, "")"#)],
            "set attribute of {ch:?}"
        );
        ra.take();

        a.channel_query_user_num(ch);
        settle().await;
        let t = transcript(&ra);
        assert_eq!(t.len(), 2, "query {ch:?}: {t:?}");
        assert_eq!(t[0], format!("onChannelQueryUserNumResult({ch:?}, 500, 0)"));
        assert_eq!(
            t[1],
            format!(r#"onError("channel_query_user_num", {general}, "")"#)
        );
        ra.take();

        a.channel_query_user_is_in(ch, "B");
        settle().await;
        assert_eq!(
            transcript(&ra),
            [format!(
                r#"onError("channel_query_user_is_in", {general}, "")"#
            )],
            "is_in {ch:?}"
        );
        ra.take();
    }
    // Accounts RTM refuses: on_error (the reply has no error field), never a silent "0".
    let m = members(&system, "ch", &["B"]).await;
    let long_account = "u".repeat(65);
    for (account, general) in [(long_account.as_str(), 1005), ("null", 1004), ("a/b", 1004)] {
        m[0].0.channel_query_user_is_in("ch", account);
        settle().await;
        assert_eq!(
            transcript(&m[0].1),
            [format!(
                r#"onError("channel_query_user_is_in", {general}, "")"#
            )],
            "is_in account {account:?}"
        );
        m[0].1.take();
    }
    // The description names the 64-byte limit; nothing was created under a cut name.
    a.channel_join(&long);
    settle().await;
    let desc = error_descs(&ra).remove(0);
    assert!(desc.contains("64"), "{desc}");
    assert!(system.channel_members(APP, &long[..64]).is_empty());
}
