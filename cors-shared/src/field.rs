//! The keys of a policy: their spellings, the kind of value each takes, and "did you mean" for
//! a key that is not one. The `#[cors(...)]` attribute, `policy!`, configuration files and the
//! builder all name keys through [`Field`], so a key exists once.

/// A key of a policy, as written in `#[cors(...)]`, in a config file or through the builder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// `origins`
    Origins,
    /// `credentials`
    Credentials,
    /// `methods`
    Methods,
    /// `headers` (allowed request headers)
    Headers,
    /// `expose` (response headers a page may read)
    Expose,
    /// `max_age`
    MaxAge,
    /// `allow_null_origin`
    AllowNullOrigin,
    /// `private_network`
    PrivateNetwork,
    /// `dangerously_allow_http_with_credentials`
    DangerouslyAllowHttpWithCredentials,
    /// `dangerously_allow_public_suffix_wildcard`
    DangerouslyAllowPublicSuffixWildcard,
    /// `protect_writes` (refuse cross-site writes and WebSocket handshakes from origins the
    /// policy does not allow)
    ProtectWrites,
}

/// The kind of value a key takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Shape {
    /// A list of strings (`origins`, `headers`, `expose`).
    Strings,
    /// A list of method names (`methods`).
    Methods,
    /// A whole number of seconds (`max_age`).
    Seconds,
    /// A flag, on or off.
    Flag,
}

impl Field {
    /// Every key, in the order the documentation lists them.
    pub const ALL: [Field; 11] = [
        Field::Origins,
        Field::Credentials,
        Field::Methods,
        Field::Headers,
        Field::Expose,
        Field::MaxAge,
        Field::AllowNullOrigin,
        Field::PrivateNetwork,
        Field::DangerouslyAllowHttpWithCredentials,
        Field::DangerouslyAllowPublicSuffixWildcard,
        Field::ProtectWrites,
    ];

