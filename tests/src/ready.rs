//! When a program the tests started is ready, and whether the port it was given is its own.
//!
//! Every program the browser and cache tests start (nginx, Varnish, Squid, Traffic Server, the
//! WebDriver servers, Xvfb, the conformance servers, the applications run in a thread) is
//! waited for by [`wait_until_ready`], which knows one meaning of "ready": the program *itself*
//! serves what the test is about to use. For a TCP server that is two things, checked in order:
//!
//! 1. a socket listening on the address belongs to one of the program's own processes (read
//!    from `/proc`: the listening socket's inode among their file descriptors). A port that
//!    merely accepts connections proves nothing: a port is chosen free and handed to the
//!    program as a number, and until the program binds it anyone else may take it, the
//!    program then fails to bind, and a test talking to that port talks to a stranger, whose
//!    connections end with "Connection reset by peer" when it goes away;
//! 2. an HTTP request on a fresh connection gets a complete answer: the program accepts and
//!    serves, not only the kernel.
//!
//! For Xvfb: the display's lock file names one of its processes and its socket exists.
//!
//! When the port (or display) was taken by someone else, the start fails with
//! [`StartError::Taken`], naming the holder when it can, and [`retry_on_taken`] starts the
//! program again on a new port, saying so on stderr (past the test harness's capture, so it
//! shows in every run). Waiting never sleeps a fixed time: it polls until the program answers,
//! exits, or a generous deadline passes.

use std::fs;
use std::io::Write;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::http::{self, Request};
use crate::tools::Error;

/// How often the state of a starting program is looked at.
const POLL: Duration = Duration::from_millis(20);

/// The longest one readiness request may take before it is sent again.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// How many times [`retry_on_taken`] starts a program whose port was taken.
const ATTEMPTS: u32 = 5;

/// What "ready" means for one program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ready {
    /// One of its processes listens on `addr` and an HTTP `GET path` there gets an answer
    /// (any status: a TLS port's "plain HTTP request sent to HTTPS port" is an answer too).
    Http {
        /// The loopback address it was told to listen on.
        addr: SocketAddr,
        /// A path whose answer does not disturb the tests (a cache stores it under its own key).
        path: &'static str,
    },
    /// It serves X display `:N`: `/tmp/.XN-lock` names one of its processes and the display's
    /// socket `/tmp/.X11-unix/XN` exists.
    XDisplay(u32),
}

impl Ready {
    /// An HTTP server on `addr`, probed with `GET /`.
    pub fn http(addr: SocketAddr) -> Ready {
        Ready::Http { addr, path: "/" }
    }

    fn what(&self) -> String {
        match self {
            Ready::Http { addr, .. } => format!("answer HTTP on {addr}"),
            Ready::XDisplay(n) => format!("serve display :{n}"),
        }
    }
}

/// A starting program as [`wait_until_ready`] watches it.
pub trait Watched {
    /// Its name, for messages.
    fn label(&self) -> String;
    /// Why it stopped (an exit status, a thread that ended), or `None` while it runs.
    fn stopped(&mut self) -> Option<String>;
    /// The ids of its processes: a listening socket held by one of them is its own.
    fn processes(&self) -> Vec<u32>;
    /// The end of its logs, for failure messages.
    fn logs(&self) -> String;
}

/// An application served by a thread of this process.
pub struct InProcess<'a> {
    /// Its name, for messages.
    pub name: &'a str,
    /// The thread that serves it; its end is the application's.
    pub thread: &'a JoinHandle<()>,
}

impl Watched for InProcess<'_> {
    fn label(&self) -> String {
        self.name.to_owned()
    }

    fn stopped(&mut self) -> Option<String> {
        self.thread
            .is_finished()
            .then(|| "its thread ended; its error is on stderr".to_owned())
    }

    fn processes(&self) -> Vec<u32> {
        vec![std::process::id()]
    }

    fn logs(&self) -> String {
        String::new()
    }
}

