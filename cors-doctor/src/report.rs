//! What a diagnosis found, as data: steps, verdict, the failure with its console message and
//! fix. The text and JSON outputs are both made from this.

use cors_browser::{agreement, Agreement, Deviation, Engine};
use serde::Serialize;

use crate::transport::Exchange;

/// What the browsers do with the response, all engines together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The page can read the response in every engine.
    Read,
    /// Every engine refuses the page the response (or never sends the request).
    Blocked,
    /// Some engines let the page read the response and others do not: the users of the
    /// others are blocked.
    Split,
}

impl Verdict {
    /// `read`, `blocked` or `split`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Read => "read",
            Verdict::Blocked => "blocked",
            Verdict::Split => "split",
        }
    }

    /// The verdict of all engines together: read when all read, blocked when none does,
    /// split otherwise.
    pub fn of(engines: &EngineVerdicts) -> Verdict {
        let reads: Vec<(Engine, bool)> = Engine::ALL
            .iter()
            .map(|e| (*e, engines.get(*e) == EngineVerdict::Read))
            .collect();
        match agreement(&reads) {
            Agreement::AllRead => Verdict::Read,
            Agreement::NoneRead => Verdict::Blocked,
            Agreement::Split => Verdict::Split,
        }
    }
}

/// What one engine does with the response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineVerdict {
    /// The page can read the response.
    Read,
    /// The engine refuses the page the response (or never sends the request).
    Blocked,
}

impl EngineVerdict {
    /// `read` or `blocked`.
    pub fn as_str(self) -> &'static str {
        match self {
            EngineVerdict::Read => "read",
            EngineVerdict::Blocked => "blocked",
        }
    }
}

/// Each engine's verdict (`{"chromium": "read", "firefox": "blocked", "webkit": "blocked"}`
/// in JSON).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct EngineVerdicts {
    /// Chromium's (Chrome, Edge, ...).
    pub chromium: EngineVerdict,
    /// Firefox's.
    pub firefox: EngineVerdict,
    /// WebKit's (Safari).
    pub webkit: EngineVerdict,
}

impl EngineVerdicts {
    /// This engine's verdict.
    pub fn get(&self, engine: Engine) -> EngineVerdict {
        match engine {
            Engine::Chromium => self.chromium,
            Engine::Firefox => self.firefox,
            Engine::WebKit => self.webkit,
        }
    }
}

/// Why one engine blocks, when it does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EngineBlock {
    /// The engine's short name (`chromium`, `firefox`, `webkit`).
    pub engine: String,
    /// The build its behaviour was observed on (`Firefox ESR 153`).
    pub observed_on: String,
    /// The name of the step that failed in this engine.
    pub step: String,
    /// Why, in plain words, starting with where the engine departs from the standard when it
    /// does.
    pub reason: String,
    /// The deviations from the standard that led this engine here (their ids).
    pub deviations: Vec<String>,
}

/// A known deviation of the engines from the Fetch Standard that changed this diagnosis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeviationNote {
    /// Its stable name (`wildcard-covers-authorization`, ...).
    pub id: String,
    /// The engines it changed something for here (short names).
    pub engines: Vec<String>,
    /// The builds it was observed on.
    pub observed_on: Vec<String>,
    /// The standard's text the engines depart from.
    pub standard: String,
    /// What the engines do instead.
    pub engines_do: String,
    /// Readable today but forbidden by the standard (a warning, not a block).
    pub tolerated: bool,
    /// Where the gap is discussed, when it is.
    pub discussion: Option<String>,
}

impl DeviationNote {
    /// The note for a deviation seen in these engines.
    pub fn new(deviation: Deviation, engines: &[Engine]) -> DeviationNote {
        let entry = deviation.entry();
        DeviationNote {
            id: entry.id.to_owned(),
            engines: engines.iter().map(|e| e.name().to_owned()).collect(),
            observed_on: engines.iter().map(|e| e.observed_on().to_owned()).collect(),
            standard: entry.standard.to_owned(),
            engines_do: entry.engines_do.to_owned(),
            tolerated: entry.tolerated,
            discussion: entry.discussion.map(str::to_owned),
        }
    }
}

/// How a step went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    /// It passed (`✓`).
    Ok,
    /// It passed, with something worth a look that does not block this request (`!`).
    Warning,
    /// It failed (`✗`).
    Failed,
}

impl StepStatus {
    /// The mark the text output puts in front of the step: `✓`, `!` or `✗`.
    pub fn mark(self) -> &'static str {
        match self {
            StepStatus::Ok => "✓",
            StepStatus::Warning => "!",
            StepStatus::Failed => "✗",
        }
    }
}

/// One thing the browser does or checks, and how it went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The step's name: one of [`steps`]'s constants.
    pub name: String,
    /// Whether it passed (a warning passes).
    pub ok: bool,
    /// Passed, passed with a warning, or failed.
    pub status: StepStatus,
    /// What was seen.
    pub detail: String,
}

/// The names of the steps, so callers can match on them.
pub mod steps {
    /// Whether a preflight is needed, and why.
    pub const PREFLIGHT_NEEDED: &str = "preflight needed";
    /// The preflight and its checks (Fetch, CORS-preflight fetch).
    pub const PREFLIGHT: &str = "preflight";
    /// One request of the actual fetch (one per redirect hop).
    pub const REQUEST: &str = "request";
    /// The CORS check of a response (Fetch, CORS check), credentials included.
    pub const CORS_CHECK: &str = "CORS check";
    /// A write from another origin answered `403` without CORS headers: the server's
    /// cross-site write protection refused it (in place of [`CORS_CHECK`], which fails too).
    pub const WRITE_REFUSED: &str = "write refused";
    /// A redirect and what it changes.
    pub const REDIRECT: &str = "redirect";
    /// Which response headers the page may read.
    pub const READABLE_HEADERS: &str = "readable headers";
    /// Whether an error response under the same path carries the CORS headers too.
    pub const ERROR_PATH: &str = "error path";
}

