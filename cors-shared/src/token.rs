//! The HTTP token grammar (RFC 9110), as the request path reads it: bytes, one table lookup
//! each. The Fetch Standard's name lists are in [`crate::fetch`].

/// True for a `tchar` of RFC 9110: one table lookup, since the request path checks every byte
/// of a requested header list with it.
pub(crate) fn is_tchar(b: u8) -> bool {
    TCHAR.get(usize::from(b)).copied().unwrap_or(false)
}

/// Which bytes are a `tchar`, built at compile time from the grammar (an index out of bounds
/// here would fail the build, not a request).
#[allow(clippy::indexing_slicing)]
const TCHAR: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0usize;
    while b < 256 {
        table[b] = grammar_tchar(b as u8);
        b += 1;
    }
    table
};

/// RFC 9110's `tchar`: a letter, a digit or one of ``!#$%&'*+-.^_`|~``.
const fn grammar_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

/// True when `s` is a non-empty RFC 9110 token.
pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// ASCII case-insensitive equality of two byte strings.
pub(crate) fn eq_ignore_case(a: &[u8], b: &[u8]) -> bool {
    a.eq_ignore_ascii_case(b)
}
