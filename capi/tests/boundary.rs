//! Safety at the boundary, through the C view (`IAgoraAPIC`) called from Rust exactly as a C
//! program calls it, and through the C++ view with tests/programs/boundary.cpp: bad strings,
//! calls after destroy, destroy and release inside callbacks, foreign pointers, handler
//! replacement, panicking handlers, the user list arrays.

mod support;

use agorasig::abi::{IAgoraAPIC, ICallBackC};
use agorasig::{createAgoraSDKInstanceC, getAgoraSDKInstanceC, getAgoraSDKInstanceCPP};
use std::ffi::{c_char, c_int, c_void, CStr};
use std::ptr::null;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

const APP_ID: &str = "0123456789abcdef0123456789abcdef";

/// What a handler does when login succeeds.
#[derive(Clone, Copy, PartialEq)]
enum OnLogin {
    Nothing,
    Destroy,
    Release,
    Panic,
    SleepThenMark,
}

/// A C handler: `ICallBackC` first, then the recorder's state.
#[repr(C)]
struct Rec {
    cb: ICallBackC,
    api: AtomicPtr<IAgoraAPIC>,
    on_login: Mutex<OnLogin>,
    events: Mutex<Vec<String>>,
    cv: Condvar,
    in_callback: AtomicBool,
    callback_done: AtomicBool,
}

/// # Safety
/// `this` is the `cb` field of a live `Rec`.
unsafe fn rec<'a>(this: *mut ICallBackC) -> &'a Rec {
    // SAFETY: `cb` is the first field of the `#[repr(C)]` `Rec`.
    unsafe { &*this.cast::<Rec>() }
}

/// A callback string: checks that it is NUL-terminated at its size, then copies it.
///
/// # Safety
/// `p` points at `n + 1` readable bytes.
unsafe fn text(p: *const c_char, n: usize) -> String {
    // SAFETY: the library hands over `n` bytes and a NUL.
    let with_nul = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), n + 1) };
    assert_eq!(with_nul[n], 0, "callback string not NUL-terminated");
    String::from_utf8_lossy(&with_nul[..n]).into_owned()
}

impl Rec {
    fn new() -> Box<Rec> {
        let cb = ICallBackC {
            onLoginSuccess: Some(on_login_success),
            onLoginFailed: Some(on_login_failed),
            onLogout: Some(on_logout),
            onChannelJoined: Some(on_channel_joined),
            onChannelUserList: Some(on_channel_user_list),
            onError: Some(on_error),
            onQueryUserStatusResult: Some(on_query_user_status_result),
            ..ICallBackC::default()
        };
        Box::new(Rec {
            cb,
            api: AtomicPtr::new(std::ptr::null_mut()),
            on_login: Mutex::new(OnLogin::Nothing),
            events: Mutex::new(Vec::new()),
            cv: Condvar::new(),
            in_callback: AtomicBool::new(false),
            callback_done: AtomicBool::new(false),
        })
    }

    fn cb_ptr(&self) -> *mut ICallBackC {
        std::ptr::addr_of!(self.cb).cast_mut()
    }

    fn push(&self, e: String) {
        self.events.lock().unwrap().push(e);
        self.cv.notify_all();
    }

    fn events(&self) -> Vec<String> {
        self.events.lock().unwrap().clone()
    }

    /// Waits until an event starts with `prefix`; returns it.
    fn wait(&self, prefix: &str) -> String {
        let events = self.events.lock().unwrap();
        let (events, _) = self
            .cv
            .wait_timeout_while(events, Duration::from_secs(10), |ev| {
                !ev.iter().any(|e| e.starts_with(prefix))
            })
            .unwrap();
        events
            .iter()
            .find(|e| e.starts_with(prefix))
            .cloned()
            .unwrap_or_else(|| panic!("no event starting with {prefix:?} in {events:?}"))
    }
}

