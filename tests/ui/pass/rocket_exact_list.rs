use cors_rocket::cors;

#[cors(origins = ["https://app.example.re", "https://dashboard.example.re"], methods = [GET, PUT])]
#[rocket::get("/x")]
fn handler() -> &'static str {
    "x"
}

fn main() {
    let _ = rocket::build().mount("/", rocket::routes![handler]);
}
