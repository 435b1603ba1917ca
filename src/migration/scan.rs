//! The source scanner: finds the legacy Signaling methods and callbacks a code base uses, file
//! by file and line by line, with what replaces each on RTM — the plan of a migration.
//!
//! It reads Java, Kotlin, Objective-C, Swift, C, C++, JavaScript and TypeScript sources
//! (by file extension) with [`super::lexer`], so names inside comments and string literals are
//! never reported. A name counts when it is an identifier of the mapping tables used as such:
//!
//! - a **callback** name (`onLoginSuccess`) anywhere in code: an override, a property or block
//!   assignment, a reference;
//! - a **method** name (`messageInstantSend`) only where it is called on something: after `.`,
//!   `?.`, `->` or `::`, or as the selector of an Objective-C message (`[api logout]`,
//!   `[api login:…]`). A function of the app's own that happens to be called `login` is not a
//!   legacy call.
//!
//! Some legacy names are common words (`login`, `start`, `destroy`, `onError`, `setBackground`:
//! a name of at most two words and no digit). They are reported only in files that also use a
//! distinctive legacy name or a string literal that starts with `io.agora.signal.` (the
//! function names of the legacy `invoke`), unless [`ScanOptions::all_names`] is set; the report
//! counts the ones it left out.
//!
//! ```
//! use sig2rtm::migration::scan::{scan_source, Language, ScanOptions};
//!
//! let src = "api.messageInstantSend(peer, 0, \"api.logout()\", id); // api.logout()\napi.logout();\n";
//! let found = scan_source(src.as_bytes(), Language::Java, &ScanOptions::default());
//! let names: Vec<(usize, &str)> = found.findings.iter().map(|f| (f.line, f.name.legacy_name())).collect();
//! assert_eq!(names, [(1, "messageInstantSend"), (2, "logout")]);
//! ```

use super::lexer::{tokenize, Syntax, Token, TokenKind};
use super::replacement::{callback_kind, callback_replacement, method_replacement};
use crate::mapping::{LegacyCallbackName, LegacyMethod, MethodKind};
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The language of a source file, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// `.c`, `.h`.
    C,
    /// `.cc`, `.cpp`, `.cxx`, `.c++`, `.hh`, `.hpp`, `.hxx`, `.ipp`, `.inl`.
    Cpp,
    /// `.m`, `.mm`.
    ObjC,
    /// `.java`.
    Java,
    /// `.kt`, `.kts`.
    Kotlin,
    /// `.swift`.
    Swift,
    /// `.js`, `.jsx`, `.mjs`, `.cjs`.
    JavaScript,
    /// `.ts`, `.tsx`, `.mts`, `.cts`.
    TypeScript,
}

impl Language {
    /// The language of a file, by extension; `None` for files the scanner does not read.
    pub fn of_path(path: &Path) -> Option<Language> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "c" | "h" => Language::C,
            "cc" | "cpp" | "cxx" | "c++" | "hh" | "hpp" | "hxx" | "ipp" | "inl" => Language::Cpp,
            "m" | "mm" => Language::ObjC,
            "java" => Language::Java,
            "kt" | "kts" => Language::Kotlin,
            "swift" => Language::Swift,
            "js" | "jsx" | "mjs" | "cjs" => Language::JavaScript,
            "ts" | "tsx" | "mts" | "cts" => Language::TypeScript,
            _ => return None,
        })
    }

    /// The lexer syntax of the language.
    pub fn syntax(self) -> Syntax {
        match self {
            Language::C | Language::Cpp | Language::ObjC => Syntax::CFamily,
            Language::Java => Syntax::Java,
            Language::Kotlin => Syntax::Kotlin,
            Language::Swift => Syntax::Swift,
            Language::JavaScript | Language::TypeScript => Syntax::Script,
        }
    }
}

/// A legacy name of the mapping tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LegacyName {
    /// A legacy `IAgoraAPI` method.
    Method(LegacyMethod),
    /// A legacy `ICallBack` callback.
    Callback(LegacyCallbackName),
}

