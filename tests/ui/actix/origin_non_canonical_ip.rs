use cors_actix::cors;

#[cors(origins = ["http://127.000.0.1:8080"])]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
