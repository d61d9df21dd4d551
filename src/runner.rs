//! `wecare run`: decides which stages to run, runs independent ones in parallel on rayon, writes
//! their outputs atomically and their lock entries last.
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use wecare_stages::{InputFile, StageInput};

use crate::config::{normalize_path, InputRef, Pipeline, StageDecl};
use crate::diagnostic::suggest;
use crate::error::Error;
use crate::fingerprint;
use crate::lockfile::{Lock, LockEntry, LockedOutput};
use crate::printer::Printer;
use crate::status::{self, evaluate, Evaluation};
use crate::table_io;

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
    let _guard = if opts.dry_run || opts.only.is_some() {
        None
    } else {
        Some(crate::project_lock::acquire(&pipeline.root, printer)?)
    };
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
    let lock = Lock::read(&pipeline.root);
    for name in &lock.unreadable {
        let what = if name == "*" {
            "pipeline.lock cannot be read".to_string()
        } else {
            format!("the lock entry of `{name}` cannot be read")
        };
        printer.error(&format!("warning: {what}; treating it as never run"));
    }
    let run = Run {
        pipeline,
        printer,
        forced,
        dry_run: opts.dry_run,
        lock: Mutex::new(lock),
        outcomes: Mutex::new(upstream_fresh),
        timings: Mutex::new(BTreeMap::new()),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.unwrap_or(0))
        .build()
        .map_err(|e| {
            Error::usage(
                format!("cannot start worker threads: {e}"),
                "try a smaller -j",
            )
        })?;
    let mut remaining: Vec<String> = pipeline
        .dag
        .topo_order()
        .into_iter()
        .filter(|s| selected.contains(s))
        .collect();
    while !remaining.is_empty() {
        let done: BTreeSet<String> = run.outcomes().keys().cloned().collect();
        let (ready, rest): (Vec<String>, Vec<String>) = remaining
            .into_iter()
            .partition(|s| pipeline.dag.upstream(s).iter().all(|u| done.contains(u)));
        let results: Vec<(String, Outcome)> = pool.install(|| {
            ready
                .par_iter()
                .map(|s| (s.clone(), run.process(s)))
                .collect()
        });
        run.outcomes().extend(results);
        remaining = rest;
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
        printer.line(&format!("nothing to do: all {fresh} stages fresh ({secs})"));
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
        );
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
            let outcomes = self.outcomes().clone();
            let lock = self.locked().clone();
            let upstream = |stage: &str, table: &str| -> Option<String> {
                match outcomes.get(stage) {
                    Some(Outcome::Fresh | Outcome::Ran) => lock
                        .stages
                        .get(stage)
                        .and_then(|e| e.outputs.get(table))
                        .map(|o| o.hash.clone()),
                    _ => None,
                }
            };
            evaluate(
                self.pipeline,
                decl,
                lock.stages.get(name),
                self.forced.contains(name),
                &upstream,
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
            ..StageInput::default()
        };
        for (slot, source) in &decl.inputs {
            match source {
                InputRef::File(path) => {
                    input.files.insert(
                        slot.clone(),
                        InputFile {
                            path: root.join(path),
                            display: path.clone(),
                        },
                    );
                }
                InputRef::Table { stage, table } => {
                    let path = status::table_path(stage, table);
                    let df = table_io::read_parquet(&root.join(&path))
                        .map_err(|e| format!("cannot read `{path}`: {e}"))?;
                    input.tables.insert(slot.clone(), df);
                }
            }
        }
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
            seed: status::seed_text(seed),
            params: decl.params.clone(),
            inputs,
            outputs,
        };
        let mut lock = self.locked();
        if let Some(old) = lock.stages.get(&decl.name) {
            for (name, out) in &old.outputs {
                if !entry.outputs.contains_key(name) {
                    let _ = std::fs::remove_file(root.join(&out.path));
                }
            }
        }
        lock.stages.insert(decl.name.clone(), entry.clone());
        crate::run_only::record(root, &decl.name, entry.clone())
            .map_err(|e| format!("cannot write pipeline.lock: {e}"))?;
        Ok((entry, output.summary))
    }
}

fn write_run_log(
    root: &Path,
    outcomes: &BTreeMap<String, Outcome>,
    timings: &BTreeMap<String, Duration>,
    elapsed: Duration,
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
    let record = serde_json::json!({ "unix_time": since_epoch, "wall_seconds": elapsed.as_secs_f64(), "stages": stages });
    let dir = root.join(".wecare");
    if std::fs::create_dir_all(&dir).is_ok() {
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("runs.jsonl"))
        {
            let _ = writeln!(file, "{record}");
        }
    }
}
