//! Legacy flows across processes: the built `sig2rtm-server` binary in one process, each legacy
//! client (`examples/legacy_peer.rs`) in its own, reaching the server through `SIG2RTM_SERVER`.
//! Loopback only; every wait is bounded and every process is ended when its handle drops.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(10);

/// An example next to this test's binary (`cargo test` builds them), built first if it is not
/// there yet.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let path = dir.join("examples").join(name);
    if !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--example", name])
            .status()
            .unwrap();
        assert!(status.success(), "building the {name} example");
    }
    path
}

fn peer_binary() -> PathBuf {
    example("legacy_peer")
}

/// A child process whose stdout lines are collected as they come.
struct Proc {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Proc {
    fn spawn(name: &str, mut cmd: Command) -> Proc {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Keep stderr flowing (the server logs there) and visible with --nocapture.
        let tag = name.to_string();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("[{tag}] {line}");
            }
        });
        Proc {
            name: name.into(),
            stdin: child.stdin.take(),
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits (at most [`WAIT`]) for an output line containing `needle`; returns it. Lines
    /// skipped on the way stay available to later calls.
    fn expect(&mut self, needle: &str) -> String {
        if let Some(i) = self.seen.iter().position(|l| l.contains(needle)) {
            return self.seen.remove(i);
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(line) => self.seen.push(line),
                Err(_) => panic!(
                    "{}: no line with {needle:?} within {WAIT:?}; saw {:?}",
                    self.name, self.seen
                ),
            }
        }
    }

    fn send(&mut self, command: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{command}").unwrap();
        stdin.flush().unwrap();
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits (at most [`WAIT`]) for the process to exit.
    fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "{} did not exit", self.name);
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        // Closing stdin makes a peer quit by itself; anything still running is ended by pid.
        self.stdin.take();
        let deadline = Instant::now() + Duration::from_millis(500);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `sig2rtm-server` process listening on `listen`, and the address it reports.
fn server(listen: &str) -> (Proc, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sig2rtm-server"));
    cmd.args(["--listen", listen]).env("RUST_LOG", "warn");
    let mut p = Proc::spawn("server", cmd);
    let line = p.expect("sig2rtm-server listening on ");
    let addr = line.rsplit(' ').next().unwrap().to_string();
    (p, addr)
}

/// Sends SIGTERM to `p` (by its pid) and checks it exits cleanly.
fn terminate(p: &mut Proc) {
    signal(p, "-TERM");
}

/// Sends `sig` (`-TERM`, `-INT`) to `p` by its pid and checks it exits with status 0.
fn signal(p: &mut Proc, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &p.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = p.wait_exit();
    assert!(
        exit.success(),
        "the server exits with status 0 on {sig}, got {exit}"
    );
}

/// A legacy client process for `account`, logged in to the server at `addr`.
fn peer(account: &str, addr: &str) -> Proc {
    let mut cmd = Command::new(peer_binary());
    cmd.arg(account).env("SIG2RTM_SERVER", addr);
    let mut p = Proc::spawn(account, cmd);
    p.expect("ready");
    p.send("login");
    p.expect("onLoginSuccess(");
    p
}

#[test]
fn f4_channel_join_list_message_attribute_leave_across_processes() {
    let (_server, addr) = server("127.0.0.1:0");
    let mut b = peer("bob", &addr);
    b.send("join ch");
    b.expect("onChannelJoined(\"ch\")");
    b.expect("onChannelUserList(");
    let mut a = peer("alice", &addr);

    a.send("join ch");
    a.expect("onChannelJoined(\"ch\")");
    let list = a.expect("onChannelUserList(");
    assert!(
        list.contains("\"alice\"") && list.contains("\"bob\""),
        "{list}"
    );
    b.expect("onChannelUserJoined(\"alice\"");

    a.send("chan ch hi");
    a.expect("onMessageSendSuccess(");
    a.expect("onMessageChannelReceive(\"ch\", \"alice\"");
    let got = b.expect("onMessageChannelReceive(\"ch\", \"alice\"");
    assert!(got.ends_with("\"hi\")"), "{got}");

    a.send("attr ch topic x");
    for p in [&mut a, &mut b] {
        let line = p.expect("onChannelAttrUpdated(\"ch\", \"topic\", \"x\"");
        assert!(line.contains("update"), "{line}");
    }

    a.send("leave ch");
    a.expect("onChannelLeaved(\"ch\", 602)");
    b.expect("onChannelUserLeaved(\"alice\"");
}

