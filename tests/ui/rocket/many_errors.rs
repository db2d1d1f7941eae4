use cors_rocket::cors;

#[cors(
    origins = ["https://app.example.re/", "*", "HTTPS://admin.example.re"],
    credentials,
    methods = [get, CONNECT],
    headers = ["cookie"],
    max_age = 100000,
)]
#[rocket::get("/x")]
fn handler() -> &'static str {
    "x"
}

fn main() {
    // The handler is emitted unchanged beside the errors: naming it reports nothing more.
    let _ = rocket::build().mount("/", rocket::routes![handler]);
}
