//! Gradual migration: one app whose old part still speaks the legacy Signaling API and whose new
//! part already uses RTM, both on the same login and connection.
//!
//! Alice's app logs in through the legacy facade (old code). Its new presence and messaging code
//! takes the RTM client underneath with `Signaling::rtm_client()` and uses the RTM core API
//! directly. Bob's app is still fully legacy. The example prints what each part receives and
//! checks that each gets what it should — and nothing it should not — then prints the app's
//! migration report: the legacy calls left to migrate.
//!
//! Run with `cargo run --example migration` (embedded RTM system, real time, a few seconds).

use sig2rtm::rtm::{
    ChannelEvent, EventStream, RtmClient, RtmEvent, RtmMessage, SendMessageOptions,
};
use sig2rtm::signaling::{CallbackMode, LegacyEvent, Signaling, SignalingConfig};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;
use tokio::runtime::Runtime;

const APP_ID: &str = "0123456789abcdef0123456789abcdef";
/// The longest any step may take before the example gives up.
const STEP: Duration = Duration::from_secs(5);
/// How long to listen for something that must not arrive.
const QUIET: Duration = Duration::from_millis(300);

fn fail(what: &str) -> ! {
    eprintln!("FAILED: {what}");
    std::process::exit(1);
}

/// Prints the facade's first-call hints (one `info` line per legacy method and instance, naming
/// its RTM replacement); every other log line is left out to keep the output short.
struct Hints;

impl log::Log for Hints {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::Level::Info && metadata.target() == "sig2rtm::signaling::facade"
    }

    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            println!("  [hint]         {}", record.args());
        }
    }

    fn flush(&self) {}
}

/// The legacy callbacks of one instance, as they arrive on its callback thread.
struct Inbox {
    name: &'static str,
    rx: mpsc::Receiver<LegacyEvent>,
    backlog: Vec<LegacyEvent>,
}

impl Inbox {
    /// Waits for the callback named `callback` (legacy name, e.g. `onLoginSuccess`).
    fn wait(&mut self, callback: &str) -> LegacyEvent {
        loop {
            if let Some(i) = self
                .backlog
                .iter()
                .position(|e| e.legacy_name() == callback)
            {
                return self.backlog.remove(i);
            }
            match self.rx.recv_timeout(STEP) {
                Ok(event) => self.backlog.push(event),
                Err(_) => fail(&format!("{} got no {callback} within {STEP:?}", self.name)),
            }
        }
    }

    /// Checks that no callback named `callback` arrives for a while.
    fn never(&mut self, callback: &str) {
        while let Ok(event) = self.rx.recv_timeout(QUIET) {
            self.backlog.push(event);
        }
        if self.backlog.iter().any(|e| e.legacy_name() == callback) {
            fail(&format!("{} unexpectedly got {callback}", self.name));
        }
        println!(
            "  ({} legacy part: no {callback}, as it should be)",
            self.name
        );
    }
}

/// A legacy instance of the app `name`, its callbacks printed and queued in its inbox.
fn legacy(name: &'static str, runtime: &Runtime) -> (Signaling, Inbox) {
    let sig = Signaling::create_instance(
        SignalingConfig::default()
            .callback_mode(CallbackMode::Thread)
            .runtime(runtime.handle().clone()),
    );
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    sig.callback_set(Some(Arc::new(move |event: LegacyEvent| {
        if !matches!(event, LegacyEvent::Log { .. }) {
            println!("  [{name} legacy] {event}");
            if let Ok(tx) = tx.lock() {
                let _ = tx.send(event);
            }
        }
    })));
    let inbox = Inbox {
        name,
        rx,
        backlog: Vec::new(),
    };
    (sig, inbox)
}

/// One line about an RTM event.
fn describe(event: &RtmEvent) -> String {
    match event {
        RtmEvent::MessageFromPeer { peer_id, message } => {
            format!("MessageFromPeer {peer_id}: {:?}", message.text())
        }
        RtmEvent::PeersOnlineStatusChanged(list) => {
            let states: Vec<String> = list
                .iter()
                .map(|s| format!("{} {}", s.peer_id, s.online_state))
                .collect();
            format!("PeersOnlineStatusChanged [{}]", states.join(", "))
        }
        RtmEvent::Channel { channel_id, event } => match event {
            ChannelEvent::MemberJoined { user_id } => {
                format!("Channel {channel_id}: MemberJoined {user_id}")
            }
            ChannelEvent::MessageReceived { user_id, message } => {
                format!(
                    "Channel {channel_id}: MessageReceived {user_id}: {:?}",
                    message.text()
                )
            }
            other => format!("Channel {channel_id}: {other:?}"),
        },
        RtmEvent::ConnectionStateChanged { state, reason } => {
            format!("ConnectionStateChanged {state} ({reason})")
        }
        other => format!("{other:?}"),
    }
}

/// Waits on the new part's event stream for an event `wanted` accepts.
fn wait_rtm(
    runtime: &Runtime,
    events: &mut EventStream,
    what: &str,
    wanted: impl Fn(&RtmEvent) -> bool,
) {
    let found = runtime.block_on(async {
        tokio::time::timeout(STEP, async {
            while let Some(event) = events.recv().await {
                println!("  [alice rtm]    {}", describe(&event));
                if wanted(&event) {
                    return true;
                }
            }
            false
        })
        .await
    });
    if found != Ok(true) {
        fail(&format!("alice's RTM part saw no {what} within {STEP:?}"));
    }
}

