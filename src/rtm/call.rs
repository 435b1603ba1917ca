//! The call manager and invitations (RTM `IRtmCallManager`, `ILocalCallInvitation`,
//! `IRemoteCallInvitation`; spec/rtm-1x.md §1.5, §2.5).

use super::client::{CallError, ClientInner, Effect};
use super::enums::{ConnectionState, LocalInvitationState, RemoteInvitationState};
use super::error::*;
use super::events::{CallEvent, RtmEvent};
use super::ids;
use super::limits::MAX_INVITATION_TEXT_BYTES;
use crate::proto::link::{CallId, Event, InviteFailure, Notice, Request};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

static NEXT_CALL_ID: AtomicU64 = AtomicU64::new(1);

struct LocalData {
    call_id: CallId,
    owner: usize,
    callee_id: String,
    content: String,
    channel_id: String,
    response: String,
    state: LocalInvitationState,
}

/// An invitation this client sends (RTM `ILocalCallInvitation`). Clones share the invitation.
#[derive(Clone)]
pub struct LocalInvitation {
    data: Arc<Mutex<LocalData>>,
}

impl std::fmt::Debug for LocalInvitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = self.data.lock();
        f.debug_struct("LocalInvitation")
            .field("callee_id", &d.callee_id)
            .field("channel_id", &d.channel_id)
            .field("content", &d.content)
            .field("response", &d.response)
            .field("state", &d.state)
            .finish()
    }
}

impl LocalInvitation {
    /// The callee.
    #[doc(alias = "getCalleeId")]
    pub fn callee_id(&self) -> String {
        self.data.lock().callee_id.clone()
    }

    /// The content sent with the invitation.
    #[doc(alias = "getContent")]
    pub fn content(&self) -> String {
        self.data.lock().content.clone()
    }

    /// Sets the content (at most 8 KB; checked when sent). Ignored once sent.
    #[doc(alias = "setContent")]
    pub fn set_content(&self, content: impl Into<String>) {
        let mut d = self.data.lock();
        if d.state == LocalInvitationState::Idle {
            d.content = content.into();
        }
    }

    /// The channel id (for Signaling interop; RTM never joins it).
    #[doc(alias = "getChannelId")]
    pub fn channel_id(&self) -> String {
        self.data.lock().channel_id.clone()
    }

    /// Sets the channel id (checked when sent). Ignored once sent.
    #[doc(alias = "setChannelId")]
    pub fn set_channel_id(&self, channel_id: impl Into<String>) {
        let mut d = self.data.lock();
        if d.state == LocalInvitationState::Idle {
            d.channel_id = channel_id.into();
        }
    }

    /// The callee's response, once it accepted or refused.
    #[doc(alias = "getResponse")]
    pub fn response(&self) -> String {
        self.data.lock().response.clone()
    }

    /// The state.
    #[doc(alias = "getState")]
    pub fn state(&self) -> LocalInvitationState {
        self.data.lock().state
    }

    /// True when both handles are the same invitation.
    pub fn same_as(&self, other: &LocalInvitation) -> bool {
        Arc::ptr_eq(&self.data, &other.data)
    }
}

struct RemoteData {
    call_id: CallId,
    owner: usize,
    caller_id: String,
    content: String,
    channel_id: String,
    response: String,
    state: RemoteInvitationState,
}

/// An invitation this client received (RTM `IRemoteCallInvitation`). Clones share it.
#[derive(Clone)]
pub struct RemoteInvitation {
    data: Arc<Mutex<RemoteData>>,
}

impl std::fmt::Debug for RemoteInvitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = self.data.lock();
        f.debug_struct("RemoteInvitation")
            .field("caller_id", &d.caller_id)
            .field("channel_id", &d.channel_id)
            .field("content", &d.content)
            .field("response", &d.response)
            .field("state", &d.state)
            .finish()
    }
}

impl RemoteInvitation {
    /// The caller.
    #[doc(alias = "getCallerId")]
    pub fn caller_id(&self) -> String {
        self.data.lock().caller_id.clone()
    }

    /// The content the caller sent.
    #[doc(alias = "getContent")]
    pub fn content(&self) -> String {
        self.data.lock().content.clone()
    }

