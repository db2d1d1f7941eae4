//! Write protection in the layers: cross-site writes and WebSocket handshakes refused before
//! any handler runs, by whichever policy decides, with the application's switch inherited.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use cors_axum::{
    policy, Cors, CorsRouteExt, CorsRouterExt, PolicySpec, WriteProtection, WRITE_REFUSED_BODY,
};
use cors_tests::capture::take_events;
use tower::{Service, ServiceExt};
use tower_layer::Layer;

const APP: &str = "https://app.example.re";
const PARTNER: &str = "https://partner.example.re";
const EVIL: &str = "https://evil.example";
/// The service's own origin, and its `Host`.
const SELF: &str = "https://api.example.re";
const HOST: &str = "api.example.re";

policy! {
    /// The route policy of the contract's notes.
    NOTES = {
        origins = ["https://app.example.re"],
        credentials,
        methods = [GET, POST, PUT, DELETE],
        headers = ["content-type"],
        protect_writes,
    };
    /// A callback other sites post to: protection off for this route.
    HOOK = { origins = ["https://app.example.re"], methods = [POST], protect_writes = false };
    /// A route that says nothing of protection: it inherits the application's switch.
    INHERITS = { origins = ["https://app.example.re"], methods = [POST] };
}

#[allow(deprecated)] // The compile-time note that `*` trusts no origin for writes.
mod public {
    cors_axum::policy! {
        /// Everyone may read, nobody else may write.
        pub PUBLIC = { origins = ["*"], methods = [POST], protect_writes };
    }
}
use public::PUBLIC;

/// How many times handlers ran.
#[derive(Clone, Default)]
struct Runs(Arc<AtomicUsize>);

impl Runs {
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    fn handler(&self, body: &'static str) -> impl Fn() -> std::future::Ready<&'static str> + Clone {
        let runs = self.0.clone();
        move || {
            runs.fetch_add(1, Ordering::SeqCst);
            std::future::ready(body)
        }
    }
}

fn default_policy(origins: &[&str]) -> Cors {
    Cors::new(
        PolicySpec::new()
            .origins(origins.iter().copied())
            .methods(["GET", "POST"])
            .credentials(true)
            .validate()
            .unwrap(),
    )
}

/// The notes routes of the contract under a default layer with protection off.
fn notes_app(
    runs: &Runs,
    cors: Cors,
) -> impl Service<Request, Response = Response, Error = Infallible> + Clone {
    Router::new()
        .route(
            "/notes",
            get(runs.handler("1"))
                .post(runs.handler("noted"))
                .put(runs.handler("noted"))
                .delete(runs.handler("noted"))
                .cors(&NOTES),
        )
        .route("/notes/socket", get(runs.handler("socket")).cors(&NOTES))
        .route("/notes/public", post(runs.handler("noted")).cors(&PUBLIC))
        .route("/notes/hook", post(runs.handler("hooked")).cors(&HOOK))
        .route("/inherits", post(runs.handler("inherits")).cors(&INHERITS))
        .route("/plain", post(runs.handler("plain")))
        .with_cors(cors)
}

fn request(method: Method, path: &str, headers: &[(&str, &str)]) -> Request {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", HOST);
    for (n, v) in headers {
        req = req.header(*n, *v);
    }
    req.body(Body::empty()).unwrap()
}

/// A write from `origin` as a browser sends it: `Origin` and `Sec-Fetch-Site`.
fn write(method: Method, path: &str, origin: &str, site: &str) -> Request {
    request(
        method,
        path,
        &[("origin", origin), ("sec-fetch-site", site)],
    )
}

/// A WebSocket handshake from `origin`, without `Sec-Fetch-Site` as Chromium sends it.
fn handshake(path: &str, origin: &str) -> Request {
    request(
        Method::GET,
        path,
        &[
            ("origin", origin),
            ("connection", "Upgrade"),
            ("upgrade", "websocket"),
            ("sec-websocket-version", "13"),
            ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ],
    )
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        let mut all = self.headers.get_all(name).iter();
        let first = all.next().map(|v| v.to_str().unwrap());
        assert!(all.next().is_none(), "{name} is written once");
        first
    }

    /// The 403 of a refused write: its body, `Vary: Origin` and no other CORS header.
    fn assert_write_refused(&self) {
        assert_eq!(self.status, StatusCode::FORBIDDEN, "{}", self.body);
        assert_eq!(self.body, WRITE_REFUSED_BODY);
        assert_eq!(
            self.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(self.header("access-control-allow-origin"), None);
        assert_eq!(self.header("access-control-allow-credentials"), None);
        assert_eq!(self.header("vary"), Some("Origin"));
        let cors: Vec<_> = self
            .headers
            .keys()
            .filter(|n| n.as_str().starts_with("access-control-"))
            .collect();
        assert!(cors.is_empty(), "{cors:?}");
    }
}

fn send<S>(app: S, req: Request) -> Answer
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(async {
            let res = app.oneshot(req).await.unwrap();
            let (parts, body) = res.into_parts();
            Answer {
                status: parts.status,
                headers: parts.headers,
                body: String::from_utf8(to_bytes(body, 1 << 16).await.unwrap().to_vec()).unwrap(),
            }
        })
}

