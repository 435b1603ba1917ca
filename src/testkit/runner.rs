//! Running a scenario deterministically: one current-thread tokio runtime with a paused clock,
//! built by the runner itself; one isolated RTM system; one legacy instance per client with
//! inline callbacks on that runtime. Every timer (20 s invitation wait, 30 s grace, 60 s
//! expiry, reconnect retries) runs in virtual time, so a run takes milliseconds.

use super::calls;
use super::diff::{compare, Diff};
use super::expr::{Expr, Term};
use super::faults;
use super::recorder::Recorder;
use super::scenario::{Scenario, Step};
use crate::mapping::LegacyMethod;
use crate::signaling::{CallbackMode, LegacyEvent, Signaling, SignalingConfig};
use crate::system::{System, SystemConfig};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The RTM system's clock starts here in every run (ms since the Unix epoch), so server
/// timestamps are the same on every run.
const EPOCH_MS: u64 = 1_600_000_000_000;

/// What each client saw, in client order. An entry is a callback (`onChannelJoined("ch")`), a
/// `mark("…")` step, or the return value of a call that has one (`get_status() -> 2`);
/// `onLog` callbacks are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transcripts {
    clients: Vec<(String, Vec<Expr>)>,
}

impl Transcripts {
    /// The transcript of `client`.
    pub fn get(&self, client: &str) -> Option<&Vec<Expr>> {
        self.clients
            .iter()
            .find(|(name, _)| name == client)
            .map(|(_, entries)| entries)
    }

    /// Adds (or replaces) the transcript of `client`.
    pub fn push(&mut self, client: &str, entries: Vec<Expr>) {
        match self.clients.iter_mut().find(|(name, _)| name == client) {
            Some(slot) => slot.1 = entries,
            None => self.clients.push((client.to_string(), entries)),
        }
    }

    /// Every client with its transcript, in client order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[Expr])> {
        self.clients
            .iter()
            .map(|(name, entries)| (name.as_str(), entries.as_slice()))
    }

    /// The transcript of `client` as text lines.
    pub fn lines(&self, client: &str) -> Vec<String> {
        self.get(client)
            .map(|entries| entries.iter().map(Expr::to_string).collect())
            .unwrap_or_default()
    }
}

impl fmt::Display for Transcripts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, entries) in &self.clients {
            writeln!(f, "client \"{name}\":")?;
            for (i, entry) in entries.iter().enumerate() {
                writeln!(f, "  {:>3}  {entry}", i + 1)?;
            }
        }
        Ok(())
    }
}

/// A scenario that could not be run to the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunError {
    /// The tokio runtime could not be built.
    Runtime(String),
    /// A step could not be carried out (a fault the system cannot inject, for one).
    Step {
        /// The 1-based step number.
        step: usize,
        /// Why.
        what: String,
    },
    /// The scenario has no `[expect]` section to check against.
    NoExpectations,
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Runtime(e) => write!(f, "cannot build the tokio runtime: {e}"),
            RunError::Step { step, what } => write!(f, "step {step}: {what}"),
            RunError::NoExpectations => {
                f.write_str("the scenario has no [expect] section; record one with `--record`")
            }
        }
    }
}

impl std::error::Error for RunError {}

/// The result of checking a scenario.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Every client saw what was expected.
    Pass(Transcripts),
    /// Some client did not; the diff says where.
    Fail {
        /// What the clients saw.
        transcripts: Transcripts,
        /// How it differs from the expectation.
        diff: Diff,
    },
    /// The scenario is marked `pending`; it was not run. The reason.
    Pending(String),
}

impl Outcome {
    /// True for [`Outcome::Pass`].
    pub fn passed(&self) -> bool {
        matches!(self, Outcome::Pass(_))
    }
}

/// Runs `scenario` and checks the transcripts against its expectations. A `pending` scenario is
/// not run.
///
/// Builds its own runtime: call it from ordinary (non-async) code.
pub fn check(scenario: &Scenario) -> Result<Outcome, RunError> {
    if let Some(reason) = &scenario.pending {
        return Ok(Outcome::Pending(reason.clone()));
    }
    let expect = scenario.expect.as_ref().ok_or(RunError::NoExpectations)?;
    let transcripts = run(scenario)?;
    Ok(match compare(expect, &transcripts, &scenario.app_id) {
        Ok(()) => Outcome::Pass(transcripts),
        Err(diff) => Outcome::Fail { transcripts, diff },
    })
}

/// Runs the steps of `scenario` and returns what each client saw. Deterministic: the same
/// scenario gives the same transcripts on every run (generated message ids aside, which differ
/// between runs of one process and are matched by placeholders).
///
/// Builds its own runtime: call it from ordinary (non-async) code.
pub fn run(scenario: &Scenario) -> Result<Transcripts, RunError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .map_err(|e| RunError::Runtime(e.to_string()))?;
    runtime.block_on(run_steps(scenario))
}

/// One client while a scenario runs.
struct Live {
    name: String,
    sig: Signaling,
    recorder: Arc<Recorder>,
    /// Marks and return values, each with the number of recorded events before it.
    notes: Vec<(usize, Expr)>,
    /// The account of the client's last login call.
    account: Option<String>,
}

