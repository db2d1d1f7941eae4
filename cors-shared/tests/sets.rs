//! Runtime origin sets and reloadable policies: every change validated like a policy written
//! in source, refused whole with every problem, and each request decided by one version.
// Helpers outside `#[test]` functions may unwrap too (clippy.toml covers the tests themselves).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use cors_shared::{
    Decision, ErrorKind, HeaderLines, OriginSet, PolicyHandle, PolicySpec, Refusal, RequestView,
};

fn get(origin: &str) -> RequestView<'_> {
    let mut r = RequestView::new(b"GET");
    r.origin = HeaderLines::One(origin.as_bytes());
    r
}

#[test]
fn a_set_fills_changes_and_matches_patterns() {
    static SET: OriginSet = OriginSet::new("SET");
    let policy = PolicySpec::new()
        .origin("https://app.example.re")
        .origin_set(&SET)
        .validate()
        .unwrap();
    assert_eq!(
        SET.replace([
            "https://shop.example.re",
            "https://*.t.example.re",
            "http://localhost:*"
        ]),
        Ok(3)
    );
    for allowed in [
        "https://app.example.re",
        "https://shop.example.re",
        "https://a.b.t.example.re",
        "http://localhost:5173",
    ] {
        assert!(policy.allows_origin(allowed), "{allowed}");
    }
    for refused in [
        "https://t.example.re",
        "http://localhost",
        "https://evil.example",
    ] {
        assert!(!policy.allows_origin(refused), "{refused}");
    }
    assert_eq!(SET.insert("https://new.example.re"), Ok(true));
    assert_eq!(SET.insert("https://new.example.re"), Ok(false));
    assert!(policy.allows_origin("https://new.example.re"));
    assert!(SET.remove("https://shop.example.re"));
    assert!(!SET.remove("https://shop.example.re"));
    assert!(!policy.allows_origin("https://shop.example.re"));
    assert!(SET.remove("https://*.t.example.re"));
    assert!(!policy.allows_origin("https://a.b.t.example.re"));
    assert_eq!(
        SET.entries(),
        ["http://localhost:*", "https://new.example.re"]
    );
    // The fixed origin is not part of the set.
    assert!(policy.allows_origin("https://app.example.re"));
}

#[test]
fn a_bad_change_is_refused_whole_with_every_problem() {
    static SET: OriginSet = OriginSet::new("TENANTS");
    let _ = PolicySpec::new()
        .origin_set(&SET)
        .credentials(true)
        .validate()
        .unwrap();
    SET.replace(["https://t1.example.re"]).unwrap();
    let mut change: Vec<String> = (0..5_000)
        .map(|i| format!("https://tenant{i}.example.re"))
        .collect();
    change[3_141] = "https://tenant3141.example.re/".into();
    let errors = SET.replace(change.clone()).unwrap_err();
    assert_eq!(errors.errors().len(), 1);
    let e = &errors.errors()[0];
    assert_eq!(e.location().index, Some(3_141));
    assert_eq!(e.location().set, Some("TENANTS"));
    assert_eq!(e.entry(), Some("https://tenant3141.example.re/"));
    assert_eq!(e.kind(), ErrorKind::OriginPath);
    assert_eq!(e.fix(), "write `https://tenant3141.example.re`");
    assert_eq!(
        errors.to_string(),
        "change to the CORS origin set `TENANTS` refused, nothing changed (1 problem):\n\
         - TENANTS[3141]: origin `https://tenant3141.example.re/` has a trailing slash\n  \
         = why: an origin is only scheme://host[:port]; browsers send it without any path, so this entry never matches\n  \
         = help: write `https://tenant3141.example.re`"
    );
    // Nothing changed.
    assert_eq!(SET.entries(), ["https://t1.example.re"]);

    // Several problems at once, each with its index; the credential rules of the policy apply.
    let errors = SET
        .replace([
            "https://ok.example.re",
            "http://t2.example.re",
            "https://*.github.io",
            "*",
            "null",
            "https://ok.example.re",
            "HTTPS://UPPER.example.re",
        ])
        .unwrap_err();
    let found: Vec<(Option<usize>, ErrorKind)> = errors
        .errors()
        .iter()
        .map(|e| (e.location().index, e.kind()))
        .collect();
    assert_eq!(
        found,
        [
            (Some(1), ErrorKind::InsecureOriginWithCredentials),
            (Some(2), ErrorKind::PublicSuffixWildcardWithCredentials),
            (Some(3), ErrorKind::WildcardOriginInSet),
            (Some(4), ErrorKind::NullWithoutOptIn),
            (Some(4), ErrorKind::NullWithCredentials),
            (Some(5), ErrorKind::OriginDuplicate),
            (Some(6), ErrorKind::OriginUpperCase),
        ]
    );
    assert_eq!(SET.entries(), ["https://t1.example.re"]);
    // What the credential rules allow.
    assert_eq!(
        SET.replace(["http://localhost:5173", "https://*.t3.example.re"]),
        Ok(2)
    );
    let err = SET.insert("http://t2.example.re").unwrap_err();
    assert_eq!(err.errors()[0].location().index, Some(2));
    assert_eq!(SET.len(), 2);
}

