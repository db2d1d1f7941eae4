use cors_actix::cors;

#[cors(origins = ["https://app.example.re"])]
struct Handler;

fn main() {}
