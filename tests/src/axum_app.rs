//! The axum conformance application: the routes and policies of the conformance contract
//! (`tests/CONFORMANCE.md`), served by the `conformance-axum` binary and built in process by
//! the conformance tests.
//!
//! The global policy is built at start-up with the runtime builder, as an application reading
//! its allowlist from configuration would, and is reloadable (a [`PolicyHandle`] in the
//! router's state); route policies are written with `#[cors(...)]` beside their handlers, and
//! `/private` takes one `policy!`. `/tenant` allows the runtime set [`TENANTS`], which
//! `PUT /admin/tenants` replaces. The `/notes` routes turn on write protection in their
//! policies (section "Cross-origin write protection"); the application's switch stays off.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;

use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRef, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use cors_axum::{
    cors, policy, Cors, CorsRouteExt, CorsRouterExt, CorsService, OriginSet, PolicyErrors,
    PolicyHandle,
};

use crate::admin::{self, Answer};
use crate::conformance::TENANTS_AT_START;

/// The runtime origin set of `/tenant`. This application's own: the other applications have
/// theirs, so that all can run in one process.
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
    /// The policy of every method of `/notes`, `/notes/form` and `/notes/socket`: the origins it
    /// lets read are the only other origins that may write.
    pub NOTES = {
        origins = ["https://app.example.re"],
        credentials,
        methods = [GET, POST, PUT, DELETE],
        headers = ["content-type"],
        protect_writes,
    };
}

pub use crate::conformance::default_policy;

/// How many notes every note route of one application wrote together.
#[derive(Clone, Debug, Default)]
pub struct Notes(Arc<AtomicU64>);

impl Notes {
    /// The number of notes written so far.
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }

    fn add(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// The router's state: the reloadable global policy and the note counter.
#[derive(Clone)]
struct AppState {
    global: PolicyHandle,
    notes: Notes,
}

impl FromRef<AppState> for PolicyHandle {
    fn from_ref(state: &AppState) -> Self {
        state.global.clone()
    }
}

impl FromRef<AppState> for Notes {
    fn from_ref(state: &AppState) -> Self {
        state.notes.clone()
    }
}

async fn notes_count(State(notes): State<Notes>) -> String {
    notes.count().to_string()
}

async fn notes_add(State(notes): State<Notes>) -> &'static str {
    notes.add();
    "noted"
}

async fn notes_form() -> Html<&'static str> {
    Html(crate::conformance::writes::NOTES_FORM)
}

async fn notes_socket(upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(echo)
}

/// Echoes every text message until the client closes.
async fn echo(mut socket: WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        let echo = match message {
            Message::Text(text) => Message::Text(text),
            Message::Close(_) => break,
            _ => continue,
        };
        if socket.send(echo).await.is_err() {
            break;
        }
    }
}

// `*` with write protection on is what this route shows: the compile-time note that `*` trusts
// no origin for writes is expected here.
#[allow(deprecated)]
mod public_notes {
    use super::{Notes, State};
    use cors_axum::cors;

    /// Everyone may read the answer; only the site itself may write.
    #[cors(origins = ["*"], methods = [POST], protect_writes)]
    pub(super) async fn notes_public(State(notes): State<Notes>) -> &'static str {
        notes.add();
        "noted"
    }
}
use public_notes::notes_public;

/// A callback other sites post to: write protection off for this route, in source.
#[cors(origins = ["https://app.example.re"], methods = [POST], protect_writes = false)]
async fn notes_hook(State(notes): State<Notes>) -> &'static str {
    notes.add();
    "hooked"
}

#[cors(origins = ["*"], expose = ["x-request-id"])]
async fn public() -> impl IntoResponse {
    ([("x-request-id", "7")], "public")
}

async fn private_get() -> impl IntoResponse {
    ([("x-total-count", "42")], "private")
}

async fn private_put() -> &'static str {
    "updated"
}

async fn private_delete() -> Result<&'static str, (StatusCode, &'static str)> {
    Err((
        StatusCode::INTERNAL_SERVER_ERROR,
        "deleting always fails here",
    ))
}

