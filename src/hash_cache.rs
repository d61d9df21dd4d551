//! A size+mtime cache of content hashes, so that a no-op does not rehash gigabytes.
//!
//! Freshness is still decided by content: the lock records blake3 hashes, and `status` and `run`
//! compare them with the hash of each file now. The cache only skips *computing* that hash again
//! for a file whose metadata show it unchanged since it was last hashed: same size, same
//! modification and status-change times (nanoseconds), same inode and device. Anything that writes
//! to a file changes its ctime, which no user tool can set back.
//!
//! One hole remains in every such cache (git calls it "racy clean"): a write in the same clock
//! tick as the hash leaves the times unchanged. An entry is therefore only kept when the file was
//! last modified at least [`RACY_MARGIN`] before it was hashed; a file younger than that is hashed
//! again next time.
//!
//! The cache lives in `.wecare/hash-cache` (never committed). A missing, corrupt or foreign cache
//! is ignored and rebuilt; a cache that cannot be written (a read-only checkout) is skipped. Only
//! `status` and `run` use it: `verify`, `show` and the hash a run records of what a stage read
//! always hash the bytes.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// The cache file, relative to the project.
pub const CACHE_FILE: &str = ".wecare/hash-cache";

/// How long before its hashing a file must have been last modified for its entry to be kept.
pub const RACY_MARGIN: Duration = Duration::from_secs(2);

const HEADER: &str = "wecare hash cache v1";

/// What identifies one version of a file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub(crate) size: u64,
    pub(crate) mtime_ns: i128,
    pub(crate) ctime_ns: i128,
    pub(crate) ino: u64,
    pub(crate) dev: u64,
}

impl Stamp {
    /// The stamp as bytes, for digests.
    pub(crate) fn to_bytes(self) -> [u8; 56] {
        let mut out = [0u8; 56];
        out[..8].copy_from_slice(&self.size.to_le_bytes());
        out[8..24].copy_from_slice(&self.mtime_ns.to_le_bytes());
        out[24..40].copy_from_slice(&self.ctime_ns.to_le_bytes());
        out[40..48].copy_from_slice(&self.ino.to_le_bytes());
        out[48..].copy_from_slice(&self.dev.to_le_bytes());
        out
    }

    /// The later of the modification and status-change times, in nanoseconds since the epoch.
    pub(crate) fn last_change_ns(self) -> i128 {
        self.mtime_ns.max(self.ctime_ns)
    }

    pub(crate) fn of(meta: &std::fs::Metadata) -> Option<Self> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt as _;
            Some(Self {
                size: meta.len(),
                mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
                ctime_ns: i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
                ino: meta.ino(),
                dev: meta.dev(),
            })
        }
        #[cfg(not(unix))]
        {
            let mtime = meta.modified().ok()?;
            let ns = mtime
                .duration_since(SystemTime::UNIX_EPOCH)
                .ok()?
                .as_nanos();
            Some(Self {
                size: meta.len(),
                mtime_ns: i128::try_from(ns).ok()?,
                ctime_ns: 0,
                ino: 0,
                dev: 0,
            })
        }
    }
}

#[derive(Debug, Default)]
struct State {
    loaded: bool,
    changed: bool,
    entries: BTreeMap<String, (Stamp, String)>,
}

/// The hash cache of one project, loaded on first use.
#[derive(Debug)]
pub struct HashCache {
    root: PathBuf,
    enabled: bool,
    state: Mutex<State>,
}

