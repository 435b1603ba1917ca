//! Fault steps of scenarios, carried out with the embedded RTM system's fault-injection API.

use super::scenario::Fault;
use crate::system::System;

/// Injects `fault` into `system`. `account_of` gives the account a client logged in with; a
/// fault aimed at a client that never called `login` / `login2` is an error.
pub(crate) fn inject(
    system: &System,
    app_id: &str,
    fault: &Fault,
    clients: &[String],
    account_of: &dyn Fn(&str) -> Option<String>,
) -> Result<(), String> {
    let account = |client: &str| {
        account_of(client).ok_or_else(|| {
            format!(
                "fault `{}` aims at client `{client}`, which has not logged in yet (the fault \
                 needs its account)",
                fault.kind()
            )
        })
    };
    match fault {
        Fault::CutLink {
            client,
            duration: Some(d),
        } => system.cut_user_for(app_id, &account(client)?, *d),
        Fault::CutLink {
            client,
            duration: None,
        } => system.cut_user(app_id, &account(client)?),
        Fault::CutAll { duration: Some(d) } => system.cut_all_for(*d),
        Fault::CutAll { duration: None } => system.cut_all(),
        Fault::Delay {
            client: Some(client),
            by,
        } => system.delay_user(app_id, &account(client)?, *by),
        Fault::Delay { client: None, by } => {
            system.delay_all(*by);
            // Users with a delay of their own keep it; a delay for everyone covers them too.
            for client in clients {
                if let Some(user) = account_of(client) {
                    system.delay_user(app_id, &user, *by);
                }
            }
        }
        Fault::ExpireToken { client } => system.expire_token(app_id, &account(client)?),
        Fault::Ban { client } => system.ban_user(app_id, &account(client)?),
        Fault::Unban { client } => system.unban_user(app_id, &account(client)?),
        Fault::Restore {
            client: Some(client),
        } => system.restore_user(app_id, &account(client)?),
        Fault::Restore { client: None } => system.restore_all(),
    }
    Ok(())
}
