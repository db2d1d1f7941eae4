//! The Actix-web example of the guide (`docs/guide/src/actix.md`): a default policy read from the
//! environment, a route with its own policy, and a named policy shared by two handlers.
//!
//! Run it with `cargo run -p cors-actix --example readme`, then try
//! `curl -i -H 'Origin: https://app.example.re' http://127.0.0.1:8080/documents`.

use std::process::ExitCode;

use actix_web::{get, put, web, App, HttpResponse, HttpServer};
use cors_actix::{cors, policy, Cors, PolicySpec};

policy! {
    /// The two front ends may read and change documents, with cookies.
    pub DOCUMENTS = {
        origins = ["https://app.example.re", "https://admin.example.re"],
        credentials,
        methods = [GET, PUT],
        headers = ["content-type"],
        expose = ["x-total-count"],
        max_age = 600,
    };
}

/// Anyone may read the status, without credentials.
#[cors(origins = ["*"])]
#[get("/status")]
async fn status() -> &'static str {
    "ok"
}

#[cors(policy = DOCUMENTS)]
#[get("/documents")]
async fn list_documents() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("x-total-count", "2"))
        .body("[1, 2]")
}

#[cors(policy = DOCUMENTS)]
#[put("/documents/{id}")]
async fn update_document(id: web::Path<u32>) -> String {
    format!("updated {id}")
}

fn main() -> ExitCode {
    // The default policy covers every route without one of its own, and Actix's own 404s.
    // Read at start-up, it is validated by the same rules as the policies above; a bad
    // CORS_ORIGINS prints every problem, with the fix, and the server does not start.
    let origins =
        std::env::var("CORS_ORIGINS").unwrap_or_else(|_| "https://app.example.re".to_owned());
    let default = match PolicySpec::new()
        .origins_from_list(&origins)
        .methods(["GET", "POST"])
        .validate()
    {
        Ok(policy) => policy,
        Err(errors) => {
            eprintln!("CORS_ORIGINS: {errors}");
            return ExitCode::FAILURE;
        }
    };
    let port = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8080);
    match actix_web::rt::System::new().block_on(serve(Cors::new(default), port)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cannot serve on 127.0.0.1:{port}: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(cors: Cors, port: u16) -> std::io::Result<()> {
    HttpServer::new(move || {
        App::new()
            .wrap(cors.clone())
            .service(status)
            .service(list_documents)
            .service(update_document)
            .route("/health", web::get().to(HttpResponse::Ok))
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
