use cors_actix::cors;

// `*.kawasaki.jp` has the exception `!city.kawasaki.jp`, but `other.kawasaki.jp` is a suffix.
#[cors(origins = ["https://*.other.kawasaki.jp"], credentials)]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
