//! The fast path: peer messages, their acknowledgements and channel messages, carried without
//! the state lock.
//!
//! A peer message from a logged-in, reachable sender to a receiver whose session is open and
//! reachable takes only the locks of the two sessions' routes (one after the other) and a
//! directory shard's read lock, so messages between different users run in parallel. A channel
//! message from a member takes its channel's lock and, one at a time, its members' routes.
//! Anything else — an offline or unreachable receiver, a sender not in the channel, a session
//! being set up or moved to a new link, a frame from a cut or delayed link — goes to the slow
//! path under the state lock, which re-checks everything. See `route.rs` for what each lock
//! covers.
//!
//! Both paths carry a message with the same operations on the routes and channels
//! ([`Route::push`](super::route::Route::push), [`Route::drop_acked`](super::route::Route::drop_acked),
//! [`Route::answer`](super::route::Route::answer), [`System::fan_out`]): what differs is only
//! how they find the route and whether they may act without the state. So a message delivered
//! either way is numbered, kept, answered and held back identically.

use super::route::{Binding, LinkEnd};
use super::state::PendingReply;
use super::System;
use crate::proto::link::{Down, Event, Reply, Request, RequestId, SessionId, StreamSeq, Up};
use crate::proto::{PeerDelivery, RtmMessage};
use tokio::time::Instant;

/// The session a message comes from.
struct Sender {
    binding: Binding,
    session: SessionId,
}

impl System {
    /// Takes `up` on the fast path, or gives it back for the slow path.
    pub(super) fn try_fast(&self, link: &LinkEnd, up: Up) -> Result<(), Up> {
        // What comes from a cut or delayed link is the state's to lose or hold back.
        if link.cell.is_faulty() {
            return Err(up);
        }
        match up {
            Up::Ack { seq } => self.fast_ack(link, seq).map_err(|()| up),
            Up::Request {
                id,
                body:
                    Request::SendPeer {
                        to,
                        message,
                        offline,
                    },
            } => self
                .fast_send_peer(link, id, &to, message)
                .map_err(|message| Up::Request {
                    id,
                    body: Request::SendPeer {
                        to,
                        message,
                        offline,
                    },
                }),
            Up::Request {
                id,
                body: Request::SendChannel { channel, message },
            } => self
                .fast_send_channel(link, id, &channel, message)
                .map_err(|message| Up::Request {
                    id,
                    body: Request::SendChannel { channel, message },
                }),
            other => Err(other),
        }
    }

    /// A peer message to a receiver whose session is open and reachable: on its stream, the
    /// answer waiting for its acknowledgement. Gives the message back otherwise.
    fn fast_send_peer(
        &self,
        link: &LinkEnd,
        id: RequestId,
        to: &str,
        message: RtmMessage,
    ) -> Result<(), RtmMessage> {
        let Some(sender) = self.fast_sender(link) else {
            return Err(message);
        };
        let Some(route) = self.inner.shared.routes.get(&sender.binding.app, to) else {
            return Err(message);
        };
        let mut route = route.lock();
        if !route.takes_fast(None) {
            return Err(message);
        }
        let event = Event::PeerMessage {
            from: sender.binding.user.to_string(),
            message: message.stamped(self.inner.now_ms(), false),
        };
        let waiting = PendingReply {
            user: sender.binding.user,
            session: sender.session,
            id,
        };
        let answer_now = route.push(event, Some(waiting));
        debug_assert!(answer_now.is_none(), "the route was reachable");
        self.count_fast_frame();
        Ok(())
    }

    /// A channel message from a member: numbered and fanned out under the channel's lock, then
    /// answered. Gives the message back otherwise.
    fn fast_send_channel(
        &self,
        link: &LinkEnd,
        id: RequestId,
        channel: &str,
        message: RtmMessage,
    ) -> Result<(), RtmMessage> {
        let Some(sender) = self.fast_sender(link) else {
            return Err(message);
        };
        let from = &sender.binding.user;
        let Some(cell) = self.inner.shared.channels.get(&sender.binding.app, channel) else {
            return Err(message);
        };
        {
            let mut hot = cell.lock();
            if !hot.contains(from) {
                return Err(message);
            }
            self.fan_out(&mut hot, Instant::now(), from, channel, message);
        }
        sender.binding.route.lock().send_best_effort(Down::Reply {
            id,
            result: Ok(Reply::Done),
        });
        self.count_fast_frame();
        Ok(())
    }

