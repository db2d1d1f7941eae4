use cors_rocket::cors;

cors_rocket::policy! {
    PRIVATE = { origins = ["https://app.example.re"] };
}

#[cors(policy = PRIVATE, credentials, max_age = 600)]
#[rocket::get("/x")]
fn handler() -> &'static str {
    "x"
}

fn main() {}
