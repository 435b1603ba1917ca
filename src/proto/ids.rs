//! RTM's identifier rules (spec/rtm-1x.md §4.1, choices in spec/shim-contract.md §8).
//!
//! User ids and channel ids share one rule: 1 to 64 bytes, made of ASCII letters, digits, space
//! and ``! # $ % & ( ) + - : ; < = . > ? @ [ ] ^ _ { } | ~ ,``; the string `"null"` is refused.
//! A leading space is allowed (RTM 0.9.2 and later).

/// The most bytes an id may have.
pub const MAX_ID_BYTES: usize = 64;

const PUNCTUATION: &[u8] = b" !#$%&()+-:;<=.>?@[]^_{}|~,";

/// Why an id was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdProblem {
    /// The id is empty.
    Empty,
    /// The id is the reserved word `"null"`.
    ReservedNull,
    /// The id is longer than 64 bytes.
    TooLong(usize),
    /// The id contains a character outside RTM's set.
    BadChar(char),
}

impl IdProblem {
    /// A description of the problem for an id of the given kind (`"user id"`, `"channel id"`).
    pub fn describe(&self, what: &str, id: &str) -> String {
        match self {
            IdProblem::Empty => format!("{what} is empty; RTM needs 1 to 64 bytes"),
            IdProblem::ReservedNull => format!("{what} \"null\" is reserved by RTM"),
            IdProblem::TooLong(n) => {
                format!("{what} {id:?} is {n} bytes; RTM allows at most {MAX_ID_BYTES}")
            }
            IdProblem::BadChar(c) => format!(
                "{what} {id:?} contains {c:?}; RTM allows letters, digits, space and {}",
                std::str::from_utf8(&PUNCTUATION[1..]).unwrap_or_default()
            ),
        }
    }
}

/// Checks an id against RTM's rules.
///
/// ```
/// use sig2rtm::rtm::ids::{check_id, IdProblem};
/// assert!(check_id("alice").is_ok());
/// assert!(check_id(" leading space is fine").is_ok());
/// assert_eq!(check_id("null"), Err(IdProblem::ReservedNull));
/// assert_eq!(check_id("a/b"), Err(IdProblem::BadChar('/')));
/// ```
pub fn check_id(id: &str) -> Result<(), IdProblem> {
    if id.is_empty() {
        return Err(IdProblem::Empty);
    }
    if id == "null" {
        return Err(IdProblem::ReservedNull);
    }
    if id.len() > MAX_ID_BYTES {
        return Err(IdProblem::TooLong(id.len()));
    }
    match id.chars().find(|&c| {
        !(c.is_ascii_alphanumeric() || (c.is_ascii() && PUNCTUATION.contains(&(c as u8))))
    }) {
        Some(c) => Err(IdProblem::BadChar(c)),
        None => Ok(()),
    }
}

/// `Ok` when `id` is a valid RTM id; otherwise a description naming the rule it breaks.
pub fn validate(what: &str, id: &str) -> Result<(), String> {
    check_id(id).map_err(|p| p.describe(what, id))
}

/// Checks an App ID: 32 ASCII letters or digits.
pub fn check_app_id(app_id: &str) -> Result<(), String> {
    if app_id.len() == 32 && app_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(format!(
            "App ID {app_id:?} must be 32 ASCII letters or digits (as issued by the console)"
        ))
    }
}

/// Hashes the numbers this process hands out itself (request ids, link ids) with one
/// multiplication. Nobody outside can choose them, so SipHash's defence against chosen keys buys
/// nothing there, and those maps are looked up several times per message.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// A map keyed by numbers this process hands out (see [`IdHasher`]).
pub(crate) type IdMap<K, V> =
    std::collections::HashMap<K, V, std::hash::BuildHasherDefault<IdHasher>>;
