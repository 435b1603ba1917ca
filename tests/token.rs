//! Token module, tested from outside the crate: Agora's published vectors, round trips, every
//! rejection path, and malformed input that must never panic.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use proptest::prelude::*;
use sig2rtm::token::*;

const APP_ID: &str = "970CA35de60c44645bbae8a215061b33";
const CERT: &str = "5CFd2fd1755d40ecb72977518be15d3b";
const T0: u64 = 1_700_000_000;

// Published vectors from AgoraIO/Tools, DynamicKey/AgoraDynamicKey/nodejs/test/RtmTokenTest.js
// (account "test_user", salt 1, ts 1111111; kRtmLogin expiring at 1446455471, and at 100).
const AGORA_RTM_TOKEN: &str = "006970CA35de60c44645bbae8a215061b33IAAsR0qgiCxv0vrpRcpkz5BrbfEWCBZ6kvR6t7qG/wJIQob86ogAAAAAEAABAAAAR/QQAAEA6AOvKDdW";
const AGORA_RTM_TOKEN_EXPIRE_100: &str = "006970CA35de60c44645bbae8a215061b33IABR8ywaENKv6kia6iUU6P54g017Bi6Ym9sIGdt9f3sLLYb86ogAAAAAEAABAAAAR/QQAAEA6ANkAAAA";

// Published vector from AgoraIO/Tools, DynamicKey/AgoraDynamicKey/go/src/AccessToken/
// AccessToken_test.go: an RTC token (kJoinChannel) for this channel and uid 0.
const AGORA_RTC_CHANNEL: &str = "7d72365eb983485397e3e3f9d460bdda";
const AGORA_RTC_TOKEN_UID0: &str = "006970CA35de60c44645bbae8a215061b33IACw1o7htY6ISdNRtku3p9tjTPi0jCKf9t49UHJhzCmL6bdIfRAAAAAAEAABAAAAR/QQAAEAAQCvKDdW";
const AGORA_RTC_TOKEN_UID: &str = "006970CA35de60c44645bbae8a215061b33IACV0fZUBw+72cVoL9eyGGh3Q6Poi8bgjwVLnyKSJyOXR7dIfRBXoFHlEAABAAAAR/QQAAEAAQCvKDdW";

// Published vector from AgoraIO/Tools, DynamicKey/AgoraDynamicKey/python/test/SignalingTokenTest.py.
const AGORA_SIGNALING_TOKEN: &str =
    "1:970CA35de60c44645bbae8a215061b33:1514219634:82539e1f3973bcfe3f0d0c8993e6c051";

#[test]
fn published_rtm_vectors_reproduce_exactly() {
    let built =
        RtmTokenBuilder::build_exact(APP_ID, CERT, "test_user", 1, 1_111_111, 1_446_455_471);
    assert_eq!(built, AGORA_RTM_TOKEN);
    let built = RtmTokenBuilder::build_exact(APP_ID, CERT, "test_user", 1, 1_111_111, 100);
    assert_eq!(built, AGORA_RTM_TOKEN_EXPIRE_100);
}

#[test]
fn published_rtm_vector_verifies() {
    let claims = verify_rtm_token(AGORA_RTM_TOKEN, APP_ID, CERT, "test_user", 1_111_110).unwrap();
    assert_eq!(claims.app_id, APP_ID);
    assert_eq!(claims.user_id, "test_user");
    assert_eq!(claims.salt, 1);
    assert_eq!(claims.expires_at, 1_111_111);
    assert_eq!(claims.login_privilege_expire_ts, 1_446_455_471);

    // The privilege expiry (100) is long past, but RTM ignores it: still valid until ts.
    let claims = verify_rtm_token(
        AGORA_RTM_TOKEN_EXPIRE_100,
        APP_ID,
        CERT,
        "test_user",
        1_111_110,
    )
    .unwrap();
    assert!(claims.login_privilege_expired(1_111_110));

    let err = verify_rtm_token(AGORA_RTM_TOKEN, APP_ID, CERT, "test_user", 1_111_111).unwrap_err();
    assert_eq!(
        err,
        TokenError::Expired {
            expired_at: 1_111_111,
            now: 1_111_111
        }
    );
}

#[test]
fn published_rtc_tokens_are_not_rtm_tokens() {
    // Same signing slots as an RTM token for user "7d72…": the signature checks out, but the
    // token grants joining a channel, not RTM login.
    assert_eq!(
        verify_rtm_token(AGORA_RTC_TOKEN_UID0, APP_ID, CERT, AGORA_RTC_CHANNEL, 0),
        Err(TokenError::MissingPrivilege {
            granted: vec![PRIVILEGE_JOIN_CHANNEL]
        })
    );
    assert_eq!(
        verify_rtm_token(AGORA_RTC_TOKEN_UID, APP_ID, CERT, AGORA_RTC_CHANNEL, 0),
        Err(TokenError::Malformed(MalformedReason::UidNotEmpty))
    );
}

