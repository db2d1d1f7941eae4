//! What CORS costs per request in each adapter, in process (no sockets), as ratios inside one
//! run: the same application with no CORS at all, with a floor (a minimal layer of the same
//! shape as ours that writes the same headers as fixed values, deciding nothing), with the crate
//! users would otherwise reach for (actix-cors, rocket_cors), with our default policy, and with
//! a route policy (`#[cors]`) under the default one, as an application would have it. Actix also
//! has the route-level shape of each: the floor and actix-cors wrapping the one resource, and
//! our route policy without a default layer; and the floor in two layers, one on the
//! application and one on the resource, the shape of a route policy under a default one.
//! axum compares with tower-http's `CorsLayer` (given to `Router::layer`, and around the whole
//! `Router`), and has a floor answering preflights before routing, one routing them first as
//! our default layer must, and the two-layer floor.
//!
//! The applications and their checks are in `common/adapters.rs`, shared with the instruction
//! benchmark (`instructions.rs`).
//!
//! ```text
//! cargo bench -p cors-tests --bench adapters -- --warm-up-time 1 --measurement-time 3
//! ```
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

#[path = "common/adapters.rs"]
mod apps;
use apps::{Path, ORIGIN};

mod actix {
    use super::*;

    use actix_web::body::MessageBody;
    use actix_web::dev::{Service, ServiceResponse};
    use actix_web::rt::{System, SystemRunner};
    use actix_web::test;
    use apps::actix::{with_app, Config, Visit};
    use criterion::measurement::WallTime;
    use criterion::BenchmarkGroup;

    /// Measures one request per iteration (the request is built outside the timed part).
    struct Measure<'g, 'c> {
        g: &'g mut BenchmarkGroup<'c, WallTime>,
        name: &'static str,
    }

    impl Visit for Measure<'_, '_> {
        type Output = ();

        fn visit<S, B, R>(self, sys: &SystemRunner, srv: S, make: fn(&str) -> R)
        where
            S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
            B: MessageBody,
            R: 'static,
        {
            self.g.bench_function(self.name, |b| {
                b.iter_batched(
                    || make(ORIGIN),
                    |req| black_box(sys.block_on(test::call_service(&srv, req))),
                    BatchSize::SmallInput,
                )
            });
        }
    }

    pub(super) fn bench(c: &mut Criterion) {
        for path in Path::ALL {
            let sys = System::new();
            let mut g = c.benchmark_group(format!("actix/{}", path.name()));
            for config in Config::ALL {
                let name = config.name();
                with_app(&sys, config, path, Measure { g: &mut g, name });
            }
            g.finish();
        }
    }
}

mod rocket_apps {
    use super::*;

    use apps::rocket_apps::{client, request, Config};

    pub(super) fn bench(c: &mut Criterion) {
        for path in Path::ALL {
            let mut g = c.benchmark_group(format!("rocket/{}", path.name()));
            for config in Config::ALL {
                let client = client(config, path);
                // One dispatch per iteration (the request is built outside the timed part).
                g.bench_function(config.name(), |b| {
                    b.iter_batched(
                        || request(&client, path, ORIGIN),
                        |req| black_box(req.dispatch()),
                        BatchSize::SmallInput,
                    )
                });
            }
            g.finish();
        }
    }
}

mod axum_apps {
    use super::*;

    use std::convert::Infallible;

    use apps::axum_apps::{serve, with_app, Config, Visit};
    use axum::body::Body;
    use axum::http::{Request, Response};
    use criterion::measurement::WallTime;
    use criterion::BenchmarkGroup;
    use tower::Service;

    /// Measures one request per iteration, served as `axum::serve` does (the request is built
    /// outside the timed part).
    struct Measure<'g, 'c> {
        g: &'g mut BenchmarkGroup<'c, WallTime>,
        name: &'static str,
    }

    impl Visit for Measure<'_, '_> {
        type Output = ();

        fn visit<S>(self, srv: S, make: fn(&str) -> Request<Body>)
        where
            S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>
                + Clone
                + 'static,
        {
            self.g.bench_function(self.name, |b| {
                b.iter_batched(
                    || make(ORIGIN),
                    |req| black_box(serve(&srv, req)),
                    BatchSize::SmallInput,
                )
            });
        }
    }

    pub(super) fn bench(c: &mut Criterion) {
        for path in Path::ALL {
            let mut g = c.benchmark_group(format!("axum/{}", path.name()));
            for config in Config::ALL {
                let name = config.name();
                with_app(config, path, Measure { g: &mut g, name });
            }
            g.finish();
        }
    }
}

criterion_group!(benches, actix::bench, rocket_apps::bench, axum_apps::bench);
criterion_main!(benches);
