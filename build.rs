//! Build script: compiles the mapping tables (`mapping/*.toml`) into `$OUT_DIR`:
//! `mapping_tables.rs`, which `src/mapping.rs` includes, `agora_e_code.rs` (the legacy code
//! enum, included by `src/signaling/codes.rs`), and `legacy_event.rs` and
//! `legacy_callback_macros.rs` (the callback artefacts, included by `src/signaling/`).
//!
//! The checks and the generation live in the table compiler, `mapping/compiler`; the schema is
//! described in `mapping/README.md`. A bad row stops the build with a message that names the
//! file and the row.

fn main() {
    sig2rtm_tables::build_script(".", sig2rtm_tables::compile);
}
