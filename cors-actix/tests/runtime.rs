//! Runtime allowlists on Actix: a route whose `#[cors]` names an `OriginSet`, alone or beside
//! fixed origins; a default policy over a set; a reloadable default policy; and the refusal log
//! of an empty set. Each test has sets of its own, so that the tests can run in parallel.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::{self as actix_test, TestRequest};
use actix_web::{get, put, web, App, HttpResponse};
use cors_actix::{cors, Cors, OriginSet, PolicyHandle, PolicySpec};
use cors_tests::capture::take_events;

const APP: &str = "https://app.example.re";
const SHOP: &str = "https://shop.example.re";

static SHOPS: OriginSet = OriginSet::new("SHOPS");
static PARTNERS: OriginSet = OriginSet::new("PARTNERS");
static DEFAULT_SET: OriginSet = OriginSet::new("DEFAULT_SET");
static BESIDE: OriginSet = OriginSet::new("BESIDE");
static EMPTY: OriginSet = OriginSet::new("EMPTY");
static EMPTY_DEFAULT: OriginSet = OriginSet::new("EMPTY_DEFAULT");

#[cors(origins = SHOPS, credentials, methods = [GET, PUT], headers = ["content-type"])]
#[get("/shop")]
async fn shop() -> &'static str {
    "shop"
}

#[cors(origins = SHOPS, credentials, methods = [GET, PUT], headers = ["content-type"])]
#[put("/shop")]
async fn shop_put() -> &'static str {
    "shop updated"
}

#[cors(origins = ["https://app.example.re", PARTNERS], expose = ["x-partner"])]
#[get("/partner")]
async fn partner() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("x-partner", "1"))
        .body("partner")
}

#[cors(origins = EMPTY, credentials)]
#[get("/empty")]
async fn empty() -> &'static str {
    "empty"
}

async fn plain() -> &'static str {
    "plain"
}

