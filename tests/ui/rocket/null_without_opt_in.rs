use cors_rocket::cors;

#[cors(origins = ["null"])]
#[rocket::get("/x")]
fn handler() -> &'static str {
    "x"
}

fn main() {}