#[cors(origins = ["https://*.example.re"], credentials)]
async fn sub() -> &'static str {
    "sub"
}

#[cors(origins = ["http://localhost:*", "http://127.0.0.1:*"])]
async fn local() -> &'static str {
    "local"
}

#[cors(origins = ["null"], allow_null_origin)]
async fn sandbox() -> &'static str {
    "sandbox"
}

/// `GET` and `PUT /tenant` are one route, with this policy.
#[cors(origins = TENANTS, credentials, methods = [GET, PUT], headers = ["content-type"])]
async fn tenant_get() -> &'static str {
    "tenant"
}

async fn tenant_put() -> &'static str {
    "tenant updated"
}

fn answer(answer: Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    (status, [(header::CONTENT_TYPE, admin::JSON)], answer.body).into_response()
}

async fn admin_tenants(body: Bytes) -> Response {
    answer(admin::replace_tenants(&TENANTS, &body))
}

async fn admin_global(State(global): State<PolicyHandle>, body: Bytes) -> Response {
    answer(admin::replace_global(&global, &body))
}

async fn plain() -> &'static str {
    "plain"
}

async fn fail() -> (StatusCode, &'static str) {
    (StatusCode::INTERNAL_SERVER_ERROR, "this route always fails")
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

/// The conformance application, with the reloadable global policy `global` around everything.
/// Fills [`TENANTS`] if nothing did yet.
pub fn app(global: PolicyHandle) -> CorsService<Router> {
    if let Err(errors) = fill_tenants() {
        // Not reachable with the start-up contents; if they were edited into invalid ones,
        // `/tenant` allows nobody and this says why.
        eprintln!("the start-up contents of TENANTS are invalid:\n{errors}");
    }
    Router::new()
        .route("/public", get(public).cors(public::POLICY))
        .route(
            "/private",
            get(private_get)
                .put(private_put)
                .delete(private_delete)
                .cors(&PRIVATE),
        )
        .route("/sub", get(sub).cors(sub::POLICY))
        .route("/local", get(local).cors(local::POLICY))
        .route("/sandbox", get(sandbox).cors(sandbox::POLICY))
        .route(
            "/tenant",
            get(tenant_get).put(tenant_put).cors(tenant_get::POLICY),
        )
        .route("/admin/tenants", put(admin_tenants))
        .route("/admin/global", put(admin_global))
        .route("/plain", get(plain))
        .route("/fail", get(fail))
        .route(
            "/notes",
            get(notes_count)
                .post(notes_add)
                .put(notes_add)
                .delete(notes_add)
                .cors(&NOTES),
        )
        .route("/notes/form", get(notes_form).cors(&NOTES))
        .route("/notes/socket", get(notes_socket).cors(&NOTES))
        .route(
            "/notes/public",
            post(notes_public).cors(public_notes::notes_public::POLICY),
        )
        .route("/notes/hook", post(notes_hook).cors(notes_hook::POLICY))
        .with_state(AppState {
            global: global.clone(),
            notes: Notes::default(),
        })
        .with_cors(Cors::reloadable(global))
}

/// Serves the application on an already listening socket until the process ends.
pub async fn serve(listener: tokio::net::TcpListener) -> io::Result<()> {
    let invalid = |what: &str, e: PolicyErrors| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{what} is invalid:\n{e}"),
        )
    };
    let global = global().map_err(|e| invalid("the global CORS policy", e))?;
    fill_tenants().map_err(|e| invalid("the start-up contents of TENANTS", e))?;
    axum::serve(listener, app(global).into_make_service()).await
}

/// Runs the application on `127.0.0.1:port` in a new thread with its own runtime and returns
/// at once. Failing to bind is reported on stderr and ends the thread.
pub fn start(port: u16) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let result = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .and_then(|runtime| {
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
                    serve(listener).await
                })
            });
        if let Err(e) = result {
            eprintln!("conformance-axum on 127.0.0.1:{port}: {e}");
        }
    })
}
