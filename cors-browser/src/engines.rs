//! Where shipping engines depart from the Fetch Standard: one short list, [`DEVIATIONS`], each
//! entry with the engines and versions it was observed on and the standard's text it departs
//! from, and the per-engine versions of the two checks they touch
//! ([`Engine::preflight_check`], [`Engine::follow_redirect`]). Everything else an engine does
//! is the standard, as the rest of this crate models it.
//!
//! The entries are kept true by the suite's browser tests, which run each of them in the three
//! engines: when an engine changes, those tests fail and this list follows.

use std::fmt;

use cors_shared::fetch;

use crate::preflight::{preflight_check, PreflightFailure, PreflightGrant};
use crate::redirect::{follow_redirect, Hop, Redirect, RedirectFailure};

/// A shipping browser engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Engine {
    /// Chromium (Chrome, Edge, Opera, Brave, ...).
    Chromium,
    /// Firefox.
    Firefox,
    /// WebKit (Safari, every browser on iOS, WebKitGTK).
    WebKit,
}

impl Engine {
    /// Every engine, in the order reports list them.
    pub const ALL: [Engine; 3] = [Engine::Chromium, Engine::Firefox, Engine::WebKit];

    /// The short name: `chromium`, `firefox` or `webkit`.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
            Engine::WebKit => "webkit",
        }
    }

    /// The build the deviations were observed on: `Chromium 156`, `Firefox ESR 153`,
    /// `WebKitGTK 2.50`.
    pub fn observed_on(self) -> &'static str {
        match self {
            Engine::Chromium => "Chromium 156",
            Engine::Firefox => "Firefox ESR 153",
            Engine::WebKit => "WebKitGTK 2.50",
        }
    }

    /// The longest time, in seconds, this engine keeps a preflight's answer, whatever
    /// `Access-Control-Max-Age` says: Chromium 7200 (2 hours), Firefox 86400 (24 hours),
    /// WebKit 600 (10 minutes). The standard sets no cap.
    ///
    /// ```
    /// use cors_browser::Engine;
    /// assert_eq!(Engine::WebKit.max_age_cap(), 600);
    /// ```
    pub fn max_age_cap(self) -> u64 {
        match self {
            Engine::Chromium => 7200,
            Engine::Firefox => 86400,
            Engine::WebKit => 600,
        }
    }

    /// Whether this engine departs from the standard in this way.
    ///
    /// ```
    /// use cors_browser::{Deviation, Engine};
    /// assert!(Engine::Firefox.departs(Deviation::RedirectPreflightFromPageOrigin));
    /// assert!(!Engine::Chromium.departs(Deviation::RedirectPreflightFromPageOrigin));
    /// ```
    pub fn departs(self, deviation: Deviation) -> bool {
        deviation.entry().engines.contains(&self)
    }

    /// [`preflight_check`] as this engine runs it: the standard's checks, except where the
    /// engine lets `Access-Control-Allow-Headers: *` cover `authorization`
    /// ([`Deviation::WildcardCoversAuthorization`]). The grant says when that deviation is
    /// what let the request go.
    ///
    /// ```
    /// use cors_browser::{preflight_check, Deviation, Engine};
    /// let answer = [("access-control-allow-origin", "https://app.example.re"),
    ///               ("access-control-allow-headers", "*")];
    /// let headers = [("authorization", "Bearer t")];
    /// let page = "https://app.example.re";
    /// // The standard refuses; every engine lets it through.
    /// assert!(preflight_check(page, false, "GET", &headers, 204, &answer).is_err());
    /// let grant = Engine::Firefox.preflight_check(page, false, "GET", &headers, 204, &answer)
    ///     .unwrap();
    /// assert_eq!(grant.departs, Some(Deviation::WildcardCoversAuthorization));
    /// ```
    pub fn preflight_check<N: AsRef<str>, V: AsRef<str>, RN: AsRef<str>, RV: AsRef<str>>(
        self,
        origin: &str,
        credentials: bool,
        method: &str,
        headers: &[(N, V)],
        status: u16,
        response: &[(RN, RV)],
    ) -> Result<EngineGrant, PreflightFailure> {
        match preflight_check(origin, credentials, method, headers, status, response) {
            Ok(grant) => Ok(EngineGrant {
                grant,
                departs: None,
            }),
            Err(PreflightFailure::HeaderNotAllowed {
                name,
                wildcard_did_not_apply: true,
            }) if !credentials
                && fetch::is_non_wildcard_request_header(&name)
                && self.departs(Deviation::WildcardCoversAuthorization) =>
            {
                // The engine reads `*` as covering `authorization` too: the rest of the
                // checks are the standard's, on the other headers.
                let others: Vec<(&str, &str)> = headers
                    .iter()
                    .map(|(n, v)| (n.as_ref(), v.as_ref()))
                    .filter(|(n, _)| !fetch::is_non_wildcard_request_header(n))
                    .collect();
                preflight_check(origin, credentials, method, &others, status, response).map(
                    |grant| EngineGrant {
                        grant,
                        departs: Some(Deviation::WildcardCoversAuthorization),
                    },
                )
            }
            Err(failure) => Err(failure),
        }
    }

    /// [`follow_redirect`] as this engine follows it. `preflighted` says whether a preflight
    /// was sent for this request before the redirect (at any earlier hop).
    ///
    /// ```
    /// use cors_browser::{Engine, Hop, Url};
    /// let url = Url::parse("https://api.example.re/orders").unwrap();
    /// let hop = Hop { page_origin: "https://app.example.re", url: &url, tainted: false,
    ///                 method: "POST", redirects: 0 };
    /// let to = Some("https://files.example.net/receipt");
    /// let chromium = Engine::Chromium.follow_redirect(&hop, 303, to, true).unwrap().unwrap();
    /// let firefox = Engine::Firefox.follow_redirect(&hop, 303, to, true).unwrap().unwrap();
    /// let webkit = Engine::WebKit.follow_redirect(&hop, 303, to, true).unwrap().unwrap();
    /// // The standard: GET, without the body's content-type, `Origin: null`, no preflight.
    /// assert!(!chromium.keeps_header("content-type"));
    /// assert_eq!(chromium.preflight_origin(), None);
    /// // Firefox preflights the new URL anyway, as the page's origin.
    /// assert_eq!(firefox.preflight_origin(), Some("https://app.example.re"));
    /// // WebKit keeps content-type, so the GET needs a preflight (sent as `null`).
    /// assert!(webkit.keeps_header("content-type"));
    /// ```
    pub fn follow_redirect(
        self,
        hop: &Hop<'_>,
        status: u16,
        location: Option<&str>,
        preflighted: bool,
    ) -> Result<Option<EngineRedirect>, RedirectFailure> {
        let Some(redirect) = follow_redirect(hop, status, location, false)? else {
            return Ok(None);
        };
        let crosses_origins = redirect.drops_authorization;
        let forced_preflight = (preflighted
            && crosses_origins
            && self.departs(Deviation::RedirectPreflightFromPageOrigin))
        .then(|| hop.page_origin.to_owned());
        let keeps_request_headers = (redirect.drops_body || redirect.drops_authorization)
            && self.departs(Deviation::RedirectKeepsRequestHeaders);
        Ok(Some(EngineRedirect {
            redirect,
            forced_preflight,
            keeps_request_headers,
        }))
    }
}

