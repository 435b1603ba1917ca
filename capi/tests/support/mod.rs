//! Shared by the boundary tests: where the built library and the header are, compiling C and
//! C++ programs against them with the system compilers, and running those programs.
//!
//! The library is found next to the test binary: cargo builds `libagorasig.so` / `.a` (the
//! crate's cdylib and staticlib) in `target/<profile>/deps` before it builds the crate's
//! integration tests, so `cargo test` on a clean clone needs no separate build step.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// `capi/include`.
pub fn include_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("include")
}

/// `capi/tests/programs/<name>`.
pub fn program_source(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/programs")
        .join(name)
}

/// The folder holding `libagorasig.so` and `libagorasig.a` built for this test run.
pub fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let deps = exe.parent().expect("deps folder").to_path_buf();
    for dir in [deps.clone(), deps.parent().unwrap_or(&deps).to_path_buf()] {
        if dir.join("libagorasig.so").exists() && dir.join("libagorasig.a").exists() {
            return dir;
        }
    }
    panic!(
        "libagorasig.so/.a not found next to {} (cargo builds them with the crate)",
        exe.display()
    );
}

/// Where compiled programs go.
pub fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("agorasig");
    std::fs::create_dir_all(&dir).expect("create the output folder");
    dir
}

/// Fails the test with a clear message when `tool` is missing (`.ci/run` installs it).
pub fn require(tool: &str) {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "{tool} is required for this test (install it: apt-get install -y g++ valgrind)"
    );
}

/// Runs a compiler command; panics with its output if it fails.
fn compile(mut cmd: Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

static BUILT: OnceLock<Mutex<std::collections::HashMap<String, PathBuf>>> = OnceLock::new();

/// Compiles `tests/programs/<source>` into `<exe>` once per test binary, the way a legacy
/// program is built: `g++ … -I include -L lib -lagorasig -lpthread -std=c++11` (or `gcc`
/// for `.c` files), with warnings on and treated as errors.
pub fn build_program(source: &str, exe: &str) -> PathBuf {
    build_program_with(source, exe, &[])
}

/// As [`build_program`], with `extra` compiler flags (a sanitizer build, say) after the others.
pub fn build_program_with(source: &str, exe: &str, extra: &[&str]) -> PathBuf {
    let map = BUILT.get_or_init(Default::default);
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(path) = map.get(exe) {
        return path.clone();
    }
    let out = out_dir().join(exe);
    let src = program_source(source);
    let cpp = source.ends_with(".cpp");
    require(if cpp { "g++" } else { "gcc" });
    let mut cmd = Command::new(if cpp { "g++" } else { "gcc" });
    cmd.arg(&src)
        .arg("-o")
        .arg(&out)
        .arg("-I")
        .arg(include_dir())
        .arg(format!("-L{}", lib_dir().display()))
        .args(["-lagorasig", "-lpthread"])
        .args(["-Wall", "-Wextra", "-Werror", "-g"]);
    if cpp {
        cmd.arg("-std=c++11");
    }
    cmd.args(extra);
    compile(cmd, &format!("compiling {source}"));
    map.insert(exe.to_string(), out.clone());
    out
}

/// Compiles a probe source text (C or C++) into an executable, with extra flags.
pub fn build_probe(name: &str, text: &str, cpp: bool, flags: &[&str]) -> PathBuf {
    let dir = out_dir();
    let src = dir.join(format!("{name}.{}", if cpp { "cpp" } else { "c" }));
    std::fs::write(&src, text).expect("write the probe");
    let out = dir.join(name);
    require(if cpp { "g++" } else { "gcc" });
    let mut cmd = Command::new(if cpp { "g++" } else { "gcc" });
    cmd.arg(&src)
        .arg("-o")
        .arg(&out)
        .arg("-I")
        .arg(include_dir())
        .args(flags);
    compile(cmd, &format!("compiling the probe {name}"));
    out
}

/// A command for a built program, with the library on its search path and no
/// `SIG2RTM_SERVER` inherited (each test says which system it wants).
pub fn program(exe: &Path) -> Command {
    let mut cmd = Command::new(exe);
    cmd.env("LD_LIBRARY_PATH", lib_dir())
        .env_remove("SIG2RTM_SERVER")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Starts `cmd`.
pub fn start(mut cmd: Command) -> Child {
    cmd.spawn().expect("start the program")
}

/// Waits for `child` at most `limit`, killing it when it takes longer.
pub fn finish(mut child: Child, limit: Duration) -> Output {
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                break;
            }
        }
    }
    child
        .wait_with_output()
        .expect("collect the program's output")
}

/// Runs `cmd` to the end (at most `limit`).
pub fn run(cmd: Command, limit: Duration) -> Output {
    finish(start(cmd), limit)
}

/// Stdout and stderr of `out`, for assertion messages.
pub fn show(out: &Output) -> String {
    format!(
        "status: {:?}\n--- stdout ---\n{}--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Stdout lines of `out`.
pub fn lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}
