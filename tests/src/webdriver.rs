//! A small WebDriver client for headless Chromium: enough to open a page, run a script in it
//! and take a screenshot.
//!
//! WebDriver is JSON over HTTP; the requests go through the raw client in [`crate::http`], so no
//! browser-automation crate (and its dependency tree) is needed. [`Browser::start`] launches
//! `chromedriver` on a free loopback port and one Chromium session with the flags a test
//! machine needs: headless, no sandbox (tests run as root in containers), no background
//! networking (there is no network), a fresh profile, and optional host-resolver rules that map
//! test host names such as `app.example.re` to loopback.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::http::{self, Request};
use crate::server::free_port;
use crate::tools::{wait_for_port, Error, TempDir, Tool};

/// How to start the browser.
#[derive(Clone, Debug)]
pub struct BrowserOptions {
    /// Chromium's `--host-resolver-rules`, e.g.
    /// `MAP app.example.re:443 127.0.0.1:8443` (a rule's pattern may carry a port, and its
    /// replacement may change it: that is how an `https://` origin without a port reaches a
    /// server on a high port).
    pub host_rules: Option<String>,
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
            host_rules: None,
            ignore_certificate_errors: false,
            window: (1280, 800),
            script_timeout: Duration::from_secs(15),
        }
    }
}

/// The flags every session gets. `--no-sandbox` because the tests run as root in containers;
/// the rest keep a machine without network quiet and fast: nothing is fetched in the
/// background, no component updates, no sync, no first-run UI, no QUIC probing.
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

/// A Chromium session driven through chromedriver. Dropping it ends the session (which closes
/// the browser) and stops chromedriver.
pub struct Browser {
    driver: Child,
    driver_addr: SocketAddr,
    session: String,
    browser_pid: Option<u32>,
    profile: TempDir,
}

impl Browser {
    /// Starts chromedriver and a browser session. Fails with the install hint when Chromium
    /// or chromedriver is missing.
    pub fn start(options: &BrowserOptions) -> Result<Browser, Error> {
        let chromium = Tool::Chromium.find()?;
        let chromedriver = Tool::Chromedriver.find()?;
        let profile = TempDir::new("chromium")?;
        let port = free_port();
        let driver_addr = SocketAddr::from(([127, 0, 0, 1], port));
        let log = profile.path().join("chromedriver.log");
        let mut driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| Error::new(format!("cannot start {}: {e}", chromedriver.display())))?;
        if !wait_for_port(driver_addr, Duration::from_secs(20)) {
            let _ = driver.kill();
            let _ = driver.wait();
            return Err(Error::new(format!(
                "{} did not listen on {driver_addr} within 20 s",
                chromedriver.display()
            )));
        }

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
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "acceptInsecureCerts": options.ignore_certificate_errors,
                    "goog:chromeOptions": {
                        "binary": chromium.to_string_lossy(),
                        "args": args,
                    },
                    "timeouts": {
                        "script": u64::try_from(options.script_timeout.as_millis()).unwrap_or(u64::MAX),
                        "pageLoad": 30_000,
                    },
                }
            }
        });
        let created = match call(driver_addr, "POST", "/session", Some(&capabilities)) {
            Ok(value) => value,
            Err(e) => {
                let _ = driver.kill();
                let _ = driver.wait();
                return Err(Error::new(format!(
                    "chromedriver could not start {}: {e}",
                    chromium.display()
                )));
            }
        };
        let session = created
            .get("sessionId")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let Some(session) = session else {
            let _ = driver.kill();
            let _ = driver.wait();
            return Err(Error::new(format!(
                "chromedriver answered a new session without an id: {created}"
            )));
        };
        let browser_pid = created
            .pointer("/capabilities/goog:processID")
            .and_then(Value::as_u64)
            .and_then(|p| u32::try_from(p).ok());
        Ok(Browser {
            driver,
            driver_addr,
            session,
            browser_pid,
            profile,
        })
    }

    fn command(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, Error> {
        call(
            self.driver_addr,
            method,
            &format!("/session/{}{path}", self.session),
            body,
        )
    }

    /// Navigates to `url` and waits for the page to load.
    pub fn goto(&self, url: &str) -> Result<(), Error> {
        self.command("POST", "/url", Some(&json!({ "url": url })))
            .map(drop)
            .map_err(|e| Error::new(format!("cannot open {url}: {e}")))
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

    /// chromedriver's log file, for failure messages.
    pub fn driver_log(&self) -> std::path::PathBuf {
        self.profile.path().join("chromedriver.log")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ending the session closes the browser; chromedriver does not do it when killed.
        let _ = call(
            self.driver_addr,
            "DELETE",
            &format!("/session/{}", self.session),
            None,
        );
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        if let Some(pid) = self.browser_pid {
            stop_if_ours(pid, &self.profile);
        }
    }
}

/// Kills the browser process `pid` if it is still alive and is really the one started with
/// our profile directory (a pid can be reused).
fn stop_if_ours(pid: u32, profile: &TempDir) {
    let deadline = Instant::now() + Duration::from_secs(5);
    let marker = profile.path().to_string_lossy().into_owned();
    let ours = || {
        std::fs::read(format!("/proc/{pid}/cmdline"))
            .is_ok_and(|c| String::from_utf8_lossy(&c).contains(&marker))
    };
    while ours() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    if ours() {
        let _ = Command::new("kill")
            .arg(pid.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
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
