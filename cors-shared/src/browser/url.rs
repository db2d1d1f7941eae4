//! Just enough of the URL Standard for CORS: parse an absolute URL, resolve a `Location`
//! against it, tell its origin and whether it carries credentials.
//!
//! Hosts are ASCII only (write internationalized names in punycode), and percent-encoding is
//! kept as written. That covers what the CORS protocol compares; it is not a general URL
//! parser.

use std::fmt;

/// Why a string is not a URL this module understands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UrlError {
    /// There is no `scheme:` at the start.
    MissingScheme,
    /// An `http:` or `https:` URL without a host.
    MissingHost,
    /// The host holds a character hosts cannot have (or non-ASCII: use punycode).
    InvalidHost(String),
    /// The port is not a number from 0 to 65535.
    InvalidPort(String),
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::MissingScheme => f.write_str("it has no scheme (http:// or https://)"),
            UrlError::MissingHost => f.write_str("it has no host"),
            UrlError::InvalidHost(host) => write!(
                f,
                "its host `{host}` is not a host name or IP address (write internationalized \
                 names in their punycode form, xn--...)"
            ),
            UrlError::InvalidPort(port) => {
                write!(f, "its port `{port}` is not a number from 0 to 65535")
            }
        }
    }
}

impl std::error::Error for UrlError {}

/// An absolute URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    scheme: String,
    userinfo: Option<String>,
    host: String,
    port: Option<u16>,
    /// For `http`/`https`: the path and query, starting with `/`. For other schemes: all
    /// that follows `scheme:`.
    rest: String,
}

