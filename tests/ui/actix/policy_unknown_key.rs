use cors_actix::policy;

policy! {
    PRIVATE = { origins = ["https://app.example.re"], max_age_secs = 600 };
}

fn main() {}
