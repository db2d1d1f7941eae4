use cors_actix::cors;

// An ICANN rule of several labels: `pvt.k12.ma.us`.
#[cors(origins = ["https://*.pvt.k12.ma.us"], credentials)]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
