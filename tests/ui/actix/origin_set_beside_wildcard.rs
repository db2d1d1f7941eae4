use cors_actix::{cors, OriginSet};

static TENANTS: OriginSet = OriginSet::new("TENANTS");

#[cors(origins = ["*", TENANTS])]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {
    let _ = &TENANTS;
}
