//! The command line: parse the arguments, run the mode, print text or JSON, return the exit
//! status. `main` only calls [`run`], so tests can run the whole program in process.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::Write;

use clap::Parser;

use crate::cache::{probe_cache, CacheReport};
use crate::compare::{compare, Change, CompareReport};
use crate::diagnose::diagnose;
use crate::error::Error;
use crate::render::{render_report, requests_sent};
use crate::request::{check_origin, parse_header_line, Options, Request};
use crate::scan::{scan, Risk, ScanReport, ScanVerdict, OWN_ORIGIN};
use crate::transport::timeout_from_seconds;
use crate::websocket::{check_websocket, Handshake, WebSocketReport};

/// Ask a live endpoint what a browser would do with its CORS answer.
///
/// Sends what the browser would send (the preflight when one is needed, then the request),
/// judges every answer as the browser does, and prints the verdict, the console message
/// Chromium shows, the reason and the fix, for Chromium, Firefox and WebKit as they ship.
/// Exit status: 0 the page can read the response in every engine (other modes: nothing
/// found), 1 an engine blocks it (a problem was found), 2 bad usage or the endpoint cannot be
/// reached.
#[derive(Debug, Parser)]
#[command(name = "cors-doctor", version)]
struct Cli {
    /// The URL the page fetches (http:// or https://).
    url: String,
    /// The page's origin, as the browser sends it: scheme://host[:port].
    #[arg(long, value_name = "ORIGIN")]
    origin: Option<String>,
    /// The method of the fetch.
    #[arg(long, short = 'X', value_name = "M", default_value = "GET")]
    method: String,
    /// A header the page sets, as 'Name: value' (repeatable).
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// The fetch has credentials: "include" (cookies, HTTP authentication).
    #[arg(long)]
    credentials: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Accept any TLS certificate (self-signed test servers).
    #[arg(long, short = 'k')]
    insecure: bool,
    /// The longest wait for one answer, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    timeout: f64,
    /// Probe for cache poisoning: the URL with several origins and none.
    #[arg(long, conflicts_with_all = ["compare", "scan"])]
    cache: bool,
    /// Send the same requests to URL2 (another layer) and diff the CORS and Vary headers.
    #[arg(long, value_name = "URL2", conflicts_with = "scan")]
    compare: Option<String>,
    /// Test the misconfiguration classes public scanners test (at most 60 requests).
    #[arg(long)]
    scan: bool,
    /// An origin the site trusts (repeatable), for --scan and --cache.
    #[arg(long, value_name = "ORIGIN")]
    trusted: Vec<String>,
    /// Skip the error-path probe (a 404 under the same path).
    #[arg(long)]
    no_error_probe: bool,
    /// Check a WebSocket handshake from --origin instead of a fetch (URL: ws://, wss://,
    /// http:// or https://).
    #[arg(long, conflicts_with_all = ["cache", "compare", "scan", "method", "headers", "credentials"])]
    websocket: bool,
}

/// Runs the program with these arguments (the first is the program's name), writing the
/// report to `out` and errors to `err`; returns the exit status.
pub fn run<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = e.exit_code();
            let text = e.render().to_string();
            let target: &mut dyn Write = if code == 0 { out } else { err };
            let _ = target.write_all(text.as_bytes());
            return if code == 0 { 0 } else { 2 };
        }
    };
    match execute(&cli) {
        Ok((text, code)) => {
            let _ = out.write_all(text.as_bytes());
            code
        }
        Err(e) => {
            let _ = writeln!(err, "cors-doctor: {e}");
            e.exit_code()
        }
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| Error::usage(format!("cannot write JSON: {e}")))
}

