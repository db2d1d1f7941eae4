//! Public suffixes and registrable domains, from the whole [Public Suffix List].
//!
//! Browsers use the list to draw the boundary of a *site*: two hosts are same-site when they
//! share a registrable domain (a public suffix plus one label), and anyone can register a name
//! directly under a public suffix (`co.uk`, `github.io`, any `x.ck`). A credentialed wildcard
//! such as `https://*.github.io` therefore trusts sites its author does not own, and a policy
//! refuses it; `https://*.myname.github.io`, the subdomains of one registrable domain, is fine.
//!
//! The rules follow the list's algorithm: ICANN and private rules alike, wildcard rules
//! (`*.ck` makes every `x.ck` a public suffix), exception rules (`!www.ck` makes `www.ck`
//! registrable again) and the implicit `*` rule, under which an unlisted top-level domain is a
//! public suffix. A trailing dot is kept aside and added back, as the URL Standard does.
//!
//! Hosts are expected as a URL parser gives them: ASCII, lower case, internationalised labels
//! in their `xn--` form. The list ships with this crate (`data/public_suffix_list.dat`, dated in
//! its header) and is read once, the first time a question is asked.
//!
//! ```
//! use cors_shared::public_suffix::{is_public_suffix, registrable_domain};
//!
//! assert!(is_public_suffix("co.uk"));
//! assert!(is_public_suffix("github.io"));
//! assert_eq!(registrable_domain("www.acme.co.uk"), Some("acme.co.uk"));
//! assert_eq!(registrable_domain("myname.github.io"), Some("myname.github.io"));
//! assert_eq!(registrable_domain("a.b.foo.ck"), Some("b.foo.ck"));
//! assert_eq!(registrable_domain("www.ck"), Some("www.ck"));
//! assert_eq!(registrable_domain("github.io"), None);
//! assert_eq!(registrable_domain("127.0.0.1"), None);
//! ```
//!
//! [Public Suffix List]: https://publicsuffix.org/

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

/// The list, as vendored: comments start with `//`, each other line starts with one rule.
const LIST: &str = include_str!("../data/public_suffix_list.dat");

/// The name is a rule (`co.uk`).
const RULE: u8 = 1;
/// The name's children are rules (`*.ck` is stored under `ck`).
const WILDCARD: u8 = 2;
/// The name is an exception (`!www.ck` is stored under `www.ck`).
const EXCEPTION: u8 = 4;

/// Every rule's name in ASCII, with what the list says of it.
static RULES: LazyLock<HashMap<Cow<'static, str>, u8>> = LazyLock::new(|| parse(LIST));

