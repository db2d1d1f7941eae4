//! A small WebDriver client for three headless browser engines: enough to open a page, run a
//! script in it and take a screenshot.
//!
//! WebDriver is JSON over HTTP; the requests go through the raw client in [`crate::http`], so no
//! browser-automation crate (and its dependency tree) is needed. [`Browser::start`] launches the
//! engine's WebDriver server on a free loopback port and one session with what a test machine
//! needs:
//!
//! - **Chromium** (`chromedriver`): headless, no sandbox (tests run as root in containers), no
//!   background networking, a fresh profile, and optional host-resolver rules that map test
//!   host names such as `app.example.re` (and their port 443) to loopback.
//! - **Firefox ESR** (`geckodriver`): `-headless`, a fresh profile under a temporary profile
//!   root, every name resolved to 127.0.0.1 (`network.dns.forceResolve`) when asked, and every
//!   background service that would call home turned off by preference.
//! - **WebKitGTK** (`WebKitWebDriver` driving `MiniBrowser`): on a private Xvfb display;
//!   when test names must resolve to loopback, WebKitWebDriver runs in its own mount namespace
//!   (`unshare`, root only) with a temporary hosts file bind-mounted over `/etc/hosts`, so the
//!   machine's own `/etc/hosts` is never touched.
//!
//! Every process (driver, browser, helpers) carries a marker in its environment and is killed by
//! it when the [`Browser`] is dropped.

use std::fmt;
use std::fs;
use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::http::{self, Request};
use crate::ready::{retry_on_taken, wait_until_ready, Ready, StartError};
use crate::server::free_port;
use crate::tools::{is_root, Daemon, Error, TempDir, Tool, XDisplay};

/// A browser engine the tests drive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Engine {
    /// Debian's Chromium with chromedriver.
    Chromium,
    /// Debian's Firefox ESR with geckodriver.
    Firefox,
    /// WebKitGTK's MiniBrowser with WebKitWebDriver.
    WebKit,
}

impl Engine {
    /// Every engine, in the order the tests and the demo run them.
    pub const ALL: [Engine; 3] = [Engine::Chromium, Engine::Firefox, Engine::WebKit];

    /// The short name used in test names, failure names and `--engine`.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
            Engine::WebKit => "webkit",
        }
    }

    /// The engine called by its short name.
    pub fn from_name(name: &str) -> Option<Engine> {
        Engine::ALL.into_iter().find(|e| e.name() == name)
    }

    /// Whether the engine can map port 443 of a name to another port. Only Chromium can
    /// (`--host-resolver-rules`); the others reach whatever listens on 127.0.0.1:443.
    pub fn maps_ports(self) -> bool {
        self == Engine::Chromium
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Engine::Chromium => "Chromium",
            Engine::Firefox => "Firefox ESR",
            Engine::WebKit => "WebKitGTK",
        })
    }
}

/// How to start the browser.
#[derive(Clone, Debug)]
pub struct BrowserOptions {
    /// Which engine.
    pub engine: Engine,
    /// Chromium's `--host-resolver-rules`, e.g.
    /// `MAP app.example.re:443 127.0.0.1:8443` (a rule's pattern may carry a port, and its
    /// replacement may change it: that is how an `https://` origin without a port reaches a
    /// server on a high port). Ignored by the other engines.
    pub host_rules: Option<String>,
    /// Names that must resolve to 127.0.0.1 in Firefox and WebKit (Firefox then sends every
    /// name there; WebKit gets a private hosts file with these names). Ignored by Chromium,
    /// which uses `host_rules`.
    pub loopback_names: Vec<String>,
    /// Accept any TLS certificate (throw-away test certificates).
    pub ignore_certificate_errors: bool,
    /// Window size in CSS pixels, which is also the screenshot size.
    pub window: (u32, u32),
    /// How long a script run with [`Browser::execute_async`] may take.
    pub script_timeout: Duration,
}

impl Default for BrowserOptions {
    fn default() -> Self {
        BrowserOptions {
            engine: Engine::Chromium,
            host_rules: None,
            loopback_names: Vec::new(),
            ignore_certificate_errors: false,
            window: (1280, 800),
            script_timeout: Duration::from_secs(15),
        }
    }
}

/// The flags every Chromium session gets. `--no-sandbox` because the tests run as root in
/// containers; the rest keep a machine without network quiet and fast: nothing is fetched in
/// the background, no component updates, no sync, no first-run UI, no QUIC probing.
pub const BASE_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
];

