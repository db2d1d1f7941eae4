//! `--compare URL2`: the same requests to two layers (say the application directly and the
//! proxy or CDN in front of it), and which CORS or Vary headers one of them drops, adds or
//! changes.

use cors_browser::{cors_check, preflight_needed};
use cors_shared::header;
use serde::Serialize;

use crate::diagnose::prepare;
use crate::error::Error;
use crate::request::{check_url, Options, Request};
use crate::transport::{Client, Exchange};

/// How a header differs from the first layer to the second.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Present in the first answer, missing in the second.
    Dropped,
    /// Missing in the first answer, present in the second.
    Added,
    /// Present in both with different values.
    Changed,
}

/// One header that differs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// Which request (`preflight`, `actual`, `no origin`).
    pub request: String,
    /// The header, lower case.
    pub header: String,
    /// Dropped, added or changed by the second layer.
    pub change: Change,
    /// The first layer's value (lines joined with `, `).
    pub first: Option<String>,
    /// The second layer's value.
    pub second: Option<String>,
}

/// One request sent to both layers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ComparedRequest {
    /// Which request.
    pub request: String,
    /// The first layer's answer.
    pub first: Exchange,
    /// The second layer's answer.
    pub second: Exchange,
}

/// What `--compare` found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CompareReport {
    /// The first URL.
    pub first_url: String,
    /// The second URL.
    pub second_url: String,
    /// Each request and both answers.
    pub requests: Vec<ComparedRequest>,
    /// Every difference in the CORS and Vary headers.
    pub differences: Vec<Difference>,
    /// Whether the page could read the actual response from each layer (CORS check only).
    pub first_passes: bool,
    /// See `first_passes`.
    pub second_passes: bool,
    /// How many requests were sent (to both layers together).
    pub requests_sent: usize,
}

impl CompareReport {
    /// 0 when both layers answer the same, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        i32::from(!self.differences.is_empty())
    }
}

/// One request of the plan: label, method, header lines.
type Planned<'a> = (&'a str, String, Vec<(String, String)>);

fn compared_headers(a: &Exchange, b: &Exchange) -> Vec<String> {
    let mut names: Vec<String> = a
        .headers
        .iter()
        .chain(b.headers.iter())
        .map(|(n, _)| n.clone())
        .filter(|n| n.starts_with("access-control-") || n == "vary")
        .collect();
    names.sort();
    names.dedup();
    names
}

fn vary_set(value: &str) -> Vec<String> {
    let mut tokens: Vec<String> = value
        .split(',')
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect();
    tokens.sort();
    tokens.dedup();
    tokens
}

fn diff(label: &str, a: &Exchange, b: &Exchange, out: &mut Vec<Difference>) {
    for name in compared_headers(a, b) {
        let (first, second) = (a.get(&name), b.get(&name));
        let change = match (&first, &second) {
            (Some(_), None) => Change::Dropped,
            (None, Some(_)) => Change::Added,
            (Some(x), Some(y)) => {
                let same = if name == "vary" {
                    vary_set(x) == vary_set(y)
                } else {
                    x == y
                };
                if same {
                    continue;
                }
                Change::Changed
            }
            (None, None) => continue,
        };
        out.push(Difference {
            request: label.to_owned(),
            header: name,
            change,
            first,
            second,
        });
    }
}

/// Sends the request's preflight (when it needs one), the actual request, and the request
/// without `Origin`, to `request.url` and to `second_url`, and compares the CORS and Vary
/// headers of the answers.
pub fn compare(
    request: &Request,
    second_url: &str,
    options: &Options,
) -> Result<CompareReport, Error> {
    let (first, method, headers, _) = prepare(request)?;
    let second = check_url(second_url)?;
    let (first, second) = (first.to_string(), second.to_string());
    let client = Client::new(options);
    let mut plan: Vec<Planned<'_>> = Vec::new();
    if let Some(need) = preflight_needed(&method, &headers) {
        let mut sent = vec![
            (header::ORIGIN.to_owned(), request.origin.clone()),
            (header::REQUEST_METHOD.to_owned(), method.clone()),
        ];
        let names = need.header_names();
        if !names.is_empty() {
            sent.push((header::REQUEST_HEADERS.to_owned(), names.join(",")));
        }
        plan.push(("preflight", "OPTIONS".to_owned(), sent));
    }
    let mut actual = vec![
        (header::ORIGIN.to_owned(), request.origin.clone()),
        ("accept".to_owned(), "*/*".to_owned()),
    ];
    actual.extend(headers.iter().cloned());
    plan.push(("actual", method.clone(), actual));
    let mut without: Vec<(String, String)> = vec![("accept".to_owned(), "*/*".to_owned())];
    without.extend(headers.iter().cloned());
    plan.push(("no origin", method.clone(), without));

    let mut requests = Vec::new();
    let mut differences = Vec::new();
    for (label, m, sent) in plan {
        let a = client.send(&m, &first, &sent)?;
        let b = client.send(&m, &second, &sent)?;
        diff(label, &a, &b, &mut differences);
        requests.push(ComparedRequest {
            request: label.to_owned(),
            first: a,
            second: b,
        });
    }
    let passes = |pick: fn(&ComparedRequest) -> &Exchange| {
        requests
            .iter()
            .find(|r| r.request == "actual")
            .is_some_and(|r| {
                cors_check(&request.origin, request.credentials, &pick(r).headers).is_ok()
            })
    };
    let first_passes = passes(|r| &r.first);
    let second_passes = passes(|r| &r.second);
    Ok(CompareReport {
        first_url: first,
        second_url: second,
        requests,
        differences,
        first_passes,
        second_passes,
        requests_sent: client.requests_sent(),
    })
}
