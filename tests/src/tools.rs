//! The outside programs the browser and cache tests drive: finding them, and running the ones
//! that need a configuration (nginx, openssl) in a throw-away directory.
//!
//! A missing program is an [`Error`] that names it and gives the `apt-get` line that installs it;
//! the tests turn it into a failure, never into a silent skip. Each tool can be pointed at an
//! explicit path with an environment variable (`CHROMIUM`, `CHROMEDRIVER`, `NGINX`, `OPENSSL`),
//! for machines where it lives outside `PATH`.

use std::fmt;
use std::fs;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The command that installs every tool these tests use on Debian or Ubuntu.
pub const INSTALL_HINT: &str =
    "apt-get install -y --no-install-recommends chromium chromium-driver nginx openssl";

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
}

impl Tool {
    /// The executable's name.
    pub fn command(self) -> &'static str {
        match self {
            Tool::Chromium => "chromium",
            Tool::Chromedriver => "chromedriver",
            Tool::Nginx => "nginx",
            Tool::Openssl => "openssl",
        }
    }

    /// The Debian package that provides it.
    pub fn package(self) -> &'static str {
        match self {
            Tool::Chromium => "chromium",
            Tool::Chromedriver => "chromium-driver",
            Tool::Nginx => "nginx",
            Tool::Openssl => "openssl",
        }
    }

    /// The environment variable that may hold an explicit path.
    pub fn env_var(self) -> &'static str {
        match self {
            Tool::Chromium => "CHROMIUM",
            Tool::Chromedriver => "CHROMEDRIVER",
            Tool::Nginx => "NGINX",
            Tool::Openssl => "OPENSSL",
        }
    }

    /// Finds the executable: the environment variable if set, else `PATH`, else the usual
    /// system directories (`nginx` lives in `/usr/sbin`, which is not on every user's `PATH`).
    pub fn find(self) -> Result<PathBuf, Error> {
        if let Some(explicit) = std::env::var_os(self.env_var()) {
            let path = PathBuf::from(explicit);
            return if is_executable(&path) {
                Ok(path)
            } else {
                Err(Error::new(format!(
                    "{}={} is not an executable file; unset it to use the `{}` of the Debian \
                     package `{}` ({INSTALL_HINT}), or point it at the `{}` binary",
                    self.env_var(),
                    path.display(),
                    self.command(),
                    self.package(),
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
        self.find_in(&dirs)
    }

    /// Finds the executable in `dirs` only (no environment variable); the error names the
    /// package and the `apt-get` line that installs it.
    pub fn find_in(self, dirs: &[PathBuf]) -> Result<PathBuf, Error> {
        dirs.iter()
            .map(|dir| dir.join(self.command()))
            .find(|candidate| is_executable(candidate))
            .ok_or_else(|| {
                Error::new(format!(
                    "`{}` is not installed (not found in PATH, /usr/sbin or /usr/bin); the \
                     browser and cache tests need it. Install the Debian package `{}`, or \
                     everything these tests use at once:\n    {INSTALL_HINT}\nor set {}=/path/to/{}",
                    self.command(),
                    self.package(),
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

/// Waits until something accepts TCP connections on `addr`, or `timeout` passes.
pub fn wait_for_port(addr: SocketAddr, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
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
    child: Child,
    dir: TempDir,
}

impl Nginx {
    /// Starts nginx with `config` (a complete `nginx.conf`; `{{dir}}` in it should already be
    /// replaced by [`TempDir::path`] of `dir`) and waits until every address in `listens`
    /// accepts connections. On failure the error carries nginx's own error log.
    pub fn start(config: &str, dir: TempDir, listens: &[SocketAddr]) -> Result<Nginx, Error> {
        let nginx = Tool::Nginx.find()?;
        let conf = dir.path().join("nginx.conf");
        fs::write(&conf, config)
            .map_err(|e| Error::new(format!("cannot write {}: {e}", conf.display())))?;
        let stderr = fs::File::create(dir.path().join("stderr.log"))
            .map_err(|e| Error::new(format!("cannot create nginx's stderr log: {e}")))?;
        let mut child = Command::new(&nginx)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(|e| Error::new(format!("cannot start {}: {e}", nginx.display())))?;
        let deadline = Instant::now() + Duration::from_secs(10);
        for addr in listens {
            loop {
                if let Ok(Some(status)) = child.try_wait() {
                    return Err(Error::new(format!(
                        "nginx exited ({status}) before listening on {addr}:\n{}",
                        read_logs(dir.path())
                    )));
                }
                if TcpStream::connect_timeout(addr, Duration::from_millis(200)).is_ok() {
                    break;
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(Error::new(format!(
                        "nginx did not listen on {addr} within 10 s:\n{}",
                        read_logs(dir.path())
                    )));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Ok(Nginx { child, dir })
    }

    /// nginx's error and access logs so far, for failure messages.
    pub fn logs(&self) -> String {
        read_logs(self.dir.path())
    }
}

fn read_logs(dir: &Path) -> String {
    ["stderr.log", "error.log", "access.log"]
        .iter()
        .filter_map(|name| {
            let text = fs::read_to_string(dir.join(name)).ok()?;
            (!text.trim().is_empty()).then(|| format!("--- {name}\n{}", text.trim_end()))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_tool_names_its_package_and_the_install_line() {
        let empty = TempDir::new("no-tools").unwrap_or_else(|e| panic!("{e}"));
        let dirs = [empty.path().to_path_buf()];
        for (tool, package) in [
            (Tool::Chromium, "`chromium`"),
            (Tool::Chromedriver, "`chromium-driver`"),
            (Tool::Nginx, "`nginx`"),
            (Tool::Openssl, "`openssl`"),
        ] {
            let message = match tool.find_in(&dirs) {
                Ok(path) => panic!("found {} in an empty directory", path.display()),
                Err(e) => e.to_string(),
            };
            assert!(
                message.contains(&format!("Debian package {package}")),
                "{message}"
            );
            assert!(message.contains(INSTALL_HINT), "{message}");
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
