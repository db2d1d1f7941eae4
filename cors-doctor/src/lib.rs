//! `cors-doctor`: asks a live endpoint what a browser would do with its CORS answer.
//!
//! The library behind the command: [`diagnose`] replays what a browser sends for a
//! [`Request`] (the preflight when one is needed, the request, each redirect) and judges every
//! answer with the browser's own checks from [`cors_browser`], returning a typed
//! [`Report`] with the verdict, each step, and for a block the failing step, the reason, the
//! fix and the message Chromium's console prints. [`probe_cache()`], [`compare()`], [`scan()`]
//! and [`check_websocket()`] are the other modes of the command line ([`cli::run`]).
//!
//! ```
//! use cors_doctor::{diagnose, Options, Request, Verdict};
//!
//! # use std::io::{BufRead, BufReader, Read, Write};
//! # // An endpoint that makes the classic mistake: `*` on a credentialed preflight.
//! # let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
//! # let url = format!("http://{}/private", listener.local_addr()?);
//! # std::thread::spawn(move || {
//! #     for stream in listener.incoming().flatten() {
//! #         let mut reader = BufReader::new(&stream);
//! #         let mut length = 0;
//! #         let mut line = String::new();
//! #         while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
//! #             let lower = line.to_ascii_lowercase();
//! #             if let Some(v) = lower.strip_prefix("content-length:") {
//! #                 length = v.trim().parse().unwrap_or(0);
//! #             }
//! #             line.clear();
//! #         }
//! #         let _ = reader.take(length).read_to_end(&mut Vec::new());
//! #         let _ = (&stream).write_all(
//! #             b"HTTP/1.1 204 No Content\r\naccess-control-allow-origin: *\r\n\
//! #               access-control-allow-methods: PUT\r\naccess-control-allow-headers: content-type\r\n\
//! #               content-length: 0\r\nconnection: close\r\n\r\n",
//! #         );
//! #     }
//! # });
//! // `url` is the endpoint to ask, e.g. "http://127.0.0.1:8080/private".
//! let request = Request::new(url, "https://app.example.re")
//!     .method("PUT")
//!     .header("content-type", "application/json")
//!     .credentials(true);
//! let report = diagnose(&request, &Options::default())?;
//! assert_eq!(report.verdict, Verdict::Blocked);
//! if let Some(failure) = &report.failure {
//!     println!("{}: {}\nfix: {}", failure.step, failure.reason, failure.fix);
//! #   assert!(failure.chromium_message.contains("'*'"), "{}", failure.chromium_message);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The guide's chapter [Diagnosing with `cors-doctor`][guide-doctor] walks through the command
//! line, its modes (`--cache`, `--compare`, `--scan`, `--websocket`) and what each verdict
//! means.
//!
//! [guide-doctor]: https://example.invalid/cors-suite/blob/main/docs/guide/src/doctor.md

pub mod cache;
pub mod cli;
pub mod compare;
mod diagnose;
mod error;
mod fix;
mod origins;
mod render;
mod report;
mod request;
pub mod scan;
mod transport;
mod websocket;

pub use cache::{probe_cache, CacheReport};
pub use compare::{compare, CompareReport};
pub use cors_browser::Engine;
pub use diagnose::{diagnose, ERROR_PROBE_SEGMENT};
pub use error::{Error, NetworkKind};
pub use origins::UNRELATED_ORIGIN;
pub use render::render_report;
pub use report::{
    steps, DeviationNote, EngineBlock, EngineVerdict, EngineVerdicts, ErrorPath, Failure,
    PreflightReport, Report, Step, StepStatus, Verdict,
};
pub use request::{check_origin, check_url, parse_header_line, Options, Request};
pub use scan::{scan, ScanReport};
pub use transport::Exchange;
pub use websocket::{
    check_websocket, handshake_url, Handshake, WebSocketReport, FETCH_METADATA_SENT,
};
