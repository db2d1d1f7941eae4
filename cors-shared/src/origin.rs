//! The serialized-origin grammar, used on the request path.
//!
//! An incoming `Origin` is accepted only when it is exactly what a browser serializes
//! (`scheme "://" host [ ":" port ]`): lower-case scheme, lower-case LDH labels or a canonical
//! IP address, and a port that is present only when it is not the scheme's default. Nothing is
//! normalised: a value that differs in any byte from the canonical form is refused, because a
//! browser never sends it and a comparison after normalisation is how allowlists get bypassed.

/// Longest scheme accepted (browsers' schemes are far shorter; the bound keeps work constant).
pub(crate) const MAX_SCHEME_LEN: usize = 32;
/// Longest host name in bytes (DNS limit, without a trailing dot).
pub(crate) const MAX_HOST_LEN: usize = 253;
/// Longest DNS label in bytes.
pub(crate) const MAX_LABEL_LEN: usize = 63;
/// Longest serialized origin accepted: scheme, `://`, a bracketed IPv6 or a host, `:65535`.
pub(crate) const MAX_ORIGIN_LEN: usize = MAX_SCHEME_LEN + 3 + MAX_HOST_LEN + 6;

/// What kind of host an origin names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HostKind {
    /// A DNS name made of LDH labels.
    Domain,
    /// A dotted-decimal IPv4 address.
    Ipv4,
    /// A bracketed IPv6 address (the brackets are part of `host`).
    Ipv6,
}

/// The parts of a well-formed serialized origin, borrowed from the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OriginParts<'a> {
    pub(crate) scheme: &'a [u8],
    pub(crate) host: &'a [u8],
    pub(crate) kind: HostKind,
    /// The port digits, when the origin has an explicit port.
    pub(crate) port: Option<&'a [u8]>,
}

/// Parses a serialized origin (not `null`), or returns `None` when any byte is off.
///
/// Work is bounded by [`MAX_ORIGIN_LEN`] whatever the input length.
pub(crate) fn parse(input: &[u8]) -> Option<OriginParts<'_>> {
    if input.len() > MAX_ORIGIN_LEN {
        return None;
    }
    // The scheme runs up to its first byte that no scheme holds, which must begin `://`: the
    // same as finding the first `://` and checking all before it, in one pass over the scheme.
    // That pass has checked every byte and the length, so only the first letter is left.
    let sep = input
        .iter()
        .take(MAX_SCHEME_LEN + 1)
        .position(|&b| !is_scheme_byte(b))?;
    let (scheme, rest) = (input.get(..sep)?, input.get(sep..)?.strip_prefix(b"://")?);
    if !scheme.first().is_some_and(u8::is_ascii_lowercase) {
        return None;
    }
    let (host, kind, after_host) = if rest.first() == Some(&b'[') {
        let close = rest.iter().position(|&b| b == b']')?;
        let host = rest.get(..=close)?;
        if !is_canonical_ipv6(rest.get(1..close)?) {
            return None;
        }
        (host, HostKind::Ipv6, rest.get(close + 1..)?)
    } else {
        let end = rest.iter().position(|&b| b == b':').unwrap_or(rest.len());
        let host = rest.get(..end)?;
        let kind = host_kind(host)?;
        (host, kind, rest.get(end..)?)
    };
    let port = match after_host {
        [] => None,
        [b':', digits @ ..] => {
            let value = port_value(digits)?;
            if default_port(scheme) == Some(value) {
                return None;
            }
            Some(digits)
        }
        _ => return None,
    };
    Some(OriginParts {
        scheme,
        host,
        kind,
        port,
    })
}

/// Lower-case scheme: a letter, then letters, digits, `+`, `-` or `.`.
pub(crate) fn is_scheme(s: &[u8]) -> bool {
    match s.split_first() {
        Some((first, rest)) => {
            s.len() <= MAX_SCHEME_LEN
                && first.is_ascii_lowercase()
                && rest.iter().all(|&b| is_scheme_byte(b))
        }
        None => false,
    }
}

/// A byte a scheme may hold after its first letter: one lookup in [`SCHEME_BYTE`], since the
/// request path reads every byte of a scheme with it.
fn is_scheme_byte(b: u8) -> bool {
    SCHEME_BYTE.get(usize::from(b)).copied().unwrap_or(false)
}

/// Which bytes a scheme may hold after its first letter, built at compile time (an index out of
/// bounds here would fail the build, not a request).
#[allow(clippy::indexing_slicing)]
const SCHEME_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0usize;
    while b < 256 {
        let byte = b as u8;
        table[b] = byte.is_ascii_lowercase()
            || byte.is_ascii_digit()
            || matches!(byte, b'+' | b'-' | b'.');
        b += 1;
    }
    table
};

