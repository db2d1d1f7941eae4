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

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use cors_rocket::{cors, Cors, OriginFile, OriginSet, PolicySpec};
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

fn main() -> ExitCode {
    let path =
        std::env::var_os("CORS_ORIGINS_FILE").map_or_else(|| "origins.txt".into(), PathBuf::from);
    let mut watcher = OriginFile::new(&path);
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
mod tests {
    use super::*;
    use rocket::config::LogLevel;
    use rocket::http::Header;
    use rocket::local::blocking::Client;

    use cors_tests::tools::{replace_file, TempDir};

    #[test]
    fn a_reload_reaches_the_routes_and_the_default_policy() {
        let dir = TempDir::new("reload").unwrap();
        let file = dir.path().join("origins.txt");
        let mut watcher = OriginFile::new(&file);
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

        replace_file(&file, "https://app.example.re\n").unwrap();
        assert!(watcher.poll(&ORIGINS).unwrap().is_ok());
        assert_eq!(
            allow_origin("/account"),
            (200, app_origin.clone(), Some("true".to_owned()))
        );
        assert_eq!(allow_origin("/nowhere"), (404, app_origin.clone(), None));

        // The routes allow credentials, so the set refuses plain http even though the default
        // policy does not.
        replace_file(&file, "https://app.example.re\nhttp://app.example.re\n").unwrap();
        assert!(watcher.poll(&ORIGINS).unwrap().is_err());
        assert_eq!(
            allow_origin("/account"),
            (200, app_origin, Some("true".to_owned()))
        );

        replace_file(&file, "https://other.example.re\n").unwrap();
        assert!(watcher.poll(&ORIGINS).unwrap().is_ok());
        assert_eq!(allow_origin("/account"), (200, None, None));
    }
}
