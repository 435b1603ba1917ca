//! `sig2rtm-server`: the RTM system behind TCP, for clients in other processes and on other
//! machines. The same system code as the embedded default; only the transport differs.
//!
//! ```text
//! cargo run --bin sig2rtm-server -- --listen 127.0.0.1:9300
//! SIG2RTM_SERVER=127.0.0.1:9300 cargo run --example quickstart
//! ```
//!
//! Logs go to stderr through `env_logger` (`RUST_LOG=debug` for more). The first line on stdout
//! is `sig2rtm-server listening on ADDR`, with the real port when `--listen` asked for port 0.
//! SIGINT or SIGTERM stops it cleanly: no new connections, every client gets what was already
//! sent to it and a `ServerShutdown` close, then the process exits with status 0.

use sig2rtm::system::tcp::{ServerConfig, TcpServer};
use sig2rtm::system::{System, SystemConfig};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "\
sig2rtm-server: an RTM system for legacy Signaling apps and RTM clients, over TCP

USAGE:
    sig2rtm-server [OPTIONS]

OPTIONS:
    --listen ADDR               address to listen on [default: 127.0.0.1:9300]
    --config FILE               read settings from a TOML file; flags given too win
    --app APP_ID[:CERTIFICATE]  serve this App ID (repeatable). With a certificate, logins need
                                an RTM token built with it. Once any App ID is given, logins to
                                others fail with INVALID_APP_ID; with none, every App ID is
                                served without tokens.
    --max-connections N         connections served at once, RTM links and legacy web
                                connections each [default: 10000]
    --max-frame BYTES           largest frame accepted [default: 1048576]
    --handshake-timeout-ms MS   time a new connection has for its handshake [default: 5000]
    --write-buffer BYTES        bytes queued for a client that does not read before it is
                                closed [default: 4194304]
    --close-linger-ms MS        time a closing connection has to deliver its last frames
                                [default: 1000]
    --threads N                 worker threads [default: 1: everything runs on the main
                                thread, which avoids cross-thread wake-ups]
    --legacy-web ADDR           also serve the legacy Web/Python Signaling SDKs' protocol:
                                plain ws:// and the LBS (GET /getaddr?vid=APPID) over http://
                                on ADDR, sessions on the same system
    --legacy-web-advertise HOST:PORT
                                what the LBS hands out [default: the --legacy-web address]
    --legacy-web-tls ADDR       the same over wss:// and https:// (needs --tls-cert, --tls-key)
    --tls-cert PEM              certificate chain for --legacy-web-tls
    --tls-key PEM               private key for --legacy-web-tls
    -h, --help                  print this help
    -V, --version               print the version

CONFIG FILE (every key optional):
    listen = \"127.0.0.1:9300\"
    max_connections = 10000
    max_frame = 1048576
    handshake_timeout_ms = 5000
    write_buffer = 4194304
    close_linger_ms = 1000
    threads = 1
    legacy_web = \"127.0.0.1:8001\"
    legacy_web_advertise = \"127.0.0.1:8001\"
    legacy_web_tls = \"127.0.0.1:8002\"
    tls_cert = \"cert.pem\"
    tls_key = \"key.pem\"

    [[app]]
    id = \"0123456789abcdef0123456789abcdef\"
    certificate = \"fedcba9876543210fedcba9876543210\"   # optional

LOGS:
    to stderr; RUST_LOG=debug (or warn, or sig2rtm=trace …) chooses what is shown [default: info]
";

/// An App ID to serve, with its certificate when tokens are required.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AppSpec {
    id: String,
    certificate: Option<String>,
}

/// Where and how the legacy web protocol is served, if at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct WebSettings {
    listen: Option<String>,
    advertise: Option<String>,
    tls_listen: Option<String>,
    tls_cert: Option<String>,
    tls_key: Option<String>,
}

