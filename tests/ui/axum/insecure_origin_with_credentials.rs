use cors_axum::cors;

#[cors(origins = ["http://app.example.re"], credentials)]
async fn handler() -> &'static str {
    "x"
}

fn main() {
    let _ = axum::routing::get::<_, _, ()>(handler);
}
