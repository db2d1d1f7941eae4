use cors_actix::cors;

#[cors(origins = ["https://app.example.re"], methods = [GET, 42])]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