/// Everything the command line and the config file decide.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Settings {
    listen: String,
    apps: Vec<AppSpec>,
    server: ServerConfig,
    threads: usize,
    web: WebSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: "127.0.0.1:9300".into(),
            apps: Vec::new(),
            server: ServerConfig::default(),
            threads: 1,
            web: WebSettings::default(),
        }
    }
}

enum Command {
    Run(Box<Settings>),
    Help,
    Version,
}

fn parse_args(args: &[String]) -> Result<Command, String> {
    // The config file first, so that flags override it wherever they appear.
    let mut settings = Settings::default();
    let mut i = 0;
    while i < args.len() {
        if args[i] == "--config" {
            let file = args.get(i + 1).ok_or("--config needs a file")?;
            apply_file(&mut settings, Path::new(file))?;
        }
        i += 1;
    }
    let mut flag_apps = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match name {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--config" => {
                value()?;
            }
            "--listen" => settings.listen = value()?,
            "--app" => flag_apps.push(parse_app(&value()?)?),
            "--max-connections" => settings.server.max_connections = number(name, &value()?)?,
            "--max-frame" => settings.server.max_frame = number(name, &value()?)?,
            "--handshake-timeout-ms" => {
                settings.server.handshake_timeout = millis(name, &value()?)?
            }
            "--write-buffer" => settings.server.write_buffer = number(name, &value()?)?,
            "--close-linger-ms" => settings.server.close_linger = millis(name, &value()?)?,
            "--threads" => settings.threads = number(name, &value()?)?,
            "--legacy-web" => settings.web.listen = Some(value()?),
            "--legacy-web-advertise" => settings.web.advertise = Some(value()?),
            "--legacy-web-tls" => settings.web.tls_listen = Some(value()?),
            "--tls-cert" => settings.web.tls_cert = Some(value()?),
            "--tls-key" => settings.web.tls_key = Some(value()?),
            other => return Err(format!("unknown option {other} (see --help)")),
        }
    }
    settings.apps.extend(flag_apps);
    check(&settings)?;
    Ok(Command::Run(Box::new(settings)))
}

fn parse_app(spec: &str) -> Result<AppSpec, String> {
    let (id, certificate) = match spec.split_once(':') {
        Some((id, cert)) => (id, Some(cert.to_string())),
        None => (spec, None),
    };
    Ok(AppSpec {
        id: id.to_string(),
        certificate,
    })
}

fn number(name: &str, v: &str) -> Result<usize, String> {
    v.trim()
        .parse()
        .map_err(|_| format!("{name} takes a whole number, not {v:?}"))
}

fn millis(name: &str, v: &str) -> Result<Duration, String> {
    number(name, v).map(|ms| Duration::from_millis(ms as u64))
}

fn apply_file(settings: &mut Settings, path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the config file {}: {e}", path.display()))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e| format!("{}: not valid TOML: {e}", path.display()))?;
    let at = |key: &str| format!("{}: {key}", path.display());
    for (key, value) in &table {
        let int = || {
            value
                .as_integer()
                .filter(|n| *n >= 0)
                .map(|n| n as usize)
                .ok_or_else(|| format!("{} must be a whole number", at(key)))
        };
        let string = || {
            value
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("{} must be a string", at(key)))
        };
        match key.as_str() {
            "listen" => settings.listen = string()?,
            "legacy_web" => settings.web.listen = Some(string()?),
            "legacy_web_advertise" => settings.web.advertise = Some(string()?),
            "legacy_web_tls" => settings.web.tls_listen = Some(string()?),
            "tls_cert" => settings.web.tls_cert = Some(string()?),
            "tls_key" => settings.web.tls_key = Some(string()?),
            "max_connections" => settings.server.max_connections = int()?,
            "max_frame" => settings.server.max_frame = int()?,
            "handshake_timeout_ms" => {
                settings.server.handshake_timeout = Duration::from_millis(int()? as u64)
            }
            "write_buffer" => settings.server.write_buffer = int()?,
            "threads" => settings.threads = int()?,
            "close_linger_ms" => {
                settings.server.close_linger = Duration::from_millis(int()? as u64)
            }
            "app" => {
                let apps = value
                    .as_array()
                    .ok_or_else(|| format!("{} must be a list of [[app]] tables", at(key)))?;
                for app in apps {
                    let t = app
                        .as_table()
                        .ok_or_else(|| format!("{} entries must be tables", at(key)))?;
                    let text = |k: &str| -> Result<Option<String>, String> {
                        match t.get(k) {
                            None => Ok(None),
                            Some(v) => v.as_str().map(|s| Some(s.to_string())).ok_or_else(|| {
                                format!("{} must be a string", at(&format!("app.{k}")))
                            }),
                        }
                    };
                    for k in t.keys() {
                        if k != "id" && k != "certificate" {
                            return Err(format!("unknown key {}", at(&format!("app.{k}"))));
                        }
                    }
                    settings.apps.push(AppSpec {
                        id: text("id")?.ok_or_else(|| format!("{} needs an id", at(key)))?,
                        certificate: text("certificate")?,
                    });
                }
            }
            other => return Err(format!("unknown key {}", at(other))),
        }
    }
    Ok(())
}

