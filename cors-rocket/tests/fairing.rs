//! The Rocket adapter beyond the conformance table: configuration through Rocket's figment,
//! launch failures, how preflights find their route, user OPTIONS routes, guards that must not
//! run, catchers, `Vary` merging, refusal events and what other fairings see of a preflight.
//!
//! The crate forbids `unsafe_code`: `#[cors]` must work in crates that do.
// Helpers outside `#[test]` functions may unwrap too (clippy.toml covers the tests themselves).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicUsize, Ordering};

use cors_rocket::{cors, policy, Cors, Policy, PolicySpec};
use rocket::config::LogLevel;
use rocket::fairing::AdHoc;
use rocket::figment::providers::{Env, Format, Toml};
use rocket::figment::Figment;
use rocket::form::Form;
use rocket::http::{Header, Status};
use rocket::local::blocking::{Client, LocalResponse};
use rocket::request::{FromRequest, Outcome};
use rocket::{catch, catchers, get, options, post, put, routes, Build, Request, Rocket};

const APP: &str = "https://app.example.re";
const ITEMS: &str = "https://items.example.re";

policy! {
    /// The default policy of most tests.
    DEFAULT = {
        origins = ["https://app.example.re"],
        methods = [GET, POST],
    };
}

policy! {
    /// The policy of the item routes.
    ITEMS_POLICY = {
        origins = ["https://items.example.re"],
        credentials,
        methods = [GET, PUT],
        headers = ["content-type"],
    };
}

/// Rocket's configuration without `Rocket.toml`, the environment or log output.
fn base() -> Figment {
    Figment::from(rocket::Config::debug_default()).merge(("log_level", LogLevel::Off))
}

fn launch(rocket: Rocket<Build>) -> Client {
    Client::tracked(rocket).expect("launches")
}

fn with_default(routes: Vec<rocket::Route>) -> Client {
    launch(
        rocket::custom(base())
            .mount("/", routes)
            .attach(Cors::new(&DEFAULT)),
    )
}

fn header<'a>(res: &'a LocalResponse<'_>, name: &str) -> Option<&'a str> {
    res.headers().get_one(name)
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

fn get_from<'c>(client: &'c Client, path: &str, origin: &str) -> LocalResponse<'c> {
    client
        .get(path.to_owned())
        .header(Header::new("Origin", origin.to_owned()))
        .dispatch()
}

#[get("/plain")]
fn plain() -> &'static str {
    "plain"
}

/// Ignites `rocket` and checks that the CORS fairing, and only it, made launch fail.
fn assert_launch_fails(rocket: Rocket<Build>) {
    let Err(failure) = rocket::execute(rocket.ignite()) else {
        panic!("launch succeeded");
    };
    // `kind()` also tells Rocket the error was handled, so dropping it does not panic.
    match failure.kind() {
        rocket::error::ErrorKind::FailedFairings(failed) => {
            let names: Vec<&str> = failed.iter().map(|f| f.name).collect();
            assert_eq!(names, ["CORS"]);
        }
        other => panic!("launch failed for another reason: {other}"),
    }
}

// --- Configuration -------------------------------------------------------------------------

fn from_toml(toml: &str) -> Rocket<Build> {
    rocket::custom(base().merge(Toml::string(toml).nested()))
        .mount("/", routes![plain])
        .attach(Cors::from_config())
}

#[test]
fn policy_from_rocket_toml() {
    let client = launch(from_toml(
        r#"
        [default.cors]
        origins = ["https://app.example.re"]
        methods = ["GET", "PUT"]
        headers = ["content-type"]
        max_age = 600
        "#,
    ));
    let res = client
        .options("/plain")
        .header(Header::new("Origin", APP))
        .header(Header::new("Access-Control-Request-Method", "PUT"))
        .header(Header::new(
            "Access-Control-Request-Headers",
            "content-type",
        ))
        .dispatch();
    assert_eq!(res.status(), Status::NoContent);
    assert_eq!(header(&res, "access-control-allow-origin"), Some(APP));
    assert_eq!(header(&res, "access-control-allow-methods"), Some("PUT"));
    assert_eq!(
        header(&res, "access-control-allow-headers"),
        Some("content-type")
    );
    assert_eq!(header(&res, "access-control-max-age"), Some("600"));
    let res = get_from(&client, "/plain", "https://other.example.re");
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(header(&res, "access-control-allow-origin"), None);
    assert_eq!(header(&res, "vary"), Some("Origin"));
}

