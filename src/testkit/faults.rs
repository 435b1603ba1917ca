//! Fault steps of scenarios, carried out on the embedded RTM system.

use super::scenario::Fault;
use crate::system::System;

/// Injects `fault` into `system`. `account_of` gives the account a client logged in with.
pub(crate) fn inject(
    system: &System,
    app_id: &str,
    fault: &Fault,
    account_of: &dyn Fn(&str) -> Option<String>,
) -> Result<(), String> {
    let _ = (system, app_id, account_of);
    Err(format!(
        "fault injection not available: the embedded RTM system has no fault-injection API yet, \
         so the `{}` fault cannot be injected",
        fault.kind()
    ))
}
