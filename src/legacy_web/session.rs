//! One legacy web session: the protocol of one WebSocket, hosted as a legacy Signaling
//! instance on the server's RTM system. Client frames become facade calls; the instance's
//! callbacks become `call2-ret` replies, queue lines with `notify`, and `channel2` notifies.
//! The legacy rules themselves (user lists, echo, attribute diffs, invitation timers, offline
//! messages, uids, duplicate-login kicks) are the adapter's; this file only translates.

use super::outbox::Outbox;
use super::queue::Queue;
use super::wire::{self, Inbound};
use crate::signaling::{Signaling, SignalingCallback};
use parking_lot::Mutex;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// How far the session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Waiting for `login`.
    Fresh,
    /// `login` received, the facade is logging in.
    LoggingIn,
    /// `login_ret` ok sent.
    LoggedIn,
    /// Logged out, kicked or failed; the socket is closing.
    Over,
}

/// Which SDK the client looks like, from its `login` and `set_flag` frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavour {
    /// `device: "javasdk"`: the Python SDK (a port of the Java server SDK).
    Python,
    /// `device: "websdk"` that never sent `set_flag`: Web SDK 1.3.0 or older.
    Web,
    /// A web client that sent `set_flag`: Web SDK 1.4.0, which understands `kick`.
    Web14,
}

/// The state both sides of a session share.
#[derive(Debug)]
struct State {
    phase: Phase,
    flavour: Flavour,
    account: String,
    line: String,
    queue: Queue,
    /// The channel `channel2` notifies are sent for (§8.1: one, and only after its join reply).
    channel: Option<String>,
    channel_msgid: u64,
    join: Option<(String, Value)>,
    leaves: VecDeque<(String, Value)>,
    /// Pending replies keyed by the message id or invoke call id this session made up.
    pending: HashMap<String, Value>,
    logout: Option<Value>,
    next_id: u64,
}

/// What the protocol handler and the callbacks share.
pub(crate) struct Shared {
    state: Mutex<State>,
    out: Outbox,
    /// Who is on the other end, for log lines.
    peer: String,
}

impl Shared {
    /// A fresh session talking to `peer` through `out`.
    pub(crate) fn new(out: Outbox, peer: String, queue_limit: usize) -> Arc<Shared> {
        Arc::new(Shared {
            state: Mutex::new(State {
                phase: Phase::Fresh,
                flavour: Flavour::Web,
                account: String::new(),
                line: String::new(),
                queue: Queue::new(queue_limit, super::queue::fresh_base()),
                channel: None,
                channel_msgid: 0,
                join: None,
                leaves: VecDeque::new(),
                pending: HashMap::new(),
                logout: None,
                next_id: 0,
            }),
            out,
            peer,
        })
    }

    /// The phase now.
    pub(crate) fn phase(&self) -> Phase {
        self.state.lock().phase
    }

    /// Ends the session: a protocol close frame the client understands, then the socket.
    fn end(&self, state: &mut State, why: &str) {
        state.phase = Phase::Over;
        self.out.close(why.to_string());
    }

    /// A line into the queue, and a `notify` once the client may hear it (§2: nothing but
    /// `login_ret` before the login completes).
    fn deliver(&self, state: &mut State, line: String) {
        let ver = state.queue.push(line);
        if state.phase == Phase::LoggedIn {
            self.out.text(wire::notify_msg(ver));
        }
    }

    fn channel_event(&self, state: &mut State, channel: Option<&str>, kind: &str, content: Value) {
        let Some(current) = state.channel.clone() else {
            return;
        };
        if channel.is_some_and(|c| c != current) {
            return;
        }
        state.channel_msgid += 1;
        let frame = wire::channel_notify(
            &current,
            state.channel_msgid,
            kind,
            wire::unix_seconds(),
            content,
        );
        self.out.text(frame);
    }

    fn reply(&self, state: &mut State, key: &str, ok: Result<Value, String>) {
        if let Some(callid) = state.pending.remove(key) {
            self.out.text(match ok {
                Ok(fields) => wire::call_ok(&callid, fields),
                Err(reason) => wire::call_failed(&callid, &reason),
            });
        }
    }
}

