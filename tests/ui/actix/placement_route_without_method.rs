use actix_web::route;
use cors_actix::cors;

#[cors(origins = ["https://app.example.re"])]
#[route("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
