//! The routing table against Rocket's own routing: for every route of the Rocket conformance
//! server and for a table of cases Rocket's ranking decides (ranks, dynamic and trailing
//! segments, `HEAD` with only a `GET` route, formats, static queries, mount bases), the route
//! the table picks for a preflight announcing a method is the route Rocket runs when that
//! method is dispatched on the same URI. Rocket's choice is observed, not written down: each
//! route answers its own name, so a Rocket release that ranks otherwise fails here.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use cors_shared::PolicySpec;
use rocket::http::{ContentType, Header, MediaType, Method};
use rocket::local::blocking::Client;
use rocket::route::{Handler, Outcome};
use rocket::{Build, Data, Request, Response, Rocket, Route};

use super::{Answerer, Table};
use crate::registry::RouteEntry;

/// The header in which a route of these tests names itself.
const NAMED: &str = "x-route";

/// A handler that answers with the name of the route Rocket ran it for, in [`NAMED`] (a `HEAD`
/// answer keeps its headers).
#[derive(Clone, Copy, Debug)]
struct Echo;

#[rocket::async_trait]
impl Handler for Echo {
    async fn handle<'r>(&self, request: &'r Request<'_>, _: Data<'r>) -> Outcome<'r> {
        let name = request
            .route()
            .and_then(|r| r.name.clone())
            .unwrap_or_default();
        let mut response = Response::new();
        response.set_raw_header(NAMED, name);
        Outcome::Success(response)
    }
}

/// One route of a case table: mounted at `base`, named `name`.
struct Spec {
    base: &'static str,
    method: Method,
    uri: &'static str,
    rank: Option<isize>,
    format: Option<&'static str>,
    name: &'static str,
}

const fn spec(method: Method, uri: &'static str, name: &'static str) -> Spec {
    Spec {
        base: "/",
        method,
        uri,
        rank: None,
        format: None,
        name,
    }
}

impl Spec {
    const fn ranked(mut self, rank: isize) -> Self {
        self.rank = Some(rank);
        self
    }

    const fn format(mut self, format: &'static str) -> Self {
        self.format = Some(format);
        self
    }

    const fn at(mut self, base: &'static str) -> Self {
        self.base = base;
        self
    }

    fn route(&self) -> Route {
        let mut route = match self.rank {
            Some(rank) => Route::ranked(rank, self.method, self.uri, Echo),
            None => Route::new(self.method, self.uri, Echo),
        };
        route.format = self.format.map(|f| MediaType::parse_flexible(f).unwrap());
        route.name = Some(self.name.into());
        route
    }
}

/// An application of [`Echo`] routes.
fn app(specs: &[Spec]) -> Rocket<Build> {
    specs.iter().fold(rocket::build(), |rocket, s| {
        rocket.mount(s.base, [s.route()])
    })
}

/// One request: `method` on `uri`, with these headers (`Content-Type`, `Accept`).
struct Case {
    method: Method,
    uri: String,
    headers: Vec<Header<'static>>,
}

fn case(method: Method, uri: &str) -> Case {
    Case {
        method,
        uri: uri.to_owned(),
        headers: Vec::new(),
    }
}

impl Case {
    fn with(mut self, header: impl Into<Header<'static>>) -> Self {
        self.headers.push(header.into());
        self
    }
}

impl std::fmt::Display for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.uri)?;
        for h in &self.headers {
            write!(f, " [{}: {}]", h.name(), h.value())?;
        }
        Ok(())
    }
}

/// Which route Rocket runs for `case`, by name; `None` when none does.
fn rocket_runs(client: &Client, case: &Case) -> Option<String> {
    let mut request = client.req(case.method, case.uri.clone());
    for h in &case.headers {
        request = request.header(h.clone());
    }
    let response = request.dispatch();
    response.headers().get_one(NAMED).map(str::to_owned)
}

/// A registration for the route named `name`, with a policy of its own.
fn entry_for(name: &str) -> &'static RouteEntry {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let policy = PolicySpec::new()
        .origin(format!("https://r{n}.example"))
        .validate()
        .unwrap();
    Box::leak(Box::new(RouteEntry {
        fn_name: Box::leak(name.to_owned().into_boxed_str()),
        method: "GET",
        uri: "/",
        rank: None,
        format: None,
        attribute: "route",
        module: "against_rocket",
        file: file!(),
        line: line!(),
        policy: Box::leak(Box::new(policy)),
    }))
}

