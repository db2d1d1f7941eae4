//! The allowlist matcher: one incoming `Origin` against a set of allowed origins (exact ones and
//! `https://*.x` / `http://h:*` patterns), for a policy's fixed origins and for each version of
//! a runtime [`OriginSet`](crate::OriginSet) alike.

use crate::origin::{HostKind, OriginParts};
use crate::table;

/// Allowed origins as the matcher reads them: the keys (exact origins and patterns), the hash
/// table over them, and which label counts the subdomain patterns use.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Allowlist<'t, K> {
    pub(crate) keys: &'t [K],
    pub(crate) slots: &'t [u32],
    /// Bit `n` is set when a subdomain pattern's suffix has `n` labels.
    pub(crate) suffix_labels: u128,
}

impl<K: AsRef<str>> Allowlist<'_, K> {
    /// Whether `value` is one of the exact origins: a value equal to an exact origin is
    /// well-formed, since every key was. Patterns are keys of the same table, and a value equal
    /// to one (`https://*.example.re`) is no origin, so it is never found here.
    pub(crate) fn exact(&self, value: &[u8]) -> bool {
        self.exact_index(value).is_some()
    }

    /// The index among the keys of the exact origin `value`, as [`Allowlist::exact`] finds it.
    pub(crate) fn exact_index(&self, value: &[u8]) -> Option<usize> {
        table::find_one(self.slots, self.keys, value).filter(|_| !is_pattern_key(value))
    }

    /// Whether a port or subdomain pattern allows the well-formed origin `parts`. Work does
    /// not grow with the number of keys: one probe for a port pattern, and one per label
    /// count that subdomain patterns use. Inlined into the origin check, its one caller per
    /// kind of allowlist, where a call costs more than the probe it makes for most origins.
    #[inline]
    pub(crate) fn patterns(&self, parts: &OriginParts<'_>) -> bool {
        if self.slots.is_empty() {
            return false;
        }
        if parts.port.is_some() && self.lookup(&[parts.scheme, b"://", parts.host, b":*"]) {
            return true;
        }
        self.suffix_labels != 0 && parts.kind == HostKind::Domain && self.match_subdomain(parts)
    }

    /// Tries every proper suffix of the host whose label count some pattern uses. Inlined as
    /// [`Allowlist::patterns`] is.
    #[inline]
    fn match_subdomain(&self, parts: &OriginParts<'_>) -> bool {
        let host = parts.host;
        let mut labels_left = host.iter().filter(|&&b| b == b'.').count() + 1;
        for (i, _) in host.iter().enumerate().filter(|(_, &b)| b == b'.') {
            labels_left -= 1;
            let wanted = u32::try_from(labels_left)
                .ok()
                .and_then(|n| 1u128.checked_shl(n))
                .unwrap_or(0);
            if self.suffix_labels & wanted == 0 {
                continue;
            }
            let Some(suffix) = host.get(i + 1..) else {
                continue;
            };
            let found = match parts.port {
                None => self.lookup(&[parts.scheme, b"://*.", suffix]),
                Some(port) => {
                    self.lookup(&[parts.scheme, b"://*.", suffix, b":", port])
                        || self.lookup(&[parts.scheme, b"://*.", suffix, b":*"])
                }
            };
            if found {
                return true;
            }
        }
        false
    }

    fn lookup(&self, parts: &[&[u8]]) -> bool {
        table::contains(self.slots, self.keys, parts)
    }
}

/// The bit of `suffix_labels` for a subdomain pattern whose suffix (after `*.`) is `suffix`.
pub(crate) fn suffix_bit(suffix: &str) -> u128 {
    let labels = suffix.split('.').count();
    u32::try_from(labels)
        .ok()
        .and_then(|n| 1u128.checked_shl(n))
        .unwrap_or(0)
}

/// Whether `key`, equal to a key of an origin table, is a pattern rather than an exact origin:
/// `scheme://*.host` or `scheme://host:*`. The lookup checks it only on a hit, and it reads the
/// scheme and two bytes, where looking for `*` in every value before the lookup would read it
/// whole.
pub(crate) fn is_pattern_key(key: &[u8]) -> bool {
    key.last() == Some(&b'*')
        || first_colon(key).and_then(|colon| key.get(colon + 3)) == Some(&b'*')
}

/// The position of the first `:` in `bytes`. Schemes shorter than eight bytes (every scheme
/// browsers send) are read in one word: the lowest byte of `word ^ "::::::::"` that is zero is
/// the colon (the borrow of the zero-byte test only marks bytes above a zero one). Anything
/// else is read byte by byte.
fn first_colon(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const COLONS: u64 = u64::from_ne_bytes([b':'; 8]);
    if let Some(word) = bytes.get(..8).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
        let x = u64::from_le_bytes(word) ^ COLONS;
        let zeros = x.wrapping_sub(ONES) & !x & HIGHS;
        if zeros != 0 {
            return usize::try_from(zeros.trailing_zeros() / 8).ok();
        }
    }
    bytes.iter().position(|&b| b == b':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_colon_is_found_wherever_it_is() {
        let texts = [
            "https://app.example.re",
            "http://localhost:*",
            "https://*.example.re",
            "h:",
            ":",
            "",
            "abcdefg:",
            "abcdefgh:",
            "abcdefghijkl://x.y",
            "a::b",
            "ab:c:d",
            "abcdefgh",
            "\u{e9}\u{e9}\u{e9}:",
        ];
        for text in texts {
            let bytes = text.as_bytes();
            for start in 0..=bytes.len() {
                let tail = &bytes[start..];
                assert_eq!(
                    first_colon(tail),
                    tail.iter().position(|&b| b == b':'),
                    "{text:?} from {start}"
                );
            }
        }
        // Every byte value next to a colon, at every place in the word.
        for b in 0..=255u8 {
            for at in 0..8 {
                let mut word = [b; 9];
                word[at] = b':';
                let want = word.iter().position(|&c| c == b':');
                assert_eq!(first_colon(&word), want, "byte {b:#x}, colon at {at}");
            }
        }
    }
}
