//! Runtime origin sets: an allowlist that the application changes while it serves (tenant
//! domains from a database, a reloaded file), validated by the same rules as every origin
//! written in source, swapped atomically, and read by requests without waiting for writers.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use arc_swap::ArcSwapOption;

use crate::error::PolicyErrors;
use crate::matcher::Allowlist;
use crate::table;
use crate::validate::origins::{check_entries, check_entries_from, Accepted, Context, OriginRules};

/// A named, shared set of allowed origins that the application fills and changes at run time.
///
/// Declare it once as a `static` and name it in a policy: `#[cors(origins = TENANTS, ...)]`
/// (everything but the set's contents is still checked at compile time), or
/// [`PolicySpec::origin_set`](crate::PolicySpec::origin_set) for a policy built at run time.
/// Then [`replace`](Self::replace), [`insert`](Self::insert) or [`remove`](Self::remove)
/// entries while serving.
///
/// Every change goes through the origin rules of a policy written in source — the grammar, and
/// the credential rules of **every** policy that uses the set (no `http://` outside loopback,
/// no `*.<public suffix>`, `null` only where every user opted in) — and is applied whole or not
/// at all: a change with a bad entry is refused with every problem, and the set stays as it
/// was. Patterns (`https://*.customer.example`, `http://localhost:*`) work as in a policy; `*`
/// does not (a set is an allowlist).
///
/// Requests read the current version without a lock: a request is decided by one version from
/// start to end, and writers never make a request wait. An empty set allows nobody.
///
/// ```
/// use cors_shared::{OriginSet, PolicySpec};
///
/// static TENANTS: OriginSet = OriginSet::new("TENANTS");
///
/// let policy = PolicySpec::new().origin_set(&TENANTS).credentials(true).validate()?;
/// assert!(!policy.allows_origin("https://shop.example.re"));
///
/// TENANTS.replace(["https://shop.example.re", "https://*.tenant.example.re"])?;
/// assert!(policy.allows_origin("https://shop.example.re"));
/// assert!(policy.allows_origin("https://a.tenant.example.re"));
///
/// // The policy allows credentials, so plain http is refused, and nothing changes.
/// let err = TENANTS.insert("http://shop.example.re").unwrap_err();
/// assert!(err.to_string().contains("uses plain http while `credentials` is on"));
/// assert_eq!(TENANTS.len(), 2);
/// # Ok::<(), cors_shared::PolicyErrors>(())
/// ```
pub struct OriginSet {
    name: &'static str,
    current: ArcSwapOption<Version>,
    /// Serializes writers, and holds the rules of the policies built at run time over the set.
    writer: Mutex<Registered>,
    generation: AtomicU64,
}

/// The rules registered by policies built at run time.
#[derive(Debug, Default)]
struct Registered {
    rules: Option<OriginRules>,
}

/// The version of a set that one decision reads.
pub(crate) type Loaded = arc_swap::Guard<Option<Arc<Version>>>;

/// One immutable version of a set's contents.
#[derive(Debug)]
pub(crate) struct Version {
    /// The entries, in the order they were given.
    keys: Vec<Arc<str>>,
    slots: Vec<u32>,
    suffix_labels: u128,
    allow_null: bool,
}

impl Version {
    fn build(accepted: Accepted) -> Self {
        let keys: Vec<Arc<str>> = accepted
            .keys
            .iter()
            .map(|k| Arc::from(k.as_str()))
            .collect();
        let slots = table::build_slots(&keys);
        Version {
            keys,
            slots,
            suffix_labels: accepted.suffix_labels,
            allow_null: accepted.allow_null,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.keys.len() + usize::from(self.allow_null)
    }

    /// Whether `null` is an entry.
    pub(crate) fn allows_null(&self) -> bool {
        self.allow_null
    }

    /// The entries as the matcher reads them.
    pub(crate) fn allowlist(&self) -> Allowlist<'_, Arc<str>> {
        Allowlist {
            keys: &self.keys,
            slots: &self.slots,
            suffix_labels: self.suffix_labels,
        }
    }
}

impl OriginSet {
    /// An empty set. `name` appears in refusal logs and error messages.
    pub const fn new(name: &'static str) -> Self {
        OriginSet {
            name,
            current: ArcSwapOption::const_empty(),
            writer: Mutex::new(Registered { rules: None }),
            generation: AtomicU64::new(0),
        }
    }

    /// The set's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Replaces every entry. On success returns the number of entries; on failure returns every
    /// problem (each with the entry's index, the entry, what is wrong, why and the fix) and
    /// leaves the set unchanged.
    pub fn replace<I, S>(&'static self, origins: I) -> Result<usize, PolicyErrors>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let entries: Vec<String> = origins.into_iter().map(Into::into).collect();
        let writer = self.lock();
        let accepted = self.check(&writer, &entries)?;
        let version = Version::build(accepted);
        let len = version.len();
        self.publish(version);
        Ok(len)
    }

