//! Two RTM clients on the embedded RTM system: login, a channel, messages, an invitation.
//!
//! Run with `cargo run --example quickstart`.

use sig2rtm::rtm::{
    CallEvent, ChannelEvent, RtmClient, RtmCode, RtmEvent, RtmMessage, SendMessageOptions,
};
use std::time::Duration;

const APP_ID: &str = "0123456789abcdef0123456789abcdef";

/// Prints every event of a client as it arrives, prefixed with the user's name.
fn print_events(name: &'static str, client: &RtmClient) {
    let mut events = client.subscribe();
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            println!("  [{name}] {}", describe(&event));
        }
    });
}

fn describe(event: &RtmEvent) -> String {
    match event {
        RtmEvent::ConnectionStateChanged { state, reason } => {
            format!("connection state {} ({})", state.name(), reason.name())
        }
        RtmEvent::MessageFromPeer { peer_id, message } => {
            format!("peer message from {peer_id}: {:?}", message.text())
        }
        RtmEvent::Channel { channel_id, event } => match event {
            ChannelEvent::MemberJoined { user_id } => format!("{user_id} joined {channel_id}"),
            ChannelEvent::MemberLeft { user_id } => format!("{user_id} left {channel_id}"),
            ChannelEvent::MemberCountUpdated(n) => format!("{channel_id} has {n} member(s)"),
            ChannelEvent::MessageReceived { user_id, message } => {
                format!(
                    "channel message in {channel_id} from {user_id}: {:?}",
                    message.text()
                )
            }
            other => format!("{channel_id}: {other:?}"),
        },
        RtmEvent::Call(CallEvent::RemoteInvitationReceived(inv)) => format!(
            "invitation from {} for channel {:?}: {:?}",
            inv.caller_id(),
            inv.channel_id(),
            inv.content()
        ),
        RtmEvent::Call(CallEvent::LocalInvitationReceivedByPeer(inv)) => {
            format!("{} received the invitation", inv.callee_id())
        }
        RtmEvent::Call(CallEvent::LocalInvitationAccepted {
            invitation,
            response,
        }) => {
            format!("{} accepted: {response:?}", invitation.callee_id())
        }
        RtmEvent::Call(CallEvent::RemoteInvitationAccepted(inv)) => {
            format!("call with {} is on", inv.caller_id())
        }
        other => format!("{other:?}"),
    }
}

async fn settle() {
    // Lets the printing tasks catch up so the output reads in order.
    tokio::time::sleep(Duration::from_millis(20)).await;
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let alice = RtmClient::new(APP_ID).expect("valid App ID");
    let bob = RtmClient::new(APP_ID).expect("valid App ID");
    print_events("alice", &alice);
    print_events("bob", &bob);

    println!("alice and bob log in (no token: an App-ID-only app)");
    alice.login("", "alice").await.expect("alice logs in");
    bob.login("", "bob").await.expect("bob logs in");
    settle().await;

    println!("both join channel \"lobby\"");
    let alice_lobby = alice.create_channel("lobby").expect("valid channel id");
    let bob_lobby = bob.create_channel("lobby").expect("valid channel id");
    alice_lobby.join().await.expect("alice joins");
    bob_lobby.join().await.expect("bob joins");
    settle().await;
    let members: Vec<String> = bob_lobby
        .get_members()
        .await
        .expect("members")
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    println!("members of lobby: {members:?}");

    println!("alice sends a channel message (RTM does not echo it to her)");
    alice_lobby
        .send_message(
            &RtmMessage::from_text("hello lobby"),
            SendMessageOptions::default(),
        )
        .await
        .expect("channel message sent");
    settle().await;

    println!("bob sends alice a peer message");
    let delivery = bob
        .send_message_to_peer(
            "alice",
            &RtmMessage::from_text("hi alice"),
            SendMessageOptions::default(),
        )
        .await
        .expect("peer message sent");
    settle().await;
    println!("delivery: {delivery:?}");

    println!("alice invites bob to a call in channel \"room-1\"; bob accepts");
    let mut bob_calls = bob.subscribe();
    let invitation = alice.call_manager().create_local_invitation("bob");
    invitation.set_channel_id("room-1");
    invitation.set_content("video call?");
    alice
        .call_manager()
        .send_local_invitation(&invitation)
        .await
        .expect("invitation sent");
    let remote = loop {
        match bob_calls.recv().await {
            Some(RtmEvent::Call(CallEvent::RemoteInvitationReceived(inv))) => break inv,
            Some(_) => continue,
            None => panic!("bob's events ended"),
        }
    };
    remote.set_response("on my way");
    bob.call_manager()
        .accept_remote_invitation(&remote)
        .await
        .expect("accepted");
    settle().await;
    println!("alice's invitation is now {}", invitation.state().name());

    println!("both log out");
    alice.logout().await.expect("alice logs out");
    bob.logout().await.expect("bob logs out");
    settle().await;
    println!("done");
}
