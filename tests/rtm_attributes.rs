//! RTM core attributes: local user attributes and channel attributes, their size rules, rate
//! limits, member notification and the wipe of an empty channel's attributes
//! (spec/rtm-1x.md §1.2, §1.6, §2.2, §3.10, §4.2, §4.4; shim-contract.md §8).
//!
//! Every test runs its own system in virtual time.

mod common;
use common::Muting;

use common::*;
use sig2rtm::rtm::attributes::{
    MAX_ATTRIBUTE_KEY_BYTES, MAX_ATTRIBUTE_VALUE_BYTES, MAX_CHANNEL_ATTRIBUTES_TOTAL_BYTES,
    MAX_USER_ATTRIBUTES_TOTAL_BYTES,
};
use sig2rtm::rtm::{
    AttributeOperationErr, ChannelAttribute, ChannelAttributeOptions, ChannelEvent, EventStream,
    RtmAttribute, RtmClient, RtmError,
};
use sig2rtm::system::{System, SystemConfig};
use sig2rtm::transport::InProcessConnector;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::{sleep, Instant};

// ---------------------------------------------------------------------------------------------
// Helpers of this file
// ---------------------------------------------------------------------------------------------

fn system_with(change: impl FnOnce(&mut SystemConfig)) -> System {
    let mut config = SystemConfig::default();
    change(&mut config);
    System::new(config)
}

/// A client logged in as `user` whose later requests go unanswered once the flag is set.
async fn muted_client(system: &System, user: &str) -> (RtmClient, Arc<AtomicBool>) {
    let mute = Arc::new(AtomicBool::new(false));
    let connector = Muting {
        inner: InProcessConnector::new(system.clone()),
        mute: mute.clone(),
    };
    let c = RtmClient::builder(APP)
        .connector(Arc::new(connector))
        .build()
        .unwrap();
    c.login("", user).await.unwrap();
    (c, mute)
}

fn attr(key: &str, value: &str) -> RtmAttribute {
    RtmAttribute::new(key, value)
}

fn cattr(key: &str, value: &str) -> ChannelAttribute {
    ChannelAttribute::new(key, value)
}

const NOTIFY: ChannelAttributeOptions = ChannelAttributeOptions {
    enable_notification_to_channel_members: true,
};
const QUIET: ChannelAttributeOptions = ChannelAttributeOptions {
    enable_notification_to_channel_members: false,
};

/// Key/value pairs sorted by key (RTM does not promise an order).
fn pairs(list: &[RtmAttribute]) -> Vec<(String, String)> {
    let mut v: Vec<_> = list
        .iter()
        .map(|a| (a.key.clone(), a.value.clone()))
        .collect();
    v.sort();
    v
}

fn cpairs(list: &[ChannelAttribute]) -> Vec<(String, String)> {
    let mut v: Vec<_> = list
        .iter()
        .map(|a| (a.key.clone(), a.value.clone()))
        .collect();
    v.sort();
    v
}

fn kv(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<_> = list
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    v.sort();
    v
}

/// What another user sees of `user`'s attributes.
async fn seen(by: &RtmClient, user: &str) -> Vec<(String, String)> {
    pairs(&by.get_user_attributes(user).await.unwrap())
}

async fn seen_by_keys(by: &RtmClient, user: &str, keys: &[&str]) -> Vec<(String, String)> {
    pairs(&by.get_user_attributes_by_keys(user, keys).await.unwrap())
}

async fn channel_seen(by: &RtmClient, channel: &str) -> Vec<(String, String)> {
    cpairs(&by.get_channel_attributes(channel).await.unwrap())
}

fn assert_code<T: std::fmt::Debug>(
    result: Result<T, RtmError<AttributeOperationErr>>,
    kind: AttributeOperationErr,
    code: i32,
) {
    let err = result.unwrap_err();
    assert_eq!(err.kind(), kind, "{}", err.detail());
    assert_eq!(err.code(), code);
}

/// The attribute sets delivered by `AttributesUpdated` events waiting now for `channel`.
async fn attribute_updates(events: &mut EventStream, channel: &str) -> Vec<Vec<ChannelAttribute>> {
    channel_events(events)
        .await
        .into_iter()
        .filter_map(|(c, e)| match e {
            ChannelEvent::AttributesUpdated(a) if c == channel => Some(a),
            _ => None,
        })
        .collect()
}

/// A logged-in user with its events, joined to `channel`.
async fn member(system: &System, user: &str, channel: &str) -> (RtmClient, EventStream) {
    let (c, e) = logged_in(system, user).await;
    c.create_channel(channel).unwrap().join().await.unwrap();
    (c, e)
}

// ---------------------------------------------------------------------------------------------
// Local user attributes
// ---------------------------------------------------------------------------------------------

/// `set_local_user_attributes` replaces the whole set.
#[tokio::test(start_paused = true)]
async fn set_local_user_attributes_replaces_all_attributes() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let (bob, _) = logged_in(&system, "bob").await;
    alice
        .set_local_user_attributes(&[attr("mood", "happy"), attr("city", "Oslo")])
        .await
        .unwrap();
    assert_eq!(
        seen(&bob, "alice").await,
        kv(&[("mood", "happy"), ("city", "Oslo")])
    );
    alice
        .set_local_user_attributes(&[attr("city", "Rome"), attr("lang", "it")])
        .await
        .unwrap();
    assert_eq!(
        seen(&bob, "alice").await,
        kv(&[("city", "Rome"), ("lang", "it")])
    );
    assert_eq!(
        seen_by_keys(&bob, "alice", &["mood", "lang"]).await,
        kv(&[("lang", "it")])
    );
}

