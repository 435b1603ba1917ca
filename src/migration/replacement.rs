//! What each legacy name becomes, read off the mapping rows: the RTM replacement of a method,
//! the Rust path of each RTM operation in [`crate::rtm`], the kind and RTM source of a callback,
//! and the guide section (area) a callback is listed under.
//!
//! Everything here derives from [`crate::mapping`]; the only hand-kept facts are where a
//! callback is listed ([`callback_areas`], an exhaustive `match`, so a new `[[callback]]` row
//! does not compile until it is placed) and the Rust path of each RTM operation
//! ([`rtm_rust_path`]).

use crate::mapping::{
    Area, CallbackRow, LegacyCallbackName, LegacyMethod, MethodKind, MethodRow, RTM_EVENTS,
};

/// The heading of an area's section in MIGRATION.md, e.g. `"Peer messages"`.
pub fn area_title(area: Area) -> &'static str {
    match area {
        Area::Login => "Login & logout",
        Area::PeerMessages => "Peer messages",
        Area::OnlineStatus => "Online status",
        Area::UserAttributes => "User attributes",
        Area::Channels => "Channels",
        Area::ChannelMessages => "Channel messages",
        Area::ChannelAttributes => "Channel attributes",
        Area::MemberList => "Member list",
        Area::MemberCount => "Member count",
        Area::CallInvitation => "Call invitation",
        Area::Tokens => "Tokens",
        Area::Misc => "Misc & unsupported",
    }
}

/// The `sig2rtm::rtm` item that carries out an RTM 1.x operation, by its C++ name
/// (`"sendMessageToPeer"` → `"RtmClient::send_message_to_peer"`). `None` for operations the
/// core does not offer (logging setup, media transfer).
pub fn rtm_rust_path(operation: &str) -> Option<&'static str> {
    Some(match operation {
        "createRtmService" | "initialize" => "RtmClient::new",
        "getRtmSdkVersion" => "RtmClient::sdk_version",
        "addEventHandler" => "RtmClient::subscribe",
        "release" => "RtmClient::release",
        "login" => "RtmClient::login",
        "logout" => "RtmClient::logout",
        "renewToken" => "RtmClient::renew_token",
        "sendMessageToPeer" => "RtmClient::send_message_to_peer",
        "createChannel" => "RtmClient::create_channel",
        "getRtmCallManager" => "RtmClient::call_manager",
        "createMessage" => "RtmMessage::from_text",
        "createChannelAttribute" => "ChannelAttribute::new",
        "queryPeersOnlineStatus" => "RtmClient::query_peers_online_status",
        "subscribePeersOnlineStatus" => "RtmClient::subscribe_peers_online_status",
        "unsubscribePeersOnlineStatus" => "RtmClient::unsubscribe_peers_online_status",
        "queryPeersBySubscriptionOption" => "RtmClient::query_peers_by_subscription_option",
        "setLocalUserAttributes" => "RtmClient::set_local_user_attributes",
        "addOrUpdateLocalUserAttributes" => "RtmClient::add_or_update_local_user_attributes",
        "deleteLocalUserAttributesByKeys" => "RtmClient::delete_local_user_attributes_by_keys",
        "clearLocalUserAttributes" => "RtmClient::clear_local_user_attributes",
        "getUserAttributes" => "RtmClient::get_user_attributes",
        "getUserAttributesByKeys" => "RtmClient::get_user_attributes_by_keys",
        "setChannelAttributes" => "RtmClient::set_channel_attributes",
        "addOrUpdateChannelAttributes" => "RtmClient::add_or_update_channel_attributes",
        "deleteChannelAttributesByKeys" => "RtmClient::delete_channel_attributes_by_keys",
        "clearChannelAttributes" => "RtmClient::clear_channel_attributes",
        "getChannelAttributes" => "RtmClient::get_channel_attributes",
        "getChannelAttributesByKeys" => "RtmClient::get_channel_attributes_by_keys",
        "getChannelMemberCount" => "RtmClient::get_channel_member_count",
        "join" => "RtmChannel::join",
        "leave" => "RtmChannel::leave",
        "sendMessage" => "RtmChannel::send_message",
        "getId" => "RtmChannel::id",
        "getMembers" => "RtmChannel::get_members",
        "createLocalCallInvitation" => "RtmCallManager::create_local_invitation",
        "sendLocalInvitation" => "RtmCallManager::send_local_invitation",
        "cancelLocalInvitation" => "RtmCallManager::cancel_local_invitation",
        "acceptRemoteInvitation" => "RtmCallManager::accept_remote_invitation",
        "refuseRemoteInvitation" => "RtmCallManager::refuse_remote_invitation",
        _ => return None,
    })
}

