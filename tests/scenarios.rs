//! The legacy-flow scenarios under `tests/scenarios/`: every file passes, every file gives the
//! same transcripts run after run, timers run in virtual time, and a wrong expectation fails
//! with a diff that names the client, the position and the callback.

use sig2rtm::testkit::{check, normalize, record, run, Outcome, Scenario};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How many times the determinism test runs each scenario.
const RUNS: usize = 20;

fn scenario_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios")
}

fn scenario_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(scenario_dir())
        .expect("tests/scenarios/ is readable")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

fn load(path: &PathBuf) -> Scenario {
    Scenario::load(path).unwrap_or_else(|e| panic!("{e}"))
}

fn load_named(name: &str) -> Scenario {
    load(&scenario_dir().join(name))
}

#[test]
fn at_least_thirty_scenarios_ship_each_with_a_title_and_the_rules_it_covers() {
    let files = scenario_files();
    assert!(files.len() >= 30, "only {} scenario files", files.len());
    for file in &files {
        let s = load(file);
        assert!(
            !s.title.trim().is_empty(),
            "{}: empty title",
            file.display()
        );
        assert!(
            !s.covers.is_empty(),
            "{}: `covers` is empty",
            file.display()
        );
        if let Some(reason) = &s.pending {
            assert!(
                !reason.trim().is_empty(),
                "{}: empty pending",
                file.display()
            );
        } else {
            assert!(s.expect.is_some(), "{}: no [expect]", file.display());
        }
    }
}

#[test]
fn the_flows_and_the_multi_client_and_timed_rules_are_covered() {
    let covered: Vec<String> = scenario_files()
        .iter()
        .flat_map(|f| load(f).covers)
        .collect();
    let required = [
        "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", // signaling-legacy.md §9
        "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C10", // channels
        "M1", "M2", "M4", // messages
        "I1", "I2", "I3", "I4", "I5", "I6", // calls
        "S3", "S5", "S6", "S7", "S8", // session
        "Q1", "Q2", "T3", "T4",
    ];
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|r| !covered.iter().any(|c| c == r))
        .collect();
    assert!(missing.is_empty(), "no scenario covers {missing:?}");
}

