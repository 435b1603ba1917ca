//! Regression kit for legacy callback flows (feature `testkit`).
//!
//! Keep the callback flows of a legacy Signaling app under regression tests while it migrates:
//! write down "client A does this, B does that, the network drops here — and each client sees
//! exactly these callbacks in this order", run it in milliseconds of wall time, the same way on
//! every run, and record the flows the app has today.
//!
//! - [`Recorder`] records every callback of one instance as a
//!   [`LegacyEvent`](crate::signaling::LegacyEvent), with waiting helpers in tokio time.
//! - [`Scenario`] is a flow written as a TOML file; [`check`] runs it and compares what each
//!   client saw with what it expects, and [`Diff`] says where they differ; [`record_file`]
//!   writes what the clients saw back into the file as the expectations.
//! - `cargo run --example replay -- FILE…` does both from the command line (`--record`).
//!
//! # Running a scenario
//!
//! [`run`] builds its own current-thread tokio runtime with a paused clock, an isolated
//! [`System`](crate::system::System), and one legacy instance per client with
//! [`CallbackMode::Inline`](crate::signaling::CallbackMode) on that runtime. Virtual time only
//! moves when every task is idle, and then straight to the next timer, so the 20 s invitation
//! wait or the 60 s invitation expiry take microseconds, whatever the machine's load. Call it
//! from ordinary code, not from inside an async runtime.
//!
//! ```
//! use sig2rtm::testkit::{check, Outcome, Scenario};
//!
//! let scenario = Scenario::parse(r#"
//! title = "A peer message"
//! covers = ["F5"]
//!
//! [[client]]
//! name = "A"
//! [[client]]
//! name = "B"
//!
//! [[step]]
//! client = "A"
//! call = 'login2($app, "A", "_no_need_token", 0, "", 30, 3)'
//! [[step]]
//! client = "B"
//! call = 'login2($app, "B", "_no_need_token", 0, "", 30, 3)'
//! [[step]]
//! client = "A"
//! call = 'message_instant_send("B", 0, "yo", "")'
//!
//! [expect]
//! A = ['onLoginSuccess($uid(A), _)', 'onMessageSendSuccess($id)']
//! B = ['onLoginSuccess($uid(B), _)', 'onMessageInstantReceive("A", 0, "yo")']
//! "#).unwrap();
//! match check(&scenario).unwrap() {
//!     Outcome::Pass(_) => {}
//!     Outcome::Fail { diff, .. } => panic!("{diff}"),
//!     Outcome::Pending(why) => println!("pending: {why}"),
//! }
//! ```
//!
//! # The scenario format
//!
//! A scenario is a TOML file. Comments are welcome anywhere; record mode keeps everything
//! before `[expect]`.
//!
//! ```toml
//! title = "F4: channel join, user list, message with echo, attribute, leave"  # required
//! covers = ["F4", "C1", "C5"]   # flows and contract rules it shows (for people and reports)
//! # pending = "why it cannot run yet"   # skipped by runners, reported as PENDING
//! # app_id = "0123456789abcdef0123456789abcdef"   # what `$app` stands for (this default)
//! # pace = "10ms"               # virtual time let pass after every call and fault
//!
//! # [system]                    # RTM system timers to change (RTM 1.x defaults otherwise)
//! # invitation_peer_wait = "30s"
//! # invitation_expiry = "60s"
//! # channel_attributes_wipe_after = "120s"
//! # member_count_interval = "1s"
//! # unreachable_after = "6s"
//! # presence_grace = "30s"
//!
//! [[client]]                    # one legacy instance per client, compared in this order
//! name = "A"                    # letters, digits, `_`, `-`
//! # multi_channel = true        # policy C2 (default: one channel at a time)
//! # token_provider = "rtm-{account}"  # rules S1, S7: a provider answering this token
//!
//! [[step]]                      # a legacy call; then `wait` (default: pace) of virtual time
//! client = "A"
//! call = 'login2($app, "A", "_no_need_token", 0, "", 30, 3)'
//! # wait = "0ms"                # issue the next step in the same instant
//!
//! [[step]]
//! wait = "20s"                  # let 20 s of virtual time pass
//!
//! [[step]]
//! mark = "20 s later"           # puts mark("20 s later") into every transcript
//! # client = "A"               # … or only into A's
//!
//! [[step]]
//! fault = "cut_link"            # see "Faults" below
//! client = "A"
//! for = "5s"
//!
//! [expect]                      # one list per client, in the order of its callbacks
//! A = [
//!   'onLoginSuccess($uid(A), 1)',
//!   { any_order = ['onChannelUserJoined("B", $uid(B))', 'onChannelUserJoined("C", $uid(C))'] },
//!   'mark("20 s later")',
//! ]
//! ```
//!
//! **Calls** are written like the legacy call they are, with the Rust name (`channel_join`) or
//! the legacy name (`channelJoin`) and the arguments of the facade method in order: strings in
//! double quotes with Rust escapes (`"{\"_timeout\":5}"`), numbers, `true` / `false`. `$app` is
//! the App ID and `$uid(account)` the shim's uid of an account. Methods that return a value
//! (`get_status()`, `is_online()`, `get_sdk_version()`, `callback_get()`) put it into the
//! client's transcript: `get_status() -> 2`. `callback_set(false)` removes the client's handler
//! and `callback_set(true)` installs it again.
//!
//! **Expected transcripts** list, per client, every callback it sees (`onLog` excluded) as the
//! callback prints itself ([`LegacyEvent`](crate::signaling::LegacyEvent)'s `Display`:
//! `onChannelJoined("ch")`), with the marks and return values in their places. The rules:
//!
//! - A client's transcript is ordered: entry n is the n-th callback, no more, no fewer.
//! - `{ any_order = [...] }` stands for the next callbacks in any order, for events whose
//!   relative order the contract leaves open.
//! - `_` matches any value.
//! - `$uid(account)` is the uid the shim gives `account` (rule N4): the same number everywhere.
//! - `$name` (`$msgid1`, `$call`) matches any value the first time it is met — clients are
//!   checked in the order they are declared, each from its first callback — and that value
//!   everywhere after, in every client's transcript. Two different placeholders never stand for
//!   the same value, so `$msgid1` and `$msgid2` prove two distinct ids.
//! - `$app` is the App ID.
//!
//! **Faults** (`fault = "…"`, carried out on the embedded RTM system): `cut_link` (`client`,
//! optional `for`: the client's network is down for that long, or until `restore`), `cut_all`
//! (optional `for`), `delay` (`by`, optional `client`: added latency each way), `expire_token`
//! (`client`), `ban` / `unban` (`client`), `restore` (optional `client`: lifts cuts and delays).
//! A fault aimed at a client needs that client's account, so it comes after the client's
//! `login` / `login2` step.
//!
//! # Determinism
//!
//! Calls run in order on one thread; each is followed by `pace` of virtual time, during which
//! everything it caused runs to completion. The system's clock starts at a fixed instant. The
//! one thing that changes between runs of a process is the message ids the shim generates for
//! an empty `msgID` (rule M2), which `$msgid…` placeholders absorb; [`normalize`] gives the
//! transcripts in that run-independent form.
//!
//! # Record mode
//!
//! [`record`] / [`record_file`] (and `replay --record`) run the steps and write the
//! `[expect]` section from what the clients saw, replacing the old one or appending a new one;
//! everything before it stays as written. Uids become `$uid(account)` and generated message
//! ids `$msgid1`, `$msgid2`, …; a client whose old expectation still matches keeps it, with its
//! any-order groups and placeholder names.

mod calls;
mod diff;
mod expr;
mod faults;
mod matching;
mod record;
mod recorder;
mod runner;
mod scenario;

pub use diff::{compare, Diff};
pub use expr::{parse_expr, Expr, ParseError, Term};
pub use matching::Mismatch;
pub use record::{normalize, record, record_file, RecordError, Recording};
pub use recorder::Recorder;
pub use runner::{check, run, Outcome, RunError, Transcripts};
pub use scenario::{
    format_duration, parse_duration, Client, Expected, Fault, Scenario, ScenarioError, Step,
    SystemSettings, DEFAULT_APP_ID, DEFAULT_PACE,
};
