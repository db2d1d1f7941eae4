//! An open-addressing hash set of allowed-origin strings whose keys can be probed in pieces.
//!
//! The set is built once from the policy (at compile time for `#[cors]` policies, at start-up for
//! runtime ones) and looked up on every request without allocating: a key such as
//! `https://*.example.re:8443` is hashed and compared as the concatenation of borrowed pieces of
//! the incoming origin, so no string is ever built. Lookup cost does not depend on the number of
//! entries (the table is at most half full; a value in one piece is compared with each of up to
//! four keys instead of hashed).

/// Marks an empty slot.
pub(crate) const EMPTY: u32 = u32::MAX;

const SEED: u64 = 0x243f_6a88_85a3_08d3;
const K: u64 = 0x9e37_79b9_7f4a_7c15;

fn mix(h: u64, word: u64) -> u64 {
    (h ^ word).wrapping_mul(K).rotate_left(29)
}

fn finish(h: u64, tail: u64, len: usize) -> u64 {
    let mut h = mix(h, tail) ^ len as u64;
    h ^= h >> 33;
    h = h.wrapping_mul(K);
    h ^ (h >> 29)
}

/// A hash of the concatenation of `parts`: the same value as [`hash_one`] of the whole, so that
/// pattern probes hash borrowed pieces without building a string.
pub(crate) fn hash(parts: &[&[u8]]) -> u64 {
    if let [one] = parts {
        return hash_one(one);
    }
    // The last eight bytes seen, the latest in the high byte: every eighth byte it is the
    // whole word just read, and at the end it is the (overlapping) last word.
    let (mut h, mut last, mut len) = (SEED, 0u64, 0usize);
    for part in parts {
        for &b in *part {
            last = (last >> 8) | (u64::from(b) << 56);
            len += 1;
            if len % 8 == 0 {
                h = mix(h, last);
            }
        }
    }
    let tail = match len {
        0 => 0,
        // Fewer than eight bytes: they sit in the high bytes of `last`.
        1..=7 => last >> (8 * (8 - len)),
        _ if len % 8 == 0 => 0,
        _ => last,
    };
    finish(h, tail, len)
}

/// A hash of `bytes`, eight bytes at a time: one word per whole eight bytes, then, when bytes
/// are left over, the last eight bytes read as one word (overlapping the previous one), so that
/// an origin is hashed in a few loads whatever its length. Fewer than eight bytes are one
/// zero-padded word. The seed keeps values from coinciding with those of other tables.
pub(crate) fn hash_one(bytes: &[u8]) -> u64 {
    let mut h = SEED;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        h = mix(h, word(chunk));
    }
    let tail = match bytes.len() {
        len @ 1..=7 => {
            let mut padded = [0u8; 8];
            if let Some(head) = padded.get_mut(..len) {
                head.copy_from_slice(bytes);
            }
            u64::from_le_bytes(padded)
        }
        len if len % 8 != 0 => bytes.get(len - 8..).map_or(0, word),
        _ => 0,
    };
    finish(h, tail, bytes.len())
}

/// Eight bytes as a little-endian word (zero when `bytes` is not eight long: never, by the
/// callers).
fn word(bytes: &[u8]) -> u64 {
    <[u8; 8]>::try_from(bytes).map_or(0, u64::from_le_bytes)
}