/// `add_or_update_local_user_attributes` adds new keys and updates existing ones, keeping the rest.
#[tokio::test(start_paused = true)]
async fn add_or_update_local_user_attributes_upserts_by_key() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let (bob, _) = logged_in(&system, "bob").await;
    alice
        .set_local_user_attributes(&[attr("a", "1"), attr("b", "2")])
        .await
        .unwrap();
    alice
        .add_or_update_local_user_attributes(&[attr("b", "20"), attr("c", "30")])
        .await
        .unwrap();
    assert_eq!(
        seen(&bob, "alice").await,
        kv(&[("a", "1"), ("b", "20"), ("c", "30")])
    );
    assert_eq!(
        seen_by_keys(&bob, "alice", &["b", "c"]).await,
        kv(&[("b", "20"), ("c", "30")])
    );
}

/// Deleting by keys removes those keys; unknown keys are ignored.
#[tokio::test(start_paused = true)]
async fn delete_local_user_attributes_by_keys_removes_only_those_keys() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let (bob, _) = logged_in(&system, "bob").await;
    alice
        .set_local_user_attributes(&[attr("a", "1"), attr("b", "2"), attr("c", "3")])
        .await
        .unwrap();
    alice
        .delete_local_user_attributes_by_keys(&["a", "c", "missing"])
        .await
        .unwrap();
    assert_eq!(seen(&bob, "alice").await, kv(&[("b", "2")]));
    assert_eq!(seen_by_keys(&bob, "alice", &["a", "c"]).await, kv(&[]));
}

#[tokio::test(start_paused = true)]
async fn clear_local_user_attributes_removes_everything() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let (bob, _) = logged_in(&system, "bob").await;
    alice
        .set_local_user_attributes(&[attr("a", "1"), attr("b", "2")])
        .await
        .unwrap();
    alice.clear_local_user_attributes().await.unwrap();
    assert!(seen(&bob, "alice").await.is_empty());
    assert!(seen_by_keys(&bob, "alice", &["a", "b"]).await.is_empty());
}

/// `get_user_attributes_by_keys` leaves out the keys the user does not have.
#[tokio::test(start_paused = true)]
async fn get_user_attributes_by_keys_leaves_out_absent_keys() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let (bob, _) = logged_in(&system, "bob").await;
    alice
        .set_local_user_attributes(&[attr("a", "1"), attr("b", "2")])
        .await
        .unwrap();
    assert_eq!(
        seen_by_keys(&bob, "alice", &["x", "b", "y"]).await,
        kv(&[("b", "2")])
    );
    // A user may read its own attributes too.
    assert_eq!(seen(&alice, "alice").await, kv(&[("a", "1"), ("b", "2")]));
}

/// An offline user (never logged in, or logged out) gives USER_NOT_FOUND (6).
#[tokio::test(start_paused = true)]
async fn get_attributes_of_an_offline_user_fails_with_user_not_found() {
    let system = system();
    let (bob, _) = logged_in(&system, "bob").await;
    assert_code(
        bob.get_user_attributes("nobody").await,
        AttributeOperationErr::UserNotFound,
        6,
    );
    let (alice, _) = logged_in(&system, "alice").await;
    alice
        .set_local_user_attributes(&[attr("a", "1")])
        .await
        .unwrap();
    alice.logout().await.unwrap();
    assert_code(
        bob.get_user_attributes("alice").await,
        AttributeOperationErr::UserNotFound,
        6,
    );
    assert_code(
        bob.get_user_attributes_by_keys("alice", &["a"]).await,
        AttributeOperationErr::UserNotFound,
        6,
    );
}

/// Logging out clears the local user attributes: after a new login the user has none.
#[tokio::test(start_paused = true)]
async fn local_user_attributes_are_cleared_at_logout() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let (bob, _) = logged_in(&system, "bob").await;
    alice
        .set_local_user_attributes(&[attr("a", "1")])
        .await
        .unwrap();
    alice.logout().await.unwrap();
    alice.login("", "alice").await.unwrap();
    assert!(seen(&bob, "alice").await.is_empty());
    assert!(seen(&alice, "alice").await.is_empty());
}

/// A user id that breaks RTM's id rules is an INVALID_ARGUMENT (3).
#[tokio::test(start_paused = true)]
async fn get_user_attributes_of_an_invalid_user_id_fails_with_invalid_argument() {
    let system = system();
    let (bob, _) = logged_in(&system, "bob").await;
    for bad in ["", "null", "a/b"] {
        assert_code(
            bob.get_user_attributes(bad).await,
            AttributeOperationErr::InvalidArgument,
            3,
        );
    }
}

