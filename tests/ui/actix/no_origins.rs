use cors_actix::cors;

#[cors(origins = [], methods = [PUT])]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
