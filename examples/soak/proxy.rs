//! The fault driver's lever: a loopback TCP proxy between the clients and the server. Every
//! client connection goes through it, so a link can be cut (both sockets closed at once), stalled
//! (nothing forwarded either way, as on a frozen network; data waits in the kernel's buffers) and
//! restored, one connection at a time, without touching the server. The upstream address can be
//! swapped, so that a restarted server on a new port is reached through the same address.

use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What a proxied link does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinkState {
    Open,
    Stalled,
    Cut,
}

/// The proxy: its listening address, the server it forwards to, and the links open now.
pub struct FaultProxy {
    addr: String,
    upstream: Mutex<String>,
    links: Mutex<HashMap<u64, Arc<watch::Sender<LinkState>>>>,
    next_link: AtomicU64,
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards every connection to `upstream`.
    pub async fn start(upstream: String) -> Arc<FaultProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port for the proxy");
        let proxy = Arc::new(FaultProxy {
            addr: listener.local_addr().unwrap().to_string(),
            upstream: Mutex::new(upstream),
            links: Mutex::new(HashMap::new()),
            next_link: AtomicU64::new(1),
        });
        let accepting = proxy.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let proxy = accepting.clone();
                tokio::spawn(async move { proxy.serve(client).await });
            }
        });
        proxy
    }

    /// The address clients connect to.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// Forwards new connections to `upstream` from now on.
    pub fn set_upstream(&self, upstream: String) {
        *self.upstream.lock() = upstream;
    }

    /// Links open now.
    pub fn link_count(&self) -> usize {
        self.links.lock().len()
    }

    /// The ids of the links open now.
    pub fn link_ids(&self) -> Vec<u64> {
        self.links.lock().keys().copied().collect()
    }

    /// Closes link `id` at once, both ways. False when it is gone already.
    pub fn cut(&self, id: u64) -> bool {
        self.set(id, LinkState::Cut)
    }

    /// Stops forwarding on link `id` until [`FaultProxy::restore`].
    pub fn stall(&self, id: u64) -> bool {
        self.set(id, LinkState::Stalled)
    }

    /// Forwards on link `id` again after a stall.
    pub fn restore(&self, id: u64) -> bool {
        self.set(id, LinkState::Open)
    }

    /// Restores every stalled link.
    pub fn restore_all(&self) {
        for link in self.links.lock().values() {
            link.send_if_modified(|s| {
                let stalled = *s == LinkState::Stalled;
                if stalled {
                    *s = LinkState::Open;
                }
                stalled
            });
        }
    }

    fn set(&self, id: u64, state: LinkState) -> bool {
        let link = self.links.lock().get(&id).cloned();
        match link {
            Some(link) => {
                link.send_if_modified(|s| {
                    // A cut is final.
                    let change = *s != LinkState::Cut && *s != state;
                    if change {
                        *s = state;
                    }
                    change
                });
                true
            }
            None => false,
        }
    }

    async fn serve(self: Arc<Self>, client: TcpStream) {
        let upstream = self.upstream.lock().clone();
        // A refused upstream (the server is restarting) closes the client's connection: the
        // client sees a failed connect and retries, as it would against the server itself.
        let Ok(server) = TcpStream::connect(&upstream).await else {
            return;
        };
        let _ = client.set_nodelay(true);
        let _ = server.set_nodelay(true);
        let id = self.next_link.fetch_add(1, Ordering::Relaxed);
        let state = Arc::new(watch::channel(LinkState::Open).0);
        self.links.lock().insert(id, state.clone());
        let (client_rd, client_wr) = client.into_split();
        let (server_rd, server_wr) = server.into_split();
        tokio::join!(
            pump(client_rd, server_wr, &state),
            pump(server_rd, client_wr, &state),
        );
        self.links.lock().remove(&id);
    }
}

/// Copies one direction until either side ends or the link is cut; then cuts the link, so that
/// the other direction ends too and both sockets close.
async fn pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, state: &watch::Sender<LinkState>) {
    let mut control = state.subscribe();
    let mut buf = vec![0u8; 16 * 1024];
    'link: loop {
        // Wait out a stall.
        loop {
            match *control.borrow_and_update() {
                LinkState::Open => break,
                LinkState::Cut => break 'link,
                LinkState::Stalled => {}
            }
            if control.changed().await.is_err() {
                break 'link;
            }
        }
        let n = tokio::select! {
            read = from.read(&mut buf) => match read {
                Ok(0) | Err(_) => break 'link,
                Ok(n) => n,
            },
            // A stall or a cut while waiting for data: look at the state again.
            _ = control.changed() => continue 'link,
        };
        tokio::select! {
            written = to.write_all(&buf[..n]) => if written.is_err() { break 'link },
            _ = control.wait_for(|s| *s == LinkState::Cut) => break 'link,
        }
    }
    state.send_replace(LinkState::Cut);
}
