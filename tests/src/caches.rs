//! The shared caches of the cache tests: nginx `proxy_cache`, Varnish, Squid (as a reverse
//! proxy) and Apache Traffic Server, each started on loopback in front of one backend with its
//! own temporary configuration (`tests/assets/<cache>/`) and storage, caching 200, 404 and 500
//! for a minute, and with its own `Vary` handling untouched.
//!
//! Also here: [`StripVary`], a backend that forwards to another one and drops every `Vary` line
//! of the answers (what a server that forgets `Vary` looks like to a cache), for the controls
//! that must find a poisoned cache.

use std::fmt;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::http::{send, Request, Response};
use crate::ready::{retry_on_taken, wait_until_ready, Ready, StartError};
use crate::server::free_port;
use crate::tools::{give_to, make_traversable, render, Daemon, Error, Nginx, TempDir, Tool};

const NGINX_CONF: &str = include_str!("../assets/nginx/cache.conf");
const VARNISH_VCL: &str = include_str!("../assets/varnish/cache.vcl");
const SQUID_CONF: &str = include_str!("../assets/squid/squid.conf");
const ATS_RECORDS: &str = include_str!("../assets/trafficserver/records.config");
const ATS_RUNROOT: &str = include_str!("../assets/trafficserver/runroot.yaml");
const ATS_REMAP: &str = include_str!("../assets/trafficserver/remap.config");
const ATS_STORAGE: &str = include_str!("../assets/trafficserver/storage.config");
const ATS_PLUGINS: &str = include_str!("../assets/trafficserver/plugin.config");
const ATS_IP_ALLOW: &str = include_str!("../assets/trafficserver/ip_allow.yaml");
/// Configuration files Traffic Server insists on reading; empty is fine for each.
const ATS_EMPTY: &[&str] = &[
    "cache.config",
    "hosting.config",
    "parent.config",
    "volume.config",
    "socks.config",
    "splitdns.config",
    "ssl_multicert.config",
    "logging.yaml",
    "sni.yaml",
    "strategies.yaml",
];

/// Which cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheKind {
    /// nginx with `proxy_cache`.
    Nginx,
    /// Varnish Cache.
    Varnish,
    /// Squid as a reverse proxy.
    Squid,
    /// Apache Traffic Server as a reverse proxy.
    TrafficServer,
}

impl CacheKind {
    /// Every cache, in the order the tests name them.
    pub const ALL: [CacheKind; 4] = [
        CacheKind::Nginx,
        CacheKind::Varnish,
        CacheKind::Squid,
        CacheKind::TrafficServer,
    ];

    /// The short name used in failure names.
    pub fn name(self) -> &'static str {
        match self {
            CacheKind::Nginx => "nginx",
            CacheKind::Varnish => "varnish",
            CacheKind::Squid => "squid",
            CacheKind::TrafficServer => "trafficserver",
        }
    }

    /// The header that tells a hit from a miss.
    pub fn status_header(self) -> &'static str {
        match self {
            CacheKind::Nginx => "x-cache-status",
            CacheKind::Varnish | CacheKind::Squid | CacheKind::TrafficServer => "x-cache",
        }
    }

    /// Whether the answer `resp` came from the cache (`Some(true)`), from the backend
    /// (`Some(false)`) or cannot be told (`None`: the header is missing or unknown).
    pub fn hit(self, resp: &Response) -> Option<bool> {
        let value = resp.get(self.status_header())?;
        let word = value.split_whitespace().next().unwrap_or_default();
        match (self, word) {
            (CacheKind::Nginx | CacheKind::Varnish | CacheKind::Squid, "HIT") => Some(true),
            (CacheKind::Nginx | CacheKind::Varnish | CacheKind::Squid, "MISS") => Some(false),
            (CacheKind::TrafficServer, "hit-fresh") => Some(true),
            (CacheKind::TrafficServer, "miss") => Some(false),
            _ => None,
        }
    }
}

impl fmt::Display for CacheKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CacheKind::Nginx => "nginx",
            CacheKind::Varnish => "Varnish",
            CacheKind::Squid => "Squid",
            CacheKind::TrafficServer => "Traffic Server",
        })
    }
}

/// A running cache; stopped (with every process it started) on drop.
pub struct Cache {
    kind: CacheKind,
    /// Where it listens.
    pub addr: SocketAddr,
    process: Process,
}

enum Process {
    Nginx(Nginx),
    Daemon {
        // Field order is drop order: the daemon stops before its directory is removed.
        daemon: Daemon,
        _dir: TempDir,
    },
}

