//! Channels: the legacy join sequence, single-channel policy, leave, member callbacks, channel
//! attributes as legacy per-key updates, built-in attributes, member queries
//! (contract rules C1–C11).

use super::context::Cx;
use super::errors::{check_attribute, check_id, id_error_code, translate};
use super::events::{
    attribute_update, attribute_updates, channel_message, member_event, user_list,
};
use super::operations::Lane;
use crate::rtm::{
    ChannelAttribute, ChannelAttributeOptions, ChannelEvent, RtmChannel, RtmClient, RtmError,
};
use crate::signaling::{AgoraECode, LegacyEvent};
use std::collections::BTreeMap;
use std::time::Duration;

/// Most members in the legacy join-time user list (C1).
pub(crate) const USER_LIST_MAX: usize = 200;
/// Below this many members a joined channel is counted from `getMembers` (C7).
const EXACT_COUNT_LIMIT: usize = 512;

/// Built-in attribute: "0" suppresses member joined / left callbacks (C10).
const USER_NOTIFICATION: &str = "_userNotification";
/// Built-in attribute: refresh `_member_num` every n seconds (C10).
const AUTO_UPDATE_NUM: &str = "_auto_update_num";
/// Built-in attribute reported by the shim with the member count (C10).
const MEMBER_NUM: &str = "_member_num";

/// The channels area: the channels joined or joining, with what the legacy rules remember of
/// each. Channels joined for a moment (C6, C8) are not kept here, so their events are not
/// legacy events.
#[derive(Default)]
pub(crate) struct Channels {
    joined: BTreeMap<String, Joined>,
}

struct Joined {
    channel: RtmChannel,
    /// Events that arrived while the join sequence was running; handled after it.
    joining: Option<Vec<ChannelEvent>>,
    /// Last attribute set seen, to turn RTM's full snapshots into per-key changes (C9).
    attributes: BTreeMap<String, String>,
    member_count: Option<u32>,
    /// `_auto_update_num`: (interval, last count reported, a timer is pending).
    auto_update: Option<(Duration, Option<u32>, bool)>,
}

impl Joined {
    fn notifications_on(&self) -> bool {
        self.attributes.get(USER_NOTIFICATION).map(String::as_str) != Some("0")
    }
}

/// Where this client stands in a channel, as other areas need to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Membership {
    /// Not joined, not joining.
    Out,
    /// `channel_join` was called; the join sequence is still running.
    Joining,
    /// The join sequence completed.
    Joined,
}

/// What a join sequence learned.
struct JoinOutcome {
    members: Result<Vec<String>, String>,
    attributes: Vec<ChannelAttribute>,
}

type JoinResult = Result<JoinOutcome, RtmError<crate::rtm::JoinChannelErr>>;

impl Channels {
    /// Where this client stands in `channel`.
    pub fn membership(&self, channel: &str) -> Membership {
        match self.joined.get(channel) {
            None => Membership::Out,
            Some(j) if j.joining.is_some() => Membership::Joining,
            Some(_) => Membership::Joined,
        }
    }

    /// Channels joined or joining.
    fn names(&self) -> Vec<String> {
        self.joined.keys().cloned().collect()
    }

    /// `channel_join` (C1–C3).
    pub(super) fn join(&mut self, cx: &mut Cx, channel_id: &str) {
        let failed = |cx: &Cx| {
            // The failure callback first, then on_error, as for every other failure.
            cx.emit(LegacyEvent::ChannelJoinFailed {
                channel_id: channel_id.to_string(),
                ecode: AgoraECode::JoinchannelEOther.code(),
            });
        };
        let Some(client) = cx.session_client() else {
            failed(cx);
            return cx.not_logged_in("channel_join");
        };
        let channel = match client.create_channel(channel_id) {
            Ok(c) => c,
            Err(e) => {
                failed(cx);
                return cx.error("channel_join", id_error_code(&e), e.detail().to_string());
            }
        };
        if self.joined.contains_key(channel_id) {
            // C3: joining a joined channel replays the join sequence without leaving.
            return replay_join(cx, channel_id, client, channel);
        }
        if !cx.config().multi_channel {
            // C2: one channel at a time; joining another leaves the current one first.
            for old in self.names() {
                self.leave_now(cx, &old);
            }
        }
        let join = channel.join();
        let sequence = join_sequence(join, client, channel.clone());
        self.joined.insert(
            channel_id.to_string(),
            Joined {
                channel,
                joining: Some(Vec::new()),
                attributes: BTreeMap::new(),
                member_count: None,
                auto_update: None,
            },
        );
        let id = channel_id.to_string();
        cx.then_in(
            Lane::Channel(id.clone()),
            sequence,
            move |c: &mut Channels, cx, result| c.join_done(cx, id, result),
        );
    }

