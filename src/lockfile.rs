//! `pipeline.lock`: what the last successful run of every stage recorded.
//!
//! Human-readable TOML, keys sorted, no volatile facts (no timestamps, durations or hosts), so an
//! unchanged pipeline rerun leaves it byte-identical. It is written atomically (temp file and
//! rename). A stage entry that cannot be read counts as "never run", never as a fatal error.
//!
//! The lock is committed, so a bad merge or a hand edit can put anything in it: it is untrusted
//! input. Every entry is checked before the engine acts on it — the stage name must be an
//! identifier, every output path exactly `outputs/<stage>/<table>.parquet` or
//! `outputs/<stage>/<file>` for a declared file output, every hash 64 hex digits — and an entry
//! that fails is set aside as a [`LockProblem`] naming its line (counted as never run; nothing it
//! names is ever read, hashed or deleted). The file itself is read only when it is a regular
//! file of at most [`MAX_LOCK_BYTES`].
use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// The lock file name at the project root.
pub const LOCK_FILE: &str = "pipeline.lock";
const FORMAT_VERSION: i64 = 1;
/// A lock larger than this is not read (a real one is a few hundred bytes per stage).
pub const MAX_LOCK_BYTES: u64 = 256 << 20;

/// The whole lock.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Lock {
    /// Stage name → entry.
    pub stages: BTreeMap<String, LockEntry>,
    /// Entries (or the whole file) that could not be used; they count as never run.
    pub unreadable: Vec<LockProblem>,
}