    /// The channel id the caller set.
    #[doc(alias = "getChannelId")]
    pub fn channel_id(&self) -> String {
        self.data.lock().channel_id.clone()
    }

    /// The response to send with accept or refuse.
    #[doc(alias = "getResponse")]
    pub fn response(&self) -> String {
        self.data.lock().response.clone()
    }

    /// Sets the response (at most 8 KB; checked on accept or refuse).
    #[doc(alias = "setResponse")]
    pub fn set_response(&self, response: impl Into<String>) {
        self.data.lock().response = response.into();
    }

    /// The state.
    #[doc(alias = "getState")]
    pub fn state(&self) -> RemoteInvitationState {
        self.data.lock().state
    }

    /// True when both handles are the same invitation.
    pub fn same_as(&self, other: &RemoteInvitation) -> bool {
        Arc::ptr_eq(&self.data, &other.data)
    }
}

/// The running invitations of one client.
#[derive(Default)]
pub(crate) struct Invitations {
    local: HashMap<CallId, LocalInvitation>,
    remote: HashMap<(String, CallId), RemoteInvitation>,
}

fn call(event: CallEvent) -> RtmEvent {
    RtmEvent::Call(event)
}

impl Invitations {
    /// Applies an invitation event from the system; returns the events to emit and a notice to
    /// send back.
    pub(crate) fn on_event(&mut self, event: Event) -> (Vec<RtmEvent>, Option<Notice>) {
        let mut out = Vec::new();
        let mut notice = None;
        match event {
            Event::InviteReceived {
                caller,
                call_id,
                content,
                channel_id,
            } => {
                let key = (caller.clone(), call_id);
                if let std::collections::hash_map::Entry::Vacant(slot) = self.remote.entry(key) {
                    let inv = RemoteInvitation {
                        data: Arc::new(Mutex::new(RemoteData {
                            call_id,
                            owner: 0,
                            caller_id: caller.clone(),
                            content,
                            channel_id,
                            response: String::new(),
                            state: RemoteInvitationState::InvitationReceived,
                        })),
                    };
                    slot.insert(inv.clone());
                    out.push(call(CallEvent::RemoteInvitationReceived(inv)));
                }
                notice = Some(Notice::InviteReceived { caller, call_id });
            }
            Event::InviteReceivedByPeer { call_id } => {
                if let Some(inv) = self.local.get(&call_id) {
                    let mut d = inv.data.lock();
                    if d.state == LocalInvitationState::SentToRemote {
                        d.state = LocalInvitationState::ReceivedByRemote;
                        drop(d);
                        out.push(call(CallEvent::LocalInvitationReceivedByPeer(inv.clone())));
                    }
                }
            }
            Event::InviteAccepted { call_id, response } => {
                if let Some(inv) = self.local.remove(&call_id) {
                    Self::received_first(&inv, &mut out);
                    let callee = {
                        let mut d = inv.data.lock();
                        d.state = LocalInvitationState::AcceptedByRemote;
                        d.response = response.clone();
                        d.callee_id.clone()
                    };
                    out.push(call(CallEvent::LocalInvitationAccepted {
                        invitation: inv,
                        response,
                    }));
                    notice = Some(Notice::AcceptSeen { callee, call_id });
                }
            }
            Event::InviteRefused { call_id, response } => {
                if let Some(inv) = self.local.remove(&call_id) {
                    Self::received_first(&inv, &mut out);
                    {
                        let mut d = inv.data.lock();
                        d.state = LocalInvitationState::RefusedByRemote;
                        d.response = response.clone();
                    }
                    out.push(call(CallEvent::LocalInvitationRefused {
                        invitation: inv,
                        response,
                    }));
                }
            }
            Event::InviteAcceptConfirmed { caller, call_id } => {
                if let Some(inv) = self.remote.remove(&(caller, call_id)) {
                    inv.data.lock().state = RemoteInvitationState::Accepted;
                    out.push(call(CallEvent::RemoteInvitationAccepted(inv)));
                }
            }
            Event::InviteCanceled { caller, call_id } => {
                if let Some(inv) = self.remote.remove(&(caller, call_id)) {
                    inv.data.lock().state = RemoteInvitationState::Canceled;
                    out.push(call(CallEvent::RemoteInvitationCanceled(inv)));
                }
            }
            Event::InviteFailed {
                peer,
                call_id,
                failure,
            } => match failure {
                InviteFailure::Local(code) => {
                    if let Some(inv) = self.local.remove(&call_id) {
                        inv.data.lock().state = LocalInvitationState::Failure;
                        out.push(call(CallEvent::LocalInvitationFailure {
                            invitation: inv,
                            code,
                        }));
                    }
                }
                InviteFailure::Remote(code) => {
                    if let Some(inv) = self.remote.remove(&(peer, call_id)) {
                        inv.data.lock().state = RemoteInvitationState::Failure;
                        out.push(call(CallEvent::RemoteInvitationFailure {
                            invitation: inv,
                            code,
                        }));
                    }
                }
            },
            other => log::debug!("RTM client: unexpected event {other:?}"),
        }
        (out, notice)
    }

