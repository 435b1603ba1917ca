//! The table compiler of sig2rtm: checks the four mapping tables (`mapping/*.toml`) and
//! generates the Rust source that `sig2rtm::mapping` includes.
//!
//! The root crate's build script calls [`compile_dir`]; a bad row stops the build with
//! [`Problems`], which name the file and the row. The schema and the list of checks are in
//! `mapping/README.md`.
//!
//! ```
//! assert_eq!(sig2rtm_tables::snake_case("onBCCall_result"), "on_bc_call_result");
//! assert_eq!(sig2rtm_tables::camel_case("channel_invite_user2"), "ChannelInviteUser2");
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod callbacks;
mod checks;
mod generate;
mod names;
mod schema;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod translation_tests;

pub use checks::Problems;
pub use names::{camel_case, snake_case};

use std::path::Path;

/// The table files, relative to the root crate's folder, in the order they are read.
pub const TABLE_FILES: [&str; 4] = [
    schema::METHODS_FILE,
    schema::EVENTS_FILE,
    schema::ERRORS_FILE,
    schema::INVOKE_FILE,
];

/// The text of the four tables.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// `mapping/methods.toml`.
    pub methods: String,
    /// `mapping/events.toml`.
    pub events: String,
    /// `mapping/errors.toml`.
    pub errors: String,
    /// `mapping/invoke.toml`.
    pub invoke: String,
}

impl Sources {
    /// Reads the tables below `root`, the root crate's folder.
    pub fn read(root: &Path) -> Result<Sources, Problems> {
        let mut p = Problems::default();
        let texts = TABLE_FILES.map(|rel| {
            std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| {
                p.file(
                    rel,
                    format!("cannot read {}: {e}", root.join(rel).display()),
                );
                String::new()
            })
        });
        if !p.is_empty() {
            return Err(p);
        }
        let [methods, events, errors, invoke] = texts;
        Ok(Sources {
            methods,
            events,
            errors,
            invoke,
        })
    }
}

/// One generated Rust file, which the root crate includes from `$OUT_DIR`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// The file name, e.g. `"mapping_tables.rs"`.
    pub name: &'static str,
    /// Its Rust source.
    pub code: String,
}

/// Checks the tables and returns the generated files, or every problem found:
/// `mapping_tables.rs` (included by `src/mapping.rs`), `agora_e_code.rs` (the legacy code
/// enum, included by `src/signaling/codes.rs`), `legacy_event.rs` (`LegacyEvent`, included by
/// `src/signaling/event.rs`) and `legacy_callback_macros.rs` (the methods of
/// `SignalingCallback` and of the event sink, included by `src/signaling/mod.rs`).
pub fn compile(sources: &Sources) -> Result<Vec<Generated>, Problems> {
    let tables = checks::check_all(sources)?;
    Ok(vec![
        Generated {
            name: "mapping_tables.rs",
            code: generate::mapping_tables(&tables),
        },
        Generated {
            name: "agora_e_code.rs",
            code: generate::agora_e_code(&tables.legacy_codes),
        },
        Generated {
            name: "legacy_event.rs",
            code: callbacks::legacy_event(&tables.callbacks),
        },
        Generated {
            name: "legacy_callback_macros.rs",
            code: callbacks::callback_macros(&tables.callbacks),
        },
    ])
}

/// Reads the tables below `root` and compiles them (see [`compile`]).
pub fn compile_dir(root: &Path) -> Result<Vec<Generated>, Problems> {
    compile(&Sources::read(root)?)
}