impl HashCache {
    /// The cache of the project at `root` (nothing is read yet).
    #[must_use]
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
            enabled: true,
            state: Mutex::new(State::default()),
        }
    }

    /// Turns the cache off: every hash is computed from the bytes (`wecare verify`).
    pub fn disable(&mut self) {
        self.enabled = false;
    }

    /// blake3 of the file at `rel` (relative to the project) and its size: from the cache when
    /// the file's metadata are unchanged since it was hashed, else read and hashed.
    ///
    /// # Errors
    /// When the file cannot be read or is not a regular file.
    pub fn hash(&self, rel: &str) -> std::io::Result<(String, u64)> {
        let full = self.root.join(rel);
        // A hit costs one stat: no open, no read.
        if self.enabled {
            if let Some(stamp) = std::fs::metadata(&full)
                .ok()
                .filter(std::fs::Metadata::is_file)
                .and_then(|m| Stamp::of(&m))
            {
                let mut state = self.lock();
                self.load(&mut state);
                if let Some((cached, hash)) = state.entries.get(rel) {
                    if *cached == stamp {
                        return Ok((hash.clone(), stamp.size));
                    }
                }
            }
        }
        let mut file = std::fs::File::open(&full)?;
        let meta = file.metadata()?;
        // Never a device, a FIFO or a directory: `/dev/zero` would hash forever.
        if !meta.is_file() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a regular file",
            ));
        }
        let stamp = Stamp::of(&meta).filter(|_| self.enabled);
        let started = SystemTime::now();
        let (hash, size) = crate::fingerprint::hash_reader(&mut file)?;
        // Keep the entry only if nothing can have changed the file in the tick it was hashed in,
        // and only if it was not changed while being read.
        let after = file.metadata().ok().and_then(|m| Stamp::of(&m));
        if let (Some(stamp), Some(after)) = (stamp, after) {
            let old_enough = meta
                .modified()
                .ok()
                .and_then(|m| started.duration_since(m).ok())
                .is_some_and(|age| age >= RACY_MARGIN);
            if after == stamp && size == stamp.size && old_enough {
                let mut state = self.lock();
                let previous = state.entries.insert(rel.to_string(), (stamp, hash.clone()));
                if previous.as_ref() != Some(&(stamp, hash.clone())) {
                    state.changed = true;
                }
            }
        }
        Ok((hash, size))
    }

    /// Writes the cache back when it learnt something (atomically; errors are ignored: the cache
    /// only saves time). Entries of files that no longer exist are dropped.
    pub fn save(&self) {
        let mut state = self.lock();
        if !state.changed {
            return;
        }
        state.entries.retain(|rel, _| self.root.join(rel).is_file());
        let mut text = String::from(HEADER);
        text.push('\n');
        for (rel, (s, hash)) in &state.entries {
            if rel.contains('\n') {
                continue;
            }
            text.push_str(&format!(
                "{hash} {} {} {} {} {} {rel}\n",
                s.size, s.mtime_ns, s.ctime_ns, s.ino, s.dev
            ));
        }
        let dir = self.root.join(".wecare");
        if std::fs::create_dir_all(&dir).is_err() {
            return;
        }
        let tmp = dir.join(format!("hash-cache.tmp-{}", std::process::id()));
        if std::fs::write(&tmp, text).is_ok()
            && std::fs::rename(&tmp, dir.join("hash-cache")).is_ok()
        {
            state.changed = false;
        } else {
            let _ = std::fs::remove_file(&tmp);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn load(&self, state: &mut State) {
        if state.loaded {
            return;
        }
        state.loaded = true;
        let Ok(text) = std::fs::read_to_string(self.root.join(CACHE_FILE)) else {
            return;
        };
        state.entries = parse(&text);
    }
}

/// The entries of a cache file; a file that is not a cache gives none, a bad line is skipped.
fn parse(text: &str) -> BTreeMap<String, (Stamp, String)> {
    let mut lines = text.lines();
    if lines.next() != Some(HEADER) {
        return BTreeMap::new();
    }
    lines
        .filter_map(|line| {
            let mut parts = line.splitn(7, ' ');
            let hash = parts.next()?;
            if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            let stamp = Stamp {
                size: parts.next()?.parse().ok()?,
                mtime_ns: parts.next()?.parse().ok()?,
                ctime_ns: parts.next()?.parse().ok()?,
                ino: parts.next()?.parse().ok()?,
                dev: parts.next()?.parse().ok()?,
            };
            let rel = parts.next()?;
            (!rel.is_empty()).then(|| (rel.to_string(), (stamp, hash.to_string())))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn age(path: &Path, secs: u64) {
        let old = SystemTime::now() - Duration::from_secs(secs);
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(old)
            .unwrap();
    }

    #[test]
    fn an_unchanged_old_file_is_served_from_the_cache_after_a_save() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.csv"), "x\n1\n").unwrap();
        age(&dir.path().join("a.csv"), 60);
        let cache = HashCache::new(dir.path());
        let first = cache.hash("a.csv").unwrap();
        assert_eq!(first.0, blake3::hash(b"x\n1\n").to_hex().to_string());
        cache.save();
        let text = std::fs::read_to_string(dir.path().join(CACHE_FILE)).unwrap();
        assert!(
            text.starts_with(HEADER) && text.contains(" a.csv\n"),
            "{text}"
        );
        // A doctored entry proves the second reader trusts the cache for an unchanged file.
        let doctored = text.replace(&first.0, &"0".repeat(64));
        std::fs::write(dir.path().join(CACHE_FILE), doctored).unwrap();
        let again = HashCache::new(dir.path());
        assert_eq!(again.hash("a.csv").unwrap().0, "0".repeat(64));
    }

    #[test]
    fn any_write_or_a_young_file_means_rehashing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        std::fs::write(&path, "x\n1\n").unwrap();
        // Just written: too young to cache.
        let cache = HashCache::new(dir.path());
        cache.hash("a.csv").unwrap();
        assert!(cache.lock().entries.is_empty());
        age(&path, 60);
        cache.hash("a.csv").unwrap();
        cache.save();
        // Same size, mtime set back to the recorded one: the ctime still gives the write away.
        let stamp = cache.lock().entries["a.csv"].0;
        std::fs::write(&path, "x\n2\n").unwrap();
        let old =
            SystemTime::UNIX_EPOCH + Duration::from_nanos(u64::try_from(stamp.mtime_ns).unwrap());
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let fresh = HashCache::new(dir.path());
        assert_eq!(
            fresh.hash("a.csv").unwrap().0,
            blake3::hash(b"x\n2\n").to_hex().to_string()
        );
    }

    #[test]
    fn a_corrupt_or_foreign_cache_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.csv"), "abc").unwrap();
        std::fs::create_dir_all(dir.path().join(".wecare")).unwrap();
        for junk in [
            "",
            "garbage\n",
            "wecare hash cache v1\nzz 1 2 3 4 5 a.csv\n\u{0}\n",
        ] {
            std::fs::write(dir.path().join(CACHE_FILE), junk).unwrap();
            let cache = HashCache::new(dir.path());
            assert_eq!(
                cache.hash("a.csv").unwrap().0,
                blake3::hash(b"abc").to_hex().to_string()
            );
        }
        assert!(HashCache::new(dir.path()).hash("missing.csv").is_err());
    }
}
