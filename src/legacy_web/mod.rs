//! The legacy Web/Python Signaling wire protocol on an RTM system, so that unmodified legacy
//! web pages (Web SDK 1.3.0, 1.4.0) and Python scripts (SDK 1.0.2) run on `sig2rtm-server`.
//!
//! One port serves both halves of what the SDKs expect from the Signaling service: the address
//! lookup over HTTP (`GET /getaddr?vid=APPID`, the LBS) and the WebSocket of JSON arrays
//! (`login`, `call2`, `call2-ret`, `notify` …). Each WebSocket hosts one legacy Signaling
//! session ([`crate::signaling::Signaling`] with inline callbacks) on the server's
//! [`System`], so web sessions meet facade, C ABI and RTM-core clients of the same system, and
//! the legacy rules exist once, in the adapter. docs/LEGACY_WEB.md maps the protocol onto the
//! system and records every choice the protocol leaves open.
//!
//! ```no_run
//! use sig2rtm::legacy_web::{LegacyWeb, LegacyWebConfig};
//! use sig2rtm::system::{System, SystemConfig};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
//! let web = LegacyWeb::new(System::new(SystemConfig::default()), LegacyWebConfig::default());
//! let server = web.bind("127.0.0.1:8001").await?;
//! println!("legacy web on ws://{}/", server.local_addr());
//! # Ok(()) }
//! ```

mod connection;
mod lbs;
mod outbox;
mod queue;
mod session;
mod tls;
mod wire;

pub use tls::{tls_acceptor, TlsError};

use crate::system::System;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use hyper_util::rt::TokioIo;
use parking_lot::RwLock;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// Limits and addresses of a legacy web endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyWebConfig {
    /// What the LBS hands out as `[host, port]` (default: the address of the first plain
    /// listener, with 127.0.0.1 for an unspecified address).
    pub advertise: Option<(String, u16)>,
    /// Largest WebSocket message accepted; a larger one closes the socket (default 64 KiB).
    pub max_frame: usize,
    /// Bytes queued for a client that does not read before it is closed (default 1 MiB).
    pub write_buffer: usize,
    /// Time a socket has from its upgrade to a completed login (default 30 s).
    pub login_timeout: Duration,
    /// Time a logged-in socket may stay silent (the SDKs ping every 10 s; default 120 s).
    pub idle_timeout: Duration,
    /// Time an HTTP connection has to make its request or WebSocket upgrade (default 10 s).
    pub http_timeout: Duration,
    /// Most queued lines a session keeps for a client that does not poll (default 1000).
    pub queue_limit: usize,
    /// Most connections open at once over every listener of the endpoint, HTTP requests and
    /// WebSockets together (default 10 000). One more is closed at once, with a warning in the
    /// log, so a flood of sockets cannot take the process's file descriptors from the others.
    pub max_connections: usize,
    /// Bytes a socket reads at a time, reserved for each socket while it is open (default
    /// 4 KiB; a larger message grows the buffer as far as `max_frame`). The WebSocket library's
    /// own default, 128 KiB, would make this the largest part of an idle session.
    pub socket_read_buffer: usize,
    /// Bytes of outgoing frames gathered before they are written (default 8 KiB; lines
    /// beyond it go out at once, and a flush writes the rest).
    pub socket_write_batch: usize,
    /// App certificates by App ID, for legacy Signaling tokens (`1:APPID:TS:MD5`): a web login
    /// that carries one is checked against the certificate and logged in with an RTM token
    /// made from it. Use the same certificates the system was given (default: none; a legacy
    /// token for an App ID without a certificate counts as no token).
    pub app_certificates: Vec<(String, String)>,
}

impl Default for LegacyWebConfig {
    fn default() -> Self {
        LegacyWebConfig {
            advertise: None,
            max_frame: 64 * 1024,
            write_buffer: 1024 * 1024,
            login_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(120),
            http_timeout: Duration::from_secs(10),
            queue_limit: 1000,
            max_connections: 10_000,
            socket_read_buffer: 4 * 1024,
            socket_write_batch: 8 * 1024,
            app_certificates: Vec::new(),
        }
    }
}

/// What every connection of an endpoint shares.
pub(crate) struct Endpoint {
    system: System,
    config: LegacyWebConfig,
    advertise: RwLock<Option<(String, u16)>>,
    /// Connections open now over the endpoint's listeners (see [`Slot`]).
    open: AtomicUsize,
}

