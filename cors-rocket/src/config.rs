//! Reading the default policy from Rocket's configuration (`Rocket.toml`, `ROCKET_CORS`), and
//! the launch error that lists every problem found at ignite.

use std::fmt;

use cors_shared::{Field, Policy, PolicySpec};
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

/// One problem of reading the configuration, as a list item. An unknown key is named with the
/// key it most probably stands for.
fn config_problem(key: &str, error: &rocket::figment::Error) -> String {
    let from = error
        .metadata
        .as_ref()
        .map(|m| match &m.source {
            Some(source) => format!(" (in {source})"),
            None => format!(" (from {})", m.name),
        })
        .unwrap_or_default();
    match &error.kind {
        rocket::figment::error::Kind::UnknownField(found, _) => {
            let hint = Field::suggest(found)
                .map(|k| format!("; did you mean `{k}`?"))
                .unwrap_or_default();
            format!("  - unknown key `{key}.{found}`{from}{hint}")
        }
        _ => format!("  - {error}"),
    }
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
        let lines: Vec<String> = error.into_iter().map(|e| config_problem(key, &e)).collect();
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
