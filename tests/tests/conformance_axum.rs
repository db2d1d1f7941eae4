//! The conformance table against the axum adapter: in process through `tower::ServiceExt`
//! (the whole application, as the server calls it), and against the `conformance-axum` binary
//! over a real socket; then hostile `Origin` values, and a side-by-side run against the Actix
//! server, which must answer every request the same way.
// Helpers outside `#[test]` functions may unwrap too (clippy.toml covers the tests themselves).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io;

use axum::body::Body;
use axum::http::header::{HeaderName, HeaderValue};
use axum::http::Method;
use cors_tests::axum_app;
use cors_tests::conformance::{
    self, cases, hostile_origins, hostile_requests, run_cases, run_hostile, run_scenarios,
    scenarios, Adapter, HOSTILE_REQUESTS_PER_ORIGIN,
};
use cors_tests::http::{self, Request, Response};
use cors_tests::server::Server;
use tower::ServiceExt;

fn invalid(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, e.to_string())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Sends each request through one application in process, as the server calls it; header
/// values are raw bytes, and a repeated name becomes repeated lines, so every case of the table
/// is representable.
fn sender() -> impl FnMut(&Request) -> io::Result<Response> {
    let runtime = runtime();
    let global = axum_app::global().expect("the global policy is valid");
    let app = axum_app::app(global);
    move |r| {
        let mut req = axum::http::Request::builder()
            .method(Method::from_bytes(r.method.as_bytes()).map_err(invalid)?)
            .uri(&r.path);
        for (name, value) in &r.headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(invalid)?;
            let value = HeaderValue::from_bytes(value).map_err(invalid)?;
            req = req.header(name, value);
        }
        let req = req.body(Body::from(r.body.clone())).map_err(invalid)?;
        let app = app.clone();
        runtime.block_on(async {
            let res = app.oneshot(req).await.map_err(invalid)?;
            let status = res.status().as_u16();
            let headers = res
                .headers()
                .iter()
                .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
                .collect();
            let body = axum::body::to_bytes(res.into_body(), usize::MAX)
                .await
                .map_err(invalid)?;
            Ok(Response {
                status,
                headers,
                body: body.to_vec(),
            })
        })
    }
}

#[test]
fn conformance_in_process() {
    let _state = conformance::exclusive();
    match run_cases(Adapter::Axum, sender()) {
        Ok(n) => assert_eq!(n, conformance::case_count(Adapter::Axum)),
        Err(failures) => panic!("{failures}"),
    }
}

#[test]
fn scenarios_in_process() {
    let _state = conformance::exclusive();
    match run_scenarios(sender()) {
        Ok(n) => assert_eq!(n, scenarios().iter().map(|s| s.steps.len()).sum::<usize>()),
        Err(failures) => panic!("{failures}"),
    }
    // The scenarios put the start state back themselves.
    assert_eq!(axum_app::TENANTS.entries(), conformance::TENANTS_AT_START);
}

