//! `wecare run`: decides which stages to run, runs independent ones in parallel (see
//! [`crate::scheduler`]), writes their outputs atomically and their lock entries last.
//!
//! Hardening: a stage reads a private snapshot of each input file, copied while it is hashed, so
//! the lock records the hash of the bytes the stage actually read (an input edited during the run
//! and restored cannot leave a wrong "fresh"); upstream tables are hashed as they are read; the
//! lock is written once per batch of finished stages (at most every [`LOCK_WRITE_EVERY`], and
//! always last), so a run is linear in the number of stages; temporary files left by a killed run
//! are removed when the next run starts.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use wecare_stages::{InputFile, StageInput};

use crate::config::{normalize_path, InputRef, Pipeline, StageDecl};
use crate::diagnostic::suggest;
use crate::error::Error;
use crate::fingerprint;
use crate::lockfile::{Lock, LockEntry, LockedOutput};
use crate::printer::Printer;
use crate::status::{self, evaluate, Evaluation};
use crate::table_io;

/// The lock is rewritten at most this often while stages finish (and always at the end).
pub const LOCK_WRITE_EVERY: Duration = Duration::from_secs(1);

/// What `wecare run` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Named stages (empty: all).
    pub targets: Vec<String>,
    /// Rerun the named stages (all, when none is named) even if fresh.
    pub force: bool,
    /// Also run what depends on the named stages.
    pub downstream: bool,
    /// Only say what would run.
    pub dry_run: bool,
    /// Worker threads (default: rayon's, which honours `RAYON_NUM_THREADS`).
    pub jobs: Option<usize>,
    /// Run exactly this stage, refusing if a stage upstream of it is stale (`--only`).
    pub only: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Fresh,
    Ran,
    WouldRun,
    Failed,
    Skipped,
}

/// The stages a run covers, and those `--force` applies to.
///
/// # Errors
/// When a named stage does not exist.
pub fn select(
    pipeline: &Pipeline,
    targets: &[String],
    downstream: bool,
) -> Result<BTreeSet<String>, Error> {
    check_stage_names(pipeline, targets)?;
    if targets.is_empty() {
        return Ok(pipeline.stages.keys().cloned().collect());
    }
    let named: BTreeSet<String> = targets.iter().cloned().collect();
    let roots = if downstream {
        pipeline.dag.with_descendants(&named)
    } else {
        named
    };
    Ok(pipeline.dag.with_ancestors(&roots))
}

/// Fails with a usage error (and a suggestion) when a name is not a stage.
///
/// # Errors
/// The first unknown name.
pub fn check_stage_names(pipeline: &Pipeline, names: &[String]) -> Result<(), Error> {
    for name in names {
        if !pipeline.stages.contains_key(name) {
            let all: Vec<&str> = pipeline.stages.keys().map(String::as_str).collect();
            return Err(Error::usage(
                format!("unknown stage `{name}`"),
                format!(
                    "stages: {}{}",
                    all.join(", "),
                    suggest(name, all.iter().copied())
                ),
            ));
        }
    }
    Ok(())
}

struct Run<'a> {
    pipeline: &'a Pipeline,
    printer: &'a Printer,
    forced: BTreeSet<String>,
    dry_run: bool,
    lock: Mutex<Lock>,
    /// Stage entries recorded in `lock` since it was last written.
    /// Stages whose new lock entries are not on disk yet.
    unwritten: Mutex<BTreeSet<String>>,
    outcomes: Mutex<BTreeMap<String, Outcome>>,
    timings: Mutex<BTreeMap<String, Duration>>,
}

