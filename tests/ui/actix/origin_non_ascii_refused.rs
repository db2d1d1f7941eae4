use cors_actix::cors;

// A label may not start with a combining mark: the URL parser refuses this host.
#[cors(origins = ["https://\u{308}a.example.re"])]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
