//! The legacy-style expression grammar shared by scenario calls, expected transcript lines and
//! observed callbacks: `name(arg, …)`, optionally followed by `-> value` for a call's return
//! value.
//!
//! A value is a string in Rust debug quoting (`"room"`, `"{\"k\":1}"`), an integer (`-1`,
//! `602`), `true` / `false`, or a list (`["A", "B"]`). Expected lines may also hold
//! placeholders: `_` (anything), `$name` (a value bound on first use, the same everywhere after),
//! `$uid(account)` (the shim's uid of that account) and `$app` (the scenario's App ID). Observed
//! callbacks are printed by [`crate::signaling::LegacyEvent`]'s `Display` in exactly this
//! grammar, so they parse back into the same tree.

use std::fmt;

/// One value or placeholder.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Term {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// `true` or `false`.
    Bool(bool),
    /// A list.
    List(Vec<Term>),
    /// `_`: matches any value.
    Any,
    /// `$name`: bound to the value it first matches; the same value everywhere after.
    Var(String),
    /// `$uid(account)`: the uid the shim gives `account` (contract rule N4).
    Uid(String),
    /// `$app`: the scenario's App ID.
    App,
}

impl Term {
    /// True when the term holds no placeholder.
    pub fn is_concrete(&self) -> bool {
        match self {
            Term::Str(_) | Term::Int(_) | Term::Bool(_) => true,
            Term::List(items) => items.iter().all(Term::is_concrete),
            Term::Any | Term::Var(_) | Term::Uid(_) | Term::App => false,
        }
    }
}

/// `name(args…)` with an optional `-> value`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Expr {
    /// The callback or method name, as written (`onChannelJoined`, `channel_join`).
    pub name: String,
    /// The arguments, in order.
    pub args: Vec<Term>,
    /// The value after `->`, for calls that return one (`get_status() -> 2`).
    pub ret: Option<Term>,
}

/// Where and why a text did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset into the text.
    pub at: usize,
    /// What was wrong.
    pub what: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.at, self.what)
    }
}

impl std::error::Error for ParseError {}

/// Parses one expression; the whole text must be used.
pub fn parse_expr(text: &str) -> Result<Expr, ParseError> {
    let mut p = Parser { text, pos: 0 };
    let expr = p.expr()?;
    p.skip_ws();
    if p.pos != text.len() {
        return Err(p.error("unexpected text after the expression"));
    }
    Ok(expr)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, what: impl Into<String>) -> ParseError {
        ParseError {
            at: self.pos,
            what: what.into(),
        }
    }

    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(c) if c.is_whitespace()) {
            self.bump();
        }
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_ws();
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &str) -> Result<(), ParseError> {
        if self.eat(token) {
            Ok(())
        } else {
            Err(self.error(format!("expected `{token}`")))
        }
    }

    fn ident(&mut self) -> Option<String> {
        self.skip_ws();
        let start = self.pos;
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == '_') {
            self.bump();
        }
        (self.pos > start).then(|| self.text[start..self.pos].to_string())
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        let name = self
            .ident()
            .ok_or_else(|| self.error("expected a callback or method name"))?;
        self.expect("(")?;
        let args = self.items(")")?;
        let ret = if self.eat("->") {
            Some(self.term()?)
        } else {
            None
        };
        Ok(Expr { name, args, ret })
    }

    /// Comma-separated terms up to `close` (consumed); a trailing comma is allowed.
    fn items(&mut self, close: &str) -> Result<Vec<Term>, ParseError> {
        let mut items = Vec::new();
        loop {
            if self.eat(close) {
                return Ok(items);
            }
            items.push(self.term()?);
            if !self.eat(",") {
                self.expect(close)?;
                return Ok(items);
            }
        }
    }

    fn term(&mut self) -> Result<Term, ParseError> {
        self.skip_ws();
        match self.peek() {
            Some('"') => self.string().map(Term::Str),
            Some('[') => {
                self.bump();
                self.items("]").map(Term::List)
            }
            Some('$') => self.placeholder(),
            Some(c) if c == '-' || c.is_ascii_digit() => self.int(),
            Some(_) => match self.ident().as_deref() {
                Some("_") => Ok(Term::Any),
                Some("true") => Ok(Term::Bool(true)),
                Some("false") => Ok(Term::Bool(false)),
                _ => Err(self.error(
                    "expected a value: \"string\", integer, true/false, [list], _ or $placeholder",
                )),
            },
            None => Err(self.error("expected a value, found the end of the text")),
        }
    }

    fn int(&mut self) -> Result<Term, ParseError> {
        let start = self.pos;
        if self.peek() == Some('-') {
            self.bump();
        }
        while matches!(self.peek(), Some(c) if c.is_ascii_digit()) {
            self.bump();
        }
        self.text[start..self.pos]
            .parse::<i64>()
            .map(Term::Int)
            .map_err(|_| ParseError {
                at: start,
                what: "not an integer".into(),
            })
    }

    fn placeholder(&mut self) -> Result<Term, ParseError> {
        self.bump(); // '$'
        let start = self.pos;
        let name = match self.ident() {
            Some(name) if self.pos == start + name.len() => name,
            _ => return Err(self.error("expected a placeholder name after `$`")),
        };
        match name.as_str() {
            "app" => Ok(Term::App),
            "uid" if self.peek() == Some('(') => {
                self.bump();
                self.skip_ws();
                let account = if self.peek() == Some('"') {
                    self.string()?
                } else {
                    let begin = self.pos;
                    while matches!(self.peek(), Some(c) if c != ')' && !c.is_whitespace()) {
                        self.bump();
                    }
                    self.text[begin..self.pos].to_string()
                };
                if account.is_empty() {
                    return Err(self.error("`$uid(…)` needs an account"));
                }
                self.expect(")")?;
                Ok(Term::Uid(account))
            }
            _ => Ok(Term::Var(name)),
        }
    }

    /// A string in Rust debug quoting.
    fn string(&mut self) -> Result<String, ParseError> {
        self.bump(); // '"'
        let mut out = String::new();
        loop {
            let c = self
                .bump()
                .ok_or_else(|| self.error("unterminated string"))?;
            match c {
                '"' => return Ok(out),
                '\\' => {
                    let e = self
                        .bump()
                        .ok_or_else(|| self.error("unterminated escape"))?;
                    match e {
                        'n' => out.push('\n'),
                        'r' => out.push('\r'),
                        't' => out.push('\t'),
                        '0' => out.push('\0'),
                        '\\' | '"' | '\'' => out.push(e),
                        'u' => {
                            self.expect("{")?;
                            let start = self.pos;
                            while matches!(self.peek(), Some(c) if c.is_ascii_hexdigit()) {
                                self.bump();
                            }
                            let hex = &self.text[start..self.pos];
                            let ch = u32::from_str_radix(hex, 16)
                                .ok()
                                .and_then(char::from_u32)
                                .ok_or_else(|| self.error("bad \\u{…} escape"))?;
                            self.expect("}")?;
                            out.push(ch);
                        }
                        other => return Err(self.error(format!("unknown escape `\\{other}`"))),
                    }
                }
                c => out.push(c),
            }
        }
    }
}

