//! Sending one request exactly as given and reading every header line of the answer.
//! Redirects are never followed here: the diagnosis follows them itself, step by step.

use std::cell::{Cell, RefCell};
use std::io;
use std::time::{Duration, Instant};

use serde::Serialize;
use ureq::http;

use crate::error::{Error, NetworkKind};
use crate::request::Options;

/// One request sent and the answer received.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Exchange {
    /// The method sent.
    pub method: String,
    /// The URL asked.
    pub url: String,
    /// The header lines sent (besides `Host` and the client's `User-Agent`).
    pub request_headers: Vec<(String, String)>,
    /// The status received.
    pub status: u16,
    /// Every header line received, in order, names in lower case; a value that is not UTF-8
    /// is shown with replacement characters.
    pub headers: Vec<(String, String)>,
    /// How long the exchange took, in milliseconds.
    pub millis: u64,
}

impl Exchange {
    /// Every value of a header, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The header's lines joined with `, `, as a browser reads them.
    pub fn get(&self, name: &str) -> Option<String> {
        cors_browser::get_combined(&self.headers, name)
    }
}

/// An HTTP client that never follows redirects, never treats a status as an error, and
/// counts what it sends.
pub(crate) struct Client {
    agent: ureq::Agent,
    sent: Cell<usize>,
    /// The exchanges of [`Client::send_once`], so that a request the engines' walks share
    /// is sent once.
    remembered: RefCell<Vec<Exchange>>,
}

impl Client {
    /// A client for these options.
    pub(crate) fn new(options: &Options) -> Self {
        let tls = ureq::tls::TlsConfig::builder()
            .disable_verification(options.insecure)
            .build();
        let config = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .allow_non_standard_methods(true)
            .timeout_global(Some(options.timeout))
            .user_agent(concat!("cors-doctor/", env!("CARGO_PKG_VERSION")))
            .accept("")
            .tls_config(tls)
            .build();
        Client {
            agent: config.into(),
            sent: Cell::new(0),
            remembered: RefCell::new(Vec::new()),
        }
    }

    /// How many requests this client has sent.
    pub(crate) fn requests_sent(&self) -> usize {
        self.sent.get()
    }

    /// Sends `method url` with exactly these header lines.
    /// [`Client::send`], unless the same request (method, URL and header lines) went through
    /// here before: then its exchange again, without sending anything.
    pub(crate) fn send_once(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
    ) -> Result<Exchange, Error> {
        let earlier = self
            .remembered
            .borrow()
            .iter()
            .find(|e| e.method == method && e.url == url && e.request_headers == headers)
            .cloned();
        if let Some(exchange) = earlier {
            return Ok(exchange);
        }
        let exchange = self.send(method, url, headers)?;
        self.remembered.borrow_mut().push(exchange.clone());
        Ok(exchange)
    }

    pub(crate) fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
    ) -> Result<Exchange, Error> {
        self.exchange(method, url, headers, true)
    }

    /// A WebSocket handshake: `GET url` with these header lines, the answer's head only. The
    /// connection is dropped with the response, before anything is read past the headers, so
    /// a socket that opened is closed at once.
    pub(crate) fn handshake(
        &self,
        url: &str,
        headers: &[(String, String)],
    ) -> Result<Exchange, Error> {
        self.exchange("GET", url, headers, false)
    }

    fn exchange(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        read_body: bool,
    ) -> Result<Exchange, Error> {
        let mut builder = http::Request::builder().method(method).uri(url);
        for (name, value) in headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let request = builder
            .body(())
            .map_err(|e| Error::usage(format!("cannot build the request {method} {url}: {e}")))?;
        self.sent.set(self.sent.get().saturating_add(1));
        let start = Instant::now();
        let mut response = self.agent.run(request).map_err(|e| classify(url, &e))?;
        let status = response.status().as_u16();
        let received = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        // Read (and drop) the body so the connection can be reused; a broken body does not
        // change what the headers say.
        if read_body {
            let _ = response
                .body_mut()
                .with_config()
                .limit(4 * 1024 * 1024)
                .read_to_vec();
        }
        let millis = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
        Ok(Exchange {
            method: method.to_owned(),
            url: url.to_owned(),
            request_headers: headers.to_vec(),
            status,
            headers: received,
            millis,
        })
    }
}

fn io_kind(e: &io::Error) -> NetworkKind {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => NetworkKind::ConnectionRefused,
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => NetworkKind::Timeout,
        io::ErrorKind::InvalidData => NetworkKind::Protocol,
        _ => NetworkKind::Io,
    }
}

fn classify(url: &str, e: &ureq::Error) -> Error {
    let detail = e.to_string();
    let lower = detail.to_ascii_lowercase();
    let https = url
        .get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
    let kind = match e {
        // The resolver's failures come as I/O errors; their wording is the system's.
        ureq::Error::Io(_)
            if lower.contains("lookup address")
                || lower.contains("name or service not known")
                || lower.contains("no such host")
                || lower.contains("nodename nor servname") =>
        {
            NetworkKind::Dns
        }
        // rustls reports handshake problems (bad certificate, a peer that does not speak
        // TLS) as I/O errors on the stream.
        ureq::Error::Io(io)
            if https
                && (io.kind() == io::ErrorKind::InvalidData
                    || lower.contains("certificate")
                    || lower.contains("tls")
                    || lower.contains("handshake")) =>
        {
            NetworkKind::Tls
        }
        ureq::Error::HostNotFound => NetworkKind::Dns,
        ureq::Error::ConnectionFailed => NetworkKind::ConnectionRefused,
        ureq::Error::Timeout(_) => NetworkKind::Timeout,
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => NetworkKind::Tls,
        ureq::Error::Protocol(_) => NetworkKind::Protocol,
        ureq::Error::Io(io) => io_kind(io),
        ureq::Error::BadUri(u) => {
            return Error::usage(format!("the URL `{u}` is not usable"));
        }
        _ => NetworkKind::Io,
    };
    Error::Network {
        url: url.to_owned(),
        kind,
        detail,
    }
}

/// The timeout as a [`Duration`] from `--timeout SECONDS`, refusing nonsense.
pub(crate) fn timeout_from_seconds(seconds: f64) -> Result<Duration, Error> {
    if seconds.is_finite() && seconds > 0.0 && seconds <= 3600.0 {
        Ok(Duration::from_secs_f64(seconds))
    } else {
        Err(Error::usage(format!(
            "--timeout {seconds} is not a number of seconds between 0 and 3600"
        )))
    }
}
