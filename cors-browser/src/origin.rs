//! Origins of URLs, as the HTML Standard compares them. URLs are the WHATWG URL parser's
//! ([`url::Url`]): its origin serialization is the `Origin` header a page sends.

use url::Url;

/// Fetch, "HTTP(S) scheme": whether the URL's scheme is `http` or `https`, the only schemes a
/// CORS request (or a redirect of one) may go to.
///
/// ```
/// use cors_browser::{is_http_scheme, Url};
/// assert!(is_http_scheme(&Url::parse("HTTPS://api.example.re/").unwrap()));
/// assert!(!is_http_scheme(&Url::parse("ftp://files.example.re/").unwrap()));
/// ```
pub fn is_http_scheme(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https")
}

/// HTML, "same origin": whether two URLs have the same scheme, host and port (the default
/// port counts as written). URLs with an opaque origin (`data:`, `file:`, ...) are never the
/// same origin as anything, themselves included.
///
/// ```
/// use cors_browser::{same_origin, Url};
/// let a = Url::parse("https://api.example.re/a").unwrap();
/// assert!(same_origin(&a, &Url::parse("https://API.example.re:443/b?c").unwrap()));
/// assert!(!same_origin(&a, &Url::parse("http://api.example.re/a").unwrap()));
/// assert!(!same_origin(&a, &Url::parse("https://api.example.re:8443/a").unwrap()));
/// ```
pub fn same_origin(a: &Url, b: &Url) -> bool {
    let origin = a.origin();
    origin.is_tuple() && origin == b.origin()
}