#[test]
fn policy_from_the_environment() {
    // A key no other test reads, so that setting it cannot disturb them.
    std::env::set_var(
        "ROCKET_ENVCORS",
        r#"{origins=["https://env.example.re"],credentials=true}"#,
    );
    let figment = base().merge(Env::prefixed("ROCKET_").global());
    let client = launch(
        rocket::custom(figment)
            .mount("/", routes![plain])
            .attach(Cors::from_config_key("envcors")),
    );
    let res = get_from(&client, "/plain", "https://env.example.re");
    assert_eq!(
        header(&res, "access-control-allow-origin"),
        Some("https://env.example.re")
    );
    assert_eq!(
        header(&res, "access-control-allow-credentials"),
        Some("true")
    );
}

#[test]
fn invalid_policy_in_config_lists_every_problem_and_fails_launch() {
    let rocket = from_toml(
        r#"
        [default.cors]
        origins = ["https://app.example.re/", "http://Admin.example.re", "*"]
        credentials = true
        max_age = 100000
        "#,
    );
    let error = Cors::from_config().check(&rocket).unwrap_err();
    let text = error.to_string();
    for part in [
        "CORS cannot launch (1 problem):",
        "the CORS policy of the `cors` configuration: invalid CORS policy (",
        "origins[0]",
        "https://app.example.re/",
        "origins[1]",
        "`credentials` cannot be combined with the origin `*`",
        "max_age 100000 is above 86400 seconds",
        "= help:",
    ] {
        assert!(text.contains(part), "missing {part:?} in:\n{text}");
    }
    assert_launch_fails(rocket);
}

#[test]
fn misspelt_key_is_named() {
    let rocket = from_toml(
        r#"
        [default.cors]
        orgins = ["https://app.example.re"]
        "#,
    );
    let text = Cors::from_config().check(&rocket).unwrap_err().to_string();
    assert!(
        text.contains("the `cors` configuration is not a CORS policy"),
        "{text}"
    );
    assert!(
        text.contains(
            "unknown key `cors.orgins` (from TOML source string); did you mean `origins`?"
        ),
        "{text}"
    );
    assert!(
        text.contains("The keys are: `origins`, `credentials`"),
        "{text}"
    );
    assert_launch_fails(rocket);
}

#[test]
fn every_type_error_in_rocket_toml_is_named_by_its_key() {
    let rocket = from_toml(
        r#"
        [default.cors]
        origins = "https://app.example.re"
        credentials = "yes"
        methods = ["GET", 5]
        max_age = -1
        orgins = []
        "#,
    );
    let text = Cors::from_config().check(&rocket).unwrap_err().to_string();
    let from = "(from TOML source string)";
    for line in [
        "- the `cors` configuration is not a CORS policy:".to_owned(),
        format!(
            "  - `cors.origins` {from}: expected a list of strings, found the string \
             \"https://app.example.re\"; a single entry is a list too: \
             `origins = [\"https://app.example.re\"]`"
        ),
        format!(
            "  - `cors.credentials` {from}: expected `true` or `false`, found the string \"yes\""
        ),
        format!("  - `cors.methods[1]` {from}: expected a string, found the number 5"),
        format!(
            "  - `cors.max_age` {from}: expected a whole number of seconds, as in \
             `max_age = 600`, found the number -1"
        ),
        format!("  - unknown key `cors.orgins` {from}; did you mean `origins`?"),
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing line {line:?} in:\n{text}"
        );
    }
    assert_launch_fails(rocket);
}

#[test]
fn type_errors_from_the_environment_name_the_variable() {
    // A key no other test reads, so that setting it cannot disturb them.
    std::env::set_var(
        "ROCKET_ENVTYPES",
        r#"{origins=["https://env.example.re", true],credentials="yes"}"#,
    );
    let figment = base().merge(Env::prefixed("ROCKET_").global());
    let rocket = rocket::custom(figment).attach(Cors::from_config_key("envtypes"));
    let text = Cors::from_config_key("envtypes")
        .check(&rocket)
        .unwrap_err()
        .to_string();
    for line in [
        "  - `origins[1]` in the environment variable `ROCKET_ENVTYPES`: expected a string, \
         found `true`",
        "  - `credentials` in the environment variable `ROCKET_ENVTYPES`: expected `true` or \
         `false`, found the string \"yes\"",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing line {line:?} in:\n{text}"
        );
    }
}

#[test]
fn missing_config_says_how_to_write_it() {
    let rocket = rocket::custom(base()).attach(Cors::from_config());
    let text = Cors::from_config().check(&rocket).unwrap_err().to_string();
    assert!(
        text.contains("read from the `cors` configuration key, which is not set"),
        "{text}"
    );
    assert!(text.contains("[default.cors]"), "{text}");
    assert!(text.contains("ROCKET_CORS"), "{text}");
    assert_launch_fails(rocket);
}