impl fmt::Display for Engine {
    /// The build the deviations were observed on, as [`Engine::observed_on`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.observed_on())
    }
}

/// What a passed preflight allows in one engine, and whether a deviation let it pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineGrant {
    /// What the preflight allows.
    pub grant: PreflightGrant,
    /// The deviation without which the standard would have refused it.
    pub departs: Option<Deviation>,
}

/// Where one engine goes after a redirect, and how its next request differs from the
/// standard's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineRedirect {
    /// The standard's next hop (location, method, tainted origin).
    pub redirect: Redirect,
    /// Set when the engine sends a preflight to the new URL whatever the request needs,
    /// with this `Origin` ([`Deviation::RedirectPreflightFromPageOrigin`]).
    forced_preflight: Option<String>,
    /// Whether the engine keeps the headers the standard removes here
    /// ([`Deviation::RedirectKeepsRequestHeaders`]).
    keeps_request_headers: bool,
}

impl EngineRedirect {
    /// Whether the next request still carries an author header of this name: the
    /// standard's [`Redirect::keeps_header`], unless the engine keeps what the standard
    /// removes.
    pub fn keeps_header(&self, name: &str) -> bool {
        self.keeps_request_headers || self.redirect.keeps_header(name)
    }

    /// Whether the engine keeps this header where the standard removes it.
    pub fn keeps_against_standard(&self, name: &str) -> bool {
        self.keeps_header(name) && !self.redirect.keeps_header(name)
    }