#[tokio::test(start_paused = true)]
async fn user_attribute_key_of_33_bytes_fails_with_invalid_argument() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let long = "k".repeat(MAX_ATTRIBUTE_KEY_BYTES + 1);
    assert_code(
        alice.set_local_user_attributes(&[attr(&long, "v")]).await,
        AttributeOperationErr::InvalidArgument,
        3,
    );
    assert_code(
        alice
            .add_or_update_local_user_attributes(&[attr(&long, "v")])
            .await,
        AttributeOperationErr::InvalidArgument,
        3,
    );
    assert_code(
        alice.get_user_attributes_by_keys("alice", &[&long]).await,
        AttributeOperationErr::InvalidArgument,
        3,
    );
    // 32 bytes is fine.
    alice
        .set_local_user_attributes(&[attr(&long[1..], "v")])
        .await
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn user_attribute_with_an_empty_key_fails_with_invalid_argument() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    assert_code(
        alice.set_local_user_attributes(&[attr("", "v")]).await,
        AttributeOperationErr::InvalidArgument,
        3,
    );
    assert_code(
        alice.delete_local_user_attributes_by_keys(&[""]).await,
        AttributeOperationErr::InvalidArgument,
        3,
    );
}

#[tokio::test(start_paused = true)]
async fn user_attribute_with_an_empty_value_fails_with_invalid_argument() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let (bob, _) = logged_in(&system, "bob").await;
    assert_code(
        alice
            .add_or_update_local_user_attributes(&[attr("ok", "1"), attr("k", "")])
            .await,
        AttributeOperationErr::InvalidArgument,
        3,
    );
    // Nothing of the refused call was applied.
    assert!(seen(&bob, "alice").await.is_empty());
}

/// Deleting or reading with an empty key list is an INVALID_ARGUMENT (3).
#[tokio::test(start_paused = true)]
async fn user_attribute_calls_with_an_empty_key_list_fail_with_invalid_argument() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let none: [&str; 0] = [];
    assert_code(
        alice.delete_local_user_attributes_by_keys(&none).await,
        AttributeOperationErr::InvalidArgument,
        3,
    );
    assert_code(
        alice.get_user_attributes_by_keys("alice", &none).await,
        AttributeOperationErr::InvalidArgument,
        3,
    );
}

#[tokio::test(start_paused = true)]
async fn user_attribute_value_over_8_kb_fails_with_size_overflow() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let (bob, _) = logged_in(&system, "bob").await;
    let big = "v".repeat(MAX_ATTRIBUTE_VALUE_BYTES + 1);
    assert_code(
        alice.set_local_user_attributes(&[attr("k", &big)]).await,
        AttributeOperationErr::SizeOverflow,
        4,
    );
    assert!(seen(&bob, "alice").await.is_empty());
    alice
        .set_local_user_attributes(&[attr("k", &big[1..])])
        .await
        .unwrap();
    assert_eq!(
        seen(&bob, "alice").await[0].1.len(),
        MAX_ATTRIBUTE_VALUE_BYTES
    );
}

#[tokio::test(start_paused = true)]
async fn thirty_three_user_attributes_in_one_call_fail_with_size_overflow() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let (bob, _) = logged_in(&system, "bob").await;
    let many: Vec<RtmAttribute> = (0..33).map(|i| attr(&format!("k{i}"), "v")).collect();
    assert_code(
        alice.set_local_user_attributes(&many).await,
        AttributeOperationErr::SizeOverflow,
        4,
    );
    assert_code(
        alice.add_or_update_local_user_attributes(&many).await,
        AttributeOperationErr::SizeOverflow,
        4,
    );
    alice.set_local_user_attributes(&many[..32]).await.unwrap();
    assert_eq!(seen(&bob, "alice").await.len(), 32);
}

/// The 16 KB total (keys plus values) is checked by the system on the result of each call, so
/// calls that are each fine can overflow together. The refused call changes nothing.
#[tokio::test(start_paused = true)]
async fn user_attributes_over_16_kb_in_total_fail_with_size_overflow() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let (bob, _) = logged_in(&system, "bob").await;
    let value = "v".repeat(MAX_ATTRIBUTE_VALUE_BYTES); // 1 + 8192 bytes with its key
    alice
        .add_or_update_local_user_attributes(&[attr("a", &value)])
        .await
        .unwrap();
    assert_code(
        alice
            .add_or_update_local_user_attributes(&[attr("b", &value)])
            .await,
        AttributeOperationErr::SizeOverflow,
        4,
    );
    assert_eq!(
        seen(&bob, "alice").await,
        vec![("a".to_string(), value.clone())]
    );
    // Exactly 16 KB is allowed: 1 + 8192 + 1 + 8190.
    let rest = MAX_USER_ATTRIBUTES_TOTAL_BYTES - (1 + MAX_ATTRIBUTE_VALUE_BYTES) - 1;
    alice
        .add_or_update_local_user_attributes(&[attr("b", &"w".repeat(rest))])
        .await
        .unwrap();
    assert_eq!(seen(&bob, "alice").await.len(), 2);
}

