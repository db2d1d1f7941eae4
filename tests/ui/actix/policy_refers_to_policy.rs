use cors_actix::policy;

policy! {
    BASE = { origins = ["https://app.example.re"] };
    OTHER = { policy = BASE };
}

fn main() {}
