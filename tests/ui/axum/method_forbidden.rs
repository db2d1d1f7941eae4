use cors_axum::cors;

#[cors(origins = ["https://app.example.re"], methods = [GET, TRACE])]
async fn handler() -> &'static str {
    "x"
}

fn main() {
    let _ = axum::routing::get::<_, _, ()>(handler);
}
