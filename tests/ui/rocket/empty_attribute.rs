use cors_rocket::cors;

#[cors]
#[rocket::get("/x")]
fn handler() -> &'static str {
    "x"
}

fn main() {}
