//! An allowlist kept in a file and reloaded while the Rocket server runs: one origin per line,
//! `#` starts a comment line. The file is checked every second; a change is validated by the
//! same rules as an origin written in `#[cors]` (including the credential rules of the routes
//! that use the set) and applied whole, or refused whole with every problem and its line, in
//! which case the origins in force stay. One line on stderr per accepted or refused change.
//!
//! ```sh
//! printf 'https://app.example.re\n# partners\nhttps://*.partner.example.re\n' > origins.txt
//! CORS_ORIGINS_FILE=origins.txt ROCKET_PORT=8080 cargo run -p cors-rocket --example reload
//! curl -i -H 'Origin: https://app.example.re' http://127.0.0.1:8080/account
//! ```
//!
//! Write the file by renaming a complete copy over it (`mv origins.txt.new origins.txt`), so
//! that a poll never reads half a file. Several instances behind a load balancer each poll
//! the same file (or the same deployed copy): each converges on its own within a second of the
//! change reaching it, and there is no cross-instance atomicity.
//!
//! There is no SIGHUP handler: the standard library has no signal API, and installing one needs
//! `unsafe` FFI (which this workspace forbids) or another dependency; `touch origins.txt`
//! makes the next poll reload instead. The same logic serves Actix in
//! `cors-actix/examples/reload.rs`.

use std::fmt::Write as _;
use std::io;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use cors_rocket::{cors, Cors, OriginSet, PolicySpec};
use rocket::{get, put, routes, Build, Rocket};

/// The allowed front ends, from the file.
static ORIGINS: OriginSet = OriginSet::new("ORIGINS");

/// The signed-in user's account, with cookies, for the origins of the file.
#[cors(origins = ORIGINS, credentials, methods = [GET, PUT], headers = ["content-type"])]
#[get("/account")]
fn account() -> &'static str {
    "{\"name\":\"Ada\"}"
}

#[cors(origins = ORIGINS, credentials, methods = [GET, PUT], headers = ["content-type"])]
#[put("/account")]
fn update_account() -> &'static str {
    "saved"
}

/// The application: the account routes, and a default policy over the same set for everything
/// else (Rocket's own 404s included).
fn app(rocket: Rocket<Build>) -> Result<Rocket<Build>, cors_rocket::PolicyErrors> {
    let default = PolicySpec::new()
        .origin_set(&ORIGINS)
        .methods(["GET", "POST"])
        .validate()?;
    Ok(rocket
        .mount("/", routes![account, update_account])
        .attach(Cors::new(default)))
}

/// The entries of an allowlist file, each with its line number (from 1): every line but blank
/// ones and those whose first non-blank character is `#`, without surrounding whitespace.
fn entries(text: &str) -> Vec<(usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .collect()
}

/// Replaces `set` with the entries of `text` (read from `source`). Returns the line to log:
/// how many origins are now in force, or why the change was refused (each problem with its
/// line, what is wrong and the fix) and that the origins in force stay.
fn apply(set: &'static OriginSet, source: &str, text: &str) -> Result<String, String> {
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

/// Watches an allowlist file: [`poll`](Self::poll) reloads it when its modification time or
/// length changed since the last look.
struct Watcher {
    path: PathBuf,
    seen: Option<(SystemTime, u64)>,
    /// The last read error reported, so that a missing file is logged once, not every second.
    unreadable: Option<io::ErrorKind>,
}

impl Watcher {
    fn new(path: impl Into<PathBuf>) -> Self {
        Watcher {
            path: path.into(),
            seen: None,
            unreadable: None,
        }
    }

    /// Reloads the file into `set` if it changed; returns the line to log, if any.
    fn poll(&mut self, set: &'static OriginSet) -> Option<Result<String, String>> {
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

fn main() -> ExitCode {
    let path =
        std::env::var_os("CORS_ORIGINS_FILE").map_or_else(|| "origins.txt".into(), PathBuf::from);
    let mut watcher = Watcher::new(&path);
    // At start-up, a file that cannot be read or is invalid stops the server.
    match watcher.poll(&ORIGINS) {
        Some(Ok(line)) => eprintln!("{line}"),
        Some(Err(line)) => {
            eprintln!("{line}");
            return ExitCode::FAILURE;
        }
        // The first poll always reads the file.
        None => return ExitCode::FAILURE,
    }
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_secs(1));
        if let Some(Ok(line) | Err(line)) = watcher.poll(&ORIGINS) {
            eprintln!("{line}");
        }
    });
    let rocket = match app(rocket::build()) {
        Ok(rocket) => rocket,
        Err(errors) => {
            eprintln!("{errors}");
            return ExitCode::FAILURE;
        }
    };
    match rocket::execute(rocket.launch()) {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cannot serve: {error}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;
    use rocket::config::LogLevel;
    use rocket::http::Header;
    use rocket::local::blocking::Client;

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
        let mut watcher = Watcher::new(&file.0);

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

    #[test]
    fn a_reload_reaches_the_routes_and_the_default_policy() {
        let file = TempFile::new("served");
        let mut watcher = Watcher::new(&file.0);
        let figment = rocket::Config::figment().merge(("log_level", LogLevel::Off));
        let client = Client::tracked(app(rocket::custom(figment)).unwrap()).unwrap();
        let allow_origin = |path: &str| {
            let res = client
                .get(path.to_owned())
                .header(Header::new("Origin", "https://app.example.re"))
                .dispatch();
            (
                res.status().code,
                res.headers()
                    .get_one("access-control-allow-origin")
                    .map(str::to_owned),
                res.headers()
                    .get_one("access-control-allow-credentials")
                    .map(str::to_owned),
            )
        };
        let app_origin = Some("https://app.example.re".to_owned());

        file.write("https://app.example.re\n");
        assert!(watcher.poll(&ORIGINS).unwrap().is_ok());
        assert_eq!(
            allow_origin("/account"),
            (200, app_origin.clone(), Some("true".to_owned()))
        );
        assert_eq!(allow_origin("/nowhere"), (404, app_origin.clone(), None));

        // The routes allow credentials, so the set refuses plain http even though the default
        // policy does not.
        file.write("https://app.example.re\nhttp://app.example.re\n");
        assert!(watcher.poll(&ORIGINS).unwrap().is_err());
        assert_eq!(
            allow_origin("/account"),
            (200, app_origin, Some("true".to_owned()))
        );

        file.write("https://other.example.re\n");
        assert!(watcher.poll(&ORIGINS).unwrap().is_ok());
        assert_eq!(allow_origin("/account"), (200, None, None));
    }
}
