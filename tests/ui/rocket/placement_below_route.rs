use cors_rocket::cors;

#[rocket::get("/x")]
#[cors(origins = ["https://app.example.re"])]
fn handler() -> &'static str {
    "x"
}

fn main() {
    let _ = rocket::build().mount("/", rocket::routes![handler]);
}
