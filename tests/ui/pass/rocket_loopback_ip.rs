use cors_rocket::cors;

#[cors(origins = ["http://127.0.0.1:8080", "http://[::1]:3000"], credentials)]
#[rocket::get("/x")]
fn handler() -> &'static str {
    "x"
}

fn main() {
    let _ = rocket::build().mount("/", rocket::routes![handler]);
}