/// An upsert that would leave more than 32 attributes fails with SIZE_OVERFLOW (4).
#[tokio::test(start_paused = true)]
async fn user_attributes_over_32_after_an_upsert_fail_with_size_overflow() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let (bob, _) = logged_in(&system, "bob").await;
    let first: Vec<RtmAttribute> = (0..20).map(|i| attr(&format!("a{i}"), "v")).collect();
    let second: Vec<RtmAttribute> = (0..13).map(|i| attr(&format!("b{i}"), "v")).collect();
    alice.set_local_user_attributes(&first).await.unwrap();
    assert_code(
        alice.add_or_update_local_user_attributes(&second).await,
        AttributeOperationErr::SizeOverflow,
        4,
    );
    assert_eq!(seen(&bob, "alice").await.len(), 20);
    // Updating existing keys does not add to the count.
    let mut mixed = second[..12].to_vec();
    mixed.push(attr("a0", "updated"));
    alice
        .add_or_update_local_user_attributes(&mixed)
        .await
        .unwrap();
    assert_eq!(seen(&bob, "alice").await.len(), 32);
}

#[tokio::test(start_paused = true)]
async fn user_attribute_calls_when_not_logged_in_fail_with_user_not_logged_in() {
    let system = system();
    let alice = client(&system);
    let nl = AttributeOperationErr::UserNotLoggedIn;
    assert_code(
        alice.set_local_user_attributes(&[attr("a", "1")]).await,
        nl,
        102,
    );
    assert_code(
        alice
            .add_or_update_local_user_attributes(&[attr("a", "1")])
            .await,
        nl,
        102,
    );
    assert_code(
        alice.delete_local_user_attributes_by_keys(&["a"]).await,
        nl,
        102,
    );
    assert_code(alice.clear_local_user_attributes().await, nl, 102);
    assert_code(alice.get_user_attributes("bob").await, nl, 102);
    assert_code(
        alice.get_user_attributes_by_keys("bob", &["a"]).await,
        nl,
        102,
    );
}

/// The four local user attribute writes share one budget of 100 calls per 5 s (Linux 1.4).
#[tokio::test(start_paused = true)]
async fn user_attribute_writes_over_100_in_5_seconds_fail_with_too_often() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    for i in 0..25 {
        let v = i.to_string();
        alice
            .set_local_user_attributes(&[attr("a", &v)])
            .await
            .unwrap();
        alice
            .add_or_update_local_user_attributes(&[attr("b", &v)])
            .await
            .unwrap();
        alice
            .delete_local_user_attributes_by_keys(&["b"])
            .await
            .unwrap();
        alice.clear_local_user_attributes().await.unwrap();
    }
    assert_code(
        alice.set_local_user_attributes(&[attr("a", "1")]).await,
        AttributeOperationErr::TooOften,
        5,
    );
    // Reads have their own budget.
    alice.get_user_attributes("alice").await.unwrap();
    sleep(Duration::from_secs(5)).await;
    alice
        .set_local_user_attributes(&[attr("a", "1")])
        .await
        .unwrap();
}

/// `get_user_attributes` and `get_user_attributes_by_keys` share 400 calls per 5 s.
#[tokio::test(start_paused = true)]
async fn user_attribute_reads_over_400_in_5_seconds_fail_with_too_often() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let (_bob, _) = logged_in(&system, "bob").await;
    for _ in 0..200 {
        alice.get_user_attributes("bob").await.unwrap();
        alice
            .get_user_attributes_by_keys("bob", &["x"])
            .await
            .unwrap();
    }
    assert_code(
        alice.get_user_attributes("bob").await,
        AttributeOperationErr::TooOften,
        5,
    );
    sleep(Duration::from_secs(5)).await;
    alice.get_user_attributes("bob").await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// Channel attributes
// ---------------------------------------------------------------------------------------------

/// Channel attributes can be written and read by users who never join the channel.
#[tokio::test(start_paused = true)]
async fn set_channel_attributes_replaces_all_without_joining() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let (bob, _) = logged_in(&system, "bob").await;
    alice
        .set_channel_attributes(
            "room",
            &[cattr("topic", "cats"), cattr("lang", "en")],
            QUIET,
        )
        .await
        .unwrap();
    assert_eq!(
        channel_seen(&bob, "room").await,
        kv(&[("topic", "cats"), ("lang", "en")])
    );
    bob.set_channel_attributes("room", &[cattr("topic", "dogs")], QUIET)
        .await
        .unwrap();
    assert_eq!(channel_seen(&alice, "room").await, kv(&[("topic", "dogs")]));
    assert!(system.channel_members(APP, "room").is_empty());
}

#[tokio::test(start_paused = true)]
async fn add_or_update_channel_attributes_upserts_by_key() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let (bob, _) = logged_in(&system, "bob").await;
    alice
        .set_channel_attributes("room", &[cattr("a", "1"), cattr("b", "2")], QUIET)
        .await
        .unwrap();
    bob.add_or_update_channel_attributes("room", &[cattr("b", "20"), cattr("c", "3")], QUIET)
        .await
        .unwrap();
    assert_eq!(
        channel_seen(&alice, "room").await,
        kv(&[("a", "1"), ("b", "20"), ("c", "3")])
    );
}

