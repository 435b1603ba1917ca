//! What the four table files hold: the allowed values of enumerated fields, the rows as written
//! (every field optional, so that a missing one is reported with its row) and the rows once
//! checked.

use serde::Deserialize;

pub(crate) const METHODS_FILE: &str = "mapping/methods.toml";
pub(crate) const EVENTS_FILE: &str = "mapping/events.toml";
pub(crate) const ERRORS_FILE: &str = "mapping/errors.toml";
pub(crate) const INVOKE_FILE: &str = "mapping/invoke.toml";

/// `area` values: the areas of the seed table, plus `misc`.
pub(crate) const AREAS: &[(&str, &str)] = &[
    ("login", "Login"),
    ("peer_messages", "PeerMessages"),
    ("online_status", "OnlineStatus"),
    ("user_attributes", "UserAttributes"),
    ("channels", "Channels"),
    ("channel_messages", "ChannelMessages"),
    ("channel_attributes", "ChannelAttributes"),
    ("member_list", "MemberList"),
    ("member_count", "MemberCount"),
    ("call_invitation", "CallInvitation"),
    ("tokens", "Tokens"),
    ("misc", "Misc"),
];

/// `kind` values.
pub(crate) const KINDS: &[(&str, &str)] = &[
    ("direct", "Direct"),
    ("emulated", "Emulated"),
    ("local", "Local"),
    ("unsupported", "Unsupported"),
];

/// `scope` values of RTM events: who raises them.
pub(crate) const SCOPES: &[(&str, &str)] = &[
    ("client", "Client"),
    ("channel", "Channel"),
    ("call", "Call"),
];

/// RTM 1.x operations (C++ names of spec/rtm-1x.md §1) that a method row may list in `rtm`.
pub(crate) const RTM_OPERATIONS: &[&str] = &[
    // §1.1 entry points
    "createRtmService",
    "initialize",
    "getRtmSdkVersion",
    "setRtmServiceContext",
    // §1.2 IRtmService
    "addEventHandler",
    "removeEventHandler",
    "release",
    "login",
    "logout",
    "renewToken",
    "sendMessageToPeer",
    "createChannel",
    "getRtmCallManager",
    "createMessage",
    "createChannelAttribute",
    "setParameters",
    "queryPeersOnlineStatus",
    "subscribePeersOnlineStatus",
    "unsubscribePeersOnlineStatus",
    "queryPeersBySubscriptionOption",
    "setLocalUserAttributes",
    "addOrUpdateLocalUserAttributes",
    "deleteLocalUserAttributesByKeys",
    "clearLocalUserAttributes",
    "getUserAttributes",
    "getUserAttributesByKeys",
    "setChannelAttributes",
    "addOrUpdateChannelAttributes",
    "deleteChannelAttributesByKeys",
    "clearChannelAttributes",
    "getChannelAttributes",
    "getChannelAttributesByKeys",
    "getChannelMemberCount",
    "setLogFile",
    "setLogFilter",
    "setLogFileSize",
    "createFileMessageByUploading",
    "createImageMessageByUploading",
    "createFileMessageByMediaId",
    "createImageMessageByMediaId",
    "downloadMediaToMemory",
    "downloadMediaToFile",
    "cancelMediaUpload",
    "cancelMediaDownload",
    // §1.4 IChannel
    "join",
    "leave",
    "sendMessage",
    "getId",
    "getMembers",
    // §1.5 IRtmCallManager
    "createLocalCallInvitation",
    "sendLocalInvitation",
    "cancelLocalInvitation",
    "acceptRemoteInvitation",
    "refuseRemoteInvitation",
];