/// Which routes get a `#[cors]` registration in one run of the comparison: the table's policy
/// lookup stops at each method's last route with one, so it is run with every pattern.
#[derive(Clone, Copy, Debug)]
enum Registered {
    None,
    Every,
    Even,
    Odd,
}

impl Registered {
    fn has(self, i: usize) -> bool {
        match self {
            Registered::None => false,
            Registered::Every => true,
            Registered::Even => i % 2 == 0,
            Registered::Odd => i % 2 == 1,
        }
    }
}

/// Runs every case against `rocket` and against the table built, as the fairing builds it at
/// ignite, from its routes; returns one line per case where they disagree, and the names of the
/// routes Rocket ran.
fn disagreements(rocket: Rocket<Build>, cases: &[Case]) -> (Vec<String>, BTreeSet<String>) {
    let routes: Vec<Route> = rocket.routes().cloned().collect();
    let client = Client::debug(rocket).unwrap();
    let rocket_choices: Vec<Option<String>> =
        cases.iter().map(|c| rocket_runs(&client, c)).collect();
    let mut found = Vec::new();
    for registered in [
        Registered::None,
        Registered::Every,
        Registered::Even,
        Registered::Odd,
    ] {
        let annotated: Vec<(&Route, Option<&'static RouteEntry>)> = routes
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let name = r.name.as_deref().unwrap_or("");
                (r, registered.has(i).then(|| entry_for(name)))
            })
            .collect();
        let table = Table::new(&annotated);
        for (case, rocket) in cases.iter().zip(&rocket_choices) {
            let preflight = client.options(case.uri.clone());
            let method = case.method.as_str().as_bytes();
            let picked = match table.answerer(method, preflight.inner()) {
                Answerer::Route(entry) => Some(entry.fn_name.to_owned()),
                Answerer::Plain(name) => name.map(str::to_owned),
                Answerer::NoRoute => None,
            };
            // The policy is the registration's of the route Rocket runs, or none.
            let expected_policy = rocket.as_deref().and_then(|name| {
                annotated
                    .iter()
                    .find(|(r, _)| r.name.as_deref() == Some(name))
                    .and_then(|(_, e)| e.map(|e| e.policy))
            });
            let policy = table.policy_for(method, preflight.inner());
            let same_policy = match (policy, expected_policy) {
                (Some(a), Some(b)) => std::ptr::eq(a, b),
                (a, b) => a.is_none() && b.is_none(),
            };
            if picked != *rocket || !same_policy {
                found.push(format!(
                    "{case}: Rocket runs {rocket:?}, the table picks {picked:?} (registered: \
                     {registered:?}, same policy: {same_policy})"
                ));
            }
        }
    }
    let ran = rocket_choices.into_iter().flatten().collect();
    (found, ran)
}

/// A path that the route's URI matches: `x` for each `<x>`, `a/b` for `<x..>`, the static
/// query fields kept.
fn concrete(route: &Route) -> String {
    let path: Vec<&str> = route
        .uri
        .origin
        .path()
        .raw_segments()
        .map(|s| match s.as_str() {
            s if s.ends_with("..>") => "a/b",
            s if s.starts_with('<') => "x",
            s => s,
        })
        .collect();
    let query: Vec<&str> = route
        .uri
        .origin
        .query()
        .map(|q| {
            q.raw_segments()
                .map(|s| s.as_str())
                .filter(|s| !s.starts_with('<'))
                .collect()
        })
        .unwrap_or_default();
    let mut uri = format!("/{}", path.join("/"));
    if !query.is_empty() {
        uri.push('?');
        uri.push_str(&query.join("&"));
    }
    uri
}

const METHODS: [Method; 6] = [
    Method::Get,
    Method::Head,
    Method::Post,
    Method::Put,
    Method::Delete,
    Method::Patch,
];

