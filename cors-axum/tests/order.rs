//! How the layers are put together: the default layer covers everything inside it, route
//! policies answer their preflights, and each ordering mistake is refused at build or reported
//! on the first request.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::extract::{Path, Request};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any_service, get};
use axum::Router;
use cors_axum::{policy, Cors, CorsRouteExt, CorsRouterExt, CorsService, PolicySpec};
use cors_tests::capture::take_events;
use tower::{Service, ServiceExt};
use tower_layer::Layer;

const APP: &str = "https://app.example.re";
const EVIL: &str = "https://evil.example";

policy! {
    ROUTE = { origins = ["https://route.example.re"], methods = [PUT], max_age = 60 };
}

fn default_cors() -> Cors {
    Cors::new(PolicySpec::new().origin(APP).validate().unwrap())
}

fn request(method: Method, path: &str, headers: &[(&str, &str)]) -> Request {
    let mut req = Request::builder().method(method).uri(path);
    for (n, v) in headers {
        req = req.header(*n, *v);
    }
    req.body(Body::empty()).unwrap()
}

fn preflight(path: &str, origin: &str, method: &str) -> Request {
    request(
        Method::OPTIONS,
        path,
        &[
            ("origin", origin),
            ("access-control-request-method", method),
        ],
    )
}

fn send<S>(app: S, req: Request) -> Response
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(app.oneshot(req))
        .unwrap()
}

fn header(res: &Response, name: &str) -> Option<String> {
    let mut all = res.headers().get_all(name).iter();
    let first = all.next().map(|v| v.to_str().unwrap().to_owned());
    assert!(all.next().is_none(), "{name} is written once");
    first
}

/// An authentication layer that answers 401 to anything without `authorization`.
async fn auth(req: Request, next: Next) -> Response {
    if req.headers().contains_key("authorization") {
        next.run(req).await
    } else {
        StatusCode::UNAUTHORIZED.into_response()
    }
}

#[test]
fn layering_cors_inside_the_router_fails_at_build_with_the_fix() {
    let built = std::panic::catch_unwind(|| {
        Router::<()>::new()
            .route("/plain", get(|| async { "plain" }))
            .layer(default_cors())
    });
    let payload = built.err().unwrap();
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap();
    assert!(message.contains("`Router::layer`"), "{message}");
    assert!(message.contains("`router.with_cors(cors)`"), "{message}");
    let built = std::panic::catch_unwind(|| {
        Router::<()>::new()
            .route("/plain", get(|| async { "plain" }))
            .route_layer(default_cors())
    });
    assert!(built.is_err());
    let built = std::panic::catch_unwind(|| {
        get::<_, _, ()>(|| async { "plain" }).layer::<_, Infallible>(default_cors())
    });
    assert!(built.is_err());
}

#[test]
fn the_default_layer_covers_404_405_rejections_errors_and_inner_layers() {
    let app = || {
        Router::new()
            .route("/plain", get(|| async { "plain" }))
            .route(
                "/number/{n}",
                get(|Path(n): Path<u32>| async move { n.to_string() }),
            )
            .route(
                "/fail",
                get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "failed") }),
            )
            .route(
                "/private",
                get(|| async { "private" }).route_layer(middleware::from_fn(auth)),
            )
            .with_cors(default_cors())
    };
    for (method, path, status) in [
        (Method::GET, "/plain", 200),
        (Method::GET, "/nowhere", 404),
        (Method::POST, "/plain", 405),
        (Method::GET, "/number/x", 400),
        (Method::GET, "/fail", 500),
        (Method::GET, "/private", 401),
    ] {
        let res = send(app(), request(method.clone(), path, &[("origin", APP)]));
        assert_eq!(res.status(), status, "{method} {path}");
        assert_eq!(
            header(&res, "access-control-allow-origin").as_deref(),
            Some(APP),
            "{path}"
        );
        assert_eq!(header(&res, "vary").as_deref(), Some("Origin"), "{path}");
        let res = send(app(), request(method, path, &[("origin", EVIL)]));
        assert_eq!(res.status(), status);
        assert_eq!(header(&res, "access-control-allow-origin"), None);
        assert_eq!(header(&res, "vary").as_deref(), Some("Origin"));
    }
}