/// True when `stored` equals the concatenation of `parts`.
pub(crate) fn eq_parts(stored: &[u8], parts: &[&[u8]]) -> bool {
    let mut rest = stored;
    for part in parts {
        match rest.strip_prefix(*part) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    rest.is_empty()
}

/// Builds the slot array for `keys`: a power of two at least twice their number.
pub(crate) fn build_slots<K: AsRef<str>>(keys: &[K]) -> Vec<u32> {
    if keys.is_empty() {
        return Vec::new();
    }
    let mut slots = vec![EMPTY; (keys.len() * 2).next_power_of_two()];
    for (index, key) in keys.iter().enumerate() {
        place(&mut slots, key.as_ref(), index);
    }
    slots
}

/// The slot array for `keys` when `slots` was built for all of them but the last: a copy with
/// the last key added, or a new table when the copy would be more than half full.
pub(crate) fn with_last_key<K: AsRef<str>>(slots: &[u32], keys: &[K]) -> Vec<u32> {
    let (Some(last), false) = (
        keys.last(),
        slots.is_empty() || keys.len() * 2 > slots.len(),
    ) else {
        return build_slots(keys);
    };
    let mut slots = slots.to_vec();
    place(&mut slots, last.as_ref(), keys.len() - 1);
    slots
}

/// Puts `index` into the first empty slot from `key`'s hash on (the table always has one).
fn place(slots: &mut [u32], key: &str, index: usize) {
    let mask = slots.len().saturating_sub(1);
    // Truncation is intended: only the low bits pick the slot.
    let mut at = (hash(&[key.as_bytes()]) as usize) & mask;
    for _ in 0..slots.len() {
        match slots.get_mut(at) {
            Some(slot) if *slot == EMPTY => {
                *slot = u32::try_from(index).unwrap_or(EMPTY);
                return;
            }
            _ => at = (at + 1) & mask,
        }
    }
}

/// Looks the concatenation of `parts` up in a table built by [`build_slots`].
pub(crate) fn contains<S: AsRef<str>>(slots: &[u32], keys: &[S], parts: &[&[u8]]) -> bool {
    find(slots, keys, parts).is_some()
}

/// The index in `keys` of the concatenation of `parts`, looked up in a table built by
/// [`build_slots`]. Pieces that fit [`JOIN_LEN`] are copied side by side first, to be hashed a
/// word at a time and compared at once.
pub(crate) fn find<S: AsRef<str>>(slots: &[u32], keys: &[S], parts: &[&[u8]]) -> Option<usize> {
    if let [one] = parts {
        return find_one(slots, keys, one);
    }
    if slots.is_empty() {
        return None;
    }
    let mut joined = [0u8; JOIN_LEN];
    let mut len = 0usize;
    for part in parts {
        match joined.get_mut(len..len + part.len()) {
            Some(room) => room.copy_from_slice(part),
            None => return probe(slots, keys, hash(parts), |k| eq_parts(k, parts)),
        }
        len += part.len();
    }
    let whole = joined.get(..len).unwrap_or_default();
    probe(slots, keys, hash_one(whole), |k| k == whole)
}

/// [`find`] for a value in one piece: the exact-origin lookup every request makes, apart so
/// that it runs without setting up the room that pieces are joined in.
pub(crate) fn find_one<S: AsRef<str>>(slots: &[u32], keys: &[S], value: &[u8]) -> Option<usize> {
    if slots.is_empty() {
        return None;
    }
    // The one to few origins most policies list are compared in turn, which costs less than
    // hashing the value; the work stays bounded by `SCAN_MAX` comparisons.
    if keys.len() <= SCAN_MAX {
        return keys.iter().position(|k| k.as_ref().as_bytes() == value);
    }
    probe(slots, keys, hash_one(value), |k| k == value)
}

/// The most keys [`find_one`] compares in turn instead of hashing.
const SCAN_MAX: usize = 4;

/// Room for the pieces of a pattern probe: a serialized origin and a few bytes of pattern.
const JOIN_LEN: usize = crate::origin::MAX_ORIGIN_LEN + 16;

/// Walks the probe sequence of `hash` until `is_key` accepts a key or an empty slot ends it.
#[inline(always)]
fn probe<S: AsRef<str>>(
    slots: &[u32],
    keys: &[S],
    hash: u64,
    is_key: impl Fn(&[u8]) -> bool,
) -> Option<usize> {
    let mask = slots.len().wrapping_sub(1);
    // Truncation is intended: only the low bits pick the slot.
    let mut at = (hash as usize) & mask;
    for _ in 0..slots.len() {
        let slot = *slots.get(at)?;
        if slot == EMPTY {
            return None;
        }
        let index = usize::try_from(slot).ok()?;
        if keys
            .get(index)
            .is_some_and(|k| is_key(k.as_ref().as_bytes()))
        {
            return Some(index);
        }
        at = (at + 1) & mask;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_grown_one_key_at_a_time_finds_every_key() {
        let keys: Vec<String> = (0..300)
            .map(|i| format!("https://t{i}.example.re"))
            .collect();
        let mut slots = Vec::new();
        for n in 1..=keys.len() {
            slots = with_last_key(&slots, &keys[..n]);
            assert!(slots.len() >= 2 * n, "more than half full at {n}");
            for key in &keys[..n] {
                assert!(
                    contains(&slots, &keys[..n], &[key.as_bytes()]),
                    "{key} at {n}"
                );
            }
            assert!(!contains(
                &slots,
                &keys[..n],
                &[b"https://other.example.re"]
            ));
        }
    }

    #[test]
    fn a_few_keys_compared_in_turn_are_found_as_the_table_finds_them() {
        // Tables of up to `SCAN_MAX` keys are searched by comparison, larger ones by hash:
        // both find every key at its index and nothing else, whatever the size.
        let keys: Vec<String> = (0..2 * SCAN_MAX)
            .map(|i| format!("https://t{i}.example.re"))
            .collect();
        for n in 1..=keys.len() {
            let keys = &keys[..n];
            let slots = build_slots(keys);
            for (i, key) in keys.iter().enumerate() {
                let key = key.as_bytes();
                assert_eq!(find_one(&slots, keys, key), Some(i), "{n} keys");
                assert_eq!(probe(&slots, keys, hash_one(key), |k| k == key), Some(i));
            }
            for other in [&b"https://t.example.re"[..], b"https://t0.example.r", b""] {
                assert_eq!(find_one(&slots, keys, other), None, "{n} keys");
            }
        }
        assert_eq!(find_one::<String>(&[], &[], b"https://t0.example.re"), None);
    }

    #[test]
    fn pieces_hash_like_the_whole() {
        let whole = b"https://*.tenant.example.re:8443";
        for split in 0..whole.len() {
            let (a, b) = whole.split_at(split);
            assert_eq!(hash(&[a, b]), hash(&[whole]), "split at {split}");
            assert_eq!(hash(&[a, b"", b]), hash(&[whole]));
        }
        assert_ne!(hash(&[b"ab"]), hash(&[b"ab\0"]));
        for len in 0..40 {
            let whole = &whole[..len.min(whole.len())];
            assert_eq!(hash(&[whole, b""]), hash_one(whole), "length {len}");
        }
    }

    #[test]
    fn keys_are_found_from_pieces_however_long() {
        // The longest key is longer than the room pieces are joined in.
        let long = format!("https://{}.example.re", "a".repeat(JOIN_LEN));
        let keys = ["https://app.example.re".to_owned(), long.clone()];
        let slots = build_slots(&keys);
        for key in &keys {
            let key = key.as_bytes();
            for split in [0, 5, 9, key.len() - 3, key.len()] {
                let (a, b) = key.split_at(split);
                assert_eq!(find(&slots, &keys, &[a, b]), find(&slots, &keys, &[key]));
                assert!(find(&slots, &keys, &[a, b]).is_some());
            }
        }
        assert_eq!(find(&slots, &keys, &[b"https://app.", b"example.r"]), None);
        let longer = format!("{long}x");
        assert_eq!(find(&slots, &keys, &[long.as_bytes(), b"x"]), None);
        assert_eq!(find(&slots, &keys, &[longer.as_bytes()]), None);
    }
}
