//! The core's decision, measured as ratios inside one run: a 10,000-origin allowlist against a
//! 10-origin one (lookup cost must not grow with the list), and every decision path against the
//! cheapest one (a request without `Origin`).
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use cors_shared::{HeaderLines, Policy, PolicySpec, RequestView};
use criterion::{criterion_group, criterion_main, Criterion};

fn policy(n: usize) -> Policy {
    PolicySpec::new()
        .origins((0..n).map(|i| format!("https://app{i}.example.re")))
        .origins(["https://*.tenant.example.re", "http://localhost:*"])
        .credentials(true)
        .methods(["PUT", "DELETE"])
        .headers(["content-type", "x-custom"])
        .expose(["x-total-count"])
        .max_age(600)
        .validate()
        .unwrap()
}

fn bench(c: &mut Criterion) {
    let small = policy(10);
    let large = policy(10_000);
    let mut g = c.benchmark_group("decide");
    let no_origin = RequestView::new(b"GET");
    let mut allowed = RequestView::new(b"GET");
    allowed.origin = HeaderLines::One(b"https://app7.example.re");
    let mut refused = RequestView::new(b"GET");
    refused.origin = HeaderLines::One(b"https://evil.example");
    let mut subdomain = RequestView::new(b"GET");
    subdomain.origin = HeaderLines::One(b"https://a.b.tenant.example.re");
    let mut preflight = RequestView::new(b"OPTIONS");
    preflight.origin = HeaderLines::One(b"https://app7.example.re");
    preflight.request_method = HeaderLines::One(b"PUT");
    preflight.request_headers = HeaderLines::One(b"content-type,x-custom");

    for (name, req) in [
        ("no_origin", no_origin),
        ("actual_allowed", allowed),
        ("actual_refused", refused),
        ("subdomain_allowed", subdomain),
        ("preflight_allowed", preflight),
    ] {
        g.bench_function(format!("{name}/10_origins"), |b| {
            b.iter(|| {
                black_box(small.decide(black_box(&req)))
                    .headers()
                    .allow_origin
            })
        });
        g.bench_function(format!("{name}/10000_origins"), |b| {
            b.iter(|| {
                black_box(large.decide(black_box(&req)))
                    .headers()
                    .allow_origin
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
