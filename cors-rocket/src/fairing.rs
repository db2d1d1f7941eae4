//! The `Cors` fairing: the default policy, route policies found at ignite, preflights, and the
//! headers of every response.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use cors_shared::{Policy, PolicySpec};
use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::figment::Figment;
use rocket::http::{MediaType, Method};
use rocket::{Build, Orbit, Request, Response, Rocket, Route};

use crate::headers;
use crate::preflight::{self, Answered};
use crate::registry::{self, RouteEntry, ROUTES};

/// The configuration key that [`Cors::from_config`] reads.
pub const CONFIG_KEY: &str = "cors";

/// The policy a [`Cors`] fairing applies to everything no `#[cors]` route covers.
///
/// Built from a validated [`Policy`], owned or `&'static` (a `policy!` static); see
/// [`Cors::new`].
#[derive(Clone, Debug)]
pub struct DefaultPolicy(Shared);

#[derive(Clone, Debug)]
enum Shared {
    Static(&'static Policy),
    Owned(Arc<Policy>),
}

impl DefaultPolicy {
    /// The policy.
    pub fn get(&self) -> &Policy {
        match &self.0 {
            Shared::Static(p) => p,
            Shared::Owned(p) => p,
        }
    }
}

impl From<Policy> for DefaultPolicy {
    fn from(policy: Policy) -> Self {
        DefaultPolicy(Shared::Owned(Arc::new(policy)))
    }
}

impl From<Arc<Policy>> for DefaultPolicy {
    fn from(policy: Arc<Policy>) -> Self {
        DefaultPolicy(Shared::Owned(policy))
    }
}

impl From<&'static Policy> for DefaultPolicy {
    fn from(policy: &'static Policy) -> Self {
        DefaultPolicy(Shared::Static(policy))
    }
}

/// Why the [`Cors`] fairing refused to launch: every problem found, each saying what to change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LaunchError {
    problems: Vec<String>,
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

#[derive(Clone, Debug)]
enum Source {
    Policy(DefaultPolicy),
    Config(Cow<'static, str>),
}

/// CORS for a Rocket application: a fairing that applies the default policy to every response
/// that no `#[cors]` route covers and the route's own policy to the responses of `#[cors]`
/// routes, and answers preflights without running any handler.
///
/// At ignite it reads the registrations of every `#[cors]` handler, matches them with the
/// routes mounted so far, and mounts one OPTIONS route on `/<_..>` at the highest rank, so any
/// OPTIONS route of the application wins over it. **Attach it after every fairing that mounts
/// routes**: routes mounted later are served with the default policy (a warning at liftoff
/// names them).
///
/// See the [crate documentation](crate) for a complete example.
#[derive(Clone, Debug)]
pub struct Cors {
    source: Source,
}

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
            let hint = closest_key(found)
                .map(|k| format!("; did you mean `{k}`?"))
                .unwrap_or_default();
            format!("  - unknown key `{key}.{found}`{from}{hint}")
        }
        _ => format!("  - {error}"),
    }
}

/// The key `found` is most probably a misspelling of: at most two edits away, or differing
/// only in case, `-` for `_` or a plural `s`.
fn closest_key(found: &str) -> Option<&'static str> {
    let normal = found.to_ascii_lowercase().replace('-', "_");
    keys()
        .map(|k| (k, edit_distance(&normal, k)))
        .filter(|(_, d)| *d <= 2)
        .min_by_key(|(_, d)| *d)
        .map(|(k, _)| k)
}

/// Levenshtein distance over bytes; keys are short ASCII words.
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut diagonal = i;
        let mut left = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let up = row.get(j + 1).copied().unwrap_or(usize::MAX);
            let cost = diagonal + usize::from(ca != *cb);
            let next = cost.min(up.saturating_add(1)).min(left + 1);
            diagonal = up;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = next;
            }
            left = next;
        }
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
    }
    row.last().copied().unwrap_or(0)
}

/// What the fairing computed at ignite, kept in Rocket's managed state so that requests borrow
/// from it for as long as they live.
#[derive(Debug)]
pub(crate) struct Runtime {
    pub(crate) default: DefaultPolicy,
    /// `#[cors]` routes by their mounted URI.
    routes: HashMap<String, Vec<Annotated>>,
    pub(crate) preflight: preflight::Table,
}

#[derive(Debug)]
struct Annotated {
    method: Method,
    rank: isize,
    format: Option<MediaType>,
    policy: &'static Policy,
}

impl Runtime {
    /// The `#[cors]` policy of a route, if it has one.
    fn route_policy(&self, route: &Route) -> Option<&'static Policy> {
        self.routes
            .get(route.uri.as_str())?
            .iter()
            .find(|a| a.method == route.method && a.rank == route.rank && a.format == route.format)
            .map(|a| a.policy)
    }
}

impl Cors {
    /// A fairing whose default policy is `policy`: a [`Policy`] built at start-up with
    /// [`PolicySpec::validate`], or a `&'static Policy` declared with [`policy!`](crate::policy).
    ///
    /// ```
    /// use cors_rocket::{Cors, PolicySpec};
    ///
    /// let policy = PolicySpec::new()
    ///     .origin("https://app.example.re")
    ///     .methods(["GET", "POST"])
    ///     .validate()?;
    /// let rocket = rocket::build().attach(Cors::new(policy));
    /// # Ok::<(), cors_rocket::PolicyErrors>(())
    /// ```
    pub fn new(policy: impl Into<DefaultPolicy>) -> Self {
        Cors {
            source: Source::Policy(policy.into()),
        }
    }

