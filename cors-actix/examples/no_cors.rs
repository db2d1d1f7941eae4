//! The baseline of the load measurement: the handlers of the conformance server's `/private`
//! and `/plain` routes, served by Actix-web with no CORS at all, on `127.0.0.1:$PORT`.
//!
//! Compare with `conformance-actix` (same handlers, with the route policy and the default
//! middleware), e.g. `wrk -t2 -c32 -d10s -H 'Origin: https://app.example.re' URL/private`.

use actix_web::{get, App, HttpResponse, HttpServer};

#[get("/private")]
async fn private_get() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("x-total-count", "42"))
        .body("private")
}

#[get("/plain")]
async fn plain() -> &'static str {
    "plain"
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8080);
    let server = HttpServer::new(|| App::new().service(private_get).service(plain))
        .bind(("127.0.0.1", port))?
        .run();
    println!("listening on http://127.0.0.1:{port}");
    server.await
}
