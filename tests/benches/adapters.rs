//! What CORS costs per request in each adapter, in process (no sockets), as ratios inside one
//! run: the same application with no CORS at all, with a floor (a minimal layer of the same
//! shape as ours that writes the same headers as fixed values, deciding nothing), with the crate
//! users would otherwise reach for (actix-cors, rocket_cors), with our default policy, and with
//! a route policy (`#[cors]`) under the default one, as an application would have it. Actix also
//! has the route-level shape of each: the floor and actix-cors wrapping the one resource, and
//! our route policy without a default layer; and the floor in two layers, one on the
//! application and one on the resource, the shape of a route policy under a default one.
//!
//! Every application serves `GET /x` and `PUT /x` with a short body. Every CORS configuration
//! allows `https://app.example.re`, the methods GET, POST and PUT, and the request header
//! `content-type`, so both the actual request and the preflight (`OPTIONS /x` asking for PUT
//! with `content-type`) take the allowed path. Before anything is measured, each configuration
//! is checked once: status and `Access-Control-Allow-Origin` exactly as expected, and for the
//! route configurations, an origin that only the route policy allows, proving that the route
//! policy and not the default one answers.
//!
//! ```text
//! cargo bench -p cors-tests --bench adapters -- --warm-up-time 1 --measurement-time 3
//! ```
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkGroup, Criterion};

/// The origin every CORS configuration allows; the measured requests come from it.
const ORIGIN: &str = "https://app.example.re";
/// An origin that only the route policies allow: sent once during set-up, never measured.
const ROUTE_ONLY_ORIGIN: &str = "https://route.example.re";

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

