use cors_actix::cors;

cors_actix::policy! {
    PRIVATE = { origins = ["https://app.example.re"] };
}

#[cors(policy = PRIVATE, credentials, max_age = 600)]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