impl Cache {
    /// Starts a cache of `kind` in front of `upstream`. `nginx_extra` is added to nginx's
    /// `location` block (the nginx control uses `proxy_ignore_headers Vary;`); the other caches
    /// have no such knob: their controls put a [`StripVary`] backend in front instead.
    /// It is ready when it answers HTTP on its port (a request for `/`, stored under its own
    /// key); when another program took its port first, it starts again on a new one.
    pub fn start(kind: CacheKind, upstream: SocketAddr, nginx_extra: &str) -> Result<Cache, Error> {
        retry_on_taken(&kind.to_string(), || {
            Cache::launch(kind, upstream, nginx_extra)
        })
    }

    fn launch(
        kind: CacheKind,
        upstream: SocketAddr,
        nginx_extra: &str,
    ) -> Result<Cache, StartError> {
        let dir = TempDir::new(kind.name())?;
        let port = free_port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let path = dir.path().to_string_lossy().into_owned();
        let port_text = port.to_string();
        let upstream_port = upstream.port().to_string();
        let process = match kind {
            CacheKind::Nginx => {
                let config = render(
                    NGINX_CONF,
                    &[
                        ("dir", &path),
                        ("port", &port_text),
                        ("upstream", &upstream.to_string()),
                        ("extra", nginx_extra),
                    ],
                )?;
                Process::Nginx(Nginx::launch(&config, dir, &[addr])?)
            }
            CacheKind::Varnish => {
                let varnishd = Tool::Varnishd.find()?;
                let vcl = dir.path().join("cache.vcl");
                write(
                    &vcl,
                    &render(VARNISH_VCL, &[("upstream_port", &upstream_port)])?,
                )?;
                // Varnish's compiler and child run as its own users: they must reach the VCL
                // and the work directory.
                make_traversable(dir.path())?;
                let mut command = Command::new(varnishd);
                command
                    .arg("-F")
                    .args(["-a", &addr.to_string()])
                    .arg("-n")
                    .arg(dir.path().join("work"))
                    .arg("-f")
                    .arg(&vcl)
                    .args(["-s", "malloc,32m", "-T", "none"]);
                let mut daemon = Daemon::spawn("varnishd", command, dir.path())?;
                wait_until_ready(&mut daemon, &Ready::http(addr), Duration::from_secs(30))?;
                Process::Daemon { daemon, _dir: dir }
            }
            CacheKind::Squid => {
                let squid = Tool::Squid.find()?;
                let conf = dir.path().join("squid.conf");
                write(
                    &conf,
                    &render(
                        SQUID_CONF,
                        &[
                            ("dir", &path),
                            ("port", &port_text),
                            ("upstream_port", &upstream_port),
                        ],
                    )?,
                )?;
                // Squid drops to the `proxy` user, which must own its directory.
                give_to(dir.path(), "proxy")?;
                let init = Command::new(&squid)
                    .args(["-N", "-z", "-f"])
                    .arg(&conf)
                    .output()
                    .map_err(|e| Error::new(format!("cannot run {}: {e}", squid.display())))?;
                if !init.status.success() {
                    return Err(StartError::Failed(Error::new(format!(
                        "squid -z could not make its cache directories ({}): {}{}",
                        init.status,
                        String::from_utf8_lossy(&init.stdout),
                        String::from_utf8_lossy(&init.stderr)
                    ))));
                }
                let mut command = Command::new(&squid);
                command.args(["-N", "-d1", "-f"]).arg(&conf);
                let mut daemon = Daemon::spawn("squid", command, dir.path())?;
                daemon.add_log(dir.path().join("cache.log"));
                wait_until_ready(&mut daemon, &Ready::http(addr), Duration::from_secs(30))?;
                Process::Daemon { daemon, _dir: dir }
            }
            CacheKind::TrafficServer => {
                let traffic_server = Tool::TrafficServer.find()?;
                for sub in ["etc", "run", "log", "cache"] {
                    fs::create_dir_all(dir.path().join(sub)).map_err(|e| {
                        Error::new(format!("cannot create {}/{sub}: {e}", dir.path().display()))
                    })?;
                }
                let etc = dir.path().join("etc");
                let runroot = dir.path().join("runroot.yaml");
                write(&runroot, &render(ATS_RUNROOT, &[("dir", &path)])?)?;
                write(
                    &etc.join("records.config"),
                    &render(ATS_RECORDS, &[("port", &port_text)])?,
                )?;
                write(
                    &etc.join("remap.config"),
                    &render(ATS_REMAP, &[("upstream_port", &upstream_port)])?,
                )?;
                write(
                    &etc.join("storage.config"),
                    &render(ATS_STORAGE, &[("dir", &path)])?,
                )?;
                write(&etc.join("plugin.config"), ATS_PLUGINS)?;
                write(&etc.join("ip_allow.yaml"), ATS_IP_ALLOW)?;
                for name in ATS_EMPTY {
                    write(&etc.join(name), "")?;
                }
                // Traffic Server drops to the `trafficserver` user, which must own its files.
                give_to(dir.path(), "trafficserver")?;
                let mut command = Command::new(traffic_server);
                command.arg(format!("--run-root={}", runroot.display()));
                let mut daemon = Daemon::spawn("traffic_server", command, dir.path())?;
                daemon.add_log(dir.path().join("log/diags.log"));
                wait_until_ready(&mut daemon, &Ready::http(addr), Duration::from_secs(60))?;
                Process::Daemon { daemon, _dir: dir }
            }
        };
        Ok(Cache {
            kind,
            addr,
            process,
        })
    }