// --- Registration ---------------------------------------------------------------------------

// Two handlers that differ only by module: `#[cors]` cannot tell their routes apart.
mod v1 {
    use super::*;

    #[cors(origins = ["https://one.example.re"])]
    #[get("/twin")]
    pub(crate) fn twin() -> &'static str {
        "one"
    }
}

mod v2 {
    use super::*;

    #[cors(origins = ["https://two.example.re"])]
    #[get("/twin")]
    pub(crate) fn twin() -> &'static str {
        "two"
    }
}

#[test]
fn registrations_that_cannot_be_told_apart_fail_launch() {
    // Two API versions with a handler of the same name: a realistic way to get there.
    let rocket = rocket::custom(base())
        .mount("/", routes![v1::twin])
        .mount("/v2", routes![v2::twin])
        .attach(Cors::new(&DEFAULT));
    let text = Cors::new(&DEFAULT).check(&rocket).unwrap_err().to_string();
    assert!(
        text.starts_with("CORS cannot launch (2 problems):"),
        "{text}"
    );
    for route in ["GET /twin", "GET /v2/twin"] {
        let claim =
            format!("the route {route} (function `twin`) is claimed by 2 #[cors] registrations");
        assert!(text.contains(&claim), "missing {claim:?} in:\n{text}");
    }
    assert!(
        text.contains("`fairing::v1::twin` (#[get(\"/twin\")] at cors-rocket/tests/fairing.rs:"),
        "{text}"
    );
    assert!(
        text.contains("`fairing::v2::twin` (#[get(\"/twin\")] at cors-rocket/tests/fairing.rs:"),
        "{text}"
    );
    assert!(text.contains("Rename one of the functions"), "{text}");
    assert_launch_fails(rocket);
}

#[cors(policy = ITEMS_POLICY)]
#[get("/items/<id>")]
fn item_get(id: u32) -> String {
    format!("item {id}")
}

#[cors(policy = ITEMS_POLICY)]
#[put("/items/<id>")]
fn item_put(id: u32) -> String {
    format!("updated {id}")
}

#[get("/items/special")]
fn item_special() -> &'static str {
    "special"
}

#[test]
fn a_route_mounted_twice_has_its_policy_at_both_places_and_for_head() {
    let client = launch(
        rocket::custom(base())
            .mount("/", routes![item_get])
            .mount("/v2", routes![item_get])
            .attach(Cors::new(&DEFAULT)),
    );
    for path in ["/items/1", "/v2/items/1"] {
        let res = get_from(&client, path, ITEMS);
        assert_eq!(res.status(), Status::Ok);
        assert_eq!(
            header(&res, "access-control-allow-origin"),
            Some(ITEMS),
            "{path}"
        );
        assert_eq!(
            header(&res, "access-control-allow-credentials"),
            Some("true")
        );
    }
    // Rocket answers HEAD with the GET route; the policy follows.
    let res = client
        .head("/items/1")
        .header(Header::new("Origin", ITEMS))
        .dispatch();
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(header(&res, "access-control-allow-origin"), Some(ITEMS));
}

