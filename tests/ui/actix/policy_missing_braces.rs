use cors_actix::policy;

policy! {
    PRIVATE = origins = ["https://app.example.re"];
}

fn main() {}
