use cors_rocket::cors;

#[cors(orgins = ["https://app.example.re"])]
#[rocket::get("/x")]
fn handler() -> &'static str {
    "x"
}

fn main() {}
