//! The Actix-web conformance application: the routes and policies of the conformance contract
//! (`shared/conformance.md`), served by the `conformance-actix` binary and built in process by
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
use cors_actix::{cors, policy, Cors, Policy, PolicyErrors, PolicySpec};

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

/// The global policy: the app origin, GET and POST, no credentials.
pub fn default_policy() -> Result<Policy, PolicyErrors> {
    PolicySpec::new()
        .origin("https://app.example.re")
        .methods(["GET", "POST"])
        .validate()
}

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

/// Prints the CORS adapter's `tracing` events (refusals, at debug level) on stderr, one line
/// each. A few lines instead of a logging framework: the conformance server needs nothing more.
pub fn log_to_stderr() {
    // Fails only when a subscriber is already installed, which then does the logging.
    let _ = tracing::subscriber::set_global_default(StderrLog);
}

struct StderrLog;

struct Line(String);

impl tracing::field::Visit for Line {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        use std::fmt::Write as _;
        let _ = if field.name() == "message" {
            write!(self.0, " {value:?}")
        } else {
            write!(self.0, " {}={value:?}", field.name())
        };
    }
}

impl tracing::Subscriber for StderrLog {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        *metadata.level() <= tracing::Level::DEBUG && metadata.target().starts_with("cors_")
    }

    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        let mut line = Line(String::new());
        event.record(&mut line);
        let meta = event.metadata();
        eprintln!("{} {}:{}", meta.level(), meta.target(), line.0);
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}