fn parse(list: &'static str) -> HashMap<Cow<'static, str>, u8> {
    let mut rules: HashMap<Cow<'static, str>, u8> = HashMap::with_capacity(10_500);
    for line in list.lines() {
        let Some(rule) = line.split_whitespace().next() else {
            continue;
        };
        if rule.starts_with("//") {
            continue;
        }
        let (kind, name) = if let Some(name) = rule.strip_prefix('!') {
            (EXCEPTION, name)
        } else if let Some(name) = rule.strip_prefix("*.") {
            (WILDCARD, name)
        } else {
            (RULE, rule)
        };
        // Internationalised rules are written in Unicode; hosts arrive in their `xn--` form.
        let name = if name.is_ascii() {
            Cow::Borrowed(name)
        } else {
            match idna::domain_to_ascii_cow(name.as_bytes(), idna::AsciiDenyList::URL) {
                Ok(ascii) => Cow::Owned(ascii.into_owned()),
                Err(_) => continue,
            }
        };
        *rules.entry(name).or_default() |= kind;
    }
    rules
}

/// Whether `host` is itself a public suffix, such as `com`, `co.uk`, `github.io` or `foo.ck`.
///
/// Any unlisted top-level domain counts (the list's implicit `*` rule). False for an empty
/// host and for IP addresses (IPv4, or IPv6 in brackets).
///
/// ```
/// use cors_shared::public_suffix::is_public_suffix;
///
/// assert!(is_public_suffix("com"));
/// assert!(is_public_suffix("pvt.k12.ma.us"));
/// assert!(is_public_suffix("anything.ck")); // `*.ck`
/// assert!(!is_public_suffix("www.ck")); // `!www.ck`
/// assert!(!is_public_suffix("example.com"));
/// assert!(!is_public_suffix("192.168.0.1"));
/// ```
pub fn is_public_suffix(host: &str) -> bool {
    split(host).is_some_and(|(registrable, _)| registrable.is_none())
}

/// The registrable domain of `host` (its public suffix and the one label before it), or
/// `None` when the host is itself a public suffix, is an IP address or is empty.
///
/// Two hosts with the same registrable domain are *same-site*. A host with a trailing dot
/// keeps it: `www.example.com.` gives `example.com.`.
///
/// ```
/// use cors_shared::public_suffix::registrable_domain;
///
/// assert_eq!(registrable_domain("www.example.com"), Some("example.com"));
/// assert_eq!(registrable_domain("a.b.example.co.uk"), Some("example.co.uk"));
/// assert_eq!(registrable_domain("app.xn--55qx5d.cn"), Some("app.xn--55qx5d.cn"));
/// assert_eq!(registrable_domain("co.uk"), None);
/// assert_eq!(registrable_domain("[::1]"), None);
/// ```
pub fn registrable_domain(host: &str) -> Option<&str> {
    split(host).and_then(|(registrable, _)| registrable)
}

/// The registrable domain (if any) and the public suffix of a domain; `None` for an empty
/// host or an IP address.
fn split(host: &str) -> Option<(Option<&str>, &str)> {
    let name = host.strip_suffix('.').unwrap_or(host);
    if name.is_empty() || host.starts_with('[') || is_ipv4(name) {
        return None;
    }
    let dot = host.len() - name.len();
    let suffix_start = suffix_start(name, &RULES);
    // The suffix and the registrable domain both keep the trailing dot.
    let suffix = host.get(suffix_start..)?;
    if suffix_start == 0 {
        return Some((None, suffix));
    }
    let label_start = name
        .get(..suffix_start - 1)?
        .rfind('.')
        .map_or(0, |i| i + 1);
    let registrable = host.get(label_start..name.len() + dot)?;
    Some((Some(registrable), suffix))
}

/// Where the public suffix of `name` (no trailing dot) starts, by the list's algorithm: the
/// matching rule with the most labels prevails, an exception over any other, and an unlisted
/// top-level domain is a suffix on its own.
fn suffix_start(name: &str, rules: &HashMap<Cow<'static, str>, u8>) -> usize {
    // Start of each suffix of `name`, shortest first: `c` in `a.b.c`, then `b.c`, then `a.b.c`.
    let starts = name
        .rmatch_indices('.')
        .map(|(i, _)| i + 1)
        .chain(std::iter::once(0));
    let mut best = name.rfind('.').map_or(0, |i| i + 1);
    let mut parent_flags = 0u8;
    let mut parent_start = name.len();
    for start in starts {
        let Some(suffix) = name.get(start..) else {
            break;
        };
        let flags = rules.get(suffix).copied().unwrap_or(0);
        if flags & EXCEPTION != 0 {
            // The exception's own name is registrable: its suffix is the parent.
            return parent_start;
        }
        if flags & RULE != 0 || parent_flags & WILDCARD != 0 {
            best = start;
        }
        parent_flags = flags;
        parent_start = start;
    }
    best
}

/// Whether the URL Standard reads `name` as an IPv4 address: its last label is a number.
fn is_ipv4(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    let hex = last
        .strip_prefix("0x")
        .or_else(|| last.strip_prefix("0X"))
        .map(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
    !last.is_empty() && (last.bytes().all(|b| b.is_ascii_digit()) || hex == Some(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_rule() {
        let cases = [
            // Implicit `*`: an unlisted top-level domain.
            ("example.unlisted", Some("example.unlisted")),
            ("unlisted", None),
            // ICANN, one and several labels.
            ("com", None),
            ("www.example.com", Some("example.com")),
            ("co.uk", None),
            ("a.acme.co.uk", Some("acme.co.uk")),
            // Private section.
            ("github.io", None),
            ("x.myname.github.io", Some("myname.github.io")),
            // Wildcard and exception.
            ("foo.ck", None),
            ("a.b.foo.ck", Some("b.foo.ck")),
            ("www.ck", Some("www.ck")),
            ("a.www.ck", Some("www.ck")),
            ("kawasaki.jp", Some("kawasaki.jp")),
            ("x.kawasaki.jp", None),
            ("city.kawasaki.jp", Some("city.kawasaki.jp")),
            // An internationalised rule (`公司.cn`) in its ASCII form.
            ("xn--55qx5d.cn", None),
            ("shop.xn--55qx5d.cn", Some("shop.xn--55qx5d.cn")),
            // Trailing dot.
            ("www.example.com.", Some("example.com.")),
            ("co.uk.", None),
            // Neither a suffix nor a domain.
            ("", None),
            (".", None),
            ("10.0.0.1", None),
            ("0x7f.1", None),
            ("[::1]", None),
        ];
        for (host, want) in cases {
            assert_eq!(registrable_domain(host), want, "{host}");
        }
    }

    #[test]
    fn public_suffixes() {
        for host in [
            "com",
            "co.uk",
            "github.io",
            "foo.ck",
            "xn--55qx5d.cn",
            "co.uk.",
        ] {
            assert!(is_public_suffix(host), "{host}");
        }
        for host in [
            "",
            "example.com",
            "www.ck",
            "127.0.0.1",
            "[::1]",
            "localhost.x",
        ] {
            assert!(!is_public_suffix(host), "{host}");
        }
    }

    #[test]
    fn the_list_is_whole() {
        // Both sections, thousands of rules: not a hand-picked subset.
        assert!(RULES.len() > 9_000, "{}", RULES.len());
        assert_eq!(RULES.get("ck"), Some(&WILDCARD));
        assert_eq!(RULES.get("www.ck"), Some(&EXCEPTION));
        assert_eq!(RULES.get("123website.nl"), Some(&RULE));
    }
}