    /// An answer that overtook the receipt still reports the receipt first.
    fn received_first(inv: &LocalInvitation, out: &mut Vec<RtmEvent>) {
        let mut d = inv.data.lock();
        if d.state == LocalInvitationState::SentToRemote {
            d.state = LocalInvitationState::ReceivedByRemote;
            drop(d);
            out.push(call(CallEvent::LocalInvitationReceivedByPeer(inv.clone())));
        }
    }

    /// The session ended: running local invitations fail with NOT_LOGGEDIN; received ones end
    /// in FAILURE without an event (RTM has no code for it).
    pub(crate) fn end_all(&mut self) -> Vec<RtmEvent> {
        for inv in self.remote.drain().map(|(_, v)| v) {
            inv.data.lock().state = RemoteInvitationState::Failure;
        }
        let mut local: Vec<LocalInvitation> = self.local.drain().map(|(_, v)| v).collect();
        local.sort_by_key(|i| i.data.lock().call_id);
        local
            .into_iter()
            .map(|invitation| {
                invitation.data.lock().state = LocalInvitationState::Failure;
                call(CallEvent::LocalInvitationFailure {
                    invitation,
                    code: LocalInvitationErrCode::NotLoggedin,
                })
            })
            .collect()
    }
}

/// Sends, cancels, accepts and refuses invitations (RTM `IRtmCallManager`).
///
/// Results of the calls are only about misuse (`INVITATION_API_CALL_ERR_CODE`); what happens to
/// an invitation arrives as [`CallEvent`]s on the client's event streams.
#[derive(Clone)]
pub struct RtmCallManager {
    client: Arc<ClientInner>,
}

fn api_err(
    code: InvitationApiCallErrCode,
    detail: impl Into<String>,
) -> RtmError<InvitationApiCallErrCode> {
    RtmError::new(code, detail)
}

fn check_text(what: &str, text: &str) -> Result<(), RtmError<InvitationApiCallErrCode>> {
    if text.len() > MAX_INVITATION_TEXT_BYTES {
        return Err(api_err(
            InvitationApiCallErrCode::InvalidArgument,
            format!(
                "invitation {what} is {} bytes; RTM allows at most {MAX_INVITATION_TEXT_BYTES}",
                text.len()
            ),
        ));
    }
    Ok(())
}

fn ended(state_name: &str) -> RtmError<InvitationApiCallErrCode> {
    api_err(
        InvitationApiCallErrCode::AlreadyEnd,
        format!("the invitation has already ended ({state_name})"),
    )
}

impl RtmCallManager {
    pub(crate) fn new(client: Arc<ClientInner>) -> Self {
        RtmCallManager { client }
    }

    fn owner(&self) -> usize {
        Arc::as_ptr(&self.client) as usize
    }

    /// Logged in; while RECONNECTING requests wait for the session to be back.
    fn logged_in(&self) -> bool {
        let core = self.client.core.lock();
        !core.released
            && matches!(
                core.state.0,
                ConnectionState::Connected | ConnectionState::Reconnecting
            )
    }

