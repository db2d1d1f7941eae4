use actix_web::get;
use cors_actix::cors;

#[cors(origins = ["https://app.example.re"])]
#[cors(origins = ["https://admin.example.re"])]
#[get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
