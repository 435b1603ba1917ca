//! [`SignalingConfig`]: which RTM system a legacy instance reaches, how tokens are found, and
//! the contract's switchable policies.

use crate::rtm::{ClientConfig, RtmClientBuilder};
use crate::system::System;
use crate::transport::Connector;
use std::fmt;
use std::sync::Arc;

/// Supplies RTM tokens for legacy logins that carry a legacy Signaling token, and renews
/// tokens that expire while reconnecting (contract rules S1 and S7).
pub trait TokenProvider: Send + Sync {
    /// The RTM token for `account` of `app_id`, or `None` when there is none.
    fn rtm_token(&self, app_id: &str, account: &str) -> Option<String>;
}

impl<F> TokenProvider for F
where
    F: Fn(&str, &str) -> Option<String> + Send + Sync,
{
    fn rtm_token(&self, app_id: &str, account: &str) -> Option<String> {
        self(app_id, account)
    }
}

/// Where callbacks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CallbackMode {
    /// On a dedicated thread of the instance, one at a time, in order (the legacy SDK's way).
    #[default]
    Thread,
    /// On the instance's adapter task, one at a time, in order. Callbacks must not block.
    /// Used by the regression kit so that whole flows run deterministically in virtual time.
    Inline,
}

/// Settings of a [`crate::signaling::Signaling`] instance.
///
/// ```
/// use sig2rtm::signaling::SignalingConfig;
/// use sig2rtm::system::{System, SystemConfig};
///
/// let system = System::new(SystemConfig::default());
/// let config = SignalingConfig::default()
///     .system(&system)
///     .multi_channel(true)
///     .token_provider(|_app: &str, account: &str| Some(format!("token-for-{account}")));
/// assert!(config.is_multi_channel());
/// ```
#[derive(Clone, Default)]
pub struct SignalingConfig {
    pub(crate) system: Option<System>,
    pub(crate) connector: Option<Arc<dyn Connector>>,
    pub(crate) client: ClientConfig,
    pub(crate) token_provider: Option<Arc<dyn TokenProvider>>,
    pub(crate) multi_channel: bool,
    pub(crate) callback_mode: CallbackMode,
    pub(crate) runtime: Option<tokio::runtime::Handle>,
}

impl fmt::Debug for SignalingConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignalingConfig")
            .field("system", &self.system.is_some())
            .field("connector", &self.connector.as_ref().map(|c| c.describe()))
            .field("client", &self.client)
            .field("token_provider", &self.token_provider.is_some())
            .field("multi_channel", &self.multi_channel)
            .field("callback_mode", &self.callback_mode)
            .finish()
    }
}

impl SignalingConfig {
    /// Reach this in-process RTM system (default: the `sig2rtm-server` named by the
    /// `SIG2RTM_SERVER` environment variable when it is set, otherwise the process-wide embedded
    /// system).
    pub fn system(mut self, system: &System) -> Self {
        self.system = Some(system.clone());
        self.connector = None;
        self
    }

    /// Reach the RTM system through this connector.
    pub fn connector(mut self, connector: Arc<dyn Connector>) -> Self {
        self.connector = Some(connector);
        self.system = None;
        self
    }

    /// Limits and timeouts of the underlying RTM client.
    pub fn client_config(mut self, client: ClientConfig) -> Self {
        self.client = client;
        self
    }

    /// Finds RTM tokens for legacy Signaling tokens and renews expired ones (S1, S7).
    pub fn token_provider(mut self, provider: impl TokenProvider + 'static) -> Self {
        self.token_provider = Some(Arc::new(provider));
        self
    }

    /// Policy C2: `false` (the legacy default) keeps a user in one channel at a time; `true`
    /// allows up to RTM's 20 channels.
    pub fn multi_channel(mut self, on: bool) -> Self {
        self.multi_channel = on;
        self
    }

    /// True when the multi-channel policy is on.
    pub fn is_multi_channel(&self) -> bool {
        self.multi_channel
    }

    /// Where callbacks run (default: a dedicated thread).
    pub fn callback_mode(mut self, mode: CallbackMode) -> Self {
        self.callback_mode = mode;
        self
    }

    /// Run the instance's tasks on this tokio runtime (default: a shared runtime of the crate).
    pub fn runtime(mut self, handle: tokio::runtime::Handle) -> Self {
        self.runtime = Some(handle);
        self
    }

    /// A builder for the RTM client of `app_id` according to this configuration.
    pub(crate) fn client_builder(&self, app_id: &str) -> RtmClientBuilder {
        let builder = crate::rtm::RtmClient::builder(app_id).config(self.client.clone());
        match (&self.connector, &self.system) {
            (Some(c), _) => builder.connector(c.clone()),
            (None, Some(s)) => builder.system(s),
            (None, None) => builder,
        }
    }
}
