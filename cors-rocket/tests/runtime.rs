//! Runtime allowlists on Rocket: a route whose `#[cors]` names an `OriginSet`, alone or beside
//! fixed origins; a default policy over a set; a reloadable default policy, read from the
//! configuration or built in code, that an admin route replaces through `&State<PolicyHandle>`;
//! and the refusal log of an empty set. Each test has sets of its own, so that the tests can
//! run in parallel.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cors_rocket::{cors, Cors, OriginSet, PolicyHandle, PolicySpec};
use cors_tests::capture::take_events;
use rocket::config::LogLevel;
use rocket::figment::providers::{Format, Toml};
use rocket::figment::Figment;
use rocket::http::{Header, Status};
use rocket::local::blocking::{Client, LocalResponse};
use rocket::{get, put, routes, Build, Rocket, State};

const APP: &str = "https://app.example.re";
const SHOP: &str = "https://shop.example.re";

static SHOPS: OriginSet = OriginSet::new("SHOPS");
static PARTNERS: OriginSet = OriginSet::new("PARTNERS");
static EMPTY: OriginSet = OriginSet::new("EMPTY");
static DEFAULT_SET: OriginSet = OriginSet::new("DEFAULT_SET");
static EMPTY_DEFAULT: OriginSet = OriginSet::new("EMPTY_DEFAULT");

#[cors(origins = SHOPS, credentials, methods = [GET, PUT], headers = ["content-type"])]
#[get("/shop")]
fn shop() -> &'static str {
    "shop"
}

#[cors(origins = SHOPS, credentials, methods = [GET, PUT], headers = ["content-type"])]
#[put("/shop")]
fn shop_put() -> &'static str {
    "shop updated"
}

#[cors(origins = ["https://app.example.re", PARTNERS])]
#[get("/partner")]
fn partner() -> &'static str {
    "partner"
}

#[cors(origins = EMPTY, credentials)]
#[get("/empty")]
fn empty() -> &'static str {
    "empty"
}

#[get("/plain")]
fn plain() -> &'static str {
    "plain"
}

/// Replaces the default policy with the origins of the body, one per line.
#[put("/admin/cors", data = "<origins>")]
fn admin(handle: &State<PolicyHandle>, origins: &str) -> (Status, String) {
    match handle.replace(&PolicySpec::new().origins(origins.lines())) {
        Ok(()) => (Status::Ok, format!("generation {}", handle.generation())),
        Err(errors) => (Status::UnprocessableEntity, errors.to_string()),
    }
}

/// Rocket's configuration without `Rocket.toml`, the environment or log output.
fn base() -> Figment {
    Figment::from(rocket::Config::debug_default()).merge(("log_level", LogLevel::Off))
}

fn launch(rocket: Rocket<Build>) -> Client {
    Client::tracked(rocket).expect("launches")
}

fn default_cors() -> Cors {
    Cors::new(PolicySpec::new().origin(APP).validate().unwrap())
}

fn header<'a>(res: &'a LocalResponse<'_>, name: &str) -> Option<&'a str> {
    res.headers().get_one(name)
}

/// `(status, ACAO, ACAC)` of a response.
fn allow<'a>(res: &'a LocalResponse<'_>) -> (u16, Option<&'a str>, Option<&'a str>) {
    (
        res.status().code,
        header(res, "access-control-allow-origin"),
        header(res, "access-control-allow-credentials"),
    )
}

fn get_from<'c>(client: &'c Client, path: &str, origin: &str) -> LocalResponse<'c> {
    client
        .get(path.to_owned())
        .header(Header::new("Origin", origin.to_owned()))
        .dispatch()
}

fn preflight<'c>(client: &'c Client, path: &str, origin: &str, method: &str) -> LocalResponse<'c> {
    client
        .options(path.to_owned())
        .header(Header::new("Origin", origin.to_owned()))
        .header(Header::new(
            "Access-Control-Request-Method",
            method.to_owned(),
        ))
        .dispatch()
}

