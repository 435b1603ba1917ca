//! Contract rules S1–S8 (shim-contract.md §2): login and login2 with tokens and retries,
//! logout, reconnection, kicks, token expiry and destroy.
//!
//! Most tests reach the system through [`Tap`], a connector that counts connections, can refuse
//! them, answers login requests itself when told to, records the tokens logins carry, and can
//! push an event into a live link. Network faults (S5, S7) use the system's own fault injection.

mod legacy_common;

use legacy_common::*;
use parking_lot::Mutex;
use sig2rtm::proto::FailureReason;
use sig2rtm::signaling::{
    CallbackMode, LegacyEvent, Signaling, SignalingCallback, SignalingConfig,
};
use sig2rtm::system::{System, SystemConfig};
use sig2rtm::testkit::Recorder;
use sig2rtm::token::{build_signaling_token, RtmTokenBuilder};
use sig2rtm::transport::protocol::{Down, Event, Failure, KickReason, Request, Up};
use sig2rtm::transport::{
    down_channel, Connector, DownSender, InProcessConnector, Link, LinkClosed, LinkSender,
};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;
use tokio::time::Instant;

fn system() -> System {
    System::new(SystemConfig::default())
}

// ------------------------------------------------------------------------------------ Tap

type LoginRule = Box<dyn Fn(Option<&str>) -> Option<Failure> + Send + Sync>;

/// One live link through the tap.
struct TapLink {
    to_client: Mutex<Option<DownSender>>,
    to_system: Box<dyn LinkSender>,
}

impl TapLink {
    fn down(&self, down: Down) -> bool {
        match self.to_client.lock().as_ref() {
            Some(tx) => tx.send(down).is_ok(),
            None => false,
        }
    }

    /// The link breaks: the client's stream ends, the system sees the client go away.
    fn cut(&self) {
        self.to_client.lock().take();
        self.to_system.close();
    }
}

#[derive(Default)]
struct TapState {
    connects: AtomicU32,
    refuse: AtomicBool,
    connect_delay: Mutex<Duration>,
    login_rule: Mutex<Option<LoginRule>>,
    login_tokens: Mutex<Vec<Option<String>>>,
    links: Mutex<Vec<Arc<TapLink>>>,
}

#[derive(Clone)]
struct Tap {
    inner: InProcessConnector,
    state: Arc<TapState>,
}

impl Tap {
    fn new(system: &System) -> Tap {
        Tap {
            inner: InProcessConnector::new(system.clone()),
            state: Arc::default(),
        }
    }

    fn connects(&self) -> u32 {
        self.state.connects.load(Ordering::SeqCst)
    }

    /// Refuse (true) or accept (false) new connections.
    fn refuse(&self, on: bool) {
        self.state.refuse.store(on, Ordering::SeqCst);
    }

    fn delay_connects(&self, d: Duration) {
        *self.state.connect_delay.lock() = d;
    }

    /// Answer every login request whose token makes `rule` return a failure with it.
    fn answer_logins(
        &self,
        rule: impl Fn(Option<&str>) -> Option<Failure> + Send + Sync + 'static,
    ) {
        *self.state.login_rule.lock() = Some(Box::new(rule));
    }

    /// The tokens of the login requests sent so far.
    fn login_tokens(&self) -> Vec<Option<String>> {
        self.state.login_tokens.lock().clone()
    }

    /// Pushes `event` to the client, as if the system sent it.
    fn inject(&self, event: Event) {
        let links = self.state.links.lock();
        let link = links.last().expect("a live link");
        assert!(link.down(Down::Event(event)));
    }

    fn config(&self, system: &System) -> SignalingConfig {
        config(system).connector(Arc::new(self.clone()))
    }
}

struct TapSender {
    link: Arc<TapLink>,
    state: Arc<TapState>,
}

impl LinkSender for TapSender {
    fn send(&self, up: Up) -> Result<(), LinkClosed> {
        if let Up::Request {
            id,
            body: Request::Login { token, .. },
        } = &up
        {
            self.state.login_tokens.lock().push(token.clone());
            let failure = self
                .state
                .login_rule
                .lock()
                .as_ref()
                .and_then(|rule| rule(token.as_deref()));
            if let Some(failure) = failure {
                self.link.down(Down::Reply {
                    id: *id,
                    result: Err(failure),
                });
                return Ok(());
            }
        }
        self.link.to_system.send(up)
    }

    fn close(&self) {
        self.link.cut();
    }
}

#[async_trait::async_trait]
impl Connector for Tap {
    async fn connect(&self) -> std::io::Result<Link> {
        self.state.connects.fetch_add(1, Ordering::SeqCst);
        let delay = *self.state.connect_delay.lock();
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        if self.state.refuse.load(Ordering::SeqCst) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionRefused,
                "tap: connection refused",
            ));
        }
        let inner = self.inner.connect().await?;
        let (tx, rx) = down_channel();
        let link = Arc::new(TapLink {
            to_client: Mutex::new(Some(tx)),
            to_system: inner.sender,
        });
        let mut from_system = inner.receiver;
        let forward = link.clone();
        tokio::spawn(async move {
            while let Some(down) = from_system.recv().await {
                if !forward.down(down) {
                    break;
                }
            }
        });
        self.state.links.lock().push(link.clone());
        Ok(Link {
            sender: Box::new(TapSender {
                link,
                state: self.state.clone(),
            }),
            receiver: rx,
        })
    }

    fn describe(&self) -> String {
        "tapped embedded system".into()
    }
}

