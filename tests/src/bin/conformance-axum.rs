//! The axum conformance server: the routes and policies of `tests/CONFORMANCE.md` on
//! `127.0.0.1:$PORT` (default 8080).
//!
//! Prints `listening on http://127.0.0.1:PORT` on stdout once the socket accepts connections,
//! then serves until killed. CORS refusals are logged on stderr when `CONFORMANCE_LOG=debug`.

use std::io::Write;
use std::net::TcpListener;
use std::process::ExitCode;

use cors_tests::axum_app;

fn main() -> ExitCode {
    let port = match cors_tests::server::contract_start_up() {
        Ok(port) => port,
        Err(problem) => {
            eprintln!("conformance-axum: {problem}");
            return ExitCode::from(2);
        }
    };
    let listener = match TcpListener::bind(("127.0.0.1", port)) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!(
                "conformance-axum: cannot listen on 127.0.0.1:{port}: {e}; \
                 is another server using it? Set PORT to a free port."
            );
            return ExitCode::FAILURE;
        }
    };
    let served = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .and_then(|runtime| {
            runtime.block_on(async move {
                listener.set_nonblocking(true)?;
                let listener = tokio::net::TcpListener::from_std(listener)?;
                let mut stdout = std::io::stdout();
                writeln!(stdout, "listening on http://127.0.0.1:{port}")?;
                stdout.flush()?;
                axum_app::serve(listener).await
            })
        });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("conformance-axum: {e}");
            ExitCode::FAILURE
        }
    }
}