#[test]
fn a_route_over_a_set_follows_its_changes() {
    let client = launch(
        rocket::custom(base())
            .mount("/", routes![shop, shop_put])
            .attach(default_cors()),
    );
    SHOPS
        .replace([SHOP, "https://*.tenant.example.re"])
        .unwrap();

    let res = get_from(&client, "/shop", SHOP);
    assert_eq!(allow(&res), (200, Some(SHOP), Some("true")));
    assert_eq!(header(&res, "vary"), Some("Origin"));
    let res = get_from(&client, "/shop", "https://a.b.tenant.example.re");
    assert_eq!(
        allow(&res),
        (200, Some("https://a.b.tenant.example.re"), Some("true"))
    );

    // The preflight is answered by the route's policy, with the set's current contents.
    let res = client
        .options("/shop")
        .header(Header::new("Origin", SHOP))
        .header(Header::new("Access-Control-Request-Method", "PUT"))
        .header(Header::new(
            "Access-Control-Request-Headers",
            "content-type",
        ))
        .dispatch();
    assert_eq!(allow(&res), (204, Some(SHOP), Some("true")));
    assert_eq!(header(&res, "access-control-allow-methods"), Some("PUT"));
    assert_eq!(
        header(&res, "access-control-allow-headers"),
        Some("content-type")
    );

    // The default policy's origin is not the route's.
    let res = get_from(&client, "/shop", APP);
    assert_eq!(allow(&res), (200, None, None));

    assert!(SHOPS.remove(SHOP));
    let res = get_from(&client, "/shop", SHOP);
    assert_eq!(allow(&res), (200, None, None));
    let res = preflight(&client, "/shop", SHOP, "PUT");
    assert_eq!(allow(&res), (403, None, None));

    assert_eq!(SHOPS.insert(SHOP), Ok(true));
    let res = client
        .put("/shop")
        .header(Header::new("Origin", SHOP))
        .dispatch();
    assert_eq!(allow(&res), (200, Some(SHOP), Some("true")));
    assert_eq!(res.into_string().as_deref(), Some("shop updated"));
}

#[test]
fn the_credential_rules_of_the_route_hold_for_the_set_from_the_first_change() {
    // Nothing has used the set yet: the rules come from the `#[cors]` below, through the
    // linker's registry.
    static FIRST: OriginSet = OriginSet::new("FIRST");
    #[cors(origins = FIRST, credentials)]
    #[get("/first")]
    fn first() -> &'static str {
        "first"
    }
    let _ = routes![first];
    let errors = FIRST
        .replace(["http://shop.example.re", "https://*.github.io"])
        .unwrap_err();
    let found: Vec<(Option<usize>, Option<&str>)> = errors
        .errors()
        .iter()
        .map(|e| (e.location().index, e.entry()))
        .collect();
    assert_eq!(
        found,
        [
            (Some(0), Some("http://shop.example.re")),
            (Some(1), Some("https://*.github.io"))
        ]
    );
    assert!(FIRST.is_empty());
    assert_eq!(FIRST.replace(["http://localhost:5173"]), Ok(1));
}

#[test]
fn fixed_origins_beside_a_set() {
    let client = launch(
        rocket::custom(base())
            .mount("/", routes![partner])
            .attach(default_cors()),
    );
    assert_eq!(
        allow(&get_from(&client, "/partner", APP)),
        (200, Some(APP), None)
    );
    let res = get_from(&client, "/partner", "http://partner.example.re");
    assert_eq!(allow(&res), (200, None, None));
    // Without credentials, the set takes plain http.
    assert_eq!(PARTNERS.replace(["http://partner.example.re"]), Ok(1));
    let res = get_from(&client, "/partner", "http://partner.example.re");
    assert_eq!(allow(&res), (200, Some("http://partner.example.re"), None));
    assert_eq!(
        allow(&get_from(&client, "/partner", APP)),
        (200, Some(APP), None)
    );
}

#[test]
fn a_default_policy_over_a_set() {
    let policy = PolicySpec::new()
        .origin(APP)
        .origin_set(&DEFAULT_SET)
        .credentials(true)
        .validate()
        .unwrap();
    let client = launch(
        rocket::custom(base())
            .mount("/", routes![plain])
            .attach(Cors::new(policy)),
    );
    assert_eq!(allow(&get_from(&client, "/plain", SHOP)), (200, None, None));
    // The default policy allows credentials: the set refuses plain http.
    assert!(DEFAULT_SET.replace(["http://shop.example.re"]).is_err());
    assert_eq!(DEFAULT_SET.replace([SHOP]), Ok(1));
    assert_eq!(
        allow(&get_from(&client, "/plain", SHOP)),
        (200, Some(SHOP), Some("true"))
    );
    assert_eq!(
        allow(&get_from(&client, "/plain", APP)),
        (200, Some(APP), Some("true"))
    );
    // Rocket's own 404, and a preflight to a path without a route.
    assert_eq!(
        allow(&get_from(&client, "/nowhere", SHOP)),
        (404, Some(SHOP), Some("true"))
    );
    assert_eq!(
        allow(&preflight(&client, "/nowhere", SHOP, "GET")),
        (204, Some(SHOP), Some("true"))
    );
}

