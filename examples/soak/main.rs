//! Soak and chaos: one `sig2rtm-server` process, many clients (RTM core and legacy facade,
//! mixed) in this process, a fault driver, and a checker at the end. Loopback only, bounded in
//! time.
//!
//! ```text
//! cargo run --release --example soak                      # 1000 clients, 60 s
//! cargo run --release --example soak -- --duration 1800 --clients 1000 --seed 7
//! ```
//!
//! Options: `--duration SECS` (60) of workload (stretched to the warm-up and a minute, see
//! below), `--clients N` (1000; every second one a legacy `Signaling` instance, the others
//! `RtmClient`s), `--rate ACTIONS_PER_S` (600 in total), `--faults PER_S` (5), `--seed N` (1),
//! `--server-bin PATH` (default: the `sig2rtm-server` of this build, built when missing).
//!
//! **What runs.** Every user logs in (spread over the first seconds) and then, at random moments
//! (a Poisson process of `--rate` actions per second over all users), sends a peer message to one
//! of its eight partners (RTM core: with offline messaging on or off at random; legacy: always
//! on, as the facade does), sends a channel message, joins or switches channels, sets an
//! attribute (user attributes; legacy users in a channel set a channel attribute), invites a
//! random user (who accepts), or logs out and back in. All clients reach the server through a
//! loopback TCP proxy in this process, which is the fault driver's lever: `--faults` times a
//! second it cuts a random link (both sockets closed at once), stalls one for 0.2–6 s and then
//! restores it (nothing is forwarded meanwhile, as on a frozen network: short stalls are ridden
//! out, longer ones make the client give the link up and resume on a new one), or has a second
//! instance of a random user log in, which kicks the first (remote login). At a sixth of the
//! run the server process is killed (SIGKILL) and a new one started on a new port behind the
//! same proxy address; every client finds its way back by itself.
//!
//! **The end.** The workload and the faults stop, every user makes sure it is logged in, and the
//! run waits (up to 60 s) until every send has its answer and every message that must arrive
//! has. The clients then stay logged in and quiet for 35 s (a presence grace and more, so that
//! sessions of links given up during the faults have expired); then the server's memory is read
//! and the checker runs.
//!
//! **What the checker proves.** Messages carry `(sender, receiver, seq)` in their text; senders
//! record every answer, receiving clients every message they emit.
//!
//! - A peer message answered `Received` (the receiving client acknowledged it) arrived exactly
//!   once, before or after the restart.
//! - A peer message answered `CachedByServer` (RTM core) or `onMessageSendSuccess` (legacy,
//!   which does not say whether it was delivered or cached) arrived exactly once if it was
//!   answered after the new server process was up. If it was answered before (by the killed
//!   process), it may be lost: the offline cache lives in the server's memory and dies with it.
//!   Such messages are counted, and must still arrive at most once.
//! - A send without a success answer (timeout, failure, no answer by the end) arrived at most
//!   once.
//! - Each receiving client emitted each sender's messages in increasing order; nothing arrived
//!   that was not sent, or for another user, or under another sender's name.
//! - No client emitted the same channel message twice.
//! - The server's resident memory (`VmRSS`) at the end is within 10 % of its level after
//!   warm-up (read once the new process has carried the load for `max(150 s, duration / 3)`);
//!   its peak (`VmHWM`, the highest of both processes) is reported. A fresh server's resident
//!   memory climbs for its first minutes under load while its heap's pages are touched for the
//!   first time, so a shorter warm-up would measure that climb rather than a leak. The
//!   workload lasts at least a minute past the baseline: `--duration 60` runs 220 s.
//!
//! Any loss, duplicate, reorder, stray message or memory growth over 10 % makes the exit status
//! 1, after a summary saying what was found.

mod ledger;
mod proxy;
mod rng;
mod server;
mod users;

use ledger::{Ledger, AFTER_RESTART, BEFORE_RESTART, RESTARTING};
use proxy::FaultProxy;
use rng::Rng;
use server::{server_binary, Memory, ServerProcess};
use sig2rtm::transport::tcp::TcpConnector;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use users::{run_user, World};

struct Options {
    duration: u64,
    clients: u32,
    rate: f64,
    faults: f64,
    seed: u64,
    server_bin: Option<PathBuf>,
}

