use cors_actix::cors;

#[cors(origins = ["https://app.example.re"], csrf = true)]
#[actix_web::post("/notes")]
async fn handler() -> &'static str {
    "noted"
}

fn main() {}
