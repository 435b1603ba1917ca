//! Session: login / login2 with retries, logout, reconnect and kick callbacks, token handling
//! (contract rules S1–S8).

use super::context::Cx;
use super::errors::{id_code, translate};
use super::events::{session_change, SessionChange};
use super::operations::Lane;
use crate::rtm::{ConnectionChangeReason, ConnectionState, LoginErrCode, RtmClient, RtmError};
use crate::signaling::{uid_of, AgoraECode, LegacyEvent, LoginState};
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

/// The session area: the login in progress, login2's limits, the outage being counted.
/// The account itself is the context's ([`Cx::account`]), as every area needs it.
#[derive(Default)]
pub(crate) struct Session {
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

impl Session {
    /// `login` / `login2` (S1–S3).
    pub(super) fn login(
        &mut self,
        cx: &mut Cx,
        app_id: &str,
        account: &str,
        token: &str,
        retry_time_in_s: i64,
        retry_count: i64,
    ) {
        let status = cx.status();
        if status != LoginState::NotLogin {
            // S3: the legacy SDK ignored a login while logging in or logged in.
            cx.log_warn(format!(
                "login as {account:?} ignored: already {}",
                match status {
                    LoginState::Logining => "logging in",
                    LoginState::Reconnecting => "reconnecting",
                    _ => "logged in",
                }
            ));
            return;
        }
        let token = match rtm_token(cx, app_id, account, token) {
            Ok(t) => t,
            Err(desc) => {
                cx.emit(LegacyEvent::LoginFailed {
                    ecode: AgoraECode::LoginETokenwrong.code(),
                });
                cx.error("login", AgoraECode::GeneralEWrongParam, desc);
                return;
            }
        };
        let client = match client_for(cx, app_id) {
            Ok(c) => c,
            Err(e) => {
                let t = translate(&RtmError::new(LoginErrCode::InvalidAppId, e.detail()));
                cx.emit(LegacyEvent::LoginFailed {
                    ecode: t.code.code(),
                });
                cx.error("login", t.on_error.unwrap_or(t.code), t.desc);
                return;
            }
        };
        self.generation += 1;
        self.retry_time = Duration::from_secs(retry_time_in_s.clamp(0, 24 * 3600) as u64);
        self.retry_count = retry_count.clamp(0, 1_000_000) as u32;
        cx.set_account(Some(account.to_string()));
        self.attempt = Some(Attempt {
            app_id: app_id.to_string(),
            account: account.to_string(),
            token,
            started: Instant::now(),
            attempts: 0,
        });
        cx.set_status(LoginState::Logining);
        self.login_attempt(cx, self.generation, client);
    }

    fn login_attempt(&mut self, cx: &mut Cx, generation: u64, client: RtmClient) {
        let Some(attempt) = self.attempt.as_mut() else {
            return;
        };
        attempt.attempts += 1;
        let (token, account) = (attempt.token.clone(), attempt.account.clone());
        let logout_done = self.logout_done.clone();
        cx.then_in(
            Lane::Session,
            async move {
                // RTM refuses a login until the previous session's logout has finished.
                if let Some(mut done) = logout_done {
                    let _ = done.wait_for(|d| *d).await;
                }
                client.login(&token, &account).await
            },
            move |s: &mut Session, cx, result| s.login_result(cx, generation, result),
        );
    }

