//! CORS headers that a handler writes by hand (the origin echoed without an allowlist, a stray
//! `Access-Control-Allow-Credentials: true`) never reach the browser past a policy: on every
//! response a policy decides, its decision alone says who may read. The table is every
//! adapter's (`cors_tests::handwritten`). Its own test binary: the warning is logged once per
//! process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::convert::Infallible;

use axum::body::Body;
use axum::extract::Request;
use axum::http::HeaderMap;
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use cors_axum::{policy, Cors, CorsRouteExt, CorsRouterExt, PolicySpec};
use cors_tests::capture::{take_events, take_warnings};
use cors_tests::handwritten::{self, Seen, APP};
use tower::{Service, ServiceExt};

policy! {
    ROUTE = { origins = ["https://route.example.re"] };
}

async fn echoes_any_origin(headers: HeaderMap) -> Response {
    let origin = headers
        .get("origin")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("*");
    (AppendHeaders(handwritten::echoed(origin)), "echoed").into_response()
}

fn send<S>(app: S, origin: &str, path: &str) -> Response
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    let req = Request::get(path)
        .header("origin", origin)
        .body(Body::empty())
        .unwrap();
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(app.oneshot(req))
        .unwrap()
}

#[test]
fn cors_headers_a_handler_writes_are_replaced_by_the_policys_decision() {
    assert_eq!(
        ROUTE.exact_origins().flatten().collect::<Vec<_>>(),
        [handwritten::ROUTE_ORIGIN]
    );
    let [default, route] = handwritten::PATHS;
    let app = Router::new()
        .route(default, get(echoes_any_origin))
        .route(route, get(echoes_any_origin).cors(&ROUTE))
        .with_cors(Cors::new(PolicySpec::new().origin(APP).validate().unwrap()));
    take_events();
    handwritten::check_cases(|path, origin| {
        let res = send(app.clone(), origin, path);
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
        "a handler or a layer inside the CORS layer",
        "`get(handler).cors(&POLICY)`",
    );
}
