//! Write protection in the Actix adapter: a cross-site write or WebSocket handshake from an
//! origin the covering policy does not allow is answered 403 before anything inside runs, by
//! a route policy or the default layer alike; everything else is CORS as before.
// Helpers outside `#[test]` functions may unwrap too (clippy.toml covers the tests themselves).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::cell::Cell;

use actix_web::body::{to_bytes, MessageBody};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::{init_service, TestRequest};
use actix_web::{get, post, web, App, HttpResponse};
use cors_actix::{cors, Cors, PolicySpec, WriteProtection};
use cors_shared::WRITE_REFUSED_BODY;
use cors_tests::capture::take_events;

const APP: &str = "https://app.example.re";
const EVIL: &str = "https://evil.example";
const HOST: &str = "api.example.re";

thread_local! {
    /// Handlers run on this thread so far: each test runs its application on its own thread, so
    /// parallel tests do not see each other's handlers.
    static RUNS: Cell<usize> = const { Cell::new(0) };
}

fn ran() {
    RUNS.with(|runs| runs.set(runs.get() + 1));
}

fn runs() -> usize {
    RUNS.with(Cell::get)
}

async fn write() -> &'static str {
    ran();
    "written"
}

#[cors(origins = ["https://app.example.re"], credentials, methods = [POST], protect_writes)]
#[post("/protected")]
async fn protected() -> &'static str {
    ran();
    "protected"
}

#[cors(origins = ["https://app.example.re"], methods = [POST], protect_writes = false)]
#[post("/hook")]
async fn hook() -> &'static str {
    ran();
    "hooked"
}

// The compile-time note that `*` trusts no origin for writes is what this route tests.
#[allow(deprecated)]
mod star_route {
    use super::*;

    #[cors(origins = ["*"], methods = [POST], protect_writes)]
    #[post("/star")]
    pub(crate) async fn star() -> &'static str {
        ran();
        "star"
    }
}
use star_route::star;

/// A route policy that says nothing of write protection: it inherits the application's.
#[cors(origins = ["https://app.example.re"], methods = [POST])]
#[post("/inherits")]
async fn inherits() -> &'static str {
    ran();
    "inherits"
}

#[get("/socket")]
async fn socket() -> HttpResponse {
    ran();
    HttpResponse::SwitchingProtocols().finish()
}

fn default_policy() -> cors_actix::Policy {
    PolicySpec::new()
        .origin(APP)
        .methods(["GET", "POST"])
        .validate()
        .unwrap()
}

struct Answer {
    status: u16,
    headers: actix_web::http::header::HeaderMap,
    body: String,
    ran: bool,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    fn assert_refused(&self) {
        assert_eq!(self.status, 403, "{}", self.body);
        assert_eq!(self.body, WRITE_REFUSED_BODY);
        assert_eq!(self.header("access-control-allow-origin"), None);
        assert_eq!(self.header("access-control-allow-credentials"), None);
        assert_eq!(self.header("vary"), Some("Origin"));
        assert!(!self.ran, "the handler ran");
    }
}

/// Sends a request and reads the answer, noting whether a handler ran.
macro_rules! send {
    ($app:expr, $req:expr) => {{
        let before = runs();
        let result = $app.call($req.to_request()).await;
        answer(result, before).await
    }};
}

async fn answer<B: MessageBody + 'static>(
    result: Result<ServiceResponse<B>, actix_web::Error>,
    before: usize,
) -> Answer {
    let res = match result {
        Ok(res) => res.map_into_boxed_body().into_parts().1,
        Err(e) => e.error_response(),
    };
    let ran = runs() != before;
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = to_bytes(res.into_body()).await.ok().unwrap();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        ran,
    }
}

fn post_from(path: &str, origin: &str, site: &str) -> TestRequest {
    TestRequest::post()
        .uri(path)
        .insert_header(("host", HOST))
        .insert_header(("origin", origin))
        .insert_header(("sec-fetch-site", site))
}

fn from_method(method: &str, path: &str, origin: &str) -> TestRequest {
    post_from(path, origin, "cross-site").method(method.parse().unwrap())
}