/// Why the browser blocks, in three voices: the console's, plain words, and the fix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// The name of the step that failed.
    pub step: String,
    /// What is wrong, in plain words.
    pub reason: String,
    /// What to change, in general terms and, where it applies, as the `#[cors(...)]` key or
    /// `PolicySpec` call of this project.
    pub fix: String,
    /// The message Chromium prints in the console for this block.
    pub chromium_message: String,
}

/// The preflight as sent and received.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PreflightReport {
    /// The status received.
    pub status: u16,
    /// The header lines sent.
    pub request_headers: Vec<(String, String)>,
    /// Every header line received.
    pub headers: Vec<(String, String)>,
    /// Whether it let the actual request go.
    pub passed: bool,
}

/// What the request to a path that does not exist showed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorPath {
    /// The URL probed.
    pub url: String,
    /// Its status.
    pub status: u16,
    /// Whether its response passes the CORS check as well.
    pub passes: bool,
    /// Set when the success passes and the error does not: the page cannot read the
    /// server's errors (classic with nginx `add_header` without `always`, or CORS set only
    /// in a success handler).
    pub problem: Option<String>,
}

/// The result of a diagnosis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The URL fetched.
    pub url: String,
    /// The page's origin.
    pub origin: String,
    /// The method the browser sends (normalized).
    pub method: String,
    /// Whether the request has credentials mode `include`.
    pub credentials: bool,
    /// Read (in every engine), blocked (in every engine) or split.
    pub verdict: Verdict,
    /// Each engine's verdict.
    pub engines: EngineVerdicts,
    /// For each engine that blocks when the engines split, or that blocks for a reason of its
    /// own: why.
    pub engine_blocks: Vec<EngineBlock>,
    /// The known deviations from the Fetch Standard that changed something here.
    pub deviations: Vec<DeviationNote>,
    /// The preflight, when one was needed and sent (the first one, when redirects made more).
    /// This and the fields below follow Chromium's steps; the engines' differences are in
    /// `engine_blocks` and `deviations`.
    pub preflight: Option<PreflightReport>,
    /// Every step, in order.
    pub steps: Vec<Step>,
    /// Why it is blocked; `None` when the page can read the response in every engine. For a
    /// split, the reason names the engines that block, the fix works in all three, and
    /// `chromium_message` is empty when Chromium reads.
    pub failure: Option<Failure>,
    /// The response headers the page can read (lower case), when it can read the response.
    pub readable_headers: Vec<String>,
    /// The response headers present but hidden from the page.
    pub hidden_headers: Vec<String>,
    /// The error-path probe, when it ran.
    pub error_path: Option<ErrorPath>,
    /// Things worth knowing that do not block (headers the browser would drop, ...).
    pub warnings: Vec<String>,
    /// Every exchange, in order.
    pub exchanges: Vec<Exchange>,
    /// How many requests the diagnosis sent.
    pub requests_sent: usize,
}

impl Report {
    /// The step that failed, if any.
    pub fn failed_step(&self) -> Option<&Step> {
        self.steps.iter().find(|s| !s.ok)
    }

    /// The exit status: 0 when the page can read the response in every engine, 1 when it is
    /// blocked in any (blocked or split).
    pub fn exit_code(&self) -> i32 {
        match self.verdict {
            Verdict::Read => 0,
            Verdict::Blocked | Verdict::Split => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engines(chromium: bool, firefox: bool, webkit: bool) -> EngineVerdicts {
        let v = |read| {
            if read {
                EngineVerdict::Read
            } else {
                EngineVerdict::Blocked
            }
        };
        EngineVerdicts {
            chromium: v(chromium),
            firefox: v(firefox),
            webkit: v(webkit),
        }
    }

    fn report(verdict: Verdict) -> Report {
        Report {
            url: String::new(),
            origin: String::new(),
            method: "GET".to_owned(),
            credentials: false,
            verdict,
            engines: engines(true, true, true),
            engine_blocks: Vec::new(),
            deviations: Vec::new(),
            preflight: None,
            steps: Vec::new(),
            failure: None,
            readable_headers: Vec::new(),
            hidden_headers: Vec::new(),
            error_path: None,
            warnings: Vec::new(),
            exchanges: Vec::new(),
            requests_sent: 0,
        }
    }

    #[test]
    fn the_verdict_is_read_blocked_or_split_and_only_read_exits_zero() {
        assert_eq!(Verdict::of(&engines(true, true, true)), Verdict::Read);
        assert_eq!(Verdict::of(&engines(false, false, false)), Verdict::Blocked);
        assert_eq!(Verdict::of(&engines(true, false, false)), Verdict::Split);
        assert_eq!(Verdict::of(&engines(false, true, false)), Verdict::Split);
        assert_eq!(Verdict::of(&engines(true, true, false)), Verdict::Split);
        assert_eq!(report(Verdict::Read).exit_code(), 0);
        assert_eq!(report(Verdict::Blocked).exit_code(), 1);
        assert_eq!(report(Verdict::Split).exit_code(), 1);
    }

    #[test]
    fn engines_serialize_as_one_verdict_per_engine_name() {
        let json = serde_json::to_value(engines(true, false, false)).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({"chromium": "read", "firefox": "blocked", "webkit": "blocked"})
        );
        let json = serde_json::to_value(Verdict::Split).unwrap_or_default();
        assert_eq!(json, serde_json::json!("split"));
    }
}
