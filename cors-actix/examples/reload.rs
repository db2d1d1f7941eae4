//! An allowlist kept in a file and reloaded while the server runs: one origin per line, `#`
//! starts a comment line. The file is checked every second; a change is validated by the same
//! rules as an origin written in `#[cors]` (including the credential rules of the routes that
//! use the set) and applied whole, or refused whole with every problem and its line, in which
//! case the origins in force stay. One line on stderr per accepted or refused change.
//!
//! ```sh
//! printf 'https://app.example.re\n# partners\nhttps://*.partner.example.re\n' > origins.txt
//! CORS_ORIGINS_FILE=origins.txt cargo run -p cors-actix --example reload
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
//! makes the next poll reload instead.

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use actix_web::{get, put, App, HttpServer};
use cors_actix::{cors, Cors, OriginFile, OriginSet, PolicySpec};

/// The allowed front ends, from the file.
static ORIGINS: OriginSet = OriginSet::new("ORIGINS");

/// The signed-in user's account, with cookies, for the origins of the file.
#[cors(origins = ORIGINS, credentials, methods = [GET, PUT], headers = ["content-type"])]
#[get("/account")]
async fn account() -> &'static str {
    "{\"name\":\"Ada\"}"
}

#[cors(origins = ORIGINS, credentials, methods = [GET, PUT], headers = ["content-type"])]
#[put("/account")]
async fn update_account() -> &'static str {
    "saved"
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
    let default = match PolicySpec::new()
        .origin_set(&ORIGINS)
        .methods(["GET", "POST"])
        .validate()
    {
        Ok(policy) => Cors::new(policy),
        Err(errors) => {
            eprintln!("{errors}");
            return ExitCode::FAILURE;
        }
    };
    let port = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8080);
    match actix_web::rt::System::new().block_on(serve(default, port)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cannot serve on 127.0.0.1:{port}: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(default: Cors, port: u16) -> io::Result<()> {
    HttpServer::new(move || {
        App::new()
            .wrap(default.clone())
            .service(account)
            .service(update_account)
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::dev::Service;
    use actix_web::test::{init_service, TestRequest};

    use cors_tests::tools::{replace_file, TempDir};

    #[actix_web::test]
    async fn a_reload_reaches_the_routes_and_the_default_policy() {
        let dir = TempDir::new("reload").unwrap();
        let file = dir.path().join("origins.txt");
        let mut watcher = OriginFile::new(&file);
        let default = PolicySpec::new()
            .origin_set(&ORIGINS)
            .methods(["GET", "POST"])
            .validate()
            .unwrap();
        let app = init_service(
            App::new()
                .wrap(Cors::new(default))
                .service(account)
                .service(update_account),
        )
        .await;
        let allow_origin = |res: &actix_web::dev::ServiceResponse<_>| {
            res.headers()
                .get("access-control-allow-origin")
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let get = |path: &str| {
            TestRequest::get()
                .uri(path)
                .insert_header(("origin", "https://app.example.re"))
                .to_request()
        };

        replace_file(&file, "https://app.example.re\n").unwrap();
        assert!(watcher.poll(&ORIGINS).unwrap().is_ok());
        let res = app.call(get("/account")).await.unwrap();
        assert_eq!(
            allow_origin(&res).as_deref(),
            Some("https://app.example.re")
        );
        assert_eq!(
            res.headers()
                .get("access-control-allow-credentials")
                .map(|v| v.to_str().unwrap()),
            Some("true")
        );
        let res = app.call(get("/nowhere")).await.unwrap();
        assert_eq!(res.status(), 404);
        assert_eq!(
            allow_origin(&res).as_deref(),
            Some("https://app.example.re")
        );

        // The routes allow credentials, so the set refuses plain http even though the default
        // policy does not.
        replace_file(&file, "https://app.example.re\nhttp://app.example.re\n").unwrap();
        assert!(watcher.poll(&ORIGINS).unwrap().is_err());
        let res = app.call(get("/account")).await.unwrap();
        assert_eq!(
            allow_origin(&res).as_deref(),
            Some("https://app.example.re")
        );

        replace_file(&file, "https://other.example.re\n").unwrap();
        assert!(watcher.poll(&ORIGINS).unwrap().is_ok());
        let res = app.call(get("/account")).await.unwrap();
        assert_eq!(allow_origin(&res), None);
    }
}
