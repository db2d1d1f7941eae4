use cors_actix::cors;

#[cors(
    origins = ["https://app.example.re/", "*", "HTTPS://admin.example.re"],
    credentials,
    methods = [get, CONNECT],
    headers = ["cookie"],
    max_age = 100000,
)]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {
    // The handler is emitted unchanged beside the errors: naming it reports nothing more.
    let _ = actix_web::App::new().service(handler);
}
