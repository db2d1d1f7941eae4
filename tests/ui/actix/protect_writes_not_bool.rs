use cors_actix::cors;

#[cors(origins = ["https://app.example.re"], protect_writes = "yes")]
#[actix_web::post("/notes")]
async fn handler() -> &'static str {
    "noted"
}

fn main() {}
