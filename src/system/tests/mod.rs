//! The system's rules on the state alone, in explicit time: no tokio runtime, no transport, no
//! clock. A [`Bench`] opens links, hands frames to the state with the time they arrive
//! ([`System::handle_at`]), fires the timers due as it moves its own clock on
//! ([`System::fire_due`]), and plays each client's part the way a real one does: a live client
//! pings every second and acknowledges its stream; a silent one (its network cut) does neither.

mod attributes;
mod directory;
mod invitations;
mod offline;
mod presence;
mod redelivery;
mod sessions;

use super::{ConnId, System, SystemConfig};
use crate::proto::link::{Down, Event, Failure, Reply, Request, RequestId, Up};
use crate::proto::DownReceiver;
use std::time::Duration;
use tokio::time::Instant;

pub(super) const APP: &str = "0123456789abcdef0123456789abcdef";

/// One client's end of a link.
struct Client {
    conn: ConnId,
    down: DownReceiver,
    /// Pings and acknowledges (false: its network is cut, nothing it sends arrives).
    live: bool,
    /// What arrived and the test has not looked at yet (pongs left out).
    inbox: Vec<Down>,
    /// The session it logged in to.
    session: Option<crate::proto::link::SessionId>,
}

/// Which client of a bench.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct C(usize);

pub(super) struct Bench {
    system: System,
    start: Instant,
    now: Instant,
    clients: Vec<Client>,
    next_request: RequestId,
}

impl Drop for Bench {
    fn drop(&mut self) {
        // Nothing a test did not look at is lost silently: left-over answers mean a test
        // missed something.
        if !std::thread::panicking() {
            for (i, c) in self.clients.iter().enumerate() {
                let replies = c
                    .inbox
                    .iter()
                    .filter(|d| matches!(d, Down::Reply { .. }))
                    .count();
                assert_eq!(
                    replies, 0,
                    "client {i} has answers no test looked at: {:?}",
                    c.inbox
                );
            }
        }
    }
}

impl Bench {
    pub fn new() -> Bench {
        Bench::with(SystemConfig::default())
    }

    pub fn with(config: SystemConfig) -> Bench {
        let config = SystemConfig {
            epoch_ms: Some(1_700_000_000_000),
            ..config
        };
        let system = System::new(config);
        system.register_app(APP);
        let start = system.inner.started;
        let bench = Bench {
            system,
            start,
            now: start,
            clients: Vec::new(),
            next_request: 1,
        };
        // The state's clock starts where the bench's does.
        bench.system.inner.state.lock().now = super::state::Now(start);
        bench
    }

    /// Time since the bench started.
    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    /// Opens a link.
    pub fn connect(&mut self) -> C {
        let (end, down) = self.system.connect_at(self.now);
        self.clients.push(Client {
            conn: end.id,
            down,
            live: true,
            inbox: Vec::new(),
            session: None,
        });
        C(self.clients.len() - 1)
    }

    /// Sends `up` from `c` now (lost if its network is cut).
    pub fn send(&mut self, c: C, up: Up) {
        if self.clients[c.0].live {
            let conn = self.clients[c.0].conn;
            let _ = self.system.handle_at(self.now, conn, up);
        }
        self.pump();
    }

    /// Sends a request from `c`; returns its id.
    pub fn request(&mut self, c: C, body: Request) -> RequestId {
        let id = self.next_request;
        self.next_request += 1;
        self.send(c, Up::Request { id, body });
        id
    }

    /// Sends a request and returns its answer, which must come at once.
    pub fn call(&mut self, c: C, body: Request) -> Result<Reply, Failure> {
        let id = self.request(c, body);
        self.reply(c, id)
            .unwrap_or_else(|| panic!("no answer to request {id} at {:?}", self.elapsed()))
    }

    /// A new link logged in as `user`.
    pub fn login(&mut self, user: &str) -> C {
        let c = self.connect();
        let reply = self.call(
            c,
            Request::Login {
                app_id: APP.into(),
                user_id: user.into(),
                token: None,
            },
        );
        match reply {
            Ok(Reply::LoggedIn { session }) => self.clients[c.0].session = Some(session),
            other => panic!("login of {user}: {other:?}"),
        }
        c
    }

    /// The session `c` logged in to.
    pub fn session(&self, c: C) -> crate::proto::link::SessionId {
        self.clients[c.0].session.expect("logged in")
    }

