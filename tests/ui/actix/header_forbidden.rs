use cors_actix::cors;

#[cors(origins = ["https://app.example.re"], headers = ["content-type", "cookie"])]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
