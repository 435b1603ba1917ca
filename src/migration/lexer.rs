//! A small lexer for the syntaxes legacy Signaling apps were written in (C, C++, Objective-C,
//! Java, Kotlin, Swift, JavaScript, TypeScript). It only has to tell code from comments and
//! string literals, so it yields the code tokens (identifiers, numbers, punctuation, and one
//! placeholder per literal) and skips everything else.
//!
//! What it knows, per syntax:
//!
//! - `//` line comments and `/* */` block comments everywhere; block comments nest in Swift and
//!   Kotlin.
//! - `"…"` strings with backslash escapes everywhere, ending at the line's end when unclosed so
//!   that one stray quote cannot swallow a file; `@"…"` in Objective-C is `@` then a string.
//! - `'…'` character literals in the C family, Java and Kotlin, strings in JavaScript and
//!   TypeScript; `1'000` digit separators in the C family.
//! - `` `…` `` template literals with `${…}` code inside (JavaScript, TypeScript); in Kotlin and
//!   Swift backticks quote an identifier, which stays an identifier.
//! - `"""…"""` text blocks (Java), raw strings (Kotlin, with `${…}` code inside) and multi-line
//!   strings (Swift, with `\(…)` code inside); `"…${…}…"` in Kotlin and `"…\(…)…"` in Swift.
//! - Swift raw strings `#"…"#` (any number of `#`), C++ raw strings `R"delim(…)delim"`.
//! - `#if 0` … `#endif` blocks of the C preprocessor, skipped like comments.
//! - JavaScript and TypeScript regular expression literals, told from division by the token
//!   before the slash.

/// The syntax a source file is lexed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Syntax {
    /// C, C++, Objective-C and Objective-C++ (one lexer: the differences do not matter here).
    CFamily,
    /// Java.
    Java,
    /// Kotlin.
    Kotlin,
    /// Swift.
    Swift,
    /// JavaScript and TypeScript.
    Script,
}

/// What a code token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// An identifier or keyword (a backtick-quoted identifier in Kotlin and Swift included).
    Ident,
    /// A number.
    Number,
    /// A string, character, template or regular expression literal (its content is skipped).
    Literal,
    /// One byte of punctuation, e.g. `.` or `(`.
    Punct(u8),
}

/// A code token: its kind and the byte range of its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Byte offset of its first byte.
    pub start: usize,
    /// Byte offset just past its last byte.
    pub end: usize,
}

/// How deep `${…}` / `\(…)` code may nest inside strings before the lexer stops descending
/// (deeper interpolations are skipped as string content).
const MAX_NESTING: usize = 32;

/// The code tokens of `src`, in order.
///
/// ```
/// use sig2rtm::migration::lexer::{tokenize, Syntax, TokenKind};
///
/// let src = br#"api.login(a); // api.logout()
/// s = "api.logout()"; /* logout */"#;
/// let idents: Vec<&str> = tokenize(src, Syntax::Java)
///     .into_iter()
///     .filter(|t| t.kind == TokenKind::Ident)
///     .map(|t| std::str::from_utf8(&src[t.start..t.end]).unwrap())
///     .collect();
/// assert_eq!(idents, ["api", "login", "a", "s"]);
/// ```
pub fn tokenize(src: &[u8], syntax: Syntax) -> Vec<Token> {
    let mut lexer = Lexer {
        src,
        pos: 0,
        syntax,
        tokens: Vec::with_capacity(src.len() / 6),
        nesting: 0,
        line_is_blank: true,
    };
    lexer.code(None);
    lexer.tokens
}

struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    syntax: Syntax,
    tokens: Vec<Token>,
    nesting: usize,
    /// No code token since the last newline (for `#` directives).
    line_is_blank: bool,
}

