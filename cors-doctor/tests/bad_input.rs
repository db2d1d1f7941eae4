//! Bad input never panics: each case exits with status 2 and a message that says what is
//! wrong and what to write instead. The binary runs as a user runs it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Read;
use std::net::TcpListener;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn doctor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cors-doctor"))
        .args(args)
        .output()
        .expect("cors-doctor runs")
}

/// Runs the binary, requires exit status 2, nothing on stdout, and `expected` in stderr.
fn usage_error(args: &[&str], expected: &[&str]) {
    let out = doctor(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for e in expected {
        assert!(stderr.contains(e), "{args:?}: expected {e:?} in:\n{stderr}");
    }
}

/// A loopback port where nothing listens (bound, then released).
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn a_url_without_scheme_gets_the_full_url_suggested() {
    usage_error(
        &["127.0.0.1:8080/data", "--origin", "https://app.example.re"],
        &[
            "cors-doctor: the URL `127.0.0.1:8080/data` has no scheme; write it in full, e.g. \
             `http://127.0.0.1:8080/data` or `https://127.0.0.1:8080/data`",
        ],
    );
}

#[test]
fn an_origin_with_a_path_and_upper_case_gets_the_origin_a_browser_sends() {
    usage_error(
        &[
            "http://127.0.0.1:9/x",
            "--origin",
            "https://App.Example.re/login",
        ],
        &[
            "`https://App.Example.re/login` is not an origin a browser ever sends",
            "it has a path, query or fragment",
            "it has upper case letters",
            "A page at that address sends `Origin: https://app.example.re`: use --origin \
             https://app.example.re",
        ],
    );
}

#[test]
fn an_origin_with_a_trailing_slash_or_default_port_is_explained() {
    usage_error(
        &[
            "http://127.0.0.1:9/x",
            "--origin",
            "https://app.example.re/",
        ],
        &[
            "even a trailing slash",
            "use --origin https://app.example.re",
        ],
    );
    usage_error(
        &[
            "http://127.0.0.1:9/x",
            "--origin",
            "https://app.example.re:443",
        ],
        &[
            "it writes the default port",
            "use --origin https://app.example.re",
        ],
    );
    usage_error(
        &["http://127.0.0.1:9/x", "--origin", "app.example.re"],
        &["it has no scheme"],
    );
}

#[test]
fn a_header_without_colon_is_refused_with_the_form_to_use() {
    usage_error(
        &[
            "http://127.0.0.1:9/x",
            "--origin",
            "https://app.example.re",
            "-H",
            "X-Custom 1",
        ],
        &["the header `X-Custom 1` has no `:`. Write it as -H 'Name: value'"],
    );
}

#[test]
fn a_missing_origin_and_bad_flags_are_usage_errors() {
    usage_error(&["http://127.0.0.1:9/x"], &["--origin ORIGIN is required"]);
    usage_error(&["--no-such-flag"], &["--no-such-flag"]);
    usage_error(
        &[
            "http://127.0.0.1:9/x",
            "--origin",
            "https://a.example",
            "--timeout",
            "soon",
        ],
        &["invalid value 'soon' for '--timeout <SECONDS>'"],
    );
    usage_error(
        &[
            "http://127.0.0.1:9/x",
            "--origin",
            "https://a.example",
            "-X",
            "TRACE",
        ],
        &["browsers never send TRACE"],
    );
}

#[test]
fn connection_refused_is_named() {
    let url = format!("http://127.0.0.1:{}/x", closed_port());
    usage_error(
        &[&url, "--origin", "https://app.example.re"],
        &[
            "cannot reach",
            "connection refused",
            "is the server running",
        ],
    );
}

#[test]
fn an_unresolvable_host_is_a_dns_error() {
    // `.invalid` never resolves (RFC 6761).
    usage_error(
        &[
            "http://cors-doctor-test.invalid/x",
            "--origin",
            "https://app.example.re",
        ],
        &["the host name does not resolve (DNS)"],
    );
}

#[test]
fn a_tls_failure_suggests_insecure() {
    // A plain-TCP listener answering garbage where TLS is expected.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            let mut s = stream.unwrap();
            let mut buf = [0u8; 512];
            let _ = s.read(&mut buf);
            let _ = std::io::Write::write_all(&mut s, b"HTTP/1.1 200 OK\r\n\r\n");
        }
    });
    let url = format!("https://127.0.0.1:{port}/x");
    usage_error(
        &[&url, "--origin", "https://app.example.re", "--timeout", "5"],
        &["the TLS handshake failed", "--insecure"],
    );
}

#[test]
fn a_server_that_never_answers_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accept and hold the connections, never answering.
    let holder = std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().take(1) {
            held.push(stream);
            std::thread::sleep(Duration::from_secs(3));
        }
    });
    let url = format!("http://127.0.0.1:{port}/x");
    let start = Instant::now();
    usage_error(
        &[&url, "--origin", "https://app.example.re", "--timeout", "1"],
        &["cannot reach", "timeout", "raise --timeout"],
    );
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    let _ = holder.join();
}

#[test]
fn help_exits_zero() {
    let out = doctor(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--origin",
        "--method",
        "--header",
        "--credentials",
        "--json",
        "--insecure",
        "--timeout",
        "--cache",
        "--compare",
        "--scan",
        "--trusted",
    ] {
        assert!(text.contains(flag), "{flag} missing from --help:\n{text}");
    }
}
