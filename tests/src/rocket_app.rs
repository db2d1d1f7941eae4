//! The Rocket conformance application: the routes and policies of the conformance contract
//! (`tests/CONFORMANCE.md`), served by the `conformance-rocket` binary and built in process by
//! the conformance tests.
//!
//! The global policy is built at start-up with the runtime builder, as an application reading
//! its allowlist from configuration would, and is reloadable (a [`PolicyHandle`] in Rocket's
//! managed state); every route policy is written with `#[cors(...)]`, and the three `/private`
//! handlers share one `policy!`. `/tenant` allows the runtime set [`TENANTS`], which
//! `PUT /admin/tenants` replaces. The `/notes` routes turn write protection on (or, for
//! `/notes/hook`, off) in their own policies, and count their writes in [`Notes`].

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::thread::JoinHandle;

use cors_rocket::{cors, policy, Cors, OriginSet, PolicyErrors, PolicyHandle};
use rocket::config::LogLevel;
use rocket::data::{ByteUnit, Limits};
use rocket::fairing::AdHoc;
use rocket::figment::Figment;
use rocket::futures::{SinkExt, StreamExt};
use rocket::http::{ContentType, Header, Status};
use rocket::response::content::RawHtml;
use rocket::{delete, get, post, put, routes, Build, Config, Responder, Rocket, State};

use crate::admin::{self, Answer};
use crate::conformance::TENANTS_AT_START;

/// The runtime origin set of `/tenant`. This application's own: the Actix application has
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
    /// The policy of the `/notes` routes: write protection on.
    pub NOTES = {
        origins = ["https://app.example.re"],
        credentials,
        methods = [GET, POST, PUT, DELETE],
        headers = ["content-type"],
        protect_writes,
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

#[cors(origins = TENANTS, credentials, methods = [GET, PUT], headers = ["content-type"])]
#[get("/tenant")]
fn tenant_get() -> &'static str {
    "tenant"
}

#[cors(origins = TENANTS, credentials, methods = [GET, PUT], headers = ["content-type"])]
#[put("/tenant")]
fn tenant_put() -> &'static str {
    "tenant updated"
}

/// The number of notes written so far by every `/notes` route of one server.
#[derive(Debug, Default)]
pub struct Notes(AtomicUsize);

impl Notes {
    /// Adds one note.
    fn add(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[cors(policy = NOTES)]
#[get("/notes")]
fn notes_count(notes: &State<Notes>) -> String {
    notes.0.load(Ordering::SeqCst).to_string()
}

#[cors(policy = NOTES)]
#[post("/notes")]
fn notes_post(notes: &State<Notes>) -> &'static str {
    notes.add();
    "noted"
}

#[cors(policy = NOTES)]
#[put("/notes")]
fn notes_put(notes: &State<Notes>) -> &'static str {
    notes.add();
    "noted"
}

#[cors(policy = NOTES)]
#[delete("/notes")]
fn notes_delete(notes: &State<Notes>) -> &'static str {
    notes.add();
    "noted"
}

#[cors(policy = NOTES)]
#[get("/notes/form")]
fn notes_form() -> RawHtml<&'static str> {
    RawHtml(crate::conformance::writes::NOTES_FORM)
}

/// A WebSocket that echoes every text message.
#[cors(policy = NOTES)]
#[get("/notes/socket")]
fn notes_socket(socket: rocket_ws::WebSocket) -> rocket_ws::Channel<'static> {
    socket.channel(|mut stream| {
        Box::pin(async move {
            while let Some(message) = stream.next().await {
                let message = message?;
                if message.is_text() {
                    stream.send(message).await?;
                }
            }
            Ok(())
        })
    })
}

/// `POST /notes/public`, whose policy allows every origin to read and so trusts none to write.
// The compile-time note that `*` trusts no origin for writes is what the contract's route shows.
#[allow(deprecated)]
mod public_notes {
    use super::{cors, post, Notes, State};

    #[cors(origins = ["*"], methods = [POST], protect_writes)]
    #[post("/notes/public")]
    pub(super) fn notes_public(notes: &State<Notes>) -> &'static str {
        notes.add();
        "noted"
    }
}
use public_notes::notes_public;

#[cors(origins = ["https://app.example.re"], methods = [POST], protect_writes = false)]
#[post("/notes/hook")]
fn notes_hook(notes: &State<Notes>) -> &'static str {
    notes.add();
    "hooked"
}

/// An admin answer as Rocket writes it.
type Json = (Status, (ContentType, String));

fn answer(answer: Answer) -> Json {
    (
        Status::from_code(answer.status).unwrap_or(Status::Ok),
        (ContentType::JSON, answer.body),
    )
}

#[put("/admin/tenants", data = "<body>")]
fn admin_tenants(body: Vec<u8>) -> Json {
    answer(admin::replace_tenants(&TENANTS, &body))
}

#[put("/admin/global", data = "<body>")]
fn admin_global(global: &State<PolicyHandle>, body: Vec<u8>) -> Json {
    answer(admin::replace_global(global, &body))
}

#[get("/plain")]
fn plain() -> &'static str {
    "plain"
}

#[get("/fail")]
fn fail() -> Status {
    Status::InternalServerError
}

/// The largest admin body the server reads. Rocket reads a `Vec<u8>` body up to its `bytes`
/// limit, 8 KiB by default: about 250 origins. One MiB takes tens of thousands, beyond the
/// 5,000 tenants the tests send (Actix's default for `web::Bytes` is 256 KiB).
pub const ADMIN_BODY_LIMIT: ByteUnit = ByteUnit::Mebibyte(1);

/// Rocket's configuration for the conformance server: `127.0.0.1:port`, no log output (Rocket
/// logs on stdout, which must carry only the listening line), and admin bodies up to
/// [`ADMIN_BODY_LIMIT`].
pub fn figment(port: u16) -> Figment {
    Config::figment()
        .merge(("address", "127.0.0.1"))
        .merge(("port", port))
        .merge(("log_level", LogLevel::Off))
        .merge(("cli_colors", false))
        .merge(("limits", Limits::default().limit("bytes", ADMIN_BODY_LIMIT)))
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

/// The conformance application with `figment` as configuration: every route mounted, and the
/// `Cors` fairing with the reloadable global policy attached after them (its [`PolicyHandle`]
/// is in Rocket's managed state). Fills [`TENANTS`] if nothing did yet.
pub fn rocket_with(figment: Figment) -> Rocket<Build> {
    let filled = fill_tenants();
    let rocket = rocket::custom(figment).manage(Notes::default()).mount(
        "/",
        routes![
            public,
            private_get,
            private_put,
            private_delete,
            sub,
            local,
            sandbox,
            tenant_get,
            tenant_put,
            admin_tenants,
            admin_global,
            plain,
            fail,
            notes_count,
            notes_post,
            notes_put,
            notes_delete,
            notes_form,
            notes_socket,
            notes_public,
            notes_hook
        ],
    );
    match (default_policy(), filled) {
        (Ok(policy), Ok(())) => rocket
            .attach(Cors::new(PolicyHandle::new(policy))),
        // Not reachable with the policy and the set above; if they were edited into invalid
        // ones, launch fails and says why.
        (Err(errors), _) | (_, Err(errors)) => {
            rocket.attach(AdHoc::try_on_ignite("CORS", move |rocket| async move {
                eprintln!("the global CORS policy or the start-up contents of TENANTS are invalid:\n{errors}");
                Err(rocket)
            }))
        }
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
