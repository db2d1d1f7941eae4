//! The axum example of the guide (`docs/guide/src/axum.md`): a default policy read from the
//! environment, a route with its own policy, and a named policy shared by two methods of a route.
//!
//! Run it with `cargo run -p cors-axum --example readme`, then try
//! `curl -i -H 'Origin: https://app.example.re' http://127.0.0.1:8080/documents`.

use std::process::ExitCode;

use axum::extract::Path;
use axum::routing::get;
use axum::Router;
use cors_axum::{cors, policy, Cors, CorsRouteExt, CorsRouterExt, PolicySpec};

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
async fn status() -> &'static str {
    "ok"
}

async fn list_documents() -> ([(&'static str, &'static str); 1], &'static str) {
    ([("x-total-count", "2")], "[1, 2]")
}

async fn update_document(Path(id): Path<u32>) -> String {
    format!("updated {id}")
}

fn main() -> ExitCode {
    // The default policy covers every route without one of its own, and axum's 404 and 405.
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
    let app = Router::new()
        .route("/status", get(status).cors(status::POLICY))
        .route("/documents", get(list_documents).cors(&DOCUMENTS))
        .route(
            "/documents/{id}",
            get(list_documents).put(update_document).cors(&DOCUMENTS),
        )
        .route("/health", get(|| async { "healthy" }))
        // Last: the default policy around everything. It returns a service, not a Router, so
        // no route can be added outside it.
        .with_cors(Cors::new(default));
    let port = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8080);
    let served = tokio::runtime::Runtime::new().and_then(|runtime| {
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
            axum::serve(listener, app.into_make_service()).await
        })
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cannot serve on 127.0.0.1:{port}: {error}");
            ExitCode::FAILURE
        }
    }
}
