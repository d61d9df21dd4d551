//! `wecare verify`: does every recorded output follow from the raw inputs and this code?
//!
//! The named stages (default: all) and everything they need are recomputed from the raw inputs in
//! a scratch directory (a copy of `pipeline.toml` and of every input file; the project's
//! `outputs/` and `pipeline.lock` are only read). Every output is then compared three ways: the
//! hash the lock records, the hash of the file on disk and the hash of the recomputed file (and,
//! for tables, their row counts). A table that differs is compared row by row: the first rows
//! found only on one side are printed, in key order (tables are written sorted on their key).
//! Verification also fails when a stage is stale, when the lock has entries that cannot be read or
//! that belong to no stage of `pipeline.toml`, and when `outputs/` holds files nothing recorded.
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use polars::prelude::*;
use serde::Serialize;

use crate::config::{InputRef, Pipeline};
use crate::error::Error;
use crate::fingerprint::{self, short};
use crate::lockfile::{Lock, LockEntry, LOCK_FILE};
use crate::printer::{Printer, Verbosity};
use crate::runner::{self, RunOptions};
use crate::status::table_path;
use crate::table_io;

/// How many differing rows are shown per side.
const ROWS_SHOWN: usize = 5;

/// The verdict on one output.
#[derive(Debug, Serialize)]
pub struct OutputCheck {
    /// The stage.
    pub stage: String,
    /// The output name.
    pub output: String,
    /// Project-relative path.
    pub path: String,
    /// `ok`, `mismatch` or `missing`.
    pub status: &'static str,
    /// Hash recorded in `pipeline.lock`.
    pub lock_hash: Option<String>,
    /// Hash of the file on disk.
    pub disk_hash: Option<String>,
    /// Hash of the recomputed file.
    pub recomputed_hash: Option<String>,
    /// Rows recorded in the lock (tables).
    pub lock_rows: Option<u64>,
    /// Rows of the recomputed table.
    pub recomputed_rows: Option<u64>,
    /// For a mismatching table: what differs between the file on disk and the recomputed one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<String>,
}

/// Everything `verify` found.
#[derive(Debug, Serialize)]
pub struct Report {
    /// True when nothing differs.
    pub ok: bool,
    /// One entry per output of every verified stage.
    pub outputs: Vec<OutputCheck>,
    /// Stale stages, problems in the lock, orphans and unrecorded files.
    pub problems: Vec<String>,
}

/// `wecare verify [STAGE...] [--json]`.
///
/// # Errors
/// [`Error::Check`] when anything differs; usage errors for unknown stages; I/O errors on the
/// scratch directory.
pub fn verify(
    pipeline: &Pipeline,
    stages: &[String],
    json: bool,
    printer: &Printer,
) -> Result<(), Error> {
    let report = check(pipeline, stages)?;
    if json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| {
            Error::usage(format!("cannot encode JSON: {e}"), "report this as a bug")
        })?;
        printer.data(&text);
    } else {
        printer.data(&render(&report));
    }
    if report.ok {
        return Ok(());
    }
    let bad = report.outputs.iter().filter(|o| o.status != "ok").count();
    Err(Error::Check {
        message: format!(
            "verification failed: {bad} output{} and {} other problem{} differ from a recomputation",
            if bad == 1 { "" } else { "s" },
            report.problems.len(),
            if report.problems.len() == 1 { "" } else { "s" },
        ),
        hint: "rerun with `wecare run` (or restore the files from version control), then commit outputs/ and pipeline.lock".into(),
    })
}

/// Recomputes and compares, without printing.
///
/// # Errors
/// Usage errors for unknown stages; I/O errors on the scratch directory.
pub fn check(pipeline: &Pipeline, stages: &[String]) -> Result<Report, Error> {
    let selected = runner::select(pipeline, stages, false)?;
    let root = &pipeline.root;
    let lock = Lock::read(root);
    let mut problems: Vec<String> = lock.unreadable.iter().map(ToString::to_string).collect();
    for name in lock.stages.keys() {
        if !pipeline.stages.contains_key(name) {
            problems.push(format!(
                "{LOCK_FILE}: entry `{name}` belongs to no stage of pipeline.toml (`wecare clean {name}` removes it)"
            ));
        }
    }
    orphan_folders(pipeline, &mut problems);
    for status in crate::commands::statuses(pipeline)? {
        if selected.contains(&status.name) && status.state != "fresh" {
            let why: Vec<String> = status.reasons.iter().map(ToString::to_string).collect();
            problems.push(format!(
                "stage `{}` is stale: {}",
                status.name,
                why.join("; ")
            ));
        }
    }
    let scratch = recompute(pipeline, stages)?;
    let fresh = Lock::read(scratch.path());
    let mut outputs = Vec::new();
    for name in pipeline.dag.topo_order() {
        if !selected.contains(&name) {
            continue;
        }
        let decl = &pipeline.stages[&name];
        let recorded = lock.stages.get(&name);
        let recomputed = fresh.stages.get(&name);
        let mut names: BTreeSet<String> =
            decl.kind.outputs.iter().map(ToString::to_string).collect();
        for entry in [recorded, recomputed].into_iter().flatten() {
            names.extend(entry.outputs.keys().cloned());
        }
        for output in names {
            outputs.push(compare(
                root,
                scratch.path(),
                &name,
                &output,
                recorded,
                recomputed,
            ));
        }
        unrecorded_files(root, &name, recorded, &mut problems);
    }
    let ok = problems.is_empty() && outputs.iter().all(|o| o.status == "ok");
    Ok(Report {
        ok,
        outputs,
        problems,
    })
}

