//! Write protection in the Rocket adapter: cross-site writes and WebSocket handshakes refused
//! before any handler runs, by route policies and the application's switch alike.
// Helpers outside `#[test]` functions may unwrap too (clippy.toml covers the tests themselves).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::atomic::{AtomicUsize, Ordering};

use cors_rocket::{cors, policy, Cors, WriteProtection, WRITE_REFUSED_BODY};
use cors_tests::capture::take_events;
use rocket::config::LogLevel;
use rocket::figment::Figment;
use rocket::http::{Header, Method, Status};
use rocket::local::blocking::{Client, LocalResponse};
use rocket::request::{FromRequest, Outcome};
use rocket::{delete, get, post, put, routes, Request, State};

const APP: &str = "https://app.example.re";
const EVIL: &str = "https://evil.example";
/// The `Host` of every request, and the origin of the site itself.
const HOST: &str = "api.example.re";
const SELF: &str = "https://api.example.re";

policy! {
    /// The policy of the note routes: protection on.
    NOTES = {
        origins = ["https://app.example.re"],
        credentials,
        methods = [GET, POST, PUT, DELETE],
        headers = ["content-type"],
        protect_writes,
    };
    /// The default policy: protection left to the application.
    DEFAULT = { origins = ["https://app.example.re"], methods = [GET, POST] };
}

/// How many times a handler ran.
#[derive(Default)]
struct Count(AtomicUsize);

impl Count {
    fn add(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn count(client: &Client) -> usize {
    client
        .rocket()
        .state::<Count>()
        .unwrap()
        .0
        .load(Ordering::SeqCst)
}

/// A request guard that counts: it must not run for a refused write either.
struct Guarded;

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Guarded {
    type Error = ();

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ()> {
        if let Some(count) = request.rocket().state::<Count>() {
            count.add();
        }
        Outcome::Success(Guarded)
    }
}

#[cors(policy = NOTES)]
#[post("/notes")]
fn guarded_post(count: &State<Count>, _g: Guarded) -> &'static str {
    count.add();
    "noted"
}

#[cors(policy = NOTES)]
#[put("/notes")]
fn protected_put(count: &State<Count>) -> &'static str {
    count.add();
    "noted"
}

#[cors(policy = NOTES)]
#[delete("/notes")]
fn protected_delete(count: &State<Count>) -> &'static str {
    count.add();
    "noted"
}

#[cors(policy = NOTES)]
#[get("/notes/socket")]
fn protected_socket(count: &State<Count>) -> &'static str {
    count.add();
    "socket"
}

/// The route whose policy trusts no origin for writes (`*`).
// The compile-time note that `*` trusts no origin for writes is the point of this route.
#[allow(deprecated)]
mod wildcard {
    use super::*;

    #[cors(origins = ["*"], methods = [POST], protect_writes)]
    #[post("/notes/public")]
    pub(super) fn wildcard_post(count: &State<Count>) -> &'static str {
        count.add();
        "noted"
    }
}
use wildcard::wildcard_post;

#[cors(origins = ["https://app.example.re"], methods = [POST], protect_writes = false)]
#[post("/notes/hook")]
fn hook_post(count: &State<Count>) -> &'static str {
    count.add();
    "hooked"
}

/// A `#[cors]` route that leaves protection to the application.
#[cors(origins = ["https://app.example.re"], methods = [POST])]
#[post("/inherits")]
fn inherits(count: &State<Count>) -> &'static str {
    count.add();
    "inherited"
}

/// A route without `#[cors]`: the default policy decides it.
#[post("/plain")]
fn plain(count: &State<Count>) -> &'static str {
    count.add();
    "plain"
}

fn base() -> Figment {
    Figment::from(rocket::Config::debug_default()).merge(("log_level", LogLevel::Off))
}

fn client_with(cors: Cors) -> Client {
    let rocket = rocket::custom(base())
        .manage(Count::default())
        .mount(
            "/",
            routes![
                guarded_post,
                protected_put,
                protected_delete,
                protected_socket,
                wildcard_post,
                hook_post,
                inherits,
                plain
            ],
        )
        .attach(cors);
    Client::tracked(rocket).expect("launches")
}