    /// A new link resuming `user`'s `session`, with the channels it was in and the last
    /// message it saw in each; the link and the answer.
    pub fn resume(
        &mut self,
        user: &str,
        session: crate::proto::link::SessionId,
        channels: &[(&str, crate::proto::link::ChannelSeq)],
    ) -> (C, Result<Reply, Failure>) {
        let c = self.connect();
        let answer = self.call(
            c,
            Request::Resume(Box::new(crate::proto::link::ResumeRequest {
                app_id: APP.into(),
                user_id: user.into(),
                token: None,
                session,
                seen: 0,
                channels: channels.iter().map(|(n, s)| (n.to_string(), *s)).collect(),
                attributes: vec![],
                subscriptions: vec![],
            })),
        );
        (c, answer)
    }

    /// Cuts (`false`) or restores (`true`) the network of `c`.
    pub fn set_live(&mut self, c: C, live: bool) {
        self.clients[c.0].live = live;
    }

    /// Moves the clock on by `by`: live clients ping every second, timers fire at their time.
    pub fn advance(&mut self, by: Duration) {
        let target = self.now + by;
        while self.now < target {
            // Nobody to ping: straight to the target, timers firing on the way.
            let pings = self.clients.iter().any(|c| c.live);
            let step = if pings {
                (target - self.now).min(Duration::from_secs(1))
            } else {
                target - self.now
            };
            self.run_timers_until(self.now + step);
            let live: Vec<C> = (0..self.clients.len())
                .filter(|&i| self.clients[i].live)
                .map(C)
                .collect();
            for c in live {
                self.send(c, Up::Ping);
            }
        }
    }

    /// Moves the clock on to `start + at`.
    pub fn advance_to(&mut self, at: Duration) {
        let target = self.start + at;
        assert!(target >= self.now, "the bench's clock does not go back");
        self.advance(target - self.now);
    }

    /// Fires every timer due up to `target`, each at its own time, then sets the clock there.
    fn run_timers_until(&mut self, target: Instant) {
        loop {
            match self.system.fire_due(self.now) {
                Some(at) if at <= target => self.now = self.now.max(at),
                _ => break,
            }
            self.pump();
        }
        self.now = target;
        self.system.fire_due(self.now);
        self.pump();
    }

    /// Takes what reached every client; live clients acknowledge stream events.
    fn pump(&mut self) {
        let mut acks = Vec::new();
        let mut any = false;
        for (i, client) in self.clients.iter_mut().enumerate() {
            while let Some(down) = client.down.try_recv() {
                any = true;
                if !client.live {
                    // A cut network loses what the system sends, too.
                    continue;
                }
                match down {
                    Down::Pong => {}
                    Down::Stream { seq, .. } => {
                        acks.push((i, seq));
                        client.inbox.push(down);
                    }
                    other => client.inbox.push(other),
                }
            }
        }
        for (i, seq) in acks {
            let conn = self.clients[i].conn;
            let _ = self.system.handle_at(self.now, conn, Up::Ack { seq });
        }
        // What the acknowledgements set off (answers to senders) is taken too.
        if any {
            self.pump();
        }
    }

    /// The answer to request `id` of `c`, if it came.
    pub fn reply(&mut self, c: C, id: RequestId) -> Option<Result<Reply, Failure>> {
        let inbox = &mut self.clients[c.0].inbox;
        let at = inbox
            .iter()
            .position(|d| matches!(d, Down::Reply { id: got, .. } if *got == id))?;
        match inbox.remove(at) {
            Down::Reply { result, .. } => Some(result),
            _ => unreachable!(),
        }
    }

    /// The events (stream or not) that reached `c` since last asked, in order.
    pub fn events(&mut self, c: C) -> Vec<Event> {
        let inbox = &mut self.clients[c.0].inbox;
        let mut events = Vec::new();
        inbox.retain(|d| match d {
            Down::Event(e) | Down::Stream { event: e, .. } => {
                events.push(e.clone());
                false
            }
            _ => true,
        });
        events
    }
}

/// A text message.
pub(super) fn text(t: &str) -> crate::proto::RtmMessage {
    crate::proto::RtmMessage::from_text(t)
}

/// Seconds, for short test lines.
pub(super) fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}
