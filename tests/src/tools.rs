//! The outside programs the browser and cache tests drive: finding them, and running the ones
//! that need a configuration (nginx, openssl) in a throw-away directory.
//!
//! A missing program is an [`Error`] that names it and gives the command that installs it (an
//! `apt-get` line, or `cargo install` for geckodriver); the tests turn it into a failure, never
//! into a silent skip. Each tool can be pointed at an explicit path with an environment variable
//! (`CHROMIUM`, `GECKODRIVER`, `VARNISHD`, ...: see [`Tool::env_var`]), for machines where it
//! lives outside `PATH`. `cargo xtask test` installs all of them.
//!
//! Every long-running program is a [`Daemon`]: its processes carry a marker in their
//! environment, and dropping it kills every process with that marker, including the ones that
//! left the process group (Firefox's crash helper) or changed user (Squid, Varnish, Traffic
//! Server).

use std::fmt;
use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::ready::{retry_on_taken, say, wait_until_ready, Ready, StartError, Watched};

/// The Debian packages of every tool these tests use.
pub const PACKAGES: &[&str] = &[
    "chromium",
    "chromium-driver",
    "nginx",
    "openssl",
    "firefox-esr",
    "webkit2gtk-driver",
    "xvfb",
    "xauth",
    "varnish",
    "squid",
    "trafficserver",
];

/// The command that installs every Debian package these tests use (as root).
pub const INSTALL_HINT: &str = "apt-get install -y --no-install-recommends chromium \
chromium-driver nginx openssl firefox-esr webkit2gtk-driver xvfb xauth varnish squid trafficserver";

/// The command that installs geckodriver, which Debian does not package, where the tests look
/// for it (`$HOME/.cache/cors-suite-tools/bin`).
pub const GECKODRIVER_HINT: &str =
    "cargo install geckodriver --locked --root \"$HOME/.cache/cors-suite-tools\"";

/// The one command that installs everything and runs the whole suite.
pub const XTASK_HINT: &str = "cargo xtask test";

/// Where `cargo xtask` installs tools that Debian does not package: `$HOME/.cache/cors-suite-tools`.
pub fn tools_root() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache/cors-suite-tools"))
}

/// Something the harness could not do: a tool is missing, a process would not start, a file
/// could not be written. The message says what happened and, where it can, what to do.
#[derive(Clone, PartialEq, Eq)]
pub struct Error(String);

impl Error {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Error(message.into())
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// `Debug` shows the message as it is, so `Result`-returning tests print a readable reason.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// One external program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    /// The browser (Debian package `chromium`).
    Chromium,
    /// The WebDriver server matching the browser (Debian package `chromium-driver`).
    Chromedriver,
    /// The web server used as TLS front, page server and cache (Debian package `nginx`).
    Nginx,
    /// Makes the throw-away TLS certificate of the test pages (Debian package `openssl`).
    Openssl,
    /// Firefox ESR (Debian package `firefox-esr`).
    Firefox,
    /// Firefox's WebDriver server (`cargo install geckodriver`).
    Geckodriver,
    /// WebKitGTK's WebDriver server (Debian package `webkit2gtk-driver`).
    WebKitWebDriver,
    /// WebKitGTK's small browser, driven by WebKitWebDriver (Debian package
    /// `libwebkit2gtk-4.1-0`, pulled in by `webkit2gtk-driver`).
    MiniBrowser,
    /// The virtual X server MiniBrowser draws on (Debian package `xvfb`).
    Xvfb,
    /// Writes the X server's access cookie (Debian package `xauth`).
    Xauth,
    /// Runs WebKitWebDriver in its own mount namespace (Debian package `util-linux`).
    Unshare,
    /// Varnish Cache (Debian package `varnish`).
    Varnishd,
    /// Squid, as a reverse proxy (Debian package `squid`).
    Squid,
    /// Apache Traffic Server (Debian package `trafficserver`).
    TrafficServer,
}