    /// The `Origin` of the preflight the engine sends to the new URL whether or not the
    /// redirected request needs one; `None` when it follows the standard (a preflight only
    /// when the request needs one, with the request's `Origin`).
    pub fn preflight_origin(&self) -> Option<&str> {
        self.forced_preflight.as_deref()
    }

    /// The deviations that change this hop (for the headers, only when the request carries
    /// one the standard removes: see [`EngineRedirect::keeps_against_standard`]).
    pub fn departs(&self) -> Vec<Deviation> {
        let mut departs = Vec::new();
        if self.forced_preflight.is_some() {
            departs.push(Deviation::RedirectPreflightFromPageOrigin);
        }
        if self.keeps_request_headers {
            departs.push(Deviation::RedirectKeepsRequestHeaders);
        }
        departs
    }
}

/// One way shipping engines depart from the Fetch Standard. [`Deviation::entry`] says who,
/// since when, and against which text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Deviation {
    /// `Access-Control-Allow-Headers: *` covers `authorization`.
    WildcardCoversAuthorization,
    /// After a cross-origin redirect of a preflighted request, a new preflight from the
    /// page's origin.
    RedirectPreflightFromPageOrigin,
    /// A redirect keeps the request-body headers and `authorization`.
    RedirectKeepsRequestHeaders,
}

impl Deviation {
    /// Its entry in [`DEVIATIONS`].
    pub fn entry(self) -> &'static DeviationEntry {
        match self {
            Deviation::WildcardCoversAuthorization => &DEVIATIONS[0],
            Deviation::RedirectPreflightFromPageOrigin => &DEVIATIONS[1],
            Deviation::RedirectKeepsRequestHeaders => &DEVIATIONS[2],
        }
    }

    /// A stable name for reports: `wildcard-covers-authorization`,
    /// `redirect-preflight-from-page-origin`, `redirect-keeps-request-headers`.
    pub fn id(self) -> &'static str {
        self.entry().id
    }
}

/// Who departs from the standard, how, and against which text.
#[derive(Debug, PartialEq, Eq)]
pub struct DeviationEntry {
    /// Which deviation.
    pub deviation: Deviation,
    /// Its stable name ([`Deviation::id`]).
    pub id: &'static str,
    /// The engines that depart this way; each was observed on [`Engine::observed_on`].
    pub engines: &'static [Engine],
    /// The Fetch Standard's text the engines depart from, with its section.
    pub standard: &'static str,
    /// What the engines do instead.
    pub engines_do: &'static str,
    /// Whether it is forbidden by the standard but readable today in the engines listed:
    /// reported as a warning ("may stop working"), not as a block.
    pub tolerated: bool,
    /// Where the gap is discussed, when it is.
    pub discussion: Option<&'static str>,
}