/// Runs the pipeline.
///
/// # Errors
/// [`Error::StagesFailed`] when a stage failed; I/O errors on the lock.
pub fn run(pipeline: &Pipeline, opts: &RunOptions, printer: &Printer) -> Result<(), Error> {
    let started = Instant::now();
    let selected = match &opts.only {
        Some(stage) => {
            check_stage_names(pipeline, std::slice::from_ref(stage))?;
            BTreeSet::from([stage.clone()])
        }
        None => select(pipeline, &opts.targets, opts.downstream)?,
    };
    let forced: BTreeSet<String> = match (opts.force, opts.targets.is_empty()) {
        (true, _) if opts.only.is_some() => selected.clone(),
        (false, _) => BTreeSet::new(),
        (true, true) => selected.clone(),
        (true, false) => {
            let named: BTreeSet<String> = opts.targets.iter().cloned().collect();
            if opts.downstream {
                pipeline.dag.with_descendants(&named)
            } else {
                named
            }
        }
    };
    // `--only` locks its stage, not the project (see `run_only`).
    let guard = if opts.dry_run || opts.only.is_some() {
        None
    } else {
        match crate::project_lock::acquire(&pipeline.root, printer) {
            Ok(guard) => Some(guard),
            Err(err) => {
                return read_only_fresh(pipeline, &selected, &forced, err, printer, started)
            }
        }
    };
    // The common case, a no-op, vouched for by the seal of the last one (see `fresh_seal`):
    // nothing listed changed, so every stage is fresh and no temporary file was left under
    // `outputs/` since.
    let plain = !opts.dry_run && opts.only.is_none() && forced.is_empty();
    if plain && guard.is_some() && crate::fresh_seal::holds(pipeline) {
        say_removed(printer, remove_lock_leftovers(&pipeline.root));
        printer.verbose(&format!(
            "nothing changed since every stage was last found fresh ({})",
            crate::fresh_seal::FILE
        ));
        let fresh = pipeline.dag.topo_order().into_iter();
        nothing_to_do(
            pipeline,
            printer,
            fresh.filter(|s| selected.contains(s)),
            started,
        );
        drop(guard);
        return Ok(());
    }
    let mut output_dirs = Vec::new();
    if guard.is_some() {
        let (removed, dirs) = remove_leftovers_listing(&pipeline.root);
        say_removed(printer, removed);
        output_dirs = dirs;
    }
    let _stage_guard = match (&opts.only, opts.dry_run) {
        (Some(stage), false) => Some(crate::run_only::stage_guard(&pipeline.root, stage)?),
        _ => None,
    };
    // Stages upstream of an `--only` stage must be fresh; they count as such below.
    let mut upstream_fresh = BTreeMap::new();
    if let Some(stage) = &opts.only {
        crate::run_only::check_upstream(pipeline, stage)?;
        let named = BTreeSet::from([stage.clone()]);
        for name in pipeline.dag.with_ancestors(&named) {
            if name != *stage {
                upstream_fresh.insert(name, Outcome::Fresh);
            }
        }
    }
    let checked = std::time::SystemTime::now();
    let lock = Lock::read(&pipeline.root);
    for problem in &lock.unreadable {
        printer.error(&format!("warning: {problem}"));
    }
    // The common case, a no-op, decided on this thread as `status` does, without starting workers.
    if plain {
        if let Ok(all) = crate::commands::statuses_with(pipeline, &lock) {
            if all
                .iter()
                .filter(|s| selected.contains(&s.name))
                .all(|s| s.state == "fresh")
            {
                if guard.is_some() && all.iter().all(|s| s.state == "fresh") {
                    crate::fresh_seal::write(pipeline, &lock, &output_dirs, checked);
                }
                let fresh = all.into_iter().map(|s| s.name);
                nothing_to_do(
                    pipeline,
                    printer,
                    fresh.filter(|s| selected.contains(s)),
                    started,
                );
                drop(guard);
                return Ok(());
            }
        }
    }
    let run = Run {
        pipeline,
        printer,
        forced,
        dry_run: opts.dry_run,
        lock: Mutex::new(lock),
        unwritten: Mutex::new(BTreeSet::new()),
        outcomes: Mutex::new(upstream_fresh),
        timings: Mutex::new(BTreeMap::new()),
    };
    // A dry run does no work: one worker prints its lines in the DAG's order, the same every time.
    let jobs = if opts.dry_run {
        1
    } else {
        opts.jobs.unwrap_or_else(default_jobs)
    };
    let order: Vec<String> = pipeline
        .dag
        .topo_order()
        .into_iter()
        .filter(|s| selected.contains(s))
        .collect();
    let mut last_write = Instant::now();
    let mut lock_writes = 0usize;
    let mut lock_error: Option<String> = None;
    crate::scheduler::schedule(
        &order,
        |s| pipeline.dag.upstream(s),
        jobs,
        |s| run.process(s),
        |s, outcome| {
            let outcome = outcome.unwrap_or_else(|| {
                printer.error(&format!(
                    "error: stage `{s}` failed: internal error (a bug in wecare, please report it)"
                ));
                Outcome::Failed
            });
            run.outcomes().insert(s.to_string(), outcome);
            if last_write.elapsed() >= LOCK_WRITE_EVERY {
                if let Err(e) = run.write_lock() {
                    lock_error.get_or_insert(e);
                }
                lock_writes += 1;
                last_write = Instant::now();
            }
        },
    );
    if !run
        .unwritten
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .is_empty()
    {
        if let Err(e) = run.write_lock() {
            lock_error.get_or_insert(e);
        }
        lock_writes += 1;
    }
    let mut outcomes = run.outcomes().clone();
    outcomes.retain(|name, _| selected.contains(name));
    let count = |o: Outcome| outcomes.values().filter(|&&x| x == o).count();
    let elapsed = started.elapsed();
    let (ran, fresh, failed, skipped, would) = (
        count(Outcome::Ran),
        count(Outcome::Fresh),
        count(Outcome::Failed),
        count(Outcome::Skipped),
        count(Outcome::WouldRun),
    );
    let secs = format!("{:.2}s", elapsed.as_secs_f64());
    if opts.dry_run {
        printer.line(&format!(
            "dry run: {would} would run, {fresh} fresh ({secs})"
        ));
    } else if ran == 0 && failed == 0 && skipped == 0 {
        say_nothing_to_do(printer, fresh, elapsed);
    } else {
        let skipped = if skipped > 0 {
            format!(", {skipped} skipped")
        } else {
            String::new()
        };
        printer.line(&format!(
            "{ran} run, {fresh} fresh, {failed} failed{skipped} ({secs})"
        ));
    }
    if !opts.dry_run {
        write_run_log(
            &pipeline.root,
            &outcomes,
            &run.timings
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            elapsed,
            lock_writes,
        );
    }
    drop(guard);
    if let Some(message) = lock_error {
        return Err(Error::Io {
            path: crate::lockfile::LOCK_FILE.into(),
            message: format!("{message}; the stages that ran will run again"),
        });
    }
    if failed > 0 {
        return Err(Error::StagesFailed { failed });
    }
    Ok(())
}