fn execute(cli: &Cli) -> Result<(String, i32), Error> {
    let options = Options {
        insecure: cli.insecure,
        timeout: timeout_from_seconds(cli.timeout)?,
        probe_error_path: !cli.no_error_probe,
    };
    if cli.scan {
        if let Some(origin) = &cli.origin {
            check_origin(origin)?;
        }
        let mut trusted = cli.trusted.clone();
        if let Some(origin) = &cli.origin {
            if !trusted.contains(origin) {
                trusted.insert(0, origin.clone());
            }
        }
        let report = scan(&cli.url, &trusted, &options)?;
        let text = if cli.json {
            json(&serde_json::json!({ "scan": report, "problems_found": report.exit_code() == 1 }))?
        } else {
            render_scan(&report)
        };
        return Ok((text, report.exit_code()));
    }
    let Some(origin) = cli.origin.clone() else {
        return Err(Error::usage(
            "--origin ORIGIN is required (the page's origin, e.g. --origin \
             https://app.example.re); only --scan works without it",
        ));
    };
    if cli.websocket {
        let report = check_websocket(&cli.url, &origin, &options)?;
        let text = if cli.json {
            json(&serde_json::json!({
                "websocket": report,
                "problems_found": report.exit_code() == 1,
            }))?
        } else {
            render_websocket(&report)
        };
        return Ok((text, report.exit_code()));
    }
    let mut request = Request::new(cli.url.clone(), origin).method(cli.method.clone());
    request.credentials = cli.credentials;
    for line in &cli.headers {
        let (name, value) = parse_header_line(line)?;
        request.headers.push((name, value));
    }
    if cli.cache {
        let second = cli.trusted.iter().find(|t| **t != request.origin);
        let report = probe_cache(&request, second.map(String::as_str), &options)?;
        let text = if cli.json {
            json(
                &serde_json::json!({ "cache": report, "problems_found": report.exit_code() == 1 }),
            )?
        } else {
            render_cache(&report)
        };
        return Ok((text, report.exit_code()));
    }
    if let Some(second) = &cli.compare {
        let report = compare(&request, second, &options)?;
        let text = if cli.json {
            json(
                &serde_json::json!({ "compare": report, "problems_found": report.exit_code() == 1 }),
            )?
        } else {
            render_compare(&report)
        };
        return Ok((text, report.exit_code()));
    }
    let report = diagnose(&request, &options)?;
    let text = if cli.json {
        json(&report)?
    } else {
        render_report(&report)
    };
    Ok((text, report.exit_code()))
}

fn render_websocket(report: &WebSocketReport) -> String {
    let mut out = format!(
        "WebSocket handshake to {} from origin {}\n",
        report.url, report.origin
    );
    let _ = writeln!(
        out,
        "Sent: GET {} with Origin: {}, Sec-Fetch-Site: {}; Sec-Fetch-* headers: {}\n",
        report.handshake_url, report.origin, report.sec_fetch_site, report.fetch_metadata
    );
    let mark = if report.verdict == Handshake::Opened {
        "✓"
    } else {
        "✗"
    };
    let _ = writeln!(
        out,
        "{mark} handshake  GET {} -> {}\n",
        report.handshake_url, report.status
    );
    let _ = writeln!(
        out,
        "Verdict: {}. {}",
        report.verdict.as_str(),
        report.reason
    );
    if !report.fix.is_empty() {
        let _ = writeln!(out, "Fix:     {}", report.fix);
    }
    for note in &report.notes {
        let _ = writeln!(out, "! {note}");
    }
    let _ = writeln!(
        out,
        "(1 request sent; the socket, when it opened, was closed at once)"
    );
    out
}

