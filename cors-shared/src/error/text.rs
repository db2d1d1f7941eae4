//! The words of every error: what is wrong, why a browser cares, and what to write instead.
//! Each match is exhaustive, so a new rule does not compile without its text.

use super::{Detail, ErrorKind, PolicyError};
use crate::validate::{mistakes, MAX_AGE_LIMIT};

impl PolicyError {
    fn v(&self) -> &str {
        self.value.as_deref().unwrap_or("")
    }

    /// What is wrong, in one sentence.
    pub fn message(&self) -> String {
        use ErrorKind::*;
        let v = self.v();
        match self.kind {
            NoOrigins => "the policy allows no origin".into(),
            WildcardOriginWithCredentials => {
                "`credentials` cannot be combined with the origin `*`".into()
            }
            WildcardOriginMixed => "`*` cannot be listed beside explicit origins".into(),
            OriginEmpty => "an origin is empty".into(),
            OriginWhitespace => format!("origin `{v}` contains whitespace"),
            OriginMissingScheme => format!("origin `{v}` has no scheme"),
            OriginInvalidScheme => format!("origin `{v}` has an invalid scheme"),
            OriginMisspeltScheme => {
                let scheme = v.split("://").next().unwrap_or(v);
                format!("origin `{v}` has the scheme `{scheme}`, a typo of a web scheme")
            }
            OriginQuoted => format!("origin `{v}` contains quotes"),
            OriginsNotSeparated => match v.find(mistakes::SEPARATORS) {
                Some(at) if mistakes::parts(v).nth(1).is_none() => {
                    let sep = v.get(at..=at).unwrap_or(";");
                    format!("origin `{v}` contains `{sep}`")
                }
                _ => format!("origin `{v}` holds more than one origin"),
            },
            OriginUserinfo => format!("origin `{v}` contains a user name or password"),
            OriginPath if self.detail == Detail::TrailingSlash => {
                format!("origin `{v}` has a trailing slash")
            }
            OriginPath => format!("origin `{v}` has a path"),
            OriginQuery => format!("origin `{v}` has a query"),
            OriginFragment => format!("origin `{v}` has a fragment"),
            OriginNonAscii if self.detail == Detail::HostRefused => {
                format!("origin `{v}` has a host that browsers' URL parser refuses")
            }
            OriginNonAscii => format!("origin `{v}` contains non-ASCII characters"),
            OriginUpperCase => format!("origin `{v}` contains upper-case letters"),
            OriginDefaultPort => format!("origin `{v}` spells out the scheme's default port"),
            OriginInvalidPort => format!("origin `{v}` has an invalid port"),
            OriginTrailingDot => format!("origin `{v}` ends its host with a dot"),
            OriginEmptyLabel => format!("origin `{v}` has an empty label in its host"),
            OriginInvalidHost => format!("origin `{v}` has an invalid host"),
            OriginNonCanonicalIp => {
                format!("origin `{v}` writes its IP address in a non-canonical form")
            }
            OriginMisplacedWildcard => {
                format!("origin `{v}` has a wildcard in an unsupported place")
            }
            WildcardOriginInSet => "`*` cannot be an entry of an origin set".into(),
            PublicOriginNotExact => format!("public origin `{v}` is not one exact origin"),
            OriginDuplicate => format!("origin `{v}` is listed twice"),
            NullWithoutOptIn => "the `null` origin is listed without `allow_null_origin`".into(),
            NullWithCredentials => "the `null` origin cannot be combined with `credentials`".into(),
            InsecureOriginWithCredentials => {
                format!("origin `{v}` uses plain http while `credentials` is on")
            }
            PublicSuffixWildcardWithCredentials => {
                format!("origin `{v}` matches every site under a public suffix while `credentials` is on")
            }
            MethodNotToken => format!("method `{v}` is not a valid HTTP method name"),
            MethodForbidden => format!("method `{v}` can never be sent by a browser"),
            MethodCase => format!("method `{v}` must be written in upper case"),
            WildcardMethodWithCredentials => {
                "`credentials` cannot be combined with the method `*`".into()
            }
            MethodDuplicate => format!("method `{v}` is listed twice"),
            HeaderNotToken => format!("request header `{v}` is not a valid header name"),
            HeaderForbidden => format!("request header `{v}` can never be set by a page"),
            HeaderIsCorsProtocol => {
                format!("`{v}` is part of the CORS protocol, not a request header to allow")
            }
            WildcardHeaderWithCredentials => {
                "`credentials` cannot be combined with the request header `*`".into()
            }
            HeaderDuplicate => format!("request header `{v}` is listed twice"),
            ExposeNotToken => format!("exposed header `{v}` is not a valid header name"),
            ExposeForbidden => format!("`{v}` can never be exposed to a page"),
            WildcardExposeWithCredentials => {
                "`credentials` cannot be combined with the exposed header `*`".into()
            }
            ExposeDuplicate => format!("exposed header `{v}` is listed twice"),
            MaxAgeTooLarge => format!("max_age {v} is above {MAX_AGE_LIMIT} seconds (one day)"),
        }
    }

