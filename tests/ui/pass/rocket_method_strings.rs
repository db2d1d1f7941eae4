use cors_rocket::cors;

#[cors(origins = ["https://app.example.re"], methods = ["PATCH", "M-SEARCH", r#delete_all], max_age = 0)]
#[rocket::get("/x")]
fn handler() -> &'static str {
    "x"
}

fn main() {
    let _ = rocket::build().mount("/", rocket::routes![handler]);
}
