//! Shared fixtures of the CORS suite's cross-crate tests: the conformance table, a raw HTTP/1.1
//! client that can send what higher-level clients refuse to (duplicate or non-UTF-8 headers),
//! the conformance applications for every adapter and their admin routes, the browser and cache
//! harnesses, and tables that every adapter's own tests share.

pub mod actix_app;
pub mod admin;
pub mod axum_app;
pub mod caches;
pub mod capture;
pub mod conformance;
/// The guide (`docs/guide`) and the README as doctests: every Rust block in them is compiled by
/// `cargo test -p cors-tests --doc`.
pub mod guide;
pub mod handwritten;
pub mod http;
pub mod log;
pub mod ready;
pub mod rocket_app;
pub mod server;
pub mod tools;
pub mod webdriver;
