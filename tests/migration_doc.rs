//! MIGRATION.md is fresh (its generated blocks equal what the tables give now) and covers every
//! row of the mapping tables, in the section of its area.

use sig2rtm::mapping::{Area, LegacyCallbackName, CALLBACKS, ERRORS, INVOKES, METHODS, RTM_EVENTS};
use sig2rtm::migration::doc::{regenerate, BlockKey, GUIDE_FILE, REGENERATE_COMMAND};
use sig2rtm::migration::{area_title, callback_areas, snippets};

fn guide() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(GUIDE_FILE);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The text of one generated block as it stands in the guide.
fn block(text: &str, key: BlockKey) -> &str {
    let begin = key.begin_marker();
    let start = text
        .find(&begin)
        .unwrap_or_else(|| panic!("{GUIDE_FILE} lacks {begin}"))
        + begin.len();
    let len = text[start..]
        .find(&key.end_marker())
        .unwrap_or_else(|| panic!("{GUIDE_FILE} does not close {begin}"));
    &text[start..start + len]
}

/// The guide's section of an area: from its `## ` heading to the next one.
fn section(text: &str, area: Area) -> &str {
    let heading = format!("\n## {}\n", area_title(area));
    let start = text
        .find(&heading)
        .unwrap_or_else(|| panic!("{GUIDE_FILE} has no section {heading:?}"));
    let rest = &text[start + heading.len()..];
    &rest[..rest.find("\n## ").unwrap_or(rest.len())]
}

#[test]
fn migration_md_is_fresh() {
    let current = guide();
    let fresh = match regenerate(&current) {
        Ok(text) => text,
        Err(e) => panic!("{GUIDE_FILE} cannot be regenerated: {e}"),
    };
    if fresh != current {
        let line = current
            .lines()
            .zip(fresh.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || current.lines().count().min(fresh.lines().count()) + 1,
                |i| i + 1,
            );
        panic!(
            "{GUIDE_FILE} is stale (first difference at line {line}); \
             regenerate it with `{REGENERATE_COMMAND}`"
        );
    }
}

#[test]
fn the_top_of_the_guide_documents_the_regeneration_command() {
    let text = guide();
    let top: String = text.lines().take(15).collect::<Vec<_>>().join("\n");
    assert!(top.contains(REGENERATE_COMMAND), "{top}");
}

#[test]
fn every_area_has_a_section_with_its_blocks_inside() {
    let text = guide();
    for &area in Area::ALL {
        let s = section(&text, area);
        for key in [
            BlockKey::Snippet(area),
            BlockKey::Methods(area),
            BlockKey::Callbacks(area),
        ] {
            assert!(
                s.contains(&key.begin_marker()),
                "section {} lacks block {key}",
                area_title(area)
            );
        }
    }
}

#[test]
fn every_method_row_appears_in_the_table_of_its_area() {
    let text = guide();
    for m in METHODS {
        let table = block(&text, BlockKey::Methods(m.area));
        let row = format!("| `{}` | `Signaling::{}` | {} |", m.legacy, m.rust, m.kind);
        assert!(
            table.contains(&row),
            "{} is missing from the methods of {}",
            m.legacy,
            m.area
        );
    }
    let rows: usize = Area::ALL
        .iter()
        .map(|&a| {
            block(&text, BlockKey::Methods(a))
                .lines()
                .filter(|l| l.starts_with("| `"))
                .count()
        })
        .sum();
    assert_eq!(rows, METHODS.len(), "each method is listed exactly once");
}

#[test]
fn every_callback_row_appears_in_the_tables_of_its_areas() {
    let text = guide();
    for c in CALLBACKS {
        let name = LegacyCallbackName::from_legacy(c.legacy).unwrap();
        let row = format!("| `{}({})` | `{}` |", c.legacy, c.args.join(", "), c.rust);
        for &area in callback_areas(name) {
            assert!(
                block(&text, BlockKey::Callbacks(area)).contains(&row),
                "{} is missing from the callbacks of {area}",
                c.legacy
            );
        }
    }
}

#[test]
fn every_invoke_event_and_error_row_appears_in_its_appendix() {
    let text = guide();
    let invoke = block(&text, BlockKey::Invoke);
    for v in INVOKES {
        assert!(invoke.contains(&format!("| `{}` |", v.name)), "{}", v.name);
    }
    let events = block(&text, BlockKey::RtmEvents);
    for e in RTM_EVENTS {
        assert!(
            events.contains(&format!("| {} | `{}` |", e.scope, e.rtm)),
            "{} {}",
            e.scope,
            e.rtm
        );
    }
    let errors = block(&text, BlockKey::Errors);
    for e in ERRORS {
        let enum_at = errors
            .find(&format!("**`{}`**", e.rtm_enum))
            .unwrap_or_else(|| panic!("no heading for {}", e.rtm_enum));
        let table = &errors[enum_at..];
        let table = &table[..table[2..].find("**`").map_or(table.len(), |i| i + 2)];
        assert!(
            table.contains(&format!("| `{}` | {} |", e.rtm_name, e.rtm_code)),
            "{} {} is missing",
            e.rtm_enum,
            e.rtm_name
        );
    }
}

#[test]
fn the_guide_shows_the_snippets_that_compiled_without_their_hidden_lines() {
    let text = guide();
    for &area in Area::ALL {
        let shown = block(&text, BlockKey::Snippet(area));
        assert_eq!(
            shown.trim(),
            snippets::visible(snippets::snippet(area)).trim()
        );
        assert!(shown.contains("Legacy facade:") && shown.contains("RTM core:"));
        assert!(
            !shown.lines().any(|l| l.trim_start().starts_with("# ")),
            "{area}: a hidden line leaked into the guide"
        );
    }
    assert_eq!(
        block(&text, BlockKey::Policies).trim(),
        snippets::visible(snippets::POLICIES).trim()
    );
}

#[test]
fn every_rust_code_block_of_the_guide_is_generated() {
    // Hand-written Rust in the guide would not be compiled; only generated snippets may hold it.
    let text = guide();
    let mut in_block = false;
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("<!-- generated:") {
            in_block = true;
        } else if line.starts_with("<!-- /generated:") {
            in_block = false;
        } else if line.trim_start().starts_with("```rust") {
            assert!(
                in_block,
                "line {}: a Rust block outside the generated snippets is not compiled",
                i + 1
            );
        }
    }
}
