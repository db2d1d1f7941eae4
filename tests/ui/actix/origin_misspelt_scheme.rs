use cors_actix::cors;

#[cors(origins = ["htps://app.example.re"])]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
