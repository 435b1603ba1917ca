//! [`Signaling`]: the legacy `IAgoraAPI`, method for method. The methods that queue a call for
//! the adapter are generated from the `[[method]]` rows of `mapping/methods.toml`; the ones the
//! facade answers itself (handler, status, version, `destroy`) are written here.

use super::config::SignalingConfig;
use super::{LoginState, SignalingCallback};
use crate::adapter::{Adapter, Command, Delivery, InstanceState, LegacyCall};
use crate::mapping::LegacyMethod;
use crate::rtm::RtmClient;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use tokio::sync::mpsc::UnboundedSender;

/// A legacy Signaling instance (`IAgoraAPI`) running on the RTM 1.x core.
///
/// Every method returns at once (T1): the call is queued and its outcome arrives as callbacks
/// on the handler installed with [`Signaling::callback_set`]. Nothing here panics or blocks on
/// the network, whatever the input; bad input is answered through the operation's failure
/// callback and `on_error`.
///
/// ```
/// use sig2rtm::signaling::{Signaling, SignalingCallback, SignalingConfig};
/// use sig2rtm::system::{System, SystemConfig};
/// use std::sync::{mpsc, Arc, Mutex};
///
/// struct OnLogin(Mutex<mpsc::Sender<u32>>);
/// impl SignalingCallback for OnLogin {
///     fn on_login_success(&self, uid: u32, _fd: i32) {
///         let _ = self.0.lock().unwrap().send(uid);
///     }
/// }
///
/// let system = System::new(SystemConfig::default());
/// let sig = Signaling::create_instance(SignalingConfig::default().system(&system));
/// let (tx, rx) = mpsc::channel();
/// sig.callback_set(Some(Arc::new(OnLogin(Mutex::new(tx)))));
/// sig.login2("0123456789abcdef0123456789abcdef", "alice", "_no_need_token", 0, "", 30, 3);
/// let uid = rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
/// assert_ne!(uid, 0);
/// sig.destroy();
/// ```
#[doc(alias = "IAgoraAPI")]
#[derive(Clone)]
pub struct Signaling {
    inner: Arc<Inner>,
}

struct Inner {
    commands: UnboundedSender<Command>,
    shared: Arc<InstanceState>,
    delivery: Arc<Delivery>,
    destroyed: AtomicBool,
}

/// The crate's shared runtime for instances that were not given one.
fn default_runtime() -> tokio::runtime::Handle {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("sig2rtm-runtime")
                .enable_all()
                .build()
                .expect("the sig2rtm runtime could not start (out of threads?)")
        })
        .handle()
        .clone()
}

impl Signaling {
    /// The process-wide instance (`getAgoraSDKInstance`): the same one on every call, on the
    /// embedded RTM system unless `SIG2RTM_SERVER` says otherwise.
    #[doc(alias = "getInstance")]
    #[doc(alias = "getAgoraSDKInstanceCPP")]
    pub fn get_instance() -> Signaling {
        static INSTANCE: OnceLock<Signaling> = OnceLock::new();
        INSTANCE
            .get_or_init(|| Signaling::create_instance(SignalingConfig::default()))
            .clone()
    }

    /// A new, independent instance (`createAgoraSDKInstance`).
    #[doc(alias = "createAgoraSDKInstance")]
    #[doc(alias = "createAgoraSDKInstanceCPP")]
    pub fn create_instance(config: SignalingConfig) -> Signaling {
        let runtime = config.runtime.clone().unwrap_or_else(default_runtime);
        let shared = Arc::new(InstanceState::new());
        let delivery = Arc::new(Delivery::default());
        let commands = Adapter::spawn(shared.clone(), config, delivery.clone(), &runtime);
        Signaling {
            inner: Arc::new(Inner {
                commands,
                shared,
                delivery,
                destroyed: AtomicBool::new(false),
            }),
        }
    }

    /// Queues a legacy call for the adapter.
    fn call(&self, call: LegacyCall) {
        let method = call.method();
        if self.inner.destroyed.load(Ordering::Acquire) {
            log::warn!("{} called after destroy(); ignored", method.rust_name());
            return;
        }
        if self.inner.shared.count(method) {
            log::info!("{}", crate::migration::first_call_hint(method));
        }
        let _ = self.inner.commands.send(Command::Call(call));
    }

    /// Installs the callback handler, replacing the previous one atomically (T3); `None`
    /// removes it. Events with no handler set are dropped.
    #[doc(alias = "callbackSet")]
    pub fn callback_set(&self, handler: Option<Arc<dyn SignalingCallback>>) {
        self.inner.shared.count(LegacyMethod::CallbackSet);
        self.inner.delivery.set_handler(handler);
    }

    /// The handler installed now.
    #[doc(alias = "callbackGet")]
    pub fn callback_get(&self) -> Option<Arc<dyn SignalingCallback>> {
        self.inner.shared.count(LegacyMethod::CallbackGet);
        self.inner.delivery.handler()
    }

    /// The login state: 0 not logged in, 1 logging in, 2 logged in, 3 reconnecting (N2).
    #[doc(alias = "getStatus")]
    pub fn get_status(&self) -> i32 {
        self.inner.shared.count(LegacyMethod::GetStatus);
        self.login_state() as i32
    }

    /// The login state as an enum.
    pub fn login_state(&self) -> LoginState {
        self.inner.shared.status()
    }

    /// True when logged in (obsolete legacy call).
    #[doc(alias = "isOnline")]
    pub fn is_online(&self) -> bool {
        self.inner.shared.count(LegacyMethod::IsOnline);
        self.login_state() == LoginState::Logined
    }

    /// The SDK version in the legacy encoding (N5):
    /// `1_000_000_000 + major*10_000_000 + minor*100_000 + patch*1_000 + build`.
    #[doc(alias = "getSdkVersion")]
    pub fn get_sdk_version(&self) -> i32 {
        self.inner.shared.count(LegacyMethod::GetSdkVersion);
        sdk_version()
    }

    /// The RTM client under this instance, for new code that migrates to RTM: it shares the
    /// connection, and its events reach both. `None` before the first login.
    pub fn rtm_client(&self) -> Option<RtmClient> {
        self.inner.shared.client()
    }

    /// How many times `method` was called on this instance.
    pub fn calls_of(&self, method: LegacyMethod) -> u64 {
        self.inner.shared.calls_of(method)
    }

    /// Logs out if needed, stops every timer and task; no callback runs after it returns (S8).
    /// Later calls are ignored with a warning. Safe to call from inside a callback.
    pub fn destroy(&self) {
        if self.inner.destroyed.swap(true, Ordering::AcqRel) {
            return;
        }
        self.inner.shared.count(LegacyMethod::Destroy);
        self.inner.delivery.shut();
        let _ = self.inner.commands.send(Command::Destroy);
    }
}

include!(concat!(env!("OUT_DIR"), "/signaling_methods.rs"));

/// The crate version in the legacy `getSdkVersion` encoding (N5).
pub fn sdk_version() -> i32 {
    let part = |s: &str| s.parse::<i32>().unwrap_or(0);
    1_000_000_000
        + part(env!("CARGO_PKG_VERSION_MAJOR")) * 10_000_000
        + part(env!("CARGO_PKG_VERSION_MINOR")) * 100_000
        + part(env!("CARGO_PKG_VERSION_PATCH")) * 1_000
}
