//! Session: login / login2 with retries, logout, reconnect and kick callbacks, token handling
//! (contract rules S1–S8).

use super::errors::{id_code, translate};
use super::{uid_of, Adapter, Lane};
use crate::rtm::{ConnectionChangeReason, ConnectionState, LoginErrCode, RtmClient, RtmError};
use crate::signaling::{AgoraECode, LegacyEvent, LoginState};
use crate::token::is_legacy_signaling_token;
use std::time::Duration;
use tokio::time::Instant;

/// The token value legacy apps pass to mean "no token".
pub(crate) const NO_NEED_TOKEN: &str = "_no_need_token";

/// Pause between two login attempts of `login2` (keeps within RTM's 2 logins per second).
const LOGIN_RETRY_PAUSE: Duration = Duration::from_secs(1);

/// How long one legacy reconnection attempt lasts: RTM does not report its attempts, so the shim
/// counts them on its own clock (S5). 10 s makes login's defaults (30 s, 3 retries) agree.
const RECONNECT_ATTEMPT_PERIOD: Duration = Duration::from_secs(10);

/// The `fd` argument legacy callbacks carry; internal to the old SDK, constant here.
pub(crate) const LEGACY_FD: i32 = 1;

#[derive(Default)]
pub(crate) struct Session {
    /// The logged-in (or logging-in) account.
    pub account: Option<String>,
    /// Bumped by every login and logout, so stale results are ignored.
    generation: u64,
    attempt: Option<Attempt>,
    /// Limits of the last login2, which also bound reconnection (S5).
    retry_time: Duration,
    retry_count: u32,
    reconnecting_since: Option<Instant>,
    reconnect_attempts: u32,
    /// Bumped by every outage, so timers of an earlier outage do nothing.
    outage: u64,
    /// Turns true once the last RTM logout finished; a new login waits for it (S4).
    logout_done: Option<tokio::sync::watch::Receiver<bool>>,
}

struct Attempt {
    app_id: String,
    account: String,
    token: String,
    started: Instant,
    attempts: u32,
}

impl Adapter {
    pub(super) fn login(
        &mut self,
        app_id: &str,
        account: &str,
        token: &str,
        retry_time_in_s: i64,
        retry_count: i64,
    ) {
        let status = self.shared.status();
        if status != LoginState::NotLogin {
            // S3: the legacy SDK ignored a login while logging in or logged in.
            self.log_warn(format!(
                "login as {account:?} ignored: already {}",
                match status {
                    LoginState::Logining => "logging in",
                    LoginState::Reconnecting => "reconnecting",
                    _ => "logged in",
                }
            ));
            return;
        }
        let token = match self.rtm_token(app_id, account, token) {
            Ok(t) => t,
            Err(desc) => {
                self.emit(LegacyEvent::LoginFailed {
                    ecode: AgoraECode::LoginETokenwrong.code(),
                });
                self.error("login", AgoraECode::GeneralEWrongParam, desc);
                return;
            }
        };
        let client = match self.client_for(app_id) {
            Ok(c) => c,
            Err(e) => {
                let t = translate(&RtmError::new(LoginErrCode::InvalidAppId, e.detail()));
                self.emit(LegacyEvent::LoginFailed {
                    ecode: t.code.code(),
                });
                self.error("login", t.on_error.unwrap_or(t.code), t.desc);
                return;
            }
        };
        self.session.generation += 1;
        self.session.retry_time = Duration::from_secs(retry_time_in_s.clamp(0, 24 * 3600) as u64);
        self.session.retry_count = retry_count.clamp(0, 1_000_000) as u32;
        self.session.account = Some(account.to_string());
        self.session.attempt = Some(Attempt {
            app_id: app_id.to_string(),
            account: account.to_string(),
            token,
            started: Instant::now(),
            attempts: 0,
        });
        self.set_status(LoginState::Logining);
        self.login_attempt(self.session.generation, client);
    }

    /// S1: the RTM token to log in with.
    fn rtm_token(&self, app_id: &str, account: &str, token: &str) -> Result<String, String> {
        if token.is_empty() || token == NO_NEED_TOKEN {
            return Ok(String::new());
        }
        if !is_legacy_signaling_token(token) {
            return Ok(token.to_string());
        }
        match &self.config.token_provider {
            Some(provider) => provider.rtm_token(app_id, account).ok_or_else(|| {
                format!("the token provider has no RTM token for {account:?}; a legacy Signaling token cannot log in to RTM")
            }),
            None => Err(format!(
                "{account:?} passed a legacy Signaling token (1:appId:ts:md5); RTM needs an RTM token. \
                 Configure SignalingConfig::token_provider or pass an RTM token"
            )),
        }
    }

    /// The RTM client for `app_id`, made (or remade for another App ID) on demand.
    fn client_for(&mut self, app_id: &str) -> Result<RtmClient, RtmError<crate::rtm::InitErrCode>> {
        if let Some(c) = self.client() {
            if c.app_id() == app_id {
                return Ok(c);
            }
            c.release();
        }
        let client = self.config.client_builder(app_id).build()?;
        *self.shared.client.lock() = Some(client.clone());
        self.watch(&client);
        Ok(client)
    }