/// The RTM replacement of a legacy method in one line: its RTM operations joined by `" + "`
/// (`"createMessage + sendMessageToPeer"`), or why there is none.
///
/// ```
/// use sig2rtm::mapping::LegacyMethod;
/// use sig2rtm::migration::method_replacement;
///
/// assert_eq!(
///     method_replacement(LegacyMethod::MessageInstantSend.row()),
///     "createMessage + sendMessageToPeer"
/// );
/// assert_eq!(method_replacement(LegacyMethod::GetStatus.row()), "none: answered locally");
/// ```
pub fn method_replacement(row: &MethodRow) -> String {
    match row.kind {
        MethodKind::Local => "none: answered locally".to_string(),
        MethodKind::Unsupported => "none: RTM cannot do it".to_string(),
        MethodKind::Direct | MethodKind::Emulated => row.rtm.join(" + "),
    }
}

/// The [`crate::rtm`] items of a method's RTM operations, joined by `", "`, without repeats
/// (`"RtmMessage::from_text, RtmClient::send_message_to_peer"`); empty for local and
/// unsupported methods.
pub fn method_rust_replacement(row: &MethodRow) -> String {
    let mut paths: Vec<&str> = Vec::new();
    for op in row.rtm {
        if let Some(path) = rtm_rust_path(op) {
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
    }
    paths.join(", ")
}

/// How the shim produces a legacy callback, in the vocabulary of [`MethodKind`], read off the
/// row's `produced_by`: `unsupported` when it is never produced, `emulated` when it is built by
/// an emulation (`"emulated: …"`), `local` when the shim raises it on its own (`"the shim…"`:
/// `onError`, `onLog`), and `direct` when an RTM event is translated into it.
pub fn callback_kind(row: &CallbackRow) -> MethodKind {
    if !row.is_produced() {
        MethodKind::Unsupported
    } else if row.produced_by.starts_with("emulated") {
        MethodKind::Emulated
    } else if row.produced_by.starts_with("the shim") {
        MethodKind::Local
    } else {
        MethodKind::Direct
    }
}

/// The RTM events that drive a legacy callback (the rows of [`RTM_EVENTS`] whose `drives`
/// lists it), as `(scope, event)` pairs in table order.
pub fn callback_rtm_events(legacy: &str) -> Vec<&'static crate::mapping::RtmEventRow> {
    RTM_EVENTS
        .iter()
        .filter(|e| e.drives.contains(&legacy))
        .collect()
}

/// The RTM side of a legacy callback in one line: the RTM events that drive it joined by
/// `" / "` (`"onMemberJoined"`), or why there is none (callbacks the shim raises itself, such
/// as `onError`, have no RTM event of their own even when RTM results feed them).
pub fn callback_replacement(row: &CallbackRow) -> String {
    let kind = callback_kind(row);
    let events = callback_rtm_events(row.legacy);
    if !events.is_empty() && matches!(kind, MethodKind::Direct | MethodKind::Emulated) {
        let mut names: Vec<&str> = Vec::new();
        for e in events {
            if !names.contains(&e.rtm) {
                names.push(e.rtm);
            }
        }
        return names.join(" / ");
    }
    match kind {
        MethodKind::Unsupported => "none: never produced".to_string(),
        MethodKind::Local => "none: raised by the shim".to_string(),
        _ => "none: raised by the shim's emulation".to_string(),
    }
}

/// The MIGRATION.md sections a legacy callback is listed in: the areas of the methods whose
/// results it is, plus the areas of what only the peer sees. `onError` can follow any call and
/// is listed once, under misc.
pub fn callback_areas(callback: LegacyCallbackName) -> &'static [Area] {
    use Area as A;
    use LegacyCallbackName as C;
    match callback {
        C::OnReconnecting | C::OnReconnected | C::OnLoginSuccess => &[A::Login],
        C::OnLogout | C::OnLoginFailed => &[A::Login, A::Tokens],
        C::OnChannelJoined | C::OnChannelJoinFailed | C::OnChannelLeaved => &[A::Channels],
        C::OnChannelUserJoined | C::OnChannelUserLeaved | C::OnChannelUserList => {
            &[A::Channels, A::MemberList]
        }
        C::OnChannelQueryUserNumResult => &[A::MemberCount],
        C::OnChannelQueryUserIsIn => &[A::MemberList],
        C::OnChannelAttrUpdated => &[A::Channels, A::ChannelAttributes],
        C::OnInviteReceived
        | C::OnInviteReceivedByPeer
        | C::OnInviteAcceptedByPeer
        | C::OnInviteRefusedByPeer
        | C::OnInviteFailed
        | C::OnInviteEndByPeer
        | C::OnInviteEndByMyself
        | C::OnInviteMsg => &[A::CallInvitation],
        C::OnMessageSendError => &[A::PeerMessages, A::ChannelMessages, A::Misc],
        C::OnMessageSendSuccess => &[A::PeerMessages, A::ChannelMessages],
        C::OnMessageSendProgress | C::OnMessageInstantReceive => &[A::PeerMessages],
        C::OnMessageChannelReceive => &[A::ChannelMessages],
        C::OnUserAttrResult | C::OnUserAttrAllResult => &[A::UserAttributes],
        C::OnQueryUserStatusResult => &[A::OnlineStatus],
        C::OnMessageAppReceived
        | C::OnLog
        | C::OnInvokeRet
        | C::OnMsg
        | C::OnError
        | C::OnDbg
        | C::OnBcCallResult => &[A::Misc],
    }
}