    fn join_done(&mut self, cx: &mut Cx, channel_id: String, result: JoinResult) {
        let outcome = match result {
            Ok(o) => o,
            Err(e) => {
                self.joined.remove(&channel_id);
                let t = translate(&e);
                cx.emit(LegacyEvent::ChannelJoinFailed {
                    channel_id,
                    ecode: t.code.code(),
                });
                cx.error("channel_join", t.on_error.unwrap_or(t.code), t.desc);
                return;
            }
        };
        let Some(me) = cx.account().map(str::to_string) else {
            return;
        };
        // C1: joined, then the user list, then one update per existing attribute.
        cx.emit(LegacyEvent::ChannelJoined {
            channel_id: channel_id.clone(),
        });
        let members = match outcome.members {
            Ok(m) => m,
            Err(desc) => {
                cx.error(
                    "channel_join",
                    AgoraECode::GeneralEFailed,
                    format!("the member list of {channel_id} could not be read: {desc}"),
                );
                vec![me.clone()]
            }
        };
        let (list, in_list) = user_list(members, &me, USER_LIST_MAX);
        cx.emit(list);
        let mut snapshot = BTreeMap::new();
        for attr in outcome.attributes {
            cx.emit(attribute_update(
                &channel_id,
                &attr.key,
                &attr.value,
                "update",
            ));
            snapshot.insert(attr.key, attr.value);
        }
        let buffered = match self.joined.get_mut(&channel_id) {
            Some(j) => {
                j.attributes = snapshot;
                j.joining.take().unwrap_or_default()
            }
            None => return,
        };
        self.builtins_changed(cx, &channel_id);
        for event in buffered {
            // Members already in the list were announced by it.
            let announced = matches!(&event, ChannelEvent::MemberJoined { user_id } if in_list.contains(user_id));
            if !announced {
                self.on_channel_event(cx, channel_id.clone(), event);
            }
        }
    }

    /// Leaves a channel at once (C2, C4): `on_channel_leaved(ch, 602)` now, RTM leave behind.
    fn leave_now(&mut self, cx: &mut Cx, channel_id: &str) {
        if let Some(joined) = self.joined.remove(channel_id) {
            let leave = joined.channel.leave();
            cx.then(
                Lane::Channel(channel_id.to_string()),
                leave,
                |cx, result| {
                    if let Err(e) = result {
                        cx.log_warn(format!("leaving a channel: {}", translate(&e).desc));
                    }
                },
            );
        }
        cx.emit(LegacyEvent::ChannelLeaved {
            channel_id: channel_id.to_string(),
            ecode: AgoraECode::LeavechannelEByuser.code(),
        });
    }

    /// `channel_leave` (C4).
    pub(super) fn leave(&mut self, cx: &mut Cx, channel_id: &str) {
        if cx.logged_in_client("channel_leave").is_none() {
            return;
        }
        // C11: no channel has an id RTM refuses; say so instead of a silent 602.
        if !cx.passes("channel_leave", check_id("channel id", channel_id)) {
            return;
        }
        if !self.joined.contains_key(channel_id) {
            cx.log_warn(format!("channel_leave: not in channel {channel_id:?}"));
        }
        self.leave_now(cx, channel_id);
    }

