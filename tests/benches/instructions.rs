//! Instructions per request under Valgrind's Callgrind (with `gungraun`): the same applications
//! as the time benchmark `adapters.rs` and the same decisions as `decide.rs` (their set-up is in
//! `common/`), counted instead of timed, so that ratios inside one run do not move with the
//! machine's load. `cargo xtask bench-gate` runs it, reads the counts and checks the goals.
//!
//! What is counted is one request, and only it: each benchmark's set-up (outside the counted
//! function) builds the application, checks what it answers, sends it a few warm-up requests
//! (so that nothing done once, such as a first allocation or a log call site's registration,
//! lands in the count) and builds the request. The counted function dispatches that request and
//! drops the response, as a server does; the application is never dropped.
//!
//! ```text
//! cargo xtask bench-gate          # installs valgrind and gungraun-runner, runs, checks
//! cargo bench -p cors-tests --bench instructions   # with both already installed
//! ```
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use gungraun::{library_benchmark, library_benchmark_group, main};

#[path = "common/adapters.rs"]
mod apps;
#[path = "common/core.rs"]
mod core_setup;

use apps::{Path, ORIGIN};

/// Requests sent before the counted one.
const WARM_UP: usize = 3;

mod actix {
    use super::*;

    use actix_web::body::MessageBody;
    use actix_web::dev::{Service, ServiceResponse};
    use actix_web::rt::{System, SystemRunner};
    use actix_web::test;
    use apps::actix::{with_app, Config, Visit};

    /// The counted request, ready to go: it dispatches the request through the application and
    /// drops the response. The application lives as long as the process.
    pub(crate) type Request = &'static mut dyn FnMut();

    struct Prepare(&'static SystemRunner);

    impl Visit for Prepare {
        type Output = Request;

        fn visit<S, B, R>(self, sys: &SystemRunner, srv: S, make: fn(&str) -> R) -> Request
        where
            S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
            B: MessageBody,
            R: 'static,
        {
            for _ in 0..WARM_UP {
                drop(sys.block_on(test::call_service(&srv, make(ORIGIN))));
            }
            let sys = self.0;
            let mut req = Some(make(ORIGIN));
            Box::leak(Box::new(move || {
                if let Some(req) = req.take() {
                    drop(black_box(sys.block_on(test::call_service(&srv, req))));
                }
            }))
        }
    }

    pub(crate) fn prepare(config: Config, path: Path) -> Request {
        let sys: &'static SystemRunner = Box::leak(Box::new(System::new()));
        with_app(sys, config, path, Prepare(sys))
    }
}

mod rocket_apps {
    use super::*;

    use apps::rocket_apps::{client, request, Config};
    use rocket::local::blocking::{Client, LocalRequest};

    pub(crate) fn prepare(config: Config, path: Path) -> LocalRequest<'static> {
        let client: &'static Client = Box::leak(Box::new(client(config, path)));
        for _ in 0..WARM_UP {
            drop(request(client, path, ORIGIN).dispatch());
        }
        request(client, path, ORIGIN)
    }
}

mod axum_apps {
    use super::*;

    use std::convert::Infallible;

    use apps::axum_apps::{serve, with_app, Config, Visit};
    use axum::body::Body;
    use axum::http::{Request, Response};
    use tower::Service;

    /// The counted request, ready to go: it serves the request and drops the response. The
    /// application lives as long as the process.
    pub(crate) type Counted = &'static mut dyn FnMut();

    struct Prepare;

    impl Visit for Prepare {
        type Output = Counted;

        fn visit<S>(self, srv: S, make: fn(&str) -> Request<Body>) -> Counted
        where
            S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>
                + Clone
                + 'static,
        {
            for _ in 0..WARM_UP {
                drop(serve(&srv, make(ORIGIN)));
            }
            let mut req = Some(make(ORIGIN));
            Box::leak(Box::new(move || {
                if let Some(req) = req.take() {
                    drop(black_box(serve(&srv, req)));
                }
            }))
        }
    }

    pub(crate) fn prepare(config: Config, path: Path) -> Counted {
        with_app(config, path, Prepare)
    }
}

mod core_inputs {
    use super::*;

    use core_setup::{over_set, policy, requests, set_requests, write_requests};
    use cors_shared::{OriginSet, Policy, RequestView, WriteProtection};

    pub(crate) type Input = (&'static Policy, RequestView<'static>);
    pub(crate) type ProtectInput = (
        &'static Policy,
        RequestView<'static>,
        &'static WriteProtection,
    );

