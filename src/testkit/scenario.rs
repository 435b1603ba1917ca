//! The scenario file format (TOML): the clients, their legacy calls in order with virtual-time
//! waits, faults, and the transcript each client is expected to see. The format is described in
//! the [module docs](crate::testkit); this file parses and checks it.

use super::calls;
use super::expr::{parse_expr, Expr, Term};
use crate::mapping::LegacyMethod;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The App ID scenarios use unless they set `app_id`.
pub const DEFAULT_APP_ID: &str = "0123456789abcdef0123456789abcdef";

/// The virtual time the runner lets pass after each call unless the scenario sets `pace`.
pub const DEFAULT_PACE: Duration = Duration::from_millis(10);

/// A parsed and checked scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Where it was read from, when it came from a file.
    pub path: Option<PathBuf>,
    /// What the scenario shows, in one line.
    pub title: String,
    /// The flows and contract rules it covers (`"F4"`, `"C1"`), for people and reports.
    pub covers: Vec<String>,
    /// Set when the scenario cannot run yet; says why. Runners skip it and report it.
    pub pending: Option<String>,
    /// The App ID every `$app` stands for.
    pub app_id: String,
    /// Virtual time let pass after every call (a step's own `wait` replaces it).
    pub pace: Duration,
    /// Timers of the embedded RTM system that the scenario changes.
    pub system: SystemSettings,
    /// The clients, in the order their transcripts are compared.
    pub clients: Vec<Client>,
    /// What happens, in order.
    pub steps: Vec<Step>,
    /// The expected transcript of each client (in client order), or `None` when the file has
    /// no `[expect]` section yet (record it with `--record`).
    pub expect: Option<Vec<(String, Vec<Expected>)>>,
    /// The file's text, kept so that record mode can rewrite only the expectations.
    pub source: String,
}

/// One legacy instance of a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// The name steps and expectations use (`A`, `B`, `alice-phone`).
    pub name: String,
    /// Policy C2: `true` lets the client be in several channels at once.
    pub multi_channel: bool,
    /// Rules S1 and S7: when set, the client has a token provider that answers this text, with
    /// `{account}` replaced by the account, as the RTM token of any account.
    pub token_provider: Option<String>,
}

/// Timers of the embedded RTM system a scenario may change (`[system]`); unset ones keep the
/// RTM 1.x defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemSettings {
    /// How long an invitation waits for an offline callee, or for an ACK (30 s).
    pub invitation_peer_wait: Option<Duration>,
    /// How long a received invitation may stay unanswered (60 s).
    pub invitation_expiry: Option<Duration>,
    /// How long the attributes of an empty channel are kept (120 s).
    pub channel_attributes_wipe_after: Option<Duration>,
    /// Least time between member-count updates (1 s).
    pub member_count_interval: Option<Duration>,
    /// How long a silent link takes to make its user UNREACHABLE (6 s).
    pub unreachable_after: Option<Duration>,
    /// How long a silent session lasts before the user leaves everything (30 s).
    pub presence_grace: Option<Duration>,
}

/// One step of a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A legacy call on a client, then `wait` (or the scenario's pace) of virtual time.
    Call {
        /// The client that calls.
        client: String,
        /// The call as written.
        call: Expr,
        /// The method it names.
        method: LegacyMethod,
        /// Virtual time to let pass afterwards, when not the scenario's pace.
        wait: Option<Duration>,
    },
    /// Let virtual time pass.
    Wait(Duration),
    /// Put `mark("text")` into the transcript of one client, or of every client, to pin where
    /// callbacks fall relative to the steps (for timers, say).
    Mark {
        /// The client, or `None` for every client.
        client: Option<String>,
        /// The text of the mark.
        text: String,
    },
    /// A network or server fault (needs the system's fault-injection API).
    Fault {
        /// What goes wrong.
        fault: Fault,
        /// Virtual time to let pass afterwards, when not the scenario's pace.
        wait: Option<Duration>,
    },
}