fn handshake(origin: &str) -> TestRequest {
    TestRequest::get()
        .uri("/socket")
        .insert_header(("host", HOST))
        .insert_header(("origin", origin))
        .insert_header(("upgrade", "websocket"))
        .insert_header(("connection", "Upgrade"))
}

macro_rules! app {
    ($cors:expr) => {
        init_service(
            App::new()
                .wrap($cors)
                .service(protected)
                .service(hook)
                .service(star)
                .service(inherits)
                .service(socket)
                .route("/plain", web::post().to(write)),
        )
        .await
    };
}

#[actix_web::test]
async fn a_route_policy_refuses_cross_site_writes_before_its_handler() {
    // Protection off in the application: the route turns it on itself.
    let app = app!(Cors::new(default_policy()));
    send!(app, post_from("/protected", EVIL, "cross-site")).assert_refused();
    send!(
        app,
        post_from("/protected", "https://other.example.re", "same-site")
    )
    .assert_refused();
    send!(app, post_from("/protected", "null", "cross-site")).assert_refused();
    // The allowed origin writes, and CORS lets it read the answer.
    let ok = send!(app, post_from("/protected", APP, "cross-site"));
    assert_eq!(
        (ok.status, ok.body.as_str(), ok.ran),
        (200, "protected", true)
    );
    assert_eq!(ok.header("access-control-allow-origin"), Some(APP));
    assert_eq!(ok.header("access-control-allow-credentials"), Some("true"));
    // The site itself: a same-origin form.
    let form = send!(
        app,
        post_from("/protected", "https://api.example.re", "same-origin")
    );
    assert_eq!((form.status, form.ran), (200, true));
    // Not a browser.
    let curl = send!(app, TestRequest::post().uri("/protected"));
    assert_eq!((curl.status, curl.ran), (200, true));
    // The application's other routes are unprotected.
    let plain = send!(app, post_from("/plain", EVIL, "cross-site"));
    assert_eq!((plain.status, plain.ran), (200, true));
}

#[actix_web::test]
async fn the_preflight_is_still_answered() {
    let app = app!(Cors::new(default_policy()).write_protection(WriteProtection::on()));
    let preflight = |origin| {
        TestRequest::default()
            .method(actix_web::http::Method::OPTIONS)
            .uri("/protected")
            .insert_header(("host", HOST))
            .insert_header(("origin", origin))
            .insert_header(("sec-fetch-site", "cross-site"))
            .insert_header(("access-control-request-method", "POST"))
    };
    let ok = send!(app, preflight(APP));
    assert_eq!(ok.status, 204);
    assert_eq!(ok.header("access-control-allow-origin"), Some(APP));
    let refused = send!(app, preflight(EVIL));
    assert_eq!((refused.status, refused.body.as_str()), (403, ""));
}

#[actix_web::test]
async fn a_hook_turns_protection_off_and_star_trusts_nobody() {
    let app = app!(Cors::new(default_policy()).write_protection(WriteProtection::on()));
    let hooked = send!(app, post_from("/hook", EVIL, "cross-site"));
    assert_eq!((hooked.status, hooked.body.as_str()), (200, "hooked"));
    assert_eq!(hooked.header("access-control-allow-origin"), None);
    send!(app, post_from("/star", EVIL, "cross-site")).assert_refused();
    send!(app, post_from("/star", APP, "cross-site")).assert_refused();
    let same = send!(
        app,
        post_from("/star", "https://api.example.re", "same-origin")
    );
    assert_eq!(
        (same.status, same.header("access-control-allow-origin")),
        (200, Some("*"))
    );
}

