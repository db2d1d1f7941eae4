//! The conformance table against the Rocket adapter: in process through `rocket::local`, and
//! against the `conformance-rocket` binary over a real socket; then hostile `Origin` values, and
//! a side-by-side run against the Actix server, which must answer every request the same way.
// Helpers outside `#[test]` functions may unwrap too (clippy.toml covers the tests themselves).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io;

use cors_tests::conformance::{
    self, cases, hostile_origins, hostile_requests, run_cases, run_hostile, run_scenarios,
    scenarios, Adapter, HOSTILE_REQUESTS_PER_ORIGIN,
};
use cors_tests::http::{self, Request, Response};
use cors_tests::rocket_app;
use cors_tests::server::Server;
use rocket::http::{Header, Method};
use rocket::local::blocking::Client;

fn invalid(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, e.to_string())
}

/// Sends `r` through Rocket's in-process client, which runs routing, guards, catchers and
/// fairings exactly as the server does. Its `Header::new` takes text, so a request with a header
/// value that is not UTF-8 cannot be built here (`InvalidInput`); those run over the socket only,
/// where Rocket drops such lines before any fairing sees them.
fn send_local(client: &Client, r: &Request) -> io::Result<Response> {
    let method: Method = r
        .method
        .parse()
        .map_err(|()| invalid(format!("unknown method {}", r.method)))?;
    let mut req = client.req(method, r.path.clone());
    for (name, value) in &r.headers {
        let value = String::from_utf8(value.clone()).map_err(invalid)?;
        req = req.header(Header::new(name.clone(), value));
    }
    if !r.body.is_empty() {
        req = req.body(r.body.clone());
    }
    let res = req.dispatch();
    let status = res.status().code;
    let headers = res
        .headers()
        .iter()
        .map(|h| {
            (
                h.name().as_str().to_ascii_lowercase(),
                h.value().as_bytes().to_vec(),
            )
        })
        .collect();
    let body = res.into_bytes().unwrap_or_default();
    Ok(Response {
        status,
        headers,
        body,
    })
}

fn client() -> Client {
    Client::tracked(rocket_app::rocket()).expect("the conformance application launches")
}

#[test]
fn conformance_in_process() {
    let _state = conformance::exclusive();
    let client = client();
    match run_cases(Adapter::Rocket, |r| send_local(&client, r)) {
        Ok(n) => assert_eq!(n, conformance::case_count(Adapter::Rocket)),
        Err(failures) => panic!("{failures}"),
    }
}

#[test]
fn scenarios_in_process() {
    let _state = conformance::exclusive();
    let client = client();
    match run_scenarios(|r| send_local(&client, r)) {
        Ok(n) => assert_eq!(n, scenarios().iter().map(|s| s.steps.len()).sum::<usize>()),
        Err(failures) => panic!("{failures}"),
    }
    // The scenarios put the start state back themselves.
    assert_eq!(rocket_app::TENANTS.entries(), conformance::TENANTS_AT_START);
}