#[tokio::test(start_paused = true)]
async fn delete_channel_attributes_by_keys_removes_only_those_keys() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let (bob, _) = logged_in(&system, "bob").await;
    alice
        .set_channel_attributes(
            "room",
            &[cattr("a", "1"), cattr("b", "2"), cattr("c", "3")],
            QUIET,
        )
        .await
        .unwrap();
    bob.delete_channel_attributes_by_keys("room", &["a", "c", "zzz"], QUIET)
        .await
        .unwrap();
    assert_eq!(channel_seen(&alice, "room").await, kv(&[("b", "2")]));
}

#[tokio::test(start_paused = true)]
async fn clear_channel_attributes_removes_everything() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let (bob, _) = logged_in(&system, "bob").await;
    alice
        .set_channel_attributes("room", &[cattr("a", "1"), cattr("b", "2")], QUIET)
        .await
        .unwrap();
    bob.clear_channel_attributes("room", QUIET).await.unwrap();
    assert!(channel_seen(&alice, "room").await.is_empty());
}

/// By keys: only the keys present come back; a channel nobody wrote to has no attributes.
#[tokio::test(start_paused = true)]
async fn get_channel_attributes_by_keys_leaves_out_absent_keys() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let (bob, _) = logged_in(&system, "bob").await;
    alice
        .set_channel_attributes("room", &[cattr("a", "1"), cattr("b", "2")], QUIET)
        .await
        .unwrap();
    let got = bob
        .get_channel_attributes_by_keys("room", &["b", "x"])
        .await
        .unwrap();
    assert_eq!(cpairs(&got), kv(&[("b", "2")]));
    assert!(bob
        .get_channel_attributes("empty")
        .await
        .unwrap()
        .is_empty());
    assert!(bob
        .get_channel_attributes_by_keys("empty", &["a"])
        .await
        .unwrap()
        .is_empty());
}

/// Each attribute records who wrote it last and when (server time, ms since the Unix epoch).
#[tokio::test(start_paused = true)]
async fn channel_attributes_record_last_update_user_and_time() {
    const EPOCH: u64 = 1_650_000_000_000;
    let system = system_with(|c| c.epoch_ms = Some(EPOCH));
    let start = Instant::now();
    let (alice, _) = logged_in(&system, "alice").await;
    let (bob, _) = logged_in(&system, "bob").await;
    sleep(Duration::from_millis(1_000)).await;
    alice
        .set_channel_attributes("room", &[cattr("a", "1"), cattr("b", "2")], QUIET)
        .await
        .unwrap();
    sleep(Duration::from_millis(2_000)).await;
    bob.add_or_update_channel_attributes("room", &[cattr("b", "3")], QUIET)
        .await
        .unwrap();
    assert_eq!(start.elapsed(), Duration::from_millis(3_000));

    let mut got = alice.get_channel_attributes("room").await.unwrap();
    got.sort_by(|x, y| x.key.cmp(&y.key));
    let summary: Vec<(&str, &str, &str, u64)> = got
        .iter()
        .map(|a| {
            (
                a.key.as_str(),
                a.value.as_str(),
                a.last_update_user_id.as_str(),
                a.last_update_ts,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("a", "1", "alice", EPOCH + 1_000),
            ("b", "3", "bob", EPOCH + 3_000)
        ]
    );
}

/// With notification on, every member — the writer too, when it is one — gets the channel's
/// complete attribute set, not just what changed.
#[tokio::test(start_paused = true)]
async fn notified_write_sends_the_full_set_to_every_member_including_the_writer() {
    let system = system();
    let (alice, mut alice_events) = member(&system, "alice", "room").await;
    let (_bob, mut bob_events) = member(&system, "bob", "room").await;
    let (_carol, mut carol_events) = logged_in(&system, "carol").await; // not a member
    alice
        .set_channel_attributes("room", &[cattr("a", "1"), cattr("b", "2")], QUIET)
        .await
        .unwrap();
    let _ = channel_events(&mut alice_events).await;
    let _ = channel_events(&mut bob_events).await;

    alice
        .add_or_update_channel_attributes("room", &[cattr("c", "3")], NOTIFY)
        .await
        .unwrap();
    for events in [&mut alice_events, &mut bob_events] {
        let updates = attribute_updates(events, "room").await;
        assert_eq!(updates.len(), 1);
        assert_eq!(
            cpairs(&updates[0]),
            kv(&[("a", "1"), ("b", "2"), ("c", "3")])
        );
        assert!(updates[0].iter().all(|a| a.last_update_user_id == "alice"));
    }
    assert!(drain_non_state(&mut carol_events).await.is_empty());
}

/// A writer outside the channel notifies the members but hears nothing itself; deletes and
/// clears also deliver the full (remaining) set.
#[tokio::test(start_paused = true)]
async fn notified_write_from_outside_reaches_members_only() {
    let system = system();
    let (_alice, mut alice_events) = member(&system, "alice", "room").await;
    let (bob, mut bob_events) = logged_in(&system, "bob").await;
    let _ = channel_events(&mut alice_events).await;

    bob.set_channel_attributes("room", &[cattr("a", "1"), cattr("b", "2")], NOTIFY)
        .await
        .unwrap();
    bob.delete_channel_attributes_by_keys("room", &["a"], NOTIFY)
        .await
        .unwrap();
    bob.clear_channel_attributes("room", NOTIFY).await.unwrap();
    let updates: Vec<_> = attribute_updates(&mut alice_events, "room")
        .await
        .iter()
        .map(|u| cpairs(u))
        .collect();
    assert_eq!(
        updates,
        vec![kv(&[("a", "1"), ("b", "2")]), kv(&[("b", "2")]), kv(&[])]
    );
    assert!(drain_non_state(&mut bob_events).await.is_empty());
}

#[tokio::test(start_paused = true)]
async fn write_without_notification_sends_no_event() {
    let system = system();
    let (alice, mut alice_events) = member(&system, "alice", "room").await;
    let (_bob, mut bob_events) = member(&system, "bob", "room").await;
    let _ = channel_events(&mut alice_events).await;
    let _ = channel_events(&mut bob_events).await;
    alice
        .set_channel_attributes("room", &[cattr("a", "1")], QUIET)
        .await
        .unwrap();
    alice
        .add_or_update_channel_attributes("room", &[cattr("b", "1")], QUIET)
        .await
        .unwrap();
    alice
        .delete_channel_attributes_by_keys("room", &["a"], QUIET)
        .await
        .unwrap();
    alice.clear_channel_attributes("room", QUIET).await.unwrap();
    sleep(Duration::from_secs(5)).await;
    assert!(attribute_updates(&mut alice_events, "room")
        .await
        .is_empty());
    assert!(attribute_updates(&mut bob_events, "room").await.is_empty());
}

/// The 32 KB total of a channel is checked on the result; the refused call changes nothing.
#[tokio::test(start_paused = true)]
async fn channel_attributes_over_32_kb_in_total_fail_with_size_overflow() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let value = "v".repeat(MAX_ATTRIBUTE_VALUE_BYTES);
    // 3 × (1 + 8192) = 24 579 bytes; a 4th full one would be 32 772 > 32 768.
    let three: Vec<ChannelAttribute> = ["a", "b", "c"].iter().map(|k| cattr(k, &value)).collect();
    alice
        .set_channel_attributes("room", &three, QUIET)
        .await
        .unwrap();
    assert_code(
        alice
            .add_or_update_channel_attributes("room", &[cattr("d", &value)], QUIET)
            .await,
        AttributeOperationErr::SizeOverflow,
        4,
    );
    assert_eq!(alice.get_channel_attributes("room").await.unwrap().len(), 3);
    let rest = MAX_CHANNEL_ATTRIBUTES_TOTAL_BYTES - 3 * (1 + MAX_ATTRIBUTE_VALUE_BYTES) - 1;
    alice
        .add_or_update_channel_attributes("room", &[cattr("d", &"w".repeat(rest))], QUIET)
        .await
        .unwrap();
    assert_eq!(alice.get_channel_attributes("room").await.unwrap().len(), 4);
}