unsafe extern "C-unwind" fn on_login_success(this: *mut ICallBackC, _uid: u32, _fd: c_int) {
    // SAFETY: registered on a live `Rec`.
    let r = unsafe { rec(this) };
    r.push(format!(
        "onLoginSuccess on {}",
        std::thread::current().name().unwrap_or("?")
    ));
    let api = r.api.load(Ordering::Acquire);
    match *r.on_login.lock().unwrap() {
        OnLogin::Nothing => {}
        // SAFETY: `api` is the live instance this handler is installed on.
        OnLogin::Destroy => unsafe {
            ((*api).destroy)(api);
            let (p, n) = s("room");
            ((*api).channelJoin)(api, p, n);
            r.push("destroy returned".into());
        },
        // SAFETY: as above; the pointer is not used after release.
        OnLogin::Release => unsafe {
            ((*api).release)(api);
            r.push("release returned".into());
        },
        OnLogin::Panic => panic!("a handler that panics"),
        OnLogin::SleepThenMark => {
            r.in_callback.store(true, Ordering::Release);
            std::thread::sleep(Duration::from_millis(300));
            r.callback_done.store(true, Ordering::Release);
        }
    }
}

unsafe extern "C-unwind" fn on_login_failed(this: *mut ICallBackC, ecode: c_int) {
    // SAFETY: registered on a live `Rec`.
    unsafe { rec(this) }.push(format!("onLoginFailed {ecode}"));
}

unsafe extern "C-unwind" fn on_logout(this: *mut ICallBackC, ecode: c_int) {
    // SAFETY: registered on a live `Rec`.
    unsafe { rec(this) }.push(format!("onLogout {ecode}"));
}

unsafe extern "C-unwind" fn on_channel_joined(this: *mut ICallBackC, ch: *const c_char, n: usize) {
    // SAFETY: registered on a live `Rec`; the library passes a sized, terminated string.
    unsafe { rec(this).push(format!("onChannelJoined {}", text(ch, n))) };
}

unsafe extern "C-unwind" fn on_channel_user_list(
    this: *mut ICallBackC,
    n: c_int,
    accounts: *mut *mut c_char,
    uids: *mut u32,
) {
    let mut list = Vec::new();
    for i in 0..n as usize {
        // SAFETY: both arrays have `n` entries valid during the call; entries are C strings.
        let (account, uid) = unsafe {
            (
                CStr::from_ptr(*accounts.add(i))
                    .to_string_lossy()
                    .into_owned(),
                *uids.add(i),
            )
        };
        assert_ne!(uid, 0, "uid of {account}");
        list.push(account);
    }
    // SAFETY: the array of accounts is NULL-terminated as well.
    assert!(unsafe { *accounts.add(n as usize) }.is_null());
    // SAFETY: registered on a live `Rec`.
    unsafe { rec(this) }.push(format!("onChannelUserList {}", list.join(",")));
}

unsafe extern "C-unwind" fn on_error(
    this: *mut ICallBackC,
    name: *const c_char,
    name_size: usize,
    ecode: c_int,
    desc: *const c_char,
    desc_size: usize,
) {
    // SAFETY: registered on a live `Rec`; sized, terminated strings.
    unsafe {
        let e = format!(
            "onError {} {ecode} {}",
            text(name, name_size),
            text(desc, desc_size)
        );
        rec(this).push(e);
    }
}

unsafe extern "C-unwind" fn on_query_user_status_result(
    this: *mut ICallBackC,
    name: *const c_char,
    name_size: usize,
    status: *const c_char,
    status_size: usize,
) {
    // SAFETY: registered on a live `Rec`; sized, terminated strings.
    unsafe {
        let e = format!(
            "onQueryUserStatusResult {} {}",
            text(name, name_size),
            text(status, status_size)
        );
        rec(this).push(e);
    }
}

/// A string argument as the C API takes it.
fn s(x: &str) -> (*const c_char, usize) {
    (x.as_ptr().cast(), x.len())
}

/// A new C instance with a recorder installed.
fn instance(r: &Rec) -> *mut IAgoraAPIC {
    let api = createAgoraSDKInstanceC();
    assert!(!api.is_null());
    r.api.store(api, Ordering::Release);
    // SAFETY: `api` is live; `r` outlives the instance in every test (they release it first).
    unsafe { ((*api).callbackSet)(api, r.cb_ptr().cast()) };
    api
}

fn login(api: *mut IAgoraAPIC, account: &str) {
    let (a, an) = s(APP_ID);
    let (u, un) = s(account);
    // SAFETY: live instance, valid strings.
    unsafe { ((*api).login)(api, a, an, u, un, null(), 0, 0, null(), 0) };
}

fn release(api: *mut IAgoraAPIC) {
    // SAFETY: live instance, not used afterwards.
    unsafe { ((*api).release)(api) };
}

