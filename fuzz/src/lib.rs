//! What each fuzz target does with its input. The targets in `fuzz_targets/` call these, and
//! the root crate's `tests/fuzz_corpus.rs` includes this file to replay every corpus file of
//! `corpus/<target>/` through the same function on stable, so CI runs them without libFuzzer.
//!
//! Each function takes any bytes and must never panic; where a parser promises more than that
//! (what it prints parses back to the same value), the function checks it too.

use serde::de::DeserializeOwned;
use serde::Serialize;
use sig2rtm::migration::lexer::{tokenize, Syntax};
use sig2rtm::migration::scan::{scan_source, Language, ScanOptions};
use sig2rtm::testkit::{format_duration, parse_duration, parse_expr, Scenario};
use sig2rtm::token::{
    is_legacy_signaling_token, verify_rtm_token, LegacyToken, ParsedAccessToken, SignalingToken,
};
use sig2rtm::transport::protocol::{Down, Up};
use sig2rtm::transport::tcp::wire::{
    encode_frame, parse_preamble, ClientFrame, FrameReader, ServerFrame, LENGTH_PREFIX,
    PREAMBLE_LEN,
};
use std::fmt::Debug;

/// What a target does with one input.
pub type Target = fn(&[u8]);

/// The targets by name, as `fuzz_targets/<name>.rs` and `corpus/<name>/` are named.
pub const TARGETS: &[(&str, Target)] = &[
    ("tcp_frames", tcp_frames),
    ("protocol", protocol),
    ("scenario", scenario),
    ("expr", expr),
    ("migration_scan", migration_scan),
    ("token", token),
    ("invoke_request", invoke_request),
    ("invite_extra", invite_extra),
];

/// Largest frame the readers accept here: small, so that oversize lengths are reached too.
const MAX_FRAME: usize = 64 * 1024;

/// A TCP byte stream read both as a server reads it (preamble, then client frames) and as a
/// client does (preamble, then server frames). The first byte says how many bytes each read
/// brings (1 to 256), so frames arrive split at every place.
pub fn tcp_frames(data: &[u8]) {
    let Some((&step, stream)) = data.split_first() else {
        return;
    };
    let step = usize::from(step) + 1;
    read_stream::<ClientFrame>(stream, step);
    read_stream::<ServerFrame>(stream, step);
}

fn read_stream<T: DeserializeOwned + Serialize + Debug>(stream: &[u8], step: usize) {
    let mut reader = FrameReader::new(MAX_FRAME);
    let mut preamble = false;
    for chunk in stream.chunks(step) {
        reader.buffer().extend_from_slice(chunk);
        if !preamble {
            let Some(bytes) = reader.take_raw::<PREAMBLE_LEN>() else {
                continue;
            };
            let _ = parse_preamble(&bytes);
            preamble = true;
        }
        loop {
            match reader.next_frame::<T>() {
                Ok(Some(frame)) => round_trip(&frame),
                Ok(None) => break,
                Err(e) => {
                    // The link closes with a reason; nothing more is read.
                    let _ = e.close_reason().name();
                    return;
                }
            }
        }
    }
}

/// A decoded value, encoded as a frame again, decodes to the same value.
fn round_trip<T: DeserializeOwned + Serialize + Debug>(value: &T) {
    let mut bytes = Vec::new();
    let len = encode_frame(value, &mut bytes);
    assert_eq!(
        bytes.len(),
        LENGTH_PREFIX + len,
        "one frame, prefix included"
    );
    let mut reader = FrameReader::new(len.max(1));
    reader.buffer().extend_from_slice(&bytes);
    let again: T = reader
        .next_frame()
        .expect("an encoded frame decodes")
        .expect("an encoded frame is complete");
    assert_eq!(format!("{again:?}"), format!("{value:?}"));
}

/// A frame payload decoded as each protocol message type (both frame types and the `Up` and
/// `Down` messages inside them); whatever decodes round-trips.
pub fn protocol(data: &[u8]) {
    decode::<Up>(data);
    decode::<Down>(data);
    decode::<ClientFrame>(data);
    decode::<ServerFrame>(data);
}