/// Firefox preferences for a machine without network: nothing calls home (updates, telemetry,
/// captive-portal and connectivity checks, safe browsing, normandy, OCSP, remote settings,
/// speculative connections), and DNS-over-HTTPS is off.
pub fn firefox_prefs() -> Value {
    let prefs: [(&str, Value); 47] = [
        ("network.trr.mode", json!(5)),
        ("app.update.auto", json!(false)),
        ("app.update.enabled", json!(false)),
        ("app.update.checkInstallTime", json!(false)),
        ("app.normandy.enabled", json!(false)),
        ("app.normandy.api_url", json!("")),
        ("app.shield.optoutstudies.enabled", json!(false)),
        ("browser.safebrowsing.malware.enabled", json!(false)),
        ("browser.safebrowsing.phishing.enabled", json!(false)),
        ("browser.safebrowsing.downloads.enabled", json!(false)),
        (
            "browser.safebrowsing.downloads.remote.enabled",
            json!(false),
        ),
        ("browser.safebrowsing.blockedURIs.enabled", json!(false)),
        ("browser.safebrowsing.provider.mozilla.updateURL", json!("")),
        ("browser.safebrowsing.provider.google4.updateURL", json!("")),
        ("browser.safebrowsing.provider.google.updateURL", json!("")),
        ("browser.search.update", json!(false)),
        ("browser.search.geoip.url", json!("")),
        ("browser.region.network.url", json!("")),
        ("browser.ping-centre.telemetry", json!(false)),
        ("browser.newtabpage.enabled", json!(false)),
        ("browser.startup.homepage_override.mstone", json!("ignore")),
        ("browser.aboutHomeSnippets.updateUrl", json!("")),
        (
            "browser.contentblocking.report.lockwise.enabled",
            json!(false),
        ),
        ("datareporting.healthreport.uploadEnabled", json!(false)),
        ("datareporting.policy.dataSubmissionEnabled", json!(false)),
        ("toolkit.telemetry.enabled", json!(false)),
        ("toolkit.telemetry.unified", json!(false)),
        ("toolkit.telemetry.server", json!("")),
        ("network.captive-portal-service.enabled", json!(false)),
        ("network.connectivity-service.enabled", json!(false)),
        ("network.http.speculative-parallel-limit", json!(0)),
        ("network.dns.disablePrefetch", json!(true)),
        ("network.prefetch-next", json!(false)),
        ("network.proxy.type", json!(0)),
        ("security.OCSP.enabled", json!(0)),
        (
            "security.remote_settings.crlite_filters.enabled",
            json!(false),
        ),
        (
            "security.remote_settings.intermediates.enabled",
            json!(false),
        ),
        ("services.settings.server", json!("http://127.0.0.1:9/v1")),
        ("extensions.update.enabled", json!(false)),
        ("extensions.getAddons.cache.enabled", json!(false)),
        ("extensions.systemAddon.update.enabled", json!(false)),
        ("extensions.blocklist.enabled", json!(false)),
        ("media.gmp-manager.url", json!("")),
        ("media.gmp-gmpopenh264.enabled", json!(false)),
        ("geo.provider.network.url", json!("")),
        ("identity.fxaccounts.enabled", json!(false)),
        (
            "browser.crashReports.unsubmittedCheck.enabled",
            json!(false),
        ),
    ];
    Value::Object(
        prefs
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect(),
    )
}

/// A browser session driven through its engine's WebDriver server. Dropping it ends the
/// session (which closes the browser) and stops every process it started.
pub struct Browser {
    driver: Daemon,
    driver_addr: SocketAddr,
    session: String,
    engine: Engine,
    // Dropped after the driver: the browser draws on it until then.
    _display: Option<XDisplay>,
    profile: TempDir,
}

/// The driver's log file name inside the profile directory.
fn driver_log_name(engine: Engine) -> &'static str {
    match engine {
        Engine::Chromium => "chromedriver.log",
        Engine::Firefox => "geckodriver.out",
        Engine::WebKit => "webkitwebdriver.out",
    }
}

impl Browser {
    /// Starts the engine's WebDriver server and a browser session. Fails with the install
    /// hint when the browser or its driver is missing.
    /// The WebDriver server is ready when it answers `GET /status` on its port; when another
    /// program took the port first, it starts again on a new one.
    pub fn start(options: &BrowserOptions) -> Result<Browser, Error> {
        retry_on_taken(&format!("the {} WebDriver server", options.engine), || {
            Browser::launch(options)
        })
    }

