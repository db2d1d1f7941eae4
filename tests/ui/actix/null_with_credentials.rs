use cors_actix::cors;

#[cors(origins = ["null"], allow_null_origin, credentials)]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