#[test]
fn a_route_policy_answers_its_preflight_without_options_route_or_handler() {
    let ran = AtomicUsize::new(0);
    let ran = &*Box::leak(Box::new(ran));
    let app = || {
        Router::new()
            .route(
                "/route",
                get(|| async { "get" })
                    .put(move || async move {
                        ran.fetch_add(1, Ordering::Relaxed);
                        "put"
                    })
                    .cors(&ROUTE),
            )
            .route("/plain", get(|| async { "plain" }))
            .with_cors(default_cors())
    };
    let res = send(
        app(),
        preflight("/route", "https://route.example.re", "PUT"),
    );
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        header(&res, "access-control-allow-origin").as_deref(),
        Some("https://route.example.re")
    );
    assert_eq!(
        header(&res, "access-control-allow-methods").as_deref(),
        Some("PUT")
    );
    assert_eq!(
        header(&res, "access-control-max-age").as_deref(),
        Some("60")
    );
    // The default policy's origin is not the route's.
    let res = send(app(), preflight("/route", APP, "PUT"));
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(header(&res, "access-control-allow-origin"), None);
    // A path without a policy of its own: the default policy answers.
    let res = send(app(), preflight("/plain", APP, "GET"));
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        header(&res, "access-control-allow-origin").as_deref(),
        Some(APP)
    );
    // The route's actual responses, and its 405, carry the route's policy, not the default.
    for method in [Method::GET, Method::DELETE] {
        let res = send(app(), request(method, "/route", &[("origin", APP)]));
        assert_eq!(header(&res, "access-control-allow-origin"), None);
        let res = send(
            app(),
            request(
                Method::GET,
                "/route",
                &[("origin", "https://route.example.re")],
            ),
        );
        assert_eq!(
            header(&res, "access-control-allow-origin").as_deref(),
            Some("https://route.example.re")
        );
    }
    assert_eq!(
        ran.load(Ordering::Relaxed),
        0,
        "no preflight ran the handler"
    );
}

#[test]
fn options_without_request_method_goes_to_the_application() {
    let ran = &*Box::leak(Box::new(AtomicUsize::new(0)));
    let app = Router::new()
        .route(
            "/route",
            get(|| async { "get" })
                .options(move || async move {
                    ran.fetch_add(1, Ordering::Relaxed);
                    (StatusCode::OK, [("allow", "GET, OPTIONS")], "options")
                })
                .cors(&ROUTE),
        )
        .with_cors(default_cors());
    let res = send(
        app.clone(),
        request(Method::OPTIONS, "/route", &[("origin", APP)]),
    );
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "allow").as_deref(), Some("GET, OPTIONS"));
    assert_eq!(ran.load(Ordering::Relaxed), 1);
    // A preflight to the same route never reaches the OPTIONS handler.
    let res = send(app, preflight("/route", "https://route.example.re", "PUT"));
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_ne!(header(&res, "allow").as_deref(), Some("GET, OPTIONS"));
    assert_eq!(ran.load(Ordering::Relaxed), 1);
}

#[test]
fn an_existing_vary_is_merged_into_one_line() {
    let app = Router::new()
        .route(
            "/plain",
            get(|| async {
                let mut headers = HeaderMap::new();
                headers.append("vary", "Accept-Encoding".parse().unwrap());
                headers.append("vary", "accept-language".parse().unwrap());
                (headers, "plain")
            }),
        )
        .with_cors(default_cors());
    let res = send(app, request(Method::GET, "/plain", &[("origin", APP)]));
    assert_eq!(
        header(&res, "vary").as_deref(),
        Some("Accept-Encoding, accept-language, Origin")
    );
}

#[test]
fn an_auth_layer_answering_a_preflight_is_reported_and_the_fix_works() {
    take_events();
    let wrong = Router::new()
        .route("/route", get(|| async { "get" }).cors(&ROUTE))
        .layer(middleware::from_fn(auth))
        .with_cors(default_cors());
    let res = send(wrong.clone(), preflight("/route", APP, "GET"));
    // The default policy answered instead of the 401.
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = send(wrong, preflight("/route", APP, "GET"));
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let warnings: Vec<String> = take_events()
        .into_iter()
        .filter(|e| e.starts_with("WARN"))
        .collect();
    assert_eq!(warnings.len(), 1, "once per layer: {warnings:#?}");
    assert!(
        warnings[0].contains("a CORS preflight to /route was answered with 401 Unauthorized")
            && warnings[0].contains("`get(handler).layer(auth).cors(POLICY)`"),
        "{warnings:#?}"
    );
    // The fix: the route's other layers inside its policy.
    let fixed = Router::new()
        .route(
            "/route",
            get(|| async { "get" })
                .layer(middleware::from_fn(auth))
                .cors(&ROUTE),
        )
        .with_cors(default_cors());
    let res = send(
        fixed,
        preflight("/route", "https://route.example.re", "GET"),
    );
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        header(&res, "access-control-allow-origin").as_deref(),
        Some("https://route.example.re")
    );
    assert!(take_events().iter().all(|e| !e.starts_with("WARN")));
}

