use cors_rocket::cors;

#[cors(origins = ["https://app.example.re"], protect_writes = 1)]
#[rocket::post("/notes")]
fn handler() -> &'static str {
    "noted"
}

fn main() {}
