//! The usage report of a running app (`Signaling::migration_report`) and the first-call hint
//! that names each legacy method's RTM replacement. Virtual time throughout.

mod legacy_common;

use legacy_common::{legacy, logged_in, settle};
use sig2rtm::mapping::{LegacyMethod, MethodKind};
use sig2rtm::migration::first_call_hint;
use sig2rtm::system::{System, SystemConfig};
use std::cell::RefCell;

thread_local! {
    /// The facade's `info` lines logged on this thread (each test runs on its own thread, and
    /// the facade logs on the caller's thread).
    static HINTS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() == log::Level::Info && metadata.target() == "sig2rtm::signaling::facade"
    }

    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            HINTS.with(|h| h.borrow_mut().push(record.args().to_string()));
        }
    }

    fn flush(&self) {}
}

fn capture_hints() {
    if log::set_logger(&Capture).is_ok() {
        log::set_max_level(log::LevelFilter::Info);
    }
    HINTS.with(|h| h.borrow_mut().clear());
}

fn hints() -> Vec<String> {
    HINTS.with(|h| h.borrow().clone())
}

#[tokio::test(start_paused = true)]
async fn migration_report_counts_each_legacy_call_with_its_kind_and_replacement() {
    let system = System::new(SystemConfig::default());
    let (sig, _rec) = logged_in(&system, "report-alice").await;
    sig.message_instant_send("report-bob", 0, "one", "m1");
    sig.message_instant_send("report-bob", 0, "two", "m2");
    sig.channel_join("lobby");
    for _ in 0..3 {
        sig.get_status();
    }
    sig.set_background(1);
    settle().await;

    let report = sig.migration_report();
    let calls: Vec<(&str, u64)> = report
        .methods()
        .iter()
        .map(|u| (u.legacy_name(), u.calls))
        .collect();
    assert_eq!(
        calls,
        [
            ("callbackSet", 1),
            ("login2", 1),
            ("channelJoin", 1),
            ("messageInstantSend", 2),
            ("setBackground", 1),
            ("getStatus", 3),
        ]
    );
    let send = report.get(LegacyMethod::MessageInstantSend).unwrap();
    assert_eq!(send.kind(), MethodKind::Direct);
    assert_eq!(send.rtm(), ["createMessage", "sendMessageToPeer"]);
    assert_eq!(send.replacement(), "createMessage + sendMessageToPeer");
    assert_eq!(
        send.rust_replacement(),
        "RtmMessage::from_text, RtmClient::send_message_to_peer"
    );
    assert_eq!(
        report
            .get(LegacyMethod::SetBackground)
            .unwrap()
            .replacement(),
        "none: RTM cannot do it"
    );
    for u in report.methods() {
        assert_eq!(u.calls, sig.calls_of(u.method));
    }

    let table = report.to_string();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 2 + 6 + 1, "{table}");
    assert!(
        lines[5].starts_with("messageInstantSend      2  direct"),
        "{table}"
    );
    assert!(
        lines[5].ends_with("createMessage + sendMessageToPeer"),
        "{table}"
    );
    assert_eq!(
        lines[8],
        "6 legacy methods, 9 calls: direct 2 (3 calls), emulated 1 (1 call), \
         local 2 (4 calls), unsupported 1 (1 call)"
    );
    sig.destroy();
}

#[tokio::test(start_paused = true)]
async fn a_fresh_instance_reports_no_legacy_call() {
    let system = System::new(SystemConfig::default());
    let sig = sig2rtm::signaling::Signaling::create_instance(legacy_common::config(&system));
    let report = sig.migration_report();
    assert!(report.is_empty());
    assert_eq!(
        report.to_string(),
        "no legacy Signaling method was called\n"
    );
    sig.destroy();
}

#[tokio::test(start_paused = true)]
async fn the_first_call_of_each_legacy_method_logs_one_hint_naming_its_replacement() {
    capture_hints();
    let system = System::new(SystemConfig::default());
    let (sig, _rec) = legacy(&system);
    sig.ping();
    sig.ping();
    sig.message_instant_send("hint-bob", 0, "a", "");
    sig.message_instant_send("hint-bob", 0, "b", "");
    sig.set_background(0);
    sig.channel_join("lobby");
    sig.channel_join("lobby");
    settle().await;
    assert_eq!(
        hints(),
        [
            first_call_hint(LegacyMethod::Ping),
            first_call_hint(LegacyMethod::MessageInstantSend),
            first_call_hint(LegacyMethod::SetBackground),
            first_call_hint(LegacyMethod::ChannelJoin),
        ]
    );
    let h = hints();
    assert!(h[0].contains("ping (local)") && h[0].contains("no RTM call replaces it"));
    assert!(h[1].contains("createMessage + sendMessageToPeer"));
    assert!(h[1].contains("RtmClient::send_message_to_peer"));
    assert!(h[2].contains("setBackground (unsupported) has no RTM replacement"));
    assert!(h[3].contains("RtmChannel::join") && h[3].contains("MIGRATION.md, Channels"));

    // Counting is per instance: a second instance hints again, once.
    let (other, _rec) = legacy(&system);
    other.ping();
    other.ping();
    settle().await;
    assert_eq!(hints().len(), 5);
    assert_eq!(hints()[4], first_call_hint(LegacyMethod::Ping));
    sig.destroy();
    other.destroy();
}
