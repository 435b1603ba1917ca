//! Names: the snake_case rule of contract N1, CamelCase variant names and the identifier
//! predicates the checks use.

/// snake_case of a legacy camelCase name (contract rule N1): an underscore goes before an
/// upper-case letter that follows a lower-case letter or digit, and before the last capital of
/// an acronym that is followed by a lower-case letter (`onBCCall_result` -> `on_bc_call_result`).
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = if i > 0 { Some(chars[i - 1]) } else { None };
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
            if boundary {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// CamelCase variant name from a snake_case name: `channel_invite_user2` -> `ChannelInviteUser2`.
pub fn camel_case(snake: &str) -> String {
    snake
        .split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut cs = part.chars();
            match cs.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + cs.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

pub(crate) fn is_identifier(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(crate) fn is_snake_identifier(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some(c) if c.is_ascii_lowercase())
        && cs.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.contains("__")
        && !s.ends_with('_')
}

pub(crate) fn is_upper_identifier(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some(c) if c.is_ascii_uppercase())
        && cs.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Contract rule ids look like `M1`, `C11`: a section letter of spec/shim-contract.md and a number.
pub(crate) fn is_contract_id(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some('N' | 'S' | 'C' | 'M' | 'I' | 'Q' | 'T'))
        && !cs.as_str().is_empty()
        && cs.all(|c| c.is_ascii_digit())
}

/// Rust keywords that a generated snake_case name must not collide with.
pub(crate) const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use",
    "where", "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv",
    "try", "typeof", "unsized", "virtual", "yield", "gen",
];

/// CamelCase from an upper-case constant name: `PEER_UNREACHABLE` -> `PeerUnreachable`,
/// `LOGIN_ERR_CODE` -> `LoginErrCode`; how the core names the variants and types of RTM's enums.
pub(crate) fn upper_to_camel(upper: &str) -> String {
    camel_case(&upper.to_ascii_lowercase())
}