#[actix_web::test]
async fn route_policies_and_plain_routes_inherit_the_application_switch() {
    let app = app!(Cors::new(default_policy()).write_protection(WriteProtection::on()));
    send!(app, post_from("/inherits", EVIL, "cross-site")).assert_refused();
    // A plain route: refused by the default policy before routing.
    send!(app, post_from("/plain", EVIL, "cross-site")).assert_refused();
    let ok = send!(app, post_from("/plain", APP, "cross-site"));
    assert_eq!((ok.status, ok.ran), (200, true));
    assert_eq!(ok.header("access-control-allow-origin"), Some(APP));
    // A method no handler of a route policy's path routes: no route policy covers it, and the
    // default policy's refusal stands (nothing ran).
    send!(app, from_method("PUT", "/protected", EVIL)).assert_refused();
    // Without `Sec-Fetch-Site`, `Origin` against `Host`.
    let old = TestRequest::post()
        .uri("/inherits")
        .insert_header(("host", HOST))
        .insert_header(("origin", EVIL));
    send!(app, old).assert_refused();
    let old_same = TestRequest::post()
        .uri("/inherits")
        .insert_header(("host", HOST))
        .insert_header(("origin", "https://api.example.re"));
    assert_eq!(send!(app, old_same).status, 200);
}

#[actix_web::test]
async fn a_default_layer_alone_refuses_before_the_handler() {
    let app = init_service(
        App::new()
            .wrap(Cors::new(default_policy()).write_protection(WriteProtection::on()))
            .route("/plain", web::post().to(write)),
    )
    .await;
    send!(app, post_from("/plain", EVIL, "cross-site")).assert_refused();
    let ok = send!(app, post_from("/plain", APP, "cross-site"));
    assert_eq!((ok.status, ok.ran), (200, true));
}

#[actix_web::test]
async fn a_scope_cors_inherits_the_outer_switch() {
    let admin = PolicySpec::new()
        .origin("https://admin.example.re")
        .methods(["POST"])
        .validate()
        .unwrap();
    let outer = Cors::new(admin)
        .write_protection(WriteProtection::on())
        .with_nested_cors();
    let app = init_service(
        App::new().wrap(outer).service(
            web::scope("/inner")
                .wrap(Cors::new(default_policy()))
                .route("/w", web::post().to(write)),
        ),
    )
    .await;
    // The outer policy allows the admin origin; the inner one decides, with the outer switch,
    // and refuses it.
    send!(
        app,
        post_from("/inner/w", "https://admin.example.re", "cross-site")
    )
    .assert_refused();
    // An inner policy cannot let through a write the outer one refuses.
    send!(app, post_from("/inner/w", APP, "cross-site")).assert_refused();
    let same = send!(
        app,
        post_from("/inner/w", "https://api.example.re", "same-origin")
    );
    assert_eq!((same.status, same.ran), (200, true));
}

#[actix_web::test]
async fn websocket_handshakes_are_judged_by_origin() {
    let app = app!(Cors::new(default_policy()).write_protection(WriteProtection::on()));
    send!(app, handshake(EVIL)).assert_refused();
    // `Sec-Fetch-Site` does not vouch for a handshake.
    send!(
        app,
        handshake(EVIL).insert_header(("sec-fetch-site", "same-origin"))
    )
    .assert_refused();
    let trusted = send!(app, handshake(APP));
    assert_eq!((trusted.status, trusted.ran), (101, true));
    let same = send!(app, handshake("https://api.example.re"));
    assert_eq!((same.status, same.ran), (101, true));
}

#[actix_web::test]
async fn a_refusal_is_logged_like_a_cors_refusal() {
    take_events();
    let app = app!(Cors::new(default_policy()).write_protection(WriteProtection::on()));
    send!(app, post_from("/inherits", EVIL, "cross-site")).assert_refused();
    send!(app, post_from("/plain", EVIL, "same-site")).assert_refused();
    assert_eq!(
        take_events(),
        [
            "DEBUG cross-site write refused, 403: write from another site (Origin \
             `https://evil.example`, Sec-Fetch-Site `cross-site`): only the site itself and \
             origins the policy allows may write method=POST path=/inherits policy=\"route\"",
            "DEBUG cross-site write refused, 403: write from another site (Origin \
             `https://evil.example`, Sec-Fetch-Site `same-site`): only the site itself and \
             origins the policy allows may write method=POST path=/plain policy=\"default\"",
        ]
    );
}