#[test]
fn the_conformance_server_is_routed_as_rocket_routes_it() {
    // The conformance server's routes, each answering its own name instead of running.
    let conformance = cors_tests::rocket_app::rocket();
    let specs: Vec<Route> = conformance
        .routes()
        .map(|r| {
            let uri = r.uri.unmounted_origin.to_string();
            let mut route = Route::ranked(r.rank, r.method, &uri, Echo);
            route.format = r.format.clone();
            route.name = r.name.clone();
            route
        })
        .collect();
    let bases: Vec<String> = conformance
        .routes()
        .map(|r| r.uri.base().to_string())
        .collect();
    let names: BTreeSet<String> = specs
        .iter()
        .filter_map(|r| r.name.clone())
        .map(Into::into)
        .collect();
    assert!(
        names.len() >= 13,
        "the conformance server has lost its routes"
    );
    let mut paths: Vec<String> = specs.iter().map(concrete).collect();
    paths.push("/unknown".to_owned());
    paths.sort();
    paths.dedup();
    let cases: Vec<Case> = paths
        .iter()
        .flat_map(|p| METHODS.iter().map(move |m| case(*m, p)))
        .collect();
    let rocket = specs
        .into_iter()
        .zip(bases)
        .fold(rocket::build(), |rocket, (route, base)| {
            rocket.mount(base, [route])
        });
    let (found, ran) = disagreements(rocket, &cases);
    assert!(found.is_empty(), "{}", found.join("\n"));
    // Each route ran at least once: the comparison saw Rocket's choices.
    assert_eq!(ran, names);
}

/// The routes of the tricky cases, with the rules of Rocket 0.5 they exercise.
fn tricky_routes() -> Vec<Spec> {
    use Method::*;
    vec![
        // A static segment ranks before a dynamic one by default, whatever the mount order.
        spec(Get, "/items/<id>", "item_dynamic"),
        spec(Get, "/items/new", "item_static"),
        // Shadowed by `item_dynamic`: a higher rank is tried later.
        spec(Get, "/items/<id>", "item_dynamic_late").ranked(20),
        // A trailing segment matches zero or more segments; an explicit rank beats specificity.
        spec(Get, "/files/<path..>", "files"),
        spec(Get, "/files/readme", "files_readme_late").ranked(30),
        spec(Get, "/<a>/<b>", "any_two").ranked(40),
        // An explicit low rank wins over a static path.
        spec(Put, "/p/<id>", "p_first").ranked(-20),
        spec(Put, "/p/1", "p_static"),
        spec(Delete, "/d/<_..>", "d_all"),
        // Static query fields must be present; queries rank static, then dynamic, then none.
        spec(Get, "/s?mode=full", "s_full"),
        spec(Get, "/s?<q>", "s_any"),
        spec(Get, "/s", "s_bare").ranked(5),
        spec(Post, "/s?mode=full&<rest..>", "s_post_full"),
        spec(Post, "/s", "s_post"),
        // `HEAD` falls back to `GET` only where no `HEAD` route matches.
        spec(Head, "/h/head", "h_head"),
        spec(Get, "/h/<x>", "h_get"),
        spec(Get, "/g", "g_get"),
        // Formats: a payload method matches `Content-Type`, others `Accept`.
        spec(Post, "/upload", "upload_json").format("application/json"),
        spec(Post, "/upload", "upload_any").ranked(10),
        spec(Get, "/report", "report_json").format("application/json"),
        // A static segment is compared as written, the request's decoded.
        spec(Get, "/a%20b", "encoded"),
        spec(Patch, "/slash", "slash"),
        // Mount bases.
        spec(Get, "/", "api_root").at("/api"),
        spec(Get, "/<id>", "api_item").at("/api"),
        spec(Get, "/<rest..>", "api_rest").at("/api").ranked(50),
        spec(Put, "/<id>", "api_v2_put").at("/api/v2"),
    ]
}