impl LegacyName {
    /// The exact legacy name.
    pub fn legacy_name(self) -> &'static str {
        match self {
            LegacyName::Method(m) => m.legacy_name(),
            LegacyName::Callback(c) => c.legacy_name(),
        }
    }

    /// `"method"` or `"callback"`.
    pub fn what(self) -> &'static str {
        match self {
            LegacyName::Method(_) => "method",
            LegacyName::Callback(_) => "callback",
        }
    }

    /// Direct, emulated, local or unsupported (a callback the shim never fires is unsupported).
    pub fn kind(self) -> MethodKind {
        match self {
            LegacyName::Method(m) => m.row().kind,
            LegacyName::Callback(c) => callback_kind(c.row()),
        }
    }

    /// What replaces it on RTM, in one line.
    pub fn replacement(self) -> String {
        match self {
            LegacyName::Method(m) => method_replacement(m.row()),
            LegacyName::Callback(c) => callback_replacement(c.row()),
        }
    }

    /// A common word that is reported only next to a distinctive legacy name: at most two
    /// words in its snake_case form and no digit (`login`, `start`, `onError`).
    pub fn is_common_word(self) -> bool {
        let rust = match self {
            LegacyName::Method(m) => m.rust_name(),
            LegacyName::Callback(c) => c.rust_name(),
        };
        !rust.bytes().any(|b| b.is_ascii_digit()) && rust.split('_').count() <= 2
    }
}

/// Every legacy name by its spelling.
fn names() -> &'static HashMap<&'static str, LegacyName> {
    static NAMES: OnceLock<HashMap<&'static str, LegacyName>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut map = HashMap::new();
        for &m in LegacyMethod::ALL {
            map.insert(m.legacy_name(), LegacyName::Method(m));
        }
        for &c in LegacyCallbackName::ALL {
            map.insert(c.legacy_name(), LegacyName::Callback(c));
        }
        map
    })
}

/// One use of a legacy name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The file (as reached from the scanned path; empty for [`scan_source`]).
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The legacy name.
    pub name: LegacyName,
}

impl Finding {
    /// Direct, emulated, local or unsupported.
    pub fn kind(&self) -> MethodKind {
        self.name.kind()
    }

    /// What replaces it on RTM.
    pub fn replacement(&self) -> String {
        self.name.replacement()
    }
}

/// How a scan behaves.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Report common-word names (see [`LegacyName::is_common_word`]) in every file, not only
    /// in files that use a distinctive legacy name or an `io.agora.signal.` string.
    pub all_names: bool,
    /// Report progress after this many files…
    pub progress_every_files: u64,
    /// …or when this long has passed since the last report, whichever comes first.
    pub progress_every: Duration,
    /// Directories skipped while walking (dependencies, build output); hidden directories
    /// (`.git`, `.gradle`…) are always skipped. Paths given to the scan are never skipped.
    pub skip_dirs: Vec<String>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            all_names: false,
            progress_every_files: 1000,
            progress_every: Duration::from_secs(2),
            skip_dirs: [
                "node_modules",
                "Pods",
                "Carthage",
                "DerivedData",
                "build",
                "target",
                "dist",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}

/// The findings of one source text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceFindings {
    /// What was reported, in source order.
    pub findings: Vec<Finding>,
    /// Common-word uses left out because the file uses no distinctive legacy name and no
    /// `io.agora.signal.` string.
    pub left_out: u64,
}

/// Keywords after which a `name:` is a label, not an Objective-C selector.
const NOT_A_RECEIVER: &[&str] = &["case", "default", "return", "goto", "else", "sizeof"];

