//! The frames of the legacy web protocol: parsing what clients send and writing what they read
//! (protocol §2, §3.2, §4, §6.5, §8.2). Every frame is one JSON array `[name, payload]`.

use serde_json::{json, Map, Value};

/// A frame from a client, parsed as far as its name.
#[derive(Debug, PartialEq)]
pub(crate) enum Inbound {
    /// `["login", {…}]`.
    Login(Map<String, Value>),
    /// `["ping", n]`.
    Ping(Value),
    /// `["call2", [func, callid, args]]`.
    Call2 {
        func: String,
        callid: Value,
        args: Map<String, Value>,
    },
    /// A `call2` whose payload is unusable but whose call id could be read.
    BadCall2 { callid: Value, why: String },
    /// `["set_flag", {…}]` (Web SDK 1.4.0).
    SetFlag(Value),
    /// `["line_login", {…}]` (never sent by the known SDKs).
    LineLogin,
    /// A well-formed frame of a name this server does not know.
    Unknown(String),
}

/// Why a text frame could not be read at all.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FrameError {
    /// Not JSON.
    NotJson(String),
    /// JSON, but not an array whose first element is a name.
    NotNamedArray,
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::NotJson(e) => write!(f, "not JSON ({e})"),
            FrameError::NotNamedArray => write!(f, "not a JSON array [name, payload]"),
        }
    }
}

/// Parses one text frame.
pub(crate) fn parse(text: &str) -> Result<Inbound, FrameError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| FrameError::NotJson(e.to_string()))?;
    let Value::Array(mut items) = value else {
        return Err(FrameError::NotNamedArray);
    };
    let Some(Value::String(name)) = items.first().cloned() else {
        return Err(FrameError::NotNamedArray);
    };
    let payload = if items.len() > 1 {
        items.swap_remove(1)
    } else {
        Value::Null
    };
    Ok(match name.as_str() {
        "login" => match payload {
            Value::Object(m) => Inbound::Login(m),
            _ => Inbound::Login(Map::new()),
        },
        "ping" => Inbound::Ping(payload),
        "call2" => call2(payload),
        "set_flag" => Inbound::SetFlag(payload),
        "line_login" => Inbound::LineLogin,
        _ => Inbound::Unknown(name),
    })
}

fn call2(payload: Value) -> Inbound {
    let Value::Array(mut parts) = payload else {
        return Inbound::BadCall2 {
            callid: Value::Null,
            why: "the call2 payload is not an array [func, callid, args]".into(),
        };
    };
    parts.resize(3, Value::Null);
    let args = parts.pop().unwrap_or(Value::Null);
    let callid = parts.pop().unwrap_or(Value::Null);
    let func = parts.pop().unwrap_or(Value::Null);
    if !(callid.is_number() || callid.is_string()) {
        return Inbound::BadCall2 {
            callid: Value::Null,
            why: "the call id is not a number or a string".into(),
        };
    }
    match (func, args) {
        (Value::String(func), Value::Object(args)) => Inbound::Call2 { func, callid, args },
        (Value::String(_), _) => Inbound::BadCall2 {
            callid,
            why: "the call2 arguments are not a JSON object".into(),
        },
        _ => Inbound::BadCall2 {
            callid,
            why: "the call2 function name is not a string".into(),
        },
    }
}

/// `["name", payload]` as text.
pub(crate) fn frame(name: &str, payload: Value) -> String {
    json!([name, payload]).to_string()
}

/// A successful `login_ret`.
pub(crate) fn login_ok(line: &str, uid: u32) -> String {
    let body = json!({"result": "ok", "line": line, "uid": uid}).to_string();
    frame("login_ret", json!(["", body]))
}

/// A failed `login_ret`: the reason in both places and no `line` (§3.2).
pub(crate) fn login_failed(reason: &str) -> String {
    let body = json!({"result": "failed", "reason": reason}).to_string();
    frame("login_ret", json!([reason, body]))
}

