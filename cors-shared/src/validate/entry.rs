//! One allowed-origin entry: the grammar it must follow, and the origin to suggest when it
//! does not (the form a browser would send for what the user probably meant).

use super::mistakes;
use crate::error::ErrorKind;
use crate::origin::{self, HostKind};

/// An allowed origin that passed the grammar.
pub(crate) struct AllowedOrigin<'a> {
    pub(crate) scheme: &'a str,
    /// The host, or for a subdomain pattern the part after `*.`.
    pub(crate) host: &'a str,
    pub(crate) kind: HostKind,
    pub(crate) subdomains: bool,
}

/// Checks an allowed-origin entry (not `*`, not `null`), returning the first rule it breaks.
pub(crate) fn check_origin(s: &str) -> Result<AllowedOrigin<'_>, ErrorKind> {
    use ErrorKind::*;
    if s.is_empty() {
        return Err(OriginEmpty);
    }
    if let Some(mistake) = mistakes::list_mistake(s) {
        return Err(mistake);
    }
    if s.chars().any(char::is_whitespace) {
        return Err(OriginWhitespace);
    }
    let Some(sep) = s.find("://") else {
        return Err(OriginMissingScheme);
    };
    let (scheme, rest) = (&s[..sep], &s[sep + 3..]);
    if scheme.contains('*') {
        return Err(OriginMisplacedWildcard);
    }
    if !origin::is_scheme(scheme.to_ascii_lowercase().as_bytes()) {
        return Err(OriginInvalidScheme);
    }
    if mistakes::misspelt_scheme(&scheme.to_ascii_lowercase()).is_some() {
        return Err(OriginMisspeltScheme);
    }
    if let Some(at) = rest.find(['/', '?', '#']) {
        return Err(match rest.as_bytes().get(at) {
            Some(b'?') => OriginQuery,
            Some(b'#') => OriginFragment,
            _ => OriginPath,
        });
    }
    if rest.contains('@') {
        return Err(OriginUserinfo);
    }
    if !s.is_ascii() {
        return Err(OriginNonAscii);
    }
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(OriginUpperCase);
    }
    let (host, port) = split_host_port(rest)?;
    if let Some(port) = port.filter(|p| *p != "*") {
        if port.contains('*') {
            return Err(OriginMisplacedWildcard);
        }
        match origin::port_value(port.as_bytes()) {
            None => return Err(OriginInvalidPort),
            Some(p) if origin::default_port(scheme.as_bytes()) == Some(p) => {
                return Err(OriginDefaultPort)
            }
            Some(_) => {}
        }
    }
    if let Some(v6) = host.strip_prefix('[') {
        let inner = v6.strip_suffix(']').ok_or(OriginInvalidHost)?;
        if !origin::is_canonical_ipv6(inner.as_bytes()) {
            return Err(if origin::parse_ipv6(inner.as_bytes()).is_some() {
                OriginNonCanonicalIp
            } else {
                OriginInvalidHost
            });
        }
        return Ok(AllowedOrigin {
            scheme,
            host,
            kind: HostKind::Ipv6,
            subdomains: false,
        });
    }
    let (subdomains, name) = match host.strip_prefix("*.") {
        Some(name) => (true, name),
        None => (false, host),
    };
    if name.contains('*') {
        return Err(OriginMisplacedWildcard);
    }
    if let Some(stripped) = name.strip_suffix('.') {
        if !stripped.is_empty() && !stripped.split('.').any(str::is_empty) {
            return Err(OriginTrailingDot);
        }
    }
    if name.is_empty() || name.split('.').any(str::is_empty) {
        return Err(OriginEmptyLabel);
    }
    match origin::host_kind(name.as_bytes()) {
        Some(HostKind::Domain) => Ok(AllowedOrigin {
            scheme,
            host: name,
            kind: HostKind::Domain,
            subdomains,
        }),
        Some(kind) if !subdomains => Ok(AllowedOrigin {
            scheme,
            host: name,
            kind,
            subdomains,
        }),
        // `*.` in front of an IP address.
        Some(_) => Err(OriginMisplacedWildcard),
        None if url_ipv4(name).is_some()
            || name.bytes().all(|b| b.is_ascii_digit() || b == b'.') =>
        {
            Err(OriginNonCanonicalIp)
        }
        None => Err(OriginInvalidHost),
    }
}

/// Splits `host[:port]`, keeping brackets on an IPv6 host.
fn split_host_port(rest: &str) -> Result<(&str, Option<&str>), ErrorKind> {
    if rest.starts_with('[') {
        let close = rest.find(']').ok_or(ErrorKind::OriginInvalidHost)?;
        let (host, after) = rest.split_at(close + 1);
        return match after.strip_prefix(':') {
            Some(port) => Ok((host, Some(port))),
            None if after.is_empty() => Ok((host, None)),
            None => Err(ErrorKind::OriginInvalidHost),
        };
    }
    Ok(match rest.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    })
}

