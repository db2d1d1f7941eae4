//! Origins and sites of URLs, as the HTML Standard compares them. URLs are the WHATWG URL
//! parser's ([`url::Url`]): its origin serialization is the `Origin` header a page sends.

use std::borrow::Cow;
use std::fmt;

use cors_shared::public_suffix::registrable_domain;
use url::{Host, Origin, Url};

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

/// What a browser sends in `Sec-Fetch-Site` (Fetch Metadata Request Headers): how the
/// request's URL relates to the origin of the page that made it.
///
/// The variants are ordered from the closest to the farthest relation. A request that was
/// redirected sends the farthest relation of every URL it went through, so the value after
/// redirects is the [`max`](Ord::max) of each URL's.
///
/// `none` (a navigation the user started, such as typing the address) is not a relation
/// between a page and a URL, so it is not here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FetchSite {
    /// The URL has the page's origin: same scheme, host and port.
    SameOrigin,
    /// Another origin of the same site: the same scheme and the same registrable domain
    /// (`https://app.example.re` and `https://api.example.re`), whatever the ports.
    SameSite,
    /// Another site: another scheme, another registrable domain, a host under a public suffix
    /// anyone can register under (`a.github.io` and `b.github.io`), another IP address, or a
    /// page with an opaque origin (`null`).
    CrossSite,
}

impl FetchSite {
    /// The header's value: `same-origin`, `same-site` or `cross-site`.
    pub fn as_str(self) -> &'static str {
        match self {
            FetchSite::SameOrigin => "same-origin",
            FetchSite::SameSite => "same-site",
            FetchSite::CrossSite => "cross-site",
        }
    }
}

impl fmt::Display for FetchSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The site of a host (HTML, "obtain a site"): its registrable domain, or the host itself
/// when it has none (an IP address, or a host that is itself a public suffix).
fn site_of(host: &Host<String>) -> Cow<'_, str> {
    match host {
        Host::Domain(domain) => Cow::Borrowed(registrable_domain(domain).unwrap_or(domain)),
        // Addresses compare as the URL parser serializes them (IPv6 compressed).
        Host::Ipv4(_) | Host::Ipv6(_) => Cow::Owned(host.to_string()),
    }
}

/// HTML, "same site" with schemes (schemeful same-site, as browsers ship it): whether two
/// URLs have the same scheme and hosts of the same site, by the Public Suffix List
/// ([`cors_shared::public_suffix`]). Ports do not count. Opaque origins are never same-site
/// with anything.
///
/// ```
/// use cors_browser::{same_site, Url};
/// let url = |s| Url::parse(s).unwrap();
/// assert!(same_site(&url("https://app.example.re"), &url("https://api.example.re:8443/x")));
/// assert!(!same_site(&url("https://app.example.re"), &url("http://app.example.re")));
/// assert!(!same_site(&url("https://a.github.io"), &url("https://b.github.io")));
/// ```
pub fn same_site(a: &Url, b: &Url) -> bool {
    match (a.origin(), b.origin()) {
        (Origin::Tuple(scheme_a, host_a, _), Origin::Tuple(scheme_b, host_b, _)) => {
            scheme_a == scheme_b && (host_a == host_b || site_of(&host_a) == site_of(&host_b))
        }
        _ => false,
    }
}

/// The `Sec-Fetch-Site` a browser sends when a page of origin `page_origin` (serialized, as
/// in `Origin`; `null` for an opaque origin) fetches `url` (Fetch Metadata, "set the
/// `Sec-Fetch-Site` header"). Sites come from the Public Suffix List.
///
/// ```
/// use cors_browser::{fetch_site, FetchSite, Url};
/// let page = "https://app.example.re";
/// let url = |s| Url::parse(s).unwrap();
/// assert_eq!(fetch_site(page, &url("https://app.example.re/api")), FetchSite::SameOrigin);
/// assert_eq!(fetch_site(page, &url("https://api.example.re/")), FetchSite::SameSite);
/// assert_eq!(fetch_site(page, &url("https://api.example.net/")).as_str(), "cross-site");
///
/// // After redirects, the farthest relation of every URL the request went through.
/// let hops = [url("https://api.example.re/a"), url("https://app.example.re/b")];
/// let site = hops.iter().map(|u| fetch_site(page, u)).max();
/// assert_eq!(site, Some(FetchSite::SameSite));
/// ```
pub fn fetch_site(page_origin: &str, url: &Url) -> FetchSite {
    let Ok(page) = Url::parse(page_origin) else {
        return FetchSite::CrossSite;
    };
    if same_origin(&page, url) {
        FetchSite::SameOrigin
    } else if same_site(&page, url) {
        FetchSite::SameSite
    } else {
        FetchSite::CrossSite
    }
}
