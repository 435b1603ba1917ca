//! Channels: membership with member events, throttled member counts, channel messages.

use super::route::ChannelHot;
use super::state::{RecentMessage, State};
use super::timers::Timer;
use super::{ConnId, System};
use crate::proto::limits::MAX_JOINED_CHANNELS;
use crate::proto::link::{ChannelSeq, Down, Event, Failure, Reply};
use crate::proto::{FailureReason, RtmMessage};
use tokio::time::Instant;

impl System {
    pub(super) fn join(
        &self,
        st: &mut State,
        app_id: &str,
        user: &str,
        channel_id: String,
        after: &mut Vec<(ConnId, Event)>,
    ) -> Result<Reply, Failure> {
        let app = st.app(app_id);
        let Some(me) = app.users.get_mut(user) else {
            return Err(Failure {
                reason: FailureReason::SessionEnded,
                detail: "session ended".into(),
            });
        };
        // Checked here too, so that joins issued at once cannot get past the client's checks.
        if me.channels.contains(&channel_id) {
            return Err(Failure::new(
                FailureReason::AlreadyJoined,
                format!("{user} is already in channel {channel_id}"),
            ));
        }
        if me.channels.len() >= MAX_JOINED_CHANNELS {
            return Err(Failure::new(
                FailureReason::TooManyChannels,
                format!("{user} is already in {MAX_JOINED_CHANNELS} channels, RTM's limit"),
            ));
        }
        me.channels.insert(channel_id.clone());
        let route = me.route.clone();
        let name = me.name.clone();
        let conn = me.conn();
        let limit = self.inner.config.member_event_limit;
        let State {
            apps,
            shared,
            reopen,
            ..
        } = &mut *st;
        // Channel messages the fast path sends the joiner from now on wait until its answer is
        // out (closed before it becomes a member, so none can slip in first).
        route.lock().close_for_now(reopen, &route);
        let app = apps
            .get_mut(app_id)
            .expect("a logged-in session always belongs to a registered app");
        let channel = app.channels.entry(channel_id.clone()).or_default();
        let (added, last_message, count, others) = {
            let mut hot = channel.hot.lock();
            // Read under the channel's lock: every later message of the channel reaches the
            // joiner, every earlier one has a number up to this.
            let last_message = shared.last_channel_message();
            let added = hot.add(name, route);
            let count = hot.len();
            let others: Vec<String> = if !added || count > limit {
                Vec::new()
            } else {
                hot.members()
                    .filter(|m| &*m.user != user)
                    .map(|m| m.user.to_string())
                    .collect()
            };
            (added, last_message, count, others)
        };
        let joined = Reply::Joined { last_message };
        if !added {
            return Ok(joined);
        }
        if count == 1 {
            shared.channels.insert(
                &app_id.into(),
                &channel_id.as_str().into(),
                channel.hot.clone(),
            );
        }
        channel.wipe_generation = None;
        st.records.member_changed(app_id, &channel_id, user, true);
        for other in others {
            st.send_to_user(
                app_id,
                &other,
                Event::MemberJoined {
                    channel: channel_id.clone(),
                    user: user.to_string(),
                },
            );
        }
        // The joiner learns the count right after its join succeeds; the others, throttled.
        after.push((
            conn,
            Event::MemberCount {
                channel: channel_id.clone(),
                count: count as u32,
            },
        ));
        self.member_count_changed(st, app_id, &channel_id);
        Ok(joined)
    }

    pub(super) fn leave(
        &self,
        st: &mut State,
        app_id: &str,
        user: &str,
        channel_id: &str,
    ) -> Result<Reply, Failure> {
        let app = st.app(app_id);
        let joined = app
            .users
            .get_mut(user)
            .is_some_and(|me| me.channels.remove(channel_id));
        if !joined {
            return Err(Failure::new(
                FailureReason::NotInChannel,
                format!("{user} is not in channel {channel_id}"),
            ));
        }
        self.remove_member(st, app_id, user, channel_id);
        Ok(Reply::Done)
    }