#[test]
fn a_route_policy_without_default_layer_is_reported_once() {
    take_events();
    let alone = Router::new().route("/route", get(|| async { "get" }).cors(&ROUTE));
    for _ in 0..2 {
        let res = send(
            alone.clone(),
            request(
                Method::GET,
                "/route",
                &[("origin", "https://route.example.re")],
            ),
        );
        // The route's own policy still applies.
        assert_eq!(
            header(&res, "access-control-allow-origin").as_deref(),
            Some("https://route.example.re")
        );
    }
    let warnings: Vec<String> = take_events()
        .into_iter()
        .filter(|e| e.starts_with("WARN"))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0]
            .contains("the CORS route policy of /route has no default layer around its Router")
            && warnings[0].contains("`router.with_cors(cors)`"),
        "{warnings:#?}"
    );
}

#[test]
fn two_route_policies_on_one_route_are_reported() {
    policy! {
        OTHER = { origins = ["https://other.example.re"] };
    }
    take_events();
    let app = Router::new()
        .route("/route", get(|| async { "get" }).cors(&ROUTE).cors(&OTHER))
        .with_cors(default_cors());
    let res = send(
        app,
        request(
            Method::GET,
            "/route",
            &[("origin", "https://other.example.re")],
        ),
    );
    assert_eq!(
        header(&res, "access-control-allow-origin").as_deref(),
        Some("https://other.example.re"),
        "the outer policy decides"
    );
    let warnings: Vec<String> = take_events()
        .into_iter()
        .filter(|e| e.starts_with("WARN"))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0].contains("two CORS route policies apply to /route"),
        "{warnings:#?}"
    );
}

#[test]
fn refusals_are_logged_at_debug_with_method_path_and_policy() {
    take_events();
    let app = Router::new()
        .route("/route", get(|| async { "get" }).cors(&ROUTE))
        .route("/plain", get(|| async { "plain" }))
        .with_cors(default_cors());
    send(
        app.clone(),
        request(Method::GET, "/plain", &[("origin", EVIL)]),
    );
    send(app, request(Method::GET, "/route", &[("origin", EVIL)]));
    let events = take_events();
    assert_eq!(
        events,
        [
            "DEBUG CORS refused, no Access-Control-Allow-Origin: origin `https://evil.example` \
             is not allowed by the policy method=GET path=/plain policy=\"default\"",
            "DEBUG CORS refused, no Access-Control-Allow-Origin: origin `https://evil.example` \
             is not allowed by the policy method=GET path=/route policy=\"route\"",
        ]
    );
}

/// A plain tower service, as tonic or hyper users have: the layer answers preflights without
/// calling it, and decorates everything else.
#[test]
fn any_tower_service_gets_the_default_policy() {
    let calls = &*Box::leak(Box::new(AtomicUsize::new(0)));
    let service = tower::service_fn(move |_req: Request| async move {
        calls.fetch_add(1, Ordering::Relaxed);
        Ok::<_, Infallible>(Response::new(Body::from("inner")))
    });
    let service = default_cors().layer(service);
    let res = send(service.clone(), preflight("/any", APP, "GET"));
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(calls.load(Ordering::Relaxed), 0);
    let res = send(service, request(Method::POST, "/any", &[("origin", APP)]));
    assert_eq!(calls.load(Ordering::Relaxed), 1);
    assert_eq!(
        header(&res, "access-control-allow-origin").as_deref(),
        Some(APP)
    );
}

/// A counter that lives as long as the test process, for handlers that must not run.
fn counter() -> &'static AtomicUsize {
    Box::leak(Box::new(AtomicUsize::new(0)))
}

