//! The client side of the TCP transport: [`TcpConnector`] opens links to a `sig2rtm-server`.

use super::wire::{
    encode_frame, parse_preamble, preamble, release_burst, ClientFrame, FrameReader, Hello,
    ServerFrame, BUSY_WITHIN, COALESCE_BELOW, DEFAULT_MAX_FRAME, PREAMBLE_LEN, PROTOCOL_VERSION,
};
use crate::proto::link::Up;
use crate::transport::{down_channel, Connector, DownSender, Link, LinkClosed, LinkSender};
use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

/// Settings of a [`TcpConnector`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpOptions {
    /// Time to open the TCP connection (3 s).
    pub connect_timeout: Duration,
    /// Time for the server's preamble and `Welcome` once connected (3 s).
    pub handshake_timeout: Duration,
    /// Largest frame accepted from the server, in bytes (1 MiB).
    pub max_frame: usize,
    /// How long closing a link may take to deliver its last frames (1 s).
    pub close_linger: Duration,
}

impl Default for TcpOptions {
    fn default() -> Self {
        TcpOptions {
            connect_timeout: Duration::from_secs(3),
            handshake_timeout: Duration::from_secs(3),
            max_frame: DEFAULT_MAX_FRAME,
            close_linger: Duration::from_secs(1),
        }
    }
}

/// Opens links to an RTM system served by `sig2rtm-server` (or a `sig2rtm::system::tcp::TcpServer`).
///
/// A link behaves as an in-process one: `send` never blocks and keeps order; the receiver ends
/// when the connection ends for any reason, which the RTM core sees as a lost link.
///
/// A connector may know several servers (the nodes of one system, or stand-ins for one
/// another): each new link tries the server the last link reached first, then the others in
/// the order given, so a client whose server died reconnects to the next one that answers and
/// stays there.
///
/// ```no_run
/// use sig2rtm::rtm::RtmClient;
/// use sig2rtm::transport::tcp::TcpConnector;
/// use std::sync::Arc;
/// let connector = Arc::new(TcpConnector::new("127.0.0.1:9300,127.0.0.1:9301"));
/// assert_eq!(connector.servers(), ["127.0.0.1:9300", "127.0.0.1:9301"]);
/// let client = RtmClient::builder("0123456789abcdef0123456789abcdef")
///     .connector(connector)
///     .build()
///     .unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct TcpConnector {
    servers: Arc<[String]>,
    /// The index of the server the last link reached, shared by the clones.
    current: Arc<AtomicUsize>,
    options: TcpOptions,
}