    /// The key as the user writes it.
    pub const fn key(self) -> &'static str {
        match self {
            Field::Origins => "origins",
            Field::Credentials => "credentials",
            Field::Methods => "methods",
            Field::Headers => "headers",
            Field::Expose => "expose",
            Field::MaxAge => "max_age",
            Field::AllowNullOrigin => "allow_null_origin",
            Field::PrivateNetwork => "private_network",
            Field::DangerouslyAllowHttpWithCredentials => "dangerously_allow_http_with_credentials",
            Field::DangerouslyAllowPublicSuffixWildcard => {
                "dangerously_allow_public_suffix_wildcard"
            }
            Field::ProtectWrites => "protect_writes",
        }
    }

    /// The key spelt exactly `key`, if there is one.
    ///
    /// ```
    /// use cors_shared::Field;
    /// assert_eq!(Field::from_key("max_age"), Some(Field::MaxAge));
    /// assert_eq!(Field::from_key("maxAge"), None);
    /// ```
    pub fn from_key(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.key() == key)
    }

    /// The kind of value the key takes.
    pub const fn shape(self) -> Shape {
        match self {
            Field::Origins | Field::Headers | Field::Expose => Shape::Strings,
            Field::Methods => Shape::Methods,
            Field::MaxAge => Shape::Seconds,
            Field::Credentials
            | Field::AllowNullOrigin
            | Field::PrivateNetwork
            | Field::DangerouslyAllowHttpWithCredentials
            | Field::DangerouslyAllowPublicSuffixWildcard
            | Field::ProtectWrites => Shape::Flag,
        }
    }

    /// The key with an example value, as written in `#[cors(...)]`.
    pub const fn example(self) -> &'static str {
        match self {
            Field::Origins => "origins = [\"https://app.example.re\"]",
            Field::Methods => "methods = [GET, PUT]",
            Field::Headers => "headers = [\"content-type\"]",
            Field::Expose => "expose = [\"x-total-count\"]",
            Field::MaxAge => "max_age = 600",
            Field::Credentials
            | Field::AllowNullOrigin
            | Field::PrivateNetwork
            | Field::DangerouslyAllowHttpWithCredentials
            | Field::DangerouslyAllowPublicSuffixWildcard
            | Field::ProtectWrites => self.key(),
        }
    }

    /// Spellings that other CORS libraries use for this key.
    pub const fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::Origins => &["allowed_origins", "allow_origins", "allow_origin"],
            Field::Credentials => &["allow_credentials", "supports_credentials"],
            Field::Methods => &["allowed_methods", "allow_methods"],
            Field::Headers => &["allowed_headers", "allow_headers", "request_headers"],
            Field::Expose => &["expose_headers", "exposed_headers"],
            Field::MaxAge => &["max_age_secs"],
            Field::AllowNullOrigin => &["allow_null"],
            Field::PrivateNetwork => &["allow_private_network"],
            Field::ProtectWrites => &[
                "csrf",
                "csrf_protection",
                "cross_origin_protection",
                "protect_write",
                "write_protection",
            ],
            Field::DangerouslyAllowHttpWithCredentials
            | Field::DangerouslyAllowPublicSuffixWildcard => &[],
        }
    }

    /// The key a user most probably meant by `name`, when `name` is not a key: the same key in
    /// another case or with `-` for `_`, another library's spelling of it, or a key a few edits
    /// away.
    ///
    /// ```
    /// use cors_shared::Field;
    /// assert_eq!(Field::suggest("orgins"), Some("origins"));
    /// assert_eq!(Field::suggest("Max-Age"), Some("max_age"));
    /// assert_eq!(Field::suggest("supports_credentials"), Some("credentials"));
    /// assert_eq!(Field::suggest("timeout"), None);
    /// ```
    pub fn suggest(name: &str) -> Option<&'static str> {
        Field::suggest_among(name, &[])
    }

    /// Like [`Field::suggest`], with `extra` keys that a particular syntax adds (the
    /// attribute's `policy`).
    pub fn suggest_among(name: &str, extra: &[&'static str]) -> Option<&'static str> {
        let normal = name.to_ascii_lowercase().replace('-', "_");
        let keys = || {
            Field::ALL
                .iter()
                .map(|f| f.key())
                .chain(extra.iter().copied())
        };
        if let Some(key) = keys().find(|k| *k == normal) {
            return Some(key);
        }
        if let Some(field) = Field::ALL
            .into_iter()
            .find(|f| f.aliases().contains(&normal.as_str()))
        {
            return Some(field.key());
        }
        let (best, distance) = keys()
            .map(|k| (k, edit_distance(&normal, k)))
            .min_by_key(|&(_, d)| d)?;
        let limit = (normal.chars().count() / 3).max(2);
        (distance <= limit).then_some(best)
    }
}

/// Levenshtein distance between two short strings.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = Vec::with_capacity(b.len() + 1);
    for (i, ca) in a.chars().enumerate() {
        current.clear();
        current.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous.get(j).copied().unwrap_or(usize::MAX);
            let delete = previous.get(j + 1).copied().unwrap_or(usize::MAX);
            let insert = current.get(j).copied().unwrap_or(usize::MAX);
            let cost = usize::from(ca != *cb);
            current.push(
                substitute
                    .saturating_add(cost)
                    .min(delete.saturating_add(1))
                    .min(insert.saturating_add(1)),
            );
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_the_key() {
        for (typo, key) in [
            ("orgins", "origins"),
            ("origin", "origins"),
            ("Origins", "origins"),
            ("method", "methods"),
            ("maxage", "max_age"),
            ("Max-Age", "max_age"),
            ("credentails", "credentials"),
        ] {
            assert_eq!(Field::suggest(typo), Some(key), "{typo}");
        }
        assert_eq!(Field::suggest_among("polcy", &["policy"]), Some("policy"));
    }

    #[test]
    fn other_libraries_spellings_find_the_key() {
        assert_eq!(Field::suggest("allowed_origins"), Some("origins"));
        assert_eq!(Field::suggest("supports_credentials"), Some("credentials"));
        assert_eq!(Field::suggest("expose_headers"), Some("expose"));
        assert_eq!(Field::suggest("allowed_headers"), Some("headers"));
    }

    #[test]
    fn unrelated_names_get_no_suggestion() {
        assert_eq!(Field::suggest("timeout"), None);
        assert_eq!(Field::suggest("x"), None);
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn keys_round_trip() {
        for field in Field::ALL {
            assert_eq!(Field::from_key(field.key()), Some(field));
            assert!(field.example().starts_with(field.key()));
        }
    }
}
