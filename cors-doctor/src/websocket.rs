//! `--websocket`: one WebSocket handshake as a browser makes it from the page's origin, and
//! what the answer means. CORS plays no part: the browser opens a socket whatever
//! `Access-Control-*` headers say; only the server's own check of `Origin` keeps other sites
//! out (write protection, in this project).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

use cors_browser::{fetch_site, FetchSite, Url};
use cors_shared::{header, Field};
use serde::Serialize;

use crate::error::Error;
use crate::request::{check_origin, check_url, Options};
use crate::transport::{Client, Exchange};

/// Which `Sec-Fetch-*` headers the handshake carries, and whose: Firefox's. Chromium sends
/// none with a handshake; WebKit sends the same, with `Sec-Fetch-Dest: websocket`.
pub const FETCH_METADATA_SENT: &str = "Sec-Fetch-Site, Sec-Fetch-Mode: websocket and \
     Sec-Fetch-Dest: empty, as Firefox sends them (WebKit sends Sec-Fetch-Dest: websocket; \
     Chromium sends no Sec-Fetch-* header with a handshake, so a server can only judge a \
     handshake by its Origin)";

/// What a browser does with the handshake's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Handshake {
    /// `101 Switching Protocols` with `Upgrade: websocket`: the socket opens.
    Opened,
    /// `403`: the server refused the page's origin (write protection, or an origin check of
    /// the application).
    Refused,
    /// Any other answer: the socket fails (`error`, then `close` with code 1006).
    Failed,
}

impl Handshake {
    /// `opened`, `refused` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Handshake::Opened => "opened",
            Handshake::Refused => "refused",
            Handshake::Failed => "failed",
        }
    }
}

/// The result of `--websocket`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WebSocketReport {
    /// The URL as given (`ws://`, `wss://`, `http://` or `https://`).
    pub url: String,
    /// The URL the handshake is sent to (`http://` or `https://`).
    pub handshake_url: String,
    /// The page's origin, sent as `Origin`.
    pub origin: String,
    /// The `Sec-Fetch-Site` sent.
    pub sec_fetch_site: String,
    /// Which `Sec-Fetch-*` headers were sent, and which engine sends them so.
    pub fetch_metadata: String,
    /// Opened, refused or failed.
    pub verdict: Handshake,
    /// The status received.
    pub status: u16,
    /// What the answer means, in plain words.
    pub reason: String,
    /// What to change, when the socket does not open; empty when it does.
    pub fix: String,
    /// Things worth knowing (an origin from another site accepted, CORS headers that change
    /// nothing).
    pub notes: Vec<String>,
    /// The handshake as sent and answered.
    pub exchange: Exchange,
}

impl WebSocketReport {
    /// 0 when the socket opens, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self.verdict {
            Handshake::Opened => 0,
            Handshake::Refused | Handshake::Failed => 1,
        }
    }
}

/// The `http(s)://` URL a `ws(s)://` URL's handshake goes to (the WebSocket Standard's
/// "establish a WebSocket connection" fetches it so); `http(s)://` URLs are taken as they are.
pub fn handshake_url(url: &str) -> Result<Url, Error> {
    let trimmed = url.trim();
    let scheme_end = trimmed.find("://").unwrap_or(0);
    let (scheme, rest) = trimmed.split_at(scheme_end);
    let http = match scheme.to_ascii_lowercase().as_str() {
        "ws" => format!("http{rest}"),
        "wss" => format!("https{rest}"),
        _ => trimmed.to_owned(),
    };
    check_url(&http).map_err(|_| {
        Error::usage(format!(
            "the URL `{url}` is not ws://, wss://, http:// or https://; a WebSocket handshake \
             goes to ws://host/path (or wss:// over TLS)"
        ))
    })
}

