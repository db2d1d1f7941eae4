//! The conformance table against the Actix adapter: in process through `actix_web::test`, and
//! against the `conformance-actix` binary over a real socket; then hostile `Origin` values over
//! the socket.
// Helpers outside `#[test]` functions may unwrap too (clippy.toml covers the tests themselves).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::rt::System;
use actix_web::test::{init_service, TestRequest};
use cors_tests::conformance::{
    hostile_origins, run_cases, run_hostile, run_scenarios, scenarios, Adapter,
    HOSTILE_REQUESTS_PER_ORIGIN,
};
use cors_tests::http::{self, Request, Response};
use cors_tests::server::Server;
use cors_tests::{actix_app, conformance};

fn invalid(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, e.to_string())
}

/// Builds the in-process request. Every case of the table is representable: header values are
/// passed as raw bytes, and a repeated name becomes repeated lines.
fn to_test_request(r: &Request) -> io::Result<TestRequest> {
    let method = Method::from_bytes(r.method.as_bytes()).map_err(invalid)?;
    let mut req = TestRequest::default().method(method).uri(&r.path);
    for (name, value) in &r.headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(invalid)?;
        let value = HeaderValue::from_bytes(value).map_err(invalid)?;
        req = req.append_header((name, value));
    }
    if !r.body.is_empty() {
        req = req.set_payload(r.body.clone());
    }
    Ok(req)
}

/// What the server would write for this result: an `Err` becomes the error's response, as
/// Actix's dispatcher does.
async fn to_response<B: MessageBody + 'static>(
    result: Result<ServiceResponse<B>, actix_web::Error>,
) -> io::Result<Response> {
    let res: actix_web::HttpResponse<BoxBody> = match result {
        Ok(res) => res.into_parts().1.map_into_boxed_body(),
        Err(e) => e.error_response(),
    };
    let status = res.status().as_u16();
    let headers = res
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_ascii_lowercase(), v.as_bytes().to_vec()))
        .collect();
    let body = actix_web::body::to_bytes(res.into_body())
        .await
        .map_err(|e| invalid(format!("{e:?}")))?;
    Ok(Response {
        status,
        headers,
        body: body.to_vec(),
    })
}

fn global() -> cors_actix::PolicyHandle {
    actix_app::global().expect("the global policy is valid")
}

#[test]
fn conformance_in_process() {
    let _state = conformance::exclusive();
    let system = System::new();
    let service = system.block_on(init_service(actix_app::app(global())));
    let ran = run_cases(Adapter::Actix, |r| {
        let req = to_test_request(r)?.to_request();
        system.block_on(async { to_response(service.call(req).await).await })
    });
    match ran {
        Ok(n) => assert_eq!(n, conformance::case_count(Adapter::Actix)),
        Err(failures) => panic!("{failures}"),
    }
}

#[test]
fn scenarios_in_process() {
    let _state = conformance::exclusive();
    let system = System::new();
    let service = system.block_on(init_service(actix_app::app(global())));
    let ran = run_scenarios(|r| {
        let req = to_test_request(r)?.to_request();
        system.block_on(async { to_response(service.call(req).await).await })
    });
    match ran {
        Ok(n) => assert_eq!(n, scenarios().iter().map(|s| s.steps.len()).sum::<usize>()),
        Err(failures) => panic!("{failures}"),
    }
    // The scenarios put the start state back themselves.
    assert_eq!(actix_app::TENANTS.entries(), conformance::TENANTS_AT_START);
}

#[test]
fn scenarios_over_a_socket() {
    let server = Server::start(env!("CARGO_BIN_EXE_conformance-actix"));
    match run_scenarios(|r| http::send(server.addr, r)) {
        Ok(n) => assert_eq!(n, scenarios().iter().map(|s| s.steps.len()).sum::<usize>()),
        Err(failures) => panic!("{failures}"),
    }
    // Back at the start, the whole table passes again on the same server.
    run_cases(Adapter::Actix, |r| http::send(server.addr, r)).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn conformance_over_a_socket() {
    let server = Server::start(env!("CARGO_BIN_EXE_conformance-actix"));
    match run_cases(Adapter::Actix, |r| http::send(server.addr, r)) {
        Ok(n) => assert_eq!(n, conformance::case_count(Adapter::Actix)),
        Err(failures) => panic!("{failures}"),
    }
}

#[test]
fn hostile_origins_over_a_socket() {
    let server = Server::start(env!("CARGO_BIN_EXE_conformance-actix"));
    let count =
        run_hostile(|_| false, |r| http::send(server.addr, r)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(count, hostile_origins().len() * HOSTILE_REQUESTS_PER_ORIGIN);
    conformance::still_serving(server.addr).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn hostile_origins_in_process() {
    let system = System::new();
    let service = system.block_on(init_service(actix_app::app(global())));
    run_hostile(
        |_| false,
        |r| {
            let req = to_test_request(r)?.to_request();
            system.block_on(async { to_response(service.call(req).await).await })
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn the_in_process_harness_sees_failures() {
    // A harness that reports every response as fine would make the tests above meaningless:
    // check that a wrong response fails the table.
    let wrong = Response {
        status: 200,
        headers: vec![("access-control-allow-origin".into(), b"*".to_vec())],
        body: Vec::new(),
    };
    let err = run_cases(Adapter::Actix, |_| Ok(wrong.clone())).unwrap_err();
    assert!(err.contains("private_get_app"), "{err}");
}

#[test]
fn a_taken_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_conformance-actix"))
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

#[test]
fn websocket_handshakes_over_a_socket() {
    use cors_tests::conformance::writes::{websocket, Handshake, HOST, SELF};
    let server = Server::start(env!("CARGO_BIN_EXE_conformance-actix"));
    // Cross-site: refused before the handler, with the one-line body.
    assert_eq!(
        websocket(server.addr, HOST, conformance::EVIL, "hello").unwrap(),
        Handshake::Refused(403, cors_shared::WRITE_REFUSED_BODY.to_owned())
    );
    // The trusted origin and the site itself: upgraded, and the socket echoes.
    assert_eq!(
        websocket(server.addr, HOST, conformance::APP, "hello").unwrap(),
        Handshake::Echoed("hello".to_owned())
    );
    assert_eq!(
        websocket(server.addr, HOST, SELF, "from the site").unwrap(),
        Handshake::Echoed("from the site".to_owned())
    );
}