#[test]
fn preflights_find_the_route_rocket_would_run() {
    let client = with_default(routes![item_get, item_put, item_special]);
    // GET /items/special is served by the route without a policy: the default refuses ITEMS.
    let res = preflight(&client, "/items/special", ITEMS, "GET");
    assert_eq!(res.status(), Status::Forbidden);
    assert_eq!(header(&res, "access-control-allow-origin"), None);
    // ... while PUT /items/special would reach `item_put`, whose policy allows it.
    let res = preflight(&client, "/items/special", ITEMS, "PUT");
    assert_eq!(res.status(), Status::NoContent);
    assert_eq!(header(&res, "access-control-allow-origin"), Some(ITEMS));
    assert_eq!(header(&res, "access-control-allow-methods"), Some("PUT"));
    // HEAD is served by the GET route.
    let res = preflight(&client, "/items/7", ITEMS, "HEAD");
    assert_eq!(res.status(), Status::NoContent);
    assert_eq!(header(&res, "access-control-allow-origin"), Some(ITEMS));
    // No route for the method: the default policy answers.
    let res = preflight(&client, "/items/7", APP, "POST");
    assert_eq!(res.status(), Status::NoContent);
    assert_eq!(header(&res, "access-control-allow-origin"), Some(APP));
    let res = preflight(&client, "/items/7", ITEMS, "POST");
    assert_eq!(res.status(), Status::Forbidden);
    // Nothing like it at all: the default policy too.
    let res = preflight(&client, "/elsewhere/deep", APP, "GET");
    assert_eq!(res.status(), Status::NoContent);
    assert_eq!(
        header(&res, "vary"),
        Some("Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
    );
}

#[cors(origins = ["https://items.example.re"], methods = [PATCH])]
#[rocket::route(PATCH, uri = "/generic/<id>", rank = 3)]
fn generic(id: u32) -> String {
    format!("patched {id}")
}

#[test]
fn the_generic_route_attribute_registers_too() {
    let client = with_default(routes![generic]);
    let res = preflight(&client, "/generic/4", ITEMS, "PATCH");
    assert_eq!(res.status(), Status::NoContent);
    assert_eq!(header(&res, "access-control-allow-methods"), Some("PATCH"));
    let res = client
        .patch("/generic/4")
        .header(Header::new("Origin", ITEMS))
        .dispatch();
    assert_eq!(header(&res, "access-control-allow-origin"), Some(ITEMS));
    assert_eq!(res.into_string().as_deref(), Some("patched 4"));
}

#[cors(policy = ITEMS_POLICY)]
#[get("/ranked/<name>")]
fn ranked_any(name: &str) -> String {
    name.to_owned()
}

#[get("/ranked/low", rank = 5)]
fn ranked_low() -> &'static str {
    "low"
}

#[test]
fn preflights_follow_explicit_ranks() {
    // `ranked_low` has a static path but rank 5, so Rocket tries `ranked_any` (rank -5) first.
    let client = with_default(routes![ranked_any, ranked_low]);
    let res = get_from(&client, "/ranked/low", ITEMS);
    assert_eq!(res.into_string().as_deref(), Some("low"));
    let res = get_from(&client, "/ranked/low", ITEMS);
    assert_eq!(header(&res, "access-control-allow-origin"), Some(ITEMS));
    let res = preflight(&client, "/ranked/low", ITEMS, "GET");
    assert_eq!(res.status(), Status::NoContent);
    assert_eq!(header(&res, "access-control-allow-origin"), Some(ITEMS));
}

// --- Preflights and the application's own code ---------------------------------------------

static GUARD_CALLS: AtomicUsize = AtomicUsize::new(0);
static HANDLER_CALLS: AtomicUsize = AtomicUsize::new(0);

/// A request guard that counts how often it runs.
struct Counted;

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Counted {
    type Error = ();
    async fn from_request(_: &'r Request<'_>) -> Outcome<Self, ()> {
        GUARD_CALLS.fetch_add(1, Ordering::SeqCst);
        Outcome::Success(Counted)
    }
}

#[cors(policy = ITEMS_POLICY)]
#[put("/guarded")]
fn guarded(_counted: Counted) -> &'static str {
    HANDLER_CALLS.fetch_add(1, Ordering::SeqCst);
    "guarded"
}

#[test]
fn preflights_run_neither_the_handler_nor_its_guards() {
    let client = with_default(routes![guarded]);
    for origin in [ITEMS, APP, "https://evil.example"] {
        let res = preflight(&client, "/guarded", origin, "PUT");
        assert!(res.into_bytes().unwrap_or_default().is_empty());
    }
    assert_eq!(GUARD_CALLS.load(Ordering::SeqCst), 0);
    assert_eq!(HANDLER_CALLS.load(Ordering::SeqCst), 0);
    let res = client
        .put("/guarded")
        .header(Header::new("Origin", ITEMS))
        .dispatch();
    assert_eq!(res.into_string().as_deref(), Some("guarded"));
    assert_eq!(GUARD_CALLS.load(Ordering::SeqCst), 1);
    assert_eq!(HANDLER_CALLS.load(Ordering::SeqCst), 1);
}

#[cors(policy = ITEMS_POLICY)]
#[get("/own-options")]
fn own_options_get() -> &'static str {
    "get"
}

#[options("/own-options")]
fn own_options() -> &'static str {
    "the application's own answer"
}

#[test]
fn the_applications_options_routes_win() {
    let client = with_default(routes![own_options_get, own_options]);
    let res = preflight(&client, "/own-options", APP, "GET");
    assert_eq!(res.status(), Status::Ok);
    // The fairing still writes the CORS headers of the policy that covers the OPTIONS route.
    assert_eq!(header(&res, "access-control-allow-origin"), Some(APP));
    assert_eq!(
        res.into_string().as_deref(),
        Some("the application's own answer")
    );
    // Without `Access-Control-Request-Method` the generated route forwards, too.
    let client = with_default(routes![own_options_get]);
    let res = client
        .options("/own-options")
        .header(Header::new("Origin", ITEMS))
        .dispatch();
    assert_eq!(res.status(), Status::NotFound);
    assert_eq!(header(&res, "access-control-allow-methods"), None);
}

