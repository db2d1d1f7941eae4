use actix_web::{get, put};
use cors_actix::{cors, policy, OriginSet};

/// Tenants' front ends, filled at run time.
pub static TENANTS: OriginSet = OriginSet::new("TENANTS");
static PARTNERS: OriginSet = OriginSet::new("PARTNERS");

policy! {
    SHARED = { origins = ["https://app.example.re", PARTNERS], methods = [PUT] };
}

#[cors(origins = TENANTS, credentials, methods = [GET, PUT], headers = ["content-type"])]
#[get("/tenant")]
async fn tenant() -> &'static str {
    "tenant"
}

#[cors(policy = SHARED)]
#[put("/partner")]
async fn partner() -> &'static str {
    "partner"
}

fn main() {
    let _ = actix_web::App::new().service(tenant).service(partner);
    // The route's credential rules hold for the set from the first change on.
    assert!(TENANTS.replace(["https://t1.example.re", "http://localhost:5173"]).is_ok());
    assert!(TENANTS.replace(["http://t2.example.re"]).is_err());
    assert!(TENANTS.replace(["https://*.github.io"]).is_err());
    // A set without a credentialed user accepts plain http.
    assert!(PARTNERS.replace(["http://partner.example.re"]).is_ok());
    assert!(SHARED.allows_origin("http://partner.example.re"));
    assert!(SHARED.allows_origin("https://app.example.re"));
}
