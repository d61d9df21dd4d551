//! `pipeline.lock`: what the last successful run of every stage recorded.
//!
//! Human-readable TOML, keys sorted, no volatile facts (no timestamps, durations or hosts), so an
//! unchanged pipeline rerun leaves it byte-identical. It is written atomically (temp file and
//! rename). A stage entry that cannot be read counts as "never run", never as a fatal error.
use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// The lock file name at the project root.
pub const LOCK_FILE: &str = "pipeline.lock";
const FORMAT_VERSION: i64 = 1;

/// The whole lock.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Lock {
    /// Stage name → entry.
    pub stages: BTreeMap<String, LockEntry>,
    /// Stage entries that could not be read (they count as never run).
    pub unreadable: Vec<String>,
}

/// What one stage's last successful run recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockEntry {
    /// The stage kind.
    pub kind: String,
    /// The fingerprint the outputs were computed for.
    pub fingerprint: String,
    /// Engine version.
    pub tool_version: String,
    /// The kind's code identity.
    pub code: String,
    /// The stage seed, as 16 hex digits.
    pub seed: String,
    /// Canonical params.
    pub params: toml::Table,
    /// Slot → input.
    pub inputs: BTreeMap<String, LockedInput>,
    /// Output name → output.
    pub outputs: BTreeMap<String, LockedOutput>,
}

/// One input as it was when the stage ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedInput {
    /// A project-relative path or `stage.table`.
    pub source: String,
    /// blake3 of its content.
    pub hash: String,
}

/// One output the stage wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedOutput {
    /// Project-relative path.
    pub path: String,
    /// blake3 of the file.
    pub hash: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Row count, for tables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
}

#[derive(Serialize)]
struct LockFileOut<'a> {
    version: i64,
    stages: &'a BTreeMap<String, LockEntry>,
}

impl Lock {
    /// Reads `<root>/pipeline.lock`; a missing or unreadable file gives an empty lock.
    #[must_use]
    pub fn read(root: &Path) -> Self {
        let Ok(text) = std::fs::read_to_string(root.join(LOCK_FILE)) else {
            return Self::default();
        };
        Self::parse(&text)
    }

    /// Parses lock text, keeping every stage entry that can be read.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        let mut lock = Self::default();
        let Ok(table) = text.parse::<toml::Table>() else {
            lock.unreadable.push("*".into());
            return lock;
        };
        if table.get("version").and_then(toml::Value::as_integer) != Some(FORMAT_VERSION) {
            lock.unreadable.push("*".into());
            return lock;
        }
        if let Some(toml::Value::Table(stages)) = table.get("stages") {
            for (name, value) in stages {
                match value.clone().try_into::<LockEntry>() {
                    Ok(entry) => {
                        lock.stages.insert(name.clone(), entry);
                    }
                    Err(_) => lock.unreadable.push(name.clone()),
                }
            }
        }
        lock
    }

    /// The lock as TOML text.
    ///
    /// # Panics
    /// Never in practice: every field is representable in TOML.
    #[must_use]
    pub fn render(&self) -> String {
        let body = toml::to_string(&LockFileOut {
            version: FORMAT_VERSION,
            stages: &self.stages,
        })
        .expect("lock entries are plain TOML values");
        format!("# pipeline.lock: written by `wecare run`; do not edit. Commit it with the outputs.\n{body}")
    }

    /// Writes the lock atomically to `<root>/pipeline.lock`.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn write(&self, root: &Path) -> std::io::Result<()> {
        crate::table_io::write_atomic(&root.join(LOCK_FILE), self.render().as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_corrupt_entry_counts_as_never_run() {
        let text = "version = 1\n[stages.a]\nkind = 3\n[stages.b]\nkind = \"k\"\nfingerprint = \"f\"\ntool_version = \"t\"\ncode = \"c\"\nseed = \"0\"\nparams = {}\ninputs = {}\noutputs = {}\n";
        let lock = Lock::parse(text);
        assert_eq!(lock.unreadable, vec!["a".to_string()]);
        assert_eq!(lock.stages.keys().collect::<Vec<_>>(), vec!["b"]);
        let again = Lock::parse(&lock.render());
        assert_eq!(again.stages, lock.stages);
    }

    #[test]
    fn garbage_gives_an_empty_lock() {
        assert!(Lock::parse("\u{0}\u{1}not toml").stages.is_empty());
        assert!(Lock::parse("version = 99").stages.is_empty());
    }
}
