//! Mistakes made while writing a list of origins rather than in one origin: several origins in
//! one entry, quotes kept as part of the value, a misspelt `http` or `https`. Each is named as
//! what it is, instead of the grammar rule it happens to break first.

use crate::error::ErrorKind;

/// The schemes of web pages, which a scheme one edit away from is taken for a typo of.
const WEB_SCHEMES: [&str; 2] = ["https", "http"];

/// Characters that separate origins in a list, but never appear in one.
pub(crate) const SEPARATORS: [char; 2] = [';', ','];

/// The list mistake `entry` makes, if any: checked before the origin grammar.
pub(crate) fn list_mistake(entry: &str) -> Option<ErrorKind> {
    if entry.contains(['"', '\'']) {
        Some(ErrorKind::OriginQuoted)
    } else if entry.contains(SEPARATORS) || entry.matches("://").count() > 1 {
        Some(ErrorKind::OriginsNotSeparated)
    } else {
        None
    }
}

/// The origins an entry holds several of, for the message that tells how to list them.
pub(crate) fn parts(entry: &str) -> impl Iterator<Item = &str> {
    entry
        .split(|c: char| SEPARATORS.contains(&c) || c.is_whitespace())
        .filter(|p| !p.is_empty())
}

/// The web scheme a scheme is a typo of: one edit (a letter added, dropped, replaced, or two
/// neighbours swapped) away from `https` or `http`, `https` first.
pub(crate) fn misspelt_scheme(scheme: &str) -> Option<&'static str> {
    if WEB_SCHEMES.contains(&scheme) {
        return None;
    }
    WEB_SCHEMES
        .into_iter()
        .find(|web| one_edit(scheme.as_bytes(), web.as_bytes()))
}

/// Whether `a` becomes `b` by one insertion, deletion, substitution or swap of neighbours.
fn one_edit(a: &[u8], b: &[u8]) -> bool {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (
        a.get(prefix..).unwrap_or_default(),
        b.get(prefix..).unwrap_or_default(),
    );
    let (tail_a, tail_b) = (
        a.get(1..).unwrap_or_default(),
        b.get(1..).unwrap_or_default(),
    );
    let swapped = matches!((a, b), ([x, y, rest_a @ ..], [p, q, rest_b @ ..])
        if x == q && y == p && rest_a == rest_b);
    tail_a == tail_b || tail_a == b || a == tail_b || swapped
}

/// The entry as it was probably meant: unquoted, or with its scheme spelt right. `None` when
/// it makes no list mistake, or when the mistake has no single correction.
pub(crate) fn corrected(entry: &str) -> Option<String> {
    if entry.contains(['"', '\'']) {
        let bare: String = entry.chars().filter(|c| !matches!(c, '"' | '\'')).collect();
        return Some(bare.trim_matches(['[', ']']).trim().to_owned());
    }
    let (scheme, rest) = entry.split_once("://")?;
    let web = misspelt_scheme(&scheme.to_ascii_lowercase())?;
    Some(format!("{web}://{rest}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_one_edit_from_the_web_ones_are_typos() {
        for typo in [
            "htps", "htttps", "httpss", "hhttps", "htpts", "thtps", "httsp", "httpz",
        ] {
            assert_eq!(misspelt_scheme(typo), Some("https"), "{typo}");
        }
        for typo in ["htp", "htt", "hhttp", "thtp", "hrtp", "ttp"] {
            assert_eq!(misspelt_scheme(typo), Some("http"), "{typo}");
        }
        for scheme in [
            "https",
            "http",
            "capacitor",
            "tauri",
            "chrome-extension",
            "moz-extension",
            "ionic",
            "ws",
            "wss",
            "ftp",
            "file",
            "app",
        ] {
            assert_eq!(misspelt_scheme(scheme), None, "{scheme}");
        }
    }

    #[test]
    fn list_mistakes_are_told_apart() {
        assert_eq!(
            list_mistake("\"https://a.example.re\""),
            Some(ErrorKind::OriginQuoted)
        );
        assert_eq!(
            list_mistake("https://a.example.re;https://b.example.re"),
            Some(ErrorKind::OriginsNotSeparated)
        );
        assert_eq!(
            list_mistake("https://a.example.re https://b.example.re"),
            Some(ErrorKind::OriginsNotSeparated)
        );
        assert_eq!(list_mistake("https://a.example.re"), None);
        assert_eq!(
            corrected("['https://a.example.re']").as_deref(),
            Some("https://a.example.re")
        );
        assert_eq!(
            corrected("htps://a.example.re").as_deref(),
            Some("https://a.example.re")
        );
        assert_eq!(
            parts("https://a.example.re; https://b.example.re").collect::<Vec<_>>(),
            ["https://a.example.re", "https://b.example.re"]
        );
    }
}
