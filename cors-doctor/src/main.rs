//! `cors-doctor`: asks a live endpoint what a browser would do with its CORS answer.

fn main() {
    let code = cors_doctor::cli::run(
        std::env::args_os(),
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    );
    std::process::exit(code);
}
