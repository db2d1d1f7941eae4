//! The default run: send what the browser would send, step by step, and judge each answer
//! with the browser's own checks (`cors_browser`).

use cors_browser::{
    cors_check, follow_redirect, is_forbidden_method, is_forbidden_request_header,
    normalize_method, preflight_check, preflight_needed, readable_headers, Hop, Url,
};

use cors_shared::{fetch, header};

use crate::error::Error;
use crate::fix::{
    another_policy_may_have_answered, console_line, explain, is_nginx, Block, Context, GetAnswer,
};
use crate::report::{
    steps, ErrorPath, Failure, PreflightReport, Report, Step, StepStatus, Verdict,
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

/// [`diagnose`] with a given client (so that modes can share one and count requests).
pub(crate) fn diagnose_with(
    client: &Client,
    request: &Request,
    options: &Options,
) -> Result<Report, Error> {
    let start_count = client.requests_sent();
    let (first_url, first_method, first_headers, warnings) = prepare(request)?;
    let credentials = request.credentials;
    let mut run = Run {
        steps: Vec::new(),
        exchanges: Vec::new(),
        preflight: None,
    };
    let mut url = first_url.clone();
    let mut method = first_method.clone();
    let mut headers = first_headers;
    let mut sent_origin = request.origin.clone();
    let mut tainted = false;
    let mut tainting_redirect: Option<String> = None;
    let mut redirects = 0u32;
    let mut preflight_passed = false;
    let mut blocked: Option<Failure> = None;

    let final_exchange = loop {
        // Fetch, "main fetch" step 12 and "HTTP fetch" step 4.1: each hop of a request that
        // needs one gets its own preflight.
        let need = preflight_needed(&method, &headers);
        if run.steps.is_empty() || redirects > 0 {
            match &need {
                None => run.step(
                    steps::PREFLIGHT_NEEDED,
                    true,
                    format!("no: {method} with only CORS-safelisted request headers"),
                ),
                Some(need) => run.step(steps::PREFLIGHT_NEEDED, true, format!("yes: {need}")),
            }
        }
        if let Some(need) = need {
            let mut sent = vec![
                (header::ORIGIN.to_owned(), sent_origin.clone()),
                (header::REQUEST_METHOD.to_owned(), method.clone()),
            ];
            let names = need.header_names();
            if !names.is_empty() {
                sent.push((header::REQUEST_HEADERS.to_owned(), names.join(",")));
            }
            sent.push(("accept".to_owned(), "*/*".to_owned()));
            let exchange = client.send("OPTIONS", url.as_str(), &sent)?;
            let result = preflight_check(
                &sent_origin,
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
            match result {
                Ok(_) => {
                    preflight_passed = true;
                    run.step(
                        steps::PREFLIGHT,
                        true,
                        format!("OPTIONS {url_text} -> {}; {summary}", exchange.status),
                    );
                }
                Err(failure) => {
                    run.step(
                        steps::PREFLIGHT,
                        false,
                        format!("OPTIONS {url_text} -> {}; {summary}", exchange.status),
                    );
                    let get_allows = if tainted
                        || !another_policy_may_have_answered(&failure)
                        || matches!(method.as_str(), "GET" | "HEAD")
                    {
                        None
                    } else {
                        ask_get(
                            &mut run,
                            client,
                            &url_text,
                            &sent_origin,
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
                            sent_origin: &sent_origin,
                            method: &method,
                            credentials,
                            preflight_passed: false,
                            tainting_redirect: tainting_redirect.as_deref(),
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
        sent.extend(headers.iter().cloned());
        let url_text = url.to_string();
        let exchange = client.send(&method, &url_text, &sent)?;
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
            run.step(steps::CORS_CHECK, false, summary);
            let block = Block::Cors(&failure);
            blocked = Some(failure_for(
                &block,
                steps::CORS_CHECK,
                &context,
                first_url.as_str(),
                &url_text,
            ));
            break Some(exchange);
        }
        run.step(steps::CORS_CHECK, true, format!("passes: {summary}"));

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
        match follow_redirect(&hop, exchange.status, location.as_deref(), false) {
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
                let mut detail = format!("{} to {}", exchange.status, next.location);
                if next.tainted && !tainted {
                    detail.push_str(
                        "; the redirect crosses origins, so the next request carries \
                         `Origin: null` (Fetch: the tainted origin flag)",
                    );
                    tainting_redirect = Some(format!("{url_text} to {}", next.location));
                }
                if next.method != method {
                    detail.push_str(&format!("; the method becomes {}", next.method));
                }
                run.step(steps::REDIRECT, true, detail);
                headers.retain(|(n, _)| next.keeps_header(n));
                url = next.location;
                // The fragment stays with the URL (the page sees it), but is never sent.
                url.set_fragment(None);
                method = next.method;
                sent_origin = next.origin;
                tainted = next.tainted;
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

    let mut report = Report {
        url: first_url.to_string(),
        origin: request.origin.clone(),
        method: first_method,
        credentials,
        verdict: Verdict::Blocked,
        preflight: run.preflight.take(),
        steps: Vec::new(),
        failure: None,
        readable_headers: Vec::new(),
        hidden_headers: Vec::new(),
        error_path: None,
        warnings,
        exchanges: Vec::new(),
        requests_sent: 0,
    };
    if let Some(failure) = blocked {
        report.failure = Some(failure);
    } else if let Some(exchange) = final_exchange {
        report.verdict = Verdict::Read;
        let readable = readable_headers(credentials, &exchange.headers);
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
        report.readable_headers = readable.readable;
        report.hidden_headers = readable.hidden;
        if options.probe_error_path {
            let (path, exchange) =
                probe_error_path(client, &url, &method, &sent_origin, &headers, credentials)?;
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
    report.steps = run.steps;
    report.exchanges = run.exchanges;
    report.requests_sent = client.requests_sent().saturating_sub(start_count);
    Ok(report)
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
    let get = client.send("GET", url, &sent)?;
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
