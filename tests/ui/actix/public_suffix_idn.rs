use cors_actix::cors;

// `公司.cn` in the ASCII form browsers send.
#[cors(origins = ["https://*.xn--55qx5d.cn"], credentials)]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
