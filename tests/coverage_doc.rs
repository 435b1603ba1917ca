//! Keeps docs/RTM_COVERAGE.md from going stale: every `tests/<file>.rs::<name>` it cites must be
//! a function of that test file, and the last segment of every `sig2rtm::…` path it names must
//! occur as an identifier somewhere in src/.

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn coverage_doc() -> String {
    fs::read_to_string(root().join("docs/RTM_COVERAGE.md"))
        .expect("docs/RTM_COVERAGE.md is missing")
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every `tests/<file>.rs::<name>` in `text`, as (file, name).
fn test_references(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (start, _) in text.match_indices("tests/") {
        // Only at the start of a word, so `src/tests/…` would not count.
        if text[..start].ends_with(|c: char| is_ident_char(c) || c == '/') {
            continue;
        }
        let rest = &text[start..];
        let file_len = rest
            .find(|c: char| !(is_ident_char(c) || c == '/' || c == '.'))
            .unwrap_or(rest.len());
        let file_part = &rest[..file_len];
        let Some(file) = file_part.strip_suffix(".rs").map(|f| format!("{f}.rs")) else {
            continue;
        };
        let Some(after) = rest[file_len..].strip_prefix("::") else {
            continue;
        };
        let name_len = after.find(|c| !is_ident_char(c)).unwrap_or(after.len());
        if name_len > 0 {
            out.push((file, after[..name_len].to_string()));
        }
    }
    out
}

/// Every `sig2rtm::…` path in `text` (without a trailing `::`).
fn crate_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (start, _) in text.match_indices("sig2rtm::") {
        if text[..start].ends_with(is_ident_char) {
            continue;
        }
        let rest = &text[start..];
        let len = rest
            .find(|c: char| !(is_ident_char(c) || c == ':'))
            .unwrap_or(rest.len());
        let path = rest[..len].trim_end_matches(':');
        if path != "sig2rtm" {
            out.push(path.to_string());
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// True when `word` occurs in `text` with no identifier character on either side.
fn contains_identifier(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(is_ident_char) && !after.is_some_and(is_ident_char)
    })
}

#[test]
fn every_cited_test_exists_in_its_file() {
    let doc = coverage_doc();
    let refs = test_references(&doc);
    assert!(
        refs.len() >= 100,
        "only {} test references found; the map looks truncated",
        refs.len()
    );
    let mut missing = Vec::new();
    for (file, name) in &refs {
        let source = match fs::read_to_string(root().join(file)) {
            Ok(s) => s,
            Err(_) => {
                missing.push(format!("{file} (no such file)"));
                continue;
            }
        };
        if !source.contains(&format!("fn {name}(")) {
            missing.push(format!("{file}::{name}"));
        }
    }
    assert!(
        missing.is_empty(),
        "docs/RTM_COVERAGE.md cites tests that do not exist:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_named_crate_item_occurs_in_src() {
    let doc = coverage_doc();
    let paths = crate_paths(&doc);
    assert!(
        paths.len() >= 50,
        "only {} sig2rtm paths found",
        paths.len()
    );
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let src: String = files
        .iter()
        .map(|f| fs::read_to_string(f).unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    let unknown: Vec<&String> = paths
        .iter()
        .filter(|p| {
            let last = p.rsplit("::").next().unwrap();
            !contains_identifier(&src, last)
        })
        .collect();
    assert!(
        unknown.is_empty(),
        "docs/RTM_COVERAGE.md names items not found in src/: {unknown:?}"
    );
}

#[test]
fn reference_extraction_reads_files_names_and_paths() {
    let text = "see `tests/rtm_x.rs::a_b`, tests/rtm_*.rs, and `sig2rtm::rtm::RtmClient::login`.";
    assert_eq!(
        test_references(text),
        vec![("tests/rtm_x.rs".to_string(), "a_b".to_string())]
    );
    assert_eq!(crate_paths(text), vec!["sig2rtm::rtm::RtmClient::login"]);
    assert!(contains_identifier("fn login(", "login"));
    assert!(!contains_identifier("fn login_now(", "login"));
}
