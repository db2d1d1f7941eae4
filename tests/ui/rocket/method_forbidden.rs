use cors_rocket::cors;

#[cors(origins = ["https://app.example.re"], methods = [GET, TRACE])]
#[rocket::get("/x")]
fn handler() -> &'static str {
    "x"
}

fn main() {}