/// A fault a scenario injects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// `cut_link`: the client's network is down for `for`, or until `restore` when `for` is
    /// not given.
    CutLink {
        /// The client.
        client: String,
        /// How long, or `None` for "until restored".
        duration: Option<Duration>,
    },
    /// `cut_all`: the whole system is unreachable for `for`, or until `restore`.
    CutAll {
        /// How long, or `None` for "until restored".
        duration: Option<Duration>,
    },
    /// `delay`: what the system sends to the client (or to everyone) arrives `by` later.
    Delay {
        /// The client, or `None` for every client.
        client: Option<String>,
        /// The added latency.
        by: Duration,
    },
    /// `expire_token`: the client's token expires now.
    ExpireToken {
        /// The client.
        client: String,
    },
    /// `ban`: the server bans the client's account (its session ends, its logins fail).
    Ban {
        /// The client.
        client: String,
    },
    /// `unban`: lifts the ban of the client's account.
    Unban {
        /// The client.
        client: String,
    },
    /// `restore`: lifts the cuts and delays of the client (or of everyone).
    Restore {
        /// The client, or `None` for every client.
        client: Option<String>,
    },
}

impl Fault {
    /// The `fault = "…"` name.
    pub fn kind(&self) -> &'static str {
        match self {
            Fault::CutLink { .. } => "cut_link",
            Fault::CutAll { .. } => "cut_all",
            Fault::Delay { .. } => "delay",
            Fault::ExpireToken { .. } => "expire_token",
            Fault::Ban { .. } => "ban",
            Fault::Unban { .. } => "unban",
            Fault::Restore { .. } => "restore",
        }
    }

    /// The client the fault targets, if only one.
    pub fn client(&self) -> Option<&str> {
        match self {
            Fault::CutLink { client, .. }
            | Fault::ExpireToken { client }
            | Fault::Ban { client }
            | Fault::Unban { client } => Some(client),
            Fault::Delay { client, .. } | Fault::Restore { client } => client.as_deref(),
            Fault::CutAll { .. } => None,
        }
    }
}

/// One entry of an expected transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// Exactly this callback (or mark, or return value) at this position.
    Line(Expr),
    /// These callbacks, at the next positions, in any order.
    AnyOrder(Vec<Expr>),
}

impl Expected {
    /// How many transcript positions the entry covers.
    pub fn len(&self) -> usize {
        match self {
            Expected::Line(_) => 1,
            Expected::AnyOrder(group) => group.len(),
        }
    }

    /// True for an empty any-order group.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A scenario that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file, when there is one.
    pub path: Option<PathBuf>,
    /// What is wrong, and where in the scenario.
    pub what: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) => write!(f, "{}: {}", path.display(), self.what),
            None => f.write_str(&self.what),
        }
    }
}