    fn login_attempt(&mut self, generation: u64, client: RtmClient) {
        let Some(attempt) = self.session.attempt.as_mut() else {
            return;
        };
        attempt.attempts += 1;
        let (token, account) = (attempt.token.clone(), attempt.account.clone());
        let logout_done = self.session.logout_done.clone();
        self.then(
            Lane::Session,
            async move {
                // RTM refuses a login until the previous session's logout has finished.
                if let Some(mut done) = logout_done {
                    let _ = done.wait_for(|d| *d).await;
                }
                client.login(&token, &account).await
            },
            move |a: &mut Adapter, result| a.login_result(generation, result),
        );
    }

    fn login_result(&mut self, generation: u64, result: Result<(), RtmError<LoginErrCode>>) {
        if generation != self.session.generation {
            return;
        }
        let Some(attempt) = self.session.attempt.as_ref() else {
            return;
        };
        let err = match result {
            Ok(()) => {
                let account = attempt.account.clone();
                self.session.attempt = None;
                self.set_status(LoginState::Logined);
                self.log_info(format!("logged in as {account:?}"));
                self.emit(LegacyEvent::LoginSuccess {
                    uid: uid_of(&account),
                    fd: super::session::LEGACY_FD,
                });
                return;
            }
            Err(e) => e,
        };
        let mut t = translate(&err);
        if let Some(problem) = err.id_problem() {
            // C11: 1004 for an account RTM refuses, 1005 when it is too long.
            t.on_error = Some(id_code(problem));
        }
        let spent = attempt.started.elapsed();
        let retries_left = attempt.attempts <= self.session.retry_count
            && spent + LOGIN_RETRY_PAUSE < self.session.retry_time;
        if t.transient && retries_left {
            self.log_info(format!(
                "login attempt {} failed ({}); retrying",
                attempt.attempts, t.desc
            ));
            let app_id = attempt.app_id.clone();
            self.then(
                Lane::Session,
                tokio::time::sleep(LOGIN_RETRY_PAUSE),
                move |a: &mut Adapter, ()| {
                    if a.session.generation == generation {
                        if let Ok(client) = a.client_for(&app_id) {
                            a.login_attempt(generation, client);
                        }
                    }
                },
            );
            return;
        }
        self.session.attempt = None;
        self.session.account = None;
        self.set_status(LoginState::NotLogin);
        let code = if t.transient {
            AgoraECode::LoginENet
        } else {
            t.code
        };
        self.emit(LegacyEvent::LoginFailed { ecode: code.code() });
        match t.on_error {
            Some(general) => self.error("login", general, t.desc),
            None if t.transient => self.error(
                "login",
                AgoraECode::GeneralEFailed,
                format!("login gave up after its retries: {}", t.desc),
            ),
            None => self.log_warn(format!("login failed: {}", t.desc)),
        }
    }

    pub(super) fn logout(&mut self) {
        if self.shared.status() == LoginState::NotLogin {
            self.error(
                "logout",
                AgoraECode::GeneralENotLogin,
                "logout called while not logged in",
            );
            return;
        }
        self.session.generation += 1;
        self.session.attempt = None;
        self.session.reconnecting_since = None;
        self.forget_session_state();
        self.set_status(LoginState::NotLogin);
        let Some(client) = self.client() else {
            self.emit(LegacyEvent::Logout {
                ecode: AgoraECode::LogoutEUser.code(),
            });
            return;
        };
        // S4: on_logout(101) once RTM has logged out, and nothing else.
        let logout = self.rtm_logout(client);
        self.then(Lane::Session, logout, |a: &mut Adapter, ()| {
            a.emit(LegacyEvent::Logout {
                ecode: AgoraECode::LogoutEUser.code(),
            })
        });
    }

    /// Starts an RTM logout now; a later login waits until it has finished.
    fn rtm_logout(&mut self, client: RtmClient) -> impl std::future::Future<Output = ()> {
        let (done_tx, done_rx) = tokio::sync::watch::channel(false);
        self.session.logout_done = Some(done_rx);
        let task = tokio::spawn(async move {
            let _ = client.logout().await;
            let _ = done_tx.send(true);
        });
        async move {
            let _ = task.await;
        }
    }

    /// Drops channels, calls and the account without any callback.
    fn forget_session_state(&mut self) {
        self.session.account = None;
        self.channels = Default::default();
        self.invitations = Default::default();
    }

    /// Ends the session on RTM's initiative: `on_logout(code)`, status 0 (S5, S6, S7).
    fn session_ended(&mut self, code: AgoraECode, why: &str) {
        self.session.generation += 1;
        self.session.attempt = None;
        self.session.reconnecting_since = None;
        self.forget_session_state();
        self.set_status(LoginState::NotLogin);
        self.log_warn(format!("logged out: {why}"));
        self.emit(LegacyEvent::Logout { ecode: code.code() });
    }

