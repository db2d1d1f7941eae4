//! The Actix-web conformance application: the routes and policies of the conformance contract
//! (`tests/CONFORMANCE.md`), served by the `conformance-actix` binary and built in process by
//! the conformance tests.
//!
//! The global policy is built at start-up with the runtime builder, as an application reading
//! its allowlist from configuration would, and is reloadable (a [`PolicyHandle`]); every route
//! policy is written with `#[cors(...)]`, and the three `/private` handlers share one `policy!`.
//! `/tenant` allows the runtime set [`TENANTS`], which `PUT /admin/tenants` replaces.
//! The `/notes` routes turn on write protection through their policies ([`NOTES`], and the
//! public and hook routes' own); `GET /notes/socket` is a WebSocket echo (`actix-ws`).

use std::io;
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::thread::JoinHandle;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::error::ErrorInternalServerError;
use actix_web::http::StatusCode;
use actix_web::{delete, get, post, put, routes, web, App, HttpRequest, HttpResponse, HttpServer};
use cors_actix::{cors, policy, Cors, OriginSet, PolicyErrors, PolicyHandle};

use crate::admin::{self, Answer};
use crate::conformance::writes::NOTES_FORM;
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

policy! {
    /// The policy of `GET /notes`, its writes, its form and its socket: the app origin may
    /// read and write, every other site is refused writing.
    pub NOTES = {
        origins = ["https://app.example.re"],
        credentials,
        methods = [GET, POST, PUT, DELETE],
        headers = ["content-type"],
        protect_writes,
    };
}

/// The notes written so far, by every `/notes` route of this application (in this process).
pub static NOTES_WRITTEN: AtomicU64 = AtomicU64::new(0);

fn add_note() {
    NOTES_WRITTEN.fetch_add(1, Ordering::SeqCst);
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

#[cors(policy = NOTES)]
#[get("/notes")]
async fn notes_count() -> String {
    NOTES_WRITTEN.load(Ordering::SeqCst).to_string()
}

#[cors(policy = NOTES)]
#[routes]
#[post("/notes")]
#[put("/notes")]
#[delete("/notes")]
async fn notes_write() -> &'static str {
    add_note();
    "noted"
}

#[cors(policy = NOTES)]
#[get("/notes/form")]
async fn notes_form() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(NOTES_FORM)
}

/// A WebSocket that echoes every text message.
#[cors(policy = NOTES)]
#[get("/notes/socket")]
async fn notes_socket(req: HttpRequest, body: web::Payload) -> actix_web::Result<HttpResponse> {
    let (response, mut session, mut stream) = actix_ws::handle(&req, body)?;
    actix_web::rt::spawn(async move {
        while let Some(Ok(message)) = stream.recv().await {
            let sent = match message {
                actix_ws::Message::Text(text) => session.text(text).await,
                actix_ws::Message::Ping(bytes) => session.pong(&bytes).await,
                actix_ws::Message::Close(reason) => {
                    let _ = session.close(reason).await;
                    return;
                }
                _ => Ok(()),
            };
            if sent.is_err() {
                return;
            }
        }
    });
    Ok(response)
}

// `*` with write protection is this route's point: its compile-time note is expected.
#[allow(deprecated)]
mod public_notes {
    use super::*;

    #[cors(origins = ["*"], methods = [POST], protect_writes)]
    #[post("/notes/public")]
    pub(super) async fn notes_public() -> &'static str {
        add_note();
        "noted"
    }
}
use public_notes::notes_public;

#[cors(origins = ["https://app.example.re"], methods = [POST], protect_writes = false)]
#[post("/notes/hook")]
async fn notes_hook() -> &'static str {
    add_note();
    "hooked"
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
        .service(notes_count)
        .service(notes_write)
        .service(notes_form)
        .service(notes_socket)
        .service(notes_public)
        .service(notes_hook)
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