impl Tool {
    /// The executable's name.
    pub fn command(self) -> &'static str {
        match self {
            Tool::Chromium => "chromium",
            Tool::Chromedriver => "chromedriver",
            Tool::Nginx => "nginx",
            Tool::Openssl => "openssl",
            Tool::Firefox => "firefox-esr",
            Tool::Geckodriver => "geckodriver",
            Tool::WebKitWebDriver => "WebKitWebDriver",
            Tool::MiniBrowser => "MiniBrowser",
            Tool::Xvfb => "Xvfb",
            Tool::Xauth => "xauth",
            Tool::Unshare => "unshare",
            Tool::Varnishd => "varnishd",
            Tool::Squid => "squid",
            Tool::TrafficServer => "traffic_server",
        }
    }

    /// The Debian package that provides it (geckodriver: none, it is built with `cargo install`).
    pub fn package(self) -> &'static str {
        match self {
            Tool::Chromium => "chromium",
            Tool::Chromedriver => "chromium-driver",
            Tool::Nginx => "nginx",
            Tool::Openssl => "openssl",
            Tool::Firefox => "firefox-esr",
            Tool::Geckodriver => "geckodriver",
            Tool::WebKitWebDriver => "webkit2gtk-driver",
            Tool::MiniBrowser => "libwebkit2gtk-4.1-0",
            Tool::Xvfb => "xvfb",
            Tool::Xauth => "xauth",
            Tool::Unshare => "util-linux",
            Tool::Varnishd => "varnish",
            Tool::Squid => "squid",
            Tool::TrafficServer => "trafficserver",
        }
    }

    /// The command that installs it.
    pub fn install_hint(self) -> String {
        match self {
            Tool::Geckodriver => GECKODRIVER_HINT.to_owned(),
            _ => format!(
                "apt-get install -y --no-install-recommends {}",
                match self {
                    Tool::MiniBrowser => "webkit2gtk-driver",
                    other => other.package(),
                }
            ),
        }
    }

    /// The environment variable that may hold an explicit path.
    pub fn env_var(self) -> &'static str {
        match self {
            Tool::Chromium => "CHROMIUM",
            Tool::Chromedriver => "CHROMEDRIVER",
            Tool::Nginx => "NGINX",
            Tool::Openssl => "OPENSSL",
            Tool::Firefox => "FIREFOX",
            Tool::Geckodriver => "GECKODRIVER",
            Tool::WebKitWebDriver => "WEBKITWEBDRIVER",
            Tool::MiniBrowser => "MINIBROWSER",
            Tool::Xvfb => "XVFB",
            Tool::Xauth => "XAUTH",
            Tool::Unshare => "UNSHARE",
            Tool::Varnishd => "VARNISHD",
            Tool::Squid => "SQUID",
            Tool::TrafficServer => "TRAFFIC_SERVER",
        }
    }

    /// Finds the executable: the environment variable if set, else `PATH`, else the usual
    /// system directories (`nginx` lives in `/usr/sbin`, which is not on every user's `PATH`;
    /// MiniBrowser in WebKitGTK's library directory; geckodriver where `cargo xtask` puts it).
    pub fn find(self) -> Result<PathBuf, Error> {
        if let Some(explicit) = std::env::var_os(self.env_var()) {
            let path = PathBuf::from(explicit);
            return if is_executable(&path) {
                Ok(path)
            } else {
                Err(Error::new(format!(
                    "{}={} is not an executable file; unset it to use the `{}` of `{}` ({}), \
                     or point it at the `{}` binary",
                    self.env_var(),
                    path.display(),
                    self.command(),
                    self.package(),
                    self.install_hint(),
                    self.command()
                )))
            };
        }
        let mut dirs = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .unwrap_or_default();
        dirs.extend(
            ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin"]
                .iter()
                .map(PathBuf::from),
        );
        dirs.extend(
            [
                "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1",
                "/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1",
            ]
            .iter()
            .map(PathBuf::from),
        );
        dirs.extend(tools_root().map(|root| root.join("bin")));
        self.find_in(&dirs)
    }

    /// Finds the executable in `dirs` only (no environment variable); the error names the
    /// package and the `apt-get` line that installs it.
    pub fn find_in(self, dirs: &[PathBuf]) -> Result<PathBuf, Error> {
        dirs.iter()
            .map(|dir| dir.join(self.command()))
            .find(|candidate| is_executable(candidate))
            .ok_or_else(|| {
                let what = if self == Tool::Geckodriver {
                    "Install it with".to_owned()
                } else {
                    format!("Install the Debian package `{}` with", self.package())
                };
                Error::new(format!(
                    "`{}` is not installed (not found in PATH, /usr/sbin, /usr/bin or \
                     ~/.cache/cors-suite-tools/bin); the browser and cache tests need it. {what}\n    \
                     {}\nor install everything these tests use, and run them, with\n    \
                     {XTASK_HINT}\nor set {}=/path/to/{}",
                    self.command(),
                    self.install_hint(),
                    self.env_var(),
                    self.command()
                ))
            })
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A fresh directory under the system temporary directory, removed on drop. When the thread
/// is panicking (a test failed) it is kept and its path printed, so logs can be read.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates `…/cors-suite-<label>-<pid>-<n>`.
    pub fn new(label: &str) -> Result<TempDir, Error> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "cors-suite-{label}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&path)
            .map_err(|e| Error::new(format!("cannot create {}: {e}", path.display())))?;
        Ok(TempDir { path })
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kept {} for inspection", self.path.display());
        } else {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// Writes `text` to `path` the way an allowlist file should be changed: a complete copy
/// renamed over the file, so a reader never sees half of it.
pub fn replace_file(path: &Path, text: &str) -> std::io::Result<()> {
    let copy = path.with_extension("new");
    fs::write(&copy, text)?;
    fs::rename(&copy, path)
}

/// Replaces every `{{name}}` in `template` by its value. A placeholder left without a value is
/// an error naming it, so a template and its caller cannot drift apart unnoticed.
pub fn render(template: &str, values: &[(&str, &str)]) -> Result<String, Error> {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{{{name}}}}}"), value);
    }
    if let Some(start) = out.find("{{") {
        let rest = out.get(start..).unwrap_or_default();
        let end = rest.find("}}").map_or(rest.len(), |e| e + 2);
        return Err(Error::new(format!(
            "template placeholder {} has no value",
            rest.get(..end).unwrap_or(rest)
        )));
    }
    Ok(out)
}