    /// Which cache this is.
    pub fn kind(&self) -> CacheKind {
        self.kind
    }

    /// `GET path` through the cache, in its own cache bucket (a query parameter, and for nginx
    /// also the `X-Cache-Bucket` header its key includes), with `origin` as `Origin`. Asks
    /// Traffic Server to say whether it was a hit, and leaves each cache a moment to finish
    /// storing the answer before the next request of a sequence.
    pub fn get(&self, path: &str, bucket: &str, origin: Option<&str>) -> Result<Response, Error> {
        let target = format!("{path}?bucket={bucket}");
        let mut req = Request::new("GET", &target).header("x-cache-bucket", bucket);
        if self.kind == CacheKind::TrafficServer {
            req = req.header("x-debug", "X-Cache");
        }
        if let Some(origin) = origin {
            req = req.header("origin", origin);
        }
        let resp = send(self.addr, &req)
            .map_err(|e| Error::new(format!("GET {target} through {}: {e}", self.kind)))?;
        // Traffic Server fails to open the cache for writing while the previous transaction
        // on the same URL is still closing, and then answers without storing.
        std::thread::sleep(Duration::from_millis(20));
        Ok(resp)
    }

    /// The cache's logs, for failure messages.
    pub fn logs(&self) -> String {
        match &self.process {
            Process::Nginx(nginx) => nginx.logs(),
            Process::Daemon { daemon, .. } => daemon.logs(),
        }
    }
}

fn write(path: &Path, text: &str) -> Result<(), Error> {
    fs::write(path, text).map_err(|e| Error::new(format!("cannot write {}: {e}", path.display())))
}

/// A backend that forwards every request to `upstream` and drops every `Vary` line of the
/// answers: what a cache sees in front of a server that forgets `Vary`. Stopped on drop.
pub struct StripVary {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl StripVary {
    /// Starts it on a free loopback port.
    pub fn start(upstream: SocketAddr) -> Result<StripVary, Error> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .map_err(|e| Error::new(format!("cannot listen on loopback: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::new(format!("no local address: {e}")))?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                std::thread::spawn(move || {
                    let _ = forward(stream, upstream);
                });
            }
        });
        Ok(StripVary { addr, stop })
    }
}

impl Drop for StripVary {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

/// Answers one connection: one request, forwarded; the answer without `Vary`, then close.
fn forward(stream: TcpStream, upstream: SocketAddr) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("GET").to_owned();
    let target = parts.next().unwrap_or("/").to_owned();
    let mut request = Request::new(&method, &target);
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 {
            break;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            continue;
        };
        let name = name.trim().to_ascii_lowercase();
        let value = value.trim();
        if name == "content-length" {
            length = value.parse().unwrap_or(0);
        }
        if !matches!(
            name.as_str(),
            "host" | "connection" | "content-length" | "keep-alive" | "transfer-encoding"
        ) {
            request = request.header(&name, value);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    request.body = body;
    let response = send(upstream, &request)?;
    let mut out = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    )
    .into_bytes();
    for (name, value) in &response.headers {
        if matches!(
            name.as_str(),
            "vary" | "connection" | "content-length" | "transfer-encoding" | "keep-alive"
        ) {
            continue;
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(
        format!(
            "content-length: {}\r\nconnection: close\r\n\r\n",
            response.body.len()
        )
        .as_bytes(),
    );
    if method != "HEAD" {
        out.extend_from_slice(&response.body);
    }
    let mut stream = stream;
    stream.write_all(&out)?;
    stream.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Status",
    }
}
