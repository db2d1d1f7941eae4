//! An open-addressing hash set of allowed-origin strings whose keys can be probed in pieces.
//!
//! The set is built once from the policy (at compile time for `#[cors]` policies, at start-up for
//! runtime ones) and looked up on every request without allocating: a key such as
//! `https://*.example.re:8443` is hashed and compared as the concatenation of borrowed pieces of
//! the incoming origin, so no string is ever built. Lookup cost does not depend on the number of
//! entries (the table is at most half full).

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

/// A hash of the concatenation of `parts`, eight bytes at a time: a probe hashes the incoming
/// `Origin` in one pass, and pattern probes hash borrowed pieces without building a string.
pub(crate) fn hash(parts: &[&[u8]]) -> u64 {
    if let [one] = parts {
        return hash_one(one);
    }
    let (mut h, mut tail, mut n, mut len) = (SEED, 0u64, 0u32, 0usize);
    for part in parts {
        for &b in *part {
            tail |= u64::from(b) << (8 * n);
            n += 1;
            if n == 8 {
                h = mix(h, tail);
                (tail, n) = (0, 0);
            }
        }
        len += part.len();
    }
    finish(h, tail, len)
}

/// [`hash`] of one piece, reading whole words.
fn hash_one(bytes: &[u8]) -> u64 {
    let mut h = SEED;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = mix(h, u64::from_le_bytes(word));
    }
    let mut tail = 0u64;
    for (i, &b) in chunks.remainder().iter().enumerate() {
        tail |= u64::from(b) << (8 * i);
    }
    finish(h, tail, bytes.len())
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
/// [`build_slots`].
pub(crate) fn find<S: AsRef<str>>(slots: &[u32], keys: &[S], parts: &[&[u8]]) -> Option<usize> {
    if slots.is_empty() {
        return None;
    }
    let mask = slots.len() - 1;
    let mut at = (hash(parts) as usize) & mask;
    for _ in 0..slots.len() {
        let slot = *slots.get(at)?;
        if slot == EMPTY {
            return None;
        }
        let index = usize::try_from(slot).ok()?;
        if keys
            .get(index)
            .is_some_and(|k| eq_parts(k.as_ref().as_bytes(), parts))
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
    fn pieces_hash_like_the_whole() {
        let whole = b"https://*.tenant.example.re:8443";
        for split in 0..whole.len() {
            let (a, b) = whole.split_at(split);
            assert_eq!(hash(&[a, b]), hash(&[whole]), "split at {split}");
            assert_eq!(hash(&[a, b"", b]), hash(&[whole]));
        }
        assert_ne!(hash(&[b"ab"]), hash(&[b"ab\0"]));
    }
}
