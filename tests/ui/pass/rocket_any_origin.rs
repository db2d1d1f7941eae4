use cors_rocket::cors;

#[cors(origins = ["*"], methods = ["*"], headers = ["*"], expose = ["*"])]
#[rocket::get("/x")]
fn handler() -> &'static str {
    "x"
}

fn main() {
    let _ = rocket::build().mount("/", rocket::routes![handler]);
}
