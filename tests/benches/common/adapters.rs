//! The applications both adapter benchmarks measure (`adapters.rs` in time, `instructions.rs` in
//! instructions), built and checked in one place.
//!
//! Every application serves `GET /x` and `PUT /x` with a short body. Every CORS configuration
//! allows `https://app.example.re`, the methods GET, POST and PUT, and the request header
//! `content-type`, so both the actual request and the preflight (`OPTIONS /x` asking for PUT
//! with `content-type`) take the allowed path. Before anything is measured, each configuration
//! is checked once: status and `Access-Control-Allow-Origin` exactly as expected, and for the
//! route configurations, an origin that only the route policy allows, proving that the route
//! policy and not the default one answers.
#![allow(dead_code)] // Each benchmark uses its part.

/// The origin every CORS configuration allows; the measured requests come from it.
pub(crate) const ORIGIN: &str = "https://app.example.re";
/// An origin that only the route policies allow: sent once during set-up, never measured.
pub(crate) const ROUTE_ONLY_ORIGIN: &str = "https://route.example.re";

/// The request measured: an allowed actual request, or an allowed preflight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Path {
    /// `GET /x` from [`ORIGIN`].
    Actual,
    /// `OPTIONS /x` from [`ORIGIN`] asking for `PUT` with `content-type`.
    Preflight,
}

impl Path {
    pub(crate) const ALL: [Path; 2] = [Path::Actual, Path::Preflight];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Path::Actual => "actual_allowed",
            Path::Preflight => "preflight",
        }
    }
}

/// The default policy of our adapters, built at start-up as an application reading its
/// allowlist from configuration would.
fn default_policy() -> cors_shared::Policy {
    cors_shared::PolicySpec::new()
        .origin(ORIGIN)
        .methods(["GET", "POST", "PUT"])
        .headers(["content-type"])
        .validate()
        .expect("the benchmark's default policy is valid")
}

/// What a configuration must answer, checked once before it is measured.
#[derive(Clone, Copy, Debug)]
struct Expect {
    status: u16,
    allow_origin: Option<&'static str>,
}

/// An allowed actual request (and actix-cors's allowed preflight): 200, the origin echoed.
const ALLOWED: Expect = Expect {
    status: 200,
    allow_origin: Some(ORIGIN),
};

/// An allowed preflight answered by our adapters and the floors: 204, the origin echoed.
const ALLOWED_PREFLIGHT: Expect = Expect {
    status: 204,
    allow_origin: Some(ORIGIN),
};

/// The answer of an application without CORS to an actual request.
const NO_HEADERS: Expect = Expect {
    status: 200,
    allow_origin: None,
};

/// The answer of an application without CORS to a preflight: no route serves `OPTIONS /x`, so
/// the framework's own 404.
const NOT_FOUND: Expect = Expect {
    status: 404,
    allow_origin: None,
};

fn check(config: &str, got_status: u16, got_allow_origin: Option<&str>, expect: Expect) {
    assert_eq!(
        (got_status, got_allow_origin),
        (expect.status, expect.allow_origin),
        "{config}: (status, access-control-allow-origin) is not what the benchmark expects, \
         so its figures would mean nothing"
    );
}

/// Whether the route policy answered for [`ROUTE_ONLY_ORIGIN`] as it should.
fn check_route_policy(config: &str, got_allow_origin: Option<&str>, answered: bool) {
    assert_eq!(
        got_allow_origin,
        answered.then_some(ROUTE_ONLY_ORIGIN),
        "{config}: the route policy should {}answer for {ROUTE_ONLY_ORIGIN}",
        if answered { "" } else { "not " }
    );
}

pub(crate) mod actix {
    //! The Actix applications, each built by [`with_app`] and handed to a [`Visit`] that
    //! measures it.

    use super::*;

    use actix_web::body::MessageBody;
    use actix_web::dev::{Service, ServiceResponse};
    use actix_web::http::header::{self, HeaderValue};
    use actix_web::http::Method;
    use actix_web::rt::SystemRunner;
    use actix_web::test::{self, TestRequest};
    use actix_web::web::Bytes;
    use actix_web::{get, put, web, App, HttpResponse};
    use cors_actix::{cors, policy};

