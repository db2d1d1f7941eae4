use cors_actix::cors;

#[cors(origins = ["http://app.example.re"], credentials)]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
