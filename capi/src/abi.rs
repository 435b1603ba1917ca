//! The binary interface of `agora_sig.h`: the C structs [`ICallBackC`] and [`IAgoraAPIC`], and
//! the virtual table of the C++ `IAgoraAPI` objects.
//!
//! One list of methods (the `api_methods!` invocation below, in the header's declaration order)
//! generates the fields of [`IAgoraAPIC`], the slots of the C++ virtual table and the entry
//! points behind both, so the two views cannot drift apart. The tests compile the header with
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

api_methods! {
    callbackSet(handler: *mut c_void) -> () = ();
        |c| { c.set_handler(handler); Ok(()) }
    callbackGet() -> *mut c_void = std::ptr::null_mut();
        |c| { Ok(c.handler_ptr()) }
    login(vendor_id: S, vendor_id_size: usize, account: S, account_size: usize, token: S,
          token_size: usize, uid: u32, device_id: S, device_id_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            let vendor_id = c.s("vendorID", vendor_id, vendor_id_size)?;
            let account = c.s("account", account, account_size)?;
            let token = c.s("token", token, token_size)?;
            let device_id = c.s("deviceID", device_id, device_id_size)?;
            sig.login(vendor_id, account, token, uid, device_id);
            Ok(())
        }
    login2(vendor_id: S, vendor_id_size: usize, account: S, account_size: usize, token: S,
           token_size: usize, uid: u32, device_id: S, device_id_size: usize,
           retry_time_in_s: c_int, retry_count: c_int) -> () = ();
        |c| {
            let sig = c.sig()?;
            let vendor_id = c.s("vendorID", vendor_id, vendor_id_size)?;
            let account = c.s("account", account, account_size)?;
            let token = c.s("token", token, token_size)?;
            let device_id = c.s("deviceID", device_id, device_id_size)?;
            sig.login2(vendor_id, account, token, uid, device_id, retry_time_in_s, retry_count);
            Ok(())
        }
    logout() -> () = ();
        |c| { c.sig()?.logout(); Ok(()) }
    channelJoin(channel_id: S, channel_id_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            sig.channel_join(c.s("channelID", channel_id, channel_id_size)?);
            Ok(())
        }
    channelLeave(channel_id: S, channel_id_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            sig.channel_leave(c.s("channelID", channel_id, channel_id_size)?);
            Ok(())
        }
    channelQueryUserNum(channel_id: S, channel_id_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            sig.channel_query_user_num(c.s("channelID", channel_id, channel_id_size)?);
            Ok(())
        }
    channelQueryUserIsIn(channel_id: S, channel_id_size: usize, account: S,
                         account_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            let channel_id = c.s("channelID", channel_id, channel_id_size)?;
            let account = c.s("account", account, account_size)?;
            sig.channel_query_user_is_in(channel_id, account);
            Ok(())
        }
    channelSetAttr(channel_id: S, channel_id_size: usize, name: S, name_size: usize, value: S,
                   value_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            let channel_id = c.s("channelID", channel_id, channel_id_size)?;
            let name = c.s("name", name, name_size)?;
            let value = c.s("value", value, value_size)?;
            sig.channel_set_attr(channel_id, name, value);
            Ok(())
        }
    channelDelAttr(channel_id: S, channel_id_size: usize, name: S, name_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            let channel_id = c.s("channelID", channel_id, channel_id_size)?;
            let name = c.s("name", name, name_size)?;
            sig.channel_del_attr(channel_id, name);
            Ok(())
        }
    channelClearAttr(channel_id: S, channel_id_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            sig.channel_clear_attr(c.s("channelID", channel_id, channel_id_size)?);
            Ok(())
        }
    channelInviteUser(channel_id: S, channel_id_size: usize, account: S, account_size: usize,
                      uid: u32) -> () = ();
        |c| {
            let sig = c.sig()?;
            let channel_id = c.s("channelID", channel_id, channel_id_size)?;
            let account = c.s("account", account, account_size)?;
            sig.channel_invite_user(channel_id, account, uid);
            Ok(())
        }
    channelInviteUser2(channel_id: S, channel_id_size: usize, account: S, account_size: usize,
                       extra: S, extra_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            let channel_id = c.s("channelID", channel_id, channel_id_size)?;
            let account = c.s("account", account, account_size)?;
            let extra = c.s("extra", extra, extra_size)?;
            sig.channel_invite_user2(channel_id, account, extra);
            Ok(())
        }
    channelInvitePhone(channel_id: S, channel_id_size: usize, phone_num: S,
                       phone_num_size: usize, uid: u32) -> () = ();
        |c| {
            let sig = c.sig()?;
            let channel_id = c.s("channelID", channel_id, channel_id_size)?;
            let phone_num = c.s("phoneNum", phone_num, phone_num_size)?;
            sig.channel_invite_phone(channel_id, phone_num, uid);
            Ok(())
        }
    channelInvitePhone2(channel_id: S, channel_id_size: usize, phone_num: S,
                        phone_num_size: usize, sources_num: S, sources_num_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            let channel_id = c.s("channelID", channel_id, channel_id_size)?;
            let phone_num = c.s("phoneNum", phone_num, phone_num_size)?;
            let sources_num = c.s("sourcesNum", sources_num, sources_num_size)?;
            sig.channel_invite_phone2(channel_id, phone_num, sources_num);
            Ok(())
        }
    channelInvitePhone3(channel_id: S, channel_id_size: usize, phone_num: S,
                        phone_num_size: usize, sources_num: S, sources_num_size: usize,
                        extra: S, extra_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            let channel_id = c.s("channelID", channel_id, channel_id_size)?;
            let phone_num = c.s("phoneNum", phone_num, phone_num_size)?;
            let sources_num = c.s("sourcesNum", sources_num, sources_num_size)?;
            let extra = c.s("extra", extra, extra_size)?;
            sig.channel_invite_phone3(channel_id, phone_num, sources_num, extra);
            Ok(())
        }
    channelInviteDTMF(channel_id: S, channel_id_size: usize, phone_num: S,
                      phone_num_size: usize, dtmf: S, dtmf_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            let channel_id = c.s("channelID", channel_id, channel_id_size)?;
            let phone_num = c.s("phoneNum", phone_num, phone_num_size)?;
            let dtmf = c.s("dtmf", dtmf, dtmf_size)?;
            sig.channel_invite_dtmf(channel_id, phone_num, dtmf);
            Ok(())
        }
    channelInviteAccept(channel_id: S, channel_id_size: usize, account: S, account_size: usize,
                        uid: u32, extra: S, extra_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            let channel_id = c.s("channelID", channel_id, channel_id_size)?;
            let account = c.s("account", account, account_size)?;
            let extra = c.s("extra", extra, extra_size)?;
            sig.channel_invite_accept(channel_id, account, uid, extra);
            Ok(())
        }
    channelInviteRefuse(channel_id: S, channel_id_size: usize, account: S, account_size: usize,
                        uid: u32, extra: S, extra_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            let channel_id = c.s("channelID", channel_id, channel_id_size)?;
            let account = c.s("account", account, account_size)?;
            let extra = c.s("extra", extra, extra_size)?;
            sig.channel_invite_refuse(channel_id, account, uid, extra);
            Ok(())
        }
    channelInviteEnd(channel_id: S, channel_id_size: usize, account: S, account_size: usize,
                     uid: u32) -> () = ();
        |c| {
            let sig = c.sig()?;
            let channel_id = c.s("channelID", channel_id, channel_id_size)?;
            let account = c.s("account", account, account_size)?;
            sig.channel_invite_end(channel_id, account, uid);
            Ok(())
        }
    messageAppSend(msg: S, msg_size: usize, msg_id: S, msg_id_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            let msg = c.s("msg", msg, msg_size)?;
            let msg_id = c.s("msgID", msg_id, msg_id_size)?;
            sig.message_app_send(msg, msg_id);
            Ok(())
        }
    messageInstantSend(account: S, account_size: usize, uid: u32, msg: S, msg_size: usize,
                       msg_id: S, msg_id_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            let account = c.s("account", account, account_size)?;
            let msg = c.s("msg", msg, msg_size)?;
            let msg_id = c.s("msgID", msg_id, msg_id_size)?;
            sig.message_instant_send(account, uid, msg, msg_id);
            Ok(())
        }
    messageInstantSend2(account: S, account_size: usize, uid: u32, msg: S, msg_size: usize,
                        msg_id: S, msg_id_size: usize, options: S, options_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            let account = c.s("account", account, account_size)?;
            let msg = c.s("msg", msg, msg_size)?;
            let msg_id = c.s("msgID", msg_id, msg_id_size)?;
            let options = c.s("options", options, options_size)?;
            sig.message_instant_send2(account, uid, msg, msg_id, options);
            Ok(())
        }
    messageChannelSend(channel_id: S, channel_id_size: usize, msg: S, msg_size: usize,
                       msg_id: S, msg_id_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            let channel_id = c.s("channelID", channel_id, channel_id_size)?;
            let msg = c.s("msg", msg, msg_size)?;
            let msg_id = c.s("msgID", msg_id, msg_id_size)?;
            sig.message_channel_send(channel_id, msg, msg_id);
            Ok(())
        }
    messageChannelSendForce(channel_id: S, channel_id_size: usize, msg: S, msg_size: usize,
                            msg_id: S, msg_id_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            let channel_id = c.s("channelID", channel_id, channel_id_size)?;
            let msg = c.s("msg", msg, msg_size)?;
            let msg_id = c.s("msgID", msg_id, msg_id_size)?;
            sig.message_channel_send_force(channel_id, msg, msg_id);
            Ok(())
        }
    messageChannelSend2(channel_id: S, channel_id_size: usize, msg: S, msg_size: usize,
                        msg_id: S, msg_id_size: usize, extra: S, extra_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            let channel_id = c.s("channelID", channel_id, channel_id_size)?;
            let msg = c.s("msg", msg, msg_size)?;
            let msg_id = c.s("msgID", msg_id, msg_id_size)?;
            let extra = c.s("extra", extra, extra_size)?;
            sig.message_channel_send2(channel_id, msg, msg_id, extra);
            Ok(())
        }
    messagePushSend(account: S, account_size: usize, uid: u32, msg: S, msg_size: usize,
                    msg_id: S, msg_id_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            let account = c.s("account", account, account_size)?;
            let msg = c.s("msg", msg, msg_size)?;
            let msg_id = c.s("msgID", msg_id, msg_id_size)?;
            sig.message_push_send(account, uid, msg, msg_id);
            Ok(())
        }
    messageChatSend(account: S, account_size: usize, uid: u32, msg: S, msg_size: usize,
                    msg_id: S, msg_id_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            let account = c.s("account", account, account_size)?;
            let msg = c.s("msg", msg, msg_size)?;
            let msg_id = c.s("msgID", msg_id, msg_id_size)?;
            sig.message_chat_send(account, uid, msg, msg_id);
            Ok(())
        }
    messageDTMFSend(uid: u32, msg: S, msg_size: usize, msg_id: S, msg_id_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            let msg = c.s("msg", msg, msg_size)?;
            let msg_id = c.s("msgID", msg_id, msg_id_size)?;
            sig.message_dtmf_send(uid, msg, msg_id);
            Ok(())
        }
    setBackground(b_out: u32) -> () = ();
        |c| { c.sig()?.set_background(b_out); Ok(()) }
    setNetworkStatus(b_out: u32) -> () = ();
        |c| { c.sig()?.set_network_status(b_out); Ok(()) }
    ping() -> () = ();
        |c| { c.sig()?.ping(); Ok(()) }
    setAttr(name: S, name_size: usize, value: S, value_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            let name = c.s("name", name, name_size)?;
            let value = c.s("value", value, value_size)?;
            sig.set_attr(name, value);
            Ok(())
        }
    getAttr(name: S, name_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            sig.get_attr(c.s("name", name, name_size)?);
            Ok(())
        }
    getAttrAll() -> () = ();
        |c| { c.sig()?.get_attr_all(); Ok(()) }
    getUserAttr(account: S, account_size: usize, name: S, name_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            let account = c.s("account", account, account_size)?;
            let name = c.s("name", name, name_size)?;
            sig.get_user_attr(account, name);
            Ok(())
        }
    getUserAttrAll(account: S, account_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            sig.get_user_attr_all(c.s("account", account, account_size)?);
            Ok(())
        }
    queryUserStatus(account: S, account_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            sig.query_user_status(c.s("account", account, account_size)?);
            Ok(())
        }
    invoke(name: S, name_size: usize, req: S, req_size: usize, call_id: S,
           call_id_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            let name = c.s("name", name, name_size)?;
            let req = c.s("req", req, req_size)?;
            let call_id = c.s("callID", call_id, call_id_size)?;
            sig.invoke(name, req, call_id);
            Ok(())
        }
    start() -> () = ();
        |c| { c.sig()?.start(); Ok(()) }
    stop() -> () = ();
        |c| { c.sig()?.stop(); Ok(()) }
    isOnline() -> bool = false;
        |c| { Ok(c.sig_quiet().is_some_and(|s| s.is_online())) }
    getStatus() -> c_int = 0;
        |c| { Ok(c.sig_quiet().map_or(0, |s| s.get_status())) }
    getSdkVersion() -> c_int = sig2rtm::signaling::sdk_version();
        |c| { Ok(sig2rtm::signaling::sdk_version()) }
    bc_call(func: S, func_size: usize, json_args: S, json_args_size: usize, call_id: S,
            call_id_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            let func = c.s("func", func, func_size)?;
            let json_args = c.s("json_args", json_args, json_args_size)?;
            let call_id = c.s("callID", call_id, call_id_size)?;
            sig.bc_call(func, json_args, call_id);
            Ok(())
        }
    dbg(a: S, a_size: usize, b: S, b_size: usize) -> () = ();
        |c| {
            let sig = c.sig()?;
            let a = c.s("a", a, a_size)?;
            let b = c.s("b", b, b_size)?;
            sig.dbg(a, b);
            Ok(())
        }
    destroy() -> () = ();
        |c| { c.inst.destroy(); Ok(()) }
}
