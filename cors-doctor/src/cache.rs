//! `--cache`: does a cache in front hand one origin's answer to another?
//!
//! The same URL is asked with the page's origin, a second allowed-looking origin, no origin,
//! and an unrelated origin twice. A cache that keys on the URL only, in front of a server
//! that forgets `Vary: Origin`, answers the later requests with the first one's
//! `Access-Control-Allow-Origin`.

use cors_shared::header;
use serde::Serialize;

use crate::error::Error;
use crate::origins::{sibling, UNRELATED_ORIGIN};
use crate::request::{check_origin, check_url, Options, Request};
use crate::transport::Client;

/// Response headers that tell a cache is (or may be) in front.
pub const CACHE_INDICATORS: [&str; 7] = [
    "age",
    "x-cache",
    "x-cache-status",
    "cf-cache-status",
    "x-varnish",
    "via",
    "x-served-by",
];

/// One request of the probe and what came back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CacheProbe {
    /// What the request stands for (`origin`, `second origin`, `no origin`, `unrelated`).
    pub label: String,
    /// The `Origin` sent, if any.
    pub origin: Option<String>,
    /// The status received.
    pub status: u16,
    /// `Access-Control-Allow-Origin` received.
    pub allow_origin: Option<String>,
    /// `Access-Control-Allow-Credentials` received.
    pub allow_credentials: Option<String>,
    /// The `Vary` tokens received, lower case.
    pub vary: Vec<String>,
    /// The cache indicator lines received.
    pub cache_indicators: Vec<(String, String)>,
}

/// What `--cache` found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CacheReport {
    /// The URL probed.
    pub url: String,
    /// Every request, in order.
    pub probes: Vec<CacheProbe>,
    /// Problems found; empty when none.
    pub problems: Vec<String>,
    /// Whether any response carried a cache indicator.
    pub cache_in_front: bool,
    /// How many requests were sent.
    pub requests_sent: usize,
}

impl CacheReport {
    /// 0 when nothing was found, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        i32::from(!self.problems.is_empty())
    }
}

/// Runs the cache probe for `request.url` and `request.origin`; `second` is the second
/// allowed-looking origin (by default a sibling under the same parent domain).
pub fn probe_cache(
    request: &Request,
    second: Option<&str>,
    options: &Options,
) -> Result<CacheReport, Error> {
    let url = check_url(&request.url)?.to_string();
    check_origin(&request.origin)?;
    let second = match second {
        Some(s) => {
            check_origin(s)?;
            s.to_owned()
        }
        None => sibling(&request.origin),
    };
    let client = Client::new(options);
    let plan: [(&str, Option<&str>); 5] = [
        ("origin", Some(&request.origin)),
        ("second origin", Some(&second)),
        ("no origin", None),
        ("unrelated origin", Some(UNRELATED_ORIGIN)),
        ("unrelated origin again", Some(UNRELATED_ORIGIN)),
    ];
    let mut probes = Vec::new();
    for (label, origin) in plan {
        let mut headers = vec![("accept".to_owned(), "*/*".to_owned())];
        if let Some(o) = origin {
            headers.insert(0, (header::ORIGIN.to_owned(), o.to_owned()));
        }
        let exchange = client.send("GET", &url, &headers)?;
        let vary = exchange
            .all("vary")
            .iter()
            .flat_map(|v| v.split(','))
            .map(|t| t.trim().to_ascii_lowercase())
            .filter(|t| !t.is_empty())
            .collect();
        let cache_indicators = exchange
            .headers
            .iter()
            .filter(|(n, _)| CACHE_INDICATORS.contains(&n.as_str()))
            .cloned()
            .collect();
        probes.push(CacheProbe {
            label: label.to_owned(),
            origin: origin.map(str::to_owned),
            status: exchange.status,
            allow_origin: exchange.get(header::ALLOW_ORIGIN),
            allow_credentials: exchange.get(header::ALLOW_CREDENTIALS),
            vary,
            cache_indicators,
        });
    }
    let problems = find_problems(&probes);
    Ok(CacheReport {
        url,
        cache_in_front: probes.iter().any(|p| !p.cache_indicators.is_empty()),
        probes,
        problems,
        requests_sent: client.requests_sent(),
    })
}

fn find_problems(probes: &[CacheProbe]) -> Vec<String> {
    let mut problems = Vec::new();
    // An answer that carries another request's origin: served from a cache filled by it.
    for probe in probes {
        let Some(allow) = &probe.allow_origin else {
            continue;
        };
        if allow == "*" || probe.origin.as_deref() == Some(allow.as_str()) {
            continue;
        }
        if let Some(other) = probes
            .iter()
            .find(|p| p.origin.as_deref() == Some(allow.as_str()))
        {
            let indicators: Vec<String> = probe
                .cache_indicators
                .iter()
                .map(|(n, v)| format!("{n}: {v}"))
                .collect();
            problems.push(format!(
                "the request with {} got `Access-Control-Allow-Origin: {allow}`, the answer \
                 meant for the {} request{}: a cache stored one origin's answer and served it \
                 to another. The server must send `Vary: Origin` (or the cache must key on \
                 Origin)",
                probe
                    .origin
                    .as_deref()
                    .map_or_else(|| "no Origin".to_owned(), |o| format!("Origin: {o}")),
                other.label,
                if indicators.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", indicators.join(", "))
                }
            ));
        }
    }
    // Does the answer depend on the origin? Then every response must vary on it.
    let echoes = probes.iter().any(|p| {
        p.allow_origin.is_some() && p.allow_origin != Some("*".to_owned()) && p.origin.is_some()
    });
    let differs = probes
        .windows(2)
        .any(|w| matches!(w, [a, b] if a.allow_origin != b.allow_origin));
    if echoes || differs {
        let missing: Vec<&str> = probes
            .iter()
            .filter(|p| !p.vary.iter().any(|t| t == "origin" || t == "*"))
            .map(|p| p.label.as_str())
            .collect();
        if !missing.is_empty() {
            problems.push(format!(
                "Access-Control-Allow-Origin depends on the request's Origin, but the responses \
                 to {} have no `Vary: Origin`: any shared cache (CDN, proxy) keyed on the URL \
                 will serve one origin's answer to the others. Send `Vary: Origin` on every \
                 response of this URL, also without Origin and for refused origins (this \
                 project's adapters do)",
                missing.join(", ")
            ));
        }
    }
    if probes.iter().any(|p| p.vary.iter().any(|t| t == "*")) {
        problems.push(
            "`Vary: *` makes the response uncacheable for browsers and for caches that honour \
             it, while some CDNs ignore Vary entirely; name the headers instead: `Vary: Origin`"
                .to_owned(),
        );
    }
    problems
}
