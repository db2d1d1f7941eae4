//! The guide's chapters (`docs/guide/src/`) as documentation-only modules, so that every Rust
//! block in them is compiled and run by `cargo test -p cors-tests --doc`.

#[doc = include_str!("../../docs/guide/src/rules.md")]
pub mod rules {}
