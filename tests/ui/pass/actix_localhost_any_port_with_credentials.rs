use cors_actix::cors;

#[cors(origins = ["http://localhost:*", "http://127.0.0.1:*"], credentials)]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {
    let _ = actix_web::App::new().service(handler);
}