/// The reason string of a failed `login_ret` for a legacy login failure code, chosen so that
/// the Web SDKs map it back to the same code (§3.2).
pub(crate) fn login_failure_reason(code: i32) -> String {
    match code {
        204 => "TokenErrorExpired".into(),
        206 => "TokenErrorInvalid".into(),
        207 => "kick".into(),
        209 => "wrong account".into(),
        other => format!("login failed with legacy code {other}"),
    }
}

/// The callbacks of the session's legacy instance, turned into frames.
pub(crate) struct Sink(pub Arc<Shared>);

impl Sink {
    fn call_line(&self, kind: &str, channel: &str, peer: &str, uid: u32, extra: &str) {
        let s = &self.0;
        let mut st = s.state.lock();
        let content = wire::call_content(channel, peer, extra, uid);
        let line = wire::peer_line(
            peer,
            &st.account,
            "v1:E:30",
            kind,
            wire::unix_seconds(),
            &content,
        );
        s.deliver(&mut st, line);
    }
}

impl SignalingCallback for Sink {
    fn on_login_success(&self, uid: u32, _fd: i32) {
        let s = &self.0;
        let mut st = s.state.lock();
        if st.phase != Phase::LoggingIn {
            return;
        }
        st.phase = Phase::LoggedIn;
        st.line = format!(
            "{:016x}{:016x}",
            rand::random::<u64>(),
            rand::random::<u64>()
        );
        log::info!(
            "legacy web {}: {:?} logged in (uid {uid})",
            s.peer,
            st.account
        );
        s.out.text(wire::login_ok(&st.line, uid));
    }

    fn on_login_failed(&self, ecode: i32) {
        let s = &self.0;
        let mut st = s.state.lock();
        let reason = login_failure_reason(ecode);
        log::warn!(
            "legacy web {}: login of {:?} failed with legacy code {ecode}; answered {reason:?}",
            s.peer,
            st.account
        );
        s.out.text(wire::login_failed(&reason));
        s.end(&mut st, "login failed");
    }

    fn on_logout(&self, ecode: i32) {
        let s = &self.0;
        let mut st = s.state.lock();
        if let Some(callid) = st.logout.take() {
            s.out.text(wire::call_ok(&callid, json!({})));
            log::info!("legacy web {}: {:?} logged out", s.peer, st.account);
            return s.end(&mut st, "logged out");
        }
        if st.phase == Phase::Over {
            return;
        }
        // 1.4.0 reports `kick` as 103; older clients only understand `close` (§3.6, §17.3.3).
        let kicked = ecode == 103;
        let frame = if kicked && st.flavour == Flavour::Web14 {
            "kick"
        } else {
            "close"
        };
        log::info!(
            "legacy web {}: {:?} logged out by the system (legacy code {ecode}{}); sent {frame:?}",
            s.peer,
            st.account,
            if kicked { ": logged in elsewhere" } else { "" }
        );
        s.out.text(wire::frame(frame, json!("")));
        s.end(&mut st, if kicked { "kicked" } else { "logged out" });
    }

    fn on_message_instant_receive(&self, account: &str, _uid: u32, msg: &str) {
        let s = &self.0;
        let mut st = s.state.lock();
        let line = wire::peer_line(
            account,
            &st.account,
            "v1:E:3600",
            "instant",
            wire::unix_seconds(),
            msg,
        );
        s.deliver(&mut st, line);
    }

    fn on_message_send_success(&self, message_id: &str) {
        let s = &self.0;
        let mut st = s.state.lock();
        s.reply(&mut st, message_id, Ok(json!({})));
    }

    fn on_message_send_error(&self, message_id: &str, ecode: i32) {
        let s = &self.0;
        let mut st = s.state.lock();
        s.reply(
            &mut st,
            message_id,
            Err(format!("message not sent (legacy code {ecode})")),
        );
    }