#[test]
fn an_options_handler_on_a_route_without_policy_never_runs_for_a_preflight() {
    let ran = counter();
    let app = Router::new()
        .route("/route", get(|| async { "get" }).cors(&ROUTE))
        .route(
            "/plain",
            get(|| async { "plain" }).options(move || async move {
                ran.fetch_add(1, Ordering::Relaxed);
                (StatusCode::OK, [("allow", "GET, OPTIONS")])
            }),
        )
        .with_cors(default_cors());
    let res = send(app.clone(), preflight("/plain", APP, "GET"));
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        header(&res, "access-control-allow-origin").as_deref(),
        Some(APP)
    );
    assert_eq!(ran.load(Ordering::Relaxed), 0, "the handler ran");
    // An OPTIONS that is not a preflight is the application's.
    let res = send(app, request(Method::OPTIONS, "/plain", &[("origin", APP)]));
    assert_eq!(header(&res, "allow").as_deref(), Some("GET, OPTIONS"));
    assert_eq!(ran.load(Ordering::Relaxed), 1);
}

/// An application with a route policy, and one without, built interleaved on one thread: each
/// behaves as it would alone.
#[test]
fn applications_built_interleaved_on_one_thread_behave_as_alone() {
    let with_route = || Router::new().route("/route", get(|| async { "get" }).cors(&ROUTE));
    let without = || Router::new().route("/plain", get(|| async { "plain" }));
    let check = |with_route: CorsService<Router>, without: CorsService<Router>| {
        let res = send(
            with_route,
            preflight("/route", "https://route.example.re", "PUT"),
        );
        assert_eq!(
            res.status(),
            StatusCode::NO_CONTENT,
            "the route policy answers"
        );
        assert_eq!(
            header(&res, "access-control-allow-origin").as_deref(),
            Some("https://route.example.re")
        );
        let res = send(without, preflight("/plain", APP, "GET"));
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            header(&res, "access-control-allow-origin").as_deref(),
            Some(APP)
        );
    };
    // The routes of one, then the other whole, then the first's default layer.
    let first = with_route();
    let second = without().with_cors(default_cors());
    check(first.with_cors(default_cors()), second);
    // Both routers, then the default layers in the other order.
    let first = with_route();
    let second = without();
    let second = second.with_cors(default_cors());
    check(first.with_cors(default_cors()), second);
    // The routes built on one thread, the default layer applied on another.
    let first = std::thread::spawn(with_route).join().unwrap();
    check(
        first.with_cors(default_cors()),
        without().with_cors(default_cors()),
    );
}

/// `any(handler)` takes every method, the forwarded preflight's too: without a policy of its
/// own, its answer is replaced by the default policy's and reported; with one, the handler
/// never runs.
#[test]
fn a_route_taking_every_method_gets_the_default_answer_or_its_own_policy() {
    take_events();
    let ran = counter();
    let handler = move |req: Request| async move {
        ran.fetch_add(1, Ordering::Relaxed);
        req.method().to_string()
    };
    let app = Router::new()
        .route("/any", axum::routing::any(handler))
        .route("/own", axum::routing::any(handler).cors(&ROUTE))
        .with_cors(default_cors());
    let res = send(app.clone(), preflight("/any", APP, "GET"));
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        header(&res, "access-control-allow-origin").as_deref(),
        Some(APP)
    );
    assert_eq!(ran.load(Ordering::Relaxed), 1);
    let warnings: Vec<String> = take_events()
        .into_iter()
        .filter(|e| e.starts_with("WARN"))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0].contains("a CORS preflight to /any was answered with 200 OK")
            && warnings[0].contains("`any(handler).cors(POLICY)`"),
        "{warnings:#?}"
    );
    let res = send(app, preflight("/own", "https://route.example.re", "PUT"));
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        header(&res, "access-control-allow-origin").as_deref(),
        Some("https://route.example.re")
    );
    assert_eq!(ran.load(Ordering::Relaxed), 1, "the handler ran");
}

/// An application with its own default policy nested in another: its policy is that of its
/// part, as a route policy is of its route.
#[test]
fn a_nested_application_answers_with_its_own_default_policy() {
    const INNER: &str = "https://inner.example.re";
    let inner = Router::new()
        .route("/plain", get(|| async { "inner" }))
        .route("/route", get(|| async { "route" }).cors(&ROUTE))
        .with_cors(Cors::new(
            PolicySpec::new().origin(INNER).validate().unwrap(),
        ));
    let app = Router::new()
        .route("/plain", get(|| async { "outer" }))
        .nest_service("/inner", inner)
        .with_cors(default_cors());
    for (path, origin, allowed) in [
        ("/inner/plain", INNER, true),
        ("/inner/plain", APP, false),
        ("/inner/route", "https://route.example.re", true),
        ("/plain", APP, true),
    ] {
        let res = send(app.clone(), preflight(path, origin, "GET"));
        let status = if allowed { 204 } else { 403 };
        assert_eq!(res.status(), status, "{path} from {origin}");
        assert_eq!(
            header(&res, "access-control-allow-origin").as_deref(),
            allowed.then_some(origin),
            "{path} from {origin}"
        );
        let res = send(
            app.clone(),
            request(Method::GET, path, &[("origin", origin)]),
        );
        assert_eq!(res.status(), 200);
        assert_eq!(
            header(&res, "access-control-allow-origin").as_deref(),
            allowed.then_some(origin),
            "{path} from {origin}"
        );
    }
}