/// Why a program did not become ready.
#[derive(Debug)]
pub enum StartError {
    /// Its port (or display) was taken by another program before it could bind it: starting
    /// it again on another one will do.
    Taken(Error),
    /// Anything else: the message and the program's logs.
    Failed(Error),
}

impl StartError {
    /// The error, whatever the kind.
    pub fn into_error(self) -> Error {
        match self {
            StartError::Taken(e) | StartError::Failed(e) => e,
        }
    }
}

impl From<Error> for StartError {
    fn from(e: Error) -> Self {
        StartError::Failed(e)
    }
}

/// Waits until `program` is ready in the sense of `ready`. Fails, with its logs, when it
/// stops first or `timeout` passes; with [`StartError::Taken`] when another program holds its
/// port or display (or its logs say the address was in use).
pub fn wait_until_ready(
    program: &mut dyn Watched,
    ready: &Ready,
    timeout: Duration,
) -> Result<(), StartError> {
    let deadline = Instant::now() + timeout;
    let mut stranger = None;
    loop {
        match look(program, ready, deadline) {
            Look::Ready => return Ok(()),
            Look::Stranger(holder) => stranger = Some(holder),
            Look::NotYet => {}
        }
        let problem = if let Some(why) = program.stopped() {
            format!("stopped ({why})")
        } else if Instant::now() >= deadline {
            format!("did not do so within {timeout:?}")
        } else {
            std::thread::sleep(POLL);
            continue;
        };
        let logs = program.logs();
        let in_use = [
            "Address already in use",
            "address already in use",
            "EADDRINUSE",
            "Server is already active for display",
        ]
        .iter()
        .any(|needle| logs.contains(needle));
        let stranger = stranger.or_else(|| self::stranger(&*program, ready));
        let message = format!(
            "{} was to {} but {problem}{}\n{logs}",
            program.label(),
            ready.what(),
            stranger
                .as_deref()
                .map(|h| format!("; {h}"))
                .unwrap_or_default(),
        );
        return Err(if stranger.is_some() || in_use {
            StartError::Taken(Error::new(message))
        } else {
            StartError::Failed(Error::new(message))
        });
    }
}

/// Runs `start` (which picks its ports afresh each time) until it succeeds; when a port was
/// taken by another program, says so on stderr and starts again, up to five times.
pub fn retry_on_taken<T>(
    what: &str,
    mut start: impl FnMut() -> Result<T, StartError>,
) -> Result<T, Error> {
    let mut attempt = 1;
    loop {
        match start() {
            Ok(value) => return Ok(value),
            Err(StartError::Taken(e)) if attempt < ATTEMPTS => {
                attempt += 1;
                let why = e.message().lines().next().unwrap_or_default();
                say(&format!(
                    "{what}: the port was taken by another program before it could bind it; \
                     starting it again on another port (attempt {attempt} of {ATTEMPTS}): {why}"
                ));
            }
            Err(e) => return Err(e.into_error()),
        }
    }
}

/// Writes `line` to this process's stderr itself, past the test harness's capture of
/// `eprintln!`: a program started again on another port is shown even when the test passes.
pub fn say(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

enum Look {
    Ready,
    NotYet,
    /// Someone else holds the address or display: who, as far as can be told.
    Stranger(String),
}

fn look(program: &dyn Watched, ready: &Ready, deadline: Instant) -> Look {
    if let Some(holder) = stranger(program, ready) {
        return Look::Stranger(holder);
    }
    match ready {
        Ready::Http { addr, path } => {
            if listening_inodes(*addr).is_empty() {
                return Look::NotYet;
            }
            // Ours (or whose cannot be told: the HTTP answer is then all there is to go by).
            let left = deadline.saturating_duration_since(Instant::now());
            let probe = Request::new("GET", path).header("user-agent", "cors-suite-readiness");
            match http::send_within(*addr, &probe, left.clamp(POLL, PROBE_TIMEOUT)) {
                Ok(_) => Look::Ready,
                Err(_) => Look::NotYet,
            }
        }
        Ready::XDisplay(n) => {
            let ours = display_lock_owner(*n).is_some_and(|pid| program.processes().contains(&pid));
            if ours && Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
                Look::Ready
            } else {
                Look::NotYet
            }
        }
    }
}

