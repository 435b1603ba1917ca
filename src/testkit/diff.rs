//! Comparing a scenario's observed transcripts with its expectations, and a readable diff when
//! they differ: which client, which position, which callback, and the two transcripts side by
//! side.

use super::expr::Expr;
use super::matching::{check_client, Bindings, Mismatch};
use super::runner::Transcripts;
use super::scenario::Expected;
use std::fmt;

/// How a scenario's transcripts differ from its expectations.
#[derive(Debug, Clone)]
pub struct Diff {
    /// The first difference of every client whose transcript differs, in client order.
    pub mismatches: Vec<Mismatch>,
    text: String,
}

impl Diff {
    /// The diff as text (the same as its `Display`).
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Checks every client's transcript against its expectation. Placeholders bind across the whole
/// scenario, clients taken in the order of `expect`.
pub fn compare(
    expect: &[(String, Vec<Expected>)],
    observed: &Transcripts,
    app_id: &str,
) -> Result<(), Diff> {
    let mut bindings = Bindings::new(app_id);
    let mut mismatches = Vec::new();
    let mut text = String::new();
    for (client, expected) in expect {
        let empty = Vec::new();
        let seen = observed.get(client).unwrap_or(&empty);
        if let Err(m) = check_client(client, expected, seen, &mut bindings) {
            text.push_str(&headline(&m));
            text.push('\n');
            text.push_str(&side_by_side(expected, seen, &bindings));
            mismatches.push(m);
        }
    }
    if mismatches.is_empty() {
        Ok(())
    } else {
        Err(Diff { mismatches, text })
    }
}

/// `client "B", position 4: expected …, observed … (reason)`.
fn headline(m: &Mismatch) -> String {
    let expected = m.expected.as_deref().unwrap_or("nothing more");
    let observed = m
        .observed
        .as_deref()
        .unwrap_or("nothing (the transcript ended)");
    format!(
        "client \"{}\", position {}: expected {expected}\n    observed {observed}\n    because {}",
        m.client, m.position, m.reason
    )
}

/// One row of the expectation as the diff shows it.
struct Row<'a> {
    expr: &'a Expr,
    grouped: bool,
}

/// The expectation and the observed transcript of one client, aligned on their longest common
/// subsequence (a line of each "could match" under the final bindings): `  ` both, `-` expected
/// only, `+` observed only. Numbers are positions in each transcript.
fn side_by_side(expected: &[Expected], observed: &[Expr], b: &Bindings) -> String {
    let rows: Vec<Row<'_>> = expected
        .iter()
        .flat_map(|entry| match entry {
            Expected::Line(e) => vec![Row {
                expr: e,
                grouped: false,
            }],
            Expected::AnyOrder(group) => group
                .iter()
                .map(|e| Row {
                    expr: e,
                    grouped: true,
                })
                .collect(),
        })
        .collect();
    let (n, m) = (rows.len(), observed.len());
    // lcs[i][j]: length of the LCS of rows[i..] and observed[j..].
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if b.could_match(rows[i].expr, &observed[j]) {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = String::new();
    let mark = |grouped: bool| if grouped { " (any order)" } else { "" };
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && b.could_match(rows[i].expr, &observed[j]) {
            out.push_str(&format!(
                "      {:>3}  {}{}\n",
                j + 1,
                observed[j],
                mark(rows[i].grouped)
            ));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push_str(&format!(
                "    - {:>3}  {}{}\n",
                i + 1,
                rows[i].expr,
                mark(rows[i].grouped)
            ));
            i += 1;
        } else {
            out.push_str(&format!("    + {:>3}  {}\n", j + 1, observed[j]));
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::expr::parse_expr;

    #[test]
    fn the_diff_names_client_position_and_callbacks() {
        let e = |t: &str| parse_expr(t).unwrap();
        let expect = vec![(
            "B".to_string(),
            vec![
                Expected::Line(e(r#"onChannelJoined("ch")"#)),
                Expected::Line(e(r#"onChannelUserJoined("A", 1)"#)),
            ],
        )];
        let mut observed = Transcripts::default();
        observed.push(
            "B",
            vec![
                e(r#"onChannelJoined("ch")"#),
                e(r#"onChannelUserLeaved("A", 1)"#),
            ],
        );
        let diff = compare(&expect, &observed, "app").unwrap_err();
        let text = diff.to_string();
        assert!(text.contains("client \"B\", position 2"), "{text}");
        assert!(
            text.contains("expected onChannelUserJoined(\"A\", 1)"),
            "{text}"
        );
        assert!(
            text.contains("observed onChannelUserLeaved(\"A\", 1)"),
            "{text}"
        );
        assert!(text.contains("    - "), "{text}");
        assert!(text.contains("    + "), "{text}");
    }
}
