//! `cargo xtask`: the project's chores, in Rust so that they need nothing but Cargo.
//!
//! ```text
//! cargo xtask test [-- ARGS]   install what the tests need (as root), then cargo test --workspace
//! cargo xtask install          only install (and check) the tools
//! cargo xtask check-tools      only check; print the command that installs what is missing
//! cargo xtask soak [N]         run the browser and cache tests N times (10), stop at a failure
//! cargo xtask update-psl [FILE] refresh cors-shared's Public Suffix List (download, or FILE)
//! ```
//!
//! The browser and cache tests drive Debian packages (Chromium, Firefox ESR, WebKitGTK, Xvfb,
//! nginx, Varnish, Squid, Traffic Server, openssl) and geckodriver, which Debian does not
//! package and which is built with `cargo install` into `$HOME/.cache/cors-suite-tools` (outside
//! the clone, like a CI cache). Packages are installed with `apt-get` when running as root;
//! otherwise the exact command is printed and nothing runs. Services the packages would start
//! (nginx, Varnish, Squid, Traffic Server) are kept from starting during the installation: the
//! tests start their own on loopback. Each phase's duration is printed at the end.

use std::env;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

mod update_psl;

/// The Debian packages the tests use, each with one program it provides (to check it).
const PACKAGES: &[(&str, &str)] = &[
    ("chromium", "chromium"),
    ("chromium-driver", "chromedriver"),
    ("nginx", "nginx"),
    ("openssl", "openssl"),
    ("firefox-esr", "firefox-esr"),
    ("webkit2gtk-driver", "WebKitWebDriver"),
    ("xvfb", "Xvfb"),
    ("xauth", "xauth"),
    ("varnish", "varnishd"),
    ("squid", "squid"),
    ("trafficserver", "traffic_server"),
];

/// The geckodriver release the tests are known to work with.
const GECKODRIVER_VERSION: &str = "0.37.1";

const USAGE: &str = "usage: cargo xtask <command>

  test [-- ARGS]   install what the browser and cache tests need (as root), then run
                   `cargo test --workspace --no-fail-fast [ARGS]` with the tools found
  install          install (as root) and check the tools, run nothing
  check-tools      check the tools; print the command that installs the missing ones
  soak [N] [-- ARGS]
                   run `cargo test -p cors-tests --test cache --test browser [ARGS]` N times
                   in a row (default 10) with the tools found, stop at the first failure, and
                   print each round's time: a rig that flakes fails here
  update-psl [FILE]
                   refresh cors-shared/data/public_suffix_list.dat from publicsuffix.org
                   (with curl), or from FILE, a copy downloaded by other means";

/// A chore that failed; the message says what to do.
struct Failure(String);

/// How long each phase took, for the summary.
#[derive(Default)]
struct Phases(Vec<(String, Duration)>);

impl Phases {
    fn record(&mut self, name: &str, since: Instant) {
        let took = since.elapsed();
        println!("== xtask: {name}: {}", show(took));
        self.0.push((name.to_owned(), took));
    }

    fn summary(&self) -> String {
        let mut out = String::from("== xtask: phase timings\n");
        for (name, took) in &self.0 {
            let _ = writeln!(out, "   {:<44} {}", name, show(*took));
        }
        let total: Duration = self.0.iter().map(|(_, d)| *d).sum();
        let _ = write!(out, "   {:<44} {}", "total", show(total));
        out
    }
}

