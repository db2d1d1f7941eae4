//! The Rocket conformance application: the routes and policies of the conformance contract
//! (`tests/CONFORMANCE.md`), served by the `conformance-rocket` binary and built in process by
//! the conformance tests.
//!
//! The global policy is built at start-up with the runtime builder, as an application reading
//! its allowlist from configuration would; every route policy is written with `#[cors(...)]`,
//! and the three `/private` handlers share one `policy!`.

use std::thread::JoinHandle;

use cors_rocket::{cors, policy, Cors};
use rocket::config::LogLevel;
use rocket::fairing::AdHoc;
use rocket::figment::Figment;
use rocket::http::{Header, Status};
use rocket::{delete, get, put, routes, Build, Config, Responder, Rocket};

policy! {
    /// The policy of `GET`, `PUT` and `DELETE /private`.
    pub PRIVATE = {
        origins = ["https://app.example.re", "https://dashboard.example.re"],
        credentials,
        methods = [GET, PUT, DELETE],
        headers = ["content-type", "x-custom"],
        expose = ["x-total-count"],
        max_age = 600,
    };
}

pub use crate::conformance::default_policy;

/// A body with one extra header.
#[derive(Responder)]
pub struct WithHeader {
    body: &'static str,
    header: Header<'static>,
}

#[cors(origins = ["*"], expose = ["x-request-id"])]
#[get("/public")]
fn public() -> WithHeader {
    WithHeader {
        body: "public",
        header: Header::new("x-request-id", "7"),
    }
}

#[cors(policy = PRIVATE)]
#[get("/private")]
fn private_get() -> WithHeader {
    WithHeader {
        body: "private",
        header: Header::new("x-total-count", "42"),
    }
}

#[cors(policy = PRIVATE)]
#[put("/private")]
fn private_put() -> &'static str {
    "updated"
}

#[cors(policy = PRIVATE)]
#[delete("/private")]
fn private_delete() -> Status {
    Status::InternalServerError
}

#[cors(origins = ["https://*.example.re"], credentials)]
#[get("/sub")]
fn sub() -> &'static str {
    "sub"
}

#[cors(origins = ["http://localhost:*", "http://127.0.0.1:*"])]
#[get("/local")]
fn local() -> &'static str {
    "local"
}

#[cors(origins = ["null"], allow_null_origin)]
#[get("/sandbox")]
fn sandbox() -> &'static str {
    "sandbox"
}

#[get("/plain")]
fn plain() -> &'static str {
    "plain"
}

#[get("/fail")]
fn fail() -> Status {
    Status::InternalServerError
}

/// Rocket's configuration for the conformance server: `127.0.0.1:port`, and no log output
/// (Rocket logs on stdout, which must carry only the listening line).
pub fn figment(port: u16) -> Figment {
    Config::figment()
        .merge(("address", "127.0.0.1"))
        .merge(("port", port))
        .merge(("log_level", LogLevel::Off))
        .merge(("cli_colors", false))
}

/// The conformance application with `figment` as configuration: every route mounted, and the
/// `Cors` fairing with the global policy attached after them.
pub fn rocket_with(figment: Figment) -> Rocket<Build> {
    let rocket = rocket::custom(figment).mount(
        "/",
        routes![
            public,
            private_get,
            private_put,
            private_delete,
            sub,
            local,
            sandbox,
            plain,
            fail
        ],
    );
    match default_policy() {
        Ok(policy) => rocket.attach(Cors::new(policy)),
        // Not reachable with the policy above; if it were edited into an invalid one, launch
        // fails and says why.
        Err(errors) => rocket.attach(AdHoc::try_on_ignite("CORS", move |rocket| async move {
            eprintln!("the global CORS policy is invalid:\n{errors}");
            Err(rocket)
        })),
    }
}

/// The conformance application, for `rocket::local` clients (port 8080 is never bound by them).
pub fn rocket() -> Rocket<Build> {
    rocket_with(figment(8080))
}

/// Runs the application on `127.0.0.1:port` in a new thread with its own runtime and returns
/// at once. A launch failure is reported on stderr and ends the thread.
pub fn start(port: u16) -> JoinHandle<()> {
    std::thread::spawn(move || {
        if let Err(error) = rocket::execute(rocket_with(figment(port)).launch()) {
            eprintln!("conformance-rocket on 127.0.0.1:{port}: {}", error.kind());
        }
    })
}
