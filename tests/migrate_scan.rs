//! The source scanner on the legacy-style trees of `tests/scan_trees/`: every legacy use found
//! where its `EXPECT:` marker says, nothing from comments, strings or skipped directories, and
//! exact totals per kind.

use sig2rtm::mapping::MethodKind;
use sig2rtm::migration::scan::{scan_paths, Progress, ScanOptions, ScanReport};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn trees() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scan_trees")
}

/// Where a legacy name is used: file and line → the names, in order.
type Uses = BTreeMap<(PathBuf, usize), Vec<String>>;

/// The `EXPECT:` markers of every file under `dir`.
fn expected(dir: &Path) -> Uses {
    let mut uses = Uses::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).unwrap() {
                stack.push(entry.unwrap().path());
            }
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            if let Some((_, names)) = line.split_once("EXPECT:") {
                let names = names.split_whitespace().map(String::from).collect();
                uses.insert((path.clone(), i + 1), names);
            }
        }
    }
    uses
}

fn found(report: &ScanReport) -> Uses {
    let mut uses = Uses::new();
    for f in &report.findings {
        uses.entry((f.path.clone(), f.line))
            .or_default()
            .push(f.name.legacy_name().to_string());
    }
    uses
}

fn scan(dir: &Path) -> ScanReport {
    scan_paths(&[dir.to_path_buf()], &ScanOptions::default(), &mut |_| {})
}

/// Scans one family's tree and checks it against its markers; returns the report.
fn check_family(family: &str, files: u64, left_out: u64, kinds: [usize; 4]) -> ScanReport {
    let dir = trees().join(family);
    let report = scan(&dir);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let want = expected(&dir);
    let got = found(&report);
    for (place, names) in &got {
        assert_eq!(
            want.get(place),
            Some(names),
            "{}:{} reports {names:?}",
            place.0.display(),
            place.1
        );
    }
    for (place, names) in &want {
        assert_eq!(
            got.get(place),
            Some(names),
            "{}:{} should report {names:?}",
            place.0.display(),
            place.1
        );
    }
    assert_eq!(report.files_scanned, files, "{family}: files scanned");
    assert_eq!(report.left_out, left_out, "{family}: common words left out");
    let by_kind = [
        MethodKind::Direct,
        MethodKind::Emulated,
        MethodKind::Local,
        MethodKind::Unsupported,
    ]
    .map(|k| report.count_of(k));
    assert_eq!(
        by_kind, kinds,
        "{family}: direct, emulated, local, unsupported"
    );
    report
}

#[test]
fn java_tree() {
    let report = check_family("java", 2, 3, [7, 0, 2, 1]);
    // The build directory holds a legacy call and is skipped.
    assert!(trees().join("java/app/build/generated/Stub.java").is_file());
    assert!(report
        .findings
        .iter()
        .all(|f| !f.path.to_string_lossy().contains("build")));
}

#[test]
fn kotlin_tree() {
    check_family("kotlin", 1, 0, [4, 4, 1, 0]);
}

#[test]
fn objc_tree() {
    check_family("objc", 2, 0, [5, 2, 0, 0]);
}

#[test]
fn swift_tree() {
    check_family("swift", 1, 0, [2, 4, 1, 0]);
}

#[test]
fn c_tree() {
    check_family("c", 1, 0, [4, 0, 0, 0]);
}

#[test]
fn cpp_tree() {
    check_family("cpp", 1, 0, [6, 0, 1, 1]);
}

#[test]
fn js_and_ts_tree() {
    check_family("js", 5, 3, [10, 5, 0, 0]);
    assert!(trees()
        .join("js/node_modules/agora-signal/index.js")
        .is_file());
    assert!(trees().join("js/.cache/old.js").is_file());
}

