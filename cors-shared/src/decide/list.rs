//! `Access-Control-Request-Headers`: a comma-separated list of header names, checked against a
//! policy with work bounded by the policy's size whatever the request holds.

use super::refusal::Refusal;
use super::{MAX_EMPTY_ELEMENTS, MAX_HEADER_NAME_LEN, MAX_REQUESTED_HEADERS, MAX_WHITESPACE_RUN};
use crate::bytes;
use crate::fetch;
use crate::policy::RawPolicy;
use crate::token;

/// The text of `bytes`, which callers have read through an ASCII-only grammar (a header list, a
/// method token, a serialized origin); `""` when they are not UTF-8, which no caller passes.
/// Checked with `str::from_utf8`, not assumed: the workspace has no `unsafe` code.
#[inline]
pub(crate) fn ascii(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or("")
}

#[inline]
fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Skips at most [`MAX_WHITESPACE_RUN`] spaces or tabs; `None` when the run is longer.
#[inline(always)]
fn skip_ows(bytes: &[u8], mut pos: usize) -> Option<usize> {
    let start = pos;
    while bytes.get(pos).copied().is_some_and(is_ows) {
        pos += 1;
        if pos - start > MAX_WHITESPACE_RUN {
            return None;
        }
    }
    Some(pos)
}

fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_ows(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !is_ows(*last) {
            break;
        }
        s = rest;
    }
    s
}

/// The index of the first of the policy's names equal to `name` without regard to case.
#[inline]
fn listed_index(raw: &RawPolicy, name: &[u8]) -> Option<usize> {
    // The policy's names are lower case, as browsers send them: equal bytes settle the common
    // case in one comparison, without folding case byte by byte.
    raw.headers.iter().position(|h| {
        let h = h.as_bytes();
        bytes::eq(h, name) || token::eq_ignore_case(h, name)
    })
}

/// Length of the run of `tchar`s at the start of `bytes`, counted up to `limit + 1`.
#[inline]
fn name_run(bytes: &[u8], limit: usize) -> usize {
    let bytes = bytes.get(..limit.saturating_add(1)).unwrap_or(bytes);
    bytes
        .iter()
        .position(|&b| !token::is_tchar(b))
        .unwrap_or(bytes.len())
}

/// The value in the form browsers send, read the short way: names the policy lists, each once,
/// joined by bare commas (`content-type,x-custom`), with no whitespace and no empty element.
/// `None` for any other value, which [`check`] then reads in full.
///
/// At each position the policy's names are tried in turn, each only where a comma or the end
/// follows it, instead of first scanning the name byte by byte. When this answers, the full
/// reading answers the same: each name ends at a comma or the end and equals a listed name
/// without regard to case, so it is a token no longer than the longest listed name, allowed,
/// matched by that first listed name (the duplicate check of [`check`]), and at most as many
/// names as the policy lists were asked for. A single name equal byte for byte to its listed
/// name is answered with the policy's own text, so the common case decodes no UTF-8.
fn check_listed<'a>(raw: &'a RawPolicy, value: &'a [u8]) -> Option<&'a str> {
    // Bit `i`: the policy's name `i` was asked for already.
    let mut seen = 0u128;
    let mut rest = value;
    let mut names = 0usize;
    loop {
        let (index, listed) = raw.headers.iter().enumerate().find(|(_, h)| {
            let h = h.as_bytes();
            !h.is_empty()
                && matches!(rest.get(h.len()), None | Some(b','))
                && rest
                    .get(..h.len())
                    .is_some_and(|head| bytes::eq(head, h) || token::eq_ignore_case(head, h))
        })?;
        let bit = u32::try_from(index)
            .ok()
            .and_then(|i| 1u128.checked_shl(i))?;
        if seen & bit != 0 {
            return None;
        }
        seen |= bit;
        names += 1;
        let listed: &'a str = listed.as_ref();
        match rest.get(listed.len() + 1..) {
            Some(after_comma) => rest = after_comma,
            None if names == 1 && value == listed.as_bytes() => return Some(listed),
            None => return Some(ascii(value)),
        }
    }
}

