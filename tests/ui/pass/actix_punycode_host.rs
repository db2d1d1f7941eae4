use cors_actix::cors;

#[cors(origins = ["https://xn--bcher-kva.example.re"])]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {
    let _ = actix_web::App::new().service(handler);
}