/// A successful `call2-ret` with these extra fields.
pub(crate) fn call_ok(callid: &Value, fields: Value) -> String {
    let mut body = match fields {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    body.insert("result".into(), json!("ok"));
    frame(
        "call2-ret",
        json!([callid, "", Value::Object(body).to_string()]),
    )
}

/// A failed `call2-ret`: `reason` for the Python SDK, `data.result` for the Web SDK (§4).
pub(crate) fn call_failed(callid: &Value, reason: &str) -> String {
    call_failed_with(callid, reason, Map::new())
}

/// A failed `call2-ret` carrying extra fields besides the reason.
pub(crate) fn call_failed_with(
    callid: &Value,
    reason: &str,
    mut body: Map<String, Value>,
) -> String {
    body.insert("result".into(), json!("failed"));
    body.insert("reason".into(), json!(reason));
    body.insert("data".into(), json!({ "result": reason }));
    frame(
        "call2-ret",
        json!([callid, "", Value::Object(body).to_string()]),
    )
}

/// `["notify", ["msg", ver]]`: something new is in the queue.
pub(crate) fn notify_msg(ver: u64) -> String {
    frame("notify", json!(["msg", ver]))
}

/// A peer line: `msg-v2 <src> <dst> <flag> <type> <time> <content>` (§6.5).
pub(crate) fn peer_line(
    src: &str,
    dst: &str,
    flag: &str,
    kind: &str,
    time: u64,
    content: &str,
) -> String {
    format!("msg-v2 {src} {dst} {flag} {kind} {time} {content}")
}

/// The content of a `voip_*` line: all four keys, `peer` the other party (§6.5, §7).
pub(crate) fn call_content(channel: &str, peer: &str, extra: &str, peeruid: u32) -> String {
    json!({"channel": channel, "peer": peer, "extra": extra, "peeruid": peeruid}).to_string()
}

/// `["notify", ["channel2", channel, msgid, "msg-v2 notify - v1:E:180 <type> <time> <json>"]]`.
pub(crate) fn channel_notify(
    channel: &str,
    msgid: u64,
    kind: &str,
    time: u64,
    content: Value,
) -> String {
    let line = format!("msg-v2 notify - v1:E:180 {kind} {time} {content}");
    frame("notify", json!(["channel2", channel, msgid, line]))
}

/// Seconds since the Unix epoch, for the time field of lines.
pub(crate) fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_parse_by_name() {
        assert_eq!(parse(r#"["ping",3]"#), Ok(Inbound::Ping(json!(3))));
        let Ok(Inbound::Call2 { func, callid, args }) =
            parse(r#"["call2",["user_getmsg",0,{"line":"L","ver_clear":0,"max":30}]]"#)
        else {
            panic!("not a call2");
        };
        assert_eq!((func.as_str(), callid), ("user_getmsg", json!(0)));
        assert_eq!(args["max"], json!(30));
        assert_eq!(parse(r#"["zap",1]"#), Ok(Inbound::Unknown("zap".into())));
    }

    #[test]
    fn bad_frames_say_why() {
        assert!(matches!(parse("{nope"), Err(FrameError::NotJson(_))));
        assert_eq!(parse(r#"{"a":1}"#), Err(FrameError::NotNamedArray));
        assert_eq!(parse("[1,2]"), Err(FrameError::NotNamedArray));
        assert!(matches!(
            parse(r#"["call2",["f",7,"x"]]"#),
            Ok(Inbound::BadCall2 { callid, .. }) if callid == json!(7)
        ));
        assert!(matches!(
            parse(r#"["call2","x"]"#),
            Ok(Inbound::BadCall2 {
                callid: Value::Null,
                ..
            })
        ));
    }

    #[test]
    fn failures_carry_reason_and_data_result() {
        let text = call_failed(&json!(4), "nope");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v[1][0], json!(4));
        assert_eq!(v[1][1], json!(""));
        let body: Value = serde_json::from_str(v[1][2].as_str().unwrap()).unwrap();
        assert_eq!(
            body,
            json!({"result":"failed","reason":"nope","data":{"result":"nope"}})
        );
        let v: Value = serde_json::from_str(&login_failed("kick")).unwrap();
        assert_eq!(v[1][0], json!("kick"));
        assert!(!v[1][1].as_str().unwrap().contains("line"));
    }
}
