use actix_web::{get, post};
use cors_actix::cors;

#[cors(origins = ["https://app.example.re"])]
#[get("/x")]
#[post("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
