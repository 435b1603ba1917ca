//! Legacy-style programs (tests/programs/legacy_demo.cpp and legacy_demo.c) compiled with the
//! system compilers against agora_sig.h and libagorasig, then run: two instances in one
//! process on the embedded system, two processes through a sig2rtm server (SIG2RTM_SERVER),
//! under valgrind, and linked against the static library.

mod support;

use sig2rtm::system::tcp::{ServerConfig, TcpServer};
use sig2rtm::system::{System, SystemConfig};
use std::process::Output;
use std::time::Duration;
use support::*;

const APP_ID: &str = "0123456789abcdef0123456789abcdef";
const LIMIT: Duration = Duration::from_secs(60);

fn cpp_demo() -> std::path::PathBuf {
    build_program("legacy_demo.cpp", "legacy_demo")
}

fn c_demo() -> std::path::PathBuf {
    build_program("legacy_demo.c", "legacy_demo_c")
}

fn has(lines: &[String], want: &str) -> bool {
    lines.iter().any(|l| l == want)
}

/// Checks what client `me` printed in a run where `caller` invited `callee`.
fn check_client(out: &Output, me: &str, peer: &str, channel: &str, caller: bool) {
    let lines = lines(out);
    let tag = format!("[{me}]");
    let expect = |want: String| {
        assert!(has(&lines, &want), "missing {want:?}\n{}", show(out));
    };
    expect(format!("{tag} callbacks run on an SDK thread"));
    expect(format!("{tag} getStatus=2 isOnline=1"));
    expect(format!("{tag} onChannelJoined {channel}"));
    // The user list includes the joiner, each entry with a non-zero uid.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("{tag} onChannelUserList n="))
                && l.contains(&format!(" {me}(uid)"))),
        "no user list with {me} in it\n{}",
        show(out)
    );
    expect(format!("{tag} onMessageSendSuccess id generated"));
    expect(format!("{tag} own channel message echoed back (filtered)"));
    expect(format!(
        "{tag} channel {channel} <{peer}> hello from {peer}"
    ));
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with(&format!("{tag} channel {channel} <{me}>"))),
        "the echo of {me}'s own message was not filtered\n{}",
        show(out)
    );
    expect(format!(
        "{tag} instant <{peer}> hi {me}, this is {peer} uid=0"
    ));
    let call = format!("{channel}-call");
    if caller {
        expect(format!("{tag} onInviteReceivedByPeer {call} {peer}"));
        expect(format!("{tag} onInviteAcceptedByPeer {call} {peer}"));
        expect(format!("{tag} onInviteEndByMyself {call} {peer}"));
    } else {
        expect(format!(
            "{tag} onInviteReceived {call} from {peer} extra ''"
        ));
        expect(format!("{tag} onInviteEndByPeer {call} {peer}"));
    }
    expect(format!("{tag} onLogout ecode=101"));
    expect(format!("{tag} done"));
    for l in &lines {
        assert!(
            !l.contains("TIMEOUT") && !l.contains("onError") && !l.contains("another handler"),
            "unexpected line {l:?}\n{}",
            show(out)
        );
    }
}

fn check_both(out: &Output, api: &str, a: &str, b: &str, channel: &str) {
    assert!(out.status.success(), "{}", show(out));
    let lines = lines(out);
    for want in [
        format!("[main] getAgoraSDKInstance{api} same each call: yes"),
        format!("[main] createAgoraSDKInstance{api} gives another: yes"),
    ] {
        assert!(has(&lines, &want), "missing {want:?}\n{}", show(out));
    }
    check_client(out, a, b, channel, true);
    check_client(out, b, a, channel, false);
}

fn run_both(exe: &std::path::Path, a: &str, b: &str, channel: &str) -> Output {
    let mut cmd = program(exe);
    cmd.args(["--both", APP_ID, a, b, channel]);
    run(cmd, LIMIT)
}

#[test]
fn cpp_program_two_instances_in_one_process() {
    let out = run_both(&cpp_demo(), "alice", "bob", "lobby");
    check_both(&out, "CPP", "alice", "bob", "lobby");
}

#[test]
fn c_program_two_instances_in_one_process() {
    let out = run_both(&c_demo(), "carol", "dave", "hall");
    check_both(&out, "C", "carol", "dave", "hall");
}

/// A sig2rtm server on a free local port, serving a fresh system, for the life of the value.
///
/// It is the `sig2rtm-server` binary when cargo built it next to the library (`cargo test` at
/// the workspace root builds it, since the root package's tests use it), otherwise the same
/// server code ([`TcpServer`]) hosted in this test process; either way the programs reach it
/// as separate processes through `SIG2RTM_SERVER`.
enum Server {
    Binary(std::process::Child, String),
    InProcess(tokio::runtime::Runtime, Option<TcpServer>, String),
}