#[test]
fn f5_point_to_point_across_processes() {
    let (_server, addr) = server("127.0.0.1:0");
    let mut a = peer("alice", &addr);
    let mut b = peer("bob", &addr);

    a.send("status bob");
    a.expect("onQueryUserStatusResult(\"bob\", \"1\")");
    a.send("send bob yo");
    a.expect("onMessageSendSuccess(");
    b.expect("onMessageInstantReceive(\"alice\", 0, \"yo\")");

    b.send("send alice back at you");
    a.expect("onMessageInstantReceive(\"bob\", 0, \"back at you\")");

    b.send("logout");
    b.expect("onLogout(");
    a.send("status bob");
    a.expect("onQueryUserStatusResult(\"bob\", \"0\")");
}

#[test]
fn f6_call_invite_accept_end_across_processes() {
    let (_server, addr) = server("127.0.0.1:0");
    let mut a = peer("alice", &addr);
    let mut b = peer("bob", &addr);

    a.send("invite room-1 bob");
    b.expect("onInviteReceived(\"room-1\", \"alice\"");
    a.expect("onInviteReceivedByPeer(\"room-1\", \"bob\"");
    b.send("accept room-1 alice");
    a.expect("onInviteAcceptedByPeer(\"room-1\", \"bob\"");
    a.send("end room-1 bob");
    a.expect("onInviteEndByMyself(\"room-1\", \"bob\"");
    b.expect("onInviteEndByPeer(\"room-1\", \"alice\"");
}

/// The id of the next `onMessageSendSuccess("…")` line of `p`.
fn sent_id(p: &mut Proc) -> String {
    let line = p.expect("onMessageSendSuccess(\"");
    line.split('"').nth(1).unwrap().to_string()
}

#[test]
fn generated_message_ids_differ_across_processes_and_restarts() {
    let (_server, addr) = server("127.0.0.1:0");
    let mut a = peer("alice", &addr);
    let mut b = peer("bob", &addr);
    a.send("send bob one");
    b.send("send alice two");
    let mut ids = vec![sent_id(&mut a), sent_id(&mut b)];
    a.send("quit");
    a.wait_exit();
    let mut again = peer("alice", &addr);
    again.send("send bob three");
    ids.push(sent_id(&mut again));
    let distinct: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), ids.len(), "{ids:?}");
}

#[test]
fn sigterm_and_sigint_stop_the_server_cleanly_and_clients_notice() {
    let (mut other, _) = server("127.0.0.1:0");
    signal(&mut other, "-INT");
    let (mut server, addr) = server("127.0.0.1:0");
    let a = peer("alice", &addr);
    terminate(&mut server);
    // The link ends: the legacy client reconnects or reports the loss, never stays silent.
    let deadline = Instant::now() + WAIT;
    loop {
        match a
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            Ok(l) if l.starts_with("onReconnecting(") || l.starts_with("onLogout(") => break,
            Ok(_) => {}
            Err(_) => panic!("alice noticed nothing"),
        }
    }
}

#[test]
fn clients_reconnect_after_a_server_restart_and_messages_flow_again() {
    let (mut server, addr) = server("127.0.0.1:0");
    let mut a = peer("alice", &addr);
    let mut b = peer("bob", &addr);
    a.send("send bob before");
    b.expect("onMessageInstantReceive(\"alice\", 0, \"before\")");

    terminate(&mut server);
    a.expect("onReconnecting(");
    b.expect("onReconnecting(");
    let (_server, again) = self::server(&addr);
    assert_eq!(again, addr);
    a.expect("onReconnected(");
    b.expect("onReconnected(");

    a.send("send bob after the restart");
    a.expect("onMessageSendSuccess(");
    b.expect("onMessageInstantReceive(\"alice\", 0, \"after the restart\")");
}

#[test]
fn the_quickstart_runs_unchanged_against_a_server() {
    let (server, addr) = server("127.0.0.1:0");
    let out = Command::new(example("quickstart"))
        .env("SIG2RTM_SERVER", &addr)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("[alice] onLoginSuccess("), "{stdout}");
    assert!(stdout.contains("[bob] onInviteEndByPeer("), "{stdout}");
    assert!(stdout.trim_end().ends_with("done"), "{stdout}");
    drop(server);
}

#[test]
fn the_quickstart_reports_a_failed_login_when_the_server_is_unreachable() {
    // A port that refuses connections: bound, then released.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let started = Instant::now();
    let out = Command::new(example("quickstart"))
        .env("SIG2RTM_SERVER", &addr)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("[alice] onLoginFailed(201)"), "{stdout}");
    assert!(!stdout.contains("onLoginSuccess"), "{stdout}");
    assert!(
        stderr.contains("FAILED") && stderr.contains(&addr),
        "{stderr}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}
