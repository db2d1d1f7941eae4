use cors_rocket::cors;

#[cors(origins = ["https://app.example.re"])]
#[cors(origins = ["https://admin.example.re"])]
#[rocket::get("/x")]
fn handler() -> &'static str {
    "x"
}

fn main() {
    let _ = rocket::build().mount("/", rocket::routes![handler]);
}
