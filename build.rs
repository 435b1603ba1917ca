//! Build script: compiles the mapping tables (`mapping/*.toml`) into `$OUT_DIR`:
//! `mapping_tables.rs`, which `src/mapping.rs` includes, and `agora_e_code.rs`, the legacy code
//! enum that `src/signaling/codes.rs` includes.
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
    let files = match sig2rtm_tables::compile_dir(&root) {
        Ok(files) => files,
        Err(problems) => {
            eprintln!("error: {problems}");
            std::process::exit(1);
        }
    };
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    for file in files {
        let dest = out_dir.join(file.name);
        if let Err(e) = std::fs::write(&dest, file.code) {
            eprintln!("error: cannot write {}: {e}", dest.display());
            std::process::exit(1);
        }
    }
}
