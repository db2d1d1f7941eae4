use cors_actix::cors;

#[cors(origins = ["h_ttps://app.example.re"])]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
