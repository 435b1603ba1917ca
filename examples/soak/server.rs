//! The `sig2rtm-server` child process: started on a free loopback port, killed for the restart,
//! and read for its memory (`/proc/PID/status`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A running `sig2rtm-server` process and the address it listens on.
pub struct ServerProcess {
    child: Child,
    addr: String,
}

/// Memory figures of a process, in KiB.
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    /// Resident now (`VmRSS`).
    pub rss_kib: u64,
    /// Highest resident so far (`VmHWM`).
    pub peak_kib: u64,
}

impl ServerProcess {
    /// Starts `binary` on a free loopback port and waits for its `listening on` line.
    pub fn start(binary: &Path) -> ServerProcess {
        let mut child = Command::new(binary)
            .args(["--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let addr = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(addr) = line.strip_prefix("sig2rtm-server listening on ") {
                        break addr.trim().to_string();
                    }
                }
                _ => panic!("{} exited before it listened", binary.display()),
            }
        };
        // Keep draining stdout so that the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
        ServerProcess { child, addr }
    }

    /// The address it listens on.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills it (SIGKILL: a crash, nothing is handed over) and waits for it to end.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Its memory now; zeros when `/proc` cannot be read.
    pub fn memory(&self) -> Memory {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        Memory {
            rss_kib: field("VmRSS:"),
            peak_kib: field("VmHWM:"),
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `sig2rtm-server` binary of this build: next to the examples folder this program runs
/// from, built first (same profile) when it is not there.
pub fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the path of this program");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the target folder");
    let path = dir.join("sig2rtm-server");
    if !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "--bin", "sig2rtm-server"]);
        if !cfg!(debug_assertions) {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("running cargo build");
        assert!(status.success(), "building sig2rtm-server");
    }
    path
}
