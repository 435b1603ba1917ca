//! Messages routed in parallel: on a multi-threaded runtime, many users send to each other and
//! to a channel at once while other users log in, log out, join, leave and follow their
//! presence (work that takes the system's state lock and writes to the same links). Every
//! message must arrive exactly once and in the order its sender sent it, and every send must be
//! answered.
//!
//! These run on real threads and real time; they wait for what they expect with a deadline
//! that is only reached on failure.

mod common;

use common::unlimited_client;
use futures_util::future::join_all;
use sig2rtm::rtm::{
    ChannelEvent, EventStream, PeerDelivery, RtmClient, RtmEvent, RtmMessage, SendMessageOptions,
};
use sig2rtm::system::{System, SystemConfig};
use std::collections::HashMap;
use std::time::Duration;

/// The longest a test waits for the messages it expects (real time, only spent on failure).
const WAIT: Duration = Duration::from_secs(30);

async fn user(system: &System, name: &str) -> (RtmClient, EventStream) {
    let client = unlimited_client(system);
    let events = client.subscribe();
    client.login("", name).await.expect("login");
    (client, events)
}

/// Reads `events` until `expected` numbered messages arrived, as `pick` finds them (sender,
/// text) among the events; returns them by sender, in arrival order, as the numbers they carry.
async fn collect_by(
    events: &mut EventStream,
    expected: usize,
    pick: impl Fn(RtmEvent) -> Option<(String, RtmMessage)>,
) -> HashMap<String, Vec<u32>> {
    let mut by_sender: HashMap<String, Vec<u32>> = HashMap::new();
    let mut got = 0;
    let deadline = tokio::time::Instant::now() + WAIT;
    while got < expected {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .unwrap_or_else(|_| panic!("only {got} of {expected} messages arrived"))
            .expect("event stream ended");
        if let Some((sender, message)) = pick(event) {
            let n: u32 = message.text().parse().expect("a numbered message");
            by_sender.entry(sender).or_default().push(n);
            got += 1;
        }
    }
    by_sender
}

/// The peer messages among `events` (see [`collect_by`]).
async fn collect(events: &mut EventStream, expected: usize) -> HashMap<String, Vec<u32>> {
    collect_by(events, expected, |event| match event {
        RtmEvent::MessageFromPeer { peer_id, message } => Some((peer_id, message)),
        _ => None,
    })
    .await
}

fn assert_once_in_order(receiver: &str, by_sender: &HashMap<String, Vec<u32>>, per_sender: u32) {
    for (sender, numbers) in by_sender {
        let expected: Vec<u32> = (0..per_sender).collect();
        assert_eq!(
            numbers, &expected,
            "{receiver} got {sender}'s messages out of order, twice or not at all"
        );
    }
}

/// Logs users in and out and subscribes them to `watched`, until `stop` is set: presence
/// events for the watched users' streams and directory changes, all the while.
async fn churn(
    system: System,
    watched: Vec<String>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> usize {
    let mut rounds = 0;
    while !stop.load(std::sync::atomic::Ordering::Acquire) {
        let name = format!("churn-{}", rounds % 5);
        let (client, _events) = user(&system, &name).await;
        client
            .subscribe_peers_online_status(&watched)
            .await
            .expect("subscribe");
        client.logout().await.expect("logout");
        client.release();
        rounds += 1;
    }
    rounds
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn all_to_all_messages_on_many_threads_arrive_once_and_in_order() {
    const USERS: usize = 8;
    const PER_PEER: u32 = 200;
    let system = System::new(SystemConfig::default());
    let names: Vec<String> = (0..USERS).map(|i| format!("user-{i}")).collect();
    let mut clients = Vec::new();
    let mut streams = Vec::new();
    for name in &names {
        let (c, e) = user(&system, name).await;
        clients.push(c);
        streams.push(e);
    }
    // The senders also follow each other's presence, so their streams carry status events
    // written under the state lock between the messages.
    for c in &clients {
        c.subscribe_peers_online_status(&names)
            .await
            .expect("subscribe");
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let churner = tokio::spawn(churn(system.clone(), names.clone(), stop.clone()));

    let receivers: Vec<_> = streams
        .into_iter()
        .zip(&names)
        .map(|(mut events, name)| {
            let name = name.clone();
            tokio::spawn(async move {
                let got = collect(&mut events, (USERS - 1) * PER_PEER as usize).await;
                (name, got)
            })
        })
        .collect();
    let senders: Vec<_> = clients
        .iter()
        .zip(&names)
        .map(|(client, me)| {
            let client = client.clone();
            let peers: Vec<String> = names.iter().filter(|n| *n != me).cloned().collect();
            tokio::spawn(async move {
                let mut sends = Vec::new();
                for n in 0..PER_PEER {
                    for peer in &peers {
                        let m = RtmMessage::from_text(n.to_string());
                        sends.push(client.send_message_to_peer(
                            peer,
                            &m,
                            SendMessageOptions::default(),
                        ));
                    }
                    // Let the other senders in between, on every thread.
                    tokio::task::yield_now().await;
                }
                join_all(sends).await
            })
        })
        .collect();

    for sender in senders {
        for outcome in sender.await.unwrap() {
            assert_eq!(outcome, Ok(PeerDelivery::Received));
        }
    }
    for receiver in receivers {
        let (name, got) = receiver.await.unwrap();
        assert_eq!(got.len(), USERS - 1, "{name} heard from every other user");
        assert_once_in_order(&name, &got, PER_PEER);
    }
    stop.store(true, std::sync::atomic::Ordering::Release);
    assert!(churner.await.unwrap() > 0, "the churn ran alongside");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn messages_to_a_user_logging_in_and_out_arrive_once_and_in_order() {
    // Races are found by chance: a few rounds, each on a fresh system.
    for _ in 0..5 {
        receiver_logging_in_and_out().await;
    }
}

async fn receiver_logging_in_and_out() {
    // 200 messages in all: what is kept while the receiver is away stays within the offline
    // cache's 200 per user.
    const SENDERS: usize = 4;
    const PER_SENDER: u32 = 50;
    let system = System::new(SystemConfig::default());
    let offline = SendMessageOptions {
        enable_offline_messaging: true,
        ..SendMessageOptions::default()
    };
    let mut senders = Vec::new();
    for i in 0..SENDERS {
        senders.push(user(&system, &format!("sender-{i}")).await.0);
    }
    // The receiver comes and goes while the senders send; what it gets, it gets on one
    // stream of events across its sessions.
    let receiver = unlimited_client(&system);
    let mut events = receiver.subscribe();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (first_login, logged_in) = tokio::sync::oneshot::channel();
    let flapping = {
        let receiver = receiver.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut sessions = 0;
            let mut first_login = Some(first_login);
            // A few sessions at least, however fast the senders are.
            while sessions < 3 || !stop.load(std::sync::atomic::Ordering::Acquire) {
                receiver.login("", "receiver").await.expect("login");
                if let Some(tx) = first_login.take() {
                    let _ = tx.send(());
                }
                tokio::task::yield_now().await;
                receiver.logout().await.expect("logout");
                sessions += 1;
            }
            receiver.login("", "receiver").await.expect("final login");
            sessions
        })
    };
    logged_in.await.expect("the receiver logged in");
    let sends: Vec<_> = senders
        .iter()
        .map(|client| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut outcomes = Vec::new();
                for n in 0..PER_SENDER {
                    let m = RtmMessage::from_text(n.to_string());
                    outcomes.push(client.send_message_to_peer("receiver", &m, offline).await);
                }
                outcomes
            })
        })
        .collect();
    for s in sends {
        for outcome in s.await.unwrap() {
            assert!(
                matches!(
                    outcome,
                    Ok(PeerDelivery::Received | PeerDelivery::CachedByServer)
                ),
                "every message was taken: {outcome:?}"
            );
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Release);
    assert!(flapping.await.unwrap() >= 3, "the receiver came and went");
    let got = collect(&mut events, SENDERS * PER_SENDER as usize).await;
    assert_eq!(got.len(), SENDERS);
    assert_once_in_order("receiver", &got, PER_SENDER);
}

