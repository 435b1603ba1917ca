//! [`Signaling`]: the legacy `IAgoraAPI`, method for method.

use super::config::SignalingConfig;
use super::{LoginState, SignalingCallback};
use crate::adapter::{Adapter, Args, Command, Delivery, Shared};
use crate::mapping::LegacyMethod;
use crate::rtm::RtmClient;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use tokio::sync::mpsc::UnboundedSender;

/// A legacy Signaling instance (`IAgoraAPI`) running on the RTM 1.x core.
///
/// Every method returns at once (T1): the call is queued and its outcome arrives as callbacks
/// on the handler installed with [`Signaling::callback_set`]. Nothing here panics or blocks on
/// the network, whatever the input; bad input is answered through the operation's failure
/// callback and `on_error`.
///
/// ```
/// use sig2rtm::signaling::{Signaling, SignalingCallback, SignalingConfig};
/// use sig2rtm::system::{System, SystemConfig};
/// use std::sync::{mpsc, Arc, Mutex};
///
/// struct OnLogin(Mutex<mpsc::Sender<u32>>);
/// impl SignalingCallback for OnLogin {
///     fn on_login_success(&self, uid: u32, _fd: i32) {
///         let _ = self.0.lock().unwrap().send(uid);
///     }
/// }
///
/// let system = System::new(SystemConfig::default());
/// let sig = Signaling::create_instance(SignalingConfig::default().system(&system));
/// let (tx, rx) = mpsc::channel();
/// sig.callback_set(Some(Arc::new(OnLogin(Mutex::new(tx)))));
/// sig.login2("0123456789abcdef0123456789abcdef", "alice", "_no_need_token", 0, "", 30, 3);
/// let uid = rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
/// assert_ne!(uid, 0);
/// sig.destroy();
/// ```
#[doc(alias = "IAgoraAPI")]
#[derive(Clone)]
pub struct Signaling {
    inner: Arc<Inner>,
}

struct Inner {
    commands: UnboundedSender<Command>,
    shared: Arc<Shared>,
    delivery: Arc<Delivery>,
    destroyed: AtomicBool,
}

/// The crate's shared runtime for instances that were not given one.
fn default_runtime() -> tokio::runtime::Handle {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("sig2rtm-runtime")
                .enable_all()
                .build()
                .expect("the sig2rtm runtime could not start (out of threads?)")
        })
        .handle()
        .clone()
}

impl Signaling {
    /// The process-wide instance (`getAgoraSDKInstance`): the same one on every call, on the
    /// embedded RTM system unless `SIG2RTM_SERVER` says otherwise.
    #[doc(alias = "getInstance")]
    #[doc(alias = "getAgoraSDKInstanceCPP")]
    pub fn get_instance() -> Signaling {
        static INSTANCE: OnceLock<Signaling> = OnceLock::new();
        INSTANCE
            .get_or_init(|| Signaling::create_instance(SignalingConfig::default()))
            .clone()
    }

    /// A new, independent instance (`createAgoraSDKInstance`).
    #[doc(alias = "createAgoraSDKInstance")]
    #[doc(alias = "createAgoraSDKInstanceCPP")]
    pub fn create_instance(config: SignalingConfig) -> Signaling {
        let runtime = config.runtime.clone().unwrap_or_else(default_runtime);
        let shared = Arc::new(Shared::new());
        let delivery = Arc::new(Delivery::default());
        let commands = Adapter::spawn(shared.clone(), config, delivery.clone(), &runtime);
        Signaling {
            inner: Arc::new(Inner {
                commands,
                shared,
                delivery,
                destroyed: AtomicBool::new(false),
            }),
        }
    }

    /// Queues a legacy call for the adapter.
    fn call(&self, method: LegacyMethod, args: Args) {
        if self.inner.destroyed.load(Ordering::Acquire) {
            log::warn!("{} called after destroy(); ignored", method.rust_name());
            return;
        }
        if self.inner.shared.count(method) {
            log::info!("{}", crate::migration::first_call_hint(method));
        }
        let _ = self.inner.commands.send(Command::Call(method, args));
    }