#[test]
fn a_policy_over_a_set_checks_what_the_set_already_holds() {
    static SET: OriginSet = OriginSet::new("OPEN");
    // No credentialed user yet: plain http is fine.
    SET.replace(["http://shop.example.re"]).unwrap();
    let errors = PolicySpec::new()
        .origin_set(&SET)
        .credentials(true)
        .validate()
        .unwrap_err();
    assert!(errors.contains(ErrorKind::InsecureOriginWithCredentials));
    // Refused, so the set keeps its looser rules.
    assert_eq!(SET.insert("http://other.example.re"), Ok(true));
    // A policy with the opt-out accepts it, and registers that rule.
    PolicySpec::new()
        .origin_set(&SET)
        .credentials(true)
        .dangerously_allow_http_with_credentials(true)
        .validate()
        .unwrap();
    assert_eq!(SET.insert("http://third.example.re"), Ok(true));
    assert!(SET.insert("https://*.github.io").is_err());
}

#[test]
fn an_empty_set_allows_nobody_and_says_so() {
    static EMPTY: OriginSet = OriginSet::new("EMPTY");
    let policy = PolicySpec::new().origin_set(&EMPTY).validate().unwrap();
    let decision = policy.decide(&get("https://t1.example.re"));
    assert_eq!(
        decision.refusal(),
        Some(&Refusal::OriginSetEmpty {
            origin: b"https://t1.example.re",
            set: "EMPTY"
        })
    );
    assert_eq!(
        decision.refusal().unwrap().to_string(),
        "origin `https://t1.example.re` is not allowed by the policy: its origin set `EMPTY` is empty"
    );
    EMPTY.replace(["https://t1.example.re"]).unwrap();
    assert!(matches!(
        policy.decide(&get("https://t1.example.re")),
        Decision::ActualAllowed(_)
    ));
    EMPTY.replace(Vec::<String>::new()).unwrap();
    assert!(EMPTY.is_empty());
    assert!(matches!(
        policy.decide(&get("https://t1.example.re")).refusal(),
        Some(Refusal::OriginSetEmpty { .. })
    ));
    // `null` is refused without the opt-in of every user.
    assert!(EMPTY.replace(["null"]).is_err());
}

#[test]
fn a_policy_replaced_keeps_the_old_one_on_errors() {
    let handle = PolicyHandle::new(
        PolicySpec::new()
            .origin("https://app.example.re")
            .validate()
            .unwrap(),
    );
    let errors = handle
        .replace(&PolicySpec::new().origin("*").credentials(true))
        .unwrap_err();
    assert!(errors.contains(ErrorKind::WildcardOriginWithCredentials));
    assert_eq!(handle.generation(), 0);
    assert!(handle.load().allows_origin("https://app.example.re"));
    handle
        .replace(
            &PolicySpec::new()
                .origin("https://b.example.re")
                .credentials(true),
        )
        .unwrap();
    assert_eq!(handle.generation(), 1);
    assert!(!handle.load().allows_origin("https://app.example.re"));
    assert!(handle.load().credentials());
}

/// Two versions that differ in every header a request could read: a response that mixed them
/// would show it.
#[test]
fn every_decision_comes_from_one_version_while_writers_swap() {
    static SWAPPED: OriginSet = OriginSet::new("SWAPPED");
    let v1 = PolicySpec::new()
        .origin("https://a.example.re")
        .origin_set(&SWAPPED)
        .credentials(true)
        .expose(["x-one"]);
    let v2 = PolicySpec::new()
        .origin("https://b.example.re")
        .origin_set(&SWAPPED)
        .expose(["x-two"])
        .max_age(7);
    let handle = PolicyHandle::new(v1.validate().unwrap());
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let handle = handle.clone();
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut seen = [0usize; 3];
                while !stop.load(Ordering::Relaxed) {
                    for origin in [
                        "https://a.example.re",
                        "https://b.example.re",
                        "https://s1.example.re",
                        "https://s2.example.re",
                    ] {
                        let policy = handle.load();
                        let decision = policy.decide(&get(origin));
                        let h = decision.headers();
                        match (h.allow_origin, h.allow_credentials, h.expose_headers) {
                            (None, false, None) => seen[0] += 1,
                            (Some(o), true, Some("x-one")) if o == origin => seen[1] += 1,
                            (Some(o), false, Some("x-two")) if o == origin => seen[2] += 1,
                            other => panic!("{origin}: headers of two versions: {other:?}"),
                        }
                    }
                }
                seen
            })
        })
        .collect();
    for i in 0..5_000 {
        let spec = if i % 2 == 0 { &v2 } else { &v1 };
        handle.replace(spec).unwrap();
        SWAPPED
            .replace([if i % 2 == 0 {
                "https://s1.example.re"
            } else {
                "https://s2.example.re"
            }])
            .unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    let seen = readers
        .into_iter()
        .map(|r| r.join().unwrap())
        .fold([0; 3], |a, b| [a[0] + b[0], a[1] + b[1], a[2] + b[2]]);
    assert_eq!(handle.generation(), 5_000);
    assert_eq!(SWAPPED.generation(), 5_000);
    // Both versions were really seen by the readers.
    assert!(seen[1] > 0 && seen[2] > 0, "{seen:?}");
}
