//! The Actix-web conformance application: the routes and policies of the conformance contract
//! (`tests/CONFORMANCE.md`), served by the `conformance-actix` binary and built in process by
//! the conformance tests.
//!
//! The global policy is built at start-up with the runtime builder, as an application reading
//! its allowlist from configuration would; every route policy is written with `#[cors(...)]`,
//! and the three `/private` handlers share one `policy!`.

use std::io;
use std::net::TcpListener;
use std::thread::JoinHandle;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::error::ErrorInternalServerError;
use actix_web::{delete, get, put, App, HttpResponse, HttpServer};
use cors_actix::{cors, policy, Cors};

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

#[cors(origins = ["*"], expose = ["x-request-id"])]
#[get("/public")]
async fn public() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("x-request-id", "7"))
        .body("public")
}

#[cors(policy = PRIVATE)]
#[get("/private")]
async fn private_get() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("x-total-count", "42"))
        .body("private")
}

#[cors(policy = PRIVATE)]
#[put("/private")]
async fn private_put() -> &'static str {
    "updated"
}

#[cors(policy = PRIVATE)]
#[delete("/private")]
async fn private_delete() -> actix_web::Result<&'static str> {
    Err(ErrorInternalServerError("deleting always fails here"))
}

#[cors(origins = ["https://*.example.re"], credentials)]
#[get("/sub")]
async fn sub() -> &'static str {
    "sub"
}

#[cors(origins = ["http://localhost:*", "http://127.0.0.1:*"])]
#[get("/local")]
async fn local() -> &'static str {
    "local"
}

#[cors(origins = ["null"], allow_null_origin)]
#[get("/sandbox")]
async fn sandbox() -> &'static str {
    "sandbox"
}

#[get("/plain")]
async fn plain() -> &'static str {
    "plain"
}

#[get("/fail")]
async fn fail() -> actix_web::Result<&'static str> {
    Err(ErrorInternalServerError("this route always fails"))
}

/// The conformance application, with `cors` (the global policy) around every route.
pub fn app(
    cors: Cors,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .wrap(cors)
        .service(public)
        .service(private_get)
        .service(private_put)
        .service(private_delete)
        .service(sub)
        .service(local)
        .service(sandbox)
        .service(plain)
        .service(fail)
}

/// Serves the application on an already listening socket. Must be called inside an Actix
/// system; the returned server runs until it is stopped or the process ends.
pub fn server(listener: TcpListener) -> io::Result<Server> {
    let cors = Cors::new(default_policy().map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("the global CORS policy is invalid:\n{e}"),
        )
    })?);
    Ok(HttpServer::new(move || app(cors.clone()))
        .listen(listener)?
        .disable_signals()
        .run())
}

/// Runs the application on `127.0.0.1:port` in a new thread with its own Actix system and
/// returns at once. Failing to bind is reported on stderr and ends the thread.
pub fn start(port: u16) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let result = TcpListener::bind(("127.0.0.1", port)).and_then(|listener| {
            actix_web::rt::System::new().block_on(async move { server(listener)?.await })
        });
        if let Err(e) = result {
            eprintln!("conformance-actix on 127.0.0.1:{port}: {e}");
        }
    })
}
