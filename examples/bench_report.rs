//! Runs every performance scenario of issue 9 and prints one table: each figure, its target,
//! what was measured, and its ratio to a baseline measured in the same run — a raw
//! crossbeam-channel hand-off of the same number of messages between two threads, which
//! stands for what this machine can do at all.
//!
//! ```sh
//! cargo run --release --example bench_report              # full size (a few minutes)
//! cargo run --release --example bench_report -- --smoke   # tiny sizes, seconds (CI)
//! cargo run --release --example bench_report -- --only core,facade
//! ```
//!
//! Scenario names for `--only`: idle, core, pairs, facade, latency, fanout, facade-fanout,
//! mixed.

#[path = "../benches/scenarios/mod.rs"]
mod scenarios;

use scenarios::*;
use sig2rtm::signaling::CallbackMode;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How big each scenario is.
struct Sizes {
    peer_messages: u64,
    pairs: usize,
    repeats: usize,
    latency_samples: usize,
    latency_gap: Duration,
    fanout_members: usize,
    facade_fanout_members: usize,
    fanout_rounds: usize,
    idle_clients: usize,
    mixed_clients: usize,
    mixed_channels: usize,
    mixed_warmup: Duration,
    mixed_measure: Duration,
}

impl Sizes {
    fn full() -> Sizes {
        Sizes {
            peer_messages: 1_000_000,
            pairs: 1000,
            repeats: 3,
            latency_samples: 10_000,
            latency_gap: Duration::from_micros(200),
            fanout_members: 10_000,
            facade_fanout_members: 10_000,
            fanout_rounds: 7,
            idle_clients: 100_000,
            mixed_clients: 10_000,
            mixed_channels: 1000,
            mixed_warmup: Duration::from_secs(2),
            mixed_measure: Duration::from_secs(10),
        }
    }

    fn smoke() -> Sizes {
        Sizes {
            peer_messages: 2_000,
            pairs: 10,
            repeats: 1,
            latency_samples: 50,
            latency_gap: Duration::from_micros(200),
            fanout_members: 100,
            facade_fanout_members: 20,
            fanout_rounds: 2,
            idle_clients: 500,
            mixed_clients: 100,
            mixed_channels: 10,
            mixed_warmup: Duration::from_millis(200),
            mixed_measure: Duration::from_millis(500),
        }
    }
}

/// One line of the table.
struct Row {
    figure: String,
    target: String,
    measured: String,
    baseline: String,
    ratio: String,
    met: Option<bool>,
}

struct Report {
    rows: Vec<Row>,
    handoffs: HashMap<u64, Duration>,
    latency_baseline: Option<Vec<Duration>>,
    sizes: Sizes,
}

impl Report {
    /// The baseline hand-off time of `n` messages (median of three, measured once per `n`).
    fn handoff(&mut self, n: u64) -> Duration {
        *self
            .handoffs
            .entry(n)
            .or_insert_with(|| median((0..3).map(|_| baseline_handoff(n)).collect()))
    }

    fn latency_baseline(&mut self) -> Vec<Duration> {
        let (samples, gap) = (self.sizes.latency_samples, self.sizes.latency_gap);
        self.latency_baseline
            .get_or_insert_with(|| baseline_latency(samples, gap))
            .clone()
    }

    /// A throughput row: `n` messages (or deliveries, logins) in `took`.
    /// `cpu`: the process's CPU time per item over the same runs (robust to other load on
    /// the machine, which only stretches the wall-clock figure).
    fn rate_row(
        &mut self,
        figure: &str,
        unit: &str,
        target: Option<f64>,
        (n, took): (u64, Duration),
        cpu: Duration,
    ) {
        let base = self.handoff(n);
        let rate = n as f64 / took.as_secs_f64();
        self.rows.push(Row {
            figure: figure.into(),
            target: target.map_or("reported".into(), |t| format!("≥ {} {unit}", group(t))),
            measured: format!("{} {unit} ({} CPU each)", group(rate), dur(cpu)),
            baseline: format!("{} msg/s", group(n as f64 / base.as_secs_f64())),
            ratio: format!("{:.1}× time", took.as_secs_f64() / base.as_secs_f64()),
            met: target.map(|t| rate >= t),
        });
    }

