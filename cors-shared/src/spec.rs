//! `PolicySpec`: a policy as the user writes it, before validation.

use crate::field::Field;
use crate::set::OriginSet;
use crate::{validate, Policy, PolicyErrors};

/// A CORS policy as written by a user: through the builder methods, a config file (with the
/// `serde` feature), or the `#[cors(...)]` attribute. It is only a wish list until
/// [`PolicySpec::validate`] turns it into a [`Policy`] or reports every problem.
///
/// Duplicates are reported as errors rather than removed: a repeated entry is most often a typo
/// for the entry that was meant.
///
/// ```
/// use cors_shared::PolicySpec;
///
/// let policy = PolicySpec::new()
///     .origins(["https://app.example.re", "https://*.example.re"])
///     .credentials(true)
///     .methods(["GET", "PUT"])
///     .headers(["content-type"])
///     .expose(["x-total-count"])
///     .max_age(600)
///     .validate()
///     .expect("a valid policy");
/// assert!(policy.allows_origin("https://admin.example.re"));
/// assert!(!policy.allows_origin("https://example.re.evil.net"));
/// ```
///
/// With the `serde` feature, a config section deserializes into a spec; unknown keys are errors:
///
/// ```
/// # #[cfg(feature = "serde")] {
/// let spec: cors_shared::PolicySpec = toml::from_str(r#"
///     origins = ["https://app.example.re"]
///     methods = ["GET", "POST"]
/// "#).unwrap();
/// assert!(spec.validate().is_ok());
/// # }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
pub struct PolicySpec {
    /// Allowed origins: exact `scheme://host[:port]`, `*`, `https://*.example.re` (any
    /// subdomain, never the bare domain), `http://localhost:*` (any explicit port), or `null`
    /// (only with [`allow_null_origin`](Self::allow_null_origin)).
    pub origins: Vec<String>,
    /// Whether responses may be read by credentialed requests (cookies, HTTP auth).
    pub credentials: bool,
    /// Methods a preflight may ask for besides the safelisted GET, HEAD and POST; `*` for any.
    pub methods: Vec<String>,
    /// Request headers a preflight may ask for (case-insensitive); `*` for any but
    /// `authorization`, which must be listed by name.
    pub headers: Vec<String>,
    /// Response headers a page may read besides the safelisted ones; `*` for all.
    pub expose: Vec<String>,
    /// How long, in seconds, a browser may cache a preflight answer (at most 86400).
    pub max_age: Option<u64>,
    /// Opt-in that lets `null` appear in `origins`.
    pub allow_null_origin: bool,
    /// Answer Private Network Access preflights (`Access-Control-Request-Private-Network`).
    ///
    /// Legacy: Chrome 142 and later ask the user through the Local Network Access permission
    /// prompt instead of sending this preflight by default, and no header lifts that prompt. The
    /// answer still serves browsers that send the preflight; `cors-doctor` warns when a public
    /// page calls a private or loopback address.
    pub private_network: bool,
    /// Opt-out of the rule that credentialed policies allow only `https://` or loopback origins.
    pub dangerously_allow_http_with_credentials: bool,
    /// Opt-out of the rule that credentialed subdomain wildcards may not cover a public suffix.
    pub dangerously_allow_public_suffix_wildcard: bool,
    /// Write protection for this policy: `Some(true)` refuses cross-site writes and WebSocket
    /// handshakes from origins the policy does not allow, `Some(false)` accepts them even when
    /// the application turns protection on (a callback other sites post to), `None` follows
    /// the application's default ([`WriteProtection`](crate::WriteProtection)). CORS only
    /// decides who may read; see [`protect_writes`](Self::protect_writes).
    pub protect_writes: Option<bool>,
    /// A runtime set whose current entries are allowed besides `origins` (set in code with
    /// [`origin_set`](Self::origin_set); a configuration file cannot name one).
    #[cfg_attr(feature = "serde", serde(skip))]
    pub origin_set: Option<&'static OriginSet>,
}

