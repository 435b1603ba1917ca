//! A legacy web client written from the protocol (docs/LEGACY_WEB.md and the legacy SDKs'
//! wire format), talking to an in-process [`LegacyWeb`] endpoint over an in-memory stream, so
//! that tests run in virtual time (`#[tokio::test(start_paused = true)]`).
#![allow(dead_code)]

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use sig2rtm::legacy_web::{LegacyWeb, LegacyWebConfig};
use sig2rtm::system::{System, SystemConfig};
use std::collections::VecDeque;
use std::time::Duration;
use tokio::io::DuplexStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// The App ID the tests log in with.
pub const APP: &str = "0123456789abcdef0123456789abcdef";

/// An endpoint on a fresh system with default limits.
pub fn endpoint() -> LegacyWeb {
    endpoint_with(LegacyWebConfig::default())
}

/// An endpoint on a fresh system with these limits.
pub fn endpoint_with(config: LegacyWebConfig) -> LegacyWeb {
    LegacyWeb::new(System::new(SystemConfig::default()), config)
}

/// What a client saw arrive.
#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    /// A frame.
    Frame(Value),
    /// A WebSocket close from the server, with its reason.
    Closed(String),
}

/// One client socket.
pub struct WebClient {
    ws: WebSocketStream<DuplexStream>,
    /// Frames that arrived while the client waited for something else.
    pub stash: VecDeque<Value>,
    next_callid: u64,
    /// The session handle from `login_ret`.
    pub line: String,
    /// The uid from `login_ret`.
    pub uid: u64,
    /// The highest queue version processed.
    pub ver_clear: u64,
    /// True once the server closed the socket.
    pub closed: Option<String>,
}

/// How long a client waits for a frame (virtual time).
pub const WAIT: Duration = Duration::from_secs(5);

impl WebClient {
    /// Opens a WebSocket to `web` over an in-memory stream of `capacity` bytes.
    pub async fn connect_with(web: &LegacyWeb, capacity: usize) -> WebClient {
        let (client, server) = tokio::io::duplex(capacity);
        let w = web.clone();
        tokio::spawn(async move { w.serve_stream(server, "test-client".into()).await });
        let (ws, _) =
            tokio_tungstenite::client_async("ws://127-0-0-1-sig-web.agora.io:8001/", client)
                .await
                .expect("WebSocket handshake");
        WebClient {
            ws,
            stash: VecDeque::new(),
            next_callid: 1,
            line: String::new(),
            uid: 0,
            ver_clear: 0,
            closed: None,
        }
    }

    /// Opens a WebSocket to `web`.
    pub async fn connect(web: &LegacyWeb) -> WebClient {
        WebClient::connect_with(web, 1 << 20).await
    }

    /// A client of `web` logged in as `account` (Web SDK style).
    pub async fn logged_in(web: &LegacyWeb, account: &str) -> WebClient {
        let mut c = WebClient::connect(web).await;
        c.login(account).await;
        c
    }

    /// Sends a text frame as it is.
    pub async fn send_text(&mut self, text: &str) {
        let _ = self.ws.send(Message::Text(text.to_string().into())).await;
    }

    /// Sends a frame.
    pub async fn send(&mut self, frame: Value) {
        self.send_text(&frame.to_string()).await;
    }

    /// Sends a raw WebSocket message.
    pub async fn send_message(&mut self, m: Message) -> Result<(), String> {
        self.ws.send(m).await.map_err(|e| e.to_string())
    }

    /// The next frame from the server (stash first), or what ended the wait.
    pub async fn next(&mut self) -> Seen {
        if let Some(f) = self.stash.pop_front() {
            return Seen::Frame(f);
        }
        self.read().await
    }

    async fn read(&mut self) -> Seen {
        if let Some(why) = &self.closed {
            return Seen::Closed(why.clone());
        }
        match tokio::time::timeout(WAIT, self.ws.next()).await {
            Err(_) => Seen::Closed("timeout".into()),
            Ok(None) | Ok(Some(Err(_))) => {
                self.closed = Some("eof".into());
                Seen::Closed("eof".into())
            }
            Ok(Some(Ok(Message::Text(t)))) => {
                Seen::Frame(serde_json::from_str(t.as_str()).expect("server frames are JSON"))
            }
            Ok(Some(Ok(Message::Close(f)))) => {
                let why = f.map(|f| f.reason.to_string()).unwrap_or_default();
                self.closed = Some(why.clone());
                Seen::Closed(why)
            }
            Ok(Some(Ok(other))) => panic!("the server sent a non-text frame: {other:?}"),
        }
    }

    /// Waits for the first frame (stash included) that `pred` accepts; others stay stashed.
    pub async fn wait_for(&mut self, pred: impl Fn(&Value) -> bool) -> Option<Value> {
        if let Some(i) = self.stash.iter().position(&pred) {
            return self.stash.remove(i);
        }
        loop {
            match self.read().await {
                Seen::Frame(f) if pred(&f) => return Some(f),
                Seen::Frame(f) => self.stash.push_back(f),
                Seen::Closed(_) => return None,
            }
        }
    }

