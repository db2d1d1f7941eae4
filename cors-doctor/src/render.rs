//! The human-readable output of a diagnosis.

use std::fmt::Write as _;

use cors_browser::Engine;

use crate::report::{EngineVerdict, Report, Verdict};

/// The report as text: the request, each step with ✓, ! (a warning) or ✗, the verdict, and for a block the
/// console message, the reason and the fix.
pub fn render_report(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} from origin {}{}",
        report.method,
        report.url,
        report.origin,
        if report.credentials {
            " with credentials"
        } else {
            ""
        }
    );
    for warning in &report.warnings {
        let _ = writeln!(out, "! {warning}");
    }
    out.push('\n');
    let width = report
        .steps
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(0);
    for step in &report.steps {
        let _ = writeln!(
            out,
            "{} {:width$}  {}",
            step.status.mark(),
            step.name,
            step.detail
        );
    }
    out.push('\n');
    match (&report.verdict, &report.failure) {
        (Verdict::Read, _) => {
            let _ = writeln!(out, "Verdict: read. The page can read this response.");
            if let Some(problem) = report.error_path.as_ref().and_then(|e| e.problem.as_ref()) {
                let _ = writeln!(out, "But on errors: {problem}");
            }
        }
        (Verdict::Blocked, Some(failure)) => {
            let _ = writeln!(out, "Verdict: blocked at step \"{}\".", failure.step);
            let _ = writeln!(out, "Console: {}", failure.chromium_message);
            let _ = writeln!(out, "Why:     {}", failure.reason);
            let _ = writeln!(out, "Fix:     {}", failure.fix);
        }
        (Verdict::Blocked, None) => {
            let _ = writeln!(out, "Verdict: blocked.");
        }
        (Verdict::Split, _) => {
            let names = |verdict: EngineVerdict| {
                let names: Vec<&str> = Engine::ALL
                    .iter()
                    .filter(|e| report.engines.get(**e) == verdict)
                    .map(|e| e.observed_on())
                    .collect();
                let one = names.len() == 1;
                (names.join(" and "), one)
            };
            let (readers, one_reads) = names(EngineVerdict::Read);
            let (blockers, one_blocks) = names(EngineVerdict::Blocked);
            let _ = writeln!(
                out,
                "Verdict: split. {readers} {} the page read this response; {blockers} {} it.",
                if one_reads { "lets" } else { "let" },
                if one_blocks { "blocks" } else { "block" },
            );
            if let Some(failure) = report.failure.as_ref() {
                if !failure.chromium_message.is_empty() {
                    let _ = writeln!(out, "Console: {}", failure.chromium_message);
                }
            }
            for block in &report.engine_blocks {
                let _ = writeln!(
                    out,
                    "{}: blocked at step \"{}\": {}",
                    block.observed_on, block.step, block.reason
                );
            }
            if let Some(failure) = report.failure.as_ref() {
                let _ = writeln!(out, "Fix (all three engines): {}", failure.fix);
            }
        }
    }
    if report.verdict == Verdict::Blocked
        && report
            .engine_blocks
            .iter()
            .any(|b| !b.deviations.is_empty())
    {
        for block in &report.engine_blocks {
            let _ = writeln!(
                out,
                "{}: blocked at step \"{}\": {}",
                block.observed_on, block.step, block.reason
            );
        }
    }
    let _ = writeln!(out, "({})", requests_sent(report.requests_sent));
    out
}

/// "1 request sent", "3 requests sent".
pub(crate) fn requests_sent(n: usize) -> String {
    if n == 1 {
        "1 request sent".to_owned()
    } else {
        format!("{n} requests sent")
    }
}
