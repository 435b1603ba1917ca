//! Peer-message throughput and latency: N clients through one `sig2rtm-server` on loopback,
//! compared in the same run with the same clients on the embedded system.
//!
//! ```text
//! cargo run --release --example net_bench                  # 100 clients, 10k msg/s, 3 s each
//! cargo run --release --example net_bench -- --clients 100 --rate 10000 --secs 3 --window 32 \
//!     --tick-us 200
//! cargo run --release --example net_bench -- --server 127.0.0.1:9300   # a sig2rtm-server process
//! ```
//!
//! Two measurements per mode:
//! - **saturated**: every client keeps `--window` peer messages in flight to its neighbour for
//!   `--secs`; the table gives the messages per second delivered (emitted by the receiving
//!   client).
//! - **paced**: `--rate` messages per second in total, spread over the clients; the table gives
//!   the round trip (send until the sender holds the acknowledgement) and the delivery time (send
//!   until the receiver's client emits the message), at the 50th and 99th percentiles.
//!
//! The paced sends come from a thread of their own, spread evenly in time: it wakes every
//! `--tick-us` (200) and sends what is due.
//!
//! The server runs in this process on a thread and runtime of its own (or in its own process with
//! `--server`) and is reached through real loopback TCP sockets, so serialisation, framing,
//! system calls and wake-ups are all paid. `--only embedded|tcp` runs one mode. The clients and
//! the server each run on one thread, like `sig2rtm-server`'s default (on a small machine,
//! cross-thread wake-ups cost more than they bring); the environment variables `CT` and `ST` give
//! them that many worker threads instead.

use sig2rtm::rtm::{ClientConfig, RateLimits, RtmClient, RtmEvent, RtmMessage, SendMessageOptions};
use sig2rtm::system::tcp::{ServerConfig, TcpServer};
use sig2rtm::system::{System, SystemConfig};
use sig2rtm::transport::tcp::TcpConnector;
use sig2rtm::transport::{Connector, InProcessConnector};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const APP: &str = "0123456789abcdef0123456789abcdef";

struct Options {
    clients: usize,
    rate: u64,
    secs: u64,
    window: usize,
    tick_us: u64,
    only: Option<String>,
    server: Option<String>,
}

fn options() -> Options {
    let mut o = Options {
        clients: 100,
        rate: 10_000,
        secs: 3,
        window: 32,
        tick_us: 200,
        only: None,
        server: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut v = || -> u64 {
            match it.next().map(|v| v.parse()) {
                Some(Ok(n)) => n,
                _ => usage(&format!("{a} needs a number")),
            }
        };
        match a.as_str() {
            "--clients" => o.clients = v().max(2) as usize,
            "--rate" => o.rate = v().max(1),
            "--secs" => o.secs = v().clamp(1, 60),
            "--window" => o.window = v().max(1) as usize,
            "--tick-us" => o.tick_us = v().clamp(10, 100_000),
            "--only" => o.only = it.next().cloned(),
            "--server" => o.server = it.next().cloned(),
            "--help" | "-h" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => usage(&format!("unknown option {other}")),
        }
    }
    o
}

const USAGE: &str = "usage: net_bench [--clients N] [--rate MSG_PER_S] [--secs S] [--window N] \
[--tick-us US] [--only embedded|tcp] [--server HOST:PORT]";

/// Says what was wrong with the command line, and how it goes, then exits with status 2.
fn usage(problem: &str) -> ! {
    eprintln!("net_bench: {problem}\n{USAGE}");
    std::process::exit(2);
}

/// Latencies in nanoseconds.
#[derive(Default)]
struct Samples(Vec<u64>);

impl Samples {
    fn percentile(&mut self, p: f64) -> f64 {
        if self.0.is_empty() {
            return f64::NAN;
        }
        self.0.sort_unstable();
        let i = ((self.0.len() as f64 - 1.0) * p).round() as usize;
        self.0[i] as f64 / 1e6
    }
}

struct Row {
    mode: &'static str,
    throughput: f64,
    paced_sent: u64,
    paced_rate: f64,
    rtt: Samples,
    delivery: Samples,
}

