//! The conformance servers, one per adapter, listed once ([`Adapter::ALL`] and
//! [`for_each_conformance_server!`](crate::for_each_conformance_server)); starting one (or any
//! binary that follows their start-up contract) on a free loopback port, waiting until it
//! answers there, and stopping it when the test ends.
//!
//! This is test fixture code: a server that cannot start fails the test at once, loudly.
#![allow(clippy::expect_used, clippy::panic)]

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::Command;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::ready::{retry_on_taken, wait_until_ready, Ready};
use crate::tools::{Daemon, TempDir};

/// An adapter whose conformance server serves `tests/CONFORMANCE.md`: every shared proof (the
/// conformance table, the browser, cache and doctor tests, the demo) runs against each of
/// [`Adapter::ALL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Adapter {
    /// `cors-actix`, served by `conformance-actix`.
    Actix,
    /// `cors-rocket`, served by `conformance-rocket`.
    Rocket,
    /// `cors-axum`, served by `conformance-axum`.
    Axum,
}

impl Adapter {
    /// Every adapter, in the order the proofs and the demo show them.
    pub const ALL: [Adapter; 3] = [Adapter::Actix, Adapter::Rocket, Adapter::Axum];

    /// Its short name, as in test names and failure messages: `actix`, `rocket`, `axum`.
    pub const fn name(self) -> &'static str {
        match self {
            Adapter::Actix => "actix",
            Adapter::Rocket => "rocket",
            Adapter::Axum => "axum",
        }
    }

    /// The framework's own name, for people: `Actix-web`, `Rocket`, `axum`.
    pub const fn framework(self) -> &'static str {
        match self {
            Adapter::Actix => "Actix-web",
            Adapter::Rocket => "Rocket",
            Adapter::Axum => "axum",
        }
    }

    /// Runs its conformance application on `127.0.0.1:port` in a thread of this process and
    /// returns at once (see [`crate::ready::InProcess`] to wait for it).
    pub fn start_in_process(self, port: u16) -> JoinHandle<()> {
        match self {
            Adapter::Actix => crate::actix_app::start(port),
            Adapter::Rocket => crate::rocket_app::start(port),
            Adapter::Axum => crate::axum_app::start(port),
        }
    }
}

/// Calls `$callback!(name, adapter, binary)` once per conformance server, where `name` is the
/// adapter's short name as an identifier (`actix`, for module and test names), `adapter` the
/// [`Adapter`](crate::server::Adapter) and `binary` the path of its `conformance-NAME`
/// executable. Only an integration test or benchmark of `cors-tests` can use it: Cargo tells
/// those alone where the binaries are (`CARGO_BIN_EXE_*`). A server missing here is a compile
/// error.
#[macro_export]
macro_rules! for_each_conformance_server {
    ($callback:ident) => {
        $crate::for_each_conformance_server!(
            @each $callback: actix Actix, rocket Rocket, axum Axum
        );
    };
    (@each $callback:ident: $($name:ident $variant:ident),*) => {
        // Every adapter has its line above: adding one to `Adapter` without it fails here.
        const _: fn($crate::server::Adapter) = |adapter| match adapter {
            $($crate::server::Adapter::$variant => {})*
        };
        $(
            $callback!(
                $name,
                $crate::server::Adapter::$variant,
                env!(concat!("CARGO_BIN_EXE_conformance-", stringify!($name)))
            );
        )*
    };
}

/// The start-up contract shared by the conformance servers: the port from `PORT` (8080 when
/// unset) and, with `CONFORMANCE_LOG=debug`, CORS refusals logged on stderr.
pub fn contract_start_up() -> Result<u16, String> {
    let port = match std::env::var("PORT") {
        Err(_) => 8080,
        Ok(text) => text
            .trim()
            .parse::<u16>()
            .map_err(|_| format!("PORT must be a port number, got {text:?}"))?,
    };
    if std::env::var("CONFORMANCE_LOG").is_ok_and(|v| v == "debug") {
        crate::log::log_to_stderr();
    }
    Ok(port)
}

/// A running server process, killed on drop.
pub struct Server {
    // Field order is drop order: the server stops before its log directory is removed.
    daemon: Daemon,
    _dir: TempDir,
    /// Where it listens.
    pub addr: SocketAddr,
}

/// A port that was free a moment ago. Whoever gets it must bind it and check that it did:
/// another program may take it first (see [`crate::ready`]).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

impl Server {
    /// Starts `binary` with `PORT` set to a free port and waits (up to 60 s) until it answers
    /// HTTP there; when another program took the port first, starts it again on a new one.
    /// Its stdout and stderr go to a log file, shown when it fails.
    pub fn start(binary: &str) -> Server {
        Self::start_with_env(binary, &[])
    }

    /// Like [`Server::start`], with extra environment variables.
    pub fn start_with_env(binary: &str, env: &[(&str, &str)]) -> Server {
        let name = Path::new(binary)
            .file_name()
            .map_or_else(|| binary.to_owned(), |n| n.to_string_lossy().into_owned());
        retry_on_taken(&name, || {
            let dir = TempDir::new(&name)?;
            let port = free_port();
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let mut command = Command::new(binary);
            command
                .env("PORT", port.to_string())
                .envs(env.iter().copied());
            let mut daemon = Daemon::spawn(&name, command, dir.path())?;
            wait_until_ready(&mut daemon, &Ready::http(addr), Duration::from_secs(60))?;
            Ok(Server {
                daemon,
                _dir: dir,
                addr,
            })
        })
        .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"))
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The end of its stdout and stderr, for failure messages.
    pub fn logs(&self) -> String {
        self.daemon.logs()
    }
}
