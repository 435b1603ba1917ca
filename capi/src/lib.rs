//! `libagorasig`: the legacy Agora Signaling C and C++ interface (`capi/include/agora_sig.h`)
//! over the [`sig2rtm::signaling::Signaling`] facade.
//!
//! A legacy Linux program recompiles against `agora_sig.h` unchanged and links with
//! `-lagorasig -lpthread`; every call then runs on the RTM 1.x core of sig2rtm.
//!
//! What the library exports:
//!
//! - `getAgoraSDKInstanceCPP` / `createAgoraSDKInstanceCPP`: an `agora_sdk_cpp::IAgoraAPI*`.
//!   The C++ object is laid out by this crate following the Itanium C++ ABI (a pointer to a
//!   virtual table whose slots are the methods in declaration order, then the two destructor
//!   entries), so no C++ compiler is involved in building the library. Callbacks are made
//!   through the `ICallBack` virtual table of the program's handler in the same way
//!   ([`abi::ICallBackC`] lists the slots in order).
//! - `getAgoraSDKInstanceC` / `createAgoraSDKInstanceC`: an [`abi::IAgoraAPIC`], the same API as
//!   a struct of function pointers, with `self` first.
//!
//! Both views of an instance share one [`sig2rtm::signaling::Signaling`] and one callback
//! thread. The rules at the boundary (string arguments, calls after `destroy`, callbacks) are
//! in the header's opening comment and in the README section "Using it from legacy C/C++".
//!
//! Every exported function catches panics, so no panic crosses the C boundary; an exception
//! thrown by a program's callback reaches Rust as a foreign exception, and Rust aborts the
//! process (as it documents) rather than unwinding through it.

#![warn(clippy::undocumented_unsafe_blocks)]
#![deny(unsafe_op_in_unsafe_fn)]
#![allow(non_snake_case)] // the C ABI keeps the legacy names exactly (contract rule N1)

pub mod abi;
mod bridge;
mod instance;
mod text;

use abi::IAgoraAPIC;
use instance::Instance;
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `f`, turning a panic into `fallback` (logged), so that no panic unwinds into C.
fn guarded<R>(what: &str, fallback: R, f: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(_) => {
            log::error!("agorasig: {what} panicked; the call was abandoned");
            fallback
        }
    }
}

/// `getAgoraSDKInstanceCPP`: the process-wide instance as an `agora_sdk_cpp::IAgoraAPI*`, the
/// same pointer on every call.
#[no_mangle]
pub extern "C" fn getAgoraSDKInstanceCPP() -> *mut c_void {
    guarded("getAgoraSDKInstanceCPP", std::ptr::null_mut(), || {
        Instance::singleton().cpp_ptr()
    })
}

/// `createAgoraSDKInstanceCPP`: a new instance as an `agora_sdk_cpp::IAgoraAPI*`.
#[no_mangle]
pub extern "C" fn createAgoraSDKInstanceCPP() -> *mut c_void {
    guarded("createAgoraSDKInstanceCPP", std::ptr::null_mut(), || {
        Instance::create().cpp_ptr()
    })
}

/// `getAgoraSDKInstanceC`: the process-wide instance as an `IAgoraAPIC*`, the same pointer on
/// every call (the same instance as `getAgoraSDKInstanceCPP`).
#[no_mangle]
pub extern "C" fn getAgoraSDKInstanceC() -> *mut IAgoraAPIC {
    guarded("getAgoraSDKInstanceC", std::ptr::null_mut(), || {
        Instance::singleton().c_ptr()
    })
}

/// `createAgoraSDKInstanceC`: a new instance as an `IAgoraAPIC*`; `release` frees it.
#[no_mangle]
pub extern "C" fn createAgoraSDKInstanceC() -> *mut IAgoraAPIC {
    guarded("createAgoraSDKInstanceC", std::ptr::null_mut(), || {
        Instance::create().c_ptr()
    })
}
