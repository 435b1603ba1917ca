//! Instances behind the C and C++ views: the registry of live instances, the callback thread
//! of each, and the checks every entry point makes.

use crate::abi::{new_c_view, CppApi, IAgoraAPIC, ICallBackC, CPP_VTABLE};
use crate::bridge::UserBridge;
use crate::text::{arg, BadArg};
use crossbeam_channel::{unbounded, Receiver, Sender};
use parking_lot::Mutex;
use sig2rtm::signaling::{
    CallbackMode, LegacyEvent, Signaling, SignalingCallback, SignalingConfig,
};
use std::cell::UnsafeCell;
use std::collections::HashMap;
use std::ffi::{c_char, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::{Arc, LazyLock, OnceLock};
use std::thread::ThreadId;

/// Which view an entry point was called through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum View {
    /// `IAgoraAPIC`.
    C,
    /// `agora_sdk_cpp::IAgoraAPI`.
    Cpp,
}

/// The program's handler, as installed by `callbackSet`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Handler {
    None,
    /// An `ICallBackC*`.
    C(*mut ICallBackC),
    /// An `agora_sdk_cpp::ICallBack*`.
    Cpp(*mut c_void),
}

// SAFETY: the pointer belongs to the program, which keeps the handler alive while it is
// installed (the legacy contract); the library only calls it from the instance's callback
// thread, one callback at a time, as the legacy SDK did.
unsafe impl Send for Handler {}
// SAFETY: as above; the library never dereferences the pointer except on that thread.
unsafe impl Sync for Handler {}

enum Item {
    Event(LegacyEvent),
    Stop,
}

/// The callback thread of an instance and what orders it against `callbackSet` and `destroy`.
struct Dispatch {
    tx: Sender<Item>,
    handler: Mutex<Handler>,
    /// Held while a callback runs, so that `callbackSet` and `destroy` on another thread can
    /// wait for it to end.
    gate: Mutex<()>,
    destroyed: AtomicBool,
    thread: OnceLock<ThreadId>,
}

impl Dispatch {
    fn on_callback_thread(&self) -> bool {
        self.thread.get() == Some(&std::thread::current().id())
    }

    /// Waits for a running callback to end, unless called from the callback itself.
    fn wait_for_callback(&self) {
        if !self.on_callback_thread() {
            drop(self.gate.lock());
        }
    }
}

fn run(rx: Receiver<Item>, d: Arc<Dispatch>) {
    let _ = d.thread.set(std::thread::current().id());
    for item in rx.iter() {
        let Item::Event(event) = item else { break };
        let _gate = d.gate.lock();
        if d.destroyed.load(Ordering::Acquire) {
            break;
        }
        let handler = *d.handler.lock();
        if matches!(handler, Handler::None) {
            continue;
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| event.deliver(&UserBridge(handler))));
        if outcome.is_err() {
            log::error!(
                "agorasig: delivering {} panicked; the instance goes on",
                event.legacy_name()
            );
        }
    }
}

/// One instance: the C++ object, the C struct, and the facade instance they drive.
///
/// `#[repr(C)]` with the C++ object first: the `IAgoraAPI*` handed out is the instance's
/// address, and the `IAgoraAPIC*` is at a fixed offset from it.
#[repr(C)]
pub(crate) struct Instance {
    cpp: UnsafeCell<CppApi>,
    c: UnsafeCell<IAgoraAPIC>,
    singleton: bool,
    sig: Mutex<Option<Signaling>>,
    dispatch: Arc<Dispatch>,
}

// SAFETY: after construction Rust code never writes the two cells except through the atomic
// `api`/`cb` fields; the program may touch them through the pointers it was given, as with any
// C struct. Everything else is synchronized (mutexes, atomics, channels).
unsafe impl Send for Instance {}
// SAFETY: as above.
unsafe impl Sync for Instance {}

/// Live instances by address. Entry points look their `this` up here before touching
/// anything, so a stale or foreign pointer is refused instead of dereferenced.
static LIVE: LazyLock<Mutex<HashMap<usize, Arc<Instance>>>> = LazyLock::new(Default::default);

