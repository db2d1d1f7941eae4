//! `cors-doctor`: asks a live endpoint what a browser would do with its CORS answer.
//!
//! The library behind the command: [`diagnose`] replays what a browser sends for a
//! [`Request`] (the preflight when one is needed, the request, each redirect) and judges every
//! answer with the browser's own checks from [`cors_browser`], returning a typed
//! [`Report`] with the verdict, each step, and for a block the failing step, the reason, the
//! fix and the message Chromium's console prints. [`probe_cache()`], [`compare()`], [`scan()`]
//! and [`check_websocket()`] are the other modes of the command line ([`cli::run`]).
//!
//! ```no_run
//! use cors_doctor::{diagnose, Options, Request, Verdict};
//!
//! let request = Request::new("http://127.0.0.1:8080/private", "https://app.example.re")
//!     .method("PUT")
//!     .header("content-type", "application/json")
//!     .credentials(true);
//! let report = diagnose(&request, &Options::default())?;
//! if report.verdict == Verdict::Blocked {
//!     let failure = report.failure.as_ref().expect("a blocked report says why");
//!     println!("{}: {}\nfix: {}", failure.step, failure.reason, failure.fix);
//! }
//! # Ok::<(), cors_doctor::Error>(())
//! ```
//!
//! The example needs an endpoint to ask, hence `no_run`. The guide's chapter
//! [Diagnosing with `cors-doctor`][guide-doctor] walks through the command line, its modes
//! (`--cache`, `--compare`, `--scan`, `--websocket`) and what each verdict means.
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
