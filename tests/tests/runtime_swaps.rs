//! Runtime swaps under load: while requests run on several threads against each conformance
//! application, other threads replace the global policy and the runtime set `TENANTS`
//! thousands of times. Every response must be exactly what one version answers, never a mix of
//! two, and the swaps must really have happened (generation counters, and every probe seen
//! under both versions).
//!
//! The two global versions differ in every header a response carries: allowed origins,
//! credentials, exposed headers and methods, so that a response decided partly by one version
//! and partly by the other matches neither.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::{init_service, TestRequest};
use cors_shared::{OriginSet, PolicyHandle, PolicySpec};
use cors_tests::http::{Request, Response};
use cors_tests::{actix_app, axum_app, rocket_app};

/// Allowed by both global versions.
const BOTH: &str = "https://both.example.re";
/// Allowed by global version A only.
const ONLY_A: &str = "https://a.example.re";
/// The set's entry in version X.
const TENANT_X: &str = "https://x.example.re";
/// The set's entry in version Y.
const TENANT_Y: &str = "https://y.example.re";

/// Each writer makes at least this many swaps.
const MIN_SWAPS: usize = 2_000;
/// Requests run on this many threads (tasks, for Rocket).
const READERS: usize = 3;
/// The test fails if the swaps and probes have not completed by then.
const DEADLINE: Duration = Duration::from_secs(120);

/// Global version A: credentials, PUT, exposes `x-a`.
fn global_a() -> PolicySpec {
    PolicySpec::new()
        .origins([BOTH, ONLY_A])
        .credentials(true)
        .methods(["PUT"])
        .expose(["x-a"])
}

/// Global version B: no credentials, DELETE, exposes `x-b`.
fn global_b() -> PolicySpec {
    PolicySpec::new()
        .origins([BOTH, "https://b.example.re"])
        .methods(["DELETE"])
        .expose(["x-b"])
}

/// Which version of the global policy or of the set answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Version {
    GlobalA,
    GlobalB,
    SetX,
    SetY,
}

/// A request and the exact answer of each of the two versions it can meet.
struct Probe {
    request: Request,
    answers: [(Version, &'static str); 2],
}

fn preflight(path: &str, origin: &str, method: &str) -> Request {
    Request::new("OPTIONS", path)
        .header("Origin", origin)
        .header("Access-Control-Request-Method", method)
}

fn probes() -> Vec<Probe> {
    use Version::*;
    const VARY: &str =
        "vary: access-control-request-headers, access-control-request-method, origin";
    vec![
        Probe {
            request: Request::new("GET", "/plain").header("Origin", BOTH),
            answers: [
                (GlobalA, "200; access-control-allow-origin: https://both.example.re; access-control-allow-credentials: true; access-control-expose-headers: x-a; vary: origin"),
                (GlobalB, "200; access-control-allow-origin: https://both.example.re; access-control-expose-headers: x-b; vary: origin"),
            ],
        },
        Probe {
            request: Request::new("GET", "/nowhere").header("Origin", ONLY_A),
            answers: [
                (GlobalA, "404; access-control-allow-origin: https://a.example.re; access-control-allow-credentials: true; access-control-expose-headers: x-a; vary: origin"),
                (GlobalB, "404; vary: origin"),
            ],
        },
        Probe {
            request: preflight("/plain", BOTH, "PUT"),
            answers: [
                (GlobalA, joined(&["204; access-control-allow-origin: https://both.example.re; access-control-allow-credentials: true; access-control-allow-methods: PUT; ", VARY])),
                (GlobalB, joined(&["403; ", VARY])),
            ],
        },
        Probe {
            request: preflight("/nowhere", BOTH, "DELETE"),
            answers: [
                (GlobalA, joined(&["403; ", VARY])),
                (GlobalB, joined(&["204; access-control-allow-origin: https://both.example.re; access-control-allow-methods: DELETE; ", VARY])),
            ],
        },
        Probe {
            request: Request::new("GET", "/tenant").header("Origin", TENANT_X),
            answers: [
                (SetX, "200; access-control-allow-origin: https://x.example.re; access-control-allow-credentials: true; vary: origin"),
                (SetY, "200; vary: origin"),
            ],
        },
        Probe {
            request: preflight("/tenant", TENANT_Y, "PUT")
                .header("Access-Control-Request-Headers", "content-type"),
            answers: [
                (SetX, joined(&["403; ", VARY])),
                (SetY, joined(&["204; access-control-allow-origin: https://y.example.re; access-control-allow-credentials: true; access-control-allow-methods: PUT; access-control-allow-headers: content-type; ", VARY])),
            ],
        },
    ]
}

/// Joins literal pieces once, for the table above (leaked: a few strings per test run).
fn joined(parts: &[&str]) -> &'static str {
    Box::leak(parts.concat().into_boxed_str())
}

/// What a response says about CORS: the status, then its CORS headers and `Vary` tokens.
fn view(res: &Response) -> String {
    format!("{}; {}", res.status, res.cors_summary())
}

/// What the readers saw: how often each probe met each of its two versions, and every response
/// that matched neither.
struct Tally {
    seen: Vec<[AtomicUsize; 2]>,
    mixed: Mutex<Vec<String>>,
    mixed_count: AtomicUsize,
    requests: AtomicUsize,
}

impl Tally {
    fn new(probes: usize) -> Self {
        Tally {
            seen: (0..probes).map(|_| Default::default()).collect(),
            mixed: Mutex::new(Vec::new()),
            mixed_count: AtomicUsize::new(0),
            requests: AtomicUsize::new(0),
        }
    }

