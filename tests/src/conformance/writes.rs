//! The cases of the contract's "Cross-origin write protection": the `/notes` routes, run in
//! order after the rest of the table, each followed by a read of the note count, which must have
//! grown by exactly the notes the case wrote (none after a refusal).
//!
//! Every server that serves the `/notes` routes is in [`SERVING_NOTES`]; [`run`] skips the
//! others. To turn the cases on for a server once its routes land, add it to that list (and
//! nothing else: every conformance test of that server then runs them, in process and over a
//! socket). [`websocket`] drives a real handshake and echo over a socket.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use cors_shared::WRITE_REFUSED_BODY;

use super::{preflight, with, Case, Expect, ACAC, ACAM, ACAO, APP, EVIL, PREFLIGHT_VARY};
use crate::http::{Request, Response};

/// The adapter a conformance server is built with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Adapter {
    /// `cors-actix` (`conformance-actix`).
    Actix,
    /// `cors-rocket` (`conformance-rocket`).
    Rocket,
    /// `cors-axum` (`conformance-axum`).
    Axum,
}

/// The servers that serve the `/notes` routes: the write-protection cases run against these
/// only. Add a server here when its routes land.
pub const SERVING_NOTES: &[Adapter] = &[Adapter::Actix, Adapter::Rocket, Adapter::Axum];

/// The page `GET /notes/form` serves, the same on every server: a form that posts to `/notes`.
pub const NOTES_FORM: &str = "<!doctype html>\n<title>Notes</title>\n\
<form method=\"post\" action=\"/notes\"><button>Add a note</button></form>\n";

/// The service's own host, sent as `Host` by every case.
pub const HOST: &str = "api.example.re";
/// The service's own origin.
pub const SELF: &str = "https://api.example.re";
/// A sibling subdomain no policy lists: same site, but not trusted.
pub const SIBLING: &str = "https://other.example.re";

/// One case and how many notes it writes.
#[derive(Clone, Debug)]
pub struct WriteCase {
    /// The request and what its response must satisfy.
    pub case: Case,
    /// Notes the request adds: 1 for an accepted write, 0 otherwise.
    pub adds: u64,
}

fn to(method: &str, path: &str) -> Request {
    Request::new(method, path).header("Host", HOST)
}

/// A request as a browser sends it: `Origin` and `Sec-Fetch-Site` when given.
fn from(method: &str, path: &str, origin: Option<&str>, site: Option<&str>) -> Request {
    let mut r = to(method, path);
    if let Some(origin) = origin {
        r = r.header("Origin", origin);
    }
    if let Some(site) = site {
        r = r.header("Sec-Fetch-Site", site);
    }
    r
}

/// A WebSocket handshake to `/notes/socket`.
fn handshake(origin: &str) -> Request {
    to("GET", "/notes/socket")
        .header("Origin", origin)
        .header("Upgrade", "websocket")
        .header("Connection", "Upgrade")
        .header("Sec-WebSocket-Version", "13")
        .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
}

/// A refused write: 403, the one-line body, no CORS headers but `Vary: Origin`.
fn refused_write() -> Vec<Expect> {
    vec![
        Expect::Status(403),
        Expect::Body(WRITE_REFUSED_BODY),
        Expect::Absent(ACAO),
        Expect::Absent(ACAC),
        Expect::VaryHas(&["origin"]),
    ]
}

/// An accepted write to a `NOTES` route from an origin CORS does not allow (or none).
fn noted_unlisted() -> Vec<Expect> {
    vec![
        Expect::Status(200),
        Expect::Body("noted"),
        Expect::Absent(ACAO),
        Expect::Absent(ACAC),
    ]
}

/// An accepted write from the app origin, readable by it.
fn noted_app() -> Vec<Expect> {
    vec![
        Expect::Status(200),
        Expect::Body("noted"),
        Expect::Header(ACAO, APP),
        Expect::Header(ACAC, "true"),
        Expect::VaryHas(&["origin"]),
    ]
}

