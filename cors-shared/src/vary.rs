//! Merging CORS tokens into a response's `Vary` without losing what was there.

use std::borrow::Cow;

use crate::Vary;

/// What to do with a response's `Vary` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VaryUpdate {
    /// Leave it as it is: every token is already there (or it is `Vary: *`).
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
/// duplicates. Existing tokens are kept in their order and spelling; missing ones are appended.
/// Allocates only when a response already had a `Vary` that lacks some token.
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
/// assert_eq!(merge_vary(&[b"*"], Vary::ORIGIN), VaryUpdate::Keep);
/// ```
pub fn merge_vary(existing: &[&[u8]], add: Vary) -> VaryUpdate {
    let present = |want: &str| {
        existing
            .iter()
            .flat_map(|line| tokens(line))
            .any(|t| t.eq_ignore_ascii_case(want.as_bytes()))
    };
    if add.is_empty() || present("*") {
        return VaryUpdate::Keep;
    }
    if existing.iter().all(|line| tokens(line).next().is_none()) {
        return VaryUpdate::Set(Cow::Borrowed(add.value().as_bytes()));
    }
    let missing: Vec<&str> = add
        .tokens()
        .iter()
        .copied()
        .filter(|t| !present(t))
        .collect();
    if missing.is_empty() {
        return VaryUpdate::Keep;
    }
    let mut out = Vec::new();
    for token in existing
        .iter()
        .flat_map(|line| tokens(line))
        .chain(missing.iter().map(|t| t.as_bytes()))
    {
        if !out.is_empty() {
            out.extend_from_slice(b", ");
        }
        out.extend_from_slice(token);
    }
    VaryUpdate::Set(Cow::Owned(out))
}