/// Every known deviation of the shipping engines from the Fetch Standard, as observed on
/// Chromium 156, Firefox ESR 153 and WebKitGTK 2.50.
pub static DEVIATIONS: [DeviationEntry; 3] = [
    DeviationEntry {
        deviation: Deviation::WildcardCoversAuthorization,
        id: "wildcard-covers-authorization",
        engines: &[Engine::Chromium, Engine::Firefox, Engine::WebKit],
        standard: "Fetch, CORS-preflight fetch, step 7.6: \"If one of request's header list's \
                   names is a CORS non-wildcard request-header name and is not a \
                   byte-case-insensitive match for an item in headerNames, then return a \
                   network error.\" (`Authorization` is the CORS non-wildcard request-header \
                   name: `*` never covers it.)",
        engines_do: "a preflight answered with `Access-Control-Allow-Headers: *` (without \
                     credentials) lets a request with `authorization` go, and the page reads \
                     the answer",
        tolerated: true,
        discussion: Some("https://github.com/whatwg/fetch/issues/1919"),
    },
    DeviationEntry {
        deviation: Deviation::RedirectPreflightFromPageOrigin,
        id: "redirect-preflight-from-page-origin",
        engines: &[Engine::Firefox],
        standard: "Fetch, main fetch, step 12: a CORS-preflight request only when \"request's \
                   method is not a CORS-safelisted method or CORS-unsafe request-header names \
                   with request's header list is not empty\"; and serializing a request origin: \
                   \"If request's tainted origin flag is set, then return `null`.\"",
        engines_do: "after a preflighted request is redirected to another origin, re-sends a \
                     preflight to the new origin, with the page's origin (not `null`) and the \
                     remaining CORS-unsafe header names, even when the redirected request needs \
                     no preflight; the request that follows carries `Origin: null`",
        tolerated: false,
        discussion: None,
    },
    DeviationEntry {
        deviation: Deviation::RedirectKeepsRequestHeaders,
        id: "redirect-keeps-request-headers",
        engines: &[Engine::WebKit],
        standard: "Fetch, HTTP-redirect fetch, step 12: when a redirect changes the method to \
                   `GET`, \"for each headerName of request-body-header name, delete headerName \
                   from request's header list\"; step 13: when the redirect crosses origins, \
                   \"for each headerName of CORS non-wildcard request-header name, delete \
                   headerName from request's header list\".",
        engines_do: "keeps `content-type` when a 303 turns the request into a GET, and \
                     `authorization` across origins, so the redirected request needs a \
                     preflight, sent with `Origin: null`",
        tolerated: false,
        discussion: None,
    },
];

/// Whether the engines agree on a request: all read it, none does, or they split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Agreement {
    /// Every engine lets the page read the response.
    AllRead,
    /// No engine does.
    NoneRead,
    /// Some do and some do not: users of the others are blocked.
    Split,
}

