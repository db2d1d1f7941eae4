use cors_actix::{cors, policy};

policy! {
    /// Shared by the /private handlers.
    pub PRIVATE = {
        origins = ["https://app.example.re", "https://*.example.re"],
        credentials,
        methods = [GET, PUT, DELETE],
        headers = ["content-type"],
        expose = ["x-total-count"],
        max_age = 600,
    };
    PUBLIC = { origins = ["*"] }
}

#[cors(policy = PRIVATE)]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

#[cors(policy = PUBLIC)]
#[actix_web::put("/y")]
async fn other() -> &'static str {
    "y"
}

fn main() {
    assert!(PRIVATE.allows_origin("https://a.example.re"));
    assert!(PUBLIC.allows_any_origin());
    let _ = actix_web::App::new().service(handler).service(other);
}
