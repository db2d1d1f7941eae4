//! A deliberately raw HTTP/1.1 client for black-box tests.
//!
//! It writes exactly the header lines it is given, so tests can send what browsers and
//! high-level clients never would: two `Origin` lines, non-UTF-8 bytes, a 5,000-byte label.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A request as written on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Method, e.g. `GET`.
    pub method: String,
    /// Path with optional query, e.g. `/private`.
    pub path: String,
    /// Header lines in order; a name may repeat. Values are raw bytes.
    pub headers: Vec<(String, Vec<u8>)>,
    /// Request body.
    pub body: Vec<u8>,
}

impl Request {
    /// A request without headers or body.
    pub fn new(method: &str, path: &str) -> Self {
        Request {
            method: method.to_owned(),
            path: path.to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Adds a header line.
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers
            .push((name.to_owned(), value.as_ref().to_vec()));
        self
    }
}

/// A response as read from the wire (or converted from an in-process test response).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Header lines in order, names lower-cased.
    pub headers: Vec<(String, Vec<u8>)>,
    /// Body, de-chunked.
    pub body: Vec<u8>,
}

impl Response {
    /// Every value of a header (name compared case-insensitively).
    pub fn all(&self, name: &str) -> Vec<&[u8]> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
            .collect()
    }

    /// The single value of a header as text; `None` when absent. Several lines are joined
    /// with `, ` as HTTP allows, so a duplicated header shows up in assertions.
    pub fn get(&self, name: &str) -> Option<String> {
        let all = self.all(name);
        if all.is_empty() {
            return None;
        }
        Some(
            all.iter()
                .map(|v| String::from_utf8_lossy(v).into_owned())
                .collect::<Vec<_>>()
                .join(", "),
        )
    }

    /// What the response says about CORS, for comparing responses: each CORS header present
    /// (`name: value`, in a fixed order) and the `Vary` tokens sorted, joined with `; `.
    pub fn cors_summary(&self) -> String {
        use cors_shared::header;
        let mut parts = Vec::new();
        for name in [
            header::ALLOW_ORIGIN,
            header::ALLOW_CREDENTIALS,
            header::ALLOW_METHODS,
            header::ALLOW_HEADERS,
            header::ALLOW_PRIVATE_NETWORK,
            header::EXPOSE_HEADERS,
            header::MAX_AGE,
        ] {
            if let Some(v) = self.get(name) {
                parts.push(format!("{name}: {v}"));
            }
        }
        let mut vary = self.vary_tokens();
        vary.sort();
        parts.push(format!("vary: {}", vary.join(", ")));
        parts.join("; ")
    }

    /// The `Vary` tokens, lower-cased, in order.
    pub fn vary_tokens(&self) -> Vec<String> {
        self.all("vary")
            .iter()
            .flat_map(|v| {
                String::from_utf8_lossy(v)
                    .split(',')
                    .map(|t| t.trim().to_ascii_lowercase())
                    .collect::<Vec<_>>()
            })
            .filter(|t| !t.is_empty())
            .collect()
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends one request on a fresh connection (`Connection: close`) and reads the whole response
/// (giving up after 5 s without a connection or 20 s without an answer).
pub fn send(addr: SocketAddr, req: &Request) -> io::Result<Response> {
    send_within(addr, req, Duration::from_secs(20))
}

/// Like [`send`], giving up when connecting takes longer than `timeout` (at most 5 s) or any
/// read waits longer than `timeout`.
pub fn send_within(addr: SocketAddr, req: &Request, timeout: Duration) -> io::Result<Response> {
    let timeout = timeout.max(Duration::from_millis(1));
    let mut stream = TcpStream::connect_timeout(&addr, timeout.min(Duration::from_secs(5)))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let mut out = Vec::new();
    write!(out, "{} {} HTTP/1.1\r\n", req.method, req.path)?;
    // The request's own `Host` when it has one (write protection compares it with `Origin`).
    if !req
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("host"))
    {
        write!(out, "host: {addr}\r\n")?;
    }
    write!(out, "connection: close\r\n")?;
    for (name, value) in &req.headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    if !req.body.is_empty() || matches!(req.method.as_str(), "POST" | "PUT" | "PATCH") {
        write!(out, "content-length: {}\r\n", req.body.len())?;
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&req.body);
    stream.write_all(&out)?;
    read_response(&mut BufReader::new(stream), req.method == "HEAD")
}

fn bad(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

fn read_line(r: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut line = Vec::new();
    r.read_until(b'\n', &mut line)?;
    while matches!(line.last(), Some(b'\n' | b'\r')) {
        line.pop();
    }
    Ok(line)
}

/// Reads one response from `r`.
pub fn read_response(r: &mut impl BufRead, head_only: bool) -> io::Result<Response> {
    let status_line = read_line(r)?;
    let status_line = String::from_utf8_lossy(&status_line).into_owned();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad(format!("bad status line {status_line:?}")))?;
    let mut headers = Vec::new();
    loop {
        let line = read_line(r)?;
        if line.is_empty() {
            break;
        }
        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or_else(|| bad("header without colon"))?;
        let (name, value) = line.split_at(colon);
        let name = String::from_utf8_lossy(name).to_ascii_lowercase();
        let value = value.get(1..).unwrap_or_default().trim_ascii().to_vec();
        headers.push((name, value));
    }
    let mut resp = Response {
        status,
        headers,
        body: Vec::new(),
    };
    if head_only || status == 204 || status == 304 || (100..200).contains(&status) {
        return Ok(resp);
    }
    if resp
        .get("transfer-encoding")
        .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let size_line = read_line(r)?;
            let size_text = String::from_utf8_lossy(&size_line);
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| bad("bad chunk size"))?;
            if size == 0 {
                while !read_line(r)?.is_empty() {}
                break;
            }
            let mut chunk = vec![0; size];
            r.read_exact(&mut chunk)?;
            resp.body.extend_from_slice(&chunk);
            read_line(r)?;
        }
    } else if let Some(len) = resp.get("content-length") {
        let len: usize = len.trim().parse().map_err(|_| bad("bad content-length"))?;
        resp.body = vec![0; len];
        r.read_exact(&mut resp.body)?;
    } else {
        r.read_to_end(&mut resp.body)?;
    }
    Ok(resp)
}
