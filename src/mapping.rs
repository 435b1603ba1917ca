//! The legacy-to-RTM mapping tables, compiled in from `mapping/*.toml`.
//!
//! Every legacy method, legacy callback, RTM event, RTM error code and `invoke` function is a
//! row of one of the tables in the crate's `mapping/` folder. The table compiler
//! (`mapping/compiler`, run by `build.rs`) validates the rows and turns them into the statics and
//! enums of this module, so the adapter, the tests and the migration guide all read the same
//! facts. The schema of each table is described in
//! `mapping/README.md`.
//!
//! ```
//! use sig2rtm::mapping::{method_by_legacy, ErrorTranslation, MethodKind};
//! use sig2rtm::rtm::PeerMessageErrCode;
//!
//! let send = method_by_legacy("messageInstantSend").unwrap();
//! assert_eq!(send.rust, "message_instant_send");
//! assert_eq!(send.kind, MethodKind::Direct);
//!
//! // PEER_MESSAGE_ERR_CODE::PEER_UNREACHABLE (3) reaches the app as SENDMESSAGE_E_OTHER (400).
//! assert_eq!(PeerMessageErrCode::PeerUnreachable.error_row().legacy_code, 400);
//! ```

use std::fmt;

/// How the shim carries out a legacy method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MethodKind {
    /// One RTM operation does the job; the shim translates arguments, results and codes.
    Direct,
    /// The legacy behaviour is rebuilt from several RTM operations or from shim state
    /// (user list on join, channel echo, attribute diffs, transient joins…).
    Emulated,
    /// Answered from local state without calling RTM at all.
    Local,
    /// RTM cannot do it; the call fails with a clear `on_error`, never silently.
    Unsupported,
}

impl MethodKind {
    /// The spelling used in the tables: `"direct"`, `"emulated"`, `"local"` or `"unsupported"`.
    pub fn as_str(self) -> &'static str {
        match self {
            MethodKind::Direct => "direct",
            MethodKind::Emulated => "emulated",
            MethodKind::Local => "local",
            MethodKind::Unsupported => "unsupported",
        }
    }
}

impl fmt::Display for MethodKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The functional area a legacy method belongs to (the sections of the seed table, plus misc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Area {
    /// Instance, handler, login, logout and status.
    Login,
    /// Peer-to-peer messages.
    PeerMessages,
    /// Online status of other users.
    OnlineStatus,
    /// Attributes of the local or another user.
    UserAttributes,
    /// Joining and leaving channels.
    Channels,
    /// Messages sent to a channel.
    ChannelMessages,
    /// Attributes of a channel.
    ChannelAttributes,
    /// Who is in a channel.
    MemberList,
    /// How many users are in a channel.
    MemberCount,
    /// Call invitations.
    CallInvitation,
    /// Token renewal.
    Tokens,
    /// Everything else: invoke, keepalive, debugging hooks, version.
    Misc,
}

impl Area {
    /// Every area, in the order the tables list them.
    pub const ALL: &'static [Area] = &[
        Area::Login,
        Area::PeerMessages,
        Area::OnlineStatus,
        Area::UserAttributes,
        Area::Channels,
        Area::ChannelMessages,
        Area::ChannelAttributes,
        Area::MemberList,
        Area::MemberCount,
        Area::CallInvitation,
        Area::Tokens,
        Area::Misc,
    ];

    /// The spelling used in the tables, e.g. `"peer_messages"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Area::Login => "login",
            Area::PeerMessages => "peer_messages",
            Area::OnlineStatus => "online_status",
            Area::UserAttributes => "user_attributes",
            Area::Channels => "channels",
            Area::ChannelMessages => "channel_messages",
            Area::ChannelAttributes => "channel_attributes",
            Area::MemberList => "member_list",
            Area::MemberCount => "member_count",
            Area::CallInvitation => "call_invitation",
            Area::Tokens => "tokens",
            Area::Misc => "misc",
        }
    }
}

impl fmt::Display for Area {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which RTM object raises an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RtmEventScope {
    /// The client (`IRtmServiceEventHandler`, spec/rtm-1x.md §2.1).
    Client,
    /// A channel (`IChannelEventHandler`, §2.2).
    Channel,
    /// The call manager (`IRtmCallEventHandler`, §2.5).
    Call,
}

impl RtmEventScope {
    /// The spelling used in the tables: `"client"`, `"channel"` or `"call"`.
    pub fn as_str(self) -> &'static str {
        match self {
            RtmEventScope::Client => "client",
            RtmEventScope::Channel => "channel",
            RtmEventScope::Call => "call",
        }
    }
}

