//! A default policy that can be replaced while the server runs.

use std::fmt;
use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use arc_swap::{ArcSwap, Guard};

use crate::{Policy, PolicyErrors, PolicySpec};

/// A policy that the application can replace while serving (a reloaded configuration file, an
/// admin endpoint), shared by cheap clones.
///
/// [`replace`](Self::replace) validates the new spec with [`PolicySpec::validate`] and swaps it
/// in atomically, or returns every problem and keeps the policy in force. Requests
/// [`load`](Self::load) the current version without a lock and decide with that one version
/// from start to end, so a response never mixes the headers of two versions.
///
/// ```
/// use cors_shared::{PolicyHandle, PolicySpec};
///
/// let handle = PolicyHandle::new(PolicySpec::new().origin("https://app.example.re").validate()?);
/// assert!(handle.load().allows_origin("https://app.example.re"));
///
/// handle.replace(&PolicySpec::new().origin("https://admin.example.re"))?;
/// assert!(handle.load().allows_origin("https://admin.example.re"));
///
/// // A bad replacement changes nothing.
/// assert!(handle.replace(&PolicySpec::new().origin("https://admin.example.re/")).is_err());
/// assert!(handle.load().allows_origin("https://admin.example.re"));
/// # Ok::<(), cors_shared::PolicyErrors>(())
/// ```
#[derive(Clone)]
pub struct PolicyHandle {
    inner: Arc<Inner>,
}

struct Inner {
    current: ArcSwap<Policy>,
    /// Serializes writers, so that `generation` counts the versions in the order they landed.
    writer: Mutex<()>,
    generation: AtomicU64,
}

/// The policy in force when it was loaded; it stays valid (and unchanged) for as long as it is
/// held, whatever replaces it meanwhile.
pub struct PolicyGuard(Guard<Arc<Policy>>);

impl Deref for PolicyGuard {
    type Target = Policy;
    fn deref(&self) -> &Policy {
        &self.0
    }
}

impl fmt::Debug for PolicyGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// A reader of a [`PolicyHandle`] for one thread (a worker, a connection): it keeps the version
/// it last saw and only looks further when a replacement has landed, so that reading the
/// current policy costs about as much as reading a fixed one.
///
/// ```
/// use cors_shared::{PolicyHandle, PolicySpec};
///
/// let handle = PolicyHandle::new(PolicySpec::new().origin("https://a.example.re").validate()?);
/// let mut reader = handle.reader();
/// assert!(reader.load().allows_origin("https://a.example.re"));
/// handle.replace(&PolicySpec::new().origin("https://b.example.re"))?;
/// assert!(reader.load().allows_origin("https://b.example.re"));
/// # Ok::<(), cors_shared::PolicyErrors>(())
/// ```
pub struct PolicyReader {
    cache: arc_swap::Cache<Current, Arc<Policy>>,
}

/// The handle's swap cell, for the reader's cache.
struct Current(Arc<Inner>);

impl Deref for Current {
    type Target = ArcSwap<Policy>;
    fn deref(&self) -> &ArcSwap<Policy> {
        &self.0.current
    }
}

impl PolicyReader {
    /// The policy in force: the version seen last time unless a replacement has landed since.
    pub fn load(&mut self) -> &Policy {
        self.cache.load()
    }

    /// The policy in force, as a shared pointer to keep beyond this call.
    pub fn current(&mut self) -> Arc<Policy> {
        Arc::clone(self.cache.load())
    }
}

impl fmt::Debug for PolicyReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PolicyReader")
    }
}

impl PolicyHandle {
    /// A reader that keeps the last version it saw, for one thread.
    pub fn reader(&self) -> PolicyReader {
        PolicyReader {
            cache: arc_swap::Cache::new(Current(Arc::clone(&self.inner))),
        }
    }

    /// A handle whose first version is `policy`.
    pub fn new(policy: Policy) -> Self {
        PolicyHandle {
            inner: Arc::new(Inner {
                current: ArcSwap::from_pointee(policy),
                writer: Mutex::new(()),
                generation: AtomicU64::new(0),
            }),
        }
    }

    /// The current version, without waiting for writers.
    pub fn load(&self) -> PolicyGuard {
        PolicyGuard(self.inner.current.load())
    }

    /// The current version as a shared pointer, to keep beyond the current scope.
    pub fn current(&self) -> Arc<Policy> {
        self.inner.current.load_full()
    }

    /// Validates `spec` and, if it is valid, makes it the policy in force. On failure returns
    /// every problem and keeps the current policy.
    pub fn replace(&self, spec: &PolicySpec) -> Result<(), PolicyErrors> {
        let policy = spec.validate()?;
        self.store(policy);
        Ok(())
    }

    /// Makes an already validated policy the policy in force.
    pub fn store(&self, policy: Policy) {
        let _writer = self
            .inner
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        self.inner.current.store(Arc::new(policy));
        self.inner.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// How many replacements have landed since the handle was made.
    pub fn generation(&self) -> u64 {
        self.inner.generation.load(Ordering::Acquire)
    }
}

impl fmt::Debug for PolicyHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyHandle")
            .field("current", &*self.load())
            .field("generation", &self.generation())
            .finish()
    }
}

impl From<Policy> for PolicyHandle {
    fn from(policy: Policy) -> Self {
        PolicyHandle::new(policy)
    }
}

/// Where an adapter's policy lives: baked into the binary by `policy!`, built at start-up, or
/// replaceable while serving. Adapters hold one of these and [`load`](Self::load) it once per
/// request.
#[derive(Clone, Debug)]
pub enum PolicySource {
    /// A `policy!` static, or any policy that lives as long as the program.
    Static(&'static Policy),
    /// A policy built at start-up, shared.
    Shared(Arc<Policy>),
    /// A policy that can be replaced while serving.
    Reloadable(PolicyHandle),
}

/// The policy a [`PolicySource`] holds right now.
#[derive(Debug)]
pub enum CurrentPolicy<'s> {
    /// A static or shared policy.
    Borrowed(&'s Policy),
    /// The version of a reloadable policy in force when it was loaded.
    Loaded(PolicyGuard),
}

impl Deref for CurrentPolicy<'_> {
    type Target = Policy;
    fn deref(&self) -> &Policy {
        match self {
            CurrentPolicy::Borrowed(p) => p,
            CurrentPolicy::Loaded(guard) => guard,
        }
    }
}

impl PolicySource {
    /// The policy in force, without waiting for writers.
    pub fn load(&self) -> CurrentPolicy<'_> {
        match self {
            PolicySource::Static(p) => CurrentPolicy::Borrowed(p),
            PolicySource::Shared(p) => CurrentPolicy::Borrowed(p),
            PolicySource::Reloadable(handle) => CurrentPolicy::Loaded(handle.load()),
        }
    }

    /// The handle of a reloadable policy.
    pub fn handle(&self) -> Option<&PolicyHandle> {
        match self {
            PolicySource::Reloadable(handle) => Some(handle),
            PolicySource::Static(_) | PolicySource::Shared(_) => None,
        }
    }
}

impl From<Policy> for PolicySource {
    fn from(policy: Policy) -> Self {
        PolicySource::Shared(Arc::new(policy))
    }
}

impl From<Arc<Policy>> for PolicySource {
    fn from(policy: Arc<Policy>) -> Self {
        PolicySource::Shared(policy)
    }
}

impl From<&'static Policy> for PolicySource {
    fn from(policy: &'static Policy) -> Self {
        PolicySource::Static(policy)
    }
}

impl From<PolicyHandle> for PolicySource {
    fn from(handle: PolicyHandle) -> Self {
        PolicySource::Reloadable(handle)
    }
}