fn login_failure(reason: FailureReason) -> Failure {
    Failure::new(reason, format!("tap: {reason:?}"))
}

/// Waits (virtual time) until `rec` holds a login outcome; returns the time it took.
async fn login_outcome(rec: &Recorder, within: Duration) -> Duration {
    let start = Instant::now();
    rec.wait_for(within, |e| {
        matches!(
            e,
            LegacyEvent::LoginSuccess { .. } | LegacyEvent::LoginFailed { .. }
        )
    })
    .await
    .expect("a login outcome");
    start.elapsed()
}

// ------------------------------------------------------------------------------------- S1

#[tokio::test(start_paused = true)]
async fn contract_s1_login_succeeds_like_login2() {
    let system = system();
    let (sig, rec) = legacy(&system);
    sig.login(APP, "alice", "_no_need_token", 99, "device-1");
    login_outcome(&rec, Duration::from_secs(10)).await;
    assert_eq!(
        transcript(&rec),
        [format!("onLoginSuccess({}, 1)", uid("alice"))]
    );
    assert_eq!(sig.get_status(), 2);
    assert_eq!(system.online_users(APP), ["alice"]);
}

#[tokio::test(start_paused = true)]
async fn contract_s1_login_retries_like_login2_30s_3_retries() {
    let system = system();
    let tap = Tap::new(&system);
    tap.answer_logins(|_| Some(login_failure(FailureReason::Timeout)));
    let (sig, rec) = legacy_with(tap.config(&system));
    sig.login(APP, "alice", "", 0, "");
    let took = login_outcome(&rec, Duration::from_secs(60)).await;
    assert_eq!(
        transcript(&rec),
        [r#"onLoginFailed(201)"#, r#"onError("login", 1001, "")"#]
    );
    assert_eq!(tap.login_tokens().len(), 4, "one attempt and 3 retries");
    assert!(took < Duration::from_secs(30), "{took:?}");
    assert_eq!(sig.get_status(), 0);
}

#[tokio::test(start_paused = true)]
async fn contract_s1_no_need_token_and_empty_token_log_in_without_a_token() {
    let system = system();
    let tap = Tap::new(&system);
    let asked = Arc::new(AtomicU32::new(0));
    let counter = asked.clone();
    let provider = move |_: &str, _: &str| {
        counter.fetch_add(1, Ordering::SeqCst);
        Some("should-not-be-used".to_string())
    };
    let (a, ra) = legacy_with(tap.config(&system).token_provider(provider.clone()));
    let (b, rb) = legacy_with(tap.config(&system).token_provider(provider));
    a.login2(APP, "alice", "_no_need_token", 0, "", 30, 3);
    b.login2(APP, "bob", "", 0, "", 30, 3);
    settle().await;
    assert_eq!(
        transcript(&ra),
        [format!("onLoginSuccess({}, 1)", uid("alice"))]
    );
    assert_eq!(
        transcript(&rb),
        [format!("onLoginSuccess({}, 1)", uid("bob"))]
    );
    assert_eq!(
        tap.login_tokens(),
        [None, None],
        "App-ID-only logins carry no token"
    );
    assert_eq!(asked.load(Ordering::SeqCst), 0, "the provider is not asked");
}

#[tokio::test(start_paused = true)]
async fn contract_s1_signaling_token_without_provider_fails_206() {
    let system = system();
    let tap = Tap::new(&system);
    let (sig, rec) = legacy_with(tap.config(&system));
    let legacy_token = build_signaling_token(
        "alice",
        APP,
        "0123456789abcdef0123456789abcdef",
        2_000_000_000,
    );
    assert!(legacy_token.starts_with(&format!("1:{APP}:2000000000:")));
    sig.login2(APP, "alice", &legacy_token, 0, "", 30, 3);
    settle().await;
    assert_eq!(
        transcript(&rec),
        [r#"onLoginFailed(206)"#, r#"onError("login", 1004, "")"#]
    );
    let desc = &error_descs(&rec)[0];
    assert!(desc.contains("legacy Signaling token"), "{desc}");
    assert!(desc.contains("token_provider"), "{desc}");
    assert_eq!(sig.get_status(), 0);
    assert_eq!(tap.connects(), 0, "nothing reaches RTM");
    assert!(system.online_users(APP).is_empty());
}

#[tokio::test(start_paused = true)]
async fn contract_s1_signaling_token_with_provider_logs_in_with_the_rtm_token() {
    let system = system();
    let tap = Tap::new(&system);
    let asked: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let log = asked.clone();
    let provider = move |app: &str, account: &str| {
        log.lock().push((app.to_string(), account.to_string()));
        Some(format!("006rtm-token-for-{account}"))
    };
    let (sig, rec) = legacy_with(tap.config(&system).token_provider(provider));
    let legacy_token = build_signaling_token(
        "alice",
        APP,
        "0123456789abcdef0123456789abcdef",
        2_000_000_000,
    );
    sig.login2(APP, "alice", &legacy_token, 0, "", 30, 3);
    settle().await;
    assert_eq!(
        transcript(&rec),
        [format!("onLoginSuccess({}, 1)", uid("alice"))]
    );
    assert_eq!(*asked.lock(), [(APP.to_string(), "alice".to_string())]);
    assert_eq!(
        tap.login_tokens(),
        [Some("006rtm-token-for-alice".to_string())]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_s1_provider_without_a_token_fails_206() {
    let system = system();
    let (sig, rec) = legacy_with(config(&system).token_provider(|_: &str, _: &str| None));
    let legacy_token = build_signaling_token("alice", APP, "cert", 2_000_000_000);
    sig.login2(APP, "alice", &legacy_token, 0, "", 30, 3);
    settle().await;
    assert_eq!(
        transcript(&rec),
        [r#"onLoginFailed(206)"#, r#"onError("login", 1004, "")"#]
    );
    assert_eq!(sig.get_status(), 0);
}

#[tokio::test(start_paused = true)]
async fn contract_s1_other_tokens_pass_through_as_rtm_tokens() {
    let system = system();
    let tap = Tap::new(&system);
    let (sig, rec) = legacy_with(
        tap.config(&system)
            .token_provider(|_: &str, _: &str| Some("from-the-provider".to_string())),
    );
    sig.login2(APP, "alice", "006AAAsomeRtmToken", 0, "", 30, 3);
    settle().await;
    assert_eq!(
        transcript(&rec),
        [format!("onLoginSuccess({}, 1)", uid("alice"))]
    );
    assert_eq!(tap.login_tokens(), [Some("006AAAsomeRtmToken".to_string())]);
}

#[tokio::test(start_paused = true)]
async fn contract_s1_certificate_app_with_the_providers_rtm_token() {
    const CERT: &str = "fedcba9876543210fedcba9876543210";
    let system = system();
    system.register_app_with_certificate(APP, CERT);
    let clock = system.clone();
    let provider = move |app: &str, account: &str| {
        Some(RtmTokenBuilder::build(
            app,
            CERT,
            account,
            clock.now_ms() / 1000,
            7,
        ))
    };
    let legacy_token = |account: &str| build_signaling_token(account, APP, CERT, 2_000_000_000);

    // A legacy token and a provider: logged in with the provider's RTM token.
    let (a, ra) = legacy_with(config(&system).token_provider(provider.clone()));
    a.login2(APP, "alice", &legacy_token("alice"), 0, "", 30, 3);
    settle().await;
    assert_eq!(
        transcript(&ra),
        [format!("onLoginSuccess({}, 1)", uid("alice"))]
    );

    // No token on an app that needs one, or a token for someone else: 206, at once.
    let wrong = RtmTokenBuilder::build(APP, CERT, "alice", system.now_ms() / 1000, 7);
    for (account, token) in [
        ("bob", "_no_need_token"),
        ("carol", ""),
        ("dave", wrong.as_str()),
    ] {
        let (sig, rec) = legacy_with(config(&system).token_provider(provider.clone()));
        sig.login2(APP, account, token, 0, "", 30, 3);
        settle().await;
        assert_eq!(
            transcript(&rec),
            ["onLoginFailed(206)"],
            "{account} with {token:?}"
        );
        assert_eq!(sig.get_status(), 0);
    }
    assert_eq!(system.online_users(APP), ["alice"]);
}

// ------------------------------------------------------------------------------------- S2

#[tokio::test(start_paused = true)]
async fn contract_s2_transient_failures_are_retried_until_retry_count_then_201() {
    let system = system();
    let tap = Tap::new(&system);
    tap.answer_logins(|_| Some(login_failure(FailureReason::Timeout)));
    let (sig, rec) = legacy_with(tap.config(&system));
    sig.login2(APP, "alice", "", 0, "", 600, 2);
    settle().await;
    assert_eq!(sig.get_status(), 1, "still logging in between attempts");
    assert!(transcript(&rec).is_empty());
    let took = login_outcome(&rec, Duration::from_secs(600)).await;
    assert_eq!(
        transcript(&rec),
        [r#"onLoginFailed(201)"#, r#"onError("login", 1001, "")"#]
    );
    assert_eq!(tap.login_tokens().len(), 3, "one attempt and 2 retries");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(sig.get_status(), 0);
    // Nothing more happens.
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(tap.login_tokens().len(), 3);
    assert_eq!(transcript(&rec).len(), 2);
}

#[tokio::test(start_paused = true)]
async fn contract_s2_transient_failures_stop_when_retry_time_is_used_up() {
    let system = system();
    let tap = Tap::new(&system);
    tap.answer_logins(|_| Some(login_failure(FailureReason::TooOften)));
    let (sig, rec) = legacy_with(tap.config(&system));
    sig.login2(APP, "alice", "", 0, "", 3, 1000);
    let took = login_outcome(&rec, Duration::from_secs(600)).await;
    assert_eq!(
        transcript(&rec),
        [r#"onLoginFailed(201)"#, r#"onError("login", 1001, "")"#]
    );
    assert!(took <= Duration::from_secs(3), "{took:?}");
    let attempts = tap.login_tokens().len();
    assert!((2..=4).contains(&attempts), "{attempts} attempts in 3 s");
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(tap.login_tokens().len(), attempts);
}

#[tokio::test(start_paused = true)]
async fn contract_s2_a_retry_that_succeeds_reports_only_success() {
    let system = system();
    let tap = Tap::new(&system);
    let failures = Arc::new(AtomicU32::new(2));
    let left = failures.clone();
    tap.answer_logins(move |_| {
        let n = left.load(Ordering::SeqCst);
        (n > 0).then(|| {
            left.store(n - 1, Ordering::SeqCst);
            login_failure(FailureReason::Timeout)
        })
    });
    let (sig, rec) = legacy_with(tap.config(&system));
    sig.login2(APP, "alice", "", 0, "", 30, 3);
    login_outcome(&rec, Duration::from_secs(60)).await;
    assert_eq!(
        transcript(&rec),
        [format!("onLoginSuccess({}, 1)", uid("alice"))]
    );
    assert_eq!(tap.login_tokens().len(), 3);
    assert_eq!(sig.get_status(), 2);
}

#[tokio::test(start_paused = true)]
async fn contract_s2_unreachable_system_is_retried_then_201() {
    let system = system();
    let tap = Tap::new(&system);
    tap.refuse(true);
    let (sig, rec) = legacy_with(tap.config(&system));
    sig.login2(APP, "alice", "", 0, "", 30, 3);
    login_outcome(&rec, Duration::from_secs(120)).await;
    assert_eq!(
        transcript(&rec),
        [r#"onLoginFailed(201)"#, r#"onError("login", 1001, "")"#]
    );
    assert_eq!(tap.connects(), 4, "one attempt and 3 retries");
}

#[tokio::test(start_paused = true)]
async fn contract_s2_unreachable_system_then_reachable_logs_in() {
    let system = system();
    let tap = Tap::new(&system);
    tap.answer_logins(|_| Some(login_failure(FailureReason::Timeout)));
    let (sig, rec) = legacy_with(tap.config(&system));
    sig.login2(APP, "alice", "", 0, "", 30, 10);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(transcript(&rec).is_empty());
    *tap.state.login_rule.lock() = None;
    login_outcome(&rec, Duration::from_secs(30)).await;
    assert_eq!(
        transcript(&rec),
        [format!("onLoginSuccess({}, 1)", uid("alice"))]
    );
}

/// A permanent failure: reported at once, one attempt, status 0.
async fn permanent(code: FailureReason, expected: &[&str]) {
    let system = system();
    let tap = Tap::new(&system);
    tap.answer_logins(move |_| Some(login_failure(code)));
    let (sig, rec) = legacy_with(tap.config(&system));
    sig.login2(APP, "alice", "006token", 0, "", 30, 3);
    let took = login_outcome(&rec, Duration::from_secs(60)).await;
    assert!(took < Duration::from_millis(100), "{code:?}: {took:?}");
    settle().await;
    assert_eq!(transcript(&rec), expected, "{code:?}");
    assert_eq!(tap.login_tokens().len(), 1, "{code:?}: no retry");
    assert_eq!(sig.get_status(), 0);
}

#[tokio::test(start_paused = true)]
async fn contract_s2_invalid_token_fails_206_at_once() {
    permanent(FailureReason::InvalidToken, &["onLoginFailed(206)"]).await;
}

#[tokio::test(start_paused = true)]
async fn contract_s2_expired_token_fails_204_at_once() {
    permanent(FailureReason::TokenExpired, &["onLoginFailed(204)"]).await;
}

#[tokio::test(start_paused = true)]
async fn contract_s2_rejected_fails_202_at_once() {
    permanent(FailureReason::Banned, &["onLoginFailed(202)"]).await;
}

#[tokio::test(start_paused = true)]
async fn contract_s2_unknown_app_fails_202_at_once() {
    let system = System::new(SystemConfig {
        auto_register_apps: false,
        ..SystemConfig::default()
    });
    let (sig, rec) = legacy(&system);
    sig.login2(APP, "alice", "", 0, "", 30, 3);
    let took = login_outcome(&rec, Duration::from_secs(60)).await;
    assert!(took < Duration::from_millis(100), "{took:?}");
    settle().await;
    assert_eq!(
        transcript(&rec),
        [r#"onLoginFailed(202)"#, r#"onError("login", 1004, "")"#]
    );
    assert!(error_descs(&rec)[0].contains(APP));
    assert_eq!(sig.get_status(), 0);
    // Once the app is registered the same instance logs in.
    system.register_app(APP);
    rec.take();
    sig.login2(APP, "alice", "", 0, "", 30, 3);
    settle().await;
    assert_eq!(
        transcript(&rec),
        [format!("onLoginSuccess({}, 1)", uid("alice"))]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_s2_invalid_account_fails_209_at_once() {
    let system = system();
    let too_long = "a".repeat(65);
    for (account, general) in [
        ("null", 1004),
        ("bad/account", 1004),
        ("", 1004),
        (too_long.as_str(), 1005),
    ] {
        let tap = Tap::new(&system);
        let (sig, rec) = legacy_with(tap.config(&system));
        sig.login2(APP, account, "", 0, "", 30, 3);
        settle().await;
        assert_eq!(
            transcript(&rec),
            [
                "onLoginFailed(209)".to_string(),
                format!(r#"onError("login", {general}, "")"#)
            ],
            "account {account:?}"
        );
        assert_eq!(
            tap.login_tokens().len(),
            0,
            "{account:?} never reaches the system"
        );
        assert_eq!(sig.get_status(), 0);
    }
    let desc = {
        let (sig, rec) = legacy(&system);
        sig.login2(APP, &too_long, "", 0, "", 30, 3);
        settle().await;
        error_descs(&rec).remove(0)
    };
    assert!(
        desc.contains("64"),
        "the description names the limit: {desc}"
    );
}

// ------------------------------------------------------------------------------------- S3

#[tokio::test(start_paused = true)]
async fn contract_s3_login_while_logged_in_is_ignored_with_a_warning() {
    let system = system();
    let (sig, rec) = logged_in(&system, "alice").await;
    sig.login2(APP, "other", "", 0, "", 30, 3);
    sig.login(APP, "alice", "", 0, "");
    settle().await;
    assert!(transcript(&rec).is_empty(), "{:?}", transcript(&rec));
    let warnings: Vec<String> = rec
        .events()
        .into_iter()
        .filter_map(|e| match e {
            LegacyEvent::Log { txt } if txt.contains("ignored") => Some(txt),
            _ => None,
        })
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert_eq!(sig.get_status(), 2);
    assert_eq!(system.online_users(APP), ["alice"]);
}

#[tokio::test(start_paused = true)]
async fn contract_s3_login_while_logging_in_is_ignored() {
    let system = system();
    let tap = Tap::new(&system);
    tap.delay_connects(Duration::from_secs(1));
    let (sig, rec) = legacy_with(tap.config(&system));
    sig.login2(APP, "alice", "", 0, "", 30, 3);
    settle().await;
    assert_eq!(sig.get_status(), 1);
    sig.login2(APP, "bob", "", 0, "", 30, 3);
    sig.login(APP, "alice", "", 0, "");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        transcript(&rec),
        [format!("onLoginSuccess({}, 1)", uid("alice"))]
    );
    assert_eq!(tap.connects(), 1);
    assert_eq!(system.online_users(APP), ["alice"]);
}

// ------------------------------------------------------------------------------------- S4

#[tokio::test(start_paused = true)]
async fn contract_s4_login_success_then_logout_101_only() {
    let system = system();
    let (a, ra) = legacy(&system);
    let (b, rb) = logged_in(&system, "bob").await;
    a.login2(APP, "alice", "", 0, "", 30, 3);
    settle().await;
    assert_eq!(
        transcript(&ra),
        [format!("onLoginSuccess({}, 1)", uid("alice"))]
    );
    assert_eq!(a.get_status(), 2);
    b.channel_join("ch");
    a.channel_join("ch");
    settle().await;
    ra.take();
    rb.take();

    a.logout();
    settle().await;
    assert_eq!(transcript(&ra), ["onLogout(101)"], "no channel callbacks");
    assert_eq!(a.get_status(), 0);
    assert_eq!(
        transcript(&rb),
        [format!(r#"onChannelUserLeaved("alice", {})"#, uid("alice"))]
    );
    assert_eq!(system.online_users(APP), ["bob"]);
}

#[tokio::test(start_paused = true)]
async fn contract_s4_logout_when_not_logged_in_only_reports_1003() {
    let system = system();
    let (sig, rec) = legacy(&system);
    sig.logout();
    settle().await;
    assert_eq!(transcript(&rec), [r#"onError("logout", 1003, "")"#]);
    assert_eq!(sig.get_status(), 0);
}

#[tokio::test(start_paused = true)]
async fn contract_s4_login_right_after_logout_works() {
    let system = system();
    let (sig, rec) = logged_in(&system, "alice").await;
    sig.logout();
    sig.login2(APP, "alice", "", 0, "", 30, 3);
    settle().await;
    assert_eq!(
        transcript(&rec),
        [
            "onLogout(101)".to_string(),
            format!("onLoginSuccess({}, 1)", uid("alice"))
        ]
    );
    assert_eq!(sig.get_status(), 2);
    assert_eq!(system.online_users(APP), ["alice"]);
}

// ------------------------------------------------------------------------------------- S5

/// An instance logged in as "alice" with these login2 limits, recorder emptied.
async fn logged_in_alice(
    system: &System,
    retry_time: i32,
    retry_count: i32,
) -> (Signaling, Arc<Recorder>) {
    let (sig, rec) = legacy(system);
    sig.login2(APP, "alice", "", 0, "", retry_time, retry_count);
    login_outcome(&rec, Duration::from_secs(10)).await;
    assert_eq!(sig.get_status(), 2);
    rec.take();
    (sig, rec)
}

#[tokio::test(start_paused = true)]
async fn contract_s5_short_outage_is_not_reported() {
    let system = system();
    let (sig, rec) = logged_in_alice(&system, 30, 3).await;
    system.cut_user_for(APP, "alice", Duration::from_secs(2));
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(sig.get_status(), 2);
    }
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert!(transcript(&rec).is_empty(), "{:?}", transcript(&rec));
    assert_eq!(sig.get_status(), 2);
}

#[tokio::test(start_paused = true)]
async fn contract_s5_connection_lost_and_restored() {
    let system = system();
    let (sig, rec) = logged_in_alice(&system, 60, 100).await;
    let (bob, _rb) = logged_in(&system, "bob").await;
    system.cut_user(APP, "alice");
    rec.wait_for(Duration::from_secs(10), |e| {
        matches!(e, LegacyEvent::Reconnecting { .. })
    })
    .await
    .expect("onReconnecting(1)");
    assert_eq!(transcript(&rec), ["onReconnecting(1)"]);
    assert_eq!(sig.get_status(), 3);
    assert!(!sig.is_online());

    // One more per attempt while the outage lasts.
    tokio::time::sleep(Duration::from_secs(25)).await;
    assert_eq!(
        transcript(&rec),
        [
            "onReconnecting(1)",
            "onReconnecting(2)",
            "onReconnecting(3)"
        ]
    );
    assert_eq!(sig.get_status(), 3);

    // A message sent meanwhile is delivered once the session is back.
    bob.message_instant_send("alice", 0, "while you were away", "m1");
    system.restore_user(APP, "alice");
    rec.wait_for(Duration::from_secs(10), |e| {
        matches!(e, LegacyEvent::Reconnected { .. })
    })
    .await
    .expect("onReconnected");
    settle().await;
    assert_eq!(
        transcript(&rec),
        [
            "onReconnecting(1)",
            "onReconnecting(2)",
            "onReconnecting(3)",
            "onReconnected(1)",
            r#"onMessageInstantReceive("bob", 0, "while you were away")"#,
        ]
    );
    assert_eq!(sig.get_status(), 2);
    assert!(sig.is_online());
}

#[tokio::test(start_paused = true)]
async fn contract_s5_channels_survive_a_reconnection() {
    let system = system();
    let (sig, rec) = logged_in_alice(&system, 60, 100).await;
    let (bob, rb) = logged_in(&system, "bob").await;
    sig.channel_join("ch");
    bob.channel_join("ch");
    settle().await;
    rec.take();
    rb.take();
    system.cut_user_for(APP, "alice", Duration::from_secs(8));
    rec.wait_for(Duration::from_secs(30), |e| {
        matches!(e, LegacyEvent::Reconnected { .. })
    })
    .await
    .expect("onReconnected");
    settle().await;
    assert_eq!(transcript(&rec), ["onReconnecting(1)", "onReconnected(1)"]);
    // Still a member: channel messages flow both ways, and a re-join replays the sequence (C3).
    bob.message_channel_send("ch", "welcome back", "m1");
    settle().await;
    assert_eq!(
        &transcript(&rec)[2..],
        [format!(
            r#"onMessageChannelReceive("ch", "bob", {}, "welcome back")"#,
            uid("bob")
        )]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_s5_outage_longer_than_retry_time_logs_out_102() {
    let system = system();
    let (sig, rec) = logged_in_alice(&system, 15, 1000).await;
    system.cut_user(APP, "alice");
    let cut_at = Instant::now();
    rec.wait_for(Duration::from_secs(60), |e| {
        matches!(e, LegacyEvent::Logout { .. })
    })
    .await
    .expect("onLogout");
    let took = cut_at.elapsed();
    assert!(
        took >= Duration::from_secs(15) && took <= Duration::from_secs(21),
        "{took:?}"
    );
    assert_eq!(
        transcript(&rec),
        ["onReconnecting(1)", "onReconnecting(2)", "onLogout(102)"]
    );
    assert_eq!(sig.get_status(), 0);
    // The shim logged out of RTM: when the network is back, nothing comes back.
    system.restore_user(APP, "alice");
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(transcript(&rec).len(), 3, "{:?}", transcript(&rec));
    assert_eq!(sig.get_status(), 0);
    assert!(!system.online_users(APP).contains(&"alice".to_string()));
    // And the instance can log in again.
    sig.login2(APP, "alice", "", 0, "", 30, 3);
    settle().await;
    assert_eq!(
        transcript(&rec).last().cloned(),
        Some(format!("onLoginSuccess({}, 1)", uid("alice")))
    );
}

#[tokio::test(start_paused = true)]
async fn contract_s5_outage_longer_than_retry_count_logs_out_102() {
    let system = system();
    let (sig, rec) = logged_in_alice(&system, 3600, 2).await;
    system.cut_user(APP, "alice");
    rec.wait_for(Duration::from_secs(120), |e| {
        matches!(e, LegacyEvent::Logout { .. })
    })
    .await
    .expect("onLogout after 2 attempts");
    assert_eq!(
        transcript(&rec),
        ["onReconnecting(1)", "onReconnecting(2)", "onLogout(102)"]
    );
    assert_eq!(sig.get_status(), 0);
}

#[tokio::test(start_paused = true)]
async fn contract_s5_login_defaults_give_up_after_30_s() {
    let system = system();
    let (sig, rec) = legacy(&system);
    sig.login(APP, "alice", "", 0, "");
    login_outcome(&rec, Duration::from_secs(10)).await;
    rec.take();
    system.cut_user(APP, "alice");
    rec.wait_for(Duration::from_secs(120), |e| {
        matches!(e, LegacyEvent::Logout { .. })
    })
    .await
    .expect("onLogout");
    assert_eq!(
        transcript(&rec),
        [
            "onReconnecting(1)",
            "onReconnecting(2)",
            "onReconnecting(3)",
            "onLogout(102)"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn contract_s5_logout_while_reconnecting_is_answered_at_once() {
    let system = system();
    let (sig, rec) = logged_in_alice(&system, 60, 100).await;
    system.cut_user(APP, "alice");
    rec.wait_for(Duration::from_secs(10), |e| {
        matches!(e, LegacyEvent::Reconnecting { .. })
    })
    .await
    .expect("onReconnecting(1)");
    sig.logout();
    tokio::time::sleep(Duration::from_secs(12)).await;
    assert_eq!(transcript(&rec), ["onReconnecting(1)", "onLogout(101)"]);
    assert_eq!(sig.get_status(), 0);
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(transcript(&rec).len(), 2, "no timer fires after the logout");
}

// ------------------------------------------------------------------------------------- S6

#[tokio::test(start_paused = true)]
async fn contract_s6_remote_login_logs_out_103() {
    let system = system();
    let (old, r_old) = logged_in(&system, "alice").await;
    let (_bob, rb) = logged_in(&system, "bob").await;
    old.channel_join("ch");
    settle().await;
    r_old.take();

    let (new, r_new) = legacy(&system);
    new.login2(APP, "alice", "", 0, "", 30, 3);
    settle().await;
    assert_eq!(
        transcript(&r_old),
        ["onLogout(103)"],
        "no channel callbacks"
    );
    assert_eq!(old.get_status(), 0);
    assert_eq!(
        transcript(&r_new),
        [format!("onLoginSuccess({}, 1)", uid("alice"))]
    );
    assert_eq!(new.get_status(), 2);

    // Messages now reach the new session only.
    r_new.take();
    _bob.message_instant_send("alice", 0, "hello", "m1");
    settle().await;
    assert_eq!(
        transcript(&r_new),
        [r#"onMessageInstantReceive("bob", 0, "hello")"#]
    );
    assert_eq!(transcript(&r_old), ["onLogout(103)"]);
    drop(rb);

    // The old instance can log in again, which kicks the new one.
    r_old.take();
    r_new.take();
    old.login2(APP, "alice", "", 0, "", 30, 3);
    settle().await;
    assert_eq!(
        transcript(&r_old),
        [format!("onLoginSuccess({}, 1)", uid("alice"))]
    );
    assert_eq!(transcript(&r_new), ["onLogout(103)"]);
}

#[tokio::test(start_paused = true)]
async fn contract_s6_banned_logs_out_100() {
    let system = system();
    let tap = Tap::new(&system);
    let (sig, rec) = legacy_with(tap.config(&system));
    sig.login2(APP, "alice", "", 0, "", 30, 3);
    login_outcome(&rec, Duration::from_secs(10)).await;
    sig.channel_join("ch");
    settle().await;
    rec.take();
    tap.inject(Event::Kicked(KickReason::Banned));
    settle().await;
    assert_eq!(transcript(&rec), ["onLogout(100)"]);
    assert_eq!(sig.get_status(), 0);
}

#[tokio::test(start_paused = true)]
async fn contract_s6_banned_by_the_system_logs_out_100() {
    let system = system();
    let (sig, rec) = logged_in_alice(&system, 30, 3).await;
    system.ban_user(APP, "alice");
    settle().await;
    assert_eq!(transcript(&rec), ["onLogout(100)"]);
    assert_eq!(sig.get_status(), 0);
    // Logins are refused while the ban lasts.
    rec.take();
    sig.login2(APP, "alice", "", 0, "", 30, 3);
    settle().await;
    assert_eq!(transcript(&rec), ["onLoginFailed(202)"]);
}

#[tokio::test(start_paused = true)]
async fn contract_s6_banned_while_reconnecting_logs_out_100() {
    let system = system();
    let (sig, rec) = logged_in_alice(&system, 60, 100).await;
    system.cut_user(APP, "alice");
    rec.wait_for(Duration::from_secs(10), |e| {
        matches!(e, LegacyEvent::Reconnecting { .. })
    })
    .await
    .expect("onReconnecting(1)");
    system.ban_user(APP, "alice");
    system.restore_user(APP, "alice");
    rec.wait_for(Duration::from_secs(30), |e| {
        matches!(e, LegacyEvent::Logout { .. })
    })
    .await
    .expect("onLogout(100)");
    assert_eq!(transcript(&rec), ["onReconnecting(1)", "onLogout(100)"]);
    assert_eq!(sig.get_status(), 0);
}

// ------------------------------------------------------------------------------------- S7

#[tokio::test(start_paused = true)]
async fn contract_s7_expired_token_is_renewed_through_the_provider() {
    let system = system();
    let tap = Tap::new(&system);
    let issued = Arc::new(AtomicU32::new(0));
    let n = issued.clone();
    let provider = move |_: &str, account: &str| {
        let v = n.fetch_add(1, Ordering::SeqCst) + 1;
        Some(format!("rtm-{account}-v{v}"))
    };
    let (sig, rec) = legacy_with(tap.config(&system).token_provider(provider));
    let legacy_token = build_signaling_token("alice", APP, "cert", 2_000_000_000);
    sig.login2(APP, "alice", &legacy_token, 0, "", 60, 100);
    login_outcome(&rec, Duration::from_secs(10)).await;
    assert_eq!(tap.login_tokens(), [Some("rtm-alice-v1".to_string())]);
    rec.take();

    // The token expires; a connected user stays online.
    system.expire_token(APP, "alice");
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert!(transcript(&rec).is_empty());
    // While reconnecting the expired token is refused; the shim renews it silently.
    system.cut_user_for(APP, "alice", Duration::from_secs(6));
    rec.wait_for(Duration::from_secs(60), |e| {
        matches!(
            e,
            LegacyEvent::Reconnected { .. } | LegacyEvent::Logout { .. }
        )
    })
    .await
    .expect("back or out");
    let t = transcript(&rec);
    assert_eq!(t, ["onReconnecting(1)", "onReconnected(1)"]);
    assert_eq!(sig.get_status(), 2);
    assert_eq!(issued.load(Ordering::SeqCst), 2, "one renewal");
}

#[tokio::test(start_paused = true)]
async fn contract_s7_expired_token_without_provider_logs_out_105() {
    let system = system();
    let (sig, rec) = logged_in_alice(&system, 60, 100).await;
    system.expire_token(APP, "alice");
    system.cut_user_for(APP, "alice", Duration::from_secs(6));
    rec.wait_for(Duration::from_secs(60), |e| {
        matches!(e, LegacyEvent::Logout { .. })
    })
    .await
    .expect("onLogout(105)");
    assert_eq!(transcript(&rec), ["onReconnecting(1)", "onLogout(105)"]);
    assert_eq!(sig.get_status(), 0);
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(transcript(&rec).len(), 2, "{:?}", transcript(&rec));
    assert!(!system.online_users(APP).contains(&"alice".to_string()));
}

// ------------------------------------------------------------------------------------- S8

#[tokio::test(start_paused = true)]
async fn contract_s8_destroy_logs_out_silently_and_later_calls_are_no_ops() {
    let system = system();
    let (a, ra) = logged_in(&system, "alice").await;
    let (b, rb) = logged_in(&system, "bob").await;
    a.channel_join("ch");
    b.channel_join("ch");
    settle().await;
    ra.take();
    rb.take();

    a.destroy();
    settle().await;
    assert!(
        ra.events().is_empty(),
        "not even onLogout: {:?}",
        ra.events()
    );
    assert_eq!(a.get_status(), 0);
    assert_eq!(system.online_users(APP), ["bob"]);
    assert_eq!(
        transcript(&rb),
        [format!(r#"onChannelUserLeaved("alice", {})"#, uid("alice"))]
    );

    // Later calls do nothing; events for the old session reach nobody.
    a.login2(APP, "alice", "", 0, "", 30, 3);
    a.channel_join("ch");
    a.message_instant_send("bob", 0, "hi", "m1");
    a.logout();
    a.destroy();
    b.message_instant_send("alice", 0, "still there?", "m2");
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(ra.events().is_empty(), "{:?}", ra.events());
    assert_eq!(system.online_users(APP), ["bob"]);
    assert_eq!(a.get_status(), 0);
}

#[tokio::test(start_paused = true)]
async fn contract_s8_destroy_while_logging_in_stops_the_login() {
    let system = system();
    let tap = Tap::new(&system);
    tap.delay_connects(Duration::from_secs(1));
    let (sig, rec) = legacy_with(tap.config(&system));
    sig.login2(APP, "alice", "", 0, "", 30, 3);
    settle().await;
    sig.destroy();
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert!(rec.events().is_empty(), "{:?}", rec.events());
    assert!(system.online_users(APP).is_empty());
    assert_eq!(sig.get_status(), 0);
}

#[tokio::test(start_paused = true)]
async fn contract_s8_destroy_stops_login2_retries() {
    let system = system();
    let tap = Tap::new(&system);
    tap.answer_logins(|_| Some(login_failure(FailureReason::Timeout)));
    let (sig, rec) = legacy_with(tap.config(&system));
    sig.login2(APP, "alice", "", 0, "", 600, 1000);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(transcript(&rec).is_empty());
    rec.take();
    sig.destroy();
    let attempts = tap.login_tokens().len();
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(
        tap.login_tokens().len(),
        attempts,
        "no attempt after destroy"
    );
    assert!(rec.events().is_empty(), "{:?}", rec.events());
}

/// Sends each callback's legacy text to a channel; counts them.
struct Forward(Mutex<mpsc::Sender<String>>, AtomicU32);

impl SignalingCallback for Forward {
    fn on_login_success(&self, uid: u32, fd: i32) {
        self.1.fetch_add(1, Ordering::SeqCst);
        let _ = self.0.lock().send(format!("onLoginSuccess({uid}, {fd})"));
    }

    fn on_message_instant_receive(&self, account: &str, uid: u32, msg: &str) {
        self.1.fetch_add(1, Ordering::SeqCst);
        let _ = self.0.lock().send(format!(
            "onMessageInstantReceive({account:?}, {uid}, {msg:?})"
        ));
    }

    fn on_message_send_success(&self, message_id: &str) {
        self.1.fetch_add(1, Ordering::SeqCst);
        let _ = self
            .0
            .lock()
            .send(format!("onMessageSendSuccess({message_id:?})"));
    }
}

#[test]
fn contract_s8_no_callback_runs_after_destroy_returns_on_the_callback_thread() {
    let system = System::new(SystemConfig::default());
    let make = || {
        let (tx, rx) = mpsc::channel();
        let handler = Arc::new(Forward(Mutex::new(tx), AtomicU32::new(0)));
        let sig = Signaling::create_instance(
            SignalingConfig::default()
                .system(&system)
                .callback_mode(CallbackMode::Thread),
        );
        sig.callback_set(Some(handler.clone()));
        (sig, handler, rx)
    };
    let wait = |rx: &mpsc::Receiver<String>, what: &str| loop {
        let got = rx.recv_timeout(Duration::from_secs(10)).expect(what);
        if got.starts_with(what) {
            return;
        }
    };
    let (a, ha, ra) = make();
    let (b, _hb, rb) = make();
    a.login2(APP, "alice", "", 0, "", 30, 3);
    b.login2(APP, "bob", "", 0, "", 30, 3);
    wait(&ra, "onLoginSuccess");
    wait(&rb, "onLoginSuccess");

    // A stream of messages to alice is in flight while she destroys.
    for i in 0..200 {
        b.message_instant_send("alice", 0, &format!("m{i}"), &format!("id{i}"));
    }
    wait(&ra, "onMessageInstantReceive");
    a.destroy();
    let at_destroy = ha.1.load(Ordering::SeqCst);

    // Bob's sends all complete (so every event for alice was produced), and more follow.
    for i in 0..200 {
        wait(&rb, &format!("onMessageSendSuccess(\"id{i}\")"));
    }
    b.message_instant_send("alice", 0, "after", "last");
    wait(&rb, "onMessageSendSuccess(\"last\")");
    assert_eq!(
        ha.1.load(Ordering::SeqCst),
        at_destroy,
        "a callback ran after destroy returned"
    );
    b.destroy();
}
