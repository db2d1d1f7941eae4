use cors_rocket::cors;

#[cors(origins = ["https://app.example.re"])]
fn handler() -> &'static str {
    "x"
}

fn main() {
    let _ = handler();
}