#[test]
fn scenarios_over_a_socket() {
    let server = Server::start(env!("CARGO_BIN_EXE_conformance-rocket"));
    match run_scenarios(|r| http::send(server.addr, r)) {
        Ok(n) => assert_eq!(n, scenarios().iter().map(|s| s.steps.len()).sum::<usize>()),
        Err(failures) => panic!("{failures}"),
    }
    // Back at the start, the whole table passes again on the same server.
    run_cases(Adapter::Rocket, |r| http::send(server.addr, r)).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn conformance_over_a_socket() {
    let server = Server::start(env!("CARGO_BIN_EXE_conformance-rocket"));
    match run_cases(Adapter::Rocket, |r| http::send(server.addr, r)) {
        Ok(n) => assert_eq!(n, conformance::case_count(Adapter::Rocket)),
        Err(failures) => panic!("{failures}"),
    }
}

/// Whether an origin cannot be carried by Rocket at all: Rocket drops every request header line
/// that is not UTF-8 before the application (and so the fairing) sees the request.
fn not_text(origin: &[u8]) -> bool {
    std::str::from_utf8(origin).is_err()
}

/// The same request without its `Origin` line.
fn without_origin(req: &Request) -> Request {
    let mut stripped = req.clone();
    stripped
        .headers
        .retain(|(name, _)| !name.eq_ignore_ascii_case("origin"));
    stripped
}

#[test]
fn hostile_origins_over_a_socket() {
    let server = Server::start(env!("CARGO_BIN_EXE_conformance-rocket"));
    let count =
        run_hostile(not_text, |r| http::send(server.addr, r)).unwrap_or_else(|e| panic!("{e}"));
    let dropped: Vec<Vec<u8>> = hostile_origins()
        .into_iter()
        .filter(|o| not_text(o))
        .collect();
    assert_eq!(
        count,
        (hostile_origins().len() - dropped.len()) * HOSTILE_REQUESTS_PER_ORIGIN
    );
    // An `Origin` line Rocket cannot read is as if it had not been sent: the answer is exactly
    // the answer without it (for the `*` route that includes `Access-Control-Allow-Origin: *`,
    // which is what any request without `Origin` gets), and never a 5xx of our making.
    assert_eq!(dropped.len(), 1, "the table's non-UTF-8 origins changed");
    for origin in &dropped {
        for req in hostile_requests(origin) {
            let with = http::send(server.addr, &req).unwrap();
            let without = http::send(server.addr, &without_origin(&req)).unwrap();
            assert_eq!(
                cors_view(&with),
                cors_view(&without),
                "{} {}",
                req.method,
                req.path
            );
            assert_eq!(with.get("access-control-allow-credentials"), None);
            let handler_fails = req.method != "OPTIONS"
                && (req.path == "/fail" || (req.method == "DELETE" && req.path == "/private"));
            assert!(
                with.status < 500 || handler_fails,
                "{} {}",
                req.method,
                req.path
            );
        }
    }
    conformance::still_serving(server.addr).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn hostile_origins_in_process() {
    let client = client();
    // Non-UTF-8 origins cannot be written with `Header::new`; the socket test covers them.
    let count = run_hostile(not_text, |r| send_local(&client, r)).unwrap_or_else(|e| panic!("{e}"));
    let text_origins = hostile_origins().iter().filter(|o| !not_text(o)).count();
    assert!(text_origins + 1 >= hostile_origins().len());
    assert_eq!(count, text_origins * HOSTILE_REQUESTS_PER_ORIGIN);
}

#[test]
fn the_in_process_harness_sees_failures() {
    // A harness that reports every response as fine would make the tests above meaningless:
    // check that a wrong response fails the table, and that the client really reaches the app.
    let wrong = Response {
        status: 200,
        headers: vec![("access-control-allow-origin".into(), b"*".to_vec())],
        body: Vec::new(),
    };
    let err = run_cases(Adapter::Rocket, |_| Ok(wrong.clone())).unwrap_err();
    assert!(err.contains("private_get_app"), "{err}");
    let client = client();
    let res = send_local(
        &client,
        &Request::new("GET", "/private").header("Origin", conformance::EVIL),
    )
    .unwrap();
    assert_eq!((res.status, res.text().as_str()), (200, "private"));
    assert_eq!(res.get("access-control-allow-origin"), None);
}

/// What a response says about CORS: its status, every CORS header, and the `Vary` tokens.
fn cors_view(res: &Response) -> String {
    format!("status {}; {}", res.status, res.cors_summary())
}

/// Every request of the table and of the hostile list, sent to both conformance servers: the
/// status, the CORS headers and the `Vary` tokens must be the same. The only difference allowed
/// is the one the contract allows: a wrong method may get 404 (Rocket) or 405.
///
/// Origins that are not UTF-8 are left out: Rocket drops such header lines before any
/// application code runs, so the Rocket server answers as if no `Origin` had been sent, while
/// Actix sees and refuses the line (`hostile_origins_over_a_socket` checks Rocket's side).
#[test]
fn same_answers_as_the_actix_server() {
    let rocket = Server::start(env!("CARGO_BIN_EXE_conformance-rocket"));
    let actix = Server::start(env!("CARGO_BIN_EXE_conformance-actix"));
    let mut requests: Vec<Request> = cases().into_iter().map(|c| c.request).collect();
    // The scenarios change both servers the same way, step by step, and put them back.
    requests.extend(
        scenarios()
            .into_iter()
            .flat_map(|s| s.steps)
            .map(|step| step.request),
    );
    for origin in hostile_origins().iter().filter(|o| !not_text(o)) {
        requests.extend(hostile_requests(origin));
    }
    let mut differences = Vec::new();
    for req in &requests {
        let a = http::send(rocket.addr, req).unwrap();
        let b = http::send(actix.addr, req).unwrap();
        let (mut va, mut vb) = (cors_view(&a), cors_view(&b));
        if matches!((a.status, b.status), (404, 405) | (405, 404)) {
            va = va.replacen(&format!("status {}", a.status), "status 404|405", 1);
            vb = vb.replacen(&format!("status {}", b.status), "status 404|405", 1);
        }
        if va != vb {
            differences.push(format!(
                "{} {} {:?}\n    rocket: {va}\n    actix:  {vb}",
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

/// An admin body of 5,000 tenants (about 170 KB) replaces the set on both servers: Rocket reads
/// a `Vec<u8>` body only up to its `bytes` limit (8 KiB unless configured), and would answer 400.
#[test]
fn both_servers_take_5000_tenants() {
    let rocket = Server::start(env!("CARGO_BIN_EXE_conformance-rocket"));
    let actix = Server::start(env!("CARGO_BIN_EXE_conformance-actix"));
    let tenants: Vec<String> = (0..5000)
        .map(|i| format!("\"https://tenant{i}.example.re\""))
        .collect();
    let put = |body: String| {
        let mut r = Request::new("PUT", "/admin/tenants")
            .header("Origin", conformance::APP)
            .header("Content-Type", "application/json");
        r.body = body.into_bytes();
        r
    };
    let replace = put(format!("[{}]", tenants.join(",")));
    assert!(replace.body.len() > 150_000, "{}", replace.body.len());
    let last = Request::new("GET", "/tenant").header("Origin", "https://tenant4999.example.re");
    for (name, server) in [("rocket", &rocket), ("actix", &actix)] {
        let res = http::send(server.addr, &replace).unwrap();
        assert_eq!(
            (res.status, res.text().as_str()),
            (200, r#"{"origins":5000}"#),
            "{name}"
        );
        let res = http::send(server.addr, &last).unwrap();
        assert_eq!(
            res.get("access-control-allow-origin").as_deref(),
            Some("https://tenant4999.example.re"),
            "{name}"
        );
    }
}

/// `rocket_app::start`, which the demo uses to run both adapters in one process, serves the
/// application on the port it is given.
#[test]
fn start_serves_in_its_own_thread() {
    let port = cors_tests::server::free_port();
    let handle = rocket_app::start(port);
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