// --- Errors, catchers and Vary -------------------------------------------------------------

#[derive(rocket::FromForm)]
struct Item {
    count: u8,
}

#[cors(policy = ITEMS_POLICY)]
#[post("/form", data = "<item>")]
fn form(item: Form<Item>) -> String {
    item.count.to_string()
}

#[cors(policy = ITEMS_POLICY)]
#[get("/broken")]
fn broken() -> Status {
    Status::InternalServerError
}

#[catch(404)]
fn not_found() -> &'static str {
    "the application's 404"
}

#[test]
fn error_responses_carry_the_headers_of_their_route() {
    let client = launch(
        rocket::custom(base())
            .mount("/", routes![form, broken, plain])
            .register("/", catchers![not_found])
            .attach(Cors::new(&DEFAULT)),
    );
    // 422 from a failing data guard of a `#[cors]` route: the route's policy.
    let res = client
        .post("/form")
        .header(Header::new("Origin", ITEMS))
        .header(rocket::http::ContentType::Form)
        .body("count=many")
        .dispatch();
    assert_eq!(res.status(), Status::UnprocessableEntity);
    assert_eq!(header(&res, "access-control-allow-origin"), Some(ITEMS));
    assert_eq!(
        header(&res, "access-control-allow-credentials"),
        Some("true")
    );
    // 500 of a `#[cors]` route: the route's policy.
    let res = get_from(&client, "/broken", ITEMS);
    assert_eq!(res.status(), Status::InternalServerError);
    assert_eq!(header(&res, "access-control-allow-origin"), Some(ITEMS));
    // The application's own 404 catcher, for a path without a route: the default policy.
    let res = get_from(&client, "/nowhere", APP);
    assert_eq!(res.status(), Status::NotFound);
    assert_eq!(header(&res, "access-control-allow-origin"), Some(APP));
    assert_eq!(header(&res, "access-control-allow-credentials"), None);
    assert_eq!(res.into_string().as_deref(), Some("the application's 404"));
    let res = get_from(&client, "/nowhere", ITEMS);
    assert_eq!(header(&res, "access-control-allow-origin"), None);
    assert_eq!(header(&res, "vary"), Some("Origin"));
}

#[derive(rocket::Responder)]
struct Compressed {
    body: &'static str,
    vary: Header<'static>,
}

#[cors(policy = ITEMS_POLICY)]
#[get("/compressed")]
fn compressed() -> Compressed {
    Compressed {
        body: "compressed",
        vary: Header::new("Vary", "Accept-Encoding"),
    }
}

#[cors(policy = ITEMS_POLICY)]
#[get("/already")]
fn already() -> Compressed {
    Compressed {
        body: "already",
        vary: Header::new("Vary", "origin"),
    }
}

#[test]
fn the_handlers_vary_is_merged_not_replaced() {
    let client = with_default(routes![compressed, already]);
    for origin in [ITEMS, "https://evil.example"] {
        let res = get_from(&client, "/compressed", origin);
        let vary: Vec<&str> = res.headers().get("vary").collect();
        assert_eq!(vary, ["Accept-Encoding, Origin"], "{origin}");
    }
    let res = client.get("/compressed").dispatch();
    let vary: Vec<&str> = res.headers().get("vary").collect();
    assert_eq!(vary, ["Accept-Encoding, Origin"]);
    // Already there, in another case: kept as written, not repeated.
    let res = get_from(&client, "/already", ITEMS);
    let vary: Vec<&str> = res.headers().get("vary").collect();
    assert_eq!(vary, ["origin"]);
}

#[test]
fn an_owned_policy_and_a_second_fairing_are_accepted() {
    let owned: Policy = PolicySpec::new()
        .origin("https://owned.example.re")
        .validate()
        .unwrap();
    // The fairing is a singleton: the last one attached is used, and only one preflight route
    // is mounted.
    let client = launch(
        rocket::custom(base())
            .mount("/", routes![plain])
            .attach(Cors::new(&DEFAULT))
            .attach(Cors::new(owned)),
    );
    let res = get_from(&client, "/plain", "https://owned.example.re");
    assert_eq!(
        header(&res, "access-control-allow-origin"),
        Some("https://owned.example.re")
    );
    let res = get_from(&client, "/plain", APP);
    assert_eq!(header(&res, "access-control-allow-origin"), None);
    let preflight_routes = client
        .rocket()
        .routes()
        .filter(|r| r.method == rocket::http::Method::Options)
        .count();
    assert_eq!(preflight_routes, 1);
}

