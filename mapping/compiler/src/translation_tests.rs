//! The generated error translation, compiled with rustc against small stand-in enums: it builds
//! when the rows and the enum agree, and otherwise fails with a message that names the row or
//! the variant left without one.

use crate::generate::error_translations;
use crate::schema::ErrorRow;
use std::path::PathBuf;
use std::process::Command;

/// `[[error]]` rows of `LEAVE_CHANNEL_ERR`: (rtm_name, variant, rtm_code).
fn rows(spec: &[(&str, Option<&str>, i64)]) -> Vec<ErrorRow> {
    spec.iter()
        .map(|(name, variant, code)| ErrorRow {
            rtm_enum: "LEAVE_CHANNEL_ERR".into(),
            rtm_name: name.to_string(),
            rtm_code: *code,
            variant: variant.map(str::to_string),
            legacy_name: "CHANNEL_E_OTHER".into(),
            legacy_code: 600,
            success: false,
            on_error: None,
            transient: false,
            note: "test row".into(),
        })
        .collect()
}

/// Compiles the translation of `rows` against `enum LeaveChannelErr { <variants> }`; `Err`
/// holds rustc's messages.
fn build(name: &str, rows: &[ErrorRow], variants: &str) -> Result<(), String> {
    let mut generated = String::new();
    error_translations(&mut generated, rows, "crate::rtm");
    let source = format!(
        "pub struct ErrorRow;\n\
         pub static ERRORS: [ErrorRow; {n}] = [{items}];\n\
         pub trait ErrorTranslation {{ fn error_row(self) -> &'static ErrorRow; }}\n\
         pub mod rtm {{ #[repr(i32)] pub enum LeaveChannelErr {{ {variants} }} }}\n\
         {generated}",
        n = rows.len(),
        items = "ErrorRow, ".repeat(rows.len()),
    );
    let dir: PathBuf =
        std::env::temp_dir().join(format!("sig2rtm-tables-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let lib = dir.join("lib.rs");
    std::fs::write(&lib, source).map_err(|e| e.to_string())?;
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(rustc)
        .args([
            "--edition",
            "2021",
            "--crate-type",
            "lib",
            "--emit",
            "metadata",
        ])
        .arg("--crate-name")
        .arg("translation")
        .arg("--out-dir")
        .arg(&dir)
        .arg(&lib)
        .output()
        .map_err(|e| format!("cannot run rustc: {e}"))?;
    let _ = std::fs::remove_dir_all(&dir);
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

const ALL_ROWS: &[(&str, Option<&str>, i64)] = &[
    ("FAILURE", Some("Failure"), 1),
    ("NOT_IN_CHANNEL", Some("NotInChannel"), 3),
    ("WEB_ONLY", None, 201),
];

#[test]
fn rows_that_match_the_enum_build() {
    build("match", &rows(ALL_ROWS), "Failure = 1, NotInChannel = 3").unwrap();
}

#[test]
fn a_variant_without_a_row_fails_the_build() {
    let err = build(
        "missing",
        &rows(ALL_ROWS),
        "Failure = 1, NotInChannel = 3, Rejected = 2",
    )
    .unwrap_err();
    assert!(err.contains("non-exhaustive patterns"), "{err}");
    assert!(err.contains("Rejected"), "{err}");
    assert!(
        err.contains("needs an [[error]] row in mapping/errors.toml"),
        "{err}"
    );
}

#[test]
fn a_row_naming_a_variant_the_enum_lacks_fails_the_build_and_names_the_row() {
    let err = build("stale", &rows(ALL_ROWS), "Failure = 1").unwrap_err();
    assert!(err.contains("NotInChannel"), "{err}");
    assert!(
        err.contains("mapping/errors.toml, [[error]] #2 (LEAVE_CHANNEL_ERR::NOT_IN_CHANNEL)"),
        "{err}"
    );
}

#[test]
fn a_row_with_another_number_fails_the_build_and_names_the_row() {
    let err = build("number", &rows(ALL_ROWS), "Failure = 1, NotInChannel = 4").unwrap_err();
    assert!(
        err.contains(
            "mapping/errors.toml, [[error]] #2 (LEAVE_CHANNEL_ERR::NOT_IN_CHANNEL): \
             rtm_code 3 is not the number of LeaveChannelErr::NotInChannel"
        ),
        "{err}"
    );
}
