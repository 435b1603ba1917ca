//! Scans a legacy Signaling code base (Java, Kotlin, Objective-C, Swift, C, C++, JavaScript,
//! TypeScript) and prints the plan of its migration: every use of a legacy method or callback
//! with its file, line, kind and RTM replacement, then totals per kind.
//!
//! ```sh
//! cargo run --example migrate_scan -- path/to/app [more/paths…]
//! cargo run --example migrate_scan -- --all path/to/app   # common-word names everywhere too
//! ```
//!
//! Progress goes to stderr every 1000 files or 2 seconds; the report goes to stdout. The exit
//! status is 0 when the scan ran (whatever it found), 2 on bad arguments.

use sig2rtm::migration::scan::{scan_paths, ScanOptions};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo run --example migrate_scan -- [--all] PATH…";

fn main() -> ExitCode {
    let mut options = ScanOptions::default();
    let mut paths = Vec::new();
    for arg in std::env::args_os().skip(1) {
        match arg.to_str() {
            Some("--all") => options.all_names = true,
            Some("-h" | "--help") => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            Some(flag) if flag.starts_with("--") => {
                eprintln!("unknown option {flag}\n{USAGE}");
                return ExitCode::from(2);
            }
            _ => paths.push(PathBuf::from(arg)),
        }
    }
    if paths.is_empty() {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let report = scan_paths(&paths, &options, &mut |progress| eprintln!("{progress}"));
    print!("{report}");
    ExitCode::SUCCESS
}
