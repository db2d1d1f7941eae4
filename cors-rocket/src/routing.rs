//! Which route Rocket would run for a method on a request's path, without running it.
//!
//! A preflight announces the method of the actual request in `Access-Control-Request-Method`;
//! its policy is that of the route Rocket would run for that method on the same path. Rocket
//! 0.5 keeps its router and its route matching to itself, so this table follows them: each
//! method's routes in Rocket's order (by rank, then mount order), Rocket's path and static
//! query rules, and `HEAD` falling back to `GET`. Formats are not looked at, since a preflight
//! does not carry the actual request's `Content-Type`. The tests compare every choice with
//! Rocket's own routing, so a Rocket release that routes otherwise fails them.

use cors_shared::Policy;
use rocket::form::ValueField;
use rocket::http::Method;
use rocket::{Request, Route};

use crate::registry::RouteEntry;

/// One segment of a route's path.
#[derive(Debug, PartialEq, Eq)]
enum Segment {
    /// Must equal the request's (decoded) segment.
    Static(String),
    /// `<name>`: any one segment.
    Dynamic,
    /// `<name..>`: the rest, possibly nothing.
    Trailing,
}

/// A mounted route as the preflight router sees it.
#[derive(Debug)]
struct Target {
    segments: Vec<Segment>,
    /// `name=value` fields that the route's query requires.
    static_query: Vec<(String, String)>,
    /// Its `#[cors]` registration; `None` for a route without `#[cors]`.
    entry: Option<&'static RouteEntry>,
    /// The route's name (its function's), for the log.
    name: Option<String>,
}

impl Target {
    fn new(route: &Route, entry: Option<&'static RouteEntry>) -> Self {
        let segments = route
            .uri
            .origin
            .path()
            .raw_segments()
            .map(|s| {
                let s = s.as_str();
                match s.strip_prefix('<').and_then(|s| s.strip_suffix('>')) {
                    Some(name) if name.ends_with("..") => Segment::Trailing,
                    Some(_) => Segment::Dynamic,
                    None => Segment::Static(s.to_owned()),
                }
            })
            .collect();
        let static_query = route
            .uri
            .origin
            .query()
            .map(|q| {
                q.raw_segments()
                    .map(|s| s.as_str())
                    .filter(|s| !(s.starts_with('<') && s.ends_with('>')))
                    .map(|s| {
                        let field = ValueField::parse(s);
                        (field.name.source().to_string(), field.value.to_owned())
                    })
                    .collect()
            })
            .unwrap_or_default();
        Target {
            segments,
            static_query,
            entry,
            name: route.name.as_ref().map(|n| n.to_string()),
        }
    }

    /// Its `#[cors]` policy; `None` for the default policy.
    fn policy(&self) -> Option<&'static Policy> {
        self.entry.map(|e| e.policy)
    }

    /// Rocket's path and query rules; formats are not looked at, since a preflight does not
    /// carry the announced request's `Content-Type`.
    fn matches(&self, request: &Request<'_>) -> bool {
        let path = request.uri().path().segments();
        let trailing = matches!(self.segments.last(), Some(Segment::Trailing));
        let length_ok = if trailing {
            path.len() + 1 >= self.segments.len()
        } else {
            path.len() == self.segments.len()
        };
        if !length_ok {
            return false;
        }
        for (segment, actual) in self.segments.iter().zip(path) {
            match segment {
                Segment::Trailing => return true,
                Segment::Dynamic => {}
                Segment::Static(expected) => {
                    if expected != actual {
                        return false;
                    }
                }
            }
        }
        self.static_query.iter().all(|(name, value)| {
            request.uri().query().is_some_and(|q| {
                q.segments()
                    .any(|(n, v)| n == name.as_str() && v == value.as_str())
            })
        })
    }
}

/// For each method, the application's routes in the order Rocket tries them.
#[derive(Debug, Default)]
pub(crate) struct Table {
    /// The method, its routes, and how many of them decide the policy: past the method's last
    /// route with a policy, whichever route matches, the default policy answers, so those routes
    /// are tried only to name the route in the log.
    by_method: Vec<(Method, Vec<Target>, usize)>,
}

