//! The demo: every adapter side by side, judged by a browser.
//!
//! ```text
//! cargo run -p cors-tests --bin demo                     # open the printed URL in a browser
//! cargo run -p cors-tests --bin demo -- --check          # let three headless engines run the page
//! cargo run -p cors-tests --bin demo -- --check --engine firefox
//! cargo run -p cors-tests --bin demo -- --screenshot docs/demo.png
//! ```
//!
//! Starts the conformance application of every adapter (Actix-web, Rocket, axum:
//! [`Adapter::ALL`]) on free loopback ports and a page server on another,
//! `http://localhost:PORT`: a different origin from every API, and one that a person's own
//! browser has without any host mapping. The page (`tests/assets/web/demo.html`) runs each
//! scenario against every API and shows what the browser did next to what the policy says.
//! Serves until Ctrl-C.
//!
//! `--check` opens the page in headless Chromium, Firefox ESR and WebKitGTK instead (or only
//! the engines named with `--engine`), prints every row and exits with status 1 when a verdict
//! differs from the policy; `--screenshot PATH` also saves a PNG of the page (Chromium's, unless
//! `--engine` names another). Each engine needs its browser and WebDriver server (see the
//! guide's `docs/guide/src/proofs.md`, "What they need").

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::ExitCode;
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{json, Value};

use cors_tests::ready::{retry_on_taken, wait_until_ready, InProcess, Ready};
use cors_tests::server::{free_port, Adapter};
use cors_tests::tools::Error;
use cors_tests::webdriver::{Browser, BrowserOptions, Engine};

const DEMO_HTML: &str = include_str!("../../assets/web/demo.html");
const DEMO_JS: &str = include_str!("../../assets/web/demo.js");
const DEMO_CSS: &str = include_str!("../../assets/web/demo.css");
const PROBE_JS: &str = include_str!("../../assets/web/probe.js");
const FRAME_HTML: &str = include_str!("../../assets/web/frame.html");

const USAGE: &str = "usage: demo [--port PORT] [--check] [--engine ENGINE]... [--screenshot PATH]

  (no option)        serve the demo page until Ctrl-C; open the printed URL in a browser
  --port PORT        serve the page on this port instead of a free one
  --check            run the page in headless Chromium, Firefox ESR and WebKitGTK, print the
                     table of each, exit 1 on a mismatch
  --engine ENGINE    with --check: only this engine (chromium, firefox or webkit; repeatable)
  --screenshot PATH  like --check with one engine (chromium unless --engine says otherwise),
                     and save a PNG screenshot of the page to PATH";

enum Mode {
    Serve,
    Check { screenshot: Option<PathBuf> },
}