/// `n` logged-in clients on `connector`, each with a task that records delivery times.
async fn clients(
    connector: Arc<dyn Connector>,
    n: usize,
    base: Instant,
    delivery: Arc<parking_lot::Mutex<Samples>>,
    record: Arc<AtomicBool>,
    delivered: Arc<AtomicU64>,
) -> Vec<RtmClient> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let c = RtmClient::builder(APP)
            .connector(connector.clone())
            .config(ClientConfig {
                rate_limits: RateLimits::off(),
                ..ClientConfig::default()
            })
            .build()
            .unwrap();
        let mut events = c.subscribe();
        c.login("", &format!("u{i}")).await.unwrap();
        let delivery = delivery.clone();
        let record = record.clone();
        let delivered = delivered.clone();
        tokio::spawn(async move {
            let mut local = Vec::new();
            while let Some(e) = events.recv().await {
                if let RtmEvent::MessageFromPeer { message, .. } = e {
                    delivered.fetch_add(1, Ordering::Relaxed);
                    if record.load(Ordering::Relaxed) {
                        if let Ok(sent) = message.text().parse::<u64>() {
                            local.push(base.elapsed().as_nanos() as u64 - sent);
                        }
                    }
                }
                if local.len() >= 256 {
                    delivery.lock().0.append(&mut local);
                }
            }
            delivery.lock().0.append(&mut local);
        });
        out.push(c);
    }
    out
}

fn stamp(base: Instant) -> RtmMessage {
    RtmMessage::from_text(base.elapsed().as_nanos().to_string())
}

async fn measure(mode: &'static str, connector: Arc<dyn Connector>, o: &Options) -> Row {
    let base = Instant::now();
    let delivery = Arc::new(parking_lot::Mutex::new(Samples::default()));
    let record = Arc::new(AtomicBool::new(false));
    let delivered = Arc::new(AtomicU64::new(0));
    let clients = clients(
        connector,
        o.clients,
        base,
        delivery.clone(),
        record.clone(),
        delivered.clone(),
    )
    .await;
    let n = clients.len();

    // Paced: `rate` messages per second in total, spread evenly in time, round robin over the
    // clients, each to its neighbour. The pacer is a thread of its own, as an application's
    // threads would be (tokio's timers tick in whole milliseconds, which would turn the rate into
    // bursts of ten): it wakes every `--tick-us` and sends what is due, about two messages at a
    // time at 10k msg/s. Each round trip is timed from the send call.
    record.store(true, Ordering::Relaxed);
    let rtt = Arc::new(parking_lot::Mutex::new(Samples::default()));
    let total = o.rate * o.secs;
    let runtime = tokio::runtime::Handle::current();
    let pacer_clients = clients.clone();
    let pacer_rtt = rtt.clone();
    let gap = Duration::from_secs_f64(1.0 / o.rate as f64);
    let tick = Duration::from_micros(o.tick_us);
    let paced_start = Instant::now();
    let pacer = std::thread::spawn(move || {
        let n = pacer_clients.len();
        let mut waits = Vec::with_capacity(total as usize);
        for k in 0..total {
            let due = paced_start + gap * k as u32;
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                // A message due within the tick goes now: shorter sleeps cost more than they bring.
                if wait > tick {
                    std::thread::sleep(wait - tick / 2);
                }
            }
            let from = k as usize % n;
            let to = format!("u{}", (from + 1) % n);
            let t0 = Instant::now();
            let reply = pacer_clients[from].send_message_to_peer(
                &to,
                &stamp(base),
                SendMessageOptions::default(),
            );
            let rtt = pacer_rtt.clone();
            waits.push(runtime.spawn(async move {
                if reply.await.is_ok() {
                    rtt.lock().0.push(t0.elapsed().as_nanos() as u64);
                }
            }));
        }
        waits
    });
    let waits = tokio::task::spawn_blocking(move || pacer.join().expect("pacer thread"))
        .await
        .unwrap();
    let sent = total;
    let paced_rate = sent as f64 / paced_start.elapsed().as_secs_f64();
    for wait in waits {
        let _ = wait.await;
    }
    settle(&delivered, sent).await;
    record.store(false, Ordering::Relaxed);

    // Saturated: a window of sends in flight per client, to its neighbour; counted when the
    // receiving client emits the message.
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicU64::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for (i, c) in clients.iter().enumerate() {
        let to = format!("u{}", (i + 1) % n);
        for _ in 0..o.window {
            let (c, to, stop, acked) = (c.clone(), to.clone(), stop.clone(), acked.clone());
            workers.spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let r = c
                        .send_message_to_peer(&to, &stamp(base), SendMessageOptions::default())
                        .await;
                    if r.is_ok() {
                        acked.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await; // warm-up
    let from = delivered.load(Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(o.secs)).await;
    let throughput =
        (delivered.load(Ordering::Relaxed) - from) as f64 / started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    while workers.join_next().await.is_some() {}
    settle(&delivered, sent + acked.load(Ordering::Relaxed)).await;
    for c in &clients {
        c.release();
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let rtt = std::mem::take(&mut *rtt.lock());
    let delivery = std::mem::take(&mut *delivery.lock());
    Row {
        mode,
        throughput,
        paced_sent: sent,
        paced_rate,
        rtt,
        delivery,
    }
}

/// Waits (at most 10 s) until `count` messages were delivered.
async fn settle(delivered: &AtomicU64, count: u64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while delivered.load(Ordering::Relaxed) < count && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cpus} CPUs (nproc), {model}")
}

/// A runtime with `threads` worker threads, or (0) one that runs everything on the thread that
/// drives it: on a small machine, cross-thread wake-ups cost more than they bring.
fn runtime(threads: usize) -> tokio::runtime::Runtime {
    let mut builder = if threads == 0 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(threads);
        b
    };
    builder.enable_all().build().expect("a tokio runtime")
}

/// Threads from the environment variable `var` (0, one thread, when unset).
fn threads(var: &str) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Serves a fresh system on a thread of its own with its own runtime, as it would be in its own
/// process, until `stop` is sent. Returns the address and the thread.
fn start_server(stop: tokio::sync::oneshot::Receiver<()>) -> (String, std::thread::JoinHandle<()>) {
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        runtime(threads("ST")).block_on(async move {
            let server = TcpServer::bind(
                "127.0.0.1:0",
                System::new(SystemConfig::default()),
                ServerConfig::default(),
            )
            .await
            .expect("a loopback port for the server");
            let _ = addr_tx.send(server.local_addr().to_string());
            let _ = stop.await;
            server.shutdown().await;
        })
    });
    let addr = addr_rx.recv().expect("the server thread started");
    (addr, thread)
}