impl Run<'_> {
    fn outcomes(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Outcome>> {
        self.outcomes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn locked(&self) -> std::sync::MutexGuard<'_, Lock> {
        self.lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn process(&self, name: &str) -> Outcome {
        let decl = &self.pipeline.stages[name];
        let blocked: Vec<String> = {
            let outcomes = self.outcomes();
            self.pipeline
                .dag
                .upstream(name)
                .into_iter()
                .filter(|u| matches!(outcomes.get(u), Some(Outcome::Failed | Outcome::Skipped)))
                .collect()
        };
        if !blocked.is_empty() {
            self.printer.line(&format!(
                "skip   {name}: upstream `{}` failed",
                blocked.join("`, `")
            ));
            return Outcome::Skipped;
        }
        let evaluation = {
            // Only what this stage needs: its upstream tables' hashes and its own entry (cloning
            // the whole lock for every stage would make a run quadratic).
            let mut known: BTreeMap<(String, String), String> = BTreeMap::new();
            // The provenance record reads the ancestors' entries: only its kinds get a copy.
            let mut ancestors = BTreeMap::new();
            let own = {
                let outcomes = self.outcomes();
                let lock = self.locked();
                for source in decl.inputs.values() {
                    if let InputRef::Table { stage, table } = source {
                        if matches!(outcomes.get(stage), Some(Outcome::Fresh | Outcome::Ran)) {
                            if let Some(o) =
                                lock.stages.get(stage).and_then(|e| e.outputs.get(table))
                            {
                                known.insert((stage.clone(), table.clone()), o.hash.clone());
                            }
                        }
                    }
                }
                if wecare_stages::reads_provenance(decl.kind.name) {
                    ancestors.clone_from(&lock.stages);
                }
                lock.stages.get(name).cloned()
            };
            let upstream = |stage: &str, table: &str| -> Option<String> {
                known.get(&(stage.to_string(), table.to_string())).cloned()
            };
            evaluate(
                self.pipeline,
                decl,
                own.as_ref(),
                self.forced.contains(name),
                &upstream,
                &ancestors,
            )
        };
        let evaluation = match evaluation {
            Ok(e) => e,
            Err(e) => {
                self.printer.error(&format!("error: stage `{name}`: {e}"));
                return Outcome::Failed;
            }
        };
        if evaluation.is_fresh() {
            self.printer.verbose(&format!("fresh  {name}"));
            return Outcome::Fresh;
        }
        let why = evaluation
            .reasons
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        if self.dry_run {
            self.printer.line(&format!("would run {name}: {why}"));
            return Outcome::WouldRun;
        }
        let activity = self.printer.start(name, &why);
        let started = Instant::now();
        let result = self.execute(decl, &evaluation);
        activity.finish();
        let took = started.elapsed();
        self.timings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(name.to_string(), took);
        match result {
            Ok((entry, summary)) => {
                let mut tables: Vec<String> = entry
                    .outputs
                    .iter()
                    .filter_map(|(k, o)| o.rows.map(|r| format!("{k} {r} rows")))
                    .collect();
                let files = entry.outputs.values().filter(|o| o.rows.is_none()).count();
                if files > 0 {
                    tables.push(format!("{files} file{}", if files == 1 { "" } else { "s" }));
                }
                self.printer.line(&format!(
                    "done   {name} ({:.2}s): {}",
                    took.as_secs_f64(),
                    tables.join(", ")
                ));
                for line in summary {
                    self.printer.verbose(&format!("       {line}"));
                }
                Outcome::Ran
            }
            Err(message) => {
                self.printer
                    .error(&format!("error: stage `{name}` failed: {message}"));
                Outcome::Failed
            }
        }
    }

    /// Runs one stage and records it. Returns the new lock entry, or the error text.
    fn execute(
        &self,
        decl: &StageDecl,
        evaluation: &Evaluation,
    ) -> Result<(LockEntry, Vec<String>), String> {
        let root = &self.pipeline.root;
        let inputs = evaluation
            .inputs
            .clone()
            .ok_or("upstream inputs are not available")?;
        let fingerprint = evaluation
            .fingerprint
            .clone()
            .ok_or("upstream inputs are not available")?;
        let seed = fingerprint::stage_seed(self.pipeline.seed, &decl.name);
        let mut input = StageInput {
            stage: decl.name.clone(),
            params: decl.params.clone(),
            seed,
            input_hashes: inputs
                .iter()
                .map(|(slot, locked)| (slot.clone(), locked.hash.clone()))
                .collect(),
            provenance: evaluation.provenance.clone(),
            ..StageInput::default()
        };
        fault_wait("before_read", &decl.name);
        // The stage reads private snapshots of its input files, copied while hashed: the hash
        // the lock records is the hash of the bytes the stage read, whatever happens to the
        // files meanwhile.
        let snapshot = tempfile::Builder::new()
            .prefix("wecare-inputs-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary directory for the inputs: {e}"))?;
        for (slot, source) in &decl.inputs {
            let expected = &inputs[slot].hash;
            match source {
                InputRef::File(path) => {
                    let copy = snapshot.path().join(slot).join(
                        Path::new(path)
                            .file_name()
                            .unwrap_or_else(|| std::ffi::OsStr::new("input")),
                    );
                    let hash = snapshot_file(&root.join(path), &copy)
                        .map_err(|e| format!("cannot read `{path}`: {e}"))?;
                    if &hash != expected {
                        return Err(format!(
                            "input `{path}` changed while this run was reading it (hash {} → {}); nothing was recorded\n  hint: run again once the file is saved",
                            fingerprint::short(expected),
                            fingerprint::short(&hash)
                        ));
                    }
                    input.files.insert(
                        slot.clone(),
                        InputFile {
                            path: copy,
                            display: path.clone(),
                        },
                    );
                }
                InputRef::Table { stage, table } => {
                    let path = status::table_path(stage, table);
                    let bytes = read_regular(&root.join(&path))
                        .map_err(|e| format!("cannot read `{path}`: {e}"))?;
                    let hash = fingerprint::hash_bytes(&bytes);
                    if &hash != expected {
                        return Err(format!(
                            "upstream table `{path}` changed while this run was reading it (hash {} → {}); nothing was recorded\n  hint: run again; do not edit outputs/ by hand",
                            fingerprint::short(expected),
                            fingerprint::short(&hash)
                        ));
                    }
                    let df = match wecare_stages::slot_columns(decl.kind.name, slot) {
                        Some(columns) => table_io::read_parquet_columns(bytes, columns),
                        None => table_io::read_parquet_bytes(bytes),
                    }
                    .map_err(|e| format!("cannot read `{path}`: {e}"))?;
                    input.tables.insert(slot.clone(), df);
                }
            }
        }
        fault_wait("before_stage", &decl.name);
        // A panic in a stage is a bug, not a reason to take the whole run down: the stage fails,
        // its outputs stay as they were, independent stages carry on.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            wecare_stages::run(decl.kind.name, &input)
        }))
        .map_err(|panic| {
            let what = panic
                .downcast_ref::<&str>()
                .map(ToString::to_string)
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            format!(
                "internal error in kind `{}` (a bug in wecare, please report it): {what}",
                decl.kind.name
            )
        })?;
        drop(snapshot);
        let output = result.map_err(|e| match e.hint() {
            Some(hint) => format!("{e}\n  hint: {hint}"),
            None => e.to_string(),
        })?;
        for table in decl.kind.outputs {
            if !output.tables.contains_key(*table) {
                return Err(format!(
                    "internal: kind `{}` did not produce its table `{table}`",
                    decl.kind.name
                ));
            }
        }
        for file in wecare_stages::file_outputs(decl.kind.name) {
            if !file.contains('*') && !output.files.contains_key(*file) {
                return Err(format!(
                    "internal: kind `{}` did not produce its file `{file}`",
                    decl.kind.name
                ));
            }
        }
        // Encode everything first: a stage whose outputs cannot be encoded writes nothing.
        let mut files: Vec<(String, String, Vec<u8>, Option<u64>)> = Vec::new();
        for (table, df) in output.tables {
            if !decl.kind.outputs.contains(&table.as_str()) {
                return Err(format!(
                    "internal: kind `{}` produced undeclared table `{table}`",
                    decl.kind.name
                ));
            }
            let mut df = df;
            let bytes = table_io::parquet_bytes(&mut df)
                .map_err(|e| format!("cannot encode `{table}`: {e}"))?;
            files.push((
                table.clone(),
                status::table_path(&decl.name, &table),
                bytes,
                Some(df.height() as u64),
            ));
        }
        for (name, bytes) in output.files {
            let rel = normalize_path(&name)
                .map_err(|why| format!("internal: output file `{name}` {why}"))?;
            if !wecare_stages::is_declared_file(decl.kind.name, &rel) {
                return Err(format!(
                    "internal: kind `{}` produced undeclared file `{name}`",
                    decl.kind.name
                ));
            }
            files.push((
                name.clone(),
                format!("outputs/{}/{rel}", decl.name),
                bytes,
                None,
            ));
        }
        let pause = std::env::var("WECARE_FAULT_PAUSE_STAGE").ok();
        let mut outputs = BTreeMap::new();
        for (i, (name, path, bytes, rows)) in files.into_iter().enumerate() {
            table_io::write_atomic(&root.join(&path), &bytes)
                .map_err(|e| format!("cannot write `{path}`: {e}"))?;
            if i == 0 && pause.as_deref() == Some(decl.name.as_str()) {
                // Fault injection for the crash-safety test: stop between two output writes.
                std::thread::sleep(Duration::from_secs(60));
            }
            let hash = fingerprint::hash_bytes(&bytes);
            outputs.insert(
                name,
                LockedOutput {
                    path,
                    hash,
                    bytes: bytes.len() as u64,
                    rows,
                },
            );
        }
        let entry = LockEntry {
            kind: decl.kind.name.to_string(),
            fingerprint,
            tool_version: status::TOOL_VERSION.to_string(),
            code: wecare_stages::code_identity(decl.kind.name),
            engine: fingerprint::ENGINE_CODE.to_string(),
            seed: status::seed_text(seed),
            params: decl.params.clone(),
            inputs,
            outputs,
        };
        let mut lock = self.locked();
        if let Some(old) = lock.stages.get(&decl.name) {
            for (name, out) in &old.outputs {
                // Entries were checked when the lock was read; check again before deleting.
                let own = crate::lockfile::output_path_ok(
                    &decl.name,
                    name,
                    &out.path,
                    out.rows.is_some(),
                );
                if own && !entry.outputs.contains_key(name) {
                    let _ = std::fs::remove_file(root.join(&out.path));
                }
            }
        }
        lock.stages.insert(decl.name.clone(), entry.clone());
        drop(lock);
        self.unwritten
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(decl.name.clone());
        Ok((entry, output.summary))
    }

    /// Writes the lock with every entry recorded so far.
    fn write_lock(&self) -> Result<(), String> {
        let mut unwritten = self
            .unwritten
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if unwritten.is_empty() {
            return Ok(());
        }
        // Merged into the file under its exclusive lock: another run (`--only` of another
        // stage) may have recorded its own entries since this run read the lock.
        let lock = self.locked();
        let entries: Vec<(String, crate::lockfile::LockEntry)> = unwritten
            .iter()
            .filter_map(|name| Some((name.clone(), lock.stages.get(name)?.clone())))
            .collect();
        drop(lock);
        crate::run_only::record_all(&self.pipeline.root, entries)
            .map_err(|e| format!("cannot write pipeline.lock: {e}"))?;
        unwritten.clear();
        Ok(())
    }
}

