//! An allowlist file reloaded into a runtime set: its format, a change applied whole or
//! refused with each problem's line, and the watcher that polls it.
// Helpers outside `#[test]` functions may unwrap too (clippy.toml covers the tests themselves).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use cors_shared::origin_file::{apply, entries};
use cors_shared::{OriginFile, OriginSet, PolicySpec};

/// A file of its own in the temporary directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("cors-reload-{}-{name}.txt", std::process::id()));
        let _ = std::fs::remove_file(&path);
        TempFile(path)
    }

    fn write(&self, text: &str) {
        // As the example's documentation says: a complete copy renamed over the file.
        let tmp = self.0.with_extension("new");
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, &self.0).unwrap();
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A set used by a credentialed policy, like the example's routes.
fn credentialed(set: &'static OriginSet) -> &'static OriginSet {
    PolicySpec::new()
        .origin_set(set)
        .credentials(true)
        .validate()
        .unwrap();
    set
}

#[test]
fn entries_skip_blank_lines_and_comments() {
    let text = "# front ends\nhttps://app.example.re\n\n   \n  https://*.partner.example.re  \n\t# old\n#https://old.example.re\nhttp://localhost:5173";
    assert_eq!(
        entries(text),
        [
            (2, "https://app.example.re"),
            (5, "https://*.partner.example.re"),
            (8, "http://localhost:5173"),
        ]
    );
    assert!(entries("# nothing yet\n\n").is_empty());
}

#[test]
fn a_valid_change_is_applied_whole() {
    static SET: OriginSet = OriginSet::new("VALID");
    let set = credentialed(&SET);
    assert_eq!(
        apply(
            set,
            "origins.txt",
            "https://app.example.re\n# partners\nhttps://*.partner.example.re\n"
        ),
        Ok("origins.txt: 2 origins in force (was 0)".to_owned())
    );
    assert_eq!(
        set.entries(),
        ["https://app.example.re", "https://*.partner.example.re"]
    );
    assert_eq!(
        apply(set, "origins.txt", "# every front end is gone\n"),
        Ok(
            "origins.txt: 0 origins in force (was 2): every cross-origin request is refused"
                .to_owned()
        )
    );
    assert!(set.is_empty());
}

#[test]
fn a_refused_change_keeps_the_origins_in_force_and_names_each_line() {
    static SET: OriginSet = OriginSet::new("REFUSED");
    let set = credentialed(&SET);
    set.replace(["https://app.example.re"]).unwrap();
    let text = "https://new.example.re\n# partners\nhttp://partner.example.re\nhttps://*.github.io\n\nhttps://app.example.re/\n";
    assert_eq!(
        apply(set, "origins.txt", text),
        Err(
            "origins.txt: change refused, keeping the 1 origin in force (3 problems):\n  \
             line 3: origin `http://partner.example.re` uses plain http while `credentials` \
             is on; use the https:// origin, or add `dangerously_allow_http_with_credentials` \
             if this network is trusted\n  \
             line 4: origin `https://*.github.io` matches every site under a public suffix \
             while `credentials` is on; list your own sites explicitly, or add \
             `dangerously_allow_public_suffix_wildcard` if you own every site under it\n  \
             line 6: origin `https://app.example.re/` has a trailing slash; write \
             `https://app.example.re`"
                .to_owned()
        )
    );
    // Nothing of the refused change was applied, not even its valid first line.
    assert_eq!(set.entries(), ["https://app.example.re"]);
}

#[test]
fn the_watcher_reloads_changes_and_keeps_the_origins_when_the_file_is_bad_or_gone() {
    static SET: OriginSet = OriginSet::new("WATCHED");
    let set = credentialed(&SET);
    let file = TempFile::new("watched");
    let source = file.0.display().to_string();
    let mut watcher = OriginFile::new(&file.0);

    file.write("https://app.example.re\n");
    assert_eq!(
        watcher.poll(set),
        Some(Ok(format!("{source}: 1 origin in force (was 0)")))
    );
    // Unchanged: nothing is read, nothing is logged.
    assert_eq!(watcher.poll(set), None);

    file.write("https://app.example.re\nhttps://shop.example.re\n");
    assert_eq!(
        watcher.poll(set),
        Some(Ok(format!("{source}: 2 origins in force (was 1)")))
    );

    file.write("https://app.example.re\nhttp://shop.example.re\n");
    let refused = watcher.poll(set).unwrap().unwrap_err();
    assert!(
        refused.starts_with(&format!(
            "{source}: change refused, keeping the 2 origins in force (1 problem):\n  line 2: \
             origin `http://shop.example.re` uses plain http"
        )),
        "{refused}"
    );
    assert_eq!(
        set.entries(),
        ["https://app.example.re", "https://shop.example.re"]
    );
    // A refused file is not read again until it changes.
    assert_eq!(watcher.poll(set), None);

    std::fs::remove_file(&file.0).unwrap();
    let gone = watcher.poll(set).unwrap().unwrap_err();
    assert!(
        gone.starts_with(&format!("{source}: cannot read it (")),
        "{gone}"
    );
    assert!(gone.ends_with("; keeping the 2 origins in force"), "{gone}");
    // Logged once, not every second.
    assert_eq!(watcher.poll(set), None);
    assert_eq!(set.len(), 2);

    file.write("https://shop.example.re\n");
    assert_eq!(
        watcher.poll(set),
        Some(Ok(format!("{source}: 1 origin in force (was 2)")))
    );
    assert_eq!(set.entries(), ["https://shop.example.re"]);
}