/// The least time the new server process carries the load before its memory baseline is read.
const WARM_UP: Duration = Duration::from_secs(150);

/// The least time of workload after the memory baseline.
const MEASURED_AT_LEAST: Duration = Duration::from_secs(60);

/// How long the settled clients stay quiet before the last memory reading.
const QUIET: Duration = Duration::from_secs(35);

const USAGE: &str = "usage: soak [--duration SECS] [--clients N] [--rate ACTIONS_PER_S] \
[--faults PER_S] [--seed N] [--server-bin PATH]";

fn options() -> Options {
    let mut o = Options {
        duration: 60,
        clients: 1000,
        rate: 600.0,
        faults: 5.0,
        seed: 1,
        server_bin: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || -> String {
            it.next()
                .cloned()
                .unwrap_or_else(|| usage(&format!("{a} needs a value")))
        };
        let number = |v: String| -> f64 {
            match v.parse::<f64>() {
                Ok(n) if n.is_finite() && n >= 0.0 => n,
                _ => usage(&format!("{a} needs a number, not {v:?}")),
            }
        };
        match a.as_str() {
            "--duration" => o.duration = (number(value()) as u64).max(10),
            "--clients" => o.clients = (number(value()) as u32).clamp(10, 100_000),
            "--rate" => o.rate = number(value()).max(1.0),
            "--faults" => o.faults = number(value()),
            "--seed" => o.seed = number(value()) as u64,
            "--server-bin" => o.server_bin = Some(PathBuf::from(value())),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => usage(&format!("unknown option {other}")),
        }
    }
    o
}

/// Says what was wrong with the command line, then exits with status 2.
fn usage(problem: &str) -> ! {
    eprintln!("soak: {problem}\n{USAGE}");
    std::process::exit(2);
}

/// Faults injected so far.
#[derive(Default)]
struct Faults {
    cuts: AtomicU64,
    stalls: AtomicU64,
    kicks: AtomicU64,
    restarts: AtomicU64,
}

impl Faults {
    fn total(&self) -> u64 {
        self.cuts.load(Ordering::Relaxed)
            + self.stalls.load(Ordering::Relaxed)
            + self.kicks.load(Ordering::Relaxed)
            + self.restarts.load(Ordering::Relaxed)
    }
}