    /// RTM channel events of joined channels become legacy callbacks.
    pub(super) fn on_channel_event(
        &mut self,
        cx: &mut Cx,
        channel_id: String,
        event: ChannelEvent,
    ) {
        let Some(joined) = self.joined.get_mut(&channel_id) else {
            return;
        };
        if let Some(buffer) = joined.joining.as_mut() {
            buffer.push(event);
            return;
        }
        match event {
            ChannelEvent::MemberJoined { user_id } => {
                if joined.notifications_on() {
                    cx.emit(member_event(true, user_id));
                }
            }
            ChannelEvent::MemberLeft { user_id } => {
                if joined.notifications_on() {
                    cx.emit(member_event(false, user_id));
                }
            }
            ChannelEvent::MemberCountUpdated(count) => {
                joined.member_count = Some(count);
                self.auto_update_tick(cx, &channel_id);
            }
            ChannelEvent::AttributesUpdated(all) => self.attributes_changed(cx, &channel_id, all),
            ChannelEvent::MessageReceived { user_id, message } => {
                cx.emit(channel_message(channel_id, user_id, message.text()))
            }
        }
    }

    /// C9: RTM's full snapshot → one legacy callback per changed key; an empty set → "clear".
    fn attributes_changed(&mut self, cx: &mut Cx, channel_id: &str, all: Vec<ChannelAttribute>) {
        let Some(joined) = self.joined.get_mut(channel_id) else {
            return;
        };
        let next: BTreeMap<String, String> = all.into_iter().map(|a| (a.key, a.value)).collect();
        let previous = std::mem::replace(&mut joined.attributes, next.clone());
        for event in attribute_updates(channel_id, &previous, &next) {
            cx.emit(event);
        }
        self.builtins_changed(cx, channel_id);
    }