/// A fresh `Sec-WebSocket-Key`: 16 random bytes, base64. The key only proves the server
/// speaks WebSocket; it needs no cryptographic randomness.
fn websocket_key() -> String {
    let mut bytes = [0u8; 16];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_usize(i);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        hasher.write_u128(nanos);
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    base64(&bytes)
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                let index = usize::try_from((n >> shift) & 63).unwrap_or(0);
                out.push(char::from(ALPHABET.get(index).copied().unwrap_or(b'=')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The header lines of a handshake from `origin` to `url`, as Firefox sends them (`Host` and
/// the client's `User-Agent` aside).
fn handshake_headers(origin: &str, site: FetchSite, key: &str) -> Vec<(String, String)> {
    [
        ("connection", "Upgrade"),
        (header::UPGRADE, "websocket"),
        ("sec-websocket-version", "13"),
        ("sec-websocket-key", key),
        (header::ORIGIN, origin),
        (header::SEC_FETCH_SITE, site.as_str()),
        ("sec-fetch-mode", "websocket"),
        ("sec-fetch-dest", "empty"),
    ]
    .into_iter()
    .map(|(n, v)| (n.to_owned(), v.to_owned()))
    .collect()
}

/// Sends one handshake from `origin` to `url` and judges the answer. The socket is closed at
/// once: nothing is sent over it.
///
/// ```no_run
/// use cors_doctor::{check_websocket, Handshake, Options};
/// let report = check_websocket("ws://127.0.0.1:8080/notes/socket", "https://app.example.re",
///     &Options::default())?;
/// assert_eq!(report.verdict, Handshake::Opened);
/// # Ok::<(), cors_doctor::Error>(())
/// ```
pub fn check_websocket(
    url: &str,
    origin: &str,
    options: &Options,
) -> Result<WebSocketReport, Error> {
    let target = handshake_url(url)?;
    check_origin(origin)?;
    let site = fetch_site(origin, &target);
    let sent = handshake_headers(origin, site, &websocket_key());
    let client = Client::new(options);
    let exchange = client.handshake(target.as_str(), &sent)?;
    let (verdict, reason, fix, notes) = judge_handshake(&exchange, origin, site);
    Ok(WebSocketReport {
        url: url.trim().to_owned(),
        handshake_url: target.to_string(),
        origin: origin.to_owned(),
        sec_fetch_site: site.as_str().to_owned(),
        fetch_metadata: FETCH_METADATA_SENT.to_owned(),
        verdict,
        status: exchange.status,
        reason,
        fix,
        notes,
        exchange,
    })
}

/// What the answer to a handshake from `origin` means: the verdict, the reason, the fix
/// (empty when the socket opens) and notes.
pub(crate) fn judge_handshake(
    exchange: &Exchange,
    origin: &str,
    site: FetchSite,
) -> (Handshake, String, String, Vec<String>) {
    let status = exchange.status;
    let mut notes = Vec::new();
    let cors_headers: Vec<String> = exchange
        .headers
        .iter()
        .map(|(n, _)| n.clone())
        .filter(|n| n.starts_with("access-control-"))
        .collect();
    let no_cors = "CORS does not apply to WebSockets: the browser sends the handshake from any \
                   page and opens the socket whatever Access-Control-* headers say; only the \
                   server's check of Origin decides";
    if !cors_headers.is_empty() {
        notes.push(format!(
            "the answer carries {}: {no_cors}",
            cors_headers.join(", ")
        ));
    }
    let key = Field::ProtectWrites.key();
    let upgraded = exchange
        .get(header::UPGRADE)
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("websocket"));
    match status {
        101 if upgraded => {
            if site != FetchSite::SameOrigin {
                notes.push(format!(
                    "the server accepted a handshake from {origin}, a {site} page: {no_cors}, \
                     and the browser sends the user's cookies with it where their SameSite \
                     allows (WebKit even across sites). Make sure {origin} is an origin you \
                     trust: with write protection on, only the origins the route's CORS policy \
                     allows open this socket"
                ));
            }
            (
                Handshake::Opened,
                format!(
                    "101 Switching Protocols with Upgrade: websocket: a page on {origin} can \
                     open this socket"
                ),
                String::new(),
                notes,
            )
        }
        101 => (
            Handshake::Failed,
            "101 without `Upgrade: websocket`: the browser fails the connection".to_owned(),
            "answer the handshake with `Upgrade: websocket`, `Connection: Upgrade` and \
             `Sec-WebSocket-Accept` (a WebSocket library does)"
                .to_owned(),
            notes,
        ),
        403 => (
            Handshake::Refused,
            format!(
                "403: the server refused the handshake from {origin} (Sec-Fetch-Site: {site}): \
                 the answer of write protection, which checks a handshake's Origin as it checks \
                 a cross-site write, or of an origin check of the application. The page's \
                 socket fails (`error`, then `close` with code 1006). {no_cors}"
            ),
            format!(
                "if {origin} should open this socket, list it in the route's CORS policy: with \
                 write protection on, the same allowlist governs handshakes (here: \
                 `#[cors(origins = [\"{origin}\"])]` above the socket's route, or \
                 `PolicySpec::new().origin(\"{origin}\")`). Do not turn protection off for a \
                 socket (`{key} = false`): any site could then open it with the user's cookies"
            ),
            notes,
        ),
        300..=399 => (
            Handshake::Failed,
            format!(
                "{status}: a redirect; browsers never follow one for a WebSocket handshake, the \
                 socket fails"
            ),
            format!(
                "connect to the final URL directly{}",
                exchange
                    .get("location")
                    .map(|l| format!(" ({l}, as ws:// or wss://)"))
                    .unwrap_or_default()
            ),
            notes,
        ),
        200..=299 => (
            Handshake::Failed,
            format!(
                "{status} instead of 101 Switching Protocols: nothing upgraded the connection, \
                 so the socket fails"
            ),
            "make sure a WebSocket handler serves this path, and that every proxy in front \
             passes the upgrade (nginx: `proxy_http_version 1.1; proxy_set_header Upgrade \
             $http_upgrade; proxy_set_header Connection \"upgrade\";`)"
                .to_owned(),
            notes,
        ),
        401 => (
            Handshake::Failed,
            "401: the server wants authentication; a browser's handshake carries only cookies \
             (and HTTP authentication it already has), never a header the page sets"
                .to_owned(),
            "authenticate the socket with a cookie, or with a token sent as the first message \
             once the socket is open"
                .to_owned(),
            notes,
        ),
        _ => (
            Handshake::Failed,
            format!(
                "{status} instead of 101 Switching Protocols: the socket fails (`error`, then \
                 `close` with code 1006)"
            ),
            "serve a WebSocket on this path (a 400 or 426 often means the server wants another \
             Sec-WebSocket-Version or subprotocol; a 404, that nothing handles the path)"
                .to_owned(),
            notes,
        ),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const APP: &str = "https://app.example.re";

    fn answer(status: u16, headers: &[(&str, &str)]) -> Exchange {
        Exchange {
            method: "GET".to_owned(),
            url: "https://api.example.re/socket".to_owned(),
            request_headers: Vec::new(),
            status,
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            millis: 0,
        }
    }

    #[test]
    fn a_101_with_upgrade_opens_and_a_cross_site_one_is_noted() {
        let ok = answer(101, &[("upgrade", "websocket"), ("connection", "Upgrade")]);
        let (verdict, reason, fix, notes) = judge_handshake(&ok, APP, FetchSite::SameSite);
        assert_eq!(verdict, Handshake::Opened);
        assert_eq!(
            reason,
            "101 Switching Protocols with Upgrade: websocket: a page on https://app.example.re \
             can open this socket"
        );
        assert_eq!(fix, "");
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].contains("CORS does not apply to WebSockets"),
            "{notes:?}"
        );
        let (_, _, _, notes) = judge_handshake(&ok, APP, FetchSite::SameOrigin);
        assert!(notes.is_empty(), "{notes:?}");
        // A 101 that does not upgrade to websocket is a failure.
        let (verdict, _, _, _) = judge_handshake(&answer(101, &[]), APP, FetchSite::CrossSite);
        assert_eq!(verdict, Handshake::Failed);
    }

    #[test]
    fn a_403_is_refused_by_write_protection_with_the_fix() {
        let refused = answer(403, &[("access-control-allow-origin", APP)]);
        let (verdict, reason, fix, notes) = judge_handshake(&refused, APP, FetchSite::CrossSite);
        assert_eq!(verdict, Handshake::Refused);
        assert!(
            reason.starts_with(
                "403: the server refused the handshake from https://app.example.re \
                 (Sec-Fetch-Site: cross-site): the answer of write protection"
            ),
            "{reason}"
        );
        assert!(
            reason.contains("CORS does not apply to WebSockets"),
            "{reason}"
        );
        assert!(
            fix.starts_with(
                "if https://app.example.re should open this socket, list it in the route's \
                 CORS policy: with write protection on, the same allowlist governs handshakes"
            ),
            "{fix}"
        );
        assert_eq!(
            notes,
            [
                "the answer carries access-control-allow-origin: CORS does not apply to \
              WebSockets: the browser sends the handshake from any page and opens the socket \
              whatever Access-Control-* headers say; only the server's check of Origin decides"
            ]
        );
    }

    #[test]
    fn other_statuses_fail_with_what_they_mean() {
        let cases = [
            (
                200,
                "200 instead of 101 Switching Protocols: nothing upgraded",
            ),
            (302, "302: a redirect; browsers never follow one"),
            (401, "401: the server wants authentication"),
            (404, "404 instead of 101 Switching Protocols"),
            (426, "426 instead of 101 Switching Protocols"),
        ];
        for (status, start) in cases {
            let (verdict, reason, fix, _) =
                judge_handshake(&answer(status, &[]), APP, FetchSite::CrossSite);
            assert_eq!(verdict, Handshake::Failed, "{status}");
            assert!(reason.starts_with(start), "{status}: {reason}");
            assert!(!fix.is_empty(), "{status}");
        }
    }

    #[test]
    fn ws_urls_are_handshakes_to_http_urls() {
        assert_eq!(
            handshake_url("ws://127.0.0.1:8080/notes/socket")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8080/notes/socket"
        );
        assert_eq!(
            handshake_url("WSS://api.example.re/s").unwrap().as_str(),
            "https://api.example.re/s"
        );
        assert_eq!(
            handshake_url("https://api.example.re/s").unwrap().as_str(),
            "https://api.example.re/s"
        );
        let err = handshake_url("ftp://api.example.re/s")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("is not ws://, wss://, http:// or https://"),
            "{err}"
        );
    }

    #[test]
    fn the_key_is_16_bytes_of_base64_and_fresh() {
        assert_eq!(base64(b"the sample nonce"), "dGhlIHNhbXBsZSBub25jZQ==");
        assert_eq!(base64(b"ab"), "YWI=");
        let (a, b) = (websocket_key(), websocket_key());
        assert_eq!(a.len(), 24);
        assert!(a.ends_with("=="));
        assert_ne!(a, b);
    }

    #[test]
    fn the_handshake_carries_what_firefox_sends() {
        let sent = handshake_headers(APP, FetchSite::CrossSite, "k");
        let get = |name: &str| {
            sent.iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("connection"), Some("Upgrade"));
        assert_eq!(get("upgrade"), Some("websocket"));
        assert_eq!(get("sec-websocket-version"), Some("13"));
        assert_eq!(get("origin"), Some(APP));
        assert_eq!(get("sec-fetch-site"), Some("cross-site"));
        assert_eq!(get("sec-fetch-mode"), Some("websocket"));
        assert_eq!(get("sec-fetch-dest"), Some("empty"));
    }
}
