//! Channels: the legacy join sequence, single-channel policy, leave, member callbacks, channel
//! attributes as legacy per-key updates, built-in attributes, member queries
//! (contract rules C1–C11).

use super::errors::{check_id, id_error_code, translate};
use super::{uid_of, Adapter, Lane};
use crate::rtm::attributes::{MAX_ATTRIBUTE_KEY_BYTES, MAX_ATTRIBUTE_VALUE_BYTES};
use crate::rtm::{
    ChannelAttribute, ChannelAttributeOptions, ChannelEvent, RtmChannel, RtmClient, RtmError,
};
use crate::signaling::{AgoraECode, LegacyEvent};
use std::collections::{BTreeMap, BTreeSet};
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

#[derive(Default)]
pub(crate) struct Channels {
    joined: BTreeMap<String, Joined>,
    /// Channels joined only for a moment (C6, C8); their events are not legacy events.
    pub transient: BTreeSet<String>,
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

impl Channels {
    /// True once the join sequence of `channel` completed.
    pub fn is_joined(&self, channel: &str) -> bool {
        self.joined
            .get(channel)
            .is_some_and(|j| j.joining.is_none())
    }

    /// Channels joined or joining.
    pub fn names(&self) -> Vec<String> {
        self.joined.keys().cloned().collect()
    }
}

/// What a join sequence learned.
struct JoinOutcome {
    members: Result<Vec<String>, String>,
    attributes: Vec<ChannelAttribute>,
}

type JoinResult = Result<JoinOutcome, RtmError<crate::rtm::JoinChannelErr>>;

/// C9: the legacy `onChannelAttrUpdated` events between two snapshots of a channel's
/// attributes: one "update" per new or changed key, one "del" (with an empty value) per removed
/// key, or a single "clear" (empty name and value) when the last attributes went at once.
fn attribute_updates(
    channel_id: &str,
    previous: &BTreeMap<String, String>,
    next: &BTreeMap<String, String>,
) -> Vec<LegacyEvent> {
    let event = |name: &str, value: &str, kind: &str| LegacyEvent::ChannelAttrUpdated {
        channel_id: channel_id.to_string(),
        name: name.to_string(),
        value: value.to_string(),
        kind: kind.to_string(),
    };
    if next.is_empty() && !previous.is_empty() {
        return vec![event("", "", "clear")];
    }
    let updated = next
        .iter()
        .filter(|(k, v)| previous.get(*k) != Some(*v))
        .map(|(k, v)| event(k, v, "update"));
    let deleted = previous
        .keys()
        .filter(|k| !next.contains_key(*k))
        .map(|k| event(k, "", "del"));
    updated.chain(deleted).collect()
}

impl Adapter {
    /// The RTM client while a session is open.
    fn channel_client(&self) -> Option<RtmClient> {
        self.client()
            .filter(|_| self.shared.status() != crate::signaling::LoginState::NotLogin)
    }

    fn not_logged_in(&self, op: &str) {
        self.error(
            op,
            AgoraECode::GeneralENotLogin,
            format!("{op} needs a login first"),
        );
    }

    /// The RTM client while a session is open; otherwise reports 1003 and gives `None`.
    fn logged_in_client(&self, op: &str) -> Option<RtmClient> {
        let client = self.channel_client();
        if client.is_none() {
            self.not_logged_in(op);
        }
        client
    }