    /// A latency row compared with the hand-off's latency at the same quantile.
    fn latency_row(&mut self, figure: &str, target: Option<Duration>, q: f64, took: Duration) {
        let base = quantile(&self.latency_baseline(), q);
        self.rows.push(Row {
            figure: figure.into(),
            target: target.map_or("reported".into(), |t| format!("≤ {}", dur(t))),
            measured: dur(took),
            baseline: dur(base),
            ratio: format!("{:.1}×", took.as_secs_f64() / base.as_secs_f64().max(1e-9)),
            met: target.map(|t| took <= t),
        });
    }

    fn plain_row(&mut self, figure: &str, target: &str, measured: String, met: Option<bool>) {
        self.rows.push(Row {
            figure: figure.into(),
            target: target.into(),
            measured,
            baseline: "—".into(),
            ratio: "—".into(),
            met,
        });
    }
}

/// Scenario names `--only` takes.
const SCENARIOS: &[&str] = &[
    "idle",
    "core",
    "pairs",
    "facade",
    "latency",
    "fanout",
    "facade-fanout",
    "mixed",
];

/// How the command line goes.
fn usage_text() -> String {
    format!(
        "usage: bench_report [--smoke] [--only SCENARIO,...]\nscenarios: {}",
        SCENARIOS.join(", ")
    )
}

/// Says what was wrong with the command line, and how it goes, then exits with status 2.
fn usage(problem: &str) -> ! {
    eprintln!("bench_report: {problem}\n{}", usage_text());
    std::process::exit(2);
}

/// The command line: tiny sizes or not, and the scenarios to run (`None`: all).
fn options() -> (bool, Option<Vec<String>>) {
    let mut smoke = false;
    let mut only = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--smoke" => smoke = true,
            "--only" => {
                let Some(list) = args.next() else {
                    usage("--only needs a list of scenarios");
                };
                let names: Vec<String> = list.split(',').map(str::to_string).collect();
                if let Some(bad) = names.iter().find(|n| !SCENARIOS.contains(&n.as_str())) {
                    usage(&format!("no scenario is called {bad:?}"));
                }
                only = Some(names);
            }
            "--help" | "-h" => {
                println!("{}", usage_text());
                std::process::exit(0);
            }
            other => usage(&format!("unknown option {other}")),
        }
    }
    (smoke, only)
}

