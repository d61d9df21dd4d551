//! The sealed verdict of a no-op, so that `wecare run` on a fresh project of 80,000 output files
//! neither parses its lock nor looks up 80,000 cached hashes.
//!
//! When `run` finds every stage of the pipeline fresh (the full check: fingerprints, and every
//! input and output hash through the [`crate::hash_cache`]), it writes `.wecare/fresh-seal`
//! (never committed): a key over everything the verdict read besides files — the build (tool
//! version, engine code, the code identity of every kind the pipeline uses) and the bytes of
//! `pipeline.toml` — and, for every file it read (`pipeline.lock`, each file input, each output
//! the lock records) and every directory under `outputs/`, the file's stamp: size,
//! modification and status-change times, inode and device, the same stamp the hash cache trusts.
//!
//! The next `run` checks the seal before anything else: same key, and every listed path still
//! has its stamp (one `stat` each, in parallel). Then nothing the verdict depended on can have
//! changed — a write to a file changes its status-change time, which no tool sets back; a file
//! created, removed or renamed in a directory (a temporary file left by a killed run, a new
//! output) changes that directory's times — and the run reports every stage fresh without
//! parsing the lock. Anything else — a missing or foreign seal, one path changed — means the
//! full check, exactly as without a seal.
//!
//! The seal is written only when every listed path was last changed at least
//! [`crate::hash_cache::RACY_MARGIN`] before the check that found the stages fresh: a change in
//! the same clock tick as that check, or between it and the writing of the seal, would otherwise
//! go unseen. A seal that cannot be written (a read-only checkout) is skipped.
use std::collections::BTreeSet;
use std::path::Path;
use std::time::SystemTime;

use rayon::prelude::*;

use crate::config::{InputRef, Pipeline};
use crate::hash_cache::{Stamp, RACY_MARGIN};
use crate::lockfile::Lock;

/// The seal, relative to the project.
pub const FILE: &str = ".wecare/fresh-seal";

const HEADER: &str = "wecare fresh seal v1";

/// Below this many paths the stamps are taken on the calling thread.
const PARALLEL_FROM: usize = 512;

/// What the verdict depends on besides files.
fn key(pipeline: &Pipeline) -> String {
    let mut h = blake3::Hasher::new_derive_key("wecare fresh seal key v1");
    let mut part = |bytes: &[u8]| {
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    part(crate::status::TOOL_VERSION.as_bytes());
    part(crate::fingerprint::ENGINE_CODE.as_bytes());
    let kinds: BTreeSet<&str> = pipeline.stages.values().map(|d| d.kind.name).collect();
    for kind in kinds {
        part(kind.as_bytes());
        part(wecare_stages::code_identity(kind).as_bytes());
    }
    part(pipeline.source_hash.as_bytes());
    h.finalize().to_hex().to_string()
}

/// A listed path: a directory or a regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    Dir,
    File,
}

/// The stamp of `rel` when it is still what the seal listed it as.
#[cfg(not(unix))]
fn stamp(root: &Path, entry: Entry, rel: &str) -> Option<Stamp> {
    // Followed like the hash cache follows it: the target's changes are what count.
    let meta = std::fs::metadata(root.join(rel)).ok()?;
    let right = match entry {
        Entry::Dir => meta.is_dir(),
        Entry::File => meta.is_file(),
    };
    right.then(|| Stamp::of(&meta)).flatten()
}

#[cfg(not(unix))]
fn stamps(root: &Path, paths: &[(Entry, &str)]) -> Vec<Option<Stamp>> {
    paths.par_iter().map(|(e, p)| stamp(root, *e, p)).collect()
}

