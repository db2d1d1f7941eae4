use actix_web::get;
use cors_actix::cors;

#[get("/x")]
#[cors(origins = ["https://app.example.re"])]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
