//! The `Cors` fairing: the default policy, route policies found at ignite, and the headers of
//! every response.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use cors_shared::{Policy, PolicyHandle, PolicySource, RequestView};
use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::figment::Figment;
use rocket::http::uri::Origin;
use rocket::http::{MediaType, Method, Status};
use rocket::{Build, Orbit, Request, Response, Rocket, Route};

use crate::config::{self, LaunchError, CONFIG_KEY};
use crate::headers;
use crate::preflight;
use crate::registry::{self, RouteEntry, ROUTES};

/// The policy a [`Cors`] fairing applies to everything no `#[cors]` route covers: a validated
/// [`Policy`] (owned, or `&'static` from `policy!`), or a [`PolicyHandle`] replaced while
/// serving. See [`Cors::new`].
pub type DefaultPolicy = PolicySource;

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
    /// Read from the configuration into a [`PolicyHandle`] that routes can reach.
    reloadable: bool,
    /// Policies of mount bases, as given to [`Cors::mount_policy`].
    mounts: Vec<(String, DefaultPolicy)>,
}

/// A mount base with its own policy, checked at ignite.
#[derive(Debug)]
struct Mount {
    /// The base as written, for the log.
    base: String,
    /// Its (decoded) path segments.
    segments: Vec<String>,
    policy: DefaultPolicy,
}

impl Mount {
    /// Whether `request`'s path is this base or below it.
    fn covers(&self, request: &Request<'_>) -> bool {
        let mut path = request.uri().path().segments();
        self.segments
            .iter()
            .all(|segment| path.next() == Some(segment.as_str()))
    }
}

/// Which policy decided a request, for the log.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Label<'a> {
    /// A `#[cors]` route's.
    Route,
    /// The default policy.
    Default,
    /// The policy of a mount base.
    Mount(&'a str),
}

impl std::fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Label::Route => f.write_str("the route policy"),
            Label::Default => f.write_str("the default policy"),
            Label::Mount(base) => write!(f, "the policy of the mount `{base}`"),
        }
    }
}

impl Label<'_> {
    /// The value of the refusal log's `policy` field.
    fn field(&self) -> &str {
        match self {
            Label::Route => "route",
            Label::Default => "default",
            Label::Mount(base) => base,
        }
    }
}

#[derive(Clone, Debug)]
enum Source {
    Policy(DefaultPolicy),
    Config(Cow<'static, str>),
}

/// What the fairing computed at ignite, kept in Rocket's managed state so that requests borrow
/// from it for as long as they live.
#[derive(Debug)]
pub(crate) struct Runtime {
    pub(crate) default: DefaultPolicy,
    /// `#[cors]` routes by their mounted URI.
    routes: HashMap<String, Vec<Annotated>>,
    /// Once launched: every mounted route's policy by the route's address, sorted, so that a
    /// response finds its route's policy by one binary search instead of hashing its URI.
    by_address: OnceLock<Vec<(usize, Option<&'static Policy>)>>,
    pub(crate) preflight: preflight::Table,
    /// Policies of mount bases, longest base first.
    mounts: Vec<Mount>,
}

#[derive(Debug)]
struct Annotated {
    method: Method,
    rank: isize,
    format: Option<MediaType>,
    policy: &'static Policy,
}

/// The version of a reloadable default policy that one request is decided by: the version in
/// force when the request arrived, kept in the request's local cache.
struct Pinned(Arc<Policy>);

/// [`Pinned`] for the reloadable policy of the mount base that covers the request.
struct MountPinned(Arc<Policy>);

impl Runtime {
    /// The default policy for this request: one load of a reloadable policy per request.
    pub(crate) fn default_policy<'r>(&'r self, request: &'r Request<'_>) -> &'r Policy {
        match &self.default {
            PolicySource::Static(policy) => policy,
            PolicySource::Shared(policy) => policy,
            PolicySource::Reloadable(handle) => &request.local_cache(|| Pinned(handle.current())).0,
        }
    }

    /// The mount base with a policy of its own that covers this request: the longest one.
    fn mount_for(&self, request: &Request<'_>) -> Option<&Mount> {
        self.mounts.iter().find(|m| m.covers(request))
    }

