//! CORS headers that a handler writes by hand (the origin echoed without an allowlist, a stray
//! `Access-Control-Allow-Credentials: true`) never reach the browser past a policy: on every
//! response a policy decides, its decision alone says who may read. Its own test binary: the
//! warning is logged once per process.
// Helpers outside `#[test]` functions may unwrap too (clippy.toml covers the tests themselves).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cors_rocket::{cors, Cors, PolicySpec};
use cors_tests::capture::take_events;
use rocket::config::LogLevel;
use rocket::figment::Figment;
use rocket::http::{Header, Status};
use rocket::local::blocking::{Client, LocalResponse};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::{self, Responder, Response};
use rocket::{get, routes};

const APP: &str = "https://app.example.re";
const EVIL: &str = "https://evil.example";

/// The request's `Origin`, as a handler that echoes it reads it.
struct Origin(String);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Origin {
    type Error = ();

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ()> {
        Outcome::Success(Origin(
            request
                .headers()
                .get_one("origin")
                .unwrap_or("*")
                .to_owned(),
        ))
    }
}

/// The classic mistake: echo whatever `Origin` came, with credentials, and expose a header.
struct Echo(String);

impl<'r> Responder<'r, 'static> for Echo {
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'static> {
        Response::build_from("echoed".respond_to(request)?)
            .raw_header("Access-Control-Allow-Origin", self.0)
            .raw_header("Access-Control-Allow-Credentials", "true")
            .raw_header("Access-Control-Expose-Headers", "x-secret")
            .ok()
    }
}

#[get("/default")]
fn by_default(origin: Origin) -> Echo {
    Echo(origin.0)
}

#[cors(origins = ["https://route.example.re"])]
#[get("/route")]
fn by_route(origin: Origin) -> Echo {
    Echo(origin.0)
}

fn cors_headers(res: &LocalResponse<'_>) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = res
        .headers()
        .iter()
        .filter(|h| {
            h.name
                .as_str()
                .to_ascii_lowercase()
                .starts_with("access-control-")
        })
        .map(|h| (h.name.as_str().to_ascii_lowercase(), h.value.to_string()))
        .collect();
    found.sort();
    found
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
    let allowed =
        |origin: &str| vec![("access-control-allow-origin".to_owned(), origin.to_owned())];
    for (path, origin, expected) in [
        // Refused: nothing of the handler's echo is left.
        ("/default", EVIL, vec![]),
        ("/route", EVIL, vec![]),
        ("/route", APP, vec![]),
        // Allowed: the policy's value, without the credentials and the exposed header the
        // policy does not give.
        ("/default", APP, allowed(APP)),
        (
            "/route",
            "https://route.example.re",
            allowed("https://route.example.re"),
        ),
    ] {
        let res = client
            .get(path)
            .header(Header::new("origin", origin))
            .dispatch();
        assert_eq!(res.status(), Status::Ok, "{path} from {origin}");
        assert_eq!(cors_headers(&res), expected, "{path} from {origin}");
        assert_eq!(
            res.headers().get("vary").collect::<Vec<_>>(),
            ["Origin"],
            "{path} from {origin}"
        );
    }
    let warnings: Vec<String> = take_events()
        .into_iter()
        .filter(|e| e.starts_with("WARN"))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0].contains(
            "a handler or a fairing that ran before the CORS fairing wrote access-control-"
        ) && warnings[0].contains("`#[cors(...)]` on its handler"),
        "{warnings:#?}"
    );
}
