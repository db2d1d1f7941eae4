use cors_actix::cors;

#[cors(origins = ["https://app.example.re"], max_age = 0x10)]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