/// Whether the engines agree, given for each engine whether the page reads the response.
/// An empty list counts as none reading.
///
/// ```
/// use cors_browser::{agreement, Agreement, Engine};
/// let verdicts = [(Engine::Chromium, true), (Engine::Firefox, false), (Engine::WebKit, false)];
/// assert_eq!(agreement(&verdicts), Agreement::Split);
/// ```
pub fn agreement(reads: &[(Engine, bool)]) -> Agreement {
    let read = reads.iter().filter(|(_, r)| *r).count();
    if read == 0 {
        Agreement::NoneRead
    } else if read == reads.len() {
        Agreement::AllRead
    } else {
        Agreement::Split
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;
    use url::Url;

    const APP: &str = "https://app.example.re";

    fn star_answer() -> [(&'static str, &'static str); 2] {
        [
            ("access-control-allow-origin", APP),
            ("access-control-allow-headers", "*"),
        ]
    }

    #[test]
    fn entries_are_in_their_places_and_say_what_they_depart_from() {
        for (i, entry) in DEVIATIONS.iter().enumerate() {
            assert!(std::ptr::eq(entry.deviation.entry(), &DEVIATIONS[i]));
            assert!(entry.standard.starts_with("Fetch, "), "{}", entry.id);
            assert!(!entry.engines.is_empty(), "{}", entry.id);
            assert!(!entry.engines_do.is_empty(), "{}", entry.id);
        }
        assert_eq!(Engine::Chromium.observed_on(), "Chromium 156");
        assert_eq!(Engine::Firefox.observed_on(), "Firefox ESR 153");
        assert_eq!(Engine::WebKit.observed_on(), "WebKitGTK 2.50");
    }

    #[test]
    fn every_engine_lets_a_wildcard_cover_authorization_without_credentials() {
        let headers = [("authorization", "Bearer t")];
        let answer = star_answer();
        for engine in Engine::ALL {
            let grant = engine
                .preflight_check(APP, false, "GET", &headers, 204, &answer)
                .unwrap_or_else(|e| panic!("{engine}: {e}"));
            assert_eq!(
                grant.departs,
                Some(Deviation::WildcardCoversAuthorization),
                "{engine}"
            );
        }
        // The standard itself still refuses.
        assert!(matches!(
            preflight_check(APP, false, "GET", &headers, 204, &answer),
            Err(PreflightFailure::HeaderNotAllowed { .. })
        ));
    }

    #[test]
    fn the_wildcard_deviation_leaves_every_other_check_standard() {
        let answer = star_answer();
        // With credentials `*` is a literal name in every engine.
        let credentialed = [
            ("access-control-allow-origin", APP),
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-headers", "*"),
        ];
        let headers = [("authorization", "Bearer t")];
        for engine in Engine::ALL {
            assert_eq!(
                engine
                    .preflight_check(APP, true, "GET", &headers, 204, &credentialed)
                    .unwrap_err(),
                PreflightFailure::HeaderNotAllowed {
                    name: "authorization".to_owned(),
                    wildcard_did_not_apply: true
                }
            );
            // A method `*` does not list is still refused after the wildcard lets
            // authorization go.
            assert!(matches!(
                engine.preflight_check(APP, false, "PUT", &headers, 204, &answer),
                Err(PreflightFailure::MethodNotAllowed { .. })
            ));
            // Without authorization, nothing departs.
            let plain = engine
                .preflight_check(APP, false, "GET", &[("x-a", "1")], 204, &answer)
                .unwrap();
            assert_eq!(plain.departs, None);
        }
    }

    fn hop<'a>(url: &'a Url, method: &'a str) -> Hop<'a> {
        Hop {
            page_origin: APP,
            url,
            tainted: false,
            method,
            redirects: 0,
        }
    }

    #[test]
    fn firefox_preflights_a_redirected_preflighted_request_from_the_page_origin() {
        let url = Url::parse("https://api.example.re/a").unwrap();
        let other = Some("https://other.example.net/b");
        for engine in Engine::ALL {
            let next = engine
                .follow_redirect(&hop(&url, "GET"), 307, other, true)
                .unwrap()
                .unwrap();
            // The request itself carries `null` in every engine.
            assert_eq!(next.redirect.origin, "null", "{engine}");
            let expected = (engine == Engine::Firefox).then_some(APP);
            assert_eq!(next.preflight_origin(), expected, "{engine}");
            assert_eq!(
                next.departs()
                    .contains(&Deviation::RedirectPreflightFromPageOrigin),
                engine == Engine::Firefox
            );
        }
        // Not when no preflight was sent before, nor for a redirect within the origin.
        let firefox = Engine::Firefox;
        let next = firefox
            .follow_redirect(&hop(&url, "GET"), 307, other, false)
            .unwrap()
            .unwrap();
        assert_eq!(next.preflight_origin(), None);
        let next = firefox
            .follow_redirect(&hop(&url, "GET"), 307, Some("/c"), true)
            .unwrap()
            .unwrap();
        assert_eq!(next.preflight_origin(), None);
    }

    #[test]
    fn webkit_keeps_content_type_and_authorization_across_a_redirect() {
        let url = Url::parse("https://api.example.re/a").unwrap();
        let other = Some("https://other.example.net/b");
        for engine in Engine::ALL {
            let after_303 = engine
                .follow_redirect(&hop(&url, "POST"), 303, other, true)
                .unwrap()
                .unwrap();
            let after_307 = engine
                .follow_redirect(&hop(&url, "GET"), 307, other, true)
                .unwrap()
                .unwrap();
            let webkit = engine == Engine::WebKit;
            assert_eq!(after_303.redirect.method, "GET");
            assert_eq!(after_303.keeps_header("content-type"), webkit, "{engine}");
            assert_eq!(after_303.keeps_against_standard("Content-Type"), webkit);
            assert_eq!(after_307.keeps_header("authorization"), webkit, "{engine}");
            assert!(after_307.keeps_header("x-trace"));
            assert!(!after_307.keeps_against_standard("x-trace"));
        }
        // A 307 within the origin removes nothing, so nothing departs.
        let same = Engine::WebKit
            .follow_redirect(&hop(&url, "PUT"), 307, Some("/c"), true)
            .unwrap()
            .unwrap();
        assert!(same.departs().is_empty());
    }

    #[test]
    fn engines_agree_when_all_or_none_read() {
        use Engine::*;
        assert_eq!(
            agreement(&[(Chromium, true), (Firefox, true), (WebKit, true)]),
            Agreement::AllRead
        );
        assert_eq!(
            agreement(&[(Chromium, false), (Firefox, false), (WebKit, false)]),
            Agreement::NoneRead
        );
        assert_eq!(
            agreement(&[(Chromium, false), (Firefox, true), (WebKit, false)]),
            Agreement::Split
        );
        assert_eq!(
            agreement(&[(Chromium, true), (Firefox, true), (WebKit, false)]),
            Agreement::Split
        );
        assert_eq!(agreement(&[]), Agreement::NoneRead);
    }
}
