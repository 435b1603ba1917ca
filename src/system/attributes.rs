//! User attributes (held per session) and channel attributes (held per channel, notified to
//! members on request, wiped a while after the channel empties).

use super::state::State;
use super::timers::Timer;
use super::System;
use crate::proto::attributes::{
    MAX_ATTRIBUTE_COUNT, MAX_CHANNEL_ATTRIBUTES_TOTAL_BYTES, MAX_USER_ATTRIBUTES_TOTAL_BYTES,
};
use crate::proto::link::{AttributeOp, Event, Failure, Reply};
use crate::proto::{ChannelAttribute, FailureReason, RtmAttribute};

/// A stored attribute: anything with a key and a value.
trait Keyed: Clone {
    fn key(&self) -> &str;
    fn value(&self) -> &str;
}

impl Keyed for RtmAttribute {
    fn key(&self) -> &str {
        &self.key
    }
    fn value(&self) -> &str {
        &self.value
    }
}

impl Keyed for ChannelAttribute {
    fn key(&self) -> &str {
        &self.key
    }
    fn value(&self) -> &str {
        &self.value
    }
}

/// Applies `op` to `current`, keeping insertion order; checks the totals after the change.
fn apply<A: Keyed>(current: &[A], op: AttributeOp<A>, max_total: usize) -> Result<Vec<A>, Failure> {
    let mut next: Vec<A> = match op {
        AttributeOp::Set(items) => {
            let mut v: Vec<A> = Vec::new();
            for a in items {
                upsert(&mut v, a);
            }
            v
        }
        AttributeOp::AddOrUpdate(items) => {
            let mut v = current.to_vec();
            for a in items {
                upsert(&mut v, a);
            }
            v
        }
        AttributeOp::DeleteKeys(keys) => current
            .iter()
            .filter(|a| !keys.iter().any(|k| k == a.key()))
            .cloned()
            .collect(),
        AttributeOp::Clear => Vec::new(),
    };
    if next.len() > MAX_ATTRIBUTE_COUNT {
        return Err(Failure::new(
            FailureReason::AttributesTooLarge,
            format!(
                "the result would hold {} attributes; RTM allows at most {MAX_ATTRIBUTE_COUNT}",
                next.len()
            ),
        ));
    }
    let total: usize = next.iter().map(|a| a.key().len() + a.value().len()).sum();
    if total > max_total {
        return Err(Failure::new(
            FailureReason::AttributesTooLarge,
            format!("the result would total {total} bytes; RTM allows at most {max_total}"),
        ));
    }
    next.shrink_to_fit();
    Ok(next)
}

fn upsert<A: Keyed>(v: &mut Vec<A>, a: A) {
    match v.iter_mut().find(|x| x.key() == a.key()) {
        Some(slot) => *slot = a,
        None => v.push(a),
    }
}

fn select<A: Keyed>(all: &[A], keys: Option<Vec<String>>) -> Vec<A> {
    match keys {
        None => all.to_vec(),
        Some(keys) => all
            .iter()
            .filter(|a| keys.iter().any(|k| k == a.key()))
            .cloned()
            .collect(),
    }
}

impl System {
    pub(super) fn user_attributes(
        &self,
        st: &mut State,
        app_id: &str,
        user: &str,
        op: AttributeOp<RtmAttribute>,
    ) -> Result<Reply, Failure> {
        if !st.app(app_id).users.contains_key(user) {
            return Err(Failure::new(FailureReason::SessionEnded, "session ended"));
        }
        let attributes = apply(
            st.records.user_attributes(app_id, user),
            op,
            MAX_USER_ATTRIBUTES_TOTAL_BYTES,
        )?;
        st.records
            .set_user_attributes(app_id, user, attributes.clone());
        // The client keeps the result, to upload it again after a reconnection.
        Ok(Reply::UserAttributes(attributes))
    }