/// Who holds `ready`'s address or display, when it is not the program: `None` when nobody
/// does, the program does, or whose it is cannot be told (the program's processes belong to
/// another user and this one is not root).
fn stranger(program: &dyn Watched, ready: &Ready) -> Option<String> {
    match ready {
        Ready::Http { addr, .. } => {
            let listeners = listening_inodes(*addr);
            if listeners.is_empty() {
                return None;
            }
            let ours = program.processes();
            let verdicts: Vec<Option<bool>> = listeners
                .iter()
                .map(|inode| held_by(&ours, *inode))
                .collect();
            (!verdicts.contains(&Some(true)) && verdicts.contains(&Some(false)))
                .then(|| describe_holder(*addr, &listeners))
        }
        Ready::XDisplay(n) => display_lock_owner(*n)
            .filter(|pid| process_exists(*pid) && !program.processes().contains(pid))
            .map(|pid| format!("display :{n} belongs to {}", process_name(pid))),
    }
}

fn display_lock_owner(n: u32) -> Option<u32> {
    fs::read_to_string(format!("/tmp/.X{n}-lock"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn process_exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

fn process_name(pid: u32) -> String {
    let name = fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    format!("process {pid} ({})", name.trim())
}

/// The inodes of the TCP sockets listening where a connection to `addr` would arrive: on
/// `addr` itself or on the wildcard address of its port, IPv4 or IPv6.
pub fn listening_inodes(addr: SocketAddr) -> Vec<u64> {
    let mut inodes = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
            let (Some(local), Some(state), Some(inode)) =
                (fields.get(1), fields.get(3), fields.get(9))
            else {
                continue;
            };
            if *state != "0A" {
                continue;
            }
            let Some((ip, port)) = local.split_once(':') else {
                continue;
            };
            if u16::from_str_radix(port, 16).ok() != Some(addr.port()) {
                continue;
            }
            if catches(ip, addr) {
                if let Ok(inode) = inode.parse() {
                    inodes.push(inode);
                }
            }
        }
    }
    // The kernel writes the table a page at a time, so a socket may show up twice when the
    // table changes between two reads.
    inodes.sort_unstable();
    inodes.dedup();
    inodes
}

/// Whether a listener on the kernel's hex address `ip` receives connections to `addr`. The
/// kernel prints each 32-bit word of the address in the machine's byte order.
fn catches(ip: &str, addr: SocketAddr) -> bool {
    let word = |i: usize| {
        ip.get(i * 8..i * 8 + 8)
            .and_then(|w| u32::from_str_radix(w, 16).ok())
            .map(u32::to_ne_bytes)
    };
    let target = match addr {
        SocketAddr::V4(v4) => *v4.ip(),
        SocketAddr::V6(_) => return false,
    };
    match ip.len() {
        8 => word(0)
            .map(Ipv4Addr::from)
            .is_some_and(|listen| listen == target || listen.is_unspecified()),
        32 => {
            let mut bytes = [0u8; 16];
            for (i, chunk) in bytes.chunks_mut(4).enumerate() {
                match word(i) {
                    Some(w) => chunk.copy_from_slice(&w),
                    None => return false,
                }
            }
            let listen = Ipv6Addr::from(bytes);
            listen.is_unspecified() || listen.to_ipv4_mapped() == Some(target)
        }
        _ => false,
    }
}

/// Whether one of `pids` holds socket `inode`: `None` when none of their descriptors could
/// be read.
fn held_by(pids: &[u32], inode: u64) -> Option<bool> {
    let wanted = format!("socket:[{inode}]");
    let mut readable = false;
    for pid in pids {
        let Ok(entries) = fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        readable = true;
        for entry in entries.flatten() {
            if fs::read_link(entry.path()).is_ok_and(|target| target.as_os_str() == &*wanted) {
                return Some(true);
            }
        }
    }
    readable.then_some(false)
}

/// "127.0.0.1:P is held by process N (name)", naming every process that holds one of the
/// listening sockets, as far as `/proc` tells.
fn describe_holder(addr: SocketAddr, inodes: &[u64]) -> String {
    let wanted: Vec<String> = inodes.iter().map(|i| format!("socket:[{i}]")).collect();
    let mut holders = Vec::new();
    if let Ok(entries) = fs::read_dir("/proc") {
        for pid in entries.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok()) {
            let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) else {
                continue;
            };
            let holds = fds.flatten().any(|fd| {
                fs::read_link(fd.path()).is_ok_and(|target| {
                    wanted
                        .iter()
                        .any(|w| target.as_os_str() == std::ffi::OsStr::new(w))
                })
            });
            if holds {
                holders.push(process_name(pid));
            }
        }
    }
    if holders.is_empty() {
        format!("another program listens on {addr}")
    } else {
        format!("{addr} is held by {}", holders.join(", "))
    }
}

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used)]
mod tests {
    use std::net::TcpListener;

