//! The fast path: peer messages and their acknowledgements, carried without the state lock.
//!
//! A peer message from a logged-in, reachable sender to a receiver whose session is open and
//! reachable takes only the locks of the two sessions' routes (one after the other) and a
//! directory shard's read lock, so messages between different users run in parallel. Anything
//! else — an offline or unreachable receiver, a session being set up or moved to a new link, a
//! system where a link was ever cut or delayed — goes to the slow path under the state lock,
//! which re-checks everything. See `route.rs` for what each lock covers.

use super::route::{LinkEnd, RouteCell};
use super::state::PendingReply;
use super::System;
use crate::rtm::PeerDelivery;
use crate::transport::protocol::{Down, Event, Reply, Request, StreamSeq, Up};
use std::sync::Arc;

impl System {
    /// Takes `up` on the fast path, or gives it back for the slow path.
    pub(super) fn try_fast(&self, link: &LinkEnd, up: Up) -> Result<(), Up> {
        if self.inner.network_faults() {
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
            } => {
                let Some((app, from, waiting)) = self.fast_sender(link, id) else {
                    return Err(Up::Request {
                        id,
                        body: Request::SendPeer {
                            to,
                            message,
                            offline,
                        },
                    });
                };
                let receiver = self.inner.directory.get(&app, &to);
                let Some(route) = receiver else {
                    return Err(Up::Request {
                        id,
                        body: Request::SendPeer {
                            to,
                            message,
                            offline,
                        },
                    });
                };
                let mut route = route.lock();
                if !route.takes_fast(None) {
                    return Err(Up::Request {
                        id,
                        body: Request::SendPeer {
                            to,
                            message,
                            offline,
                        },
                    });
                }
                let event = Event::PeerMessage {
                    from: from.to_string(),
                    message: message.stamped(self.inner.now_ms(), false),
                };
                let (seq, answer_now) = route.append(&event, Some(waiting));
                // Written under the route's lock: stream frames leave in the order of their
                // numbers. A closed queue is a link that just went away: the session keeps the
                // event and replays it on the client's next link.
                let _ = route.down.send(Down::Stream { seq, event });
                debug_assert!(answer_now.is_none(), "the route was reachable");
                self.count_fast_frame();
                Ok(())
            }
            other => Err(other),
        }
    }

    /// Counts frames taken on the fast path (tests check which path a frame took).
    fn count_fast_frame(&self) {
        #[cfg(test)]
        self.inner
            .fast_frames
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// The sender's session, when the fast path may carry a message from `link`: (app, user,
    /// the answer the message waits for).
    fn fast_sender(
        &self,
        link: &LinkEnd,
        id: crate::transport::protocol::RequestId,
    ) -> Option<(Arc<str>, Arc<str>, PendingReply)> {
        let (app, user, route) = self.fast_binding(link)?;
        let route = route.lock();
        if !route.takes_fast(Some(link.id)) {
            return None;
        }
        let waiting = PendingReply {
            user: user.clone(),
            session: route.session,
            id,
        };
        Some((app, user, waiting))
    }

    /// Marks `link` heard from and returns the session it carries, if any.
    fn fast_binding(&self, link: &LinkEnd) -> Option<(Arc<str>, Arc<str>, RouteCell)> {
        // Every frame is a sign of life, whichever path takes it.
        link.cell.heard_at(self.inner.stamp());
        let binding = link.cell.binding.lock();
        let b = binding.as_ref()?;
        Some((b.app.clone(), b.user.clone(), b.route.clone()))
    }

    fn fast_ack(&self, link: &LinkEnd, seq: StreamSeq) -> Result<(), ()> {
        let (app, _, route) = self.fast_binding(link).ok_or(())?;
        let replies = {
            let mut route = route.lock();
            if !route.takes_fast(Some(link.id)) {
                return Err(());
            }
            route.drop_acked(seq)
        };
        self.count_fast_frame();
        for reply in replies {
            self.fast_answer(&app, reply, PeerDelivery::Received);
        }
        Ok(())
    }

    /// Answers a waiting sender on its session's link; through the slow path when that
    /// session's route is closed (it may be moving to another link).
    fn fast_answer(&self, app: &str, reply: PendingReply, delivery: PeerDelivery) {
        // No route: the sender's session ended, and nobody waits for the answer.
        let Some(route) = self.inner.directory.get(app, &reply.user) else {
            return;
        };
        {
            let route = route.lock();
            if route.ended || route.session != reply.session {
                return;
            }
            if route.open {
                let _ = route.down.send(Down::Reply {
                    id: reply.id,
                    result: Ok(Reply::PeerSent(delivery)),
                });
                return;
            }
        }
        // Never with a route's lock held: the state lock comes first.
        self.inner.lock().answer(app, reply, delivery);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtm::RtmMessage;
    use crate::system::SystemConfig;
    use crate::transport::protocol::Failure;
    use crate::transport::DownReceiver;
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
        match alice_down.try_recv() {
            Some(Down::Reply {
                id: 3,
                result: Err(Failure { code, .. }),
            }) => assert_eq!(code, crate::rtm::PeerMessageErrCode::PeerUnreachable as i32),
            other => panic!("alice should be told nobody is unreachable, got {other:?}"),
        }

        // Once a link was cut or delayed anywhere, faults apply to every frame.
        system.delay_user(APP, "carol", Duration::from_millis(5));
        system.handle(&alice, send_peer(4, "bob", "slow")).unwrap();
        assert_eq!(fast(), 2);
        assert!(matches!(bob_down.try_recv(), Some(Down::Stream { .. })));
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
            let route = system.inner.directory.get(APP, "bob").expect("bob's route");
            assert!(!route.lock().open, "open before the state lock is let go");
        }
        let route = system.inner.directory.get(APP, "bob").expect("bob's route");
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
        let route = system.inner.directory.get(APP, "bob").expect("bob's route");
        system
            .handle(
                &bob,
                Up::Request {
                    id: 2,
                    body: Request::Logout,
                },
            )
            .unwrap();
        assert!(route.lock().ended);
        assert!(system.inner.directory.get(APP, "bob").is_none());
        assert!(bob.cell.binding.lock().is_none());
    }
}