fn main() {
    let (smoke, only) = options();
    let wanted = |name: &str| only.as_ref().is_none_or(|l| l.iter().any(|n| n == name));
    let started = Instant::now();
    let rt = runtime();
    let mut report = Report {
        rows: Vec::new(),
        handoffs: HashMap::new(),
        latency_baseline: None,
        sizes: if smoke { Sizes::smoke() } else { Sizes::full() },
    };
    let s = if smoke { Sizes::smoke() } else { Sizes::full() };
    println!(
        "sig2rtm bench_report ({}) on {}; load average {}",
        if smoke { "smoke sizes" } else { "full size" },
        machine(),
        load_average()
    );

    // Memory first, while the heap is still small and clean.
    if wanted("idle") {
        step(&format!("{} idle clients", s.idle_clients));
        let cpu = cpu_time();
        let idle = idle_clients(&rt, s.idle_clients);
        let cpu = (cpu_time() - cpu) / idle.clients as u32;
        let per_client = idle.bytes_per_client();
        report.plain_row(
            &format!(
                "Idle: memory per client ({} logged in)",
                group(idle.clients as f64)
            ),
            "≤ 4,096 B",
            format!(
                "{} B (RSS {} → {} MiB)",
                group(per_client),
                idle.rss_before >> 20,
                idle.rss_after >> 20
            ),
            Some(per_client <= 4096.0),
        );
        report.rate_row(
            "Idle: login rate",
            "logins/s",
            Some(50_000.0),
            (idle.clients as u64, idle.login_time),
            cpu,
        );
    }

    let mut core_time = None;
    if wanted("core") || wanted("facade") {
        step(&format!("core peer messages 1→1 ×{}", s.peer_messages));
        let peers = CorePeers::new(&rt, 1);
        let (n, took, cpu) = repeated(s.repeats, || peers.run(&rt, s.peer_messages));
        core_time = Some(took);
        report.rate_row(
            "Peer messages, RTM core, 1 → 1",
            "msg/s",
            Some(2_000_000.0),
            (n, took),
            cpu,
        );
    }

    if wanted("pairs") {
        step(&format!(
            "core peer messages, {} pairs ×{}",
            s.pairs, s.peer_messages
        ));
        let peers = CorePeers::new(&rt, s.pairs);
        let (n, took, cpu) = repeated(s.repeats, || peers.run(&rt, s.peer_messages));
        report.rate_row(
            &format!("Peer messages, RTM core, {} pairs", group(s.pairs as f64)),
            "msg/s",
            Some(2_000_000.0),
            (n, took),
            cpu,
        );
    }

    if wanted("facade") || wanted("latency") {
        let peers = FacadePeers::new(&rt);
        if wanted("facade") {
            step(&format!("facade peer messages 1→1 ×{}", s.peer_messages));
            let (n, took, cpu) =
                repeated(s.repeats, || (peers.run(s.peer_messages), s.peer_messages));
            report.rate_row(
                "Peer messages, legacy facade, 1 → 1 (to the receiver's callback thread)",
                "msg/s",
                Some(1_000_000.0),
                (n, took),
                cpu,
            );
            if let Some(core) = core_time {
                let ratio = took.as_secs_f64() / core.as_secs_f64();
                report.plain_row(
                    "Facade time over RTM core time, same messages",
                    "≤ 1.5×",
                    format!("{ratio:.2}×"),
                    Some(ratio <= 1.5),
                );
            }
        }
        if wanted("latency") {
            step(&format!("unloaded latency ×{}", s.latency_samples));
            let lat = peers.latency(s.latency_samples, s.latency_gap);
            report.latency_row(
                "Latency legacy → legacy, unloaded, p50",
                None,
                0.50,
                quantile(&lat, 0.50),
            );
            report.latency_row(
                "Latency legacy → legacy, unloaded, p99",
                Some(Duration::from_micros(50)),
                0.99,
                quantile(&lat, 0.99),
            );
        }
    }

    if wanted("fanout") {
        step(&format!("core fan-out to {} members", s.fanout_members));
        let fan = CoreFanout::new(&rt, s.fanout_members);
        let cpu = cpu_time();
        let rounds: Vec<_> = (0..s.fanout_rounds).map(|_| fan.run(&rt)).collect();
        let cpu = cpu_time() - cpu;
        drop(fan);
        fanout_rows(&mut report, "RTM core", s.fanout_members, rounds, cpu);
    }

    if wanted("facade-fanout") {
        for (mode, label) in [
            (CallbackMode::Thread, "legacy facade, callback threads"),
            (CallbackMode::Inline, "legacy facade, inline callbacks"),
        ] {
            step(&format!(
                "facade fan-out to {} members ({label})",
                s.facade_fanout_members
            ));
            let fan = FacadeFanout::new(&rt, s.facade_fanout_members, mode);
            let cpu = cpu_time();
            let rounds: Vec<_> = (0..s.fanout_rounds).map(|_| fan.run()).collect();
            let cpu = cpu_time() - cpu;
            drop(fan);
            fanout_rows(&mut report, label, s.facade_fanout_members, rounds, cpu);
        }
    }

    if wanted("mixed") {
        step(&format!(
            "mixed load: {} clients, {} channels, {} s",
            s.mixed_clients,
            s.mixed_channels,
            s.mixed_measure.as_secs_f64()
        ));
        let m = mixed(
            &rt,
            s.mixed_clients,
            s.mixed_channels,
            s.mixed_warmup,
            s.mixed_measure,
        );
        let what = format!(
            "Mixed: {} clients in {} channels, {} sending 60/s",
            group(m.clients as f64),
            group(m.channels as f64),
            group(m.senders as f64)
        );
        report.latency_row(&format!("{what}: p50 delivery"), None, 0.50, m.p50);
        report.latency_row(&format!("{what}: p99 delivery"), None, 0.99, m.p99);
        report.plain_row(
            &format!("{what}: throughput"),
            "reported",
            format!(
                "{} sent/s, {} delivered/s, {} sends failed",
                group(m.sent as f64 / m.measured.as_secs_f64()),
                group(m.delivered as f64 / m.measured.as_secs_f64()),
                group(m.failed as f64)
            ),
            None,
        );
        report.plain_row(
            &format!("{what}: CPU"),
            "reported",
            format!(
                "{:.0} % of one core ({:.0} % of the machine)",
                m.cpu_share() * 100.0,
                m.cpu_share() * 100.0 / nproc() as f64
            ),
            None,
        );
    }

    print_table(&report.rows);
    println!(
        "\nbaseline: crossbeam-channel hand-off of the same number of u64 messages between two \
         threads (latency rows: one message to a parked thread). Total run time {:.1} s; \
         load average at the end {}.",
        started.elapsed().as_secs_f64(),
        load_average()
    );
}