/// Copies `pipeline.toml` and every input file into a scratch directory and runs the stages
/// there from nothing.
fn recompute(pipeline: &Pipeline, stages: &[String]) -> Result<tempfile::TempDir, Error> {
    let scratch = tempfile::Builder::new()
        .prefix("wecare-verify-")
        .tempdir()
        .map_err(|e| Error::io("a temporary directory", &e))?;
    let root = &pipeline.root;
    let copy = |rel: &str| -> Result<(), Error> {
        let to = scratch.path().join(rel);
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(rel, &e))?;
        }
        std::fs::copy(root.join(rel), &to).map_err(|e| Error::io(rel, &e))?;
        Ok(())
    };
    copy(crate::config::PIPELINE_FILE)?;
    let files: BTreeSet<&str> = pipeline
        .stages
        .values()
        .flat_map(|d| d.inputs.values())
        .filter_map(|i| match i {
            InputRef::File(path) => Some(path.as_str()),
            InputRef::Table { .. } => None,
        })
        .collect();
    for file in files {
        copy(file)?;
    }
    let copy = crate::config::load(scratch.path())?;
    let quiet = Printer::new(Verbosity::Quiet);
    match runner::run(
        &copy,
        &RunOptions {
            targets: stages.to_vec(),
            ..RunOptions::default()
        },
        &quiet,
    ) {
        // A stage that fails shows up below as outputs that could not be recomputed.
        Ok(()) | Err(Error::StagesFailed { .. }) => Ok(scratch),
        Err(other) => Err(other),
    }
}

fn compare(
    root: &Path,
    scratch: &Path,
    stage: &str,
    output: &str,
    recorded: Option<&LockEntry>,
    recomputed: Option<&LockEntry>,
) -> OutputCheck {
    let locked = recorded.and_then(|e| e.outputs.get(output));
    let fresh = recomputed.and_then(|e| e.outputs.get(output));
    let path = locked
        .or(fresh)
        .map_or_else(|| table_path(stage, output), |o| o.path.clone());
    let disk_hash = fingerprint::hash_file(&root.join(&path))
        .ok()
        .map(|(h, _)| h);
    let lock_hash = locked.map(|o| o.hash.clone());
    let recomputed_hash = fresh.map(|o| o.hash.clone());
    let status = if lock_hash.is_none() || disk_hash.is_none() || recomputed_hash.is_none() {
        "missing"
    } else if lock_hash == recomputed_hash
        && disk_hash == recomputed_hash
        && locked.map(|o| o.rows) == fresh.map(|o| o.rows)
    {
        "ok"
    } else {
        "mismatch"
    };
    let is_table = Path::new(&path).extension().is_some_and(|e| e == "parquet");
    let differences = if status != "ok" && is_table && disk_hash.is_some() && fresh.is_some() {
        table_differences(&root.join(&path), &scratch.join(&path))
    } else {
        Vec::new()
    };
    OutputCheck {
        stage: stage.to_string(),
        output: output.to_string(),
        path,
        status,
        lock_hash,
        disk_hash,
        recomputed_hash,
        lock_rows: locked.and_then(|o| o.rows),
        recomputed_rows: fresh.and_then(|o| o.rows),
        differences,
    }
}

/// The first rows found only in the file on disk (`-`) or only in the recomputed one (`+`).
fn table_differences(disk: &Path, recomputed: &Path) -> Vec<String> {
    let read = |p: &Path| table_io::read_parquet(p).map_err(|e| e.to_string());
    let (a, b) = match (read(disk), read(recomputed)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) => return vec![format!("the file on disk is not a readable table: {e}")],
        (_, Err(e)) => return vec![format!("the recomputed table cannot be read: {e}")],
    };
    let mut out = Vec::new();
    let schema = |df: &DataFrame| -> Vec<String> {
        df.schema()
            .iter()
            .map(|(n, t)| format!("{n}: {t}"))
            .collect()
    };
    if schema(&a) != schema(&b) {
        out.push(format!(
            "columns differ: on disk [{}], recomputed [{}]",
            schema(&a).join(", "),
            schema(&b).join(", ")
        ));
        return out;
    }
    if a.height() != b.height() {
        out.push(format!(
            "rows differ: {} on disk, {} recomputed",
            a.height(),
            b.height()
        ));
    }
    let rows_a = row_texts(&a);
    let rows_b = row_texts(&b);
    let mut pending: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &rows_b {
        *pending.entry(r.as_str()).or_default() += 1;
    }
    let mut only_disk = Vec::new();
    for (i, r) in rows_a.iter().enumerate() {
        match pending.get_mut(r.as_str()) {
            Some(n) if *n > 0 => *n -= 1,
            _ => only_disk.push((i, r)),
        }
    }
    let mut on_disk: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &rows_a {
        *on_disk.entry(r.as_str()).or_default() += 1;
    }
    let mut only_recomputed = Vec::new();
    for (i, r) in rows_b.iter().enumerate() {
        match on_disk.get_mut(r.as_str()) {
            Some(n) if *n > 0 => *n -= 1,
            _ => only_recomputed.push((i, r)),
        }
    }
    for (sign, side, rows) in [
        ("-", "only on disk", &only_disk),
        ("+", "only recomputed", &only_recomputed),
    ] {
        for (i, r) in rows.iter().take(ROWS_SHOWN) {
            out.push(format!("{sign} row {} ({side}): {r}", i + 1));
        }
        if rows.len() > ROWS_SHOWN {
            out.push(format!(
                "{sign} … and {} more row(s) {side}",
                rows.len() - ROWS_SHOWN
            ));
        }
    }
    if out.is_empty() {
        out.push("same rows, different bytes (row order or encoding)".into());
    }
    out
}

