//! The server side of the TCP transport (`sig2rtm-server`): serves a [`System`] to clients on
//! other processes or machines, over the framing of [`crate::proto::wire`]. Each accepted connection gets one task that reads frames into the system and writes
//! what the system sends back, through a bounded write buffer.

use super::{LinkEnd, System};
use crate::proto::wire::{
    encode_frame, parse_preamble, preamble, release_burst, ClientFrame, Close, CloseReason,
    FrameReader, Hello, ServerFrame, Welcome, BUSY_WITHIN, COALESCE_BELOW, DEFAULT_MAX_FRAME,
    PREAMBLE_LEN, PROTOCOL_VERSION,
};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// Limits of a [`TcpServer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Largest frame payload accepted from a client, in bytes (1 MiB).
    pub max_frame: usize,
    /// Time a new connection has to send its preamble and `Hello` (5 s).
    pub handshake_timeout: Duration,
    /// Connections served at once; more are closed with `TooManyConnections` (10 000).
    pub max_connections: usize,
    /// Bytes waiting to be written to one client; past this the client is closed as a slow
    /// consumer (4 MiB).
    pub write_buffer: usize,
    /// How long a closing connection may take to deliver its last frames (1 s).
    pub close_linger: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_frame: DEFAULT_MAX_FRAME,
            handshake_timeout: Duration::from_secs(5),
            max_connections: 10_000,
            write_buffer: 4 << 20,
            close_linger: Duration::from_secs(1),
        }
    }
}

/// Counters of a running server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ServerStats {
    /// Connections accepted (including those refused at the limit).
    pub accepted: u64,
    /// Connections that completed the handshake.
    pub handshakes: u64,
    /// Connections the server closed with a reason (any reason).
    pub closed_with_reason: u64,
    /// Connections open now.
    pub open: usize,
}

struct Shared {
    system: System,
    config: ServerConfig,
    open: AtomicUsize,
    accepted: AtomicU64,
    handshakes: AtomicU64,
    closed_with_reason: AtomicU64,
}

/// A running TCP server in front of a [`System`].
///
/// Dropping it stops accepting and closes every connection (as [`TcpServer::shutdown`] does,
/// without waiting).
///
/// ```
/// use sig2rtm::system::{System, SystemConfig};
/// use sig2rtm::system::tcp::{ServerConfig, TcpServer};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let system = System::new(SystemConfig::default());
/// let server = TcpServer::bind("127.0.0.1:0", system, ServerConfig::default()).await.unwrap();
/// println!("serving on {}", server.local_addr());
/// server.shutdown().await;
/// # }
/// ```
pub struct TcpServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    accept_task: Option<tokio::task::JoinHandle<()>>,
}

impl TcpServer {
    /// Listens on `addr` and serves `system` there. Must be called in a tokio runtime.
    pub async fn bind(
        addr: impl ToSocketAddrs,
        system: System,
        config: ServerConfig,
    ) -> io::Result<TcpServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            system,
            config,
            open: AtomicUsize::new(0),
            accepted: AtomicU64::new(0),
            handshakes: AtomicU64::new(0),
            closed_with_reason: AtomicU64::new(0),
        });
        let (stop, stopped) = watch::channel(false);
        let accept_task = tokio::spawn(accept_loop(listener, shared.clone(), stopped));
        log::info!("sig2rtm server listening on {addr}");
        Ok(TcpServer {
            addr,
            shared,
            stop,
            accept_task: Some(accept_task),
        })
    }

    /// The address the server listens on (with the real port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The system it serves.
    pub fn system(&self) -> &System {
        &self.shared.system
    }

    /// Its counters now.
    pub fn stats(&self) -> ServerStats {
        ServerStats {
            accepted: self.shared.accepted.load(Ordering::Relaxed),
            handshakes: self.shared.handshakes.load(Ordering::Relaxed),
            closed_with_reason: self.shared.closed_with_reason.load(Ordering::Relaxed),
            open: self.shared.open.load(Ordering::Relaxed),
        }
    }

    /// Stops accepting, then closes every connection cleanly: what the system already sent is
    /// written, then a `Close(ServerShutdown)` frame, then the socket is shut. Waits until each
    /// connection is done (at most the close linger plus a second).
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.accept_task.take() {
            let _ = task.await;
        }
        log::info!("sig2rtm server on {} stopped", self.addr);
    }
}