/// Checks that nothing arrives on the new part's stream for a while, except `allowed` events.
fn rtm_quiet(
    runtime: &Runtime,
    events: &mut EventStream,
    what: &str,
    allowed: impl Fn(&RtmEvent) -> bool,
) {
    runtime.block_on(async { tokio::time::sleep(QUIET).await });
    for event in events.drain() {
        println!("  [alice rtm]    {}", describe(&event));
        if !allowed(&event) {
            fail(&format!(
                "alice's RTM part unexpectedly saw {}",
                describe(&event)
            ));
        }
    }
    println!("  (alice RTM part: no {what}, as it should be)");
}

fn main() {
    if log::set_logger(&Hints).is_ok() {
        log::set_max_level(log::LevelFilter::Info);
    }
    let runtime = Runtime::new().unwrap_or_else(|e| fail(&format!("no tokio runtime: {e}")));
    let (alice, mut alice_inbox) = legacy("alice", &runtime);
    let (bob, mut bob_inbox) = legacy("bob", &runtime);

    println!("1. Alice's old code logs in through the legacy facade.");
    alice.login2(APP_ID, "alice", "_no_need_token", 0, "", 30, 3);
    alice_inbox.wait("onLoginSuccess");

    println!("2. Her new code takes the RTM client under the facade and follows Bob's presence.");
    let client: RtmClient = alice
        .rtm_client()
        .unwrap_or_else(|| fail("no RTM client after the login"));
    let mut events = client.subscribe();
    runtime
        .block_on(client.subscribe_peers_online_status(&["bob"]))
        .unwrap_or_else(|e| fail(&format!("subscribe_peers_online_status: {e}")));
    wait_rtm(&runtime, &mut events, "Bob's first state", |e| {
        matches!(e, RtmEvent::PeersOnlineStatusChanged(_))
    });

    println!("3. Bob (a legacy app) logs in; the new code sees him come online.");
    bob.login2(APP_ID, "bob", "_no_need_token", 0, "", 30, 3);
    bob_inbox.wait("onLoginSuccess");
    wait_rtm(
        &runtime,
        &mut events,
        "Bob online",
        |e| matches!(e, RtmEvent::PeersOnlineStatusChanged(l) if l.iter().any(|s| s.peer_id == "bob" && s.is_online())),
    );

    println!("4. Bob sends Alice a peer message: both of her parts receive it.");
    bob.message_instant_send("alice", 0, "hi alice", "m1");
    bob_inbox.wait("onMessageSendSuccess");
    alice_inbox.wait("onMessageInstantReceive");
    wait_rtm(
        &runtime,
        &mut events,
        "Bob's message",
        |e| matches!(e, RtmEvent::MessageFromPeer { peer_id, .. } if peer_id == "bob"),
    );

    println!("5. The new code answers through RTM: Bob's legacy code receives it; the old part hears nothing.");
    let delivery = runtime
        .block_on(client.send_message_to_peer(
            "bob",
            &RtmMessage::from_text("hi bob, from the new code"),
            SendMessageOptions::default(),
        ))
        .unwrap_or_else(|e| fail(&format!("send_message_to_peer: {e}")));
    println!("  [alice rtm]    send_message_to_peer -> {delivery:?}");
    bob_inbox.wait("onMessageInstantReceive");
    alice_inbox.never("onMessageSendSuccess");

    println!("6. The old code joins \"lobby\"; Bob joins too. Legacy callbacks and RTM events both report it.");
    alice.channel_join("lobby");
    alice_inbox.wait("onChannelJoined");
    alice_inbox.wait("onChannelUserList");
    bob.channel_join("lobby");
    bob_inbox.wait("onChannelUserList");
    alice_inbox.wait("onChannelUserJoined");
    wait_rtm(
        &runtime,
        &mut events,
        "Bob joining",
        |e| matches!(e, RtmEvent::Channel { event: ChannelEvent::MemberJoined { user_id }, .. } if user_id == "bob"),
    );

    println!("7. The new code posts to the lobby through RTM: Bob gets it, Alice's old part sees no echo.");
    let lobby = client
        .create_channel("lobby")
        .unwrap_or_else(|e| fail(&format!("create_channel: {e}")));
    runtime
        .block_on(lobby.send_message(
            &RtmMessage::from_text("posted by the new code"),
            SendMessageOptions::default(),
        ))
        .unwrap_or_else(|e| fail(&format!("send_message: {e}")));
    bob_inbox.wait("onMessageChannelReceive");
    alice_inbox.never("onMessageChannelReceive");

    println!(
        "8. The old code posts through the facade: the legacy echo reaches the old part only."
    );
    alice.message_channel_send("lobby", "posted by the old code", "m2");
    alice_inbox.wait("onMessageSendSuccess");
    alice_inbox.wait("onMessageChannelReceive");
    bob_inbox.wait("onMessageChannelReceive");
    rtm_quiet(&runtime, &mut events, "copy of its own message", |e| {
        matches!(
            e,
            RtmEvent::Channel {
                event: ChannelEvent::MemberCountUpdated(_),
                ..
            }
        )
    });

    println!("9. The new code counts the lobby with RTM.");
    let counts = runtime
        .block_on(client.get_channel_member_count(&["lobby"]))
        .unwrap_or_else(|e| fail(&format!("get_channel_member_count: {e}")));
    println!("  [alice rtm]    lobby has {} members", counts[0].count);

    println!("10. What Alice's app still calls through the legacy API:");
    println!();
    print!("{}", alice.migration_report());
    println!();

    alice.logout();
    alice_inbox.wait("onLogout");
    bob.logout();
    bob_inbox.wait("onLogout");
    alice.destroy();
    bob.destroy();
    println!("done: both parts of Alice's app received what they should.");
}
