//! Gradual migration: one legacy instance whose RTM client (`Signaling::rtm_client`) also serves
//! new RTM code. Both parts receive what they should, and RTM calls made by the new part do not
//! leak legacy callbacks into the old one. Virtual time throughout.

mod common;
mod legacy_common;

use common::{events_within, next_event};
use legacy_common::{logged_in, settle};
use sig2rtm::rtm::{ChannelEvent, PeerDelivery, RtmEvent, RtmMessage, SendMessageOptions};
use sig2rtm::signaling::LegacyEvent;
use sig2rtm::system::{System, SystemConfig};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test(start_paused = true)]
async fn legacy_and_rtm_parts_share_one_connection_and_each_get_their_events() {
    let system = System::new(SystemConfig::default());
    let (alice, alice_rec) = logged_in(&system, "alice").await;
    let (bob, bob_rec) = logged_in(&system, "bob").await;
    let client = alice.rtm_client().expect("an RTM client once logged in");
    assert_eq!(client.user_id().as_deref(), Some("alice"));
    let mut events = client.subscribe();

    // A peer message reaches the legacy callbacks and the RTM stream alike.
    bob.message_instant_send("alice", 0, "hello", "m1");
    let got = alice_rec
        .wait_for(WAIT, |e| {
            matches!(e, LegacyEvent::MessageInstantReceive { .. })
        })
        .await;
    assert!(
        matches!(got, Some(LegacyEvent::MessageInstantReceive { ref account, uid: 0, ref msg }) if account == "bob" && msg == "hello"),
        "{got:?}"
    );
    match next_event(&mut events).await {
        RtmEvent::MessageFromPeer { peer_id, message } => {
            assert_eq!((peer_id.as_str(), message.text()), ("bob", "hello"))
        }
        other => panic!("unexpected {other:?}"),
    }

    // The new part sends through RTM: bob's legacy code gets it; alice's legacy part hears
    // nothing about a send it did not make.
    alice_rec.take();
    let sent = client
        .send_message_to_peer(
            "bob",
            &RtmMessage::from_text("from rtm"),
            SendMessageOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(sent, PeerDelivery::Received);
    let got = bob_rec
        .wait_for(
            WAIT,
            |e| matches!(e, LegacyEvent::MessageInstantReceive { msg, .. } if msg == "from rtm"),
        )
        .await;
    assert!(got.is_some());
    settle().await;
    assert_eq!(alice_rec.events_without_logs(), []);

    // The legacy part joins a channel; the RTM part sees the channel's events too.
    alice.channel_join("lobby");
    alice_rec
        .wait_for(WAIT, |e| matches!(e, LegacyEvent::ChannelUserList { .. }))
        .await
        .expect("the legacy join sequence");
    bob.channel_join("lobby");
    alice_rec
        .wait_for(
            WAIT,
            |e| matches!(e, LegacyEvent::ChannelUserJoined { account, .. } if account == "bob"),
        )
        .await
        .expect("bob's join for the legacy part");
    let seen = events_within(&mut events, Duration::from_secs(1)).await;
    assert!(
        seen.iter().any(|e| matches!(e, RtmEvent::Channel { channel_id, event: ChannelEvent::MemberJoined { user_id } } if channel_id == "lobby" && user_id == "bob")),
        "{seen:?}"
    );

    // A channel message sent by the RTM part: no legacy echo for alice, bob receives it.
    alice_rec.take();
    bob_rec.take();
    let lobby = client.create_channel("lobby").unwrap();
    assert!(lobby.is_joined(), "the legacy join is the RTM join");
    lobby
        .send_message(
            &RtmMessage::from_text("rtm post"),
            SendMessageOptions::default(),
        )
        .await
        .unwrap();
    let got = bob_rec
        .wait_for(
            WAIT,
            |e| matches!(e, LegacyEvent::MessageChannelReceive { msg, .. } if msg == "rtm post"),
        )
        .await;
    assert!(got.is_some());
    settle().await;
    assert_eq!(alice_rec.events_without_logs(), []);

    // A channel message sent by the legacy part: the legacy echo, and nothing on the RTM stream.
    events.drain();
    alice.message_channel_send("lobby", "legacy post", "m2");
    let echo = alice_rec
        .wait_for(
            WAIT,
            |e| matches!(e, LegacyEvent::MessageChannelReceive { msg, .. } if msg == "legacy post"),
        )
        .await;
    assert!(echo.is_some());
    let seen = events_within(&mut events, Duration::from_secs(1)).await;
    assert!(
        !seen.iter().any(|e| matches!(
            e,
            RtmEvent::Channel {
                event: ChannelEvent::MessageReceived { .. },
                ..
            }
        )),
        "RTM does not echo: {seen:?}"
    );

    alice.destroy();
    bob.destroy();
}