impl fmt::Display for RtmEventScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One legacy `IAgoraAPI` method (a `[[method]]` row of `mapping/methods.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MethodRow {
    /// Exact legacy name, e.g. `"messageInstantSend"`; the C ABI keeps it.
    pub legacy: &'static str,
    /// snake_case name of the Rust facade, e.g. `"message_instant_send"` (rule N1).
    pub rust: &'static str,
    /// Functional area.
    pub area: Area,
    /// How the shim carries it out.
    pub kind: MethodKind,
    /// RTM 1.x operations it uses (C++ names of spec/rtm-1x.md §1); empty for local and
    /// unsupported methods.
    pub rtm: &'static [&'static str],
    /// Legacy callbacks the caller can receive as a result (`[[callback]]` names).
    pub results: &'static [&'static str],
    /// Ids of the spec/shim-contract.md rules it implements, e.g. `["M1", "M2"]`.
    pub contract: &'static [&'static str],
    /// What the shim does, and the choice made where the specs leave a point open.
    pub note: &'static str,
}

/// One legacy `ICallBack` callback (a `[[callback]]` row of `mapping/events.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CallbackRow {
    /// Exact legacy name, e.g. `"onMessageSendSuccess"`.
    pub legacy: &'static str,
    /// snake_case name on the Rust callback trait, e.g. `"on_message_send_success"`.
    pub rust: &'static str,
    /// Argument names, in order, as in the legacy header.
    pub args: &'static [&'static str],
    /// Which RTM event or which emulation produces it, or `"never produced: …"`.
    pub produced_by: &'static str,
    /// Ids of the contract rules that govern it.
    pub contract: &'static [&'static str],
    /// Details of its arguments and timing.
    pub note: &'static str,
}

impl CallbackRow {
    /// Whether the shim ever fires this callback.
    pub fn is_produced(&self) -> bool {
        !self.produced_by.starts_with("never produced")
    }
}

/// One RTM 1.x event (a `[[rtm_event]]` row of `mapping/events.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RtmEventRow {
    /// Which RTM object raises it.
    pub scope: RtmEventScope,
    /// RTM event name (C++ handler name), e.g. `"onMemberJoined"`.
    pub rtm: &'static str,
    /// Legacy callbacks the adapter derives from it; empty when the event is not used.
    pub drives: &'static [&'static str],
    /// How it is translated, or why it drives nothing.
    pub note: &'static str,
}

/// One value of the legacy `AGORA_E_CODE` enum (a `[[legacy_code]]` row of `mapping/errors.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LegacyCodeRow {
    /// Name, e.g. `"SENDMESSAGE_E_OTHER"`.
    pub name: &'static str,
    /// Value, e.g. `400`.
    pub code: i32,
    /// Legacy callback whose `ecode` carries it (`""` for `SUCCESS`).
    pub carrier: &'static str,
    /// When the shim produces it, or that it never does.
    pub note: &'static str,
}

/// How one RTM result code reaches the legacy API (an `[[error]]` row of `mapping/errors.toml`).
///
/// The legacy code goes to the callback that carries it (see [`LegacyCodeRow::carrier`]); when
/// `on_error_code` is set, `on_error(op, code, desc)` fires as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorRow {
    /// RTM enum, e.g. `"PEER_MESSAGE_ERR_CODE"`.
    pub rtm_enum: &'static str,
    /// RTM value name without the enum prefix, e.g. `"PEER_UNREACHABLE"`.
    pub rtm_name: &'static str,
    /// RTM numeric value.
    pub rtm_code: i32,
    /// The value's variant in the core's enum, e.g. `Some("PeerUnreachable")`; `None` for a
    /// web-only value that the core's enum does not have.
    pub variant: Option<&'static str>,
    /// Legacy `AGORA_E_CODE` name it becomes.
    pub legacy_name: &'static str,
    /// Legacy numeric value it becomes.
    pub legacy_code: i32,
    /// The legacy operation reports success (e.g. `CACHED_BY_SERVER`, rule M1).
    pub success: bool,
    /// Name of the general code (1000–1005) also reported through `on_error`, if any.
    pub on_error_name: Option<&'static str>,
    /// Value of that general code, if any.
    pub on_error_code: Option<i32>,
    /// A retry may succeed (login2 retries these, rule S2).
    pub transient: bool,
    /// Why this translation.
    pub note: &'static str,
}