    /// Counts frames taken on the fast path (tests check which path a frame took).
    fn count_fast_frame(&self) {
        #[cfg(test)]
        self.inner
            .fast_frames
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// The sender's session, when the fast path may carry a message from `link`.
    fn fast_sender(&self, link: &LinkEnd) -> Option<Sender> {
        let binding = self.fast_binding(link)?;
        let session = {
            let route = binding.route.lock();
            if !route.takes_fast(Some(link.id)) {
                return None;
            }
            route.session
        };
        Some(Sender { binding, session })
    }

    /// Marks `link` heard from and returns the session it carries, if any.
    fn fast_binding(&self, link: &LinkEnd) -> Option<Binding> {
        // Every frame is a sign of life, whichever path takes it.
        link.cell.heard_at(self.inner.stamp());
        link.cell.binding.lock().clone()
    }

    fn fast_ack(&self, link: &LinkEnd, seq: StreamSeq) -> Result<(), ()> {
        let binding = self.fast_binding(link).ok_or(())?;
        let replies = {
            let mut route = binding.route.lock();
            if !route.takes_fast(Some(link.id)) {
                return Err(());
            }
            route.drop_acked(seq)
        };
        self.count_fast_frame();
        for reply in replies {
            self.fast_answer(&binding.app, reply, PeerDelivery::Received);
        }
        Ok(())
    }

    /// Answers a waiting sender on its session's link (held until the route opens, if the
    /// session is being moved to another link right now).
    fn fast_answer(&self, app: &str, reply: PendingReply, delivery: PeerDelivery) {
        // No route: the sender's session ended, and nobody waits for the answer.
        let Some(route) = self.inner.shared.routes.get(app, &reply.user) else {
            return;
        };
        route.lock().answer(&reply, delivery);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::link::Failure;
    use crate::proto::DownReceiver;
    use crate::proto::RtmMessage;
    use crate::system::route::RouteCell;
    use crate::system::SystemConfig;
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    const APP: &str = "0123456789abcdef0123456789abcdef";
    /// How long a test waits for a frame another thread sends (real time, only spent on
    /// failure).
    const WAIT: Duration = Duration::from_secs(10);

    fn login(system: &System, user: &str) -> (LinkEnd, DownReceiver) {
        let (link, mut down) = system.connect();
        let login = Request::Login {
            app_id: APP.into(),
            user_id: user.into(),
            token: None,
        };
        system
            .handle(&link, Up::Request { id: 1, body: login })
            .unwrap();
        match down.try_recv() {
            Some(Down::Reply { id: 1, result }) => assert!(result.is_ok(), "{result:?}"),
            other => panic!("expected the login reply, got {other:?}"),
        }
        (link, down)
    }

    fn route_of(system: &System, user: &str) -> Option<RouteCell> {
        system.inner.shared.routes.get(APP, user)
    }

    /// The reason of the failure that answers request `id`, next in `down`.
    fn failure(down: &mut DownReceiver, id: u64) -> crate::proto::FailureReason {
        match down.try_recv() {
            Some(Down::Reply {
                id: got,
                result: Err(Failure { reason, .. }),
            }) if got == id => reason,
            other => panic!("expected request {id} to fail, got {other:?}"),
        }
    }

    fn send_peer(id: u64, to: &str, text: &str) -> Up {
        Up::Request {
            id,
            body: Request::SendPeer {
                to: to.into(),
                message: RtmMessage::from_text(text),
                offline: false,
            },
        }
    }

    /// Runs `f` on another thread and returns what it returns, failing after [`WAIT`].
    fn on_another_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(WAIT)
            .expect("the frame waited for the state lock")
    }

    #[test]
    fn a_peer_message_and_its_acknowledgement_pass_while_the_state_lock_is_held() {
        let system = System::new(SystemConfig::default());
        let (alice, mut alice_down) = login(&system, "alice");
        let (bob, mut bob_down) = login(&system, "bob");

        let held = system.inner.state.lock();
        let s = system.clone();
        let (alice, bob_down_back) = on_another_thread(move || {
            s.handle(&alice, send_peer(7, "bob", "hi")).unwrap();
            (alice, bob_down)
        });
        bob_down = bob_down_back;
        let seq = match bob_down.try_recv() {
            Some(Down::Stream {
                seq,
                event: Event::PeerMessage { from, message },
            }) => {
                assert_eq!((from.as_str(), message.text()), ("alice", "hi"));
                seq
            }
            other => panic!("bob should hold alice's message, got {other:?}"),
        };
        let s = system.clone();
        let bob = on_another_thread(move || {
            s.handle(&bob, Up::Ack { seq }).unwrap();
            bob
        });
        match alice_down.try_recv() {
            Some(Down::Reply { id: 7, result }) => {
                assert_eq!(result, Ok(Reply::PeerSent(PeerDelivery::Received)))
            }
            other => panic!("alice should hold the answer, got {other:?}"),
        }
        drop(held);
        drop((alice, bob));
    }

    #[test]
    fn frames_that_need_the_state_take_the_slow_path() {
        let system = System::new(SystemConfig::default());
        let (alice, mut alice_down) = login(&system, "alice");
        let (bob, mut bob_down) = login(&system, "bob");
        let fast = || system.inner.fast_frames.load(Ordering::Relaxed);

        system.handle(&alice, send_peer(2, "bob", "fast")).unwrap();
        assert_eq!(fast(), 1, "an online, reachable receiver: fast path");
        let Some(Down::Stream { seq, .. }) = bob_down.try_recv() else {
            panic!("bob should hold the message");
        };
        system.handle(&bob, Up::Ack { seq }).unwrap();
        assert_eq!(
            fast(),
            2,
            "an acknowledgement on the session's link: fast path"
        );
        assert!(matches!(
            alice_down.try_recv(),
            Some(Down::Reply { id: 2, .. })
        ));

        // The offline path needs the state.
        system
            .handle(&alice, send_peer(3, "nobody", "hello?"))
            .unwrap();
        assert_eq!(fast(), 2);
        assert_eq!(
            failure(&mut alice_down, 3),
            crate::proto::FailureReason::PeerUnreachable,
            "alice is told nobody is unreachable"
        );

        // A cut or delayed link affects its own frames only.
        system.delay_user(APP, "carol", Duration::from_millis(5));
        system
            .handle(&alice, send_peer(4, "bob", "still fast"))
            .unwrap();
        assert_eq!(fast(), 3, "carol's delay leaves alice and bob alone");
        assert!(matches!(bob_down.try_recv(), Some(Down::Stream { .. })));
        system.cut_user(APP, "bob");
        system.handle(&bob, Up::Ack { seq: 99 }).unwrap();
        assert_eq!(
            fast(),
            3,
            "what comes from a cut link is the state's to lose"
        );
        system.handle(&alice, send_peer(5, "bob", "lost")).unwrap();
        assert_eq!(fast(), 4, "alice's own link is fine");
        assert!(bob_down.try_recv().is_none(), "nothing reaches a cut link");
    }

    #[test]
    fn a_session_is_closed_to_the_fast_path_until_its_login_is_answered() {
        let system = System::new(SystemConfig::default());
        let (alice, _alice_down) = login(&system, "alice");
        let (bob_link, mut bob_down) = system.connect();
        {
            let mut st = system.inner.lock();
            let login = Request::Login {
                app_id: APP.into(),
                user_id: "bob".into(),
                token: None,
            };
            system.arrive(&mut st, bob_link.id, Up::Request { id: 1, body: login });
            let route = route_of(&system, "bob").expect("bob's route");
            assert!(!route.lock().open, "open before the state lock is let go");
        }
        let route = route_of(&system, "bob").expect("bob's route");
        assert!(route.lock().open);
        system.handle(&alice, send_peer(5, "bob", "after")).unwrap();
        assert!(matches!(
            bob_down.try_recv(),
            Some(Down::Reply { id: 1, .. })
        ));
        assert!(matches!(bob_down.try_recv(), Some(Down::Stream { .. })));
    }

    #[test]
    fn an_ended_session_leaves_the_directory() {
        let system = System::new(SystemConfig::default());
        let (bob, _bob_down) = login(&system, "bob");
        let route = route_of(&system, "bob").expect("bob's route");
        request(&system, &bob, 2, Request::Logout);
        assert!(route.lock().ended);
        assert!(route_of(&system, "bob").is_none());
        assert!(bob.cell.binding.lock().is_none());
    }

    fn request(system: &System, link: &LinkEnd, id: u64, body: Request) {
        system.handle(link, Up::Request { id, body }).unwrap();
    }

    fn join(system: &System, link: &LinkEnd, down: &mut DownReceiver, channel: &str) {
        request(
            system,
            link,
            90,
            Request::Join {
                channel: channel.into(),
            },
        );
        while let Some(frame) = down.try_recv() {
            if let Down::Reply { id: 90, result } = frame {
                assert!(result.is_ok(), "{result:?}");
                return;
            }
        }
        panic!("no answer to the join");
    }

    fn send_channel(channel: &str, text: &str) -> Request {
        Request::SendChannel {
            channel: channel.into(),
            message: RtmMessage::from_text(text),
        }
    }

    /// The channel messages waiting in `down`, as (text, number); other frames are skipped.
    fn channel_messages(down: &mut DownReceiver) -> Vec<(String, u64)> {
        std::iter::from_fn(|| down.try_recv())
            .filter_map(|f| match f {
                Down::Event(Event::ChannelMessage { message, seq, .. }) => {
                    Some((message.text().to_string(), seq))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_channel_message_passes_while_the_state_lock_is_held() {
        let system = System::new(SystemConfig::default());
        let (alice, mut alice_down) = login(&system, "alice");
        let (bob, mut bob_down) = login(&system, "bob");
        join(&system, &alice, &mut alice_down, "room");
        join(&system, &bob, &mut bob_down, "room");
        while alice_down.try_recv().is_some() {}
        while bob_down.try_recv().is_some() {}

        let held = system.inner.state.lock();
        let s = system.clone();
        let alice = on_another_thread(move || {
            request(&s, &alice, 8, send_channel("room", "hello room"));
            alice
        });
        let got = channel_messages(&mut bob_down);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "hello room");
        assert!(matches!(
            alice_down.try_recv(),
            Some(Down::Reply {
                id: 8,
                result: Ok(Reply::Done)
            })
        ));
        drop(held);
        drop(alice);
    }

    #[test]
    fn a_joiner_gets_channel_messages_only_after_its_join_is_answered() {
        let system = System::new(SystemConfig::default());
        let (alice, mut alice_down) = login(&system, "alice");
        join(&system, &alice, &mut alice_down, "room");
        let (_bob, mut bob_down) = login(&system, "bob");
        let last_message = {
            // Bob joins, but the answer is not out yet (the slow path answers a request after
            // carrying it out, with the state lock still held) …
            let mut st = system.inner.lock();
            let mut after = Vec::new();
            let joined = system.join(&mut st, APP, "bob", "room".into(), &mut after);
            let Ok(Reply::Joined { last_message }) = joined else {
                panic!("bob's join failed: {joined:?}");
            };
            // … when alice's message goes out on the fast path: bob gets it only later.
            let s = system.clone();
            let alice = on_another_thread(move || {
                request(&s, &alice, 6, send_channel("room", "welcome"));
                alice
            });
            let answered = std::iter::from_fn(|| alice_down.try_recv()).any(|f| {
                matches!(
                    f,
                    Down::Reply {
                        id: 6,
                        result: Ok(_)
                    }
                )
            });
            assert!(answered, "alice's message went out while the lock was held");
            assert!(
                channel_messages(&mut bob_down).is_empty(),
                "before the answer"
            );
            drop(alice);
            last_message
        };
        let got = channel_messages(&mut bob_down);
        assert_eq!(got.len(), 1, "once the lock is let go");
        assert_eq!(got[0].0, "welcome");
        assert!(
            got[0].1 > last_message,
            "numbered after the join's last message"
        );
    }

    #[test]
    fn a_channel_message_from_outside_the_channel_takes_the_slow_path() {
        let system = System::new(SystemConfig::default());
        let (alice, mut alice_down) = login(&system, "alice");
        let (bob, mut bob_down) = login(&system, "bob");
        join(&system, &bob, &mut bob_down, "room");
        let fast = || system.inner.fast_frames.load(Ordering::Relaxed);
        let before = fast();
        request(&system, &alice, 3, send_channel("room", "let me in"));
        assert_eq!(fast(), before);
        assert_eq!(
            failure(&mut alice_down, 3),
            crate::proto::FailureReason::NotInChannel,
            "alice is refused"
        );
        assert!(channel_messages(&mut bob_down).is_empty());
        // Bob's own message goes fast, and nobody else is there to get it.
        request(&system, &bob, 4, send_channel("room", "alone"));
        assert_eq!(fast(), before + 1);
        drop(alice);
    }
}