/// Scans one source text. `path` of the findings is left empty.
pub fn scan_source(src: &[u8], language: Language, options: &ScanOptions) -> SourceFindings {
    let tokens = tokenize(src, language.syntax());
    let names = names();
    let text = |t: &Token| std::str::from_utf8(&src[t.start..t.end]).unwrap_or("");
    let punct = |i: usize| match tokens.get(i).map(|t| t.kind) {
        Some(TokenKind::Punct(p)) => Some(p),
        _ => None,
    };
    let mut hits: Vec<(usize, LegacyName)> = Vec::new();
    let mut invoke_name = false;
    for (i, t) in tokens.iter().enumerate() {
        if t.kind == TokenKind::Literal {
            invoke_name |= is_invoke_function_name(&src[t.start..t.end]);
            continue;
        }
        if t.kind != TokenKind::Ident {
            continue;
        }
        let Some(&name) = names.get(text(t)) else {
            continue;
        };
        let counts = match name {
            LegacyName::Callback(_) => true,
            LegacyName::Method(_) => {
                let before = i.checked_sub(1).and_then(punct);
                let before2 = i.checked_sub(2).and_then(punct);
                let member = match before {
                    Some(b'.') => true,
                    Some(b'>') => before2 == Some(b'-'),
                    Some(b':') => before2 == Some(b':'),
                    _ => false,
                };
                let message = language.syntax() == Syntax::CFamily
                    && matches!(punct(i + 1), Some(b':') | Some(b']'))
                    && !(punct(i + 1) == Some(b':') && punct(i + 2) == Some(b':')) // not `x::y`
                    && i.checked_sub(1).is_some_and(|j| {
                        let p = &tokens[j];
                        match p.kind {
                            TokenKind::Ident => !NOT_A_RECEIVER.contains(&text(p)),
                            TokenKind::Punct(b']') => true,
                            TokenKind::Punct(b')') => !is_method_declaration(&tokens, j),
                            _ => false,
                        }
                    });
                member || message
            }
        };
        if counts {
            hits.push((t.start, name));
        }
    }
    let distinctive = invoke_name || hits.iter().any(|(_, n)| !n.is_common_word());
    let mut left_out = 0;
    if !options.all_names && !distinctive {
        left_out = hits.len() as u64;
        hits.clear();
    }
    let mut lines = LineIndex::new(src);
    let findings = hits
        .into_iter()
        .map(|(offset, name)| {
            let (line, column) = lines.position(offset);
            Finding {
                path: PathBuf::new(),
                line,
                column,
                name,
            }
        })
        .collect();
    SourceFindings { findings, left_out }
}

/// The prefix of the server function names that the legacy `invoke` takes.
const INVOKE_PREFIX: &[u8] = b"io.agora.signal.";

/// Whether a string literal (its text, quotes and any prefix such as `@` or `L` included)
/// starts with [`INVOKE_PREFIX`]: the name of a legacy `invoke` function.
fn is_invoke_function_name(literal: &[u8]) -> bool {
    let Some(open) = literal
        .iter()
        .position(|b| matches!(b, b'"' | b'\'' | b'`'))
    else {
        return false;
    };
    let quote = literal[open];
    let body = &literal[open..];
    let body = &body[body.iter().take_while(|&&b| b == quote).count().min(3)..];
    body.starts_with(INVOKE_PREFIX)
}

/// Whether the `)` at `close` ends the return type of an Objective-C method declaration
/// (`- (void)login:…`), whose name is then no message selector.
fn is_method_declaration(tokens: &[Token], close: usize) -> bool {
    let mut depth = 0usize;
    for j in (0..=close).rev() {
        match tokens[j].kind {
            TokenKind::Punct(b')') => depth += 1,
            TokenKind::Punct(b'(') => {
                depth -= 1;
                if depth == 0 {
                    return j > 0 && matches!(tokens[j - 1].kind, TokenKind::Punct(b'-' | b'+'));
                }
            }
            _ => {}
        }
    }
    false
}

/// Turns byte offsets (visited in increasing order) into lines and columns.
struct LineIndex<'a> {
    src: &'a [u8],
    line: usize,
    line_start: usize,
    pos: usize,
}

impl<'a> LineIndex<'a> {
    fn new(src: &'a [u8]) -> Self {
        LineIndex {
            src,
            line: 1,
            line_start: 0,
            pos: 0,
        }
    }

    fn position(&mut self, offset: usize) -> (usize, usize) {
        while self.pos < offset {
            if self.src[self.pos] == b'\n' {
                self.line += 1;
                self.line_start = self.pos + 1;
            }
            self.pos += 1;
        }
        let column = 1 + self.src[self.line_start..offset]
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count();
        (self.line, column)
    }
}

