//! Regenerates the generated blocks of MIGRATION.md from `mapping/*.toml` and the snippet files
//! in `src/migration/snippets/`, keeping the hand-written prose around them.
//!
//! ```sh
//! cargo run --example migration_doc            # rewrite MIGRATION.md if it is stale
//! cargo run --example migration_doc -- --check # exit 1 if it is stale, change nothing
//! ```

use sig2rtm::migration::doc::{regenerate, GUIDE_FILE, REGENERATE_COMMAND};
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let check = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--check") => true,
        Some(other) => {
            eprintln!("unknown argument {other:?}; usage: {REGENERATE_COMMAND} [-- --check]");
            return ExitCode::from(2);
        }
    };
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(GUIDE_FILE);
    let current = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("cannot read {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    };
    let fresh = match regenerate(&current) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("{}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    };
    if fresh == current {
        println!("{} is up to date", path.display());
        return ExitCode::SUCCESS;
    }
    if check {
        eprintln!("{} is stale; run `{REGENERATE_COMMAND}`", path.display());
        return ExitCode::FAILURE;
    }
    if let Err(e) = std::fs::write(&path, &fresh) {
        eprintln!("cannot write {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    println!("rewrote the generated blocks of {}", path.display());
    ExitCode::SUCCESS
}
