//! The link-time registry that `#[cors]` writes to, and matching its elements with the routes
//! Rocket has mounted.

use std::fmt;

use cors_shared::Policy;
use rocket::http::uri::Origin;
use rocket::http::MediaType;
use rocket::Route;

/// The route registry: one element per `#[cors]` handler in the whole program, gathered by the
/// linker. Nothing runs before `main`.
#[linkme::distributed_slice]
pub static ROUTES: [RouteEntry];

/// One `#[cors]` handler: what its route attribute says, where it was written, and its policy.
///
/// Written by the `#[cors]` attribute; not public API.
#[derive(Debug)]
pub struct RouteEntry {
    /// The handler's name, which Rocket uses as the route's name.
    pub fn_name: &'static str,
    /// The method, upper case.
    pub method: &'static str,
    /// The URI of the route attribute, before mounting.
    pub uri: &'static str,
    /// `rank = N` of the route attribute.
    pub rank: Option<isize>,
    /// `format = "..."` of the route attribute.
    pub format: Option<&'static str>,
    /// The route attribute's name (`get`, `route`, ...), for messages.
    pub attribute: &'static str,
    /// `module_path!()` where the handler is.
    pub module: &'static str,
    /// `file!()` of the `#[cors]` attribute.
    pub file: &'static str,
    /// `line!()` of the `#[cors]` attribute.
    pub line: u32,
    /// The handler's policy.
    pub policy: &'static Policy,
}

impl RouteEntry {
    /// Whether `route` is what this element's route attribute produces, mounted anywhere.
    pub(crate) fn matches(&self, route: &Route) -> bool {
        route.name.as_deref() == Some(self.fn_name)
            && route.method.as_str() == self.method
            && self.rank.is_none_or(|rank| rank == route.rank)
            && self.format.is_none_or(|format| {
                MediaType::parse_flexible(format).as_ref() == route.format.as_ref()
            })
            && Origin::parse_route(self.uri)
                .is_ok_and(|uri| uri.into_normalized() == route.uri.unmounted_origin)
    }
}

impl fmt::Display for RouteEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}::{}` (#[{}(\"{}\")] at {}:{})",
            self.module, self.fn_name, self.attribute, self.uri, self.file, self.line
        )
    }
}

/// The registration of each route in `routes` (`None` for routes without `#[cors]`), or one
/// message per route that several registrations claim.
pub(crate) fn annotate<'r>(
    entries: &'static [RouteEntry],
    routes: impl IntoIterator<Item = &'r Route>,
) -> Result<Vec<(&'r Route, Option<&'static RouteEntry>)>, Vec<String>> {
    let mut annotated = Vec::new();
    let mut problems = Vec::new();
    for route in routes {
        let mut claims = entries.iter().filter(|entry| entry.matches(route));
        let first = claims.next();
        let others: Vec<&RouteEntry> = claims.collect();
        if let (Some(first), false) = (first, others.is_empty()) {
            let list: Vec<String> = std::iter::once(first)
                .chain(others)
                .map(|e| format!("    - {e}"))
                .collect();
            problems.push(format!(
                "the route {} {} (function `{}`) is claimed by {} #[cors] registrations that \
                 cannot be told apart:\n{}\n  Routes are identified by function name, method, \
                 URI, rank and format, so CORS cannot know which policy applies. Rename one of \
                 the functions, or give the routes different ranks.",
                route.method,
                route.uri,
                first.fn_name,
                list.len(),
                list.join("\n"),
            ));
        }
        annotated.push((route, first));
    }
    if problems.is_empty() {
        Ok(annotated)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rocket::http::Method;
    use rocket::route::dummy_handler;

    static POLICY: std::sync::LazyLock<Policy> = std::sync::LazyLock::new(|| {
        cors_shared::PolicySpec::new()
            .origin("https://app.example.re")
            .validate()
            .unwrap()
    });

    fn entry(fn_name: &'static str, method: &'static str, uri: &'static str) -> RouteEntry {
        RouteEntry {
            fn_name,
            method,
            uri,
            rank: None,
            format: None,
            attribute: "get",
            module: "app",
            file: "src/app.rs",
            line: 1,
            policy: &POLICY,
        }
    }

    fn route(name: &'static str, method: Method, uri: &str) -> Route {
        let mut route = Route::new(method, uri, dummy_handler);
        route.name = Some(name.into());
        route
    }

    #[test]
    fn matches_by_name_method_and_unmounted_uri() {
        let e = entry("item", "GET", "/items/<id>?<q>");
        let mounted = route("item", Method::Get, "/items/<id>?<q>")
            .map_base(|b| format!("/api{b}"))
            .unwrap();
        assert!(e.matches(&mounted));
        assert!(!e.matches(&route("other", Method::Get, "/items/<id>?<q>")));
        assert!(!e.matches(&route("item", Method::Put, "/items/<id>?<q>")));
        assert!(!e.matches(&route("item", Method::Get, "/items/<id>")));
    }

    #[test]
    fn rank_and_format_narrow_the_match_when_written() {
        let mut e = entry("item", "POST", "/items");
        e.rank = Some(3);
        e.format = Some("json");
        let mut r = route("item", Method::Post, "/items");
        r.rank = 3;
        r.format = Some(MediaType::JSON);
        assert!(e.matches(&r));
        r.rank = 4;
        assert!(!e.matches(&r));
        r.rank = 3;
        r.format = Some(MediaType::XML);
        assert!(!e.matches(&r));
    }

    #[test]
    fn two_claims_on_one_route_are_reported_with_both_places() {
        let entries: &'static [RouteEntry] = Box::leak(Box::new([
            entry("index", "GET", "/"),
            RouteEntry {
                module: "app::v2",
                file: "src/v2.rs",
                line: 7,
                ..entry("index", "GET", "/")
            },
        ]));
        let routes = [route("index", Method::Get, "/")];
        let problems = annotate(entries, &routes).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        let text = &problems[0];
        assert!(
            text.contains("the route GET / (function `index`) is claimed by 2"),
            "{text}"
        );
        assert!(
            text.contains("`app::index` (#[get(\"/\")] at src/app.rs:1)"),
            "{text}"
        );
        assert!(
            text.contains("`app::v2::index` (#[get(\"/\")] at src/v2.rs:7)"),
            "{text}"
        );
    }

    #[test]
    fn one_registration_may_cover_a_route_mounted_twice() {
        let entries: &'static [RouteEntry] = Box::leak(Box::new([entry("index", "GET", "/")]));
        let routes = [
            route("index", Method::Get, "/"),
            route("index", Method::Get, "/")
                .map_base(|_| "/v2".to_owned())
                .unwrap(),
            route("plain", Method::Get, "/plain"),
        ];
        let annotated = annotate(entries, &routes).unwrap();
        let claimed: Vec<bool> = annotated.iter().map(|(_, e)| e.is_some()).collect();
        assert_eq!(claimed, [true, true, false]);
    }
}
