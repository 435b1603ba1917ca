//! One legacy Signaling client in its own process, driven line by line on stdin, printing every
//! callback on stdout — the building block of the multi-process tests, and a handy way to poke a
//! `sig2rtm-server` by hand.
//!
//! ```text
//! SIG2RTM_SERVER=127.0.0.1:9300 cargo run --example legacy_peer -- alice
//! login
//! join lobby
//! chan lobby hello everyone
//! ```
//!
//! The client uses `SignalingConfig::default()`: with `SIG2RTM_SERVER` set it reaches that
//! server, otherwise the embedded system of this process (where it is alone).
//!
//! Commands (the last argument takes the rest of the line):
//!
//! | command | legacy call |
//! |---|---|
//! | `login` | `login2(APP_ID, ACCOUNT, "_no_need_token", 0, "", 30, 3)` |
//! | `logout` | `logout()` |
//! | `join CH` / `leave CH` | `channelJoin` / `channelLeave` |
//! | `chan CH TEXT` | `messageChannelSend(CH, TEXT, "")` |
//! | `attr CH NAME VALUE` | `channelSetAttr` |
//! | `status ACCOUNT` | `queryUserStatus` |
//! | `send ACCOUNT TEXT` | `messageInstantSend(ACCOUNT, 0, TEXT, "")` |
//! | `invite CH ACCOUNT` | `channelInviteUser2(CH, ACCOUNT, {"_require_peer_online":1})` |
//! | `accept CH ACCOUNT` / `refuse CH ACCOUNT` / `end CH ACCOUNT` | `channelInviteAccept` / `channelInviteRefuse` / `channelInviteEnd` |
//! | `quit` (or end of input) | `destroy()`, then exit |
//!
//! Output: `ready` once, then one line per callback in the legacy style, such as
//! `onMessageInstantReceive("bob", 2267157479, "hi")`. Mistyped commands print `error: …`.

use sig2rtm::signaling::{LegacyEvent, Signaling, SignalingConfig};
use std::io::BufRead;

const DEFAULT_APP_ID: &str = "0123456789abcdef0123456789abcdef";

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(account) = args.next() else {
        eprintln!("usage: legacy_peer ACCOUNT [APP_ID]  (commands on stdin; see the source)");
        std::process::exit(2);
    };
    let app_id = args.next().unwrap_or_else(|| DEFAULT_APP_ID.to_string());

    let sig = Signaling::create_instance(SignalingConfig::default());
    sig.callback_set(Some(std::sync::Arc::new(|event: LegacyEvent| {
        if !matches!(event, LegacyEvent::Log { .. }) {
            println!("{event}");
        }
    })));
    println!("ready");

    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (cmd, rest) = line.split_once(' ').unwrap_or((line, ""));
        let rest = rest.trim();
        let two = || rest.split_once(' ').map(|(a, b)| (a.trim(), b.trim()));
        let ok = match cmd {
            "login" => {
                sig.login2(&app_id, &account, "_no_need_token", 0, "", 30, 3);
                true
            }
            "logout" => {
                sig.logout();
                true
            }
            "join" if !rest.is_empty() => {
                sig.channel_join(rest);
                true
            }
            "leave" if !rest.is_empty() => {
                sig.channel_leave(rest);
                true
            }
            "status" if !rest.is_empty() => {
                sig.query_user_status(rest);
                true
            }
            "chan" => two()
                .map(|(ch, text)| sig.message_channel_send(ch, text, ""))
                .is_some(),
            "send" => two()
                .map(|(to, text)| sig.message_instant_send(to, 0, text, ""))
                .is_some(),
            "attr" => two()
                .and_then(|(ch, kv)| kv.split_once(' ').map(|(k, v)| (ch, k, v.trim())))
                .map(|(ch, k, v)| sig.channel_set_attr(ch, k, v))
                .is_some(),
            "invite" => two()
                .map(|(ch, who)| sig.channel_invite_user2(ch, who, r#"{"_require_peer_online":1}"#))
                .is_some(),
            "accept" => two()
                .map(|(ch, who)| sig.channel_invite_accept(ch, who, 0, ""))
                .is_some(),
            "refuse" => two()
                .map(|(ch, who)| sig.channel_invite_refuse(ch, who, 0, ""))
                .is_some(),
            "end" => two()
                .map(|(ch, who)| sig.channel_invite_end(ch, who, 0))
                .is_some(),
            "quit" => break,
            _ => false,
        };
        if !ok {
            println!("error: cannot read the command {line:?}");
        }
    }
    sig.destroy();
}