impl Instance {
    /// The process-wide instance.
    pub fn singleton() -> Arc<Instance> {
        static ONE: OnceLock<Arc<Instance>> = OnceLock::new();
        ONE.get_or_init(|| Instance::new(true)).clone()
    }

    /// A new instance.
    pub fn create() -> Arc<Instance> {
        Instance::new(false)
    }

    fn new(singleton: bool) -> Arc<Instance> {
        let (tx, rx) = unbounded();
        let dispatch = Arc::new(Dispatch {
            tx: tx.clone(),
            handler: Mutex::new(Handler::None),
            gate: Mutex::new(()),
            destroyed: AtomicBool::new(false),
            thread: OnceLock::new(),
        });
        let d = dispatch.clone();
        let spawned = std::thread::Builder::new()
            .name("agorasig-callbacks".into())
            .spawn(move || run(rx, d));
        if let Err(e) = spawned {
            log::error!("agorasig: cannot start the callback thread: {e}");
        }
        // SIG2RTM_SERVER (network mode) is read by `SignalingConfig::default()`; unset, the
        // instance uses the RTM system embedded in the process. Callbacks are forwarded inline
        // to this crate's own callback thread, where boundary errors join them in order.
        let sig = Signaling::create_instance(
            SignalingConfig::default().callback_mode(CallbackMode::Inline),
        );
        let forward: Arc<dyn SignalingCallback> = Arc::new(move |event: LegacyEvent| {
            let _ = tx.send(Item::Event(event));
        });
        sig.callback_set(Some(forward));
        let inst = Arc::new(Instance {
            cpp: UnsafeCell::new(CppApi {
                vptr: std::ptr::addr_of!(CPP_VTABLE.methods).cast(),
            }),
            c: UnsafeCell::new(new_c_view()),
            singleton,
            sig: Mutex::new(Some(sig)),
            dispatch,
        });
        inst.c_field(|c| &c.api)
            .store(inst.cpp_ptr(), Ordering::Release);
        LIVE.lock()
            .insert(Arc::as_ptr(&inst) as usize, inst.clone());
        inst
    }

    /// The instance as an `agora_sdk_cpp::IAgoraAPI*`.
    pub fn cpp_ptr(&self) -> *mut c_void {
        self.cpp.get().cast()
    }

    /// The instance as an `IAgoraAPIC*`.
    pub fn c_ptr(&self) -> *mut IAgoraAPIC {
        self.c.get()
    }

    /// One atomic field of the C struct.
    fn c_field(&self, field: impl FnOnce(&IAgoraAPIC) -> &AtomicPtr<c_void>) -> &AtomicPtr<c_void> {
        // SAFETY: the struct lives as long as `self`; only its atomic fields are read through
        // this shared reference, and the program does not write the struct (documented).
        field(unsafe { &*self.c.get() })
    }

    /// The live instance whose C++ view is `this`.
    pub fn lookup_cpp(this: *mut CppApi) -> Option<Arc<Instance>> {
        if this.is_null() {
            return None;
        }
        LIVE.lock().get(&(this as usize)).cloned()
    }

    /// The live instance whose C view is `this`.
    pub fn lookup_c(this: *mut IAgoraAPIC) -> Option<Arc<Instance>> {
        if this.is_null() {
            return None;
        }
        let base = (this as usize).wrapping_sub(std::mem::offset_of!(Instance, c));
        LIVE.lock().get(&base).cloned()
    }

    /// `destroy()`: stops the facade instance; no callback runs after this returns (when
    /// called from a callback, none after that callback). Later calls are ignored.
    pub fn destroy(&self) {
        let d = &self.dispatch;
        if d.destroyed.swap(true, Ordering::AcqRel) {
            return;
        }
        let sig = self.sig.lock().take();
        if let Some(sig) = sig {
            sig.destroy();
        }
        let _ = d.tx.send(Item::Stop);
        d.wait_for_callback();
    }

