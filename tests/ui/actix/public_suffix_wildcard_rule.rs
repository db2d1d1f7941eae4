use cors_actix::cors;

// `*.ck` makes every `x.ck` a public suffix.
#[cors(origins = ["https://*.foo.ck"], credentials)]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
