//! Calls into the program's handler: an `ICallBackC` (function pointers, NULL skipped) or an
//! `agora_sdk_cpp::ICallBack` (virtual table, slot `i` = field `i` of [`ICallBackC`]).

use crate::abi::ICallBackC;
use crate::instance::Handler;
use crate::text::CText;
use sig2rtm::signaling::SignalingCallback;
use std::ffi::{c_char, c_int, c_void};

/// The program's handler as a [`SignalingCallback`]; strings are handed over NUL-terminated
/// and sized, valid during the call.
pub(crate) struct UserBridge(pub Handler);

/// Reads slot `slot` of the virtual table of the C++ object `obj` as a function pointer of
/// the same type as an [`ICallBackC`] field (`_field` only names that type).
///
/// # Safety
///
/// `obj` is a live object of a class derived from `agora_sdk_cpp::ICallBack`, compiled
/// against `agora_sig.h` by an Itanium C++ ABI compiler; `slot` is the index of a callback in
/// declaration order; `F` is the pointer type of that callback's [`ICallBackC`] field.
unsafe fn cpp_slot<F: Copy>(
    obj: *mut c_void,
    slot: usize,
    _field: fn(&ICallBackC) -> Option<F>,
) -> Option<F> {
    const { assert!(std::mem::size_of::<F>() == std::mem::size_of::<*const c_void>()) };
    // SAFETY: by the Itanium ABI the object starts with a pointer to its virtual table, whose
    // entries from that address on are the virtual functions in declaration order; ICallBack
    // declares the callbacks first, so entry `slot` exists and has the signature of `F` (with
    // `this` first, passed like a C pointer argument).
    unsafe {
        let vtable = *obj.cast::<*const *const c_void>();
        let entry = *vtable.add(slot);
        if entry.is_null() {
            None
        } else {
            Some(std::mem::transmute_copy::<*const c_void, F>(&entry))
        }
    }
}

/// Calls callback `$field` of the handler with `$args` (after `self`).
macro_rules! call {
    ($h:expr, $field:ident ( $($arg:expr),* $(,)? )) => {{
        match $h {
            Handler::None => {}
            Handler::C(cb) => {
                // SAFETY: `cb` is the program's live `ICallBackC` (legacy contract: the
                // program owns the handler and keeps it alive while installed); its field is
                // NULL or a function of the header's signature, called with `self` first.
                unsafe {
                    if let Some(f) = (*cb).$field {
                        f(cb $(, $arg)*);
                    }
                }
            }
            Handler::Cpp(obj) => {
                let slot = std::mem::offset_of!(ICallBackC, $field)
                    / std::mem::size_of::<*const c_void>();
                // SAFETY: `obj` is the program's live `ICallBack` (same contract); the slot
                // of `$field` holds the virtual function of the same signature, which takes
                // `this` first like a C function takes `self`.
                unsafe {
                    if let Some(f) = cpp_slot(obj, slot, |c: &ICallBackC| c.$field) {
                        f(obj.cast::<ICallBackC>() $(, $arg)*);
                    }
                }
            }
        }
    }};
}

/// How many entries the lists of a callback hand over: the shortest list, within `c_int`.
fn entries(lens: &[usize]) -> usize {
    lens.iter()
        .copied()
        .min()
        .unwrap_or(0)
        .min(c_int::MAX as usize - 1)
}

/// The first `n` texts as C strings, and a NULL-terminated array of pointers to them (valid
/// while the texts live).
fn text_list(items: &[String], n: usize) -> (Vec<CText>, Vec<*mut c_char>) {
    let mut texts: Vec<CText> = items[..n].iter().map(|a| CText::new(a)).collect();
    let mut ptrs: Vec<*mut c_char> = texts.iter_mut().map(CText::ptr_mut).collect();
    ptrs.push(std::ptr::null_mut());
    (texts, ptrs)
}

/// The first `n` uids, followed by a terminating 0.
fn id_list(items: &[u32], n: usize) -> Vec<u32> {
    let mut ids = items[..n].to_vec();
    ids.push(0);
    ids
}

include!(concat!(env!("OUT_DIR"), "/callback_bridge.rs"));