    /// Installs the callback handler, replacing the previous one atomically (T3); `None`
    /// removes it. Events with no handler set are dropped.
    #[doc(alias = "callbackSet")]
    pub fn callback_set(&self, handler: Option<Arc<dyn SignalingCallback>>) {
        self.inner.shared.count(LegacyMethod::CallbackSet);
        self.inner.delivery.set_handler(handler);
    }

    /// The handler installed now.
    #[doc(alias = "callbackGet")]
    pub fn callback_get(&self) -> Option<Arc<dyn SignalingCallback>> {
        self.inner.shared.count(LegacyMethod::CallbackGet);
        self.inner.delivery.handler()
    }

    /// The login state: 0 not logged in, 1 logging in, 2 logged in, 3 reconnecting (N2).
    #[doc(alias = "getStatus")]
    pub fn get_status(&self) -> i32 {
        self.inner.shared.count(LegacyMethod::GetStatus);
        self.login_state() as i32
    }

    /// The login state as an enum.
    pub fn login_state(&self) -> LoginState {
        self.inner.shared.status()
    }

    /// True when logged in (obsolete legacy call).
    #[doc(alias = "isOnline")]
    pub fn is_online(&self) -> bool {
        self.inner.shared.count(LegacyMethod::IsOnline);
        self.login_state() == LoginState::Logined
    }

    /// The SDK version in the legacy encoding (N5):
    /// `1_000_000_000 + major*10_000_000 + minor*100_000 + patch*1_000 + build`.
    #[doc(alias = "getSdkVersion")]
    pub fn get_sdk_version(&self) -> i32 {
        self.inner.shared.count(LegacyMethod::GetSdkVersion);
        sdk_version()
    }

    /// The RTM client under this instance, for new code that migrates to RTM: it shares the
    /// connection, and its events reach both. `None` before the first login.
    pub fn rtm_client(&self) -> Option<RtmClient> {
        self.inner.shared.client()
    }

    /// How many times `method` was called on this instance.
    pub fn calls_of(&self, method: LegacyMethod) -> u64 {
        self.inner.shared.calls_of(method)
    }

    /// Logs out if needed, stops every timer and task; no callback runs after it returns (S8).
    /// Later calls are ignored with a warning. Safe to call from inside a callback.
    pub fn destroy(&self) {
        if self.inner.destroyed.swap(true, Ordering::AcqRel) {
            return;
        }
        self.inner.shared.count(LegacyMethod::Destroy);
        self.inner.delivery.shut();
        let _ = self.inner.commands.send(Command::Destroy);
    }

    /// `login` (direct). Same as login2 with retry_time_in_s = 30 and retry_count = 3; the account becomes the RTM user id and the uid and deviceID arguments are ignored. An empty token or `_no_need_token` means App-ID-only auth, a legacy SignalingToken goes through the configured token provider or fails with 206, and a call made while logging in or logged in is dropped with a logged warning.
    pub fn login(&self, vendor_id: &str, account: &str, token: &str, uid: u32, device_id: &str) {
        let _ = uid; // N4: uids passed in are ignored
        self.call(
            LegacyMethod::Login,
            Args::new([vendor_id, account, token, device_id], []),
        );
    }

    /// `login2` (direct). RTM login wrapped in a retry loop: failures the error table marks transient are retried until retry_count attempts or retry_time_in_s seconds are spent, then onLoginFailed(201); permanent failures are reported at once. The same two limits also bound reconnection after a successful login.
    #[allow(clippy::too_many_arguments)] // the legacy signature, parameter for parameter
    pub fn login2(
        &self,
        vendor_id: &str,
        account: &str,
        token: &str,
        uid: u32,
        device_id: &str,
        retry_time_in_s: i32,
        retry_count: i32,
    ) {
        let _ = uid; // N4: uids passed in are ignored
        self.call(
            LegacyMethod::Login2,
            Args::new(
                [vendor_id, account, token, device_id],
                [i64::from(retry_time_in_s), i64::from(retry_count)],
            ),
        );
    }

