//! With no `tracing` subscriber, the refusal events reach the `log` logger (`env_logger` and the
//! like), as `tracing`'s `log` feature forwards them. This file installs a process-wide `log`
//! logger and no subscriber, so it is a test binary of its own.
// Helpers outside `#[test]` functions may unwrap too (clippy.toml covers the tests themselves).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::{Mutex, Once};

use actix_web::dev::Service;
use actix_web::test as actix_test;
use actix_web::{get, web, App, HttpResponse};
use cors_actix::{cors, Cors, PolicySpec};

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// A `log` logger that keeps the records of `cors_actix` targets, as `env_logger` with
/// `RUST_LOG=cors_actix=debug` would print them.
struct Capture;

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target().starts_with("cors_actix") && metadata.level() <= log::Level::Debug
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let line = format!("{} {} {}", record.level(), record.target(), record.args());
            LINES.lock().unwrap().push(line);
        }
    }

    fn flush(&self) {}
}

fn capture() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        log::set_boxed_logger(Box::new(Capture)).unwrap();
        log::set_max_level(log::LevelFilter::Debug);
    });
}

#[cors(origins = ["https://app.example.re"])]
#[get("/doc")]
async fn doc() -> &'static str {
    "doc"
}

#[test]
fn refusals_reach_the_log_logger_without_a_tracing_subscriber() {
    capture();
    let system = actix_web::rt::System::new();
    let default = PolicySpec::new()
        .origin("https://app.example.re")
        .validate()
        .unwrap();
    let app = system.block_on(actix_test::init_service(
        App::new()
            .wrap(Cors::new(default))
            .service(doc)
            .route("/plain", web::get().to(HttpResponse::Ok)),
    ));
    for (method, path) in [("GET", "/doc"), ("GET", "/plain"), ("OPTIONS", "/plain")] {
        let req = actix_test::TestRequest::default()
            .method(method.parse().unwrap())
            .uri(path)
            .append_header(("origin", "https://evil.example"))
            .append_header(("access-control-request-method", "GET"))
            .to_request();
        let _ = system.block_on(app.call(req)).unwrap();
    }
    let lines = LINES.lock().unwrap().clone();
    let refusals: Vec<&String> = lines.iter().filter(|l| l.contains("refused")).collect();
    let expected =
        "DEBUG cors_actix::outcome CORS refused, no Access-Control-Allow-Origin: origin \
                    `https://evil.example` is not allowed by the policy";
    assert_eq!(refusals.len(), 3, "{lines:#?}");
    for line in refusals {
        assert!(line.starts_with(expected), "{line}\nin {lines:#?}");
    }
    // The fields come along, as `tracing` writes them into the record.
    assert!(
        lines
            .iter()
            .any(|l| l.contains("method=GET path=/plain policy=\"default\"")),
        "{lines:#?}"
    );
}
