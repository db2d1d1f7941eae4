//! A credentialed subdomain wildcard over any rule of the Public Suffix List is refused, through
//! the builder and through a runtime set; the subdomains of a registrable domain stay allowed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use cors_shared::{ErrorKind, OriginSet, PolicySpec};

/// Each kind of rule: wildcards refused with credentials, and a registrable domain's control.
const CASES: &[(&str, &[&str], &[&str])] = &[
    (
        "ICANN, several labels",
        &[
            "https://*.co.uk",
            "https://*.kyoto.jp",
            "https://*.pvt.k12.ma.us",
        ],
        &["https://*.acme.co.uk", "https://*.shop.kyoto.jp"],
    ),
    (
        "private section",
        &[
            "https://*.123website.nl",
            "https://*.1.azurestaticapps.net",
            "https://*.github.io",
        ],
        &["https://*.myname.github.io", "https://*.shop.123website.nl"],
    ),
    (
        // `*.ck` and `*.0emm.com`: every label under them is a suffix.
        "wildcard rule",
        &["https://*.ck", "https://*.foo.ck", "https://*.x.0emm.com"],
        &["https://*.shop.foo.ck", "https://*.shop.x.0emm.com"],
    ),
    (
        // `!www.ck` and `!city.kawasaki.jp` are registrable domains despite `*.ck` and
        // `*.kawasaki.jp`.
        "exception rule",
        &["https://*.other.kawasaki.jp"],
        &["https://*.www.ck", "https://*.city.kawasaki.jp"],
    ),
    (
        // `公司.cn`, as browsers send it.
        "internationalised suffix",
        &["https://*.xn--55qx5d.cn"],
        &["https://*.shop.xn--55qx5d.cn"],
    ),
];

fn kinds(result: Result<impl Sized, cors_shared::PolicyErrors>) -> Vec<ErrorKind> {
    match result {
        Ok(_) => Vec::new(),
        Err(errors) => errors.errors().iter().map(|e| e.kind()).collect(),
    }
}

#[test]
fn the_builder_refuses_every_kind_of_public_suffix() {
    for (rule, refused, allowed) in CASES {
        for origin in *refused {
            let spec = PolicySpec::new().origin(*origin).credentials(true);
            assert_eq!(
                kinds(spec.validate()),
                [ErrorKind::PublicSuffixWildcardWithCredentials],
                "{rule}: {origin}"
            );
            // Without credentials, or with the opt-out, it is the user's call.
            assert_eq!(
                kinds(PolicySpec::new().origin(*origin).validate()),
                [],
                "{rule}: {origin}"
            );
            let opted_out = PolicySpec::new()
                .origin(*origin)
                .credentials(true)
                .dangerously_allow_public_suffix_wildcard(true);
            assert_eq!(kinds(opted_out.validate()), [], "{rule}: {origin}");
        }
        for origin in *allowed {
            let spec = PolicySpec::new().origin(*origin).credentials(true);
            assert_eq!(kinds(spec.validate()), [], "{rule}: {origin}");
        }
    }
}

#[test]
fn the_error_names_the_entry_and_the_opt_out() {
    let errors = PolicySpec::new()
        .origin("https://*.123website.nl")
        .credentials(true)
        .validate()
        .unwrap_err();
    assert_eq!(
        errors.to_string(),
        "invalid CORS policy (1 problem):\n\
         - origins[0]: origin `https://*.123website.nl` matches every site under a public suffix \
         while `credentials` is on\n  \
         = why: anyone can register a site under a public suffix and would then read your users' data\n  \
         = help: list your own sites explicitly, or add `dangerously_allow_public_suffix_wildcard` \
         if you own every site under it"
    );
}

#[test]
fn a_runtime_set_refuses_every_kind_of_public_suffix() {
    static TENANTS: OriginSet = OriginSet::new("PSL_TENANTS");
    PolicySpec::new()
        .origin_set(&TENANTS)
        .credentials(true)
        .validate()
        .unwrap();
    for (rule, refused, allowed) in CASES {
        for origin in *refused {
            assert_eq!(
                kinds(TENANTS.insert(origin)),
                [ErrorKind::PublicSuffixWildcardWithCredentials],
                "{rule}: {origin}"
            );
        }
        for origin in *allowed {
            assert_eq!(kinds(TENANTS.insert(origin)), [], "{rule}: {origin}");
        }
    }
    let allowed = CASES.iter().map(|(_, _, a)| a.len()).sum::<usize>();
    assert_eq!(TENANTS.len(), allowed);
}
