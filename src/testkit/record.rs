//! Record mode: run a scenario's calls and write what each client saw back into the file as its
//! expected transcripts, so that today's behaviour becomes tomorrow's regression test.
//!
//! Only the `[expect]` section is rewritten (it is appended when the file has none); the title,
//! clients, steps and every comment before `[expect]` stay as they were. A client whose old
//! expectation still matches keeps it, any-order groups and placeholder names included.
//! Recorded lines use placeholders for what differs between runs or machines: `$uid(account)`
//! for the uid of any account the scenario names, and `$msgid1`, `$msgid2`, … for message ids
//! the shim generated.

use super::expr::{Expr, Term};
use super::matching::{check_client, Bindings};
use super::runner::{run, RunError, Transcripts};
use super::scenario::{Expected, Scenario, ScenarioError};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

/// What recording produced.
#[derive(Debug, Clone)]
pub struct Recording {
    /// The scenario's new text.
    pub text: String,
    /// What the clients saw.
    pub transcripts: Transcripts,
    /// The clients whose expectation was written anew (the others kept theirs).
    pub rewritten: Vec<String>,
}

/// Recording failed.
#[derive(Debug)]
pub enum RecordError {
    /// The file could not be read or parsed.
    Scenario(ScenarioError),
    /// The scenario could not be run.
    Run(RunError),
    /// The new text could not be written.
    Write(std::io::Error),
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordError::Scenario(e) => write!(f, "{e}"),
            RecordError::Run(e) => write!(f, "{e}"),
            RecordError::Write(e) => write!(f, "cannot write the scenario: {e}"),
        }
    }
}

impl std::error::Error for RecordError {}

/// Runs `scenario` and returns its text with the observed transcripts as expectations.
pub fn record(scenario: &Scenario) -> Result<Recording, RunError> {
    let transcripts = run(scenario)?;
    let mut bindings = Bindings::new(&scenario.app_id);
    let mut kept: BTreeMap<String, Vec<Expected>> = BTreeMap::new();
    if let Some(old) = &scenario.expect {
        for (client, expected) in old {
            let empty = Vec::new();
            let seen = transcripts.get(client).unwrap_or(&empty);
            let mut trial = bindings.clone();
            if check_client(client, expected, seen, &mut trial).is_ok() {
                bindings = trial;
                kept.insert(client.clone(), expected.clone());
            }
        }
    }
    let mut namer = Namer::new(scenario, &transcripts, &bindings, &kept);
    let mut section = String::from("[expect]\n");
    let mut rewritten = Vec::new();
    for client in &scenario.clients {
        let entries = match kept.get(&client.name) {
            Some(old) => old.clone(),
            None => {
                rewritten.push(client.name.clone());
                transcripts
                    .get(&client.name)
                    .map(|seen| seen.iter().map(|e| Expected::Line(namer.expr(e))).collect())
                    .unwrap_or_default()
            }
        };
        section.push_str(&render_client(&client.name, &entries));
    }
    Ok(Recording {
        text: splice(&scenario.source, &section),
        transcripts,
        rewritten,
    })
}

/// Records the scenario in `path` and writes the result back to the file.
pub fn record_file(path: impl AsRef<Path>) -> Result<Recording, RecordError> {
    let path = path.as_ref();
    let scenario = Scenario::load(path).map_err(RecordError::Scenario)?;
    let recording = record(&scenario).map_err(RecordError::Run)?;
    if recording.text != scenario.source {
        std::fs::write(path, &recording.text).map_err(RecordError::Write)?;
    }
    Ok(recording)
}

/// The observed transcripts in the canonical recorded form (placeholders for uids and
/// generated ids). Two runs of a scenario are the same run exactly when these are equal.
pub fn normalize(scenario: &Scenario, transcripts: &Transcripts) -> Vec<(String, Vec<String>)> {
    let bindings = Bindings::new(&scenario.app_id);
    let kept = BTreeMap::new();
    let mut namer = Namer::new(scenario, transcripts, &bindings, &kept);
    transcripts
        .iter()
        .map(|(client, seen)| {
            (
                client.to_string(),
                seen.iter().map(|e| namer.expr(e).to_string()).collect(),
            )
        })
        .collect()
}

/// True for a message id the shim generated (`sig2rtm-<process>-<n>`, rule M2).
fn is_generated_id(s: &str) -> bool {
    crate::adapter::is_generated_message_id(s)
}

/// Gives recorded values their placeholders.
struct Namer {
    uids: BTreeMap<i64, String>,
    ids: BTreeMap<Term, String>,
    taken: BTreeSet<String>,
    next: usize,
}

impl Namer {
    fn new(
        scenario: &Scenario,
        transcripts: &Transcripts,
        bindings: &Bindings,
        kept: &BTreeMap<String, Vec<Expected>>,
    ) -> Namer {
        let mut accounts = scenario.call_strings();
        for (_, seen) in transcripts.iter() {
            for e in seen {
                for arg in &e.args {
                    collect_strings(arg, &mut accounts);
                }
            }
        }
        let mut uids = BTreeMap::new();
        for account in accounts {
            if account.is_empty() {
                continue;
            }
            uids.entry(i64::from(crate::signaling::uid_of(&account)))
                .or_insert(account);
        }
        let mut taken = BTreeSet::new();
        let mut ids = BTreeMap::new();
        for entries in kept.values() {
            for entry in entries {
                let exprs: Vec<&Expr> = match entry {
                    Expected::Line(e) => vec![e],
                    Expected::AnyOrder(group) => group.iter().collect(),
                };
                for e in exprs {
                    for arg in e.args.iter().chain(e.ret.iter()) {
                        collect_vars(arg, &mut taken);
                    }
                }
            }
        }
        for name in &taken {
            if let Some(value) = bindings.get(name) {
                ids.insert(value.clone(), name.clone());
            }
        }
        Namer {
            uids,
            ids,
            taken,
            next: 1,
        }
    }

