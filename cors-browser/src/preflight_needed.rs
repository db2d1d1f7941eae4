//! Whether a request needs a CORS-preflight request first (Fetch, "main fetch" step 12's
//! preflight condition, with "CORS-unsafe request-header names").

use std::fmt;

use crate::safelist::{
    is_cors_safelisted_method, is_forbidden_request_header, safelist_verdict, HeaderVerdict,
    MAX_SAFELISTED_TOTAL,
};

/// One request header that makes a preflight necessary, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnsafeHeader {
    /// Not a CORS-safelisted request-header by itself ("CORS-unsafe request-header names",
    /// step 3).
    Unsafe {
        /// The header's name, lower case.
        name: String,
        /// Which rule refuses it.
        verdict: HeaderVerdict,
    },
    /// Safelisted by itself, but the safelisted values of the request add up to more than
    /// [`MAX_SAFELISTED_TOTAL`] bytes ("CORS-unsafe request-header names", step 4).
    OverTotal {
        /// The header's name, lower case.
        name: String,
        /// The total length of all safelisted values, in bytes.
        total: usize,
    },
}

impl UnsafeHeader {
    /// The header's name, lower case.
    pub fn name(&self) -> &str {
        match self {
            UnsafeHeader::Unsafe { name, .. } | UnsafeHeader::OverTotal { name, .. } => name,
        }
    }
}

impl fmt::Display for UnsafeHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnsafeHeader::Unsafe { name, verdict } => write!(f, "`{name}` {verdict}"),
            UnsafeHeader::OverTotal { name, total } => write!(
                f,
                "`{name}` is safelisted, but the safelisted headers' values add up to {total} \
                 bytes, more than the {MAX_SAFELISTED_TOTAL} allowed"
            ),
        }
    }
}

/// Why a request needs a preflight: its method, its headers, or both.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreflightNeed {
    /// The method, when it is not a CORS-safelisted method.
    pub method: Option<String>,
    /// The headers that are CORS-unsafe, in request order, without duplicates.
    pub headers: Vec<UnsafeHeader>,
}

impl PreflightNeed {
    /// The sorted, lower-case, duplicate-free names the preflight announces in
    /// `Access-Control-Request-Headers` ("CORS-preflight fetch", steps 4 and 5).
    pub fn header_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.headers.iter().map(|h| h.name().to_owned()).collect();
        names.sort();
        names.dedup();
        names
    }
}

impl fmt::Display for PreflightNeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(method) = &self.method {
            parts.push(format!(
                "the method {method} is not one of GET, HEAD and POST"
            ));
        }
        parts.extend(self.headers.iter().map(ToString::to_string));
        f.write_str(&parts.join("; "))
    }
}

fn unsafe_headers<N: AsRef<str>, V: AsRef<str>>(headers: &[(N, V)]) -> Vec<UnsafeHeader> {
    // Step 1 and 2: the two lists and the running total of safelisted values.
    let mut unsafe_names: Vec<UnsafeHeader> = Vec::new();
    let mut potentially_unsafe: Vec<String> = Vec::new();
    let mut total: usize = 0;
    // Step 3: sort each header into one list.
    for (name, value) in headers {
        let (name, value) = (name.as_ref(), value.as_ref());
        // A page cannot set a forbidden request-header: `fetch()` drops it before this
        // algorithm ever sees the header list.
        if is_forbidden_request_header(name, value) {
            continue;
        }
        let lower = name.to_ascii_lowercase();
        match safelist_verdict(name, value) {
            HeaderVerdict::Safelisted => {
                total = total.saturating_add(value.len());
                potentially_unsafe.push(lower);
            }
            verdict => {
                if !unsafe_names.iter().any(|u| u.name() == lower) {
                    unsafe_names.push(UnsafeHeader::Unsafe {
                        name: lower,
                        verdict,
                    });
                }
            }
        }
    }
    // Step 4: beyond 1024 bytes of safelisted values, every one of them is unsafe too.
    if total > MAX_SAFELISTED_TOTAL {
        for name in potentially_unsafe {
            if !unsafe_names.iter().any(|u| u.name() == name) {
                unsafe_names.push(UnsafeHeader::OverTotal { name, total });
            }
        }
    }
    unsafe_names
}

/// Fetch, "CORS-unsafe request-header names": the names of the headers that make a
/// preflight necessary, byte-lowercased, sorted and without duplicates (step 5, "convert
/// header names to a sorted-lowercase set"). Forbidden request-headers are left out: a page
/// cannot set them.
///
/// ```
/// use cors_browser::cors_unsafe_request_header_names;
/// let names = cors_unsafe_request_header_names(&[
///     ("X-Custom", "1"),
///     ("Content-Type", "application/json"),
///     ("Accept", "*/*"),
/// ]);
/// assert_eq!(names, ["content-type", "x-custom"]);
/// ```
pub fn cors_unsafe_request_header_names<N: AsRef<str>, V: AsRef<str>>(
    headers: &[(N, V)],
) -> Vec<String> {
    let mut names: Vec<String> = unsafe_headers(headers)
        .iter()
        .map(|h| h.name().to_owned())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Whether `fetch()` in `cors` mode with this method and these author headers sends a
/// CORS-preflight request first, and why; `None` when it does not.
///
/// Fetch, "main fetch", step 12 (the `cors` branch): a preflight is made when the method is
/// not a CORS-safelisted method, or when "CORS-unsafe request-header names" of the header
/// list is not empty. `method` should be what the browser sends, i.e. after
/// [`normalize_method`](crate::normalize_method).
///
/// ```
/// use cors_browser::preflight_needed;
/// assert_eq!(preflight_needed("GET", &[("accept", "application/json")]), None);
/// let need = preflight_needed("PUT", &[("x-custom", "1")]).unwrap();
/// assert_eq!(need.method.as_deref(), Some("PUT"));
/// assert_eq!(need.header_names(), ["x-custom"]);
/// // 9 safelisted headers of 120 bytes each: more than 1024 bytes in total.
/// let long = "a".repeat(120);
/// let many: Vec<(&str, &str)> = (0..9).map(|_| ("accept", long.as_str())).collect();
/// assert!(preflight_needed("GET", &many).is_some());
/// ```
pub fn preflight_needed<N: AsRef<str>, V: AsRef<str>>(
    method: &str,
    headers: &[(N, V)],
) -> Option<PreflightNeed> {
    let method = (!is_cors_safelisted_method(method)).then(|| method.to_owned());
    let headers = unsafe_headers(headers);
    if method.is_none() && headers.is_empty() {
        None
    } else {
        Some(PreflightNeed { method, headers })
    }
}
