// The note is a warning; denying it here makes trybuild record its text.
#![deny(deprecated)]

use cors_actix::cors;

#[cors(origins = ["*"], methods = [POST], protect_writes)]
#[actix_web::post("/notes/public")]
async fn handler() -> &'static str {
    "noted"
}

fn main() {}