/// A part of `pipeline.lock` that was set aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockProblem {
    /// The stage entry, or `None` for the whole file.
    pub stage: Option<String>,
    /// 1-based line in `pipeline.lock`, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for LockProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = self
            .line
            .map_or_else(|| LOCK_FILE.to_string(), |l| format!("{LOCK_FILE}:{l}"));
        match &self.stage {
            Some(stage) => write!(
                f,
                "{at}: the entry `{}` {}; it is ignored (the stage counts as never run)",
                stage.escape_debug(),
                self.message
            ),
            None => write!(
                f,
                "{at}: {}; it is ignored (every stage counts as never run)",
                self.message
            ),
        }
    }
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
    /// The engine's code identity (see `build.rs`); empty in entries written before it counted.
    #[serde(default)]
    pub engine: String,
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
    /// Reads `<root>/pipeline.lock`; a missing file gives an empty lock, an unreadable one an
    /// empty lock with a problem (never a hang: only a regular file of bounded size is read).
    #[must_use]
    pub fn read(root: &Path) -> Self {
        let path = root.join(LOCK_FILE);
        let whole = |message: String| Self {
            stages: BTreeMap::new(),
            unreadable: vec![LockProblem {
                stage: None,
                line: None,
                message,
            }],
        };
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Self::default(),
            Err(e) => return whole(format!("cannot be read ({e})")),
        };
        if !meta.is_file() {
            return whole("is not a regular file".into());
        }
        if meta.len() > MAX_LOCK_BYTES {
            return whole(format!(
                "is {} bytes, more than a lock can be ({MAX_LOCK_BYTES})",
                meta.len()
            ));
        }
        match std::fs::read(&path) {
            Ok(bytes) => {
                let key = blake3::hash(&bytes).to_hex().to_string();
                if let Some(lock) = ParsedCache::load(root, &key) {
                    return lock;
                }
                match String::from_utf8(bytes) {
                    Ok(text) => {
                        let lock = Self::parse(&text);
                        ParsedCache::store(root, &key, &lock);
                        lock
                    }
                    Err(_) => whole("is not UTF-8 text".into()),
                }
            }
            Err(e) => whole(format!("cannot be read ({e})")),
        }
    }

    /// Parses lock text, keeping every stage entry that can be read and passes the checks.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        let mut lock = Self::default();
        let whole = |message: String, line: Option<usize>| LockProblem {
            stage: None,
            line,
            message,
        };
        // One parse on the common path; the span-keeping parse only when a problem needs a line.
        let Ok(mut table) = text.parse::<toml::Table>() else {
            let (msg, line) = match toml_edit::ImDocument::parse(text) {
                Err(e) => (
                    e.message().lines().next().unwrap_or("").trim().to_string(),
                    e.span().map(|s| line_at(text, s.start)),
                ),
                Ok(_) => (String::new(), None),
            };
            let what = if msg.is_empty() {
                "is not valid TOML".to_string()
            } else {
                format!("is not valid TOML ({msg})")
            };
            lock.unreadable.push(whole(what, line));
            return lock;
        };
        let spanned = std::cell::OnceCell::new();
        let doc = || {
            spanned
                .get_or_init(|| toml_edit::ImDocument::parse(text).ok())
                .as_ref()
        };
        if table.get("version").and_then(toml::Value::as_integer) != Some(FORMAT_VERSION) {
            let line = doc()
                .and_then(|d| d.get_key_value("version"))
                .and_then(|(k, _)| k.span())
                .map(|s| line_at(text, s.start));
            lock.unreadable.push(whole(
                format!("has no `version = {FORMAT_VERSION}` (written by another wecare?)"),
                line,
            ));
            return lock;
        }
        let line_of = |name: &str, path: &[&str]| -> Option<usize> {
            let spans = doc()?
                .get("stages")
                .and_then(toml_edit::Item::as_table_like);
            let mut item = spans?.get_key_value(name)?;
            let mut at = item.0.span().or_else(|| item.1.span());
            for key in path {
                let Some(next) = item.1.as_table_like().and_then(|t| t.get_key_value(key)) else {
                    break;
                };
                item = next;
                at = item.1.span().or_else(|| item.0.span()).or(at);
            }
            at.map(|s| line_at(text, s.start))
        };
        match table.remove("stages") {
            None => {}
            Some(toml::Value::Table(stages)) => {
                for (name, value) in stages {
                    let parsed = value.try_into::<LockEntry>().map_err(|e| {
                        let msg = e.to_string();
                        (
                            format!(
                                "cannot be read ({})",
                                msg.lines().next().unwrap_or("").trim()
                            ),
                            Vec::new(),
                        )
                    });
                    match parsed.and_then(|entry| entry.check(&name).map(|()| entry)) {
                        Ok(entry) => {
                            lock.stages.insert(name, entry);
                        }
                        Err((message, path)) => lock.unreadable.push(LockProblem {
                            line: line_of(
                                &name,
                                &path.iter().map(String::as_str).collect::<Vec<_>>(),
                            ),
                            stage: Some(name),
                            message,
                        }),
                    }
                }
            }
            Some(_) => lock
                .unreadable
                .push(whole("has a `stages` that is not a table".into(), None)),
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

/// The entries of a lock that parsed cleanly, as JSON in `.wecare/lock-cache.json` (never
/// committed), keyed by the blake3 of the lock's bytes: reading it is several times faster than
/// parsing TOML, which was the largest part of a no-op. Only a lock without problems is cached,
/// only when its entries come back from JSON equal, and the cached entries pass the same checks
/// as parsed ones; a cache for other bytes, or one that cannot be read or written, is ignored.
#[derive(Serialize, Deserialize)]
struct ParsedCache {
    key: String,
    stages: BTreeMap<String, LockEntry>,
}

impl ParsedCache {
    const FILE: &'static str = ".wecare/lock-cache.json";

    fn load(root: &Path, key: &str) -> Option<Lock> {
        let bytes = std::fs::read(root.join(Self::FILE)).ok()?;
        let cached: Self = serde_json::from_slice(&bytes).ok()?;
        if cached.key != key || cached.stages.iter().any(|(n, e)| e.check(n).is_err()) {
            return None;
        }
        Some(Lock {
            stages: cached.stages,
            unreadable: Vec::new(),
        })
    }

    fn store(root: &Path, key: &str, lock: &Lock) {
        if !lock.unreadable.is_empty() {
            return;
        }
        let cached = Self {
            key: key.to_string(),
            stages: lock.stages.clone(),
        };
        let Ok(text) = serde_json::to_vec(&cached) else {
            return;
        };
        let same =
            serde_json::from_slice::<Self>(&text).is_ok_and(|back| back.stages == lock.stages);
        let dir = root.join(".wecare");
        if !same || std::fs::create_dir_all(&dir).is_err() {
            return;
        }
        let tmp = dir.join(format!("lock-cache.json.tmp-{}", std::process::id()));
        if std::fs::write(&tmp, &text).is_err()
            || std::fs::rename(&tmp, root.join(Self::FILE)).is_err()
        {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

/// 1-based line of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// A stage name: lowercase letters, digits and `_`, starting with a letter or `_`.
#[must_use]
pub fn is_stage_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && s.len() <= 128
}

fn is_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The only paths an output named `name` of `stage` may have: `outputs/<stage>/<name>.parquet`
/// for a table, or `outputs/<stage>/<name>` for a file output (a relative path without `..`,
/// `.` or empty parts, and no hidden or temporary file).
#[must_use]
pub fn output_path_ok(stage: &str, name: &str, path: &str, is_table: bool) -> bool {
    let Some(rest) = path
        .strip_prefix("outputs/")
        .and_then(|p| p.strip_prefix(stage))
        .and_then(|p| p.strip_prefix('/'))
    else {
        return false;
    };
    if is_table {
        return rest == format!("{name}.parquet") && is_stage_name(name);
    }
    rest == name
        && !name.is_empty()
        && !name.contains('\\')
        && name.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && !part.starts_with('.')
                && !part.contains('\0')
        })
}

impl LockEntry {
    /// Checks an entry read from an untrusted lock. The error carries the key path to point at.
    fn check(&self, stage: &str) -> Result<(), (String, Vec<String>)> {
        if !is_stage_name(stage) {
            return Err((
                "is not a stage name (lowercase letters, digits and `_`)".into(),
                Vec::new(),
            ));
        }
        for (field, value) in [("fingerprint", &self.fingerprint), ("code", &self.code)] {
            if !is_hash(value) {
                return Err((
                    format!("has a `{field}` that is not a hash"),
                    vec![field.into()],
                ));
            }
        }
        if !self.engine.is_empty() && !is_hash(&self.engine) {
            return Err((
                "has an `engine` that is not a hash".into(),
                vec!["engine".into()],
            ));
        }
        for (slot, input) in &self.inputs {
            if !is_hash(&input.hash) {
                return Err((
                    format!("has input `{slot}` with a hash that is not a hash"),
                    vec!["inputs".into(), slot.clone(), "hash".into()],
                ));
            }
        }
        for (name, out) in &self.outputs {
            let at = vec!["outputs".into(), name.clone(), "path".into()];
            if !output_path_ok(stage, name, &out.path, out.rows.is_some()) {
                let expected = if out.rows.is_some() {
                    format!("outputs/{stage}/{name}.parquet")
                } else {
                    format!("outputs/{stage}/{name}")
                };
                return Err((
                    format!(
                        "has output `{}` at `{}`, not at `{expected}`",
                        name.escape_debug(),
                        out.path.escape_debug()
                    ),
                    at,
                ));
            }
            if !is_hash(&out.hash) {
                return Err((
                    format!(
                        "has output `{}` with a hash that is not a hash",
                        name.escape_debug()
                    ),
                    vec!["outputs".into(), name.clone(), "hash".into()],
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn entry(stage: &str, output: &str, path: &str) -> String {
        format!(
            "[stages.{stage}]\nkind = \"k\"\nfingerprint = \"{H}\"\ntool_version = \"t\"\ncode = \"{H}\"\nseed = \"0\"\nparams = {{}}\ninputs = {{}}\n[stages.{stage}.outputs.{output}]\npath = \"{path}\"\nhash = \"{H}\"\nbytes = 1\nrows = 1\n"
        )
    }

    #[test]
    fn the_parsed_lock_cache_serves_the_same_lock_and_never_a_bad_entry() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "version = {FORMAT_VERSION}\n{}{}",
            entry("a", "t", "outputs/a/t.parquet"),
            entry("b", "u", "outputs/b/u.parquet")
        );
        std::fs::write(dir.path().join(LOCK_FILE), &text).unwrap();
        let parsed = Lock::read(dir.path());
        assert_eq!(parsed.stages.len(), 2);
        let cache = dir.path().join(ParsedCache::FILE);
        assert!(cache.is_file());
        assert_eq!(Lock::read(dir.path()), parsed);
        // The cache is trusted only for the bytes it was made from, and only with safe entries.
        let json = std::fs::read_to_string(&cache).unwrap();
        let evil = json.replace("outputs/a/t.parquet", "data/raw/wave1.csv");
        std::fs::write(&cache, &evil).unwrap();
        assert_eq!(Lock::read(dir.path()), parsed);
        std::fs::write(&cache, "not json").unwrap();
        assert_eq!(Lock::read(dir.path()), parsed);
        // A changed lock is parsed again, whatever the cache holds.
        std::fs::write(
            dir.path().join(LOCK_FILE),
            text.replace("[stages.b]", "[stages.c]")
                .replace("stages.b.", "stages.c.")
                .replace("outputs/b/", "outputs/c/"),
        )
        .unwrap();
        let again = Lock::read(dir.path());
        assert!(again.stages.contains_key("c") && !again.stages.contains_key("b"));
        // A lock with a problem is not cached.
        std::fs::remove_file(&cache).unwrap();
        std::fs::write(
            dir.path().join(LOCK_FILE),
            text.replace("outputs/b/u.parquet", "../x"),
        )
        .unwrap();
        assert_eq!(Lock::read(dir.path()).unreadable.len(), 1);
        assert!(!cache.exists());
    }

    #[test]
    fn a_corrupt_entry_counts_as_never_run() {
        let text = format!(
            "version = 1\n[stages.a]\nkind = 3\n{}",
            entry("b", "t", "outputs/b/t.parquet")
        );
        let lock = Lock::parse(&text);
        assert_eq!(lock.unreadable.len(), 1);
        assert_eq!(lock.unreadable[0].stage.as_deref(), Some("a"));
        assert_eq!(lock.unreadable[0].line, Some(2));
        assert_eq!(lock.stages.keys().collect::<Vec<_>>(), vec!["b"]);
        let again = Lock::parse(&lock.render());
        assert_eq!(again.stages, lock.stages);
        assert!(again.unreadable.is_empty());
    }

    #[test]
    fn garbage_gives_an_empty_lock() {
        assert!(Lock::parse("\u{0}\u{1}not toml").stages.is_empty());
        let lock = Lock::parse("version = 99");
        assert!(lock.stages.is_empty());
        assert_eq!(lock.unreadable[0].line, Some(1));
    }

    #[test]
    fn output_paths_must_be_the_stage_own() {
        for (stage, output, path) in [
            ("a", "t", "data/raw/wave1.csv"),
            ("a", "t", "/etc/passwd"),
            ("a", "t", "/dev/zero"),
            ("a", "t", "outputs/b/t.parquet"),
            ("a", "t", "outputs/a/../../data/x.parquet"),
            ("a", "t", "outputs/a/u.parquet"),
            ("a", "t", "pipeline.toml"),
        ] {
            let text = format!("version = 1\n{}", entry(stage, output, path));
            let lock = Lock::parse(&text);
            assert!(lock.stages.is_empty(), "{path} accepted");
            let problem = &lock.unreadable[0];
            assert_eq!(problem.line, Some(11), "{path}: {problem}");
            assert!(
                problem
                    .to_string()
                    .starts_with("pipeline.lock:11: the entry `a` has output `t` at"),
                "{problem}"
            );
        }
        let text = format!("version = 1\n{}", entry("a", "t", "outputs/a/t.parquet"));
        assert_eq!(Lock::parse(&text).stages.len(), 1);
    }

    #[test]
    fn stage_names_must_be_identifiers() {
        let text = format!(
            "version = 1\n{}",
            entry("\"../data\"", "t", "outputs/../data/t.parquet")
        );
        let lock = Lock::parse(&text);
        assert!(lock.stages.is_empty());
        assert_eq!(lock.unreadable[0].stage.as_deref(), Some("../data"));
        assert_eq!(lock.unreadable[0].line, Some(2));
    }

    #[test]
    fn file_outputs_stay_in_the_stage_folder() {
        assert!(output_path_ok(
            "r",
            "index.html",
            "outputs/r/index.html",
            false
        ));
        assert!(output_path_ok(
            "r",
            "figures/a.svg",
            "outputs/r/figures/a.svg",
            false
        ));
        for bad in ["../x", "figures/../../x", "", ".hidden", "a//b", "./a"] {
            assert!(
                !output_path_ok("r", bad, &format!("outputs/r/{bad}"), false),
                "{bad}"
            );
        }
        assert!(!output_path_ok("r", "t", "outputs/r/t", true));
    }
}
