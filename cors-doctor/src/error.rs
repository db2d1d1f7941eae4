//! Why a diagnosis could not run: bad input, or an endpoint that cannot be reached. Both end
//! the program with exit status 2; each message says what is wrong and what to do.

use std::fmt;

/// How reaching the endpoint failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkKind {
    /// The host name does not resolve.
    Dns,
    /// Nothing listens on that port.
    ConnectionRefused,
    /// The connection or the answer took longer than `--timeout`.
    Timeout,
    /// The TLS handshake failed (self-signed or expired certificate, wrong host name, or a
    /// server that does not speak TLS).
    Tls,
    /// The server's answer is not HTTP/1.1 the client can read.
    Protocol,
    /// Any other I/O error.
    Io,
}

/// A diagnosis that could not run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The command line or the request is wrong; the message explains and suggests.
    Usage(String),
    /// The endpoint could not be reached.
    Network {
        /// The URL that was asked.
        url: String,
        /// What went wrong.
        kind: NetworkKind,
        /// The client's own words.
        detail: String,
    },
}

impl Error {
    /// A usage error with this message.
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage(message.into())
    }

    /// The exit status for this error: always 2.
    pub fn exit_code(&self) -> i32 {
        2
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(message) => f.write_str(message),
            Error::Network { url, kind, detail } => {
                match kind {
                    NetworkKind::Dns => write!(
                        f,
                        "cannot reach {url}: the host name does not resolve (DNS). Check the \
                         spelling, or use an IP address"
                    )?,
                    NetworkKind::ConnectionRefused => write!(
                        f,
                        "cannot reach {url}: connection refused. Nothing listens on that host \
                         and port; is the server running, and is the port right?"
                    )?,
                    NetworkKind::Timeout => write!(
                        f,
                        "cannot reach {url}: timeout. The server did not answer in time; \
                         raise --timeout SECONDS if it is just slow"
                    )?,
                    NetworkKind::Tls => write!(
                        f,
                        "cannot reach {url}: the TLS handshake failed (a self-signed or \
                         expired certificate, one for another name, or a port that does not \
                         speak TLS). For a self-signed test certificate, run again with \
                         --insecure (browsers refuse such a certificate too, unless the user \
                         accepted it)"
                    )?,
                    NetworkKind::Protocol => write!(
                        f,
                        "cannot reach {url}: the answer is not HTTP this tool can read (an \
                         https port asked with http://, or the reverse?)"
                    )?,
                    NetworkKind::Io => write!(f, "cannot reach {url}: an I/O error")?,
                }
                write!(f, " ({detail})")
            }
        }
    }
}

impl std::error::Error for Error {}