    fn find<const N: usize>(
        paths: [(&'static str, RequestView<'static>); N],
        name: &str,
    ) -> RequestView<'static> {
        paths
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, req)| req)
            .expect("a path of the core set-up")
    }

    /// A fixed allowlist of `origins` origins, and the request of path `name`.
    pub(crate) fn allowlist(origins: usize, name: &str) -> Input {
        let policy = Box::leak(Box::new(policy(origins)));
        (policy, warm(policy, find(requests(), name)))
    }

    /// A runtime set of `entries` entries, and the request of path `name`.
    pub(crate) fn set(entries: usize, name: &str) -> Input {
        static SET: OriginSet = OriginSet::new("BENCH");
        let policy = Box::leak(Box::new(over_set(&SET, entries)));
        (policy, warm(policy, find(set_requests(), name)))
    }

    /// A fixed allowlist of 10 origins, the write of path `name`, and the application's write
    /// protection on or off (the policy leaves it to the application).
    pub(crate) fn write(name: &str, on: bool) -> ProtectInput {
        static ON: WriteProtection = WriteProtection::on();
        static OFF: WriteProtection = WriteProtection::off();
        let policy: &Policy = Box::leak(Box::new(policy(10)));
        let protection = if on { &ON } else { &OFF };
        let req = find(write_requests(), name);
        for _ in 0..WARM_UP {
            black_box(policy.decide_with(&req, protection).headers().allow_origin);
        }
        (policy, req, protection)
    }

    fn warm(policy: &Policy, req: RequestView<'static>) -> RequestView<'static> {
        for _ in 0..WARM_UP {
            black_box(policy.decide(&req).headers().allow_origin);
        }
        req
    }
}

use apps::actix::Config as A;
use apps::rocket_apps::Config as R;

#[library_benchmark]
#[bench::no_cors(args = (A::NoCors, Path::Actual), setup = actix::prepare)]
#[bench::floor(args = (A::Floor, Path::Actual), setup = actix::prepare)]
#[bench::actix_cors(args = (A::ActixCors, Path::Actual), setup = actix::prepare)]
#[bench::floor_route(args = (A::FloorRoute, Path::Actual), setup = actix::prepare)]
#[bench::floor_nested(args = (A::FloorNested, Path::Actual), setup = actix::prepare)]
#[bench::actix_cors_route(args = (A::ActixCorsRoute, Path::Actual), setup = actix::prepare)]
#[bench::ours_route_only(args = (A::OursRouteOnly, Path::Actual), setup = actix::prepare)]
#[bench::ours_default(args = (A::OursDefault, Path::Actual), setup = actix::prepare)]
#[bench::ours_route(args = (A::OursRoute, Path::Actual), setup = actix::prepare)]
fn actix_actual(req: actix::Request) {
    req()
}

#[library_benchmark]
#[bench::no_cors(args = (A::NoCors, Path::Preflight), setup = actix::prepare)]
#[bench::floor(args = (A::Floor, Path::Preflight), setup = actix::prepare)]
#[bench::actix_cors(args = (A::ActixCors, Path::Preflight), setup = actix::prepare)]
#[bench::floor_route(args = (A::FloorRoute, Path::Preflight), setup = actix::prepare)]
#[bench::floor_nested(args = (A::FloorNested, Path::Preflight), setup = actix::prepare)]
#[bench::actix_cors_route(args = (A::ActixCorsRoute, Path::Preflight), setup = actix::prepare)]
#[bench::ours_route_only(args = (A::OursRouteOnly, Path::Preflight), setup = actix::prepare)]
#[bench::ours_default(args = (A::OursDefault, Path::Preflight), setup = actix::prepare)]
#[bench::ours_route(args = (A::OursRoute, Path::Preflight), setup = actix::prepare)]
fn actix_preflight(req: actix::Request) {
    req()
}

#[library_benchmark]
#[bench::no_cors(args = (R::NoCors, Path::Actual), setup = rocket_apps::prepare)]
#[bench::floor(args = (R::Floor, Path::Actual), setup = rocket_apps::prepare)]
#[bench::rocket_cors(args = (R::RocketCors, Path::Actual), setup = rocket_apps::prepare)]
#[bench::ours_default(args = (R::OursDefault, Path::Actual), setup = rocket_apps::prepare)]
#[bench::ours_route(args = (R::OursRoute, Path::Actual), setup = rocket_apps::prepare)]
fn rocket_actual(req: rocket::local::blocking::LocalRequest<'static>) {
    drop(black_box(req.dispatch()))
}

#[library_benchmark]
#[bench::no_cors(args = (R::NoCors, Path::Preflight), setup = rocket_apps::prepare)]
#[bench::floor(args = (R::Floor, Path::Preflight), setup = rocket_apps::prepare)]
#[bench::rocket_cors(args = (R::RocketCors, Path::Preflight), setup = rocket_apps::prepare)]
#[bench::ours_default(args = (R::OursDefault, Path::Preflight), setup = rocket_apps::prepare)]
#[bench::ours_route(args = (R::OursRoute, Path::Preflight), setup = rocket_apps::prepare)]
fn rocket_preflight(req: rocket::local::blocking::LocalRequest<'static>) {
    drop(black_box(req.dispatch()))
}