impl Server {
    fn start() -> Server {
        let bin = lib_dir()
            .ancestors()
            .take(2)
            .map(|d| d.join("sig2rtm-server"))
            .find(|p| p.exists());
        if let Some(bin) = bin {
            let mut child = std::process::Command::new(&bin)
                .args(["--listen", "127.0.0.1:0"])
                .env("RUST_LOG", "warn")
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::inherit())
                .spawn()
                .expect("start sig2rtm-server");
            let mut first = String::new();
            let stdout = child.stdout.take().expect("server stdout");
            std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut first)
                .expect("read the server's first line");
            let addr = first
                .trim()
                .strip_prefix("sig2rtm-server listening on ")
                .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
                .to_string();
            eprintln!("using {} on {addr}", bin.display());
            return Server::Binary(child, addr);
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let server = rt
            .block_on(TcpServer::bind(
                "127.0.0.1:0",
                System::new(SystemConfig::default()),
                ServerConfig::default(),
            ))
            .expect("bind the server");
        let addr = server.local_addr().to_string();
        eprintln!("sig2rtm-server binary not built; serving {addr} from the test process");
        Server::InProcess(rt, Some(server), addr)
    }

    fn addr(&self) -> String {
        match self {
            Server::Binary(_, addr) | Server::InProcess(_, _, addr) => addr.clone(),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        match self {
            Server::Binary(child, _) => {
                let _ = child.kill();
                let _ = child.wait();
            }
            Server::InProcess(rt, server, _) => {
                if let Some(server) = server.take() {
                    rt.block_on(server.shutdown());
                }
            }
        }
    }
}

/// Runs `caller_exe` as `a` and `callee_exe` as `b` in two processes through one server.
fn two_processes(
    caller_exe: &std::path::Path,
    callee_exe: &std::path::Path,
    a: &str,
    b: &str,
    channel: &str,
) -> (Output, Output) {
    let server = Server::start();
    let client = |exe: &std::path::Path, me: &str, peer: &str, role: &str| {
        let mut cmd = program(exe);
        cmd.env("SIG2RTM_SERVER", server.addr())
            .args([APP_ID, me, peer, channel, role]);
        start(cmd)
    };
    let callee = client(callee_exe, b, a, "callee");
    let caller = client(caller_exe, a, b, "caller");
    let caller_out = finish(caller, LIMIT);
    let callee_out = finish(callee, LIMIT);
    drop(server);
    (caller_out, callee_out)
}

#[test]
fn cpp_program_two_processes_through_a_server() {
    let exe = cpp_demo();
    let (a, b) = two_processes(&exe, &exe, "erin", "frank", "plaza");
    assert!(a.status.success(), "caller:\n{}", show(&a));
    assert!(b.status.success(), "callee:\n{}", show(&b));
    check_client(&a, "erin", "frank", "plaza", true);
    check_client(&b, "frank", "erin", "plaza", false);
}

#[test]
fn c_program_two_processes_through_a_server() {
    let exe = c_demo();
    let (a, b) = two_processes(&exe, &exe, "grace", "heidi", "forum");
    assert!(a.status.success(), "caller:\n{}", show(&a));
    assert!(b.status.success(), "callee:\n{}", show(&b));
    check_client(&a, "grace", "heidi", "forum", true);
    check_client(&b, "heidi", "grace", "forum", false);
}

#[test]
fn cpp_and_c_programs_talk_to_each_other() {
    let (a, b) = two_processes(&cpp_demo(), &c_demo(), "ivan", "judy", "agora");
    assert!(a.status.success(), "C++ caller:\n{}", show(&a));
    assert!(b.status.success(), "C callee:\n{}", show(&b));
    check_client(&a, "ivan", "judy", "agora", true);
    check_client(&b, "judy", "ivan", "agora", false);
}

/// Both programs (and the C++ boundary program) under valgrind: no invalid read or write, no
/// use of uninitialised memory, no bad free, in the library or in the programs.
#[test]
fn programs_under_valgrind_make_no_invalid_access() {
    require("valgrind");
    let runs = [
        (cpp_demo(), vec!["--both", APP_ID, "kim", "lee", "vg-cpp"]),
        (c_demo(), vec!["--both", APP_ID, "mia", "ned", "vg-c"]),
        (
            build_program("boundary.cpp", "boundary"),
            vec![APP_ID, "olga"],
        ),
    ];
    let handles: Vec<_> = runs
        .into_iter()
        .map(|(exe, args)| {
            std::thread::spawn(move || {
                let mut cmd = program(std::path::Path::new("valgrind"));
                cmd.args([
                    "--error-exitcode=99",
                    "--leak-check=no",
                    "--track-origins=no",
                ])
                .arg(&exe)
                .args(&args);
                (exe, run(cmd, Duration::from_secs(240)))
            })
        })
        .collect();
    for h in handles {
        let (exe, out) = h.join().expect("valgrind run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.contains("ERROR SUMMARY: 0 errors"),
            "valgrind on {}:\n{}",
            exe.display(),
            show(&out)
        );
    }
}

/// A legacy program links against the static library alone as well.
#[test]
fn cpp_program_links_against_the_static_library() {
    require("g++");
    let dir = out_dir().join("static-only");
    std::fs::create_dir_all(&dir).expect("folder");
    std::fs::copy(lib_dir().join("libagorasig.a"), dir.join("libagorasig.a")).expect("copy .a");
    let exe = out_dir().join("legacy_demo_static");
    let out = std::process::Command::new("g++")
        .arg(program_source("legacy_demo.cpp"))
        .arg("-o")
        .arg(&exe)
        .arg("-I")
        .arg(include_dir())
        .arg(format!("-L{}", dir.display()))
        .args(["-lagorasig", "-lpthread", "-ldl", "-lm", "-std=c++11"])
        .output()
        .expect("run g++");
    assert!(out.status.success(), "static link failed:\n{}", show(&out));
    let mut cmd = program(&exe);
    cmd.env_remove("LD_LIBRARY_PATH")
        .args(["--both", APP_ID, "pat", "quinn", "static"]);
    let out = run(cmd, LIMIT);
    check_both(&out, "CPP", "pat", "quinn", "static");
}