/// The channel messages from members among `events` (visitors' are skipped; see
/// [`collect_by`]).
async fn collect_channel(events: &mut EventStream, expected: usize) -> HashMap<String, Vec<u32>> {
    collect_by(events, expected, |event| match event {
        RtmEvent::Channel {
            event: ChannelEvent::MessageReceived { user_id, message },
            ..
        } if !user_id.starts_with("visitor") => Some((user_id, message)),
        _ => None,
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn channel_messages_on_many_threads_reach_every_member_once_and_in_order() {
    const MEMBERS: usize = 6;
    const PER_MEMBER: u32 = 150;
    let system = System::new(SystemConfig::default());
    let mut members = Vec::new();
    for i in 0..MEMBERS {
        let (client, events) = user(&system, &format!("member-{i}")).await;
        let channel = client.create_channel("hall").expect("channel");
        channel.join().await.expect("join");
        members.push((client, channel, events));
    }
    // Other users join and leave the channel all the while (membership changes, member events
    // on the members' streams, all under the state lock).
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let visitors = {
        let system = system.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut visits = 0;
            while visits < 3 || !stop.load(std::sync::atomic::Ordering::Acquire) {
                let (client, _events) = user(&system, &format!("visitor-{}", visits % 3)).await;
                let channel = client.create_channel("hall").expect("channel");
                channel.join().await.expect("visitor join");
                channel
                    .send_message(
                        &RtmMessage::from_text("visiting"),
                        SendMessageOptions::default(),
                    )
                    .await
                    .expect("visitor message");
                channel.leave().await.expect("visitor leave");
                client.logout().await.expect("visitor logout");
                client.release();
                visits += 1;
            }
            visits
        })
    };
    let mut receivers = Vec::new();
    let mut senders = Vec::new();
    for (i, (client, channel, mut events)) in members.into_iter().enumerate() {
        receivers.push(tokio::spawn(async move {
            let got = collect_channel(&mut events, (MEMBERS - 1) * PER_MEMBER as usize).await;
            (i, got)
        }));
        senders.push(tokio::spawn(async move {
            let mut sends = Vec::new();
            for n in 0..PER_MEMBER {
                sends.push(channel.send_message(
                    &RtmMessage::from_text(n.to_string()),
                    SendMessageOptions::default(),
                ));
                tokio::task::yield_now().await;
            }
            // The client stays with the test until every member has heard everything.
            (join_all(sends).await, client)
        }));
    }
    let mut clients = Vec::new();
    for s in senders {
        let (outcomes, client) = s.await.unwrap();
        for outcome in outcomes {
            assert_eq!(outcome, Ok(()));
        }
        clients.push(client);
    }
    for r in receivers {
        let (i, got) = r.await.unwrap();
        assert_eq!(
            got.len(),
            MEMBERS - 1,
            "member-{i} heard every other member"
        );
        assert_once_in_order(&format!("member-{i}"), &got, PER_MEMBER);
    }
    stop.store(true, std::sync::atomic::Ordering::Release);
    assert!(visitors.await.unwrap() >= 3);
}
