//! Invitation relay (spec/rtm-1x.md §2.5): the system carries invitations between caller and
//! callee, and owns their timers — callee offline or silent (30 s), no answer (60 s), accept not
//! acknowledged by the caller (5 s).

use super::state::{Invitation, InvitationPhase, State};
use super::timers::Timer;
use super::{ConnId, System};
use crate::proto::link::{CallId, Event, Failure, InviteFailure, Reply};
use crate::proto::{FailureReason, LocalInvitationErrCode, RemoteInvitationErrCode};

impl System {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn invite(
        &self,
        st: &mut State,
        app_id: &str,
        caller: &str,
        call_id: CallId,
        callee: String,
        content: String,
        channel_id: String,
    ) -> Reply {
        let app = st.app(app_id);
        let generation = app.generation();
        let online = app.users.contains_key(&callee);
        let key = (caller.to_string(), call_id);
        st.records.put_invitation(
            app_id,
            key.clone(),
            Invitation {
                callee: callee.clone(),
                content: content.clone(),
                channel_id: channel_id.clone(),
                phase: if online {
                    InvitationPhase::Delivered
                } else {
                    InvitationPhase::WaitingForCallee
                },
                generation,
            },
        );
        if online {
            st.send_to_user(
                app_id,
                &callee,
                Event::InviteReceived {
                    caller: caller.to_string(),
                    call_id,
                    content,
                    channel_id,
                },
            );
        }
        // Offline for the whole wait → PEER_OFFLINE; online but never acknowledged → NO_RESPONSE.
        let wait = Timer::InvitationPeerWait {
            app: app_id.to_string(),
            invitation: key,
            generation,
        };
        self.arm(st, self.inner.config.invitation_peer_wait, wait);
        Reply::Done
    }

    /// The callee's wait armed as `generation` is over: the invitation fails if the callee never
    /// came online or never acknowledged it.
    pub(super) fn invitation_peer_wait_over(
        &self,
        st: &mut State,
        app_id: &str,
        key: (String, CallId),
        generation: u64,
    ) {
        let code = match self.phase_if_current(st, app_id, &key, generation) {
            Some(InvitationPhase::WaitingForCallee) => LocalInvitationErrCode::PeerOffline,
            Some(InvitationPhase::Delivered) => LocalInvitationErrCode::PeerNoResponse,
            _ => return,
        };
        if let Some(inv) = st.records.take_invitation(app_id, &key) {
            self.fail_local(st, app_id, &key.0, &inv.callee, key.1, code);
        }
    }

    fn phase_if_current(
        &self,
        st: &mut State,
        app_id: &str,
        key: &(String, CallId),
        generation: u64,
    ) -> Option<InvitationPhase> {
        st.records
            .invitation(app_id, key)
            .filter(|i| i.generation == generation)
            .map(|i| i.phase)
    }

    fn fail_local(
        &self,
        st: &mut State,
        app_id: &str,
        caller: &str,
        callee: &str,
        call_id: CallId,
        code: LocalInvitationErrCode,
    ) {
        st.send_to_user(
            app_id,
            caller,
            Event::InviteFailed {
                peer: callee.to_string(),
                call_id,
                failure: InviteFailure::Local(code),
            },
        );
    }

    fn fail_remote(
        &self,
        st: &mut State,
        app_id: &str,
        caller: &str,
        callee: &str,
        call_id: CallId,
        code: RemoteInvitationErrCode,
    ) {
        st.send_to_user(
            app_id,
            callee,
            Event::InviteFailed {
                peer: caller.to_string(),
                call_id,
                failure: InviteFailure::Remote(code),
            },
        );
    }

    /// A callee logged in: invitations waiting for it are delivered after its login reply.
    pub(super) fn deliver_waiting_invitations(
        &self,
        st: &mut State,
        app_id: &str,
        callee: &str,
        conn: ConnId,
        after: &mut Vec<(ConnId, Event)>,
    ) {
        for key in st.records.waiting_for(app_id, callee) {
            let Some(inv) = st.records.invitation(app_id, &key) else {
                continue;
            };
            let event = Event::InviteReceived {
                caller: key.0.clone(),
                call_id: key.1,
                content: inv.content.clone(),
                channel_id: inv.channel_id.clone(),
            };
            let generation = inv.generation;
            st.records
                .advance_invitation(app_id, &key, InvitationPhase::Delivered, generation);
            after.push((conn, event));
        }
    }

    /// The callee's client got the invitation: the caller learns it, the answer timer starts.
    pub(super) fn invite_received(
        &self,
        st: &mut State,
        app_id: &str,
        callee: &str,
        caller: String,
        call_id: CallId,
    ) {
        let app = st.app(app_id);
        let generation = app.generation();
        let key = (caller, call_id);
        let delivered = st
            .records
            .invitation(app_id, &key)
            .is_some_and(|i| i.callee == callee && i.phase == InvitationPhase::Delivered);
        if !delivered {
            return;
        }
        st.records
            .advance_invitation(app_id, &key, InvitationPhase::Received, generation);
        st.send_to_user(app_id, &key.0, Event::InviteReceivedByPeer { call_id });
        let expiry = Timer::InvitationExpiry {
            app: app_id.to_string(),
            invitation: key,
            generation,
        };
        self.arm(st, self.inner.config.invitation_expiry, expiry);
    }

