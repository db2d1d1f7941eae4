use cors_rocket::cors;

#[cors(origins = ["https://app.example.re"], headers = ["content-type", "cookie"])]
#[rocket::get("/x")]
fn handler() -> &'static str {
    "x"
}

fn main() {}
