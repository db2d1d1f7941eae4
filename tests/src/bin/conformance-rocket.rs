//! The Rocket conformance server: the routes and policies of `tests/CONFORMANCE.md` on
//! `127.0.0.1:$PORT` (default 8080).
//!
//! Prints `listening on http://127.0.0.1:PORT` on stdout once the socket accepts connections,
//! then serves until killed. CORS refusals are logged on stderr when `CONFORMANCE_LOG=debug`;
//! Rocket's own log is off, since it would go to stdout.

use std::io::Write;
use std::process::ExitCode;

use cors_tests::rocket_app;
use rocket::fairing::AdHoc;

fn main() -> ExitCode {
    let port = match cors_tests::server::contract_start_up() {
        Ok(port) => port,
        Err(problem) => {
            eprintln!("conformance-rocket: {problem}");
            return ExitCode::from(2);
        }
    };
    // Liftoff fairings run once the socket is bound, before the first connection is served.
    let announce = AdHoc::on_liftoff("listening line", |rocket| {
        Box::pin(async move {
            let mut stdout = std::io::stdout();
            let line = format!("listening on http://127.0.0.1:{}", rocket.config().port);
            if writeln!(stdout, "{line}")
                .and_then(|()| stdout.flush())
                .is_err()
            {
                eprintln!("conformance-rocket: cannot write {line:?} to stdout");
            }
        })
    });
    let rocket = rocket_app::rocket_with(rocket_app::figment(port)).attach(announce);
    match rocket::execute(rocket.launch()) {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            let hint = match error.kind() {
                rocket::error::ErrorKind::Bind(_) => {
                    "; is another server using it? Set PORT to a free port."
                }
                _ => "",
            };
            eprintln!(
                "conformance-rocket: cannot serve on 127.0.0.1:{port}: {}{hint}",
                error.kind()
            );
            ExitCode::FAILURE
        }
    }
}