/// Every case of the section, in the order they run.
pub fn cases() -> Vec<WriteCase> {
    use Expect::*;
    let case = |name: &str, request: Request, expect: Vec<Expect>, adds: u64| WriteCase {
        case: Case::new(name, request, expect),
        adds,
    };
    let post = |origin, site| from("POST", "/notes", origin, site);
    vec![
        // Safe methods pass, whoever sends them.
        case(
            "notes_get_cross_site",
            from("GET", "/notes", Some(EVIL), Some("cross-site")),
            vec![Status(200), Absent(ACAO), VaryHas(&["origin"])],
            0,
        ),
        case(
            "notes_head_cross_site",
            from("HEAD", "/notes", Some(EVIL), Some("cross-site")),
            vec![StatusIn(&[200, 404, 405]), Absent(ACAO)],
            0,
        ),
        case(
            "notes_form_page",
            from("GET", "/notes/form", None, Some("none")),
            vec![
                Status(200),
                Header("content-type", "text/html; charset=utf-8"),
                Body(NOTES_FORM),
            ],
            0,
        ),
        // The site itself, and the user.
        case(
            "notes_post_same_origin",
            post(Some(SELF), Some("same-origin")),
            noted_unlisted(),
            1,
        ),
        case(
            "notes_post_sec_fetch_site_none",
            post(None, Some("none")),
            noted_unlisted(),
            1,
        ),
        // Cross-site from the allowed origin: written, and readable.
        case(
            "notes_post_cross_site_app",
            post(Some(APP), Some("cross-site")),
            noted_app(),
            1,
        ),
        case(
            "notes_put_cross_site_app",
            from("PUT", "/notes", Some(APP), Some("cross-site")),
            noted_app(),
            1,
        ),
        case(
            "notes_delete_cross_site_app",
            from("DELETE", "/notes", Some(APP), Some("cross-site")),
            noted_app(),
            1,
        ),
        case(
            "notes_post_same_site_app",
            post(Some(APP), Some("same-site")),
            noted_app(),
            1,
        ),
        // Cross-site from any other origin: refused, nothing written.
        case(
            "notes_post_cross_site_evil_refused",
            post(Some(EVIL), Some("cross-site")),
            refused_write(),
            0,
        ),
        case(
            "notes_put_cross_site_evil_refused",
            from("PUT", "/notes", Some(EVIL), Some("cross-site")),
            refused_write(),
            0,
        ),
        case(
            "notes_delete_cross_site_evil_refused",
            from("DELETE", "/notes", Some(EVIL), Some("cross-site")),
            refused_write(),
            0,
        ),
        case(
            "notes_post_cross_site_no_origin_refused",
            post(None, Some("cross-site")),
            refused_write(),
            0,
        ),
        case(
            "notes_post_cross_site_null_refused",
            post(Some("null"), Some("cross-site")),
            refused_write(),
            0,
        ),
        // `same-site` is not trusted by itself.
        case(
            "notes_post_same_site_sibling_refused",
            post(Some(SIBLING), Some("same-site")),
            refused_write(),
            0,
        ),
        // Without `Sec-Fetch-Site`: `Origin` against `Host`.
        case(
            "notes_post_no_sfs_other_host_refused",
            post(Some(EVIL), None),
            refused_write(),
            0,
        ),
        case(
            "notes_post_no_sfs_same_host",
            post(Some(SELF), None),
            noted_unlisted(),
            1,
        ),
        case(
            "notes_post_no_sfs_app",
            post(Some(APP), None),
            noted_app(),
            1,
        ),
        // Neither header: not a browser.
        case(
            "notes_post_no_browser_headers",
            post(None, None),
            noted_unlisted(),
            1,
        ),
        // Malformed origins are never the same host and never trusted.
        case(
            "notes_post_upper_case_self_refused",
            post(Some("https://API.example.re"), None),
            refused_write(),
            0,
        ),
        case(
            "notes_post_upper_case_app_refused",
            post(Some("https://APP.example.re"), Some("cross-site")),
            refused_write(),
            0,
        ),
        case(
            "notes_post_userinfo_refused",
            post(Some("https://evil@api.example.re"), None),
            refused_write(),
            0,
        ),
        case(
            "notes_post_path_origin_refused",
            post(Some("https://api.example.re/"), None),
            refused_write(),
            0,
        ),
        case(
            "notes_post_two_origin_lines_refused",
            to("POST", "/notes")
                .header("Origin", APP)
                .header("Origin", APP)
                .header("Sec-Fetch-Site", "cross-site"),
            refused_write(),
            0,
        ),
        case(
            "notes_post_two_sfs_lines_refused",
            to("POST", "/notes")
                .header("Origin", EVIL)
                .header("Sec-Fetch-Site", "same-origin")
                .header("Sec-Fetch-Site", "same-origin"),
            refused_write(),
            0,
        ),
        // `*` trusts no origin for writing.
        case(
            "notes_public_cross_site_evil_refused",
            from("POST", "/notes/public", Some(EVIL), Some("cross-site")),
            refused_write(),
            0,
        ),
        case(
            "notes_public_cross_site_app_refused",
            from("POST", "/notes/public", Some(APP), Some("cross-site")),
            refused_write(),
            0,
        ),
        case(
            "notes_public_same_origin",
            from("POST", "/notes/public", Some(SELF), Some("same-origin")),
            vec![Status(200), Body("noted"), Header(ACAO, "*"), Absent(ACAC)],
            1,
        ),
        // The hook: protection off for this route.
        case(
            "notes_hook_cross_site_evil",
            from("POST", "/notes/hook", Some(EVIL), Some("cross-site")),
            vec![Status(200), Body("hooked"), Absent(ACAO)],
            1,
        ),
        case(
            "notes_hook_cross_site_app",
            from("POST", "/notes/hook", Some(APP), Some("cross-site")),
            vec![Status(200), Body("hooked"), Header(ACAO, APP), Absent(ACAC)],
            1,
        ),
        // Preflights are CORS's, as before.
        case(
            "notes_preflight_app",
            preflight("/notes", APP, "POST")
                .header("Host", HOST)
                .header("Sec-Fetch-Site", "cross-site")
                .header("Access-Control-Request-Headers", "content-type"),
            vec![
                AllowedPreflight,
                Header(ACAO, APP),
                Header(ACAC, "true"),
                ListHas(ACAM, "POST"),
                ListHas("access-control-allow-headers", "content-type"),
                VaryHas(PREFLIGHT_VARY),
            ],
            0,
        ),
        case(
            "notes_preflight_evil_refused",
            preflight("/notes", EVIL, "POST")
                .header("Host", HOST)
                .header("Sec-Fetch-Site", "cross-site"),
            with(vec![RefusedPreflight, Absent(ACAM)], [VaryHas(&["origin"])]),
            0,
        ),
        // WebSocket handshakes are judged by `Origin`, whatever `Sec-Fetch-Site` says.
        case(
            "notes_socket_cross_site_refused",
            handshake(EVIL).header("Sec-Fetch-Site", "cross-site"),
            refused_write(),
            0,
        ),
        case(
            "notes_socket_no_sfs_refused",
            handshake(EVIL),
            refused_write(),
            0,
        ),
        case(
            "notes_socket_sfs_same_origin_refused",
            handshake(EVIL).header("Sec-Fetch-Site", "same-origin"),
            refused_write(),
            0,
        ),
        case(
            "notes_socket_same_site_sibling_refused",
            handshake(SIBLING).header("Sec-Fetch-Site", "same-site"),
            refused_write(),
            0,
        ),
    ]
}

