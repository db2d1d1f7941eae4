//! Behaviour of `#[cors(...)]` on Actix routes and of the default-policy `Cors` middleware that
//! the conformance table does not cover: several handlers on one path, the user's own `name`,
//! `guard` and `wrap`, errors from middleware, `#[scope]` modules, `#[routes]`, nested `Cors`.
//!
//! The crate-level `deny(unused_imports)` checks that the expansion keeps the user's
//! `use actix_web::{get, ...}` in use.
// Helpers outside `#[test]` functions may unwrap too (clippy.toml covers the tests themselves).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![deny(unused_imports)]

use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::{header::HeaderValue, Method};
use actix_web::middleware::{from_fn, Next};
use actix_web::{
    get, options, put, route, routes, test, web, App, Error, HttpRequest, HttpResponse,
};
use cors_actix::{cors, policy, Cors, PolicySpec};

const APP: &str = "https://app.example.re";
const ADMIN: &str = "https://admin.example.re";
const EVIL: &str = "https://evil.example";

policy! {
    READERS = { origins = ["https://app.example.re"], methods = [GET] };
    WRITERS = { origins = ["https://admin.example.re"], credentials, methods = [PUT], headers = ["content-type"] };
}

// Two handlers on one path, each with its own policy.
#[cors(policy = READERS)]
#[get("/doc")]
async fn read_doc() -> &'static str {
    "read"
}

#[cors(policy = WRITERS)]
#[put("/doc")]
async fn write_doc() -> &'static str {
    "written"
}

static USER_MIDDLEWARE_RUNS: AtomicUsize = AtomicUsize::new(0);
/// The runs of the same middleware on `/both`, counted apart: tests run in parallel.
static BOTH_MIDDLEWARE_RUNS: AtomicUsize = AtomicUsize::new(0);

/// The user's own resource middleware: counts its runs and marks responses.
async fn mark(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let runs = if req.path() == "/both" {
        &BOTH_MIDDLEWARE_RUNS
    } else {
        &USER_MIDDLEWARE_RUNS
    };
    runs.fetch_add(1, Ordering::SeqCst);
    let mut res = next.call(req).await?;
    res.headers_mut().insert(
        "x-user-middleware".parse().unwrap(),
        HeaderValue::from_static("ran"),
    );
    Ok(res)
}

/// A user middleware that refuses everything with an `Err`.
async fn reject(
    _req: ServiceRequest,
    _next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    Err::<ServiceResponse<actix_web::body::BoxBody>, _>(actix_web::error::ErrorUnauthorized(
        "no entry",
    ))
}

fn has_ticket(ctx: &actix_web::guard::GuardContext<'_>) -> bool {
    ctx.head().headers().contains_key("x-ticket")
}

#[cors(origins = ["https://app.example.re"], methods = [GET, PUT])]
#[get(
    "/guarded",
    name = "guarded_doc",
    guard = "has_ticket",
    wrap = "from_fn(mark)"
)]
async fn guarded() -> &'static str {
    "guarded"
}

#[get("/where")]
async fn where_is(req: HttpRequest) -> String {
    req.url_for_static("guarded_doc").unwrap().path().to_owned()
}

#[cors(origins = ["https://app.example.re"])]
#[get("/rejected", wrap = "from_fn(reject)")]
async fn rejected() -> &'static str {
    "unreachable"
}

#[cors(origins = ["https://app.example.re"])]
#[get("/vary")]
async fn varies() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("vary", "Accept-Encoding"))
        .body("vary")
}

#[cors(origins = ["https://app.example.re"], methods = [DELETE])]
#[route("/multi", method = "GET", method = "DELETE")]
async fn multi() -> &'static str {
    "multi"
}

#[cors(origins = ["https://app.example.re"])]
#[options("/opt")]
async fn own_options() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("allow", "GET, OPTIONS"))
        .finish()
}

#[cors(origins = ["https://admin.example.re"], methods = [PUT])]
#[routes]
#[get("/both")]
#[put("/both", wrap = "from_fn(mark)")]
async fn both() -> &'static str {
    "both"
}

#[actix_web::scope("/api")]
mod api {
    use super::*;

    #[cors(origins = ["https://admin.example.re"], credentials)]
    #[get("/item")]
    pub(super) async fn item() -> &'static str {
        "item"
    }
}

fn default_policy() -> Cors {
    Cors::new(
        PolicySpec::new()
            .origin(APP)
            .methods(["GET", "POST"])
            .validate()
            .unwrap(),
    )
}

