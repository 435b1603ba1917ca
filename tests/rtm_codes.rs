//! RTM 1.x codes and identifiers (spec/rtm-1x.md §3 and §4.1).
//!
//! The tables below were copied by hand from the spec text, not generated from the crate, so a
//! wrong, missing or extra number in `sig2rtm::rtm` fails. The spec lists `OK 0` for every error
//! enum; the crate reports success as `Ok(..)`, so `OK` is left out of the error tables. Web-only
//! extensions (201/202, string-only reasons) are not part of the native 1.x enums and are left out
//! too.

mod common;

use proptest::prelude::*;
use sig2rtm::rtm::ids::{check_id, IdProblem, MAX_ID_BYTES};
use sig2rtm::rtm::*;
use std::fmt::Display;

type Table = &'static [(&'static str, i32)];

/// Checks one enum against its spec table: the RTM enum name, every (name, number) pair in
/// order, the round trip through `from_code`, and that no other number maps to a value.
fn check<C: RtmCode + Display>(enum_name: &str, table: Table) {
    assert_eq!(C::ENUM_NAME, enum_name);
    let actual: Vec<(&str, i32)> = C::all().iter().map(|c| (c.name(), c.code())).collect();
    assert_eq!(actual, table, "{enum_name}: values differ from the spec");
    for &(name, number) in table {
        let value = C::from_code(number)
            .unwrap_or_else(|| panic!("{enum_name}: from_code({number}) is None"));
        assert_eq!(value.name(), name, "{enum_name}: from_code({number})");
        assert_eq!(value.code(), number);
        assert_eq!(value.to_string(), format!("{name} ({number})"));
    }
    for number in -2..=300 {
        if !table.iter().any(|&(_, n)| n == number) {
            assert!(
                C::from_code(number).is_none(),
                "{enum_name}: {number} is not in the spec but maps to a value"
            );
        }
    }
}

// §3.1
const INIT_ERR_CODE: Table = &[
    ("FAILURE", 1),
    ("ALREADY_INITIALIZED", 2),
    ("INVALID_APP_ID", 3),
    ("INVALID_ARGUMENT", 4),
];

// §3.2
const LOGIN_ERR_CODE: Table = &[
    ("UNKNOWN", 1),
    ("REJECTED", 2),
    ("INVALID_ARGUMENT", 3),
    ("INVALID_APP_ID", 4),
    ("INVALID_TOKEN", 5),
    ("TOKEN_EXPIRED", 6),
    ("NOT_AUTHORIZED", 7),
    ("ALREADY_LOGGED_IN", 8),
    ("TIMEOUT", 9),
    ("TOO_OFTEN", 10),
    ("NOT_INITIALIZED", 101),
];

// §3.3
const LOGOUT_ERR_CODE: Table = &[
    ("REJECTED", 1),
    ("NOT_INITIALIZED", 101),
    ("USER_NOT_LOGGED_IN", 102),
];

// §3.3
const RENEW_TOKEN_ERR_CODE: Table = &[
    ("FAILURE", 1),
    ("INVALID_ARGUMENT", 2),
    ("REJECTED", 3),
    ("TOO_OFTEN", 4),
    ("TOKEN_EXPIRED", 5),
    ("INVALID_TOKEN", 6),
    ("NOT_INITIALIZED", 101),
    ("USER_NOT_LOGGED_IN", 102),
];

// §3.4
const CONNECTION_STATE: Table = &[
    ("DISCONNECTED", 1),
    ("CONNECTING", 2),
    ("CONNECTED", 3),
    ("RECONNECTING", 4),
    ("ABORTED", 5),
];

// §3.5
const CONNECTION_CHANGE_REASON: Table = &[
    ("LOGIN", 1),
    ("LOGIN_SUCCESS", 2),
    ("LOGIN_FAILURE", 3),
    ("LOGIN_TIMEOUT", 4),
    ("INTERRUPTED", 5),
    ("LOGOUT", 6),
    ("BANNED_BY_SERVER", 7),
    ("REMOTE_LOGIN", 8),
];

