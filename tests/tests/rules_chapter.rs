//! The guide's chapter "The rules" (`docs/guide/src/rules.md`) kept in step with the rules:
//! every rule of the core has its section, every compile-fail example is a UI case of this
//! suite (whose `.stderr` snapshot shows it fails through that rule), and every message, reason
//! and fix it quotes is one the code prints.
// Test code: a UI folder that cannot be read fails the test at once.
#![allow(clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};

use cors_shared::ErrorKind;

const CHAPTER: &str = include_str!("../../docs/guide/src/rules.md");

/// The name in each `### `Name`` heading of the chapter.
fn sections() -> Vec<&'static str> {
    CHAPTER
        .lines()
        .filter_map(|line| line.strip_prefix("### `")?.split('`').next())
        .collect()
}

#[test]
fn every_rule_has_a_section() {
    let sections = sections();
    let missing: Vec<&str> = ErrorKind::ALL
        .iter()
        .map(|kind| kind.name())
        .filter(|name| !sections.contains(name))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/guide/src/rules.md has no section (### `Name`) for these rules: {missing:?}"
    );
}

#[test]
fn every_section_is_a_rule() {
    let unknown: Vec<&str> = sections()
        .into_iter()
        .filter(|name| !ErrorKind::ALL.iter().any(|kind| kind.name() == *name))
        .collect();
    assert!(
        unknown.is_empty(),
        "docs/guide/src/rules.md has sections for rules that do not exist: {unknown:?}"
    );
}

/// The fenced blocks of the chapter whose info string is `info`, their indentation removed.
fn blocks(info: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut lines = CHAPTER.lines();
    while let Some(line) = lines.next() {
        let indent = line.len() - line.trim_start().len();
        if line.trim_start() != format!("```{info}") {
            continue;
        }
        let mut block = String::new();
        for line in lines.by_ref() {
            if line.trim_start() == "```" {
                break;
            }
            block.push_str(line.get(indent..).unwrap_or(""));
            block.push('\n');
        }
        found.push(block);
    }
    found
}

/// Every file under `tests/ui/` whose name ends with `extension`, with its contents.
fn ui_files(extension: &str) -> Vec<(PathBuf, String)> {
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui");
    let mut files = Vec::new();
    for dir in fs::read_dir(&ui).expect("tests/ui") {
        let dir = dir.expect("an entry of tests/ui").path();
        for file in fs::read_dir(&dir).expect("a folder of tests/ui") {
            let path = file.expect("a UI case").path();
            if path.extension().is_some_and(|e| e == extension) {
                let text = fs::read_to_string(&path).expect("a readable UI case");
                files.push((path, text));
            }
        }
    }
    files
}

#[test]
fn every_compile_fail_example_is_a_ui_case() {
    let cases = ui_files("rs");
    let examples = blocks("rust,compile_fail");
    assert!(!examples.is_empty());
    for example in examples {
        // rustdoc's hidden lines (`# ...`) are part of the program.
        let program: String = example
            .lines()
            .map(|line| match line {
                "#" => "",
                _ => line.strip_prefix("# ").unwrap_or(line),
            })
            .flat_map(|line| [line, "\n"])
            .collect();
        assert!(
            cases.iter().any(|(_, case)| *case == program),
            "this compile-fail example of docs/guide/src/rules.md is not a case of tests/ui/, \
             so nothing shows it fails through the rule it illustrates:\n{program}"
        );
    }
}

#[test]
fn every_quoted_compiler_output_is_a_snapshot() {
    let snapshots = ui_files("stderr");
    for quote in blocks("text") {
        assert!(
            snapshots.iter().any(|(_, s)| s.contains(&quote)),
            "this output quoted in docs/guide/src/rules.md is in no tests/ui/**/*.stderr:\n{quote}"
        );
    }
}

#[test]
fn every_quoted_message_reason_and_fix_is_the_code_s() {
    let snapshots: String = ui_files("stderr").into_iter().map(|(_, s)| s).collect();
    // The words as string literals in the source, whole (`"..."`), escapes undone.
    let words = include_str!("../../cors-shared/src/error/text.rs").replace("\\\"", "\"");
    let quoted = [
        ("- **What:** ", "error: "),
        ("- **Why browsers care:** ", "= why: "),
        ("- **Fix:** ", "= help: "),
    ];
    let mut checked = 0;
    for line in CHAPTER.lines() {
        for (label, printed) in quoted {
            let Some(text) = line.strip_prefix(label) else {
                continue;
            };
            // Markdown escapes in the chapter (`host\[:port\]`) are not part of the words.
            let text = text.replace("\\[", "[").replace("\\]", "]");
            checked += 1;
            assert!(
                snapshots.contains(&format!("{printed}{text}\n"))
                    || (printed != "error: " && words.contains(&format!("\"{text}\""))),
                "docs/guide/src/rules.md quotes words the code does not print: {line}"
            );
        }
    }
    assert!(checked > 100, "only {checked} quoted lines found");
}
