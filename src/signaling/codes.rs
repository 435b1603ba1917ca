//! Legacy Signaling codes: `AGORA_E_CODE` (spec/signaling-legacy.md §5) and the login states
//! `get_status` returns (§2.9).

use serde::{Deserialize, Serialize};

macro_rules! legacy_codes {
    ($( $(#[$m:meta])* $variant:ident = $num:literal => $name:literal ),+ $(,)?) => {
        /// The legacy `AGORA_E_CODE` values, with their exact numbers (contract rule N3).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[repr(i32)]
        #[doc(alias = "AGORA_E_CODE")]
        pub enum AgoraECode {
            $( $(#[$m])* $variant = $num ),+
        }

        impl AgoraECode {
            /// Every value, in numeric order.
            pub const ALL: &'static [AgoraECode] = &[ $( AgoraECode::$variant ),+ ];

            /// The legacy name, such as `"LOGOUT_E_USER"`.
            pub fn name(self) -> &'static str {
                match self { $( AgoraECode::$variant => $name ),+ }
            }

            /// The value for a number, if there is one.
            pub fn from_code(code: i32) -> Option<AgoraECode> {
                match code { $( $num => Some(AgoraECode::$variant), )+ _ => None }
            }
        }
    };
}

legacy_codes! {
    /// Success.
    Success = 0 => "SUCCESS",
    /// Logged out for another reason (banned).
    LogoutEOther = 100 => "LOGOUT_E_OTHER",
    /// The user called logout.
    LogoutEUser = 101 => "LOGOUT_E_USER",
    /// The connection could not be restored.
    LogoutENet = 102 => "LOGOUT_E_NET",
    /// The same account logged in elsewhere.
    LogoutEKicked = 103 => "LOGOUT_E_KICKED",
    /// Obsolete.
    LogoutEPacket = 104 => "LOGOUT_E_PACKET",
    /// The token expired.
    LogoutETokenexpired = 105 => "LOGOUT_E_TOKENEXPIRED",
    /// Obsolete.
    LogoutEOldversion = 106 => "LOGOUT_E_OLDVERSION",
    /// Obsolete.
    LogoutETokenwrong = 107 => "LOGOUT_E_TOKENWRONG",
    /// Logout while already logged out.
    LogoutEAlreadyLogout = 108 => "LOGOUT_E_ALREADY_LOGOUT",
    /// Unknown login failure.
    LoginEOther = 200 => "LOGIN_E_OTHER",
    /// Network failure, or retries used up.
    LoginENet = 201 => "LOGIN_E_NET",
    /// Rejected by the server.
    LoginEFailed = 202 => "LOGIN_E_FAILED",
    /// Login cancelled.
    LoginECancel = 203 => "LOGIN_E_CANCEL",
    /// The token expired.
    LoginETokenexpired = 204 => "LOGIN_E_TOKENEXPIRED",
    /// Obsolete.
    LoginEOldversion = 205 => "LOGIN_E_OLDVERSION",
    /// The token is invalid.
    LoginETokenwrong = 206 => "LOGIN_E_TOKENWRONG",
    /// A renewed token was used to log in elsewhere.
    LoginETokenKicked = 207 => "LOGIN_E_TOKEN_KICKED",
    /// Already logged in.
    LoginEAlreadyLogin = 208 => "LOGIN_E_ALREADY_LOGIN",
    /// Invalid account.
    LoginEInvalidUser = 209 => "LOGIN_E_INVALID_USER",
    /// Join failed.
    JoinchannelEOther = 300 => "JOINCHANNEL_E_OTHER",
    /// Send failed.
    SendmessageEOther = 400 => "SENDMESSAGE_E_OTHER",
    /// Send timed out.
    SendmessageETimeout = 401 => "SENDMESSAGE_E_TIMEOUT",
    /// Member-count query failed.
    QueryusernumEOther = 500 => "QUERYUSERNUM_E_OTHER",
    /// Member-count query timed out.
    QueryusernumETimeout = 501 => "QUERYUSERNUM_E_TIMEOUT",
    /// Obsolete (502, not the error doc's duplicate 501).
    QueryusernumEByuser = 502 => "QUERYUSERNUM_E_BYUSER",
    /// Left a channel for an unknown reason.
    LeavechannelEOther = 600 => "LEAVECHANNEL_E_OTHER",
    /// Kicked from a channel.
    LeavechannelEKicked = 601 => "LEAVECHANNEL_E_KICKED",
    /// Left a channel by request.
    LeavechannelEByuser = 602 => "LEAVECHANNEL_E_BYUSER",
    /// Left a channel by logging out.
    LeavechannelELogout = 603 => "LEAVECHANNEL_E_LOGOUT",
    /// Left a channel through a network drop.
    LeavechannelEDisconn = 604 => "LEAVECHANNEL_E_DISCONN",
    /// Call failed.
    InviteEOther = 700 => "INVITE_E_OTHER",
    /// Duplicate call.
    InviteEReinvite = 701 => "INVITE_E_REINVITE",
    /// Network failure (or the caller is not logged in).
    InviteENet = 702 => "INVITE_E_NET",
    /// The callee is offline.
    InviteEPeeroffline = 703 => "INVITE_E_PEEROFFLINE",
    /// The call timed out.
    InviteETimeout = 704 => "INVITE_E_TIMEOUT",
    /// Obsolete.
    InviteECantrecv = 705 => "INVITE_E_CANTRECV",
    /// General error.
    GeneralE = 1000 => "GENERAL_E",
    /// The operation failed.
    GeneralEFailed = 1001 => "GENERAL_E_FAILED",
    /// Unknown error.
    GeneralEUnknown = 1002 => "GENERAL_E_UNKNOWN",
    /// The operation needs a login first.
    GeneralENotLogin = 1003 => "GENERAL_E_NOT_LOGIN",
    /// A parameter is wrong.
    GeneralEWrongParam = 1004 => "GENERAL_E_WRONG_PARAM",
    /// A parameter is too large.
    GeneralELargeParam = 1005 => "GENERAL_E_LARGE_PARAM",
}

impl AgoraECode {
    /// The number.
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// What `get_status` returns (contract rule N2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(i32)]
pub enum LoginState {
    /// 0: not logged in.
    #[doc(alias = "LOGIN_STATE_NOT_LOGIN")]
    NotLogin = 0,
    /// 1: logging in.
    #[doc(alias = "LOGIN_STATE_LOGINING")]
    Logining = 1,
    /// 2: logged in.
    #[doc(alias = "LOGIN_STATE_LOGINED")]
    Logined = 2,
    /// 3: reconnecting.
    #[doc(alias = "LOGIN_STATE_RECONNECTING")]
    Reconnecting = 3,
}
