use cors_rocket::{cors, policy};

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
#[rocket::get("/x")]
fn handler() -> &'static str {
    "x"
}

#[cors(policy = PUBLIC)]
#[rocket::get("/y")]
fn other() -> &'static str {
    "y"
}

fn main() {}
