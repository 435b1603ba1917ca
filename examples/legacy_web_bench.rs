//! Legacy web sessions through the `--legacy-web` endpoint on loopback: peer messages per
//! second, round trip at a paced rate, and memory per idle logged-in session.
//!
//! ```text
//! cargo run --release --example legacy_web_bench
//! cargo run --release --example legacy_web_bench -- --sessions 1000 --secs 3 --rate 5000 \
//!     --window 8 --idle 10000
//! ```
//!
//! The endpoint runs in this process on a thread and runtime of its own and is reached over
//! real loopback WebSockets by clients written from the protocol, one task each on another
//! thread. Each session `i` sends to session `i + 1`; a receiver polls (`user_getmsg`) when it
//! is notified, as the SDKs do.
//! - **saturated**: every session keeps `--window` peer messages in flight for `--secs`; the
//!   figure is the lines delivered to receivers per second;
//! - **paced**: `--rate` messages per second in total, spread evenly over time and sessions;
//!   the round trip is send until the receiver holds the line (`user_sendmsg`, `notify`,
//!   `user_getmsg`, its reply), at the 50th and 99th percentiles;
//! - **idle**: `--idle` more sessions log in and stay idle; the figure is the growth of the
//!   process's resident memory divided by their number. It includes the client side of each
//!   socket (the same process, with 4 KiB read buffers), so it is an upper bound for the
//!   server's share. `--socket-buffer BYTES` sets the server's socket read buffer and write
//!   batch (default: the endpoint's, 4 KiB and 8 KiB; the WebSocket library's own is 128 KiB).

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use sig2rtm::legacy_web::{LegacyWeb, LegacyWebConfig};
use sig2rtm::system::{System, SystemConfig};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

const APP: &str = "0123456789abcdef0123456789abcdef";

struct Options {
    sessions: usize,
    secs: u64,
    rate: u64,
    window: usize,
    idle: usize,
    /// The server's socket read buffer and write batch; `None`: the endpoint's defaults.
    socket_buffer: Option<usize>,
}

fn options() -> Options {
    let mut o = Options {
        sessions: 1000,
        secs: 3,
        rate: 5000,
        window: 8,
        idle: 2000,
        socket_buffer: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut num = || -> u64 {
            it.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| usage(&format!("{a} takes a whole number")))
        };
        match a.as_str() {
            "--sessions" => o.sessions = num().max(2) as usize,
            "--secs" => o.secs = num().max(1),
            "--rate" => o.rate = num().max(1),
            "--window" => o.window = num().max(1) as usize,
            "--idle" => o.idle = num() as usize,
            "--socket-buffer" => o.socket_buffer = Some(num().max(1) as usize),
            "-h" | "--help" => usage(""),
            other => usage(&format!("unknown option {other}")),
        }
    }
    o
}

fn usage(problem: &str) -> ! {
    if !problem.is_empty() {
        eprintln!("legacy_web_bench: {problem}");
    }
    eprintln!(
        "usage: legacy_web_bench [--sessions N] [--secs S] [--rate MSGS_PER_S] [--window W] [--idle N] \
         [--socket-buffer BYTES]"
    );
    std::process::exit(2)
}

/// What every client task shares with the driver.
struct Shared {
    start: Instant,
    saturate: AtomicBool,
    record: AtomicBool,
    delivered: AtomicU64,
    latencies: Mutex<Vec<u64>>,
}

/// One command for a session's task.
enum Cmd {
    Send(String),
    Burst(usize),
}

/// A logged-in client session; `cmds` drives it.
struct Client {
    cmds: mpsc::UnboundedSender<Cmd>,
}