/// The application's switch off: only the routes that say so are protected.
fn client() -> Client {
    client_with(Cors::new(&DEFAULT))
}

/// A request as a browser sends it: `Host`, and `Origin` and `Sec-Fetch-Site` when given.
fn send<'c>(
    client: &'c Client,
    method: Method,
    path: &str,
    origin: Option<&str>,
    site: Option<&str>,
) -> LocalResponse<'c> {
    let mut req = client
        .req(method, path.to_owned())
        .header(Header::new("Host", HOST));
    if let Some(origin) = origin {
        req = req.header(Header::new("Origin", origin.to_owned()));
    }
    if let Some(site) = site {
        req = req.header(Header::new("Sec-Fetch-Site", site.to_owned()));
    }
    req.dispatch()
}

fn header<'a>(res: &'a LocalResponse<'_>, name: &str) -> Option<&'a str> {
    res.headers().get_one(name)
}

/// Asserts the refusal: 403, the one-line body, no CORS header but `Vary: Origin`.
fn assert_refused(res: LocalResponse<'_>) {
    assert_eq!(res.status(), Status::Forbidden);
    assert_eq!(header(&res, "access-control-allow-origin"), None);
    assert_eq!(header(&res, "access-control-allow-credentials"), None);
    assert_eq!(header(&res, "vary"), Some("Origin"));
    assert_eq!(res.into_string().as_deref(), Some(WRITE_REFUSED_BODY));
}

#[test]
fn a_cross_site_write_is_refused_before_guards_and_handler() {
    let client = client();
    for method in [Method::Post, Method::Put, Method::Delete] {
        assert_refused(send(
            &client,
            method,
            "/notes",
            Some(EVIL),
            Some("cross-site"),
        ));
    }
    // A same-site page is not trusted by itself.
    let sibling = "https://other.example.re";
    assert_refused(send(
        &client,
        Method::Post,
        "/notes",
        Some(sibling),
        Some("same-site"),
    ));
    // A `no-cors` fetch from a browser without `Sec-Fetch-Site`: judged by `Origin` and `Host`.
    assert_refused(send(&client, Method::Post, "/notes", Some(EVIL), None));
    assert_eq!(
        count(&client),
        0,
        "a guard or a handler ran for a refused write"
    );
}

