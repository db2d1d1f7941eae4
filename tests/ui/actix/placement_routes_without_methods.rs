use actix_web::routes;
use cors_actix::cors;

#[cors(origins = ["https://app.example.re"])]
#[routes]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