async fn connect(addr: SocketAddr, account: String, peer: String, shared: Arc<Shared>) -> Client {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let _ = stream.set_nodelay(true);
    // Small client buffers, so that the idle figure is mostly the server's share.
    let config = WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0);
    let (mut ws, _) =
        tokio_tungstenite::client_async_with_config(format!("ws://{addr}/"), stream, Some(config))
            .await
            .expect("WebSocket handshake");
    let login = json!(["login", {"vid": APP, "account": account, "uid": 0, "token": "_no_need_token", "device": "websdk", "ip": ""}]);
    ws.send(Message::Text(login.to_string().into()))
        .await
        .expect("send login");
    let line = loop {
        let Some(Ok(Message::Text(t))) = ws.next().await else {
            panic!("{account}: no login_ret");
        };
        let v: Value = serde_json::from_str(t.as_str()).unwrap();
        if v[0] == "login_ret" {
            let body: Value = serde_json::from_str(v[1][1].as_str().unwrap()).unwrap();
            break body["line"].as_str().expect("login failed").to_string();
        }
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut callid = 0u64;
        let mut ver_clear = 0u64;
        let mut notified = 0u64;
        let mut polling = false;
        let frame = |func: &str, args: Value, callid: &mut u64| {
            *callid += 1;
            let mut args = args;
            args["line"] = json!(line);
            Message::Text(json!(["call2", [func, *callid, args]]).to_string().into())
        };
        let send_msg = |now: u64| json!({"peer": peer, "flag": "v1:E:3600", "t": "instant", "content": now.to_string()});
        loop {
            tokio::select! {
                cmd = rx.recv() => match cmd {
                    None => break,
                    Some(Cmd::Send(content)) => {
                        let m = frame("user_sendmsg", json!({"peer": peer, "flag": "v1:E:3600", "t": "instant", "content": content}), &mut callid);
                        if ws.send(m).await.is_err() { break; }
                    }
                    Some(Cmd::Burst(n)) => {
                        for _ in 0..n {
                            let now = shared.start.elapsed().as_nanos() as u64;
                            let m = frame("user_sendmsg", send_msg(now), &mut callid);
                            if ws.feed(m).await.is_err() { break; }
                        }
                        if ws.flush().await.is_err() { break; }
                    }
                },
                msg = ws.next() => {
                    let Some(Ok(Message::Text(t))) = msg else { break };
                    let v: Value = match serde_json::from_str(t.as_str()) { Ok(v) => v, Err(_) => continue };
                    if v[0] == "notify" && v[1][0] == "msg" {
                        notified = notified.max(v[1][1].as_u64().unwrap_or(0));
                        if !polling && notified > ver_clear {
                            polling = true;
                            let m = frame("user_getmsg", json!({"ver_clear": ver_clear, "max": 30}), &mut callid);
                            if ws.send(m).await.is_err() { break; }
                        }
                    } else if v[0] == "call2-ret" {
                        let body: Value = serde_json::from_str(v[1][2].as_str().unwrap_or("{}")).unwrap_or_default();
                        if let Some(msgs) = body["msgs"].as_array() {
                            polling = false;
                            ver_clear = ver_clear.max(body["ver_clear"].as_u64().unwrap_or(0));
                            let now = shared.start.elapsed().as_nanos() as u64;
                            for m in msgs {
                                ver_clear = ver_clear.max(m[0].as_u64().unwrap_or(0));
                                shared.delivered.fetch_add(1, Ordering::Relaxed);
                                if shared.record.load(Ordering::Relaxed) {
                                    let sent = m[1].as_str().and_then(|l| l.rsplit(' ').next()).and_then(|s| s.parse::<u64>().ok());
                                    if let Some(sent) = sent {
                                        shared.latencies.lock().unwrap().push(now.saturating_sub(sent));
                                    }
                                }
                            }
                            if notified > ver_clear {
                                polling = true;
                                let m = frame("user_getmsg", json!({"ver_clear": ver_clear, "max": 30}), &mut callid);
                                if ws.send(m).await.is_err() { break; }
                            }
                        } else if shared.saturate.load(Ordering::Relaxed) {
                            // The reply to one of our sends: keep the window full.
                            let now = shared.start.elapsed().as_nanos() as u64;
                            let m = frame("user_sendmsg", send_msg(now), &mut callid);
                            if ws.send(m).await.is_err() { break; }
                        }
                    }
                }
            }
        }
    });
    Client { cmds: tx }
}

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1e6
}

fn main() {
    let o = options();
    let socket_buffer = o.socket_buffer;
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("server runtime");
        rt.block_on(async move {
            let mut config = LegacyWebConfig::default();
            if let Some(bytes) = socket_buffer {
                config.socket_read_buffer = bytes;
                config.socket_write_batch = bytes;
            }
            let web = LegacyWeb::new(System::new(SystemConfig::default()), config);
            let server = web.bind("127.0.0.1:0").await.expect("bind");
            let _ = addr_tx.send(server.local_addr());
            std::future::pending::<()>().await;
        });
    });
    let addr = addr_rx.recv().expect("the server started");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    rt.block_on(async move {
        let shared = Arc::new(Shared {
            start: Instant::now(),
            saturate: AtomicBool::new(false),
            record: AtomicBool::new(false),
            delivered: AtomicU64::new(0),
            latencies: Mutex::new(Vec::new()),
        });
        let mut clients = Vec::new();
        for i in 0..o.sessions {
            let peer = format!("s{}", (i + 1) % o.sessions);
            clients.push(connect(addr, format!("s{i}"), peer, shared.clone()).await);
        }
        println!("{} sessions logged in on {addr}", o.sessions);

        // Saturated.
        shared.saturate.store(true, Ordering::Relaxed);
        let before = shared.delivered.load(Ordering::Relaxed);
        let t0 = Instant::now();
        for c in &clients {
            let _ = c.cmds.send(Cmd::Burst(o.window));
        }
        tokio::time::sleep(Duration::from_secs(o.secs)).await;
        let rate =
            (shared.delivered.load(Ordering::Relaxed) - before) as f64 / t0.elapsed().as_secs_f64();
        shared.saturate.store(false, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_secs(2)).await;
        println!(
            "saturated: {rate:.0} peer messages/s delivered ({} sessions, window {})",
            o.sessions, o.window
        );

        // Paced.
        shared.record.store(true, Ordering::Relaxed);
        let total = o.rate * o.secs;
        let gap = Duration::from_nanos(1_000_000_000 / o.rate);
        let t0 = tokio::time::Instant::now();
        for k in 0..total {
            tokio::time::sleep_until(t0 + gap * k as u32).await;
            let now = shared.start.elapsed().as_nanos() as u64;
            let _ = clients[k as usize % clients.len()]
                .cmds
                .send(Cmd::Send(now.to_string()));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        shared.record.store(false, Ordering::Relaxed);
        let mut l = std::mem::take(&mut *shared.latencies.lock().unwrap());
        l.sort_unstable();
        println!(
            "paced: {} msg/s, {} of {} measured, round trip p50 {:.3} ms, p99 {:.3} ms",
            o.rate,
            l.len(),
            total,
            percentile(&l, 0.5),
            percentile(&l, 0.99)
        );

        // Idle.
        if o.idle > 0 {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let rss0 = rss_kb();
            let mut idle = Vec::new();
            for i in 0..o.idle {
                idle.push(connect(addr, format!("idle{i}"), "s0".into(), shared.clone()).await);
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            let per = (rss_kb().saturating_sub(rss0)) as f64 / o.idle as f64;
            println!(
                "idle: {} sessions, {per:.1} KB resident per session (server and client side)",
                o.idle
            );
            drop(idle);
        }
    });
}