    fn on_channel_user_list(&self, accounts: &[String], uids: &[u32]) {
        let s = &self.0;
        let mut st = s.state.lock();
        let Some((channel, callid)) = st.join.take() else {
            return;
        };
        let list: Vec<Value> = accounts
            .iter()
            .zip(uids)
            .map(|(a, u)| json!([a, u]))
            .collect();
        // The attributes follow as `channel_attr_update` notifies of type "update", which
        // the SDKs report exactly as they report the join reply's `attrs` (docs/LEGACY_WEB.md).
        s.out
            .text(wire::call_ok(&callid, json!({"list": list, "attrs": {}})));
        st.channel = Some(channel);
        st.channel_msgid = 0;
    }

    fn on_channel_join_failed(&self, channel_id: &str, ecode: i32) {
        let s = &self.0;
        let mut st = s.state.lock();
        if st.join.as_ref().is_some_and(|(c, _)| c == channel_id) {
            if let Some((_, callid)) = st.join.take() {
                let reason = format!("join of {channel_id:?} failed (legacy code {ecode})");
                s.out.text(wire::call_failed(&callid, &reason));
            }
        }
    }

    fn on_channel_leaved(&self, channel_id: &str, _ecode: i32) {
        let s = &self.0;
        let mut st = s.state.lock();
        if st.channel.as_deref() == Some(channel_id) {
            st.channel = None;
        }
        if st.leaves.front().is_some_and(|(c, _)| c == channel_id) {
            if let Some((_, callid)) = st.leaves.pop_front() {
                s.out.text(wire::call_ok(&callid, json!({})));
            }
        }
    }

    fn on_channel_user_joined(&self, account: &str, uid: u32) {
        let s = &self.0;
        let mut st = s.state.lock();
        let channel = st.channel.clone().unwrap_or_default();
        let content = json!({"channel": channel, "account": account, "uid": uid});
        s.channel_event(&mut st, None, "channel_user_join", content);
    }

    fn on_channel_user_leaved(&self, account: &str, uid: u32) {
        let s = &self.0;
        let mut st = s.state.lock();
        let channel = st.channel.clone().unwrap_or_default();
        let content = json!({"channel": channel, "account": account, "uid": uid});
        s.channel_event(&mut st, None, "channel_user_leave", content);
    }

    fn on_message_channel_receive(&self, channel_id: &str, account: &str, uid: u32, msg: &str) {
        let s = &self.0;
        let mut st = s.state.lock();
        let content = json!({"channel": channel_id, "account": account, "uid": uid, "msg": msg});
        s.channel_event(&mut st, Some(channel_id), "channel_msg", content);
    }

    fn on_channel_attr_updated(&self, channel_id: &str, name: &str, value: &str, kind: &str) {
        let s = &self.0;
        let mut st = s.state.lock();
        let content = json!({
            "channel": channel_id, "account": "", "uid": 0,
            "name": name, "value": value, "type": kind,
        });
        s.channel_event(&mut st, Some(channel_id), "channel_attr_update", content);
    }

    fn on_invite_received(&self, channel_id: &str, account: &str, uid: u32, extra: &str) {
        self.call_line("voip_invite", channel_id, account, uid, extra);
    }

    fn on_invite_received_by_peer(&self, channel_id: &str, account: &str, uid: u32) {
        self.call_line("voip_invite_ack", channel_id, account, uid, "");
    }

    fn on_invite_accepted_by_peer(&self, channel_id: &str, account: &str, uid: u32, extra: &str) {
        self.call_line("voip_invite_accept", channel_id, account, uid, extra);
    }

    fn on_invite_refused_by_peer(&self, channel_id: &str, account: &str, uid: u32, extra: &str) {
        self.call_line("voip_invite_refuse", channel_id, account, uid, extra);
    }

    fn on_invite_failed(&self, channel_id: &str, account: &str, uid: u32, ecode: i32, extra: &str) {
        log::info!(
            "legacy web {}: invitation of {account:?} to {channel_id:?} failed (legacy code {ecode})",
            self.0.peer
        );
        self.call_line("voip_invite_failed", channel_id, account, uid, extra);
    }

    fn on_invite_end_by_peer(&self, channel_id: &str, account: &str, uid: u32, extra: &str) {
        self.call_line("voip_invite_bye", channel_id, account, uid, extra);
    }

