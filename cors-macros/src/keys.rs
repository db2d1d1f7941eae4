//! The keys of `#[cors(...)]` and `policy!`: the core's [`Field`]s, plus `policy = PATH`.
//! Their spellings, examples and "did you mean" live in the core, shared with config files.

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
        Field::from_key(name).map(Key::Field)
    }

    /// The key as the user writes it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Key::Field(f) => f.key(),
            Key::Policy => POLICY,
        }
    }

    /// The key with an example value.
    pub(crate) fn example(self) -> &'static str {
        match self {
            Key::Field(f) => f.example(),
            Key::Policy => "policy = PRIVATE",
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