fn main() {
    let o = options();
    let runtime = runtime(threads("CT"));
    println!("machine: {}", machine());
    println!(
        "{} clients, saturated window {} per client, paced at {} msg/s, {} s per measurement{}",
        o.clients,
        o.window,
        o.rate,
        o.secs,
        if cfg!(debug_assertions) {
            " (DEBUG BUILD: use --release for real numbers)"
        } else {
            ""
        }
    );
    let embedded: Arc<dyn Connector> = Arc::new(InProcessConnector::new(System::new(
        SystemConfig::default(),
    )));
    let mut rows = Vec::new();
    if o.only.as_deref() != Some("tcp") {
        rows.push(runtime.block_on(measure("embedded (in-process)", embedded, &o)));
    }
    if o.only.as_deref() == Some("embedded") {
        return print_rows(rows);
    }

    match &o.server {
        // A server in another process (`sig2rtm-server --listen ADDR`).
        Some(addr) => {
            let tcp: Arc<dyn Connector> = Arc::new(TcpConnector::new(addr.clone()));
            rows.push(runtime.block_on(measure("TCP loopback, server process", tcp, &o)));
        }
        None => {
            let (stop, stopped) = tokio::sync::oneshot::channel();
            let (addr, server) = start_server(stopped);
            let tcp: Arc<dyn Connector> = Arc::new(TcpConnector::new(addr));
            rows.push(runtime.block_on(measure("TCP loopback, one server", tcp, &o)));
            let _ = stop.send(());
            server.join().expect("the server thread");
        }
    }
    print_rows(rows);
}

fn print_rows(mut rows: Vec<Row>) {
    println!();
    println!("| mode | saturated msg/s | paced msg/s (sent) | round trip p50 / p99 (ms) | delivery p50 / p99 (ms) |");
    println!("|---|---:|---:|---:|---:|");
    for r in rows.iter_mut() {
        println!(
            "| {} | {:.0} | {:.0} ({}) | {:.3} / {:.3} | {:.3} / {:.3} |",
            r.mode,
            r.throughput,
            r.paced_rate,
            r.paced_sent,
            r.rtt.percentile(0.5),
            r.rtt.percentile(0.99),
            r.delivery.percentile(0.5),
            r.delivery.percentile(0.99),
        );
    }
    if let [embedded, tcp] = &rows[..] {
        let ratio = embedded.throughput / tcp.throughput.max(1.0);
        println!();
        println!("embedded / TCP saturated throughput: {ratio:.1}x");
    }
}