    /// Takes `user` out of a channel and tells the other members.
    pub(super) fn remove_member(&self, st: &mut State, app_id: &str, user: &str, channel_id: &str) {
        let limit = self.inner.config.member_event_limit;
        let State { apps, shared, .. } = &mut *st;
        let Some(channel) = apps
            .get_mut(app_id)
            .and_then(|a| a.channels.get_mut(channel_id))
        else {
            return;
        };
        let (others, empty) = {
            let mut hot = channel.hot.lock();
            let before = hot.len();
            if !hot.remove(user) {
                return;
            }
            let others: Vec<String> = if before > limit {
                Vec::new()
            } else {
                hot.members().map(|m| m.user.to_string()).collect()
            };
            (others, hot.len() == 0)
        };
        if empty {
            shared.channels.remove(app_id, channel_id, &channel.hot);
        }
        st.records.member_changed(app_id, channel_id, user, false);
        for other in others {
            st.send_to_user(
                app_id,
                &other,
                Event::MemberLeft {
                    channel: channel_id.to_string(),
                    user: user.to_string(),
                },
            );
        }
        // Attributes go only with the channel's last member, wherever it is.
        let empty = empty && st.records.members_elsewhere(app_id, channel_id).is_empty();
        if empty {
            self.schedule_attribute_wipe(st, app_id, channel_id);
        } else {
            self.member_count_changed(st, app_id, channel_id);
        }
    }

    /// Sends the new member count to members at most once per interval (1 s at ≤ 512 members,
    /// 3 s above).
    pub(super) fn member_count_changed(&self, st: &mut State, app_id: &str, channel_id: &str) {
        let config = &self.inner.config;
        let now = st.now();
        let app = st.app(app_id);
        let generation = app.generation();
        let Some(channel) = app.channels.get_mut(channel_id) else {
            return;
        };
        if channel.count_update_pending {
            return;
        }
        let interval = if channel.len() > config.member_event_limit {
            config.member_count_interval_large
        } else {
            config.member_count_interval
        };
        let wait = match channel.last_count_sent {
            Some((_, at)) => interval.saturating_sub(now.saturating_duration_since(at)),
            None => std::time::Duration::ZERO,
        };
        if wait.is_zero() {
            self.send_member_count(st, app_id, channel_id);
            return;
        }
        channel.count_update_pending = true;
        channel.count_timer = generation;
        let update = Timer::MemberCount {
            app: app_id.to_string(),
            channel: channel_id.to_string(),
            generation,
        };
        self.arm(st, wait, update);
    }

    /// The throttled member-count update armed as `generation` is due.
    pub(super) fn member_count_due(
        &self,
        st: &mut State,
        app_id: &str,
        channel_id: &str,
        generation: u64,
    ) {
        if let Some(c) = st
            .apps
            .get_mut(app_id)
            .and_then(|a| a.channels.get_mut(channel_id))
            .filter(|c| c.count_update_pending && c.count_timer == generation)
        {
            c.count_update_pending = false;
            self.send_member_count(st, app_id, channel_id);
        }
    }

    fn send_member_count(&self, st: &mut State, app_id: &str, channel_id: &str) {
        let now = st.now();
        let Some(channel) = st.app(app_id).channels.get_mut(channel_id) else {
            return;
        };
        let count = channel.len() as u32;
        if channel.last_count_sent.is_some_and(|(c, _)| c == count) || count == 0 {
            return;
        }
        channel.last_count_sent = Some((count, now));
        let members = channel.member_names();
        for m in members {
            st.send_to_user(
                app_id,
                &m,
                Event::MemberCount {
                    channel: channel_id.to_string(),
                    count,
                },
            );
        }
    }

    pub(super) fn member_counts(
        &self,
        st: &mut State,
        app_id: &str,
        channels: Vec<String>,
    ) -> Reply {
        let (apps, records) = (&st.apps, &st.records);
        let app = apps.get(app_id);
        Reply::Counts(
            channels
                .into_iter()
                .map(|c| {
                    let here = app
                        .and_then(|a| a.channels.get(&c))
                        .map_or(0, |ch| ch.len());
                    let elsewhere = records.members_elsewhere(app_id, &c).len();
                    (c, (here + elsewhere) as u32)
                })
                .collect(),
        )
    }

