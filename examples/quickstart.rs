//! Two legacy Signaling clients on the embedded RTM system: login2, a channel with its user
//! list, a channel message with the legacy echo, a peer message, an invitation that is accepted
//! and ended, and logout — every callback printed, legacy style, as it arrives.
//!
//! Run with `cargo run --example quickstart`. With `SIG2RTM_SERVER=host:port` set, the same
//! walkthrough runs against that `sig2rtm-server` instead; when it cannot be reached, the failed
//! login is reported and the example exits with status 1.

use sig2rtm::signaling::{LegacyEvent, Signaling, SignalingConfig};
use std::sync::mpsc;
use std::time::Duration;

const APP_ID: &str = "0123456789abcdef0123456789abcdef";

/// A legacy client whose callbacks are printed and also sent to `events`.
fn client(name: &'static str, events: mpsc::Sender<(&'static str, LegacyEvent)>) -> Signaling {
    let sig = Signaling::create_instance(SignalingConfig::default());
    let events = std::sync::Mutex::new(events);
    sig.callback_set(Some(std::sync::Arc::new(move |event: LegacyEvent| {
        if !matches!(event, LegacyEvent::Log { .. }) {
            println!("  [{name}] {event}");
            if let Ok(tx) = events.lock() {
                let _ = tx.send((name, event));
            }
        }
    })));
    sig
}

/// Callbacks that mean a step of the walkthrough failed: the quickstart stops and says so.
const FAILURES: [&str; 4] = [
    "onLoginFailed",
    "onChannelJoinFailed",
    "onMessageSendError",
    "onInviteFailed",
];

/// The callbacks printed so far, for the walkthrough to wait on.
struct Seen {
    rx: mpsc::Receiver<(&'static str, LegacyEvent)>,
    backlog: Vec<(&'static str, LegacyEvent)>,
}

impl Seen {
    /// Waits until `who` has received a callback named `callback`: at most 40 s for a login
    /// (login2 retries an unreachable system for up to 30 s), 5 s for anything else.
    fn wait(&mut self, who: &str, callback: &str) {
        let limit = Duration::from_secs(if callback == "onLoginSuccess" { 40 } else { 5 });
        let matches =
            |(name, event): &(&str, LegacyEvent)| *name == who && event.legacy_name() == callback;
        loop {
            if let Some(i) = self.backlog.iter().position(matches) {
                self.backlog.remove(i);
                return;
            }
            match self.rx.recv_timeout(limit) {
                Ok((name, event)) if FAILURES.contains(&event.legacy_name()) => {
                    eprintln!("FAILED: {name} got {event} while waiting for {callback}");
                    if let Ok(server) = std::env::var("SIG2RTM_SERVER") {
                        eprintln!(
                            "(SIG2RTM_SERVER={server}: is sig2rtm-server running there? \
                             Start one with `cargo run --bin sig2rtm-server -- --listen {server}`)"
                        );
                    }
                    std::process::exit(1);
                }
                Ok(item) => self.backlog.push(item),
                Err(_) => {
                    eprintln!(
                        "FAILED: no {callback} for {who} within {} s; stopping",
                        limit.as_secs()
                    );
                    std::process::exit(1);
                }
            }
        }
    }
}

fn main() {
    let (tx, rx) = mpsc::channel();
    let alice = client("alice", tx.clone());
    let bob = client("bob", tx);
    let mut seen = Seen {
        rx,
        backlog: Vec::new(),
    };

    println!("alice and bob log in with login2 (no token needed on an App-ID-only app)");
    alice.login2(APP_ID, "alice", "_no_need_token", 0, "", 30, 3);
    seen.wait("alice", "onLoginSuccess");
    bob.login2(APP_ID, "bob", "_no_need_token", 0, "", 30, 3);
    seen.wait("bob", "onLoginSuccess");

    println!("bob joins \"lobby\", then alice: she gets the user list, bob sees her join");
    bob.channel_join("lobby");
    seen.wait("bob", "onChannelUserList");
    alice.channel_join("lobby");
    seen.wait("alice", "onChannelUserList");
    seen.wait("bob", "onChannelUserJoined");

    println!("alice sends a channel message: success, her own echo, and bob's copy");
    alice.message_channel_send("lobby", "hello lobby", "");
    seen.wait("alice", "onMessageChannelReceive");
    seen.wait("bob", "onMessageChannelReceive");

    println!("bob sends alice a peer message");
    bob.message_instant_send("alice", 0, "hi alice", "");
    seen.wait("alice", "onMessageInstantReceive");

    println!("alice invites bob to a call in \"room-1\"; bob accepts; alice ends it");
    alice.channel_invite_user2("room-1", "bob", r#"{"_require_peer_online":1}"#);
    seen.wait("bob", "onInviteReceived");
    bob.channel_invite_accept("room-1", "alice", 0, "");
    seen.wait("alice", "onInviteAcceptedByPeer");
    alice.channel_invite_end("room-1", "bob", 0);
    seen.wait("bob", "onInviteEndByPeer");

    println!("both log out");
    alice.logout();
    seen.wait("alice", "onLogout");
    bob.logout();
    seen.wait("bob", "onLogout");

    alice.destroy();
    bob.destroy();
    println!("done");
}