/// A route policy around an application with a default policy of its own
/// (`any_service(app).cors(...)`) is the outer policy of that route: it writes its headers on
/// every response, although the inner default policy wrote first.
#[test]
fn a_route_policy_around_a_nested_application_decides_its_responses() {
    const INNER: &str = "https://inner.example.re";
    const ROUTE_ORIGIN: &str = "https://route.example.re";
    let inner = Router::new()
        .route("/x", get(|| async { "inner" }))
        .with_cors(Cors::new(
            PolicySpec::new().origin(INNER).validate().unwrap(),
        ));
    let app = Router::new()
        .route("/x", any_service(inner).cors(&ROUTE))
        .with_cors(default_cors());
    for (origin, allowed) in [(ROUTE_ORIGIN, true), (APP, false)] {
        let res = send(
            app.clone(),
            request(Method::GET, "/x", &[("origin", origin)]),
        );
        assert_eq!(res.status(), 200, "{origin}");
        assert_eq!(
            header(&res, "access-control-allow-origin").as_deref(),
            allowed.then_some(origin),
            "{origin}"
        );
        assert_eq!(header(&res, "vary").as_deref(), Some("Origin"), "{origin}");
    }
}

/// A preflight that no route policy answers is decided by the default policy's version in
/// force when it arrived, although that decision is made when it comes back from the Router:
/// a replacement while it is inside does not change its answer.
#[test]
fn a_forwarded_preflight_is_decided_by_the_version_it_arrived_under() {
    let handle = cors_axum::PolicyHandle::new(
        PolicySpec::new()
            .origin(APP)
            .methods(["PUT"])
            .validate()
            .unwrap(),
    );
    let swap = handle.clone();
    let app = Router::new()
        .route("/plain", get(|| async { "plain" }))
        .layer(middleware::from_fn(move |req: Request, next: Next| {
            let swap = swap.clone();
            async move {
                swap.replace(&PolicySpec::new().origin("https://other.example.re"))
                    .unwrap();
                next.run(req).await
            }
        }))
        .with_cors(Cors::reloadable(handle.clone()));
    let res = send(app.clone(), preflight("/plain", APP, "PUT"));
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.headers()["access-control-allow-origin"], APP);
    assert_eq!(res.headers()["access-control-allow-methods"], "PUT");
    // The next preflight arrives under the replacement.
    let res = send(app, preflight("/plain", APP, "PUT"));
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.headers().get("access-control-allow-origin").is_none());
}

/// An ordinary request is decided by the default policy's version in force when it arrived,
/// although that decision is made when its response comes back: a replacement while the
/// handler runs does not change its headers.
#[test]
fn an_ordinary_request_is_decided_by_the_version_it_arrived_under() {
    let handle = cors_axum::PolicyHandle::new(PolicySpec::new().origin(APP).validate().unwrap());
    let swap = handle.clone();
    let app = Router::new()
        .route(
            "/plain",
            get(move || {
                let swap = swap.clone();
                async move {
                    swap.replace(&PolicySpec::new().origin("https://other.example.re"))
                        .unwrap();
                    "plain"
                }
            }),
        )
        .with_cors(Cors::reloadable(handle));
    let res = send(
        app.clone(),
        request(Method::GET, "/plain", &[("origin", APP)]),
    );
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["access-control-allow-origin"], APP);
    // The next request arrives under the replacement.
    let res = send(app, request(Method::GET, "/plain", &[("origin", APP)]));
    assert!(res.headers().get("access-control-allow-origin").is_none());
}

/// Something the application put in a request's or a response's extensions.
#[derive(Clone, Debug)]
struct Private;

/// The names of `res`'s headers, sorted.
fn names(res: &Response) -> Vec<String> {
    let mut names: Vec<String> = res.headers().keys().map(|n| n.to_string()).collect();
    names.sort();
    names
}