impl PolicySpec {
    /// An empty spec: no origins, no credentials, safelisted methods only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one allowed origin.
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origins.push(origin.into());
        self
    }

    /// Adds allowed origins.
    pub fn origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.origins.extend(origins.into_iter().map(Into::into));
        self
    }

    /// Adds the origins of a list separated by commas or whitespace, as read from an
    /// environment variable (`CORS_ORIGINS="https://a.example, https://b.example"`).
    /// Empty items are skipped; every other item is validated like any origin.
    pub fn origins_from_list(self, list: &str) -> Self {
        self.origins(
            list.split(|c: char| c == ',' || c.is_whitespace())
                .filter(|s| !s.is_empty()),
        )
    }

    /// Sets whether credentialed requests may read responses.
    pub fn credentials(mut self, allow: bool) -> Self {
        self.credentials = allow;
        self
    }

    /// Adds allowed methods: strings, or anything that reads as one, such as `http::Method`.
    ///
    /// ```
    /// use cors_shared::PolicySpec;
    /// use http::Method;
    ///
    /// let spec = PolicySpec::new().methods([Method::PUT, Method::DELETE]);
    /// assert_eq!(spec.methods, ["PUT", "DELETE"]);
    /// ```
    pub fn methods<I, S>(mut self, methods: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.methods
            .extend(methods.into_iter().map(|m| m.as_ref().to_owned()));
        self
    }

    /// Adds allowed request headers: strings, or anything that reads as one, such as the
    /// `http::HeaderName` constants actix-cors and tower-http users pass.
    ///
    /// ```
    /// use cors_shared::PolicySpec;
    /// use http::header;
    ///
    /// let spec = PolicySpec::new().headers([header::AUTHORIZATION, header::CONTENT_TYPE]);
    /// assert_eq!(spec.headers, ["authorization", "content-type"]);
    /// ```
    pub fn headers<I, S>(mut self, headers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.headers
            .extend(headers.into_iter().map(|m| m.as_ref().to_owned()));
        self
    }

    /// Adds exposed response headers: strings, or anything that reads as one, such as
    /// `http::HeaderName`.
    ///
    /// ```
    /// use cors_shared::PolicySpec;
    /// use http::header;
    ///
    /// let spec = PolicySpec::new().expose([header::ETAG, header::LOCATION]);
    /// assert_eq!(spec.expose, ["etag", "location"]);
    /// ```
    pub fn expose<I, S>(mut self, headers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.expose
            .extend(headers.into_iter().map(|m| m.as_ref().to_owned()));
        self
    }

    /// Sets how long a preflight answer may be cached, in seconds.
    pub fn max_age(mut self, seconds: u64) -> Self {
        self.max_age = Some(seconds);
        self
    }

    /// Lets `null` appear in the origins (sandboxed iframes, `file:` pages).
    pub fn allow_null_origin(mut self, allow: bool) -> Self {
        self.allow_null_origin = allow;
        self
    }

    /// Answers Private Network Access preflights (legacy since Chrome 142's Local Network Access
    /// prompt, which no header lifts; the field's documentation says more).
    pub fn private_network(mut self, allow: bool) -> Self {
        self.private_network = allow;
        self
    }

    /// Accepts plain `http://` origins in a credentialed policy. Anyone on the network path of
    /// such a page can read your users' data through it.
    pub fn dangerously_allow_http_with_credentials(mut self, allow: bool) -> Self {
        self.dangerously_allow_http_with_credentials = allow;
        self
    }

    /// Accepts a credentialed subdomain wildcard over a public suffix (`https://*.github.io`).
    /// Anyone who can register a site under it can read your users' data.
    pub fn dangerously_allow_public_suffix_wildcard(mut self, allow: bool) -> Self {
        self.dangerously_allow_public_suffix_wildcard = allow;
        self
    }

    /// Turns write protection on or off for this policy, whatever the application's default.
    ///
    /// CORS decides who may **read** a response; it never stops a cross-site form `POST`, a
    /// `no-cors` fetch or a WebSocket handshake, which browsers send with the user's cookies.
    /// With protection on, such a request is refused (403, before the handler runs) unless its
    /// origin is one this policy echoes: what CORS lets a page read, protection lets it change.
    /// The site's own pages (`Sec-Fetch-Site: same-origin`, or an `Origin` whose host is the
    /// `Host`) always pass. `same-site` is not trusted by itself, since a sibling subdomain can
    /// be taken over: list the sibling in `origins`. `*` trusts no origin for writes.
    ///
    /// Turn it off (`false`) on a route that other sites must post to: OAuth `form_post`
    /// callbacks, payment returns, SAML, browser webhooks.
    ///
    /// ```
    /// use cors_shared::{Decision, HeaderLines, PolicySpec, RequestView};
    ///
    /// let policy = PolicySpec::new()
    ///     .origin("https://app.example.re")
    ///     .protect_writes(true)
    ///     .validate()?;
    /// let mut post = RequestView::new(b"POST");
    /// post.origin = HeaderLines::One(b"https://evil.example");
    /// post.sec_fetch_site = HeaderLines::One(b"cross-site");
    /// assert_eq!(policy.decide(&post).answer_status(), Some(403));
    /// # Ok::<(), cors_shared::PolicyErrors>(())
    /// ```
    pub fn protect_writes(mut self, on: bool) -> Self {
        self.protect_writes = Some(on);
        self
    }

    /// Allows the current entries of a runtime origin set besides the fixed origins. The set
    /// then checks every change against this policy's rules too (credentials, opt-outs): the
    /// set's current entries are checked when the policy is validated, and a set keeps the
    /// strictest rules of every policy ever built over it.
    pub fn origin_set(mut self, set: &'static OriginSet) -> Self {
        self.origin_set = Some(set);
        self
    }

    /// Checks every rule and returns the validated policy, or every problem found.
    pub fn validate(&self) -> Result<Policy, PolicyErrors> {
        validate::validate(self)
    }

    /// The list a list key holds (`origins`, `methods`, `headers`, `expose`); `None` for the
    /// other keys.
    pub fn list(&self, field: Field) -> Option<&Vec<String>> {
        match field {
            Field::Origins => Some(&self.origins),
            Field::Methods => Some(&self.methods),
            Field::Headers => Some(&self.headers),
            Field::Expose => Some(&self.expose),
            Field::Credentials
            | Field::MaxAge
            | Field::AllowNullOrigin
            | Field::PrivateNetwork
            | Field::DangerouslyAllowHttpWithCredentials
            | Field::DangerouslyAllowPublicSuffixWildcard
            | Field::ProtectWrites => None,
        }
    }

    /// The list of a list key, to fill; `None` for the other keys.
    pub fn list_mut(&mut self, field: Field) -> Option<&mut Vec<String>> {
        match field {
            Field::Origins => Some(&mut self.origins),
            Field::Methods => Some(&mut self.methods),
            Field::Headers => Some(&mut self.headers),
            Field::Expose => Some(&mut self.expose),
            Field::Credentials
            | Field::MaxAge
            | Field::AllowNullOrigin
            | Field::PrivateNetwork
            | Field::DangerouslyAllowHttpWithCredentials
            | Field::DangerouslyAllowPublicSuffixWildcard
            | Field::ProtectWrites => None,
        }
    }

    /// Sets a flag key (every key of [`Shape::Flag`](crate::Shape::Flag)) on or off, as
    /// `key`, `key = true` or `key = false` does; false for the other keys. Unlike
    /// [`flag_mut`](Self::flag_mut) it also sets `protect_writes`, whose absence means
    /// "follow the application".
    pub fn set_flag(&mut self, field: Field, on: bool) -> bool {
        if field == Field::ProtectWrites {
            self.protect_writes = Some(on);
            return true;
        }
        match self.flag_mut(field) {
            Some(slot) => {
                *slot = on;
                true
            }
            None => false,
        }
    }

    /// The flag a flag key sets; `None` for the other keys and for `protect_writes`, which
    /// may also be unset (use [`set_flag`](Self::set_flag)).
    pub fn flag_mut(&mut self, field: Field) -> Option<&mut bool> {
        match field {
            Field::Credentials => Some(&mut self.credentials),
            Field::AllowNullOrigin => Some(&mut self.allow_null_origin),
            Field::PrivateNetwork => Some(&mut self.private_network),
            Field::DangerouslyAllowHttpWithCredentials => {
                Some(&mut self.dangerously_allow_http_with_credentials)
            }
            Field::DangerouslyAllowPublicSuffixWildcard => {
                Some(&mut self.dangerously_allow_public_suffix_wildcard)
            }
            Field::Origins
            | Field::Methods
            | Field::Headers
            | Field::Expose
            | Field::MaxAge
            | Field::ProtectWrites => None,
        }
    }
}