/// Per-item rules apply to channel attributes as to user attributes.
#[tokio::test(start_paused = true)]
async fn channel_attribute_item_rules_match_user_attribute_rules() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let long_key = "k".repeat(MAX_ATTRIBUTE_KEY_BYTES + 1);
    let big = "v".repeat(MAX_ATTRIBUTE_VALUE_BYTES + 1);
    let bad = AttributeOperationErr::InvalidArgument;
    let over = AttributeOperationErr::SizeOverflow;
    for (list, kind, code) in [
        (vec![cattr(&long_key, "v")], bad, 3),
        (vec![cattr("", "v")], bad, 3),
        (vec![cattr("k", "")], bad, 3),
        (vec![cattr("k", &big)], over, 4),
        (
            (0..33).map(|i| cattr(&format!("k{i}"), "v")).collect(),
            over,
            4,
        ),
    ] {
        assert_code(
            alice.set_channel_attributes("room", &list, QUIET).await,
            kind,
            code,
        );
    }
    assert!(alice
        .get_channel_attributes("room")
        .await
        .unwrap()
        .is_empty());
}

/// More than 32 channel attributes after an upsert fail with SIZE_OVERFLOW (4).
#[tokio::test(start_paused = true)]
async fn channel_attributes_over_32_after_an_upsert_fail_with_size_overflow() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let first: Vec<ChannelAttribute> = (0..32).map(|i| cattr(&format!("a{i}"), "v")).collect();
    alice
        .set_channel_attributes("room", &first, QUIET)
        .await
        .unwrap();
    assert_code(
        alice
            .add_or_update_channel_attributes("room", &[cattr("one-more", "v")], QUIET)
            .await,
        AttributeOperationErr::SizeOverflow,
        4,
    );
    assert_eq!(
        alice.get_channel_attributes("room").await.unwrap().len(),
        32
    );
}

#[tokio::test(start_paused = true)]
async fn channel_attribute_calls_with_an_invalid_channel_id_fail_with_invalid_argument() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let bad = AttributeOperationErr::InvalidArgument;
    let long = "c".repeat(65);
    for channel in ["", "null", "a/b", long.as_str()] {
        assert_code(
            alice
                .set_channel_attributes(channel, &[cattr("a", "1")], QUIET)
                .await,
            bad,
            3,
        );
        assert_code(
            alice
                .add_or_update_channel_attributes(channel, &[cattr("a", "1")], QUIET)
                .await,
            bad,
            3,
        );
        assert_code(
            alice
                .delete_channel_attributes_by_keys(channel, &["a"], QUIET)
                .await,
            bad,
            3,
        );
        assert_code(alice.clear_channel_attributes(channel, QUIET).await, bad, 3);
        assert_code(alice.get_channel_attributes(channel).await, bad, 3);
        assert_code(
            alice.get_channel_attributes_by_keys(channel, &["a"]).await,
            bad,
            3,
        );
    }
}

