//! An allowlist kept in a file: one origin per line, `#` starts a comment line. The file is
//! read whole into a runtime [`OriginSet`], so a change is validated by the same rules as an
//! origin written in source and applied whole, or refused with every problem and its line
//! while the origins in force stay. Write the file by renaming a complete copy over it, so that
//! a poll never reads half a file.

use std::fmt::Write as _;
use std::io;
use std::path::PathBuf;
use std::time::SystemTime;

use crate::OriginSet;

/// The entries of an allowlist file, each with its line number (from 1): every line but blank
/// ones and those whose first non-blank character is `#`, without surrounding whitespace.
///
/// ```
/// let text = "# front ends\nhttps://app.example.re\n\n  https://*.partner.example.re\n";
/// assert_eq!(
///     cors_shared::origin_file::entries(text),
///     [(2, "https://app.example.re"), (4, "https://*.partner.example.re")]
/// );
/// ```
pub fn entries(text: &str) -> Vec<(usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .collect()
}

/// Replaces `set` with the entries of `text` (read from `source`, which names it in the log
/// line). Returns the line to log:
/// how many origins are now in force, or why the change was refused (each problem with its
/// line, what is wrong and the fix) and that the origins in force stay.
pub fn apply(set: &'static OriginSet, source: &str, text: &str) -> Result<String, String> {
    let entries = entries(text);
    let before = set.len();
    match set.replace(entries.iter().map(|(_, origin)| *origin)) {
        Ok(0) => Ok(format!(
            "{source}: 0 origins in force (was {before}): every cross-origin request is refused"
        )),
        Ok(n) => Ok(format!("{source}: {} in force (was {before})", origins(n))),
        Err(errors) => {
            let mut line = format!(
                "{source}: change refused, keeping the {} in force ({} problem{}):",
                origins(before),
                errors.errors().len(),
                if errors.errors().len() == 1 { "" } else { "s" }
            );
            for e in errors.errors() {
                let at = e
                    .location()
                    .index
                    .and_then(|i| entries.get(i))
                    .map_or(0, |(number, _)| *number);
                let _ = write!(line, "\n  line {at}: {}; {}", e.message(), e.fix());
            }
            Err(line)
        }
    }
}

/// `1 origin`, `2 origins`.
fn origins(n: usize) -> String {
    format!("{n} origin{}", if n == 1 { "" } else { "s" })
}

/// Watches an allowlist file: [`poll`](Self::poll) reloads it into a set when its
/// modification time or length changed since the last look.
///
/// ```no_run
/// use cors_shared::{OriginFile, OriginSet};
///
/// static ORIGINS: OriginSet = OriginSet::new("ORIGINS");
///
/// let mut file = OriginFile::new("origins.txt");
/// std::thread::spawn(move || loop {
///     if let Some(Ok(line) | Err(line)) = file.poll(&ORIGINS) {
///         eprintln!("{line}");
///     }
///     std::thread::sleep(std::time::Duration::from_secs(1));
/// });
/// ```
#[derive(Debug)]
pub struct OriginFile {
    path: PathBuf,
    seen: Option<(SystemTime, u64)>,
    /// The last read error reported, so that a missing file is logged once, not every second.
    unreadable: Option<io::ErrorKind>,
}

impl OriginFile {
    /// A watcher of the file at `path`; the first [`poll`](Self::poll) reads it.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        OriginFile {
            path: path.into(),
            seen: None,
            unreadable: None,
        }
    }

    /// Reloads the file into `set` if it changed. Returns the line to log, if any: `Ok` when
    /// the change was applied, `Err` when it was refused (every problem with its line; the
    /// origins in force stay) or the file could not be read (said once, until it can be).
    pub fn poll(&mut self, set: &'static OriginSet) -> Option<Result<String, String>> {
        let stamp = std::fs::metadata(&self.path).and_then(|m| Ok((m.modified()?, m.len())));
        let read = match stamp {
            Ok(stamp) if self.seen == Some(stamp) => return None,
            Ok(stamp) => std::fs::read_to_string(&self.path).map(|text| (stamp, text)),
            Err(e) => Err(e),
        };
        let source = self.path.display().to_string();
        match read {
            Ok((stamp, text)) => {
                self.unreadable = None;
                self.seen = Some(stamp);
                Some(apply(set, &source, &text))
            }
            Err(e) => {
                let first = self.unreadable != Some(e.kind());
                self.unreadable = Some(e.kind());
                // Read it again once it is back, even with its old time and length.
                self.seen = None;
                first.then(|| {
                    Err(format!(
                        "{source}: cannot read it ({e}); keeping the {} in force",
                        origins(set.len())
                    ))
                })
            }
        }
    }
}