/// Worker threads: `RAYON_NUM_THREADS` when set, else the number of cores.
fn default_jobs() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// The one line of a run that found every selected stage fresh.
/// Reports a no-op of the stages `fresh` (in order) and logs it.
fn nothing_to_do(
    pipeline: &Pipeline,
    printer: &Printer,
    fresh: impl Iterator<Item = String>,
    started: Instant,
) {
    let outcomes: BTreeMap<String, Outcome> = fresh
        .map(|s| {
            printer.verbose(&format!("fresh  {s}"));
            (s, Outcome::Fresh)
        })
        .collect();
    let elapsed = started.elapsed();
    say_nothing_to_do(printer, outcomes.len(), elapsed);
    write_run_log(&pipeline.root, &outcomes, &BTreeMap::new(), elapsed, 0);
}

fn say_removed(printer: &Printer, removed: usize) {
    if removed > 0 {
        printer.line(&format!(
            "removed {removed} temporary file{} left by an interrupted run",
            if removed == 1 { "" } else { "s" }
        ));
    }
}

fn say_nothing_to_do(printer: &Printer, fresh: usize, elapsed: Duration) {
    printer.line(&format!(
        "nothing to do: all {fresh} stages fresh ({:.2}s)",
        elapsed.as_secs_f64()
    ));
}