/// Checks `Access-Control-Request-Headers` against a policy; on success returns the value
/// to echo in `Access-Control-Allow-Headers` (`None` when it names nothing).
///
/// The form browsers send is read by [`check_listed`]; any other value in one pass: each name
/// is read, looked up among the policy's names, and checked against the names before it
/// through the index it matched (a name the policy's `*` allows without listing it is compared
/// with the earlier elements instead).
pub(crate) fn check<'a>(
    raw: &'a RawPolicy,
    value: &'a [u8],
) -> Result<Option<&'a str>, Refusal<'a>> {
    if let Some(text) = check_listed(raw, value) {
        return Ok(Some(text));
    }
    let max_count = if raw.any_header {
        MAX_REQUESTED_HEADERS.max(raw.headers.len())
    } else {
        raw.headers.len()
    };
    // Bit `i`: the policy's name `i` was asked for already.
    let mut seen = 0u128;
    let (mut pos, mut count, mut empties) = (0usize, 0usize, 0usize);
    loop {
        pos = skip_ows(value, pos).ok_or(Refusal::MalformedRequestHeaders)?;
        let start = pos;
        let rest = value.get(start..).unwrap_or_default();
        // A name is read whole, up to the longest the policy lists and at least
        // `MAX_HEADER_NAME_LEN`, so that a refusal names exactly what was asked for; a longer
        // one is named by its first bytes.
        let mut run = name_run(rest, MAX_HEADER_NAME_LEN);
        if run > MAX_HEADER_NAME_LEN {
            let longest = raw.headers.iter().map(|h| h.len()).max().unwrap_or(0);
            let max_len = longest.max(MAX_HEADER_NAME_LEN);
            run = name_run(rest, max_len);
            if run > max_len {
                let prefix = rest.get(..max_len).unwrap_or_default();
                return Err(Refusal::HeaderNameTooLong(prefix));
            }
        }
        pos += run;
        let name = rest.get(..run).unwrap_or_default();
        pos = skip_ows(value, pos).ok_or(Refusal::MalformedRequestHeaders)?;
        let last = match value.get(pos) {
            None => true,
            Some(b',') => {
                pos += 1;
                false
            }
            Some(_) => return Err(Refusal::MalformedRequestHeaders),
        };
        if name.is_empty() {
            empties += 1;
            if empties > MAX_EMPTY_ELEMENTS {
                return Err(Refusal::MalformedRequestHeaders);
            }
        } else {
            let index = listed_index(raw, name);
            let allowed = index.is_some()
                || (raw.any_header && !fetch::is_non_wildcard_request_header_bytes(name));
            if !allowed {
                return Err(Refusal::HeaderNotAllowed(name));
            }
            count += 1;
            if count > max_count {
                return Err(Refusal::TooManyRequestHeaders);
            }
            // Two names equal without regard to case match the same first listed name.
            let bit = index
                .and_then(|i| u32::try_from(i).ok())
                .and_then(|i| 1u128.checked_shl(i));
            let duplicate = match bit {
                Some(bit) => {
                    let again = seen & bit != 0;
                    seen |= bit;
                    again
                }
                // Everything before `start` is at most `count` names already checked (none
                // for the first name).
                None => {
                    count > 1
                        && value
                            .get(..start)
                            .unwrap_or_default()
                            .split(|&b| b == b',')
                            .any(|e| token::eq_ignore_case(trim_ows(e), name))
                }
            };
            if duplicate {
                return Err(Refusal::DuplicateRequestHeader(name));
            }
        }
        if last {
            break;
        }
    }
    Ok((count > 0).then(|| ascii(trim_ows(value))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PolicySpec;
    use proptest::prelude::*;

    /// The check as first written, element by element with a second pass for duplicates:
    /// the reference the one-pass check must agree with on every input.
    fn reference<'a>(raw: &RawPolicy, value: &'a [u8]) -> Result<Option<&'a str>, Refusal<'a>> {
        fn allowed(raw: &RawPolicy, name: &[u8]) -> bool {
            raw.headers
                .iter()
                .any(|h| token::eq_ignore_case(h.as_bytes(), name))
                || (raw.any_header && !fetch::is_non_wildcard_request_header_bytes(name))
        }
        let max_count = if raw.any_header {
            MAX_REQUESTED_HEADERS.max(raw.headers.len())
        } else {
            raw.headers.len()
        };
        let longest = raw.headers.iter().map(|h| h.len()).max().unwrap_or(0);
        let max_len = longest.max(MAX_HEADER_NAME_LEN);
        let (mut pos, mut count, mut empties) = (0usize, 0usize, 0usize);
        loop {
            pos = skip_ows(value, pos).ok_or(Refusal::MalformedRequestHeaders)?;
            let start = pos;
            while value.get(pos).copied().is_some_and(token::is_tchar) {
                if pos - start == max_len {
                    return Err(Refusal::HeaderNameTooLong(&value[start..pos]));
                }
                pos += 1;
            }
            let name = &value[start..pos];
            pos = skip_ows(value, pos).ok_or(Refusal::MalformedRequestHeaders)?;
            let last = match value.get(pos) {
                None => true,
                Some(b',') => {
                    pos += 1;
                    false
                }
                Some(_) => return Err(Refusal::MalformedRequestHeaders),
            };
            if name.is_empty() {
                empties += 1;
                if empties > MAX_EMPTY_ELEMENTS {
                    return Err(Refusal::MalformedRequestHeaders);
                }
            } else {
                if !allowed(raw, name) {
                    return Err(Refusal::HeaderNotAllowed(name));
                }
                count += 1;
                if count > max_count {
                    return Err(Refusal::TooManyRequestHeaders);
                }
                if value[..start]
                    .split(|&b| b == b',')
                    .any(|e| token::eq_ignore_case(trim_ows(e), name))
                {
                    return Err(Refusal::DuplicateRequestHeader(name));
                }
            }
            if last {
                break;
            }
        }
        Ok((count > 0).then(|| std::str::from_utf8(trim_ows(value)).unwrap_or("")))
    }

    fn long_name(len: usize) -> String {
        "x".repeat(len)
    }

    /// Pieces of a request header list: names in several cases, a name the policies never
    /// list, forbidden ones, names around the length bounds, separators and bytes outside the
    /// grammar.
    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("content-type".to_owned()),
            Just("Content-Type".to_owned()),
            Just("x-custom".to_owned()),
            Just("X-CUSTOM".to_owned()),
            Just("x-other".to_owned()),
            Just("authorization".to_owned()),
            Just("cookie".to_owned()),
            Just(long_name(MAX_HEADER_NAME_LEN)),
            Just(long_name(MAX_HEADER_NAME_LEN + 1)),
            Just(long_name(300)),
            Just(long_name(301)),
            (0..80usize).prop_map(|i| format!("x-h{i}")),
            Just(",".to_owned()),
            Just(", ".to_owned()),
            Just(" ,".to_owned()),
            Just("\t".to_owned()),
            Just(" ".repeat(MAX_WHITESPACE_RUN + 1)),
            Just("@".to_owned()),
            Just("\u{e9}".to_owned()),
        ]
    }

    fn policy(listed: &[String], any: bool) -> RawPolicy {
        let mut headers: Vec<String> = listed.to_vec();
        if any {
            headers.push("*".to_owned());
        }
        let policy = PolicySpec::new()
            .origin("https://app.example.re")
            .headers(headers)
            .validate();
        match policy {
            Ok(p) => p.raw,
            Err(e) => panic!("the test's policy is valid: {e:?}"),
        }
    }

    #[test]
    fn the_form_browsers_send_is_answered_as_the_full_reading_answers_it() {
        let mut listed: Vec<String> = ["content-type", "x-custom", "x-h1"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        // Names past the 128 bits of the duplicate mask.
        listed.extend((2..140).map(|i| format!("x-h{i}")));
        let raw = policy(&listed, false);
        let cases: [(&str, Result<Option<&str>, Refusal<'_>>); 15] = [
            ("content-type", Ok(Some("content-type"))),
            ("Content-Type", Ok(Some("Content-Type"))),
            ("content-type,x-custom", Ok(Some("content-type,x-custom"))),
            ("x-custom,CONTENT-TYPE", Ok(Some("x-custom,CONTENT-TYPE"))),
            // A listed name is a prefix of the requested one.
            ("x-h10", Ok(Some("x-h10"))),
            ("x-h1,x-h10", Ok(Some("x-h1,x-h10"))),
            ("x-h1x", Err(Refusal::HeaderNotAllowed(b"x-h1x"))),
            // One byte after a listed name, then another listed name.
            (
                "x-customxcontent-type",
                Err(Refusal::HeaderNotAllowed(b"x-customxcontent-type")),
            ),
            (
                "x-custom,x-custom",
                Err(Refusal::DuplicateRequestHeader(b"x-custom")),
            ),
            (
                "x-custom,X-Custom",
                Err(Refusal::DuplicateRequestHeader(b"X-Custom")),
            ),
            (
                "x-h139,x-h139",
                Err(Refusal::DuplicateRequestHeader(b"x-h139")),
            ),
            ("content-type,", Ok(Some("content-type,"))),
            ("content-type,,x-custom", Ok(Some("content-type,,x-custom"))),
            (
                "content-type, x-custom ",
                Ok(Some("content-type, x-custom")),
            ),
            (
                "content-type;x-custom",
                Err(Refusal::MalformedRequestHeaders),
            ),
        ];
        for (value, want) in cases {
            let got = check(&raw, value.as_bytes());
            assert_eq!(got, want, "{value:?}");
            assert_eq!(got, reference(&raw, value.as_bytes()), "{value:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

        #[test]
        fn one_pass_agrees_with_the_reference(
            listed in prop::sample::subsequence(
                vec!["content-type".to_owned(), "x-custom".to_owned(), long_name(300),
                     "x-h1".to_owned(), "x-h2".to_owned(), "x-h3".to_owned()],
                0..6,
            ),
            many in any::<bool>(),
            any in any::<bool>(),
            pieces in prop::collection::vec(piece(), 0..24),
            joined in any::<bool>(),
        ) {
            let mut listed = listed;
            if many {
                // More listed names than the bits of the duplicate mask.
                listed.extend((0..140).map(|i| format!("x-h{i}")));
            }
            let mut unique = Vec::new();
            for name in listed {
                if !unique.contains(&name) {
                    unique.push(name);
                }
            }
            let raw = policy(&unique, any);
            let value = if joined { pieces.join(",") } else { pieces.concat() };
            prop_assert_eq!(check(&raw, value.as_bytes()), reference(&raw, value.as_bytes()));
        }
    }
}