    /// Waits for the server to close the socket; returns the close reason and any frames
    /// that came before it.
    pub async fn wait_closed(&mut self) -> Option<String> {
        loop {
            match self.read().await {
                Seen::Frame(f) => self.stash.push_back(f),
                Seen::Closed(why) if why == "timeout" => return None,
                Seen::Closed(why) => return Some(why),
            }
        }
    }

    /// Sends `login` as the Web SDK does; returns the `login_ret` payload.
    pub async fn login_frame(&mut self, account: &str, token: &str, device: &str) -> Value {
        self.send(json!(["login", {"vid": APP, "account": account, "uid": 0, "token": token, "device": device, "ip": ""}])).await;
        let ret = self
            .wait_for(|f| f[0] == "login_ret")
            .await
            .expect("a login_ret");
        ret[1].clone()
    }

    /// Logs in (Web SDK style) and checks the answer.
    pub async fn login(&mut self, account: &str) {
        let ret = self.login_frame(account, "_no_need_token", "websdk").await;
        assert_eq!(ret[0], "", "login of {account} failed: {ret}");
        let body: Value = serde_json::from_str(ret[1].as_str().unwrap()).unwrap();
        assert_eq!(body["result"], "ok");
        self.line = body["line"].as_str().expect("a line").to_string();
        self.uid = body["uid"].as_u64().expect("a numeric uid");
    }

    /// Sends `call2 func` with `args` plus the line; returns the call id used.
    pub async fn call_nowait(&mut self, func: &str, mut args: Value) -> u64 {
        let id = self.next_callid;
        self.next_callid += 1;
        if args.get("line").is_none() {
            args["line"] = json!(self.line);
        }
        self.send(json!(["call2", [func, id, args]])).await;
        id
    }

    /// Waits for the `call2-ret` of `id`; returns its parsed body.
    pub async fn reply(&mut self, id: u64) -> Value {
        let ret = self
            .wait_for(|f| f[0] == "call2-ret" && f[1][0] == json!(id))
            .await
            .unwrap_or_else(|| panic!("no call2-ret for call {id}; stash {:?}", self.stash));
        assert_eq!(ret[1][1], "", "element 1 of call2-ret is always empty");
        serde_json::from_str(ret[1][2].as_str().expect("a JSON string")).expect("a JSON object")
    }

    /// Calls `func` and returns the reply body.
    pub async fn call(&mut self, func: &str, args: Value) -> Value {
        let id = self.call_nowait(func, args).await;
        self.reply(id).await
    }

    /// Polls the queue once as the SDKs do; returns the lines, acknowledging them next time.
    pub async fn poll(&mut self) -> Vec<String> {
        let body = self
            .call(
                "user_getmsg",
                json!({"ver_clear": self.ver_clear, "max": 30}),
            )
            .await;
        assert_eq!(body["result"], "ok", "{body}");
        let server_clear = body["ver_clear"].as_u64().expect("ver_clear is a number");
        assert!(
            server_clear >= self.ver_clear,
            "ver_clear went back: {body}"
        );
        self.ver_clear = server_clear;
        let mut lines = Vec::new();
        for m in body["msgs"].as_array().expect("msgs is always there") {
            let ver = m[0].as_u64().expect("numeric versions");
            assert!(ver > self.ver_clear, "an old line came back: {body}");
            self.ver_clear = ver;
            lines.push(m[1].as_str().unwrap().to_string());
        }
        lines
    }

    /// Waits for a `notify msg`, then polls; returns the lines.
    pub async fn lines_after_notify(&mut self) -> Vec<String> {
        self.wait_for(|f| f[0] == "notify" && f[1][0] == "msg")
            .await
            .expect("a notify msg");
        self.poll().await
    }

    /// Waits for a `channel2` notify; returns (type, content).
    pub async fn channel_event(&mut self) -> Option<(String, Value)> {
        let f = self
            .wait_for(|f| f[0] == "notify" && f[1][0] == "channel2")
            .await?;
        let line = f[1][3].as_str().unwrap();
        let parts: Vec<&str> = line.splitn(7, ' ').collect();
        assert_eq!(parts.len(), 7, "a msg-v2 line has 7 fields: {line}");
        assert_eq!(parts[0], "msg-v2");
        Some((
            parts[4].to_string(),
            serde_json::from_str(parts[6]).unwrap(),
        ))
    }

    /// The channel2 notifies in the stash and those arriving until nothing comes for WAIT.
    pub async fn drain_channel_events(&mut self) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        while let Some(e) = self.channel_event().await {
            out.push(e);
        }
        out
    }
}

/// The parts of a `msg-v2` peer line: (src, dst, type, content).
pub fn peer_line(line: &str) -> (String, String, String, String) {
    let p: Vec<&str> = line.splitn(7, ' ').collect();
    assert_eq!(p.len(), 7, "a msg-v2 line has 7 fields: {line}");
    assert_eq!(p[0], "msg-v2");
    (p[1].into(), p[2].into(), p[4].into(), p[6].into())
}