    /// `logout` (direct). RTM logout, answered by onLogout(101) alone, with no per-channel callbacks, and status 0. Called while not logged in it only reports onError("logout", 1003); the legacy code 108 is never sent because no source shows the old SDK delivering it.
    pub fn logout(&self) {
        self.call(LegacyMethod::Logout, Args::default());
    }

    /// `channelJoin` (emulated). After the RTM join succeeds the shim reports onChannelJoined, then a user list built from getMembers (at most 200 entries, self included), then one "update" per existing channel attribute. Under the default single-channel policy the current channel is left first with onChannelLeaved(old, 602), which settles the UNCONFIRMED auto-leave question; re-joining a joined channel replays the sequence without leaving.
    #[doc(alias = "channelJoin")]
    pub fn channel_join(&self, channel_id: &str) {
        self.call(LegacyMethod::ChannelJoin, Args::new([channel_id], []));
    }

    /// `channelLeave` (direct). RTM leave, reported as onChannelLeaved(ch, 602); the remaining members see onChannelUserLeaved. Leaving a channel the user is not in also answers 602, the reading the Chinese error doc gives that code.
    #[doc(alias = "channelLeave")]
    pub fn channel_leave(&self, channel_id: &str) {
        self.call(LegacyMethod::ChannelLeave, Args::new([channel_id], []));
    }

    /// `channelQueryUserNum` (emulated). Counted from getMembers while joined and below 512 members, otherwise from getChannelMemberCount; the count includes the caller when joined. Failures come back as onChannelQueryUserNumResult with 500 or 501 and num 0.
    #[doc(alias = "channelQueryUserNum")]
    pub fn channel_query_user_num(&self, channel_id: &str) {
        self.call(
            LegacyMethod::ChannelQueryUserNum,
            Args::new([channel_id], []),
        );
    }

    /// `channelQueryUserIsIn` (emulated). Answered from getMembers when joined (exact below 512 members); from outside the channel the shim joins briefly, lists the members and leaves, which the members do see as a join and a leave. The reply callback has no error field, so failures reach the app only through onError.
    #[doc(alias = "channelQueryUserIsIn")]
    pub fn channel_query_user_is_in(&self, channel_id: &str, account: &str) {
        self.call(
            LegacyMethod::ChannelQueryUserIsIn,
            Args::new([channel_id, account], []),
        );
    }

    /// `channelSetAttr` (emulated). Upserts one channel attribute with member notification enabled; every member, writer included, gets exactly one onChannelAttrUpdated("update") computed by diffing RTM's full snapshot. Names over 32 bytes or values over 8 KB fail with onError 1004 or 1005 instead of being cut.
    #[doc(alias = "channelSetAttr")]
    pub fn channel_set_attr(&self, channel_id: &str, name: &str, value: &str) {
        self.call(
            LegacyMethod::ChannelSetAttr,
            Args::new([channel_id, name, value], []),
        );
    }

    /// `channelDelAttr` (emulated). Deletes one key with member notification enabled; the snapshot diff yields onChannelAttrUpdated(ch, name, "", "del") for each member. The value passed with "del" is empty, a choice where the spec leaves it open.
    #[doc(alias = "channelDelAttr")]
    pub fn channel_del_attr(&self, channel_id: &str, name: &str) {
        self.call(
            LegacyMethod::ChannelDelAttr,
            Args::new([channel_id, name], []),
        );
    }

