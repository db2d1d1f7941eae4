//! `--scan`: the misconfiguration classes that public CORS scanners test, each probed with one
//! made-up `Origin`, with a verdict and whether credentials are allowed too.

use cors_shared::header;
use serde::Serialize;

use crate::error::Error;
use crate::origins::{build, parent_domain, parts};
use crate::report::StepStatus;
use crate::request::{check_origin, check_url, Options};
use crate::transport::Client;

/// The most requests one scan sends.
pub const MAX_SCAN_REQUESTS: usize = 60;

/// The most `--trusted` origins one scan takes (each costs ten requests).
pub const MAX_TRUSTED: usize = 5;

/// How a probe origin was answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ScanVerdict {
    /// The origin came back in `Access-Control-Allow-Origin`: a page there can read.
    Reflected,
    /// `Access-Control-Allow-Origin: *`: anyone can read, without credentials only.
    Wildcard,
    /// Not allowed.
    Refused,
}

/// How bad a reflected origin of this class is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    /// The origin is one the user said to trust: a reflection is expected.
    Expected,
    /// A deliberate policy may allow it (any subdomain, localhost): review it.
    Review,
    /// An attacker can get a page at such an origin: a reflection is a vulnerability.
    High,
}

/// One probe of the scan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScanFinding {
    /// The misconfiguration class.
    pub class: String,
    /// The `Origin` sent.
    pub origin: String,
    /// The status received.
    pub status: u16,
    /// `Access-Control-Allow-Origin` received.
    pub allow_origin: Option<String>,
    /// Whether `Access-Control-Allow-Credentials: true` came with it.
    pub credentials: bool,
    /// Reflected, wildcard or refused.
    pub verdict: ScanVerdict,
    /// How bad a reflection of this class is.
    pub risk: Risk,
    /// Fine, worth a look (a reflection to review, a trusted origin not allowed), or a
    /// vulnerability: the row's mark.
    pub outcome: StepStatus,
}

impl ScanFinding {
    /// A reflection of an origin an attacker can get.
    pub fn is_problem(&self) -> bool {
        self.verdict == ScanVerdict::Reflected && self.risk == Risk::High
    }
}

/// What `--scan` found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScanReport {
    /// The URL scanned.
    pub url: String,
    /// The origins taken as trusted.
    pub trusted: Vec<String>,
    /// One finding per probe, in order.
    pub findings: Vec<ScanFinding>,
    /// How many requests were sent.
    pub requests_sent: usize,
}

impl ScanReport {
    /// The findings that are vulnerabilities.
    pub fn problems(&self) -> Vec<&ScanFinding> {
        self.findings.iter().filter(|f| f.is_problem()).collect()
    }

    /// 0 when no class is vulnerable, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        i32::from(!self.problems().is_empty())
    }
}

/// The class of the probe with a trusted origin itself.
pub const TRUSTED: &str = "trusted";

/// The class of the probe with the URL's own origin, standing in for trusted origins when none
/// is given: a page there needs no CORS, so a refusal is expected.
pub const OWN_ORIGIN: &str = "own origin";

/// The probes: `(class, origin, risk)`. `own` says that `trusted` is the URL's own origin,
/// standing in for trusted origins.
pub(crate) fn plan(trusted: &[String], own: bool) -> Vec<(&'static str, String, Risk)> {
    let mut plan = vec![
        (
            "any origin",
            "https://cors-doctor-attacker.example".to_owned(),
            Risk::High,
        ),
        ("null", "null".to_owned(), Risk::High),
    ];
    for suffix in [
        "github.io",
        "herokuapp.com",
        "netlify.app",
        "vercel.app",
        "pages.dev",
    ] {
        plan.push((
            "third-party hosting",
            format!("https://cors-doctor-probe.{suffix}"),
            Risk::High,
        ));
    }
    plan.push((
        "localhost",
        "http://localhost:1337".to_owned(),
        Risk::Review,
    ));
    for origin in trusted {
        let Some((scheme, host, port)) = parts(origin) else {
            continue;
        };
        let domain = parent_domain(&host);
        plan.push((
            if own { OWN_ORIGIN } else { TRUSTED },
            origin.clone(),
            Risk::Expected,
        ));
        plan.push((
            "prefix",
            build(
                &scheme,
                &format!("{host}.cors-doctor-attacker.example"),
                port,
            ),
            Risk::High,
        ));
        plan.push((
            "suffix",
            build(&scheme, &format!("attacker{domain}"), port),
            Risk::High,
        ));
        if host.contains('.') {
            plan.push((
                "unescaped dot",
                build(&scheme, &host.replacen('.', "x", 1), port),
                Risk::High,
            ));
        }
        let mut shorter = host.clone();
        shorter.pop();
        plan.push(("substring", build(&scheme, &shorter, port), Risk::High));
        if scheme == "https" {
            plan.push((
                "http trusted by https",
                build("http", &host, port),
                Risk::High,
            ));
        }
        plan.push((
            "any subdomain",
            build(&scheme, &format!("cors-doctor-probe.{domain}"), port),
            Risk::Review,
        ));
        for special in ["`", "%60", "_"] {
            plan.push((
                "special characters",
                build(
                    &scheme,
                    &format!("{host}{special}.cors-doctor-attacker.example"),
                    port,
                ),
                Risk::High,
            ));
        }
    }
    plan
}

/// Scans `url`: each class's origin once, with `GET`. `trusted` are the site's own origins
/// (the probes are built around them); without any, the URL's own origin stands in.
pub fn scan(url: &str, trusted: &[String], options: &Options) -> Result<ScanReport, Error> {
    let parsed = check_url(url)?;
    for origin in trusted {
        check_origin(origin)?;
    }
    if trusted.len() > MAX_TRUSTED {
        return Err(Error::usage(format!(
            "--scan takes at most {MAX_TRUSTED} --trusted origins (each costs ten requests; a \
             scan sends at most {MAX_SCAN_REQUESTS})"
        )));
    }
    let own = trusted.is_empty();
    let trusted: Vec<String> = if own {
        vec![parsed.origin().ascii_serialization()]
    } else {
        trusted.to_vec()
    };
    let client = Client::new(options);
    let url = parsed.to_string();
    let mut findings = Vec::new();
    for (class, origin, risk) in plan(&trusted, own).into_iter().take(MAX_SCAN_REQUESTS) {
        let headers = vec![
            (header::ORIGIN.to_owned(), origin.clone()),
            ("accept".to_owned(), "*/*".to_owned()),
        ];
        let exchange = client.send("GET", &url, &headers)?;
        let allow_origin = exchange.get(header::ALLOW_ORIGIN);
        let verdict = match allow_origin.as_deref() {
            Some(a) if a == origin => ScanVerdict::Reflected,
            Some("*") => ScanVerdict::Wildcard,
            _ => ScanVerdict::Refused,
        };
        let outcome = match (verdict, risk) {
            (ScanVerdict::Reflected, Risk::High) => StepStatus::Failed,
            (ScanVerdict::Reflected, Risk::Review) => StepStatus::Warning,
            (ScanVerdict::Refused, Risk::Expected) if !own => StepStatus::Warning,
            _ => StepStatus::Ok,
        };
        findings.push(ScanFinding {
            class: class.to_owned(),
            origin,
            status: exchange.status,
            allow_origin,
            credentials: exchange.get(header::ALLOW_CREDENTIALS).as_deref() == Some("true"),
            verdict,
            risk,
            outcome,
        });
    }
    Ok(ScanReport {
        url,
        trusted,
        findings,
        requests_sent: client.requests_sent(),
    })
}
