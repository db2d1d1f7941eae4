use cors_actix::policy;

policy! {}

fn main() {}