    pub(super) fn on_connection_state(
        &mut self,
        state: ConnectionState,
        reason: ConnectionChangeReason,
    ) {
        let status = self.shared.status();
        match state {
            ConnectionState::Reconnecting if status == LoginState::Logined => {
                // S5: status 3 and on_reconnecting(1) at once.
                self.set_status(LoginState::Reconnecting);
                self.session.reconnecting_since = Some(Instant::now());
                self.session.reconnect_attempts = 1;
                self.session.outage += 1;
                self.emit(LegacyEvent::Reconnecting { nretry: 1 });
                self.reconnect_tick_later();
            }
            ConnectionState::Connected if status == LoginState::Reconnecting => {
                self.session.reconnecting_since = None;
                self.set_status(LoginState::Logined);
                self.emit(LegacyEvent::Reconnected { fd: LEGACY_FD });
            }
            ConnectionState::Aborted if status != LoginState::NotLogin => {
                let (code, why) = abort_code(reason);
                // RTM needs a logout before the next login.
                if let Some(client) = self.client() {
                    drop(self.rtm_logout(client));
                }
                self.session_ended(code, why);
            }
            _ => {}
        }
    }

    /// S5: the next legacy attempt, or the end of login2's retry time, whichever comes first.
    fn reconnect_tick_later(&mut self) {
        let Some(since) = self.session.reconnecting_since else {
            return;
        };
        let (generation, outage) = (self.session.generation, self.session.outage);
        let deadline = since + self.session.retry_time.max(Duration::from_secs(1));
        let next_attempt = since + RECONNECT_ATTEMPT_PERIOD * self.session.reconnect_attempts;
        let delay = next_attempt
            .min(deadline)
            .saturating_duration_since(Instant::now());
        self.after(delay, move |a: &mut Adapter| {
            a.reconnect_tick(generation, outage)
        });
    }

    /// S5: on_reconnecting(n) for each further attempt; once the outage has used up login2's
    /// retry time or retry count, the shim logs out of RTM and fires on_logout(102).
    fn reconnect_tick(&mut self, generation: u64, outage: u64) {
        let Some(since) = self.session.reconnecting_since else {
            return;
        };
        if self.session.generation != generation || self.session.outage != outage {
            return;
        }
        let attempt = self.session.reconnect_attempts + 1;
        let out_of_time = since.elapsed() >= self.session.retry_time.max(Duration::from_secs(1));
        if out_of_time || attempt > self.session.retry_count.max(1) {
            if let Some(client) = self.client() {
                drop(self.rtm_logout(client));
            }
            return self.session_ended(
                AgoraECode::LogoutENet,
                "the connection could not be restored within login2's retry limits",
            );
        }
        if since.elapsed() >= RECONNECT_ATTEMPT_PERIOD * self.session.reconnect_attempts {
            self.session.reconnect_attempts = attempt;
            self.emit(LegacyEvent::Reconnecting { nretry: attempt });
        }
        self.reconnect_tick_later();
    }

    /// S7: a token that expired while reconnecting is renewed through the provider, or the
    /// session ends with on_logout(105).
    pub(super) fn on_token_expired(&mut self) {
        let (Some(client), Some(account)) = (self.client(), self.session.account.clone()) else {
            return;
        };
        let fresh = self
            .config
            .token_provider
            .as_ref()
            .and_then(|p| p.rtm_token(client.app_id(), &account));
        match fresh {
            Some(token) => {
                let renew = client.renew_token(&token);
                self.then(Lane::Session, renew, |a: &mut Adapter, result| {
                    if let Err(e) = result {
                        let t = translate(&e);
                        a.error(
                            "renew_token",
                            t.on_error.unwrap_or(AgoraECode::GeneralEFailed),
                            t.desc,
                        );
                    }
                });
            }
            None => {
                drop(self.rtm_logout(client));
                self.session_ended(
                    AgoraECode::LogoutETokenexpired,
                    "the token expired and no token provider is configured",
                );
            }
        }
    }
}

/// S5, S6: the `onLogout` code of a session RTM aborted for `reason`, and why, in words.
fn abort_code(reason: ConnectionChangeReason) -> (AgoraECode, &'static str) {
    match reason {
        ConnectionChangeReason::RemoteLogin => (
            AgoraECode::LogoutEKicked,
            "the same account logged in elsewhere",
        ),
        ConnectionChangeReason::BannedByServer => {
            (AgoraECode::LogoutEOther, "banned by the RTM system")
        }
        _ => (AgoraECode::LogoutENet, "the connection was lost"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_aborted_session_logs_out_with_the_code_of_its_reason() {
        use ConnectionChangeReason as R;
        assert_eq!(abort_code(R::RemoteLogin).0, AgoraECode::LogoutEKicked);
        assert_eq!(abort_code(R::BannedByServer).0, AgoraECode::LogoutEOther);
        for other in [R::Interrupted, R::LoginTimeout, R::Logout, R::LoginFailure] {
            assert_eq!(abort_code(other).0, AgoraECode::LogoutENet, "{other:?}");
        }
    }
}