/// How many checks [`run`] makes for `server`: each case and the count read after it, or none
/// for a server not in [`SERVING_NOTES`].
pub fn count(server: Adapter) -> usize {
    if SERVING_NOTES.contains(&server) {
        cases().len() * 2
    } else {
        0
    }
}

/// The note count now, from `GET /notes`.
fn read_count(send: &mut impl FnMut(&Request) -> io::Result<Response>) -> Result<u64, String> {
    let r = send(&to("GET", "/notes")).map_err(|e| format!("GET /notes: {e}"))?;
    let text = r.text();
    match (r.status, text.parse()) {
        (200, Ok(n)) => Ok(n),
        _ => Err(format!(
            "GET /notes answered {} {text:?}, not the note count",
            r.status
        )),
    }
}

/// Runs every case through `send` when `server` serves the `/notes` routes, each followed by
/// a read of the note count; `Ok` with the number of checks ([`count`]), or `Err` listing every
/// failure at once.
pub fn run(
    server: Adapter,
    send: &mut impl FnMut(&Request) -> io::Result<Response>,
) -> Result<usize, String> {
    if !SERVING_NOTES.contains(&server) {
        return Ok(0);
    }
    let cases = cases();
    let mut expected = read_count(send)?;
    let mut failures = Vec::new();
    for WriteCase { case, adds } in &cases {
        match send(&case.request) {
            Ok(response) => {
                if let Err(msg) = case.check(&response) {
                    failures.push(msg);
                }
            }
            Err(e) => failures.push(format!("{}: transport error: {e}", case.name)),
        }
        expected += adds;
        match read_count(send) {
            Ok(n) if n == expected => {}
            Ok(n) => {
                failures.push(format!(
                    "{}: the note count is {n} after it, expected {expected} ({} written)",
                    case.name,
                    if *adds == 0 { "nothing" } else { "one note" }
                ));
                expected = n;
            }
            Err(e) => failures.push(format!("{}: {e}", case.name)),
        }
    }
    if failures.is_empty() {
        Ok(cases.len() * 2)
    } else {
        Err(format!(
            "{} of {} write-protection checks failed:\n{}",
            failures.len(),
            cases.len() * 2,
            failures.join("\n")
        ))
    }
}