    fn on_invite_msg(
        &self,
        channel_id: &str,
        account: &str,
        uid: u32,
        msg_type: &str,
        msg_data: &str,
        _extra: &str,
    ) {
        let extra = json!({"msgtype": msg_type, "msgdata": msg_data}).to_string();
        self.call_line("voip_invite_msg", channel_id, account, uid, &extra);
    }

    fn on_invoke_ret(&self, call_id: &str, err: &str, resp: &str) {
        let s = &self.0;
        let mut st = s.state.lock();
        let Some(callid) = st.pending.remove(call_id) else {
            return;
        };
        let mut body = match serde_json::from_str::<Value>(resp) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        let ok = err.is_empty() && body.get("result") == Some(&json!("ok"));
        if ok {
            body.remove("result");
            s.out.text(wire::call_ok(&callid, Value::Object(body)));
        } else {
            let reason = match body.remove("reason") {
                Some(Value::String(r)) if !r.is_empty() => r,
                _ if !err.is_empty() => err.to_string(),
                _ => "failed".to_string(),
            };
            body.remove("result");
            s.out.text(wire::call_failed_with(&callid, &reason, body));
        }
    }

    fn on_bc_call_result(&self, reason: &str, json_ret: &str, call_id: &str) {
        let s = &self.0;
        let mut st = s.state.lock();
        let answer = if reason.is_empty() {
            Ok(json!({ "ret": json_ret }))
        } else {
            Err(reason.to_string())
        };
        s.reply(&mut st, call_id, answer);
    }

    fn on_error(&self, name: &str, ecode: i32, desc: &str) {
        let s = &self.0;
        let mut st = s.state.lock();
        log::info!(
            "legacy web {}: {name} failed (legacy code {ecode}): {desc}",
            s.peer
        );
        match name {
            "channel_join" => {
                if let Some((_, callid)) = st.join.take() {
                    s.out.text(wire::call_failed(&callid, desc));
                }
            }
            "channel_leave" => {
                if let Some((_, callid)) = st.leaves.pop_front() {
                    s.out.text(wire::call_failed(&callid, desc));
                }
            }
            _ => {}
        }
    }
}

/// The `call2` functions that the facade's `invoke` answers, by their wire names (§5).
const INVOKED: &[&str] = &[
    "user_query_user_status",
    "user_set_attr",
    "user_get_attr",
    "user_get_attr_all",
    "channel_query_num",
    "channel_query_user_isin",
    "channel_query_userlist",
    "channel_query_userlist_all",
    "channel_set_attr",
    "channel_del_attr",
    "channel_clear_attr",
];

/// The protocol handler of one socket: client frames in, facade calls out.
pub(crate) struct Session {
    sig: Signaling,
    shared: Arc<Shared>,
    endpoint: Arc<super::Endpoint>,
}

fn text_arg<'a>(args: &'a Map<String, Value>, key: &str) -> Result<&'a str, String> {
    args.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("the arguments need a string field {key:?}"))
}

fn number_arg(args: &Map<String, Value>, key: &str, default: u64) -> u64 {
    match args.get(key) {
        Some(Value::Number(n)) => n.as_u64().unwrap_or(default),
        Some(Value::String(s)) => s.trim().parse().unwrap_or(default),
        _ => default,
    }
}

impl Session {
    /// Hosts the protocol of one socket on `sig`, whose callbacks go to `Sink(shared)`.
    pub(crate) fn new(
        sig: Signaling,
        shared: Arc<Shared>,
        endpoint: Arc<super::Endpoint>,
    ) -> Session {
        Session {
            sig,
            shared,
            endpoint,
        }
    }

    /// Ends the legacy instance: logs it out of the system, stops its tasks.
    pub(crate) fn destroy(&self) {
        self.sig.destroy();
    }

