use cors_actix::{cors, OriginSet};

static TENANTS: OriginSet = OriginSet::new("TENANTS");
static PARTNERS: OriginSet = OriginSet::new("PARTNERS");

#[cors(origins = [TENANTS, PARTNERS])]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {
    let _ = (&TENANTS, &PARTNERS);
}