/// One of the endpoint's `max_connections`, held by a connection's tasks (its HTTP part and,
/// after an upgrade, its WebSocket) and given back when the last of them ends.
pub(crate) struct Slot(Arc<Endpoint>);

impl Slot {
    /// A slot, unless `max_connections` are open.
    fn take(endpoint: &Arc<Endpoint>) -> Option<Slot> {
        let max = endpoint.config.max_connections;
        endpoint
            .open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot(endpoint.clone()))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Endpoint {
    /// The token a web login of `account` to `app_id` logs in to the system with, or the
    /// `login_ret` reason that refuses it (docs/LEGACY_WEB.md, "Tokens").
    pub(crate) fn login_token(
        &self,
        app_id: &str,
        account: &str,
        token: &str,
    ) -> Result<String, String> {
        use crate::token::{LegacyToken, RtmTokenBuilder, TokenError};
        let certificate = self
            .config
            .app_certificates
            .iter()
            .find(|(id, _)| id == app_id)
            .map(|(_, c)| c.as_str());
        match (LegacyToken::classify(token), certificate) {
            (LegacyToken::Signaling(_), None) => Ok(String::new()),
            (LegacyToken::Signaling(t), Some(cert)) => {
                let now = self.system.now_ms() / 1000;
                match t.verify(account, app_id, cert, now) {
                    Ok(()) => Ok(RtmTokenBuilder::build(
                        app_id,
                        cert,
                        account,
                        now,
                        rand::random(),
                    )),
                    Err(TokenError::Expired { .. }) => Err("TokenErrorExpired".into()),
                    Err(e) => Err(format!("TokenErrorInvalid: {e}")),
                }
            }
            _ => Ok(token.to_string()),
        }
    }

    /// The `[host, port]` the LBS hands out.
    pub(crate) fn advertised(&self) -> Option<(String, u16)> {
        self.advertise.read().clone()
    }
}

/// A legacy web endpoint on an RTM system: serves the LBS and the WebSocket protocol on any
/// number of listeners or streams. Cheap to clone.
#[derive(Clone)]
pub struct LegacyWeb {
    endpoint: Arc<Endpoint>,
    router: Router,
}

/// Who is on the other end of a stream, for log lines, and the connection's slot (none for
/// streams handed to [`LegacyWeb::serve_stream`]).
#[derive(Clone)]
struct Peer(String, Option<Arc<Slot>>);

impl LegacyWeb {
    /// An endpoint hosting its sessions on `system`.
    pub fn new(system: System, config: LegacyWebConfig) -> LegacyWeb {
        let endpoint = Arc::new(Endpoint {
            system,
            advertise: RwLock::new(config.advertise.clone()),
            config,
            open: AtomicUsize::new(0),
        });
        let router = Router::new()
            .route("/getaddr", get(lbs::getaddr).options(lbs::preflight))
            .fallback(upgrade)
            .with_state(endpoint.clone());
        LegacyWeb { endpoint, router }
    }

    /// The system the sessions run on.
    pub fn system(&self) -> &System {
        &self.endpoint.system
    }

    /// What the LBS hands out now.
    pub fn advertised(&self) -> Option<(String, u16)> {
        self.endpoint.advertised()
    }

    /// Serves HTTP/1.1 (the LBS and WebSocket upgrades) on one already-open stream; `peer`
    /// names the other end in log lines. Returns when the stream's HTTP part ends; an upgraded
    /// WebSocket goes on in a task of its own.
    pub async fn serve_stream<S>(&self, io: S, peer: String)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        self.serve_counted(io, peer, None).await
    }