#[test]
fn the_policy_origin_writes_and_reads() {
    let client = client();
    let res = send(
        &client,
        Method::Post,
        "/notes",
        Some(APP),
        Some("cross-site"),
    );
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(header(&res, "access-control-allow-origin"), Some(APP));
    assert_eq!(
        header(&res, "access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(header(&res, "vary"), Some("Origin"));
    assert_eq!(res.into_string().as_deref(), Some("noted"));
    // The guard and the handler.
    assert_eq!(count(&client), 2);
}

#[test]
fn the_site_itself_and_non_browsers_write() {
    let client = client();
    // The form of `/notes/form`, posted by a browser that sends `Sec-Fetch-Site`.
    let res = send(
        &client,
        Method::Post,
        "/notes",
        Some(SELF),
        Some("same-origin"),
    );
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(header(&res, "access-control-allow-origin"), None);
    // An older browser: `Origin` only, on the `Host`.
    let res = send(&client, Method::Put, "/notes", Some(SELF), None);
    assert_eq!(res.status(), Status::Ok);
    // The user typed the address.
    let res = send(&client, Method::Delete, "/notes", None, Some("none"));
    assert_eq!(res.status(), Status::Ok);
    // Neither `Origin` nor `Sec-Fetch-Site`: not a browser.
    let res = send(&client, Method::Delete, "/notes", None, None);
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(count(&client), 5);
}

#[test]
fn a_route_that_turns_protection_off_takes_cross_site_posts() {
    for client in [
        client(),
        client_with(Cors::new(&DEFAULT).write_protection(WriteProtection::on())),
    ] {
        let res = send(
            &client,
            Method::Post,
            "/notes/hook",
            Some(EVIL),
            Some("cross-site"),
        );
        assert_eq!(res.status(), Status::Ok);
        assert_eq!(res.into_string().as_deref(), Some("hooked"));
        assert_eq!(count(&client), 1);
    }
}

#[test]
fn a_wildcard_route_trusts_no_origin_for_writes() {
    let client = client();
    assert_refused(send(
        &client,
        Method::Post,
        "/notes/public",
        Some(APP),
        Some("cross-site"),
    ));
    assert_eq!(count(&client), 0);
    let res = send(
        &client,
        Method::Post,
        "/notes/public",
        Some(SELF),
        Some("same-origin"),
    );
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(header(&res, "access-control-allow-origin"), Some("*"));
    assert_eq!(count(&client), 1);
}

#[test]
fn preflights_of_a_protected_route_are_answered_as_before() {
    let client = client();
    for (origin, status, allow) in [
        (APP, Status::NoContent, Some(APP)),
        (EVIL, Status::Forbidden, None),
    ] {
        let res = client
            .options("/notes")
            .header(Header::new("Host", HOST))
            .header(Header::new("Origin", origin))
            .header(Header::new("Access-Control-Request-Method", "PUT"))
            .header(Header::new("Sec-Fetch-Site", "cross-site"))
            .dispatch();
        assert_eq!(res.status(), status);
        assert_eq!(header(&res, "access-control-allow-origin"), allow);
        assert_ne!(res.into_string().as_deref(), Some(WRITE_REFUSED_BODY));
    }
    assert_eq!(count(&client), 0);
}

/// A WebSocket handshake as browsers send it (Chromium sends no `Sec-Fetch-Site` with one).
fn handshake<'c>(client: &'c Client, origin: &str) -> LocalResponse<'c> {
    client
        .get("/notes/socket")
        .header(Header::new("Host", HOST))
        .header(Header::new("Origin", origin.to_owned()))
        .header(Header::new("Connection", "Upgrade"))
        .header(Header::new("Upgrade", "websocket"))
        .header(Header::new("Sec-WebSocket-Version", "13"))
        .header(Header::new("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="))
        .dispatch()
}

#[test]
fn a_cross_site_websocket_handshake_is_refused_before_the_handler() {
    let client = client();
    assert_refused(handshake(&client, EVIL));
    assert_eq!(count(&client), 0);
    for origin in [APP, SELF] {
        let res = handshake(&client, origin);
        assert_eq!(res.status(), Status::Ok);
        assert_eq!(res.into_string().as_deref(), Some("socket"));
    }
    // A plain GET from anywhere is not a write.
    let res = send(
        &client,
        Method::Get,
        "/notes/socket",
        Some(EVIL),
        Some("cross-site"),
    );
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(count(&client), 3);
}

#[test]
fn routes_under_the_default_layer_inherit_the_application_switch() {
    // Off: today's behaviour, the handlers run.
    let client = client();
    for path in ["/inherits", "/plain"] {
        let res = send(&client, Method::Post, path, Some(EVIL), Some("cross-site"));
        assert_eq!(res.status(), Status::Ok, "{path}");
    }
    assert_eq!(count(&client), 2);
    // On: a `#[cors]` route that does not say, and a route without `#[cors]`, both refuse.
    let client = client_with(Cors::new(&DEFAULT).write_protection(WriteProtection::on()));
    for path in ["/inherits", "/plain"] {
        assert_refused(send(
            &client,
            Method::Post,
            path,
            Some(EVIL),
            Some("cross-site"),
        ));
        // And the policy's origin still writes.
        let res = send(&client, Method::Post, path, Some(APP), Some("cross-site"));
        assert_eq!(res.status(), Status::Ok, "{path}");
        assert_eq!(header(&res, "access-control-allow-origin"), Some(APP));
    }
    // A path no route serves is refused the same way, before the 404.
    assert_refused(send(
        &client,
        Method::Post,
        "/nowhere",
        Some(EVIL),
        Some("cross-site"),
    ));
    assert_eq!(count(&client), 2);
}