    /// The configurations measured.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub(crate) enum Config {
        /// No CORS at all.
        NoCors,
        /// The floor as the application's one layer.
        Floor,
        /// actix-cors as the application's one layer.
        ActixCors,
        /// The floor wrapping the one resource, as a route's own CORS.
        FloorRoute,
        /// The floor in two layers, one on the application that forwards everything and one
        /// on the resource: the shape of a route policy under a default one.
        FloorNested,
        /// actix-cors wrapping the one resource (which must route every method, so that
        /// preflights reach it).
        ActixCorsRoute,
        /// Our `#[cors]` route policy without a default layer.
        OursRouteOnly,
        /// Our default policy.
        OursDefault,
        /// Our `#[cors]` route policy under our default policy.
        OursRoute,
    }

    impl Config {
        pub(crate) const ALL: [Config; 9] = [
            Config::NoCors,
            Config::Floor,
            Config::ActixCors,
            Config::FloorRoute,
            Config::FloorNested,
            Config::ActixCorsRoute,
            Config::OursRouteOnly,
            Config::OursDefault,
            Config::OursRoute,
        ];

        pub(crate) fn name(self) -> &'static str {
            match self {
                Config::NoCors => "no_cors",
                Config::Floor => "floor",
                Config::ActixCors => "actix_cors",
                Config::FloorRoute => "floor_route",
                Config::FloorNested => "floor_nested",
                Config::ActixCorsRoute => "actix_cors_route",
                Config::OursRouteOnly => "cors_actix_route_only",
                Config::OursDefault => "cors_actix_default",
                Config::OursRoute => "cors_actix_route",
            }
        }

        /// What it answers on `path`.
        fn expect(self, path: Path) -> Expect {
            match (self, path) {
                (Config::NoCors, Path::Actual) => NO_HEADERS,
                (Config::NoCors, Path::Preflight) => NOT_FOUND,
                // actix-cors answers an allowed preflight with 200.
                (_, Path::Actual) | (Config::ActixCors | Config::ActixCorsRoute, _) => ALLOWED,
                (_, Path::Preflight) => ALLOWED_PREFLIGHT,
            }
        }

        /// Whether its route policy answers [`ROUTE_ONLY_ORIGIN`] (`None`: it has no policy of
        /// ours to check).
        fn route_policy(self) -> Option<bool> {
            match self {
                Config::OursRouteOnly | Config::OursRoute => Some(true),
                Config::OursDefault => Some(false),
                _ => None,
            }
        }
    }

    policy! {
        /// The default policy, plus one origin that only the route answers for.
        ROUTE = {
            origins = ["https://app.example.re", "https://route.example.re"],
            methods = [GET, POST, PUT],
            headers = ["content-type"],
        };
    }

    #[get("/x")]
    async fn plain_get() -> HttpResponse {
        HttpResponse::Ok().body("hello")
    }

    #[put("/x")]
    async fn plain_put() -> HttpResponse {
        HttpResponse::Ok().body("stored")
    }

    #[cors(policy = ROUTE)]
    #[get("/x")]
    async fn route_get() -> HttpResponse {
        HttpResponse::Ok().body("hello")
    }

    #[cors(policy = ROUTE)]
    #[put("/x")]
    async fn route_put() -> HttpResponse {
        HttpResponse::Ok().body("stored")
    }

    /// `/x` as one resource routing GET and PUT, for a layer wrapping that resource alone.
    fn resource() -> actix_web::Resource {
        web::resource("/x")
            .route(web::get().to(|| async { HttpResponse::Ok().body("hello") }))
            .route(web::put().to(|| async { HttpResponse::Ok().body("stored") }))
    }

    /// A header value as Actix's HTTP/1 decoder makes it: a slice of the shared buffer the
    /// request was read into, so that a middleware keeping a copy counts a reference, as it does
    /// on a server. (`TestRequest` would copy each value into a buffer of its own, whose first
    /// copy allocates, which no served request does.)
    fn wire(value: &str) -> HeaderValue {
        let read = Bytes::from(value.as_bytes().to_vec());
        HeaderValue::from_maybe_shared(read.slice(..)).expect("a valid header value")
    }

    fn actual(origin: &str) -> TestRequest {
        TestRequest::get()
            .uri("/x")
            .insert_header((header::ORIGIN, wire(origin)))
    }

    fn preflight(origin: &str) -> TestRequest {
        TestRequest::default()
            .method(Method::OPTIONS)
            .uri("/x")
            .insert_header((header::ORIGIN, wire(origin)))
            .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, wire("PUT")))
            .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, wire("content-type")))
    }

    /// The floor: a `Transform` + `Service` pair like ours that answers preflights with 204 and
    /// writes the same headers on other responses, all fixed values. [`floor::Floor::OUTER`] is
    /// the floor of a default layer with a route layer inside: it answers nothing itself and
    /// writes its headers on every response, the inner layer's answers to preflights included.
    mod floor {
        use std::future::{ready, Future, Ready};
        use std::pin::Pin;
        use std::task::{ready, Context, Poll};

        use actix_web::body::{EitherBody, MessageBody};
        use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
        use actix_web::http::header::{self, HeaderValue};
        use actix_web::http::Method;
        use actix_web::{Error, HttpResponse};

        pub(crate) struct Floor {
            answers_preflights: bool,
        }

        impl Floor {
            /// One layer alone: answers preflights itself.
            pub(crate) const ALONE: Floor = Floor {
                answers_preflights: true,
            };
            /// The outer of two layers: forwards preflights to the inner one.
            pub(crate) const OUTER: Floor = Floor {
                answers_preflights: false,
            };
        }

        impl<S, B> Transform<S, ServiceRequest> for Floor
        where
            S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
            B: MessageBody,
        {
            type Response = ServiceResponse<EitherBody<B>>;
            type Error = Error;
            type Transform = FloorService<S>;
            type InitError = ();
            type Future = Ready<Result<Self::Transform, ()>>;

            fn new_transform(&self, service: S) -> Self::Future {
                ready(Ok(FloorService {
                    service,
                    answers_preflights: self.answers_preflights,
                }))
            }
        }

        pub(crate) struct FloorService<S> {
            service: S,
            answers_preflights: bool,
        }

        const ORIGIN: HeaderValue = HeaderValue::from_static(super::ORIGIN);

        impl<S, B> Service<ServiceRequest> for FloorService<S>
        where
            S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
            B: MessageBody,
        {
            type Response = ServiceResponse<EitherBody<B>>;
            type Error = Error;
            type Future = FloorFuture<S::Future, B>;

            actix_web::dev::forward_ready!(service);

            fn call(&self, req: ServiceRequest) -> Self::Future {
                if self.answers_preflights && req.method() == Method::OPTIONS {
                    let res = HttpResponse::NoContent()
                        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, ORIGIN))
                        .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "PUT"))
                        .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, "content-type"))
                        .insert_header((
                            header::VARY,
                            "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
                        ))
                        .finish();
                    return FloorFuture::Answered {
                        response: Some(req.into_response(res).map_into_right_body()),
                    };
                }
                FloorFuture::Forwarded {
                    inner: self.service.call(req),
                }
            }
        }

        pin_project_lite::pin_project! {
            #[project = FloorProj]
            pub(crate) enum FloorFuture<F, B> {
                Answered { response: Option<ServiceResponse<EitherBody<B>>> },
                Forwarded { #[pin] inner: F },
            }
        }

        impl<F, B> Future for FloorFuture<F, B>
        where
            F: Future<Output = Result<ServiceResponse<B>, Error>>,
        {
            type Output = Result<ServiceResponse<EitherBody<B>>, Error>;

            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                match self.project() {
                    FloorProj::Answered { response } => {
                        Poll::Ready(response.take().ok_or_else(|| {
                            actix_web::error::ErrorInternalServerError("polled twice")
                        }))
                    }
                    FloorProj::Forwarded { inner } => {
                        let mut res = ready!(inner.poll(cx))?;
                        let headers = res.headers_mut();
                        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, ORIGIN);
                        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
                        Poll::Ready(Ok(res.map_into_left_body()))
                    }
                }
            }
        }
    }

    fn actix_cors() -> actix_cors::Cors {
        actix_cors::Cors::default()
            .allowed_origin(ORIGIN)
            .allowed_methods([Method::GET, Method::POST, Method::PUT])
            .allowed_header(header::CONTENT_TYPE)
    }

    /// One request through the service: its status and `Access-Control-Allow-Origin`.
    fn answer<S, B, R>(sys: &SystemRunner, srv: &S, req: R) -> (u16, Option<String>)
    where
        S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        let res = sys.block_on(test::call_service(srv, req));
        let acao = res
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .map(|v| v.to_str().expect("a visible ASCII header value").to_owned());
        (res.status().as_u16(), acao)
    }

    /// What measures one checked application: it gets the running service and the function
    /// that makes the measured request from an origin.
    pub(crate) trait Visit {
        type Output;

        fn visit<S, B, R>(self, sys: &SystemRunner, srv: S, make: fn(&str) -> R) -> Self::Output
        where
            S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
            B: MessageBody,
            R: 'static;
    }

    /// Builds `config`'s application on `sys`, checks what it answers on `path` (and whose policy
    /// answers, for ours), then hands it to `visit`.
    pub(crate) fn with_app<V: Visit>(
        sys: &SystemRunner,
        config: Config,
        path: Path,
        visit: V,
    ) -> V::Output {
        let make: fn(&str) -> _ = match path {
            Path::Actual => |origin| actual(origin).to_request(),
            Path::Preflight => |origin| preflight(origin).to_request(),
        };
        // Each arm has a service type of its own: the visit is monomorphised for each.
        macro_rules! visit {
            ($app:expr) => {{
                let srv = sys.block_on(test::init_service($app));
                let name = format!("actix {} {}", config.name(), path.name());
                let (status, acao) = answer(sys, &srv, make(ORIGIN));
                check(&name, status, acao.as_deref(), config.expect(path));
                if let Some(answered) = config.route_policy() {
                    let (_, acao) = answer(sys, &srv, make(ROUTE_ONLY_ORIGIN));
                    check_route_policy(&name, acao.as_deref(), answered);
                }
                visit.visit(sys, srv, make)
            }};
        }
        match config {
            Config::NoCors => visit!(App::new().service(plain_get).service(plain_put)),
            Config::Floor => visit!(App::new()
                .wrap(floor::Floor::ALONE)
                .service(plain_get)
                .service(plain_put)),
            Config::ActixCors => visit!(App::new()
                .wrap(actix_cors())
                .service(plain_get)
                .service(plain_put)),
            Config::FloorRoute => visit!(App::new().service(resource().wrap(floor::Floor::ALONE))),
            Config::FloorNested => visit!(App::new()
                .wrap(floor::Floor::OUTER)
                .service(resource().wrap(floor::Floor::ALONE))),
            Config::ActixCorsRoute => visit!(App::new().service(resource().wrap(actix_cors()))),
            Config::OursRouteOnly => visit!(App::new().service(route_get).service(route_put)),
            Config::OursDefault => visit!(App::new()
                .wrap(cors_actix::Cors::new(default_policy()))
                .service(plain_get)
                .service(plain_put)),
            Config::OursRoute => visit!(App::new()
                .wrap(cors_actix::Cors::new(default_policy()))
                .service(route_get)
                .service(route_put)),
        }
    }
}