/// Progress of a running scan, given to the progress callback.
#[derive(Debug, Clone)]
pub struct Progress {
    /// Source files scanned so far.
    pub files: u64,
    /// Findings so far.
    pub findings: u64,
    /// Time since the scan started.
    pub elapsed: Duration,
    /// The last file scanned.
    pub current: PathBuf,
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "scanned {} files, {} legacy uses so far ({:.1} s; at {})",
            self.files,
            self.findings,
            self.elapsed.as_secs_f64(),
            self.current.display()
        )
    }
}

/// The result of a scan.
#[derive(Debug, Clone, Default)]
pub struct ScanReport {
    /// Every use found, by file (in walking order) then position.
    pub findings: Vec<Finding>,
    /// Source files read.
    pub files_scanned: u64,
    /// Common-word uses left out (files with no distinctive legacy name).
    pub left_out: u64,
    /// Paths that could not be read, with the reason.
    pub errors: Vec<(PathBuf, String)>,
}

impl ScanReport {
    /// How many uses of each kind were found.
    pub fn count_of(&self, kind: MethodKind) -> usize {
        self.findings.iter().filter(|f| f.kind() == kind).count()
    }

    /// How many files hold at least one finding.
    pub fn files_with_findings(&self) -> usize {
        let mut n = 0;
        let mut last: Option<&Path> = None;
        for f in &self.findings {
            if last != Some(f.path.as_path()) {
                n += 1;
                last = Some(&f.path);
            }
        }
        n
    }

    /// Uses per legacy name, in table order (methods, then callbacks).
    pub fn by_name(&self) -> Vec<(LegacyName, usize)> {
        let mut counts: HashMap<LegacyName, usize> = HashMap::new();
        for f in &self.findings {
            *counts.entry(f.name).or_default() += 1;
        }
        let mut list: Vec<(LegacyName, usize)> = counts.into_iter().collect();
        list.sort();
        list
    }
}

const KINDS: [MethodKind; 4] = [
    MethodKind::Direct,
    MethodKind::Emulated,
    MethodKind::Local,
    MethodKind::Unsupported,
];

impl fmt::Display for ScanReport {
    /// The plan: one line per use (`file:line:column  name  method|callback  kind  RTM`), uses
    /// per name, then the totals per kind.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let places: Vec<String> = self
            .findings
            .iter()
            .map(|x| format!("{}:{}:{}", x.path.display(), x.line, x.column))
            .collect();
        let w_place = places.iter().map(|p| p.chars().count()).max().unwrap_or(0);
        let w_name = self
            .findings
            .iter()
            .map(|x| x.name.legacy_name().len())
            .max()
            .unwrap_or(0);
        for (x, place) in self.findings.iter().zip(&places) {
            writeln!(
                f,
                "{place:<w_place$}  {:<w_name$}  {:<8}  {:<11}  {}",
                x.name.legacy_name(),
                x.name.what(),
                x.kind().as_str(),
                x.replacement()
            )?;
        }
        if !self.findings.is_empty() {
            writeln!(f)?;
            writeln!(f, "By name:")?;
            let by_name = self.by_name();
            let w = by_name
                .iter()
                .map(|(n, _)| n.legacy_name().len())
                .max()
                .unwrap_or(0);
            for (name, count) in by_name {
                writeln!(
                    f,
                    "  {:<w$}  {count:>5}  {:<11}  {}",
                    name.legacy_name(),
                    name.kind().as_str(),
                    name.replacement()
                )?;
            }
            writeln!(f)?;
        }
        writeln!(
            f,
            "Totals: {} legacy uses in {} of {} files scanned",
            self.findings.len(),
            self.files_with_findings(),
            self.files_scanned
        )?;
        for kind in KINDS {
            writeln!(f, "  {:<11}  {:>5}", kind.as_str(), self.count_of(kind))?;
        }
        if self.left_out > 0 {
            writeln!(
                f,
                "{} uses of common-word names (login, start, onError…) in files with no other \
                 legacy name were left out; scan with --all to list them",
                self.left_out
            )?;
        }
        for (path, error) in &self.errors {
            writeln!(f, "could not read {}: {error}", path.display())?;
        }
        Ok(())
    }
}