/// The default port of the special schemes of the URL Standard, which browsers omit.
pub(crate) fn default_port(scheme: &[u8]) -> Option<u16> {
    match scheme {
        b"http" | b"ws" => Some(80),
        b"https" | b"wss" => Some(443),
        b"ftp" => Some(21),
        _ => None,
    }
}

/// A port as browsers serialize it: 1-65535, decimal, no leading zero.
pub(crate) fn port_value(digits: &[u8]) -> Option<u16> {
    if digits.is_empty() || digits.len() > 5 || digits.first() == Some(&b'0') {
        return None;
    }
    let mut value: u32 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u32::from(d - b'0');
    }
    u16::try_from(value).ok().filter(|&v| v != 0)
}

/// Classifies a host that is not bracketed: an LDH domain or a canonical IPv4 address.
pub(crate) fn host_kind(host: &[u8]) -> Option<HostKind> {
    if host.is_empty() || host.len() > MAX_HOST_LEN {
        return None;
    }
    // The URL Standard parses a host whose last label is numeric as IPv4. The one pass over
    // the labels comes first, and finds the last label: a canonical IPv4 address passes it too
    // (digits, dots, labels of one to three bytes), so a host that fails it is neither.
    let last = ldh_last_label(host)?;
    let numeric_last = last.first().is_some_and(u8::is_ascii_digit)
        && (last.iter().all(u8::is_ascii_digit) || last.starts_with(b"0x"));
    if numeric_last {
        return is_canonical_ipv4(host).then_some(HostKind::Ipv4);
    }
    Some(HostKind::Domain)
}

/// The last label of `host` when every dot-separated label is a lower-case LDH label (1-63
/// letters, digits and inner hyphens), read in one pass: each byte is classed by one table
/// lookup, and each label's length and ends are checked at the dot that closes it.
fn ldh_last_label(host: &[u8]) -> Option<&[u8]> {
    let mut start = 0usize;
    for (i, &b) in host.iter().enumerate() {
        match LDH_CLASS.get(usize::from(b)) {
            Some(&LDH) => {}
            Some(&DOT) => {
                if !is_label(host.get(start..i).unwrap_or_default()) {
                    return None;
                }
                start = i + 1;
            }
            _ => return None,
        }
    }
    host.get(start..).filter(|last| is_label(last))
}

/// The length and ends of one label whose bytes are letters, digits and hyphens.
fn is_label(label: &[u8]) -> bool {
    (1..=MAX_LABEL_LEN).contains(&label.len())
        && label.first() != Some(&b'-')
        && label.last() != Some(&b'-')
}

/// Classes of [`LDH_CLASS`]: a byte of no label, a lower-case letter, digit or hyphen, a dot.
const OTHER: u8 = 0;
const LDH: u8 = 1;
const DOT: u8 = 2;

/// The class of every byte in a host name, built at compile time (an index out of bounds here
/// would fail the build, not a request).
#[allow(clippy::indexing_slicing)]
const LDH_CLASS: [u8; 256] = {
    let mut table = [OTHER; 256];
    let mut b = 0usize;
    while b < 256 {
        let byte = b as u8;
        if byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-' {
            table[b] = LDH;
        } else if byte == b'.' {
            table[b] = DOT;
        }
        b += 1;
    }
    table
};

/// Four decimal parts 0-255 without leading zeros.
pub(crate) fn is_canonical_ipv4(host: &[u8]) -> bool {
    let mut parts = 0;
    for part in host.split(|&b| b == b'.') {
        parts += 1;
        if parts > 4 || part.is_empty() || part.len() > 3 || !part.iter().all(u8::is_ascii_digit) {
            return false;
        }
        if part.len() > 1 && part.first() == Some(&b'0') {
            return false;
        }
        let value = part
            .iter()
            .fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0'));
        if value > 255 {
            return false;
        }
    }
    parts == 4
}

