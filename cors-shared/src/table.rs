//! An open-addressing hash set of allowed-origin strings whose keys can be probed in pieces.
//!
//! The set is built once from the policy (at compile time for `#[cors]` policies, at start-up for
//! runtime ones) and looked up on every request without allocating: a key such as
//! `https://*.example.re:8443` is hashed and compared as the concatenation of borrowed pieces of
//! the incoming origin, so no string is ever built. Lookup cost does not depend on the number of
//! entries (the table is at most half full).

/// Marks an empty slot.
pub(crate) const EMPTY: u32 = u32::MAX;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a over the concatenation of `parts`.
pub(crate) fn hash(parts: &[&[u8]]) -> u64 {
    let mut h = FNV_OFFSET;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(FNV_PRIME);
        }
    }
    h
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
    let size = (keys.len() * 2).next_power_of_two();
    let mask = size - 1;
    let mut slots = vec![EMPTY; size];
    for (index, key) in keys.iter().enumerate() {
        // Truncation is intended: only the low bits pick the slot.
        let mut at = (hash(&[key.as_ref().as_bytes()]) as usize) & mask;
        loop {
            match slots.get_mut(at) {
                Some(slot) if *slot == EMPTY => {
                    *slot = u32::try_from(index).unwrap_or(EMPTY);
                    break;
                }
                _ => at = (at + 1) & mask,
            }
        }
    }
    slots
}

/// Looks the concatenation of `parts` up in a table built by [`build_slots`].
pub(crate) fn contains<S: AsRef<str>>(slots: &[u32], keys: &[S], parts: &[&[u8]]) -> bool {
    if slots.is_empty() {
        return false;
    }
    let mask = slots.len() - 1;
    let mut at = (hash(parts) as usize) & mask;
    for _ in 0..slots.len() {
        let Some(&slot) = slots.get(at) else {
            return false;
        };
        if slot == EMPTY {
            return false;
        }
        let matched = usize::try_from(slot)
            .ok()
            .and_then(|i| keys.get(i))
            .is_some_and(|k| eq_parts(k.as_ref().as_bytes(), parts));
        if matched {
            return true;
        }
        at = (at + 1) & mask;
    }
    false
}