    fn record(&self, i: usize, probe: &Probe, res: &Response) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let found = view(res);
        match probe.answers.iter().position(|(_, a)| *a == found) {
            Some(v) => {
                self.seen[i][v].fetch_add(1, Ordering::Relaxed);
            }
            None => {
                self.mixed_count.fetch_add(1, Ordering::Relaxed);
                let mut mixed = self.mixed.lock().unwrap();
                if mixed.len() < 5 {
                    mixed.push(format!(
                        "{} {} {:?}\n    got:      {found}\n    {:?}: {}\n    {:?}: {}",
                        probe.request.method,
                        probe.request.path,
                        probe
                            .request
                            .headers
                            .iter()
                            .map(|(n, v)| format!("{n}: {}", String::from_utf8_lossy(v)))
                            .collect::<Vec<_>>(),
                        probe.answers[0].0,
                        probe.answers[0].1,
                        probe.answers[1].0,
                        probe.answers[1].1,
                    ));
                }
            }
        }
    }

    /// Every probe has met both of its versions.
    fn all_seen(&self) -> bool {
        self.seen
            .iter()
            .all(|s| s.iter().all(|n| n.load(Ordering::Relaxed) > 0))
    }
}

/// Swaps the global policy between A and B, and the set between X and Y, on two threads, until
/// each made `MIN_SWAPS` swaps and the readers met every version (or the deadline passed).
/// Returns how many swaps of each kind landed.
fn swap(handle: &PolicyHandle, set: &'static OriginSet, tally: &Tally) -> (u64, u64) {
    let start = Instant::now();
    let done = |n: usize| n >= MIN_SWAPS && tally.all_seen() || start.elapsed() > DEADLINE;
    std::thread::scope(|s| {
        let global = s.spawn(|| {
            let specs = [global_b(), global_a()];
            let mut n = 0;
            while !done(n) {
                handle.replace(&specs[n % 2]).unwrap();
                n += 1;
                std::thread::yield_now();
            }
            n as u64
        });
        let tenants = s.spawn(|| {
            let versions = [[TENANT_Y], [TENANT_X]];
            let mut n = 0;
            while !done(n) {
                set.replace(versions[n % 2]).unwrap();
                n += 1;
                std::thread::yield_now();
            }
            n as u64
        });
        (global.join().unwrap(), tenants.join().unwrap())
    })
}

/// Runs the readers (`read` on `READERS` threads until told to stop) beside the swaps, then
/// checks every response and the generation counters.
fn run(
    name: &str,
    handle: &PolicyHandle,
    set: &'static OriginSet,
    read: impl Fn(&[Probe], &Tally, &AtomicBool) + Sync,
) {
    // Start from versions A and X, which every probe knows.
    handle.replace(&global_a()).unwrap();
    set.replace([TENANT_X]).unwrap();
    let probes = probes();
    let tally = Tally::new(probes.len());
    let stop = AtomicBool::new(false);
    let (global0, set0) = (handle.generation(), set.generation());
    let (global_swaps, set_swaps) = std::thread::scope(|s| {
        for _ in 0..READERS {
            s.spawn(|| read(&probes, &tally, &stop));
        }
        // Let the readers start before the first swap (a reader that fails to start panics,
        // and the scope reports it once the writers gave up at the deadline).
        let start = Instant::now();
        while tally.requests.load(Ordering::Relaxed) < READERS * probes.len()
            && start.elapsed() < DEADLINE
        {
            std::thread::yield_now();
        }
        let swaps = swap(handle, set, &tally);
        stop.store(true, Ordering::Relaxed);
        swaps
    });
    let requests = tally.requests.load(Ordering::Relaxed);
    let mixed = tally.mixed_count.load(Ordering::Relaxed);
    assert_eq!(
        mixed,
        0,
        "{name}: {mixed} of {requests} responses match no single version:\n{}",
        tally.mixed.lock().unwrap().join("\n")
    );
    assert!(
        tally.all_seen(),
        "{name}: some probe never met one of its versions in {requests} requests: {:?}",
        tally
            .seen
            .iter()
            .map(|s| [s[0].load(Ordering::Relaxed), s[1].load(Ordering::Relaxed)])
            .collect::<Vec<_>>()
    );
    assert!(global_swaps >= MIN_SWAPS as u64 && set_swaps >= MIN_SWAPS as u64);
    assert_eq!(
        handle.generation() - global0,
        global_swaps,
        "{name}: global swaps"
    );
    assert_eq!(set.generation() - set0, set_swaps, "{name}: set swaps");
    eprintln!(
        "{name}: {requests} consistent responses during {global_swaps} global and {set_swaps} set swaps"
    );
}