pub(crate) mod rocket_apps {
    //! The Rocket applications, each launched and checked by [`client`].

    use super::*;

    use cors_rocket::{cors, policy};
    use rocket::config::LogLevel;
    use rocket::http::{Header, Method};
    use rocket::local::blocking::{Client, LocalRequest};
    use rocket::{get, put, routes, Build, Rocket};
    use rocket_cors::{AllowedHeaders, AllowedOrigins, CorsOptions};

    /// The configurations measured.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub(crate) enum Config {
        /// No CORS at all.
        NoCors,
        /// The floor: a response fairing and an `OPTIONS /<_..>` route.
        Floor,
        /// rocket_cors's fairing.
        RocketCors,
        /// Our default policy.
        OursDefault,
        /// Our `#[cors]` route policy under our default policy.
        OursRoute,
    }

    impl Config {
        pub(crate) const ALL: [Config; 5] = [
            Config::NoCors,
            Config::Floor,
            Config::RocketCors,
            Config::OursDefault,
            Config::OursRoute,
        ];

        pub(crate) fn name(self) -> &'static str {
            match self {
                Config::NoCors => "no_cors",
                Config::Floor => "floor",
                Config::RocketCors => "rocket_cors",
                Config::OursDefault => "cors_rocket_default",
                Config::OursRoute => "cors_rocket_route",
            }
        }

        /// What it answers on `path`.
        fn expect(self, path: Path) -> Expect {
            match (self, path) {
                (Config::NoCors, Path::Actual) => NO_HEADERS,
                // Rocket's 404 catcher.
                (Config::NoCors, Path::Preflight) => NOT_FOUND,
                (_, Path::Actual) => ALLOWED,
                (_, Path::Preflight) => ALLOWED_PREFLIGHT,
            }
        }

        fn route_policy(self) -> Option<bool> {
            match self {
                Config::OursRoute => Some(true),
                Config::OursDefault => Some(false),
                _ => None,
            }
        }

        fn rocket(self) -> Rocket<Build> {
            let plain = || base().mount("/", routes![plain_get, plain_put]);
            match self {
                Config::NoCors => plain(),
                Config::Floor => floor(plain()),
                Config::RocketCors => plain().attach(rocket_cors()),
                Config::OursDefault => plain().attach(cors_rocket::Cors::new(default_policy())),
                Config::OursRoute => base()
                    .mount("/", routes![route_get, route_put])
                    .attach(cors_rocket::Cors::new(default_policy())),
            }
        }
    }

    policy! {
        /// The default policy, plus one origin that only the route answers for.
        ROUTE = {
            origins = ["https://app.example.re", "https://route.example.re"],
            methods = [GET, POST, PUT],
            headers = ["content-type"],
        };
    }

    #[get("/x")]
    fn plain_get() -> &'static str {
        "hello"
    }

    #[put("/x")]
    fn plain_put() -> &'static str {
        "stored"
    }

    #[cors(policy = ROUTE)]
    #[get("/x")]
    fn route_get() -> &'static str {
        "hello"
    }

    #[cors(policy = ROUTE)]
    #[put("/x")]
    fn route_put() -> &'static str {
        "stored"
    }

    fn base() -> Rocket<Build> {
        rocket::custom(rocket::Config {
            log_level: LogLevel::Off,
            ..rocket::Config::debug_default()
        })
    }

    /// The measured request on `path` from `origin`.
    pub(crate) fn request<'c>(client: &'c Client, path: Path, origin: &str) -> LocalRequest<'c> {
        let req = |method| {
            client
                .req(method, "/x")
                .header(Header::new("Origin", origin.to_owned()))
        };
        match path {
            Path::Actual => req(Method::Get),
            Path::Preflight => req(Method::Options)
                .header(Header::new("Access-Control-Request-Method", "PUT"))
                .header(Header::new(
                    "Access-Control-Request-Headers",
                    "content-type",
                )),
        }
    }

    /// The floor: a fairing like ours that writes the same headers as fixed values, and an
    /// `OPTIONS /<_..>` route at the highest rank that answers preflights with 204.
    fn floor(rocket: Rocket<Build>) -> Rocket<Build> {
        #[rocket::options("/<_..>", rank = 100)]
        fn options() -> rocket::http::Status {
            rocket::http::Status::NoContent
        }
        rocket
            .mount("/", routes![options])
            .attach(rocket::fairing::AdHoc::on_response("floor", |req, res| {
                Box::pin(async move {
                    res.set_header(Header::new("access-control-allow-origin", ORIGIN));
                    if req.method() == Method::Options {
                        res.set_header(Header::new("access-control-allow-methods", "PUT"));
                        res.set_header(Header::new("access-control-allow-headers", "content-type"));
                        res.set_header(Header::new(
                            "vary",
                            "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
                        ));
                    } else {
                        res.set_header(Header::new("vary", "Origin"));
                    }
                })
            }))
    }

    fn rocket_cors() -> rocket_cors::Cors {
        CorsOptions {
            allowed_origins: AllowedOrigins::some_exact(&[ORIGIN]),
            allowed_methods: [Method::Get, Method::Post, Method::Put]
                .into_iter()
                .map(From::from)
                .collect(),
            allowed_headers: AllowedHeaders::some(&["content-type"]),
            ..Default::default()
        }
        .to_cors()
        .expect("the rocket_cors baseline is valid")
    }

    /// One dispatch: its status and `Access-Control-Allow-Origin`.
    fn answer(req: LocalRequest<'_>) -> (u16, Option<String>) {
        let res = req.dispatch();
        let acao = res
            .headers()
            .get_one("access-control-allow-origin")
            .map(str::to_owned);
        (res.status().code, acao)
    }

    /// Launches `config`'s application and checks what it answers on `path` (and whose policy
    /// answers, for ours).
    pub(crate) fn client(config: Config, path: Path) -> Client {
        let client = Client::tracked(config.rocket()).expect("the benchmark application launches");
        let name = format!("rocket {} {}", config.name(), path.name());
        let (status, acao) = answer(request(&client, path, ORIGIN));
        check(&name, status, acao.as_deref(), config.expect(path));
        if let Some(answered) = config.route_policy() {
            let (_, acao) = answer(request(&client, path, ROUTE_ONLY_ORIGIN));
            check_route_policy(&name, acao.as_deref(), answered);
        }
        client
    }
}