/// Which policy answered a preflight, and why, for the log.
#[derive(Debug)]
pub(crate) enum Answerer<'t> {
    /// The `#[cors]` policy of this route.
    Route(&'static RouteEntry),
    /// The default (or mount) policy, since the route that handles the method here, named,
    /// has no `#[cors]`.
    Plain(Option<&'t str>),
    /// The default (or mount) policy, since no route of this path handles the method.
    NoRoute,
}

impl Table {
    /// Builds the table from every mounted route and its registration.
    pub(crate) fn new(routes: &[(&Route, Option<&'static RouteEntry>)]) -> Self {
        let mut sorted: Vec<_> = routes.iter().collect();
        // Rocket's router sorts by rank and keeps mount order among equals.
        sorted.sort_by_key(|(route, _)| route.rank);
        let mut table = Table::default();
        for (route, entry) in sorted {
            let target = Target::new(route, *entry);
            match table
                .by_method
                .iter_mut()
                .find(|(m, _, _)| *m == route.method)
            {
                Some((_, targets, _)) => targets.push(target),
                None => table.by_method.push((route.method, vec![target], 0)),
            }
        }
        // `HEAD` keeps all of its routes, since one that matches stops the fall back to `GET`.
        for (method, targets, decisive) in &mut table.by_method {
            *decisive = if *method == Method::Head {
                targets.len()
            } else {
                targets
                    .iter()
                    .rposition(|t| t.entry.is_some())
                    .map_or(0, |i| i + 1)
            };
        }
        table
    }

    /// The first route Rocket would try for `method` on this request's path, among all routes
    /// or only those that decide the policy.
    fn first(&self, method: &[u8], request: &Request<'_>, all: bool) -> Option<&Target> {
        self.by_method
            .iter()
            .find(|(m, _, _)| m.as_str().as_bytes() == method)
            .and_then(|(_, targets, decisive)| {
                let n = if all { targets.len() } else { *decisive };
                targets.iter().take(n).find(|t| t.matches(request))
            })
    }

    /// The route that would serve `method` on this path; `HEAD` falls back to `GET`, as
    /// Rocket does.
    fn serving(&self, method: &[u8], request: &Request<'_>, all: bool) -> Option<&Target> {
        self.first(method, request, all).or_else(|| {
            (method == Method::Head.as_str().as_bytes())
                .then(|| self.first(Method::Get.as_str().as_bytes(), request, all))
                .flatten()
        })
    }

    /// The `#[cors]` policy of the route that would serve `method` on this path; `None` when
    /// the default policy applies.
    pub(crate) fn policy_for(
        &self,
        method: &[u8],
        request: &Request<'_>,
    ) -> Option<&'static Policy> {
        self.serving(method, request, false)
            .and_then(Target::policy)
    }

    /// Which policy answers a preflight for `method` on this path, and why: for the log.
    pub(crate) fn answerer(&self, method: &[u8], request: &Request<'_>) -> Answerer<'_> {
        match self.serving(method, request, true) {
            Some(Target {
                entry: Some(entry), ..
            }) => Answerer::Route(entry),
            Some(target) => Answerer::Plain(target.name.as_deref()),
            None => Answerer::NoRoute,
        }
    }
}

#[cfg(test)]
mod against_rocket;

#[cfg(test)]
mod tests {
    use super::*;
    use rocket::local::blocking::Client;
    use rocket::route::dummy_handler;

    fn target(uri: &str) -> Target {
        Target::new(&Route::new(Method::Get, uri, dummy_handler), None)
    }

    fn matches(uri: &str, path: &str) -> bool {
        let client = Client::debug_with(vec![]).unwrap();
        let request = client.options(path.to_owned());
        target(uri).matches(request.inner())
    }

    #[test]
    fn segments_follow_rocket() {
        let t = target("/a/<id>/<rest..>?<q>&flag=on");
        assert_eq!(
            t.segments,
            [
                Segment::Static("a".into()),
                Segment::Dynamic,
                Segment::Trailing
            ]
        );
        assert_eq!(t.static_query, [("flag".to_owned(), "on".to_owned())]);
    }

    #[test]
    fn paths_match_like_rocket() {
        assert!(matches("/private", "/private"));
        assert!(matches("/private", "/private?x=1"));
        assert!(!matches("/private", "/private/x"));
        assert!(!matches("/private", "/privat"));
        assert!(matches("/items/<id>", "/items/42"));
        assert!(!matches("/items/<id>", "/items"));
        assert!(matches("/files/<p..>", "/files"));
        assert!(matches("/files/<p..>", "/files/a/b/c"));
        assert!(matches("/<_..>", "/"));
    }

    /// A registration whose policy allows `origin`, for the table's tests.
    fn entry(origin: &str) -> &'static RouteEntry {
        let policy = cors_shared::PolicySpec::new()
            .origin(origin)
            .validate()
            .unwrap();
        Box::leak(Box::new(RouteEntry {
            fn_name: "f",
            method: "GET",
            uri: "/",
            rank: None,
            format: None,
            attribute: "get",
            module: "m",
            file: "f.rs",
            line: 1,
            policy: Box::leak(Box::new(policy)),
        }))
    }

    /// Which origin the policy the table picks for `method` on `path` allows, `None` for the
    /// default policy.
    fn picked(
        routes: &[(&Route, Option<&'static RouteEntry>)],
        method: &str,
        path: &str,
    ) -> Option<String> {
        let client = Client::debug_with(vec![]).unwrap();
        let request = client.options(path.to_owned());
        Table::new(routes)
            .policy_for(method.as_bytes(), request.inner())
            .and_then(|p| p.fixed_origins().next().map(str::to_owned))
    }

    #[test]
    fn the_first_matching_route_picks_the_policy() {
        let a = entry("https://a.example");
        let b = entry("https://b.example");
        let get = |uri: &str| Route::new(Method::Get, uri, dummy_handler);
        let head = |uri: &str| Route::new(Method::Head, uri, dummy_handler);
        let (plain, items, item, any) = (
            get("/plain"),
            get("/items/<id>"),
            get("/items/1"),
            get("/<_..>"),
        );
        let routes = [
            (&items, Some(a)),
            (&item, Some(b)),
            (&plain, None),
            (&any, None),
        ];
        // Rocket ranks a static path before a dynamic one, whatever the mount order.
        assert_eq!(
            picked(&routes, "GET", "/items/1").as_deref(),
            Some("https://b.example")
        );
        assert_eq!(
            picked(&routes, "GET", "/items/2").as_deref(),
            Some("https://a.example")
        );
        // Routes past the last one with a policy still answer with the default policy.
        assert_eq!(picked(&routes, "GET", "/plain"), None);
        assert_eq!(picked(&routes, "GET", "/other"), None);
        assert_eq!(picked(&routes, "PUT", "/items/1"), None);
        // A route without a policy that Rocket tries first wins over a later one with a policy.
        let first = Route::ranked(-20, Method::Get, "/<_..>", dummy_handler);
        let routes = [(&items, Some(a)), (&first, None)];
        assert_eq!(picked(&routes, "GET", "/items/1"), None);
        // `HEAD` falls back to `GET` only when no `HEAD` route matches, as in Rocket.
        let (head_plain, head_items) = (head("/plain"), head("/items/<id>"));
        let routes = [(&items, Some(a)), (&head_plain, None), (&head_items, None)];
        assert_eq!(picked(&routes, "HEAD", "/items/1"), None);
        let routes = [(&items, Some(a)), (&head_plain, None)];
        assert_eq!(
            picked(&routes, "HEAD", "/items/1").as_deref(),
            Some("https://a.example")
        );
    }

    #[test]
    fn static_query_fields_are_required() {
        assert!(matches("/s?mode=full", "/s?mode=full&x=1"));
        assert!(!matches("/s?mode=full", "/s?mode=lite"));
        assert!(!matches("/s?mode=full", "/s"));
        assert!(matches("/s?<q>", "/s"));
    }
}
