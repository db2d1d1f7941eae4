use cors_rocket::cors;

#[cors(origins = ["https://*.example.re"], credentials, methods = [PUT])]
#[rocket::get("/x")]
fn handler() -> &'static str {
    "x"
}

fn main() {
    let _ = rocket::build().mount("/", rocket::routes![handler]);
}