impl Live {
    fn note(&mut self, entry: Expr) {
        let at = self.recorder.events().len();
        self.notes.push((at, entry));
    }

    /// The recorded events without `onLog`, with the notes in their places.
    fn transcript(&self) -> Vec<Expr> {
        let events = self.recorder.events();
        let mut notes = self.notes.iter().peekable();
        let mut out = Vec::new();
        for (i, event) in events.iter().enumerate() {
            while let Some((_, note)) = notes.next_if(|(at, _)| *at <= i) {
                out.push(note.clone());
            }
            if !matches!(event, LegacyEvent::Log { .. }) {
                out.push(event_expr(event));
            }
        }
        out.extend(notes.map(|(_, note)| note.clone()));
        out
    }
}

/// A recorded callback as an expression (its legacy-style `Display`, parsed).
pub(crate) fn event_expr(event: &LegacyEvent) -> Expr {
    let text = event.to_string();
    super::expr::parse_expr(&text).unwrap_or_else(|e| Expr {
        // Cannot happen for the event printer's grammar; kept readable if it ever does.
        name: event.legacy_name().to_string(),
        args: vec![Term::Str(format!("unparsable {text:?}: {e}"))],
        ret: None,
    })
}

fn system_config(scenario: &Scenario) -> SystemConfig {
    let mut config = SystemConfig {
        epoch_ms: Some(EPOCH_MS),
        ..SystemConfig::default()
    };
    let s = &scenario.system;
    if let Some(d) = s.invitation_peer_wait {
        config.invitation_peer_wait = d;
    }
    if let Some(d) = s.invitation_expiry {
        config.invitation_expiry = d;
    }
    if let Some(d) = s.channel_attributes_wipe_after {
        config.channel_attributes_wipe_after = d;
    }
    if let Some(d) = s.member_count_interval {
        config.member_count_interval = d;
    }
    if let Some(d) = s.unreachable_after {
        config.unreachable_after = d;
    }
    if let Some(d) = s.presence_grace {
        config.presence_grace = d;
    }
    config
}

async fn run_steps(scenario: &Scenario) -> Result<Transcripts, RunError> {
    let system = System::new(system_config(scenario));
    let handle = tokio::runtime::Handle::current();
    let mut clients: Vec<Live> = scenario
        .clients
        .iter()
        .map(|c| {
            let mut config = SignalingConfig::default()
                .system(&system)
                .callback_mode(CallbackMode::Inline)
                .runtime(handle.clone())
                .multi_channel(c.multi_channel);
            if let Some(template) = c.token_provider.clone() {
                config = config.token_provider(move |_app: &str, account: &str| {
                    Some(template.replace("{account}", account))
                });
            }
            let sig = Signaling::create_instance(config);
            let recorder = Recorder::new();
            sig.callback_set(Some(recorder.clone()));
            Live {
                name: c.name.clone(),
                sig,
                recorder,
                notes: Vec::new(),
                account: None,
            }
        })
        .collect();
    let index = |name: &str, clients: &[Live]| clients.iter().position(|c| c.name == name);

    for (n, step) in scenario.steps.iter().enumerate() {
        match step {
            Step::Call {
                client,
                call,
                method,
                wait,
            } => {
                let Some(i) = index(client, &clients) else {
                    continue;
                };
                let live = &mut clients[i];
                if matches!(method, LegacyMethod::Login | LegacyMethod::Login2) {
                    if let Some(Term::Str(account)) = call.args.get(1) {
                        live.account = Some(account.clone());
                    }
                }
                let returned = calls::perform(
                    *method,
                    &call.args,
                    &scenario.app_id,
                    &live.sig,
                    &live.recorder,
                );
                if let Some(value) = returned {
                    live.note(Expr {
                        name: call.name.clone(),
                        args: call.args.clone(),
                        ret: Some(value),
                    });
                }
                tokio::time::sleep(wait.unwrap_or(scenario.pace)).await;
            }
            Step::Wait(d) => tokio::time::sleep(*d).await,
            Step::Mark { client, text } => {
                let mark = Expr {
                    name: "mark".into(),
                    args: vec![Term::Str(text.clone())],
                    ret: None,
                };
                for live in clients.iter_mut() {
                    if client.as_deref().is_none_or(|c| c == live.name) {
                        live.note(mark.clone());
                    }
                }
            }
            Step::Fault { fault, wait } => {
                let account_of = |client: &str| {
                    clients
                        .iter()
                        .find(|c| c.name == client)
                        .and_then(|c| c.account.clone())
                };
                let names: Vec<String> = clients.iter().map(|c| c.name.clone()).collect();
                faults::inject(&system, &scenario.app_id, fault, &names, &account_of)
                    .map_err(|what| RunError::Step { step: n + 1, what })?;
                tokio::time::sleep(wait.unwrap_or(scenario.pace)).await;
            }
        }
    }
    tokio::time::sleep(scenario.pace).await;

    let mut transcripts = Transcripts::default();
    for live in &clients {
        transcripts.push(&live.name, live.transcript());
    }
    for live in &clients {
        live.sig.destroy();
    }
    tokio::time::sleep(Duration::from_millis(1)).await;
    Ok(transcripts)
}
