//! Build script: compiles the mapping tables (`mapping/*.toml`) into
//! `$OUT_DIR/mapping_tables.rs`, which `src/mapping.rs` includes.
//!
//! The checks and the generation live in the table compiler, `mapping/compiler`; the schema is
//! described in `mapping/README.md`. A bad row stops the build with a message that names the
//! file and the row.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    for file in sig2rtm_tables::TABLE_FILES {
        println!("cargo:rerun-if-changed={file}");
    }
    let root =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let code = match sig2rtm_tables::compile_dir(&root) {
        Ok(code) => code,
        Err(problems) => {
            eprintln!("error: {problems}");
            std::process::exit(1);
        }
    };
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("mapping_tables.rs");
    if let Err(e) = std::fs::write(&dest, code) {
        eprintln!("error: cannot write {}: {e}", dest.display());
        std::process::exit(1);
    }
}