fn header<B>(res: &ServiceResponse<B>, name: &str) -> Option<String> {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

fn request(method: &str, path: &str, headers: &[(&str, &str)]) -> TestRequest {
    let mut req = TestRequest::default()
        .method(method.parse().unwrap())
        .uri(path);
    for h in headers {
        req = req.append_header(*h);
    }
    req
}

fn get_from(path: &str, origin: &str) -> TestRequest {
    request("GET", path, &[("origin", origin)])
}

fn preflight(path: &str, origin: &str, method: &str) -> TestRequest {
    request(
        "OPTIONS",
        path,
        &[
            ("origin", origin),
            ("access-control-request-method", method),
        ],
    )
}

/// `(ACAO, ACAC)` of a response.
fn allow<B>(res: &ServiceResponse<B>) -> (Option<String>, Option<String>) {
    (
        header(res, "access-control-allow-origin"),
        header(res, "access-control-allow-credentials"),
    )
}

fn default_policy() -> Cors {
    Cors::new(PolicySpec::new().origin(APP).validate().unwrap())
}

#[actix_web::test]
async fn a_route_over_a_set_follows_its_changes() {
    let app = actix_test::init_service(
        App::new()
            .wrap(default_policy())
            .service(shop)
            .service(shop_put),
    )
    .await;
    SHOPS
        .replace([SHOP, "https://*.tenant.example.re"])
        .unwrap();

    let res = app
        .call(get_from("/shop", SHOP).to_request())
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(allow(&res), (Some(SHOP.into()), Some("true".into())));
    assert_eq!(header(&res, "vary").as_deref(), Some("Origin"));

    let res = app
        .call(get_from("/shop", "https://a.b.tenant.example.re").to_request())
        .await
        .unwrap();
    assert_eq!(
        allow(&res),
        (
            Some("https://a.b.tenant.example.re".into()),
            Some("true".into())
        )
    );

    // The route answers its preflights with the set's current contents.
    let res = app
        .call(
            request(
                "OPTIONS",
                "/shop",
                &[
                    ("origin", SHOP),
                    ("access-control-request-method", "PUT"),
                    ("access-control-request-headers", "content-type"),
                ],
            )
            .to_request(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(allow(&res), (Some(SHOP.into()), Some("true".into())));
    assert_eq!(
        header(&res, "access-control-allow-methods").as_deref(),
        Some("PUT")
    );
    assert_eq!(
        header(&res, "access-control-allow-headers").as_deref(),
        Some("content-type")
    );

    // The default policy's origin is not the route's.
    let res = app.call(get_from("/shop", APP).to_request()).await.unwrap();
    assert_eq!((res.status().as_u16(), allow(&res)), (200, (None, None)));

    // Removing an entry refuses it from the next request on.
    assert!(SHOPS.remove(SHOP));
    let res = app
        .call(get_from("/shop", SHOP).to_request())
        .await
        .unwrap();
    assert_eq!((res.status().as_u16(), allow(&res)), (200, (None, None)));
    let res = app
        .call(preflight("/shop", SHOP, "PUT").to_request())
        .await
        .unwrap();
    assert_eq!((res.status().as_u16(), allow(&res)), (403, (None, None)));

    // Inserting one adds it.
    assert_eq!(SHOPS.insert(SHOP), Ok(true));
    let res = app
        .call(request("PUT", "/shop", &[("origin", SHOP)]).to_request())
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(allow(&res), (Some(SHOP.into()), Some("true".into())));
}

#[test]
fn the_credential_rules_of_the_route_hold_for_the_set_from_the_first_change() {
    // `/first` allows credentials: before anything else touched the set, plain http and
    // public-suffix wildcards are refused, and the set keeps what it had.
    static FIRST: OriginSet = OriginSet::new("FIRST");
    #[cors(origins = FIRST, credentials)]
    #[get("/first")]
    async fn first() -> &'static str {
        "first"
    }
    let _ = App::new().service(first);
    let errors = FIRST
        .replace([
            "https://ok.example.re",
            "http://shop.example.re",
            "https://*.github.io",
        ])
        .unwrap_err();
    let found: Vec<(Option<usize>, Option<&str>, String)> = errors
        .errors()
        .iter()
        .map(|e| (e.location().index, e.entry(), e.message()))
        .collect();
    assert_eq!(
        found,
        [
            (
                Some(1),
                Some("http://shop.example.re"),
                "origin `http://shop.example.re` uses plain http while `credentials` is on"
                    .to_owned()
            ),
            (
                Some(2),
                Some("https://*.github.io"),
                "origin `https://*.github.io` matches every site under a public suffix while \
                 `credentials` is on"
                    .to_owned()
            ),
        ]
    );
    assert!(FIRST.is_empty());
    assert_eq!(FIRST.replace(["http://localhost:5173"]), Ok(1));
}

#[actix_web::test]
async fn fixed_origins_beside_a_set() {
    let app = actix_test::init_service(App::new().service(partner)).await;
    // The set is empty: the fixed origin still works, nothing else does.
    let res = app
        .call(get_from("/partner", APP).to_request())
        .await
        .unwrap();
    assert_eq!(allow(&res), (Some(APP.into()), None));
    assert_eq!(
        header(&res, "access-control-expose-headers").as_deref(),
        Some("x-partner")
    );
    let res = app
        .call(get_from("/partner", "http://partner.example.re").to_request())
        .await
        .unwrap();
    assert_eq!(allow(&res), (None, None));

    // Without credentials, the set takes plain http.
    assert_eq!(PARTNERS.replace(["http://partner.example.re"]), Ok(1));
    let res = app
        .call(get_from("/partner", "http://partner.example.re").to_request())
        .await
        .unwrap();
    assert_eq!(
        allow(&res),
        (Some("http://partner.example.re".into()), None)
    );
    assert_eq!(
        header(&res, "access-control-expose-headers").as_deref(),
        Some("x-partner")
    );
    let res = app
        .call(get_from("/partner", APP).to_request())
        .await
        .unwrap();
    assert_eq!(allow(&res), (Some(APP.into()), None));
}

#[actix_web::test]
async fn a_default_policy_over_a_set_alone_and_beside_fixed_origins() {
    let alone = PolicySpec::new()
        .origin_set(&DEFAULT_SET)
        .credentials(true)
        .validate()
        .unwrap();
    let beside = PolicySpec::new()
        .origin(APP)
        .origin_set(&BESIDE)
        .validate()
        .unwrap();
    let app = actix_test::init_service(
        App::new()
            .service(
                web::scope("/beside")
                    .wrap(Cors::new(beside))
                    .route("/plain", web::get().to(plain)),
            )
            .wrap(Cors::new(alone))
            .route("/plain", web::get().to(plain)),
    )
    .await;

    // Alone: nobody until the set is filled; the policy's credential rule holds for the set.
    let res = app
        .call(get_from("/plain", SHOP).to_request())
        .await
        .unwrap();
    assert_eq!(allow(&res), (None, None));
    assert!(DEFAULT_SET.replace(["http://shop.example.re"]).is_err());
    assert_eq!(DEFAULT_SET.replace([SHOP]), Ok(1));
    let res = app
        .call(get_from("/plain", SHOP).to_request())
        .await
        .unwrap();
    assert_eq!(allow(&res), (Some(SHOP.into()), Some("true".into())));
    // Actix's own 404 too.
    let res = app
        .call(get_from("/nowhere", SHOP).to_request())
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(allow(&res), (Some(SHOP.into()), Some("true".into())));
    let res = app
        .call(preflight("/nowhere", SHOP, "GET").to_request())
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(allow(&res), (Some(SHOP.into()), Some("true".into())));

    // Beside a fixed origin, in a scope of its own.
    let res = app
        .call(get_from("/beside/plain", APP).to_request())
        .await
        .unwrap();
    assert_eq!(allow(&res), (Some(APP.into()), None));
    let res = app
        .call(get_from("/beside/plain", SHOP).to_request())
        .await
        .unwrap();
    assert_eq!(allow(&res), (None, None));
    assert_eq!(BESIDE.insert(SHOP), Ok(true));
    let res = app
        .call(get_from("/beside/plain", SHOP).to_request())
        .await
        .unwrap();
    assert_eq!(allow(&res), (Some(SHOP.into()), None));
    let res = app
        .call(get_from("/beside/plain", APP).to_request())
        .await
        .unwrap();
    assert_eq!(allow(&res), (Some(APP.into()), None));
}

#[actix_web::test]
async fn a_reloadable_default_policy_answers_with_the_version_in_force() {
    let handle = PolicyHandle::new(PolicySpec::new().origin(APP).validate().unwrap());
    let cors = Cors::reloadable(handle.clone());
    assert_eq!(cors.handle().map(PolicyHandle::generation), Some(0));
    let app = actix_test::init_service(
        App::new()
            .wrap(cors.clone())
            .route("/plain", web::get().to(plain)),
    )
    .await;
    let res = app
        .call(get_from("/plain", APP).to_request())
        .await
        .unwrap();
    assert_eq!(allow(&res), (Some(APP.into()), None));

    handle
        .replace(
            &PolicySpec::new()
                .origin(SHOP)
                .credentials(true)
                .expose(["x-total-count"]),
        )
        .unwrap();
    let res = app
        .call(get_from("/plain", SHOP).to_request())
        .await
        .unwrap();
    assert_eq!(allow(&res), (Some(SHOP.into()), Some("true".into())));
    assert_eq!(
        header(&res, "access-control-expose-headers").as_deref(),
        Some("x-total-count")
    );
    let res = app
        .call(get_from("/plain", APP).to_request())
        .await
        .unwrap();
    assert_eq!(allow(&res), (None, None));
    assert_eq!(header(&res, "vary").as_deref(), Some("Origin"));

    // A bad replacement changes nothing; the middleware's handle is the same handle.
    let errors = handle
        .replace(&PolicySpec::new().origin("https://app.example.re/"))
        .unwrap_err();
    assert_eq!(
        errors.to_string(),
        "invalid CORS policy (1 problem):\n- origins[0]: origin `https://app.example.re/` has a \
         trailing slash\n  = why: an origin is only scheme://host[:port]; browsers send it \
         without any path, so this entry never matches\n  = help: write `https://app.example.re`"
    );
    let res = app
        .call(get_from("/plain", SHOP).to_request())
        .await
        .unwrap();
    assert_eq!(allow(&res), (Some(SHOP.into()), Some("true".into())));
    assert_eq!(cors.handle().map(PolicyHandle::generation), Some(1));
    assert!(cors.policy().allows_origin(SHOP));
}

#[test]
fn an_empty_set_refuses_and_the_log_says_the_set_is_empty() {
    take_events();
    let system = actix_web::rt::System::new();
    let default = PolicySpec::new()
        .origin_set(&EMPTY_DEFAULT)
        .validate()
        .unwrap();
    let app = system.block_on(actix_test::init_service(
        App::new()
            .wrap(Cors::new(default))
            .service(empty)
            .route("/plain", web::get().to(plain)),
    ));
    let send = |req: TestRequest| system.block_on(app.call(req.to_request())).unwrap();

    let res = send(get_from("/empty", SHOP));
    assert_eq!((res.status().as_u16(), allow(&res)), (200, (None, None)));
    assert_eq!(header(&res, "vary").as_deref(), Some("Origin"));
    assert_eq!(
        take_events(),
        [
            "DEBUG CORS refused, no Access-Control-Allow-Origin: origin `https://shop.example.re` \
          is not allowed by the policy: its origin set `EMPTY` is empty method=GET path=/empty \
          policy=\"route\""
        ]
    );

    let res = send(preflight("/empty", SHOP, "GET"));
    assert_eq!((res.status().as_u16(), allow(&res)), (403, (None, None)));
    assert_eq!(
        take_events(),
        [
            "DEBUG CORS refused, no Access-Control-Allow-Origin: origin `https://shop.example.re` \
          is not allowed by the policy: its origin set `EMPTY` is empty method=OPTIONS \
          path=/empty policy=\"route\"",
            "DEBUG CORS preflight answered by the route policy of `runtime::empty` path=/empty \
             status=403",
        ]
    );

    let res = send(get_from("/plain", SHOP));
    assert_eq!((res.status().as_u16(), allow(&res)), (200, (None, None)));
    assert_eq!(
        take_events(),
        [
            "DEBUG CORS refused, no Access-Control-Allow-Origin: origin `https://shop.example.re` \
          is not allowed by the policy: its origin set `EMPTY_DEFAULT` is empty method=GET \
          path=/plain policy=\"default\""
        ]
    );

    // A set that is not empty but does not hold the origin says so, not that it is empty.
    EMPTY_DEFAULT.replace([APP]).unwrap();
    let res = send(get_from("/plain", SHOP));
    assert_eq!(allow(&res), (None, None));
    assert_eq!(
        take_events(),
        [
            "DEBUG CORS refused, no Access-Control-Allow-Origin: origin `https://shop.example.re` \
          is not allowed by the policy method=GET path=/plain policy=\"default\""
        ]
    );
    // Emptied again (`[]` is a valid change), it refuses the origin it held.
    assert_eq!(EMPTY_DEFAULT.replace(Vec::<String>::new()), Ok(0));
    let res = send(get_from("/plain", APP));
    assert_eq!(allow(&res), (None, None));
    assert_eq!(take_events().len(), 1);
}
