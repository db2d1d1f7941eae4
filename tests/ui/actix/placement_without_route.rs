use cors_actix::cors;

#[cors(origins = ["https://app.example.re"])]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
