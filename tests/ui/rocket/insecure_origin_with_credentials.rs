use cors_rocket::cors;

#[cors(origins = ["http://app.example.re"], credentials)]
#[rocket::get("/x")]
fn handler() -> &'static str {
    "x"
}

fn main() {}