fn decode<T: DeserializeOwned + Serialize + Debug>(payload: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<T>(payload) {
        round_trip(&value);
    }
}

/// A scenario file, and the text as a duration (whose printed form parses back to it).
pub fn scenario(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = Scenario::parse(text);
    if let Ok(d) = parse_duration(text) {
        let printed = format_duration(d);
        assert_eq!(parse_duration(&printed), Ok(d), "{printed:?}");
    }
}

/// An expected-callback expression; one that parses prints as text that parses back to it.
pub fn expr(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(e) = parse_expr(text) {
        let printed = e.to_string();
        let again = parse_expr(&printed)
            .unwrap_or_else(|err| panic!("{printed:?} (printed from {text:?}) fails: {err}"));
        assert_eq!(again, e, "{printed:?}");
    }
}

const LANGUAGES: [Language; 8] = [
    Language::C,
    Language::Cpp,
    Language::ObjC,
    Language::Java,
    Language::Kotlin,
    Language::Swift,
    Language::JavaScript,
    Language::TypeScript,
];

/// A source file: the first byte picks the language, the rest is the text. Every token lies
/// within the text, and the scanner's findings are on lines and columns the text has.
pub fn migration_scan(data: &[u8]) {
    let Some((&pick, src)) = data.split_first() else {
        return;
    };
    let language = LANGUAGES[usize::from(pick) % LANGUAGES.len()];
    for syntax in [language.syntax(), Syntax::Script] {
        for t in tokenize(src, syntax) {
            assert!(
                t.start <= t.end && t.end <= src.len(),
                "{t:?} in {} bytes",
                src.len()
            );
        }
    }
    let lines = src.split(|&b| b == b'\n').count();
    for all_names in [false, true] {
        let options = ScanOptions {
            all_names,
            ..ScanOptions::default()
        };
        let found = scan_source(src, language, &options);
        for f in &found.findings {
            assert!(f.line >= 1 && f.line <= lines && f.column >= 1, "{f:?}");
        }
    }
}

const APP_ID: &str = "970ca35de60c44645bbae8a215061b33";
const APP_CERTIFICATE: &str = "5cfd2fd1755d40ecb72977518be15d3b";

/// A token of any kind: an AccessToken (RTM), a legacy Signaling token, or neither.
pub fn token(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(parsed) = ParsedAccessToken::parse(text) {
        let _ = parsed.message_bytes();
        let _ = parsed.signature_matches(APP_CERTIFICATE, "", "user");
    }
    let _ = verify_rtm_token(text, APP_ID, APP_CERTIFICATE, "user", 1_700_000_000);
    let _ = verify_rtm_token(text, APP_ID, APP_CERTIFICATE, "user", u64::MAX);
    let signaling = SignalingToken::parse(text);
    assert_eq!(is_legacy_signaling_token(text), signaling.is_some());
    if let Some(t) = signaling {
        let _ = t.signature_matches("user", APP_CERTIFICATE);
        let _ = t.is_expired(u64::MAX);
        let _ = t.verify("user", APP_ID, APP_CERTIFICATE, 0);
    }
    let _ = LegacyToken::classify_for_app(text, APP_ID).is_none();
}

/// The arguments of the legacy `invoke`: the function name up to the first newline, then the
/// JSON request. What is accepted is a JSON object.
pub fn invoke_request(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (name, req) = text.split_once('\n').unwrap_or((text, ""));
    if let Ok(request) = sig2rtm::fuzzing::invoke_request(name, req) {
        assert!(request.is_object(), "{request}");
    }
}

/// The `extra` of `channelInviteUser2`: a timeout it accepts is positive.
pub fn invite_extra(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok((_, Some(timeout))) = sig2rtm::fuzzing::invite_options(text) {
        assert!(!timeout.is_zero(), "{text:?}");
    }
}
