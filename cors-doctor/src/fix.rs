//! For each way a browser blocks: the reason in plain words and the fix, in general terms and
//! as this project's `#[cors(...)]` key or `PolicySpec` builder call.

use cors_browser::{CorsFailure, FetchSite, PreflightFailure, RedirectFailure};
use cors_shared::Field;

/// What the browser stopped at.
pub(crate) enum Block<'a> {
    /// The preflight's response.
    Preflight(&'a PreflightFailure),
    /// The CORS check of a response of the actual request.
    Cors(&'a CorsFailure),
    /// A redirect of the actual request.
    Redirect(&'a RedirectFailure),
}

/// What the diagnosis knows around the block.
pub(crate) struct Context<'a> {
    /// The page's origin.
    pub(crate) origin: &'a str,
    /// The `Origin` the failing request carried (`null` after a cross-origin redirect).
    pub(crate) sent_origin: &'a str,
    /// The method sent.
    pub(crate) method: &'a str,
    /// Whether the request has credentials.
    pub(crate) credentials: bool,
    /// Whether a preflight was sent and passed before the block.
    pub(crate) preflight_passed: bool,
    /// The redirect that changed the origin to `null`, as "FROM to TO".
    pub(crate) tainting_redirect: Option<&'a str>,
    /// The header names a preflight announced (`Access-Control-Request-Headers`).
    pub(crate) announced: &'a [String],
    /// The status of the failing response.
    pub(crate) status: u16,
    /// The failing response's `Server` header: server-specific hints only for the server it
    /// names.
    pub(crate) server: Option<&'a str>,
    /// For a failed preflight: how a plain GET of the same URL was answered, when it allows
    /// the origin (and credentials, if asked) while the preflight does not.
    pub(crate) get_allows: Option<&'a GetAnswer>,
}

/// How the actual GET response of a URL answered the origin, beside a preflight for another
/// method that failed.
pub(crate) struct GetAnswer {
    /// Whether the GET answer allows credentials too.
    pub(crate) credentials: bool,
    /// Whether the preflight's answer carried `Access-Control-Allow-Origin` at all: then two
    /// different answers to the same origin show two different policies; without it, one
    /// policy that does not allow the method would look the same.
    pub(crate) preflight_answered: bool,
}

/// Whether a failed preflight is one that a different policy than the route's may have
/// answered: anything the server decided, a redirect aside.
pub(crate) fn another_policy_may_have_answered(failure: &PreflightFailure) -> bool {
    !matches!(failure, PreflightFailure::Redirect { .. })
}

/// Whether a `Server` header names nginx (or OpenResty, built on it): `add_header` hints apply.
pub(crate) fn is_nginx(server: Option<&str>) -> bool {
    server.is_some_and(|s| {
        let s = s.to_ascii_lowercase();
        s.contains("nginx") || s.contains("openresty")
    })
}

fn here_origins(ctx: &Context<'_>) -> String {
    let credentials = if ctx.credentials { ", credentials" } else { "" };
    let call = if ctx.credentials {
        ".credentials(true)"
    } else {
        ""
    };
    format!(
        "`#[cors(origins = [\"{o}\"]{credentials})]` above the route, or \
         `PolicySpec::new().origin(\"{o}\"){call}` for the default `Cors` middleware or fairing",
        o = ctx.origin
    )
}

/// The reason and the fix.
pub(crate) fn explain(block: &Block<'_>, ctx: &Context<'_>) -> (String, String) {
    match block {
        Block::Cors(failure) => explain_cors(failure, ctx),
        Block::Preflight(failure) => explain_preflight(failure, ctx),
        Block::Redirect(failure) => explain_redirect(failure),
    }
}

fn explain_cors(failure: &CorsFailure, ctx: &Context<'_>) -> (String, String) {
    if let Some(redirect) = ctx.tainting_redirect {
        let reason = format!(
            "the request was redirected across origins ({redirect}); from then on the browser \
             sends `Origin: null` instead of {o}, and this response does not allow `null`: \
             {failure}",
            o = ctx.origin
        );
        let fix = "fetch the final URL directly, so that no redirect happens (for an http -> \
                   https redirect: use the https URL in the page). Do not allow `null` to make \
                   it pass: every sandboxed iframe and local file sends `null`."
            .to_owned();
        return (reason, fix);
    }
    match failure {
        CorsFailure::MissingAllowOrigin if ctx.preflight_passed => (
            format!(
                "the preflight's response carried the CORS headers, the actual {m} response does \
                 not: the CORS headers are added to OPTIONS answers only",
                m = ctx.method
            ),
            format!(
                "add the CORS headers to every response of the route, not only to preflights \
                 ({nginx}in an application: the CORS middleware around all handlers). Here one \
                 policy answers both: {}",
                here_origins(ctx),
                nginx = if is_nginx(ctx.server) {
                    "in nginx: `add_header Access-Control-Allow-Origin ... always;` outside the \
                     `if ($request_method = OPTIONS)` block; "
                } else {
                    ""
                },
            ),
        ),
        CorsFailure::MissingAllowOrigin => (
            format!(
                "the response has no Access-Control-Allow-Origin: the server's CORS \
                 configuration does not cover this URL, method or status, or {o} is not on its \
                 list{nginx}",
                o = ctx.sent_origin,
                nginx = if is_nginx(ctx.server) {
                    " (in nginx: the `add_header` sits in another `location` block, or lacks \
                     `always` on an error status)"
                } else {
                    ""
                },
            ),
            format!(
                "if {o} should be allowed to read this, make the CORS configuration answer this \
                 URL for {o} on every status{nginx}. Here: {}",
                here_origins(ctx),
                o = ctx.origin,
                nginx = if is_nginx(ctx.server) {
                    " (nginx: `add_header Access-Control-Allow-Origin ... always;` in the \
                     `location` that serves this URL)"
                } else {
                    ""
                },
            ),
        ),
        CorsFailure::MultipleAllowOriginValues(_) => (
            failure.to_string(),
            format!(
                "set Access-Control-Allow-Origin in one layer only: either the application or \
                 the proxy{}. This project's adapters set each CORS header exactly once.",
                if is_nginx(ctx.server) {
                    " (nginx: `proxy_hide_header Access-Control-Allow-Origin;` when the \
                     application sets it)"
                } else {
                    ""
                }
            ),
        ),
        CorsFailure::InvalidAllowOriginValue(_) => (
            failure.to_string(),
            format!(
                "send exactly one origin, the request's own ({o}), or `*`; never a list or a \
                 pattern. Here: {}",
                here_origins(ctx),
                o = ctx.origin
            ),
        ),
        CorsFailure::AllowOriginMismatch(_) => (
            failure.to_string(),
            format!(
                "if {o} should be allowed to read this, add it to the allowed origins, spelled \
                 exactly so. Here: {}",
                here_origins(ctx),
                o = ctx.origin
            ),
        ),
        CorsFailure::WildcardWithCredentials => (
            failure.to_string(),
            format!(
                "answer with the request's origin instead of `*`, with \
                 `Access-Control-Allow-Credentials: true` and `Vary: Origin`, for the origins \
                 you trust; or make the request without credentials. Here (where `*` with \
                 credentials does not compile): `#[cors(origins = [\"{o}\"], credentials)]` or \
                 `PolicySpec::new().origin(\"{o}\").credentials(true)`",
                o = ctx.origin
            ),
        ),
        CorsFailure::InvalidAllowCredentials(_) => (
            failure.to_string(),
            format!(
                "if {o} should read this with credentials, send \
                 `Access-Control-Allow-Credentials: true` (exactly that) for it; if not, make \
                 the request without credentials. Here: `#[cors(origins = [\"{o}\"], \
                 credentials)]` or `PolicySpec::new().origin(\"{o}\").credentials(true)`",
                o = ctx.origin
            ),
        ),
    }
}

fn explain_preflight(failure: &PreflightFailure, ctx: &Context<'_>) -> (String, String) {
    if let PreflightFailure::Cors(inner) = failure {
        if ctx.tainting_redirect.is_some() {
            return explain_cors(inner, ctx);
        }
    }
    let explained = explain_preflight_alone(failure, ctx);
    match ctx.get_allows {
        Some(get) => other_policy_answered(get, ctx, explained),
        None => explained,
    }
}

fn explain_preflight_alone(failure: &PreflightFailure, ctx: &Context<'_>) -> (String, String) {
    let reason = failure.to_string();
    let fix = match failure {
        PreflightFailure::Redirect { .. } => "answer the preflight where it is sent: fetch the \
             final URL directly (https instead of http, the trailing slash the server \
             expects, the canonical host), or exempt OPTIONS from the redirect rule"
            .to_owned(),
        PreflightFailure::Cors(CorsFailure::MissingAllowOrigin)
            if ctx.tainting_redirect.is_none() =>
        {
            return refused_preflight(ctx);
        }
        PreflightFailure::Cors(inner) => {
            let (_, fix) = explain_cors(inner, ctx);
            fix
        }
        PreflightFailure::NotOk { .. } => "answer OPTIONS requests that carry \
             Access-Control-Request-Method with 204 and the CORS headers, before \
             authentication and routing (a preflight never carries cookies or \
             Authorization). Here: a `#[cors(...)]` route answers its preflights before the \
             handler and its guards run, and the `Cors` middleware or fairing answers them for \
             every other path"
            .to_owned(),
        PreflightFailure::InvalidAllowMethods(_) => {
            "list methods as `GET, PUT` (tokens separated by commas), nothing else".to_owned()
        }
        PreflightFailure::InvalidAllowHeaders(_) => {
            "list header names as `content-type, x-custom` (tokens separated by commas)".to_owned()
        }
        PreflightFailure::MethodNotAllowed { method, .. } => format!(
            "add {method} to Access-Control-Allow-Methods (by name: `*` does not count with \
             credentials). Here: `#[cors(methods = [{method}])]` or \
             `PolicySpec::new().methods([\"{method}\"])`"
        ),
        PreflightFailure::HeaderNotAllowed { name, .. } => format!(
            "add `{name}` to Access-Control-Allow-Headers (by name: `*` does not cover \
             authorization, nor anything with credentials). Here: `#[cors(headers = \
             [\"{name}\"])]` or `PolicySpec::new().headers([\"{name}\"])`"
        ),
    };
    (reason, fix)
}

/// A preflight answered without `Access-Control-Allow-Origin`: refused, or not handled.
fn refused_preflight(ctx: &Context<'_>) -> (String, String) {
    let (comma, headers) = if ctx.announced.is_empty() {
        (" or", String::new())
    } else {
        (
            ",",
            format!(
                " or one of the announced headers ({})",
                ctx.announced.join(", ")
            ),
        )
    };
    let reason = format!(
        "the preflight's response (status {status}) has no Access-Control-Allow-Origin: the \
         server refused the preflight, or nothing answers OPTIONS for this URL. A CORS layer \
         refuses a preflight when the origin ({o}){comma} the method ({m}){headers} is not allowed",
        status = ctx.status,
        o = ctx.origin,
        m = ctx.method,
    );
    let methods = if cors_browser::is_cors_safelisted_method(ctx.method) {
        String::new()
    } else {
        format!(", methods = [{}]", ctx.method)
    };
    let methods_call = if methods.is_empty() {
        String::new()
    } else {
        format!(".methods([\"{}\"])", ctx.method)
    };
    let quoted: Vec<String> = ctx.announced.iter().map(|h| format!("\"{h}\"")).collect();
    let (headers_key, headers_call) = if quoted.is_empty() {
        (String::new(), String::new())
    } else {
        (
            format!(", headers = [{}]", quoted.join(", ")),
            format!(".headers([{}])", quoted.join(", ")),
        )
    };
    let (cred_key, cred_call) = if ctx.credentials {
        (", credentials", ".credentials(true)")
    } else {
        ("", "")
    };
    let fix = format!(
        "if {o} should be allowed to make this request, answer the preflight with 204 and allow \
         the origin, the method and every announced header. Here: \
         `#[cors(origins = [\"{o}\"]{methods}{headers_key}{cred_key})]` above the route, or \
         `PolicySpec::new().origin(\"{o}\"){methods_call}{headers_call}{cred_call}`",
        o = ctx.origin
    );
    (reason, fix)
}

/// A failed preflight for a method while the actual GET response of the same URL allows the
/// origin: likely two policies, the route's for GET and the default one for the method.
fn other_policy_answered(
    get: &GetAnswer,
    ctx: &Context<'_>,
    (reason, fix): (String, String),
) -> (String, String) {
    let m = ctx.method;
    let with = if get.credentials {
        " with credentials"
    } else {
        ""
    };
    let route = format!(
        "no route here may handle {m}, and the default policy likely answered the preflight: \
         a preflight for a method that no handler of the path routes is answered by the \
         default policy (this project's adapters do so, as do other CORS layers with per-route \
         policies)"
    );
    if get.preflight_answered {
        (
            format!(
                "{reason}. Yet the actual GET response of this URL allows {o}{with}: two \
                 different policies answered the two requests, so {route}. This is inferred \
                 from the two answers; the server does not say which policy answered",
                o = ctx.origin
            ),
            format!(
                "{route}. If a {m} handler should exist here, add the route with the GET \
                 route's policy (`#[cors(...)]` above it, or `#[cors(policy = NAME)]` for both), \
                 and its policy answers the preflight. If no {m} handler should exist, there is \
                 nothing to fix: the request would find no handler. Widening the default policy \
                 instead would allow {m} on every path without a policy of its own"
            ),
        )
    } else {
        (
            format!(
                "{reason}. The actual GET response of this URL allows {o}{with}, so either the \
                 policy that answers GET does not allow {m}, or {route}. The server does not \
                 say which policy answered",
                o = ctx.origin
            ),
            format!(
                "{fix}. If no route here handles {m}, the default policy answered and the block \
                 is expected: add a {m} route with its own policy if one should exist, rather \
                 than widening the default policy for every path"
            ),
        )
    }
}

fn explain_redirect(failure: &RedirectFailure) -> (String, String) {
    let fix = match failure {
        RedirectFailure::Preflight { .. } => {
            "fetch the final URL directly, or exempt OPTIONS from the redirect rule"
        }
        RedirectFailure::InvalidLocation { .. } => "send an absolute http(s) URL in Location",
        RedirectFailure::DisallowedScheme { .. } => {
            "redirect only to http(s) URLs, or fetch the final resource directly"
        }
        RedirectFailure::TooMany => {
            "break the redirect loop (often http <-> https or a \
             trailing-slash rule that fights another)"
        }
        RedirectFailure::ContainsCredentials { .. } => {
            "remove the user name and password from \
             the redirect's Location; send credentials in a header the page sets instead"
        }
    };
    (failure.to_string(), fix.to_owned())
}

/// Chromium's whole console line for a block of a `fetch()`.
pub(crate) fn console_line(
    block: &Block<'_>,
    first_url: &str,
    last_url: &str,
    page_origin: &str,
) -> String {
    let message = match block {
        Block::Cors(f) => f.chromium_message(),
        Block::Preflight(f) => f.chromium_message(),
        Block::Redirect(
            f @ (RedirectFailure::TooMany | RedirectFailure::InvalidLocation { .. }),
        ) => {
            return format!("Failed to load resource: {}", f.chromium_message());
        }
        Block::Redirect(f) => f.chromium_message(),
    };
    let redirected = if first_url == last_url {
        String::new()
    } else {
        format!("(redirected from '{first_url}') ")
    };
    format!(
        "Access to fetch at '{last_url}' {redirected}from origin '{page_origin}' has been \
         blocked by CORS policy: {message}"
    )
}

/// Whether a method can change something on the server: write protection lets GET, HEAD and
/// OPTIONS through and judges every other method.
pub(crate) fn is_write_method(method: &str) -> bool {
    !matches!(method, "GET" | "HEAD" | "OPTIONS")
}

/// Whether a response that failed the CORS check is write protection's refusal of a
/// cross-site write: a method that changes something (not GET, HEAD or OPTIONS), sent from
/// another origin with the page's own `Origin` (no redirect made it `null`), answered `403`
/// without `Access-Control-Allow-Origin`. A 403 that carries the CORS headers passes the CORS
/// check, and the page reads it: that is the application's answer, not this.
pub(crate) fn is_write_refusal(
    method: &str,
    status: u16,
    failure: &CorsFailure,
    site: FetchSite,
    origin_changed: bool,
) -> bool {
    is_write_method(method)
        && status == 403
        && matches!(failure, CorsFailure::MissingAllowOrigin)
        && site != FetchSite::SameOrigin
        && !origin_changed
}

/// Why a refused cross-site write is blocked, and the fix: the page's origin on the route's
/// CORS list, which governs writes too, or protection off in source for a callback.
pub(crate) fn explain_write_refused(ctx: &Context<'_>, site: FetchSite) -> (String, String) {
    let (o, m) = (ctx.origin, ctx.method);
    let opening = if ctx.preflight_passed {
        format!(
            "CORS would let the page read this, but the server refused the cross-site write: \
             {status}. The preflight allowed {o} to send {m}; the {m} itself",
            status = ctx.status
        )
    } else {
        format!(
            "The server refused the cross-site write: {status}. This {m} needs no preflight, \
             so the browser sent it at once; the {m}",
            status = ctx.status
        )
    };
    let same_site = if site == FetchSite::SameSite {
        " `same-site` is not trusted by itself: a page on a sibling subdomain (one that may be \
         taken over) is still another origin, and must be listed."
    } else {
        ""
    };
    let reason = format!(
        "{opening}, sent with `Sec-Fetch-Site: {site}` and `Origin: {o}`, was answered \
         {status} without CORS headers: the answer of cross-site write protection, which \
         refuses writes from other origins than those it trusts, before the handler runs. The \
         page sees a CORS error, not the {status}.{same_site}",
        status = ctx.status,
    );
    let credentials = if ctx.credentials { ", credentials" } else { "" };
    let off = Field::ProtectWrites.key();
    let fix = format!(
        "if {o} should change data here, list it in the route's CORS policy: the same \
         allowlist governs writes, so protection then lets it write (here: \
         `#[cors(origins = [\"{o}\"]{credentials})]` above the route, or \
         `PolicySpec::new().origin(\"{o}\")`; with another library's protection, add {o}, \
         spelled exactly so, to its trusted origins as well). If this URL is a callback other \
         sites must post to (an OAuth `form_post` callback, a payment return URL, a webhook \
         from a browser), turn protection off for that route, in source: \
         `#[cors(..., {off} = false)]` (never by a path pattern)"
    );
    (reason, fix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx<'a>(method: &'a str, preflight_passed: bool) -> Context<'a> {
        Context {
            origin: "https://app.example.re",
            sent_origin: "https://app.example.re",
            method,
            credentials: true,
            preflight_passed,
            tainting_redirect: None,
            announced: &[],
            status: 403,
            server: None,
            get_allows: None,
        }
    }

    #[test]
    fn a_cross_site_write_answered_403_without_cors_headers_is_a_write_refusal() {
        let missing = CorsFailure::MissingAllowOrigin;
        for method in ["POST", "PUT", "DELETE", "PATCH"] {
            for site in [FetchSite::CrossSite, FetchSite::SameSite] {
                assert!(
                    is_write_refusal(method, 403, &missing, site, false),
                    "{method} {site}"
                );
            }
        }
        // Reads are never refused by write protection: their 403 is the application's.
        for method in ["GET", "HEAD", "OPTIONS"] {
            assert!(!is_write_refusal(
                method,
                403,
                &missing,
                FetchSite::CrossSite,
                false
            ));
        }
        // Another status, a same-origin request, an origin a redirect made `null`, or a
        // response that has an Access-Control-Allow-Origin (wrong or not): not this.
        assert!(!is_write_refusal(
            "POST",
            401,
            &missing,
            FetchSite::CrossSite,
            false
        ));
        assert!(!is_write_refusal(
            "POST",
            200,
            &missing,
            FetchSite::CrossSite,
            false
        ));
        assert!(!is_write_refusal(
            "POST",
            403,
            &missing,
            FetchSite::SameOrigin,
            false
        ));
        assert!(!is_write_refusal(
            "POST",
            403,
            &missing,
            FetchSite::CrossSite,
            true
        ));
        let mismatch = CorsFailure::AllowOriginMismatch("https://other.example.re".to_owned());
        assert!(!is_write_refusal(
            "POST",
            403,
            &mismatch,
            FetchSite::CrossSite,
            false
        ));
    }

    #[test]
    fn a_write_refusal_after_a_passed_preflight_says_cors_would_let_the_page_read() {
        let (reason, fix) = explain_write_refused(&ctx("PUT", true), FetchSite::CrossSite);
        assert!(
            reason.starts_with(
                "CORS would let the page read this, but the server refused the cross-site \
                 write: 403. The preflight allowed https://app.example.re to send PUT; the PUT \
                 itself, sent with `Sec-Fetch-Site: cross-site` and `Origin: \
                 https://app.example.re`, was answered 403 without CORS headers"
            ),
            "{reason}"
        );
        assert!(!reason.contains("same-site"), "{reason}");
        assert!(
            fix.contains(
                "list it in the route's CORS policy: the same allowlist governs writes, so \
                 protection then lets it write (here: `#[cors(origins = \
                 [\"https://app.example.re\"], credentials)]`"
            ),
            "{fix}"
        );
        assert!(
            fix.contains("turn protection off for that route, in source: `#[cors(..., protect_writes = false)]`"),
            "{fix}"
        );
    }

    #[test]
    fn a_write_refusal_without_a_preflight_and_from_the_same_site_says_so() {
        let (reason, _) = explain_write_refused(&ctx("POST", false), FetchSite::SameSite);
        assert!(
            reason.starts_with(
                "The server refused the cross-site write: 403. This POST needs no preflight, \
                 so the browser sent it at once; the POST, sent with `Sec-Fetch-Site: \
                 same-site`"
            ),
            "{reason}"
        );
        assert!(
            reason.contains("`same-site` is not trusted by itself"),
            "{reason}"
        );
    }
}
