//! `Policy::decide` makes no heap allocation, whatever the outcome, with a 10,000-origin
//! allowlist. A counting global allocator counts this thread's allocations.
// Helpers outside `#[test]` functions may unwrap too (clippy.toml covers the tests themselves).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![allow(unsafe_code)] // A global allocator cannot be written without `unsafe impl`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Write as _;

use std::hint::black_box;

use cors_shared::{
    Decision, HeaderLines, OriginSet, PolicyHandle, PolicySpec, RequestView, WriteProtection,
};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counter is a
// const-initialised thread-local without destructor, so touching it never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let before = ALLOCATIONS.with(Cell::get);
    let r = f();
    (r, ALLOCATIONS.with(Cell::get) - before)
}

#[test]
fn decide_makes_zero_allocations_with_ten_thousand_origins() {
    let mut origins: Vec<String> = (0..10_000)
        .map(|i| format!("https://app{i}.example.re"))
        .collect();
    origins.push("https://*.tenant.example.re".into());
    origins.push("http://localhost:*".into());
    let policy = PolicySpec::new()
        .origins(origins)
        .credentials(true)
        .methods(["PUT", "DELETE"])
        .headers(["content-type", "x-custom"])
        .expose(["x-total-count"])
        .max_age(600)
        .validate()
        .unwrap();

    let allowed_origin: &[u8] = b"https://app7777.example.re";
    let refused_origin: &[u8] = b"https://app10000.example.re";

    let mut actual_allowed = RequestView::new(b"GET");
    actual_allowed.origin = HeaderLines::One(allowed_origin);
    let mut actual_refused = RequestView::new(b"GET");
    actual_refused.origin = HeaderLines::One(refused_origin);
    let mut subdomain = RequestView::new(b"GET");
    subdomain.origin = HeaderLines::One(b"https://a.b.tenant.example.re");
    let mut malformed = RequestView::new(b"GET");
    malformed.origin = HeaderLines::One(b"https://APP7777.example.re");

    let mut preflight_allowed = RequestView::new(b"OPTIONS");
    preflight_allowed.origin = HeaderLines::One(allowed_origin);
    preflight_allowed.request_method = HeaderLines::One(b"PUT");
    preflight_allowed.request_headers = HeaderLines::One(b"x-custom, content-type");
    let mut preflight_refused = preflight_allowed;
    preflight_refused.request_headers = HeaderLines::One(b"x-custom, x-other");
    let mut long_name_refused = preflight_allowed;
    long_name_refused.request_headers = HeaderLines::One(b"x-custom, x-correlation-identifier");

    let cases = [
        ("actual allowed", actual_allowed),
        ("actual refused", actual_refused),
        ("subdomain allowed", subdomain),
        ("malformed origin", malformed),
        ("preflight allowed", preflight_allowed),
        ("preflight refused", preflight_refused),
        ("long name refused", long_name_refused),
    ];
    for (name, req) in cases {
        let (decision, count) = allocations_during(|| {
            let d = policy.decide(&req);
            // Reading every header value is part of the request path too.
            let total: usize = d.headers().iter().map(|(n, v)| n.len() + v.len()).sum();
            // So is writing the refusal's log line, into a buffer the adapter already has.
            let mut line = [0u8; 256];
            if let Some(r) = d.refusal() {
                write!(&mut line[..], "{}", r.log_line()).unwrap();
            }
            (d, total)
        });
        assert_eq!(count, 0, "{name}: decide allocated {count} times");
        let (d, _) = decision;
        match name {
            "actual allowed" | "subdomain allowed" => {
                assert!(matches!(d, Decision::ActualAllowed(_)))
            }
            "actual refused" | "malformed origin" => {
                assert!(matches!(d, Decision::ActualRefused(..)))
            }
            "preflight allowed" => assert!(matches!(d, Decision::PreflightAllowed(_))),
            _ => assert!(matches!(d, Decision::PreflightRefused(..))),
        }
    }
    // The counter works: building a string is seen.
    let (_, count) = allocations_during(|| String::from("x"));
    assert_eq!(count, 1);
}

