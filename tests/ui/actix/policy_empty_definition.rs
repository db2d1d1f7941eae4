use cors_actix::policy;

policy! {
    PRIVATE = {};
}

fn main() {}
