//! Token checks for login, resume and `renewToken` (spec/rtm-1x.md §6).
//!
//! * An App-ID-only app needs no token. A token given anyway is accepted and ignored (whatever
//!   it holds), so an app can start sending tokens before its certificate is enabled.
//! * An app with an App Certificate needs an RTM token (AccessToken "006") built for that user
//!   with that certificate, checked by [`crate::token::verify_rtm_token`] against the system's
//!   clock ([`System::now_ms`], which follows tokio time). Missing or wrong → INVALID_TOKEN,
//!   expired → TOKEN_EXPIRED, in the operation's own code.
//! * A token declared expired by [`System::expire_token`] is expired for both kinds of app.
//!
//! Tokens are checked at login, at every resume (a reconnecting client with an expired token is
//! refused, and told so), and at renewal. A connected user is never cut off when its token
//! expires (RTM 1.x native behaviour).

use super::state::{AppAuth, State};
use super::System;
use crate::proto::{Failure, FailureReason};
use crate::token::{verify_rtm_token, TokenError};

/// Why a token was refused.
pub(super) enum TokenProblem {
    /// Declared expired by fault injection.
    DeclaredExpired(String),
    /// The app needs a token and none was given.
    Missing(String),
    /// The token failed verification.
    Refused(TokenError),
}

impl TokenProblem {
    /// The failure a login, resume or renewal gets for this problem: an expired token, or an
    /// invalid one (the client reports it in the operation's own code).
    pub fn failure(self) -> Failure {
        match self {
            TokenProblem::DeclaredExpired(d) => Failure::new(FailureReason::TokenExpired, d),
            TokenProblem::Missing(d) => Failure::new(FailureReason::InvalidToken, d),
            TokenProblem::Refused(e) if e.is_expired() => {
                Failure::new(FailureReason::TokenExpired, e.to_string())
            }
            TokenProblem::Refused(e) => Failure::new(FailureReason::InvalidToken, e.to_string()),
        }
    }
}

/// What a token is checked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TokenUse {
    /// A fresh login.
    Login,
    /// Resuming a session, or renewing its token.
    Session,
}

impl System {
    /// Checks `token` for `user` of `app_id` now. The app must exist.
    pub(super) fn check_token(
        &self,
        st: &State,
        app_id: &str,
        user: &str,
        token: &Option<String>,
        usage: TokenUse,
    ) -> Result<(), TokenProblem> {
        let Some(app) = st.apps.get(app_id) else {
            return Err(TokenProblem::Missing(format!(
                "App ID {app_id} is not registered"
            )));
        };
        // "No token" declared expired only matters to the session it belonged to: a fresh
        // login of an App-ID-only app without a token is not refused for it.
        let declared_expired = app
            .expired_tokens
            .get(user)
            .is_some_and(|set| set.contains(token));
        if declared_expired && (token.is_some() || usage == TokenUse::Session) {
            return Err(TokenProblem::DeclaredExpired(format!(
                "the token of {user} has expired; renew it (renewToken) with a new token"
            )));
        }
        match &app.auth {
            AppAuth::AppIdOnly => Ok(()),
            AppAuth::Certificate(certificate) => {
                let Some(token) = token else {
                    return Err(TokenProblem::Missing(format!(
                        "App ID {app_id} has an App Certificate: log in with an RTM token built \
                         for {user}"
                    )));
                };
                let now = self.inner.ms_at(st.now()) / 1000;
                verify_rtm_token(token, app_id, certificate, user, now)
                    .map(|_| ())
                    .map_err(TokenProblem::Refused)
            }
        }
    }
}
