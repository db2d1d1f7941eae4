use cors_axum::cors;

#[cors(origins = ["https://app.example.re"])]
struct Handler;

fn main() {
    let _ = Handler;
}