    /// The policy of everything no `#[cors]` route covers: the policy of the longest mount base
    /// that covers the request, else the default policy.
    #[inline]
    pub(crate) fn fallback_policy<'r>(
        &'r self,
        request: &'r Request<'_>,
    ) -> (&'r Policy, Label<'r>) {
        if !self.mounts.is_empty() {
            if let Some(mount) = self.mount_for(request) {
                let policy: &Policy = match &mount.policy {
                    PolicySource::Static(policy) => policy,
                    PolicySource::Shared(policy) => policy,
                    PolicySource::Reloadable(handle) => {
                        &request.local_cache(|| MountPinned(handle.current())).0
                    }
                };
                return (policy, Label::Mount(&mount.base));
            }
        }
        (self.default_policy(request), Label::Default)
    }

    /// Whether a policy must be pinned as each request arrives.
    fn pins(&self) -> bool {
        let reloadable = |p: &DefaultPolicy| matches!(p, PolicySource::Reloadable(_));
        reloadable(&self.default) || self.mounts.iter().any(|m| reloadable(&m.policy))
    }

    /// The `#[cors]` policy of the route that made a response, if it has one.
    fn policy_of(&self, route: &Route) -> Option<&'static Policy> {
        let Some(table) = self.by_address.get() else {
            return self.route_policy(route);
        };
        let address = std::ptr::from_ref(route) as usize;
        match table.binary_search_by_key(&address, |(a, _)| *a) {
            Ok(i) => table.get(i).and_then(|(_, policy)| *policy),
            // A route this table does not know (mounted after launch): look it up the slow way.
            Err(_) => self.route_policy(route),
        }
    }

    /// Records the launched routes' addresses. Routes do not move once Rocket has launched.
    fn index_routes<'r>(&self, routes: impl Iterator<Item = &'r Route>) {
        let mut table: Vec<(usize, Option<&'static Policy>)> = routes
            .map(|r| (std::ptr::from_ref(r) as usize, self.route_policy(r)))
            .collect();
        table.sort_unstable_by_key(|(a, _)| *a);
        let _ = self.by_address.set(table);
    }

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
    /// [`PolicySpec::validate`](crate::PolicySpec::validate), or a `&'static Policy` declared with [`policy!`](crate::policy).
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
            reloadable: false,
            mounts: Vec::new(),
        }
    }

    /// A fairing whose default policy is read at ignite from the `cors` key of Rocket's
    /// configuration (`Rocket.toml`, `ROCKET_CORS`, or any figment provider): the keys of
    /// [`PolicySpec`](crate::PolicySpec), validated like any policy. If the key is missing, misspelt or the policy
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
            reloadable: false,
            mounts: Vec::new(),
        }
    }

    /// Like [`Cors::from_config`], reading another key (`"api.cors"` for a nested table).
    pub fn from_config_key(key: impl Into<String>) -> Self {
        Cors {
            source: Source::Config(Cow::Owned(key.into())),
            reloadable: false,
            mounts: Vec::new(),
        }
    }

    /// Makes the default policy replaceable while serving: the fairing puts a
    /// [`PolicyHandle`] into Rocket's managed state, which a route takes as
    /// `&State<PolicyHandle>` to [`replace`](PolicyHandle::replace) the policy. A fairing built
    /// from a handle (`Cors::new(handle)`) manages that handle without this call.
    ///
    /// ```
    /// use cors_rocket::{Cors, PolicyHandle, PolicySpec};
    /// use rocket::{put, routes, State};
    ///
    /// #[put("/admin/cors", data = "<origin>")]
    /// fn set_origin(handle: &State<PolicyHandle>, origin: &str) -> Result<(), String> {
    ///     handle.replace(&PolicySpec::new().origin(origin)).map_err(|e| e.to_string())
    /// }
    ///
    /// let rocket = rocket::build()
    ///     .mount("/", routes![set_origin])
    ///     .attach(Cors::from_config().reloadable());
    /// # let _ = rocket;
    /// ```
    pub fn reloadable(mut self) -> Self {
        self.reloadable = true;
        self
    }

    /// Gives the routes mounted at `base` (and below) their own default policy, as a `Cors`
    /// on an Actix `Scope` does: every response under `base` that no `#[cors]` route covers
    /// (the 404 of an unknown path there, catcher responses, routes without `#[cors]`) and every
    /// preflight there that no `#[cors]` route answers get `policy` instead of the default
    /// policy. Route policies still win; where bases nest, the longest that covers the path
    /// wins.
    ///
    /// `base` is a path as given to [`Rocket::mount`], without dynamic segments or query; a base
    /// that is not one, or the same base twice, fails launch with a message.
    ///
    /// ```
    /// use cors_rocket::{policy, Cors};
    ///
    /// policy! {
    ///     APP = { origins = ["https://app.example.re"], methods = [GET, POST] };
    ///     ADMIN = { origins = ["https://admin.example.re"], credentials, methods = [GET, DELETE] };
    /// }
    ///
    /// let rocket = rocket::build()
    ///     // .mount("/", ...).mount("/admin", ...)
    ///     .attach(Cors::new(&APP).mount_policy("/admin", &ADMIN));
    /// # let _ = rocket;
    /// ```
    pub fn mount_policy(
        mut self,
        base: impl Into<String>,
        policy: impl Into<DefaultPolicy>,
    ) -> Self {
        self.mounts.push((base.into(), policy.into()));
        self
    }

    /// The mount bases, checked: longest first, or one problem per bad base.
    fn mounts(&self) -> Result<Vec<Mount>, Vec<String>> {
        let mut mounts: Vec<Mount> = Vec::new();
        let mut problems = Vec::new();
        for (base, policy) in &self.mounts {
            let problem = |why: &str| {
                format!(
                    "- the CORS mount policy for `{base}`: {why}; write the path the routes are \
                     mounted at, such as `Cors::new(default).mount_policy(\"/admin\", admin)`"
                )
            };
            let uri = match Origin::parse_route(base) {
                Ok(uri) => uri,
                Err(error) => {
                    problems.push(problem(&format!(
                        "`{base}` is not a path Rocket can mount at ({error})"
                    )));
                    continue;
                }
            };
            if uri.query().is_some() {
                problems.push(problem("a mount base has no query"));
                continue;
            }
            if uri
                .path()
                .raw_segments()
                .any(|s| s.as_str().starts_with('<'))
            {
                problems.push(problem(
                    "dynamic segments are not supported in a CORS mount base; give the routes \
                     their policy with #[cors] instead",
                ));
                continue;
            }
            let segments: Vec<String> = uri
                .path()
                .segments()
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            if let Some(other) = mounts.iter().find(|m| m.segments == segments) {
                problems.push(format!(
                    "- the CORS mount policy for `{base}`: `{}` already has one, and a base has \
                     one policy; remove one of the two",
                    other.base
                ));
                continue;
            }
            mounts.push(Mount {
                base: base.clone(),
                segments,
                policy: policy.clone(),
            });
        }
        // The longest base that covers a path is the first found.
        mounts.sort_by_key(|m| std::cmp::Reverse(m.segments.len()));
        if problems.is_empty() {
            Ok(mounts)
        } else {
            Err(problems)
        }
    }

    /// Runs the checks the fairing runs at ignite against `rocket` as it is now: the default
    /// policy (read from the configuration if needed) and the `#[cors]` registrations of the
    /// mounted routes. Useful in a test, to see the messages that launch would log.
    pub fn check(&self, rocket: &Rocket<Build>) -> Result<(), LaunchError> {
        self.prepare(rocket).map(|_| ())
    }

    fn default_policy(&self, figment: &Figment) -> Result<DefaultPolicy, String> {
        let policy = match &self.source {
            Source::Policy(PolicySource::Static(p)) if self.reloadable => (*p).clone(),
            Source::Policy(PolicySource::Shared(p)) if self.reloadable => Policy::clone(p),
            Source::Policy(p) => return Ok(p.clone()),
            Source::Config(key) => config::read_policy(figment, key)?,
        };
        Ok(if self.reloadable {
            PolicySource::Reloadable(PolicyHandle::new(policy))
        } else {
            PolicySource::from(policy)
        })
    }

    fn prepare(&self, rocket: &Rocket<Build>) -> Result<Runtime, LaunchError> {
        let mut problems = Vec::new();
        let default = self
            .default_policy(rocket.figment())
            .map_err(|p| problems.push(p))
            .ok();
        let mounts = self.mounts().map_err(|found| problems.extend(found)).ok();
        let annotated = registry::annotate(&ROUTES, rocket.routes())
            .map_err(|found| {
                problems.extend(found.into_iter().map(|p| format!("- {p}")));
            })
            .ok();
        let (Some(default), Some(mounts), Some(annotated), true) =
            (default, mounts, annotated, problems.is_empty())
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
            by_address: OnceLock::new(),
            preflight: preflight::Table::new(&annotated),
            mounts,
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
        let kind = Kind::Ignite | Kind::Liftoff | Kind::Response | Kind::Singleton;
        let reloadable = |p: &DefaultPolicy| matches!(p, PolicySource::Reloadable(_));
        let reloadable = self.reloadable
            || matches!(&self.source, Source::Policy(p) if reloadable(p))
            || self.mounts.iter().any(|(_, p)| reloadable(p));
        Info {
            name: "CORS",
            // A reloadable default policy is pinned as the request arrives, so the request is
            // decided by the version in force then (even if its handler replaces the policy).
            kind: if reloadable {
                kind | Kind::Request
            } else {
                kind
            },
        }
    }

    async fn on_request(&self, request: &mut Request<'_>, _: &mut rocket::Data<'_>) {
        let Some(runtime) = request.rocket().state::<Runtime>() else {
            return;
        };
        if !runtime.pins() {
            return;
        }
        if let PolicySource::Reloadable(handle) = &runtime.default {
            request.local_cache(|| Pinned(handle.current()));
        }
        if let Some(PolicySource::Reloadable(handle)) =
            runtime.mount_for(request).map(|m| &m.policy)
        {
            request.local_cache(|| MountPinned(handle.current()));
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        match self.prepare(&rocket) {
            Ok(runtime) => {
                let rocket = match runtime.default.handle() {
                    Some(handle) => rocket.manage(handle.clone()),
                    None => rocket,
                };
                Ok(rocket.manage(runtime).mount("/", [preflight::route()]))
            }
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
        runtime.index_routes(rocket.routes());
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
        if request.method() == Method::Options && preflight::answered(request, response) {
            preflight::answer(runtime, request, response);
            return;
        }
        let route_policy = request.route().and_then(|r| runtime.policy_of(r));
        let (policy, label) = match route_policy {
            Some(policy) => (policy, Label::Route),
            None => runtime.fallback_policy(request),
        };
        let status = decide_and_write(request, headers::view(request), policy, label, response);
        // A preflight that an OPTIONS route of the application answered.
        if status.is_some() && debug_enabled() {
            log_own_answer(request, label, response.status());
        }
    }
}

/// Whether a debug event of this crate could be recorded at all: by a `tracing` subscriber that
/// wants debug events, or, when no subscriber is installed, by the `log` logger, to which
/// `tracing` then forwards the events. A few atomic loads while nothing listens.
#[inline]
pub(crate) fn debug_enabled() -> bool {
    use tracing::level_filters::{LevelFilter, STATIC_MAX_LEVEL};
    if STATIC_MAX_LEVEL < LevelFilter::DEBUG {
        return false;
    }
    LevelFilter::current() >= LevelFilter::DEBUG
        || (!tracing::dispatcher::has_been_set()
            && log::log_enabled!(target: module_path!(), log::Level::Debug))
}

/// Logs which policy answered a preflight: "CORS preflight answered by `why`".
pub(crate) fn log_preflight(request: &Request<'_>, status: Status, why: std::fmt::Arguments<'_>) {
    tracing::debug!(
        path = request.uri().path().as_str(),
        status = status.code,
        "CORS preflight answered by {why}"
    );
}

/// Logs the policy whose headers the application's own OPTIONS route got for a preflight.
#[cold]
fn log_own_answer(request: &Request<'_>, label: Label<'_>, status: Status) {
    let route = request
        .route()
        .and_then(|r| r.name.as_deref())
        .unwrap_or("?");
    log_preflight(
        request,
        status,
        format_args!("the application's OPTIONS route `{route}`, with the headers of {label}"),
    );
}

/// Decides `request` with `policy` (once: one version of its runtime set), logs a refusal
/// and writes the headers. Returns the preflight status, if the request is a preflight.
pub(crate) fn decide_and_write<'r>(
    request: &'r Request<'_>,
    view: RequestView<'r>,
    policy: &'r Policy,
    label: Label<'_>,
    response: &mut Response<'r>,
) -> Option<u16> {
    let view = headers::for_policy(view, policy);
    let decision = policy.decide(&view);
    if let Some(reason) = decision.refusal() {
        tracing::debug!(
            method = %request.method(),
            path = request.uri().path().as_str(),
            policy = label.field(),
            "{}",
            reason.log_line()
        );
    }
    headers::write(decision.headers(), response);
    decision.preflight_status()
}
