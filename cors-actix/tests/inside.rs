//! CORS headers that a handler writes by hand (the origin echoed without an allowlist, a stray
//! `Access-Control-Allow-Credentials: true`) never reach the browser past a policy: on every
//! response a policy decides, its decision alone says who may read. Its own test binary: the
//! warning is logged once per process.
// Helpers outside `#[test]` functions may unwrap too (clippy.toml covers the tests themselves).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use actix_web::dev::{Service, ServiceResponse};
use actix_web::test as actix_test;
use actix_web::{get, App, HttpRequest, HttpResponse};
use cors_actix::{cors, Cors, PolicySpec};
use cors_tests::capture::take_events;

const APP: &str = "https://app.example.re";
const EVIL: &str = "https://evil.example";

/// The classic mistake: echo whatever `Origin` came, with credentials, and expose a header.
fn echo(req: &HttpRequest) -> HttpResponse {
    let origin = req
        .headers()
        .get("origin")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("*")
        .to_owned();
    HttpResponse::Ok()
        .insert_header(("access-control-allow-origin", origin))
        .insert_header(("access-control-allow-credentials", "true"))
        .insert_header(("access-control-expose-headers", "x-secret"))
        .body("echoed")
}

#[get("/default")]
async fn by_default(req: HttpRequest) -> HttpResponse {
    echo(&req)
}

#[cors(origins = ["https://route.example.re"])]
#[get("/route")]
async fn by_route(req: HttpRequest) -> HttpResponse {
    echo(&req)
}

fn cors_headers<B>(res: &ServiceResponse<B>) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = res
        .headers()
        .iter()
        .filter(|(n, _)| n.as_str().starts_with("access-control-"))
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    found.sort();
    found
}

#[test]
fn cors_headers_a_handler_writes_are_replaced_by_the_policys_decision() {
    take_events();
    let system = actix_web::rt::System::new();
    let default = PolicySpec::new().origin(APP).validate().unwrap();
    let app = system.block_on(actix_test::init_service(
        App::new()
            .wrap(Cors::new(default))
            .service(by_default)
            .service(by_route),
    ));
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
        let req = actix_test::TestRequest::get()
            .uri(path)
            .insert_header(("origin", origin))
            .to_request();
        let res = system.block_on(app.call(req)).unwrap();
        assert_eq!(res.status(), 200, "{path} from {origin}");
        assert_eq!(cors_headers(&res), expected, "{path} from {origin}");
        assert_eq!(
            res.headers().get("vary").unwrap(),
            "Origin",
            "{path} from {origin}"
        );
    }
    let warnings: Vec<String> = take_events()
        .into_iter()
        .filter(|e| e.starts_with("WARN"))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0]
            .contains("a handler or a middleware inside the CORS middleware wrote access-control-")
            && warnings[0].contains("`#[cors(...)]` on its handler"),
        "{warnings:#?}"
    );
}
