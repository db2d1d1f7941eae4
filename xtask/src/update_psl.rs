//! `cargo xtask update-psl [FILE]`: refreshes the Public Suffix List that `cors-shared` ships
//! (`cors-shared/data/public_suffix_list.dat`), from publicsuffix.org or from a local copy.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::Failure;

/// Where the list is published.
const URL: &str = "https://publicsuffix.org/list/public_suffix_list.dat";

/// The vendored copy, relative to the workspace root.
const VENDORED: &str = "cors-shared/data/public_suffix_list.dat";

/// Fewer rules than this means a truncated or wrong download.
const MIN_RULES: usize = 5_000;

/// Downloads the list (with curl) or reads `from`, checks it, and writes it with a dated
/// header over the vendored copy.
pub(crate) fn update_psl(from: Option<&str>) -> Result<(), Failure> {
    let (source, bytes) = match from {
        Some(path) => (
            path.to_owned(),
            fs::read(path).map_err(|e| Failure(format!("cannot read {path}: {e}")))?,
        ),
        None => (URL.to_owned(), download()?),
    };
    let list = String::from_utf8(bytes)
        .map_err(|_| Failure(format!("{source} is not UTF-8: not the Public Suffix List")))?;
    let rules = count_rules(&list);
    let sections = ["===BEGIN ICANN DOMAINS===", "===BEGIN PRIVATE DOMAINS==="];
    if rules < MIN_RULES || sections.iter().any(|s| !list.contains(s)) {
        return Err(Failure(format!(
            "{source} has {rules} rules and lacks the ICANN or private section markers: \
             not the whole Public Suffix List; nothing written"
        )));
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or_else(|| Failure("xtask is not inside the workspace".to_owned()))?;
    let target = root.join(VENDORED);
    let before = fs::read_to_string(&target)
        .map(|old| count_rules(&old))
        .unwrap_or(0);
    let header = format!(
        "// Retrieved {} from {source} by `cargo xtask update-psl`.\n\n",
        today()
    );
    fs::write(&target, header + &list)
        .map_err(|e| Failure(format!("cannot write {}: {e}", target.display())))?;
    println!(
        "{VENDORED}: {rules} rules (was {before}). Run `cargo test -p cors-shared` and commit."
    );
    Ok(())
}

fn download() -> Result<Vec<u8>, Failure> {
    let out = Command::new("curl")
        .args(["--fail", "--silent", "--show-error", "--location"])
        .args(["--max-time", "120", URL])
        .output()
        .map_err(|e| Failure(format!("cannot run curl to download {URL}: {e}")))?;
    if !out.status.success() {
        return Err(Failure(format!(
            "downloading {URL} failed: {}; download it by other means and run \
             `cargo xtask update-psl FILE`",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(out.stdout)
}

/// Lines that hold a rule: neither blank nor a `//` comment.
fn count_rules(list: &str) -> usize {
    list.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .count()
}

/// Today's date in UTC, `YYYY-MM-DD`.
fn today() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    // Days since 1970-01-01 to a proleptic Gregorian date (eras of 400 years).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