// §3.6 (IMCOMPATIBLE sic)
const PEER_MESSAGE_ERR_CODE: Table = &[
    ("FAILURE", 1),
    ("SENT_TIMEOUT", 2),
    ("PEER_UNREACHABLE", 3),
    ("CACHED_BY_SERVER", 4),
    ("TOO_OFTEN", 5),
    ("INVALID_USERID", 6),
    ("INVALID_MESSAGE", 7),
    ("IMCOMPATIBLE_MESSAGE", 8),
    ("NOT_INITIALIZED", 101),
    ("USER_NOT_LOGGED_IN", 102),
];

// §3.7
const JOIN_CHANNEL_ERR: Table = &[
    ("FAILURE", 1),
    ("REJECTED", 2),
    ("INVALID_ARGUMENT", 3),
    ("JOIN_CHANNEL_TIMEOUT", 4),
    ("EXCEED_LIMIT", 5),
    ("ALREADY_JOINED", 6),
    ("TOO_OFTEN", 7),
    ("JOIN_SAME_CHANNEL_TOO_OFTEN", 8),
    ("NOT_INITIALIZED", 101),
    ("USER_NOT_LOGGED_IN", 102),
];

// §3.7
const LEAVE_CHANNEL_ERR: Table = &[
    ("FAILURE", 1),
    ("REJECTED", 2),
    ("NOT_IN_CHANNEL", 3),
    ("NOT_INITIALIZED", 101),
    ("USER_NOT_LOGGED_IN", 102),
];

// §3.7
const LEAVE_CHANNEL_REASON: Table = &[("QUIT", 1), ("KICKED", 2)];

// §3.7 (the web-only NOT_IN_CHANNEL 5 is left out)
const CHANNEL_MESSAGE_ERR_CODE: Table = &[
    ("FAILURE", 1),
    ("SENT_TIMEOUT", 2),
    ("TOO_OFTEN", 3),
    ("INVALID_MESSAGE", 4),
    ("NOT_INITIALIZED", 101),
    ("USER_NOT_LOGGED_IN", 102),
];

// §3.7
const GET_MEMBERS_ERR: Table = &[
    ("FAILURE", 1),
    ("REJECTED", 2),
    ("TIMEOUT", 3),
    ("TOO_OFTEN", 4),
    ("NOT_IN_CHANNEL", 5),
    ("NOT_INITIALIZED", 101),
    ("USER_NOT_LOGGED_IN", 102),
];

// §3.7
const GET_CHANNEL_MEMBER_COUNT_ERR_CODE: Table = &[
    ("FAILURE", 1),
    ("INVALID_ARGUMENT", 2),
    ("TOO_OFTEN", 3),
    ("TIMEOUT", 4),
    ("EXCEED_LIMIT", 5),
    ("NOT_INITIALIZED", 101),
    ("USER_NOT_LOGGED_IN", 102),
];

// §3.8
const QUERY_PEERS_ONLINE_STATUS_ERR: Table = &[
    ("FAILURE", 1),
    ("INVALID_ARGUMENT", 2),
    ("REJECTED", 3),
    ("TIMEOUT", 4),
    ("TOO_OFTEN", 5),
    ("NOT_INITIALIZED", 101),
    ("USER_NOT_LOGGED_IN", 102),
];

// §3.8
const PEER_ONLINE_STATE: Table = &[("ONLINE", 0), ("UNREACHABLE", 1), ("OFFLINE", 2)];

// §3.8
const PEER_SUBSCRIPTION_OPTION: Table = &[("ONLINE_STATUS", 0)];

// §3.8
const PEER_SUBSCRIPTION_STATUS_ERR: Table = &[
    ("FAILURE", 1),
    ("INVALID_ARGUMENT", 2),
    ("REJECTED", 3),
    ("TIMEOUT", 4),
    ("TOO_OFTEN", 5),
    ("OVERFLOW", 6),
    ("NOT_INITIALIZED", 101),
    ("USER_NOT_LOGGED_IN", 102),
];

