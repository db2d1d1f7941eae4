use cors_actix::cors;

#[cors(origins = ["\"https://app.example.re\""])]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
