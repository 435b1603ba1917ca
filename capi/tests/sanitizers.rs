//! The legacy programs of tests/programs/ built with gcc's AddressSanitizer and
//! UndefinedBehaviorSanitizer on the C/C++ side (`-fsanitize=address,undefined`, findings
//! fatal), linked against libagorasig as it is, then run: both demos with two instances in
//! one process, and the boundary program's bad inputs, destroy inside a callback and
//! callbackSet racing the callbacks. Any report fails the test, and so does a missing
//! compiler or sanitizer runtime (`.ci/run` installs them).
//!
//! These builds are separate from the plain ones that run under valgrind: the two tools do
//! not mix in one process.
//!
//! UBSan's `vptr` check is off for the C++ programs: it reads the type-info of every
//! `IAgoraAPI` object a member function is called on, and the library's objects carry none
//! (see `CppVtable` in src/abi.rs); every other check of `-fsanitize=undefined` is on.

mod support;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;
use support::*;

const APP_ID: &str = "0123456789abcdef0123456789abcdef";
const LIMIT: Duration = Duration::from_secs(120);

/// The sanitizer flags of every build here.
const FLAGS: &[&str] = &[
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=undefined",
    "-fno-omit-frame-pointer",
];

/// The C++ flags: [`FLAGS`] without the `vptr` check (see the module docs).
fn cpp_flags() -> Vec<&'static str> {
    let mut flags = FLAGS.to_vec();
    flags.push("-fno-sanitize=vptr");
    flags
}

/// A sanitized build of `tests/programs/<source>`, named apart from the plain build.
fn sanitized(source: &str, exe: &str) -> PathBuf {
    let flags = if source.ends_with(".cpp") {
        cpp_flags()
    } else {
        FLAGS.to_vec()
    };
    build_program_with(source, &format!("{exe}-asan"), &flags)
}

/// `cmd` with the sanitizers told to stop at the first report, with a stack trace.
fn sanitizer_env(cmd: &mut Command) {
    cmd.env("ASAN_OPTIONS", "halt_on_error=1:detect_leaks=1")
        .env("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1");
}

/// Runs a sanitized program with `args`.
fn run_sanitized(exe: &std::path::Path, args: &[&str]) -> Output {
    let mut cmd = program(exe);
    cmd.args(args);
    sanitizer_env(&mut cmd);
    run(cmd, LIMIT)
}

/// Whether `out` holds a sanitizer report.
fn reported(out: &Output) -> bool {
    let stderr = String::from_utf8_lossy(&out.stderr);
    ["AddressSanitizer", "LeakSanitizer", "runtime error:"]
        .iter()
        .any(|m| stderr.contains(m))
}

/// A clean run: status 0 and no report.
fn assert_clean(what: &str, out: &Output) {
    assert!(
        out.status.success() && !reported(out),
        "{what} under ASan/UBSan:\n{}",
        show(out)
    );
}

/// The toolchain is there and the sanitizers do catch what they are for: a heap overflow and
/// a signed overflow in probe programs stop them with a report. Without this, a clean run
/// below would prove nothing.
#[test]
fn sanitizers_are_installed_and_catch_errors() {
    require("gcc");
    require("g++");
    let overflow = "#include <stdlib.h>\n\
        int main(int argc, char** argv) {\n\
            (void)argv;\n\
            char* p = malloc(4);\n\
            p[argc + 3] = 1;\n\
            free(p);\n\
            return 0;\n\
        }\n";
    let signed = "#include <limits.h>\n\
        int main(int argc, char** argv) {\n\
            (void)argv;\n\
            int x = INT_MAX - 1 + argc;\n\
            return x + 1 == 0;\n\
        }\n";
    for (name, text, marker) in [
        ("asan-probe", overflow, "heap-buffer-overflow"),
        ("ubsan-probe", signed, "signed integer overflow"),
    ] {
        let exe = build_probe(name, text, false, FLAGS);
        let mut cmd = program(&exe);
        sanitizer_env(&mut cmd);
        let out = run(cmd, LIMIT);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains(marker),
            "the {name} should stop with {marker:?}:\n{}",
            show(&out)
        );
    }
}

/// Runs a demo with two instances in one process; both clients must finish.
fn demo_with_two_instances(source: &str, exe: &str, a: &str, b: &str, channel: &str) {
    let exe = sanitized(source, exe);
    let out = run_sanitized(&exe, &["--both", APP_ID, a, b, channel]);
    assert_clean(&format!("{source} --both"), &out);
    let lines = lines(&out);
    for who in [a, b] {
        let done = format!("[{who}] done");
        assert!(lines.contains(&done), "missing {done:?}\n{}", show(&out));
    }
}

#[test]
fn cpp_demo_under_asan_and_ubsan() {
    demo_with_two_instances(
        "legacy_demo.cpp",
        "legacy_demo",
        "san-a",
        "san-b",
        "san-cpp",
    );
}

#[test]
fn c_demo_under_asan_and_ubsan() {
    demo_with_two_instances(
        "legacy_demo.c",
        "legacy_demo_c",
        "san-c",
        "san-d",
        "san-c-ch",
    );
}

#[test]
fn boundary_program_under_asan_and_ubsan() {
    let exe = sanitized("boundary.cpp", "boundary");
    let out = run_sanitized(&exe, &[APP_ID, "san-boundary"]);
    assert_clean("boundary.cpp", &out);
    let lines = lines(&out);
    assert_eq!(
        lines.last().map(String::as_str),
        Some("0 failures"),
        "{}",
        show(&out)
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("PASS callbackSet racing callbacks")),
        "{}",
        show(&out)
    );
}
