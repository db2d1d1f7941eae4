use cors_actix::cors;

#[cors(origins = ["http://127.0.0.1:8080", "http://[::1]:3000"], credentials)]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {
    let _ = actix_web::App::new().service(handler);
}
