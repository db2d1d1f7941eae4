//! Merging CORS tokens into a response's `Vary` without losing what was there, into one line:
//! some caches (Apache Traffic Server among them) read only the first `Vary` line.

use std::borrow::Cow;

use crate::Vary;

/// What to do with a response's `Vary` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VaryUpdate {
    /// Leave it as it is: at most one line, and every token is already there (or it is
    /// `Vary: *`).
    Keep,
    /// Replace every `Vary` line with this single value.
    Set(Cow<'static, [u8]>),
}

fn tokens(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|&b| b == b',')
        .map(|t| t.trim_ascii())
        .filter(|t| !t.is_empty())
}

/// Merges `add` into the existing `Vary` lines of a response, case-insensitively and without
/// duplicates, into a single line. Existing tokens are kept in their order and spelling;
/// missing ones are appended. Allocates only when a response already had a `Vary` that lacks
/// some token or spans several lines.
///
/// ```
/// use cors_shared::{merge_vary, Vary, VaryUpdate};
///
/// assert_eq!(merge_vary(&[], Vary::ORIGIN), VaryUpdate::Set(b"Origin"[..].into()));
/// assert_eq!(merge_vary(&[b"origin"], Vary::ORIGIN), VaryUpdate::Keep);
/// assert_eq!(
///     merge_vary(&[b"Accept-Encoding"], Vary::ORIGIN),
///     VaryUpdate::Set(b"Accept-Encoding, Origin".to_vec().into()),
/// );
/// assert_eq!(
///     merge_vary(&[b"Accept-Encoding", b"Origin"], Vary::NONE),
///     VaryUpdate::Set(b"Accept-Encoding, Origin".to_vec().into()),
/// );
/// assert_eq!(merge_vary(&[b"*"], Vary::ORIGIN), VaryUpdate::Keep);
/// ```
pub fn merge_vary(existing: &[&[u8]], add: Vary) -> VaryUpdate {
    merge_vary_lines(|| existing.iter().copied(), add)
}

/// [`merge_vary`] over the lines an iterator yields, for adapters that read them straight from
/// their framework's header map; `lines` is called for each pass over them. Nothing is
/// collected when the response has no `Vary` yet.
///
/// ```
/// use cors_shared::{merge_vary_lines, Vary, VaryUpdate};
///
/// let lines = ["Accept-Encoding", "Accept-Language"];
/// assert_eq!(
///     merge_vary_lines(|| lines.iter().map(|l| l.as_bytes()), Vary::ORIGIN),
///     VaryUpdate::Set(b"Accept-Encoding, Accept-Language, Origin".to_vec().into()),
/// );
/// ```
pub fn merge_vary_lines<'a, I>(lines: impl Fn() -> I, add: Vary) -> VaryUpdate
where
    I: Iterator<Item = &'a [u8]>,
{
    let mut first = lines();
    if first.next().is_none() {
        // The common case: no `Vary` yet.
        return if add.is_empty() {
            VaryUpdate::Keep
        } else {
            VaryUpdate::Set(Cow::Borrowed(add.value().as_bytes()))
        };
    }
    merge_into_existing(lines, 1 + first.count(), add)
}

/// [`merge_vary_lines`] when the response has `count` (at least one) `Vary` lines: apart from
/// the common case, so that the request path stays small.
#[inline(never)]
fn merge_into_existing<'a, I>(lines: impl Fn() -> I, count: usize, add: Vary) -> VaryUpdate
where
    I: Iterator<Item = &'a [u8]>,
{
    let present = |want: &[u8]| {
        lines()
            .flat_map(tokens)
            .any(|t| t.eq_ignore_ascii_case(want))
    };
    if present(b"*") {
        return if count <= 1 {
            VaryUpdate::Keep
        } else {
            VaryUpdate::Set(Cow::Borrowed(b"*"))
        };
    }
    if lines().all(|line| tokens(line).next().is_none()) {
        return match (add.is_empty(), count) {
            (true, 0 | 1) => VaryUpdate::Keep,
            // Empty lines only: one empty line is no better than none, but is what was there.
            (true, _) => VaryUpdate::Set(Cow::Borrowed(b"")),
            (false, _) => VaryUpdate::Set(Cow::Borrowed(add.value().as_bytes())),
        };
    }
    let missing = || add.tokens().iter().filter(|t| !present(t.as_bytes()));
    if count <= 1 && missing().next().is_none() {
        return VaryUpdate::Keep;
    }
    let mut out = Vec::new();
    for token in lines()
        .flat_map(tokens)
        .chain(missing().map(|t| t.as_bytes()))
    {
        if !out.is_empty() {
            out.extend_from_slice(b", ");
        }
        out.extend_from_slice(token);
    }
    VaryUpdate::Set(Cow::Owned(out))
}