#[test]
fn a_route_mounted_after_the_fairing_ran_gets_the_default_policy() {
    // The documented consequence of attaching `Cors` before a fairing that mounts routes.
    let client = launch(rocket::custom(base()).attach(Cors::new(&DEFAULT)).attach(
        AdHoc::on_ignite("late", |rocket| async {
            rocket.mount("/", routes![item_get])
        }),
    ));
    let res = get_from(&client, "/items/1", ITEMS);
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(header(&res, "access-control-allow-origin"), None);
    let res = get_from(&client, "/items/1", APP);
    assert_eq!(header(&res, "access-control-allow-origin"), Some(APP));
}

// --- Without the fairing -------------------------------------------------------------------

#[test]
fn cors_routes_without_the_fairing_fail_launch_at_their_attribute() {
    // Callers of the handler see the return type it was written with.
    let body: String = item_get(3);
    assert_eq!(body, "item 3");
    let rocket = rocket::custom(base()).mount("/", routes![item_get, plain]);
    let Err(failure) = rocket::execute(rocket.ignite()) else {
        panic!("launch succeeded");
    };
    match failure.kind() {
        rocket::error::ErrorKind::SentinelAborts(sentries) => {
            let found: Vec<(&str, &str, u32)> = sentries
                .iter()
                .map(|s| (s.type_name, s.location.0, s.location.1))
                .collect();
            assert_eq!(
                found,
                [("cors_rocket::sentinel::AttachCorsFairing", file!(), 357)]
            );
        }
        other => panic!("launch failed for another reason: {other}"),
    }
    // With the fairing, the same routes launch.
    with_default(routes![item_get, plain]);
}

// --- Mount policies ------------------------------------------------------------------------

const ADMIN: &str = "https://admin.example.re";

policy! {
    /// The policy of the `/admin` mount.
    ADMIN_POLICY = {
        origins = ["https://admin.example.re"],
        credentials,
        methods = [GET, DELETE],
    };
}

#[get("/panel")]
fn panel() -> &'static str {
    "panel"
}

#[cors(policy = ITEMS_POLICY)]
#[get("/listing")]
fn admin_listing() -> &'static str {
    "listing"
}

fn with_mounts() -> Client {
    launch(
        rocket::custom(base())
            .mount("/", routes![plain])
            .mount("/admin", routes![panel, admin_listing])
            .mount("/admin/deep", routes![panel])
            .attach(
                Cors::new(&DEFAULT)
                    .mount_policy("/admin/deep/", &ITEMS_POLICY)
                    .mount_policy("/admin", &ADMIN_POLICY),
            ),
    )
}

#[test]
fn a_mount_policy_covers_its_routes_404s_and_preflights() {
    let client = with_mounts();
    for path in ["/admin/panel", "/admin/missing", "/admin"] {
        let res = get_from(&client, path, ADMIN);
        assert_eq!(
            header(&res, "access-control-allow-origin"),
            Some(ADMIN),
            "{path}"
        );
        assert_eq!(
            header(&res, "access-control-allow-credentials"),
            Some("true"),
            "{path}"
        );
        let res = get_from(&client, path, APP);
        assert_eq!(header(&res, "access-control-allow-origin"), None, "{path}");
    }
    assert_eq!(
        get_from(&client, "/admin/missing", ADMIN).status(),
        Status::NotFound
    );
    for path in ["/admin/panel", "/admin/missing"] {
        let res = preflight(&client, path, ADMIN, "DELETE");
        assert_eq!(res.status(), Status::NoContent, "{path}");
        assert_eq!(
            header(&res, "access-control-allow-origin"),
            Some(ADMIN),
            "{path}"
        );
        assert_eq!(
            header(&res, "access-control-allow-methods"),
            Some("DELETE"),
            "{path}"
        );
        assert_eq!(
            header(&res, "access-control-allow-credentials"),
            Some("true"),
            "{path}"
        );
    }
    // Outside the base, segment by segment: the default policy.
    for path in ["/plain", "/administrator"] {
        let res = get_from(&client, path, APP);
        assert_eq!(
            header(&res, "access-control-allow-origin"),
            Some(APP),
            "{path}"
        );
        let res = get_from(&client, path, ADMIN);
        assert_eq!(header(&res, "access-control-allow-origin"), None, "{path}");
    }
}

