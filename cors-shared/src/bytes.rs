//! Equality of the short byte strings the request path compares: header names and methods.

/// `a == b`, compared a few bytes at a time in place, without calling `memcmp`: the header
/// names and methods a request is checked against are mostly 3 to 20 bytes long, for which the
/// call costs more than the comparison. Longer strings are compared a word at a time, so the
/// work stays proportional to their length. (Origins, a few words long, are compared with
/// `memcmp`, which is as fast there.)
#[inline]
pub(crate) fn eq(a: &[u8], b: &[u8]) -> bool {
    let len = a.len();
    if len != b.len() {
        return false;
    }
    // Each case compares a first and a last piece, which overlap when the length is not a
    // multiple of the piece.
    match len {
        0 => true,
        1 => a.first() == b.first(),
        2..=3 => same::<2>(a, b, 0) && same::<2>(a, b, len - 2),
        4..=7 => same::<4>(a, b, 0) && same::<4>(a, b, len - 4),
        _ => {
            let mut at = 0;
            while at + 8 < len {
                if !same::<8>(a, b, at) {
                    return false;
                }
                at += 8;
            }
            same::<8>(a, b, len - 8)
        }
    }
}

/// Whether `a` and `b` hold the same `N` bytes from `at` (false when either is shorter).
#[inline(always)]
fn same<const N: usize>(a: &[u8], b: &[u8], at: usize) -> bool {
    let piece = |s: &[u8]| {
        s.get(at..at.saturating_add(N))
            .and_then(|p| <[u8; N]>::try_from(p).ok())
    };
    match (piece(a), piece(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_to_the_slice_comparison_at_every_length_and_difference() {
        let base: Vec<u8> = (0..40u8).map(|i| b'a' + i % 26).collect();
        for len in 0..base.len() {
            let a = &base[..len];
            assert!(eq(a, a), "length {len}");
            for other_len in [len.saturating_sub(1), len + 1] {
                let b = &base[..other_len.min(base.len())];
                assert_eq!(eq(a, b), a == b, "lengths {len} and {other_len}");
            }
            for at in 0..len {
                let mut b = a.to_vec();
                b[at] ^= 0x20;
                assert!(!eq(a, &b), "length {len}, byte {at} differs");
            }
        }
    }
}