#[test]
fn bad_string_arguments_reach_on_error_and_nothing_else() {
    let r = Rec::new();
    let api = instance(&r);
    // SAFETY: live instance; the bad arguments are what the test is about, and each pointer
    // is readable up to its NUL.
    unsafe {
        ((*api).channelJoin)(api, null(), 5);
        let (u, _) = s("alice\0");
        ((*api).login)(api, s(APP_ID).0, 32, u, 64, null(), 0, 0, null(), 0);
        let bad = b"ro\xffom";
        ((*api).channelSetAttr)(api, s("room").0, 4, s("k").0, 1, bad.as_ptr().cast(), 5);
        ((*api).messageChannelSend)(api, s("room").0, 4, null(), 1, null(), 0);
    }
    let e = r.wait("onError channel_join 1004 ");
    assert!(
        e.contains("channelJoin: channelID is NULL but channelID_size is 5"),
        "{e}"
    );
    let e = r.wait("onError login 1004 ");
    assert!(
        e.contains("account_size is 64 but account ends with a NUL byte at offset 5"),
        "{e}"
    );
    let e = r.wait("onError channel_set_attr 1004 ");
    assert!(
        e.contains("value is not valid UTF-8 (byte 0xff at offset 2)"),
        "{e}"
    );
    let e = r.wait("onError message_channel_send 1004 ");
    assert!(e.contains("msg is NULL but msg_size is 1"), "{e}");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(r.events().len(), 4, "{:?}", r.events());
    release(api);
}

#[test]
fn a_size_shorter_than_the_string_takes_its_prefix() {
    let r = Rec::new();
    let api = instance(&r);
    let (a, an) = s(APP_ID);
    let (u, _) = s("walter-and-more");
    // SAFETY: live instance; the account is read for 6 bytes.
    unsafe { ((*api).login)(api, a, an, u, 6, null(), 0, 0, null(), 0) };
    r.wait("onLoginSuccess");
    let (q, qn) = s("walter");
    // SAFETY: live instance, valid strings.
    unsafe { ((*api).queryUserStatus)(api, q, qn) };
    assert_eq!(
        r.wait("onQueryUserStatusResult"),
        "onQueryUserStatusResult walter 1"
    );
    release(api);
}

#[test]
fn callbacks_run_on_an_sdk_thread_without_start() {
    let r = Rec::new();
    let api = instance(&r);
    login(api, "xavier");
    assert_eq!(
        r.wait("onLoginSuccess"),
        "onLoginSuccess on agorasig-callbacks"
    );
    release(api);
}

