use cors_rocket::{cors, policy};

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
#[rocket::get("/x")]
fn handler() -> &'static str {
    "x"
}

#[cors(policy = PUBLIC)]
#[rocket::put("/y")]
fn other() -> &'static str {
    "y"
}

fn main() {
    assert!(PRIVATE.allows_origin("https://a.example.re"));
    assert!(PUBLIC.allows_any_origin());
    let _ = rocket::build().mount("/", rocket::routes![handler, other]);
}
