//! A refused preflight's log line names the request header exactly as the browser asked for it,
//! however long the name is beside the ones the policy allows.
// Helpers outside `#[test]` functions may unwrap too (clippy.toml covers the tests themselves).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cors_rocket::{cors, policy, Cors};
use cors_tests::capture::take_events;
use rocket::config::LogLevel;
use rocket::figment::Figment;
use rocket::http::{Header, Status};
use rocket::local::blocking::Client;
use rocket::{put, routes};

policy! {
    /// The default policy: no request header allowed.
    DEFAULT = { origins = ["https://app.example.re"], methods = [PUT] };
}

#[cors(origins = ["https://app.example.re"], methods = [PUT], headers = ["content-type"])]
#[put("/doc")]
fn doc() -> &'static str {
    "doc"
}

/// The log lines of one preflight for `path` asking for PUT with `requested` headers.
fn refusal_log(client: &Client, path: &str, requested: &str) -> Vec<String> {
    take_events();
    let res = client
        .options(path.to_owned())
        .header(Header::new("Origin", "https://app.example.re"))
        .header(Header::new("Access-Control-Request-Method", "PUT"))
        .header(Header::new(
            "Access-Control-Request-Headers",
            requested.to_owned(),
        ))
        .dispatch();
    assert_eq!(res.status(), Status::Forbidden);
    // Only the refusal: the line saying which policy answered the preflight is another test's.
    take_events()
        .into_iter()
        .filter(|line| line.contains("CORS refused"))
        .collect()
}

#[test]
fn a_refused_header_longer_than_every_allowed_one_is_logged_whole() {
    let figment =
        Figment::from(rocket::Config::debug_default()).merge(("log_level", LogLevel::Off));
    let client = Client::tracked(
        rocket::custom(figment)
            .mount("/", routes![doc])
            .attach(Cors::new(&DEFAULT)),
    )
    .unwrap();
    assert_eq!(
        refusal_log(&client, "/doc", "content-type, x-correlation-identifier"),
        [
            "DEBUG CORS refused, no Access-Control-Allow-Origin: request header \
             `x-correlation-identifier` is not allowed by the policy method=OPTIONS \
             path=\"/doc\" policy=\"route\""
        ]
    );
    assert_eq!(
        refusal_log(&client, "/elsewhere", "x-foo"),
        [
            "DEBUG CORS refused, no Access-Control-Allow-Origin: request header `x-foo` is not \
             allowed by the policy method=OPTIONS path=\"/elsewhere\" policy=\"default\""
        ]
    );
}