#[test]
fn scenarios_over_a_socket() {
    let server = Server::start(env!("CARGO_BIN_EXE_conformance-axum"));
    match run_scenarios(|r| http::send(server.addr, r)) {
        Ok(n) => assert_eq!(n, scenarios().iter().map(|s| s.steps.len()).sum::<usize>()),
        Err(failures) => panic!("{failures}"),
    }
    // Back at the start, the whole table passes again on the same server.
    run_cases(Adapter::Axum, |r| http::send(server.addr, r)).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn conformance_over_a_socket() {
    let server = Server::start(env!("CARGO_BIN_EXE_conformance-axum"));
    match run_cases(Adapter::Axum, |r| http::send(server.addr, r)) {
        Ok(n) => assert_eq!(n, conformance::case_count(Adapter::Axum)),
        Err(failures) => panic!("{failures}"),
    }
}

#[test]
fn hostile_origins_over_a_socket() {
    let server = Server::start(env!("CARGO_BIN_EXE_conformance-axum"));
    let count =
        run_hostile(|_| false, |r| http::send(server.addr, r)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(count, hostile_origins().len() * HOSTILE_REQUESTS_PER_ORIGIN);
    conformance::still_serving(server.addr).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn hostile_origins_in_process() {
    let count = run_hostile(|_| false, sender()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(count, hostile_origins().len() * HOSTILE_REQUESTS_PER_ORIGIN);
}

#[test]
fn the_in_process_harness_sees_failures() {
    // A harness that reports every response as fine would make the tests above meaningless:
    // check that a wrong response fails the table, and that the application really answers.
    let wrong = Response {
        status: 200,
        headers: vec![("access-control-allow-origin".into(), b"*".to_vec())],
        body: Vec::new(),
    };
    let err = run_cases(Adapter::Axum, |_| Ok(wrong.clone())).unwrap_err();
    assert!(err.contains("private_get_app"), "{err}");
    let res =
        sender()(&Request::new("GET", "/private").header("Origin", conformance::EVIL)).unwrap();
    assert_eq!((res.status, res.text().as_str()), (200, "private"));
    assert_eq!(res.get("access-control-allow-origin"), None);
}

/// What a response says about CORS: its status, every CORS header, and the `Vary` tokens.
fn cors_view(res: &Response) -> String {
    format!("status {}; {}", res.status, res.cors_summary())
}

/// Every request of the table, of the scenarios and of the hostile list, sent to the axum and
/// the Actix servers: the status, the CORS headers and the `Vary` tokens must be the same. The
/// only difference allowed is the one the contract allows: a method a path does not route gets
/// 405 (axum) or 404 (Actix).
#[test]
fn same_answers_as_the_actix_server() {
    let axum = Server::start(env!("CARGO_BIN_EXE_conformance-axum"));
    let actix = Server::start(env!("CARGO_BIN_EXE_conformance-actix"));
    let mut requests: Vec<Request> = cases().into_iter().map(|c| c.request).collect();
    // The scenarios change both servers the same way, step by step, and put them back.
    requests.extend(
        scenarios()
            .into_iter()
            .flat_map(|s| s.steps)
            .map(|step| step.request),
    );
    for origin in hostile_origins() {
        requests.extend(hostile_requests(&origin));
    }
    let mut differences = Vec::new();
    for req in &requests {
        let a = http::send(axum.addr, req).unwrap();
        let b = http::send(actix.addr, req).unwrap();
        let (mut va, mut vb) = (cors_view(&a), cors_view(&b));
        if matches!((a.status, b.status), (404, 405) | (405, 404)) {
            va = va.replacen(&format!("status {}", a.status), "status 404|405", 1);
            vb = vb.replacen(&format!("status {}", b.status), "status 404|405", 1);
        }
        if va != vb {
            differences.push(format!(
                "{} {} {:?}\n    axum:  {va}\n    actix: {vb}",
                req.method,
                req.path,
                req.headers
                    .iter()
                    .map(|(n, v)| format!("{n}: {}", String::from_utf8_lossy(v)))
                    .collect::<Vec<_>>()
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} requests answered differently:\n{}",
        differences.len(),
        requests.len(),
        differences.join("\n")
    );
}

/// `axum_app::start`, which a demo can use to run the adapters in one process, serves the
/// application on the port it is given.
#[test]
fn start_serves_in_its_own_thread() {
    let port = cors_tests::server::free_port();
    let handle = axum_app::start(port);
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let request = Request::new("GET", "/plain").header("Origin", conformance::APP);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let res = loop {
        match http::send(addr, &request) {
            Ok(res) => break res,
            Err(_) if std::time::Instant::now() < deadline && !handle.is_finished() => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(e) => panic!("the server did not come up on {addr}: {e}"),
        }
    };
    assert_eq!((res.status, res.text().as_str()), (200, "plain"));
    assert_eq!(
        res.get("access-control-allow-origin").as_deref(),
        Some(conformance::APP)
    );
}

#[test]
fn a_taken_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_conformance-axum"))
        .env("PORT", port.to_string())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        out.stdout.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on 127.0.0.1:{port}"))
            && stderr.contains("Set PORT to a free port"),
        "{stderr}"
    );
}

/// Starts the application in its own thread and waits until it answers.
fn started() -> std::net::SocketAddr {
    let port = cors_tests::server::free_port();
    let handle = axum_app::start(port);
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while http::send(addr, &Request::new("GET", "/notes")).is_err() {
        assert!(
            std::time::Instant::now() < deadline && !handle.is_finished(),
            "the server did not come up on {addr}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    addr
}

/// Sends a WebSocket handshake to `/notes/socket` from `origin` and returns the connection
/// and the response head.
fn handshake(addr: std::net::SocketAddr, origin: &str) -> (std::net::TcpStream, String) {
    use std::io::{BufRead, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET /notes/socket HTTP/1.1\r\nHost: {addr}\r\nOrigin: {origin}\r\nConnection: Upgrade\r\n\
         Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    )
    .unwrap();
    let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
    let mut head = String::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" || line.is_empty() {
            break;
        }
        head.push_str(&line);
    }
    (stream, head)
}

/// Over a real socket: a cross-site WebSocket handshake is refused before the upgrade, the
/// trusted origin's opens and echoes; a cross-site write is refused and the trusted one counts.
#[test]
fn write_protection_over_a_socket_refuses_cross_site_handshakes_and_writes() {
    use std::io::{Read, Write};
    let addr = started();
    let (_, head) = handshake(addr, "https://evil.example");
    assert!(head.starts_with("HTTP/1.1 403 "), "{head}");
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("access-control-allow-origin"),
        "{head}"
    );

    let (mut stream, head) = handshake(addr, conformance::APP);
    assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
    // One masked text frame, `hello`; the echo comes back unmasked.
    let mask = [1u8, 2, 3, 4];
    let mut frame = vec![0x81, 0x80 | 5];
    frame.extend_from_slice(&mask);
    frame.extend(b"hello".iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    stream.write_all(&frame).unwrap();
    let mut echo = [0u8; 7];
    stream.read_exact(&mut echo).unwrap();
    assert_eq!(&echo, b"\x81\x05hello");

    let post = |origin: &str| {
        Request::new("POST", "/notes")
            .header("Origin", origin)
            .header("Sec-Fetch-Site", "cross-site")
    };
    let refused = http::send(addr, &post("https://evil.example")).unwrap();
    assert_eq!(
        (refused.status, refused.text()),
        (403, cors_axum::WRITE_REFUSED_BODY.to_owned())
    );
    let noted = http::send(addr, &post(conformance::APP)).unwrap();
    assert_eq!((noted.status, noted.text().as_str()), (200, "noted"));
    let count = http::send(addr, &Request::new("GET", "/notes")).unwrap();
    assert_eq!(count.text(), "1");
}