struct Args {
    mode: Mode,
    port: Option<u16>,
    engines: Vec<Engine>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        mode: Mode::Serve,
        port: None,
        engines: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--check" => {
                if matches!(args.mode, Mode::Serve) {
                    args.mode = Mode::Check { screenshot: None };
                }
            }
            "--screenshot" => {
                let path = it.next().ok_or("--screenshot needs a file path")?;
                args.mode = Mode::Check {
                    screenshot: Some(PathBuf::from(path)),
                };
            }
            "--port" => {
                let text = it.next().ok_or("--port needs a port number")?;
                let port = text
                    .parse::<u16>()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| format!("--port needs a port number (1-65535), got {text:?}"))?;
                args.port = Some(port);
            }
            "--engine" => {
                let name = it
                    .next()
                    .ok_or("--engine needs chromium, firefox or webkit")?;
                let engine = Engine::from_name(&name).ok_or_else(|| {
                    format!("--engine needs chromium, firefox or webkit, got {name:?}")
                })?;
                if !args.engines.contains(&engine) {
                    args.engines.push(engine);
                }
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("demo: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };

    let mut apps = Vec::new();
    for adapter in Adapter::ALL {
        match start_app(adapter) {
            Ok((port, handle)) => apps.push((adapter, port, handle)),
            Err(e) => {
                eprintln!(
                    "demo: the {} application did not start: {e}",
                    adapter.framework()
                );
                return ExitCode::FAILURE;
            }
        }
    }

    // Without --port, the kernel picks the page's port as the listener is bound: it is ours.
    let wanted = args.port.unwrap_or(0);
    let listener = match TcpListener::bind(("127.0.0.1", wanted)) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("demo: cannot serve the page on 127.0.0.1:{wanted}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let page_port = match listener.local_addr() {
        Ok(addr) => addr.port(),
        Err(e) => {
            eprintln!("demo: the page's listener has no address: {e}");
            return ExitCode::FAILURE;
        }
    };
    let apis: Vec<Value> = apps
        .iter()
        .map(|(adapter, port, _)| {
            json!({
                "name": adapter.name(),
                "framework": adapter.framework(),
                "url": format!("http://127.0.0.1:{port}"),
            })
        })
        .collect();
    let config = json!({ "apis": apis }).to_string();
    // Browsers may try `localhost` on IPv6 first; serve there too when the machine has it.
    if let Ok(v6) = TcpListener::bind(("::1", page_port)) {
        let config = config.clone();
        std::thread::spawn(move || serve_pages(v6, &config));
    }
    std::thread::spawn(move || serve_pages(listener, &config));
    let page_url = format!("http://localhost:{page_port}/");

    for (adapter, port, _) in &apps {
        println!(
            "{:<14} http://127.0.0.1:{port}",
            format!("{} API", adapter.framework())
        );
    }
    println!("{:<14} {page_url}", "demo page");

    match args.mode {
        Mode::Serve => {
            println!("\nOpen {page_url} in your browser. Ctrl-C stops the demo.");
            let _ = std::io::stdout().flush();
            // Rocket turns Ctrl-C into a graceful shutdown of its server; when any
            // application stops, the demo is over.
            while apps.iter().all(|(_, _, handle)| !handle.is_finished()) {
                std::thread::sleep(Duration::from_millis(200));
            }
            ExitCode::SUCCESS
        }
        Mode::Check { screenshot } => {
            let engines = match (&screenshot, args.engines.as_slice()) {
                (Some(_), []) => vec![Engine::Chromium],
                (Some(_), [one]) => vec![*one],
                (Some(_), _) => {
                    eprintln!("demo: --screenshot takes one engine at most");
                    return ExitCode::from(2);
                }
                (None, []) => Engine::ALL.to_vec(),
                (None, some) => some.to_vec(),
            };
            let mut all_agree = true;
            for engine in engines {
                match check(engine, &page_url, screenshot.as_ref()) {
                    Ok(agree) => all_agree &= agree,
                    Err(message) => {
                        eprintln!("demo: {engine}: {message}");
                        all_agree = false;
                    }
                }
            }
            if all_agree {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// Starts an adapter's application on a free port and waits until it answers there; starts it
/// again on another port when that one was taken first.
fn start_app(adapter: Adapter) -> Result<(u16, JoinHandle<()>), Error> {
    let name = adapter.framework();
    retry_on_taken(name, || {
        let port = free_port();
        let handle = adapter.start_in_process(port);
        let mut app = InProcess {
            name,
            thread: &handle,
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        wait_until_ready(&mut app, &Ready::http(addr), Duration::from_secs(30))?;
        Ok((port, handle))
    })
}

/// Serves the page's files and `config.json` (where the APIs are).
fn serve_pages(listener: TcpListener, config: &str) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let config = config.to_owned();
        std::thread::spawn(move || {
            let _ = answer(stream, &config);
        });
    }
}

fn answer(mut stream: TcpStream, config: &str) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // The request's headers are not needed; read them so the client sees a clean close.
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("");
    let path = target.split('?').next().unwrap_or("");
    let found = match path {
        "/" | "/index.html" | "/demo.html" => Some(("text/html; charset=utf-8", DEMO_HTML)),
        "/demo.js" => Some(("text/javascript; charset=utf-8", DEMO_JS)),
        "/demo.css" => Some(("text/css; charset=utf-8", DEMO_CSS)),
        "/probe.js" => Some(("text/javascript; charset=utf-8", PROBE_JS)),
        "/frame.html" => Some(("text/html; charset=utf-8", FRAME_HTML)),
        "/config.json" => Some(("application/json", config)),
        _ => None,
    };
    let (status, content_type, body) = match (method, found) {
        ("GET" | "HEAD", Some((content_type, body))) => ("200 OK", content_type, body),
        ("GET" | "HEAD", None) => ("404 Not Found", "text/plain; charset=utf-8", "not found\n"),
        _ => (
            "405 Method Not Allowed",
            "text/plain; charset=utf-8",
            "the demo page server only answers GET\n",
        ),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\
         cache-control: no-store\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    if method != "HEAD" {
        stream.write_all(body.as_bytes())?;
    }
    stream.flush()
}

/// Opens the page in `engine`, headless, waits for every scenario, prints the rows and
/// optionally saves a screenshot. `Ok(true)` when every row agrees with the policy.
fn check(engine: Engine, page_url: &str, screenshot: Option<&PathBuf>) -> Result<bool, String> {
    let browser = Browser::start(&BrowserOptions {
        engine,
        window: (1280, 900),
        script_timeout: Duration::from_secs(60),
        ..BrowserOptions::default()
    })
    .map_err(|e| e.to_string())?;
    browser.goto(page_url).map_err(|e| e.to_string())?;
    let results = browser
        .execute_async(
            "const done = arguments[0]; window.demoDone.then(done, (e) => done(String(e)));",
            &[],
        )
        .map_err(|e| e.to_string())?;
    let rows = results
        .as_array()
        .ok_or_else(|| format!("the page did not report its results: {results}"))?;
    let mut all_agree = !rows.is_empty();
    println!("\n{engine} ({})", engine.name());
    for row in rows {
        // The page's own verdict counts only when it judged every adapter.
        let agree = row.get("agree").and_then(Value::as_bool) == Some(true)
            && Adapter::ALL.iter().all(|a| {
                row.pointer(&format!("/results/{}/verdict", a.name()))
                    .is_some_and(Value::is_string)
            });
        all_agree &= agree;
        let mut line = format!(
            "{} {:<42} expected {:<8}",
            if agree { "ok  " } else { "FAIL" },
            text(row.get("name")),
            text(row.pointer("/expected/verdict")),
        );
        for adapter in Adapter::ALL {
            let verdict = text(row.pointer(&format!("/results/{}/verdict", adapter.name())));
            line.push_str(&format!(" {} {verdict:<8}", adapter.name()));
        }
        println!("{}", line.trim_end());
        if let Some(error) = row.get("error").and_then(Value::as_str) {
            println!("     {error}");
        }
    }
    if let Some(path) = screenshot {
        let height = browser
            .execute(
                "return document.documentElement.scrollHeight + window.outerHeight - window.innerHeight;",
                &[],
            )
            .ok()
            .and_then(|h| h.as_u64())
            .and_then(|h| u32::try_from(h).ok())
            .unwrap_or(900)
            .clamp(400, 4000);
        browser
            .set_window_size(1280, height)
            .map_err(|e| e.to_string())?;
        let png = browser.screenshot().map_err(|e| e.to_string())?;
        std::fs::write(path, png)
            .map_err(|e| format!("cannot write the screenshot to {}: {e}", path.display()))?;
        println!("\nscreenshot saved to {}", path.display());
    }
    println!(
        "\n{engine}: {}",
        if all_agree {
            "every adapter behaves as the policy says in every scenario."
        } else {
            "some verdicts differ from the policy (FAIL rows above)."
        }
    );
    Ok(all_agree)
}

fn text(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => "-".to_owned(),
        Some(other) => other.to_string(),
    }
}
