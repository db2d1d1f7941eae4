//! The guide (`docs/guide/src/*.md`) and the README, compiled: each chapter is the documentation
//! of one empty module here, so `cargo test -p cors-tests --doc` builds (and runs, unless marked
//! `no_run`) every `rust` block in them as a doctest, against the crates this one depends on.
//! A block that stops compiling fails the test command; the guide cannot rot.
//!
//! Every chapter needs a module here: the test below checks that each file in `docs/guide/src/`
//! has one and is linked from `SUMMARY.md`, and that every link there names a file.
//!
//! rustdoc numbers a block's lines in this file: a failure at `guide::actix (line N)` is at line
//! N - A + 1 of `actix.md`, A being the line of that module's `#[doc]` attribute.

#[doc = include_str!("../../README.md")]
pub mod readme {}

#[doc = include_str!("../../docs/guide/src/introduction.md")]
pub mod introduction {}

#[doc = include_str!("../../docs/guide/src/actix.md")]
pub mod actix {}

#[doc = include_str!("../../docs/guide/src/rocket.md")]
pub mod rocket {}

#[doc = include_str!("../../docs/guide/src/axum.md")]
pub mod axum {}

#[doc = include_str!("../../docs/guide/src/runtime.md")]
pub mod runtime {}

#[doc = include_str!("../../docs/guide/src/write-protection.md")]
pub mod write_protection {}

#[doc = include_str!("../../docs/guide/src/doctor.md")]
pub mod doctor {}

#[doc = include_str!("../../docs/guide/src/migrating.md")]
pub mod migrating {}

#[doc = include_str!("../../docs/guide/src/rules.md")]
pub mod rules {}

#[doc = include_str!("../../docs/guide/src/decisions.md")]
pub mod decisions {}

#[doc = include_str!("../../docs/guide/src/proofs.md")]
pub mod proofs {}

#[doc = include_str!("../../docs/guide/src/performance.md")]
pub mod performance {}

#[doc = include_str!("../../docs/guide/src/limits.md")]
pub mod limits {}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::fs;
    use std::path::{Path, PathBuf};

    /// The folder of the guide's chapters.
    fn chapters_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/guide/src")
    }

    /// Every Markdown file under `dir`, as a path relative to `root` with `/` separators.
    fn markdown_files(root: &Path, dir: &Path, found: &mut BTreeSet<String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                markdown_files(root, &path, found);
            } else if path.extension().is_some_and(|ext| ext == "md") {
                let relative = path.strip_prefix(root).unwrap();
                let parts: Vec<_> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                found.insert(parts.join("/"));
            }
        }
    }

    /// The targets of the Markdown links in `SUMMARY.md` (`[Title](target.md)`), without any
    /// `#fragment`.
    fn summary_links(summary: &str) -> Vec<String> {
        summary
            .split("](")
            .skip(1)
            .filter_map(|rest| rest.split_once(')'))
            .map(|(target, _)| target.split('#').next().unwrap_or(target).to_owned())
            .collect()
    }

    #[test]
    fn every_chapter_is_linked_from_the_summary_and_compiled() {
        let dir = chapters_dir();
        let mut chapters = BTreeSet::new();
        markdown_files(&dir, &dir, &mut chapters);
        assert!(
            chapters.remove("SUMMARY.md"),
            "docs/guide/src/SUMMARY.md is missing"
        );
        assert!(!chapters.is_empty(), "the guide has no chapters");

        let summary = fs::read_to_string(dir.join("SUMMARY.md")).unwrap();
        let links = summary_links(&summary);
        let harness = include_str!("guide.rs");
        let mut problems = Vec::new();
        for link in &links {
            if !chapters.contains(link.as_str()) {
                problems.push(format!(
                    "SUMMARY.md links `{link}`, which is not a file in docs/guide/src"
                ));
            }
        }
        for chapter in &chapters {
            if !links.iter().any(|link| link == chapter) {
                problems.push(format!(
                    "docs/guide/src/{chapter} is not linked from SUMMARY.md: readers of the \
                     rendered book would never find it"
                ));
            }
            let include = format!("include_str!(\"../../docs/guide/src/{chapter}\")");
            if !harness.contains(&include) {
                problems.push(format!(
                    "docs/guide/src/{chapter} has no module in tests/src/guide.rs, so its Rust \
                     blocks are never compiled: add `#[doc = {include}] pub mod <name> {{}}`"
                ));
            }
        }
        if !harness.contains("include_str!(\"../../README.md\")") {
            problems.push("README.md has no module in tests/src/guide.rs".to_owned());
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