#[test]
fn route_policies_and_longer_bases_win_over_a_mount_policy() {
    let client = with_mounts();
    let res = get_from(&client, "/admin/listing", ITEMS);
    assert_eq!(header(&res, "access-control-allow-origin"), Some(ITEMS));
    let res = get_from(&client, "/admin/listing", ADMIN);
    assert_eq!(header(&res, "access-control-allow-origin"), None);
    let res = preflight(&client, "/admin/listing", ITEMS, "GET");
    assert_eq!(header(&res, "access-control-allow-origin"), Some(ITEMS));
    for path in ["/admin/deep/panel", "/admin/deep/missing"] {
        let res = get_from(&client, path, ITEMS);
        assert_eq!(
            header(&res, "access-control-allow-origin"),
            Some(ITEMS),
            "{path}"
        );
        let res = get_from(&client, path, ADMIN);
        assert_eq!(header(&res, "access-control-allow-origin"), None, "{path}");
    }
}

#[test]
fn a_mount_policy_is_named_in_the_log() {
    let client = with_mounts();
    take_events();
    preflight(&client, "/admin/panel", ADMIN, "PUT");
    assert_eq!(
        take_events(),
        [
            "DEBUG CORS refused, no Access-Control-Allow-Origin: method `PUT` is not allowed by \
             the policy method=OPTIONS path=\"/admin/panel\" policy=\"/admin\"",
            "DEBUG CORS preflight answered by the policy of the mount `/admin`: no route of this \
             path handles PUT path=\"/admin/panel\" status=403",
        ]
    );
}

#[test]
fn bad_mount_bases_fail_launch_with_a_message() {
    let rocket = rocket::custom(base()).attach(
        Cors::new(&DEFAULT)
            .mount_policy("admin", &ADMIN_POLICY)
            .mount_policy("/users/<id>", &ADMIN_POLICY)
            .mount_policy("/v1?x=1", &ADMIN_POLICY)
            .mount_policy("/v2", &ADMIN_POLICY)
            .mount_policy("/v2/", &ADMIN_POLICY),
    );
    let cors = Cors::new(&DEFAULT)
        .mount_policy("admin", &ADMIN_POLICY)
        .mount_policy("/users/<id>", &ADMIN_POLICY)
        .mount_policy("/v1?x=1", &ADMIN_POLICY)
        .mount_policy("/v2", &ADMIN_POLICY)
        .mount_policy("/v2/", &ADMIN_POLICY);
    let text = cors.check(&rocket).unwrap_err().to_string();
    for part in [
        "CORS cannot launch (4 problems):",
        "- the CORS mount policy for `admin`: `admin` is not a path Rocket can mount at (",
        "- the CORS mount policy for `/users/<id>`: dynamic segments are not supported",
        "- the CORS mount policy for `/v1?x=1`: a mount base has no query",
        "- the CORS mount policy for `/v2/`: `/v2` already has one, and a base has one policy",
        "write the path the routes are mounted at, such as \
         `Cors::new(default).mount_policy(\"/admin\", admin)`",
    ] {
        assert!(text.contains(part), "missing {part:?} in:\n{text}");
    }
    assert_launch_fails(rocket);
}

// --- Refusal events ------------------------------------------------------------------------

use cors_tests::capture::take_events;

#[test]
fn refusals_are_logged_with_method_path_and_reason() {
    let client = with_default(routes![item_get, plain]);
    take_events();
    get_from(&client, "/items/3", "https://evil.example");
    preflight(&client, "/plain", APP, "DELETE");
    get_from(&client, "/items/3", ITEMS);
    client.get("/plain").dispatch();
    let events = take_events();
    assert_eq!(
        events,
        [
            "DEBUG CORS refused, no Access-Control-Allow-Origin: origin `https://evil.example` \
             is not allowed by the policy method=GET path=\"/items/3\" policy=\"route\"",
            "DEBUG CORS refused, no Access-Control-Allow-Origin: method `DELETE` is not allowed \
             by the policy method=OPTIONS path=\"/plain\" policy=\"default\"",
            "DEBUG CORS preflight answered by the default policy: no route of this path handles \
             DELETE path=\"/plain\" status=403",
        ]
    );
}