    fn login_result(
        &mut self,
        cx: &mut Cx,
        generation: u64,
        result: Result<(), RtmError<LoginErrCode>>,
    ) {
        if generation != self.generation {
            return;
        }
        let Some(attempt) = self.attempt.as_ref() else {
            return;
        };
        let err = match result {
            Ok(()) => {
                let account = attempt.account.clone();
                self.attempt = None;
                cx.set_status(LoginState::Logined);
                cx.log_info(format!("logged in as {account:?}"));
                cx.emit(LegacyEvent::LoginSuccess {
                    uid: uid_of(&account),
                    fd: LEGACY_FD,
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
        let retries_left =
            attempt.attempts <= self.retry_count && spent + LOGIN_RETRY_PAUSE < self.retry_time;
        if t.transient && retries_left {
            cx.log_info(format!(
                "login attempt {} failed ({}); retrying",
                attempt.attempts, t.desc
            ));
            let app_id = attempt.app_id.clone();
            cx.then_in(
                Lane::Session,
                tokio::time::sleep(LOGIN_RETRY_PAUSE),
                move |s: &mut Session, cx, ()| {
                    if s.generation == generation {
                        if let Ok(client) = client_for(cx, &app_id) {
                            s.login_attempt(cx, generation, client);
                        }
                    }
                },
            );
            return;
        }
        self.attempt = None;
        cx.set_account(None);
        cx.set_status(LoginState::NotLogin);
        let code = if t.transient {
            AgoraECode::LoginENet
        } else {
            t.code
        };
        cx.emit(LegacyEvent::LoginFailed { ecode: code.code() });
        match t.on_error {
            Some(general) => cx.error("login", general, t.desc),
            None if t.transient => cx.error(
                "login",
                AgoraECode::GeneralEFailed,
                format!("login gave up after its retries: {}", t.desc),
            ),
            None => cx.log_warn(format!("login failed: {}", t.desc)),
        }
    }

    /// `logout` (S4).
    pub(super) fn logout(&mut self, cx: &mut Cx) {
        if cx.status() == LoginState::NotLogin {
            cx.error(
                "logout",
                AgoraECode::GeneralENotLogin,
                "logout called while not logged in",
            );
            return;
        }
        self.generation += 1;
        self.attempt = None;
        self.reconnecting_since = None;
        cx.end_session_state();
        cx.set_status(LoginState::NotLogin);
        let Some(client) = cx.client() else {
            cx.emit(LegacyEvent::Logout {
                ecode: AgoraECode::LogoutEUser.code(),
            });
            return;
        };
        // S4: on_logout(101) once RTM has logged out, and nothing else.
        let logout = self.rtm_logout(client);
        cx.then(Lane::Session, logout, |cx, ()| {
            cx.emit(LegacyEvent::Logout {
                ecode: AgoraECode::LogoutEUser.code(),
            })
        });
    }

    /// Starts an RTM logout now; a later login waits until it has finished.
    fn rtm_logout(&mut self, client: RtmClient) -> impl std::future::Future<Output = ()> {
        let (done_tx, done_rx) = tokio::sync::watch::channel(false);
        self.logout_done = Some(done_rx);
        let task = tokio::spawn(async move {
            let _ = client.logout().await;
            let _ = done_tx.send(true);
        });
        async move {
            let _ = task.await;
        }
    }

    /// Ends the session on RTM's initiative: `on_logout(code)`, status 0 (S5, S6, S7). The
    /// channels and calls go with it, without callbacks.
    fn session_ended(&mut self, cx: &mut Cx, code: AgoraECode, why: &str) {
        self.generation += 1;
        self.attempt = None;
        self.reconnecting_since = None;
        cx.end_session_state();
        cx.set_status(LoginState::NotLogin);
        cx.log_warn(format!("logged out: {why}"));
        cx.emit(LegacyEvent::Logout { ecode: code.code() });
    }

    /// RTM's connection state, as the legacy session sees it (S5, S6).
    pub(super) fn on_connection_state(
        &mut self,
        cx: &mut Cx,
        state: ConnectionState,
        reason: ConnectionChangeReason,
    ) {
        match session_change(cx.status(), state, reason) {
            SessionChange::Reconnecting => {
                // S5: status 3 and on_reconnecting(1) at once.
                cx.set_status(LoginState::Reconnecting);
                self.reconnecting_since = Some(Instant::now());
                self.reconnect_attempts = 1;
                self.outage += 1;
                cx.emit(LegacyEvent::Reconnecting { nretry: 1 });
                self.reconnect_tick_later(cx);
            }
            SessionChange::Reconnected => {
                self.reconnecting_since = None;
                cx.set_status(LoginState::Logined);
                cx.emit(LegacyEvent::Reconnected { fd: LEGACY_FD });
            }
            SessionChange::Ended(code, why) => {
                // RTM needs a logout before the next login.
                if let Some(client) = cx.client() {
                    drop(self.rtm_logout(client));
                }
                self.session_ended(cx, code, why);
            }
            SessionChange::Unchanged => {}
        }
    }

    /// S5: the next legacy attempt, or the end of login2's retry time, whichever comes first.
    fn reconnect_tick_later(&mut self, cx: &mut Cx) {
        let Some(since) = self.reconnecting_since else {
            return;
        };
        let (generation, outage) = (self.generation, self.outage);
        let deadline = since + self.retry_time.max(Duration::from_secs(1));
        let next_attempt = since + RECONNECT_ATTEMPT_PERIOD * self.reconnect_attempts;
        let delay = next_attempt
            .min(deadline)
            .saturating_duration_since(Instant::now());
        cx.after_in(delay, move |s: &mut Session, cx| {
            s.reconnect_tick(cx, generation, outage)
        });
    }

    /// S5: on_reconnecting(n) for each further attempt; once the outage has used up login2's
    /// retry time or retry count, the shim logs out of RTM and fires on_logout(102).
    fn reconnect_tick(&mut self, cx: &mut Cx, generation: u64, outage: u64) {
        let Some(since) = self.reconnecting_since else {
            return;
        };
        if self.generation != generation || self.outage != outage {
            return;
        }
        let attempt = self.reconnect_attempts + 1;
        let out_of_time = since.elapsed() >= self.retry_time.max(Duration::from_secs(1));
        if out_of_time || attempt > self.retry_count.max(1) {
            if let Some(client) = cx.client() {
                drop(self.rtm_logout(client));
            }
            return self.session_ended(
                cx,
                AgoraECode::LogoutENet,
                "the connection could not be restored within login2's retry limits",
            );
        }
        if since.elapsed() >= RECONNECT_ATTEMPT_PERIOD * self.reconnect_attempts {
            self.reconnect_attempts = attempt;
            cx.emit(LegacyEvent::Reconnecting { nretry: attempt });
        }
        self.reconnect_tick_later(cx);
    }

    /// S7: a token that expired while reconnecting is renewed through the provider, or the
    /// session ends with on_logout(105).
    pub(super) fn on_token_expired(&mut self, cx: &mut Cx) {
        let (Some(client), Some(account)) = (cx.client(), cx.account().map(str::to_string)) else {
            return;
        };
        let fresh = cx
            .config()
            .token_provider
            .as_ref()
            .and_then(|p| p.rtm_token(client.app_id(), &account));
        match fresh {
            Some(token) => {
                let renew = client.renew_token(&token);
                cx.then(Lane::Session, renew, |cx, result| {
                    if let Err(e) = result {
                        let t = translate(&e);
                        cx.error(
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
                    cx,
                    AgoraECode::LogoutETokenexpired,
                    "the token expired and no token provider is configured",
                );
            }
        }
    }
}

/// S1: the RTM token to log in with.
fn rtm_token(cx: &Cx, app_id: &str, account: &str, token: &str) -> Result<String, String> {
    if token.is_empty() || token == NO_NEED_TOKEN {
        return Ok(String::new());
    }
    if !is_legacy_signaling_token(token) {
        return Ok(token.to_string());
    }
    match &cx.config().token_provider {
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
fn client_for(cx: &mut Cx, app_id: &str) -> Result<RtmClient, RtmError<crate::rtm::InitErrCode>> {
    if let Some(c) = cx.client() {
        if c.app_id() == app_id {
            return Ok(c);
        }
        c.release();
    }
    let client = cx.config().client_builder(app_id).build()?;
    cx.use_client(&client);
    Ok(client)
}
