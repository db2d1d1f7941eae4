use cors_actix::cors;

#[cors(policy = "PRIVATE")]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
