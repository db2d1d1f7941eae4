//! The core's decision, measured as ratios inside one run: a 10,000-origin allowlist against a
//! 10-origin one (lookup cost must not grow with the list), every decision path against the
//! cheapest one (a request without `Origin`), a runtime set of 100,000 origins against one of 10,
//! a reloadable policy against the same fixed one, and what changing a set costs.
//!
//! ```text
//! cargo bench -p cors-tests --bench decide -- --warm-up-time 1 --measurement-time 2
//! ```
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use cors_shared::{HeaderLines, OriginSet, PolicyHandle, RequestView};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

#[path = "common/core.rs"]
mod core_setup;
use core_setup::{over_set, policy, set_entries, set_requests};

fn bench(c: &mut Criterion) {
    let small = policy(10);
    let large = policy(10_000);
    let mut g = c.benchmark_group("decide");
    for (name, req) in core_setup::requests() {
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

/// Runtime sets and reloadable policies against the same static policy: deciding through a
/// set of 100,000 origins as fast as through 10, a reloadable policy as fast as a fixed one,
/// and the cost of changing a set.
fn bench_runtime(c: &mut Criterion) {
    static SMALL: OriginSet = OriginSet::new("SMALL");
    static LARGE: OriginSet = OriginSet::new("LARGE");
    let (small, large) = (over_set(&SMALL, 10), over_set(&LARGE, 100_000));
    let fixed = policy(10);
    let handle = PolicyHandle::new(policy(10));

    let mut g = c.benchmark_group("runtime");
    let mut app = RequestView::new(b"GET");
    app.origin = HeaderLines::One(b"https://app7.example.re");
    for (name, req) in set_requests() {
        g.bench_function(format!("{name}/10_entries"), |b| {
            b.iter(|| {
                black_box(small.decide(black_box(&req)))
                    .headers()
                    .allow_origin
            })
        });
        g.bench_function(format!("{name}/100000_entries"), |b| {
            b.iter(|| {
                black_box(large.decide(black_box(&req)))
                    .headers()
                    .allow_origin
            })
        });
    }
    g.bench_function("actual_allowed/static", |b| {
        b.iter(|| {
            black_box(fixed.decide(black_box(&app)))
                .headers()
                .allow_origin
        })
    });
    // As an adapter's worker reads it: a reader that keeps the version it last saw.
    let mut reader = handle.reader();
    g.bench_function("actual_allowed/reloadable", |b| {
        b.iter(|| {
            let origin = black_box(reader.load().decide(black_box(&app)))
                .headers()
                .allow_origin;
            origin.map(str::len)
        })
    });
    // Loading from the handle itself every time, without a reader.
    g.bench_function("actual_allowed/reloadable_handle", |b| {
        b.iter(|| {
            let policy = handle.load();
            let origin = black_box(policy.decide(black_box(&app)))
                .headers()
                .allow_origin;
            origin.map(str::len)
        })
    });
    g.finish();

    let mut g = c.benchmark_group("set_change");
    g.sample_size(10);
    let all = set_entries(100_000);
    static CHANGED: OriginSet = OriginSet::new("CHANGED");
    g.bench_function("replace/100000_entries", |b| {
        b.iter_batched(
            || all.clone(),
            |e| CHANGED.replace(e).unwrap(),
            BatchSize::LargeInput,
        )
    });
    CHANGED.replace(all.clone()).unwrap();
    g.bench_function("insert_then_remove/100000_entries", |b| {
        b.iter(|| {
            assert_eq!(CHANGED.insert("https://new.example.re"), Ok(true));
            assert!(CHANGED.remove("https://new.example.re"));
        })
    });
    g.finish();
}

criterion_group!(benches, bench, bench_runtime);
criterion_main!(benches);