    /// Handles one text frame.
    pub(crate) fn on_text(&mut self, text: &str) {
        let s = self.shared.clone();
        let frame = match wire::parse(text) {
            Ok(f) => f,
            Err(e) => {
                log::warn!(
                    "legacy web {}: ignored a frame that is {e}: {:?}",
                    s.peer,
                    clip(text)
                );
                return;
            }
        };
        match frame {
            Inbound::Login(m) => self.login(m),
            Inbound::Ping(n) => {
                if s.phase() == Phase::LoggedIn {
                    s.out.text(wire::frame("pong", n));
                }
            }
            Inbound::SetFlag(flags) => {
                let mut st = s.state.lock();
                if st.flavour == Flavour::Web {
                    st.flavour = Flavour::Web14;
                }
                log::debug!("legacy web {}: set_flag {flags}; frames stay text", s.peer);
            }
            Inbound::LineLogin => {
                log::warn!(
                    "legacy web {}: line_login is not supported; closing the socket so that the client logs in afresh",
                    s.peer
                );
                let mut st = s.state.lock();
                s.end(&mut st, "line_login is not supported");
            }
            Inbound::Unknown(name) => {
                log::warn!(
                    "legacy web {}: ignored a frame of unknown name {name:?}",
                    s.peer
                );
            }
            Inbound::BadCall2 { callid, why } => {
                log::warn!("legacy web {}: bad call2 ({why}): {:?}", s.peer, clip(text));
                if !callid.is_null() {
                    s.out.text(wire::call_failed(&callid, &why));
                }
            }
            Inbound::Call2 { func, callid, args } => self.call2(&func, callid, args),
        }
    }

    fn login(&mut self, m: Map<String, Value>) {
        let s = self.shared.clone();
        let mut st = s.state.lock();
        if st.phase != Phase::Fresh {
            log::warn!(
                "legacy web {}: a second login on one socket; ignored",
                s.peer
            );
            return;
        }
        let get = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("");
        let (vid, account, token, device) =
            (get("vid"), get("account"), get("token"), get("device"));
        if account.is_empty() || vid.is_empty() {
            log::warn!(
                "legacy web {}: a login without the string fields account and vid; refused",
                s.peer
            );
            s.out.text(wire::login_failed(
                "wrong account: the login needs account and vid",
            ));
            return s.end(&mut st, "login without account or vid");
        }
        st.flavour = if device == "javasdk" {
            Flavour::Python
        } else {
            Flavour::Web
        };
        st.account = account.to_string();
        let token = match self.endpoint.login_token(vid, account, token) {
            Ok(t) => t,
            Err(reason) => {
                log::warn!(
                    "legacy web {}: the token of {account:?} for {vid} was refused: {reason}",
                    s.peer
                );
                s.out.text(wire::login_failed(&reason));
                return s.end(&mut st, "token refused");
            }
        };
        st.phase = Phase::LoggingIn;
        drop(st);
        self.sig.login2(vid, account, &token, 0, device, 30, 3);
    }

