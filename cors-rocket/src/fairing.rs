//! The `Cors` fairing: the default policy, route policies found at ignite, and the headers of
//! every response.

use std::borrow::Cow;

use cors_shared::{Policy, PolicyHandle, PolicySource, WriteProtection};
use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::figment::Figment;
use rocket::http::Method;
use rocket::{Build, Orbit, Request, Response, Rocket, Route};

use crate::config::{self, LaunchError, CONFIG_KEY};
use crate::headers;
use crate::logging;
use crate::mount;
use crate::preflight;
use crate::protect;
use crate::registry::{self, RouteEntry, ROUTES};
use crate::runtime::Runtime;

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
    /// As given to [`Cors::write_protection`].
    protection: WriteProtection,
}

#[derive(Clone, Debug)]
enum Source {
    Policy(DefaultPolicy),
    Config(Cow<'static, str>),
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
            protection: WriteProtection::off(),
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
            protection: WriteProtection::off(),
        }
    }

    /// Like [`Cors::from_config`], reading another key (`"api.cors"` for a nested table).
    pub fn from_config_key(key: impl Into<String>) -> Self {
        Cors {
            source: Source::Config(Cow::Owned(key.into())),
            reloadable: false,
            mounts: Vec::new(),
            protection: WriteProtection::off(),
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

    /// Turns write protection on (or off) for the whole application: every request decided by
    /// a policy that does not say otherwise itself (`protect_writes = true` or `false` in
    /// `#[cors]`, `policy!` or the configuration) is protected, `#[cors]` routes, mount bases
    /// and the default policy alike. Off by default.
    ///
    /// CORS decides who may **read** a response; it never stops a cross-site form `POST`, a
    /// `no-cors` fetch or a WebSocket handshake, which browsers send with the user's cookies.
    /// With protection on, such a request is answered 403 (body
    /// [`WRITE_REFUSED_BODY`](crate::WRITE_REFUSED_BODY), no CORS headers) before Rocket routes
    /// it, so no handler or request guard runs, unless its origin is one the policy of the route
    /// it is for would echo (never through `*`), or the browser says the request comes from the
    /// site itself. A route that other sites must post to (an OAuth `form_post` callback, a
    /// payment return URL) says `protect_writes = false` in its `#[cors]`.
    ///
    /// ```
    /// use cors_rocket::{policy, Cors, WriteProtection};
    ///
    /// policy! {
    ///     APP = { origins = ["https://app.example.re"], credentials, methods = [GET, POST] };
    /// }
    ///
    /// // Behind a proxy that rewrites `Host`, name the service's own public origin.
    /// let protection = WriteProtection::on().public_origins(["https://api.example.re"])?;
    /// let rocket = rocket::build().attach(Cors::new(&APP).write_protection(protection));
    /// # let _ = rocket;
    /// # Ok::<(), cors_rocket::PolicyErrors>(())
    /// ```
    pub fn write_protection(mut self, protection: WriteProtection) -> Self {
        self.protection = protection;
        self
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
        let mounts = mount::check(&self.mounts)
            .map_err(|found| problems.extend(found))
            .ok();
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
        Ok(Runtime::new(
            default,
            mounts,
            &annotated,
            self.protection.clone(),
        ))
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
        runtime.pin(request);
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        match self.prepare(&rocket) {
            Ok(runtime) => {
                let rocket = match runtime.default.handle() {
                    Some(handle) => rocket.manage(handle.clone()),
                    None => rocket,
                };
                // Write protection answers before routing, through a request fairing that runs
                // after every other one and a route tried before every other one: both only
                // when a policy may protect writes, so that nothing else pays for them.
                let rocket = if runtime.is_guarded() {
                    rocket.attach(protect::Guard).mount("/", [protect::route()])
                } else {
                    rocket
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
        if let Some(vary) = runtime
            .is_guarded()
            .then(|| protect::refused_vary(request))
            .flatten()
        {
            protect::write_refusal(vary, response);
            return;
        }
        if request.method() == Method::Options && preflight::answered(request, response) {
            preflight::answer(runtime, request, response);
            return;
        }
        let (policy, label) = runtime.response_policy(request);
        let status =
            runtime.decide_and_write(request, headers::view(request), policy, label, response);
        // A preflight that an OPTIONS route of the application answered.
        if status.is_some() && logging::debug_enabled() {
            logging::own_answer(request, label, response.status());
        }
    }
}