    /// `channelClearAttr` (emulated). Clears every attribute with member notification enabled; each member receives a single onChannelAttrUpdated with empty name and value and type "clear" (the empty strings settle an UNCONFIRMED detail).
    #[doc(alias = "channelClearAttr")]
    pub fn channel_clear_attr(&self, channel_id: &str) {
        self.call(LegacyMethod::ChannelClearAttr, Args::new([channel_id], []));
    }

    /// `channelInviteUser` (direct). Sends an RTM LocalInvitation whose callee is the account and whose channelId is the channel, with empty content. Behaves as channelInviteUser2 with extra "", so an offline callee fails with 703 after 20 s.
    #[doc(alias = "channelInviteUser")]
    pub fn channel_invite_user(&self, channel_id: &str, account: &str, uid: u32) {
        let _ = uid; // N4: uids passed in are ignored
        self.call(
            LegacyMethod::ChannelInviteUser,
            Args::new([channel_id, account], []),
        );
    }

    /// `channelInviteUser2` (direct). Like channelInviteUser but extra becomes the invitation content. The shim itself acts on `_require_peer_online` (online check up front) and `_timeout` (fail with 704), and forwards every other key untouched; a second invite to the same callee and channel replaces the first, as in the legacy SDK.
    #[doc(alias = "channelInviteUser2")]
    pub fn channel_invite_user2(&self, channel_id: &str, account: &str, extra: &str) {
        self.call(
            LegacyMethod::ChannelInviteUser2,
            Args::new([channel_id, account, extra], []),
        );
    }

    /// `channelInvitePhone` (unsupported). PSTN calling does not exist in RTM. The call answers onInviteFailed(ch, phoneNum, uid, 700, {"reason":"PSTN_UNSUPPORTED"}), uid being the N4 uid of the number, so the app's call screen closes, plus onError with GENERAL_E_FAILED (1001).
    #[doc(alias = "channelInvitePhone")]
    pub fn channel_invite_phone(&self, channel_id: &str, phone_num: &str, uid: u32) {
        let _ = uid; // N4: uids passed in are ignored
        self.call(
            LegacyMethod::ChannelInvitePhone,
            Args::new([channel_id, phone_num], []),
        );
    }

    /// `channelInvitePhone2` (unsupported). Obsolete PSTN invite with a caller number; refused like channelInvitePhone (onInviteFailed 700 and onError 1001).
    #[doc(alias = "channelInvitePhone2")]
    pub fn channel_invite_phone2(&self, channel_id: &str, phone_num: &str, sources_num: &str) {
        self.call(
            LegacyMethod::ChannelInvitePhone2,
            Args::new([channel_id, phone_num, sources_num], []),
        );
    }

    /// `channelInvitePhone3` (unsupported). Obsolete PSTN invite with caller number and extra; refused like channelInvitePhone (onInviteFailed 700 and onError 1001).
    #[doc(alias = "channelInvitePhone3")]
    pub fn channel_invite_phone3(
        &self,
        channel_id: &str,
        phone_num: &str,
        sources_num: &str,
        extra: &str,
    ) {
        self.call(
            LegacyMethod::ChannelInvitePhone3,
            Args::new([channel_id, phone_num, sources_num, extra], []),
        );
    }

    /// `channelInviteDTMF` (emulated). Without PSTN, phoneNum is treated as the peer's account and the digits travel as a peer message with a reserved prefix; the receiving shim raises onInviteMsg(ch, caller, uid, "dtmf", digits, extra) and never shows the raw text. The sender gets no success callback, as in the legacy SDK, only onError on failure.
    #[doc(alias = "channelInviteDTMF")]
    pub fn channel_invite_dtmf(&self, channel_id: &str, phone_num: &str, dtmf: &str) {
        self.call(
            LegacyMethod::ChannelInviteDtmf,
            Args::new([channel_id, phone_num, dtmf], []),
        );
    }