fn render_cache(report: &CacheReport) -> String {
    let mut out = format!("Cache probe of {}\n\n", report.url);
    for p in &report.probes {
        let _ = writeln!(
            out,
            "  {:<24} Origin: {:<40} -> {} ACAO: {}; Vary: {}{}",
            p.label,
            p.origin.as_deref().unwrap_or("(none)"),
            p.status,
            p.allow_origin.as_deref().unwrap_or("(none)"),
            if p.vary.is_empty() {
                "(none)".to_owned()
            } else {
                p.vary.join(", ")
            },
            if p.cache_indicators.is_empty() {
                String::new()
            } else {
                format!(
                    "; {}",
                    p.cache_indicators
                        .iter()
                        .map(|(n, v)| format!("{n}: {v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        );
    }
    out.push('\n');
    if report.cache_in_front {
        out.push_str("A cache answers in front of this URL (see the indicator headers).\n");
    }
    if report.problems.is_empty() {
        out.push_str("✓ No cache problem found.\n");
    } else {
        for problem in &report.problems {
            let _ = writeln!(out, "✗ {problem}");
        }
    }
    let _ = writeln!(out, "({})", requests_sent(report.requests_sent));
    out
}

fn render_compare(report: &CompareReport) -> String {
    let mut out = format!(
        "Comparing\n  first:  {}\n  second: {}\n\n",
        report.first_url, report.second_url
    );
    for r in &report.requests {
        let _ = writeln!(
            out,
            "  {:<10} {} -> first {}, second {}",
            r.request, r.first.method, r.first.status, r.second.status
        );
    }
    out.push('\n');
    if report.differences.is_empty() {
        out.push_str("✓ Both layers send the same CORS and Vary headers.\n");
    } else {
        for d in &report.differences {
            let what = match d.change {
                Change::Dropped => "drops",
                Change::Added => "adds",
                Change::Changed => "changes",
            };
            let _ = writeln!(
                out,
                "✗ {} request: the second layer {what} `{}` (first: {}; second: {})",
                d.request,
                d.header,
                d.first.as_deref().unwrap_or("(absent)"),
                d.second.as_deref().unwrap_or("(absent)")
            );
        }
        if report.first_passes && !report.second_passes {
            out.push_str(
                "The page could read the first layer's answer, and is blocked through the \
                 second: the second layer (proxy, load balancer, CDN rule) strips or rewrites \
                 the CORS headers.\n",
            );
        }
    }
    let _ = writeln!(out, "({})", requests_sent(report.requests_sent));
    out
}

fn render_scan(report: &ScanReport) -> String {
    let own = report.findings.iter().any(|f| f.class == OWN_ORIGIN);
    let mut out = if own {
        format!(
            "Scan of {} (no --trusted origin: the probes are built around the URL's own \
             origin, {})\n\n",
            report.url,
            report.trusted.join(", ")
        )
    } else {
        format!(
            "Scan of {} (trusted: {})\n\n",
            report.url,
            report.trusted.join(", ")
        )
    };
    let wildcard_seen = report
        .findings
        .iter()
        .any(|f| f.verdict == ScanVerdict::Wildcard);
    for f in &report.findings {
        let with = if f.credentials {
            ", with credentials"
        } else {
            ""
        };
        let verdict = match (f.verdict, f.risk) {
            (ScanVerdict::Reflected, Risk::Expected) => format!("allowed{with} (trusted)"),
            (ScanVerdict::Reflected, Risk::Review) => {
                format!("allowed{with}: make sure this is intended")
            }
            (ScanVerdict::Reflected, Risk::High) if f.credentials => {
                "REFLECTED, with credentials".to_owned()
            }
            (ScanVerdict::Reflected, Risk::High) => "reflected".to_owned(),
            (ScanVerdict::Wildcard, _) => "`*` (any origin, without credentials)".to_owned(),
            (ScanVerdict::Refused, Risk::Expected) if f.class == OWN_ORIGIN => {
                "not allowed (a page on the URL's own origin needs no CORS)".to_owned()
            }
            (ScanVerdict::Refused, Risk::Expected) => {
                "not allowed: this trusted origin gets no Access-Control-Allow-Origin".to_owned()
            }
            (ScanVerdict::Refused, _) if wildcard_seen => {
                "no `*` for this origin (other origins get `*`)".to_owned()
            }
            (ScanVerdict::Refused, _) => "not allowed".to_owned(),
        };
        let _ = writeln!(
            out,
            "{} {:<22} {:<55} {verdict}",
            f.outcome.mark(),
            f.class,
            f.origin
        );
    }
    let problems = report.problems();
    out.push('\n');
    if problems.is_empty() {
        out.push_str("No origin an attacker can get is allowed.\n");
    } else {
        let _ = writeln!(
            out,
            "{} origin(s) an attacker can get are allowed{}: the server matches origins \
             loosely or reflects them. Compare the Origin byte for byte with an allowlist \
             (this project's matcher does; there is no reflect option).",
            problems.len(),
            if problems.iter().any(|f| f.credentials) {
                ", with credentials: any page there can read the user's data"
            } else {
                ""
            }
        );
    }
    let _ = writeln!(out, "({})", requests_sent(report.requests_sent));
    out
}