/// Parses the text between the brackets of an IPv6 host into its eight groups.
pub(crate) fn parse_ipv6(text: &[u8]) -> Option<[u16; 8]> {
    if text.len() < 2 || text.len() > 45 {
        return None;
    }
    let mut groups = [0u16; 8];
    let (head, tail) = match find(text, b"::") {
        Some(at) => (text.get(..at)?, Some(text.get(at + 2..)?)),
        None => (text, None),
    };
    let parse_side = |side: &[u8], out: &mut [u16; 8], from: usize| -> Option<usize> {
        if side.is_empty() {
            return Some(0);
        }
        let mut n = 0;
        for group in side.split(|&b| b == b':') {
            if group.is_empty() || group.len() > 4 {
                return None;
            }
            let mut value: u16 = 0;
            for &h in group {
                let digit = char::from(h).to_digit(16)?;
                value = (value << 4) | u16::try_from(digit).ok()?;
            }
            *out.get_mut(from + n)? = value;
            n += 1;
        }
        Some(n)
    };
    let head_n = parse_side(head, &mut groups, 0)?;
    match tail {
        None => (head_n == 8).then_some(groups),
        Some(tail) => {
            let mut tail_groups = [0u16; 8];
            let tail_n = parse_side(tail, &mut tail_groups, 0)?;
            if head_n + tail_n > 7 {
                return None;
            }
            for i in 0..tail_n {
                *groups.get_mut(8 - tail_n + i)? = *tail_groups.get(i)?;
            }
            Some(groups)
        }
    }
}

/// Writes the RFC 5952 form of an address (what browsers serialize) into `buf`.
/// Returns the number of bytes written.
pub(crate) fn write_ipv6(groups: &[u16; 8], buf: &mut [u8; 39]) -> usize {
    // Longest run of two or more zero groups, the first one on a tie, is written as `::`.
    let (mut best_at, mut best_len, mut run_at, mut run_len) = (8usize, 1usize, 0usize, 0usize);
    for (i, &g) in groups.iter().enumerate() {
        if g == 0 {
            if run_len == 0 {
                run_at = i;
            }
            run_len += 1;
            if run_len > best_len {
                best_at = run_at;
                best_len = run_len;
            }
        } else {
            run_len = 0;
        }
    }
    let mut len = 0;
    let mut push = |b: u8, len: &mut usize| {
        if let Some(slot) = buf.get_mut(*len) {
            *slot = b;
            *len += 1;
        }
    };
    let mut i = 0;
    while i < 8 {
        if i == best_at {
            push(b':', &mut len);
            push(b':', &mut len);
            i += best_len;
            continue;
        }
        if i != 0 && i != best_at + best_len {
            push(b':', &mut len);
        }
        let g = groups.get(i).copied().unwrap_or(0);
        let mut started = false;
        for shift in [12u16, 8, 4, 0] {
            let nibble = (g >> shift) & 0xf;
            if nibble != 0 || started || shift == 0 {
                started = true;
                push(
                    b"0123456789abcdef"
                        .get(usize::from(nibble))
                        .copied()
                        .unwrap_or(b'0'),
                    &mut len,
                );
            }
        }
        i += 1;
    }
    len
}

/// True when `text` (between the brackets) is an IPv6 address in canonical form.
pub(crate) fn is_canonical_ipv6(text: &[u8]) -> bool {
    let Some(groups) = parse_ipv6(text) else {
        return false;
    };
    let mut buf = [0u8; 39];
    let len = write_ipv6(&groups, &mut buf);
    buf.get(..len) == Some(text)
}

/// True when the host is a loopback address or `localhost` (or a name below it).
pub(crate) fn is_loopback(host: &[u8], kind: HostKind) -> bool {
    match kind {
        HostKind::Domain => host == b"localhost" || host.ends_with(b".localhost"),
        HostKind::Ipv4 => host.starts_with(b"127."),
        HostKind::Ipv6 => host == b"[::1]",
    }
}