fn app() -> App<
    impl actix_web::dev::ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    App::new()
        .wrap(default_policy())
        .service(read_doc)
        .service(write_doc)
        .service(guarded)
        .service(where_is)
        .service(rejected)
        .service(varies)
        .service(multi)
        .service(own_options)
        .service(both)
        .service(api::item)
        .service(
            web::scope("/admin")
                .wrap(Cors::from_static(&WRITERS))
                .route("/page", web::get().to(|| async { "page" })),
        )
        .route(
            "/failing-middleware",
            web::get()
                .to(|| async { "unreachable" })
                .wrap(from_fn(reject)),
        )
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Resp {
    fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn one(&self, name: &str) -> Option<&str> {
        let all = self.all(name);
        assert!(
            all.len() <= 1,
            "{name} appears {} times: {all:?}",
            all.len()
        );
        all.first().copied()
    }
}

async fn call(method: Method, path: &str, headers: &[(&str, &str)]) -> Resp {
    let service = test::init_service(app()).await;
    let mut req = test::TestRequest::default().method(method).uri(path);
    for (n, v) in headers {
        req = req.append_header((*n, *v));
    }
    // An `Err` reaching the server becomes the error's response, as Actix's dispatcher does.
    let res = match service.call(req.to_request()).await {
        Ok(res) => res.into_parts().1.map_into_boxed_body(),
        Err(e) => e.error_response(),
    };
    let status = res.status().as_u16();
    let headers = res
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    let body = actix_web::body::to_bytes(res.into_body()).await.unwrap();
    Resp {
        status,
        headers,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

fn preflight<'a>(origin: &'a str, method: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("origin", origin),
        ("access-control-request-method", method),
    ]
}

#[actix_web::test]
async fn each_handler_on_a_path_answers_the_preflight_for_its_own_method() {
    let put = call(Method::OPTIONS, "/doc", &preflight(ADMIN, "PUT")).await;
    assert_eq!(put.status, 204);
    assert_eq!(put.one("access-control-allow-origin"), Some(ADMIN));
    assert_eq!(put.one("access-control-allow-credentials"), Some("true"));
    assert_eq!(put.one("access-control-allow-methods"), Some("PUT"));
    assert_eq!(put.body, "");

    let mut h = preflight(ADMIN, "PUT");
    h.push(("access-control-request-headers", "content-type"));
    let put = call(Method::OPTIONS, "/doc", &h).await;
    assert_eq!(put.status, 204);
    assert_eq!(
        put.one("access-control-allow-headers"),
        Some("content-type")
    );

    // The GET handler's policy answers GET preflights: the admin origin is not in it.
    let get = call(Method::OPTIONS, "/doc", &preflight(ADMIN, "GET")).await;
    assert_eq!(get.status, 403);
    assert_eq!(get.one("access-control-allow-origin"), None);
    assert_eq!(
        get.one("vary"),
        Some("Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
    );
    let get = call(Method::OPTIONS, "/doc", &preflight(APP, "GET")).await;
    assert_eq!(get.status, 204);
    assert_eq!(get.one("access-control-allow-origin"), Some(APP));
    assert_eq!(get.one("access-control-allow-credentials"), None);

    // Actual requests get their own handler's policy.
    let write = call(Method::PUT, "/doc", &[("origin", ADMIN)]).await;
    assert_eq!((write.status, write.body.as_str()), (200, "written"));
    assert_eq!(write.one("access-control-allow-origin"), Some(ADMIN));
    let read = call(Method::GET, "/doc", &[("origin", ADMIN)]).await;
    assert_eq!((read.status, read.body.as_str()), (200, "read"));
    assert_eq!(read.one("access-control-allow-origin"), None);
    assert_eq!(read.one("vary"), Some("Origin"));
}

#[actix_web::test]
async fn a_preflight_for_a_method_no_handler_has_goes_to_the_default_policy() {
    // POST is in the default policy, and no handler of /doc routes it.
    let post = call(Method::OPTIONS, "/doc", &preflight(APP, "POST")).await;
    assert_eq!(post.status, 204);
    assert_eq!(post.one("access-control-allow-origin"), Some(APP));
    assert_eq!(post.one("access-control-allow-methods"), Some("POST"));
    let patch = call(Method::OPTIONS, "/doc", &preflight(APP, "PATCH")).await;
    assert_eq!(patch.status, 403);
    assert_eq!(patch.one("access-control-allow-origin"), None);
}

#[actix_web::test]
async fn user_guard_wrap_and_name_are_kept_and_preflights_skip_the_user_middleware() {
    let before = USER_MIDDLEWARE_RUNS.load(Ordering::SeqCst);
    let mut h = preflight(APP, "GET");
    h.push(("x-ticket", "1"));
    let pre = call(Method::OPTIONS, "/guarded", &h).await;
    assert_eq!(pre.status, 204);
    assert_eq!(pre.one("access-control-allow-origin"), Some(APP));
    assert_eq!(pre.one("x-user-middleware"), None);
    assert_eq!(USER_MIDDLEWARE_RUNS.load(Ordering::SeqCst), before);

    let get = call(
        Method::GET,
        "/guarded",
        &[("origin", APP), ("x-ticket", "1")],
    )
    .await;
    assert_eq!((get.status, get.body.as_str()), (200, "guarded"));
    assert_eq!(get.one("x-user-middleware"), Some("ran"));
    assert_eq!(get.one("access-control-allow-origin"), Some(APP));
    assert!(USER_MIDDLEWARE_RUNS.load(Ordering::SeqCst) > before);

    // The user's guard still decides: without the ticket the route does not match.
    let unguarded = call(Method::GET, "/guarded", &[("origin", APP)]).await;
    assert_eq!(unguarded.status, 404);
    // Actix's 404 gets the default policy.
    assert_eq!(unguarded.one("access-control-allow-origin"), Some(APP));

    // The user's resource name is kept.
    let named = call(Method::GET, "/where", &[]).await;
    assert_eq!(named.body, "/guarded");
}

#[actix_web::test]
async fn errors_from_middleware_still_get_the_headers() {
    let route = call(Method::GET, "/rejected", &[("origin", APP)]).await;
    assert_eq!(route.status, 401);
    assert_eq!(route.one("access-control-allow-origin"), Some(APP));
    assert_eq!(route.one("vary"), Some("Origin"));

    // The same through the default policy, for a route without a policy of its own.
    let default = call(Method::GET, "/failing-middleware", &[("origin", APP)]).await;
    assert_eq!(default.status, 401);
    assert_eq!(default.one("access-control-allow-origin"), Some(APP));
    let refused = call(Method::GET, "/failing-middleware", &[("origin", EVIL)]).await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.one("access-control-allow-origin"), None);
    assert_eq!(refused.one("vary"), Some("Origin"));
}

