//! The binary interface of `agora_sig.h`: the C structs [`ICallBackC`] and [`IAgoraAPIC`], and
//! the virtual table of the C++ `IAgoraAPI` objects.
//!
//! One list of methods (the `api_methods!` expansion that `legacy_api!` builds from the
//! `[[method]]` rows, in the header's declaration order) generates the fields of
//! [`IAgoraAPIC`], the slots of the C++ virtual table and the entry points behind both, so the
//! two views cannot drift apart. `ICallBackC` is generated from the `[[callback]]` rows. The tests compile the header with
//! the system compiler and check that its offsets and slot numbers match these.

use crate::instance::{enter, Instance, View};
use std::ffi::{c_char, c_int, c_void};
use std::sync::atomic::AtomicPtr;

include!(concat!(env!("OUT_DIR"), "/icallback_c.rs"));

/// `char const*` of the header.
type S = *const c_char;

/// The C++ `IAgoraAPI` object: only its virtual-table pointer. It is the first field of
/// [`Instance`], so the object's address is the instance's.
#[repr(C)]
pub(crate) struct CppApi {
    pub vptr: *const c_void,
}

/// An Itanium C++ ABI virtual table for a class without bases: the offset to the top of the
/// object, the type-info pointer (none: `typeid` and `dynamic_cast` to derived types are not
/// supported on these objects), then the virtual functions; objects point at `methods`.
#[repr(C)]
pub(crate) struct CppVtable {
    pub offset_to_top: isize,
    pub type_info: *const c_void,
    pub methods: CppMethods,
}

// SAFETY: the table is immutable and its only pointer (`type_info`) is NULL.
unsafe impl Sync for CppVtable {}

macro_rules! api_methods {
    ($(
        $name:ident ( $($p:ident : $t:ty),* ) -> $ret:ty = $default:expr;
            |$c:ident| $body:block
    )*) => {
        /// `IAgoraAPIC`: one function pointer per legacy method in declaration order, each
        /// taking the instance first, then `release`, `api` (the same instance as an
        /// `agora_sdk_cpp::IAgoraAPI*`) and `cb` (the installed `ICallBackC*`, or NULL).
        #[repr(C)]
        pub struct IAgoraAPIC {
            $(pub $name: unsafe extern "C" fn(*mut IAgoraAPIC $(, $t)*) -> $ret,)*
            pub release: unsafe extern "C" fn(*mut IAgoraAPIC),
            pub api: AtomicPtr<c_void>,
            pub cb: AtomicPtr<c_void>,
        }

        /// The virtual functions of `IAgoraAPI` in declaration order, then the complete-object
        /// and the deleting destructor.
        #[repr(C)]
        pub(crate) struct CppMethods {
            $(pub $name: unsafe extern "C" fn(*mut CppApi $(, $t)*) -> $ret,)*
            pub complete_dtor: unsafe extern "C" fn(*mut CppApi),
            pub deleting_dtor: unsafe extern "C" fn(*mut CppApi),
        }

        /// The methods' names in declaration order (= field order of [`IAgoraAPIC`] = slot
        /// order of the C++ `IAgoraAPI` virtual table).
        pub const METHOD_NAMES: &[&str] = &[$(stringify!($name)),*];

        /// Entry points of the C view.
        mod c_entry {
            use super::*;
            $(
                #[allow(unused_variables, unused_unsafe, clippy::too_many_arguments)]
                pub(super) unsafe extern "C" fn $name(this: *mut IAgoraAPIC $(, $p: $t)*) -> $ret {
                    // SAFETY: `enter` only looks the pointer up among live instances; the
                    // string arguments are read by `Call::s` under the legacy contract (each
                    // readable for its size or up to its NUL), nothing else is dereferenced.
                    unsafe {
                        enter(View::C, Instance::lookup_c(this), stringify!($name), $default, |$c| $body)
                    }
                }
            )*
        }

        /// Entry points of the C++ view (the virtual functions).
        mod cpp_entry {
            use super::*;
            $(
                #[allow(unused_variables, unused_unsafe, clippy::too_many_arguments)]
                pub(super) unsafe extern "C" fn $name(this: *mut CppApi $(, $p: $t)*) -> $ret {
                    // SAFETY: as for the C view above.
                    unsafe {
                        enter(View::Cpp, Instance::lookup_cpp(this), stringify!($name), $default, |$c| $body)
                    }
                }
            )*
        }

        /// A C view whose function pointers are the entry points (`api`, `cb` still NULL).
        pub(crate) fn new_c_view() -> IAgoraAPIC {
            IAgoraAPIC {
                $($name: c_entry::$name,)*
                release: c_release,
                api: AtomicPtr::new(std::ptr::null_mut()),
                cb: AtomicPtr::new(std::ptr::null_mut()),
            }
        }

        /// The virtual table every C++ view points into.
        pub(crate) static CPP_VTABLE: CppVtable = CppVtable {
            offset_to_top: 0,
            type_info: std::ptr::null(),
            methods: CppMethods {
                $($name: cpp_entry::$name,)*
                complete_dtor: cpp_complete_dtor,
                deleting_dtor: cpp_deleting_dtor,
            },
        };
    };
}

/// `release(self)` of the C view.
unsafe extern "C" fn c_release(this: *mut IAgoraAPIC) {
    crate::guarded("release", (), || match Instance::lookup_c(this) {
        Some(inst) => inst.release(),
        None => log::warn!("agorasig: release called on an unknown or released instance"),
    })
}

/// `~IAgoraAPI()` called explicitly: destroys, keeps the object.
unsafe extern "C" fn cpp_complete_dtor(this: *mut CppApi) {
    crate::guarded("~IAgoraAPI", (), || {
        if let Some(inst) = Instance::lookup_cpp(this) {
            inst.destroy();
        }
    })
}

/// `delete api`: destroys, and frees a created instance (the process-wide one stays).
unsafe extern "C" fn cpp_deleting_dtor(this: *mut CppApi) {
    crate::guarded("delete IAgoraAPI", (), || {
        match Instance::lookup_cpp(this) {
            Some(inst) => inst.release(),
            None => log::warn!("agorasig: delete on an unknown or released instance"),
        }
    })
}

include!(concat!(env!("OUT_DIR"), "/api_methods.rs"));

// The entries of the methods the facade answers itself; the others come from the rows.
legacy_api! {
    callbackSet: {
        callbackSet(handler: *mut c_void) -> () = ();
            |c| { c.set_handler(handler); Ok(()) }
    }
    callbackGet: {
        callbackGet() -> *mut c_void = std::ptr::null_mut();
            |c| { Ok(c.handler_ptr()) }
    }
    isOnline: {
        isOnline() -> bool = false;
            |c| { Ok(c.sig_quiet().is_some_and(|s| s.is_online())) }
    }
    getStatus: {
        getStatus() -> c_int = 0;
            |c| { Ok(c.sig_quiet().map_or(0, |s| s.get_status())) }
    }
    getSdkVersion: {
        getSdkVersion() -> c_int = sig2rtm::signaling::sdk_version();
            |c| { Ok(sig2rtm::signaling::sdk_version()) }
    }
    destroy: {
        destroy() -> () = ();
            |c| { c.inst.destroy(); Ok(()) }
    }
}