fn is_scheme(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

/// RFC 3986, 5.2.4 "Remove Dot Segments", on a path that starts with `/`.
fn remove_dot_segments(path: &str) -> String {
    let (path, query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let last = segments.len().saturating_sub(1);
    for (i, segment) in segments.iter().enumerate() {
        match *segment {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                out.pop();
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let mut result = format!("/{}", out.join("/"));
    if let Some(q) = query {
        result.push('?');
        result.push_str(q);
    }
    result
}

impl Url {
    /// Parses an absolute URL. `http` and `https` URLs need a host; the fragment is dropped
    /// (it is never sent).
    ///
    /// ```
    /// use cors_shared::browser::Url;
    /// let url = Url::parse("HTTPS://API.Example.re:443/a/../b?x#frag").unwrap();
    /// assert_eq!(url.to_string(), "https://api.example.re/b?x");
    /// assert_eq!(url.origin(), "https://api.example.re");
    /// assert!(Url::parse("api.example.re/x").is_err());
    /// ```
    pub fn parse(input: &str) -> Result<Url, UrlError> {
        let input = input.trim_matches(|c: char| c <= ' ');
        let input = input.split('#').next().unwrap_or_default();
        let (scheme, after) = input.split_once(':').ok_or(UrlError::MissingScheme)?;
        if !is_scheme(scheme) {
            return Err(UrlError::MissingScheme);
        }
        let scheme = scheme.to_ascii_lowercase();
        if default_port(&scheme).is_none() {
            return Ok(Url {
                scheme,
                userinfo: None,
                host: String::new(),
                port: None,
                rest: after.to_owned(),
            });
        }
        let after = after.replace('\\', "/");
        let after = after.trim_start_matches('/');
        let end = after.find(['/', '?']).unwrap_or(after.len());
        let (authority, path) = after.split_at(end);
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u.to_owned()), h),
            None => (None, authority),
        };
        let (host, port_text) = if let Some(inner) = hostport.strip_prefix('[') {
            let (v6, tail) = inner
                .split_once(']')
                .ok_or_else(|| UrlError::InvalidHost(hostport.to_owned()))?;
            if v6.is_empty()
                || !v6
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.'))
            {
                return Err(UrlError::InvalidHost(hostport.to_owned()));
            }
            let port = match tail.strip_prefix(':') {
                Some(p) => Some(p),
                None if tail.is_empty() => None,
                None => return Err(UrlError::InvalidHost(hostport.to_owned())),
            };
            (format!("[{}]", v6.to_ascii_lowercase()), port)
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_ascii_lowercase(), Some(p)),
                None => (hostport.to_ascii_lowercase(), None),
            }
        };
        if host.is_empty() {
            return Err(UrlError::MissingHost);
        }
        if !host.starts_with('[')
            && !host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
        {
            return Err(UrlError::InvalidHost(host));
        }
        let port = match port_text {
            None | Some("") => None,
            Some(p) => {
                let value = if p.bytes().all(|b| b.is_ascii_digit()) {
                    p.parse::<u16>().ok()
                } else {
                    None
                };
                let value = value.ok_or_else(|| UrlError::InvalidPort(p.to_owned()))?;
                (Some(value) != default_port(&scheme)).then_some(value)
            }
        };
        let rest = if path.starts_with('/') {
            remove_dot_segments(path)
        } else {
            format!("/{path}")
        };
        Ok(Url {
            scheme,
            userinfo,
            host,
            port,
            rest,
        })
    }

    /// Resolves `reference` (a `Location` value: absolute, `//host/...`, `/path`, `?query`
    /// or a relative path) against this URL.
    ///
    /// ```
    /// use cors_shared::browser::Url;
    /// let base = Url::parse("http://127.0.0.1:8080/a/b?q").unwrap();
    /// assert_eq!(base.join("c").unwrap().to_string(), "http://127.0.0.1:8080/a/c");
    /// assert_eq!(base.join("/x").unwrap().to_string(), "http://127.0.0.1:8080/x");
    /// assert_eq!(base.join("//api.example.re/y").unwrap().to_string(), "http://api.example.re/y");
    /// assert_eq!(base.join("https://h.example/").unwrap().origin(), "https://h.example");
    /// ```
    pub fn join(&self, reference: &str) -> Result<Url, UrlError> {
        let reference = reference.trim_matches(|c: char| c <= ' ');
        let reference = reference.split('#').next().unwrap_or_default();
        if let Some((scheme, _)) = reference.split_once(':') {
            if is_scheme(scheme) && !scheme.contains('/') {
                return Url::parse(reference);
            }
        }
        if default_port(&self.scheme).is_none() {
            return Err(UrlError::MissingScheme);
        }
        let reference = reference.replace('\\', "/");
        if reference.starts_with("//") {
            return Url::parse(&format!("{}:{reference}", self.scheme));
        }
        let rest = if reference.is_empty() {
            self.rest.clone()
        } else if reference.starts_with('/') {
            remove_dot_segments(&reference)
        } else if reference.starts_with('?') {
            let path = self.rest.split('?').next().unwrap_or("/");
            format!("{path}{reference}")
        } else {
            let path = self.rest.split('?').next().unwrap_or("/");
            let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
            remove_dot_segments(&format!("{dir}/{reference}"))
        };
        Ok(Url {
            rest,
            ..self.clone()
        })
    }

    /// The scheme, lower case.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The host, lower case (IPv6 in brackets); empty for schemes other than http(s).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port: the explicit one, else the scheme's default (`None` for other schemes).
    pub fn port_or_default(&self) -> Option<u16> {
        self.port.or_else(|| default_port(&self.scheme))
    }

    /// The path and query (`/` at least) of an http(s) URL.
    pub fn path_and_query(&self) -> &str {
        &self.rest
    }

    /// Whether the scheme is `http` or `https` (Fetch, "HTTP(S) scheme").
    pub fn is_http(&self) -> bool {
        default_port(&self.scheme).is_some()
    }

    /// Whether the URL has a username or password (URL Standard, "includes credentials").
    pub fn has_credentials(&self) -> bool {
        self.userinfo.as_deref().is_some_and(|u| !u.is_empty())
    }

    /// The URL's origin, serialized (HTML, "serialization of an origin"): `scheme://host`
    /// plus `:port` when it is not the default; `null` for schemes without a tuple origin.
    pub fn origin(&self) -> String {
        if !self.is_http() {
            return "null".to_owned();
        }
        match self.port {
            Some(port) => format!("{}://{}:{port}", self.scheme, self.host),
            None => format!("{}://{}", self.scheme, self.host),
        }
    }

    /// Whether two URLs have the same origin (HTML, "same origin"). Opaque origins are never
    /// the same.
    pub fn same_origin(&self, other: &Url) -> bool {
        self.is_http() && other.is_http() && self.origin() == other.origin()
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.is_http() {
            return write!(f, "{}:{}", self.scheme, self.rest);
        }
        write!(f, "{}://", self.scheme)?;
        if let Some(userinfo) = &self.userinfo {
            write!(f, "{userinfo}@")?;
        }
        f.write_str(&self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        f.write_str(&self.rest)
    }
}