// §3.8
const QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR: Table = &[
    ("FAILURE", 1),
    ("TIMEOUT", 2),
    ("TOO_OFTEN", 3),
    ("NOT_INITIALIZED", 101),
    ("USER_NOT_LOGGED_IN", 102),
];

// §3.9
const LOCAL_INVITATION_STATE: Table = &[
    ("IDLE", 0),
    ("SENT_TO_REMOTE", 1),
    ("RECEIVED_BY_REMOTE", 2),
    ("ACCEPTED_BY_REMOTE", 3),
    ("REFUSED_BY_REMOTE", 4),
    ("CANCELED", 5),
    ("FAILURE", 6),
];

// §3.9
const REMOTE_INVITATION_STATE: Table = &[
    ("IDLE", 0),
    ("INVITATION_RECEIVED", 1),
    ("ACCEPT_SENT_TO_LOCAL", 2),
    ("REFUSED", 3),
    ("ACCEPTED", 4),
    ("CANCELED", 5),
    ("FAILURE", 6),
];

// §3.9
const LOCAL_INVITATION_ERR_CODE: Table = &[
    ("PEER_OFFLINE", 1),
    ("PEER_NO_RESPONSE", 2),
    ("INVITATION_EXPIRE", 3),
    ("NOT_LOGGEDIN", 4),
];

// §3.9
const REMOTE_INVITATION_ERR_CODE: Table = &[
    ("PEER_OFFLINE", 1),
    ("ACCEPT_FAILURE", 2),
    ("INVITATION_EXPIRE", 3),
];

// §3.9
const INVITATION_API_CALL_ERR_CODE: Table = &[
    ("INVALID_ARGUMENT", 1),
    ("NOT_STARTED", 2),
    ("ALREADY_END", 3),
    ("ALREADY_ACCEPT", 4),
    ("ALREADY_SENT", 5),
];

// §3.10
const ATTRIBUTE_OPERATION_ERR: Table = &[
    ("NOT_READY", 1),
    ("FAILURE", 2),
    ("INVALID_ARGUMENT", 3),
    ("SIZE_OVERFLOW", 4),
    ("TOO_OFTEN", 5),
    ("USER_NOT_FOUND", 6),
    ("TIMEOUT", 7),
    ("NOT_INITIALIZED", 101),
    ("USER_NOT_LOGGED_IN", 102),
];

// §3.11
const MESSAGE_TYPE: Table = &[
    ("UNDEFINED", 0),
    ("TEXT", 1),
    ("RAW", 2),
    ("FILE", 3),
    ("IMAGE", 4),
];

// §3.1 web `CREATE_CHANNEL_ERR_INVALID_ARGUMENT 1` plus the common NOT_INITIALIZED 101 (§3
// convention); the native SDK returns a null channel instead.
const CREATE_CHANNEL_ERR: Table = &[("INVALID_ARGUMENT", 1), ("NOT_INITIALIZED", 101)];

