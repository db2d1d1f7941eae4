use cors_rocket::cors;

#[cors(origins = ["https://*.github.io"], credentials)]
#[rocket::get("/x")]
fn handler() -> &'static str {
    "x"
}

fn main() {}