/// Scans files and directory trees. `progress` is called every
/// [`ScanOptions::progress_every_files`] files or [`ScanOptions::progress_every`], whichever
/// comes first.
pub fn scan_paths(
    paths: &[PathBuf],
    options: &ScanOptions,
    progress: &mut dyn FnMut(&Progress),
) -> ScanReport {
    let mut scan = Scan {
        options,
        progress,
        report: ScanReport::default(),
        started: Instant::now(),
        last_progress: Instant::now(),
        since_progress: 0,
    };
    for path in paths {
        scan.visit(path, true);
    }
    scan.report
}

struct Scan<'a> {
    options: &'a ScanOptions,
    progress: &'a mut dyn FnMut(&Progress),
    report: ScanReport,
    started: Instant,
    last_progress: Instant,
    since_progress: u64,
}

impl Scan<'_> {
    fn visit(&mut self, root: &Path, explicit: bool) {
        // Depth-first, entries in name order, without following directory symlinks.
        let mut stack: Vec<(PathBuf, bool)> = vec![(root.to_path_buf(), explicit)];
        while let Some((path, explicit)) = stack.pop() {
            let meta = match std::fs::symlink_metadata(&path) {
                Ok(m) => m,
                Err(e) => {
                    self.report.errors.push((path, e.to_string()));
                    continue;
                }
            };
            let meta = if meta.file_type().is_symlink() && explicit {
                match std::fs::metadata(&path) {
                    Ok(m) => m,
                    Err(e) => {
                        self.report.errors.push((path, e.to_string()));
                        continue;
                    }
                }
            } else {
                meta
            };
            if meta.is_dir() {
                if !explicit && self.skipped(&path) {
                    continue;
                }
                let entries = match std::fs::read_dir(&path) {
                    Ok(e) => e,
                    Err(e) => {
                        self.report.errors.push((path, e.to_string()));
                        continue;
                    }
                };
                let mut children: Vec<PathBuf> =
                    entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
                children.sort();
                for child in children.into_iter().rev() {
                    stack.push((child, false));
                }
            } else if meta.is_file() {
                if let Some(language) = Language::of_path(&path) {
                    self.file(&path, language);
                } else if explicit {
                    self.report
                        .errors
                        .push((path, "not a source file the scanner reads".to_string()));
                }
            }
        }
    }

    fn skipped(&self, dir: &Path) -> bool {
        let Some(name) = dir.file_name().and_then(|n| n.to_str()) else {
            return false;
        };
        name.starts_with('.') || self.options.skip_dirs.iter().any(|s| s == name)
    }

    fn file(&mut self, path: &Path, language: Language) {
        let src = match std::fs::read(path) {
            Ok(s) => s,
            Err(e) => {
                self.report.errors.push((path.to_path_buf(), e.to_string()));
                return;
            }
        };
        let found = scan_source(&src, language, self.options);
        self.report.left_out += found.left_out;
        self.report
            .findings
            .extend(found.findings.into_iter().map(|mut f| {
                f.path = path.to_path_buf();
                f
            }));
        self.report.files_scanned += 1;
        self.since_progress += 1;
        let every = self.options.progress_every_files.max(1);
        if self.since_progress >= every
            || self.last_progress.elapsed() >= self.options.progress_every
        {
            self.since_progress = 0;
            self.last_progress = Instant::now();
            (self.progress)(&Progress {
                files: self.report.files_scanned,
                findings: self.report.findings.len() as u64,
                elapsed: self.started.elapsed(),
                current: path.to_path_buf(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(src: &str, language: Language) -> Vec<(usize, &'static str)> {
        scan_source(src.as_bytes(), language, &ScanOptions::default())
            .findings
            .into_iter()
            .map(|f| (f.line, f.name.legacy_name()))
            .collect()
    }

    #[test]
    fn methods_count_only_when_called_on_something() {
        let src = "void login() {}\nlogin();\napi.messageInstantSend(a);\napi->login2(x);\n";
        assert_eq!(
            found(src, Language::Cpp),
            [(3, "messageInstantSend"), (4, "login2")]
        );
    }

    #[test]
    fn objc_messages_count_but_labels_do_not() {
        let src = "[api logout];\n[[AgoraAPI getInstance] login2:a account:b];\nswitch (x) { case login: break; }\n[api channelJoin:@\"c\"];\n- (void)login2:(NSString *)a;\n[(id)api logout];\n";
        assert_eq!(
            found(src, Language::ObjC),
            [
                (1, "logout"),
                (2, "login2"),
                (4, "channelJoin"),
                (6, "logout")
            ]
        );
    }

    #[test]
    fn common_words_need_a_distinctive_name_in_the_file() {
        let alone = "thread.start();\nview.setBackground(d);\nx.onError = f;\n";
        let r = scan_source(alone.as_bytes(), Language::Java, &ScanOptions::default());
        assert!(r.findings.is_empty());
        assert_eq!(r.left_out, 3);
        let all = ScanOptions {
            all_names: true,
            ..ScanOptions::default()
        };
        let r = scan_source(alone.as_bytes(), Language::Java, &all);
        assert_eq!(r.findings.len(), 3);
        let with = format!("{alone}api.messageInstantSend(a, 0, b, c);\n");
        assert_eq!(found(&with, Language::Java).len(), 4);
    }

    #[test]
    fn invoke_function_names_are_a_legacy_marker() {
        let src = "const s = signal.login(a, t);\ns.invoke('io.agora.signal.channel_query_num', {}, f);\n";
        assert_eq!(
            found(src, Language::JavaScript),
            [(1, "login"), (2, "invoke")]
        );
        for (literal, marker) in [
            ("\"io.agora.signal.user_query_user_status\"", true),
            ("@\"io.agora.signal.x\"", true),
            ("`io.agora.signal.x`", true),
            ("\"\"\"io.agora.signal.x\"\"\"", true),
            ("\"io.agora.signalling\"", false),
            ("\"see io.agora.signal.x\"", false),
            ("\"\"", false),
            ("\"", false),
        ] {
            assert_eq!(
                is_invoke_function_name(literal.as_bytes()),
                marker,
                "{literal}"
            );
        }
        let comment = "// io.agora.signal.x\nthread.start();\n";
        let r = scan_source(comment.as_bytes(), Language::Java, &ScanOptions::default());
        assert_eq!((r.findings.len(), r.left_out), (0, 1));
    }

    #[test]
    fn columns_count_characters() {
        let src = "/* é */ api.messageInstantSend(a);";
        let f = &scan_source(src.as_bytes(), Language::Java, &ScanOptions::default()).findings[0];
        assert_eq!((f.line, f.column), (1, 13));
    }

    #[test]
    fn common_word_rule() {
        assert!(LegacyName::Method(LegacyMethod::Login).is_common_word());
        assert!(!LegacyName::Method(LegacyMethod::Login2).is_common_word());
        assert!(LegacyName::Method(LegacyMethod::SetBackground).is_common_word());
        assert!(!LegacyName::Method(LegacyMethod::MessageInstantSend).is_common_word());
        assert!(LegacyName::Callback(LegacyCallbackName::OnError).is_common_word());
        assert!(!LegacyName::Callback(LegacyCallbackName::OnLoginSuccess).is_common_word());
    }

    #[test]
    fn languages_by_extension() {
        for (file, lang) in [
            ("a.java", Language::Java),
            ("a.kt", Language::Kotlin),
            ("a.m", Language::ObjC),
            ("a.mm", Language::ObjC),
            ("a.h", Language::C),
            ("a.swift", Language::Swift),
            ("a.cpp", Language::Cpp),
            ("a.js", Language::JavaScript),
            ("a.tsx", Language::TypeScript),
        ] {
            assert_eq!(Language::of_path(Path::new(file)), Some(lang), "{file}");
        }
        assert_eq!(Language::of_path(Path::new("README.md")), None);
    }
}