#[tokio::test(start_paused = true)]
async fn channel_attribute_calls_when_not_logged_in_fail_with_user_not_logged_in() {
    let system = system();
    let alice = client(&system);
    let nl = AttributeOperationErr::UserNotLoggedIn;
    assert_code(
        alice
            .set_channel_attributes("room", &[cattr("a", "1")], QUIET)
            .await,
        nl,
        102,
    );
    assert_code(alice.clear_channel_attributes("room", QUIET).await, nl, 102);
    assert_code(alice.get_channel_attributes("room").await, nl, 102);
    assert_code(
        alice.get_channel_attributes_by_keys("room", &["a"]).await,
        nl,
        102,
    );
}

/// The four channel attribute writes share 100 calls per 5 s (Linux 1.4).
#[tokio::test(start_paused = true)]
async fn channel_attribute_writes_over_100_in_5_seconds_fail_with_too_often() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    for i in 0..25 {
        let v = i.to_string();
        alice
            .set_channel_attributes("room", &[cattr("a", &v)], QUIET)
            .await
            .unwrap();
        alice
            .add_or_update_channel_attributes("room", &[cattr("b", &v)], QUIET)
            .await
            .unwrap();
        alice
            .delete_channel_attributes_by_keys("room", &["b"], QUIET)
            .await
            .unwrap();
        alice.clear_channel_attributes("room", QUIET).await.unwrap();
    }
    assert_code(
        alice
            .set_channel_attributes("room", &[cattr("a", "1")], QUIET)
            .await,
        AttributeOperationErr::TooOften,
        5,
    );
    // Reads and user attribute writes have their own budgets.
    alice.get_channel_attributes("room").await.unwrap();
    alice
        .set_local_user_attributes(&[attr("a", "1")])
        .await
        .unwrap();
    sleep(Duration::from_secs(5)).await;
    alice
        .set_channel_attributes("room", &[cattr("a", "1")], QUIET)
        .await
        .unwrap();
}

/// `get_channel_attributes` and `get_channel_attributes_by_keys` share 400 calls per 5 s.
#[tokio::test(start_paused = true)]
async fn channel_attribute_reads_over_400_in_5_seconds_fail_with_too_often() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    for _ in 0..200 {
        alice.get_channel_attributes("room").await.unwrap();
        alice
            .get_channel_attributes_by_keys("room", &["a"])
            .await
            .unwrap();
    }
    assert_code(
        alice.get_channel_attributes("room").await,
        AttributeOperationErr::TooOften,
        5,
    );
    // User attribute reads have their own budget.
    alice.get_user_attributes("alice").await.unwrap();
    sleep(Duration::from_secs(5)).await;
    alice.get_channel_attributes("room").await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// Wipe of an empty channel's attributes (shim-contract §8: 120 s)
// ---------------------------------------------------------------------------------------------

/// The attributes of a channel that empties survive 119 s and are gone after 120 s.
#[tokio::test(start_paused = true)]
async fn attributes_of_a_channel_that_empties_are_wiped_after_120_seconds() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let (reader, _) = logged_in(&system, "reader").await;
    let room = alice.create_channel("room").unwrap();
    room.join().await.unwrap();
    alice
        .set_channel_attributes("room", &[cattr("a", "1")], QUIET)
        .await
        .unwrap();
    // Members being there keeps them: well past 120 s.
    sleep(Duration::from_secs(300)).await;
    assert_eq!(channel_seen(&reader, "room").await, kv(&[("a", "1")]));

    room.leave().await.unwrap();
    sleep(Duration::from_secs(119)).await;
    assert_eq!(channel_seen(&reader, "room").await, kv(&[("a", "1")]));
    sleep(Duration::from_secs(1)).await;
    settle().await;
    assert!(channel_seen(&reader, "room").await.is_empty());
}

/// A join before the 120 s are up cancels the wipe; the clock starts again when the channel
/// empties again.
#[tokio::test(start_paused = true)]
async fn attributes_survive_when_someone_joins_again_within_120_seconds() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let (bob, _) = logged_in(&system, "bob").await;
    let a_room = alice.create_channel("room").unwrap();
    a_room.join().await.unwrap();
    alice
        .set_channel_attributes("room", &[cattr("a", "1")], QUIET)
        .await
        .unwrap();
    a_room.leave().await.unwrap();

    sleep(Duration::from_secs(100)).await;
    let b_room = bob.create_channel("room").unwrap();
    b_room.join().await.unwrap();
    sleep(Duration::from_secs(100)).await; // 200 s after the channel first emptied
    assert_eq!(channel_seen(&alice, "room").await, kv(&[("a", "1")]));

    b_room.leave().await.unwrap();
    sleep(Duration::from_secs(119)).await;
    assert_eq!(channel_seen(&alice, "room").await, kv(&[("a", "1")]));
    sleep(Duration::from_secs(1)).await;
    settle().await;
    assert!(channel_seen(&alice, "room").await.is_empty());
}

