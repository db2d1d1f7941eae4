use cors_rocket::{cors, OriginSet};

static TENANTS: OriginSet = OriginSet::new("TENANTS");
static PARTNERS: OriginSet = OriginSet::new("PARTNERS");

#[cors(origins = [TENANTS, PARTNERS])]
#[rocket::get("/x")]
fn handler() -> &'static str {
    "x"
}

fn main() {
    let _ = (&TENANTS, &PARTNERS);
}