    pub(super) fn cancel_invite(
        &self,
        st: &mut State,
        app_id: &str,
        caller: &str,
        call_id: CallId,
    ) -> Result<Reply, Failure> {
        let key = (caller.to_string(), call_id);
        let Some(inv) = st.records.take_invitation(app_id, &key) else {
            return Err(Failure::new(
                FailureReason::InvitationEnded,
                "the invitation has already ended",
            ));
        };
        // The callee sees the cancel before the caller's reply (shim-contract §8).
        if inv.phase != InvitationPhase::WaitingForCallee {
            st.send_to_user(
                app_id,
                &inv.callee,
                Event::InviteCanceled {
                    caller: caller.to_string(),
                    call_id,
                },
            );
        }
        Ok(Reply::Done)
    }

    pub(super) fn accept_invite(
        &self,
        st: &mut State,
        app_id: &str,
        callee: &str,
        caller: String,
        call_id: CallId,
        response: String,
    ) -> Result<Reply, Failure> {
        let app = st.app(app_id);
        let generation = app.generation();
        let key = (caller, call_id);
        let caller_online = app.users.contains_key(&key.0);
        let found = st
            .records
            .invitation(app_id, &key)
            .is_some_and(|i| i.callee == callee);
        if !found {
            return Err(Failure::new(
                FailureReason::InvitationEnded,
                "the invitation has already ended",
            ));
        }
        if !caller_online {
            st.records.take_invitation(app_id, &key);
            self.fail_remote(
                st,
                app_id,
                &key.0,
                callee,
                call_id,
                RemoteInvitationErrCode::PeerOffline,
            );
            return Ok(Reply::Done);
        }
        st.records
            .advance_invitation(app_id, &key, InvitationPhase::Accepting, generation);
        st.send_to_user(app_id, &key.0, Event::InviteAccepted { call_id, response });
        let confirmation = Timer::AcceptConfirmation {
            app: app_id.to_string(),
            invitation: key,
            generation,
        };
        self.arm(
            st,
            self.inner.config.invitation_accept_ack_wait,
            confirmation,
        );
        Ok(Reply::Done)
    }

    /// Takes the invitation out when the timer armed as `generation` still finds it in `phase`.
    fn take_if_still(
        &self,
        st: &mut State,
        app_id: &str,
        key: &(String, CallId),
        generation: u64,
        phase: InvitationPhase,
    ) -> Option<Invitation> {
        if self.phase_if_current(st, app_id, key, generation) != Some(phase) {
            return None;
        }
        st.records.take_invitation(app_id, key)
    }

    /// A received invitation armed as `generation` got no answer in time: it fails on both sides.
    pub(super) fn invitation_expired(
        &self,
        st: &mut State,
        app_id: &str,
        key: (String, CallId),
        generation: u64,
    ) {
        if let Some(inv) =
            self.take_if_still(st, app_id, &key, generation, InvitationPhase::Received)
        {
            self.fail_remote(
                st,
                app_id,
                &key.0,
                &inv.callee,
                key.1,
                RemoteInvitationErrCode::InvitationExpire,
            );
            self.fail_local(
                st,
                app_id,
                &key.0,
                &inv.callee,
                key.1,
                LocalInvitationErrCode::InvitationExpire,
            );
        }
    }

    /// The caller did not confirm the accept armed as `generation` in time: the callee's side
    /// fails.
    pub(super) fn accept_not_confirmed(
        &self,
        st: &mut State,
        app_id: &str,
        key: (String, CallId),
        generation: u64,
    ) {
        if let Some(inv) =
            self.take_if_still(st, app_id, &key, generation, InvitationPhase::Accepting)
        {
            self.fail_remote(
                st,
                app_id,
                &key.0,
                &inv.callee,
                key.1,
                RemoteInvitationErrCode::AcceptFailure,
            );
        }
    }

    /// The caller saw the accept: the callee's invitation completes.
    pub(super) fn accept_seen(
        &self,
        st: &mut State,
        app_id: &str,
        caller: &str,
        callee: String,
        call_id: CallId,
    ) {
        let key = (caller.to_string(), call_id);
        let accepting = st
            .records
            .invitation(app_id, &key)
            .is_some_and(|i| i.callee == callee && i.phase == InvitationPhase::Accepting);
        if accepting {
            st.records.take_invitation(app_id, &key);
            st.send_to_user(
                app_id,
                &callee,
                Event::InviteAcceptConfirmed {
                    caller: caller.to_string(),
                    call_id,
                },
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn refuse_invite(
        &self,
        st: &mut State,
        app_id: &str,
        callee: &str,
        caller: String,
        call_id: CallId,
        response: String,
        after: &mut Vec<(ConnId, Event)>,
    ) -> Result<Reply, Failure> {
        let key = (caller, call_id);
        let found = st
            .records
            .invitation(app_id, &key)
            .is_some_and(|i| i.callee == callee);
        if !found {
            return Err(Failure::new(
                FailureReason::InvitationEnded,
                "the invitation has already ended",
            ));
        }
        st.records.take_invitation(app_id, &key);
        // The callee's reply goes first; the caller hears of the refusal after it.
        if let Some(conn) = st.conn_of(app_id, &key.0) {
            after.push((conn, Event::InviteRefused { call_id, response }));
        }
        Ok(Reply::Done)
    }
}
