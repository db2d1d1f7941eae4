use cors_actix::cors;

// The subdomains of a registrable domain, for each kind of public suffix rule: ICANN of
// several labels, private, under a wildcard rule, an exception rule, an internationalised suffix.
#[cors(
    origins = [
        "https://*.acme.co.uk",
        "https://*.school.pvt.k12.ma.us",
        "https://*.myname.github.io",
        "https://*.shop.foo.ck",
        "https://*.www.ck",
        "https://*.city.kawasaki.jp",
        "https://*.shop.xn--55qx5d.cn",
    ],
    credentials
)]
#[actix_web::get("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {
    let _ = actix_web::App::new().service(handler);
}
