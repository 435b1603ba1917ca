//! Replays legacy-flow scenario files and says, for each, whether every client saw the expected
//! callbacks; with `--record`, writes what they saw into the files as the expectations.
//!
//! ```sh
//! cargo run --example replay -- tests/scenarios/f4_channel_join_message_attr_leave.toml
//! cargo run --example replay -- tests/scenarios/            # every *.toml in a directory
//! cargo run --example replay -- --record my_flow.toml      # capture today's behaviour
//! cargo run --example replay -- --show my_flow.toml        # also print the transcripts
//! ```
//!
//! The exit status is 0 when every scenario passed (or was recorded), 1 otherwise.

use sig2rtm::testkit::{check, record_file, Outcome, Scenario};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: replay [--record] [--show] FILE_OR_DIR...";

fn files(args: &[String]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for arg in args {
        let path = Path::new(arg);
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| format!("{arg}: {e}"))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            found.sort();
            out.extend(found);
        } else {
            out.push(path.to_path_buf());
        }
    }
    Ok(out)
}

fn main() -> ExitCode {
    let mut record = false;
    let mut show = false;
    let mut paths = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--record" => record = true,
            "--show" => show = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            flag if flag.starts_with("--") => {
                eprintln!("unknown option {flag}\n{USAGE}");
                return ExitCode::from(2);
            }
            _ => paths.push(arg),
        }
    }
    let files = match files(&paths) {
        Ok(files) if !files.is_empty() => files,
        Ok(_) => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };

    let mut bad = 0;
    for file in &files {
        let name = file.display();
        if record {
            match record_file(file) {
                Ok(rec) => {
                    if rec.rewritten.is_empty() {
                        println!("UNCHANGED {name} (every expectation still matches)");
                    } else {
                        println!("RECORDED  {name} (clients {})", rec.rewritten.join(", "));
                    }
                    if show {
                        print!("{}", rec.transcripts);
                    }
                }
                Err(e) => {
                    bad += 1;
                    println!("ERROR     {e}");
                }
            }
            continue;
        }
        let scenario = match Scenario::load(file) {
            Ok(s) => s,
            Err(e) => {
                bad += 1;
                println!("ERROR     {e}");
                continue;
            }
        };
        match check(&scenario) {
            Ok(Outcome::Pass(transcripts)) => {
                println!("PASS      {name} — {}", scenario.title);
                if show {
                    print!("{transcripts}");
                }
            }
            Ok(Outcome::Fail { transcripts, diff }) => {
                bad += 1;
                println!("FAIL      {name} — {}", scenario.title);
                for line in diff.text().lines() {
                    println!("  {line}");
                }
                if show {
                    print!("{transcripts}");
                }
            }
            Ok(Outcome::Pending(reason)) => println!("PENDING   {name}: {reason}"),
            Err(e) => {
                bad += 1;
                println!("ERROR     {name}: {e}");
            }
        }
    }
    println!("{} scenario(s), {} not passing", files.len(), bad);
    if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