    /// A new invitation to `callee_id`, in state IDLE.
    #[doc(alias = "createLocalCallInvitation")]
    #[doc(alias = "createLocalInvitation")]
    pub fn create_local_invitation(&self, callee_id: &str) -> LocalInvitation {
        LocalInvitation {
            data: Arc::new(Mutex::new(LocalData {
                call_id: NEXT_CALL_ID.fetch_add(1, Ordering::Relaxed),
                owner: self.owner(),
                callee_id: callee_id.to_string(),
                content: String::new(),
                channel_id: String::new(),
                response: String::new(),
                state: LocalInvitationState::Idle,
            })),
        }
    }

    /// Sends an invitation. Then, as events: the callee's receipt, and its accept or refusal, or
    /// a failure (callee offline 30 s → PEER_OFFLINE, no receipt in 30 s → PEER_NO_RESPONSE,
    /// no answer in 60 s → INVITATION_EXPIRE, not logged in → NOT_LOGGEDIN).
    #[doc(alias = "sendLocalInvitation")]
    pub fn send_local_invitation(
        &self,
        invitation: &LocalInvitation,
    ) -> impl Future<Output = RtmResult<(), InvitationApiCallErrCode>> + Send + 'static {
        let started = self.start_send_local_invitation(invitation);
        async move { started?.await }
    }

    fn start_send_local_invitation(
        &self,
        invitation: &LocalInvitation,
    ) -> RtmResult<
        impl Future<Output = RtmResult<(), InvitationApiCallErrCode>>,
        InvitationApiCallErrCode,
    > {
        let (call_id, callee, content, channel_id) = {
            let d = invitation.data.lock();
            if d.owner != self.owner() {
                return Err(api_err(
                    InvitationApiCallErrCode::InvalidArgument,
                    "the invitation was created by another client",
                ));
            }
            match d.state {
                LocalInvitationState::Idle => {}
                LocalInvitationState::SentToRemote | LocalInvitationState::ReceivedByRemote => {
                    return Err(api_err(
                        InvitationApiCallErrCode::AlreadySent,
                        "the invitation was already sent",
                    ))
                }
                other => return Err(ended(other.name())),
            }
            ids::validate("callee id", &d.callee_id)
                .map_err(|e| api_err(InvitationApiCallErrCode::InvalidArgument, e))?;
            if !d.channel_id.is_empty() {
                ids::validate("invitation channel id", &d.channel_id)
                    .map_err(|e| api_err(InvitationApiCallErrCode::InvalidArgument, e))?;
            }
            check_text("content", &d.content)?;
            (
                d.call_id,
                d.callee_id.clone(),
                d.content.clone(),
                d.channel_id.clone(),
            )
        };
        if !self.logged_in() {
            invitation.data.lock().state = LocalInvitationState::Failure;
            self.client.emit(call(CallEvent::LocalInvitationFailure {
                invitation: invitation.clone(),
                code: LocalInvitationErrCode::NotLoggedin,
            }));
            return Ok(await_invitation_sent(None, self.client.clone(), call_id));
        }
        invitation.data.lock().state = LocalInvitationState::SentToRemote;
        self.client
            .core
            .lock()
            .invitations
            .local
            .insert(call_id, invitation.clone());
        let request = Request::Invite {
            call_id,
            callee,
            content,
            channel_id,
        };
        let reply = self
            .client
            .start(request, self.client.config.timeouts.invitation, None);
        Ok(await_invitation_sent(
            Some(reply),
            self.client.clone(),
            call_id,
        ))
    }

    /// Cancels a sent invitation that is still running. The callee gets
    /// `RemoteInvitationCanceled`, then this client `LocalInvitationCanceled`.
    #[doc(alias = "cancelLocalInvitation")]
    pub fn cancel_local_invitation(
        &self,
        invitation: &LocalInvitation,
    ) -> impl Future<Output = RtmResult<(), InvitationApiCallErrCode>> + Send + 'static {
        let started = self.start_cancel_local_invitation(invitation);
        async move { started?.await }
    }

    fn start_cancel_local_invitation(
        &self,
        invitation: &LocalInvitation,
    ) -> RtmResult<
        impl Future<Output = RtmResult<(), InvitationApiCallErrCode>>,
        InvitationApiCallErrCode,
    > {
        let call_id = {
            let d = invitation.data.lock();
            if d.owner != self.owner() {
                return Err(api_err(
                    InvitationApiCallErrCode::InvalidArgument,
                    "the invitation was created by another client",
                ));
            }
            match d.state {
                LocalInvitationState::Idle => {
                    return Err(api_err(
                        InvitationApiCallErrCode::NotStarted,
                        "the invitation was not sent yet",
                    ))
                }
                LocalInvitationState::SentToRemote | LocalInvitationState::ReceivedByRemote => {}
                LocalInvitationState::AcceptedByRemote => {
                    return Err(api_err(
                        InvitationApiCallErrCode::AlreadyAccept,
                        "the callee already accepted; end the call with the end-call message",
                    ))
                }
                other => return Err(ended(other.name())),
            }
            d.call_id
        };
        let effect: Effect = Box::new(move |inner, result| {
            if result.is_err() {
                return;
            }
            let inv = inner.core.lock().invitations.local.remove(&call_id);
            if let Some(inv) = inv {
                inv.data.lock().state = LocalInvitationState::Canceled;
                inner.emit(call(CallEvent::LocalInvitationCanceled(inv)));
            }
        });
        let reply = self.client.start(
            Request::CancelInvite { call_id },
            self.client.config.timeouts.invitation,
            Some(effect),
        );
        Ok(async move { reply.await.map(|_| ()).map_err(api_call_error) })
    }

    fn remote_key(
        &self,
        invitation: &RemoteInvitation,
        accepting: bool,
    ) -> Result<(String, CallId, String), RtmError<InvitationApiCallErrCode>> {
        let d = invitation.data.lock();
        if d.owner != 0 && d.owner != self.owner() {
            return Err(api_err(
                InvitationApiCallErrCode::InvalidArgument,
                "the invitation belongs to another client",
            ));
        }
        match d.state {
            RemoteInvitationState::InvitationReceived => {}
            RemoteInvitationState::AcceptSentToLocal | RemoteInvitationState::Accepted => {
                return Err(api_err(
                    InvitationApiCallErrCode::AlreadyAccept,
                    "the invitation was already accepted",
                ))
            }
            RemoteInvitationState::Idle => {
                return Err(api_err(
                    InvitationApiCallErrCode::NotStarted,
                    "the invitation was not received",
                ))
            }
            other => return Err(ended(other.name())),
        }
        check_text("response", &d.response)?;
        let _ = accepting;
        Ok((d.caller_id.clone(), d.call_id, d.response.clone()))
    }

    fn is_mine(&self, invitation: &RemoteInvitation) -> bool {
        let d = invitation.data.lock();
        self.client
            .core
            .lock()
            .invitations
            .remote
            .get(&(d.caller_id.clone(), d.call_id))
            .is_some_and(|i| i.same_as(invitation))
    }

    /// Accepts a received invitation. The caller gets `LocalInvitationAccepted`; once it
    /// acknowledges, this client gets `RemoteInvitationAccepted`.
    #[doc(alias = "acceptRemoteInvitation")]
    pub fn accept_remote_invitation(
        &self,
        invitation: &RemoteInvitation,
    ) -> impl Future<Output = RtmResult<(), InvitationApiCallErrCode>> + Send + 'static {
        let started = self.start_accept_remote_invitation(invitation);
        async move { started?.await }
    }

    fn start_accept_remote_invitation(
        &self,
        invitation: &RemoteInvitation,
    ) -> RtmResult<
        impl Future<Output = RtmResult<(), InvitationApiCallErrCode>>,
        InvitationApiCallErrCode,
    > {
        if !self.is_mine(invitation) {
            self.remote_key(invitation, true)?;
            return Err(api_err(
                InvitationApiCallErrCode::InvalidArgument,
                "the invitation was not received by this client",
            ));
        }
        let (caller, call_id, response) = self.remote_key(invitation, true)?;
        if !self.logged_in() {
            return Err(ended("not logged in"));
        }
        invitation.data.lock().state = RemoteInvitationState::AcceptSentToLocal;
        let request = Request::AcceptInvite {
            caller: caller.clone(),
            call_id,
            response,
        };
        let reply = self
            .client
            .start(request, self.client.config.timeouts.invitation, None);
        let client = self.client.clone();
        Ok(async move {
            match reply.await {
                Ok(_) => Ok(()),
                Err(e) => {
                    let removed = client
                        .core
                        .lock()
                        .invitations
                        .remote
                        .remove(&(caller, call_id));
                    if let Some(inv) = removed {
                        inv.data.lock().state = RemoteInvitationState::Failure;
                        client.emit(call(CallEvent::RemoteInvitationFailure {
                            invitation: inv,
                            code: RemoteInvitationErrCode::AcceptFailure,
                        }));
                    }
                    match e {
                        CallError::Failed(f) => Err(api_call_error(CallError::Failed(f))),
                        _ => Ok(()),
                    }
                }
            }
        })
    }

    /// Refuses a received invitation: this client gets `RemoteInvitationRefused`, then the
    /// caller `LocalInvitationRefused`.
    #[doc(alias = "refuseRemoteInvitation")]
    pub fn refuse_remote_invitation(
        &self,
        invitation: &RemoteInvitation,
    ) -> impl Future<Output = RtmResult<(), InvitationApiCallErrCode>> + Send + 'static {
        let started = self.start_refuse_remote_invitation(invitation);
        async move { started?.await }
    }

    fn start_refuse_remote_invitation(
        &self,
        invitation: &RemoteInvitation,
    ) -> RtmResult<
        impl Future<Output = RtmResult<(), InvitationApiCallErrCode>>,
        InvitationApiCallErrCode,
    > {
        if !self.is_mine(invitation) {
            self.remote_key(invitation, false)?;
            return Err(api_err(
                InvitationApiCallErrCode::InvalidArgument,
                "the invitation was not received by this client",
            ));
        }
        let (caller, call_id, response) = self.remote_key(invitation, false)?;
        if !self.logged_in() {
            return Err(ended("not logged in"));
        }
        let key = (caller.clone(), call_id);
        let effect: Effect = Box::new(move |inner, result| {
            let inv = inner.core.lock().invitations.remote.remove(&key);
            if let Some(inv) = inv {
                if result.is_err() {
                    // The system no longer has it: its lifecycle is over (RTM has no event).
                    inv.data.lock().state = RemoteInvitationState::Failure;
                    return;
                }
                inv.data.lock().state = RemoteInvitationState::Refused;
                inner.emit(call(CallEvent::RemoteInvitationRefused(inv)));
            }
        });
        let request = Request::RefuseInvite {
            caller,
            call_id,
            response,
        };
        let reply = self.client.start(
            request,
            self.client.config.timeouts.invitation,
            Some(effect),
        );
        Ok(async move { reply.await.map(|_| ()).map_err(api_call_error) })
    }
}