    /// Why a browser (or an attacker) cares.
    pub fn why(&self) -> &'static str {
        use ErrorKind::*;
        match self.kind {
            NoOrigins => "with no origin, every cross-origin request is refused",
            WildcardOriginWithCredentials => "browsers reject `Access-Control-Allow-Origin: *` on credentialed requests, and echoing any origin with credentials would let every site read your users' data",
            WildcardOriginMixed => "`*` already allows every origin, so the list suggests a restriction that does not exist",
            OriginEmpty | OriginInvalidScheme | OriginInvalidHost => "browsers send an Origin in the exact form scheme://host[:port], so this entry never matches",
            OriginWhitespace => "browsers never send whitespace in an Origin, so this entry never matches",
            OriginMisspeltScheme => "browsers send the scheme of the page, and no page is served over a misspelt `http` or `https`, so this entry never matches (app schemes such as `capacitor`, `tauri` or `chrome-extension` are fine)",
            OriginQuoted => "quotes are not part of an origin (a shell or a config format kept them in the value), and browsers send the origin bare, so this entry never matches",
            OriginsNotSeparated => "each entry is one origin, compared byte for byte with the one Origin a browser sends, so this entry never matches",
            OriginMissingScheme => "an origin is scheme://host[:port]; without the scheme this entry never matches",
            OriginUserinfo => "browsers never put credentials in an Origin, so this entry never matches",
            OriginPath => "an origin is only scheme://host[:port]; browsers send it without any path, so this entry never matches",
            OriginQuery | OriginFragment => "an origin is only scheme://host[:port]; browsers never send a query or fragment in it, so this entry never matches",
            OriginNonAscii if self.detail == Detail::HostRefused => "it is not a valid internationalized domain name (IDNA), so no page has this origin and this entry never matches",
            OriginNonAscii => "browsers send the host in the ASCII form their URL parser gives it (internationalized labels as xn--, full-width and other variant letters folded), so this entry as written never matches",
            OriginUpperCase => "browsers send origins in lower case and they are compared byte for byte, so this entry never matches",
            OriginDefaultPort => "browsers omit the default port from an Origin, so this entry never matches",
            OriginInvalidPort => "browsers send a port of 1-65535 without leading zeros, so this entry never matches",
            OriginTrailingDot | OriginEmptyLabel => "browsers never send this host form in an Origin, so this entry never matches",
            OriginNonCanonicalIp => "browsers send IP addresses in one canonical form, so this entry never matches",
            OriginMisplacedWildcard => "only a leading `*.` (any subdomain) and a `:*` port (any port) are supported",
            WildcardOriginInSet => "an origin set is an allowlist: `*` would allow every site, and with credentials let any of them read your users' data",
            OriginDuplicate => "a repeated entry is usually a typo for another origin",
            PublicOriginNotExact => "a public origin counts as the site itself for write protection, so it must name exactly the origin the service's own pages have",
            NullWithoutOptIn => "sandboxed iframes, local files and redirects all send `null`, so allowing it lets any site that sandboxes itself read the response",
            NullWithCredentials => "any page can produce the `null` origin from a sandboxed iframe and would then read your users' data",
            InsecureOriginWithCredentials => "anyone on the network path can inject script into a plain-http page and use it to read your users' data",
            PublicSuffixWildcardWithCredentials => "anyone can register a site under a public suffix and would then read your users' data",
            MethodNotToken => "browsers compare methods byte for byte against a token",
            MethodForbidden => "browsers refuse to send these methods, so listing them only hides a mistake",
            MethodCase => "browsers upper-case DELETE, GET, HEAD, OPTIONS, POST and PUT before asking, and methods are compared byte for byte",
            WildcardMethodWithCredentials | WildcardHeaderWithCredentials | WildcardExposeWithCredentials => "browsers read `*` literally on credentialed requests, so it would not mean \"everything\"",
            MethodDuplicate | HeaderDuplicate | ExposeDuplicate => "a repeated entry is usually a typo for another name",
            HeaderNotToken | ExposeNotToken => "header names are HTTP tokens; this one can never appear on the wire",
            HeaderForbidden => "browsers set these headers themselves and never ask permission for them",
            HeaderIsCorsProtocol => "Access-Control-* headers are written by the server in responses; a page never sends them",
            ExposeForbidden => "browsers hide Set-Cookie from pages whatever the server says",
            MaxAgeTooLarge => "browsers cap the preflight cache (Chromium at 7200 s, Firefox at 86400 s, Safari at 600 s), and a long cache keeps a revoked permission alive",
        }
    }

    /// What to write instead.
    pub fn fix(&self) -> String {
        use ErrorKind::*;
        match (&self.suggestion, self.kind) {
            (Some(s), OriginMisspeltScheme) => return format!("did you mean `{s}`?"),
            (Some(s), OriginQuoted) => return format!("remove the quotes: write `{s}`"),
            (Some(s), kind) if kind != MaxAgeTooLarge && kind != OriginsNotSeparated => {
                return format!("write `{s}`")
            }
            _ => {}
        }
        match self.kind {
            NoOrigins => "list at least one origin, e.g. `origins = [\"https://app.example.re\"]`".into(),
            WildcardOriginWithCredentials => "list the trusted origins explicitly (e.g. `\"https://app.example.re\"`), or remove `credentials`".into(),
            WildcardOriginMixed => "remove `*`, or keep `*` alone".into(),
            WildcardOriginInSet => "list the trusted origins, e.g. `https://app.example.re` or `https://*.example.re`; for a public API write `origins = [\"*\"]` in the policy itself".into(),
            PublicOriginNotExact => "write the service's own origin as its pages see it in `location.origin`, e.g. `https://app.example.re`; trust other sites through the policy's `origins`".into(),
            OriginEmpty => "remove the empty entry".into(),
            OriginMisspeltScheme => "write the scheme `https` (or `http`)".into(),
            OriginQuoted => "remove the quotes".into(),
            OriginsNotSeparated => {
                let origins: Vec<String> =
                    mistakes::parts(self.v()).map(|o| format!("`{o}`")).collect();
                match origins.as_slice() {
                    [one] => format!("separate origins with commas: write {one}"),
                    _ => format!(
                        "separate origins with commas, each its own entry: {}",
                        origins.join(", ")
                    ),
                }
            }
            OriginMisplacedWildcard => "write `https://*.example.re` for every subdomain, or `http://localhost:*` for every port".into(),
            OriginDuplicate | MethodDuplicate | HeaderDuplicate | ExposeDuplicate => "remove the repeated entry".into(),
            NullWithoutOptIn => "add `allow_null_origin` if you really serve sandboxed or local documents, or remove `null`".into(),
            NullWithCredentials => "remove `credentials`, or remove `null`".into(),
            InsecureOriginWithCredentials => "use the https:// origin, or add `dangerously_allow_http_with_credentials` if this network is trusted".into(),
            PublicSuffixWildcardWithCredentials => "list your own sites explicitly, or add `dangerously_allow_public_suffix_wildcard` if you own every site under it".into(),
            WildcardMethodWithCredentials => "list the methods explicitly, e.g. `methods = [GET, PUT]`".into(),
            WildcardHeaderWithCredentials => "list the request headers explicitly, e.g. `headers = [\"content-type\"]`".into(),
            WildcardExposeWithCredentials => "list the exposed headers explicitly, e.g. `expose = [\"x-total-count\"]`".into(),
            MethodForbidden | HeaderForbidden | HeaderIsCorsProtocol | ExposeForbidden => "remove it".into(),
            MaxAgeTooLarge => format!("use at most {MAX_AGE_LIMIT}; 600 is a good default"),
            OriginNonCanonicalIp => "write the address as browsers do: four decimal numbers without leading zeros (`127.0.0.1`), or compressed lower-case IPv6 (`[::1]`)".into(),
            OriginInvalidHost | OriginEmptyLabel | OriginTrailingDot => "write the host as lower-case labels of letters, digits and inner hyphens, e.g. `https://app.example.re`".into(),
            OriginInvalidPort => "write a port from 1 to 65535 without leading zeros, or `:*` for any port".into(),
            OriginNonAscii if self.detail == Detail::HostRefused => "write the page's origin as `location.origin` gives it in the browser console, e.g. `https://xn--bcher-kva.example`".into(),
            OriginMissingScheme | OriginInvalidScheme | OriginPath | OriginQuery | OriginFragment | OriginUserinfo | OriginWhitespace | OriginUpperCase | OriginNonAscii | OriginDefaultPort => "write only scheme://host[:port], e.g. `https://app.example.re`".into(),
            MethodNotToken | HeaderNotToken | ExposeNotToken => {
                "write the name as a token: letters, digits and !#$%&'*+-.^_`|~".into()
            }
            MethodCase => "write the method in upper case".into(),
        }
    }
}