/// One `io.agora.signal.*` function of legacy `invoke` (a row of `mapping/invoke.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InvokeRow {
    /// Full function name, e.g. `"io.agora.signal.channel_query_num"`.
    pub name: &'static str,
    /// Fields read from the JSON request.
    pub request: &'static [&'static str],
    /// Fields of the JSON response on success (always including `"result"`).
    pub response: &'static [&'static str],
    /// Legacy method whose emulation it shares, or `""`.
    pub method: &'static str,
    /// How the shim carries it out.
    pub kind: MethodKind,
    /// Details of the request and response.
    pub note: &'static str,
}

/// An RTM code enum whose every value has an `[[error]]` row: how each value reaches a legacy
/// app. The implementations are generated from `mapping/errors.toml`, one exhaustive `match` per
/// enum, so a variant without a row does not compile.
///
/// ```
/// use sig2rtm::mapping::ErrorTranslation;
/// use sig2rtm::rtm::PeerMessageErrCode;
///
/// let row = PeerMessageErrCode::PeerUnreachable.error_row();
/// assert_eq!((row.legacy_name, row.legacy_code), ("SENDMESSAGE_E_OTHER", 400));
/// ```
pub trait ErrorTranslation: crate::rtm::RtmCode {
    /// The `[[error]]` row of this value.
    fn error_row(self) -> &'static ErrorRow;
}

include!(concat!(env!("OUT_DIR"), "/mapping_tables.rs"));

/// The method row with this exact legacy name, e.g. `"channelJoin"`.
pub fn method_by_legacy(name: &str) -> Option<&'static MethodRow> {
    METHODS.iter().find(|m| m.legacy == name)
}

/// The method row with this snake_case Rust name, e.g. `"channel_join"`.
pub fn method_by_rust(name: &str) -> Option<&'static MethodRow> {
    METHODS.iter().find(|m| m.rust == name)
}

/// The callback row with this exact legacy name, e.g. `"onChannelJoined"`.
pub fn callback_by_legacy(name: &str) -> Option<&'static CallbackRow> {
    CALLBACKS.iter().find(|c| c.legacy == name)
}

/// The callback row with this snake_case Rust name, e.g. `"on_channel_joined"`.
pub fn callback_by_rust(name: &str) -> Option<&'static CallbackRow> {
    CALLBACKS.iter().find(|c| c.rust == name)
}

/// The RTM event row raised by `scope` under this name.
pub fn rtm_event(scope: RtmEventScope, name: &str) -> Option<&'static RtmEventRow> {
    RTM_EVENTS
        .iter()
        .find(|e| e.scope == scope && e.rtm == name)
}

/// The `[[error]]` row of the RTM result `rtm_code` of enum `rtm_enum`, e.g.
/// `legacy_error_for("LOCAL_INVITATION_ERR_CODE", 1)` gives `INVITE_E_PEEROFFLINE` (703). A
/// lookup for tools and tests that start from numbers; the adapter translates a core error
/// through [`ErrorTranslation`], which cannot miss a row.
pub fn legacy_error_for(rtm_enum: &str, rtm_code: i32) -> Option<&'static ErrorRow> {
    ERRORS
        .iter()
        .find(|e| e.rtm_enum == rtm_enum && e.rtm_code == rtm_code)
}

/// Same as [`legacy_error_for`], keyed by the RTM value name instead of its number.
pub fn legacy_error_by_name(rtm_enum: &str, rtm_name: &str) -> Option<&'static ErrorRow> {
    ERRORS
        .iter()
        .find(|e| e.rtm_enum == rtm_enum && e.rtm_name == rtm_name)
}

/// The legacy `AGORA_E_CODE` row with this name, e.g. `"INVITE_E_TIMEOUT"`.
pub fn legacy_code_by_name(name: &str) -> Option<&'static LegacyCodeRow> {
    LEGACY_CODES.iter().find(|c| c.name == name)
}

/// The legacy `AGORA_E_CODE` row with this value, e.g. `704`.
pub fn legacy_code_by_value(code: i32) -> Option<&'static LegacyCodeRow> {
    LEGACY_CODES.iter().find(|c| c.code == code)
}

/// The `invoke` function row with this full name, e.g. `"io.agora.signal.channel_query_num"`.
pub fn invoke_by_name(name: &str) -> Option<&'static InvokeRow> {
    INVOKES.iter().find(|v| v.name == name)
}
