//! Which methods and request headers a page may send without a preflight, and which it may
//! not send at all (Fetch, "Methods" and "Headers": CORS-safelisted method, forbidden method,
//! CORS-safelisted request-header, forbidden request-header).

use cors_shared::fetch;

use std::fmt;

/// A CORS-safelisted request-header's value may be at most this many bytes long (Fetch,
/// "CORS-safelisted request-header", step 1).
pub const MAX_SAFELISTED_VALUE: usize = 128;

/// The values of all CORS-safelisted request-headers of one request may add up to at most
/// this many bytes; beyond it they all count as unsafe (Fetch, "CORS-unsafe request-header
/// names", step 4).
pub const MAX_SAFELISTED_TOTAL: usize = 1024;

/// Fetch, "forbidden request-header", step 2: headers that smuggle a method past the request
/// line. A page may set them, unless one of their comma-separated values is a forbidden method.
pub const METHOD_OVERRIDE_HEADERS: [&str; 3] = [
    "x-http-method",
    "x-http-method-override",
    "x-method-override",
];

/// Fetch, "CORS-safelisted method": `GET`, `HEAD` or `POST`, byte for byte (after
/// [`normalize_method`], `get` has become `GET`).
///
/// ```
/// use cors_browser::is_cors_safelisted_method;
/// assert!(is_cors_safelisted_method("POST"));
/// assert!(!is_cors_safelisted_method("PUT"));
/// assert!(!is_cors_safelisted_method("post")); // a raw, unnormalized method
/// ```
pub fn is_cors_safelisted_method(method: &str) -> bool {
    fetch::is_cors_safelisted_method(method)
}

/// Fetch, "normalize" a method: `DELETE`, `GET`, `HEAD`, `OPTIONS`, `POST` and `PUT` are
/// upper-cased when they match ASCII case-insensitively; every other method (`patch`
/// included) is sent exactly as the page wrote it.
///
/// ```
/// use cors_browser::normalize_method;
/// assert_eq!(normalize_method("delete"), "DELETE");
/// assert_eq!(normalize_method("patch"), "patch");
/// ```
pub fn normalize_method(method: &str) -> String {
    fetch::normalized_method(method)
        .unwrap_or(method)
        .to_owned()
}

/// Fetch, "forbidden method": `CONNECT`, `TRACE` and `TRACK`, ASCII case-insensitively.
/// `fetch()` throws a `TypeError` for them: the request is never sent.
///
/// ```
/// assert!(cors_browser::is_forbidden_method("trace"));
/// ```
pub fn is_forbidden_method(method: &str) -> bool {
    fetch::is_forbidden_method(method)
}

/// Fetch, "forbidden request-header": headers a page can never set; the browser silently
/// drops them from `fetch()` (it sets some of them itself, such as `Origin` and `Cookie`).
///
/// ```
/// use cors_browser::is_forbidden_request_header;
/// assert!(is_forbidden_request_header("Cookie", "a=1"));
/// assert!(is_forbidden_request_header("sec-fetch-mode", "cors"));
/// assert!(is_forbidden_request_header("x-http-method-override", "TRACE"));
/// assert!(!is_forbidden_request_header("x-http-method-override", "PATCH"));
/// assert!(!is_forbidden_request_header("authorization", "Bearer x"));
/// ```
pub fn is_forbidden_request_header(name: &str, value: &str) -> bool {
    if fetch::is_forbidden_request_header_name(name) {
        return true;
    }
    // Step 2 of "forbidden request-header": the method-override headers are forbidden when
    // one of their comma-separated values is a forbidden method.
    METHOD_OVERRIDE_HEADERS
        .iter()
        .any(|h| h.eq_ignore_ascii_case(name))
        && value.split(',').any(|m| is_forbidden_method(m.trim()))
}

/// Why a single request header is, or is not, a CORS-safelisted request-header (Fetch,
/// "CORS-safelisted request-header").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderVerdict {
    /// Safelisted: it does not by itself cause a preflight.
    Safelisted,
    /// Step 1: the value is longer than [`MAX_SAFELISTED_VALUE`] bytes.
    ValueTooLong {
        /// The value's length in bytes.
        len: usize,
    },
    /// Step 2: the name is none of `accept`, `accept-language`, `content-language`,
    /// `content-type` and `range`.
    NameNotSafelisted,
    /// Step 2: the value holds a byte that the header's rule refuses (a CORS-unsafe
    /// request-header byte for `accept` and `content-type`; anything but letters, digits,
    /// space and `*,-.;=` for the language headers).
    UnsafeByte {
        /// The first refused byte.
        byte: u8,
    },
    /// Step 2, `content-type`: the value does not parse as a MIME type.
    ContentTypeUnparsable,
    /// Step 2, `content-type`: the MIME type's essence is not
    /// `application/x-www-form-urlencoded`, `multipart/form-data` or `text/plain`.
    ContentTypeNotSafelisted {
        /// The essence (`type/subtype`, lower case).
        essence: String,
    },
    /// Step 2, `range`: not a single `bytes=START-` or `bytes=START-END` range.
    RangeNotSimple,
}

impl HeaderVerdict {
    /// Whether the header is CORS-safelisted.
    pub fn is_safelisted(&self) -> bool {
        matches!(self, HeaderVerdict::Safelisted)
    }
}

