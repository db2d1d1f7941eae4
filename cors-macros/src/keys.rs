//! The keys of `#[cors(...)]` and `policy!`, and "did you mean" for the ones that are not.

use cors_shared::Field;

/// A key the grammar knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Key {
    /// One of the core's `PolicySpec` fields.
    Field(Field),
    /// `policy = PATH`: a named policy from `policy!`.
    Policy,
}

/// The spelling of the `policy = PATH` key.
pub(crate) const POLICY: &str = "policy";

impl Key {
    /// Looks a key up by its exact spelling.
    pub(crate) fn from_name(name: &str) -> Option<Key> {
        if name == POLICY {
            return Some(Key::Policy);
        }
        Field::ALL
            .iter()
            .copied()
            .find(|f| f.key() == name)
            .map(Key::Field)
    }

    /// The key as the user writes it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Key::Field(f) => f.key(),
            Key::Policy => POLICY,
        }
    }
}

/// Every key, in the order the documentation lists them, for "valid keys are ..." lists.
pub(crate) fn all_names() -> String {
    let mut names: Vec<String> = Field::ALL
        .iter()
        .map(|f| format!("`{}`", f.key()))
        .collect();
    names.push(format!("`{POLICY}`"));
    names.join(", ")
}

/// Spellings that other CORS libraries use for our keys.
const ALIASES: [(&str, &str); 15] = [
    ("allowed_origins", "origins"),
    ("allow_origins", "origins"),
    ("allow_origin", "origins"),
    ("allow_credentials", "credentials"),
    ("supports_credentials", "credentials"),
    ("allowed_methods", "methods"),
    ("allow_methods", "methods"),
    ("allowed_headers", "headers"),
    ("allow_headers", "headers"),
    ("request_headers", "headers"),
    ("expose_headers", "expose"),
    ("exposed_headers", "expose"),
    ("max_age_secs", "max_age"),
    ("allow_null", "allow_null_origin"),
    ("allow_private_network", "private_network"),
];

/// The key the user most probably meant by `name`, if any is close enough.
pub(crate) fn did_you_mean(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    if let Some(key) = Key::from_name(&lower) {
        return Some(key.name());
    }
    if let Some((_, key)) = ALIASES.iter().find(|(alias, _)| *alias == lower) {
        return Some(key);
    }
    let candidates = Field::ALL.iter().map(|f| f.key()).chain([POLICY]);
    let (best, distance) = candidates
        .map(|k| (k, edit_distance(&lower, k)))
        .min_by_key(|&(_, d)| d)?;
    let limit = (lower.chars().count() / 3).max(2);
    (distance <= limit).then_some(best)
}

/// Levenshtein distance between two short strings.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current.clear();
        current.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous.get(j).copied().unwrap_or(usize::MAX);
            let delete = previous.get(j + 1).copied().unwrap_or(usize::MAX);
            let insert = current.get(j).copied().unwrap_or(usize::MAX);
            let cost = usize::from(ca != *cb);
            current.push(
                substitute
                    .saturating_add(cost)
                    .min(delete.saturating_add(1))
                    .min(insert.saturating_add(1)),
            );
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_the_key() {
        assert_eq!(did_you_mean("orgins"), Some("origins"));
        assert_eq!(did_you_mean("origin"), Some("origins"));
        assert_eq!(did_you_mean("Origins"), Some("origins"));
        assert_eq!(did_you_mean("method"), Some("methods"));
        assert_eq!(did_you_mean("maxage"), Some("max_age"));
        assert_eq!(did_you_mean("credentails"), Some("credentials"));
        assert_eq!(did_you_mean("polcy"), Some("policy"));
    }

    #[test]
    fn other_libraries_spellings_find_the_key() {
        assert_eq!(did_you_mean("allowed_origins"), Some("origins"));
        assert_eq!(did_you_mean("supports_credentials"), Some("credentials"));
        assert_eq!(did_you_mean("expose_headers"), Some("expose"));
        assert_eq!(did_you_mean("allowed_headers"), Some("headers"));
    }

    #[test]
    fn unrelated_names_get_no_suggestion() {
        assert_eq!(did_you_mean("timeout"), None);
        assert_eq!(did_you_mean("x"), None);
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