#[test]
fn destroy_inside_a_callback_and_calls_after_destroy_are_harmless() {
    let r = Rec::new();
    *r.on_login.lock().unwrap() = OnLogin::Destroy;
    let api = instance(&r);
    login(api, "yolanda");
    r.wait("destroy returned");
    let seen = r.events().len();
    // SAFETY: the instance was destroyed but not released: its pointer stays valid.
    unsafe {
        ((*api).callbackSet)(api, r.cb_ptr().cast());
        login(api, "yolanda");
        ((*api).channelJoin)(api, null(), 3);
        let (m, mn) = s("x");
        ((*api).messageInstantSend)(api, m, mn, 0, m, mn, m, mn);
        ((*api).logout)(api);
        ((*api).destroy)(api);
        assert_eq!(((*api).getStatus)(api), 0);
        assert!(!((*api).isOnline)(api));
        assert_eq!(
            ((*api).getSdkVersion)(api),
            sig2rtm::signaling::sdk_version()
        );
        assert_eq!(((*api).callbackGet)(api), r.cb_ptr().cast::<c_void>());
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(r.events().len(), seen, "{:?}", r.events());
    release(api);
}

#[test]
fn release_inside_a_callback() {
    let r = Rec::new();
    *r.on_login.lock().unwrap() = OnLogin::Release;
    let api = instance(&r);
    login(api, "zack");
    r.wait("release returned");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(r.events().len(), 2, "{:?}", r.events());
}

#[test]
fn unknown_and_released_instance_pointers_are_ignored() {
    let r = Rec::new();
    let api = instance(&r);
    // SAFETY: the entry points look `self` up among live instances before touching it;
    // none of these pointers is dereferenced by the library.
    unsafe {
        let join = (*api).channelJoin;
        let (c, cn) = s("room");
        join(std::ptr::null_mut(), c, cn);
        let mut fake = [0usize; 64];
        join(fake.as_mut_ptr().cast(), c, cn);
        release(api);
        join(api, c, cn);
    }
    std::thread::sleep(Duration::from_millis(200));
    assert!(r.events().is_empty(), "{:?}", r.events());
}

#[test]
fn callback_set_waits_for_a_running_callback_of_the_old_handler() {
    let old = Rec::new();
    *old.on_login.lock().unwrap() = OnLogin::SleepThenMark;
    let api = instance(&old);
    login(api, "ursula");
    while !old.in_callback.load(Ordering::Acquire) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let new = Rec::new();
    // SAFETY: live instance and handler.
    unsafe { ((*api).callbackSet)(api, new.cb_ptr().cast()) };
    assert!(
        old.callback_done.load(Ordering::Acquire),
        "callbackSet returned while the old handler was still running"
    );
    // SAFETY: live instance.
    unsafe {
        assert_eq!(((*api).callbackGet)(api), new.cb_ptr().cast::<c_void>());
        assert_eq!(
            (*api).cb.load(Ordering::Acquire),
            new.cb_ptr().cast::<c_void>()
        );
    }
    release(api);
}

#[test]
fn a_panicking_handler_does_not_stop_the_callbacks() {
    let r = Rec::new();
    *r.on_login.lock().unwrap() = OnLogin::Panic;
    let api = instance(&r);
    login(api, "victor");
    r.wait("onLoginSuccess");
    let (c, cn) = s("after-panic");
    // SAFETY: live instance, valid strings.
    unsafe { ((*api).channelJoin)(api, c, cn) };
    r.wait("onChannelJoined after-panic");
    release(api);
}

#[test]
fn the_user_list_arrives_as_arrays_valid_during_the_call() {
    let (ra, rb) = (Rec::new(), Rec::new());
    let (a, b) = (instance(&ra), instance(&rb));
    login(a, "list-a");
    login(b, "list-b");
    ra.wait("onLoginSuccess");
    rb.wait("onLoginSuccess");
    let (c, cn) = s("listed");
    // SAFETY: live instances, valid strings.
    unsafe { ((*a).channelJoin)(a, c, cn) };
    assert_eq!(ra.wait("onChannelUserList"), "onChannelUserList list-a");
    // SAFETY: as above.
    unsafe { ((*b).channelJoin)(b, c, cn) };
    let list = rb.wait("onChannelUserList");
    assert!(
        list == "onChannelUserList list-a,list-b" || list == "onChannelUserList list-b,list-a",
        "{list}"
    );
    release(a);
    release(b);
}

#[test]
fn the_process_wide_instance_is_one_pointer_for_both_views() {
    let c = getAgoraSDKInstanceC();
    assert_eq!(c, getAgoraSDKInstanceC());
    let cpp = getAgoraSDKInstanceCPP();
    assert_eq!(cpp, getAgoraSDKInstanceCPP());
    // SAFETY: the process-wide instance is never freed.
    assert_eq!(unsafe { (*c).api.load(Ordering::Acquire) }, cpp);
    let other = createAgoraSDKInstanceC();
    assert_ne!(other, c);
    release(other);
}

/// The C++ view: tests/programs/boundary.cpp, built like a legacy program.
#[test]
fn cpp_boundary_program() {
    let exe = support::build_program("boundary.cpp", "boundary");
    let mut cmd = support::program(&exe);
    cmd.args([APP_ID, "boundary-user"]);
    let out = support::run(cmd, Duration::from_secs(60));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", support::show(&out));
    for name in [
        "singleton is stable",
        "C view names the same instance",
        "NULL with a size",
        "size past the terminator",
        "invalid UTF-8",
        "embedded NUL",
        "callback strings NUL-terminated",
        "destroy inside a callback returns",
        "status after destroy",
        "version after destroy",
        "callbackGet after destroy",
        "no callback after destroy",
        "second instance logs in",
        "no callback after delete",
        "racing instance logs in",
        "callbackSet racing callbacks",
    ] {
        assert!(
            stdout.lines().any(|l| l
                .strip_prefix("PASS ")
                .and_then(|l| l.strip_prefix(name))
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(": "))),
            "{name}:\n{}",
            support::show(&out)
        );
    }
}
