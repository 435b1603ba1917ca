//! Side-by-side snippets, one per area: a legacy facade call and the RTM core code that
//! replaces it.
//!
//! Each snippet lives in one file, `src/migration/snippets/<area>.md`. The same file is both
//! the documentation of a constant below (so `cargo test --doc` compiles every code block in
//! it) and the constant's value (so the MIGRATION.md generator copies exactly what compiled,
//! without the hidden `# ` lines). Neither copy can drift from the other.
//!
//! In the legacy halves `sig` is a [`Signaling`](crate::signaling::Signaling) instance; in the
//! RTM halves `client` is an [`RtmClient`](crate::rtm::RtmClient), for example the one that
//! [`Signaling::rtm_client`](crate::signaling::Signaling::rtm_client) hands to new code.

use crate::mapping::Area;

/// Declares one snippet constant whose docs and value are the same file.
macro_rules! snippet {
    ($(#[$meta:meta])* $name:ident = $file:literal) => {
        $(#[$meta])*
        ///
        #[doc = include_str!($file)]
        pub const $name: &str = include_str!($file);
    };
}

snippet! {
    /// Login & logout: `login2` / `logout` vs `RtmClient::login` / `logout`.
    LOGIN = "snippets/login.md"
}
snippet! {
    /// Peer messages: `message_instant_send` vs `RtmClient::send_message_to_peer`.
    PEER_MESSAGES = "snippets/peer_messages.md"
}
snippet! {
    /// Online status: `query_user_status` vs `RtmClient::query_peers_online_status`.
    ONLINE_STATUS = "snippets/online_status.md"
}
snippet! {
    /// User attributes: `set_attr` / `get_user_attr` vs the RTM user attribute calls.
    USER_ATTRIBUTES = "snippets/user_attributes.md"
}
snippet! {
    /// Channels: `channel_join` / `channel_leave` vs `RtmChannel::join` / `leave`.
    CHANNELS = "snippets/channels.md"
}
snippet! {
    /// Channel messages: `message_channel_send` vs `RtmChannel::send_message`.
    CHANNEL_MESSAGES = "snippets/channel_messages.md"
}
snippet! {
    /// Channel attributes: `channel_set_attr` and friends vs the RTM channel attribute calls.
    CHANNEL_ATTRIBUTES = "snippets/channel_attributes.md"
}
snippet! {
    /// Member list: `channel_query_user_is_in` vs `RtmChannel::get_members`.
    MEMBER_LIST = "snippets/member_list.md"
}
snippet! {
    /// Member count: `channel_query_user_num` vs `RtmClient::get_channel_member_count`.
    MEMBER_COUNT = "snippets/member_count.md"
}
snippet! {
    /// Call invitation: `channel_invite_user2` and friends vs `RtmCallManager`.
    CALL_INVITATION = "snippets/call_invitation.md"
}
snippet! {
    /// Tokens: the token provider policy vs `RtmClient::login` with a token and `renew_token`.
    TOKENS = "snippets/tokens.md"
}
snippet! {
    /// Misc: `invoke` and `get_sdk_version` vs plain RTM calls.
    MISC = "snippets/misc.md"
}
snippet! {
    /// The switchable policies of `SignalingConfig`, in one configuration.
    POLICIES = "snippets/policies.md"
}

/// The snippet of an area, as written (hidden `# ` lines included).
pub fn snippet(area: Area) -> &'static str {
    match area {
        Area::Login => LOGIN,
        Area::PeerMessages => PEER_MESSAGES,
        Area::OnlineStatus => ONLINE_STATUS,
        Area::UserAttributes => USER_ATTRIBUTES,
        Area::Channels => CHANNELS,
        Area::ChannelMessages => CHANNEL_MESSAGES,
        Area::ChannelAttributes => CHANNEL_ATTRIBUTES,
        Area::MemberList => MEMBER_LIST,
        Area::MemberCount => MEMBER_COUNT,
        Area::CallInvitation => CALL_INVITATION,
        Area::Tokens => TOKENS,
        Area::Misc => MISC,
    }
}

/// A snippet as a reader sees it: rustdoc's hidden lines (`# …` and a lone `#`) removed from
/// its Rust code blocks, `##` unescaped to `#`, and fence attributes reduced to `rust`.
///
/// ```
/// use sig2rtm::migration::snippets::visible;
///
/// let doc = "Text\n\n```rust,no_run\n# let x = 1;\nlet y = x;\n## not hidden\n```\n";
/// assert_eq!(visible(doc), "Text\n\n```rust\nlet y = x;\n# not hidden\n```\n");
/// ```
pub fn visible(snippet: &str) -> String {
    let mut out = String::with_capacity(snippet.len());
    let mut in_rust = false;
    let mut in_other = false;
    for line in snippet.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            if in_rust || in_other {
                in_rust = false;
                in_other = false;
                out.push_str(line);
            } else if is_rust_fence(info) {
                in_rust = true;
                let indent = &body[..body.len() - trimmed.len()];
                out.push_str(indent);
                out.push_str("```rust");
                out.push_str(&line[body.len()..]);
            } else {
                in_other = true;
                out.push_str(line);
            }
            continue;
        }
        if in_rust {
            if trimmed == "#" || trimmed.starts_with("# ") {
                continue;
            }
            if let Some(rest) = trimmed.strip_prefix("##") {
                let indent = &body[..body.len() - trimmed.len()];
                out.push_str(indent);
                out.push('#');
                out.push_str(rest);
                out.push_str(&line[body.len()..]);
                continue;
            }
        }
        out.push_str(line);
    }
    out
}

/// Whether a code fence's info string makes rustdoc treat the block as Rust.
fn is_rust_fence(info: &str) -> bool {
    let info = info.trim();
    if info.is_empty() {
        return true;
    }
    info.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .all(|t| {
            matches!(
                t,
                "rust"
                    | "no_run"
                    | "ignore"
                    | "should_panic"
                    | "compile_fail"
                    | "edition2018"
                    | "edition2021"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_snippet_has_a_legacy_and_an_rtm_block() {
        for &area in Area::ALL {
            let s = snippet(area);
            assert!(
                s.starts_with("Legacy facade:\n"),
                "{area}: starts with the legacy half"
            );
            assert!(s.contains("\nRTM core:\n"), "{area}: has an RTM half");
            assert_eq!(s.matches("```rust\n").count(), 2, "{area}: two Rust blocks");
        }
    }

    #[test]
    fn visible_text_keeps_no_hidden_line() {
        for &area in Area::ALL {
            let v = visible(snippet(area));
            for line in v.lines() {
                assert!(
                    !(line.trim_start() == "#" || line.trim_start().starts_with("# ")),
                    "{area}: hidden line left: {line}"
                );
            }
        }
    }

    #[test]
    fn other_code_blocks_are_copied_untouched() {
        let doc = "```text\n# shown\n```\n";
        assert_eq!(visible(doc), doc);
    }
}