    /// Adds one entry. Returns `false` when it was already there (nothing changes), or every
    /// problem with it (the set unchanged).
    pub fn insert(&'static self, origin: &str) -> Result<bool, PolicyErrors> {
        let writer = self.lock();
        let current = self.current.load_full();
        let keys = current.as_ref().map_or(&[][..], |v| &v.keys[..]);
        let had_null = current.as_ref().is_some_and(|v| v.allow_null);
        if keys.iter().any(|k| &**k == origin) || (origin == "null" && had_null) {
            return Ok(false);
        }
        // The entries already in the set passed these rules; only the new one is checked.
        let at = current.as_ref().map_or(0, |v| v.len());
        let accepted = check_entries_from(
            &[origin.to_owned()],
            at,
            self.rules(&writer),
            Context::Set(self.name),
        )?;
        let mut keys = keys.to_vec();
        keys.extend(accepted.keys.iter().map(|k| Arc::from(k.as_str())));
        // Only the new key is hashed: the others keep their slots.
        let slots = match &current {
            Some(v) if accepted.keys.len() == 1 => table::with_last_key(&v.slots, &keys),
            _ => table::build_slots(&keys),
        };
        self.publish(Version {
            keys,
            slots,
            suffix_labels: current.as_ref().map_or(0, |v| v.suffix_labels) | accepted.suffix_labels,
            allow_null: had_null || accepted.allow_null,
        });
        Ok(true)
    }

    /// Removes one entry, exactly as it was added. Returns whether it was there.
    pub fn remove(&'static self, origin: &str) -> bool {
        let _writer = self.lock();
        let Some(current) = self.current.load_full() else {
            return false;
        };
        let allow_null = current.allow_null && origin != "null";
        let keys: Vec<Arc<str>> = current
            .keys
            .iter()
            .filter(|k| &***k != origin)
            .cloned()
            .collect();
        if keys.len() == current.keys.len() && allow_null == current.allow_null {
            return false;
        }
        // Removing an entry never breaks a rule that the rest already passed. The label counts
        // of the subdomain patterns stay as they were: a count no pattern uses any more only
        // costs a probe that misses.
        let slots = table::build_slots(&keys);
        self.publish(Version {
            keys,
            slots,
            suffix_labels: current.suffix_labels,
            allow_null,
        });
        true
    }

    /// The entries, in the order they were given.
    pub fn entries(&self) -> Vec<String> {
        match &*self.current.load() {
            None => Vec::new(),
            Some(v) => {
                let mut out: Vec<String> = v.keys.iter().map(|k| k.to_string()).collect();
                if v.allow_null {
                    out.push("null".to_owned());
                }
                out
            }
        }
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.current.load().as_ref().map_or(0, |v| v.len())
    }

    /// True when the set has no entry (and so allows nobody).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many changes have been applied since the program started.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The current version, for one decision: read without a lock, and unchanged for as long
    /// as it is held.
    pub(crate) fn load(&self) -> Loaded {
        self.current.load()
    }

    /// Registers the rules of a policy built at run time over this set, after checking that
    /// the current entries follow them. Writers are serialized with this, so no change can slip
    /// in under the old rules.
    pub(crate) fn register(&'static self, rules: OriginRules) -> Result<(), PolicyErrors> {
        let mut writer = self.lock();
        let combined = self.rules(&writer).strictest(rules);
        check_entries(&self.entries(), combined, Context::Set(self.name))
            .map_err(PolicyErrors::over_set)?;
        writer.rules = Some(writer.rules.map_or(rules, |r| r.strictest(rules)));
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, Registered> {
        // A writer that panicked left the contents as they were (versions are swapped whole).
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The strictest rules of every policy that uses the set: those written in source
    /// (gathered by the linker) and those registered at run time. With no user at all, the
    /// rules of a policy without credentials and without `null`.
    fn rules(&self, registered: &Registered) -> OriginRules {
        SET_USES
            .iter()
            .filter(|u| std::ptr::eq(u.set, self))
            .map(|u| u.rules)
            .chain(registered.rules)
            .reduce(OriginRules::strictest)
            .unwrap_or_default()
    }

    fn check(&self, writer: &Registered, entries: &[String]) -> Result<Accepted, PolicyErrors> {
        check_entries(entries, self.rules(writer), Context::Set(self.name))
    }

    fn publish(&self, version: Version) {
        self.current.store(Some(Arc::new(version)));
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

impl fmt::Debug for OriginSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OriginSet")
            .field("name", &self.name)
            .field("len", &self.len())
            .field("generation", &self.generation())
            .finish()
    }
}

/// Sets are compared by identity: two sets are the same set only if they are one `static`.
impl PartialEq for OriginSet {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for OriginSet {}

/// A policy written in source that allows a runtime set: the set validates every change
/// against the rules of each of these (gathered by the linker, so they hold before `main`).
#[derive(Debug)]
pub struct SetUse {
    /// The set.
    pub set: &'static OriginSet,
    /// The rules of the policy that uses it.
    pub rules: OriginRules,
    /// Where the policy is written (`module::path`), for messages.
    pub site: &'static str,
}

/// Every `SetUse` of the program.
#[linkme::distributed_slice]
pub static SET_USES: [SetUse];
