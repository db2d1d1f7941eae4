//! CORS headers that a handler writes by hand (the origin echoed without an allowlist, a stray
//! `Access-Control-Allow-Credentials: true`) never reach the browser past a policy: on every
//! response a policy decides, its decision alone says who may read. Its own test binary: the
//! warning is logged once per process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::convert::Infallible;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use cors_axum::{policy, Cors, CorsRouteExt, CorsRouterExt, PolicySpec};
use cors_tests::capture::take_events;
use tower::{Service, ServiceExt};

const APP: &str = "https://app.example.re";
const EVIL: &str = "https://evil.example";

policy! {
    ROUTE = { origins = ["https://route.example.re"] };
}

/// The classic mistake: echo whatever `Origin` came, with credentials, and expose a header.
async fn echoes_any_origin(headers: HeaderMap) -> Response {
    let origin = headers
        .get("origin")
        .cloned()
        .unwrap_or(HeaderValue::from_static("*"));
    (
        [
            ("access-control-allow-origin", origin),
            (
                "access-control-allow-credentials",
                HeaderValue::from_static("true"),
            ),
            (
                "access-control-expose-headers",
                HeaderValue::from_static("x-secret"),
            ),
        ],
        "echoed",
    )
        .into_response()
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

fn cors_headers(res: &Response) -> Vec<(String, String)> {
    res.headers()
        .iter()
        .filter(|(n, _)| n.as_str().starts_with("access-control-"))
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn cors_headers_a_handler_writes_are_replaced_by_the_policys_decision() {
    take_events();
    let app = Router::new()
        .route("/default", get(echoes_any_origin))
        .route("/route", get(echoes_any_origin).cors(&ROUTE))
        .with_cors(Cors::new(PolicySpec::new().origin(APP).validate().unwrap()));
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
        let res = send(app.clone(), origin, path);
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
        warnings[0].contains("a handler or a layer inside the CORS layer wrote access-control-")
            && warnings[0].contains("`get(handler).cors(&POLICY)`"),
        "{warnings:#?}"
    );
}
