use cors_axum::cors;

cors_axum::policy! {
    PRIVATE = { origins = ["https://app.example.re"] };
}

#[cors(policy = PRIVATE, credentials, max_age = 600)]
async fn handler() -> &'static str {
    "x"
}

fn main() {
    let _ = axum::routing::get::<_, _, ()>(handler);
}