    pub(super) fn get_user_attributes(
        &self,
        st: &mut State,
        app_id: &str,
        of: &str,
        keys: Option<Vec<String>>,
    ) -> Result<Reply, Failure> {
        match st.app(app_id).users.contains_key(of) {
            true => Ok(Reply::UserAttributes(select(
                st.records.user_attributes(app_id, of),
                keys,
            ))),
            false => Err(Failure::new(
                FailureReason::UserNotFound,
                format!("{of} is not online"),
            )),
        }
    }

    pub(super) fn channel_attributes(
        &self,
        st: &mut State,
        app_id: &str,
        user: &str,
        channel_id: String,
        op: AttributeOp<ChannelAttribute>,
        notify: bool,
    ) -> Result<Reply, Failure> {
        let now_ms = self.inner.ms_at(st.now());
        // Every written attribute records its writer and the time.
        let stamp = |mut a: ChannelAttribute| {
            a.last_update_user_id = user.to_string();
            a.last_update_ts = now_ms;
            a
        };
        let op = match op {
            AttributeOp::Set(v) => AttributeOp::Set(v.into_iter().map(stamp).collect()),
            AttributeOp::AddOrUpdate(v) => {
                AttributeOp::AddOrUpdate(v.into_iter().map(stamp).collect())
            }
            other => other,
        };
        let attributes = apply(
            st.records.channel_attributes(app_id, &channel_id),
            op,
            MAX_CHANNEL_ATTRIBUTES_TOTAL_BYTES,
        )?;
        st.records
            .set_channel_attributes(app_id, &channel_id, attributes.clone());
        let channel = st
            .app(app_id)
            .channels
            .entry(channel_id.clone())
            .or_default();
        let empty = channel.is_empty();
        if notify {
            let members = channel.member_names();
            for m in members {
                st.send_to_user(
                    app_id,
                    &m,
                    Event::ChannelAttributes {
                        channel: channel_id.clone(),
                        attributes: attributes.clone(),
                    },
                );
            }
        }
        if empty {
            self.schedule_attribute_wipe(st, app_id, &channel_id);
        }
        Ok(Reply::Done)
    }

    pub(super) fn get_channel_attributes(
        &self,
        st: &mut State,
        app_id: &str,
        channel_id: &str,
        keys: Option<Vec<String>>,
    ) -> Reply {
        Reply::ChannelAttributes(select(
            st.records.channel_attributes(app_id, channel_id),
            keys,
        ))
    }

    /// Wipes the attributes of an empty channel once it has stayed empty for the configured time.
    pub(super) fn schedule_attribute_wipe(&self, st: &mut State, app_id: &str, channel_id: &str) {
        let no_attributes = st.records.channel_attributes(app_id, channel_id).is_empty();
        let app = st.app(app_id);
        let generation = app.generation();
        let Some(channel) = app.channels.get_mut(channel_id) else {
            return;
        };
        if no_attributes {
            // Nothing to keep: forget the channel entirely.
            if channel.is_empty() {
                app.channels.remove(channel_id);
            }
            return;
        }
        channel.wipe_generation = Some(generation);
        let wipe = Timer::AttributeWipe {
            app: app_id.to_string(),
            channel: channel_id.to_string(),
            generation,
        };
        self.arm(st, self.inner.config.channel_attributes_wipe_after, wipe);
    }

    /// The wipe armed as `generation` is due: the channel goes if it stayed empty since.
    pub(super) fn attribute_wipe_due(
        &self,
        st: &mut State,
        app_id: &str,
        channel_id: &str,
        generation: u64,
    ) {
        let empty_elsewhere = st.records.members_elsewhere(app_id, channel_id).is_empty();
        let Some(app) = st.apps.get_mut(app_id) else {
            return;
        };
        let due = empty_elsewhere
            && app
                .channels
                .get(channel_id)
                .is_some_and(|c| c.is_empty() && c.wipe_generation == Some(generation));
        if due {
            app.channels.remove(channel_id);
            st.records
                .set_channel_attributes(app_id, channel_id, Vec::new());
        }
    }
}