/// A failed invitation request in the call manager's codes.
fn api_call_error(e: CallError) -> RtmError<InvitationApiCallErrCode> {
    match e {
        // The system refuses an invitation request only once the invitation has ended.
        CallError::Failed(f) => api_err(InvitationApiCallErrCode::AlreadyEnd, f.detail),
        _ => ended("the RTM system could not be reached"),
    }
}

/// Waits for an invitation's send request; if the system never took it, the invitation fails
/// as unanswered (or NOT_LOGGEDIN when the session was gone).
async fn await_invitation_sent(
    reply: Option<impl Future<Output = Result<crate::proto::link::Reply, CallError>>>,
    client: Arc<ClientInner>,
    call_id: CallId,
) -> RtmResult<(), InvitationApiCallErrCode> {
    {
        let Some(reply) = reply else {
            return Ok(());
        };
        if let Err(e) = reply.await {
            let removed = client.core.lock().invitations.local.remove(&call_id);
            if let Some(inv) = removed {
                inv.data.lock().state = LocalInvitationState::Failure;
                let code = match e {
                    CallError::NotLoggedIn => LocalInvitationErrCode::NotLoggedin,
                    _ => LocalInvitationErrCode::PeerNoResponse,
                };
                client.emit(call(CallEvent::LocalInvitationFailure {
                    invitation: inv,
                    code,
                }));
            }
        }
        Ok(())
    }
}
