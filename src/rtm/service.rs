//! Process-wide service settings (spec/rtm-1x.md §1.1, §1.2, §3.12): geofencing with
//! `setRtmServiceContext`, and the private `setParameters` options.
//!
//! The embedded system and `sig2rtm-server` serve every area, so the area code changes no
//! routing here; it is kept, checked with RTM's rule (only while no client exists) and reported,
//! so code written for RTM's geofencing runs unchanged.

use super::client::{ClientInner, RtmClient};
use super::error::{InitErrCode, RtmError, RtmResult};
use parking_lot::Mutex;
use std::fmt;
use std::sync::{Arc, Weak};

rtm_codes! {
    /// `SET_RTM_SERVICE_CONTEXT_ERR_CODE`.
    pub enum SetRtmServiceContextErrCode = "SET_RTM_SERVICE_CONTEXT_ERR_CODE" {
        /// A client exists that was not released: the context can only change before.
        Failure = 1 => "FAILURE",
    }
}

/// `RTM_AREA_CODE`: a bit mask of the areas a client may connect through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AreaCode(pub u32);

impl AreaCode {
    /// Mainland China.
    pub const CN: AreaCode = AreaCode(0x1);
    /// North America.
    pub const NA: AreaCode = AreaCode(0x2);
    /// Europe.
    pub const EU: AreaCode = AreaCode(0x4);
    /// Asia, excluding mainland China.
    pub const AS: AreaCode = AreaCode(0x8);
    /// Japan.
    pub const JP: AreaCode = AreaCode(0x10);
    /// India.
    pub const IN: AreaCode = AreaCode(0x20);
    /// Everywhere (the default).
    pub const GLOB: AreaCode = AreaCode(0xFFFF_FFFF);
}

impl std::ops::BitOr for AreaCode {
    type Output = AreaCode;
    fn bitor(self, rhs: AreaCode) -> AreaCode {
        AreaCode(self.0 | rhs.0)
    }
}

/// `RtmServiceContext`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtmServiceContext {
    /// Where clients may connect (default [`AreaCode::GLOB`]).
    pub area_code: AreaCode,
}

impl Default for RtmServiceContext {
    fn default() -> Self {
        RtmServiceContext {
            area_code: AreaCode::GLOB,
        }
    }
}

struct Registry {
    context: RtmServiceContext,
    clients: Vec<Weak<ClientInner>>,
    /// Released clients are swept out when the list reaches this length (then set to twice
    /// what is left), so building a client costs O(1) on average, not O(clients).
    sweep_at: usize,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    context: RtmServiceContext {
        area_code: AreaCode::GLOB,
    },
    clients: Vec::new(),
    sweep_at: 64,
});

/// Notes a new client, so the context can tell whether one still exists.
pub(crate) fn register(client: &Arc<ClientInner>) {
    let mut registry = REGISTRY.lock();
    if registry.clients.len() >= registry.sweep_at {
        registry.clients.retain(|c| c.strong_count() > 0);
        registry.sweep_at = (registry.clients.len() * 2).max(64);
    }
    registry.clients.push(Arc::downgrade(client));
}

/// Sets the service context (`setRtmServiceContext`). Like RTM, it must be called before any
/// client exists or after every client was released; otherwise `FAILURE` (1).
///
/// ```
/// use sig2rtm::rtm::{rtm_service_context, set_rtm_service_context, AreaCode, RtmServiceContext};
/// let europe = RtmServiceContext { area_code: AreaCode::EU | AreaCode::NA };
/// if set_rtm_service_context(europe).is_ok() {
///     assert_eq!(rtm_service_context(), europe);
/// }
/// ```
#[doc(alias = "setRtmServiceContext")]
pub fn set_rtm_service_context(
    context: RtmServiceContext,
) -> RtmResult<(), SetRtmServiceContextErrCode> {
    let mut registry = REGISTRY.lock();
    let live = registry
        .clients
        .iter()
        .filter_map(Weak::upgrade)
        .filter(|c| !c.core.lock().released)
        .count();
    if live > 0 {
        return Err(RtmError::new(
            SetRtmServiceContextErrCode::Failure,
            format!(
                "{live} client(s) exist; set the service context before creating clients or after releasing them all"
            ),
        ));
    }
    registry.context = context;
    Ok(())
}

/// The service context in force.
pub fn rtm_service_context() -> RtmServiceContext {
    REGISTRY.lock().context
}

impl RtmClient {
    /// Private options as a JSON object (`setParameters`). RTM documents none publicly; this
    /// core accepts any object and logs the keys it does not use (all of them). A text that is
    /// not a JSON object fails with `INVALID_ARGUMENT` (4).
    #[doc(alias = "setParameters")]
    pub fn set_parameters(&self, json: &str) -> RtmResult<(), InitErrCode> {
        match serde_json::from_str::<serde_json::Value>(json) {
            Ok(serde_json::Value::Object(map)) => {
                if !map.is_empty() {
                    let keys: Vec<&String> = map.keys().collect();
                    log::info!("setParameters: {keys:?} have no effect on this RTM core");
                }
                Ok(())
            }
            Ok(_) => Err(RtmError::new(
                InitErrCode::InvalidArgument,
                "setParameters takes a JSON object, such as {\"rtm.log_filter\": 15}",
            )),
            Err(e) => Err(RtmError::new(
                InitErrCode::InvalidArgument,
                format!("setParameters takes a JSON object: {e}"),
            )),
        }
    }
}

impl fmt::Display for AreaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}