fn to_test_request(r: &Request) -> TestRequest {
    let mut req = TestRequest::default()
        .method(r.method.parse().unwrap())
        .uri(&r.path);
    for (name, value) in &r.headers {
        req = req.append_header((name.as_str(), value.as_slice()));
    }
    req
}

async fn to_response<B: MessageBody + 'static>(
    result: Result<ServiceResponse<B>, actix_web::Error>,
) -> Response {
    let res: actix_web::HttpResponse<BoxBody> = match result {
        Ok(res) => res.into_parts().1.map_into_boxed_body(),
        Err(e) => e.error_response(),
    };
    Response {
        status: res.status().as_u16(),
        headers: res
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
            .collect(),
        body: Vec::new(),
    }
}

#[test]
fn actix_answers_every_request_with_one_version() {
    actix_app::fill_tenants().unwrap();
    let handle = actix_app::global().unwrap();
    run(
        "actix",
        &handle,
        &actix_app::TENANTS,
        |probes, tally, stop| {
            // Each reader thread has its own Actix system and service, over the shared handle
            // and set, as each worker of a server does.
            let system = actix_web::rt::System::new();
            let service = system.block_on(init_service(actix_app::app(handle.clone())));
            while !stop.load(Ordering::Relaxed) {
                for (i, probe) in probes.iter().enumerate() {
                    let req = to_test_request(&probe.request).to_request();
                    let res = system.block_on(async { to_response(service.call(req).await).await });
                    tally.record(i, probe, &res);
                }
            }
        },
    );
}

#[test]
fn rocket_answers_every_request_with_one_version() {
    use rocket::local::asynchronous::Client;

    rocket_app::fill_tenants().unwrap();
    let runtime = rocket::tokio::runtime::Builder::new_multi_thread()
        .worker_threads(READERS)
        .enable_all()
        .build()
        .unwrap();
    let client = Arc::new(
        runtime
            .block_on(Client::tracked(rocket_app::rocket()))
            .unwrap(),
    );
    let handle = client
        .rocket()
        .state::<PolicyHandle>()
        .expect("the fairing manages the reloadable global policy")
        .clone();
    run(
        "rocket",
        &handle,
        &rocket_app::TENANTS,
        |probes, tally, stop| {
            // Each reader is a task of one multi-threaded runtime, sharing one client.
            runtime.block_on(async {
                while !stop.load(Ordering::Relaxed) {
                    for (i, probe) in probes.iter().enumerate() {
                        let method = probe.request.method.parse().unwrap();
                        let mut req = client.req(method, probe.request.path.clone());
                        for (name, value) in &probe.request.headers {
                            req = req.header(rocket::http::Header::new(
                                name.clone(),
                                String::from_utf8(value.clone()).unwrap(),
                            ));
                        }
                        let res = req.dispatch().await;
                        let res = Response {
                            status: res.status().code,
                            headers: res
                                .headers()
                                .iter()
                                .map(|h| {
                                    (
                                        h.name().as_str().to_ascii_lowercase(),
                                        h.value().as_bytes().to_vec(),
                                    )
                                })
                                .collect(),
                            body: Vec::new(),
                        };
                        tally.record(i, probe, &res);
                    }
                }
            });
        },
    );
}

#[test]
fn axum_answers_every_request_with_one_version() {
    use tower::ServiceExt;

    axum_app::fill_tenants().unwrap();
    let handle = axum_app::global().unwrap();
    let app = axum_app::app(handle.clone());
    run(
        "axum",
        &handle,
        &axum_app::TENANTS,
        |probes, tally, stop| {
            // Each reader thread has its own runtime, over one application (cloned per
            // request, as axum's server does) and the shared handle and set.
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            while !stop.load(Ordering::Relaxed) {
                for (i, probe) in probes.iter().enumerate() {
                    let mut req = axum::http::Request::builder()
                        .method(probe.request.method.as_str())
                        .uri(&probe.request.path);
                    for (name, value) in &probe.request.headers {
                        req = req.header(name.as_str(), value.as_slice());
                    }
                    let req = req.body(axum::body::Body::empty()).unwrap();
                    let res = runtime.block_on(app.clone().oneshot(req)).unwrap();
                    let res = Response {
                        status: res.status().as_u16(),
                        headers: res
                            .headers()
                            .iter()
                            .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
                            .collect(),
                        body: Vec::new(),
                    };
                    tally.record(i, probe, &res);
                }
            }
        },
    );
}