    fn term(&mut self, t: &Term) -> Term {
        match t {
            Term::Int(n) => match self.uids.get(n) {
                Some(account) if *n != 0 => Term::Uid(account.clone()),
                _ => t.clone(),
            },
            Term::Str(s) if is_generated_id(s) => {
                if let Some(name) = self.ids.get(t) {
                    return Term::Var(name.clone());
                }
                let name = loop {
                    let candidate = format!("msgid{}", self.next);
                    self.next += 1;
                    if !self.taken.contains(&candidate) {
                        break candidate;
                    }
                };
                self.taken.insert(name.clone());
                self.ids.insert(t.clone(), name.clone());
                Term::Var(name)
            }
            Term::List(items) => Term::List(items.iter().map(|i| self.term(i)).collect()),
            other => other.clone(),
        }
    }

    fn expr(&mut self, e: &Expr) -> Expr {
        Expr {
            name: e.name.clone(),
            args: e.args.iter().map(|a| self.term(a)).collect(),
            ret: e.ret.as_ref().map(|r| self.term(r)),
        }
    }
}

fn collect_strings(t: &Term, out: &mut Vec<String>) {
    match t {
        Term::Str(s) => out.push(s.clone()),
        Term::List(items) => items.iter().for_each(|i| collect_strings(i, out)),
        _ => {}
    }
}

fn collect_vars(t: &Term, out: &mut BTreeSet<String>) {
    match t {
        Term::Var(name) => {
            out.insert(name.clone());
        }
        Term::List(items) => items.iter().for_each(|i| collect_vars(i, out)),
        _ => {}
    }
}

/// A TOML string holding `text`: a literal string when it can be one, else a basic string.
fn toml_string(text: &str) -> String {
    if !text.contains('\'') && !text.chars().any(char::is_control) {
        return format!("'{text}'");
    }
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `A = [ … ]` for one client.
fn render_client(client: &str, entries: &[Expected]) -> String {
    if entries.is_empty() {
        return format!("{client} = []\n");
    }
    let mut out = format!("{client} = [\n");
    for entry in entries {
        match entry {
            Expected::Line(e) => out.push_str(&format!("  {},\n", toml_string(&e.to_string()))),
            Expected::AnyOrder(group) => {
                let items: Vec<String> =
                    group.iter().map(|e| toml_string(&e.to_string())).collect();
                out.push_str(&format!("  {{ any_order = [{}] }},\n", items.join(", ")));
            }
        }
    }
    out.push_str("]\n");
    out
}

/// `source` with its `[expect]` section (up to the next table header or the end) replaced by
/// `section`, or with `section` appended when there is none.
fn splice(source: &str, section: &str) -> String {
    let mut start = None;
    let mut offset = 0;
    let mut end = source.len();
    for line in source.split_inclusive('\n') {
        let header = line.split('#').next().unwrap_or("").trim().to_string();
        match start {
            None if header == "[expect]" => start = Some(offset),
            Some(_) if line.starts_with('[') => {
                end = offset;
                break;
            }
            _ => {}
        }
        offset += line.len();
    }
    match start {
        Some(start) => {
            let mut out = String::with_capacity(source.len() + section.len());
            out.push_str(&source[..start]);
            out.push_str(section);
            if end < source.len() {
                out.push('\n');
                out.push_str(&source[end..]);
            }
            out
        }
        None => {
            let mut out = source.trim_end().to_string();
            out.push_str("\n\n");
            out.push_str(section);
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_become_toml_that_reads_back() {
        for text in ["onA(\"x\")", "onA(\"it's\")", "onA(\"a\\\"b\")"] {
            let line = toml_string(text);
            let table: toml::Table = toml::from_str(&format!("k = {line}")).unwrap();
            assert_eq!(table["k"].as_str(), Some(text));
        }
    }

    #[test]
    fn only_the_expect_section_is_replaced() {
        let source = "title = \"t\"\n# keep me\n[[client]]\nname = \"A\"\n\n[expect]\nA = []\n";
        let out = splice(source, "[expect]\nA = ['onB()']\n");
        assert_eq!(
            out,
            "title = \"t\"\n# keep me\n[[client]]\nname = \"A\"\n\n[expect]\nA = ['onB()']\n"
        );
        let appended = splice("title = \"t\"\n", "[expect]\nA = []\n");
        assert_eq!(appended, "title = \"t\"\n\n[expect]\nA = []\n");
    }

    #[test]
    fn generated_ids_are_recognised() {
        assert!(is_generated_id("sig2rtm-0123456789ab-12"));
        assert!(!is_generated_id("sig2rtm-12"));
        assert!(!is_generated_id("m1"));
    }
}