    fn call2(&mut self, func: &str, callid: Value, args: Map<String, Value>) {
        let s = self.shared.clone();
        let mut st = s.state.lock();
        if st.phase != Phase::LoggedIn {
            log::warn!("legacy web {}: call2 {func} before login; refused", s.peer);
            s.out.text(wire::call_failed(&callid, "not logged in"));
            return;
        }
        if args.get("line").and_then(Value::as_str) != Some(st.line.as_str()) {
            log::warn!(
                "legacy web {}: call2 {func} with a wrong or stale line; refused",
                s.peer
            );
            s.out.text(wire::call_failed(&callid, "wrong line"));
            return;
        }
        st.next_id += 1;
        let key = format!("web-{}", st.next_id);
        let sig = &self.sig;
        let result: Result<(), String> = (|| {
            match func {
                "user_getmsg" => {
                    let drain = st.queue.drain(
                        number_arg(&args, "ver_clear", 0),
                        number_arg(&args, "max", 30) as usize,
                    );
                    if drain.dropped > 0 {
                        log::warn!(
                            "legacy web {}: {} lines for {:?} were dropped: the queue was full because the client did not poll",
                            s.peer, drain.dropped, st.account
                        );
                    }
                    let msgs: Vec<Value> = drain.msgs.iter().map(|(v, l)| json!([v, l])).collect();
                    s.out.text(wire::call_ok(
                        &callid,
                        json!({"ver_clear": drain.ver_clear, "msgs": msgs}),
                    ));
                    if drain.more {
                        // The Python SDK fetches a backlog only when told again (§6.4).
                        s.out.text(wire::notify_msg(st.queue.last()));
                    }
                }
                "user_logout" => {
                    st.logout = Some(callid.clone());
                    sig.logout();
                }
                "user_sendmsg" => {
                    let peer = text_arg(&args, "peer")?;
                    let content = text_arg(&args, "content")?;
                    st.pending.insert(key.clone(), callid.clone());
                    sig.message_instant_send(peer, 0, content, &key);
                }
                "user_ext_call" => {
                    let f = text_arg(&args, "func")?;
                    let a = args.get("args").and_then(Value::as_str).unwrap_or("");
                    st.pending.insert(key.clone(), callid.clone());
                    sig.bc_call(f, a, &key);
                }
                "channel_join" => {
                    let name = text_arg(&args, "name")?;
                    if let Some((_, old)) = st.join.replace((name.to_string(), callid.clone())) {
                        s.out.text(wire::call_failed(
                            &old,
                            "superseded by a later channel_join",
                        ));
                    }
                    sig.channel_join(name);
                }
                "channel_leave" => {
                    let name = text_arg(&args, "name")?;
                    if st.channel.as_deref() == Some(name) {
                        st.channel = None;
                    }
                    st.leaves.push_back((name.to_string(), callid.clone()));
                    sig.channel_leave(name);
                }
                "channel_sendmsg" => {
                    let name = text_arg(&args, "name")?;
                    let msg = text_arg(&args, "msg")?;
                    st.pending.insert(key.clone(), callid.clone());
                    if args.get("force").and_then(Value::as_bool) == Some(true) {
                        sig.message_channel_send_force(name, msg, &key);
                    } else {
                        sig.message_channel_send(name, msg, &key);
                    }
                }
                f if f.starts_with("voip_invite") => {
                    let channel = text_arg(&args, "channelName")?;
                    let peer = text_arg(&args, "peer")?;
                    let extra = args.get("extra").and_then(Value::as_str).unwrap_or("");
                    match f {
                        "voip_invite" => sig.channel_invite_user2(channel, peer, extra),
                        // The RTM system acknowledges a received invitation by itself.
                        "voip_invite_ack" => {}
                        "voip_invite_accept" => sig.channel_invite_accept(channel, peer, 0, extra),
                        "voip_invite_refuse" => sig.channel_invite_refuse(channel, peer, 0, extra),
                        "voip_invite_bye" => sig.channel_invite_end(channel, peer, 0),
                        "voip_invite_msg" => {
                            let data = serde_json::from_str::<Value>(extra)
                                .ok()
                                .and_then(|v| {
                                    v.get("msgdata").map(|d| match d {
                                        Value::String(s) => s.clone(),
                                        other => other.to_string(),
                                    })
                                })
                                .unwrap_or_else(|| extra.to_string());
                            sig.channel_invite_dtmf(channel, peer, &data);
                        }
                        _ => return Err("unknown_function".into()),
                    }
                    s.out.text(wire::call_ok(&callid, json!({})));
                }
                f if INVOKED.contains(&f) => {
                    let mut req = args.clone();
                    req.remove("line");
                    st.pending.insert(key.clone(), callid.clone());
                    sig.invoke(
                        &format!("io.agora.signal.{f}"),
                        &Value::Object(req).to_string(),
                        &key,
                    );
                }
                "user_getmsg2" => {
                    return Err(
                        "user_getmsg2 needs config_msg_set 1, which this server never sets".into(),
                    )
                }
                _ => return Err("unknown_function".into()),
            }
            Ok(())
        })();
        if let Err(reason) = result {
            log::warn!("legacy web {}: call2 {func} refused: {reason}", s.peer);
            s.out.text(wire::call_failed(&callid, &reason));
        }
    }
}

/// The start of a frame, for log lines.
pub(crate) fn clip(text: &str) -> String {
    let mut end = text.len().min(200);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}