#[test]
fn published_signaling_vector() {
    let built = build_signaling_token("2882341273", APP_ID, CERT, 1_514_219_634);
    assert_eq!(built, AGORA_SIGNALING_TOKEN);
    assert!(is_legacy_signaling_token(AGORA_SIGNALING_TOKEN));
    match LegacyToken::classify(AGORA_SIGNALING_TOKEN) {
        LegacyToken::Signaling(t) => {
            assert_eq!(t.expired_ts, 1_514_219_634);
            assert!(t.verify("2882341273", APP_ID, CERT, 1_514_133_234).is_ok());
        }
        other => panic!("not classified as Signaling: {other:?}"),
    }
    // RTM does not take it, and says why.
    assert_eq!(
        verify_rtm_token(AGORA_SIGNALING_TOKEN, APP_ID, CERT, "2882341273", 0),
        Err(TokenError::Malformed(MalformedReason::LegacySignalingToken))
    );
}

#[test]
fn classification_of_what_legacy_apps_pass() {
    assert_eq!(LegacyToken::classify(""), LegacyToken::None);
    assert_eq!(LegacyToken::classify(NO_NEED_TOKEN), LegacyToken::None);
    assert_eq!(
        LegacyToken::classify(AGORA_RTM_TOKEN),
        LegacyToken::Other(AGORA_RTM_TOKEN.to_owned())
    );
    assert_eq!(
        LegacyToken::classify_for_app(APP_ID, APP_ID),
        LegacyToken::None
    );
}

#[test]
fn round_trip_for_various_user_ids() {
    for user in [
        "alice",
        "1234567890",
        "with space",
        "ümlaut-用户",
        &"x".repeat(64),
    ] {
        let token = RtmTokenBuilder::build(APP_ID, CERT, user, T0, 7);
        let claims = verify_rtm_token(&token, APP_ID, CERT, user, T0 + 1).unwrap();
        assert_eq!(claims.user_id, user);
        assert_eq!(u64::from(claims.issued_at()), T0);
        assert_eq!(claims.seconds_left(T0 + 1), 86_399);
        assert!(claims.grants_rtm_login());
    }
}

#[test]
fn build_now_round_trip() {
    let token = RtmTokenBuilder::build_now(APP_ID, CERT, "alice");
    assert!(verify_rtm_token(&token, APP_ID, CERT, "alice", unix_now_secs()).is_ok());
}

#[test]
fn wrong_certificate_is_bad_signature() {
    let token = RtmTokenBuilder::build(APP_ID, "another-certificate", "alice", T0, 1);
    let err = verify_rtm_token(&token, APP_ID, CERT, "alice", T0).unwrap_err();
    assert_eq!(err, TokenError::BadSignature);
    assert_eq!(err.login_err_code(), 5);
    assert_eq!(err.renew_token_err_code(), 6);
}

#[test]
fn token_of_another_user_is_invalid() {
    let token = RtmTokenBuilder::build(APP_ID, CERT, "alice", T0, 1);
    let err = verify_rtm_token(&token, APP_ID, CERT, "mallory", T0).unwrap_err();
    assert!(matches!(err, TokenError::WrongUser { ref user_id } if user_id == "mallory"));
    assert_eq!(err.login_err_code(), 5);
    assert!(err.to_string().contains("mallory"));
}

#[test]
fn token_of_another_app_is_invalid() {
    let other_app = "0123456789abcdef0123456789abcdef";
    let token = RtmTokenBuilder::build(other_app, CERT, "alice", T0, 1);
    let err = verify_rtm_token(&token, APP_ID, CERT, "alice", T0).unwrap_err();
    assert_eq!(
        err,
        TokenError::WrongAppId {
            expected: APP_ID.to_owned(),
            token_app_id: other_app.to_owned()
        }
    );
    assert_eq!(err.login_err_code(), 5);
}

#[test]
fn expired_token() {
    let token = RtmTokenBuilder::build(APP_ID, CERT, "alice", T0, 1);
    assert!(verify_rtm_token(&token, APP_ID, CERT, "alice", T0 + 86_399).is_ok());
    let err = verify_rtm_token(&token, APP_ID, CERT, "alice", T0 + 86_400).unwrap_err();
    assert!(err.is_expired());
    assert_eq!(err.login_err_code(), 6);
    assert_eq!(err.renew_token_err_code(), 5);
    assert!(err.to_string().contains("24 hours"));
}

fn malformed_reason(token: &str) -> MalformedReason {
    match verify_rtm_token(token, APP_ID, CERT, "alice", T0) {
        Err(TokenError::Malformed(reason)) => reason,
        other => panic!("{token:?} should be malformed, got {other:?}"),
    }
}