#[test]
fn decide_makes_zero_allocations_with_a_runtime_set_and_a_reloadable_policy() {
    static TENANTS: OriginSet = OriginSet::new("TENANTS");
    let mut entries: Vec<String> = (0..10_000)
        .map(|i| format!("https://tenant{i}.example.re"))
        .collect();
    entries.push("https://*.shops.example.re".into());
    TENANTS.replace(entries).unwrap();
    let handle = PolicyHandle::new(
        PolicySpec::new()
            .origin("https://app.example.re")
            .origin_set(&TENANTS)
            .credentials(true)
            .methods(["PUT"])
            .validate()
            .unwrap(),
    );
    let origins: [&[u8]; 4] = [
        b"https://tenant4242.example.re",
        b"https://a.shops.example.re",
        b"https://app.example.re",
        b"https://tenant10000.example.re",
    ];
    // The first load on a thread may set up the lock-free reader's per-thread slot.
    let _ = handle.load().decide(&RequestView::new(b"GET"));
    for origin in origins {
        let mut req = RequestView::new(b"GET");
        req.origin = HeaderLines::One(origin);
        let mut preflight = req;
        preflight.method = b"OPTIONS";
        preflight.request_method = HeaderLines::One(b"PUT");
        for r in [req, preflight] {
            let (allowed, count) = allocations_during(|| {
                let policy = handle.load();
                let d = policy.decide(&r);
                let total: usize = d.headers().iter().map(|(n, v)| n.len() + v.len()).sum();
                total > 0 && d.refusal().is_none()
            });
            assert_eq!(
                count,
                0,
                "{}: decide allocated {count} times",
                origin.escape_ascii()
            );
            assert_eq!(allowed, origin != b"https://tenant10000.example.re");
        }
    }
}

#[test]
fn decide_with_write_protection_makes_zero_allocations() {
    let origins: Vec<String> = (0..10_000)
        .map(|i| format!("https://app{i}.example.re"))
        .collect();
    let policy = PolicySpec::new()
        .origins(origins)
        .credentials(true)
        .methods(["PUT"])
        .validate()
        .unwrap();
    let protection = WriteProtection::on()
        .public_origins(["https://api.example.re"])
        .unwrap();
    let base = |method: &'static [u8], origin: &'static [u8], site: Option<&'static [u8]>| {
        let mut r = RequestView::new(method);
        r.origin = HeaderLines::One(origin);
        r.host = HeaderLines::One(b"internal:8080");
        r.sec_fetch_site = site.map_or(HeaderLines::Absent, HeaderLines::One);
        r
    };
    let mut socket = base(b"GET", b"https://evil.example", None);
    socket.upgrade = HeaderLines::One(b"websocket");
    let mut preflight = base(b"OPTIONS", b"https://evil.example", Some(b"cross-site"));
    preflight.request_method = HeaderLines::One(b"PUT");
    let cases = [
        (
            "allowed write",
            base(b"POST", b"https://app7777.example.re", Some(b"cross-site")),
            false,
        ),
        (
            "cross-site write",
            base(b"POST", b"https://evil.example", Some(b"cross-site")),
            true,
        ),
        (
            "same-site write",
            base(b"PUT", b"https://other.example.re", Some(b"same-site")),
            true,
        ),
        (
            "same-origin write",
            base(b"POST", b"https://api.example.re", Some(b"same-origin")),
            false,
        ),
        (
            "origin against host",
            base(b"DELETE", b"https://evil.example", None),
            true,
        ),
        (
            "public origin",
            base(b"POST", b"https://api.example.re", None),
            false,
        ),
        (
            "malformed origin",
            base(b"POST", b"https://APP7777.example.re", None),
            true,
        ),
        (
            "safe method",
            base(b"GET", b"https://evil.example", Some(b"cross-site")),
            false,
        ),
        ("websocket", socket, true),
        ("preflight", preflight, false),
    ];
    for (name, req, refuse) in cases {
        let (refused, count) = allocations_during(|| {
            let d = policy.decide_with(&req, &protection);
            let total: usize = d.headers().iter().map(|(n, v)| n.len() + v.len()).sum();
            let mut line = [0u8; 512];
            if let Some(r) = d.refusal() {
                write!(&mut line[..], "{}", r.log_line()).unwrap();
            }
            black_box(total);
            matches!(d, Decision::WriteRefused(..))
        });
        assert_eq!(count, 0, "{name}: decide_with allocated {count} times");
        assert_eq!(refused, refuse, "{name}");
    }
}