#[test]
fn a_cross_site_write_to_a_protected_route_is_refused_before_the_handler() {
    let runs = Runs::default();
    let app = notes_app(&runs, default_policy(&[APP]));
    for method in [Method::POST, Method::PUT, Method::DELETE] {
        send(app.clone(), write(method, "/notes", EVIL, "cross-site")).assert_write_refused();
    }
    // Without `Sec-Fetch-Site` (an older browser), by `Origin` against `Host`.
    send(
        app.clone(),
        request(Method::POST, "/notes", &[("origin", EVIL)]),
    )
    .assert_write_refused();
    // `same-site` is not trusted by itself.
    send(
        app.clone(),
        write(
            Method::POST,
            "/notes",
            "https://other.example.re",
            "same-site",
        ),
    )
    .assert_write_refused();
    // A malformed origin is never the site itself.
    send(
        app.clone(),
        write(
            Method::POST,
            "/notes",
            "https://API.example.re",
            "cross-site",
        ),
    )
    .assert_write_refused();
    assert_eq!(runs.count(), 0, "no handler ran");
}

#[test]
fn the_allowed_origin_and_the_site_itself_write_and_reads_are_untouched() {
    let runs = Runs::default();
    let app = notes_app(&runs, default_policy(&[APP]));
    let res = send(
        app.clone(),
        write(Method::POST, "/notes", APP, "cross-site"),
    );
    assert_eq!((res.status, res.body.as_str()), (StatusCode::OK, "noted"));
    assert_eq!(res.header("access-control-allow-origin"), Some(APP));
    assert_eq!(res.header("access-control-allow-credentials"), Some("true"));
    assert_eq!(res.header("vary"), Some("Origin"));
    // The same-origin form at /notes/form, with and without `Sec-Fetch-Site`.
    let res = send(
        app.clone(),
        write(Method::POST, "/notes", SELF, "same-origin"),
    );
    assert_eq!((res.status, res.body.as_str()), (StatusCode::OK, "noted"));
    let res = send(
        app.clone(),
        request(Method::POST, "/notes", &[("origin", SELF)]),
    );
    assert_eq!((res.status, res.body.as_str()), (StatusCode::OK, "noted"));
    // Not from a browser: no `Origin`, no `Sec-Fetch-Site`.
    let res = send(app.clone(), request(Method::POST, "/notes", &[]));
    assert_eq!((res.status, res.body.as_str()), (StatusCode::OK, "noted"));
    // A cross-site read is CORS's business: it runs, without CORS headers.
    let res = send(app, write(Method::GET, "/notes", EVIL, "cross-site"));
    assert_eq!((res.status, res.body.as_str()), (StatusCode::OK, "1"));
    assert_eq!(res.header("access-control-allow-origin"), None);
    assert_eq!(runs.count(), 5);
}

#[test]
fn the_hook_accepts_cross_site_posts_and_star_trusts_no_origin() {
    let runs = Runs::default();
    let app = notes_app(&runs, default_policy(&[APP]));
    let res = send(
        app.clone(),
        write(Method::POST, "/notes/hook", EVIL, "cross-site"),
    );
    assert_eq!((res.status, res.body.as_str()), (StatusCode::OK, "hooked"));
    assert_eq!(res.header("access-control-allow-origin"), None);
    assert_eq!(runs.count(), 1);
    send(
        app.clone(),
        write(Method::POST, "/notes/public", EVIL, "cross-site"),
    )
    .assert_write_refused();
    send(
        app.clone(),
        write(Method::POST, "/notes/public", APP, "cross-site"),
    )
    .assert_write_refused();
    assert_eq!(runs.count(), 1);
    let res = send(
        app,
        write(Method::POST, "/notes/public", SELF, "same-origin"),
    );
    assert_eq!(
        (res.status, res.header("access-control-allow-origin")),
        (StatusCode::OK, Some("*"))
    );
    assert_eq!(runs.count(), 2);
}

#[test]
fn preflights_to_a_protected_route_are_answered_as_before() {
    let runs = Runs::default();
    let app = notes_app(&runs, default_policy(&[APP]));
    let preflight = |origin| {
        request(
            Method::OPTIONS,
            "/notes",
            &[
                ("origin", origin),
                ("sec-fetch-site", "cross-site"),
                ("access-control-request-method", "PUT"),
                ("access-control-request-headers", "content-type"),
            ],
        )
    };
    let res = send(app.clone(), preflight(APP));
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(res.header("access-control-allow-origin"), Some(APP));
    assert_eq!(res.header("access-control-allow-methods"), Some("PUT"));
    assert_eq!(
        res.header("access-control-allow-headers"),
        Some("content-type")
    );
    let res = send(app, preflight(EVIL));
    assert_eq!((res.status, res.body.as_str()), (StatusCode::FORBIDDEN, ""));
    assert_eq!(res.header("access-control-allow-origin"), None);
    assert_eq!(runs.count(), 0);
}