/// The stamps of `paths`, each `stat`ed relative to its open parent directory (one path
/// component looked up, not every one from the root), in parallel; `None` for a path that is
/// gone or no longer a directory or regular file (symbolic links followed, as the hash cache
/// follows them).
#[cfg(unix)]
fn stamps(root: &Path, paths: &[(Entry, &str)]) -> Vec<Option<Stamp>> {
    use rustix::fs::{AtFlags, FileType, Mode, OFlags};
    fn num<T: Into<i128>>(x: T) -> i128 {
        x.into()
    }
    let one = |parent: &mut Option<(String, Option<rustix::fd::OwnedFd>)>,
               &(entry, rel): &(Entry, &str)| {
        let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
        if parent.as_ref().is_none_or(|(d, _)| d != dir) {
            let fd = rustix::fs::open(
                root.join(dir),
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .ok();
            *parent = Some((dir.to_string(), fd));
        }
        let fd = parent.as_ref()?.1.as_ref()?;
        let st = rustix::fs::statat(fd, name, AtFlags::empty()).ok()?;
        let right = match entry {
            Entry::Dir => FileType::from_raw_mode(st.st_mode) == FileType::Directory,
            Entry::File => FileType::from_raw_mode(st.st_mode) == FileType::RegularFile,
        };
        right.then(|| Stamp {
            size: u64::try_from(num(st.st_size)).unwrap_or(u64::MAX),
            mtime_ns: num(st.st_mtime) * 1_000_000_000 + num(st.st_mtime_nsec),
            ctime_ns: num(st.st_ctime) * 1_000_000_000 + num(st.st_ctime_nsec),
            ino: u64::try_from(num(st.st_ino)).unwrap_or(u64::MAX),
            dev: u64::try_from(num(st.st_dev)).unwrap_or(u64::MAX),
        })
    };
    if paths.len() < PARALLEL_FROM {
        let mut parent = None;
        paths.iter().map(|p| one(&mut parent, p)).collect()
    } else {
        paths.par_iter().map_init(|| None, one).collect()
    }
}

fn digest(paths: &[(Entry, &str)], stamps: &[Stamp]) -> String {
    // One buffer hashed at once: blake3 is several times faster on long input than fed in pieces.
    let mut bytes = Vec::with_capacity(paths.iter().map(|(_, p)| p.len() + 65).sum());
    for ((entry, path), s) in paths.iter().zip(stamps) {
        bytes.push(u8::from(*entry == Entry::Dir));
        bytes.extend_from_slice(&(path.len() as u64).to_le_bytes());
        bytes.extend_from_slice(path.as_bytes());
        bytes.extend_from_slice(&s.to_bytes());
    }
    let mut h = blake3::Hasher::new_derive_key("wecare fresh seal stamps v1");
    h.update(&bytes);
    h.finalize().to_hex().to_string()
}

/// Whether the seal vouches that every stage of `pipeline` is fresh and no temporary file was
/// left under `outputs/` since it was written.
#[must_use]
pub fn holds(pipeline: &Pipeline) -> bool {
    let root = &pipeline.root;
    let Ok(text) = std::fs::read_to_string(root.join(FILE)) else {
        return false;
    };
    let mut lines = text.lines();
    if lines.next() != Some(HEADER) || lines.next() != Some(key(pipeline).as_str()) {
        return false;
    }
    let Some(sealed) = lines.next() else {
        return false;
    };
    let mut paths = Vec::new();
    for line in lines {
        let entry = match line.split_at_checked(2) {
            Some(("d ", rel)) => (Entry::Dir, rel),
            Some(("f ", rel)) => (Entry::File, rel),
            _ => return false,
        };
        paths.push(entry);
    }
    let Some(now): Option<Vec<Stamp>> = stamps(root, &paths).into_iter().collect() else {
        return false;
    };
    digest(&paths, &now) == sealed
}

/// Seals the verdict that every stage of `pipeline` is fresh against `lock`, as checked from
/// `checked` on (the lock was read after it), with `dirs` the directories under `outputs/` the
/// run found no temporary file in. Errors are ignored: the seal only saves time.
pub fn write(pipeline: &Pipeline, lock: &Lock, dirs: &[String], checked: SystemTime) {
    let root = &pipeline.root;
    if !lock.unreadable.is_empty() {
        return;
    }
    // The lock is listed like any file: its stamp, not its bytes (it can be tens of megabytes).
    let mut files: BTreeSet<&str> = BTreeSet::from([crate::lockfile::LOCK_FILE]);
    for decl in pipeline.stages.values() {
        for input in decl.inputs.values() {
            if let InputRef::File(path) = input {
                files.insert(path);
            }
        }
        let Some(entry) = lock.stages.get(&decl.name) else {
            return;
        };
        files.extend(entry.outputs.values().map(|o| o.path.as_str()));
    }
    let mut paths: Vec<(Entry, &str)> = dirs.iter().map(|d| (Entry::Dir, d.as_str())).collect();
    paths.extend(files.into_iter().map(|f| (Entry::File, f)));
    if paths.iter().any(|(_, p)| p.contains('\n')) {
        return;
    }
    let Some(now): Option<Vec<Stamp>> = stamps(root, &paths).into_iter().collect() else {
        return;
    };
    let Some(line) = checked.checked_sub(RACY_MARGIN) else {
        return;
    };
    let line_ns = line
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i128::try_from(d.as_nanos()).unwrap_or(i128::MAX));
    if now.iter().any(|s| s.last_change_ns() > line_ns) {
        return;
    }
    let mut text = format!("{HEADER}\n{}\n{}\n", key(pipeline), digest(&paths, &now));
    for (entry, path) in &paths {
        text.push_str(if *entry == Entry::Dir { "d " } else { "f " });
        text.push_str(path);
        text.push('\n');
    }
    let dir = root.join(".wecare");
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let tmp = dir.join(format!("fresh-seal.tmp-{}", std::process::id()));
    if std::fs::write(&tmp, text).is_err() || std::fs::rename(&tmp, root.join(FILE)).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}