impl Drop for TcpServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let mut conns = JoinSet::new();
    loop {
        while conns.try_join_next().is_some() {}
        let accepted = tokio::select! {
            biased;
            _ = stop.wait_for(|stopped| *stopped) => break,
            a = listener.accept() => a,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors and the like: wait a little instead of spinning.
                log::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        shared.accepted.fetch_add(1, Ordering::Relaxed);
        let _ = stream.set_nodelay(true);
        let open = shared.open.fetch_add(1, Ordering::AcqRel);
        let slot = Slot(shared.clone());
        if open >= shared.config.max_connections {
            log::warn!("{peer}: refused, {open} connections open (the limit)");
            conns.spawn(refuse(stream, slot));
            continue;
        }
        conns.spawn(serve(stream, peer, slot, stop.clone()));
    }
    drop(listener);
    // Every connection saw the stop too; give them their linger, then cut what is left.
    let grace = shared.config.close_linger + Duration::from_secs(1);
    let _ = tokio::time::timeout(grace, async { while conns.join_next().await.is_some() {} }).await;
    conns.shutdown().await;
}

/// Holds one of the server's connection slots; frees it when dropped.
struct Slot(Arc<Shared>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::AcqRel);
    }
}

async fn refuse(stream: TcpStream, slot: Slot) {
    let (mut rd, mut wr) = stream.into_split();
    let mut out = preamble(PROTOCOL_VERSION).to_vec();
    let close = Close {
        reason: CloseReason::TooManyConnections,
        detail: format!(
            "the server serves at most {} connections; try again later",
            slot.0.config.max_connections
        ),
    };
    slot.0.closed_with_reason.fetch_add(1, Ordering::Relaxed);
    encode_frame(&ServerFrame::Close(close), &mut out);
    finish(&mut rd, &mut wr, &out, slot.0.config.close_linger).await;
}

/// Within `linger`: writes what is left, shuts the write side, and reads until the client
/// closes too. Reading what the client still sends keeps the kernel from answering it with a
/// reset, which could make the client lose the last frames before reading them.
async fn finish(rd: &mut OwnedReadHalf, wr: &mut OwnedWriteHalf, out: &[u8], linger: Duration) {
    let _ = tokio::time::timeout(linger, async {
        wr.write_all(out).await?;
        wr.shutdown().await?;
        let mut scratch = [0u8; 4096];
        while rd.read(&mut scratch).await? > 0 {}
        io::Result::Ok(())
    })
    .await;
}

fn close(reason: CloseReason, detail: impl Into<String>) -> Close {
    Close {
        reason,
        detail: detail.into(),
    }
}

/// Reads the preamble and the Hello. On failure, returns the close to send; the server's
/// preamble is in `out` either way.
async fn handshake(
    rd: &mut OwnedReadHalf,
    reader: &mut FrameReader,
    out: &mut Vec<u8>,
) -> Result<Hello, Close> {
    let theirs = loop {
        if let Some(p) = reader.take_raw::<PREAMBLE_LEN>() {
            break p;
        }
        read_more(rd, reader).await?;
    };
    out.extend_from_slice(&preamble(PROTOCOL_VERSION));
    match parse_preamble(&theirs) {
        None => {
            return Err(close(
                CloseReason::NotSig2rtm,
                "this is a sig2rtm server; the connection did not start with its preamble",
            ))
        }
        Some(v) if v != PROTOCOL_VERSION => {
            return Err(close(
                CloseReason::UnsupportedVersion,
                format!("the client speaks protocol version {v}; this server speaks version {PROTOCOL_VERSION}"),
            ))
        }
        Some(_) => {}
    }
    loop {
        match reader.next_frame::<ClientFrame>() {
            Ok(Some(ClientFrame::Hello(hello))) => return Ok(hello),
            Ok(Some(_)) => {
                return Err(close(
                    CloseReason::Malformed,
                    "the first frame must be Hello",
                ))
            }
            Ok(None) => read_more(rd, reader).await?,
            Err(e) => return Err(close(e.close_reason(), e.to_string())),
        }
    }
}

