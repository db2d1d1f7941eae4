use cors_rocket::cors;

#[cors(origins = ["https://xn--bcher-kva.example.re"])]
#[rocket::get("/x")]
fn handler() -> &'static str {
    "x"
}

fn main() {
    let _ = rocket::build().mount("/", rocket::routes![handler]);
}
