//! CORS headers that a handler writes by hand (the origin echoed without an allowlist, a stray
//! `Access-Control-Allow-Credentials: true`) never reach the browser past a policy: on every
//! response a policy decides, its decision alone says who may read. The table is every
//! adapter's (`cors_tests::handwritten`). Its own test binary: the warning is logged once per
//! process.
// Helpers outside `#[test]` functions may unwrap too (clippy.toml covers the tests themselves).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use actix_web::dev::Service;
use actix_web::test as actix_test;
use actix_web::{get, App, HttpRequest, HttpResponse};
use cors_actix::{cors, Cors, PolicySpec};
use cors_tests::capture::{take_events, take_warnings};
use cors_tests::handwritten::{self, Seen, APP};

fn echo(req: &HttpRequest) -> HttpResponse {
    let origin = req
        .headers()
        .get("origin")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("*");
    let mut res = HttpResponse::Ok();
    for header in handwritten::echoed(origin) {
        res.insert_header(header);
    }
    res.body("echoed")
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

#[test]
fn cors_headers_a_handler_writes_are_replaced_by_the_policys_decision() {
    let system = actix_web::rt::System::new();
    let default = PolicySpec::new().origin(APP).validate().unwrap();
    let app = system.block_on(actix_test::init_service(
        App::new()
            .wrap(Cors::new(default))
            .service(by_default)
            .service(by_route),
    ));
    take_events();
    handwritten::check_cases(|path, origin| {
        let req = actix_test::TestRequest::get()
            .uri(path)
            .insert_header(("origin", origin))
            .to_request();
        let res = system.block_on(app.call(req)).unwrap();
        let headers = res.headers().iter();
        Seen {
            status: res.status().as_u16(),
            headers: headers
                .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
                .collect(),
        }
    });
    handwritten::assert_warned_once(
        &take_warnings(),
        "a handler or a middleware inside the CORS middleware",
        "`#[cors(...)]` on its handler",
    );
}
