//! One table for every adapter's test that CORS headers a handler writes by hand never grant
//! what the policy does not. The handlers echo any `Origin`, with credentials and an exposed
//! header (the classic mistake); the default policy allows [`APP`], the route's policy
//! [`ROUTE_ORIGIN`], neither with credentials or exposed headers.

/// The default policy's one origin.
pub const APP: &str = "https://app.example.re";
/// The route policy's one origin.
pub const ROUTE_ORIGIN: &str = "https://route.example.re";
/// An origin neither policy allows.
pub const EVIL: &str = "https://evil.example";

/// The path of the route without a policy of its own, and of the route with one.
pub const PATHS: [&str; 2] = ["/default", "/route"];

/// The headers the handlers write by hand on the response to a request from `origin`.
pub fn echoed(origin: &str) -> [(&'static str, String); 3] {
    [
        ("access-control-allow-origin", origin.to_owned()),
        ("access-control-allow-credentials", "true".to_owned()),
        ("access-control-expose-headers", "x-secret".to_owned()),
    ]
}

/// A response's `access-control-*` headers: lower-case names with their values, sorted.
pub type CorsLines = Vec<(String, String)>;

/// Each request, a path and an origin, with the `access-control-*` headers its response must
/// carry: nothing of the handler's when the policy refuses, and only the policy's
/// `Access-Control-Allow-Origin` when it allows.
pub fn cases() -> Vec<(&'static str, &'static str, CorsLines)> {
    let allowed =
        |origin: &str| vec![("access-control-allow-origin".to_owned(), origin.to_owned())];
    vec![
        ("/default", EVIL, vec![]),
        ("/route", EVIL, vec![]),
        ("/route", APP, vec![]),
        ("/default", APP, allowed(APP)),
        ("/route", ROUTE_ORIGIN, allowed(ROUTE_ORIGIN)),
    ]
}

/// What a test saw of one response: its status and its header lines, as the framework gives
/// them.
pub struct Seen {
    /// The status code.
    pub status: u16,
    /// Every header line: name, value.
    pub headers: Vec<(String, String)>,
}

/// Sends each of [`cases`] with `send` (a path and an origin, to what came back) and checks
/// every response: 200, the `access-control-*` headers the case lists and nothing more, and
/// `Vary: Origin` in one line.
pub fn check_cases(mut send: impl FnMut(&str, &str) -> Seen) {
    for (path, origin, expected) in cases() {
        let Seen { status, headers } = send(path, origin);
        assert_eq!(status, 200, "{path} from {origin}");
        let lower = |(n, v): &(String, String)| (n.to_ascii_lowercase(), v.clone());
        let mut cors: CorsLines = headers
            .iter()
            .map(lower)
            .filter(|(n, _)| n.starts_with("access-control-"))
            .collect();
        cors.sort();
        assert_eq!(cors, expected, "{path} from {origin}");
        let vary: Vec<String> = headers
            .iter()
            .map(lower)
            .filter(|(n, _)| n == "vary")
            .map(|(_, v)| v)
            .collect();
        assert_eq!(vary, ["Origin"], "{path} from {origin}");
    }
}

/// Checks the warning events of the cases: one, saying that `writer` wrote a CORS header, with
/// `fix`.
pub fn assert_warned_once(warnings: &[String], writer: &str, fix: &str) {
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings
            .iter()
            .all(|w| w.contains(&format!("{writer} wrote access-control-")) && w.contains(fix)),
        "{warnings:#?}"
    );
}
