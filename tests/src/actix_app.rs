//! The Actix-web conformance application: the routes and policies of the conformance contract
//! (`tests/CONFORMANCE.md`), served by the `conformance-actix` binary and built in process by
//! the conformance tests.
//!
//! The global policy is built at start-up with the runtime builder, as an application reading
//! its allowlist from configuration would, and is reloadable (a [`PolicyHandle`]); every route
//! policy is written with `#[cors(...)]`, and the three `/private` handlers share one `policy!`.
//! `/tenant` allows the runtime set [`TENANTS`], which `PUT /admin/tenants` replaces.

use std::io;
use std::net::TcpListener;
use std::sync::OnceLock;
use std::thread::JoinHandle;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::error::ErrorInternalServerError;
use actix_web::http::StatusCode;
use actix_web::{delete, get, put, web, App, HttpResponse, HttpServer};
use cors_actix::{cors, policy, Cors, OriginSet, PolicyErrors, PolicyHandle};

use crate::admin::{self, Answer};
use crate::conformance::TENANTS_AT_START;

/// The runtime origin set of `/tenant`. This application's own: the Rocket application has
/// another, so that both can run in one process.
pub static TENANTS: OriginSet = OriginSet::new("TENANTS");

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

#[cors(origins = TENANTS, credentials, methods = [GET, PUT], headers = ["content-type"])]
#[get("/tenant")]
async fn tenant_get() -> &'static str {
    "tenant"
}

#[cors(origins = TENANTS, credentials, methods = [GET, PUT], headers = ["content-type"])]
#[put("/tenant")]
async fn tenant_put() -> &'static str {
    "tenant updated"
}

fn answer(answer: Answer) -> HttpResponse {
    HttpResponse::build(StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK))
        .content_type(admin::JSON)
        .body(answer.body)
}

#[put("/admin/tenants")]
async fn admin_tenants(body: web::Bytes) -> HttpResponse {
    answer(admin::replace_tenants(&TENANTS, &body))
}

#[put("/admin/global")]
async fn admin_global(global: web::Data<PolicyHandle>, body: web::Bytes) -> HttpResponse {
    answer(admin::replace_global(&global, &body))
}

#[get("/plain")]
async fn plain() -> &'static str {
    "plain"
}

#[get("/fail")]
async fn fail() -> actix_web::Result<&'static str> {
    Err(ErrorInternalServerError("this route always fails"))
}

/// Fills [`TENANTS`] with its start-up contents, the first time it is called in the process;
/// later calls leave the set as it is.
pub fn fill_tenants() -> Result<(), PolicyErrors> {
    static FILLED: OnceLock<Result<usize, PolicyErrors>> = OnceLock::new();
    FILLED
        .get_or_init(|| TENANTS.replace(TENANTS_AT_START))
        .clone()
        .map(drop)
}

/// A handle on the global policy of the contract, as at start-up.
pub fn global() -> Result<PolicyHandle, PolicyErrors> {
    crate::conformance::default_policy().map(PolicyHandle::new)
}

/// The conformance application, with the reloadable global policy `global` around every route.
/// Fills [`TENANTS`] if nothing did yet.
pub fn app(
    global: PolicyHandle,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    if let Err(errors) = fill_tenants() {
        // Not reachable with the start-up contents; if they were edited into invalid ones,
        // `/tenant` allows nobody and this says why.
        eprintln!("the start-up contents of TENANTS are invalid:\n{errors}");
    }
    App::new()
        .app_data(web::Data::new(global.clone()))
        .wrap(Cors::reloadable(global))
        .service(public)
        .service(private_get)
        .service(private_put)
        .service(private_delete)
        .service(sub)
        .service(local)
        .service(sandbox)
        .service(tenant_get)
        .service(tenant_put)
        .service(admin_tenants)
        .service(admin_global)
        .service(plain)
        .service(fail)
}

/// Serves the application on an already listening socket. Must be called inside an Actix
/// system; the returned server runs until it is stopped or the process ends.
pub fn server(listener: TcpListener) -> io::Result<Server> {
    let invalid = |what: &str, e: PolicyErrors| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{what} is invalid:\n{e}"),
        )
    };
    let global = global().map_err(|e| invalid("the global CORS policy", e))?;
    fill_tenants().map_err(|e| invalid("the start-up contents of TENANTS", e))?;
    Ok(HttpServer::new(move || app(global.clone()))
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