    /// [`LegacyWeb::serve_stream`], with the slot the connection holds.
    async fn serve_counted<S>(&self, io: S, peer: String, slot: Option<Arc<Slot>>)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let router = self.router.clone();
        let tag = Peer(peer.clone(), slot);
        let service =
            hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(tag.clone());
                let mut router = router.clone();
                async move {
                    tower_service::Service::call(&mut router, req.map(axum::body::Body::new)).await
                }
            });
        let conn = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(io), service)
            .with_upgrades();
        match tokio::time::timeout(self.endpoint.config.http_timeout, conn).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => log::debug!("legacy web {peer}: HTTP connection ended: {e}"),
            Err(_) => log::debug!(
                "legacy web {peer}: HTTP connection closed after {:?} without an upgrade",
                self.endpoint.config.http_timeout
            ),
        }
    }

    /// Listens for plain `ws://` and `http://` on `addr`. The first plain listener also sets
    /// the address the LBS hands out, unless [`LegacyWebConfig::advertise`] did.
    pub async fn bind(&self, addr: &str) -> std::io::Result<LegacyWebServer> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        {
            let mut adv = self.endpoint.advertise.write();
            if adv.is_none() {
                let host = if local.ip().is_unspecified() {
                    log::warn!(
                        "legacy web: listening on {local}; the LBS hands out 127.0.0.1 (set --legacy-web-advertise for other machines)"
                    );
                    "127.0.0.1".to_string()
                } else {
                    local.ip().to_string()
                };
                *adv = Some((host, local.port()));
            }
        }
        Ok(self.spawn(listener, None))
    }

    /// Listens for `wss://` and `https://` on `addr` with this TLS configuration.
    pub async fn bind_tls(&self, addr: &str, tls: TlsAcceptor) -> std::io::Result<LegacyWebServer> {
        let listener = TcpListener::bind(addr).await?;
        Ok(self.spawn(listener, Some(tls)))
    }

    fn spawn(&self, listener: TcpListener, tls: Option<TlsAcceptor>) -> LegacyWebServer {
        let local_addr = listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
        let (stop, mut stopped) = watch::channel(false);
        let web = self.clone();
        let task = tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    a = listener.accept() => a,
                    _ = stopped.changed() => break,
                };
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        log::warn!("legacy web: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let Some(slot) = Slot::take(&web.endpoint) else {
                    log::warn!(
                        "legacy web: {peer} refused: {} connections are open (max_connections)",
                        web.endpoint.config.max_connections
                    );
                    drop(stream);
                    continue;
                };
                let slot = Some(Arc::new(slot));
                let _ = stream.set_nodelay(true);
                let web = web.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    match tls {
                        None => web.serve_counted(stream, peer.to_string(), slot).await,
                        Some(acceptor) => {
                            let handshake = tokio::time::timeout(
                                web.endpoint.config.http_timeout,
                                acceptor.accept(stream),
                            );
                            match handshake.await {
                                Ok(Ok(s)) => {
                                    web.serve_counted(s, format!("{peer} (TLS)"), slot).await
                                }
                                Ok(Err(e)) => {
                                    log::warn!("legacy web {peer}: TLS handshake failed: {e}")
                                }
                                Err(_) => log::warn!("legacy web {peer}: no TLS handshake in time"),
                            }
                        }
                    }
                });
            }
        });
        LegacyWebServer {
            local_addr,
            stop,
            task,
        }
    }
}

/// A running listener of a [`LegacyWeb`] endpoint.
pub struct LegacyWebServer {
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl LegacyWebServer {
    /// The address it listens on (with the real port when asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting; sessions already open go on until they end.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Any other request: a WebSocket upgrade (at any path; the SDKs use `/`), or a plain answer
/// saying what is served here.
async fn upgrade(
    State(endpoint): State<Arc<Endpoint>>,
    peer: Option<axum::Extension<Peer>>,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let (peer, slot) = peer.map_or(("?".into(), None), |p| (p.0 .0, p.0 .1));
    let Ok(ws) = ws else {
        return (
            StatusCode::NOT_FOUND,
            "sig2rtm legacy Signaling endpoint: WebSocket upgrades at any path, the LBS at /getaddr?vid=APPID\n",
        )
            .into_response();
    };
    let max = endpoint.config.max_frame;
    ws.max_message_size(max)
        .max_frame_size(max)
        .read_buffer_size(endpoint.config.socket_read_buffer)
        .write_buffer_size(endpoint.config.socket_write_batch)
        .on_failed_upgrade({
            let peer = peer.clone();
            move |e| log::warn!("legacy web {peer}: WebSocket upgrade failed: {e}")
        })
        .on_upgrade(move |socket| async move {
            // The socket keeps the connection's slot until it closes.
            let _slot = slot;
            connection::run(socket, endpoint, peer).await
        })
}
