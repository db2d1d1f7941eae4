use cors_actix::cors;

#[cors(origins = ["*"], methods = ["*"], headers = ["*"], expose = ["*"])]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {
    let _ = actix_web::App::new().service(handler);
}
