use cors_rocket::cors;

#[cors(origins = ["https://app.example.re"], methods = [GET], origins = ["https://admin.example.re"])]
#[rocket::get("/x")]
fn handler() -> &'static str {
    "x"
}

fn main() {}