async fn read_more(rd: &mut OwnedReadHalf, reader: &mut FrameReader) -> Result<(), Close> {
    match rd.read_buf(reader.buffer()).await {
        Ok(0) => Err(close(
            CloseReason::LinkEnded,
            "the client closed the connection",
        )),
        Ok(_) => Ok(()),
        Err(e) => Err(close(CloseReason::LinkEnded, format!("read failed: {e}"))),
    }
}

/// How a served connection ended.
enum End {
    /// The server closes it and says why.
    Close(Close),
    /// The client said Bye.
    Bye,
    /// The connection was lost or the client closed it: nothing more can be said.
    Lost(String),
}

async fn serve(stream: TcpStream, peer: SocketAddr, slot: Slot, mut stop: watch::Receiver<bool>) {
    let shared = slot.0.clone();
    let config = &shared.config;
    let (mut rd, mut wr) = stream.into_split();
    let mut reader = FrameReader::new(config.max_frame);
    let mut out = Vec::new();

    let hello = match tokio::time::timeout(
        config.handshake_timeout,
        handshake(&mut rd, &mut reader, &mut out),
    )
    .await
    {
        Ok(Ok(hello)) => hello,
        Ok(Err(c)) if c.reason == CloseReason::LinkEnded => {
            log::debug!("{peer}: gone during the handshake ({})", c.detail);
            return;
        }
        Ok(Err(c)) => return refuse_handshake(&shared, peer, &mut rd, &mut wr, out, c).await,
        Err(_) => {
            if out.is_empty() {
                out.extend_from_slice(&preamble(PROTOCOL_VERSION));
            }
            let c = close(
                CloseReason::HandshakeTimeout,
                format!(
                    "no handshake within {} ms",
                    config.handshake_timeout.as_millis()
                ),
            );
            return refuse_handshake(&shared, peer, &mut rd, &mut wr, out, c).await;
        }
    };
    shared.handshakes.fetch_add(1, Ordering::Relaxed);
    // The name is the client's to choose: quoted and cut short in the log.
    let name: String = hello.client.chars().take(64).collect();
    log::info!("{peer}: connected ({name:?})");
    encode_frame(
        &ServerFrame::Welcome(Welcome {
            server: format!("sig2rtm-server {}", env!("CARGO_PKG_VERSION")),
            max_frame: config.max_frame.min(u32::MAX as usize) as u32,
        }),
        &mut out,
    );

    let system = &shared.system;
    let (link, mut down_rx) = system.connect();
    let conn = link.id();
    let mut pos = 0;
    // Frames the client sent right behind its Hello.
    let early = take_frames(&mut reader, system, &link);
    let slow = || {
        close_end(
            CloseReason::SlowConsumer,
            format!(
                "more than {} bytes waiting to be read by the client",
                config.write_buffer
            ),
        )
    };
    let mut fresh = false;
    let mut last_write: Option<std::time::Instant> = None;
    let end = loop {
        if let Some(end) = early {
            break end;
        }
        // Under load (a wake found several frames, or the last write was moments ago), frames
        // just queued wait for one turn of the scheduler, so that what the system is about to
        // send this client goes out in the same write. A lone frame on a quiet link goes out at
        // once.
        if fresh && out.len() - pos < COALESCE_BELOW {
            fresh = false;
            tokio::task::yield_now().await;
            while let Some(down) = down_rx.try_recv() {
                encode_frame(&ServerFrame::Down(down), &mut out);
            }
            // Checked here too: frames taken in this turn may be the last the system sends for
            // a while, and a client that reads nothing must still be given up on.
            if out.len() - pos > config.write_buffer {
                break slow();
            }
        }
        let pending = pos < out.len();
        tokio::select! {
            biased;
            _ = stop.wait_for(|stopped| *stopped) => {
                break close_end(CloseReason::ServerShutdown, "the server is shutting down");
            }
            written = wr.write(&out[pos..]), if pending => match written {
                Ok(0) => break End::Lost("the connection closed".into()),
                Ok(n) => {
                    last_write = Some(std::time::Instant::now());
                    pos += n;
                    if pos == out.len() {
                        release_burst(&mut out);
                        pos = 0;
                    }
                }
                Err(e) => break End::Lost(format!("write failed: {e}")),
            },
            down = down_rx.recv() => {
                let Some(down) = down else {
                    break close_end(CloseReason::LinkEnded, "the RTM system ended this link");
                };
                encode_frame(&ServerFrame::Down(down), &mut out);
                let mut frames = 1;
                while let Some(down) = down_rx.try_recv() {
                    encode_frame(&ServerFrame::Down(down), &mut out);
                    frames += 1;
                }
                if out.len() - pos > config.write_buffer {
                    break slow();
                }
                fresh = frames > 1 || last_write.is_some_and(|t| t.elapsed() < BUSY_WITHIN);
            }
            read = rd.read_buf(reader.buffer()) => {
                match read {
                    Ok(0) => break End::Lost("the client closed the connection".into()),
                    Ok(_) => {}
                    Err(e) => break End::Lost(format!("read failed: {e}")),
                }
                if let Some(end) = take_frames(&mut reader, system, &link) {
                    break end;
                }
            }
        }
    };

    // A client that said goodbye, or broke the protocol, ends its session at once (as a closed
    // in-process link does). A connection that was lost, too slow, or closed by the server's
    // shutdown leaves its session to the system's presence grace, for the client to resume.
    let keep_session = match &end {
        End::Lost(_) => true,
        End::Bye => false,
        End::Close(c) => matches!(
            c.reason,
            CloseReason::SlowConsumer | CloseReason::ServerShutdown
        ),
    };
    if keep_session {
        system.link_dropped(conn);
    } else {
        system.disconnect(conn);
    }
    match end {
        End::Lost(why) => log::info!("{peer}: connection lost ({why})"),
        End::Bye => {
            log::info!("{peer}: closed by the client");
            finish(&mut rd, &mut wr, &out[pos..], config.close_linger).await;
        }
        End::Close(c) => {
            log::info!("{peer}: closing ({c})");
            shared.closed_with_reason.fetch_add(1, Ordering::Relaxed);
            if c.reason != CloseReason::SlowConsumer {
                // Whatever the system sent before the session ended still goes out, in order.
                while let Some(down) = down_rx.try_recv() {
                    encode_frame(&ServerFrame::Down(down), &mut out);
                }
            }
            encode_frame(&ServerFrame::Close(c), &mut out);
            finish(&mut rd, &mut wr, &out[pos..], config.close_linger).await;
        }
    }
    drop(slot);
}