/// The scheme (lower case, `https` when missing) and the `host[:port]` part of an entry.
fn scheme_and_host_port(s: &str) -> Option<(String, &str)> {
    let t = s.trim();
    let (scheme, rest) = match t.find("://") {
        Some(i) => (t.get(..i)?.to_ascii_lowercase(), t.get(i + 3..)?),
        None => ("https".to_owned(), t.trim_start_matches('/')),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    Some((scheme, authority.rsplit('@').next().unwrap_or(authority)))
}

/// The host as the WHATWG URL parser writes it (UTS #46 processing, as browsers do: NFC, case
/// and width folding, `。` read as a dot, `xn--` labels; then an IPv4 address if it ends in a
/// number), or `None` when the parser refuses it.
fn url_host(host: &str) -> Option<String> {
    let domain = idna::domain_to_ascii_cow(host.as_bytes(), idna::AsciiDenyList::URL).ok()?;
    let name = domain.strip_suffix('.').unwrap_or(&domain);
    let last = name.rsplit('.').next().unwrap_or(name);
    let hex = last.strip_prefix("0x").or_else(|| last.strip_prefix("0X"));
    let ends_in_number = (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()))
        || hex.is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
    if domain.is_empty() {
        None
    } else if ends_in_number {
        url_ipv4(name)
    } else {
        Some(domain.into_owned())
    }
}

/// Whether a non-ASCII entry's host is one the URL parser refuses, so that no page can have
/// this origin and there is nothing to suggest.
pub(crate) fn host_refused(s: &str) -> bool {
    let Some((host, _)) = scheme_and_host_port(s).and_then(|(_, hp)| split_host_port(hp).ok())
    else {
        return false;
    };
    !host.is_ascii() && !host.starts_with('[') && url_host(host).is_none()
}

/// The form a browser would send for what the user probably meant, when one exists.
pub(crate) fn suggest_origin(s: &str) -> Option<String> {
    if let Some(meant) = mistakes::corrected(s) {
        return match check_origin(&meant) {
            Ok(_) => Some(meant),
            Err(_) => suggest_origin(&meant),
        };
    }
    let (scheme, hostport) = scheme_and_host_port(s)?;
    let (host, port) = split_host_port(hostport).ok()?;
    let host = if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        let groups = origin::parse_ipv6(inner.to_ascii_lowercase().as_bytes())?;
        let mut buf = [0u8; 39];
        let len = origin::write_ipv6(&groups, &mut buf);
        format!("[{}]", std::str::from_utf8(buf.get(..len)?).ok()?)
    } else {
        // A leading `*.` passes through: the URL parser keeps `*` in a domain.
        let host = url_host(host)?;
        match host.strip_suffix('.') {
            Some(name) => name.to_owned(),
            None => host,
        }
    };
    finish_suggestion(s, &scheme, &host, port)
}

/// The IPv4 address the URL Standard reads in `host` (parts in decimal, octal with a leading
/// `0`, or hex with `0x`; the last part fills the remaining bytes), when the host is one.
fn url_ipv4(host: &str) -> Option<String> {
    let parts: Vec<&str> = host.split('.').collect();
    let last = parts.last()?;
    if parts.len() > 4 || !last.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let mut numbers = Vec::with_capacity(parts.len());
    for part in &parts {
        if part.is_empty() {
            return None;
        }
        let (digits, radix) = match part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
            Some(hex) => (hex, 16),
            None if part.len() > 1 && part.starts_with('0') => (&part[1..], 8),
            None => (*part, 10),
        };
        numbers.push(if digits.is_empty() {
            0
        } else {
            u64::from_str_radix(digits, radix).ok()?
        });
    }
    let (last, init) = numbers.split_last()?;
    if init.iter().any(|&n| n > 255) || *last >= 256u64.pow(5 - u32::try_from(numbers.len()).ok()?)
    {
        return None;
    }
    let mut value = *last;
    for (i, n) in init.iter().enumerate() {
        value += n << (8 * (3 - i));
    }
    let b = u32::try_from(value).ok()?.to_be_bytes();
    Some(format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3]))
}

fn finish_suggestion(s: &str, scheme: &str, host: &str, port: Option<&str>) -> Option<String> {
    let port = match port {
        None | Some("*") => port.map(str::to_owned),
        Some(p) => {
            let value: u32 = p.parse().ok()?;
            let value = u16::try_from(value).ok().filter(|&v| v != 0)?;
            (origin::default_port(scheme.as_bytes()) != Some(value)).then(|| value.to_string())
        }
    };
    let candidate = match port {
        Some(p) => format!("{scheme}://{host}:{p}"),
        None => format!("{scheme}://{host}"),
    };
    (candidate != s && check_origin(&candidate).is_ok()).then_some(candidate)
}
