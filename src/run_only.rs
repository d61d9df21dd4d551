//! `wecare run --only STAGE` (what each Snakemake rule runs) and the lock discipline that makes
//! concurrent runs of different stages safe.
//!
//! - `--only` runs exactly one stage and refuses when any stage upstream of it is stale: a
//!   scheduler (Snakemake) decides the order, wecare only checks it.
//! - It does not take the project lock (`.wecare/run.lock`, held by a whole `wecare run`) but a
//!   per-stage lock, `.wecare/stage-<name>.lock`, so two runs of the same stage wait for each
//!   other and runs of different stages proceed in parallel.
//! - Every writer of `pipeline.lock` — a whole run or an `--only` run — records a stage's entry
//!   with [`record`]: under an exclusive OS lock on `.wecare/pipeline.lock.lock` it rereads
//!   `pipeline.lock`, replaces that one entry and writes the file atomically, so entries written
//!   by other processes in the meantime are kept.
use std::fs::{File, OpenOptions};
use std::path::Path;

use crate::commands::statuses;
use crate::config::Pipeline;
use crate::error::Error;
use crate::lockfile::{Lock, LockEntry};

fn lock_file(root: &Path, name: &str) -> std::io::Result<File> {
    let dir = root.join(".wecare");
    std::fs::create_dir_all(&dir)?;
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.join(name))
}

/// Held while one stage runs under `--only`; released by the OS if the process dies.
#[derive(Debug)]
pub struct StageGuard {
    _file: File,
}

/// Takes the per-stage lock of `stage`, waiting while another `--only` run of it holds it.
///
/// # Errors
/// When the lock file cannot be created or locked.
pub fn stage_guard(root: &Path, stage: &str) -> Result<StageGuard, Error> {
    let name = format!("stage-{stage}.lock");
    let file = lock_file(root, &name).map_err(|e| Error::io(format!(".wecare/{name}"), &e))?;
    file.lock()
        .map_err(|e| Error::io(format!(".wecare/{name}"), &e))?;
    Ok(StageGuard { _file: file })
}

/// Records the entries of the stages a run built: reread `pipeline.lock`, replace those entries,
/// write, all under an exclusive lock on `.wecare/pipeline.lock.lock`, so concurrent runs of
/// different stages (`--only`) keep each other's entries. Returns the lock as written.
///
/// # Errors
/// When the lock cannot be taken or `pipeline.lock` cannot be written.
pub fn record_all(root: &Path, entries: Vec<(String, LockEntry)>) -> std::io::Result<Lock> {
    let guard = lock_file(root, "pipeline.lock.lock")?;
    guard.lock()?;
    let mut lock = Lock::read(root);
    lock.stages.extend(entries);
    let result = lock.write(root);
    let _ = guard.unlock();
    result.map(|()| lock)
}

/// Fails unless every stage upstream of `stage` is fresh.
///
/// # Errors
/// A usage error naming each stale upstream stage and why it is stale.
pub fn check_upstream(pipeline: &Pipeline, stage: &str) -> Result<(), Error> {
    let named = std::collections::BTreeSet::from([stage.to_string()]);
    let ancestors = pipeline.dag.with_ancestors(&named);
    let stale: Vec<String> = statuses(pipeline)?
        .into_iter()
        .filter(|s| s.name != stage && ancestors.contains(&s.name) && s.state != "fresh")
        .map(|s| {
            let why = s
                .reasons
                .first()
                .map_or_else(String::new, |r| format!(" ({r})"));
            format!("`{}`{why}", s.name)
        })
        .collect();
    if stale.is_empty() {
        return Ok(());
    }
    Err(Error::usage(
        format!(
            "--only {stage}: upstream stage{} {} {} stale",
            if stale.len() == 1 { "" } else { "s" },
            stale.join(", "),
            if stale.len() == 1 { "is" } else { "are" }
        ),
        format!("run them first (`wecare run {stage}` runs the stage and everything it needs)"),
    ))
}