fn check(settings: &Settings) -> Result<(), String> {
    for app in &settings.apps {
        sig2rtm::rtm::ids::check_app_id(&app.id)
            .map_err(|e| format!("App ID {:?}: {e}", app.id))?;
        if let Some(cert) = &app.certificate {
            sig2rtm::rtm::ids::check_app_id(cert).map_err(|_| {
                format!(
                    "the certificate of App ID {} must be 32 hexadecimal characters",
                    app.id
                )
            })?;
        }
    }
    let s = &settings.server;
    if s.max_connections == 0 || s.max_frame < 1024 || s.write_buffer < s.max_frame {
        return Err(
            "limits: --max-connections ≥ 1, --max-frame ≥ 1024, --write-buffer ≥ --max-frame"
                .into(),
        );
    }
    if !(1..=256).contains(&settings.threads) {
        return Err("--threads takes 1 to 256".into());
    }
    let web = &settings.web;
    if let Some(adv) = &web.advertise {
        parse_advertise(adv)?;
    }
    if web.tls_listen.is_some() != (web.tls_cert.is_some() && web.tls_key.is_some()) {
        return Err("--legacy-web-tls needs --tls-cert and --tls-key, and they need it".into());
    }
    Ok(())
}

/// `HOST:PORT` for the LBS.
fn parse_advertise(spec: &str) -> Result<(String, u16), String> {
    spec.rsplit_once(':')
        .and_then(|(h, p)| Some((h.trim_matches(['[', ']']).to_string(), p.parse().ok()?)))
        .filter(|(h, _)| !h.is_empty())
        .ok_or_else(|| format!("--legacy-web-advertise takes HOST:PORT, not {spec:?}"))
}

/// Starts the legacy web listeners the settings ask for.
async fn serve_web(
    settings: &WebSettings,
    apps: &[AppSpec],
    max_connections: usize,
    system: &System,
) -> Result<Vec<sig2rtm::legacy_web::LegacyWebServer>, String> {
    use sig2rtm::legacy_web::{tls_acceptor, LegacyWeb, LegacyWebConfig};
    if settings.listen.is_none() && settings.tls_listen.is_none() {
        return Ok(Vec::new());
    }
    let config = LegacyWebConfig {
        advertise: settings
            .advertise
            .as_deref()
            .map(parse_advertise)
            .transpose()?,
        app_certificates: apps
            .iter()
            .filter_map(|a| Some((a.id.clone(), a.certificate.clone()?)))
            .collect(),
        max_connections,
        ..LegacyWebConfig::default()
    };
    let web = LegacyWeb::new(system.clone(), config);
    let mut servers = Vec::new();
    if let Some(addr) = &settings.listen {
        let s = web
            .bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr} (--legacy-web): {e}"))?;
        println!("sig2rtm-server legacy web (ws, http) on {}", s.local_addr());
        servers.push(s);
    }
    if let (Some(addr), Some(cert), Some(key)) =
        (&settings.tls_listen, &settings.tls_cert, &settings.tls_key)
    {
        let tls = tls_acceptor(Path::new(cert), Path::new(key)).map_err(|e| e.to_string())?;
        let s = web
            .bind_tls(addr, tls)
            .await
            .map_err(|e| format!("cannot listen on {addr} (--legacy-web-tls): {e}"))?;
        println!(
            "sig2rtm-server legacy web (wss, https) on {}",
            s.local_addr()
        );
        servers.push(s);
    }
    if let Some((host, port)) = web.advertised() {
        log::info!("legacy web LBS hands out [{host:?}, {port}]");
    }
    Ok(servers)
}