/// How a string literal embeds code.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Interp {
    None,
    /// `${ … }` (JavaScript templates, Kotlin strings).
    DollarBrace,
    /// `\( … )` (Swift strings).
    BackslashParen,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'$' || b >= 0x80
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// Keywords after which a `/` starts a regular expression rather than a division.
const REGEX_AFTER: &[&str] = &[
    "return",
    "typeof",
    "case",
    "do",
    "else",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "instanceof",
    "yield",
    "await",
];

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> u8 {
        self.src.get(self.pos + ahead).copied().unwrap_or(0)
    }

    fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    fn starts_with(&self, s: &[u8]) -> bool {
        self.src[self.pos..].starts_with(s)
    }

    fn push(&mut self, kind: TokenKind, start: usize) {
        self.tokens.push(Token {
            kind,
            start,
            end: self.pos,
        });
        self.line_is_blank = false;
    }

    /// Lexes code until `closer` closes at depth 0 (consumed) or the input ends.
    fn code(&mut self, closer: Option<u8>) {
        let opener = match closer {
            Some(b'}') => b'{',
            Some(b')') => b'(',
            _ => 0,
        };
        let mut depth = 0usize;
        while !self.at_end() {
            let b = self.peek(0);
            match b {
                b'\n' => {
                    self.pos += 1;
                    self.line_is_blank = true;
                }
                b' ' | b'\t' | b'\r' | 0x0b | 0x0c => self.pos += 1,
                b'/' if self.peek(1) == b'/' => self.line_comment(),
                b'/' if self.peek(1) == b'*' => self.block_comment(),
                b'/' if self.syntax == Syntax::Script && self.regex_allowed() => {
                    if !self.regex() {
                        self.punct();
                    }
                }
                b'"' => self.double_quote(),
                b'\'' => self.single_quote(),
                b'`' => self.backtick(),
                b'#' if self.syntax == Syntax::Swift && self.swift_raw_string() => {}
                b'#' if self.syntax == Syntax::CFamily && self.line_is_blank => self.directive(),
                b'0'..=b'9' => self.number(),
                b'.' if self.peek(1).is_ascii_digit() => self.number(),
                b if is_ident_start(b) => self.ident(),
                _ => {
                    if closer == Some(b) && depth == 0 {
                        self.pos += 1;
                        return;
                    }
                    if opener != 0 && b == opener {
                        depth += 1;
                    } else if closer == Some(b) {
                        depth -= 1;
                    }
                    self.punct();
                }
            }
        }
    }

    fn punct(&mut self) {
        let start = self.pos;
        let b = self.peek(0);
        self.pos += 1;
        self.push(TokenKind::Punct(b), start);
    }

    fn line_comment(&mut self) {
        while !self.at_end() && self.peek(0) != b'\n' {
            self.pos += 1;
        }
    }

    fn block_comment(&mut self) {
        let nests = matches!(self.syntax, Syntax::Swift | Syntax::Kotlin);
        self.pos += 2;
        let mut depth = 1usize;
        while !self.at_end() {
            if self.starts_with(b"*/") {
                self.pos += 2;
                depth -= 1;
                if depth == 0 {
                    return;
                }
            } else if nests && self.starts_with(b"/*") {
                self.pos += 2;
                depth += 1;
            } else {
                self.pos += 1;
            }
        }
    }

    fn ident(&mut self) {
        let start = self.pos;
        while !self.at_end() && is_ident_byte(self.peek(0)) {
            self.pos += 1;
        }
        if self.syntax == Syntax::CFamily && self.peek(0) == b'"' {
            let word = &self.src[start..self.pos];
            if matches!(word, b"R" | b"LR" | b"uR" | b"UR" | b"u8R") {
                self.cpp_raw_string(start);
                return;
            }
        }
        self.push(TokenKind::Ident, start);
    }

    fn number(&mut self) {
        let start = self.pos;
        while !self.at_end() {
            let b = self.peek(0);
            let prev = self.src[self.pos.saturating_sub(1)];
            let sign = (b == b'+' || b == b'-') && matches!(prev, b'e' | b'E' | b'p' | b'P');
            if b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || sign {
                self.pos += 1;
            } else if b == b'\''
                && self.syntax == Syntax::CFamily
                && self.peek(1).is_ascii_alphanumeric()
            {
                self.pos += 1; // digit separator
            } else {
                break;
            }
        }
        self.push(TokenKind::Number, start);
    }

    /// `"`: a plain string, or a triple-quoted one in Java, Kotlin and Swift.
    fn double_quote(&mut self) {
        let start = self.pos;
        let triple = matches!(self.syntax, Syntax::Java | Syntax::Kotlin | Syntax::Swift)
            && self.starts_with(b"\"\"\"");
        let interp = match self.syntax {
            Syntax::Kotlin => Interp::DollarBrace,
            Syntax::Swift => Interp::BackslashParen,
            _ => Interp::None,
        };
        if triple {
            self.pos += 3;
            // Kotlin's raw strings have no escapes; Java's and Swift's do.
            let escapes = self.syntax != Syntax::Kotlin;
            self.string_body(b"\"\"\"", true, escapes, interp);
        } else {
            self.pos += 1;
            self.string_body(b"\"", false, true, interp);
        }
        self.push(TokenKind::Literal, start);
    }

    /// `'`: a character literal or a JavaScript string; in Swift nothing special.
    fn single_quote(&mut self) {
        if self.syntax == Syntax::Swift {
            self.punct();
            return;
        }
        let start = self.pos;
        self.pos += 1;
        self.string_body(b"'", false, true, Interp::None);
        self.push(TokenKind::Literal, start);
    }

    /// `` ` ``: a template literal in scripts, a quoted identifier in Kotlin and Swift.
    fn backtick(&mut self) {
        let start = self.pos;
        self.pos += 1;
        match self.syntax {
            Syntax::Script => {
                self.string_body(b"`", true, true, Interp::DollarBrace);
                self.push(TokenKind::Literal, start);
            }
            Syntax::Kotlin | Syntax::Swift => {
                let name_start = self.pos;
                while !self.at_end() && !matches!(self.peek(0), b'`' | b'\n') {
                    self.pos += 1;
                }
                let name_end = self.pos;
                if self.peek(0) == b'`' {
                    self.pos += 1;
                }
                self.tokens.push(Token {
                    kind: TokenKind::Ident,
                    start: name_start,
                    end: name_end,
                });
                self.line_is_blank = false;
            }
            _ => self.push(TokenKind::Punct(b'`'), start),
        }
    }

    /// Skips a string body up to and including `end`. A single-line string also stops (without
    /// consuming it) at a newline that is not escaped.
    fn string_body(&mut self, end: &[u8], multiline: bool, escapes: bool, interp: Interp) {
        while !self.at_end() {
            let b = self.peek(0);
            if self.starts_with(end) {
                self.pos += end.len();
                // Swift and Kotlin allow more quotes right before the closing triple.
                if end.len() == 3 {
                    while self.peek(0) == b'"' {
                        self.pos += 1;
                    }
                }
                return;
            }
            match b {
                b'\n' if !multiline => return,
                b'\\' if escapes => {
                    if interp == Interp::BackslashParen && self.peek(1) == b'(' {
                        self.pos += 2;
                        self.interpolation(b')');
                    } else {
                        // A backslash may be the text's last byte.
                        self.pos = (self.pos + 2).min(self.src.len());
                    }
                }
                b'$' if interp == Interp::DollarBrace && self.peek(1) == b'{' => {
                    self.pos += 2;
                    self.interpolation(b'}');
                }
                _ => self.pos += 1,
            }
        }
    }

    /// Code inside a string, up to its `closer`.
    fn interpolation(&mut self, closer: u8) {
        if self.nesting >= MAX_NESTING {
            return; // too deep: the rest is read as string content
        }
        self.nesting += 1;
        let blank = self.line_is_blank;
        self.code(Some(closer));
        self.line_is_blank = blank;
        self.nesting -= 1;
    }

    /// Swift `#"…"#`, `##"…"##`, `#"""…"""#`: returns false when `#` starts something else.
    fn swift_raw_string(&mut self) -> bool {
        let start = self.pos;
        let mut hashes = 0;
        while self.peek(hashes) == b'#' {
            hashes += 1;
        }
        if self.peek(hashes) != b'"' {
            return false;
        }
        self.pos += hashes;
        let triple = self.starts_with(b"\"\"\"");
        let quotes = if triple { 3 } else { 1 };
        self.pos += quotes;
        let mut close = vec![b'"'; quotes];
        close.extend(std::iter::repeat_n(b'#', hashes));
        while !self.at_end() {
            if self.starts_with(&close) {
                self.pos += close.len();
                break;
            }
            if !triple && self.peek(0) == b'\n' {
                break;
            }
            self.pos += 1;
        }
        self.push(TokenKind::Literal, start);
        true
    }

    /// C++ `R"delim( … )delim"`; `start` is where the prefix began.
    fn cpp_raw_string(&mut self, start: usize) {
        self.pos += 1; // the quote
        let delim_start = self.pos;
        while !self.at_end()
            && !matches!(self.peek(0), b'(' | b'"' | b'\n')
            && self.pos - delim_start < 16
        {
            self.pos += 1;
        }
        if self.peek(0) != b'(' {
            // Not a raw string after all: read it as an ordinary one.
            self.pos = delim_start;
            self.string_body(b"\"", false, true, Interp::None);
            self.push(TokenKind::Literal, start);
            return;
        }
        let mut close = vec![b')'];
        close.extend_from_slice(&self.src[delim_start..self.pos]);
        close.push(b'"');
        self.pos += 1;
        while !self.at_end() && !self.starts_with(&close) {
            self.pos += 1;
        }
        self.pos = (self.pos + close.len()).min(self.src.len());
        self.push(TokenKind::Literal, start);
    }

    /// A preprocessor directive at the start of a line. `#if 0` skips to its `#else`, `#elif`
    /// or `#endif`; any other directive is lexed as code.
    fn directive(&mut self) {
        let line_end = self.src[self.pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.src.len(), |i| self.pos + i);
        let words = directive_words(&self.src[self.pos + 1..line_end]);
        if words.0 == b"if" && (words.1 == b"0" || words.1 == b"false") {
            self.pos = line_end;
            self.skip_disabled();
        } else {
            self.punct();
        }
    }

    /// Skips lines up to the `#else`, `#elif` or `#endif` that ends an `#if 0` block.
    fn skip_disabled(&mut self) {
        let mut depth = 0usize;
        while !self.at_end() {
            // At a newline: look at the next line.
            self.pos += 1;
            let line_start = self.pos;
            let line_end = self.src[line_start..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(self.src.len(), |i| line_start + i);
            let line = &self.src[line_start..line_end];
            let trimmed = trim_start(line);
            if let Some(rest) = trimmed.strip_prefix(b"#") {
                let (word, _) = directive_words(rest);
                match word {
                    b"if" | b"ifdef" | b"ifndef" => depth += 1,
                    b"endif" | b"else" | b"elif" if depth == 0 => {
                        self.pos = line_end;
                        self.line_is_blank = true;
                        return;
                    }
                    b"endif" => depth -= 1,
                    _ => {}
                }
            }
            self.pos = line_end;
        }
    }

    /// Whether a `/` here would start a regular expression (JavaScript, TypeScript).
    fn regex_allowed(&self) -> bool {
        match self.tokens.last() {
            None => true,
            Some(t) => match t.kind {
                TokenKind::Number | TokenKind::Literal => false,
                TokenKind::Ident => {
                    let word = &self.src[t.start..t.end];
                    REGEX_AFTER.iter().any(|k| k.as_bytes() == word)
                }
                TokenKind::Punct(p) => !matches!(p, b')' | b']' | b'}'),
            },
        }
    }

    /// A regular expression literal on this line; false (nothing consumed) when there is none.
    fn regex(&mut self) -> bool {
        let start = self.pos;
        let mut i = self.pos + 1;
        let mut in_class = false;
        while i < self.src.len() {
            match self.src[i] {
                b'\n' => return false,
                b'\\' => i += 1,
                b'[' => in_class = true,
                b']' => in_class = false,
                b'/' if !in_class => {
                    i += 1;
                    while i < self.src.len() && self.src[i].is_ascii_alphabetic() {
                        i += 1;
                    }
                    self.pos = i;
                    self.push(TokenKind::Literal, start);
                    return true;
                }
                _ => {}
            }
            i += 1;
        }
        false
    }
}