#[test]
fn a_preflight_answer_carries_nothing_of_the_request_or_the_response_it_replaces() {
    // The request brings headers and extensions of its own; the application's 405 for the
    // forwarded preflight brings headers and extensions too. The answer holds only CORS.
    let preflight_with_extras = |origin: &'static str, method: &'static str| {
        let mut req = preflight("/x", origin, method);
        req.headers_mut()
            .insert("cookie", "session=secret".parse().unwrap());
        req.extensions_mut().insert(Private);
        req
    };
    // Answered by a route policy, without calling the route's handler. axum's method router,
    // outside the route policy, adds its own `allow` and `content-length` on the way out.
    let expected_route = [
        "access-control-allow-methods",
        "access-control-allow-origin",
        "access-control-max-age",
        "allow",
        "content-length",
        "vary",
    ];
    let app = Router::new()
        .route("/x", get(|| async { "x" }).cors(&ROUTE))
        .with_cors(default_cors());
    let res = send(
        app,
        preflight_with_extras("https://route.example.re", "PUT"),
    );
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(names(&res), expected_route);
    assert!(res.extensions().get::<Private>().is_none());

    // Answered by the default policy, replacing what the application answered (a 405 with
    // headers and extensions of its own).
    let app = Router::new()
        .route("/x", get(|| async { "x" }))
        .layer(middleware::from_fn(|req: Request, next: Next| async move {
            let mut res = next.run(req).await;
            res.headers_mut().insert("x-inner", "1".parse().unwrap());
            res.extensions_mut().insert(Private);
            res
        }))
        .with_cors(default_cors());
    let res = send(app, preflight_with_extras(APP, "GET"));
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        names(&res),
        [
            "access-control-allow-methods",
            "access-control-allow-origin",
            "vary"
        ]
    );
    assert!(res.extensions().get::<Private>().is_none());

    // Answered by the default policy around another service, which never sees it.
    let service = default_cors().layer(tower::service_fn(|_req: Request| async {
        Ok::<_, Infallible>(Response::new(Body::from("inner")))
    }));
    let res = send(service.clone(), preflight_with_extras(APP, "GET"));
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        names(&res),
        [
            "access-control-allow-methods",
            "access-control-allow-origin",
            "vary"
        ]
    );
    assert!(res.extensions().get::<Private>().is_none());
    // Refused: only `Vary`.
    let res = send(service, preflight_with_extras(EVIL, "GET"));
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(names(&res), ["vary"]);
}

#[test]
fn a_request_sent_with_the_forwarded_preflight_method_is_taken_for_options() {
    // Inside the default layer a forwarded preflight's method is `CORS-PREFLIGHT`. A client
    // that sends that method itself gets what `OPTIONS` gets: a preflight's answer, or the
    // application's answer to `OPTIONS`; no handler runs under that method, and no layer
    // reports a mistake that was not made.
    let calls = counter();
    let app = Router::new()
        .route("/x", get(|| async { "x" }).cors(&ROUTE))
        .route(
            "/any",
            axum::routing::any(move || async move {
                calls.fetch_add(1, Ordering::Relaxed);
                "any"
            })
            .cors(&ROUTE),
        )
        .with_cors(default_cors());
    let forwarded = Method::from_bytes(b"CORS-PREFLIGHT").unwrap();
    take_events();
    let res = send(
        app.clone(),
        request(
            forwarded.clone(),
            "/x",
            &[
                ("origin", "https://route.example.re"),
                ("access-control-request-method", "PUT"),
            ],
        ),
    );
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        header(&res, "access-control-allow-origin").as_deref(),
        Some("https://route.example.re")
    );
    assert_eq!(
        header(&res, "access-control-allow-methods").as_deref(),
        Some("PUT")
    );
    // Without `Access-Control-Request-Method` it is the `OPTIONS` request it names: axum's
    // 405 for `/x`, with the route's headers; the handler of `/any` runs as for `OPTIONS`.
    let res = send(
        app.clone(),
        request(
            forwarded.clone(),
            "/x",
            &[("origin", "https://route.example.re")],
        ),
    );
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        header(&res, "access-control-allow-origin").as_deref(),
        Some("https://route.example.re")
    );
    let res = send(
        app,
        request(forwarded, "/any", &[("origin", "https://route.example.re")]),
    );
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(calls.load(Ordering::Relaxed), 1);
    let warnings: Vec<String> = take_events()
        .into_iter()
        .filter(|e| e.starts_with("WARN"))
        .collect();
    assert!(warnings.is_empty(), "{warnings:#?}");
}