#[test]
fn an_admin_route_replaces_a_default_policy_read_from_the_configuration() {
    let figment = base().merge(Toml::string(
        r#"cors = { origins = ["https://app.example.re"] }"#,
    ));
    let client = launch(
        rocket::custom(figment)
            .mount("/", routes![plain, admin])
            .attach(Cors::from_config().reloadable()),
    );
    assert_eq!(
        allow(&get_from(&client, "/plain", APP)),
        (200, Some(APP), None)
    );

    let res = client
        .put("/admin/cors")
        .body("https://shop.example.re\nhttps://*.tenant.example.re")
        .dispatch();
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(res.into_string().as_deref(), Some("generation 1"));
    assert_eq!(
        allow(&get_from(&client, "/plain", SHOP)),
        (200, Some(SHOP), None)
    );
    assert_eq!(
        allow(&get_from(&client, "/plain", "https://a.tenant.example.re")),
        (200, Some("https://a.tenant.example.re"), None)
    );
    assert_eq!(allow(&get_from(&client, "/plain", APP)), (200, None, None));

    // A refused change says why and keeps the policy in force.
    let res = client
        .put("/admin/cors")
        .body("https://app.example.re/")
        .dispatch();
    assert_eq!(res.status(), Status::UnprocessableEntity);
    assert_eq!(
        res.into_string().as_deref(),
        Some(
            "invalid CORS policy (1 problem):\n- origins[0]: origin `https://app.example.re/` \
             has a trailing slash\n  = why: an origin is only scheme://host[:port]; browsers \
             send it without any path, so this entry never matches\n  = help: write \
             `https://app.example.re`"
        )
    );
    assert_eq!(
        allow(&get_from(&client, "/plain", SHOP)),
        (200, Some(SHOP), None)
    );
    let handle = client.rocket().state::<PolicyHandle>().unwrap();
    assert_eq!(handle.generation(), 1);
}

#[test]
fn a_handle_given_to_the_fairing_is_the_one_in_managed_state() {
    let handle = PolicyHandle::new(PolicySpec::new().origin(APP).validate().unwrap());
    let client = launch(
        rocket::custom(base())
            .mount("/", routes![plain])
            .attach(Cors::new(handle.clone())),
    );
    handle
        .replace(
            &PolicySpec::new()
                .origin(SHOP)
                .credentials(true)
                .expose(["x-total-count"]),
        )
        .unwrap();
    let res = get_from(&client, "/plain", SHOP);
    assert_eq!(allow(&res), (200, Some(SHOP), Some("true")));
    assert_eq!(
        header(&res, "access-control-expose-headers"),
        Some("x-total-count")
    );
    let managed = client.rocket().state::<PolicyHandle>().unwrap();
    assert_eq!(managed.generation(), 1);
    assert!(managed.load().allows_origin(SHOP));
}

#[test]
fn an_empty_set_refuses_and_the_log_says_the_set_is_empty() {
    let default = PolicySpec::new()
        .origin_set(&EMPTY_DEFAULT)
        .validate()
        .unwrap();
    let client = launch(
        rocket::custom(base())
            .mount("/", routes![empty, plain])
            .attach(Cors::new(default)),
    );
    take_events();
    let res = get_from(&client, "/empty", SHOP);
    assert_eq!(allow(&res), (200, None, None));
    assert_eq!(header(&res, "vary"), Some("Origin"));
    let res = preflight(&client, "/empty", SHOP, "GET");
    assert_eq!(allow(&res), (403, None, None));
    let res = get_from(&client, "/plain", SHOP);
    assert_eq!(allow(&res), (200, None, None));
    // The refusals (the preflight's answer is logged too).
    let refusals: Vec<String> = take_events()
        .into_iter()
        .filter(|e| e.contains("refused"))
        .collect();
    assert_eq!(
        refusals,
        [
            "DEBUG CORS refused, no Access-Control-Allow-Origin: origin `https://shop.example.re` \
             is not allowed by the policy: its origin set `EMPTY` is empty method=GET \
             path=\"/empty\" policy=\"route\"",
            "DEBUG CORS refused, no Access-Control-Allow-Origin: origin `https://shop.example.re` \
             is not allowed by the policy: its origin set `EMPTY` is empty method=OPTIONS \
             path=\"/empty\" policy=\"route\"",
            "DEBUG CORS refused, no Access-Control-Allow-Origin: origin `https://shop.example.re` \
             is not allowed by the policy: its origin set `EMPTY_DEFAULT` is empty method=GET \
             path=\"/plain\" policy=\"default\"",
        ]
    );

    // A set that holds other origins says the origin is not allowed, not that it is empty.
    EMPTY_DEFAULT.replace([APP]).unwrap();
    get_from(&client, "/plain", SHOP);
    assert_eq!(
        take_events(),
        [
            "DEBUG CORS refused, no Access-Control-Allow-Origin: origin `https://shop.example.re` \
          is not allowed by the policy method=GET path=\"/plain\" policy=\"default\""
        ]
    );
}