fn system_for(settings: &Settings) -> System {
    let system = System::new(SystemConfig {
        auto_register_apps: settings.apps.is_empty(),
        ..SystemConfig::default()
    });
    for app in &settings.apps {
        match &app.certificate {
            Some(certificate) => system.register_app_with_certificate(&app.id, certificate),
            None => system.register_app(&app.id),
        }
    }
    system
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let settings = match parse_args(&args) {
        Ok(Command::Run(s)) => *s,
        Ok(Command::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("sig2rtm-server {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("sig2rtm-server: {e}");
            return ExitCode::from(2);
        }
    };
    // One thread runs everything on the main thread itself: no hand-off of I/O events between
    // a driver thread and a worker, which costs two context switches per event.
    let mut builder = if settings.threads == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(settings.threads);
        b
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sig2rtm-server: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(settings))
}

async fn serve(settings: Settings) -> ExitCode {
    let system = system_for(&settings);
    let server = match TcpServer::bind(&settings.listen, system, settings.server.clone()).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sig2rtm-server: cannot listen on {}: {e}", settings.listen);
            return ExitCode::FAILURE;
        }
    };
    let apps = if settings.apps.is_empty() {
        "every App ID, no tokens".to_string()
    } else {
        settings
            .apps
            .iter()
            .map(|a| {
                format!(
                    "{}{}",
                    a.id,
                    if a.certificate.is_some() {
                        " (tokens)"
                    } else {
                        ""
                    }
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    log::info!("serving {apps}; limits {:?}", settings.server);
    // The handlers are in place before the address is announced: whoever starts the server and
    // signals it as soon as it is listening gets a clean shutdown, not the default action.
    let stop = StopSignals::install();
    println!("sig2rtm-server listening on {}", server.local_addr());
    let web = match serve_web(
        &settings.web,
        &settings.apps,
        settings.server.max_connections,
        server.system(),
    )
    .await
    {
        Ok(w) => w,
        Err(e) => {
            eprintln!("sig2rtm-server: {e}");
            return ExitCode::FAILURE;
        }
    };
    let _ = std::io::stdout().flush();

    let signal = match stop {
        Ok(stop) => stop.wait().await,
        Err(e) => {
            log::error!("cannot wait for signals: {e}; stopping");
            "error"
        }
    };
    log::info!(
        "{signal}: shutting down ({} connections open)",
        server.stats().open
    );
    for w in web {
        w.shutdown().await;
    }
    server.shutdown().await;
    ExitCode::SUCCESS
}

/// The signals that stop the server: SIGINT and SIGTERM (Ctrl-C elsewhere).
struct StopSignals {
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl StopSignals {
    /// Takes the signals over from their default action, from now on.
    fn install() -> std::io::Result<StopSignals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(StopSignals {
                int: signal(SignalKind::interrupt())?,
                term: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignals {})
    }

    /// Waits for the first of them; returns its name.
    async fn wait(mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.int.recv() => "SIGINT",
                _ = self.term.recv() => "SIGTERM",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = &mut self;
            match tokio::signal::ctrl_c().await {
                Ok(()) => "Ctrl-C",
                Err(_) => "error",
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn run(list: &[&str]) -> Settings {
        match parse_args(&args(list)) {
            Ok(Command::Run(s)) => *s,
            Ok(_) => panic!("not a run"),
            Err(e) => panic!("{e}"),
        }
    }

    const APP: &str = "0123456789abcdef0123456789abcdef";
    const CERT: &str = "fedcba9876543210fedcba9876543210";

    #[test]
    fn flags_set_address_apps_and_limits() {
        let s = run(&[
            "--listen",
            "127.0.0.1:0",
            "--app",
            APP,
            &format!("--app={APP}:{CERT}"),
            "--max-connections",
            "7",
            "--threads",
            "2",
            "--handshake-timeout-ms=250",
        ]);
        assert_eq!(s.listen, "127.0.0.1:0");
        assert_eq!(s.apps.len(), 2);
        assert_eq!(s.apps[1].certificate.as_deref(), Some(CERT));
        assert_eq!(s.server.max_connections, 7);
        assert_eq!(s.threads, 2);
        assert_eq!(s.server.handshake_timeout, Duration::from_millis(250));
    }

    #[test]
    fn a_config_file_is_read_and_flags_win() {
        let path = std::env::temp_dir().join(format!("sig2rtm-server-{}.toml", std::process::id()));
        std::fs::write(
            &path,
            format!(
                "listen = \"127.0.0.1:9999\"\nmax_frame = 4096\n[[app]]\nid = \"{APP}\"\ncertificate = \"{CERT}\"\n"
            ),
        )
        .unwrap();
        let file = path.to_str().unwrap();
        let s = run(&["--listen", "127.0.0.1:0", "--config", file]);
        assert_eq!(s.listen, "127.0.0.1:0");
        assert_eq!(s.server.max_frame, 4096);
        assert_eq!(
            s.apps,
            vec![AppSpec {
                id: APP.into(),
                certificate: Some(CERT.into())
            }]
        );
        std::fs::write(&path, "listen = 5\n").unwrap();
        assert!(parse_args(&args(&["--config", file])).is_err());
        std::fs::write(&path, "colour = \"red\"\n").unwrap();
        let e = parse_args(&args(&["--config", file])).err().unwrap();
        assert!(e.contains("unknown key"), "{e}");
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn legacy_web_flags_and_keys_are_read() {
        let s = run(&[
            "--legacy-web",
            "127.0.0.1:0",
            "--legacy-web-advertise=10.0.0.1:8001",
        ]);
        assert_eq!(s.web.listen.as_deref(), Some("127.0.0.1:0"));
        assert_eq!(
            parse_advertise(s.web.advertise.as_deref().unwrap()),
            Ok(("10.0.0.1".into(), 8001))
        );
        let path = std::env::temp_dir().join(format!("sig2rtm-web-{}.toml", std::process::id()));
        std::fs::write(
            &path,
            "legacy_web = \"127.0.0.1:0\"\nlegacy_web_tls = \"127.0.0.1:0\"\ntls_cert = \"c.pem\"\ntls_key = \"k.pem\"\n",
        )
        .unwrap();
        let s = run(&["--config", path.to_str().unwrap()]);
        assert_eq!(s.web.tls_listen.as_deref(), Some("127.0.0.1:0"));
        assert_eq!(s.web.tls_key.as_deref(), Some("k.pem"));
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn bad_input_is_refused_with_a_reason() {
        for bad in [
            &["--app", "short"][..],
            &["--max-connections", "many"],
            &["--listen"],
            &["--frobnicate"],
            &["--max-frame", "10"],
            &["--threads", "0"],
            &["--legacy-web-advertise", "nohost"],
            &["--legacy-web-tls", "127.0.0.1:0"],
        ] {
            assert!(parse_args(&args(bad)).is_err(), "{bad:?}");
        }
    }
}