    /// `channelInviteAccept` (direct). Looks up the pending RemoteInvitation by caller and channel, puts extra in its response and accepts; the caller then sees onInviteAcceptedByPeer. Nothing fires locally on success; an unknown invitation gives onError 1004.
    #[doc(alias = "channelInviteAccept")]
    pub fn channel_invite_accept(&self, channel_id: &str, account: &str, uid: u32, extra: &str) {
        let _ = uid; // N4: uids passed in are ignored
        self.call(
            LegacyMethod::ChannelInviteAccept,
            Args::new([channel_id, account, extra], []),
        );
    }

    /// `channelInviteRefuse` (direct). Same lookup as channelInviteAccept, then refuse with extra as the response, which the caller receives in onInviteRefusedByPeer. Nothing fires locally on success; an unknown invitation gives onError 1004.
    #[doc(alias = "channelInviteRefuse")]
    pub fn channel_invite_refuse(&self, channel_id: &str, account: &str, uid: u32, extra: &str) {
        let _ = uid; // N4: uids passed in are ignored
        self.call(
            LegacyMethod::ChannelInviteRefuse,
            Args::new([channel_id, account, extra], []),
        );
    }

    /// `channelInviteEnd` (emulated). A caller with a pending invite cancels it, a callee with a pending invite refuses it with response {"_end":1}, and after an accept either side sends the RTM end-call prefix text as a peer message. In every case onInviteEndByMyself fires at once and locally, and the other side gets onInviteEndByPeer.
    #[doc(alias = "channelInviteEnd")]
    pub fn channel_invite_end(&self, channel_id: &str, account: &str, uid: u32) {
        let _ = uid; // N4: uids passed in are ignored
        self.call(
            LegacyMethod::ChannelInviteEnd,
            Args::new([channel_id, account], []),
        );
    }

    /// `messageAppSend` (unsupported). There is no application server in RTM to receive this. The call fails with onMessageSendError(msgID, 400), so the app can release the message id, and with onError 1001.
    #[doc(alias = "messageAppSend")]
    pub fn message_app_send(&self, msg: &str, msg_id: &str) {
        self.call(LegacyMethod::MessageAppSend, Args::new([msg, msg_id], []));
    }

    /// `messageInstantSend` (direct). A peer text message sent with offline messaging on; OK and CACHED_BY_SERVER both count as onMessageSendSuccess, and an empty msgID is replaced by a generated one. Text up to 32 KB is accepted, and larger text fails with 400 plus onError 1005.
    #[doc(alias = "messageInstantSend")]
    pub fn message_instant_send(&self, account: &str, uid: u32, msg: &str, msg_id: &str) {
        let _ = uid; // N4: uids passed in are ignored
        self.call(
            LegacyMethod::MessageInstantSend,
            Args::new([account, msg, msg_id], []),
        );
    }

    /// `messageInstantSend2` (direct). Undocumented variant with an options string whose meaning is UNCONFIRMED. The shim ignores options (writing a log line) and sends exactly as messageInstantSend does.
    #[doc(alias = "messageInstantSend2")]
    pub fn message_instant_send2(
        &self,
        account: &str,
        uid: u32,
        msg: &str,
        msg_id: &str,
        options: &str,
    ) {
        let _ = uid; // N4: uids passed in are ignored
        self.call(
            LegacyMethod::MessageInstantSend2,
            Args::new([account, msg, msg_id, options], []),
        );
    }

    /// `messageChannelSend` (emulated). RTM channel message plus a local echo: after onMessageSendSuccess the sender also receives its own onMessageChannelReceive, since RTM does not echo. The channel must be joined, otherwise 400 and onError.
    #[doc(alias = "messageChannelSend")]
    pub fn message_channel_send(&self, channel_id: &str, msg: &str, msg_id: &str) {
        self.call(
            LegacyMethod::MessageChannelSend,
            Args::new([channel_id, msg, msg_id], []),
        );
    }