#[actix_web::test]
async fn route_and_default_policy_never_duplicate_headers() {
    let r = call(
        Method::GET,
        "/guarded",
        &[("origin", APP), ("x-ticket", "1")],
    )
    .await;
    assert_eq!(r.all("access-control-allow-origin"), [APP]);
    assert_eq!(r.all("vary"), ["Origin"]);
    let r = call(Method::GET, "/api/item", &[("origin", ADMIN)]).await;
    assert_eq!(r.all("access-control-allow-origin"), [ADMIN]);
    assert_eq!(r.all("access-control-allow-credentials"), ["true"]);
    assert_eq!(r.all("vary"), ["Origin"]);
}

#[actix_web::test]
async fn a_handlers_own_vary_is_merged_not_overwritten() {
    let r = call(Method::GET, "/vary", &[("origin", APP)]).await;
    assert_eq!(r.all("vary"), ["Accept-Encoding, Origin"]);
    assert_eq!(r.one("access-control-allow-origin"), Some(APP));
    let r = call(Method::GET, "/vary", &[]).await;
    assert_eq!(r.all("vary"), ["Accept-Encoding, Origin"]);
}

#[actix_web::test]
async fn route_attribute_with_several_methods() {
    let del = call(Method::OPTIONS, "/multi", &preflight(APP, "DELETE")).await;
    assert_eq!(del.status, 204);
    assert_eq!(del.one("access-control-allow-methods"), Some("DELETE"));
    let r = call(Method::DELETE, "/multi", &[("origin", APP)]).await;
    assert_eq!((r.status, r.body.as_str()), (200, "multi"));
    assert_eq!(r.one("access-control-allow-origin"), Some(APP));
    // An OPTIONS request that is not a preflight does not reach a GET/DELETE handler.
    let plain = call(Method::OPTIONS, "/multi", &[("origin", APP)]).await;
    assert_eq!(plain.status, 404);
    assert_eq!(plain.body, "");
}

#[actix_web::test]
async fn a_handler_for_options_still_gets_plain_options_requests() {
    let plain = call(Method::OPTIONS, "/opt", &[("origin", APP)]).await;
    assert_eq!(plain.status, 200);
    assert_eq!(plain.one("allow"), Some("GET, OPTIONS"));
    assert_eq!(plain.one("access-control-allow-origin"), Some(APP));
    let pre = call(Method::OPTIONS, "/opt", &preflight(APP, "GET")).await;
    // GET is not this handler's method: the default policy answers.
    assert_eq!(pre.status, 204);
    assert_eq!(pre.one("allow"), None);
}

