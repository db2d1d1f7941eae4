//! The ASCII form suggested for a non-ASCII origin is the host the WHATWG URL parser (the
//! `url` crate, what browsers implement) gives for it, and nothing when the parser refuses it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cors_shared::{is_serialized_origin, ErrorKind, PolicySpec};
use proptest::prelude::*;

/// Characters that UTS #46 treats in every way: kept, mapped (case, width, compatibility),
/// composed (combining marks), removed (soft hyphen), refused (bidi mixes, joiners), and dots.
const POOL: &[char] = &[
    'a', 'b', 'x', 'n', 'Z', '0', '1', '9', '-', 'ü', 'Ü', 'ß', 'ς', 'Σ', 'é', '\u{308}',
    '\u{301}', 'ⓕ', 'Ⓐ', 'ｆ', 'Ａ', '１', '２', 'ﬁ', 'ı', 'İ', 'א', 'ب', '١', '例', 'え', 'ア',
    'ｱ', '\u{ad}', '\u{200d}', '\u{200c}', '\u{fe0f}', '😀', '。', '．', '｡', '.', '_', '～',
];

/// Any character a user could paste into a host, short of the URL's own delimiters, of
/// whitespace and of quotes (rules of their own: the suggestion trims whitespace and drops
/// quotes, as slips of a copy and paste or of a config format).
fn host_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => proptest::sample::select(POOL),
        1 => any::<char>().prop_map(|c| {
            let delimiter = c.is_ascii_control() || "/?#@:\\%[]*\"'".contains(c);
            if delimiter || c.is_whitespace() { 'x' } else { c }
        }),
    ]
}

fn host() -> impl Strategy<Value = String> {
    proptest::collection::vec(host_char(), 1..24)
        .prop_map(|chars| chars.into_iter().collect::<String>())
        .prop_filter("has a non-ASCII character", |h| !h.is_ascii())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn the_suggestion_is_the_url_parsers_host(host in host()) {
        let entry = format!("https://{host}");
        let errors = PolicySpec::new().origin(entry.as_str()).validate().unwrap_err();
        let error = &errors.errors()[0];
        let parsed = url::Url::parse(&entry).ok();
        // The parser's host, when it is an origin a policy can list (a trailing dot, which no
        // listed origin may have, is dropped as it is for ASCII hosts).
        let expected = parsed
            .as_ref()
            .and_then(|u| u.host_str())
            .map(|h| format!("https://{}", h.strip_suffix('.').unwrap_or(h)))
            .filter(|o| is_serialized_origin(o) && *o != entry);
        prop_assert_eq!(error.suggestion(), expected.as_deref(), "{:?}: {}", entry, error);
        // The error says that the parser refuses the host exactly when it does.
        if error.kind() == ErrorKind::OriginNonAscii {
            let says_refused = error.message().contains("URL parser refuses");
            prop_assert_eq!(says_refused, parsed.is_none(), "{}", error);
        }
    }
}