/// The servers of a comma-separated list (`host:port,host:port`), trimmed, empty entries left
/// out. A `host:port` never holds a comma, so a single address is a list of one.
///
/// ```
/// use sig2rtm::transport::tcp::server_list;
/// assert_eq!(server_list(" a:1, b:2 ,,"), ["a:1", "b:2"]);
/// assert!(server_list(" , ").is_empty());
/// ```
pub fn server_list(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl TcpConnector {
    /// A connector to the server at `addr` (`host:port`), or to the servers of a
    /// comma-separated list of them (see [`server_list`]), with default options.
    pub fn new(addr: impl Into<String>) -> Self {
        Self::with_servers(server_list(&addr.into()))
    }

    /// A connector to these servers, tried in this order (see [`TcpConnector`]).
    pub fn with_servers<S: Into<String>>(servers: impl IntoIterator<Item = S>) -> Self {
        TcpConnector {
            servers: servers.into_iter().map(Into::into).collect(),
            current: Arc::new(AtomicUsize::new(0)),
            options: TcpOptions::default(),
        }
    }

    /// The same connector with these options.
    pub fn with_options(mut self, options: TcpOptions) -> Self {
        self.options = options;
        self
    }

    /// The server the next link tries first: the one the last link reached (at first, the
    /// first one given). Empty when the connector knows no server.
    pub fn addr(&self) -> &str {
        let i = self.current.load(Ordering::Relaxed);
        self.servers.get(i).map_or("", String::as_str)
    }

    /// Every server, in the order they are tried after the current one.
    pub fn servers(&self) -> &[String] {
        &self.servers
    }

    /// Opens a connection to the first server that answers, starting with the current one.
    async fn open_any(&self) -> io::Result<(OwnedReadHalf, OwnedWriteHalf, FrameReader, String)> {
        let n = self.servers.len();
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "no server address given (expected host:port, or a comma-separated list)",
            ));
        }
        let start = self.current.load(Ordering::Relaxed) % n;
        let mut failures = Vec::new();
        let mut last_kind = io::ErrorKind::Other;
        for step in 0..n {
            let i = (start + step) % n;
            let addr = &self.servers[i];
            match self.open(addr).await {
                Ok((rd, wr, reader)) => {
                    if step > 0 {
                        log::info!(
                            "connected to {addr} after {} did not answer",
                            failures.join("; ")
                        );
                    }
                    self.current.store(i, Ordering::Relaxed);
                    return Ok((rd, wr, reader, addr.clone()));
                }
                Err(e) if n == 1 => return Err(e),
                Err(e) => {
                    log::warn!("server {addr} did not answer: {e}");
                    last_kind = e.kind();
                    failures.push(format!("{addr} ({e})"));
                }
            }
        }
        Err(io::Error::new(
            last_kind,
            format!("none of the {n} servers answered: {}", failures.join("; ")),
        ))
    }

    /// Opens a connection to the server at `addr` and does the handshake.
    async fn open(&self, addr: &str) -> io::Result<(OwnedReadHalf, OwnedWriteHalf, FrameReader)> {
        let o = &self.options;
        let stream = tokio::time::timeout(o.connect_timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| {
                io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no connection within {} ms", o.connect_timeout.as_millis()),
                )
            })??;
        stream.set_nodelay(true)?;
        let (mut rd, mut wr) = stream.into_split();
        let mut hello = preamble(PROTOCOL_VERSION).to_vec();
        encode_frame(
            &ClientFrame::Hello(Hello {
                client: format!("sig2rtm {}", env!("CARGO_PKG_VERSION")),
            }),
            &mut hello,
        );
        let mut reader = FrameReader::new(o.max_frame);
        let handshake = async {
            wr.write_all(&hello).await?;
            let theirs = loop {
                if let Some(p) = reader.take_raw::<PREAMBLE_LEN>() {
                    break p;
                }
                read_more(&mut rd, &mut reader).await?;
            };
            if parse_preamble(&theirs).is_none() {
                return Err(protocol_error("the server is not a sig2rtm server"));
            }
            // A server of another version still answers in version 1 frames: a Close that
            // says what it speaks. So read its first frame whatever version it announced.
            loop {
                match reader.next_frame::<ServerFrame>() {
                    Ok(Some(ServerFrame::Welcome(w))) => {
                        log::debug!("connected to {addr} ({})", w.server);
                        return Ok(());
                    }
                    Ok(Some(ServerFrame::Close(c))) => {
                        return Err(io::Error::new(
                            io::ErrorKind::ConnectionRefused,
                            format!("the server refused the link: {c}"),
                        ))
                    }
                    Ok(Some(ServerFrame::Down(_))) => {
                        return Err(protocol_error("the server sent a message before Welcome"))
                    }
                    Ok(None) => read_more(&mut rd, &mut reader).await?,
                    Err(e) => return Err(protocol_error(&e.to_string())),
                }
            }
        };
        tokio::time::timeout(o.handshake_timeout, handshake)
            .await
            .map_err(|_| {
                io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "no handshake from the server within {} ms",
                        o.handshake_timeout.as_millis()
                    ),
                )
            })??;
        Ok((rd, wr, reader))
    }
}

fn protocol_error(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

async fn read_more(rd: &mut OwnedReadHalf, reader: &mut FrameReader) -> io::Result<()> {
    if rd.read_buf(reader.buffer()).await? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the server closed the connection during the handshake",
        ));
    }
    Ok(())
}

enum Outgoing {
    Up(Up),
    /// Close on purpose: the server ends the session at once.
    Bye,
    /// Drop the connection without a word: the server keeps the session for its grace time,
    /// for the client to resume on a new link.
    Abandon,
}

struct TcpSender {
    tx: UnboundedSender<Outgoing>,
    abandoned: AtomicBool,
}

impl LinkSender for TcpSender {
    fn send(&self, up: Up) -> Result<(), LinkClosed> {
        self.tx.send(Outgoing::Up(up)).map_err(|_| LinkClosed)
    }

    fn close(&self) {
        let _ = self.tx.send(Outgoing::Bye);
    }

    fn abandon(&self) {
        self.abandoned.store(true, Ordering::Release);
        let _ = self.tx.send(Outgoing::Abandon);
    }
}

impl Drop for TcpSender {
    /// As with an in-process link, dropping the sender closes the link, unless it was abandoned.
    fn drop(&mut self) {
        if !self.abandoned.load(Ordering::Acquire) {
            let _ = self.tx.send(Outgoing::Bye);
        }
    }
}

#[async_trait::async_trait]
impl Connector for TcpConnector {
    async fn connect(&self) -> io::Result<Link> {
        // The core names the server when it reports this error (see `describe`).
        let (rd, wr, reader, addr) = self.open_any().await?;
        let (up_tx, up_rx) = unbounded_channel();
        let (down_tx, down_rx) = down_channel();
        tokio::spawn(run_link(
            rd,
            wr,
            reader,
            up_rx,
            down_tx,
            addr,
            self.options.close_linger,
        ));
        Ok(Link {
            sender: Box::new(TcpSender {
                tx: up_tx,
                abandoned: AtomicBool::new(false),
            }),
            receiver: down_rx,
        })
    }

