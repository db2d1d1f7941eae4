//! What a diagnosis found, as data: steps, verdict, the failure with its console message and
//! fix. The text and JSON outputs are both made from this.

use serde::Serialize;

use crate::transport::Exchange;

/// What the browser does with the response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The page can read the response.
    Read,
    /// The browser refuses the page the response (or never sends the request).
    Blocked,
}

impl Verdict {
    /// `read` or `blocked`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Read => "read",
            Verdict::Blocked => "blocked",
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
    /// Read or blocked.
    pub verdict: Verdict,
    /// The preflight, when one was needed and sent (the first one, when redirects made more).
    pub preflight: Option<PreflightReport>,
    /// Every step, in order.
    pub steps: Vec<Step>,
    /// Why it is blocked; `None` when the page can read the response.
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

    /// The exit status: 0 when the page can read the response, 1 when it is blocked.
    pub fn exit_code(&self) -> i32 {
        match self.verdict {
            Verdict::Read => 0,
            Verdict::Blocked => 1,
        }
    }
}
