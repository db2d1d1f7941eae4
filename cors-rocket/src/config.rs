//! Reading the default policy from Rocket's configuration (`Rocket.toml`, `ROCKET_CORS`), and
//! the launch error that lists every problem found at ignite.

use std::fmt;

use cors_shared::{Field, Policy, PolicySpec, Shape};
use rocket::figment::error::Actual;
use rocket::figment::value::Value;
use rocket::figment::Figment;

/// The configuration key that [`Cors::from_config`](crate::Cors::from_config) reads.
pub const CONFIG_KEY: &str = "cors";

/// Why the [`Cors`](crate::Cors) fairing refused to launch: every problem found, each saying what to change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LaunchError {
    pub(crate) problems: Vec<String>,
}

impl LaunchError {
    /// The problems, one message each.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

impl fmt::Display for LaunchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "CORS cannot launch ({n} problem{}):",
            if n == 1 { "" } else { "s" }
        )?;
        for problem in &self.problems {
            write!(f, "\n{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LaunchError {}

/// The keys of a policy in the configuration.
fn keys() -> impl Iterator<Item = &'static str> {
    cors_shared::Field::ALL.iter().map(|f| f.key())
}

/// Where a value of the configuration was written, as the user wrote it: `` `cors.credentials`
/// (in /app/Rocket.toml)`` for a file, `` `credentials` in the environment variable
/// `ROCKET_CORS` `` for a value from the environment. `path` is the key's path below `key`
/// (`credentials`, `origins[1]`), empty for `key` itself.
fn place(figment: &Figment, value: &Value, key: &str, path: &str) -> String {
    let full = if path.is_empty() {
        key.to_owned()
    } else {
        format!("{key}.{path}")
    };
    let Some(metadata) = figment.get_metadata(value.tag()) else {
        return format!("`{full}`");
    };
    if metadata.name.contains("environment variable") {
        // Figment names an environment provider "`PREFIX_` environment variable(s)", and takes
        // the variable `PREFIX_KEY` for the top-level key `key`, its value for what is below.
        let prefix = metadata.name.split('`').nth(1).unwrap_or_default();
        let (top, below) = full.split_once('.').unwrap_or((full.as_str(), ""));
        let var = format!("{prefix}{}", top.to_ascii_uppercase());
        return if below.is_empty() {
            format!("the environment variable `{var}`")
        } else {
            format!("`{below}` in the environment variable `{var}`")
        };
    }
    match &metadata.source {
        Some(source) => format!("`{full}` (in {source})"),
        None => format!("`{full}` (from {})", metadata.name),
    }
}

/// What a value is, for a message: `the string "yes"`, `the number 5`, `a list`.
fn found(value: &Value) -> String {
    match value {
        Value::String(_, text) => format!("the string {text:?}"),
        Value::Char(_, c) => format!("the character {c:?}"),
        Value::Bool(_, b) => format!("`{b}`"),
        Value::Num(..) => match value.to_actual() {
            Actual::Unsigned(n) => format!("the number {n}"),
            Actual::Signed(n) => format!("the number {n}"),
            Actual::Float(n) => format!("the number {n}"),
            other => other.to_string(),
        },
        Value::Empty(..) => "an empty value".to_owned(),
        Value::Dict(..) => "a table".to_owned(),
        Value::Array(..) => "a list".to_owned(),
    }
}

/// What `field` takes, with an example as written in `Rocket.toml`.
fn expected(field: Field) -> String {
    match field.shape() {
        Shape::Flag => "`true` or `false`".to_owned(),
        Shape::Seconds => format!("a whole number of seconds, as in `{}`", field.example()),
        Shape::Methods => format!(
            "a list of method names, as in `{} = [\"GET\", \"PUT\"]`",
            field.key()
        ),
        // Lists of strings are written the same way in `#[cors(...)]` and in TOML.
        _ => format!("a list of strings, as in `{}`", field.example()),
    }
}

/// Every problem of the value of `field`, one list item each.
fn field_problems(figment: &Figment, key: &str, field: Field, value: &Value) -> Vec<String> {
    let wrong = |path: &str, value: &Value, what: &str| {
        format!(
            "  - {}: expected {what}, found {}",
            place(figment, value, key, path),
            found(value)
        )
    };
    let name = field.key();
    match (field.shape(), value) {
        (Shape::Flag, Value::Bool(..)) => vec![],
        (Shape::Seconds, Value::Num(..)) if value.deserialize::<u64>().is_ok() => vec![],
        (Shape::Strings | Shape::Methods, Value::Array(_, items)) => items
            .iter()
            .enumerate()
            .filter(|(_, item)| !matches!(item, Value::String(..)))
            .map(|(i, item)| wrong(&format!("{name}[{i}]"), item, "a string"))
            .collect(),
        (shape, Value::String(_, text)) if matches!(shape, Shape::Strings | Shape::Methods) => {
            let what = if shape == Shape::Methods {
                "a list of method names"
            } else {
                "a list of strings"
            };
            vec![format!(
                "{}; a single entry is a list too: `{name} = [{text:?}]`",
                wrong(name, value, what)
            )]
        }
        _ => vec![wrong(name, value, &expected(field))],
    }
}

/// Every problem of the `key` table that deserializing it would stop at (unknown keys, values of
/// the wrong type), each named where the user wrote it; `None` when there is none.
fn shape_problems(figment: &Figment, key: &str) -> Option<Vec<String>> {
    let value = figment.find_value(key).ok()?;
    let Some(table) = value.as_dict() else {
        return Some(vec![format!(
            "  - {}: expected a table of policy keys, as in `[default.{key}]` in Rocket.toml, \
             found {}",
            place(figment, &value, key, ""),
            found(&value)
        )]);
    };
    // Known keys in the documentation's order, then unknown ones (a table does not keep the
    // order it was written in).
    let mut problems: Vec<String> = Field::ALL
        .into_iter()
        .filter_map(|field| Some((field, table.get(field.key())?)))
        .flat_map(|(field, value)| field_problems(figment, key, field, value))
        .collect();
    for (name, value) in table {
        match Field::from_key(name) {
            Some(_) => {}
            None => {
                let hint = Field::suggest(name)
                    .map(|k| format!("; did you mean `{k}`?"))
                    .unwrap_or_default();
                problems.push(format!(
                    "  - unknown key {}{hint}",
                    place(figment, value, key, name)
                ));
            }
        }
    }
    (!problems.is_empty()).then_some(problems)
}

/// Reads and validates the policy under `key` of Rocket's configuration; on failure, the
/// problems as one list item for the launch error.
pub(crate) fn read_policy(figment: &Figment, key: &str) -> Result<Policy, String> {
    if !figment.contains(key) {
        return Err(format!(
            "- the CORS default policy is read from the `{key}` configuration key, which is \
             not set: add a `[default.{key}]` table to Rocket.toml with at least \
             `origins = [\"https://app.example.re\"]`, set ROCKET_{} in the environment, \
             or build the fairing with `Cors::new(policy)`",
            key.to_ascii_uppercase().replace('.', "_"),
        ));
    }
    let spec: PolicySpec = figment.extract_inner(key).map_err(|error| {
        // Deserializing stops at the first problem; the table is walked for all of them. What
        // the walk does not explain is reported as figment words it.
        let lines = shape_problems(figment, key)
            .unwrap_or_else(|| error.into_iter().map(|e| format!("  - {e}")).collect());
        format!(
            "- the `{key}` configuration is not a CORS policy:\n{}\n  The keys are: {}.",
            lines.join("\n"),
            keys()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", "),
        )
    })?;
    let policy = spec.validate().map_err(|errors| {
        let text = errors.to_string().replace('\n', "\n  ");
        format!("- the CORS policy of the `{key}` configuration: {text}")
    })?;
    Ok(policy)
}