/// The RTM operation result enums of spec/rtm-1x.md §3 that `errors.toml` may translate.
pub(crate) const RTM_ERROR_ENUMS: &[&str] = &[
    "LOGIN_ERR_CODE",
    "LOGOUT_ERR_CODE",
    "RENEW_TOKEN_ERR_CODE",
    "PEER_MESSAGE_ERR_CODE",
    "JOIN_CHANNEL_ERR",
    "LEAVE_CHANNEL_ERR",
    "CHANNEL_MESSAGE_ERR_CODE",
    "GET_MEMBERS_ERR",
    "GET_CHANNEL_MEMBER_COUNT_ERR_CODE",
    "QUERY_PEERS_ONLINE_STATUS_ERR",
    "PEER_SUBSCRIPTION_STATUS_ERR",
    "QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR",
    "ATTRIBUTE_OPERATION_ERR",
    "LOCAL_INVITATION_ERR_CODE",
    "REMOTE_INVITATION_ERR_CODE",
    "INVITATION_API_CALL_ERR_CODE",
];

/// Prefix every invoke function name carries.
pub(crate) const INVOKE_PREFIX: &str = "io.agora.signal.";

/// Callback that carries the general (1000-range) legacy codes.
pub(crate) const ON_ERROR: &str = "onError";

