use cors_actix::{cors, policy};

policy! {
    /// Used by the handler below, which must not report a second error.
    pub PRIVATE = {
        origins = ["https://app.example.re/"],
        credentials,
        methods = [GET, PUT],
    };
    PUBLIC = { origins = ["*"], credentials };
}

#[cors(policy = PRIVATE)]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

#[cors(policy = PUBLIC)]
#[actix_web::get("/y")]
async fn other() -> &'static str {
    "y"
}

fn main() {}