/// What a WebSocket handshake to `/notes/socket` over a real socket got: the status, and for a
/// `101` the echo of one text message.
#[derive(Debug, PartialEq, Eq)]
pub enum Handshake {
    /// Upgraded, and the server echoed the message.
    Echoed(String),
    /// Not upgraded: the status and the body.
    Refused(u16, String),
}

/// Opens a WebSocket to `/notes/socket` at `addr` with `Origin: origin` and `Host: host`, and
/// when it upgrades sends `message` as one text frame and reads the echo.
pub fn websocket(
    addr: SocketAddr,
    host: &str,
    origin: &str,
    message: &str,
) -> io::Result<Handshake> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "GET /notes/socket HTTP/1.1\r\nHost: {host}\r\nOrigin: {origin}\r\n\
         Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    )?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut status_line = String::new();
    reader.read_line(&mut status_line)?;
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, status_line.clone()))?;
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    if status != 101 {
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        return Ok(Handshake::Refused(
            status,
            String::from_utf8_lossy(&body).into_owned(),
        ));
    }
    // One masked text frame, as a client must send.
    let payload = message.as_bytes();
    let len = u8::try_from(payload.len())
        .ok()
        .filter(|l| *l < 126)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "message too long"))?;
    let mask = [0x37, 0xfa, 0x21, 0x3d];
    let mut frame = vec![0x81, 0x80 | len];
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
    stream.write_all(&frame)?;
    let mut head = [0u8; 2];
    reader.read_exact(&mut head)?;
    let (opcode, len) = (head[0] & 0x0f, usize::from(head[1] & 0x7f));
    if opcode != 1 || len >= 126 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("expected a short text frame, got opcode {opcode}, length {len}"),
        ));
    }
    let mut echo = vec![0; len];
    reader.read_exact(&mut echo)?;
    Ok(Handshake::Echoed(
        String::from_utf8_lossy(&echo).into_owned(),
    ))
}