    pub(super) fn channel_join(&mut self, channel_id: &str) {
        let fail = |a: &Adapter, general: AgoraECode, desc: String| {
            a.emit(LegacyEvent::ChannelJoinFailed {
                channel_id: channel_id.to_string(),
                ecode: AgoraECode::JoinchannelEOther.code(),
            });
            a.error("channel_join", general, desc);
        };
        let Some(client) = self.channel_client() else {
            // The failure callback first, then on_error, as for every other failure.
            self.emit(LegacyEvent::ChannelJoinFailed {
                channel_id: channel_id.to_string(),
                ecode: AgoraECode::JoinchannelEOther.code(),
            });
            return self.not_logged_in("channel_join");
        };
        let channel = match client.create_channel(channel_id) {
            Ok(c) => c,
            Err(e) => return fail(self, id_error_code(&e), e.detail().to_string()),
        };
        if self.channels.joined.contains_key(channel_id) {
            // C3: joining a joined channel replays the join sequence without leaving.
            return self.replay_join(channel_id, client, channel);
        }
        if !self.config.multi_channel {
            // C2: one channel at a time; joining another leaves the current one first.
            for old in self.channels.names() {
                self.leave_now(&old);
            }
        }
        let join = channel.join();
        let sequence = join_sequence(join, client, channel.clone());
        self.channels.joined.insert(
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
        self.then(
            Lane::Channel(id.clone()),
            sequence,
            move |a: &mut Adapter, result| a.join_done(id, result),
        );
    }

    fn replay_join(&mut self, channel_id: &str, client: RtmClient, channel: RtmChannel) {
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
        self.then(
            Lane::Channel(id.clone()),
            sequence,
            move |a: &mut Adapter, result| a.join_done(id, result),
        );
    }

    fn join_done(&mut self, channel_id: String, result: JoinResult) {
        let outcome = match result {
            Ok(o) => o,
            Err(e) => {
                self.channels.joined.remove(&channel_id);
                let t = translate(&e);
                self.emit(LegacyEvent::ChannelJoinFailed {
                    channel_id,
                    ecode: t.code.code(),
                });
                self.error("channel_join", t.on_error.unwrap_or(t.code), t.desc);
                return;
            }
        };
        let Some(me) = self.session.account.clone() else {
            return;
        };
        // C1: joined, then the user list, then one update per existing attribute.
        self.emit(LegacyEvent::ChannelJoined {
            channel_id: channel_id.clone(),
        });
        let mut members = match outcome.members {
            Ok(m) => m,
            Err(desc) => {
                self.error(
                    "channel_join",
                    AgoraECode::GeneralEFailed,
                    format!("the member list of {channel_id} could not be read: {desc}"),
                );
                vec![me.clone()]
            }
        };
        if !members.contains(&me) {
            members.push(me.clone());
        }
        let recent = members.len().saturating_sub(USER_LIST_MAX);
        let members: Vec<String> = members.split_off(recent);
        let in_list: BTreeSet<String> = members.iter().cloned().collect();
        self.emit(LegacyEvent::ChannelUserList {
            uids: members.iter().map(|m| uid_of(m)).collect(),
            accounts: members,
        });
        let mut snapshot = BTreeMap::new();
        for attr in outcome.attributes {
            self.emit(LegacyEvent::ChannelAttrUpdated {
                channel_id: channel_id.clone(),
                name: attr.key.clone(),
                value: attr.value.clone(),
                kind: "update".into(),
            });
            snapshot.insert(attr.key, attr.value);
        }
        let buffered = match self.channels.joined.get_mut(&channel_id) {
            Some(j) => {
                j.attributes = snapshot;
                j.joining.take().unwrap_or_default()
            }
            None => return,
        };
        self.builtins_changed(&channel_id);
        for event in buffered {
            // Members already in the list were announced by it.
            let announced = matches!(&event, ChannelEvent::MemberJoined { user_id } if in_list.contains(user_id));
            if !announced {
                self.on_channel_event(channel_id.clone(), event);
            }
        }
    }

    /// Leaves a channel at once (C2, C4): `on_channel_leaved(ch, 602)` now, RTM leave behind.
    fn leave_now(&mut self, channel_id: &str) {
        if let Some(joined) = self.channels.joined.remove(channel_id) {
            let leave = joined.channel.leave();
            self.then(
                Lane::Channel(channel_id.to_string()),
                leave,
                |a: &mut Adapter, result| {
                    if let Err(e) = result {
                        a.log_warn(format!("leaving a channel: {}", translate(&e).desc));
                    }
                },
            );
        }
        self.emit(LegacyEvent::ChannelLeaved {
            channel_id: channel_id.to_string(),
            ecode: AgoraECode::LeavechannelEByuser.code(),
        });
    }

    pub(super) fn channel_leave(&mut self, channel_id: &str) {
        if self.logged_in_client("channel_leave").is_none() {
            return;
        }
        if let Err((code, desc)) = check_id("channel id", channel_id) {
            // C11: no channel has an id RTM refuses; say so instead of a silent 602.
            return self.error("channel_leave", code, desc);
        }
        if !self.channels.joined.contains_key(channel_id) {
            self.log_warn(format!("channel_leave: not in channel {channel_id:?}"));
        }
        self.leave_now(channel_id);
    }

    /// RTM channel events of joined channels become legacy callbacks.
    pub(super) fn on_channel_event(&mut self, channel_id: String, event: ChannelEvent) {
        let Some(joined) = self.channels.joined.get_mut(&channel_id) else {
            return;
        };
        if let Some(buffer) = joined.joining.as_mut() {
            buffer.push(event);
            return;
        }
        match event {
            ChannelEvent::MemberJoined { user_id } => {
                if joined.notifications_on() {
                    self.emit(LegacyEvent::ChannelUserJoined {
                        uid: uid_of(&user_id),
                        account: user_id,
                    });
                }
            }
            ChannelEvent::MemberLeft { user_id } => {
                if joined.notifications_on() {
                    self.emit(LegacyEvent::ChannelUserLeaved {
                        uid: uid_of(&user_id),
                        account: user_id,
                    });
                }
            }
            ChannelEvent::MemberCountUpdated(count) => {
                joined.member_count = Some(count);
                self.auto_update_tick(&channel_id);
            }
            ChannelEvent::AttributesUpdated(all) => self.attributes_changed(&channel_id, all),
            ChannelEvent::MessageReceived { user_id, message } => {
                self.emit(LegacyEvent::MessageChannelReceive {
                    channel_id,
                    uid: uid_of(&user_id),
                    account: user_id,
                    msg: message.text().to_string(),
                })
            }
        }
    }

    /// C9: RTM's full snapshot → one legacy callback per changed key; an empty set → "clear".
    fn attributes_changed(&mut self, channel_id: &str, all: Vec<ChannelAttribute>) {
        let Some(joined) = self.channels.joined.get_mut(channel_id) else {
            return;
        };
        let next: BTreeMap<String, String> = all.into_iter().map(|a| (a.key, a.value)).collect();
        let previous = std::mem::replace(&mut joined.attributes, next.clone());
        for event in attribute_updates(channel_id, &previous, &next) {
            self.emit(event);
        }
        self.builtins_changed(channel_id);
    }

    /// C10: reads `_auto_update_num` after an attribute change.
    fn builtins_changed(&mut self, channel_id: &str) {
        let Some(joined) = self.channels.joined.get_mut(channel_id) else {
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
        self.auto_update_tick(channel_id);
    }

    /// C10: reports `_member_num` now, or when the interval since the last report is over.
    fn auto_update_tick(&mut self, channel_id: &str) {
        let Some(joined) = self.channels.joined.get_mut(channel_id) else {
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
        self.emit(LegacyEvent::ChannelAttrUpdated {
            channel_id: channel_id.to_string(),
            name: MEMBER_NUM.into(),
            value: count.to_string(),
            kind: "update".into(),
        });
        let id = channel_id.to_string();
        self.then(
            Lane::Channel(id.clone()),
            tokio::time::sleep(interval),
            move |a: &mut Adapter, ()| {
                if let Some(j) = a.channels.joined.get_mut(&id) {
                    if let Some((_, _, pending)) = j.auto_update.as_mut() {
                        *pending = false;
                    }
                }
                a.auto_update_tick(&id);
            },
        );
    }

    /// C11: checks a channel or user attribute name and value; reports and returns false when
    /// RTM refuses them.
    pub(super) fn check_attribute(&self, op: &str, name: &str, value: Option<&str>) -> bool {
        let problem = if name.is_empty() {
            Some((
                AgoraECode::GeneralEWrongParam,
                "the attribute name is empty".to_string(),
            ))
        } else if name.len() > MAX_ATTRIBUTE_KEY_BYTES {
            Some((
                AgoraECode::GeneralELargeParam,
                format!(
                    "attribute name {name:?} is {} bytes; RTM keys hold at most {MAX_ATTRIBUTE_KEY_BYTES}",
                    name.len()
                ),
            ))
        } else {
            match value {
                Some(v) if v.len() > MAX_ATTRIBUTE_VALUE_BYTES => Some((
                    AgoraECode::GeneralELargeParam,
                    format!(
                        "attribute value is {} bytes; RTM values hold at most {MAX_ATTRIBUTE_VALUE_BYTES}",
                        v.len()
                    ),
                )),
                _ => None,
            }
        };
        match problem {
            Some((code, desc)) => {
                self.error(op, code, desc);
                false
            }
            None => true,
        }
    }

    /// C11: checks the channel id of an attribute call; reports and returns false when RTM
    /// refuses it (1005 when too long, else 1004).
    fn check_channel_id(&self, op: &str, channel_id: &str) -> bool {
        match check_id("channel id", channel_id) {
            Ok(()) => true,
            Err((code, desc)) => {
                self.error(op, code, desc);
                false
            }
        }
    }

    fn attribute_write<F>(&mut self, op: &'static str, channel_id: &str, write: F)
    where
        F: std::future::Future<Output = Result<(), RtmError<crate::rtm::AttributeOperationErr>>>
            + Send
            + 'static,
    {
        self.then(
            Lane::Channel(channel_id.to_string()),
            write,
            move |a: &mut Adapter, result| {
                if let Err(e) = result {
                    let t = translate(&e);
                    a.error(op, t.on_error.unwrap_or(t.code), t.desc);
                }
            },
        );
    }

    fn notify() -> ChannelAttributeOptions {
        ChannelAttributeOptions {
            enable_notification_to_channel_members: true,
        }
    }

    /// C9: `channel_set_attr` → addOrUpdateChannelAttributes with notification.
    pub(super) fn channel_set_attr(&mut self, channel_id: &str, name: &str, value: &str) {
        let Some(client) = self.logged_in_client("channel_set_attr") else {
            return;
        };
        if !self.check_channel_id("channel_set_attr", channel_id)
            || !self.check_attribute("channel_set_attr", name, Some(value))
        {
            return;
        }
        let write = client.add_or_update_channel_attributes(
            channel_id,
            &[ChannelAttribute::new(name, value)],
            Self::notify(),
        );
        self.attribute_write("channel_set_attr", channel_id, write);
    }

    /// C9: `channel_del_attr` → deleteChannelAttributesByKeys with notification.
    pub(super) fn channel_del_attr(&mut self, channel_id: &str, name: &str) {
        let Some(client) = self.logged_in_client("channel_del_attr") else {
            return;
        };
        if !self.check_channel_id("channel_del_attr", channel_id)
            || !self.check_attribute("channel_del_attr", name, None)
        {
            return;
        }
        let write = client.delete_channel_attributes_by_keys(channel_id, &[name], Self::notify());
        self.attribute_write("channel_del_attr", channel_id, write);
    }

    /// C9: `channel_clear_attr` → clearChannelAttributes with notification.
    pub(super) fn channel_clear_attr(&mut self, channel_id: &str) {
        let Some(client) = self.logged_in_client("channel_clear_attr") else {
            return;
        };
        if !self.check_channel_id("channel_clear_attr", channel_id) {
            return;
        }
        let write = client.clear_channel_attributes(channel_id, Self::notify());
        self.attribute_write("channel_clear_attr", channel_id, write);
    }

    /// C7: the member count, from getMembers when joined and small, else getChannelMemberCount.
    pub(super) fn channel_query_user_num(&mut self, channel_id: &str) {
        let Some(client) = self.logged_in_client("channel_query_user_num") else {
            return self.emit(LegacyEvent::ChannelQueryUserNumResult {
                channel_id: channel_id.to_string(),
                ecode: AgoraECode::QueryusernumEOther.code(),
                num: 0,
            });
        };
        if let Err((code, desc)) = check_id("channel id", channel_id) {
            // C11: 500 for the query, 1005 (too long) or 1004 on on_error.
            self.emit(LegacyEvent::ChannelQueryUserNumResult {
                channel_id: channel_id.to_string(),
                ecode: AgoraECode::QueryusernumEOther.code(),
                num: 0,
            });
            return self.error("channel_query_user_num", code, desc);
        }
        let joined = self
            .channels
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
        self.then(
            Lane::Queries,
            count,
            move |a: &mut Adapter, result| match result {
                Ok(num) => a.emit(LegacyEvent::ChannelQueryUserNumResult {
                    channel_id: id,
                    ecode: 0,
                    num: num as i32,
                }),
                Err(e) => {
                    let t = translate(&e);
                    a.emit(LegacyEvent::ChannelQueryUserNumResult {
                        channel_id: id,
                        ecode: t.code.code(),
                        num: 0,
                    });
                    if let Some(general) = t.on_error {
                        a.error("channel_query_user_num", general, t.desc);
                    }
                }
            },
        );
    }

    /// C8: whether `account` is in a channel: getMembers when joined, else a transient join.
    pub(super) fn channel_query_user_is_in(&mut self, channel_id: &str, account: &str) {
        let Some(client) = self.logged_in_client("channel_query_user_is_in") else {
            return;
        };
        let channel = match client.create_channel(channel_id) {
            Ok(c) => c,
            Err(e) => {
                return self.error(
                    "channel_query_user_is_in",
                    id_error_code(&e),
                    e.detail().to_string(),
                )
            }
        };
        if let Err((code, desc)) = check_id("account", account) {
            // C11: an account RTM refuses cannot be in any channel; say so instead of "0".
            return self.error("channel_query_user_is_in", code, desc);
        }
        let joined = self.channels.is_joined(channel_id);
        if !joined {
            self.channels.transient.insert(channel_id.to_string());
        }
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
        self.then(Lane::Queries, lookup, move |a: &mut Adapter, result| {
            if !joined {
                a.channels.transient.remove(&id);
            }
            match result {
                Ok(is_in) => a.emit(LegacyEvent::ChannelQueryUserIsIn {
                    channel_id: id,
                    account,
                    is_in: i32::from(is_in),
                }),
                Err(desc) => a.error("channel_query_user_is_in", AgoraECode::GeneralEFailed, desc),
            }
        });
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn texts(events: Vec<LegacyEvent>) -> Vec<String> {
        events.iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn attribute_snapshots_become_updates_then_deletions() {
        let previous = map(&[("a", "1"), ("b", "2"), ("c", "3")]);
        let next = map(&[("a", "1"), ("b", "20"), ("d", "4")]);
        assert_eq!(
            texts(attribute_updates("ch", &previous, &next)),
            [
                r#"onChannelAttrUpdated("ch", "b", "20", "update")"#,
                r#"onChannelAttrUpdated("ch", "d", "4", "update")"#,
                r#"onChannelAttrUpdated("ch", "c", "", "del")"#,
            ]
        );
    }

    #[test]
    fn emptying_the_attributes_is_one_clear_and_nothing_changed_is_silent() {
        let previous = map(&[("a", "1"), ("b", "2")]);
        assert_eq!(
            texts(attribute_updates("ch", &previous, &map(&[]))),
            [r#"onChannelAttrUpdated("ch", "", "", "clear")"#]
        );
        assert!(attribute_updates("ch", &previous, &previous).is_empty());
        assert!(attribute_updates("ch", &map(&[]), &map(&[])).is_empty());
    }
}