/// Hands every complete frame to the system. `Some` when the connection must end.
fn take_frames(reader: &mut FrameReader, system: &System, link: &LinkEnd) -> Option<End> {
    loop {
        match reader.next_frame::<ClientFrame>() {
            Ok(None) => return None,
            Ok(Some(ClientFrame::Up(up))) => {
                if system.handle(link, up).is_err() {
                    return Some(close_end(
                        CloseReason::LinkEnded,
                        "the RTM system ended this link",
                    ));
                }
            }
            Ok(Some(ClientFrame::Bye)) => return Some(End::Bye),
            Ok(Some(ClientFrame::Hello(_))) => {
                return Some(close_end(CloseReason::Malformed, "a second Hello"))
            }
            Err(e) => return Some(close_end(e.close_reason(), e.to_string())),
        }
    }
}

fn close_end(reason: CloseReason, detail: impl Into<String>) -> End {
    End::Close(close(reason, detail))
}

async fn refuse_handshake(
    shared: &Shared,
    peer: SocketAddr,
    rd: &mut OwnedReadHalf,
    wr: &mut OwnedWriteHalf,
    mut out: Vec<u8>,
    c: Close,
) {
    log::info!("{peer}: refused ({c})");
    shared.closed_with_reason.fetch_add(1, Ordering::Relaxed);
    encode_frame(&ServerFrame::Close(c), &mut out);
    finish(rd, wr, &out, shared.config.close_linger).await;
}