    /// C10: reads `_auto_update_num` after an attribute change.
    fn builtins_changed(&mut self, cx: &mut Cx, channel_id: &str) {
        let Some(joined) = self.joined.get_mut(channel_id) else {
            return;
        };
        let interval = joined
            .attributes
            .get(AUTO_UPDATE_NUM)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|n| *n > 0)
            .map(Duration::from_secs);
        joined.auto_update = match (interval, joined.auto_update.take()) {
            (Some(i), Some((_, last, pending))) => Some((i, last, pending)),
            (Some(i), None) => Some((i, None, false)),
            (None, _) => None,
        };
        self.auto_update_tick(cx, channel_id);
    }

    /// C10: reports `_member_num` now, or when the interval since the last report is over.
    fn auto_update_tick(&mut self, cx: &mut Cx, channel_id: &str) {
        let Some(joined) = self.joined.get_mut(channel_id) else {
            return;
        };
        let (Some((interval, last, pending)), Some(count)) =
            (joined.auto_update.as_mut(), joined.member_count)
        else {
            return;
        };
        if *pending || *last == Some(count) {
            return;
        }
        *last = Some(count);
        *pending = true;
        let interval = *interval;
        cx.emit(attribute_update(
            channel_id,
            MEMBER_NUM,
            &count.to_string(),
            "update",
        ));
        let id = channel_id.to_string();
        cx.then_in(
            Lane::Channel(id.clone()),
            tokio::time::sleep(interval),
            move |c: &mut Channels, cx, ()| {
                if let Some(j) = c.joined.get_mut(&id) {
                    if let Some((_, _, pending)) = j.auto_update.as_mut() {
                        *pending = false;
                    }
                }
                c.auto_update_tick(cx, &id);
            },
        );
    }

    /// C7: the member count, from getMembers when joined and small, else getChannelMemberCount.
    pub(super) fn query_user_num(&mut self, cx: &mut Cx, channel_id: &str) {
        let failed = |cx: &Cx| {
            cx.emit(LegacyEvent::ChannelQueryUserNumResult {
                channel_id: channel_id.to_string(),
                ecode: AgoraECode::QueryusernumEOther.code(),
                num: 0,
            })
        };
        let Some(client) = cx.logged_in_client("channel_query_user_num") else {
            return failed(cx);
        };
        if let Err((code, desc)) = check_id("channel id", channel_id) {
            // C11: 500 for the query, 1005 (too long) or 1004 on on_error.
            failed(cx);
            return cx.error("channel_query_user_num", code, desc);
        }
        let joined = self
            .joined
            .get(channel_id)
            .filter(|j| j.joining.is_none())
            .map(|j| (j.channel.clone(), j.member_count));
        let id = channel_id.to_string();
        let count = async move {
            if let Some((channel, known)) = joined {
                if known.is_none_or(|n| (n as usize) < EXACT_COUNT_LIMIT) {
                    if let Ok(members) = channel.get_members().await {
                        if members.len() < EXACT_COUNT_LIMIT {
                            return Ok(members.len() as u32);
                        }
                    }
                }
            }
            client
                .get_channel_member_count(&[id.as_str()])
                .await
                .map(|v| v.first().map_or(0, |c| c.count))
        };
        let id = channel_id.to_string();
        cx.then(Lane::Queries, count, move |cx, result| match result {
            Ok(num) => cx.emit(LegacyEvent::ChannelQueryUserNumResult {
                channel_id: id,
                ecode: 0,
                num: num as i32,
            }),
            Err(e) => {
                let t = translate(&e);
                cx.emit(LegacyEvent::ChannelQueryUserNumResult {
                    channel_id: id,
                    ecode: t.code.code(),
                    num: 0,
                });
                if let Some(general) = t.on_error {
                    cx.error("channel_query_user_num", general, t.desc);
                }
            }
        });
    }

    /// C8: whether `account` is in a channel: getMembers when joined, else a transient join.
    pub(super) fn query_user_is_in(&mut self, cx: &mut Cx, channel_id: &str, account: &str) {
        let Some(client) = cx.logged_in_client("channel_query_user_is_in") else {
            return;
        };
        let channel = match client.create_channel(channel_id) {
            Ok(c) => c,
            Err(e) => {
                return cx.error(
                    "channel_query_user_is_in",
                    id_error_code(&e),
                    e.detail().to_string(),
                )
            }
        };
        // C11: an account RTM refuses cannot be in any channel; say so instead of "0".
        if !cx.passes("channel_query_user_is_in", check_id("account", account)) {
            return;
        }
        let joined = self.membership(channel_id) == Membership::Joined;
        let who = account.to_string();
        let lookup = async move {
            if !joined {
                channel.join().await.map_err(|e| translate(&e).desc)?;
            }
            let members = members_of(&channel).await;
            if !joined {
                let _ = channel.leave().await;
            }
            members.map(|m| m.contains(&who))
        };
        let (id, account) = (channel_id.to_string(), account.to_string());
        cx.then(Lane::Queries, lookup, move |cx, result| match result {
            Ok(is_in) => cx.emit(LegacyEvent::ChannelQueryUserIsIn {
                channel_id: id,
                account,
                is_in: i32::from(is_in),
            }),
            Err(desc) => cx.error("channel_query_user_is_in", AgoraECode::GeneralEFailed, desc),
        });
    }
}

/// C3: the join sequence again, for a channel already joined.
fn replay_join(cx: &mut Cx, channel_id: &str, client: RtmClient, channel: RtmChannel) {
    let id = channel_id.to_string();
    let sequence = async move {
        Ok(JoinOutcome {
            members: members_of(&channel).await,
            attributes: client
                .get_channel_attributes(channel.id())
                .await
                .unwrap_or_default(),
        })
    };
    cx.then_in(
        Lane::Channel(id.clone()),
        sequence,
        move |c: &mut Channels, cx, result| c.join_done(cx, id, result),
    );
}