#[actix_web::test]
async fn routes_attribute_is_supported() {
    let before = BOTH_MIDDLEWARE_RUNS.load(Ordering::SeqCst);
    let pre = call(Method::OPTIONS, "/both", &preflight(ADMIN, "PUT")).await;
    assert_eq!(pre.status, 204);
    assert_eq!(pre.one("access-control-allow-origin"), Some(ADMIN));
    assert_eq!(pre.one("access-control-allow-methods"), Some("PUT"));
    assert_eq!(BOTH_MIDDLEWARE_RUNS.load(Ordering::SeqCst), before);
    let put = call(Method::PUT, "/both", &[("origin", ADMIN)]).await;
    assert_eq!((put.status, put.body.as_str()), (200, "both"));
    assert_eq!(put.one("access-control-allow-origin"), Some(ADMIN));
    assert_eq!(put.one("x-user-middleware"), Some("ran"));
    let get = call(Method::GET, "/both", &[("origin", ADMIN)]).await;
    assert_eq!(get.one("access-control-allow-origin"), Some(ADMIN));
    assert_eq!(get.one("x-user-middleware"), None);
}

#[actix_web::test]
async fn scope_module_routes_get_their_policy() {
    let r = call(Method::GET, "/api/item", &[("origin", ADMIN)]).await;
    assert_eq!((r.status, r.body.as_str()), (200, "item"));
    assert_eq!(r.one("access-control-allow-origin"), Some(ADMIN));
    let pre = call(Method::OPTIONS, "/api/item", &preflight(ADMIN, "GET")).await;
    assert_eq!(pre.status, 204);
    assert_eq!(pre.one("access-control-allow-credentials"), Some("true"));
    // The default policy does not reach inside a route policy.
    let app = call(Method::GET, "/api/item", &[("origin", APP)]).await;
    assert_eq!(app.one("access-control-allow-origin"), None);
}

#[actix_web::test]
async fn a_scope_wrap_policy_wins_over_the_application_default() {
    let r = call(Method::GET, "/admin/page", &[("origin", ADMIN)]).await;
    assert_eq!((r.status, r.body.as_str()), (200, "page"));
    assert_eq!(r.all("access-control-allow-origin"), [ADMIN]);
    assert_eq!(r.one("access-control-allow-credentials"), Some("true"));
    let r = call(Method::GET, "/admin/page", &[("origin", APP)]).await;
    assert_eq!(r.one("access-control-allow-origin"), None);
    // Preflights to the scope's paths are answered by the scope's policy.
    let pre = call(Method::OPTIONS, "/admin/page", &preflight(ADMIN, "PUT")).await;
    assert_eq!(pre.status, 204);
    assert_eq!(pre.one("access-control-allow-origin"), Some(ADMIN));
    // Outside the scope, the application's default.
    let r = call(Method::GET, "/nowhere", &[("origin", APP)]).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.one("access-control-allow-origin"), Some(APP));
}

#[actix_web::test]
async fn cors_without_a_default_policy_covers_only_its_routes() {
    let service = test::init_service(App::new().service(read_doc)).await;
    let req = test::TestRequest::get()
        .uri("/doc")
        .insert_header(("origin", APP))
        .to_request();
    let res = service.call(req).await.unwrap();
    assert_eq!(
        res.headers().get("access-control-allow-origin").unwrap(),
        APP
    );
    let req = test::TestRequest::get()
        .uri("/other")
        .insert_header(("origin", APP))
        .to_request();
    let res = service.call(req).await.unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.headers().get("access-control-allow-origin").is_none());
}

/// Middleware that builds a new response in place of the inner one, keeping its body.
async fn rebuild(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let (req, res) = next.call(req).await?.into_parts();
    let res = HttpResponse::Ok().body(res.into_body().boxed());
    Ok(ServiceResponse::new(req, res))
}

/// A route's policy covers the request, whatever the response becomes on the way out: the
/// default policy does not expose to its own origins a route's response that middleware in
/// between built anew.
#[actix_web::test]
async fn the_default_policy_never_covers_a_route_policys_request() {
    let app = test::init_service(
        App::new()
            .wrap(from_fn(rebuild))
            .wrap(default_policy())
            .service(write_doc),
    )
    .await;
    let req = test::TestRequest::put()
        .uri("/doc")
        .insert_header(("origin", APP))
        .to_request();
    let res = app.call(req).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("access-control-allow-origin").is_none());
}