    /// `release()` / `delete`: destroys, then forgets a created instance (its memory goes when
    /// the last call running on it returns). The process-wide instance stays registered.
    pub fn release(&self) {
        self.destroy();
        if !self.singleton {
            LIVE.lock().remove(&(self as *const Instance as usize));
        }
    }

    /// Queues `onError(name, 1004, desc)` for a call refused at the boundary.
    fn reject(&self, method: &str, desc: String) {
        let name = sig2rtm::mapping::method_by_legacy(method).map_or(method, |row| row.rust);
        let desc = format!("{method}: {desc}");
        log::warn!("agorasig: {desc}");
        let _ = self.dispatch.tx.send(Item::Event(LegacyEvent::Error {
            name: name.to_string(),
            ecode: sig2rtm::signaling::AgoraECode::GeneralEWrongParam.code(),
            desc,
        }));
    }
}

/// A call refused at the boundary (already reported).
pub(crate) struct Rejected;

/// One call of an entry point on a live instance.
pub(crate) struct Call<'a> {
    pub inst: &'a Instance,
    view: View,
    method: &'static str,
}

impl Call<'_> {
    /// The facade instance, or `Err` (with a logged warning) after `destroy`.
    pub fn sig(&self) -> Result<Signaling, Rejected> {
        match self.sig_quiet() {
            Some(sig) => Ok(sig),
            None => {
                log::warn!("agorasig: {} called after destroy(); ignored", self.method);
                Err(Rejected)
            }
        }
    }

    /// The facade instance, `None` after `destroy`.
    pub fn sig_quiet(&self) -> Option<Signaling> {
        self.inst.sig.lock().clone()
    }

    /// Reads the string argument `name`; a bad one is reported through `onError`.
    ///
    /// # Safety
    ///
    /// As [`crate::text::arg`]: `p` is NULL or readable up to `n` bytes or its first NUL.
    pub unsafe fn s<'s>(
        &self,
        name: &str,
        p: *const c_char,
        n: usize,
    ) -> Result<&'s str, Rejected> {
        // SAFETY: forwarded from the caller.
        unsafe { arg(name, p, n) }.map_err(|BadArg(desc)| {
            self.inst.reject(self.method, desc);
            Rejected
        })
    }

    /// `callbackSet`: installs the program's handler (NULL removes it). When called from
    /// another thread than the callback thread, returns only once a callback of the previous
    /// handler that was running has ended.
    pub fn set_handler(&self, ptr: *mut c_void) {
        let handler = match (ptr.is_null(), self.view) {
            (true, _) => Handler::None,
            (false, View::C) => Handler::C(ptr.cast()),
            (false, View::Cpp) => Handler::Cpp(ptr),
        };
        let d = &self.inst.dispatch;
        *d.handler.lock() = handler;
        let cb = match handler {
            Handler::C(p) => p.cast(),
            _ => std::ptr::null_mut(),
        };
        self.inst.c_field(|c| &c.cb).store(cb, Ordering::Release);
        d.wait_for_callback();
    }

    /// `callbackGet`: the handler installed through this view, or NULL.
    pub fn handler_ptr(&self) -> *mut c_void {
        match (*self.inst.dispatch.handler.lock(), self.view) {
            (Handler::C(p), View::C) => p.cast(),
            (Handler::Cpp(p), View::Cpp) => p,
            _ => std::ptr::null_mut(),
        }
    }
}

/// Runs the body of an entry point on the instance `inst` (the lookup of `this`), with panics
/// caught and turned into `fallback`.
pub(crate) fn enter<R: Copy>(
    view: View,
    inst: Option<Arc<Instance>>,
    method: &'static str,
    fallback: R,
    body: impl FnOnce(&Call<'_>) -> Result<R, Rejected>,
) -> R {
    crate::guarded(method, fallback, || {
        let Some(inst) = inst else {
            log::warn!("agorasig: {method} called on an unknown or released instance; ignored");
            return fallback;
        };
        let call = Call {
            inst: &inst,
            view,
            method,
        };
        body(&call).unwrap_or(fallback)
    })
}