impl std::error::Error for ScenarioError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    title: String,
    #[serde(default)]
    covers: Vec<String>,
    pending: Option<String>,
    app_id: Option<String>,
    pace: Option<String>,
    #[serde(default)]
    system: RawSystem,
    #[serde(default, rename = "client")]
    clients: Vec<RawClient>,
    #[serde(default, rename = "step")]
    steps: Vec<RawStep>,
    expect: Option<toml::Table>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSystem {
    invitation_peer_wait: Option<String>,
    invitation_expiry: Option<String>,
    channel_attributes_wipe_after: Option<String>,
    member_count_interval: Option<String>,
    unreachable_after: Option<String>,
    presence_grace: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClient {
    name: String,
    #[serde(default)]
    multi_channel: bool,
    token_provider: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    client: Option<String>,
    call: Option<String>,
    wait: Option<String>,
    mark: Option<String>,
    fault: Option<String>,
    #[serde(rename = "for")]
    duration: Option<String>,
    by: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawExpected {
    Line(String),
    Group { any_order: Vec<String> },
}

/// Parses a duration such as `"20s"`, `"150ms"`, `"1.5s"` or `"2m"`, exactly (decimal digits
/// below a nanosecond are dropped).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (number, unit) = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map(|i| t.split_at(i))
        .ok_or_else(|| format!("`{text}` needs a unit: ms, s or m (\"20s\", \"150ms\")"))?;
    let nanos_per_unit: u128 = match unit.trim() {
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" | "min" => 60_000_000_000,
        other => return Err(format!("`{text}`: unknown unit `{other}` (use ms, s or m)")),
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if (whole.is_empty() && fraction.is_empty()) || fraction.contains('.') {
        return Err(format!(
            "`{text}` is not a duration such as \"20s\" or \"150ms\""
        ));
    }
    let too_long = || format!("`{text}` is too long a duration");
    let mut nanos: u128 = 0;
    for d in whole.bytes() {
        nanos = nanos
            .checked_mul(10)
            .and_then(|n| n.checked_add(u128::from(d - b'0')))
            .ok_or_else(too_long)?;
    }
    nanos = nanos.checked_mul(nanos_per_unit).ok_or_else(too_long)?;
    // 20 decimals are finer than a nanosecond in every unit.
    let mut scale = nanos_per_unit * 10u128.pow(20);
    let mut part = 0;
    for d in fraction.bytes().take(20) {
        scale /= 10;
        part += u128::from(d - b'0') * scale;
    }
    nanos += part / 10u128.pow(20);
    let secs = u64::try_from(nanos / 1_000_000_000).map_err(|_| too_long())?;
    Ok(Duration::new(secs, (nanos % 1_000_000_000) as u32))
}

/// Writes a duration the way scenarios do (`"20s"`, `"150ms"`, `"2.5ms"`); what it writes
/// parses back to the same duration.
pub fn format_duration(d: Duration) -> String {
    let sub_ms = d.subsec_nanos() % 1_000_000;
    if d.subsec_nanos() == 0 && d.as_secs() > 0 {
        format!("{}s", d.as_secs())
    } else if sub_ms == 0 {
        format!("{}ms", d.as_millis())
    } else {
        let fraction = format!("{sub_ms:06}");
        format!("{}.{}ms", d.as_millis(), fraction.trim_end_matches('0'))
    }
}

fn valid_client_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl Scenario {
    /// Reads and checks a scenario file.
    pub fn load(path: impl AsRef<Path>) -> Result<Scenario, ScenarioError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
            path: Some(path.to_path_buf()),
            what: format!("cannot read the file: {e}"),
        })?;
        Scenario::parse(&text)
            .map_err(|e| ScenarioError {
                path: Some(path.to_path_buf()),
                what: e.what,
            })
            .map(|mut s| {
                s.path = Some(path.to_path_buf());
                s
            })
    }

    /// Parses and checks a scenario from its text.
    pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        let fail = |what: String| ScenarioError { path: None, what };
        let raw: RawScenario = toml::from_str(text).map_err(|e| fail(e.to_string()))?;
        let duration =
            |field: &str, v: &Option<String>| -> Result<Option<Duration>, ScenarioError> {
                v.as_deref()
                    .map(parse_duration)
                    .transpose()
                    .map_err(|e| fail(format!("{field}: {e}")))
            };

        let mut clients = Vec::new();
        let mut names = BTreeSet::new();
        for c in raw.clients {
            if !valid_client_name(&c.name) {
                return Err(fail(format!(
                    "client name `{}`: use letters, digits, `_` and `-` only",
                    c.name
                )));
            }
            if !names.insert(c.name.clone()) {
                return Err(fail(format!("client `{}` is declared twice", c.name)));
            }
            clients.push(Client {
                name: c.name,
                multi_channel: c.multi_channel,
                token_provider: c.token_provider,
            });
        }
        if clients.is_empty() {
            return Err(fail(
                "no clients: declare at least one `[[client]]` with a `name`".into(),
            ));
        }
        let known = |client: &str, at: &str| -> Result<String, ScenarioError> {
            if names.contains(client) {
                Ok(client.to_string())
            } else {
                Err(fail(format!(
                    "{at}: unknown client `{client}` (declared: {})",
                    names.iter().cloned().collect::<Vec<_>>().join(", ")
                )))
            }
        };

        let mut steps = Vec::new();
        for (i, s) in raw.steps.iter().enumerate() {
            let at = format!("step {}", i + 1);
            let wait = duration(&format!("{at} wait"), &s.wait)?;
            let kinds = [s.call.is_some(), s.mark.is_some(), s.fault.is_some()];
            if kinds.iter().filter(|k| **k).count() > 1 {
                return Err(fail(format!(
                    "{at}: a step is one of `call`, `mark`, `fault` or a bare `wait`"
                )));
            }
            let unused = |field: &str, present: bool| -> Result<(), ScenarioError> {
                if present {
                    Err(fail(format!(
                        "{at}: `{field}` does not belong in this step"
                    )))
                } else {
                    Ok(())
                }
            };
            if let Some(text) = &s.call {
                unused("for", s.duration.is_some())?;
                unused("by", s.by.is_some())?;
                let client = s
                    .client
                    .as_deref()
                    .ok_or_else(|| fail(format!("{at}: a call needs `client`")))?;
                let client = known(client, &at)?;
                let call =
                    parse_expr(text).map_err(|e| fail(format!("{at}: call `{text}`: {e}")))?;
                let method = calls::check(&call).map_err(|e| fail(format!("{at}: {e}")))?;
                steps.push(Step::Call {
                    client,
                    call,
                    method,
                    wait,
                });
            } else if let Some(text) = &s.mark {
                unused("for", s.duration.is_some())?;
                unused("by", s.by.is_some())?;
                unused("wait", s.wait.is_some())?;
                let client = s.client.as_deref().map(|c| known(c, &at)).transpose()?;
                steps.push(Step::Mark {
                    client,
                    text: text.clone(),
                });
            } else if let Some(kind) = &s.fault {
                let client = s.client.as_deref().map(|c| known(c, &at)).transpose()?;
                let needs_client = || {
                    client
                        .clone()
                        .ok_or_else(|| fail(format!("{at}: fault `{kind}` needs `client`")))
                };
                let until = || duration(&format!("{at} for"), &s.duration);
                let fault = match kind.as_str() {
                    "cut_link" => Fault::CutLink {
                        client: needs_client()?,
                        duration: until()?,
                    },
                    "cut_all" => {
                        unused("client", client.is_some())?;
                        Fault::CutAll { duration: until()? }
                    }
                    "delay" => Fault::Delay {
                        client,
                        by: duration(&format!("{at} by"), &s.by)?.ok_or_else(|| {
                            fail(format!("{at}: fault `delay` needs `by` (\"200ms\")"))
                        })?,
                    },
                    "expire_token" => Fault::ExpireToken {
                        client: needs_client()?,
                    },
                    "ban" => Fault::Ban {
                        client: needs_client()?,
                    },
                    "unban" => Fault::Unban {
                        client: needs_client()?,
                    },
                    "restore" => Fault::Restore { client },
                    other => {
                        return Err(fail(format!(
                            "{at}: unknown fault `{other}` (cut_link, cut_all, delay, \
                             expire_token, ban, unban, restore)"
                        )))
                    }
                };
                if !matches!(fault, Fault::CutLink { .. } | Fault::CutAll { .. }) {
                    unused("for", s.duration.is_some())?;
                }
                if !matches!(fault, Fault::Delay { .. }) {
                    unused("by", s.by.is_some())?;
                }
                steps.push(Step::Fault { fault, wait });
            } else {
                unused("client", s.client.is_some())?;
                unused("for", s.duration.is_some())?;
                unused("by", s.by.is_some())?;
                let wait = wait.ok_or_else(|| {
                    fail(format!(
                        "{at}: empty step (give `call`, `mark`, `fault` or `wait`)"
                    ))
                })?;
                steps.push(Step::Wait(wait));
            }
        }

        let expect = match raw.expect {
            None => None,
            Some(table) => {
                for key in table.keys() {
                    known(key, "[expect]")?;
                }
                let mut out = Vec::new();
                for client in &clients {
                    let Some(value) = table.get(&client.name) else {
                        return Err(fail(format!(
                            "[expect] has no transcript for client `{}` (write `{} = []` if it \
                             sees nothing)",
                            client.name, client.name
                        )));
                    };
                    let entries: Vec<RawExpected> = value.clone().try_into().map_err(|e| {
                        fail(format!(
                            "[expect] {}: a list of \"callback(…)\" lines and \
                             {{ any_order = [...] }} groups expected: {e}",
                            client.name
                        ))
                    })?;
                    let mut parsed = Vec::new();
                    for (i, entry) in entries.into_iter().enumerate() {
                        let line = |text: &str| {
                            parse_expr(text).map_err(|e| {
                                fail(format!(
                                    "[expect] {} entry {}: `{text}`: {e}",
                                    client.name,
                                    i + 1
                                ))
                            })
                        };
                        parsed.push(match entry {
                            RawExpected::Line(text) => Expected::Line(line(&text)?),
                            RawExpected::Group { any_order } => Expected::AnyOrder(
                                any_order
                                    .iter()
                                    .map(|t| line(t))
                                    .collect::<Result<_, _>>()?,
                            ),
                        });
                    }
                    out.push((client.name.clone(), parsed));
                }
                Some(out)
            }
        };

        let system = SystemSettings {
            invitation_peer_wait: duration(
                "system.invitation_peer_wait",
                &raw.system.invitation_peer_wait,
            )?,
            invitation_expiry: duration("system.invitation_expiry", &raw.system.invitation_expiry)?,
            channel_attributes_wipe_after: duration(
                "system.channel_attributes_wipe_after",
                &raw.system.channel_attributes_wipe_after,
            )?,
            member_count_interval: duration(
                "system.member_count_interval",
                &raw.system.member_count_interval,
            )?,
            unreachable_after: duration("system.unreachable_after", &raw.system.unreachable_after)?,
            presence_grace: duration("system.presence_grace", &raw.system.presence_grace)?,
        };

        Ok(Scenario {
            path: None,
            title: raw.title,
            covers: raw.covers,
            pending: raw.pending,
            app_id: raw.app_id.unwrap_or_else(|| DEFAULT_APP_ID.to_string()),
            pace: duration("pace", &raw.pace)?.unwrap_or(DEFAULT_PACE),
            system,
            clients,
            steps,
            expect,
            source: text.to_string(),
        })
    }

    /// The scenario's name for reports: its file name, or its title.
    pub fn label(&self) -> String {
        match &self.path {
            Some(p) => p.display().to_string(),
            None => self.title.clone(),
        }
    }

    /// Every account named by a string argument of a call: the candidates for `$uid(…)` when
    /// transcripts are recorded.
    pub(crate) fn call_strings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for step in &self.steps {
            if let Step::Call { call, .. } = step {
                for arg in &call.args {
                    if let Term::Str(s) = arg {
                        out.push(s.clone());
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
title = "two clients"
covers = ["F5"]

[[client]]
name = "A"
[[client]]
name = "B"

[[step]]
client = "A"
call = 'login2($app, "A", "_no_need_token", 0, "", 30, 3)'

[[step]]
wait = "20s"

[[step]]
mark = "later"

[[step]]
fault = "cut_link"
client = "A"
for = "5s"

[expect]
A = ['onLoginSuccess($uid(A), 0)', { any_order = ['mark("later")', 'onX()'] }]
B = []
"#;

    #[test]
    fn a_scenario_parses_into_steps_and_expectations() {
        let s = Scenario::parse(SMALL).unwrap();
        assert_eq!(s.clients.len(), 2);
        assert_eq!(s.steps.len(), 4);
        assert_eq!(s.steps[1], Step::Wait(Duration::from_secs(20)));
        assert!(matches!(
            &s.steps[3],
            Step::Fault { fault: Fault::CutLink { client, duration }, .. }
                if client == "A" && *duration == Some(Duration::from_secs(5))
        ));
        let expect = s.expect.unwrap();
        assert_eq!(expect[0].1.len(), 2);
        assert!(matches!(&expect[0].1[1], Expected::AnyOrder(g) if g.len() == 2));
        assert!(expect[1].1.is_empty());
    }

    #[test]
    fn mistakes_are_named() {
        let bad_client = SMALL.replace("client = \"A\"\ncall", "client = \"C\"\ncall");
        let err = Scenario::parse(&bad_client).unwrap_err();
        assert!(err.what.contains("unknown client `C`"), "{err}");
        let bad_call = SMALL.replace("login2($app", "login3($app");
        let err = Scenario::parse(&bad_call).unwrap_err();
        assert!(
            err.what.contains("step 1") && err.what.contains("login3"),
            "{err}"
        );
        let missing = SMALL.replace("B = []\n", "");
        let err = Scenario::parse(&missing).unwrap_err();
        assert!(err.what.contains("no transcript for client `B`"), "{err}");
        let unknown_field = SMALL.replace("wait = \"20s\"", "wiat = \"20s\"");
        assert!(Scenario::parse(&unknown_field).is_err());
    }

    #[test]
    fn durations_read_and_write() {
        assert_eq!(parse_duration("150ms"), Ok(Duration::from_millis(150)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("20").is_err());
        assert_eq!(format_duration(Duration::from_secs(20)), "20s");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1500ms");
    }

    #[test]
    fn durations_parse_exactly_and_print_back_the_same() {
        assert_eq!(parse_duration(".5s"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.s"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_duration("0.1s"), Ok(Duration::from_millis(100)));
        assert_eq!(parse_duration("1.5 min"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("0.0000000019s"), Ok(Duration::from_nanos(1)));
        for text in ["2.5ms", "2.50ms", "1.000001ms", "0.000001ms"] {
            let d = parse_duration(text).unwrap();
            assert_eq!(parse_duration(&format_duration(d)), Ok(d), "{text}");
        }
        assert_eq!(format_duration(Duration::from_micros(2500)), "2.5ms");
        for bad in [
            "ms",
            ".ms",
            "1.2.3s",
            "99999999999999999999999999999999999999999s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        let longest = format!("{}s", u64::MAX);
        assert_eq!(parse_duration(&longest), Ok(Duration::from_secs(u64::MAX)));
        assert!(parse_duration(&format!("{}0s", u64::MAX)).is_err());
    }
}
