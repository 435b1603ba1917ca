//! Translation of RTM errors into legacy codes, driven by `mapping/errors.toml` (rule N3: no RTM
//! number reaches a legacy callback).

use crate::mapping::ErrorTranslation;
use crate::rtm::ids::IdProblem;
use crate::rtm::RtmError;
use crate::signaling::AgoraECode;
use std::fmt::Display;

/// How a failed RTM operation is reported to a legacy app.
#[derive(Debug, Clone)]
pub(crate) struct Translated {
    /// The legacy operation counts it as success (e.g. CACHED_BY_SERVER, ALREADY_JOINED).
    pub success: bool,
    /// The code for the operation's own failure callback.
    pub code: AgoraECode,
    /// A general code also reported through `on_error`, if the table says so.
    pub on_error: Option<AgoraECode>,
    /// A retry may succeed.
    pub transient: bool,
    /// What went wrong, for `on_error`'s description.
    pub desc: String,
}

/// Translates an RTM error through its `[[error]]` row.
pub(crate) fn translate<C: ErrorTranslation + Display>(err: &RtmError<C>) -> Translated {
    let desc = format!(
        "{} (RTM {}_{})",
        err.detail(),
        C::ENUM_NAME,
        err.kind().name()
    );
    let row = err.kind().error_row();
    Translated {
        success: row.success,
        code: AgoraECode::from_code(row.legacy_code).unwrap_or(AgoraECode::GeneralEUnknown),
        on_error: row.on_error_code.and_then(AgoraECode::from_code),
        transient: row.transient,
        desc,
    }
}

/// C11: the general code for an id RTM refuses: `GENERAL_E_LARGE_PARAM` (1005) when it is too
/// long, `GENERAL_E_WRONG_PARAM` (1004) for the other rules.
pub(crate) fn id_code(problem: &IdProblem) -> AgoraECode {
    match problem {
        IdProblem::TooLong(_) => AgoraECode::GeneralELargeParam,
        IdProblem::Empty | IdProblem::ReservedNull | IdProblem::BadChar(_) => {
            AgoraECode::GeneralEWrongParam
        }
    }
}

/// Checks an id (a `what`, such as `"channel id"`) as RTM will, before a legacy call reaches
/// it: on a broken rule, the general code for `on_error` ([`id_code`]) and a description.
pub(crate) fn check_id(what: &str, id: &str) -> Result<(), (AgoraECode, String)> {
    crate::rtm::ids::check_id(id).map_err(|p| (id_code(&p), p.describe(what, id)))
}

/// C11: checks an attribute name (and the value, when one is given) as RTM will: on a broken
/// limit, the general code for `on_error` (1004 for an empty name, 1005 for one too large) and a
/// description naming the limit.
pub(crate) fn check_attribute(name: &str, value: Option<&str>) -> Result<(), (AgoraECode, String)> {
    use crate::rtm::attributes::{MAX_ATTRIBUTE_KEY_BYTES, MAX_ATTRIBUTE_VALUE_BYTES};
    if name.is_empty() {
        return Err((
            AgoraECode::GeneralEWrongParam,
            "the attribute name is empty".to_string(),
        ));
    }
    if name.len() > MAX_ATTRIBUTE_KEY_BYTES {
        return Err((
            AgoraECode::GeneralELargeParam,
            format!(
                "attribute name {name:?} is {} bytes; RTM keys hold at most {MAX_ATTRIBUTE_KEY_BYTES}",
                name.len()
            ),
        ));
    }
    match value {
        Some(v) if v.len() > MAX_ATTRIBUTE_VALUE_BYTES => Err((
            AgoraECode::GeneralELargeParam,
            format!(
                "attribute value is {} bytes; RTM values hold at most {MAX_ATTRIBUTE_VALUE_BYTES}",
                v.len()
            ),
        )),
        _ => Ok(()),
    }
}

/// The general code of an RTM error caused by an id the core refused; for any other error,
/// `GENERAL_E_WRONG_PARAM`.
pub(crate) fn id_error_code<C: crate::rtm::RtmCode>(err: &RtmError<C>) -> AgoraECode {
    err.id_problem()
        .map_or(AgoraECode::GeneralEWrongParam, id_code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_checks_name_the_limit_they_enforce() {
        use crate::rtm::attributes::{MAX_ATTRIBUTE_KEY_BYTES, MAX_ATTRIBUTE_VALUE_BYTES};
        assert!(check_attribute("k", Some("v")).is_ok());
        assert!(check_attribute("k", None).is_ok());
        let (code, _) = check_attribute("", None).unwrap_err();
        assert_eq!(code, AgoraECode::GeneralEWrongParam);
        let long = "k".repeat(MAX_ATTRIBUTE_KEY_BYTES + 1);
        let (code, desc) = check_attribute(&long, None).unwrap_err();
        assert_eq!(code, AgoraECode::GeneralELargeParam);
        assert!(
            desc.contains(&MAX_ATTRIBUTE_KEY_BYTES.to_string()),
            "{desc}"
        );
        let big = "v".repeat(MAX_ATTRIBUTE_VALUE_BYTES + 1);
        let (code, desc) = check_attribute("k", Some(&big)).unwrap_err();
        assert_eq!(code, AgoraECode::GeneralELargeParam);
        assert!(
            desc.contains(&MAX_ATTRIBUTE_VALUE_BYTES.to_string()),
            "{desc}"
        );
        assert!(check_attribute("k", Some(&"v".repeat(MAX_ATTRIBUTE_VALUE_BYTES))).is_ok());
    }
    use crate::rtm::PeerMessageErrCode;

    #[test]
    fn a_too_long_id_is_a_large_parameter_and_other_rules_a_wrong_one() {
        let (code, desc) = check_id("peer id", &"a".repeat(65)).unwrap_err();
        assert_eq!(code, AgoraECode::GeneralELargeParam);
        assert!(desc.contains("65 bytes"), "{desc}");
        for bad in ["", "null", "a/b"] {
            assert_eq!(
                check_id("peer id", bad).unwrap_err().0,
                AgoraECode::GeneralEWrongParam,
                "{bad:?}"
            );
        }
        assert_eq!(check_id("peer id", "alice"), Ok(()));
    }

    #[test]
    fn the_id_code_of_an_rtm_error_comes_from_its_id_problem() {
        let long = RtmError::check_id(
            PeerMessageErrCode::InvalidUserid,
            "peer id",
            &"b".repeat(70),
        )
        .unwrap_err();
        assert_eq!(id_error_code(&long), AgoraECode::GeneralELargeParam);
        let bad =
            RtmError::check_id(PeerMessageErrCode::InvalidUserid, "peer id", "a b/c").unwrap_err();
        assert_eq!(id_error_code(&bad), AgoraECode::GeneralEWrongParam);
        let other = RtmError::new(PeerMessageErrCode::InvalidUserid, "refused by the system");
        assert_eq!(other.id_problem(), None);
        assert_eq!(id_error_code(&other), AgoraECode::GeneralEWrongParam);
    }
}