#[test]
fn every_enum_matches_the_spec_numbers_exactly() {
    check::<InitErrCode>("INIT_ERR_CODE", INIT_ERR_CODE);
    check::<LoginErrCode>("LOGIN_ERR_CODE", LOGIN_ERR_CODE);
    check::<LogoutErrCode>("LOGOUT_ERR_CODE", LOGOUT_ERR_CODE);
    check::<RenewTokenErrCode>("RENEW_TOKEN_ERR_CODE", RENEW_TOKEN_ERR_CODE);
    check::<ConnectionState>("CONNECTION_STATE", CONNECTION_STATE);
    check::<ConnectionChangeReason>("CONNECTION_CHANGE_REASON", CONNECTION_CHANGE_REASON);
    check::<PeerMessageErrCode>("PEER_MESSAGE_ERR_CODE", PEER_MESSAGE_ERR_CODE);
    check::<JoinChannelErr>("JOIN_CHANNEL_ERR", JOIN_CHANNEL_ERR);
    check::<LeaveChannelErr>("LEAVE_CHANNEL_ERR", LEAVE_CHANNEL_ERR);
    check::<LeaveChannelReason>("LEAVE_CHANNEL_REASON", LEAVE_CHANNEL_REASON);
    check::<ChannelMessageErrCode>("CHANNEL_MESSAGE_ERR_CODE", CHANNEL_MESSAGE_ERR_CODE);
    check::<GetMembersErr>("GET_MEMBERS_ERR", GET_MEMBERS_ERR);
    check::<GetChannelMemberCountErrCode>(
        "GET_CHANNEL_MEMBER_COUNT_ERR_CODE",
        GET_CHANNEL_MEMBER_COUNT_ERR_CODE,
    );
    check::<QueryPeersOnlineStatusErr>(
        "QUERY_PEERS_ONLINE_STATUS_ERR",
        QUERY_PEERS_ONLINE_STATUS_ERR,
    );
    check::<PeerOnlineState>("PEER_ONLINE_STATE", PEER_ONLINE_STATE);
    check::<PeerSubscriptionOption>("PEER_SUBSCRIPTION_OPTION", PEER_SUBSCRIPTION_OPTION);
    check::<PeerSubscriptionStatusErr>(
        "PEER_SUBSCRIPTION_STATUS_ERR",
        PEER_SUBSCRIPTION_STATUS_ERR,
    );
    check::<QueryPeersBySubscriptionOptionErr>(
        "QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR",
        QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR,
    );
    check::<LocalInvitationState>("LOCAL_INVITATION_STATE", LOCAL_INVITATION_STATE);
    check::<RemoteInvitationState>("REMOTE_INVITATION_STATE", REMOTE_INVITATION_STATE);
    check::<LocalInvitationErrCode>("LOCAL_INVITATION_ERR_CODE", LOCAL_INVITATION_ERR_CODE);
    check::<RemoteInvitationErrCode>("REMOTE_INVITATION_ERR_CODE", REMOTE_INVITATION_ERR_CODE);
    check::<InvitationApiCallErrCode>("INVITATION_API_CALL_ERR_CODE", INVITATION_API_CALL_ERR_CODE);
    check::<AttributeOperationErr>("ATTRIBUTE_OPERATION_ERR", ATTRIBUTE_OPERATION_ERR);
    check::<MessageType>("MESSAGE_TYPE", MESSAGE_TYPE);
    check::<CreateChannelErr>("CREATE_CHANNEL_ERR", CREATE_CHANNEL_ERR);
}

/// The enum values also convert to their number with a plain cast (`#[repr(i32)]`), as the
/// C ABI needs.
#[test]
fn enum_values_cast_to_their_rtm_number() {
    assert_eq!(LoginErrCode::NotInitialized as i32, 101);
    assert_eq!(PeerMessageErrCode::ImcompatibleMessage as i32, 8);
    assert_eq!(ConnectionState::Aborted as i32, 5);
    assert_eq!(LocalInvitationErrCode::NotLoggedin as i32, 4);
}

/// `RtmError`'s text names the RTM enum and constant, the number and the detail.
#[test]
fn rtm_error_display_shows_enum_code_and_detail() {
    let e = RtmError::new(LoginErrCode::InvalidToken, "the token was built for carol");
    let text = e.to_string();
    for part in [
        "LOGIN_ERR_CODE",
        "INVALID_TOKEN",
        "5",
        "the token was built for carol",
    ] {
        assert!(text.contains(part), "{text:?} lacks {part:?}");
    }
    assert_eq!(e.kind(), LoginErrCode::InvalidToken);
    assert_eq!(e.code(), 5);
    assert_eq!(e.detail(), "the token was built for carol");

    let e = RtmError::new(PeerMessageErrCode::UserNotLoggedIn, "log in first");
    let text = e.to_string();
    for part in [
        "PEER_MESSAGE_ERR_CODE",
        "USER_NOT_LOGGED_IN",
        "102",
        "log in first",
    ] {
        assert!(text.contains(part), "{text:?} lacks {part:?}");
    }
    // It is a std error, usable with `?` into `Box<dyn Error>`.
    let boxed: Box<dyn std::error::Error> = Box::new(e.clone());
    assert_eq!(boxed.to_string(), text);
    assert_eq!(
        e,
        RtmError::new(PeerMessageErrCode::UserNotLoggedIn, "log in first")
    );
}

