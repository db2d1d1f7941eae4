//! What to diagnose: the request a page makes, and how to ask for it. Also the checks of the
//! user's input, each with a message that says what a browser would send instead.

use std::time::Duration;

use cors_browser::{is_http_scheme, Url};
use cors_shared::{fetch, is_serialized_origin};

use crate::error::Error;

/// The request a page makes with `fetch(url, { method, headers, credentials })` from a page
/// whose origin is `origin`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The URL fetched (`http://` or `https://`).
    pub url: String,
    /// The page's origin, exactly as a browser serializes it (`https://app.example.re`, or
    /// `null`).
    pub origin: String,
    /// The method as the page writes it; the browser normalizes `get`, `put`, ... to upper
    /// case (and leaves `patch` alone).
    pub method: String,
    /// The headers the page sets, in order.
    pub headers: Vec<(String, String)>,
    /// `credentials: "include"`: cookies and HTTP authentication go along, and the stricter
    /// rules apply.
    pub credentials: bool,
}

impl Request {
    /// A `GET` without headers or credentials.
    pub fn new(url: impl Into<String>, origin: impl Into<String>) -> Self {
        Request {
            url: url.into(),
            origin: origin.into(),
            method: "GET".to_owned(),
            headers: Vec::new(),
            credentials: false,
        }
    }

    /// The same request with this method.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = method.into();
        self
    }

    /// The same request with one more header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The same request with credentials mode `include` (or not).
    pub fn credentials(mut self, include: bool) -> Self {
        self.credentials = include;
        self
    }
}

/// How to ask.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Accept any TLS certificate (self-signed test servers).
    pub insecure: bool,
    /// The longest wait for one exchange, connection included.
    pub timeout: Duration,
    /// Also send the request to a path that does not exist under the URL, to see whether
    /// error responses carry the CORS headers too.
    pub probe_error_path: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            insecure: false,
            timeout: Duration::from_secs(10),
            probe_error_path: true,
        }
    }
}

/// Parses `--header 'Name: value'`.
///
/// ```
/// use cors_doctor::parse_header_line;
/// assert_eq!(parse_header_line("X-Custom: 1").unwrap(), ("X-Custom".to_owned(), "1".to_owned()));
/// assert!(parse_header_line("X-Custom 1").is_err());
/// ```
pub fn parse_header_line(line: &str) -> Result<(String, String), Error> {
    let Some((name, value)) = line.split_once(':') else {
        return Err(Error::usage(format!(
            "the header `{line}` has no `:`. Write it as -H 'Name: value', for example -H \
             'Content-Type: application/json'"
        )));
    };
    let name = name.trim();
    if !fetch::is_token(name) {
        return Err(Error::usage(format!(
            "`{name}` (in -H '{line}') is not a header name: a name is letters, digits and \
             !#$%&'*+-.^_`|~, without spaces"
        )));
    }
    let value = value.trim_matches(|c| c == ' ' || c == '\t');
    if value.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        return Err(Error::usage(format!(
            "the value of `{name}` holds a control character; browsers refuse to send such a \
             header (fetch() throws a TypeError)"
        )));
    }
    Ok((name.to_owned(), value.to_owned()))
}

/// Checks the URL: an absolute `http://` or `https://` URL.
pub fn check_url(url: &str) -> Result<Url, Error> {
    let lower = url.trim().to_ascii_lowercase();
    if !lower.starts_with("http://") && !lower.starts_with("https://") {
        let has_scheme = url
            .split_once("://")
            .is_some_and(|(s, _)| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric()));
        return Err(Error::usage(if has_scheme {
            format!(
                "the URL `{url}` is not http:// or https://; CORS applies to HTTP(S) fetches only"
            )
        } else {
            format!(
                "the URL `{url}` has no scheme; write it in full, e.g. `http://{url}` or \
                 `https://{url}`"
            )
        }));
    }
    let mut parsed = Url::parse(url.trim())
        .map_err(|e| Error::usage(format!("the URL `{url}` is not usable: {e}")))?;
    // A fragment is never sent: the request is the URL without it.
    parsed.set_fragment(None);
    Ok(parsed)
}

/// Checks `--origin`: it must be exactly what a browser sends in `Origin`. When it is not,
/// the message says why and shows the origin a browser would send for that page.
///
/// ```
/// use cors_doctor::check_origin;
/// assert!(check_origin("https://app.example.re").is_ok());
/// let err = check_origin("https://App.example.re/login").unwrap_err().to_string();
/// assert!(err.contains("--origin https://app.example.re"), "{err}");
/// ```
pub fn check_origin(origin: &str) -> Result<(), Error> {
    if is_serialized_origin(origin) {
        return Ok(());
    }
    let mut problems = Vec::new();
    let parsed = Url::parse(origin).ok().filter(is_http_scheme);
    let after_scheme = origin.split_once("://").map_or("", |(_, rest)| rest);
    if origin.split_once("://").is_none() {
        problems.push("it has no scheme (https:// or http://)".to_owned());
    }
    if after_scheme.contains(['/', '?', '#']) {
        problems.push(
            "it has a path, query or fragment (even a trailing slash): an Origin is only \
             scheme://host[:port]"
                .to_owned(),
        );
    }
    if origin.bytes().any(|b| b.is_ascii_uppercase()) {
        problems.push(
            "it has upper case letters: browsers send scheme and host in lower case".to_owned(),
        );
    }
    if after_scheme.contains('@') {
        problems.push("it has a user name or password, which an Origin never carries".to_owned());
    }
    let default_port = (origin.starts_with("https://") && origin.ends_with(":443"))
        || (origin.starts_with("http://") && origin.ends_with(":80"));
    if default_port {
        problems.push("it writes the default port, which browsers leave out".to_owned());
    }
    if !origin.is_ascii() {
        problems.push("it is not ASCII: browsers send the punycode form (xn--...)".to_owned());
    }
    if problems.is_empty() {
        problems.push("it is not scheme://host[:port]".to_owned());
    }
    let suggestion = parsed
        .map(|u| u.origin().ascii_serialization())
        .filter(|o| is_serialized_origin(o))
        .map(|o| format!(" A page at that address sends `Origin: {o}`: use --origin {o}"))
        .unwrap_or_else(|| {
            " Write it as scheme://host[:port], e.g. --origin https://app.example.re".to_owned()
        });
    Err(Error::usage(format!(
        "`{origin}` is not an origin a browser ever sends: {}.{suggestion}",
        problems.join("; ")
    )))
}
