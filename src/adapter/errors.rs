//! Translation of RTM errors into legacy codes, driven by `mapping/errors.toml` (rule N3: no RTM
//! number reaches a legacy callback).

use crate::mapping::ErrorTranslation;
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