/// A wipe planned when the channel first emptied is called off by a later join even if that
/// member has left again by then; the new empty period gets its own 120 s.
#[tokio::test(start_paused = true)]
async fn a_join_and_leave_restarts_the_120_second_wipe_clock() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let (bob, _) = logged_in(&system, "bob").await;
    let a_room = alice.create_channel("room").unwrap();
    a_room.join().await.unwrap();
    alice
        .set_channel_attributes("room", &[cattr("a", "1")], QUIET)
        .await
        .unwrap();
    a_room.leave().await.unwrap(); // t = 0: empty

    sleep(Duration::from_secs(100)).await;
    let b_room = bob.create_channel("room").unwrap();
    b_room.join().await.unwrap();
    sleep(Duration::from_secs(10)).await;
    b_room.leave().await.unwrap(); // t = 110: empty again

    sleep(Duration::from_secs(119)).await; // t = 229: the first wipe (t = 120) did not happen
    assert_eq!(channel_seen(&alice, "room").await, kv(&[("a", "1")]));
    sleep(Duration::from_secs(1)).await;
    settle().await;
    assert!(channel_seen(&alice, "room").await.is_empty());
}

/// Attributes written to a channel nobody ever joined follow the same rule: gone after 120 s.
#[tokio::test(start_paused = true)]
async fn attributes_of_a_channel_nobody_joined_are_wiped_after_120_seconds() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    alice
        .set_channel_attributes("lobby", &[cattr("a", "1"), cattr("b", "2")], QUIET)
        .await
        .unwrap();
    sleep(Duration::from_secs(119)).await;
    assert_eq!(
        channel_seen(&alice, "lobby").await,
        kv(&[("a", "1"), ("b", "2")])
    );
    sleep(Duration::from_secs(1)).await;
    settle().await;
    assert!(channel_seen(&alice, "lobby").await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// No answer from the system, and a released client
// ---------------------------------------------------------------------------------------------

/// shim-contract §8 / spec §4.3: attribute operations the system does not answer fail after
/// 5 s with TIMEOUT (7).
#[tokio::test(start_paused = true)]
async fn attribute_operations_without_an_answer_fail_with_timeout_after_5_seconds() {
    let system = system();
    let (alice, mute) = muted_client(&system, "alice").await;
    mute.store(true, Ordering::SeqCst);
    let start = Instant::now();
    assert_code(
        alice.set_local_user_attributes(&[attr("a", "1")]).await,
        AttributeOperationErr::Timeout,
        7,
    );
    assert_eq!(start.elapsed(), Duration::from_secs(5));
    assert_code(
        alice.get_user_attributes("alice").await,
        AttributeOperationErr::Timeout,
        7,
    );
    assert_code(
        alice
            .set_channel_attributes("room", &[cattr("a", "1")], QUIET)
            .await,
        AttributeOperationErr::Timeout,
        7,
    );
    assert_code(
        alice.get_channel_attributes("room").await,
        AttributeOperationErr::Timeout,
        7,
    );
    assert_eq!(start.elapsed(), Duration::from_secs(20));
}

#[tokio::test(start_paused = true)]
async fn attribute_calls_of_a_released_client_fail_with_not_initialized() {
    let system = system();
    let (alice, _) = logged_in(&system, "alice").await;
    let (bob, _) = logged_in(&system, "bob").await;
    alice
        .set_local_user_attributes(&[attr("a", "1")])
        .await
        .unwrap();
    alice.release();
    let ni = AttributeOperationErr::NotInitialized;
    assert_code(
        alice.set_local_user_attributes(&[attr("a", "1")]).await,
        ni,
        101,
    );
    assert_code(alice.get_user_attributes("bob").await, ni, 101);
    assert_code(
        alice
            .set_channel_attributes("room", &[cattr("a", "1")], QUIET)
            .await,
        ni,
        101,
    );
    assert_code(alice.get_channel_attributes("room").await, ni, 101);
    // Its session ended with the release: its attributes are gone with it.
    settle().await;
    assert_code(
        bob.get_user_attributes("alice").await,
        AttributeOperationErr::UserNotFound,
        6,
    );
}

/// A session that ends as ABORTED (kicked by a login of the same user elsewhere) takes its
/// local user attributes with it: the new session starts with none.
#[tokio::test(start_paused = true)]
async fn local_user_attributes_end_with_a_session_kicked_by_a_remote_login() {
    let system = system();
    let (first, _) = logged_in(&system, "alice").await;
    let (bob, _) = logged_in(&system, "bob").await;
    first
        .set_local_user_attributes(&[attr("a", "1")])
        .await
        .unwrap();
    assert_eq!(seen(&bob, "alice").await, kv(&[("a", "1")]));

    let (second, _) = logged_in(&system, "alice").await;
    settle().await;
    assert_eq!(
        first.connection_state(),
        sig2rtm::rtm::ConnectionState::Aborted
    );
    assert!(seen(&bob, "alice").await.is_empty());
    assert!(seen(&second, "alice").await.is_empty());
}
