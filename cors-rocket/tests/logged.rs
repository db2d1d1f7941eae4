//! What the fairing writes to Rocket's log: the problems that make launch fail, the warning
//! about `#[cors]` routes mounted after it ran, and, with no `tracing` subscriber, the refusals
//! and preflight answers at debug level. This file installs its own `log` logger (Rocket then
//! keeps it) and no `tracing` subscriber, so it is a test binary of its own.
// Helpers outside `#[test]` functions may unwrap too (clippy.toml covers the tests themselves).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::{Mutex, MutexGuard, Once, PoisonError};

use cors_rocket::{cors, policy, Cors};
use rocket::config::LogLevel;
use rocket::fairing::AdHoc;
use rocket::figment::providers::{Format, Toml};
use rocket::figment::Figment;
use rocket::local::blocking::Client;
use rocket::{get, routes};

policy! {
    /// The default policy of these tests.
    DEFAULT = { origins = ["https://app.example.re"] };
}

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        if record.target().starts_with("cors_rocket") {
            let line = format!("{} {}", record.level(), record.args());
            LINES
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(line);
        }
    }

    fn flush(&self) {}
}

/// Installs the capturing logger once, before Rocket installs its own, and starts a test: the
/// tests of this file take turns (the logger is the process's), each with an empty capture, so
/// that one test's lines never interleave with another's. Hold the guard for the whole test.
fn capture() -> MutexGuard<'static, ()> {
    static INSTALL: Once = Once::new();
    static TURN: Mutex<()> = Mutex::new(());
    INSTALL.call_once(|| {
        log::set_boxed_logger(Box::new(Capture)).unwrap();
        log::set_max_level(log::LevelFilter::Debug);
    });
    let turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
    LINES.lock().unwrap_or_else(PoisonError::into_inner).clear();
    turn
}

fn logged(containing: &str) -> Vec<String> {
    LINES
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .filter(|l| l.contains(containing))
        .cloned()
        .collect()
}

fn base() -> Figment {
    Figment::from(rocket::Config::debug_default()).merge(("log_level", LogLevel::Off))
}

#[cors(origins = ["https://late.example.re"])]
#[get("/late")]
fn late() -> &'static str {
    "late"
}

#[test]
fn a_cors_route_mounted_after_the_fairing_is_named_at_liftoff() {
    let _turn = capture();
    let client = Client::tracked(rocket::custom(base()).attach(Cors::new(&DEFAULT)).attach(
        AdHoc::on_ignite("mounts late", |rocket| async {
            rocket.mount("/", routes![late])
        }),
    ))
    .unwrap();
    assert_eq!(
        logged("/late"),
        [
            "WARN the #[cors] route GET /late was mounted after the CORS fairing ran, so it gets \
          the default policy: attach `Cors` after the fairing that mounts it"
        ]
    );
    drop(client);
}

#[test]
fn launch_problems_are_logged_one_line_each() {
    let _turn = capture();
    let figment = base()
        .merge(Toml::string("[default.cors]\norigins = [\"https://logged.example.re/\"]").nested());
    let rocket = rocket::custom(figment).attach(Cors::from_config());
    let Err(error) = rocket::execute(rocket.ignite()) else {
        panic!("launch succeeded");
    };
    assert!(matches!(
        error.kind(),
        rocket::error::ErrorKind::FailedFairings(_)
    ));
    let lines = logged("");
    let start = lines
        .iter()
        .position(|l| l == "ERROR CORS cannot launch (1 problem):")
        .unwrap_or_else(|| panic!("{lines:#?}"));
    let rest = &lines[start + 1..];
    assert!(
        rest[0].starts_with("ERROR - the CORS policy of the `cors` configuration: invalid CORS"),
        "{rest:#?}"
    );
    assert!(
        rest.iter()
            .any(|l| l.contains("origin `https://logged.example.re/` has a trailing slash")),
        "{rest:#?}"
    );
}

#[get("/quiet")]
fn quiet() -> &'static str {
    "quiet"
}

#[test]
fn refusals_and_preflight_answers_reach_the_log_logger_without_a_tracing_subscriber() {
    let _turn = capture();
    let client = Client::tracked(
        rocket::custom(base())
            .mount("/", routes![quiet])
            .attach(Cors::new(&DEFAULT)),
    )
    .unwrap();
    client
        .options("/quiet")
        .header(rocket::http::Header::new("Origin", "https://evil.example"))
        .header(rocket::http::Header::new(
            "Access-Control-Request-Method",
            "GET",
        ))
        .dispatch();
    let lines = logged("/quiet");
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(
        lines[0].starts_with(
            "DEBUG CORS refused, no Access-Control-Allow-Origin: origin `https://evil.example` \
             is not allowed by the policy"
        ),
        "{lines:#?}"
    );
    assert!(
        lines[1].starts_with(
            "DEBUG CORS preflight answered by the default policy: the route that handles GET \
             here, `quiet`, has no #[cors]"
        ),
        "{lines:#?}"
    );
}

#[cors(origins = ["https://forgotten.example.re"])]
#[get("/forgotten")]
fn forgotten() -> &'static str {
    "forgotten"
}

#[test]
fn cors_routes_without_the_fairing_are_named_as_launch_fails() {
    let _turn = capture();
    let rocket = rocket::custom(base()).mount("/api", routes![forgotten, quiet]);
    let Err(error) = rocket::execute(rocket.ignite()) else {
        panic!("launch succeeded");
    };
    assert!(matches!(
        error.kind(),
        rocket::error::ErrorKind::SentinelAborts(_)
    ));
    assert_eq!(
        logged("/api/forgotten"),
        [
            "ERROR the #[cors] route GET /api/forgotten is mounted, but no CORS fairing is \
             attached, so no policy would be applied and preflights would get 404: add \
             `.attach(Cors::from_config())` (or `Cors::new(policy)`) to this Rocket, after every \
             fairing that mounts routes"
        ]
    );
}
