use axum::routing::get;
use axum::Router;
use cors_axum::{cors, policy, Cors, CorsRouteExt, CorsRouterExt, OriginSet};

/// Tenants' front ends, filled at run time.
pub static TENANTS: OriginSet = OriginSet::new("TENANTS");

policy! {
    /// Shared by every method of /documents.
    pub DOCUMENTS = {
        origins = ["https://app.example.re", "https://*.example.re"],
        credentials,
        methods = [GET, PUT, "M-SEARCH"],
        headers = ["content-type"],
        expose = ["x-total-count"],
        max_age = 600,
    };
    DEFAULT = { origins = ["https://app.example.re"], methods = [GET, POST] };
}

/// The set is named as in the parent module: the policy's module imports it.
#[cors(origins = TENANTS, credentials, methods = [GET, PUT], headers = ["content-type"])]
pub async fn tenant() -> &'static str {
    "tenant"
}

#[cors(policy = DOCUMENTS)]
async fn documents() -> &'static str {
    "[]"
}

async fn update() -> &'static str {
    "updated"
}

#[cors(origins = ["*"])]
async fn status() -> &'static str {
    "ok"
}

fn main() {
    let _app = Router::new()
        .route("/tenant", get(tenant).put(update).cors(tenant::POLICY))
        .route("/documents", get(documents).put(update).cors(documents::POLICY))
        .route("/status", get(status).cors(status::POLICY))
        .route("/other", get(update).cors(&DOCUMENTS))
        .with_cors(Cors::from_static(&DEFAULT));
    // The route's credential rules hold for the set from the first change on.
    assert!(TENANTS.replace(["https://t1.example.re"]).is_ok());
    assert!(TENANTS.replace(["http://t2.example.re"]).is_err());
    assert!(std::ptr::eq(documents::POLICY, &DOCUMENTS));
    assert!(status::POLICY.allows_any_origin());
}
