//! The default run: send what the browser would send, step by step, and judge each answer
//! with the browser's own checks (`cors_browser`).

use cors_browser::url::Host;
use cors_browser::{
    cors_check, fetch_site, is_forbidden_method, is_forbidden_request_header, normalize_method,
    preflight_needed, readable_headers, same_site, Deviation, Engine, Hop, Url,
};

use cors_shared::{fetch, header};

use crate::error::Error;
use crate::fix::{
    another_policy_may_have_answered, console_line, explain, explain_write_refused, is_nginx,
    is_write_method, is_write_refusal, Block, Context, GetAnswer,
};
use crate::report::{
    steps, DeviationNote, EngineBlock, EngineVerdict, EngineVerdicts, ErrorPath, Failure,
    PreflightReport, Report, Step, StepStatus, Verdict,
};
use crate::request::{check_origin, check_url, Options, Request};
use crate::transport::{Client, Exchange};

/// The path segment appended to the URL's path for the error-path probe.
pub const ERROR_PROBE_SEGMENT: &str = "cors-doctor-probe-404";

/// Fetch, "redirect status".
fn is_redirect_status(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// Runs a diagnosis: the preflight when one is needed, the actual request, every redirect,
/// and (when the page can read the answer) the error-path probe.
///
/// `Err` only for bad input or an endpoint that cannot be reached; a blocked request is an
/// `Ok` report with [`Verdict::Blocked`].
///
/// ```no_run
/// use cors_doctor::{diagnose, Options, Request, Verdict};
/// let request = Request::new("http://127.0.0.1:8080/private", "https://app.example.re")
///     .credentials(true);
/// let report = diagnose(&request, &Options::default())?;
/// assert_eq!(report.verdict, Verdict::Read);
/// # Ok::<(), cors_doctor::Error>(())
/// ```
pub fn diagnose(request: &Request, options: &Options) -> Result<Report, Error> {
    let client = Client::new(options);
    diagnose_with(&client, request, options)
}

/// The URL, the normalized method, the headers sent, and warnings.
pub(crate) type Prepared = (Url, String, Vec<(String, String)>, Vec<String>);

/// Checks the request as a page would make it; returns the URL, the normalized method, the
/// headers the browser sends, and warnings about what it drops.
pub(crate) fn prepare(request: &Request) -> Result<Prepared, Error> {
    let url = check_url(&request.url)?;
    check_origin(&request.origin)?;
    let method = normalize_method(request.method.trim());
    if !fetch::is_token(&method) {
        return Err(Error::usage(format!(
            "`{}` is not an HTTP method: a method is a token such as GET, PUT or PATCH",
            request.method
        )));
    }
    if is_forbidden_method(&method) {
        return Err(Error::usage(format!(
            "browsers never send {method}: fetch() throws a TypeError for CONNECT, TRACE and \
             TRACK, so there is nothing to diagnose"
        )));
    }
    let mut warnings = Vec::new();
    let mut headers = Vec::new();
    for (name, value) in &request.headers {
        if is_forbidden_request_header(name, value) {
            let extra = if name.eq_ignore_ascii_case("cookie") {
                " (cookies go along with --credentials, from the browser's cookie jar)"
            } else if name.eq_ignore_ascii_case("origin") {
                " (use --origin)"
            } else {
                ""
            };
            warnings.push(format!(
                "`{name}` is a forbidden request header: a page cannot set it, so the browser \
                 drops it and so does this diagnosis{extra}"
            ));
        } else {
            headers.push((name.clone(), value.clone()));
        }
    }
    Ok((url, method, headers, warnings))
}

fn header_summary(exchange: &Exchange, names: &[&str]) -> String {
    let parts: Vec<String> = names
        .iter()
        .filter_map(|n| exchange.get(n).map(|v| format!("{n}: {v}")))
        .collect();
    if parts.is_empty() {
        "no CORS headers".to_owned()
    } else {
        parts.join("; ")
    }
}

struct Run {
    steps: Vec<Step>,
    exchanges: Vec<Exchange>,
    preflight: Option<PreflightReport>,
}

impl Run {
    fn step(&mut self, name: &str, ok: bool, detail: impl Into<String>) {
        let status = if ok {
            StepStatus::Ok
        } else {
            StepStatus::Failed
        };
        self.step_with(name, status, detail);
    }

    fn step_with(&mut self, name: &str, status: StepStatus, detail: impl Into<String>) {
        self.steps.push(Step {
            name: name.to_owned(),
            ok: status != StepStatus::Failed,
            status,
            detail: detail.into(),
        });
    }
}

/// One engine's way through the request: what it sent, what it saw, where it stopped.
struct Walk {
    engine: Engine,
    run: Run,
    /// Why it blocks, when it does.
    blocked: Option<Failure>,
    /// The response the page reads, when it does.
    final_exchange: Option<Exchange>,
    /// Where the engine was at the end: URL, method, `Origin` and headers.
    url: Url,
    method: String,
    sent_origin: String,
    headers: Vec<(String, String)>,
    /// Where the engine departed from the standard, each with what it did here.
    departs: Vec<(Deviation, String)>,
}

impl Walk {
    fn reads(&self) -> bool {
        self.blocked.is_none() && self.final_exchange.is_some()
    }
}

/// [`diagnose`] with a given client (so that modes can share one and count requests).
pub(crate) fn diagnose_with(
    client: &Client,
    request: &Request,
    options: &Options,
) -> Result<Report, Error> {
    let start_count = client.requests_sent();
    let prepared = prepare(request)?;
    // Each engine walks the request as it ships; the requests they share are sent once.
    let mut walks = Vec::new();
    for engine in Engine::ALL {
        walks.push(walk(client, request, &prepared, engine)?);
    }
    let (first_url, first_method, _, warnings) = prepared;
    let verdict_of = |w: &Walk| {
        if w.reads() {
            EngineVerdict::Read
        } else {
            EngineVerdict::Blocked
        }
    };
    let engines = EngineVerdicts {
        chromium: walks.first().map_or(EngineVerdict::Blocked, verdict_of),
        firefox: walks.get(1).map_or(EngineVerdict::Blocked, verdict_of),
        webkit: walks.get(2).map_or(EngineVerdict::Blocked, verdict_of),
    };
    let verdict = Verdict::of(&engines);
    let mut deviations: Vec<DeviationNote> = Vec::new();
    for deviation in [
        Deviation::WildcardCoversAuthorization,
        Deviation::RedirectPreflightFromPageOrigin,
        Deviation::RedirectKeepsRequestHeaders,
    ] {
        let seen: Vec<Engine> = walks
            .iter()
            .filter(|w| w.departs.iter().any(|(d, _)| *d == deviation))
            .map(|w| w.engine)
            .collect();
        if !seen.is_empty() {
            deviations.push(DeviationNote::new(deviation, &seen));
        }
    }
    let mut walks = walks.into_iter();
    let Some(mut main) = walks.next() else {
        return Err(Error::usage("no browser engine to diagnose with"));
    };
    let others: Vec<Walk> = walks.collect();
    // Each engine that blocks, when they split or when one blocks its own way.
    let departed = std::iter::once(&main)
        .chain(&others)
        .any(|w| !w.departs.is_empty());
    let engine_blocks: Vec<EngineBlock> = if verdict == Verdict::Split || departed {
        std::iter::once(&main)
            .chain(&others)
            .filter_map(|w| {
                let failure = w.blocked.as_ref()?;
                let how: Vec<&str> = w.departs.iter().map(|(_, what)| what.as_str()).collect();
                let reason = if how.is_empty() {
                    failure.reason.clone()
                } else {
                    format!("{}: {}", how.join("; "), failure.reason)
                };
                Some(EngineBlock {
                    engine: w.engine.name().to_owned(),
                    observed_on: w.engine.observed_on().to_owned(),
                    step: failure.step.clone(),
                    reason,
                    deviations: w.departs.iter().map(|(d, _)| d.id().to_owned()).collect(),
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut warnings = warnings;
    if let Some(tolerated) = tolerated_warning(&main, &others) {
        warnings.push(tolerated);
    }
    warnings.extend(local_network_warning(&request.origin, &first_url));
    warnings.extend(third_party_cookie_warning(request, &first_url));
    warnings.extend(max_age_warning(main.run.preflight.as_ref()));
    let failure = match verdict {
        Verdict::Read => None,
        Verdict::Blocked => main.blocked.clone(),
        Verdict::Split => Some(split_failure(&main, &others, &engine_blocks, request)),
    };

    let mut run = std::mem::replace(
        &mut main.run,
        Run {
            steps: Vec::new(),
            exchanges: Vec::new(),
            preflight: None,
        },
    );
    let mut report = Report {
        url: first_url.to_string(),
        origin: request.origin.clone(),
        method: first_method,
        credentials: request.credentials,
        verdict,
        engines,
        engine_blocks,
        deviations,
        preflight: run.preflight.take(),
        steps: Vec::new(),
        failure,
        readable_headers: Vec::new(),
        hidden_headers: Vec::new(),
        error_path: None,
        warnings,
        exchanges: Vec::new(),
        requests_sent: 0,
    };
    // What the page reads, from the first engine that reads it (Chromium's when it does).
    let reader = std::iter::once(&main)
        .chain(&others)
        .find(|w| w.reads())
        .and_then(|w| w.final_exchange.as_ref().map(|e| (w, e)));
    if let Some((walk, exchange)) = reader {
        let credentials = request.credentials;
        let readable = readable_headers(credentials, &exchange.headers);
        if walk.engine == main.engine {
            run.step(
                steps::READABLE_HEADERS,
                true,
                format!(
                    "{}{}",
                    if readable.readable.is_empty() {
                        "none".to_owned()
                    } else {
                        readable.readable.join(", ")
                    },
                    if readable.hidden.is_empty() {
                        String::new()
                    } else {
                        format!(" (hidden from the page: {})", readable.hidden.join(", "))
                    }
                ),
            );
        }
        report.readable_headers = readable.readable;
        report.hidden_headers = readable.hidden;
        if options.probe_error_path && walk.engine == main.engine {
            let (path, exchange) = probe_error_path(
                client,
                &walk.url,
                &walk.method,
                &walk.sent_origin,
                &walk.headers,
                credentials,
            )?;
            let method = &walk.method;
            let (status, detail) = match &path.problem {
                Some(problem) => (StepStatus::Failed, problem.clone()),
                None if path.status >= 400 && path.passes => (
                    StepStatus::Ok,
                    format!(
                        "{method} {} -> {} carries the CORS headers too",
                        path.url, path.status
                    ),
                ),
                None if path.status >= 400 => (
                    StepStatus::Warning,
                    format!(
                        "{method} {} -> {} allows the origin but not credentials: a \
                         credentialed fetch that hits an error there is blocked",
                        path.url, path.status
                    ),
                ),
                None => (
                    StepStatus::Ok,
                    format!(
                        "{method} {} -> {}, not an error status: nothing learned about errors",
                        path.url, path.status
                    ),
                ),
            };
            run.step_with(steps::ERROR_PATH, status, detail);
            run.exchanges.push(exchange);
            report.error_path = Some(path);
        }
    }
    // Every exchange, once, in the order the engines needed them.
    let mut exchanges = run.exchanges;
    for walk in &others {
        for exchange in &walk.run.exchanges {
            if !exchanges.contains(exchange) {
                exchanges.push(exchange.clone());
            }
        }
    }
    report.steps = run.steps;
    report.exchanges = exchanges;
    report.requests_sent = client.requests_sent().saturating_sub(start_count);
    Ok(report)
}

/// The warning for a response every engine reads only because it tolerates what the standard
/// forbids.
fn tolerated_warning(main: &Walk, others: &[Walk]) -> Option<String> {
    let all: Vec<&Walk> = std::iter::once(main).chain(others).collect();
    let tolerating: Vec<&Walk> = all
        .iter()
        .copied()
        .filter(|w| {
            w.reads()
                && w.departs
                    .iter()
                    .any(|(d, _)| *d == Deviation::WildcardCoversAuthorization)
        })
        .collect();
    if tolerating.is_empty() {
        return None;
    }
    let engines = if tolerating.len() == all.len() {
        "every engine".to_owned()
    } else {
        tolerating
            .iter()
            .map(|w| w.engine.observed_on())
            .collect::<Vec<_>>()
            .join(" and ")
    };
    Some(format!(
        "the preflight's `Access-Control-Allow-Headers: *` lets `authorization` through: \
         readable today in {engines}; forbidden by the Fetch Standard and may stop working; \
         list `authorization` explicitly (`Access-Control-Allow-Headers: authorization`; here: \
         `#[cors(headers = [\"authorization\"])]` or \
         `PolicySpec::new().headers([\"authorization\"])`). See {}",
        Deviation::WildcardCoversAuthorization
            .entry()
            .discussion
            .unwrap_or("the Fetch Standard, CORS-preflight fetch")
    ))
}

/// Whether a URL's host is a loopback or private address as written (an IP literal, or
/// `localhost` and its subdomains): the targets of Chrome's Local Network Access.
fn is_local_host(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback() || ip.is_private() || ip.is_link_local(),
        Some(Host::Ipv6(ip)) => {
            let first = ip.segments().first().copied().unwrap_or(0);
            ip.is_loopback() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
        Some(Host::Domain(name)) => name == "localhost" || name.ends_with(".localhost"),
        None => false,
    }
}

/// A public page calling a loopback or private address: Chrome asks the user first.
fn local_network_warning(origin: &str, url: &Url) -> Option<String> {
    let page = Url::parse(origin).ok()?;
    if !is_local_host(url) || is_local_host(&page) {
        return None;
    }
    Some(format!(
        "{url} is a loopback or private address: when {origin} is served from a public address, \
         Chrome (142 and later, Local Network Access) asks the user for permission before the \
         page may reach it, and a refused or unanswered prompt blocks the request whatever the \
         server answers. No response header lifts this; `Access-Control-Allow-Private-Network` \
         answers the Private Network Access preflight Chrome no longer sends by default"
    ))
}

/// A credentialed request across sites: the headers may be right and the cookies still absent.
fn third_party_cookie_warning(request: &Request, url: &Url) -> Option<String> {
    let page = Url::parse(&request.origin).ok()?;
    if !request.credentials || same_site(&page, url) {
        return None;
    }
    Some(format!(
        "{origin} and {url} are different sites: Safari blocks third-party cookies and Firefox \
         partitions them by default (Chrome when the user chose so), so this credentialed \
         request may arrive without the cookies set on {host} even when every CORS header is \
         right. Serve the API from the page's site (a subdomain of it), or authenticate with a \
         header the page sets (`authorization`)",
        origin = request.origin,
        host = url.host_str().unwrap_or_default(),
    ))
}

/// An `Access-Control-Max-Age` longer than some engine keeps the answer.
fn max_age_warning(preflight: Option<&PreflightReport>) -> Option<String> {
    let preflight = preflight.filter(|p| p.passed)?;
    let max_age = cors_browser::get_combined(&preflight.headers, header::MAX_AGE)?
        .trim()
        .parse::<u64>()
        .ok()?;
    if Engine::ALL.iter().all(|e| max_age <= e.max_age_cap()) {
        return None;
    }
    let kept: Vec<String> = Engine::ALL
        .iter()
        .map(|e| format!("{} {} s", e.observed_on(), max_age.min(e.max_age_cap())))
        .collect();
    Some(format!(
        "Access-Control-Max-Age: {max_age} is longer than some engines keep a preflight's \
         answer; they keep it: {}",
        kept.join(", ")
    ))
}

/// The failure of a split: who blocks and why, and a fix that works in all three engines.
fn split_failure(
    main: &Walk,
    others: &[Walk],
    blocks: &[EngineBlock],
    request: &Request,
) -> Failure {
    let all: Vec<&Walk> = std::iter::once(main).chain(others).collect();
    let names = |reads: bool| {
        let names: Vec<&str> = all
            .iter()
            .filter(|w| w.reads() == reads)
            .map(|w| w.engine.observed_on())
            .collect();
        let verb = match (reads, names.len() == 1) {
            (true, true) => "lets the page read this response",
            (true, false) => "let the page read this response",
            (false, true) => "blocks it",
            (false, false) => "block it",
        };
        format!("{} {verb}", names.join(" and "))
    };
    let why: Vec<String> = blocks
        .iter()
        .map(|b| format!("{} {}", b.observed_on, b.reason))
        .collect();
    let reason = format!("{}; {}: {}", names(true), names(false), why.join(". "));
    let redirected = all.iter().any(|w| {
        w.departs.iter().any(|(d, _)| {
            matches!(
                d,
                Deviation::RedirectPreflightFromPageOrigin | Deviation::RedirectKeepsRequestHeaders
            )
        })
    });
    let fix = if redirected {
        format!(
            "avoid the redirect to another origin: have the page fetch {} directly, or let {} \
             answer itself (proxy to the other origin instead of redirecting). Across such a \
             redirect each engine sends something else (Chromium as the Fetch Standard says: \
             `Origin: null`, no body headers after a 303, no authorization; Firefox a new \
             preflight from {}; WebKit the same headers and a preflight from `null`); without it \
             all three send the same requests",
            main.url, request.url, request.origin
        )
    } else {
        blocks.first().map(|b| b.reason.clone()).unwrap_or_default()
    };
    let step = blocks.first().map(|b| b.step.clone()).unwrap_or_default();
    Failure {
        step,
        reason,
        fix,
        chromium_message: main
            .blocked
            .as_ref()
            .map(|f| f.chromium_message.clone())
            .unwrap_or_default(),
    }
}

/// One engine's walk: the preflight when one is needed, the actual request, every redirect.
fn walk(
    client: &Client,
    request: &Request,
    prepared: &Prepared,
    engine: Engine,
) -> Result<Walk, Error> {
    let (first_url, first_method, first_headers, _) = prepared;
    let credentials = request.credentials;
    let mut run = Run {
        steps: Vec::new(),
        exchanges: Vec::new(),
        preflight: None,
    };
    let mut url = first_url.clone();
    let mut method = first_method.clone();
    let mut headers = first_headers.clone();
    let mut sent_origin = request.origin.clone();
    let mut tainted = false;
    let mut tainting_redirect: Option<String> = None;
    let mut redirects = 0u32;
    let mut preflight_passed = false;
    let mut preflighted = false;
    let mut forced_preflight: Option<String> = None;
    let mut departs: Vec<(Deviation, String)> = Vec::new();
    let mut blocked: Option<Failure> = None;
    // Fetch Metadata: the farthest relation of every URL the request went through.
    let mut site = fetch_site(&request.origin, &url);

    let final_exchange = loop {
        // Fetch, "main fetch" step 12 and "HTTP fetch" step 4.1: each hop of a request that
        // needs one gets its own preflight.
        let need = preflight_needed(&method, &headers);
        let forced = forced_preflight.take();
        if run.steps.is_empty() || redirects > 0 {
            match (&need, &forced) {
                (_, Some(origin)) => run.step(
                    steps::PREFLIGHT_NEEDED,
                    true,
                    format!(
                        "{engine} re-sends a preflight to the new origin, from {origin}{}",
                        match &need {
                            Some(need) => format!(" ({need})"),
                            None => " although the request needs none".to_owned(),
                        }
                    ),
                ),
                (None, None) => run.step(
                    steps::PREFLIGHT_NEEDED,
                    true,
                    format!("no: {method} with only CORS-safelisted request headers"),
                ),
                (Some(need), None) => {
                    run.step(steps::PREFLIGHT_NEEDED, true, format!("yes: {need}"))
                }
            }
        }
        if need.is_some() || forced.is_some() {
            preflighted = true;
            let preflight_origin = forced.clone().unwrap_or_else(|| sent_origin.clone());
            let mut sent = vec![
                (header::ORIGIN.to_owned(), preflight_origin.clone()),
                (header::REQUEST_METHOD.to_owned(), method.clone()),
            ];
            let names = need.as_ref().map(|n| n.header_names()).unwrap_or_default();
            if !names.is_empty() {
                sent.push((header::REQUEST_HEADERS.to_owned(), names.join(",")));
            }
            sent.push(("accept".to_owned(), "*/*".to_owned()));
            sent.push((header::SEC_FETCH_SITE.to_owned(), site.as_str().to_owned()));
            let exchange = client.send_once("OPTIONS", url.as_str(), &sent)?;
            let result = engine.preflight_check(
                &preflight_origin,
                credentials,
                &method,
                &headers,
                exchange.status,
                &exchange.headers,
            );
            if run.preflight.is_none() {
                run.preflight = Some(PreflightReport {
                    status: exchange.status,
                    request_headers: sent.clone(),
                    headers: exchange.headers.clone(),
                    passed: result.is_ok(),
                });
            }
            let summary = header_summary(
                &exchange,
                &[
                    header::ALLOW_ORIGIN,
                    header::ALLOW_CREDENTIALS,
                    header::ALLOW_METHODS,
                    header::ALLOW_HEADERS,
                    header::MAX_AGE,
                ],
            );
            let url_text = url.to_string();
            run.exchanges.push(exchange.clone());
            if let Some(origin) = &forced {
                departs.push((
                    Deviation::RedirectPreflightFromPageOrigin,
                    format!(
                        "re-sends a preflight to the new origin ({url_text}) with Origin: {origin}"
                    ),
                ));
            }
            match result {
                Ok(grant) => {
                    preflight_passed = true;
                    let detail = format!("OPTIONS {url_text} -> {}; {summary}", exchange.status);
                    if let Some(deviation) = grant.departs {
                        departs.push((
                            deviation,
                            "lets `Access-Control-Allow-Headers: *` cover authorization".to_owned(),
                        ));
                        run.step_with(
                            steps::PREFLIGHT,
                            StepStatus::Warning,
                            format!(
                                "{detail}; `*` covers authorization only because the engines \
                                 tolerate it: the Fetch Standard says it never does"
                            ),
                        );
                    } else {
                        run.step(steps::PREFLIGHT, true, detail);
                    }
                }
                Err(failure) => {
                    run.step(
                        steps::PREFLIGHT,
                        false,
                        format!("OPTIONS {url_text} -> {}; {summary}", exchange.status),
                    );
                    let get_allows = if tainted
                        || forced.is_some()
                        || !another_policy_may_have_answered(&failure)
                        || matches!(method.as_str(), "GET" | "HEAD")
                    {
                        None
                    } else {
                        ask_get(
                            &mut run,
                            client,
                            &url_text,
                            &preflight_origin,
                            &exchange,
                            credentials,
                        )?
                    };
                    let server = exchange.get("server");
                    let block = Block::Preflight(&failure);
                    blocked = Some(failure_for(
                        &block,
                        steps::PREFLIGHT,
                        &Context {
                            origin: &request.origin,
                            sent_origin: &preflight_origin,
                            method: &method,
                            credentials,
                            preflight_passed: false,
                            tainting_redirect: if forced.is_some() {
                                None
                            } else {
                                tainting_redirect.as_deref()
                            },
                            announced: &names,
                            status: exchange.status,
                            server: server.as_deref(),
                            get_allows: get_allows.as_ref(),
                        },
                        first_url.as_str(),
                        &url_text,
                    ));
                    break None;
                }
            }
        }

        // The actual request of this hop.
        let mut sent = vec![(header::ORIGIN.to_owned(), sent_origin.clone())];
        if !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("accept"))
        {
            sent.push(("accept".to_owned(), "*/*".to_owned()));
        }
        sent.push((header::SEC_FETCH_SITE.to_owned(), site.as_str().to_owned()));
        sent.extend(headers.iter().cloned());
        let url_text = url.to_string();
        let exchange = client.send_once(&method, &url_text, &sent)?;
        run.exchanges.push(exchange.clone());
        run.step(
            steps::REQUEST,
            true,
            format!(
                "{method} {url_text} with Origin: {sent_origin} -> {}",
                exchange.status
            ),
        );
        let summary = header_summary(
            &exchange,
            &[header::ALLOW_ORIGIN, header::ALLOW_CREDENTIALS],
        );
        // What a failure at this hop is reported against.
        let server = exchange.get("server");
        let context = Context {
            origin: &request.origin,
            sent_origin: &sent_origin,
            method: &method,
            credentials,
            preflight_passed,
            tainting_redirect: tainting_redirect.as_deref(),
            announced: &[],
            status: exchange.status,
            server: server.as_deref(),
            get_allows: None,
        };
        // "HTTP fetch": a "cors"-tainted response, redirects included, must pass the CORS check.
        if let Err(failure) = cors_check(&sent_origin, credentials, &exchange.headers) {
            let block = Block::Cors(&failure);
            let origin_changed = sent_origin != request.origin;
            if is_write_refusal(&method, exchange.status, &failure, site, origin_changed) {
                run.step(
                    steps::WRITE_REFUSED,
                    false,
                    format!(
                        "{method} {url_text} -> {} without CORS headers, sent with \
                         Sec-Fetch-Site: {site}: the server refused the cross-site write (the \
                         CORS check fails too)",
                        exchange.status
                    ),
                );
                let (reason, fix) = explain_write_refused(&context, site);
                blocked = Some(Failure {
                    step: steps::WRITE_REFUSED.to_owned(),
                    reason,
                    fix,
                    chromium_message: console_line(
                        &block,
                        first_url.as_str(),
                        &url_text,
                        &request.origin,
                    ),
                });
                break Some(exchange);
            }
            run.step(steps::CORS_CHECK, false, summary);
            blocked = Some(failure_for(
                &block,
                steps::CORS_CHECK,
                &context,
                first_url.as_str(),
                &url_text,
            ));
            break Some(exchange);
        }
        let readable_refusal = if exchange.status == 403 && is_write_method(&method) {
            "; the page can read this 403: the application answered it, not a cross-site \
             write protection (which answers without CORS headers)"
        } else {
            ""
        };
        run.step(
            steps::CORS_CHECK,
            true,
            format!("passes: {summary}{readable_refusal}"),
        );

        if !is_redirect_status(exchange.status) {
            break Some(exchange);
        }
        let location = exchange.get("location");
        let hop = Hop {
            page_origin: &request.origin,
            url: &url,
            tainted,
            method: &method,
            redirects,
        };
        match engine.follow_redirect(&hop, exchange.status, location.as_deref(), preflighted) {
            Ok(None) => {
                run.step(
                    steps::REDIRECT,
                    true,
                    format!(
                        "{} without Location: the browser hands this response to the page",
                        exchange.status
                    ),
                );
                break Some(exchange);
            }
            Ok(Some(next)) => {
                let standard = &next.redirect;
                let mut detail = format!("{} to {}", exchange.status, standard.location);
                if standard.tainted && !tainted {
                    detail.push_str(
                        "; the redirect crosses origins, so the next request carries \
                         `Origin: null` (Fetch: the tainted origin flag)",
                    );
                    tainting_redirect = Some(format!("{url_text} to {}", standard.location));
                }
                if standard.method != method {
                    detail.push_str(&format!("; the method becomes {}", standard.method));
                }
                let kept: Vec<String> = headers
                    .iter()
                    .filter(|(n, _)| next.keeps_against_standard(n))
                    .map(|(n, _)| n.to_ascii_lowercase())
                    .collect();
                if !kept.is_empty() {
                    let kept_headers: Vec<(String, String)> = headers
                        .iter()
                        .filter(|(n, _)| next.keeps_header(n))
                        .cloned()
                        .collect();
                    let preflights =
                        preflight_needed(&next.redirect.method, &kept_headers).is_some();
                    let what = format!(
                        "keeps {} across the redirect (the Fetch Standard removes {}){}",
                        kept.join(" and "),
                        if kept.len() == 1 { "it" } else { "them" },
                        if preflights {
                            format!(
                                ", so the {} to the new URL needs a preflight, sent with \
                                 Origin: {}",
                                next.redirect.method, next.redirect.origin
                            )
                        } else {
                            String::new()
                        }
                    );
                    detail.push_str(&format!("; {engine} {what}"));
                    departs.push((Deviation::RedirectKeepsRequestHeaders, what));
                }
                run.step(steps::REDIRECT, true, detail);
                forced_preflight = next.preflight_origin().map(str::to_owned);
                headers.retain(|(n, _)| next.keeps_header(n));
                let standard = next.redirect;
                url = standard.location;
                // The fragment stays with the URL (the page sees it), but is never sent.
                url.set_fragment(None);
                site = site.max(fetch_site(&request.origin, &url));
                method = standard.method;
                sent_origin = standard.origin;
                tainted = standard.tainted;
                redirects = redirects.saturating_add(1);
                preflight_passed = false;
            }
            Err(failure) => {
                run.step(steps::REDIRECT, false, failure.to_string());
                let block = Block::Redirect(&failure);
                blocked = Some(failure_for(
                    &block,
                    steps::REDIRECT,
                    &context,
                    first_url.as_str(),
                    &url_text,
                ));
                break Some(exchange);
            }
        }
    };
    Ok(Walk {
        engine,
        run,
        blocked,
        final_exchange,
        url,
        method,
        sent_origin,
        headers,
        departs,
    })
}

/// After a failed preflight for a method other than GET or HEAD (a redirect aside): asks the URL with a plain
/// GET from the same origin. When that answer allows the origin (with credentials, if the
/// request has them) and its CORS headers differ from the preflight's, the two were likely
/// answered by different policies, which the fix then says.
fn ask_get(
    run: &mut Run,
    client: &Client,
    url: &str,
    origin: &str,
    preflight: &Exchange,
    credentials: bool,
) -> Result<Option<GetAnswer>, Error> {
    let sent = vec![
        ("origin".to_owned(), origin.to_owned()),
        ("accept".to_owned(), "*/*".to_owned()),
    ];
    let get = client.send_once("GET", url, &sent)?;
    let allows = cors_check(origin, credentials, &get.headers).is_ok();
    let cors_headers = |e: &Exchange| {
        (
            e.get("access-control-allow-origin"),
            e.get("access-control-allow-credentials"),
        )
    };
    let differs = cors_headers(&get) != cors_headers(preflight);
    let answer = GetAnswer {
        credentials: get.get("access-control-allow-credentials").as_deref() == Some("true"),
        preflight_answered: preflight.get("access-control-allow-origin").is_some(),
    };
    run.exchanges.push(get);
    Ok((allows && differs).then_some(answer))
}

fn failure_for(
    block: &Block<'_>,
    step: &str,
    ctx: &Context<'_>,
    first_url: &str,
    last_url: &str,
) -> Failure {
    let (reason, fix) = explain(block, ctx);
    let chromium_message = console_line(block, first_url, last_url, ctx.origin);
    Failure {
        step: step.to_owned(),
        reason,
        fix,
        chromium_message,
    }
}

/// The error-path probe: the same request to a path under the URL's that should not exist.
fn probe_error_path(
    client: &Client,
    url: &Url,
    method: &str,
    origin: &str,
    headers: &[(String, String)],
    credentials: bool,
) -> Result<(ErrorPath, Exchange), Error> {
    let mut probe = url.clone();
    probe.set_path(&format!(
        "{}/{ERROR_PROBE_SEGMENT}",
        url.path().trim_end_matches('/')
    ));
    probe.set_query(None);
    probe.set_fragment(None);
    let mut sent = vec![
        (header::ORIGIN.to_owned(), origin.to_owned()),
        ("accept".to_owned(), "*/*".to_owned()),
    ];
    sent.extend(
        headers
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case("accept"))
            .cloned(),
    );
    let probe_text = probe.to_string();
    let exchange = client.send(method, &probe_text, &sent)?;
    let passes = cors_check(origin, credentials, &exchange.headers).is_ok();
    // Only a missing or wrong origin is the classic "no headers on errors"; an error that
    // allows the origin but not credentials is a policy choice, noted in the step's detail.
    let origin_passes = cors_check(origin, false, &exchange.headers).is_ok();
    let problem = (!origin_passes && exchange.status >= 400).then(|| {
        format!(
            "{method} {probe_text} -> {} has no valid CORS headers: the success carries them, \
             the error does not, so the page sees a CORS error (\"Failed to fetch\") instead of \
             the status. {nginx}In an application, the CORS layer must wrap error responses \
             too (here the `Cors` middleware or fairing does, 404s included). If that path \
             belongs to another route with a policy of its own, this may be intended",
            exchange.status,
            nginx = if is_nginx(exchange.get("server").as_deref()) {
                "In nginx, `add_header` without `always` only applies to 2xx and 3xx. "
            } else {
                ""
            },
        )
    });
    Ok((
        ErrorPath {
            url: probe_text,
            status: exchange.status,
            passes,
            problem,
        },
        exchange,
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn a_public_page_calling_a_local_address_is_warned_about_local_network_access() {
        let app = "https://app.example.re";
        for local in [
            "http://127.0.0.1:8080/x",
            "http://192.168.1.10/x",
            "http://[::1]:8080/x",
            "http://localhost:3000/x",
        ] {
            let warning = local_network_warning(app, &url(local));
            assert!(
                warning.is_some_and(|w| w.contains("Local Network Access")),
                "{local}"
            );
        }
        assert_eq!(
            local_network_warning(app, &url("https://api.example.re/x")),
            None
        );
        assert_eq!(
            local_network_warning("http://localhost:5173", &url("http://127.0.0.1:8080/")),
            None
        );
    }

    #[test]
    fn credentials_across_sites_are_warned_about_third_party_cookies() {
        let api = url("https://api.example.net/me");
        let request = Request::new(api.as_str(), "https://app.example.re").credentials(true);
        assert!(third_party_cookie_warning(&request, &api)
            .is_some_and(|w| w.contains("Safari blocks third-party cookies")));
        let same_site = url("https://api.example.re/me");
        assert_eq!(third_party_cookie_warning(&request, &same_site), None);
        let without = request.clone().credentials(false);
        assert_eq!(third_party_cookie_warning(&without, &api), None);
    }

    #[test]
    fn a_max_age_above_an_engine_cap_says_what_each_engine_keeps() {
        let preflight = |age: &str| PreflightReport {
            status: 204,
            request_headers: Vec::new(),
            headers: vec![("access-control-max-age".to_owned(), age.to_owned())],
            passed: true,
        };
        assert_eq!(
            max_age_warning(Some(&preflight("86400"))).as_deref(),
            Some(
                "Access-Control-Max-Age: 86400 is longer than some engines keep a preflight's \
                 answer; they keep it: Chromium 156 7200 s, Firefox ESR 153 86400 s, \
                 WebKitGTK 2.50 600 s"
            )
        );
        assert_eq!(max_age_warning(Some(&preflight("600"))), None);
        assert_eq!(max_age_warning(None), None);
    }
}
