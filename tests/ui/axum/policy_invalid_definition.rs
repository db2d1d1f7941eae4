use axum::routing::get;
use cors_axum::{cors, policy, CorsRouteExt};

policy! {
    /// Used by the routes below, which must not report a second error.
    pub PRIVATE = {
        origins = ["https://app.example.re/"],
        credentials,
        methods = [GET, PUT],
    };
    PUBLIC = { origins = ["*"], credentials };
}

#[cors(policy = PRIVATE)]
async fn handler() -> &'static str {
    "x"
}

async fn other() -> &'static str {
    "y"
}

fn main() {
    let _ = axum::Router::<()>::new()
        .route("/x", get(handler).cors(handler::POLICY))
        .route("/y", get(other).cors(&PUBLIC));
}
