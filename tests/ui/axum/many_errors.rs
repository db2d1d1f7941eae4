use cors_axum::cors;

#[cors(
    origins = ["https://app.example.re/", "*", "HTTPS://admin.example.re"],
    credentials,
    methods = [get, CONNECT],
    headers = ["cookie"],
    max_age = 100000,
)]
async fn handler() -> &'static str {
    "x"
}

fn main() {
    // The handler is emitted unchanged beside the errors: naming it reports nothing more.
    let _ = axum::routing::get::<_, _, ()>(handler);
}
