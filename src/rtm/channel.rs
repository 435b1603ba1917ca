//! [`RtmChannel`]: join, leave, channel messages and member lists (RTM `IChannel`).

use super::attributes::ChannelMember;
use super::client::{ClientInner, Effect, OpFuture, ReplyFuture};
use super::enums::ConnectionState;
use super::error::*;
use super::limits::{Budget, MAX_JOINED_CHANNELS};
use super::message::RtmMessage;
use super::message::SendMessageOptions;
use crate::proto::link::{Reply, Request};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// State shared by every handle of one channel object.
pub(crate) struct ChannelShared {
    id: String,
    released: AtomicBool,
}

impl ChannelShared {
    pub(crate) fn new(id: &str) -> Self {
        ChannelShared {
            id: id.to_string(),
            released: AtomicBool::new(false),
        }
    }
}

/// A channel of an [`crate::rtm::RtmClient`] (RTM `IChannel`), made by
/// [`crate::rtm::RtmClient::create_channel`]. Its events arrive on the client's event streams as
/// [`crate::rtm::RtmEvent::Channel`].
#[derive(Clone)]
pub struct RtmChannel {
    client: Arc<ClientInner>,
    shared: Arc<ChannelShared>,
}

impl RtmChannel {
    pub(crate) fn new(client: Arc<ClientInner>, shared: Arc<ChannelShared>) -> Self {
        RtmChannel { client, shared }
    }

    /// The channel id.
    #[doc(alias = "getId")]
    pub fn id(&self) -> &str {
        &self.shared.id
    }

    /// True while the client is in this channel.
    pub fn is_joined(&self) -> bool {
        self.client.core.lock().joined.contains(&self.shared.id)
    }

    fn check<C: OpCode>(&self) -> Result<(), RtmError<C>> {
        if self.shared.released.load(Ordering::Acquire) {
            return Err(RtmError::new(
                C::NOT_INITIALIZED,
                "the channel was released",
            ));
        }
        self.client.require_session::<C>()
    }

    fn require_joined<C: RtmCode>(&self, code: C) -> Result<(), RtmError<C>> {
        if self.is_joined() {
            Ok(())
        } else {
            Err(RtmError::new(
                code,
                format!("not in channel {}; join it first", self.shared.id),
            ))
        }
    }