/// C11: checks the channel id and the attribute of an attribute call; reports what RTM would
/// refuse and returns false.
fn attribute_call_ok(
    cx: &Cx,
    op: &str,
    channel_id: &str,
    name: Option<(&str, Option<&str>)>,
) -> bool {
    let checked = check_id("channel id", channel_id)
        .and_then(|()| name.map_or(Ok(()), |(name, value)| check_attribute(name, value)));
    cx.passes(op, checked)
}

/// Runs a channel attribute write; a failure is reported through `on_error`.
fn attribute_write<F>(cx: &mut Cx, op: &'static str, channel_id: &str, write: F)
where
    F: std::future::Future<Output = Result<(), RtmError<crate::rtm::AttributeOperationErr>>>
        + Send
        + 'static,
{
    cx.then(
        Lane::Channel(channel_id.to_string()),
        write,
        move |cx, result| {
            if let Err(e) = result {
                let t = translate(&e);
                cx.error(op, t.on_error.unwrap_or(t.code), t.desc);
            }
        },
    );
}

/// Channel attribute changes are always announced to the members (C9).
fn notify() -> ChannelAttributeOptions {
    ChannelAttributeOptions {
        enable_notification_to_channel_members: true,
    }
}

/// C9: `channel_set_attr` → addOrUpdateChannelAttributes with notification.
pub(super) fn set_attr(cx: &mut Cx, channel_id: &str, name: &str, value: &str) {
    let Some(client) = cx.logged_in_client("channel_set_attr") else {
        return;
    };
    if !attribute_call_ok(
        cx,
        "channel_set_attr",
        channel_id,
        Some((name, Some(value))),
    ) {
        return;
    }
    let write = client.add_or_update_channel_attributes(
        channel_id,
        &[ChannelAttribute::new(name, value)],
        notify(),
    );
    attribute_write(cx, "channel_set_attr", channel_id, write);
}

/// C9: `channel_del_attr` → deleteChannelAttributesByKeys with notification.
pub(super) fn del_attr(cx: &mut Cx, channel_id: &str, name: &str) {
    let Some(client) = cx.logged_in_client("channel_del_attr") else {
        return;
    };
    if !attribute_call_ok(cx, "channel_del_attr", channel_id, Some((name, None))) {
        return;
    }
    let write = client.delete_channel_attributes_by_keys(channel_id, &[name], notify());
    attribute_write(cx, "channel_del_attr", channel_id, write);
}

/// C9: `channel_clear_attr` → clearChannelAttributes with notification.
pub(super) fn clear_attr(cx: &mut Cx, channel_id: &str) {
    let Some(client) = cx.logged_in_client("channel_clear_attr") else {
        return;
    };
    if !attribute_call_ok(cx, "channel_clear_attr", channel_id, None) {
        return;
    }
    let write = client.clear_channel_attributes(channel_id, notify());
    attribute_write(cx, "channel_clear_attr", channel_id, write);
}

/// Joins, then reads the members and the attributes (C1).
async fn join_sequence(
    join: impl std::future::Future<Output = Result<(), RtmError<crate::rtm::JoinChannelErr>>>,
    client: RtmClient,
    channel: RtmChannel,
) -> JoinResult {
    if let Err(e) = join.await {
        // ALREADY_JOINED counts as joined (C3).
        if !translate(&e).success {
            return Err(e);
        }
    }
    let members = members_of(&channel).await;
    let attributes = client
        .get_channel_attributes(channel.id())
        .await
        .unwrap_or_default();
    Ok(JoinOutcome {
        members,
        attributes,
    })
}

/// The members of a channel. RTM allows 5 getMembers in 2 s per client; the legacy join always
/// came with its user list (C1), so a refusal for calling too often waits and asks again.
async fn members_of(channel: &RtmChannel) -> Result<Vec<String>, String> {
    let mut waits = 0;
    loop {
        match channel.get_members().await {
            Ok(v) => return Ok(v.into_iter().map(|m| m.user_id).collect()),
            Err(e) if e.kind() == crate::rtm::GetMembersErr::TooOften && waits < 10 => {
                waits += 1;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => return Err(translate(&e).desc),
        }
    }
}