fn is_plain_account(account: &str) -> bool {
    !account.is_empty()
        && account
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Term::Str(s) => write!(f, "{s:?}"),
            Term::Int(n) => write!(f, "{n}"),
            Term::Bool(b) => write!(f, "{b}"),
            Term::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Term::Any => f.write_str("_"),
            Term::Var(name) => write!(f, "${name}"),
            Term::Uid(account) if is_plain_account(account) => write!(f, "$uid({account})"),
            Term::Uid(account) => write!(f, "$uid({account:?})"),
            Term::App => f.write_str("$app"),
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.name)?;
        for (i, arg) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{arg}")?;
        }
        f.write_str(")")?;
        if let Some(ret) = &self.ret {
            write!(f, " -> {ret}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signaling::LegacyEvent;

    #[test]
    fn observed_callbacks_parse_back_to_what_they_print() {
        let events = [
            LegacyEvent::ChannelJoined {
                channel_id: "room \"1\"\n".into(),
            },
            LegacyEvent::ChannelUserList {
                accounts: vec!["B".into(), "A".into()],
                uids: vec![7, 9],
            },
            LegacyEvent::InviteFailed {
                channel_id: "ch".into(),
                account: "B".into(),
                uid: 0,
                ecode: 703,
                extra: "{\"reason\":\"PEER_OFFLINE\"}".into(),
            },
            LegacyEvent::Error {
                name: "x".into(),
                ecode: -1,
                desc: "tab\there \u{1b} é".into(),
            },
        ];
        for event in events {
            let text = event.to_string();
            let expr = parse_expr(&text).unwrap();
            assert_eq!(expr.to_string(), text);
        }
    }

    #[test]
    fn placeholders_parse() {
        let e = parse_expr("f($uid(A), $msgid1, _, $app, $uid(\"a b\")) -> true").unwrap();
        assert_eq!(
            e.args,
            vec![
                Term::Uid("A".into()),
                Term::Var("msgid1".into()),
                Term::Any,
                Term::App,
                Term::Uid("a b".into()),
            ]
        );
        assert_eq!(e.ret, Some(Term::Bool(true)));
        assert_eq!(
            e.to_string(),
            "f($uid(A), $msgid1, _, $app, $uid(\"a b\")) -> true"
        );
    }

    #[test]
    fn errors_say_where() {
        let err = parse_expr("onX(\"a\", ").unwrap_err();
        assert!(err.what.contains("end of the text"), "{err}");
        assert!(parse_expr("onX(1) extra").is_err());
        assert!(parse_expr("onX(1 2)").is_err());
    }
}