/// A certificate and its private key, as PEM files.
#[derive(Clone, Debug)]
pub struct Certificate {
    /// The certificate (PEM).
    pub cert: PathBuf,
    /// The unencrypted private key (PEM).
    pub key: PathBuf,
}

/// Makes a self-signed certificate for `names` (DNS names, `*.` allowed) with `openssl`, valid
/// for two days, in `dir`. Browsers accept it only with `--ignore-certificate-errors`, which is
/// what a throw-away test certificate is for.
pub fn self_signed_certificate(dir: &Path, names: &[&str]) -> Result<Certificate, Error> {
    let openssl = Tool::Openssl.find()?;
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let san = names
        .iter()
        .map(|n| format!("DNS:{n}"))
        .collect::<Vec<_>>()
        .join(",");
    let common_name = names.first().copied().unwrap_or("localhost");
    let output = Command::new(&openssl)
        .args(["req", "-x509", "-newkey", "ec"])
        .args([
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
        ])
        .arg("-subj")
        .arg(format!("/CN={common_name}"))
        .arg("-addext")
        .arg(format!("subjectAltName={san}"))
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::new(format!("cannot run {}: {e}", openssl.display())))?;
    if !output.status.success() {
        return Err(Error::new(format!(
            "openssl could not make a certificate ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(Certificate { cert, key })
}

/// An nginx process serving a configuration of ours, stopped on drop.
///
/// It runs in the foreground as a single process (`daemon off; master_process off;` belong in
/// the configuration), with its prefix, pid file, logs and cache in its own temporary directory,
/// so nothing of the machine's own nginx set-up is read or touched.
pub struct Nginx {
    // Field order is drop order: nginx stops before its directory is removed.
    daemon: Daemon,
    _dir: TempDir,
}

impl Nginx {
    /// Starts nginx with `config` (a complete `nginx.conf`; `{{dir}}` in it should already be
    /// replaced by [`TempDir::path`] of `dir`) and waits until it answers HTTP on every address
    /// in `listens` (see [`wait_until_ready`]). On failure the error carries nginx's own logs.
    /// The ports are the caller's: prefer [`Nginx::start_on_free_ports`], which starts again
    /// on new ports when one was taken.
    pub fn start(config: &str, dir: TempDir, listens: &[SocketAddr]) -> Result<Nginx, Error> {
        Nginx::launch(config, dir, listens).map_err(StartError::into_error)
    }

    /// Starts nginx on `count` fresh loopback ports (and on `fixed` ones, which are not
    /// changed): `config` gets the temporary directory and the fresh ports and returns the
    /// complete `nginx.conf`. When another program takes one of the ports before nginx binds
    /// it, nginx starts again on new ones (and says so on stderr). Returns nginx and its fresh
    /// ports.
    pub fn start_on_free_ports(
        label: &str,
        count: usize,
        fixed: &[u16],
        mut config: impl FnMut(&Path, &[u16]) -> Result<String, Error>,
    ) -> Result<(Nginx, Vec<u16>), Error> {
        retry_on_taken(&format!("nginx ({label})"), || {
            let dir = TempDir::new(label)?;
            let ports: Vec<u16> = (0..count).map(|_| crate::server::free_port()).collect();
            let text = config(dir.path(), &ports)?;
            let listens: Vec<SocketAddr> = ports
                .iter()
                .chain(fixed)
                .map(|port| SocketAddr::from(([127, 0, 0, 1], *port)))
                .collect();
            Nginx::launch(&text, dir, &listens).map(|nginx| (nginx, ports))
        })
    }

    /// Like [`Nginx::start`], telling a taken port from other failures.
    pub(crate) fn launch(
        config: &str,
        dir: TempDir,
        listens: &[SocketAddr],
    ) -> Result<Nginx, StartError> {
        let nginx = Tool::Nginx.find()?;
        let conf = dir.path().join("nginx.conf");
        fs::write(&conf, config)
            .map_err(|e| Error::new(format!("cannot write {}: {e}", conf.display())))?;
        let mut command = Command::new(&nginx);
        command
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(dir.path().join("error.log"));
        let mut daemon = Daemon::spawn("nginx", command, dir.path())?;
        daemon.add_log(dir.path().join("error.log"));
        daemon.add_log(dir.path().join("access.log"));
        for addr in listens {
            wait_until_ready(&mut daemon, &Ready::http(*addr), Duration::from_secs(10))?;
        }
        Ok(Nginx { daemon, _dir: dir })
    }

    /// nginx's error and access logs so far, for failure messages.
    pub fn logs(&self) -> String {
        self.daemon.logs()
    }
}

/// The environment variable that marks every process a [`Daemon`] started.
pub const MARKER_VAR: &str = "CORS_SUITE_PROCESS";

/// A unique marker value: the label, this process's id, a counter and the time.
fn new_marker(label: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{label}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The ids of the processes whose environment holds `MARKER_VAR=marker`.
pub fn marked_processes(marker: &str) -> Vec<u32> {
    let needle = format!("{MARKER_VAR}={marker}");
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != std::process::id())
        .filter(|pid| {
            fs::read(format!("/proc/{pid}/environ")).is_ok_and(|environ| {
                environ
                    .split(|b| *b == 0)
                    .any(|entry| entry == needle.as_bytes())
            })
        })
        .collect()
}

/// Kills (SIGKILL) every process carrying `marker`, a few rounds in case one was forking.
pub fn kill_marked(marker: &str) {
    for _ in 0..5 {
        let pids = marked_processes(marker);
        if pids.is_empty() {
            return;
        }
        let _ = Command::new("kill")
            .arg("-KILL")
            .args(pids.iter().map(u32::to_string))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A long-running program with its output in log files, stopped on drop together with every
/// process that inherited its marker (see [`MARKER_VAR`]).
pub struct Daemon {
    name: String,
    child: Child,
    marker: String,
    logs: Vec<PathBuf>,
}

impl Daemon {
    /// Starts `command` with stdin closed, stdout and stderr in `log_dir/<name>.out`, and the
    /// marker in its environment.
    pub fn spawn(name: &str, mut command: Command, log_dir: &Path) -> Result<Daemon, Error> {
        let log = log_dir.join(format!("{name}.out"));
        let out = fs::File::create(&log)
            .map_err(|e| Error::new(format!("cannot create {}: {e}", log.display())))?;
        let err = out
            .try_clone()
            .map_err(|e| Error::new(format!("cannot share {}: {e}", log.display())))?;
        let marker = new_marker(name);
        let child = command
            .env(MARKER_VAR, &marker)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| {
                Error::new(format!(
                    "cannot start {} ({name}): {e}",
                    command.get_program().to_string_lossy()
                ))
            })?;
        Ok(Daemon {
            name: name.to_owned(),
            child,
            marker,
            logs: vec![log],
        })
    }

    /// Adds a log file to what [`Daemon::logs`] shows.
    pub fn add_log(&mut self, path: PathBuf) {
        self.logs.push(path);
    }

    /// The id of the first process.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The ids of its processes: the first one and every one carrying its marker.
    pub fn processes(&self) -> Vec<u32> {
        let mut pids = marked_processes(&self.marker);
        if !pids.contains(&self.child.id()) {
            pids.push(self.child.id());
        }
        pids
    }

    /// The end of each log file, for failure messages.
    pub fn logs(&self) -> String {
        self.logs
            .iter()
            .filter_map(|path| {
                let text = fs::read_to_string(path).ok()?;
                let lines: Vec<&str> = text.lines().collect();
                let tail = lines
                    .get(lines.len().saturating_sub(40)..)
                    .unwrap_or_default();
                (!tail.is_empty()).then(|| format!("--- {}\n{}", path.display(), tail.join("\n")))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Watched for Daemon {
    fn label(&self) -> String {
        self.name.clone()
    }

    fn stopped(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(format!("exited, {status}")),
            _ => None,
        }
    }

    fn processes(&self) -> Vec<u32> {
        Daemon::processes(self)
    }

    fn logs(&self) -> String {
        Daemon::logs(self)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        kill_marked(&self.marker);
    }
}

/// Makes `path` and everything under it belong to `user` (a program that drops to its own
/// user must be able to write its working directory), and the path's parents traversable.
pub fn give_to(path: &Path, user: &str) -> Result<(), Error> {
    let status = Command::new("chown")
        .arg("-R")
        .arg(format!("{user}:"))
        .arg(path)
        .status()
        .map_err(|e| Error::new(format!("cannot run chown: {e}")))?;
    if !status.success() {
        return Err(Error::new(format!(
            "chown -R {user}: {} failed ({status}); the caches drop to their own user, so \
             the tests must run as root",
            path.display()
        )));
    }
    make_traversable(path)
}

/// Gives `path` and its parent directories mode `o+rx` where it is missing, so a program
/// running under another user can reach `path`.
pub fn make_traversable(path: &Path) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    for dir in path.ancestors() {
        let Ok(meta) = fs::metadata(dir) else {
            continue;
        };
        let mode = meta.permissions().mode();
        if meta.is_dir() && mode & 0o005 != 0o005 {
            fs::set_permissions(dir, fs::Permissions::from_mode(mode | 0o005))
                .map_err(|e| Error::new(format!("cannot chmod o+rx {}: {e}", dir.display())))?;
        }
    }
    Ok(())
}

/// Whether this process runs as root (some tools need it: binding port 443, a private mount
/// namespace, caches that drop to their own user).
pub fn is_root() -> bool {
    fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find(|l| l.starts_with("Uid:"))
            .and_then(|l| l.split_whitespace().nth(2))
            == Some("0")
    })
}

/// A random-enough hex string (for X cookies): std's randomly seeded hasher, twice.
pub fn random_hex() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::new();
    for _ in 0..2 {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u128(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        out.push_str(&format!("{:016x}", hasher.finish()));
    }
    out
}

/// A virtual X display (Xvfb) with its own access cookie, stopped on drop.
pub struct XDisplay {
    xvfb: Daemon,
    number: u32,
    /// `:N`, for `DISPLAY`.
    pub display: String,
    /// The cookie file, for `XAUTHORITY`.
    pub xauthority: PathBuf,
}

impl XDisplay {
    /// Starts Xvfb on the first free display from `:99 + pid % 200` up, with a fresh cookie
    /// in `dir`.
    pub fn start(dir: &Path) -> Result<XDisplay, Error> {
        let xvfb = Tool::Xvfb.find()?;
        let xauth = Tool::Xauth.find()?;
        let xauthority = dir.join("Xauthority");
        let first = 99 + std::process::id() % 200;
        let mut last_error = String::new();
        for n in first..first + 40 {
            if display_in_use(n) {
                continue;
            }
            let display = format!(":{n}");
            let status = Command::new(&xauth)
                .arg("-q")
                .arg("-f")
                .arg(&xauthority)
                .args(["add", &display, "MIT-MAGIC-COOKIE-1", &random_hex()])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map_err(|e| Error::new(format!("cannot run {}: {e}", xauth.display())))?;
            if !status.success() {
                return Err(Error::new(format!("xauth add {display} failed ({status})")));
            }
            let mut command = Command::new(&xvfb);
            command.arg(&display).arg("-auth").arg(&xauthority).args([
                "-nolisten",
                "tcp",
                "-screen",
                "0",
                "1280x1024x24",
            ]);
            let mut daemon = Daemon::spawn(&format!("xvfb{n}"), command, dir)?;
            // Another Xvfb may win the race for the same number: then ours exits, and the
            // next number is tried.
            match wait_until_ready(&mut daemon, &Ready::XDisplay(n), Duration::from_secs(10)) {
                Ok(()) => {
                    return Ok(XDisplay {
                        xvfb: daemon,
                        number: n,
                        display,
                        xauthority,
                    })
                }
                Err(StartError::Taken(e)) => {
                    let why = e.message().lines().next().unwrap_or_default();
                    say(&format!(
                        "Xvfb: display {display} was taken; trying the next one: {why}"
                    ));
                    last_error = e.message().to_owned();
                }
                Err(StartError::Failed(e)) => return Err(e),
            }
        }
        Err(Error::new(format!(
            "Xvfb did not start on any display from :{first} to :{}:\n{last_error}",
            first + 39
        )))
    }
}

/// Whether display `:n` belongs to a running X server: its lock file names a live process.
///
/// A lock file left by a server that was killed (or a machine that was not shut down cleanly)
/// names a process that is gone; Xvfb removes such a lock itself, and replaces a stale socket,
/// so that display is free. A lock file that cannot be read is taken to be in use.
fn display_in_use(n: u32) -> bool {
    match fs::read_to_string(format!("/tmp/.X{n}-lock")) {
        Ok(text) => match text.trim().parse::<u32>() {
            Ok(pid) => Path::new(&format!("/proc/{pid}")).exists(),
            Err(_) => true,
        },
        Err(e) => e.kind() != std::io::ErrorKind::NotFound,
    }
}

impl Drop for XDisplay {
    /// Asks Xvfb to stop (SIGTERM) so it removes its lock file and socket, and waits for that
    /// up to two seconds; the daemon's own drop then kills whatever is left.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.xvfb.pid().to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let lock = format!("/tmp/.X{}-lock", self.number);
        for _ in 0..40 {
            if !Path::new(&lock).exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_left_by_a_killed_x_server_does_not_take_its_display() {
        let n = 7000 + std::process::id() % 1000;
        let lock = format!("/tmp/.X{n}-lock");
        assert!(!display_in_use(n), "no lock file: free");
        // What Xvfb writes: its pid, padded to ten columns.
        fs::write(&lock, "4294967295\n").unwrap_or_else(|e| panic!("{e}"));
        let stale = display_in_use(n);
        fs::write(&lock, format!("{:>10}\n", std::process::id())).unwrap_or_else(|e| panic!("{e}"));
        let live = display_in_use(n);
        fs::write(&lock, "not a pid\n").unwrap_or_else(|e| panic!("{e}"));
        let unreadable = display_in_use(n);
        let _ = fs::remove_file(&lock);
        assert!(!stale, "a lock naming a process that is gone is stale");
        assert!(live, "a lock naming a live process holds its display");
        assert!(unreadable, "a lock that cannot be understood is respected");
    }

    #[test]
    fn a_missing_tool_names_its_package_and_the_install_line() {
        let empty = TempDir::new("no-tools").unwrap_or_else(|e| panic!("{e}"));
        let dirs = [empty.path().to_path_buf()];
        for (tool, package) in [
            (Tool::Chromium, "`chromium`"),
            (Tool::Chromedriver, "`chromium-driver`"),
            (Tool::Nginx, "`nginx`"),
            (Tool::Openssl, "`openssl`"),
            (Tool::Firefox, "`firefox-esr`"),
            (Tool::WebKitWebDriver, "`webkit2gtk-driver`"),
            (Tool::Xvfb, "`xvfb`"),
            (Tool::Varnishd, "`varnish`"),
            (Tool::Squid, "`squid`"),
            (Tool::TrafficServer, "`trafficserver`"),
        ] {
            let message = match tool.find_in(&dirs) {
                Ok(path) => panic!("found {} in an empty directory", path.display()),
                Err(e) => e.to_string(),
            };
            assert!(
                message.contains(&format!("Debian package {package}")),
                "{message}"
            );
            assert!(message.contains(&tool.install_hint()), "{message}");
            assert!(message.contains(XTASK_HINT), "{message}");
        }
        let message = Tool::Geckodriver
            .find_in(&dirs)
            .map_or_else(|e| e.to_string(), |p| p.display().to_string());
        assert!(message.contains(GECKODRIVER_HINT), "{message}");
    }

    #[test]
    fn the_install_lines_name_every_package() {
        for package in PACKAGES {
            assert!(
                INSTALL_HINT.split_whitespace().any(|word| word == *package),
                "{package} is missing from {INSTALL_HINT}"
            );
        }
        // `cargo xtask` installs the same packages.
        let xtask = include_str!("../../xtask/src/main.rs");
        for package in PACKAGES {
            assert!(
                xtask.contains(&format!("(\"{package}\", ")),
                "{package} is missing from xtask's package list"
            );
        }
        for tool in [
            Tool::Chromium,
            Tool::Chromedriver,
            Tool::Nginx,
            Tool::Openssl,
            Tool::Firefox,
            Tool::WebKitWebDriver,
            Tool::MiniBrowser,
            Tool::Xvfb,
            Tool::Xauth,
            Tool::Varnishd,
            Tool::Squid,
            Tool::TrafficServer,
        ] {
            let hint = tool.install_hint();
            let package = hint.split_whitespace().last().unwrap_or_default();
            assert!(PACKAGES.contains(&package), "{hint}");
        }
    }

    #[test]
    fn a_tool_is_found_where_it_is() {
        let dir = TempDir::new("tools").unwrap_or_else(|e| panic!("{e}"));
        let fake = dir.path().join("nginx");
        fs::write(&fake, "#!/bin/sh\n").unwrap_or_else(|e| panic!("{e}"));
        // Not executable yet: not a match.
        assert!(Tool::Nginx.find_in(&[dir.path().to_path_buf()]).is_err());
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&fake, fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            Tool::Nginx.find_in(&[dir.path().to_path_buf()]),
            Ok(fake.clone())
        );
    }

    #[test]
    fn render_fills_placeholders_and_refuses_leftovers() {
        assert_eq!(
            render(
                "listen {{port}}; root {{root}};",
                &[("port", "80"), ("root", "/w")]
            ),
            Ok("listen 80; root /w;".to_owned())
        );
        let err = render("listen {{port}}; root {{root}};", &[("port", "80")]);
        assert_eq!(
            err,
            Err(Error::new("template placeholder {{root}} has no value"))
        );
    }
}
