//! Shared fixtures of the CORS suite's cross-crate tests: the conformance table, a raw HTTP/1.1
//! client that can send what higher-level clients refuse to (duplicate or non-UTF-8 headers),
//! the conformance applications for every adapter and their admin routes, and the browser and
//! cache harnesses.

pub mod actix_app;
pub mod admin;
pub mod axum_app;
pub mod caches;
pub mod capture;
pub mod conformance;
pub mod guide;
pub mod http;
pub mod log;
pub mod ready;
pub mod rocket_app;
pub mod server;
pub mod tools;
pub mod webdriver;