fn show(d: Duration) -> String {
    let secs = d.as_secs();
    if secs >= 60 {
        format!("{}m {:02}s", secs / 60, secs % 60)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

fn main() -> ExitCode {
    let mut args = env::args_os().skip(1);
    let command = args.next().and_then(|a| a.into_string().ok());
    let rest: Vec<OsString> = args.collect();
    let mut phases = Phases::default();
    let result = match command.as_deref() {
        Some("test") => {
            let rest = match rest.split_first() {
                Some((first, tail)) if first == "--" => tail.to_vec(),
                _ => rest,
            };
            install(&mut phases, true).and_then(|tools| run_tests(&mut phases, &tools, &rest))
        }
        Some("install") => install(&mut phases, true).map(drop),
        Some("check-tools") => install(&mut phases, false).map(drop),
        Some("soak") => match soak_args(&rest) {
            Ok((rounds, args)) => {
                install(&mut phases, false).and_then(|tools| soak(&tools, rounds, &args))
            }
            Err(message) => {
                eprintln!("xtask: {message}\n{USAGE}");
                return ExitCode::from(2);
            }
        },
        Some("update-psl") => {
            let from = rest.first().and_then(|f| f.to_str());
            update_psl::update_psl(from)
        }
        Some("-h" | "--help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if !phases.0.is_empty() {
        println!("{}", phases.summary());
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Where the tools were found: the environment the tests get.
struct Tools {
    env: Vec<(&'static str, PathBuf)>,
}

/// Checks every tool, installs what is missing when `may_install` (packages as root only),
/// and returns the environment that points the tests at them.
fn install(phases: &mut Phases, may_install: bool) -> Result<Tools, Failure> {
    let started = Instant::now();
    let missing: Vec<&str> = PACKAGES
        .iter()
        .filter(|(package, program)| !package_installed(package, program))
        .map(|(package, _)| *package)
        .collect();
    let apt = apt_command(&missing);
    if missing.is_empty() {
        println!("== xtask: every Debian package is installed");
    } else if !may_install {
        return Err(Failure(format!(
            "missing Debian packages: {}. Install them (as root) with\n    {apt}",
            missing.join(" ")
        )));
    } else if !is_root() {
        return Err(Failure(format!(
            "missing Debian packages: {}. Installing them needs root; run\n    sudo {apt}\n\
             and then `cargo xtask test` again (the browser and cache tests also need root: \
             port 443 for the Firefox and WebKit pages, a private mount namespace for WebKit's \
             hosts file, caches that drop to their own users)",
            missing.join(" ")
        )));
    } else {
        println!("== xtask: installing {}", missing.join(" "));
        apt_install(&missing)?;
        let still: Vec<&str> = PACKAGES
            .iter()
            .filter(|(package, program)| !package_installed(package, program))
            .map(|(package, _)| *package)
            .collect();
        if !still.is_empty() {
            return Err(Failure(format!(
                "apt-get finished but these are still missing: {}",
                still.join(" ")
            )));
        }
    }
    phases.record("install Debian packages", started);

    let started = Instant::now();
    let geckodriver = match find_geckodriver() {
        Some(path) => {
            println!("== xtask: geckodriver: {}", path.display());
            path
        }
        None if !may_install => {
            return Err(Failure(format!(
                "geckodriver is not installed; install it with\n    {}",
                geckodriver_command()
            )))
        }
        None => build_geckodriver()?,
    };
    phases.record("geckodriver (cargo install)", started);
    Ok(Tools {
        env: vec![("GECKODRIVER", geckodriver)],
    })
}

/// Builds the workspace's tests, then runs them with the tools' environment.
fn run_tests(phases: &mut Phases, tools: &Tools, args: &[OsString]) -> Result<(), Failure> {
    if !is_root() {
        println!(
            "== xtask: warning: not running as root; the Firefox and WebKit tests (port 443, a \
             private mount namespace) and the cache tests (caches that drop to their own users) \
             will fail and say why"
        );
    }
    let cargo = env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let started = Instant::now();
    let build = Command::new(&cargo)
        .args(["test", "--workspace", "--no-run"])
        .args(args)
        .envs(tools.env.iter().map(|(k, v)| (*k, v)))
        .status()
        .map_err(|e| Failure(format!("cannot run cargo: {e}")))?;
    phases.record("build (cargo test --workspace --no-run)", started);
    if !build.success() {
        return Err(Failure(format!("the build failed ({build})")));
    }
    let started = Instant::now();
    // Every test binary runs, so one failure does not hide the others.
    let test = Command::new(&cargo)
        .args(["test", "--workspace", "--no-fail-fast"])
        .args(args)
        .envs(tools.env.iter().map(|(k, v)| (*k, v)))
        .status()
        .map_err(|e| Failure(format!("cannot run cargo: {e}")))?;
    phases.record("tests (cargo test --workspace --no-fail-fast)", started);
    if test.success() {
        Ok(())
    } else {
        Err(Failure(format!("tests failed ({test})")))
    }
}

/// The rounds of `soak [N] [-- ARGS]` (10 when not given) and the arguments for cargo test.
fn soak_args(rest: &[OsString]) -> Result<(u32, Vec<OsString>), String> {
    let mut parts = rest.splitn(2, |a| a == "--");
    let mine = parts.next().unwrap_or_default();
    let args = parts.next().unwrap_or_default().to_vec();
    match mine {
        [] => Ok((10, args)),
        [n] => match n.to_str().and_then(|n| n.parse::<u32>().ok()) {
            Some(rounds) if rounds > 0 => Ok((rounds, args)),
            _ => Err(format!(
                "soak takes a number of rounds (1 or more), got {}",
                n.to_string_lossy()
            )),
        },
        _ => Err("soak takes one number of rounds, then `--` and cargo test's arguments".into()),
    }
}

/// Runs the browser and cache tests `rounds` times in a row, each round timed; stops at the
/// first failure, which is a bug to read, not a round to retry.
fn soak(tools: &Tools, rounds: u32, args: &[OsString]) -> Result<(), Failure> {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let tests = [
        "test",
        "-p",
        "cors-tests",
        "--test",
        "cache",
        "--test",
        "browser",
    ];
    let command = || {
        let mut command = Command::new(&cargo);
        command
            .args(tests)
            .args(args)
            .envs(tools.env.iter().map(|(k, v)| (*k, v)));
        command
    };
    let started = Instant::now();
    let build = command()
        .arg("--no-run")
        .status()
        .map_err(|e| Failure(format!("cannot run cargo: {e}")))?;
    if !build.success() {
        return Err(Failure(format!("the build failed ({build})")));
    }
    println!("== xtask: soak: build {}", show(started.elapsed()));
    let started = Instant::now();
    for round in 1..=rounds {
        let round_started = Instant::now();
        let status = command()
            .status()
            .map_err(|e| Failure(format!("cannot run cargo: {e}")))?;
        let took = round_started.elapsed();
        if !status.success() {
            return Err(Failure(format!(
                "soak: round {round} of {rounds} failed after {} ({status}); {} passed before it                  in {}. A rig that fails once in a while is a bug: read the failure above",
                show(took),
                round - 1,
                show(started.elapsed() - took)
            )));
        }
        println!(
            "== xtask: soak: round {round} of {rounds} passed in {} (total {})",
            show(took),
            show(started.elapsed())
        );
    }
    let total = started.elapsed();
    println!(
        "== xtask: soak: {rounds} rounds passed in {} ({} a round)",
        show(total),
        show(total / rounds)
    );
    Ok(())
}

/// Whether `package` is installed: by dpkg when there is one, else by its program.
fn package_installed(package: &str, program: &str) -> bool {
    let dpkg = Command::new("dpkg-query")
        .args(["-W", "-f=${db:Status-Status}", package])
        .output();
    match dpkg {
        Ok(out) if out.status.success() => out.stdout == b"installed",
        Ok(_) => false,
        Err(_) => find_program(program).is_some(),
    }
}

fn find_program(program: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = env::var_os("PATH")
        .map(|p| env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.extend(["/usr/sbin", "/usr/bin", "/sbin", "/bin"].map(PathBuf::from));
    dirs.into_iter()
        .map(|d| d.join(program))
        .find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn is_root() -> bool {
    fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find(|l| l.starts_with("Uid:"))
            .and_then(|l| l.split_whitespace().nth(2))
            == Some("0")
    })
}

fn apt_command(packages: &[&str]) -> String {
    format!(
        "apt-get update && apt-get install -y --no-install-recommends {}",
        packages.join(" ")
    )
}

/// `apt-get update` and `apt-get install`, non-interactive, with the packages' services kept
/// from starting (a `policy-rc.d` that refuses, for the installation only, unless the machine
/// already has one).
fn apt_install(packages: &[&str]) -> Result<(), Failure> {
    let policy = Path::new("/usr/sbin/policy-rc.d");
    let ours = !policy.exists();
    if ours {
        use std::os::unix::fs::PermissionsExt;
        fs::write(
            policy,
            "#!/bin/sh\n# Written by cargo xtask for one apt-get run: start no services.\nexit 101\n",
        )
        .and_then(|()| fs::set_permissions(policy, fs::Permissions::from_mode(0o755)))
        .map_err(|e| Failure(format!("cannot write {}: {e}", policy.display())))?;
    }
    let result = (|| {
        for args in [
            vec!["update", "-q"],
            [
                vec![
                    "install",
                    "-y",
                    "-q",
                    "--no-install-recommends",
                    "-o",
                    "DPkg::Lock::Timeout=300",
                ],
                packages.to_vec(),
            ]
            .concat(),
        ] {
            let status = Command::new("apt-get")
                .args(&args)
                .env("DEBIAN_FRONTEND", "noninteractive")
                .status()
                .map_err(|e| Failure(format!("cannot run apt-get: {e}")))?;
            if !status.success() {
                return Err(Failure(format!(
                    "apt-get {} failed ({status})",
                    args.join(" ")
                )));
            }
        }
        Ok(())
    })();
    if ours {
        let _ = fs::remove_file(policy);
    }
    result
}

/// Where geckodriver is installed: `$HOME/.cache/cors-suite-tools`.
fn tools_root() -> Option<PathBuf> {
    env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache/cors-suite-tools"))
}

fn geckodriver_command() -> String {
    format!(
        "cargo install geckodriver --version {GECKODRIVER_VERSION} --locked --root \
         \"$HOME/.cache/cors-suite-tools\""
    )
}

/// `GECKODRIVER` if set, else the one `cargo xtask` installed, else `PATH`.
fn find_geckodriver() -> Option<PathBuf> {
    if let Some(explicit) = env::var_os("GECKODRIVER") {
        let path = PathBuf::from(explicit);
        return is_executable(&path).then_some(path);
    }
    tools_root()
        .map(|root| root.join("bin/geckodriver"))
        .filter(|p| is_executable(p))
        .or_else(|| find_program("geckodriver"))
}

fn build_geckodriver() -> Result<PathBuf, Failure> {
    let root = tools_root()
        .ok_or_else(|| Failure("HOME is not set: nowhere to install geckodriver".to_owned()))?;
    println!(
        "== xtask: building geckodriver {GECKODRIVER_VERSION} into {} (a few minutes)",
        root.display()
    );
    let cargo = env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let status = Command::new(cargo)
        .args(["install", "geckodriver", "--version", GECKODRIVER_VERSION])
        .args(["--locked", "--root"])
        .arg(&root)
        // Its own target directory, outside the clone and apart from the project's.
        .env("CARGO_TARGET_DIR", root.join("target"))
        .status()
        .map_err(|e| Failure(format!("cannot run cargo install: {e}")))?;
    let path = root.join("bin/geckodriver");
    if !status.success() || !is_executable(&path) {
        return Err(Failure(format!(
            "cargo install geckodriver failed ({status}); try\n    {}",
            geckodriver_command()
        )));
    }
    Ok(path)
}
