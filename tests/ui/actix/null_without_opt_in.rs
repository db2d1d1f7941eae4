use cors_actix::cors;

#[cors(origins = ["null"])]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