#[test]
fn every_preflight_says_which_policy_answered_and_why() {
    let client = with_default(routes![
        item_get,
        item_special,
        own_options_get,
        own_options
    ]);
    take_events();
    // A credentialed GET route, asked for POST: the default policy answers, without
    // credentials, and the log says why.
    let res = preflight(&client, "/items/3", APP, "POST");
    assert_eq!(res.status(), Status::NoContent);
    assert_eq!(header(&res, "access-control-allow-credentials"), None);
    preflight(&client, "/items/3", ITEMS, "GET");
    preflight(&client, "/items/special", APP, "GET");
    preflight(&client, "/own-options", APP, "GET");
    let events = take_events();
    assert_eq!(
        events,
        [
            "DEBUG CORS preflight answered by the default policy: no route of this path handles \
             POST path=\"/items/3\" status=204",
            format!(
                "DEBUG CORS preflight answered by the route policy of `fairing::item_get` \
                 (#[get(\"/items/<id>\")] at {}:357) path=\"/items/3\" status=204",
                file!()
            )
            .as_str(),
            "DEBUG CORS preflight answered by the default policy: the route that handles GET \
             here, `item_special`, has no #[cors] path=\"/items/special\" status=204",
            "DEBUG CORS preflight answered by the application's OPTIONS route `own_options`, \
             with the headers of the default policy path=\"/own-options\" status=200",
        ]
    );
}

policy! {
    /// A policy that answers Private Network Access preflights.
    PRIVATE_NETWORK = {
        origins = ["https://app.example.re"],
        methods = [GET, POST],
        private_network,
    };
}

#[cors(policy = PRIVATE_NETWORK)]
#[post("/device")]
fn device() -> &'static str {
    "device"
}

/// `Access-Control-Request-Private-Network` reaches a policy that answers it, a route's or the
/// default one; other policies never read it, so their answer and its `Vary` do not depend on it.
#[test]
fn private_network_preflights_reach_the_policies_that_answer_them() {
    let ask = |client: &Client, path: &str| {
        let res = client
            .options(path.to_owned())
            .header(Header::new("Origin", APP))
            .header(Header::new("Access-Control-Request-Method", "POST"))
            .header(Header::new(
                "Access-Control-Request-Private-Network",
                "true",
            ))
            .dispatch();
        (
            res.status(),
            header(&res, "access-control-allow-private-network").map(str::to_owned),
            header(&res, "vary").map(str::to_owned),
        )
    };
    let pna_vary = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, \
                    Access-Control-Request-Private-Network";
    let routed = with_default(routes![device, plain]);
    assert_eq!(
        ask(&routed, "/device"),
        (
            Status::NoContent,
            Some("true".into()),
            Some(pna_vary.into())
        )
    );
    // The default policy does not answer private network access.
    assert_eq!(
        ask(&routed, "/plain"),
        (
            Status::NoContent,
            None,
            Some("Origin, Access-Control-Request-Method, Access-Control-Request-Headers".into())
        )
    );
    let by_default = launch(
        rocket::custom(base())
            .mount("/", routes![plain])
            .attach(Cors::new(&PRIVATE_NETWORK)),
    );
    assert_eq!(
        ask(&by_default, "/plain"),
        (
            Status::NoContent,
            Some("true".into()),
            Some(pna_vary.into())
        )
    );
}

/// A preflight is answered in the fairing's response hook: a fairing attached before `Cors`
/// sees the generated route's empty 204, one attached after it sees the answer.
#[test]
fn fairings_before_cors_see_an_empty_preflight_answer() {
    use std::sync::{Arc, Mutex};
    type Seen = Arc<Mutex<Vec<(u16, Option<String>)>>>;
    fn watch(name: &'static str, seen: Seen) -> AdHoc {
        AdHoc::on_response(name, move |_, res| {
            let seen = Arc::clone(&seen);
            Box::pin(async move {
                let acao = res
                    .headers()
                    .get_one("access-control-allow-origin")
                    .map(str::to_owned);
                seen.lock().unwrap().push((res.status().code, acao));
            })
        })
    }
    let (before, after): (Seen, Seen) = Default::default();
    let client = launch(
        rocket::custom(base())
            .mount("/", routes![plain])
            .attach(watch("before", Arc::clone(&before)))
            .attach(Cors::new(&DEFAULT))
            .attach(watch("after", Arc::clone(&after))),
    );
    let allowed = preflight(&client, "/plain", APP, "POST");
    assert_eq!(allowed.status(), Status::NoContent);
    assert_eq!(header(&allowed, "access-control-allow-origin"), Some(APP));
    let refused = preflight(&client, "/plain", ITEMS, "POST");
    assert_eq!(refused.status(), Status::Forbidden);
    assert_eq!(header(&refused, "access-control-allow-origin"), None);
    assert_eq!(*before.lock().unwrap(), [(204, None), (204, None)]);
    assert_eq!(
        *after.lock().unwrap(),
        [(204, Some(APP.to_owned())), (403, None)]
    );
}