pub(crate) mod axum_apps {
    //! The axum applications, each built by [`with_app`], checked, and handed to a [`Visit`]
    //! that measures it. Requests are served as `axum::serve` does: a clone of the service per
    //! request, `poll_ready`, `call`.

    use super::*;

    use std::convert::Infallible;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use axum::body::{Body, Bytes};
    use axum::http::header::{self, HeaderValue};
    use axum::http::{Method, Request, Response};
    use axum::routing::get;
    use axum::Router;
    use cors_axum::{policy, CorsRouteExt, CorsRouterExt};
    use tower::{Layer, Service, ServiceExt};

    /// The configurations measured.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub(crate) enum Config {
        /// No CORS at all.
        NoCors,
        /// The floor around the whole `Router`, answering preflights before routing.
        Floor,
        /// The floor around the whole `Router` in the shape of ours: preflights go through
        /// routing (to axum's 405 here), and the floor answers them when they come back.
        FloorForward,
        /// The floor in two layers, one around the `Router` that writes its headers on every
        /// response and one on the route (`MethodRouter::layer`) that answers preflights: the
        /// shape of a route policy under a default one.
        FloorNested,
        /// tower-http's `CorsLayer` given to `Router::layer`, as its documentation and axum's
        /// examples write it: it wraps each route and the fallback.
        TowerHttp,
        /// tower-http's `CorsLayer` around the whole `Router` (`ServiceBuilder`), answering
        /// preflights before routing.
        TowerHttpOutside,
        /// Our default policy: `router.with_cors(cors)`.
        OursDefault,
        /// Our route policy (`.cors(&ROUTE)`) under our default policy.
        OursRoute,
    }

    impl Config {
        pub(crate) const ALL: [Config; 8] = [
            Config::NoCors,
            Config::Floor,
            Config::FloorForward,
            Config::FloorNested,
            Config::TowerHttp,
            Config::TowerHttpOutside,
            Config::OursDefault,
            Config::OursRoute,
        ];

        pub(crate) fn name(self) -> &'static str {
            match self {
                Config::NoCors => "no_cors",
                Config::Floor => "floor",
                Config::FloorForward => "floor_forward",
                Config::FloorNested => "floor_nested",
                Config::TowerHttp => "tower_http",
                Config::TowerHttpOutside => "tower_http_outside",
                Config::OursDefault => "cors_axum_default",
                Config::OursRoute => "cors_axum_route",
            }
        }

        /// What it answers on `path`.
        fn expect(self, path: Path) -> Expect {
            match (self, path) {
                (Config::NoCors, Path::Actual) => NO_HEADERS,
                // axum's 405: `/x` routes GET and PUT only.
                (Config::NoCors, Path::Preflight) => Expect {
                    status: 405,
                    allow_origin: None,
                },
                // tower-http answers an allowed preflight with 200.
                (_, Path::Actual) | (Config::TowerHttp | Config::TowerHttpOutside, _) => ALLOWED,
                (_, Path::Preflight) => ALLOWED_PREFLIGHT,
            }
        }

        fn route_policy(self) -> Option<bool> {
            match self {
                Config::OursRoute => Some(true),
                Config::OursDefault => Some(false),
                _ => None,
            }
        }
    }

    policy! {
        /// The default policy, plus one origin that only the route answers for.
        ROUTE = {
            origins = ["https://app.example.re", "https://route.example.re"],
            methods = [GET, POST, PUT],
            headers = ["content-type"],
        };
    }

    async fn plain_get() -> &'static str {
        "hello"
    }

    async fn plain_put() -> &'static str {
        "stored"
    }

    fn router() -> Router {
        Router::new().route("/x", get(plain_get).put(plain_put))
    }

    /// A header value as hyper's decoder makes it: a slice of the buffer the request was read
    /// into, so that a layer keeping a copy counts a reference.
    fn wire(value: &str) -> HeaderValue {
        let read = Bytes::from(value.as_bytes().to_vec());
        HeaderValue::from_maybe_shared(read.slice(..)).expect("a valid header value")
    }

    fn actual(origin: &str) -> Request<Body> {
        Request::get("/x")
            .header(header::ORIGIN, wire(origin))
            .body(Body::empty())
            .expect("a valid request")
    }

    fn preflight(origin: &str) -> Request<Body> {
        Request::options("/x")
            .header(header::ORIGIN, wire(origin))
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, wire("PUT"))
            .header(header::ACCESS_CONTROL_REQUEST_HEADERS, wire("content-type"))
            .body(Body::empty())
            .expect("a valid request")
    }

    /// The floor: a tower layer like ours that answers `OPTIONS` with 204 and writes the same
    /// headers on other responses, all fixed values, deciding nothing.
    mod floor {
        use std::future::Future;
        use std::pin::Pin;
        use std::task::{ready, Context, Poll};

        use axum::http::header::{self, HeaderValue};
        use axum::http::{Method, Request, Response, StatusCode};
        use tower::{Layer, Service};

        /// What the floor does with a preflight (any `OPTIONS`: it decides nothing).
        #[derive(Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Floor {
            /// Answers it without calling the inner service.
            Alone,
            /// Sends it on and turns whatever comes back into the answer.
            Forward,
            /// Sends it on and writes the actual request's headers on what comes back, as on
            /// every response: the outer of two floors.
            Outer,
        }

        impl<S> Layer<S> for Floor {
            type Service = FloorService<S>;

            fn layer(&self, inner: S) -> FloorService<S> {
                FloorService(inner, *self)
            }
        }

        #[derive(Clone)]
        pub(crate) struct FloorService<S>(S, Floor);

        const ORIGIN: HeaderValue = HeaderValue::from_static(super::ORIGIN);

        impl<S, B, R> Service<Request<B>> for FloorService<S>
        where
            S: Service<Request<B>, Response = Response<R>>,
            R: Default,
        {
            type Response = Response<R>;
            type Error = S::Error;
            type Future = FloorFuture<S::Future>;

            fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
                self.0.poll_ready(cx)
            }

            fn call(&mut self, req: Request<B>) -> Self::Future {
                let preflight = req.method() == Method::OPTIONS && self.1 != Floor::Outer;
                if preflight && self.1 == Floor::Alone {
                    return FloorFuture::Answered;
                }
                FloorFuture::Forwarded {
                    inner: self.0.call(req),
                    preflight,
                }
            }
        }

        pin_project_lite::pin_project! {
            #[project = FloorProj]
            pub(crate) enum FloorFuture<F> {
                Answered,
                Forwarded { #[pin] inner: F, preflight: bool },
            }
        }

        impl<F, R, E> Future for FloorFuture<F>
        where
            F: Future<Output = Result<Response<R>, E>>,
            R: Default,
        {
            type Output = Result<Response<R>, E>;

            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                match self.project() {
                    FloorProj::Answered => Poll::Ready(Ok(answer(Response::new(R::default())))),
                    FloorProj::Forwarded { inner, preflight } => {
                        let mut res = ready!(inner.poll(cx))?;
                        if *preflight {
                            *res.body_mut() = R::default();
                            return Poll::Ready(Ok(answer(res)));
                        }
                        let headers = res.headers_mut();
                        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, ORIGIN);
                        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
                        Poll::Ready(Ok(res))
                    }
                }
            }
        }

        /// `res` as the answer to a preflight: 204 and the fixed headers.
        fn answer<R>(mut res: Response<R>) -> Response<R> {
            *res.status_mut() = StatusCode::NO_CONTENT;
            let headers = res.headers_mut();
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, ORIGIN);
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("PUT"),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("content-type"),
            );
            headers.insert(
                header::VARY,
                HeaderValue::from_static(
                    "Origin, Access-Control-Request-Method, \
                                 Access-Control-Request-Headers",
                ),
            );
            res
        }
    }

    fn tower_http() -> tower_http::cors::CorsLayer {
        use tower_http::cors::{AllowOrigin, CorsLayer};
        CorsLayer::new()
            .allow_origin(AllowOrigin::list([HeaderValue::from_static(ORIGIN)]))
            .allow_methods([Method::GET, Method::POST, Method::PUT])
            .allow_headers([header::CONTENT_TYPE])
    }

    /// Serves one request as `axum::serve` does (a clone of the service, `poll_ready`, `call`)
    /// and polls the response future once: every application here answers without waiting.
    pub(crate) fn serve<S>(srv: &S, req: Request<Body>) -> Response<Body>
    where
        S: Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone,
    {
        let mut cx = Context::from_waker(Waker::noop());
        match pin!(srv.clone().oneshot(req)).poll(&mut cx) {
            Poll::Ready(Ok(res)) => Some(res),
            Poll::Ready(Err(never)) => match never {},
            Poll::Pending => None,
        }
        .expect("the benchmark's applications answer without waiting")
    }

    /// What measures one checked application: the service and the function that makes the
    /// measured request from an origin.
    pub(crate) trait Visit {
        type Output;

        fn visit<S>(self, srv: S, make: fn(&str) -> Request<Body>) -> Self::Output
        where
            S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>
                + Clone
                + 'static;
    }

    /// Builds `config`'s application, checks what it answers on `path` (and whose policy
    /// answers, for ours), then hands it to `visit`.
    pub(crate) fn with_app<V: Visit>(config: Config, path: Path, visit: V) -> V::Output {
        let make: fn(&str) -> Request<Body> = match path {
            Path::Actual => actual,
            Path::Preflight => preflight,
        };
        let name = format!("axum {} {}", config.name(), path.name());
        let acao = |res: &Response<Body>| {
            res.headers()
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .map(|v| v.to_str().expect("a visible ASCII header value").to_owned())
        };
        // Each arm has a service type of its own: the visit is monomorphised for each.
        macro_rules! visit {
            ($app:expr) => {{
                let srv = $app;
                let res = serve(&srv, make(ORIGIN));
                check(
                    &name,
                    res.status().as_u16(),
                    acao(&res).as_deref(),
                    config.expect(path),
                );
                if let Some(answered) = config.route_policy() {
                    let res = serve(&srv, make(ROUTE_ONLY_ORIGIN));
                    check_route_policy(&name, acao(&res).as_deref(), answered);
                }
                visit.visit(srv, make)
            }};
        }
        let default = || cors_axum::Cors::new(default_policy());
        match config {
            Config::NoCors => visit!(router()),
            Config::Floor => visit!(floor::Floor::Alone.layer(router())),
            Config::FloorForward => visit!(floor::Floor::Forward.layer(router())),
            Config::FloorNested => visit!(floor::Floor::Outer.layer(Router::new().route(
                "/x",
                get(plain_get).put(plain_put).layer(floor::Floor::Alone)
            ))),
            Config::TowerHttp => visit!(router().layer(tower_http())),
            Config::TowerHttpOutside => visit!(tower_http().layer(router())),
            Config::OursDefault => visit!(router().with_cors(default())),
            Config::OursRoute => visit!(Router::new()
                .route("/x", get(plain_get).put(plain_put).cors(&ROUTE))
                .with_cors(default())),
        }
    }
}