    /// A fairing whose default policy is read at ignite from the `cors` key of Rocket's
    /// configuration (`Rocket.toml`, `ROCKET_CORS`, or any figment provider): the keys of
    /// [`PolicySpec`], validated like any policy. If the key is missing, misspelt or the policy
    /// breaks a rule, launch fails and every problem is logged.
    ///
    /// ```toml
    /// [default.cors]
    /// origins = ["https://app.example.re"]
    /// methods = ["GET", "POST"]
    /// max_age = 600
    /// ```
    pub fn from_config() -> Self {
        Cors {
            source: Source::Config(Cow::Borrowed(CONFIG_KEY)),
        }
    }

    /// Like [`Cors::from_config`], reading another key (`"api.cors"` for a nested table).
    pub fn from_config_key(key: impl Into<String>) -> Self {
        Cors {
            source: Source::Config(Cow::Owned(key.into())),
        }
    }

    /// Runs the checks the fairing runs at ignite against `rocket` as it is now: the default
    /// policy (read from the configuration if needed) and the `#[cors]` registrations of the
    /// mounted routes. Useful in a test, to see the messages that launch would log.
    pub fn check(&self, rocket: &Rocket<Build>) -> Result<(), LaunchError> {
        self.prepare(rocket).map(|_| ())
    }

    fn default_policy(&self, figment: &Figment) -> Result<DefaultPolicy, String> {
        let key = match &self.source {
            Source::Policy(p) => return Ok(p.clone()),
            Source::Config(key) => key.as_ref(),
        };
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
        Ok(policy.into())
    }

    fn prepare(&self, rocket: &Rocket<Build>) -> Result<Runtime, LaunchError> {
        let mut problems = Vec::new();
        let default = self
            .default_policy(rocket.figment())
            .map_err(|p| problems.push(p))
            .ok();
        let annotated = registry::annotate(&ROUTES, rocket.routes())
            .map_err(|found| {
                problems.extend(found.into_iter().map(|p| format!("- {p}")));
            })
            .ok();
        let (Some(default), Some(annotated), true) = (default, annotated, problems.is_empty())
        else {
            return Err(LaunchError { problems });
        };
        let mut routes: HashMap<String, Vec<Annotated>> = HashMap::new();
        for (route, entry) in &annotated {
            if let Some(entry) = entry {
                routes
                    .entry(route.uri.as_str().to_owned())
                    .or_default()
                    .push(Annotated {
                        method: route.method,
                        rank: route.rank,
                        format: route.format.clone(),
                        policy: entry.policy,
                    });
            }
        }
        Ok(Runtime {
            default,
            routes,
            preflight: preflight::Table::new(&annotated),
        })
    }

    /// `#[cors]` routes that were mounted after the fairing ran (by a later fairing).
    fn mounted_late(runtime: &Runtime, rocket: &Rocket<Orbit>) -> Vec<String> {
        let registered = |route: &&Route| ROUTES.iter().any(|e: &RouteEntry| e.matches(route));
        rocket
            .routes()
            .filter(|r| r.name.as_deref() != Some(preflight::NAME))
            .filter(registered)
            .filter(|r| runtime.route_policy(r).is_none())
            .map(|r| format!("{} {}", r.method, r.uri))
            .collect()
    }
}

#[rocket::async_trait]
impl Fairing for Cors {
    fn info(&self) -> Info {
        Info {
            name: "CORS",
            kind: Kind::Ignite | Kind::Liftoff | Kind::Response | Kind::Singleton,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        match self.prepare(&rocket) {
            Ok(runtime) => Ok(rocket.manage(runtime).mount("/", [preflight::route()])),
            Err(error) => {
                for line in error.to_string().lines() {
                    log::error!(target: "cors_rocket", "{line}");
                }
                Err(rocket)
            }
        }
    }

    async fn on_liftoff(&self, rocket: &Rocket<Orbit>) {
        let Some(runtime) = rocket.state::<Runtime>() else {
            return;
        };
        for route in Self::mounted_late(runtime, rocket) {
            log::warn!(
                target: "cors_rocket",
                "the #[cors] route {route} was mounted after the CORS fairing ran, so it gets the \
                 default policy: attach `Cors` after the fairing that mounts it"
            );
        }
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        let Some(runtime) = request.rocket().state::<Runtime>() else {
            return;
        };
        let answered = if request.method() == Method::Options {
            *request.local_cache(|| Answered::No)
        } else {
            Answered::No
        };
        let route_policy = match answered {
            Answered::Route(policy) => Some(policy),
            Answered::Default => None,
            Answered::No => request.route().and_then(|r| runtime.route_policy(r)),
        };
        let policy = route_policy.unwrap_or_else(|| runtime.default.get());
        let view = headers::view(request);
        let decision = policy.decide(&view);
        if let Some(reason) = decision.refusal() {
            tracing::debug!(
                method = %request.method(),
                path = request.uri().path().as_str(),
                policy = if route_policy.is_some() { "route" } else { "default" },
                "CORS refused, no Access-Control-Allow-Origin: {reason}"
            );
        }
        headers::write(decision.headers(), response);
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("origins", "origins"), 0);
    }

    #[test]
    fn misspelt_keys_find_theirs() {
        assert_eq!(closest_key("orgins"), Some("origins"));
        assert_eq!(closest_key("origin"), Some("origins"));
        assert_eq!(closest_key("Max-Age"), Some("max_age"));
        assert_eq!(closest_key("method"), Some("methods"));
        assert_eq!(closest_key("timeout"), None);
    }
}
