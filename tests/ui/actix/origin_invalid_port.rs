use cors_actix::cors;

#[cors(origins = ["http://localhost:65536"])]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
