//! Legacy Signaling codes: `AGORA_E_CODE` (spec/signaling-legacy.md §5) and the login states
//! `get_status` returns (§2.9).

use serde::{Deserialize, Serialize};

include!(concat!(env!("OUT_DIR"), "/agora_e_code.rs"));

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