#[test]
fn malformed_inputs_are_named() {
    let good = RtmTokenBuilder::build(APP_ID, CERT, "alice", T0, 1);
    assert_eq!(malformed_reason(""), MalformedReason::Empty);
    assert_eq!(malformed_reason("0"), MalformedReason::TooShort { len: 1 });
    assert_eq!(
        malformed_reason("006"),
        MalformedReason::TooShort { len: 3 }
    );
    assert_eq!(
        malformed_reason(&format!("006{APP_ID}")),
        MalformedReason::TooShort { len: 35 }
    );
    assert_eq!(malformed_reason(APP_ID), MalformedReason::AppIdUsedAsToken);
    assert_eq!(
        malformed_reason(&format!("005{}", &good[3..])),
        MalformedReason::UnsupportedVersion {
            found: "005".into()
        }
    );
    assert_eq!(
        malformed_reason(&format!("007{}", &good[3..])),
        MalformedReason::UnsupportedVersion {
            found: "007".into()
        }
    );
    assert_eq!(
        malformed_reason(&format!("006{APP_ID}!!!!")),
        MalformedReason::BadBase64
    );
    // '+' turned into ' ' by careless URL handling.
    assert_eq!(
        malformed_reason(&AGORA_RTC_TOKEN_UID.replace('+', " ")),
        MalformedReason::BadBase64
    );
    assert_eq!(
        malformed_reason(&format!("{good}\n")),
        MalformedReason::BadBase64
    );
    assert_eq!(
        malformed_reason(&good[..good.len() - 4]),
        MalformedReason::Truncated
    );
}

#[test]
fn every_truncation_of_the_content_is_rejected() {
    let good = RtmTokenBuilder::build(APP_ID, CERT, "alice", T0, 1);
    let content = STANDARD.decode(&good[35..]).unwrap();
    for cut in 0..content.len() {
        let token = format!("006{APP_ID}{}", STANDARD.encode(&content[..cut]));
        let err = verify_rtm_token(&token, APP_ID, CERT, "alice", T0).unwrap_err();
        assert!(
            matches!(err, TokenError::Malformed(_)),
            "cut {cut}: {err:?}"
        );
    }
}

#[test]
fn every_error_message_is_a_sentence_for_people() {
    let errors = [
        TokenError::Malformed(MalformedReason::BadBase64),
        TokenError::BadSignature,
        TokenError::MissingPrivilege { granted: vec![1] },
    ];
    for e in errors {
        let text = e.to_string();
        assert!(text.len() > 40, "{text}");
        assert!(!text.contains("Malformed("), "{text}");
    }
}

fn valid_token() -> String {
    RtmTokenBuilder::build(APP_ID, CERT, "alice", T0, 1)
}

proptest! {
    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,200}") {
        let _ = verify_rtm_token(&s, APP_ID, CERT, "alice", T0);
        let _ = ParsedAccessToken::parse(&s);
        let _ = LegacyToken::classify(&s);
        let _ = is_legacy_signaling_token(&s);
    }

    #[test]
    fn token_shaped_garbage_is_rejected(body in "[A-Za-z0-9+/=]{0,160}") {
        let token = format!("006{APP_ID}{body}");
        prop_assert!(verify_rtm_token(&token, APP_ID, CERT, "alice", T0).is_err());
    }

    #[test]
    fn random_content_bytes_are_rejected(content in proptest::collection::vec(any::<u8>(), 0..120)) {
        let token = format!("006{APP_ID}{}", STANDARD.encode(&content));
        prop_assert!(verify_rtm_token(&token, APP_ID, CERT, "alice", T0).is_err());
    }

    #[test]
    fn any_altered_byte_is_rejected(index in 0usize..1000, flip in 1u8..=255) {
        let good = valid_token();
        let mut content = STANDARD.decode(&good[35..]).unwrap();
        let i = index % content.len();
        content[i] ^= flip;
        let token = format!("006{APP_ID}{}", STANDARD.encode(&content));
        prop_assert!(verify_rtm_token(&token, APP_ID, CERT, "alice", T0).is_err());
    }

    #[test]
    fn round_trip_any_user(
        user in "\\PC{0,64}",
        other in "\\PC{0,64}",
        salt in any::<u32>(),
        issued in 0u64..4_000_000_000,
    ) {
        let token = RtmTokenBuilder::build(APP_ID, CERT, &user, issued, salt);
        let claims = verify_rtm_token(&token, APP_ID, CERT, &user, issued).unwrap();
        prop_assert_eq!(claims.salt, salt);
        prop_assert_eq!(&claims.user_id, &user);
        if other != user {
            let err = verify_rtm_token(&token, APP_ID, CERT, &other, issued).unwrap_err();
            prop_assert_eq!(err.login_err_code(), 5);
        }
    }
}