    /// `messageChannelSendForce` (emulated). Inside the channel it is messageChannelSend. From outside the shim joins briefly, sends and leaves (the members see that join and leave), and the sender gets the send result but no echo because it was not a member when it called, one answer to the UNCONFIRMED callback question.
    #[doc(alias = "messageChannelSendForce")]
    pub fn message_channel_send_force(&self, channel_id: &str, msg: &str, msg_id: &str) {
        self.call(
            LegacyMethod::MessageChannelSendForce,
            Args::new([channel_id, msg, msg_id], []),
        );
    }

    /// `messageChannelSend2` (emulated). Undocumented variant whose extra argument has no known meaning (UNCONFIRMED). The shim logs and ignores extra, then sends like messageChannelSend, echo included.
    #[doc(alias = "messageChannelSend2")]
    pub fn message_channel_send2(&self, channel_id: &str, msg: &str, msg_id: &str, extra: &str) {
        self.call(
            LegacyMethod::MessageChannelSend2,
            Args::new([channel_id, msg, msg_id, extra], []),
        );
    }

    /// `messagePushSend` (direct). Undocumented and UNCONFIRMED; it has the arguments of messageInstantSend, so the shim delivers it the same way (offline messaging on, receiver sees onMessageInstantReceive) instead of failing apps that call it.
    #[doc(alias = "messagePushSend")]
    pub fn message_push_send(&self, account: &str, uid: u32, msg: &str, msg_id: &str) {
        let _ = uid; // N4: uids passed in are ignored
        self.call(
            LegacyMethod::MessagePushSend,
            Args::new([account, msg, msg_id], []),
        );
    }

    /// `messageChatSend` (direct). Undocumented and UNCONFIRMED; same arguments as messageInstantSend, so it is delivered as an ordinary peer message with the same callbacks.
    #[doc(alias = "messageChatSend")]
    pub fn message_chat_send(&self, account: &str, uid: u32, msg: &str, msg_id: &str) {
        let _ = uid; // N4: uids passed in are ignored
        self.call(
            LegacyMethod::MessageChatSend,
            Args::new([account, msg, msg_id], []),
        );
    }

    /// `messageDTMFSend` (unsupported). Obsolete, and its target is a uid; since incoming uids are ignored there is no account to send to. The call fails with onMessageSendError(msgID, 400) and onError 1001.
    #[doc(alias = "messageDTMFSend")]
    pub fn message_dtmf_send(&self, uid: u32, msg: &str, msg_id: &str) {
        let _ = uid; // N4: uids passed in are ignored
        self.call(LegacyMethod::MessageDtmfSend, Args::new([msg, msg_id], []));
    }

    /// `setBackground` (unsupported). A background hint for the legacy server that RTM never offered (the sunset notice lists it as dropped). Every call reports onError 1001 naming the method.
    #[doc(alias = "setBackground")]
    pub fn set_background(&self, b_out: u32) {
        self.call(
            LegacyMethod::SetBackground,
            Args::new([], [i64::from(b_out)]),
        );
    }

    /// `setNetworkStatus` (local). A network hint whose meaning is UNCONFIRMED; the RTM core watches its own link, so the shim accepts the value, logs it and does nothing else.
    #[doc(alias = "setNetworkStatus")]
    pub fn set_network_status(&self, b_out: u32) {
        self.call(
            LegacyMethod::SetNetworkStatus,
            Args::new([], [i64::from(b_out)]),
        );
    }

    /// `ping` (local). Manual keepalive. The RTM core runs its own heartbeat, so this is a no-op, kept silent because apps may call it on a timer.
    pub fn ping(&self) {
        self.call(LegacyMethod::Ping, Args::default());
    }

    /// `setAttr` (direct). Upserts one attribute of the local user; an empty value deletes the key, since RTM refuses empty values. No success callback fires (none is documented); keys over 32 bytes or values over 8 KB fail with onError 1004 or 1005.
    #[doc(alias = "setAttr")]
    pub fn set_attr(&self, name: &str, value: &str) {
        self.call(LegacyMethod::SetAttr, Args::new([name, value], []));
    }