// ------------------------------------------------------------------------------------------
// Raw rows, as written in the files. Every field is optional here so that a missing field is
// reported with the row it belongs to instead of as a bare deserialisation error.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MethodsFile {
    #[serde(default)]
    pub(crate) method: Vec<RawMethod>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMethod {
    pub(crate) legacy: Option<String>,
    pub(crate) rust: Option<String>,
    pub(crate) area: Option<String>,
    pub(crate) kind: Option<String>,
    pub(crate) rtm: Option<Vec<String>>,
    pub(crate) results: Option<Vec<String>>,
    pub(crate) contract: Option<Vec<String>>,
    pub(crate) note: Option<String>,
    pub(crate) params: Option<Vec<String>>,
    pub(crate) queued: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventsFile {
    #[serde(default)]
    pub(crate) callback: Vec<RawCallback>,
    #[serde(default)]
    pub(crate) rtm_event: Vec<RawRtmEvent>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCallback {
    pub(crate) legacy: Option<String>,
    pub(crate) rust: Option<String>,
    pub(crate) args: Option<Vec<String>>,
    pub(crate) produced_by: Option<String>,
    pub(crate) contract: Option<Vec<String>>,
    pub(crate) note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRtmEvent {
    pub(crate) scope: Option<String>,
    pub(crate) rtm: Option<String>,
    pub(crate) drives: Option<Vec<String>>,
    pub(crate) note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ErrorsFile {
    #[serde(default)]
    pub(crate) legacy_code: Vec<RawLegacyCode>,
    #[serde(default)]
    pub(crate) error: Vec<RawError>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLegacyCode {
    pub(crate) name: Option<String>,
    pub(crate) code: Option<i64>,
    pub(crate) carrier: Option<String>,
    pub(crate) note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawError {
    pub(crate) rtm_enum: Option<String>,
    pub(crate) rtm_name: Option<String>,
    pub(crate) rtm_code: Option<i64>,
    pub(crate) variant: Option<String>,
    pub(crate) legacy_name: Option<String>,
    pub(crate) legacy_code: Option<i64>,
    pub(crate) success: Option<bool>,
    pub(crate) on_error: Option<String>,
    pub(crate) transient: Option<bool>,
    pub(crate) note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InvokeFile {
    #[serde(default)]
    pub(crate) invoke: Vec<RawInvoke>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawInvoke {
    pub(crate) name: Option<String>,
    pub(crate) request: Option<Vec<String>>,
    pub(crate) response: Option<Vec<String>>,
    pub(crate) method: Option<String>,
    pub(crate) kind: Option<String>,
    pub(crate) note: Option<String>,
}

// ------------------------------------------------------------------------------------------
// Checked rows.

pub(crate) struct Method {
    pub(crate) legacy: String,
    pub(crate) rust: String,
    pub(crate) area: String,
    pub(crate) kind: String,
    pub(crate) rtm: Vec<String>,
    pub(crate) results: Vec<String>,
    pub(crate) contract: Vec<String>,
    pub(crate) note: String,
    /// The legacy parameters, for a queued method.
    pub(crate) params: Vec<Param>,
    /// Whether the facade queues the call for the adapter (`false`: it answers it itself).
    pub(crate) queued: bool,
}

/// The type of a legacy method parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParamType {
    /// `str`: text.
    Str,
    /// `i32`: a number.
    I32,
    /// `u32`: a uid or a flag.
    U32,
}

impl ParamType {
    /// The spellings, as in the tables.
    pub(crate) const ALL: [(&'static str, ParamType); 3] = [
        ("str", ParamType::Str),
        ("i32", ParamType::I32),
        ("u32", ParamType::U32),
    ];
}

/// One parameter of a legacy method: `"msgID: str"`, or `"uid: u32 ignored"`.
pub(crate) struct Param {
    pub(crate) legacy: String,
    /// The snake_case of `legacy`.
    pub(crate) rust: String,
    pub(crate) ty: ParamType,
    /// The shim does not use it: the facade accepts and drops it.
    pub(crate) ignored: bool,
}

pub(crate) struct Callback {
    pub(crate) legacy: String,
    pub(crate) rust: String,
    pub(crate) args: Vec<Arg>,
    pub(crate) produced_by: String,
    pub(crate) contract: Vec<String>,
    pub(crate) note: String,
}

pub(crate) struct RtmEvent {
    pub(crate) scope: String,
    pub(crate) rtm: String,
    pub(crate) drives: Vec<String>,
    pub(crate) note: String,
}

pub(crate) struct LegacyCode {
    pub(crate) name: String,
    pub(crate) code: i64,
    pub(crate) carrier: String,
    pub(crate) note: String,
}

pub(crate) struct ErrorRow {
    pub(crate) rtm_enum: String,
    pub(crate) rtm_name: String,
    pub(crate) rtm_code: i64,
    /// The core's Rust variant; `None` for a web-only value.
    pub(crate) variant: Option<String>,
    pub(crate) legacy_name: String,
    pub(crate) legacy_code: i64,
    pub(crate) success: bool,
    pub(crate) on_error: Option<String>,
    pub(crate) transient: bool,
    pub(crate) note: String,
}

pub(crate) struct Invoke {
    pub(crate) name: String,
    pub(crate) request: Vec<String>,
    pub(crate) response: Vec<String>,
    pub(crate) method: String,
    pub(crate) kind: String,
    pub(crate) note: String,
}

/// Every checked row of the four tables, in file order.
pub(crate) struct Tables {
    pub(crate) methods: Vec<Method>,
    pub(crate) callbacks: Vec<Callback>,
    pub(crate) events: Vec<RtmEvent>,
    pub(crate) legacy_codes: Vec<LegacyCode>,
    pub(crate) errors: Vec<ErrorRow>,
    pub(crate) invokes: Vec<Invoke>,
}

/// The type of a legacy callback argument, as `args` spells it after the colon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArgType {
    /// `str`: text (`&str`; `String` in an event).
    Str,
    /// `i32`: a code or a count.
    I32,
    /// `u32`: a uid.
    U32,
    /// `[str]`: a list of texts.
    StrList,
    /// `[u32]`: a list of uids.
    U32List,
    /// `count`: the length of the list that follows; the Rust signature leaves it out.
    Count,
}

impl ArgType {
    /// The spellings, as in the tables.
    pub(crate) const ALL: [(&'static str, ArgType); 6] = [
        ("str", ArgType::Str),
        ("i32", ArgType::I32),
        ("u32", ArgType::U32),
        ("[str]", ArgType::StrList),
        ("[u32]", ArgType::U32List),
        ("count", ArgType::Count),
    ];

    /// Whether it is a list.
    pub(crate) fn is_list(self) -> bool {
        matches!(self, ArgType::StrList | ArgType::U32List)
    }
}

/// One argument of a legacy callback: `"channelID: str"`.
pub(crate) struct Arg {
    /// The legacy name, e.g. `channelID`.
    pub(crate) legacy: String,
    /// The Rust name: the snake_case of `legacy`, `kind` for `type`.
    pub(crate) rust: String,
    pub(crate) ty: ArgType,
}