#[test]
fn a_websocket_handshake_is_refused_cross_site_and_accepted_from_the_trusted_origin() {
    let runs = Runs::default();
    let app = notes_app(&runs, default_policy(&[APP]));
    send(app.clone(), handshake("/notes/socket", EVIL)).assert_write_refused();
    // Firefox and WebKit send `Sec-Fetch-Site`; the handshake is still judged by `Origin`.
    let mut req = handshake("/notes/socket", EVIL);
    req.headers_mut()
        .insert("sec-fetch-site", "same-origin".parse().unwrap());
    send(app.clone(), req).assert_write_refused();
    assert_eq!(runs.count(), 0);
    let res = send(app.clone(), handshake("/notes/socket", APP));
    assert_eq!((res.status, res.body.as_str()), (StatusCode::OK, "socket"));
    assert_eq!(res.header("access-control-allow-origin"), Some(APP));
    let res = send(app, handshake("/notes/socket", SELF));
    assert_eq!((res.status, res.body.as_str()), (StatusCode::OK, "socket"));
    assert_eq!(runs.count(), 2);
}

#[test]
fn route_policies_inherit_the_application_switch_and_their_own_setting_wins() {
    let runs = Runs::default();
    // The default policy lets the partner write; the route's own policy does not list it.
    let partner = |path| write(Method::POST, path, PARTNER, "cross-site");
    let cors = default_policy(&[APP, PARTNER]);
    assert_eq!(cors.protection(), &WriteProtection::off());
    let off = notes_app(&runs, cors);
    assert_eq!(
        send(off.clone(), partner("/inherits")).status,
        StatusCode::OK
    );
    assert_eq!(send(off.clone(), partner("/plain")).status, StatusCode::OK);
    // Protection off everywhere: today's behaviour, nothing refused.
    assert_eq!(
        send(off, write(Method::POST, "/plain", EVIL, "cross-site")).status,
        StatusCode::OK
    );
    assert_eq!(runs.count(), 3);

    let on = notes_app(
        &runs,
        default_policy(&[APP, PARTNER]).write_protection(WriteProtection::on()),
    );
    send(on.clone(), partner("/inherits")).assert_write_refused();
    // The default policy decides for a route without its own: the partner may write there.
    let res = send(on.clone(), partner("/plain"));
    assert_eq!(
        (res.status, res.header("access-control-allow-origin")),
        (StatusCode::OK, Some(PARTNER))
    );
    send(
        on.clone(),
        write(Method::POST, "/plain", EVIL, "cross-site"),
    )
    .assert_write_refused();
    let res = send(on, write(Method::POST, "/inherits", APP, "cross-site"));
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(runs.count(), 5);
}

#[test]
fn the_default_layer_protects_any_tower_service_and_honours_public_origins() {
    let runs = Runs::default();
    let protection = WriteProtection::on()
        .public_origins(["https://api.example.re"])
        .unwrap();
    let service = default_policy(&[APP])
        .write_protection(protection)
        .layer(tower::service_fn({
            let runs = runs.clone();
            move |_: Request| {
                runs.0.fetch_add(1, Ordering::SeqCst);
                std::future::ready(Ok::<_, Infallible>(Response::new(Body::from("ok"))))
            }
        }));
    send(
        service.clone(),
        write(Method::POST, "/", EVIL, "cross-site"),
    )
    .assert_write_refused();
    assert_eq!(runs.count(), 0);
    // Behind a proxy that rewrites `Host`: the public origin is the site itself.
    let mut req = handshake("/socket", SELF);
    req.headers_mut()
        .insert("host", "127.0.0.1:8080".parse().unwrap());
    assert_eq!(send(service.clone(), req).status, StatusCode::OK);
    let mut req = handshake("/socket", "https://internal.example.re");
    req.headers_mut()
        .insert("host", "127.0.0.1:8080".parse().unwrap());
    send(service, req).assert_write_refused();
    assert_eq!(runs.count(), 1);
}

#[test]
fn a_refused_write_is_logged_at_debug_like_a_cors_refusal() {
    take_events();
    let runs = Runs::default();
    let app = notes_app(&runs, default_policy(&[APP]));
    send(
        app.clone(),
        write(Method::POST, "/notes", EVIL, "cross-site"),
    );
    let on = notes_app(
        &runs,
        default_policy(&[APP]).write_protection(WriteProtection::on()),
    );
    send(on, write(Method::DELETE, "/plain", EVIL, "same-site"));
    send(app, handshake("/notes/socket", EVIL));
    assert_eq!(
        take_events(),
        [
            "DEBUG cross-site write refused, 403: write from another site (Origin \
             `https://evil.example`, Sec-Fetch-Site `cross-site`): only the site itself and \
             origins the policy allows may write method=POST path=/notes policy=\"route\"",
            "DEBUG cross-site write refused, 403: write from another site (Origin \
             `https://evil.example`, Sec-Fetch-Site `same-site`): only the site itself and \
             origins the policy allows may write method=DELETE path=/plain policy=\"default\"",
            "DEBUG cross-site write refused, 403: WebSocket handshake from another site (Origin \
             `https://evil.example`, Sec-Fetch-Site (none)): only the site itself and origins \
             the policy allows may write method=GET path=/notes/socket policy=\"route\"",
        ]
    );
}
