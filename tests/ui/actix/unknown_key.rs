use cors_actix::cors;

#[cors(orgins = ["https://app.example.re"])]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
