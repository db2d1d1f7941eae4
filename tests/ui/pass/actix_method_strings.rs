use cors_actix::cors;

#[cors(origins = ["https://app.example.re"], methods = ["PATCH", "M-SEARCH", r#delete_all], max_age = 0)]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {
    let _ = actix_web::App::new().service(handler);
}
