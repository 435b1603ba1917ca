//! The legacy web endpoint on real sockets: the LBS over plain HTTP in origin and absolute
//! form (what a client behind `HTTP_PROXY` sends), with CORS; a WebSocket login on the same
//! port; and `wss://` plus `https://` with a certificate made at run time.

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use sig2rtm::legacy_web::{tls_acceptor, LegacyWeb, LegacyWebConfig};
use sig2rtm::system::{System, SystemConfig};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_tungstenite::tungstenite::Message;

const APP: &str = "0123456789abcdef0123456789abcdef";

/// Sends one HTTP/1.1 request as written and returns the whole response text.
async fn http<S: AsyncRead + AsyncWrite + Unpin>(mut s: S, request: &str) -> String {
    s.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    String::from_utf8(out).unwrap()
}

fn body_of(response: &str) -> Value {
    serde_json::from_str(response.split("\r\n\r\n").nth(1).unwrap()).unwrap()
}

/// Logs in over an open WebSocket stream and returns the login_ret payload.
async fn login_over<S: AsyncRead + AsyncWrite + Unpin>(s: S, url: &str) -> Value {
    let (mut ws, _) = tokio_tungstenite::client_async(url, s).await.unwrap();
    let login = json!(["login", {"vid": APP, "account": "alice", "uid": 0, "token": "_no_need_token", "device": "websdk", "ip": ""}]);
    ws.send(Message::Text(login.to_string().into()))
        .await
        .unwrap();
    loop {
        if let Some(Ok(Message::Text(t))) = ws.next().await {
            let v: Value = serde_json::from_str(t.as_str()).unwrap();
            if v[0] == "login_ret" {
                return v[1].clone();
            }
        } else {
            panic!("the socket ended before login_ret");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lbs_answers_both_request_forms_with_cors_and_the_same_port_serves_the_websocket() {
    let web = LegacyWeb::new(
        System::new(SystemConfig::default()),
        LegacyWebConfig::default(),
    );
    let server = web.bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr();
    let origin = http(
        TcpStream::connect(addr).await.unwrap(),
        &format!("GET /getaddr?vid={APP} HTTP/1.1\r\nHost: x\r\nOrigin: http://page.test\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert!(origin.starts_with("HTTP/1.1 200"), "{origin}");
    assert!(origin
        .to_ascii_lowercase()
        .contains("access-control-allow-origin: *"));
    assert_eq!(
        body_of(&origin),
        json!({"web": [["127.0.0.1", addr.port()]]})
    );
    let proxied = http(
        TcpStream::connect(addr).await.unwrap(),
        &format!("GET http://lbs.sig.agora.io/getaddr?vid={APP} HTTP/1.1\r\nHost: lbs.sig.agora.io\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert_eq!(body_of(&proxied), body_of(&origin));
    let no_vid = http(
        TcpStream::connect(addr).await.unwrap(),
        "GET /getaddr HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(no_vid.starts_with("HTTP/1.1 400"), "{no_vid}");
    let ret = login_over(
        TcpStream::connect(addr).await.unwrap(),
        "ws://127-0-0-1-sig-web.agora.io:8001/",
    )
    .await;
    assert_eq!(ret[0], "");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_serves_https_lbs_and_wss_with_the_given_certificate() {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let dir = std::env::temp_dir().join(format!("sig2rtm-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    let acceptor = tls_acceptor(&cert_path, &key_path).unwrap();
    assert!(
        tls_acceptor(&key_path, &cert_path).is_err(),
        "files swapped are refused"
    );

    let web = LegacyWeb::new(
        System::new(SystemConfig::default()),
        LegacyWebConfig {
            advertise: Some(("127.0.0.1".into(), 8001)),
            ..LegacyWebConfig::default()
        },
    );
    let server = web.bind_tls("127.0.0.1:0", acceptor).await.unwrap();
    let addr = server.local_addr();
    let mut roots = RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(
        ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    ));
    let name = ServerName::try_from("localhost").unwrap();
    let tls = connector
        .connect(name.clone(), TcpStream::connect(addr).await.unwrap())
        .await
        .unwrap();
    let lbs = http(
        tls,
        &format!("GET /getaddr?vid={APP} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert_eq!(body_of(&lbs), json!({"web": [["127.0.0.1", 8001]]}));
    let tls = connector
        .connect(name, TcpStream::connect(addr).await.unwrap())
        .await
        .unwrap();
    let ret = login_over(tls, "wss://localhost/").await;
    assert_eq!(ret[0], "");
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// `f`, which must finish within 5 s.
async fn within<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(std::time::Duration::from_secs(5), f)
        .await
        .expect("within 5 s")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_max_connections_are_closed_and_the_open_ones_keep_working() {
    let web = LegacyWeb::new(
        System::new(SystemConfig::default()),
        LegacyWebConfig {
            max_connections: 2,
            ..LegacyWebConfig::default()
        },
    );
    let server = web.bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr();
    let url = format!("ws://{addr}/");
    let (mut first, _) = within(tokio_tungstenite::connect_async(url.as_str()))
        .await
        .unwrap();
    let (second, _) = within(tokio_tungstenite::connect_async(url.as_str()))
        .await
        .unwrap();
    // A third is closed before it can say anything.
    let mut third = TcpStream::connect(addr).await.unwrap();
    let mut buf = [0u8; 16];
    let read = within(third.read(&mut buf)).await;
    assert!(
        matches!(read, Ok(0) | Err(_)),
        "the connection over the limit is closed: {read:?}"
    );
    // The open ones are served: a login goes through.
    let login = json!(["login", {"vid": APP, "account": "alice", "uid": 0, "token": "_no_need_token", "device": "websdk", "ip": ""}]);
    first
        .send(Message::Text(login.to_string().into()))
        .await
        .unwrap();
    let reply = loop {
        match within(first.next()).await {
            Some(Ok(Message::Text(t))) => {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                if v[0] == "login_ret" {
                    break v;
                }
            }
            Some(Ok(_)) => continue,
            other => panic!("no login_ret: {other:?}"),
        }
    };
    assert!(
        reply[1][1].as_str().unwrap().contains("\"result\":\"ok\""),
        "{reply}"
    );
    // A socket that closes gives its place back.
    drop(second);
    let mut tries = 0;
    let fourth = loop {
        match within(tokio_tungstenite::connect_async(url.as_str())).await {
            Ok((ws, _)) => break ws,
            Err(_) if tries < 50 => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            Err(e) => panic!("no place freed after a socket closed: {e}"),
        }
    };
    drop(fourth);
}
