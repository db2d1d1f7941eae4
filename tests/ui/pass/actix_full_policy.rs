//! Every key, inline and in named policies; the statics behave as validated.

use cors_actix::{cors, policy};
use cors_shared::{HeaderLines, RequestView};

policy! {
    /// Every key at once, with both loudly named opt-outs.
    pub FULL = {
        origins = [
            "https://app.example.re",
            "https://*.example.re",
            "http://intranet.example.re",
            "https://*.github.io",
            "http://localhost:*",
        ],
        credentials,
        methods = [GET, PUT, DELETE, "PATCH"],
        headers = ["content-type", "x-custom"],
        expose = ["x-total-count", "x-request-id"],
        max_age = 600,
        allow_null_origin = false,
        private_network,
        dangerously_allow_http_with_credentials,
        dangerously_allow_public_suffix_wildcard = true,
        protect_writes,
    };
    /// The `null` origin: opted in, and never with credentials.
    pub(crate) SANDBOX = {
        origins = ["null"],
        allow_null_origin,
        credentials = false,
    };
}

#[cors(
    origins = ["https://app.example.re", "https://*.example.re", "http://intranet.example.re"],
    credentials = true,
    methods = [GET, PUT, DELETE, "PATCH"],
    headers = ["content-type", "x-custom"],
    expose = ["x-total-count"],
    max_age = 600,
    allow_null_origin = false,
    private_network,
    dangerously_allow_http_with_credentials,
    dangerously_allow_public_suffix_wildcard = false,
    protect_writes = false,
)]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

#[cors(policy = FULL)]
#[actix_web::put("/x")]
async fn update() -> &'static str {
    "updated"
}

#[cors(policy = SANDBOX)]
#[actix_web::get("/sandbox")]
async fn sandbox() -> &'static str {
    "sandbox"
}

fn main() {
    assert!(FULL.allows_origin("https://app.example.re"));
    assert!(FULL.allows_origin("https://a.b.example.re"));
    assert!(!FULL.allows_origin("https://example.re"));
    assert!(FULL.allows_origin("http://intranet.example.re"));
    assert!(FULL.allows_origin("https://someone.github.io"));
    assert!(FULL.allows_origin("http://localhost:5173"));
    assert!(!FULL.allows_origin("http://localhost"));
    assert!(!FULL.allows_origin("https://app.example.re.evil.net"));
    assert!(FULL.credentials());
    assert_eq!(FULL.protect_writes_setting(), Some(true));
    assert_eq!(SANDBOX.protect_writes_setting(), None);
    assert!(SANDBOX.allows_origin("null"));
    assert!(!SANDBOX.allows_origin("https://app.example.re"));

    let mut preflight = RequestView::new(b"OPTIONS");
    preflight.origin = HeaderLines::One(b"https://app.example.re");
    preflight.request_method = HeaderLines::One(b"PATCH");
    preflight.request_headers = HeaderLines::One(b"x-custom,content-type");
    let decision = FULL.decide(&preflight);
    assert_eq!(decision.preflight_status(), Some(204));
    let headers: Vec<_> = decision.headers().iter().collect();
    assert_eq!(
        headers,
        [
            ("access-control-allow-origin", "https://app.example.re"),
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-methods", "PATCH"),
            ("access-control-allow-headers", "x-custom,content-type"),
            ("access-control-max-age", "600"),
        ]
    );

    let mut actual = RequestView::new(b"GET");
    actual.origin = HeaderLines::One(b"https://a.example.re");
    let decision = FULL.decide(&actual);
    let headers: Vec<_> = decision.headers().iter().collect();
    assert_eq!(
        headers,
        [
            ("access-control-allow-origin", "https://a.example.re"),
            ("access-control-allow-credentials", "true"),
            ("access-control-expose-headers", "x-total-count, x-request-id"),
        ]
    );

    let _ = actix_web::App::new()
        .service(handler)
        .service(update)
        .service(sandbox);
}