    /// Joins the channel (`onJoinSuccess` / `onJoinFailure`). Other members get
    /// `MemberJoined`; this client then gets `MemberCountUpdated`. At most 20 channels at once.
    pub fn join(&self) -> impl Future<Output = RtmResult<(), JoinChannelErr>> + Send + 'static {
        let started = self.start_join();
        async move { started?.await }
    }

    fn start_join(
        &self,
    ) -> RtmResult<impl Future<Output = RtmResult<(), JoinChannelErr>>, JoinChannelErr> {
        self.check::<JoinChannelErr>()?;
        let id = self.shared.id.clone();
        {
            let core = self.client.core.lock();
            if core.joined.contains(&id) {
                return Err(RtmError::new(
                    JoinChannelErr::AlreadyJoined,
                    format!("already in channel {id}"),
                ));
            }
            if core.joined.len() >= MAX_JOINED_CHANNELS {
                return Err(RtmError::new(
                    JoinChannelErr::ExceedLimit,
                    format!(
                        "already in {MAX_JOINED_CHANNELS} channels, RTM's limit; leave one first"
                    ),
                ));
            }
        }
        self.client
            .allow(Budget::Join, JoinChannelErr::TooOften, "join")?;
        if !self.client.allow_join_same(&id) {
            return Err(RtmError::new(
                JoinChannelErr::JoinSameChannelTooOften,
                format!("channel {id} joined more often than RTM allows"),
            ));
        }
        let joined = id.clone();
        let effect: Effect = Box::new(move |inner, result| {
            if let Ok(reply) = result {
                let mut core = inner.core.lock();
                core.last_member_count.remove(&joined);
                // Messages sent before the join are not this client's to receive, even when
                // missed messages are re-delivered after a reconnection.
                if let Reply::Joined { last_message } = reply {
                    core.channel_seen.insert(joined.clone(), *last_message);
                }
                core.joined.insert(joined);
            }
        });
        let reply = self.client.start_op(
            Request::Join { channel: id },
            self.client.config.timeouts.join,
            Some(effect),
        );
        Ok(async move { reply.await.map(|_| ()) })
    }

    /// Leaves the channel (`onLeave`). Other members get `MemberLeft`.
    pub fn leave(&self) -> impl Future<Output = RtmResult<(), LeaveChannelErr>> + Send + 'static {
        let started = self.start_leave();
        async move { started?.await }
    }

    fn start_leave(
        &self,
    ) -> RtmResult<impl Future<Output = RtmResult<(), LeaveChannelErr>>, LeaveChannelErr> {
        self.check::<LeaveChannelErr>()?;
        self.require_joined(LeaveChannelErr::NotInChannel)?;
        let id = self.shared.id.clone();
        let left = id.clone();
        let effect: Effect = Box::new(move |inner, result| {
            if result.is_ok() {
                let mut core = inner.core.lock();
                core.joined.remove(&left);
                core.last_member_count.remove(&left);
                core.channel_seen.remove(&left);
            }
        });
        let reply = self.client.start_op(
            Request::Leave { channel: id },
            self.client.config.timeouts.leave,
            Some(effect),
        );
        Ok(async move { reply.await.map(|_| ()) })
    }

    /// Sends a message to the other members. `Ok` means the server received it; the sender does
    /// not receive its own message. The offline flag is ignored for channel messages.
    ///
    /// The message is sent when this is called; the future waits for the outcome.
    #[doc(alias = "sendMessage")]
    pub fn send_message(
        &self,
        message: &RtmMessage,
        _options: SendMessageOptions,
    ) -> impl Future<Output = RtmResult<(), ChannelMessageErrCode>> + Send + 'static {
        OpFuture::new(self.start_send_message(message), |_| ())
    }

    fn start_send_message(
        &self,
        message: &RtmMessage,
    ) -> RtmResult<ReplyFuture, ChannelMessageErrCode> {
        self.check::<ChannelMessageErrCode>()?;
        message
            .check_size()
            .map_err(|e| RtmError::new(ChannelMessageErrCode::InvalidMessage, e))?;
        self.require_joined(ChannelMessageErrCode::Failure)?;
        self.client.allow(
            Budget::SendMessage,
            ChannelMessageErrCode::TooOften,
            "sendMessage",
        )?;
        let request = Request::SendChannel {
            channel: self.shared.id.clone(),
            message: message.clone(),
        };
        Ok(self
            .client
            .start(request, self.client.config.timeouts.channel_message, None))
    }

    /// The members (`onGetMembers`), oldest first. At most 512: above that, the 512 who joined
    /// most recently.
    #[doc(alias = "getMembers")]
    pub fn get_members(
        &self,
    ) -> impl Future<Output = RtmResult<Vec<ChannelMember>, GetMembersErr>> + Send + 'static {
        let started = self.start_get_members();
        async move { started?.await }
    }

    fn start_get_members(
        &self,
    ) -> RtmResult<impl Future<Output = RtmResult<Vec<ChannelMember>, GetMembersErr>>, GetMembersErr>
    {
        self.check::<GetMembersErr>()?;
        self.require_joined(GetMembersErr::NotInChannel)?;
        self.client
            .allow(Budget::GetMembers, GetMembersErr::TooOften, "getMembers")?;
        let channel_id = self.shared.id.clone();
        let reply = self.client.start_op(
            Request::GetMembers {
                channel: channel_id.clone(),
            },
            self.client.config.timeouts.get_members,
            None,
        );
        Ok(async move {
            match reply.await? {
                Reply::Members(v) => Ok(v
                    .into_iter()
                    .map(|user_id| ChannelMember {
                        user_id,
                        channel_id: channel_id.clone(),
                    })
                    .collect()),
                _ => Ok(Vec::new()),
            }
        })
    }

    /// Releases the channel object. A joined channel is left first (in the background).
    /// Later calls on this object fail with `NOT_INITIALIZED` (101).
    pub fn release(&self) {
        if self.shared.released.swap(true, Ordering::AcqRel) {
            return;
        }
        let joined = {
            let mut core = self.client.core.lock();
            core.channels.remove(&self.shared.id);
            matches!(
                core.state.0,
                ConnectionState::Connected | ConnectionState::Reconnecting
            ) && core.joined.contains(&self.shared.id)
        };
        if joined {
            let client = self.client.clone();
            let id = self.shared.id.clone();
            match tokio::runtime::Handle::try_current() {
                Ok(handle) => {
                    handle.spawn(async move {
                        let left = id.clone();
                        let effect: Effect = Box::new(move |inner, _| {
                            let mut core = inner.core.lock();
                            core.joined.remove(&left);
                            core.channel_seen.remove(&left);
                        });
                        let timeout = client.config.timeouts.leave;
                        let _ = client
                            .start(Request::Leave { channel: id }, timeout, Some(effect))
                            .await;
                    });
                }
                Err(_) => log::warn!(
                    "channel {id} released outside a tokio runtime: it stays joined until logout"
                ),
            }
        }
    }
}
