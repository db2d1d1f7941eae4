//! A server for measuring what CORS costs: the conformance server's `GET /private` handler, with
//! its `#[cors]` policy and the `Cors` fairing (`bench cors`), the same handler with no fairing
//! at all (`bench none`), or with a fairing that writes the same four headers as fixed values
//! without deciding anything (`bench static`), which separates the cost of deciding from the
//! cost of sending more headers. Listens on `127.0.0.1:$PORT` and prints
//! `listening on http://127.0.0.1:PORT` once ready; Rocket's own log is off.
//!
//! ```text
//! PORT=18090 cargo run --release -p cors-rocket --example bench -- none
//! wrk -t2 -c32 -d10s -H 'Origin: https://app.example.re' http://127.0.0.1:18090/private
//! ```

use std::io::Write;
use std::process::ExitCode;

use cors_rocket::{cors, policy, Cors, PolicySpec};
use rocket::config::LogLevel;
use rocket::fairing::AdHoc;
use rocket::http::Header;
use rocket::{get, routes, Config, Responder};

policy! {
    /// The conformance server's policy of `/private`.
    PRIVATE = {
        origins = ["https://app.example.re", "https://dashboard.example.re"],
        credentials,
        methods = [GET, PUT, DELETE],
        headers = ["content-type", "x-custom"],
        expose = ["x-total-count"],
        max_age = 600,
    };
}

#[derive(Responder)]
struct WithHeader {
    body: &'static str,
    header: Header<'static>,
}

#[cors(policy = PRIVATE)]
#[get("/private")]
fn private_get() -> WithHeader {
    WithHeader {
        body: "private",
        header: Header::new("x-total-count", "42"),
    }
}

fn main() -> ExitCode {
    let mode = std::env::args().nth(1);
    let with_cors = match mode.as_deref() {
        Some("cors") => true,
        Some("none") | Some("static") => false,
        _ => {
            eprintln!("usage: bench cors|none|static (with PORT set)");
            return ExitCode::from(2);
        }
    };
    let port: u16 = match std::env::var("PORT").map(|p| p.parse()) {
        Ok(Ok(port)) => port,
        _ => {
            eprintln!("bench: set PORT to a port number");
            return ExitCode::from(2);
        }
    };
    let figment = Config::figment()
        .merge(("address", "127.0.0.1"))
        .merge(("port", port))
        .merge(("log_level", LogLevel::Off));
    let mut rocket = rocket::custom(figment)
        .mount("/", routes![private_get])
        .attach(AdHoc::on_liftoff("listening line", |rocket| {
            Box::pin(async move {
                let mut out = std::io::stdout();
                let _ = writeln!(
                    out,
                    "listening on http://127.0.0.1:{}",
                    rocket.config().port
                );
                let _ = out.flush();
            })
        }));
    if mode.as_deref() == Some("static") {
        rocket = rocket.attach(AdHoc::on_response("static headers", |_, response| {
            Box::pin(async move {
                response.set_header(Header::new(
                    "access-control-allow-origin",
                    "https://app.example.re",
                ));
                response.set_header(Header::new("access-control-allow-credentials", "true"));
                response.set_header(Header::new(
                    "access-control-expose-headers",
                    "x-total-count",
                ));
                response.set_header(Header::new("vary", "Origin"));
            })
        }));
    }
    if with_cors {
        let default = PolicySpec::new()
            .origin("https://app.example.re")
            .methods(["GET", "POST"])
            .validate();
        match default {
            Ok(policy) => rocket = rocket.attach(Cors::new(policy)),
            Err(errors) => {
                eprintln!("{errors}");
                return ExitCode::FAILURE;
            }
        }
    }
    match rocket::execute(rocket.launch()) {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bench: {}", error.kind());
            ExitCode::FAILURE
        }
    }
}