    fn describe(&self) -> String {
        match &self.servers[..] {
            [one] => format!("sig2rtm server at {one}"),
            many => format!("sig2rtm servers at {}", many.join(", ")),
        }
    }
}

/// Carries one link: frames the core's messages out, and passes the server's in. Ends (and so
/// ends the link's receiver) when the connection ends or the link is closed.
async fn run_link(
    mut rd: OwnedReadHalf,
    mut wr: OwnedWriteHalf,
    mut reader: FrameReader,
    mut up_rx: UnboundedReceiver<Outgoing>,
    down_tx: DownSender,
    addr: String,
    linger: Duration,
) {
    let mut out: Vec<u8> = Vec::new();
    let mut pos = 0;
    // Frames already in with the Welcome.
    if let Err(why) = deliver(&mut reader, &down_tx) {
        log::warn!("link to {addr}: {why}");
        return;
    }
    let mut fresh = false;
    let mut last_write: Option<std::time::Instant> = None;
    let closing = loop {
        // Under load (a wake found several frames, or the last write was moments ago), frames
        // just queued wait for one turn of the scheduler, so that what other tasks are about to
        // send goes out in the same write. A lone frame on a quiet link goes out at once:
        // waiting would only add a system call and latency.
        if fresh && out.len() - pos < COALESCE_BELOW {
            fresh = false;
            tokio::task::yield_now().await;
            if let Some(flush) = take_outgoing(&mut up_rx, None, &mut out, &mut 0) {
                break flush;
            }
        }
        let pending = pos < out.len();
        tokio::select! {
            biased;
            written = wr.write(&out[pos..]), if pending => match written {
                Ok(n) if n > 0 => {
                    last_write = Some(std::time::Instant::now());
                    pos += n;
                    if pos == out.len() {
                        release_burst(&mut out);
                        pos = 0;
                    }
                }
                Ok(_) => break false,
                Err(e) => {
                    log::warn!("link to {addr}: write failed: {e}");
                    break false;
                }
            },
            up = up_rx.recv() => {
                let mut frames = 0;
                if let Some(flush) = take_outgoing(&mut up_rx, Some(up), &mut out, &mut frames) {
                    break flush;
                }
                fresh = frames > 1 || last_write.is_some_and(|t| t.elapsed() < BUSY_WITHIN);
            },
            read = rd.read_buf(reader.buffer()) => {
                match read {
                    Ok(0) => {
                        log::info!("link to {addr}: the server closed the connection");
                        break false;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        log::warn!("link to {addr}: read failed: {e}");
                        break false;
                    }
                }
                if let Err(why) = deliver(&mut reader, &down_tx) {
                    log::warn!("link to {addr}: {why}");
                    break false;
                }
            }
        }
    };
    // The core sees the link end now; it does not wait for the last bytes to drain.
    drop(down_tx);
    if closing {
        let _ = tokio::time::timeout(linger, async {
            wr.write_all(&out[pos..]).await?;
            wr.shutdown().await
        })
        .await;
    }
}

/// Encodes `first` (the result of a `recv`, if any) and everything already queued behind it,
/// adding the number of frames to `frames`. `Some(flush)` when the link must end: flush what is
/// queued first (Bye) or not (Abandon).
fn take_outgoing(
    up_rx: &mut UnboundedReceiver<Outgoing>,
    first: Option<Option<Outgoing>>,
    out: &mut Vec<u8>,
    frames: &mut usize,
) -> Option<bool> {
    let mut next = match first {
        Some(None) => return Some(true), // no sender left (it says Bye before it goes)
        Some(Some(item)) => Some(item),
        None => up_rx.try_recv().ok(),
    };
    while let Some(item) = next.take() {
        match item {
            Outgoing::Up(up) => {
                encode_frame(&ClientFrame::Up(up), out);
                *frames += 1;
                next = up_rx.try_recv().ok();
            }
            Outgoing::Bye => {
                encode_frame(&ClientFrame::Bye, out);
                return Some(true);
            }
            Outgoing::Abandon => return Some(false),
        }
    }
    None
}

/// Passes every complete frame on. `Err` says why the link must end.
fn deliver(reader: &mut FrameReader, down_tx: &DownSender) -> Result<(), String> {
    loop {
        match reader.next_frame::<ServerFrame>() {
            Ok(None) => return Ok(()),
            Ok(Some(ServerFrame::Down(down))) => {
                let _ = down_tx.send(down);
            }
            Ok(Some(ServerFrame::Close(c))) => return Err(format!("closed by the server ({c})")),
            Ok(Some(ServerFrame::Welcome(_))) => return Err("a second Welcome".into()),
            Err(e) => return Err(e.to_string()),
        }
    }
}
