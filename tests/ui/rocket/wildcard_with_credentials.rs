use cors_rocket::cors;

#[cors(origins = ["*"], credentials)]
#[rocket::get("/x")]
fn handler() -> &'static str {
    "x"
}

fn main() {}
