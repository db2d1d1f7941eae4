use cors_rocket::cors;

#[cors(origins = ["https://app.example.re"], max_age = 604800)]
#[rocket::get("/x")]
fn handler() -> &'static str {
    "x"
}

fn main() {}
