use cors_axum::cors;

struct Api;

impl Api {
    #[cors(origins = ["https://app.example.re"])]
    async fn handler(&self) -> &'static str {
        "x"
    }
}

fn main() {
    let _ = Api.handler();
}