    pub(super) fn send_channel(
        &self,
        st: &mut State,
        app_id: &str,
        from: &str,
        channel_id: &str,
        message: RtmMessage,
    ) -> Result<Reply, Failure> {
        // Membership only changes under the state lock, which this holds.
        let Some(cell) = st
            .apps
            .get(app_id)
            .and_then(|a| a.channels.get(channel_id))
            .filter(|c| c.contains(from))
            .map(|c| c.hot.clone())
        else {
            return Err(Failure::new(
                FailureReason::NotInChannel,
                format!("{from} is not in channel {channel_id}; join it before sending"),
            ));
        };
        let now = st.now();
        self.fan_out(&mut cell.lock(), now, from, channel_id, message);
        Ok(Reply::Done)
    }

    /// Numbers a channel message, keeps it for members that come back from a link loss, and
    /// sends it to every other member: all under the channel's lock (`hot`), so every member
    /// gets the channel's messages in the order of their numbers. `now` is when it was sent.
    pub(super) fn fan_out(
        &self,
        hot: &mut ChannelHot,
        now: Instant,
        from: &str,
        channel_id: &str,
        message: RtmMessage,
    ) {
        let seq = self.inner.shared.next_channel_message();
        let message = message.stamped(self.inner.ms_at(now), false);
        hot.remember(
            RecentMessage {
                seq,
                from: from.to_string(),
                message: message.clone(),
                at: now,
            },
            self.inner.config.channel_redelivery_max,
            self.inner.config.channel_redelivery_window,
        );
        for member in hot.members().filter(|m| &*m.user != from) {
            // Held while the member's route is being set up (its join answer goes first),
            // dropped once its session ended.
            member
                .route
                .lock()
                .send_best_effort(Down::Event(Event::ChannelMessage {
                    channel: channel_id.to_string(),
                    from: from.to_string(),
                    message: message.clone(),
                    seq,
                }));
        }
    }

    /// After a reconnection: sends `user` (on `conn`) the messages of each of its channels that
    /// it missed — newer than the last it saw there, not its own, sent within
    /// `channel_redelivery_window`, at most the `channel_redelivery_max` latest.
    pub(super) fn redeliver_channel_messages(
        &self,
        st: &mut State,
        app_id: &str,
        user: &str,
        conn: ConnId,
        channels: &[(String, ChannelSeq)],
    ) {
        let keep = self.inner.config.channel_redelivery_max;
        let window = self.inner.config.channel_redelivery_window;
        let now = st.now();
        let mut frames = Vec::new();
        let Some(app) = st.apps.get(app_id) else {
            return;
        };
        for (channel_id, seen) in channels {
            let Some(channel) = app.channels.get(channel_id) else {
                continue;
            };
            let hot = channel.hot.lock();
            if !hot.contains(user) {
                continue;
            }
            let missed: Vec<&RecentMessage> = hot
                .history
                .iter()
                .filter(|m| m.seq > *seen && m.from != user && now.duration_since(m.at) <= window)
                .collect();
            let skip = missed.len().saturating_sub(keep);
            for m in missed.into_iter().skip(skip) {
                frames.push(Down::Event(Event::ChannelMessage {
                    channel: channel_id.clone(),
                    from: m.from.clone(),
                    message: m.message.clone(),
                    seq: m.seq,
                }));
            }
        }
        for frame in frames {
            st.send(conn, frame);
        }
    }

    pub(super) fn get_members(
        &self,
        st: &mut State,
        app_id: &str,
        user: &str,
        channel_id: &str,
    ) -> Result<Reply, Failure> {
        let cap = self.inner.config.get_members_cap;
        let elsewhere = st.records.members_elsewhere(app_id, channel_id);
        let app = st.app(app_id);
        let Some(channel) = app.channels.get(channel_id).filter(|c| c.contains(user)) else {
            return Err(Failure::new(
                FailureReason::NotInChannel,
                format!("{user} is not in channel {channel_id}"),
            ));
        };
        // Above the cap, the most recently joined members are returned, oldest first. (Members
        // on other nodes count as joined before this node's: their join times are theirs.)
        let mut members: Vec<String> = channel
            .hot
            .lock()
            .members()
            .rev()
            .map(|m| m.user.to_string())
            .chain(elsewhere.into_iter().rev())
            .take(cap)
            .collect();
        members.reverse();
        Ok(Reply::Members(members))
    }
}
