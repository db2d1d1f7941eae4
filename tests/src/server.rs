//! Starting a conformance server (or any binary that follows its start-up contract) on a free
//! loopback port, and stopping it when the test ends.
//!
//! This is test fixture code: a server that cannot start fails the test at once, loudly.
#![allow(clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

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
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

impl Server {
    /// Starts `binary` with `PORT` set and waits (up to 60 s) for its
    /// `listening on http://127.0.0.1:PORT` line.
    pub fn start(binary: &str) -> Server {
        Self::start_with_env(binary, &[])
    }

    /// Like [`Server::start`], with extra environment variables.
    pub fn start_with_env(binary: &str, env: &[(&str, &str)]) -> Server {
        let port = free_port();
        let mut cmd = Command::new(binary);
        cmd.env("PORT", port.to_string())
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let expected = format!("listening on http://127.0.0.1:{port}");
        loop {
            match rx.recv_timeout(Duration::from_secs(60)) {
                Ok(line) if line.trim() == expected => break,
                Ok(_) => continue,
                Err(e) => {
                    let _ = child.kill();
                    panic!("{binary} did not print {expected:?}: {e}");
                }
            }
        }
        Server {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
