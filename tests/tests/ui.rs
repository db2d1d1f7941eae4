//! Compile-time behaviour of `#[cors(...)]` and `policy!{...}`: every invalid policy and every
//! misuse is a compile error on the right token with our own message (snapshots in `ui/*/*.stderr`),
//! and every valid form compiles for every framework.
//!
//! Refresh the snapshots after an intended change of wording with
//! `TRYBUILD=overwrite cargo test -p cors-tests --test ui`, then read every changed `.stderr`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/actix/*.rs");
    cases.compile_fail("ui/rocket/*.rs");
    cases.compile_fail("ui/axum/*.rs");
    cases.pass("ui/pass/*.rs");
}