fn trim_start(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
    &s[n..]
}

/// The directive name and its first argument, e.g. `if` and `0` for `# if 0 // off`.
fn directive_words(rest: &[u8]) -> (&[u8], &[u8]) {
    let rest = trim_start(rest);
    let name_len = rest.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let (name, after) = rest.split_at(name_len);
    let after = trim_start(after);
    let arg_len = after
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    (name, &after[..arg_len])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idents(src: &str, syntax: Syntax) -> Vec<&str> {
        tokenize(src.as_bytes(), syntax)
            .into_iter()
            .filter(|t| t.kind == TokenKind::Ident)
            .map(|t| &src[t.start..t.end])
            .collect()
    }

    #[test]
    fn a_backslash_at_the_end_of_the_text_ends_its_string_there() {
        for syntax in [
            Syntax::CFamily,
            Syntax::Java,
            Syntax::Kotlin,
            Syntax::Swift,
            Syntax::Script,
        ] {
            for src in ["s = \"joined \\", "s = '\\", "s = `a \\", "s = \"\"\"x \\"] {
                for t in tokenize(src.as_bytes(), syntax) {
                    assert!(t.end <= src.len(), "{syntax:?} {src:?}: {t:?}");
                }
            }
        }
    }

    #[test]
    fn comments_are_skipped() {
        let src = "a // b\nc /* d\n e */ f";
        assert_eq!(idents(src, Syntax::Java), ["a", "c", "f"]);
    }

    #[test]
    fn block_comments_nest_in_swift_and_kotlin_only() {
        let src = "a /* b /* c */ d */ e";
        assert_eq!(idents(src, Syntax::Swift), ["a", "e"]);
        assert_eq!(idents(src, Syntax::Kotlin), ["a", "e"]);
        assert_eq!(idents(src, Syntax::Java), ["a", "d", "e"]);
    }

    #[test]
    fn strings_and_escapes_are_skipped() {
        let src = r#"a "b \" c" d 'e' f '\'' g"#;
        assert_eq!(idents(src, Syntax::Java), ["a", "d", "f", "g"]);
        assert_eq!(idents(src, Syntax::Script), ["a", "d", "f", "g"]);
    }

    #[test]
    fn an_unclosed_string_ends_at_the_line_end() {
        let src = "a \"b\nc";
        assert_eq!(idents(src, Syntax::CFamily), ["a", "c"]);
    }

    #[test]
    fn objc_at_strings_are_strings() {
        let src = r#"[x send:@"login"]"#;
        assert_eq!(idents(src, Syntax::CFamily), ["x", "send"]);
    }

    #[test]
    fn template_literals_keep_their_code() {
        let src = "a `b ${c(`d ${e}`)} f` g";
        assert_eq!(idents(src, Syntax::Script), ["a", "c", "e", "g"]);
    }

    #[test]
    fn kotlin_strings_and_raw_strings_keep_their_templates() {
        let src = "a \"b ${c} d\" \"\"\"e\n ${f} \"g\" \"\"\" h";
        assert_eq!(idents(src, Syntax::Kotlin), ["a", "c", "f", "h"]);
    }

    #[test]
    fn swift_strings_keep_their_interpolations() {
        let src = "a \"b \\(c(\"d\")) e\" \"\"\"\n f \\(g)\n\"\"\" h";
        assert_eq!(idents(src, Syntax::Swift), ["a", "c", "g", "h"]);
    }

    #[test]
    fn swift_raw_strings_are_skipped() {
        let src = "a #\"b \"c\" d\"# e ##\"f\"## g";
        assert_eq!(idents(src, Syntax::Swift), ["a", "e", "g"]);
    }

    #[test]
    fn java_text_blocks_are_skipped() {
        let src = "a \"\"\"\n b \"c\" \n\"\"\" d";
        assert_eq!(idents(src, Syntax::Java), ["a", "d"]);
    }

    #[test]
    fn backticks_quote_identifiers_in_kotlin_and_swift() {
        assert_eq!(idents("x.`login`(y)", Syntax::Kotlin), ["x", "login", "y"]);
        assert_eq!(idents("x.`login`(y)", Syntax::Swift), ["x", "login", "y"]);
    }

    #[test]
    fn cpp_raw_strings_and_digit_separators() {
        let src = "a R\"x(b \" c)\" d)x\" e 1'000'000 f u8\"g\" h L'i' j";
        assert_eq!(
            idents(src, Syntax::CFamily),
            ["a", "e", "f", "u8", "h", "L", "j"]
        );
    }

    #[test]
    fn if_zero_blocks_are_skipped() {
        let src = "a\n#if 0\nb\n#if X\nc\n#endif\nd\n#else\ne\n#endif\nf\n  # if 0\ng\n#endif\nh";
        assert_eq!(idents(src, Syntax::CFamily), ["a", "e", "endif", "f", "h"]);
    }

    #[test]
    fn regex_literals_are_told_from_division() {
        let src = "a = b / c / d; e = /f\"g/i.test(h); return /[/]k/";
        assert_eq!(
            idents(src, Syntax::Script),
            ["a", "b", "c", "d", "e", "test", "h", "return"]
        );
    }

    #[test]
    fn interpolations_nested_too_deep_are_read_as_text() {
        let mut src = String::from("a ");
        for _ in 0..40 {
            src.push_str("`${");
        }
        src.push('x');
        for _ in 0..40 {
            src.push_str("}`");
        }
        src.push_str(" b");
        let ids = idents(&src, Syntax::Script);
        assert_eq!(ids.first(), Some(&"a"));
        assert!(!ids.is_empty());
    }
}