impl fmt::Display for HeaderVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderVerdict::Safelisted => f.write_str("is CORS-safelisted"),
            HeaderVerdict::ValueTooLong { len } => write!(
                f,
                "has a {len}-byte value, longer than the {MAX_SAFELISTED_VALUE} bytes a \
                 safelisted header may have"
            ),
            HeaderVerdict::NameNotSafelisted => f.write_str(
                "is not one of the safelisted request headers (accept, accept-language, \
                 content-language, content-type, range)",
            ),
            HeaderVerdict::UnsafeByte { byte } => {
                write!(
                    f,
                    "has the byte 0x{byte:02x} in its value, which safelisted values may not hold"
                )
            }
            HeaderVerdict::ContentTypeUnparsable => f.write_str("is not a parsable MIME type"),
            HeaderVerdict::ContentTypeNotSafelisted { essence } => write!(
                f,
                "is `{essence}`; only application/x-www-form-urlencoded, multipart/form-data \
                 and text/plain go without a preflight"
            ),
            HeaderVerdict::RangeNotSimple => {
                f.write_str("is not a single `bytes=START-` or `bytes=START-END` range")
            }
        }
    }
}

/// Fetch, "CORS-unsafe request-header byte": a byte below 0x20 other than tab, or one of
/// `"():<>?@[\]{}` and DEL.
fn is_unsafe_byte(b: u8) -> bool {
    (b < 0x20 && b != 0x09)
        || matches!(
            b,
            b'"' | b'('
                | b')'
                | b':'
                | b'<'
                | b'>'
                | b'?'
                | b'@'
                | b'['
                | b'\\'
                | b']'
                | b'{'
                | b'}'
                | 0x7f
        )
}

/// Whether one header, as a page would set it, is a CORS-safelisted request-header, and if
/// not, which step of Fetch's "CORS-safelisted request-header" says so.
///
/// ```
/// use cors_browser::{safelist_verdict, HeaderVerdict};
/// assert!(safelist_verdict("Content-Type", "text/plain; charset=utf-8").is_safelisted());
/// assert_eq!(
///     safelist_verdict("content-type", "application/json"),
///     HeaderVerdict::ContentTypeNotSafelisted { essence: "application/json".into() }
/// );
/// assert_eq!(safelist_verdict("accept", &"a".repeat(129)), HeaderVerdict::ValueTooLong { len: 129 });
/// assert_eq!(safelist_verdict("x-custom", "1"), HeaderVerdict::NameNotSafelisted);
/// ```
pub fn safelist_verdict(name: &str, value: &str) -> HeaderVerdict {
    // Step 1: the value's length.
    if value.len() > MAX_SAFELISTED_VALUE {
        return HeaderVerdict::ValueTooLong { len: value.len() };
    }
    // Step 2: byte-lowercase the name and switch on it.
    let first_unsafe = || value.bytes().find(|&b| is_unsafe_byte(b));
    match name.to_ascii_lowercase().as_str() {
        "accept" => match first_unsafe() {
            Some(byte) => HeaderVerdict::UnsafeByte { byte },
            None => HeaderVerdict::Safelisted,
        },
        "accept-language" | "content-language" => {
            let refused = value.bytes().find(|&b| {
                !(b.is_ascii_alphanumeric()
                    || matches!(b, b' ' | b'*' | b',' | b'-' | b'.' | b';' | b'='))
            });
            match refused {
                Some(byte) => HeaderVerdict::UnsafeByte { byte },
                None => HeaderVerdict::Safelisted,
            }
        }
        "content-type" => {
            if let Some(byte) = first_unsafe() {
                return HeaderVerdict::UnsafeByte { byte };
            }
            match mime_essence(value) {
                None => HeaderVerdict::ContentTypeUnparsable,
                Some(essence)
                    if matches!(
                        essence.as_str(),
                        "application/x-www-form-urlencoded" | "multipart/form-data" | "text/plain"
                    ) =>
                {
                    HeaderVerdict::Safelisted
                }
                Some(essence) => HeaderVerdict::ContentTypeNotSafelisted { essence },
            }
        }
        "range" => {
            if is_simple_range(value) {
                HeaderVerdict::Safelisted
            } else {
                HeaderVerdict::RangeNotSimple
            }
        }
        _ => HeaderVerdict::NameNotSafelisted,
    }
}

/// MIME Sniffing, "parse a MIME type", as far as the essence: `type/subtype`, both tokens,
/// lower-cased, with HTTP whitespace around the whole value removed.
fn mime_essence(value: &str) -> Option<String> {
    let value = value.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
    let (kind, rest) = value.split_once('/')?;
    let subtype = rest
        .split(';')
        .next()
        .unwrap_or_default()
        .trim_end_matches([' ', '\t', '\r', '\n']);
    if !fetch::is_token(kind) || !fetch::is_token(subtype) {
        return None;
    }
    Some(format!("{kind}/{subtype}").to_ascii_lowercase())
}

/// Fetch, "parse a single range header value" with `allowWhitespace` false, and step 2.3 of
/// "CORS-safelisted request-header": `bytes=START-` or `bytes=START-END` with START <= END.
fn is_simple_range(value: &str) -> bool {
    let Some(spec) = value.strip_prefix("bytes=") else {
        return false;
    };
    let Some((start, end)) = spec.split_once('-') else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(start) || !(end.is_empty() || digits(end)) {
        return false;
    }
    if end.is_empty() {
        return true;
    }
    match (start.parse::<u128>(), end.parse::<u128>()) {
        (Ok(s), Ok(e)) => s <= e,
        // Longer than any u128: compare as decimal strings without leading zeros.
        _ => {
            let (s, e) = (start.trim_start_matches('0'), end.trim_start_matches('0'));
            s.len() < e.len() || (s.len() == e.len() && s <= e)
        }
    }
}
