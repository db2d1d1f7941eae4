use cors_rocket::cors;

#[cors(origins = ["http://localhost:*", "http://127.0.0.1:*"], credentials)]
#[rocket::get("/x")]
fn handler() -> &'static str {
    "x"
}

fn main() {
    let _ = rocket::build().mount("/", rocket::routes![handler]);
}