/// Cuts, stalls and kicks, `per_second` on average, until `until`.
async fn drive_faults(
    proxy: Arc<FaultProxy>,
    world: Arc<World>,
    faults: Arc<Faults>,
    per_second: f64,
    seed: u64,
    until: Instant,
) {
    if per_second <= 0.0 {
        return;
    }
    let mut rng = Rng::new(seed);
    let mean = Duration::from_secs_f64(1.0 / per_second);
    while Instant::now() < until {
        tokio::time::sleep(rng.exponential(mean)).await;
        let links = proxy.link_ids();
        let pick = rng.below(100);
        if pick < 15 {
            let user = rng.below(world.users as u64) as usize;
            world.kicks[user].store(true, Ordering::Relaxed);
            faults.kicks.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        if links.is_empty() {
            continue;
        }
        let link = links[rng.below(links.len() as u64) as usize];
        if pick < 60 {
            if proxy.cut(link) {
                faults.cuts.fetch_add(1, Ordering::Relaxed);
            }
        } else if proxy.stall(link) {
            faults.stalls.fetch_add(1, Ordering::Relaxed);
            let stall =
                Duration::from_millis(200) + rng.duration_below(Duration::from_millis(5800));
            let proxy = proxy.clone();
            tokio::spawn(async move {
                tokio::time::sleep(stall).await;
                proxy.restore(link);
            });
        }
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn progress(
    started: Instant,
    ledger: &Ledger,
    faults: &Faults,
    proxy: &FaultProxy,
    world: &World,
    memory: Memory,
) {
    let c = &ledger.counters;
    let n = |a: &AtomicU64| a.load(Ordering::Relaxed);
    println!(
        "[{:>6.1}s] links {:>5} | peer sent {} ok {} received {} | channel sent {} ok {} \
         received {} | logins {} joins/leaves {} attrs {} invites {}/{} accepted | faults: cuts {} \
         stalls {} kicks {} restarts {} | server RSS {:.1} MiB (peak {:.1}) | settled {}",
        started.elapsed().as_secs_f64(),
        proxy.link_count(),
        n(&c.peer_sent),
        n(&c.peer_ok),
        n(&c.peer_received),
        n(&c.channel_sent),
        n(&c.channel_ok),
        n(&c.channel_received),
        n(&c.logins),
        n(&c.joins),
        n(&c.attributes),
        n(&c.invitations),
        n(&c.accepted),
        n(&faults.cuts),
        n(&faults.stalls),
        n(&faults.kicks),
        n(&faults.restarts),
        mib(memory.rss_kib),
        mib(memory.peak_kib),
        world.settled.load(Ordering::Relaxed),
    );
}

fn main() {
    let o = options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let code = runtime.block_on(soak(o));
    std::process::exit(code);
}

async fn soak(o: Options) -> i32 {
    let binary = o.server_bin.clone().unwrap_or_else(server_binary);
    // The restart once every user has logged in. The memory baseline once the new process has
    // carried the load for a third of the run, and for `WARM_UP` at least: its resident memory
    // climbs for the first minutes under load (pages of its heap touched for the first time)
    // before it levels off. Then a minute at least to compare with, so a short `--duration`
    // is stretched.
    let asked = Duration::from_secs(o.duration);
    let restart_at = asked / 6;
    let baseline_at = restart_at + (asked / 3).max(WARM_UP);
    let duration = asked.max(baseline_at + MEASURED_AT_LEAST);
    println!(
        "soak: {} clients ({} legacy), {} actions/s, {} faults/s, seed {}, {} s; server restart \
         at {} s, memory baseline at {} s{}",
        o.clients,
        o.clients / 2,
        o.rate,
        o.faults,
        o.seed,
        duration.as_secs(),
        restart_at.as_secs(),
        baseline_at.as_secs(),
        if cfg!(debug_assertions) {
            " (DEBUG BUILD: use --release)"
        } else {
            ""
        }
    );

    let mut server = Some(ServerProcess::start(&binary));
    let proxy = FaultProxy::start(server.as_ref().unwrap().addr().to_string()).await;
    let ledger = Arc::new(Ledger::default());
    ledger.set_epoch(BEFORE_RESTART);
    let world = Arc::new(World::new(
        ledger.clone(),
        Arc::new(TcpConnector::new(proxy.addr().to_string())),
        o.clients,
        Duration::from_secs_f64(o.clients as f64 / o.rate),
        Duration::from_secs(8).min(restart_at),
    ));
    let started = Instant::now();
    let mut seeds = Rng::new(o.seed);
    let mut users = Vec::new();
    for me in 0..o.clients {
        users.push(tokio::spawn(run_user(
            world.clone(),
            me,
            me % 2 == 1,
            seeds.next_u64(),
        )));
    }
    let faults = Arc::new(Faults::default());
    let driver = tokio::spawn(drive_faults(
        proxy.clone(),
        world.clone(),
        faults.clone(),
        o.faults,
        seeds.next_u64(),
        started + duration,
    ));

    // The timeline: progress every 5 s, the restart, the baseline, the end of the workload.
    let mut baseline: Option<Memory> = None;
    let mut peak_kib = 0;
    let mut next_progress = Duration::from_secs(5);
    let memory = |s: &Option<ServerProcess>| s.as_ref().map(|s| s.memory()).unwrap_or_default();
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = started.elapsed();
        if faults.restarts.load(Ordering::Relaxed) == 0 && now >= restart_at {
            ledger.set_epoch(RESTARTING);
            peak_kib = peak_kib.max(memory(&server).peak_kib);
            if let Some(old) = server.take() {
                old.kill();
            }
            let fresh = ServerProcess::start(&binary);
            proxy.set_upstream(fresh.addr().to_string());
            server = Some(fresh);
            ledger.set_epoch(AFTER_RESTART);
            faults.restarts.fetch_add(1, Ordering::Relaxed);
            println!(
                "[{:>6.1}s] server restarted (killed, new process)",
                now.as_secs_f64()
            );
        }
        if baseline.is_none() && now >= baseline_at {
            let m = memory(&server);
            println!(
                "[{:>6.1}s] memory baseline: server RSS {:.1} MiB",
                now.as_secs_f64(),
                mib(m.rss_kib)
            );
            baseline = Some(m);
        }
        if now >= next_progress {
            next_progress += Duration::from_secs(5);
            progress(started, &ledger, &faults, &proxy, &world, memory(&server));
        }
        if now >= duration {
            break;
        }
    }

    // The end: no more faults or actions, everybody logged in, every answer and message in.
    let _ = driver.await;
    proxy.restore_all();
    world.stop.store(true, Ordering::Relaxed);
    println!(
        "[{:>6.1}s] workload stopped; waiting for the users to settle",
        started.elapsed().as_secs_f64()
    );
    let mut instances = Vec::new();
    let mut report = tokio::time::interval(Duration::from_secs(5));
    report.tick().await;
    for mut user in users {
        loop {
            tokio::select! {
                done = &mut user => {
                    if let Ok(instance) = done {
                        instances.push(instance);
                    }
                    break;
                }
                _ = report.tick() => println!(
                    "[{:>6.1}s] settled {} of {}; the others: {}",
                    started.elapsed().as_secs_f64(),
                    world.settled.load(Ordering::Relaxed),
                    o.clients,
                    world.doing_summary()
                ),
            }
        }
    }
    let drain_start = Instant::now();
    let (pending, missing) = loop {
        let (pending, missing) = ledger.outstanding();
        if (pending == 0 && missing == 0) || drain_start.elapsed() > Duration::from_secs(60) {
            break (pending, missing);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let settle_time = drain_start.elapsed();
    // The clients stay logged in and quiet for a presence grace (30 s) and a little more, so
    // that the sessions of links given up during the faults have expired; then the memory of
    // the quiet server is read.
    println!(
        "[{:>6.1}s] settled; quiet for {} s before the last memory reading",
        started.elapsed().as_secs_f64(),
        QUIET.as_secs()
    );
    tokio::time::sleep(QUIET).await;
    let end = memory(&server);
    peak_kib = peak_kib.max(end.peak_kib);
    progress(started, &ledger, &faults, &proxy, &world, end);
    let verdict = ledger.check();

    let base = baseline.unwrap_or(end);
    let growth = if base.rss_kib == 0 {
        0.0
    } else {
        (end.rss_kib as f64 - base.rss_kib as f64) / base.rss_kib as f64
    };
    let memory_ok = growth <= 0.10;
    let c = &ledger.counters;
    println!();
    println!("==== soak summary ====");
    println!(
        "duration {} s of workload (then {:.1} s until every answer and message was in, and {} s \
         quiet), {} clients ({} legacy), seed {}",
        duration.as_secs(),
        settle_time.as_secs_f64(),
        QUIET.as_secs(),
        o.clients,
        o.clients / 2,
        o.seed
    );
    println!(
        "messages: peer {} sent, {} answered with success, {} received; channel {} sent, {} \
         answered with success, {} received",
        c.peer_sent.load(Ordering::Relaxed),
        c.peer_ok.load(Ordering::Relaxed),
        c.peer_received.load(Ordering::Relaxed),
        c.channel_sent.load(Ordering::Relaxed),
        c.channel_ok.load(Ordering::Relaxed),
        c.channel_received.load(Ordering::Relaxed),
    );
    println!(
        "faults injected: {} (cuts {}, stalls {}, duplicate logins {}, server restarts {})",
        faults.total(),
        faults.cuts.load(Ordering::Relaxed),
        faults.stalls.load(Ordering::Relaxed),
        faults.kicks.load(Ordering::Relaxed),
        faults.restarts.load(Ordering::Relaxed),
    );
    if pending > 0 || missing > 0 {
        println!("not settled after 60 s: {pending} sends unanswered, {missing} messages missing");
    }
    println!("{verdict}");
    println!(
        "server memory: RSS after warm-up {:.1} MiB, at the end {:.1} MiB ({:+.1} %), peak {:.1} \
         MiB (VmHWM, highest of both processes)",
        mib(base.rss_kib),
        mib(end.rss_kib),
        growth * 100.0,
        mib(peak_kib)
    );
    for instance in instances {
        instance.release();
    }
    drop(server);
    if verdict.clean() && memory_ok {
        println!("PASS");
        0
    } else {
        if !memory_ok {
            println!("FAIL: the server's memory grew by more than 10 %");
        }
        if !verdict.clean() {
            println!("FAIL: losses, duplicates, reorders or stray messages (see above)");
        }
        1
    }
}