/// Position of the first occurrence of `needle` in `hay`.
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_ipv6_forms() {
        assert!(is_canonical_ipv6(b"::1"));
        assert!(is_canonical_ipv6(b"2001:db8::1"));
        assert!(is_canonical_ipv6(b"::ffff:c000:280"));
        assert!(!is_canonical_ipv6(b"0:0::1"));
        assert!(!is_canonical_ipv6(b"2001:DB8::1"));
        assert!(!is_canonical_ipv6(b"2001:0db8::1"));
        assert!(!is_canonical_ipv6(b"::ffff:192.0.2.128"));
        // A single zero group is never compressed.
        assert!(is_canonical_ipv6(b"2001:db8:0:1:1:1:1:1"));
        assert!(!is_canonical_ipv6(b"2001:db8::1:1:1:1:1"));
    }

    #[test]
    fn ldh_domains_label_by_label() {
        fn by_labels(host: &[u8]) -> bool {
            host.split(|&b| b == b'.').all(|label| {
                !label.is_empty()
                    && label.len() <= MAX_LABEL_LEN
                    && label.first() != Some(&b'-')
                    && label.last() != Some(&b'-')
                    && label
                        .iter()
                        .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            })
        }
        let long = "a".repeat(MAX_LABEL_LEN);
        let hosts = [
            "a".to_owned(),
            "app.example.re".to_owned(),
            "x-1.b2".to_owned(),
            format!("{long}.re"),
            format!("{long}a.re"),
            format!("re.{long}"),
            format!("re.{long}a"),
        ];
        let odd = [
            "",
            ".",
            "a.",
            ".a",
            "a..b",
            "-a.b",
            "a-.b",
            "a.-b",
            "a.b-",
            "-",
            "A.b",
            "a_b",
            "a b",
            "a.b\u{e9}",
        ];
        for host in hosts.iter().map(String::as_str).chain(odd) {
            let last = ldh_last_label(host.as_bytes());
            assert_eq!(last.is_some(), by_labels(host.as_bytes()), "{host:?}");
            if let Some(last) = last {
                assert_eq!(Some(last), host.as_bytes().rsplit(|&b| b == b'.').next());
            }
        }
        assert_eq!(ldh_last_label(b"app.example.re"), Some(&b"re"[..]));
        assert_eq!(ldh_last_label(b"a..b"), None);
    }

    #[test]
    fn hosts_are_classed_as_by_their_last_label_first() {
        // The order the URL Standard reads a host in: the last label says IPv4 or not, then
        // the whole host is checked as that.
        fn by_last_label(host: &[u8]) -> Option<HostKind> {
            if host.is_empty() || host.len() > MAX_HOST_LEN {
                return None;
            }
            let last = host.rsplit(|&b| b == b'.').next()?;
            let numeric_last = last.first().is_some_and(u8::is_ascii_digit)
                && (last.iter().all(u8::is_ascii_digit) || last.starts_with(b"0x"));
            if numeric_last {
                return is_canonical_ipv4(host).then_some(HostKind::Ipv4);
            }
            ldh_last_label(host).map(|_| HostKind::Domain)
        }
        let long = "a".repeat(MAX_HOST_LEN);
        let hosts = [
            "127.0.0.1",
            "10.0.0.256",
            "1.2.3",
            "1.2.3.4.5",
            "01.2.3.4",
            "0x7f.0.0.1",
            "1.2.3.0x4",
            "a.0x1f",
            "a.1f",
            "example.123",
            "123.example",
            "1-2.3.4.5",
            "1.2.3.4.",
            ".1.2.3.4",
            "1..2.3",
            "a.b-",
            "app.example.re",
            "A.example",
            "",
            ".",
            "9",
            "9a",
            long.as_str(),
        ];
        for host in hosts {
            assert_eq!(
                host_kind(host.as_bytes()),
                by_last_label(host.as_bytes()),
                "{host:?}"
            );
        }
    }

    #[test]
    fn the_scheme_ends_at_the_first_separator() {
        fn by_separator(input: &[u8]) -> Option<(&[u8], &[u8])> {
            let sep = find(input, b"://")?;
            let scheme = &input[..sep];
            is_scheme(scheme).then(|| (scheme, &input[sep + 3..]))
        }
        let long = "a".repeat(MAX_SCHEME_LEN);
        let inputs = [
            "https://app.example.re".to_owned(),
            "ht:tp://a.b".to_owned(),
            "http//a.b".to_owned(),
            "://a.b".to_owned(),
            "h://a.b".to_owned(),
            "h+1.-x://a.b".to_owned(),
            format!("{long}://a.b"),
            format!("{long}a://a.b"),
            "Http://a.b".to_owned(),
            "1http://a.b".to_owned(),
            "http:/a.b".to_owned(),
            "http:://a.b".to_owned(),
            "https://a.b://c.d".to_owned(),
            "http".to_owned(),
            "".to_owned(),
        ];
        for input in &inputs {
            let got = parse(input.as_bytes()).map(|p| p.scheme);
            let want = by_separator(input.as_bytes())
                .and_then(|(scheme, _)| parse(input.as_bytes()).map(|_| scheme));
            assert_eq!(got, want, "{input:?}");
            if let Some((scheme, rest)) = by_separator(input.as_bytes()) {
                let ok = host_kind(rest).is_some();
                assert_eq!(got, ok.then_some(scheme), "{input:?}");
            }
        }
        assert!(parse(b"https://app.example.re").is_some());
        assert!(parse(b"ht:tp://a.b").is_none());
    }

    #[test]
    fn ipv4_must_be_canonical() {
        assert!(is_canonical_ipv4(b"127.0.0.1"));
        assert!(!is_canonical_ipv4(b"127.0.0.01"));
        assert!(!is_canonical_ipv4(b"127.1"));
        assert!(!is_canonical_ipv4(b"256.0.0.1"));
    }
}
