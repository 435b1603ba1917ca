//! The table compiler of sig2rtm: checks the four mapping tables (`mapping/*.toml`) and
//! generates the Rust source that `sig2rtm::mapping` includes.
//!
//! The build scripts of the root crate and of `capi/` call [`build_script`]; a bad row stops the build with
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
mod capi;
mod checks;
mod generate;
mod methods;
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
/// `SignalingCallback` and of the event sink, included by `src/signaling/mod.rs`),
/// `legacy_call.rs` (the adapter's `LegacyCall`, included by `src/adapter/mod.rs`) and
/// `signaling_methods.rs` (the queued `Signaling` methods, included by
/// `src/signaling/facade.rs`) and `testkit_calls.rs` (the scenario call table of the testkit,
/// included by `src/testkit/calls.rs`).
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
        Generated {
            name: "legacy_call.rs",
            code: methods::legacy_call(&tables.methods),
        },
        Generated {
            name: "signaling_methods.rs",
            code: methods::signaling_methods(&tables.methods),
        },
        Generated {
            name: "testkit_calls.rs",
            code: methods::testkit_calls(&tables.methods),
        },
    ])
}

/// Checks the tables and returns the files of the C ABI crate (`capi/`): `icallback_c.rs`
/// (`ICallBackC` and `CALLBACK_NAMES`, included by `capi/src/abi.rs`) and
/// `callback_bridge.rs` (the `SignalingCallback` bridge, included by `capi/src/bridge.rs`) and
/// `api_methods.rs` (`legacy_api!`, the entries of `IAgoraAPIC` and of the C++ virtual table,
/// included by `capi/src/abi.rs`).
pub fn compile_capi(sources: &Sources) -> Result<Vec<Generated>, Problems> {
    let tables = checks::check_all(sources)?;
    Ok(vec![
        Generated {
            name: "icallback_c.rs",
            code: capi::icallback_c(&tables.callbacks),
        },
        Generated {
            name: "callback_bridge.rs",
            code: capi::callback_bridge(&tables.callbacks),
        },
        Generated {
            name: "api_methods.rs",
            code: capi::api_methods(&tables.methods),
        },
    ])
}

/// The whole job of a build script: tells cargo to rerun it when a table changes, compiles the
/// tables found at `root` with `compile` ([`compile`] or [`compile_capi`]) and writes the
/// files into `$OUT_DIR`. A problem is printed and stops the build (exit status 1).
///
/// `root` is the sig2rtm folder, as a path relative to the calling crate's folder (`"."` for
/// the root crate, `".."` for `capi/`).
pub fn build_script(root: &str, compile: fn(&Sources) -> Result<Vec<Generated>, Problems>) {
    println!("cargo:rerun-if-changed=build.rs");
    for file in TABLE_FILES {
        println!("cargo:rerun-if-changed={root}/{file}");
    }
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let out_dir = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    let result = Sources::read(&Path::new(&manifest).join(root)).and_then(|s| compile(&s));
    let files = result.unwrap_or_else(|problems| {
        eprintln!("error: {problems}");
        std::process::exit(1)
    });
    for file in files {
        let dest = Path::new(&out_dir).join(file.name);
        if let Err(e) = std::fs::write(&dest, file.code) {
            eprintln!("error: cannot write {}: {e}", dest.display());
            std::process::exit(1);
        }
    }
}