    fn launch(options: &BrowserOptions) -> Result<Browser, StartError> {
        let profile = TempDir::new(options.engine.name())?;
        let port = free_port();
        let driver_addr = SocketAddr::from(([127, 0, 0, 1], port));
        let timeouts = json!({
            "script": u64::try_from(options.script_timeout.as_millis()).unwrap_or(u64::MAX),
            "pageLoad": 30_000,
        });
        let (mut driver, display, capabilities, program) = match options.engine {
            Engine::Chromium => {
                let chromium = Tool::Chromium.find()?;
                let chromedriver = Tool::Chromedriver.find()?;
                let log = profile.path().join("chromedriver.log");
                let mut command = Command::new(&chromedriver);
                command
                    .arg(format!("--port={port}"))
                    .arg(format!("--log-path={}", log.display()));
                let mut driver = Daemon::spawn("chromedriver", command, profile.path())?;
                driver.add_log(log);
                let data_dir = profile.path().join("profile");
                let mut args: Vec<String> = BASE_FLAGS.iter().map(|f| (*f).to_owned()).collect();
                args.push(format!("--user-data-dir={}", data_dir.display()));
                args.push(format!(
                    "--window-size={},{}",
                    options.window.0, options.window.1
                ));
                if options.ignore_certificate_errors {
                    args.push("--ignore-certificate-errors".to_owned());
                }
                if let Some(rules) = &options.host_rules {
                    args.push(format!("--host-resolver-rules={rules}"));
                }
                let capabilities = json!({
                    "browserName": "chrome",
                    "acceptInsecureCerts": options.ignore_certificate_errors,
                    "goog:chromeOptions": {
                        "binary": chromium.to_string_lossy(),
                        "args": args,
                    },
                    "timeouts": timeouts,
                });
                (driver, None, capabilities, chromium)
            }
            Engine::Firefox => {
                let firefox = Tool::Firefox.find()?;
                let geckodriver = Tool::Geckodriver.find()?;
                let root = profile.path().join("profiles");
                fs::create_dir_all(&root)
                    .map_err(|e| Error::new(format!("cannot create {}: {e}", root.display())))?;
                let mut command = Command::new(&geckodriver);
                command
                    .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                    .args(["--websocket-port", &free_port().to_string()])
                    .arg("--profile-root")
                    .arg(&root)
                    // Release builds read `services.settings.server` only with this set.
                    .env("MOZ_REMOTE_SETTINGS_DEVTOOLS", "1")
                    .env("MOZ_CRASHREPORTER_DISABLE", "1")
                    .env("HOME", profile.path());
                let driver = Daemon::spawn("geckodriver", command, profile.path())?;
                let mut prefs = firefox_prefs();
                if !options.loopback_names.is_empty() {
                    if let Some(map) = prefs.as_object_mut() {
                        map.insert("network.dns.forceResolve".to_owned(), json!("127.0.0.1"));
                    }
                }
                let capabilities = json!({
                    "browserName": "firefox",
                    "acceptInsecureCerts": options.ignore_certificate_errors,
                    "moz:firefoxOptions": {
                        "binary": firefox.to_string_lossy(),
                        "args": [
                            "-headless",
                            format!("--width={}", options.window.0),
                            format!("--height={}", options.window.1),
                        ],
                        "prefs": prefs,
                    },
                    "timeouts": timeouts,
                });
                (driver, None, capabilities, firefox)
            }
            Engine::WebKit => {
                let webdriver = Tool::WebKitWebDriver.find()?;
                let minibrowser = Tool::MiniBrowser.find()?;
                let display = XDisplay::start(profile.path())?;
                let home = profile.path().join("home");
                fs::create_dir_all(&home)
                    .map_err(|e| Error::new(format!("cannot create {}: {e}", home.display())))?;
                let mut command = if options.loopback_names.is_empty() {
                    let mut command = Command::new(&webdriver);
                    command.args(["--host=127.0.0.1", &format!("--port={port}")]);
                    command
                } else {
                    if !is_root() {
                        return Err(StartError::Failed(Error::new(
                            "WebKitGTK has no resolver option: the test names resolve to \
                             loopback through a private hosts file bind-mounted over /etc/hosts \
                             in a private mount namespace, which needs root; run the tests as \
                             root",
                        )));
                    }
                    let unshare = Tool::Unshare.find()?;
                    let hosts = profile.path().join("hosts");
                    let mut text = String::from("127.0.0.1 localhost\n");
                    for name in &options.loopback_names {
                        text.push_str(&format!("127.0.0.1 {name}\n"));
                    }
                    fs::write(&hosts, text).map_err(|e| {
                        Error::new(format!("cannot write {}: {e}", hosts.display()))
                    })?;
                    let mut command = Command::new(unshare);
                    command
                        .args(["--mount", "--propagation", "private", "--", "sh", "-c"])
                        .arg("mount --bind \"$1\" /etc/hosts && exec \"$2\" --host=127.0.0.1 --port=\"$3\"")
                        .arg("sh")
                        .arg(&hosts)
                        .arg(&webdriver)
                        .arg(port.to_string());
                    command
                };
                command
                    .env("DISPLAY", &display.display)
                    .env("XAUTHORITY", &display.xauthority)
                    .env("HOME", &home)
                    .env("XDG_CACHE_HOME", home.join("cache"))
                    .env("XDG_DATA_HOME", home.join("data"))
                    .env("XDG_CONFIG_HOME", home.join("config"))
                    .env("XDG_RUNTIME_DIR", &home)
                    .env("GDK_BACKEND", "x11")
                    .env("LIBGL_ALWAYS_SOFTWARE", "1")
                    .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
                    .env_remove("WAYLAND_DISPLAY");
                let driver = Daemon::spawn("webkitwebdriver", command, profile.path())?;
                let capabilities = json!({
                    "browserName": "MiniBrowser",
                    "acceptInsecureCerts": options.ignore_certificate_errors,
                    "webkitgtk:browserOptions": {
                        "binary": minibrowser.to_string_lossy(),
                        "args": ["--automation"],
                    },
                    "timeouts": timeouts,
                });
                (driver, Some(display), capabilities, minibrowser)
            }
        };
        let ready = Ready::Http {
            addr: driver_addr,
            path: "/status",
        };
        wait_until_ready(&mut driver, &ready, Duration::from_secs(20))?;
        let body = json!({ "capabilities": { "alwaysMatch": capabilities } });
        let created = call(driver_addr, "POST", "/session", Some(&body)).map_err(|e| {
            Error::new(format!(
                "the WebDriver server could not start {}: {e}\n{}",
                program.display(),
                driver.logs()
            ))
        })?;
        let session = created
            .get("sessionId")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                Error::new(format!(
                    "the WebDriver server answered a new session without an id: {created}"
                ))
            })?;
        let browser = Browser {
            driver,
            driver_addr,
            session,
            engine: options.engine,
            _display: display,
            profile,
        };
        if options.engine != Engine::Chromium {
            // Chromium gets its size from a flag; the others from the window rectangle.
            browser.set_window_size(options.window.0, options.window.1)?;
        }
        Ok(browser)
    }

    /// The engine of this session.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    fn command(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, Error> {
        call(
            self.driver_addr,
            method,
            &format!("/session/{}{path}", self.session),
            body,
        )
    }

    /// Navigates to `url` and waits until scripts run in the new page, loaded.
    ///
    /// The navigation command returns once the new page has loaded, but Firefox may still send
    /// the next script to the page it left when the two are on different sites (each site has
    /// its own process): the script then never runs in the new page, and the driver answers
    /// `null` or "Document was unloaded". So, when the page changes, the wait goes on until a
    /// script sees a loaded document other than the one left.
    pub fn goto(&self, url: &str) -> Result<(), Error> {
        let left = self.current_url().ok();
        self.command("POST", "/url", Some(&json!({ "url": url })))
            .map_err(|e| Error::new(format!("cannot open {url}: {e}")))?;
        let Some(left) = left.filter(|left| left != url) else {
            return Ok(());
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let seen = self.execute(
                "return document.readyState === 'complete' ? location.href : null;",
                &[],
            );
            match seen {
                Ok(Value::String(href)) if href != left => return Ok(()),
                _ if Instant::now() > deadline => {
                    return Err(Error::new(format!(
                        "opened {url}, but after 10 s scripts still ran in {left} ({seen:?})"
                    )))
                }
                _ => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    /// The URL of the current page.
    pub fn current_url(&self) -> Result<String, Error> {
        let value = self.command("GET", "/url", None)?;
        value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| Error::new(format!("the current URL is not a string: {value}")))
    }

    /// Runs `script` as the body of a function called with `args`; returns what it returns.
    pub fn execute(&self, script: &str, args: &[Value]) -> Result<Value, Error> {
        self.command(
            "POST",
            "/execute/sync",
            Some(&json!({ "script": script, "args": args })),
        )
    }

    /// Runs `script` as the body of a function called with `args` and one more argument, a
    /// callback; returns the value passed to the callback. Fails when the callback is not
    /// called within the script timeout.
    pub fn execute_async(&self, script: &str, args: &[Value]) -> Result<Value, Error> {
        self.command(
            "POST",
            "/execute/async",
            Some(&json!({ "script": script, "args": args })),
        )
    }

    /// Resizes the window (CSS pixels); screenshots then have this size.
    pub fn set_window_size(&self, width: u32, height: u32) -> Result<(), Error> {
        self.command(
            "POST",
            "/window/rect",
            Some(&json!({ "width": width, "height": height })),
        )
        .map(drop)
    }

    /// A PNG screenshot of the viewport.
    pub fn screenshot(&self) -> Result<Vec<u8>, Error> {
        let value = self.command("GET", "/screenshot", None)?;
        let text = value
            .as_str()
            .ok_or_else(|| Error::new("the screenshot is not a base64 string"))?;
        decode_base64(text).ok_or_else(|| Error::new("the screenshot is not valid base64"))
    }

    /// The WebDriver server's log file, for failure messages.
    pub fn driver_log(&self) -> std::path::PathBuf {
        self.profile.path().join(driver_log_name(self.engine))
    }

    /// The end of the WebDriver server's logs, for failure messages.
    pub fn driver_logs(&self) -> String {
        self.driver.logs()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ending the session closes the browser; the drivers do not do it when killed. The
        // driver's `Daemon` then kills whatever is left with its marker.
        let _ = call(
            self.driver_addr,
            "DELETE",
            &format!("/session/{}", self.session),
            None,
        );
    }
}

/// One WebDriver command: returns the response's `value`, or the WebDriver error it carries.
fn call(addr: SocketAddr, method: &str, path: &str, body: Option<&Value>) -> Result<Value, Error> {
    let mut request =
        Request::new(method, path).header("content-type", "application/json; charset=utf-8");
    if let Some(body) = body {
        request.body = body.to_string().into_bytes();
    }
    let response = http::send(addr, &request)
        .map_err(|e| Error::new(format!("WebDriver {method} {path}: {e}")))?;
    let parsed: Value = serde_json::from_slice(&response.body).map_err(|e| {
        Error::new(format!(
            "WebDriver {method} {path}: status {} with a body that is not JSON ({e}): {}",
            response.status,
            response.text()
        ))
    })?;
    let value = parsed.get("value").cloned().unwrap_or(Value::Null);
    // Errors are told by the status; a successful value may well hold an `error` key of its
    // own (a script's result, say).
    if response.status >= 400 {
        let error = value
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or("error");
        let message = value.get("message").and_then(Value::as_str).unwrap_or("");
        return Err(Error::new(format!(
            "WebDriver {method} {path}: status {}: {error}: {message}",
            response.status
        )));
    }
    Ok(value)
}

/// Decodes standard base64 (with or without padding); `None` on any other byte.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    fn sextet(byte: u8) -> Option<u32> {
        match byte {
            b'A'..=b'Z' => Some(u32::from(byte - b'A')),
            b'a'..=b'z' => Some(u32::from(byte - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(byte - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let bytes: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let data = bytes
        .strip_suffix(b"==")
        .or_else(|| bytes.strip_suffix(b"="));
    let data = data.unwrap_or(&bytes);
    if data.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() / 4 * 3 + 2);
    for chunk in data.chunks(4) {
        let mut acc = 0u32;
        for &b in chunk {
            acc = (acc << 6) | sextet(b)?;
        }
        let bits = chunk.len() * 6;
        acc <<= 24 - bits;
        let produced = bits / 8;
        for i in 0..produced {
            out.push((acc >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::decode_base64;

    #[test]
    fn base64_round_trips_known_values() {
        assert_eq!(decode_base64("").as_deref(), Some(&b""[..]));
        assert_eq!(decode_base64("Zg==").as_deref(), Some(&b"f"[..]));
        assert_eq!(decode_base64("Zm8=").as_deref(), Some(&b"fo"[..]));
        assert_eq!(decode_base64("Zm9v").as_deref(), Some(&b"foo"[..]));
        assert_eq!(decode_base64("Zm9vYmFy").as_deref(), Some(&b"foobar"[..]));
        assert_eq!(
            decode_base64("iVBORw0KGgo=").as_deref(),
            Some(&b"\x89PNG\r\n\x1a\n"[..])
        );
        assert_eq!(decode_base64("Zm9v!"), None);
        assert_eq!(decode_base64("Z"), None);
    }
}
