//! CORS headers that a handler writes by hand (the origin echoed without an allowlist, a stray
//! `Access-Control-Allow-Credentials: true`) never reach the browser past a policy: on every
//! response a policy decides, its decision alone says who may read. The table is every
//! adapter's (`cors_tests::handwritten`). Its own test binary: the warning is logged once per
//! process.
// Helpers outside `#[test]` functions may unwrap too (clippy.toml covers the tests themselves).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cors_rocket::{cors, Cors, PolicySpec};
use cors_tests::capture::{take_events, take_warnings};
use cors_tests::handwritten::{self, Seen, APP};
use rocket::config::LogLevel;
use rocket::figment::Figment;
use rocket::http::Header;
use rocket::local::blocking::Client;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::{self, Responder, Response};
use rocket::{get, routes};

/// What a handler that echoes the request's `Origin` writes by hand.
struct Echo(String);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Echo {
    type Error = ();

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ()> {
        Outcome::Success(Echo(
            request
                .headers()
                .get_one("origin")
                .unwrap_or("*")
                .to_owned(),
        ))
    }
}

impl<'r> Responder<'r, 'static> for Echo {
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'static> {
        let mut res = Response::build_from("echoed".respond_to(request)?);
        for (name, value) in handwritten::echoed(&self.0) {
            res.raw_header(name, value);
        }
        res.ok()
    }
}

#[get("/default")]
fn by_default(echo: Echo) -> Echo {
    echo
}

#[cors(origins = ["https://route.example.re"])]
#[get("/route")]
fn by_route(echo: Echo) -> Echo {
    echo
}

#[test]
fn cors_headers_a_handler_writes_are_replaced_by_the_policys_decision() {
    let figment =
        Figment::from(rocket::Config::debug_default()).merge(("log_level", LogLevel::Off));
    let default = PolicySpec::new().origin(APP).validate().unwrap();
    let client = Client::tracked(
        rocket::custom(figment)
            .attach(Cors::new(default))
            .mount("/", routes![by_default, by_route]),
    )
    .unwrap();
    take_events();
    handwritten::check_cases(|path, origin| {
        let res = client
            .get(path)
            .header(Header::new("origin", origin.to_owned()))
            .dispatch();
        Seen {
            status: res.status().code,
            headers: res
                .headers()
                .iter()
                .map(|h| (h.name.to_string(), h.value.to_string()))
                .collect(),
        }
    });
    handwritten::assert_warned_once(
        &take_warnings(),
        "a handler or a fairing that ran before the CORS fairing",
        "`#[cors(...)]` on its handler",
    );
}