    use super::*;

    /// A program that is this very process, for probing listeners this test opens.
    struct Me(Vec<u32>);

    impl Watched for Me {
        fn label(&self) -> String {
            "the probe".to_owned()
        }
        fn stopped(&mut self) -> Option<String> {
            None
        }
        fn processes(&self) -> Vec<u32> {
            self.0.clone()
        }
        fn logs(&self) -> String {
            String::new()
        }
    }

    #[test]
    fn a_listener_of_our_own_is_found_in_proc() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let inodes = listening_inodes(addr);
        assert_eq!(inodes.len(), 1, "{addr}: {inodes:?}");
        assert_eq!(held_by(&[std::process::id()], inodes[0]), Some(true));
        drop(listener);
        assert!(listening_inodes(addr).is_empty());
    }

    #[test]
    fn a_port_held_by_another_program_is_taken_not_ready() {
        // The listener is this process's; the "program" is another process (a `sleep`), so
        // the listener is a stranger's and the program never becomes ready.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let mut sleep = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let mut stranger = Me(vec![sleep.id()]);
        let result = wait_until_ready(
            &mut stranger,
            &Ready::http(addr),
            Duration::from_millis(200),
        );
        let _ = sleep.kill();
        let _ = sleep.wait();
        match result {
            Err(StartError::Taken(e)) => assert!(
                e.message()
                    .contains(&format!("{addr} is held by process {}", std::process::id())),
                "{e}"
            ),
            Err(StartError::Failed(e)) => panic!("not seen as taken: {e}"),
            Ok(()) => panic!("a stranger's listener counted as ready"),
        }
    }

    #[test]
    fn a_listener_that_never_answers_is_not_ready() {
        // Ours, accepting connections (the kernel does), but nobody serves them.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let mut me = Me(vec![std::process::id()]);
        match wait_until_ready(&mut me, &Ready::http(addr), Duration::from_millis(300)) {
            Err(StartError::Failed(e)) => assert!(e.message().contains("within"), "{e}"),
            Err(StartError::Taken(e)) => panic!("seen as taken: {e}"),
            Ok(()) => panic!("an open port that does not answer counted as ready"),
        }
    }

    #[test]
    fn retry_on_taken_starts_again_and_stops_on_other_failures() {
        let mut calls = 0;
        let value = retry_on_taken("test", || {
            calls += 1;
            if calls < 3 {
                Err(StartError::Taken(Error::new("taken")))
            } else {
                Ok(calls)
            }
        });
        assert_eq!(value, Ok(3));
        let mut calls = 0;
        let failed: Result<(), Error> = retry_on_taken("test", || {
            calls += 1;
            Err(StartError::Failed(Error::new("broken")))
        });
        assert_eq!(failed, Err(Error::new("broken")));
        assert_eq!(calls, 1);
    }
}
