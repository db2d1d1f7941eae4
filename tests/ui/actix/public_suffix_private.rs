use cors_actix::cors;

// A rule of the private section: `123website.nl`.
#[cors(origins = ["https://*.123website.nl"], credentials)]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