/// The answer of an application without CORS to an actual request.
const NO_HEADERS: Expect = Expect {
    status: 200,
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

mod actix {
    use super::*;

    use actix_web::body::MessageBody;
    use actix_web::dev::{Service, ServiceResponse};
    use actix_web::http::header::{self, HeaderValue};
    use actix_web::http::Method;
    use actix_web::rt::{System, SystemRunner};
    use actix_web::test::{self, TestRequest};
    use actix_web::web::Bytes;
    use actix_web::{get, put, web, App, HttpResponse};
    use cors_actix::{cors, policy};

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

        pub(super) struct Floor {
            answers_preflights: bool,
        }

        impl Floor {
            /// One layer alone: answers preflights itself.
            pub(super) const ALONE: Floor = Floor {
                answers_preflights: true,
            };
            /// The outer of two layers: forwards preflights to the inner one.
            pub(super) const OUTER: Floor = Floor {
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

        pub(super) struct FloorService<S> {
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
            pub(super) enum FloorFuture<F, B> {
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
            .map(|v| v.to_str().unwrap().to_owned());
        (res.status().as_u16(), acao)
    }

    /// Checks the configuration once, then measures one request per iteration (the request is
    /// built outside the timed part).
    fn measure<S, B, R>(
        g: &mut BenchmarkGroup<'_, WallTime>,
        sys: &SystemRunner,
        name: &str,
        srv: &S,
        make: impl Fn(&str) -> R,
        expect: Expect,
    ) where
        S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        let (status, acao) = answer(sys, srv, make(ORIGIN));
        check(&format!("actix {name}"), status, acao.as_deref(), expect);
        g.bench_function(name, |b| {
            b.iter_batched(
                || make(ORIGIN),
                |req| black_box(sys.block_on(test::call_service(srv, req))),
                BatchSize::SmallInput,
            )
        });
    }

    /// The route configurations answer `ROUTE_ONLY_ORIGIN` (their route policy covers `/x`);
    /// the default-only one does not.
    fn check_route_policy<S, B, R>(
        sys: &SystemRunner,
        name: &str,
        srv: &S,
        make: impl Fn(&str) -> R,
        answered: bool,
    ) where
        S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        let (_, acao) = answer(sys, srv, make(ROUTE_ONLY_ORIGIN));
        assert_eq!(
            acao.as_deref(),
            answered.then_some(ROUTE_ONLY_ORIGIN),
            "actix {name}: the route policy should {}answer for {ROUTE_ONLY_ORIGIN}",
            if answered { "" } else { "not " }
        );
    }

    fn group(
        c: &mut Criterion,
        name: &str,
        request: fn(&str) -> TestRequest,
        no_cors: Expect,
        actix_cors_expect: Expect,
        ours: Expect,
    ) {
        let make = |origin: &str| request(origin).to_request();
        let sys = System::new();
        let mut g = c.benchmark_group(name);

        let srv = sys.block_on(test::init_service(
            App::new().service(plain_get).service(plain_put),
        ));
        measure(&mut g, &sys, "no_cors", &srv, make, no_cors);

        let srv = sys.block_on(test::init_service(
            App::new()
                .wrap(floor::Floor::ALONE)
                .service(plain_get)
                .service(plain_put),
        ));
        measure(&mut g, &sys, "floor", &srv, make, ours);

        let srv = sys.block_on(test::init_service(
            App::new()
                .wrap(actix_cors())
                .service(plain_get)
                .service(plain_put),
        ));
        measure(&mut g, &sys, "actix_cors", &srv, make, actix_cors_expect);

        // One layer on the resource alone, as a route's own CORS: the floor, and actix-cors
        // (which must wrap a resource that routes every method, so that preflights reach it).
        let srv = sys.block_on(test::init_service(
            App::new().service(resource().wrap(floor::Floor::ALONE)),
        ));
        measure(&mut g, &sys, "floor_route", &srv, make, ours);

        // Two layers, as a route policy under a default one: the floor's outer layer forwards
        // everything, the inner one on the resource answers preflights.
        let srv = sys.block_on(test::init_service(
            App::new()
                .wrap(floor::Floor::OUTER)
                .service(resource().wrap(floor::Floor::ALONE)),
        ));
        measure(&mut g, &sys, "floor_nested", &srv, make, ours);

        let srv = sys.block_on(test::init_service(
            App::new().service(resource().wrap(actix_cors())),
        ));
        measure(
            &mut g,
            &sys,
            "actix_cors_route",
            &srv,
            make,
            actix_cors_expect,
        );

        let srv = sys.block_on(test::init_service(
            App::new().service(route_get).service(route_put),
        ));
        check_route_policy(&sys, "cors_actix_route_only", &srv, make, true);
        measure(&mut g, &sys, "cors_actix_route_only", &srv, make, ours);

        let srv = sys.block_on(test::init_service(
            App::new()
                .wrap(cors_actix::Cors::new(default_policy()))
                .service(plain_get)
                .service(plain_put),
        ));
        check_route_policy(&sys, "cors_actix_default", &srv, make, false);
        measure(&mut g, &sys, "cors_actix_default", &srv, make, ours);

        let srv = sys.block_on(test::init_service(
            App::new()
                .wrap(cors_actix::Cors::new(default_policy()))
                .service(route_get)
                .service(route_put),
        ));
        check_route_policy(&sys, "cors_actix_route", &srv, make, true);
        measure(&mut g, &sys, "cors_actix_route", &srv, make, ours);

        g.finish();
    }

    pub(super) fn bench(c: &mut Criterion) {
        group(
            c,
            "actix/actual_allowed",
            actual,
            NO_HEADERS,
            ALLOWED,
            ALLOWED,
        );
        group(
            c,
            "actix/preflight",
            preflight,
            // No route serves OPTIONS /x: Actix's own 404, the floor of the group.
            Expect {
                status: 404,
                allow_origin: None,
            },
            // actix-cors answers an allowed preflight with 200.
            ALLOWED,
            Expect {
                status: 204,
                allow_origin: Some(ORIGIN),
            },
        );
    }
}

mod rocket_apps {
    use super::*;

    use cors_rocket::{cors, policy};
    use rocket::config::LogLevel;
    use rocket::http::{Header, Method};
    use rocket::local::blocking::{Client, LocalRequest};
    use rocket::{get, put, routes, Build, Config, Rocket};
    use rocket_cors::{AllowedHeaders, AllowedOrigins, CorsOptions};

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

    fn rocket() -> Rocket<Build> {
        rocket::custom(Config {
            log_level: LogLevel::Off,
            ..Config::debug_default()
        })
    }

    fn actual<'c>(client: &'c Client, origin: &str) -> LocalRequest<'c> {
        client
            .get("/x")
            .header(Header::new("Origin", origin.to_owned()))
    }

    fn preflight<'c>(client: &'c Client, origin: &str) -> LocalRequest<'c> {
        client
            .req(Method::Options, "/x")
            .header(Header::new("Origin", origin.to_owned()))
            .header(Header::new("Access-Control-Request-Method", "PUT"))
            .header(Header::new(
                "Access-Control-Request-Headers",
                "content-type",
            ))
    }

    type Make = for<'c> fn(&'c Client, &str) -> LocalRequest<'c>;

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

    /// Checks the configuration once, then measures one dispatch per iteration (the request is
    /// built outside the timed part).
    fn measure(
        g: &mut BenchmarkGroup<'_, WallTime>,
        name: &str,
        rocket: Rocket<Build>,
        make: Make,
        expect: Expect,
        route_policy: Option<bool>,
    ) {
        let client = Client::tracked(rocket).expect("the benchmark application launches");
        let (status, acao) = answer(make(&client, ORIGIN));
        check(&format!("rocket {name}"), status, acao.as_deref(), expect);
        if let Some(answered) = route_policy {
            let (_, acao) = answer(make(&client, ROUTE_ONLY_ORIGIN));
            assert_eq!(
                acao.as_deref(),
                answered.then_some(ROUTE_ONLY_ORIGIN),
                "rocket {name}: the route policy should {}answer for {ROUTE_ONLY_ORIGIN}",
                if answered { "" } else { "not " }
            );
        }
        g.bench_function(name, |b| {
            b.iter_batched(
                || make(&client, ORIGIN),
                |req| black_box(req.dispatch()),
                BatchSize::SmallInput,
            )
        });
    }

    fn group(
        c: &mut Criterion,
        name: &str,
        make: Make,
        no_cors: Expect,
        rocket_cors_expect: Expect,
        ours: Expect,
    ) {
        let mut g = c.benchmark_group(name);
        let plain = || rocket().mount("/", routes![plain_get, plain_put]);
        measure(&mut g, "no_cors", plain(), make, no_cors, None);
        measure(&mut g, "floor", floor(plain()), make, ours, None);
        measure(
            &mut g,
            "rocket_cors",
            plain().attach(rocket_cors()),
            make,
            rocket_cors_expect,
            None,
        );
        measure(
            &mut g,
            "cors_rocket_default",
            plain().attach(cors_rocket::Cors::new(default_policy())),
            make,
            ours,
            Some(false),
        );
        measure(
            &mut g,
            "cors_rocket_route",
            rocket()
                .mount("/", routes![route_get, route_put])
                .attach(cors_rocket::Cors::new(default_policy())),
            make,
            ours,
            Some(true),
        );
        g.finish();
    }

    pub(super) fn bench(c: &mut Criterion) {
        group(
            c,
            "rocket/actual_allowed",
            actual,
            NO_HEADERS,
            ALLOWED,
            ALLOWED,
        );
        let allowed_preflight = Expect {
            status: 204,
            allow_origin: Some(ORIGIN),
        };
        group(
            c,
            "rocket/preflight",
            preflight,
            // No route serves OPTIONS /x: Rocket's 404 catcher, the floor of the group.
            Expect {
                status: 404,
                allow_origin: None,
            },
            allowed_preflight,
            allowed_preflight,
        );
    }
}

criterion_group!(benches, actix::bench, rocket_apps::bench);
criterion_main!(benches);
