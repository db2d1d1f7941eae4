//! What actix-cors users write carries over: the builder takes actix-web's own header names and
//! methods, as `Cors::default().allowed_headers(...)` did.
// Helpers outside `#[test]` functions may unwrap too (clippy.toml covers the tests themselves).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use actix_web::dev::Service;
use actix_web::http::{header, Method};
use actix_web::test as actix_test;
use actix_web::{web, App, HttpResponse};
use cors_actix::{Cors, PolicySpec};

#[test]
fn header_names_and_methods_of_actix_web_build_a_policy() {
    let policy = PolicySpec::new()
        .origin("https://app.example.re")
        .credentials(true)
        .methods([Method::PUT, Method::DELETE])
        .headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .expose([header::ETAG])
        .validate()
        .unwrap();
    let system = actix_web::rt::System::new();
    let app = system.block_on(actix_test::init_service(
        App::new()
            .wrap(Cors::new(policy))
            .route("/doc", web::put().to(HttpResponse::Ok)),
    ));
    let req = actix_test::TestRequest::default()
        .method(Method::OPTIONS)
        .uri("/doc")
        .insert_header((header::ORIGIN, "https://app.example.re"))
        .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, "DELETE"))
        .insert_header((
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            "authorization,content-type",
        ))
        .to_request();
    let res = system.block_on(app.call(req)).unwrap();
    assert_eq!(res.status(), 204);
    let get = |name| res.headers().get(name).unwrap().to_str().unwrap();
    assert_eq!(get(header::ACCESS_CONTROL_ALLOW_METHODS), "DELETE");
    assert_eq!(
        get(header::ACCESS_CONTROL_ALLOW_HEADERS),
        "authorization,content-type"
    );
    assert_eq!(get(header::ACCESS_CONTROL_ALLOW_CREDENTIALS), "true");
}