    /// `getAttr` (direct). Reads one attribute of the local user and answers onUserAttrResult(ownAccount, name, value), with value "" when the key is absent (the spec leaves the missing case open).
    #[doc(alias = "getAttr")]
    pub fn get_attr(&self, name: &str) {
        self.call(LegacyMethod::GetAttr, Args::new([name], []));
    }

    /// `getAttrAll` (direct). Reads every attribute of the local user and answers onUserAttrAllResult(ownAccount, json) with a JSON object of strings, `{}` when there are none.
    #[doc(alias = "getAttrAll")]
    pub fn get_attr_all(&self) {
        self.call(LegacyMethod::GetAttrAll, Args::default());
    }

    /// `getUserAttr` (direct). Reads one attribute of any user and answers onUserAttrResult(account, name, value), value "" when absent. RTM keeps attributes of online users only, so an offline user also yields "".
    #[doc(alias = "getUserAttr")]
    pub fn get_user_attr(&self, account: &str, name: &str) {
        self.call(LegacyMethod::GetUserAttr, Args::new([account, name], []));
    }

    /// `getUserAttrAll` (direct). Reads every attribute of any user and answers onUserAttrAllResult(account, json); an offline user yields `{}`.
    #[doc(alias = "getUserAttrAll")]
    pub fn get_user_attr_all(&self, account: &str) {
        self.call(LegacyMethod::GetUserAttrAll, Args::new([account], []));
    }

    /// `queryUserStatus` (direct). A one-account queryPeersOnlineStatus, answered by onQueryUserStatusResult(account, "1" or "0"). Failures go to onError("query_user_status", code, desc), which is where the samples look for them.
    #[doc(alias = "queryUserStatus")]
    pub fn query_user_status(&self, account: &str) {
        self.call(LegacyMethod::QueryUserStatus, Args::new([account], []));
    }

    /// `invoke` (emulated). Looks the function name up in invoke.toml and runs the same emulation as the matching method, answering onInvokeRet(callID, "", resp) with a JSON object that holds "result":"ok". Failures and unknown names answer a non-empty err and {"result":"failed","reason":...}.
    pub fn invoke(&self, name: &str, req: &str, call_id: &str) {
        self.call(LegacyMethod::Invoke, Args::new([name, req, call_id], []));
    }

    /// `start` (local). No-op: the callback thread runs from creation, because the official Linux tutorial never calls start and still expects callbacks.
    pub fn start(&self) {
        self.call(LegacyMethod::Start, Args::default());
    }

    /// `stop` (local). No-op counterpart of start; callbacks keep flowing until destroy.
    pub fn stop(&self) {
        self.call(LegacyMethod::Stop, Args::default());
    }

    /// `bc_call` (unsupported). The legacy broadcast server call has no RTM counterpart. It answers onBCCall_result(reason, "", callID) with a non-empty reason so callers waiting on callID are released, and onError 1001.
    pub fn bc_call(&self, func: &str, json_args: &str, call_id: &str) {
        self.call(
            LegacyMethod::BcCall,
            Args::new([func, json_args, call_id], []),
        );
    }

    /// `dbg` (unsupported). Undocumented debug hook of the legacy SDK; the shim has nothing to answer with, so it reports onError 1001 and never fires onDbg.
    pub fn dbg(&self, a: &str, b: &str) {
        self.call(LegacyMethod::Dbg, Args::new([a, b], []));
    }
}

/// The crate version in the legacy `getSdkVersion` encoding (N5).
pub fn sdk_version() -> i32 {
    let part = |s: &str| s.parse::<i32>().unwrap_or(0);
    1_000_000_000
        + part(env!("CARGO_PKG_VERSION_MAJOR")) * 10_000_000
        + part(env!("CARGO_PKG_VERSION_MINOR")) * 100_000
        + part(env!("CARGO_PKG_VERSION_PATCH")) * 1_000
}