// ---------------------------------------------------------------------------------------------
// Identifiers (§4.1; shim-contract §8: 1..=64 bytes, leading space allowed, "null" refused)
// ---------------------------------------------------------------------------------------------

/// The characters §4.1 allows, typed from the spec: letters, digits, space and
/// `! # $ % & ( ) + - : ; < = . > ? @ [ ] ^ _ { } | ~ ,`.
const SPEC_PUNCTUATION: &str = " !#$%&()+-:;<=.>?@[]^_{}|~,";

fn spec_allowed(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_uppercase() || c.is_ascii_digit() || {
        SPEC_PUNCTUATION.contains(c)
    }
}

#[test]
fn check_id_accepts_every_allowed_character() {
    let all: String = ('a'..='z')
        .chain('A'..='Z')
        .chain('0'..='9')
        .chain(SPEC_PUNCTUATION.chars())
        .collect();
    for c in all.chars() {
        let id = format!("a{c}b");
        assert_eq!(check_id(&id), Ok(()), "{id:?}");
        if c != ' ' {
            assert_eq!(check_id(&c.to_string()), Ok(()), "{c:?} alone");
        }
    }
    // All of them, in ids of at most 64 bytes.
    for chunk in all.as_bytes().chunks(64) {
        let id = std::str::from_utf8(chunk).unwrap();
        assert_eq!(check_id(id), Ok(()), "{id:?}");
    }
}

/// Forbidden characters are rejected, and the problem names the character. Tab and newline are
/// rejected: the native character list (§4.1) has only the plain space, unlike web's `\s`.
#[test]
fn check_id_rejects_forbidden_characters() {
    for c in [
        '*', '/', '\\', '\'', '"', '`', '\t', '\n', '\0', 'é', '中', '😀', '\u{a0}',
    ] {
        let id = format!("ab{c}cd");
        assert_eq!(check_id(&id), Err(IdProblem::BadChar(c)), "{id:?}");
    }
}

#[test]
fn check_id_allows_64_bytes_and_refuses_65() {
    assert_eq!(MAX_ID_BYTES, 64);
    assert_eq!(check_id(&"a".repeat(64)), Ok(()));
    assert_eq!(check_id(&"a".repeat(65)), Err(IdProblem::TooLong(65)));
    assert_eq!(check_id(""), Err(IdProblem::Empty));
}

/// `"null"` is refused; other spellings and longer words containing it are ordinary ids.
#[test]
fn check_id_refuses_the_string_null() {
    assert_eq!(check_id("null"), Err(IdProblem::ReservedNull));
    for ok in ["Null", "NULL", "nullx", "xnull", " null"] {
        assert_eq!(check_id(ok), Ok(()), "{ok:?}");
    }
}

/// A leading space is allowed (RTM 0.9.2+, shim-contract §8).
#[test]
fn check_id_allows_a_leading_space() {
    assert_eq!(check_id(" alice"), Ok(()));
    assert_eq!(check_id("  two spaces"), Ok(()));
}

/// The problem descriptions name the rule that was broken.
#[test]
fn id_problem_descriptions_name_the_rule() {
    let long = "a".repeat(65);
    assert!(IdProblem::TooLong(65)
        .describe("user id", &long)
        .contains("64"));
    assert!(IdProblem::ReservedNull
        .describe("user id", "null")
        .contains("null"));
    assert!(IdProblem::BadChar('/')
        .describe("channel id", "a/b")
        .contains("'/'"));
    assert!(IdProblem::Empty.describe("user id", "").contains("empty"));
}

