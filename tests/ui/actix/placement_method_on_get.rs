use actix_web::get;
use cors_actix::cors;

#[cors(origins = ["https://app.example.re"])]
#[get("/x", method = "POST")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