/// Runs a throughput scenario `times` times: messages per run, the median time, and the CPU
/// time per message over all runs.
fn repeated(times: usize, mut run: impl FnMut() -> (Duration, u64)) -> (u64, Duration, Duration) {
    let cpu = cpu_time();
    let runs: Vec<(Duration, u64)> = (0..times).map(|_| run()).collect();
    let total: u64 = runs.iter().map(|(_, n)| n).sum();
    let cpu = (cpu_time() - cpu) / total.max(1) as u32;
    let n = runs[0].1;
    (n, median(runs.into_iter().map(|(d, _)| d).collect()), cpu)
}

/// `cpu`: the process's CPU time over all the rounds.
fn fanout_rows(
    report: &mut Report,
    label: &str,
    members: usize,
    rounds: Vec<Duration>,
    cpu: Duration,
) {
    let cpu = cpu / (rounds.len() * members).max(1) as u32;
    let worst = rounds.iter().max().copied().unwrap_or_default();
    let took = median(rounds);
    let base = report.handoff(members as u64);
    let rate = members as f64 / took.as_secs_f64();
    report.rows.push(Row {
        figure: format!(
            "Fan-out to {} members, {label} (median; worst {})",
            group(members as f64),
            dur(worst)
        ),
        target: "≤ 5 ms (≥ 2,000,000 deliveries/s)".into(),
        measured: format!(
            "{} ({} deliveries/s, {} CPU each)",
            dur(took),
            group(rate),
            dur(cpu)
        ),
        baseline: dur(base),
        ratio: format!("{:.1}× time", took.as_secs_f64() / base.as_secs_f64()),
        met: Some(took <= Duration::from_millis(5)),
    });
}

fn print_table(rows: &[Row]) {
    println!();
    println!("| Figure | Target | Measured | Baseline | Ratio to baseline | Met |");
    println!("|---|---|---|---|---|---|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            r.figure,
            r.target,
            r.measured,
            r.baseline,
            r.ratio,
            match r.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "—",
            }
        );
    }
}

fn step(what: &str) {
    eprintln!("[bench_report] {what}");
}

/// 1234567.8 → "1,234,568".
fn group(v: f64) -> String {
    let digits = format!("{:.0}", v.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn dur(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.1} µs")
    } else if us < 1e6 {
        format!("{:.2} ms", us / 1e3)
    } else {
        format!("{:.2} s", us / 1e6)
    }
}

/// The 1, 5 and 15 minute load averages: other work on the machine shows here.
fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn nproc() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// "2 × AMD EPYC, 23.4 GiB".
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU".to_string(), |(_, m)| m.trim().to_string());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kib: f64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0);
    format!(
        "{} × {model}, {:.1} GiB",
        nproc(),
        mem_kib / (1024.0 * 1024.0)
    )
}