/// The spec's own reading of an id, for the property test.
fn spec_verdict(id: &str) -> Result<(), IdProblem> {
    if id.is_empty() {
        Err(IdProblem::Empty)
    } else if id == "null" {
        Err(IdProblem::ReservedNull)
    } else if id.len() > 64 {
        Err(IdProblem::TooLong(id.len()))
    } else if let Some(c) = id.chars().find(|&c| !spec_allowed(c)) {
        Err(IdProblem::BadChar(c))
    } else {
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// `check_id` never panics on any string, and agrees with the spec's rules.
    #[test]
    fn check_id_never_panics_and_follows_the_spec(id in any::<String>()) {
        let verdict = check_id(&id);
        prop_assert_eq!(verdict, spec_verdict(&id));
    }

    /// The same on strings made mostly of allowed characters, around the 64-byte limit.
    #[test]
    fn check_id_on_near_valid_ids(id in "[a-zA-Z0-9 !#$%&()+:;<=.>?@^_{}|~,*/é-]{0,70}") {
        prop_assert_eq!(check_id(&id), spec_verdict(&id));
    }
}

// ---------------------------------------------------------------------------------------------
// Message size checks never panic
// ---------------------------------------------------------------------------------------------

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap()
}

/// Sends `message` from a fresh client to an online peer: the send's result.
fn send(message: &RtmMessage) -> Result<PeerDelivery, RtmError<PeerMessageErrCode>> {
    runtime().block_on(async {
        let system = common::system();
        let (_bob, _) = common::logged_in(&system, "bob").await;
        let alice = common::unlimited_client(&system);
        alice.login("", "alice").await.unwrap();
        alice
            .send_message_to_peer("bob", message, SendMessageOptions::default())
            .await
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Text messages of any content and size around 32 KB are either sent or refused with
    /// INVALID_MESSAGE (7) exactly when over 32 768 bytes; nothing panics.
    #[test]
    fn text_message_size_check_never_panics(
        fill in "[a-zé中]{0,4}",
        len in (MAX_MESSAGE_BYTES - 8)..(MAX_MESSAGE_BYTES + 8),
    ) {
        let mut text = "x".repeat(len);
        text.push_str(&fill);
        let message = RtmMessage::from_text(text.clone());
        prop_assert_eq!(message.size_bytes(), text.len());
        match send(&message) {
            Ok(d) => {
                prop_assert!(text.len() <= MAX_MESSAGE_BYTES);
                prop_assert_eq!(d, PeerDelivery::Received);
            }
            Err(e) => {
                prop_assert!(text.len() > MAX_MESSAGE_BYTES);
                prop_assert_eq!(e.kind(), PeerMessageErrCode::InvalidMessage);
            }
        }
    }

    /// Raw messages count data plus description toward the 32 KB limit.
    #[test]
    fn raw_message_size_check_never_panics(
        data_len in 0usize..(MAX_MESSAGE_BYTES + 16),
        description in ".{0,16}",
    ) {
        let message = RtmMessage::from_raw(vec![7u8; data_len], description.as_str());
        let size = data_len + description.len();
        prop_assert_eq!(message.size_bytes(), size);
        match send(&message) {
            Ok(_) => prop_assert!(size <= MAX_MESSAGE_BYTES),
            Err(e) => {
                prop_assert!(size > MAX_MESSAGE_BYTES);
                prop_assert_eq!(e.kind(), PeerMessageErrCode::InvalidMessage);
            }
        }
    }

    /// Texts that start with the end-call prefix, followed by anything, are sent exactly when
    /// they read `<prefix>_<valid channel id>_<extra>` (§5.1) and are otherwise refused with
    /// INVALID_MESSAGE (7); nothing panics.
    #[test]
    fn end_call_prefix_check_never_panics(
        rest in prop_oneof![".{0,80}", "_[a-z0-9 _*/]{0,70}", "_[a-z]{1,8}_.{0,10}"],
    ) {
        let text = format!("{END_CALL_PREFIX}{rest}");
        let pieces: Vec<&str> = text.split('_').collect();
        let well_formed = pieces.len() >= 3
            && pieces[0] == END_CALL_PREFIX
            && spec_verdict(pieces[1]).is_ok();
        match send(&RtmMessage::from_text(text.clone())) {
            Ok(_) => prop_assert!(well_formed, "{:?} was sent", text),
            Err(e) => {
                prop_assert!(!well_formed, "{:?} was refused: {}", text, e);
                prop_assert_eq!(e.kind(), PeerMessageErrCode::InvalidMessage);
            }
        }
    }
}
