//! The task of one WebSocket: reads client frames into the session, writes what the session
//! queued, and enforces the login timeout, the idle timeout and the write-buffer limit.

use super::outbox::{Out, Outbox};
use super::session::{Phase, Session, Shared, Sink};
use super::Endpoint;
use crate::signaling::{CallbackMode, Signaling, SignalingConfig};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use log::Level;
use std::sync::Arc;
use tokio::time::{sleep_until, Instant};

/// Serves one upgraded socket until either side ends it.
pub(crate) async fn run(mut socket: WebSocket, endpoint: Arc<Endpoint>, peer: String) {
    let config = &endpoint.config;
    let (outbox, mut inbox) = Outbox::new(config.write_buffer);
    let shared = Shared::new(outbox, peer.clone(), config.queue_limit);
    let sig = Signaling::create_instance(
        SignalingConfig::default()
            .system(&endpoint.system)
            .callback_mode(CallbackMode::Inline)
            .runtime(tokio::runtime::Handle::current()),
    );
    sig.callback_set(Some(Arc::new(Sink(shared.clone()))));
    let mut session = Session::new(sig, shared.clone(), endpoint.clone());
    log::debug!("legacy web {peer}: WebSocket open");
    let opened = Instant::now();
    let mut heard = opened;
    let (level, why): (Level, String) = loop {
        let deadline = match shared.phase() {
            Phase::Fresh | Phase::LoggingIn => opened + config.login_timeout,
            _ => heard + config.idle_timeout,
        };
        tokio::select! {
            biased;
            _ = inbox.overflow.notified() => {
                break (Level::Warn, overflow(config.write_buffer));
            }
            out = inbox.rx.recv() => match out {
                Some(Out::Text(text)) => {
                    let n = text.len();
                    let sent = tokio::select! {
                        r = socket.send(Message::Text(text.into())) => r,
                        _ = inbox.overflow.notified() => break (Level::Warn, overflow(config.write_buffer)),
                    };
                    inbox.written(n);
                    if let Err(e) = sent {
                        break (Level::Info, format!("closed while writing: {e}"));
                    }
                }
                Some(Out::Close(reason)) => {
                    let frame = CloseFrame { code: 1000, reason: reason.clone().into() };
                    let _ = socket.send(Message::Close(Some(frame))).await;
                    break (Level::Info, format!("closed by the server: {reason}"));
                }
                None => break (Level::Info, "closed".into()),
            },
            msg = socket.recv() => match msg {
                None => break (Level::Info, "closed by the client".into()),
                // Oversize messages and protocol violations end here, with tungstenite's reason.
                Some(Err(e)) => break (Level::Warn, format!("closed: {e}")),
                Some(Ok(Message::Text(text))) => {
                    heard = Instant::now();
                    session.on_text(text.as_str());
                }
                Some(Ok(Message::Binary(b))) => {
                    heard = Instant::now();
                    log::warn!(
                        "legacy web {peer}: ignored a binary frame of {} bytes: the protocol's client frames are text",
                        b.len()
                    );
                }
                Some(Ok(Message::Close(_))) => break (Level::Info, "closed by the client".into()),
                Some(Ok(_)) => heard = Instant::now(),
            },
            _ = sleep_until(deadline) => {
                if shared.phase() == Phase::LoggedIn {
                    // A logged-in client pings every 10 s; silence this long means it is gone.
                    let _ = socket.send(Message::Text(super::wire::frame("close", "".into()).into())).await;
                    break (Level::Warn, format!("closed: nothing heard for {:?}", config.idle_timeout));
                }
                break (Level::Warn, format!("closed: no login within {:?}", config.login_timeout));
            }
        }
    };
    log::log!(level, "legacy web {peer}: {why}");
    session.destroy();
}

fn overflow(limit: usize) -> String {
    format!("closed: more than {limit} bytes waited for a client that does not read")
}