use apps::axum_apps::Config as X;

#[library_benchmark]
#[bench::no_cors(args = (X::NoCors, Path::Actual), setup = axum_apps::prepare)]
#[bench::floor(args = (X::Floor, Path::Actual), setup = axum_apps::prepare)]
#[bench::floor_forward(args = (X::FloorForward, Path::Actual), setup = axum_apps::prepare)]
#[bench::floor_nested(args = (X::FloorNested, Path::Actual), setup = axum_apps::prepare)]
#[bench::tower_http(args = (X::TowerHttp, Path::Actual), setup = axum_apps::prepare)]
#[bench::tower_http_outside(args = (X::TowerHttpOutside, Path::Actual), setup = axum_apps::prepare)]
#[bench::ours_default(args = (X::OursDefault, Path::Actual), setup = axum_apps::prepare)]
#[bench::ours_route(args = (X::OursRoute, Path::Actual), setup = axum_apps::prepare)]
fn axum_actual(req: axum_apps::Counted) {
    req()
}

#[library_benchmark]
#[bench::no_cors(args = (X::NoCors, Path::Preflight), setup = axum_apps::prepare)]
#[bench::floor(args = (X::Floor, Path::Preflight), setup = axum_apps::prepare)]
#[bench::floor_forward(args = (X::FloorForward, Path::Preflight), setup = axum_apps::prepare)]
#[bench::floor_nested(args = (X::FloorNested, Path::Preflight), setup = axum_apps::prepare)]
#[bench::tower_http(args = (X::TowerHttp, Path::Preflight), setup = axum_apps::prepare)]
#[bench::tower_http_outside(args = (X::TowerHttpOutside, Path::Preflight), setup = axum_apps::prepare)]
#[bench::ours_default(args = (X::OursDefault, Path::Preflight), setup = axum_apps::prepare)]
#[bench::ours_route(args = (X::OursRoute, Path::Preflight), setup = axum_apps::prepare)]
fn axum_preflight(req: axum_apps::Counted) {
    req()
}

#[library_benchmark]
#[bench::no_origin_10(args = (10, "no_origin"), setup = core_inputs::allowlist)]
#[bench::no_origin_10000(args = (10_000, "no_origin"), setup = core_inputs::allowlist)]
#[bench::actual_allowed_10(args = (10, "actual_allowed"), setup = core_inputs::allowlist)]
#[bench::actual_allowed_10000(args = (10_000, "actual_allowed"), setup = core_inputs::allowlist)]
#[bench::actual_refused_10(args = (10, "actual_refused"), setup = core_inputs::allowlist)]
#[bench::actual_refused_10000(args = (10_000, "actual_refused"), setup = core_inputs::allowlist)]
#[bench::subdomain_allowed_10(args = (10, "subdomain_allowed"), setup = core_inputs::allowlist)]
#[bench::subdomain_allowed_10000(args = (10_000, "subdomain_allowed"), setup = core_inputs::allowlist)]
#[bench::preflight_allowed_10(args = (10, "preflight_allowed"), setup = core_inputs::allowlist)]
#[bench::preflight_allowed_10000(args = (10_000, "preflight_allowed"), setup = core_inputs::allowlist)]
#[bench::set_exact_10(args = (10, "set_exact"), setup = core_inputs::set)]
#[bench::set_exact_100000(args = (100_000, "set_exact"), setup = core_inputs::set)]
#[bench::set_pattern_10(args = (10, "set_pattern"), setup = core_inputs::set)]
#[bench::set_pattern_100000(args = (100_000, "set_pattern"), setup = core_inputs::set)]
fn decide((policy, req): core_inputs::Input) -> Option<&'static str> {
    black_box(policy.decide(black_box(&req)))
        .headers()
        .allow_origin
}

#[library_benchmark]
#[bench::allowed_off(args = ("write_allowed", false), setup = core_inputs::write)]
#[bench::allowed_on(args = ("write_allowed", true), setup = core_inputs::write)]
#[bench::refused_off(args = ("write_refused", false), setup = core_inputs::write)]
#[bench::refused_on(args = ("write_refused", true), setup = core_inputs::write)]
fn protect((policy, req, protection): core_inputs::ProtectInput) -> Option<&'static str> {
    black_box(policy.decide_with(black_box(&req), protection))
        .headers()
        .allow_origin
}

library_benchmark_group!(
    name = actix_group,
    benchmarks = [actix_actual, actix_preflight]
);
library_benchmark_group!(
    name = rocket_group,
    benchmarks = [rocket_actual, rocket_preflight]
);
library_benchmark_group!(
    name = axum_group,
    benchmarks = [axum_actual, axum_preflight]
);
library_benchmark_group!(name = core_group, benchmarks = [decide, protect]);

main!(
    library_benchmark_groups = actix_group,
    rocket_group,
    axum_group,
    core_group
);
