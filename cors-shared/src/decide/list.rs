//! `Access-Control-Request-Headers`: a comma-separated list of header names, checked against a
//! policy with work bounded by the policy's size whatever the request holds.

use super::refusal::Refusal;
use super::{MAX_EMPTY_ELEMENTS, MAX_HEADER_NAME_LEN, MAX_REQUESTED_HEADERS, MAX_WHITESPACE_RUN};
use crate::fetch;
use crate::policy::RawPolicy;
use crate::token;

pub(crate) fn ascii(bytes: &[u8]) -> &str {
    // Callers pass bytes that passed an ASCII-only grammar.
    std::str::from_utf8(bytes).unwrap_or("")
}

fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Skips at most [`MAX_WHITESPACE_RUN`] spaces or tabs; `None` when the run is longer.
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

fn header_allowed(raw: &RawPolicy, name: &[u8]) -> bool {
    // The policy's names are lowercase, as browsers send them: equal bytes settle the common
    // case without folding case.
    let listed = raw
        .headers
        .iter()
        .any(|h| h.as_bytes() == name || token::eq_ignore_case(h.as_bytes(), name));
    listed || (raw.any_header && !fetch::is_non_wildcard_request_header_bytes(name))
}

/// Checks `Access-Control-Request-Headers` against a policy; on success returns the value
/// to echo in `Access-Control-Allow-Headers` (`None` when it names nothing).
pub(crate) fn check<'a>(raw: &RawPolicy, value: &'a [u8]) -> Result<Option<&'a str>, Refusal<'a>> {
    let max_count = if raw.any_header {
        MAX_REQUESTED_HEADERS.max(raw.headers.len())
    } else {
        raw.headers.len()
    };
    // A name is read whole, up to this bound, so that a refusal names exactly what was asked
    // for; a longer one is named by its first bytes.
    let longest = raw.headers.iter().map(|h| h.len()).max().unwrap_or(0);
    let max_len = longest.max(MAX_HEADER_NAME_LEN);
    let (mut pos, mut count, mut empties) = (0usize, 0usize, 0usize);
    loop {
        pos = skip_ows(value, pos).ok_or(Refusal::MalformedRequestHeaders)?;
        let start = pos;
        while value.get(pos).copied().is_some_and(token::is_tchar) {
            if pos - start == max_len {
                let prefix = value.get(start..pos).unwrap_or_default();
                return Err(Refusal::HeaderNameTooLong(prefix));
            }
            pos += 1;
        }
        let name = value.get(start..pos).unwrap_or_default();
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
            if !header_allowed(raw, name) {
                return Err(Refusal::HeaderNotAllowed(name));
            }
            count += 1;
            if count > max_count {
                return Err(Refusal::TooManyRequestHeaders);
            }
            // Everything before `start` is at most `count` names already checked (none for
            // the first name).
            let earlier = value.get(..start).unwrap_or_default();
            if count > 1
                && earlier
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
    Ok((count > 0).then(|| ascii(trim_ows(value))))
}