#[test]
fn every_scenario_passes() {
    let mut failures = Vec::new();
    let mut pending = Vec::new();
    for file in scenario_files() {
        let scenario = load(&file);
        match check(&scenario) {
            Ok(Outcome::Pass(_)) => {}
            Ok(Outcome::Pending(reason)) => pending.push(format!("{}: {reason}", file.display())),
            Ok(Outcome::Fail { transcripts, diff }) => failures.push(format!(
                "FAIL {}\n{diff}\nobserved:\n{transcripts}",
                file.display()
            )),
            Err(e) => failures.push(format!("ERROR {}: {e}", file.display())),
        }
    }
    for p in &pending {
        eprintln!("PENDING {p}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_scenario_gives_identical_transcripts_twenty_times() {
    let mut unstable = Vec::new();
    for file in scenario_files() {
        let scenario = load(&file);
        if scenario.pending.is_some() {
            continue;
        }
        let once = || {
            let transcripts = run(&scenario).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            normalize(&scenario, &transcripts)
        };
        let first = once();
        for n in 2..=RUNS {
            let again = once();
            if again != first {
                let client = first
                    .iter()
                    .zip(&again)
                    .find(|(a, b)| a != b)
                    .map(|(a, _)| a.0.clone())
                    .unwrap_or_default();
                unstable.push(format!(
                    "{}: run {n} differs from run 1 for client \"{client}\"\n  run 1: {:?}\n  run {n}: {:?}",
                    file.display(),
                    first.iter().find(|c| c.0 == client).map(|c| &c.1),
                    again.iter().find(|c| c.0 == client).map(|c| &c.1),
                ));
                break;
            }
        }
    }
    assert!(unstable.is_empty(), "{}", unstable.join("\n"));
}

#[test]
fn long_timers_take_milliseconds_of_wall_time() {
    // 20 s offline wait, 60 s invitation expiry, 20 s of _member_num updates.
    for name in [
        "f9_call_peer_offline_fails_after_20s.toml",
        "i3_unanswered_call_expires_after_60s.toml",
        "c10_auto_update_num_reports_member_count.toml",
    ] {
        let scenario = load_named(name);
        let started = Instant::now();
        assert!(check(&scenario).unwrap().passed(), "{name} fails");
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(5),
            "{name} took {took:?} of wall time; timers should run in virtual time"
        );
    }
}

#[test]
fn a_wrong_expectation_fails_with_a_diff_naming_client_position_and_callback() {
    let good = load_named("f4_channel_join_message_attr_leave.toml");
    // B's fourth callback is onChannelUserJoined("A", …); claim it was a leave.
    let text = good.source.replacen(
        "'onChannelUserJoined(\"A\", $uid(A))'",
        "'onChannelUserLeaved(\"A\", $uid(A))'",
        1,
    );
    assert_ne!(text, good.source, "the scenario changed; update this test");
    let wrong = Scenario::parse(&text).unwrap();
    let Outcome::Fail { diff, .. } = check(&wrong).unwrap() else {
        panic!("a wrong expectation passed");
    };
    let out = diff.to_string();
    let uid_a = run(&good).unwrap().get("A").unwrap()[0].args[0].to_string();
    assert!(out.contains("client \"B\", position 4"), "{out}");
    assert!(
        out.contains("expected onChannelUserLeaved(\"A\", $uid(A))"),
        "{out}"
    );
    assert!(
        out.contains(&format!("observed onChannelUserJoined(\"A\", {uid_a})")),
        "{out}"
    );
    assert_eq!(diff.mismatches.len(), 1, "{out}");
    assert_eq!(diff.mismatches[0].client, "B");
    assert_eq!(diff.mismatches[0].position, 4);
    // The side-by-side part shows both lines at position 4.
    assert!(
        out.contains("    -   4  onChannelUserLeaved(\"A\", $uid(A))"),
        "{out}"
    );
    assert!(
        out.contains(&format!("    +   4  onChannelUserJoined(\"A\", {uid_a})")),
        "{out}"
    );
}

#[test]
fn a_placeholder_bound_to_two_values_fails_and_says_where_it_was_bound() {
    let good = load_named("m2_generated_message_ids_are_unique.toml");
    // Claim the second generated id equals the first.
    let text = good.source.replacen(
        "'onMessageSendSuccess($msgid2)'",
        "'onMessageSendSuccess($msgid1)'",
        1,
    );
    assert_ne!(text, good.source, "the scenario changed; update this test");
    let wrong = Scenario::parse(&text).unwrap();
    let Outcome::Fail { diff, .. } = check(&wrong).unwrap() else {
        panic!("a reused placeholder passed");
    };
    let out = diff.to_string();
    assert!(out.contains("client \"A\", position 3"), "{out}");
    assert!(out.contains("$msgid1 is \"sig2rtm-"), "{out}");
    assert!(out.contains("bound at client \"A\", position 2"), "{out}");
}

#[test]
fn record_mode_writes_expectations_that_pass_and_keeps_the_rest_of_the_file() {
    let original = load_named("c9_attribute_set_update_delete_clear.toml");
    let cut = original
        .source
        .find("[expect]")
        .expect("the scenario has an [expect] section");
    let without = &original.source[..cut];
    let fresh = Scenario::parse(without).unwrap();
    assert!(fresh.expect.is_none());
    let recording = record(&fresh).unwrap();
    assert!(
        recording.text.starts_with(without.trim_end()),
        "the calls and comments before [expect] changed"
    );
    let recorded = Scenario::parse(&recording.text).unwrap();
    assert!(check(&recorded).unwrap().passed());
    // Recording again keeps every client's expectation: nothing to rewrite.
    let again = record(&recorded).unwrap();
    assert!(again.rewritten.is_empty(), "{:?}", again.rewritten);
    assert_eq!(again.text, recording.text);
}

#[test]
fn record_mode_keeps_any_order_groups_that_still_match() {
    let f4 = load_named("f4_channel_join_message_attr_leave.toml");
    // Loosen B's message and attribute callbacks into an any-order group.
    let strict = "  'onMessageChannelReceive(\"ch\", \"A\", $uid(A), \"hi\")',\n  \
                  'onChannelAttrUpdated(\"ch\", \"topic\", \"x\", \"update\")',\n  \
                  'onChannelUserLeaved(\"A\", $uid(A))',\n]";
    let loose = "  { any_order = ['onChannelAttrUpdated(\"ch\", \"topic\", \"x\", \"update\")', \
                 'onMessageChannelReceive(\"ch\", \"A\", $uid(A), \"hi\")'] },\n  \
                 'onChannelUserLeaved(\"A\", $uid(A))',\n]";
    assert!(
        f4.source.ends_with(&format!("{strict}\n")),
        "the scenario changed"
    );
    let text = f4.source.replace(strict, loose);
    let with_group = Scenario::parse(&text).unwrap();
    assert!(check(&with_group).unwrap().passed());
    let again = record(&with_group).unwrap();
    assert!(again.rewritten.is_empty(), "{:?}", again.rewritten);
    assert_eq!(again.text, text);
}

#[test]
fn a_fault_on_a_client_that_never_logged_in_is_a_clear_error() {
    let scenario = Scenario::parse(
        r#"
title = "fault before login"
covers = ["S5"]

[[client]]
name = "A"

[[step]]
fault = "cut_link"
client = "A"
for = "5s"

[expect]
A = []
"#,
    )
    .unwrap();
    let err = check(&scenario).unwrap_err().to_string();
    assert!(err.contains("step 1"), "{err}");
    assert!(err.contains("has not logged in yet"), "{err}");
}