/// The `info` line the facade logs on the first call of each legacy method: the method, its
/// kind and what replaces it on RTM, with the guide section to read.
///
/// ```
/// use sig2rtm::mapping::LegacyMethod;
/// use sig2rtm::migration::first_call_hint;
///
/// let hint = first_call_hint(LegacyMethod::QueryUserStatus);
/// assert!(hint.contains("queryUserStatus"));
/// assert!(hint.contains("queryPeersOnlineStatus"));
/// assert!(hint.contains("RtmClient::query_peers_online_status"));
/// ```
pub fn first_call_hint(method: LegacyMethod) -> String {
    let row = method.row();
    let section = area_title(row.area);
    match row.kind {
        MethodKind::Direct | MethodKind::Emulated => format!(
            "legacy {} ({}) runs on RTM {}; migrate to {} (MIGRATION.md, {section})",
            row.legacy,
            row.kind,
            row.rtm.join(" + "),
            method_rust_replacement(row),
        ),
        MethodKind::Local => format!(
            "legacy {} (local) is answered by the shim without RTM; no RTM call replaces it \
             (MIGRATION.md, {section})",
            row.legacy
        ),
        MethodKind::Unsupported => format!(
            "legacy {} (unsupported) has no RTM replacement and fails with onError \
             (MIGRATION.md, {section})",
            row.legacy
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::{CALLBACKS, METHODS};

    #[test]
    fn every_rtm_operation_of_a_method_has_a_rust_path() {
        for m in METHODS {
            for op in m.rtm {
                assert!(
                    rtm_rust_path(op).is_some(),
                    "{} uses {op}, which has no sig2rtm::rtm path",
                    m.legacy
                );
            }
        }
    }

    #[test]
    fn callback_areas_include_the_area_of_every_method_that_results_in_it() {
        for m in METHODS {
            for result in m.results.iter().filter(|r| **r != "onError") {
                let c = LegacyCallbackName::from_legacy(result).expect("results name callbacks");
                assert!(
                    callback_areas(c).contains(&m.area),
                    "{result} is a result of {} ({}) but is not listed in that area",
                    m.legacy,
                    m.area
                );
            }
        }
    }

    #[test]
    fn direct_callbacks_are_driven_by_an_rtm_event() {
        for c in CALLBACKS {
            if callback_kind(c) == MethodKind::Direct {
                assert!(
                    !callback_rtm_events(c.legacy).is_empty(),
                    "{} reads as direct but no RTM event drives it",
                    c.legacy
                );
            }
        }
    }

    #[test]
    fn never_produced_callbacks_are_unsupported() {
        let never: Vec<&str> = CALLBACKS
            .iter()
            .filter(|c| callback_kind(c) == MethodKind::Unsupported)
            .map(|c| c.legacy)
            .collect();
        assert!(never.contains(&"onMsg") && never.contains(&"onDbg"));
        assert_eq!(
            callback_replacement(crate::mapping::callback_by_legacy("onMsg").unwrap()),
            "none: never produced"
        );
    }

    #[test]
    fn first_call_hints_name_the_replacement_for_every_kind() {
        for &m in LegacyMethod::ALL {
            let hint = first_call_hint(m);
            let row = m.row();
            assert!(hint.contains(row.legacy), "{hint}");
            for op in row.rtm {
                assert!(hint.contains(op), "{hint} lacks {op}");
            }
            match row.kind {
                MethodKind::Local => assert!(hint.contains("no RTM call replaces it")),
                MethodKind::Unsupported => assert!(hint.contains("no RTM replacement")),
                _ => assert!(
                    hint.contains("migrate to RtmClient::") || hint.contains("migrate to Rtm")
                ),
            }
        }
    }
}
