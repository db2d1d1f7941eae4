//! Reading a header list the way the Fetch Standard does: "get" and "extracting header list
//! values".

/// Fetch, "get" a header from a header list: every value whose name matches (ASCII
/// case-insensitively), joined with `, ` in order; `None` when there is no such line.
///
/// Two `Access-Control-Allow-Origin` lines therefore read as one value with a comma, which is
/// why the CORS check fails on duplicates.
///
/// ```
/// use cors_browser::get_combined;
/// let lines = [("Vary", "Origin"), ("x-a", "1"), ("vary", "Accept")];
/// assert_eq!(get_combined(&lines, "vary").as_deref(), Some("Origin, Accept"));
/// assert_eq!(get_combined(&lines, "x-b"), None);
/// ```
pub fn get_combined<N: AsRef<str>, V: AsRef<str>>(
    headers: &[(N, V)],
    name: &str,
) -> Option<String> {
    let mut out: Option<String> = None;
    for (n, v) in headers {
        if n.as_ref().eq_ignore_ascii_case(name) {
            match out.as_mut() {
                Some(text) => {
                    text.push_str(", ");
                    text.push_str(v.as_ref());
                }
                None => out = Some(v.as_ref().to_owned()),
            }
        }
    }
    out
}

/// Fetch, "extracting header list values" for the list headers of the CORS protocol
/// (`Access-Control-Allow-Methods`, `-Allow-Headers`, `-Expose-Headers`): `Ok(None)` when the
/// header is absent, `Ok(items)` when every comma-separated item is an HTTP token (empty items
/// are skipped, as Chromium does), `Err(item)` with the first item that is not a token (the
/// browser then treats the whole header as a parse failure).
///
/// Items keep their case; the callers decide whether a comparison is case-sensitive (methods)
/// or not (header names).
///
/// ```
/// use cors_browser::extract_values;
/// let lines = [("access-control-allow-methods", "GET, PUT"), ("Access-Control-Allow-Methods", "DELETE")];
/// assert_eq!(
///     extract_values(&lines, "access-control-allow-methods"),
///     Ok(Some(vec!["GET".to_owned(), "PUT".to_owned(), "DELETE".to_owned()]))
/// );
/// let bad = [("access-control-allow-headers", "x-a, x b")];
/// assert_eq!(extract_values(&bad, "access-control-allow-headers"), Err("x b".to_owned()));
/// ```
pub fn extract_values<N: AsRef<str>, V: AsRef<str>>(
    headers: &[(N, V)],
    name: &str,
) -> Result<Option<Vec<String>>, String> {
    let Some(combined) = get_combined(headers, name) else {
        return Ok(None);
    };
    let mut items = Vec::new();
    for item in combined.split(',') {
        let item = item.trim_matches(|c| c == ' ' || c == '\t');
        if item.is_empty() {
            continue;
        }
        if !cors_shared::fetch::is_token(item) {
            return Err(item.to_owned());
        }
        items.push(item.to_owned());
    }
    Ok(Some(items))
}
