use cors_actix::cors;

#[cors(origins = [app_example_re])]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