/// Reads a regular file (never a device or a FIFO).
fn read_regular(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut file = std::fs::File::open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Copies `from` to `to` and returns the blake3 of the bytes copied.
fn snapshot_file(from: &Path, to: &Path) -> std::io::Result<String> {
    use std::io::{Read as _, Write as _};
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut src = std::fs::File::open(from)?;
    if !src.metadata()?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    let mut dst = std::io::BufWriter::new(std::fs::File::create(to)?);
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = src.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        dst.write_all(&buf[..n])?;
    }
    dst.flush()?;
    Ok(hasher.finalize().to_hex().to_string())
}

/// Fault injection for the race tests: with `WECARE_FAULT_WAIT=POINT:STAGE:DIR`, the run creates
/// `DIR/waiting` at `POINT` of `STAGE` and waits (at most two minutes) until `DIR/go` exists.
fn fault_wait(point: &str, stage: &str) {
    let Ok(spec) = std::env::var("WECARE_FAULT_WAIT") else {
        return;
    };
    let mut parts = spec.splitn(3, ':');
    let (Some(p), Some(s), Some(dir)) = (parts.next(), parts.next(), parts.next()) else {
        return;
    };
    if p != point || s != stage {
        return;
    }
    let dir = PathBuf::from(dir);
    let _ = std::fs::write(dir.join("waiting"), point);
    let start = Instant::now();
    while !dir.join("go").exists() && start.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Whether `name` is a temporary file of [`table_io::write_atomic`]: `.NAME.tmp-PID`.
fn is_leftover(name: &str) -> bool {
    name.starts_with('.')
        && name
            .rsplit_once(".tmp-")
            .is_some_and(|(_, pid)| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// How deep below `outputs/` [`remove_leftovers`] looks.
const LEFTOVER_DEPTH: usize = 8;

/// Removes the temporary files a killed run left under `outputs/` and beside `pipeline.lock`
/// (the caller holds the project lock, so no other run is writing them). Returns how many.
pub fn remove_leftovers(root: &Path) -> usize {
    remove_leftovers_listing(root).0
}

/// [`remove_leftovers`], with every directory it read (`outputs` and below, relative to the
/// project, sorted): what the fresh seal stamps.
fn remove_leftovers_listing(root: &Path) -> (usize, Vec<String>) {
    fn walk(root: &Path, rel: &str, depth: usize, removed: &mut usize, dirs: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(root.join(rel)) else {
            return;
        };
        dirs.push(rel.to_string());
        for entry in entries.filter_map(Result::ok) {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let name = entry.file_name().to_string_lossy().into_owned();
            if kind.is_dir() && depth < LEFTOVER_DEPTH {
                walk(root, &format!("{rel}/{name}"), depth + 1, removed, dirs);
            } else if kind.is_file()
                && is_leftover(&name)
                && std::fs::remove_file(entry.path()).is_ok()
            {
                *removed += 1;
            }
        }
    }
    let (mut removed, mut dirs) = (0, Vec::new());
    walk(root, "outputs", 0, &mut removed, &mut dirs);
    dirs.sort();
    (removed + remove_lock_leftovers(root), dirs)
}

/// Removes the temporary files of `pipeline.lock` a killed run left. Returns how many.
fn remove_lock_leftovers(root: &Path) -> usize {
    let mut removed = 0;
    if let Ok(entries) = std::fs::read_dir(root) {
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(".pipeline.lock.tmp-")
                && is_leftover(&name)
                && entry.file_type().is_ok_and(|t| t.is_file())
                && std::fs::remove_file(entry.path()).is_ok()
            {
                removed += 1;
            }
        }
    }
    removed
}

/// The project lock could not be taken (a read-only checkout, say): fine when there is nothing
/// to write because every selected stage is fresh; otherwise the original error.
fn read_only_fresh(
    pipeline: &Pipeline,
    selected: &BTreeSet<String>,
    forced: &BTreeSet<String>,
    err: Error,
    printer: &Printer,
    started: Instant,
) -> Result<(), Error> {
    if !forced.is_empty() {
        return Err(err);
    }
    let Ok(all) = crate::commands::statuses(pipeline) else {
        return Err(err);
    };
    let stale: Vec<&str> = all
        .iter()
        .filter(|s| selected.contains(&s.name) && s.state != "fresh")
        .map(|s| s.name.as_str())
        .collect();
    if stale.is_empty() {
        say_nothing_to_do(printer, selected.len(), started.elapsed());
        return Ok(());
    }
    Err(match err {
        Error::Io { path, message } => Error::Io {
            path,
            message: format!(
                "{message}; stale stages need a writable project: {}",
                stale.join(", ")
            ),
        },
        other => other,
    })
}

fn write_run_log(
    root: &Path,
    outcomes: &BTreeMap<String, Outcome>,
    timings: &BTreeMap<String, Duration>,
    elapsed: Duration,
    lock_writes: usize,
) {
    use std::io::Write as _;
    let stages: Vec<serde_json::Value> = outcomes
        .iter()
        .map(|(name, outcome)| {
            serde_json::json!({
                "stage": name,
                "outcome": format!("{outcome:?}").to_lowercase(),
                "seconds": timings.get(name).map(Duration::as_secs_f64),
            })
        })
        .collect();
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let record = serde_json::json!({ "unix_time": since_epoch, "wall_seconds": elapsed.as_secs_f64(), "lock_writes": lock_writes, "stages": stages });
    let dir = root.join(".wecare");
    if std::fs::create_dir_all(&dir).is_ok() {
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("runs.jsonl"))
        {
            // One write: the Display of a JSON value would reach the file token by token.
            let _ = file.write_all(format!("{record}\n").as_bytes());
        }
    }
}