#[test]
fn public_origins_count_as_the_site_itself() {
    let protection = WriteProtection::on()
        .public_origins(["https://www.example.re"])
        .unwrap();
    let client = client_with(Cors::new(&DEFAULT).write_protection(protection));
    // Behind a proxy that rewrites `Host`, an old browser's same-origin form.
    let res = send(
        &client,
        Method::Post,
        "/plain",
        Some("https://www.example.re"),
        None,
    );
    assert_eq!(res.status(), Status::Ok);
    assert_refused(send(&client, Method::Post, "/plain", Some(EVIL), None));
    assert_eq!(count(&client), 1);
}

#[test]
fn the_refusal_route_is_not_reachable_directly() {
    let client = client();
    let res = send(
        &client,
        Method::Get,
        "/__cors_rocket/write-refused",
        Some(APP),
        None,
    );
    assert_eq!(res.status(), Status::NotFound);
}

#[test]
fn a_refused_write_is_logged_like_a_cors_refusal() {
    let client = client();
    take_events();
    send(
        &client,
        Method::Post,
        "/notes",
        Some(EVIL),
        Some("cross-site"),
    );
    handshake(&client, EVIL);
    assert_eq!(
        take_events(),
        [
            "DEBUG cross-site write refused, 403: write from another site (Origin \
             `https://evil.example`, Sec-Fetch-Site `cross-site`): only the site itself and \
             origins the policy allows may write method=POST path=\"/notes\" policy=\"route\"",
            "DEBUG cross-site write refused, 403: WebSocket handshake from another site (Origin \
             `https://evil.example`, Sec-Fetch-Site (none)): only the site itself and origins \
             the policy allows may write method=GET path=\"/notes/socket\" policy=\"route\"",
        ]
    );
}

// --- Over a socket, with rocket_ws ----------------------------------------------------------

/// Starts the Rocket conformance server (whose `GET /notes/socket` is a `rocket_ws` echo socket
/// under a protecting policy) and returns its address once it accepts connections.
fn conformance_server() -> std::net::SocketAddr {
    let port = cors_tests::server::free_port();
    cors_tests::rocket_app::start(port);
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    addr
}

/// Sends a WebSocket handshake from `origin` and returns the stream and the response head.
fn socket_handshake(addr: std::net::SocketAddr, origin: &str) -> (std::net::TcpStream, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET /notes/socket HTTP/1.1\r\nHost: {addr}\r\nOrigin: {origin}\r\n\
         Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    )
    .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(stream.read(&mut byte).unwrap(), 1, "closed after {head:?}");
        head.push(byte[0]);
    }
    (stream, String::from_utf8(head).unwrap())
}

#[test]
fn over_a_socket_a_cross_site_handshake_is_refused_and_the_trusted_one_echoes() {
    use std::io::{Read, Write};
    let addr = conformance_server();
    let (_, head) = socket_handshake(addr, EVIL);
    assert!(head.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{head}");
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("access-control-allow-origin"),
        "{head}"
    );

    let (mut stream, head) = socket_handshake(addr, APP);
    assert!(
        head.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
        "{head}"
    );
    // A masked text frame "hi" (mask 0), and its echo, unmasked.
    stream
        .write_all(&[0x81, 0x82, 0, 0, 0, 0, b'h', b'i'])
        .unwrap();
    let mut echo = [0u8; 4];
    stream.read_exact(&mut echo).unwrap();
    assert_eq!(echo, [0x81, 0x02, b'h', b'i']);
}

#[test]
fn a_default_policy_from_the_configuration_protects_writes() {
    let figment = base()
        .merge(("cors.origins", ["https://app.example.re"]))
        .merge(("cors.methods", ["GET", "POST"]))
        .merge(("cors.protect_writes", true));
    let rocket = rocket::custom(figment)
        .manage(Count::default())
        .mount("/", routes![plain, hook_post])
        .attach(Cors::from_config());
    let client = Client::tracked(rocket).expect("launches");
    assert_refused(send(
        &client,
        Method::Post,
        "/plain",
        Some(EVIL),
        Some("cross-site"),
    ));
    // The route that turns protection off for itself still takes cross-site posts.
    let res = send(
        &client,
        Method::Post,
        "/notes/hook",
        Some(EVIL),
        Some("cross-site"),
    );
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(count(&client), 1);
}