#[test]
fn tricky_cases_are_routed_as_rocket_routes_them() {
    use Method::*;
    let json = || ContentType::JSON;
    let accept = |v: &'static str| Header::new("Accept", v);
    let cases = [
        case(Get, "/items/new"),
        case(Get, "/items/7"),
        case(Get, "/items"),
        case(Get, "/items/"),
        case(Get, "/items/new/x"),
        case(Get, "/files"),
        case(Get, "/files/"),
        case(Get, "/files/readme"),
        case(Get, "/files/a/b/c"),
        case(Get, "/x/y"),
        case(Get, "/x/y/z"),
        case(Put, "/p/1"),
        case(Put, "/p/2"),
        case(Delete, "/d"),
        case(Delete, "/d/a/b"),
        case(Get, "/s"),
        case(Get, "/s?mode=full"),
        case(Get, "/s?x=1&mode=full"),
        case(Get, "/s?mode=lite"),
        case(Get, "/s?mode=full%20"),
        case(Post, "/s?mode=full&page=2"),
        case(Post, "/s?mode=lite"),
        case(Head, "/h/head"),
        case(Head, "/h/other"),
        case(Head, "/g"),
        case(Head, "/items/7"),
        case(Head, "/nothing"),
        case(Post, "/upload").with(json()),
        case(Get, "/report"),
        case(Get, "/report").with(accept("*/*")),
        case(Get, "/report").with(accept("application/json")),
        case(Get, "/a%20b"),
        case(Get, "/a%2520b"),
        case(Patch, "/slash"),
        case(Patch, "/slash/"),
        case(Patch, "//slash"),
        case(Get, "/api"),
        case(Get, "/api/"),
        case(Get, "/api/7"),
        case(Get, "/api/7/8"),
        case(Put, "/api/v2/9"),
        case(Put, "/api/v2"),
        case(Post, "/items/new"),
    ];
    let routes = tricky_routes();
    let (found, ran) = disagreements(app(&routes), &cases);
    assert!(found.is_empty(), "{}", found.join("\n"));
    // Every route ran for some case but those that a route of lower rank shadows, and the
    // route Rocket runs only when the request's format rules out the one before it, which a
    // preflight cannot see (`formats_are_where_a_preflight_cannot_follow_rocket`).
    let shadowed = [
        "item_dynamic_late",
        "files_readme_late",
        "s_bare",
        "p_static",
        "upload_any",
    ];
    let expected: BTreeSet<String> = routes
        .iter()
        .map(|r| r.name)
        .filter(|n| !shadowed.contains(n))
        .map(str::to_owned)
        .collect();
    assert_eq!(ran, expected);
}

/// What the table cannot know: a preflight does not carry the actual request's `Content-Type`
/// or `Accept`, so a route whose format Rocket would skip still picks the policy. Written down
/// with both answers, so that a Rocket release that changes how formats route fails here too.
#[test]
fn formats_are_where_a_preflight_cannot_follow_rocket() {
    use Method::*;
    let rocket = app(&tricky_routes());
    let routes: Vec<Route> = rocket.routes().cloned().collect();
    let annotated: Vec<(&Route, Option<&'static RouteEntry>)> =
        routes.iter().map(|r| (r, None)).collect();
    let table = Table::new(&annotated);
    let client = Client::debug(rocket).unwrap();
    let picked = |uri: &str, method: Method| match table.answerer(
        method.as_str().as_bytes(),
        client.options(uri.to_owned()).inner(),
    ) {
        Answerer::Plain(name) => name.map(str::to_owned),
        other => panic!("{other:?}"),
    };
    let cases = [
        // No `Content-Type`: Rocket skips the JSON route of a payload method.
        (case(Post, "/upload"), Some("upload_any")),
        (
            case(Post, "/upload").with(ContentType::Plain),
            Some("upload_any"),
        ),
        // An `Accept` the route's format does not match: no route runs.
        (
            case(Get, "/report").with(Header::new("Accept", "text/html")),
            None,
        ),
    ];
    for (case, rocket_runs_expected) in cases {
        assert_eq!(
            rocket_runs(&client, &case).as_deref(),
            rocket_runs_expected,
            "Rocket for {case}"
        );
        let format_route = if case.method == Post {
            "upload_json"
        } else {
            "report_json"
        };
        assert_eq!(
            picked(&case.uri, case.method).as_deref(),
            Some(format_route),
            "the table for {case}"
        );
    }
}