#[test]
fn the_whole_tree_report_ends_with_exact_totals() {
    let report = scan(&trees());
    assert_eq!(report.findings.len(), 60);
    assert_eq!(report.files_scanned, 13);
    assert_eq!(report.files_with_findings(), 9);
    assert_eq!(report.left_out, 6);
    let text = report.to_string();
    let tail: Vec<&str> = text.lines().rev().take(6).collect();
    assert_eq!(
        tail,
        [
            "6 uses of common-word names (login, start, onError…) in files with no other legacy \
             name were left out; scan with --all to list them",
            "  unsupported      2",
            "  local            5",
            "  emulated        15",
            "  direct          38",
            "Totals: 60 legacy uses in 9 of 13 files scanned",
        ]
    );
    // One line per use, naming its kind and RTM replacement.
    let line = text
        .lines()
        .find(|l| l.contains("SignalManager.java:48:"))
        .expect("the messageInstantSend line");
    assert!(line.contains("messageInstantSend"), "{line}");
    assert!(line.contains("method"), "{line}");
    assert!(line.contains("direct"), "{line}");
    assert!(
        line.ends_with("createMessage + sendMessageToPeer"),
        "{line}"
    );
    let callback = text
        .lines()
        .find(|l| l.contains("chat_client.cpp:11:"))
        .expect("the onChannelJoined line");
    assert!(callback.contains("onChannelJoined") && callback.contains("callback"));
    assert!(callback.ends_with("onJoinSuccess"), "{callback}");
}

#[test]
fn all_names_reports_the_common_words_too() {
    let options = ScanOptions {
        all_names: true,
        ..ScanOptions::default()
    };
    let report = scan_paths(&[trees()], &options, &mut |_| {});
    assert_eq!(report.findings.len(), 60 + 6);
    assert_eq!(report.left_out, 0);
    let worker: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.path.ends_with("Worker.java"))
        .map(|f| f.name.legacy_name())
        .collect();
    assert_eq!(worker, ["start", "setBackground", "onError"]);
}

#[test]
fn files_given_directly_are_scanned_and_unreadable_paths_reported() {
    let stub = trees().join("java/app/build/generated/Stub.java");
    let missing = trees().join("no/such/file.java");
    let report = scan_paths(
        &[stub.clone(), missing.clone()],
        &ScanOptions::default(),
        &mut |_| {},
    );
    assert_eq!(report.files_scanned, 1);
    assert_eq!(
        report.findings.len(),
        1,
        "an explicit path is never skipped"
    );
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].0, missing);
}

#[test]
fn progress_is_reported_every_n_files() {
    let options = ScanOptions {
        progress_every_files: 3,
        progress_every: Duration::from_secs(3600),
        ..ScanOptions::default()
    };
    let mut seen: Vec<Progress> = Vec::new();
    let report = scan_paths(&[trees()], &options, &mut |p| seen.push(p.clone()));
    let files: Vec<u64> = seen.iter().map(|p| p.files).collect();
    assert_eq!(files, [3, 6, 9, 12]);
    assert_eq!(report.files_scanned, 13);
    assert!(seen[0].to_string().starts_with("scanned 3 files, "));
}

#[test]
fn a_large_tree_is_scanned_with_progress_lines() {
    let root = std::env::temp_dir().join(format!("sig2rtm-scan-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for d in 0..25 {
        let dir = root.join(format!("module{d:02}"));
        std::fs::create_dir_all(&dir).unwrap();
        for f in 0..100 {
            let text = format!(
                "// api.logout() in a comment\nclass C{f} {{\n  void go() {{ String s = \"api.logout()\"; api.messageInstantSend(\"p{f}\", 0, s, \"\"); }}\n}}\n"
            );
            std::fs::write(dir.join(format!("C{f}.java")), text).unwrap();
        }
    }
    let mut progress = Vec::new();
    let report = scan_paths(
        std::slice::from_ref(&root),
        &ScanOptions::default(),
        &mut |p| progress.push(p.files),
    );
    std::fs::remove_dir_all(&root).unwrap();
    assert_eq!(report.files_scanned, 2500);
    assert_eq!(report.findings.len(), 2500);
    assert!(report.findings.iter().all(|f| f.line == 3));
    // Every 1000 files at the latest (more lines only if the scan takes over 2 s).
    assert!(progress.len() >= 2, "{progress:?}");
    assert!(progress
        .windows(2)
        .all(|w| w[0] < w[1] && w[1] - w[0] <= 1000));
}

#[test]
fn invoke_function_names_mark_a_file_as_legacy_code() {
    let page = trees().join("js/src/pages/meeting/meeting.js");
    let report = scan_paths(&[page], &ScanOptions::default(), &mut |_| {});
    let names: Vec<(usize, &str)> = report
        .findings
        .iter()
        .map(|f| (f.line, f.name.legacy_name()))
        .collect();
    assert_eq!(names, [(13, "login"), (21, "invoke"), (28, "invoke")]);
    assert_eq!(report.left_out, 0);
    let lobby = trees().join("js/src/pages/lobby/lobby.js");
    let report = scan_paths(&[lobby], &ScanOptions::default(), &mut |_| {});
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    assert_eq!(report.left_out, 1);
}