/// Every row as `col=value, …`, values cut at 80 characters.
fn row_texts(df: &DataFrame) -> Vec<String> {
    (0..df.height())
        .map(|i| {
            let mut text = String::new();
            for (k, column) in df.columns().iter().enumerate() {
                let value = column
                    .get(i)
                    .map_or_else(|_| "?".to_string(), |v| v.to_string());
                let value: String = value.chars().take(80).collect();
                if k > 0 {
                    text.push_str(", ");
                }
                let _ = write!(text, "{}={value}", column.name());
            }
            text
        })
        .collect()
}

/// Folders under `outputs/` that belong to no stage.
fn orphan_folders(pipeline: &Pipeline, problems: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(pipeline.root.join("outputs")) else {
        return;
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !pipeline.stages.contains_key(n))
        .collect();
    names.sort();
    for name in names {
        problems.push(format!(
            "outputs/{name}/ belongs to no stage of pipeline.toml (`wecare clean {name}` removes it)"
        ));
    }
}

/// Files under `outputs/<stage>/` that the lock does not record.
fn unrecorded_files(
    root: &Path,
    stage: &str,
    entry: Option<&LockEntry>,
    problems: &mut Vec<String>,
) {
    let recorded: BTreeSet<&str> = entry
        .map(|e| e.outputs.values().map(|o| o.path.as_str()).collect())
        .unwrap_or_default();
    let mut found = Vec::new();
    list_files(
        &root.join("outputs").join(stage),
        &format!("outputs/{stage}"),
        0,
        &mut found,
    );
    for path in found {
        if !recorded.contains(path.as_str()) {
            problems.push(format!("{path} is not recorded in {LOCK_FILE}"));
        }
    }
}

fn list_files(dir: &Path, rel: &str, depth: usize, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let name = format!("{rel}/{}", entry.file_name().to_string_lossy());
        match entry.file_type() {
            Ok(t) if t.is_dir() && depth < 8 => list_files(&entry.path(), &name, depth + 1, out),
            Ok(_) => out.push(name),
            Err(_) => {}
        }
    }
}

fn render(report: &Report) -> String {
    let width = report
        .outputs
        .iter()
        .map(|o| o.path.len())
        .max()
        .unwrap_or(0);
    let h = |x: &Option<String>| x.as_deref().map_or("(none)", short).to_string();
    let rows = |x: Option<u64>| x.map_or_else(|| "-".to_string(), |r| r.to_string());
    let mut text = String::new();
    for o in &report.outputs {
        match o.status {
            "ok" => {
                let _ = write!(
                    text,
                    "OK        {:<width$}  {}",
                    o.path,
                    h(&o.recomputed_hash)
                );
                if let Some(r) = o.recomputed_rows {
                    let _ = write!(text, "  {r} rows");
                }
            }
            status => {
                let _ = write!(
                    text,
                    "{:<8}  {:<width$}  lock {}  disk {}  recomputed {}",
                    status.to_uppercase(),
                    o.path,
                    h(&o.lock_hash),
                    h(&o.disk_hash),
                    h(&o.recomputed_hash)
                );
                if o.lock_rows.is_some() || o.recomputed_rows.is_some() {
                    let _ = write!(
                        text,
                        "  rows lock {} recomputed {}",
                        rows(o.lock_rows),
                        rows(o.recomputed_rows)
                    );
                }
                for d in &o.differences {
                    let _ = write!(text, "\n          {d}");
                }
            }
        }
        text.push('\n');
    }
    for p in &report.problems {
        let _ = writeln!(text, "PROBLEM   {p}");
    }
    let ok = report.outputs.iter().filter(|o| o.status == "ok").count();
    let _ = write!(
        text,
        "{} outputs: {ok} ok, {} differ; {} other problem{}",
        report.outputs.len(),
        report.outputs.len() - ok,
        report.problems.len(),
        if report.problems.len() == 1 { "" } else { "s" }
    );
    text
}
