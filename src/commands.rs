//! The read-mostly commands: `status`, `dag`, `clean` and `kinds`.
use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::config::Pipeline;
use crate::dag::DagFormat;
use crate::dirty_reason::DirtyReason;
use crate::error::Error;
use crate::lockfile::Lock;
use crate::printer::Printer;
use crate::runner::check_stage_names;
use crate::status::evaluate;

/// One stage in `status`.
#[derive(Debug, Serialize)]
pub struct StageStatus {
    /// Stage name.
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// `fresh` or `stale`.
    pub state: &'static str,
    /// Why it is stale (empty when fresh).
    pub reasons: Vec<DirtyReason>,
    /// Its fingerprint (the recorded one when fresh, the current one when it can be computed).
    pub fingerprint: Option<String>,
}

/// The status of every stage, in topological order.
///
/// # Errors
/// When an input file cannot be read.
pub fn statuses(pipeline: &Pipeline) -> Result<Vec<StageStatus>, Error> {
    statuses_with(pipeline, &Lock::read(&pipeline.root))
}

/// [`statuses`] against a lock already read.
pub(crate) fn statuses_with(pipeline: &Pipeline, lock: &Lock) -> Result<Vec<StageStatus>, Error> {
    let mut fresh: BTreeMap<String, bool> = BTreeMap::new();
    let mut out = Vec::new();
    for name in pipeline.dag.topo_order() {
        let decl = &pipeline.stages[&name];
        let upstream = |stage: &str, table: &str| -> Option<String> {
            if fresh.get(stage).copied() != Some(true) {
                return None;
            }
            lock.stages
                .get(stage)
                .and_then(|e| e.outputs.get(table))
                .map(|o| o.hash.clone())
        };
        let eval = evaluate(
            pipeline,
            decl,
            lock.stages.get(&name),
            false,
            &upstream,
            &lock.stages,
        )?;
        let is_fresh = eval.is_fresh();
        fresh.insert(name.clone(), is_fresh);
        out.push(StageStatus {
            name: name.clone(),
            kind: decl.kind.name.to_string(),
            state: if is_fresh { "fresh" } else { "stale" },
            fingerprint: if is_fresh {
                lock.stages.get(&name).map(|e| e.fingerprint.clone())
            } else {
                eval.fingerprint
            },
            reasons: eval.reasons,
        });
    }
    Ok(out)
}

/// `wecare status`.
///
/// # Errors
/// When an input file cannot be read.
pub fn status(pipeline: &Pipeline, json: bool, printer: &Printer) -> Result<(), Error> {
    let lock = Lock::read(&pipeline.root);
    let stages = statuses_with(pipeline, &lock)?;
    let warnings: Vec<String> = lock.unreadable.iter().map(ToString::to_string).collect();
    let orphans = orphans(pipeline, &lock);
    for w in &warnings {
        printer.error(&format!("warning: {w}"));
    }
    if json {
        #[derive(Serialize)]
        struct Out<'a> {
            pipeline: &'a str,
            stages: &'a [StageStatus],
            orphans: &'a [Orphan],
            lock_problems: &'a [String],
        }
        let text = serde_json::to_string_pretty(&Out {
            pipeline: &pipeline.name,
            stages: &stages,
            orphans: &orphans,
            lock_problems: &warnings,
        })
        .map_err(|e| Error::usage(format!("cannot encode JSON: {e}"), "report this as a bug"))?;
        printer.data(&text);
        return Ok(());
    }
    let width = stages
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let mut text = String::new();
    for s in &stages {
        let _ = write!(text, "{:<width$}  {:<5}", s.name, s.state);
        match s.reasons.as_slice() {
            [] => {}
            [first, rest @ ..] => {
                let _ = write!(text, "  {first}");
                for r in rest {
                    let _ = write!(text, "\n{:<width$}         {r}", "");
                }
            }
        }
        text.push('\n');
    }
    for o in &orphans {
        let _ = writeln!(
            text,
            "{:<width$}  {:<5}  not in pipeline.toml: {} (`wecare clean {}` removes it)",
            o.name,
            "old",
            o.what.join(" and "),
            o.name
        );
    }
    let stale = stages.iter().filter(|s| s.state == "stale").count();
    let _ = write!(
        text,
        "{} stages: {} fresh, {stale} stale",
        stages.len(),
        stages.len() - stale
    );
    if !orphans.is_empty() {
        let _ = write!(
            text,
            "; {} left over from removed or renamed stages",
            orphans.len()
        );
    }
    printer.data(&text);
    Ok(())
}

/// What a removed or renamed stage left behind.
#[derive(Debug, Serialize)]
pub struct Orphan {
    /// The old stage name.
    pub name: String,
    /// `lock entry` and/or `outputs/NAME/`.
    pub what: Vec<String>,
}

/// Lock entries and output folders of stages that `pipeline.toml` no longer declares.
#[must_use]
pub fn orphans(pipeline: &Pipeline, lock: &Lock) -> Vec<Orphan> {
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for name in lock.stages.keys() {
        if !pipeline.stages.contains_key(name) {
            found
                .entry(name.clone())
                .or_default()
                .push("lock entry".into());
        }
    }
    if let Ok(entries) = std::fs::read_dir(pipeline.root.join("outputs")) {
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.file_type().is_ok_and(|t| t.is_dir())
                && crate::lockfile::is_stage_name(&name)
                && !pipeline.stages.contains_key(&name)
            {
                found
                    .entry(name.clone())
                    .or_default()
                    .push(format!("outputs/{name}/"));
            }
        }
    }
    found
        .into_iter()
        .map(|(name, what)| Orphan { name, what })
        .collect()
}

/// `wecare dag`.
pub fn dag(pipeline: &Pipeline, format: DagFormat, printer: &Printer) {
    let text = pipeline
        .dag
        .render(format, |s| pipeline.stages[s].kind.name.to_string());
    printer.data(&text);
}

/// `wecare clean`.
///
/// # Errors
/// When a named stage does not exist, or files cannot be removed.
pub fn clean(pipeline: &Pipeline, stages: &[String], printer: &Printer) -> Result<(), Error> {
    let _guard = crate::project_lock::acquire(&pipeline.root, printer)?;
    let mut lock = Lock::read(&pipeline.root);
    // A removed or renamed stage's leftovers can be cleaned by its old name.
    let old: Vec<String> = orphans(pipeline, &lock)
        .into_iter()
        .map(|o| o.name)
        .collect();
    let unknown: Vec<String> = stages
        .iter()
        .filter(|s| !old.contains(s))
        .cloned()
        .collect();
    check_stage_names(pipeline, &unknown)?;
    let targets: Vec<String> = if stages.is_empty() {
        let mut all: Vec<String> = pipeline
            .stages
            .keys()
            .chain(lock.stages.keys())
            .cloned()
            .collect();
        all.sort();
        all.dedup();
        all
    } else {
        stages.to_vec()
    };
    let mut removed = 0;
    for stage in &targets {
        // Names come from pipeline.toml or from checked lock entries; never a path.
        if !crate::lockfile::is_stage_name(stage) {
            continue;
        }
        let dir = pipeline.root.join("outputs").join(stage);
        let meta = std::fs::symlink_metadata(&dir);
        if meta
            .as_ref()
            .is_ok_and(|m| m.file_type().is_symlink() || m.is_file())
        {
            // A link in outputs/ is removed, never followed.
            std::fs::remove_file(&dir).map_err(|e| Error::io(format!("outputs/{stage}"), &e))?;
            printer.line(&format!("removed outputs/{stage}"));
            removed += 1;
        } else if meta.is_ok_and(|m| m.is_dir()) {
            let files = walk_count(&dir);
            std::fs::remove_dir_all(&dir).map_err(|e| Error::io(format!("outputs/{stage}"), &e))?;
            printer.line(&format!(
                "removed outputs/{stage}/ ({files} file{})",
                if files == 1 { "" } else { "s" }
            ));
            removed += 1;
        }
        if lock.stages.remove(stage).is_some() {
            printer.line(&format!("removed lock entry `{stage}`"));
            removed += 1;
        }
    }
    if stages.is_empty() {
        let leftovers = crate::runner::remove_leftovers(&pipeline.root);
        if leftovers > 0 {
            printer.line(&format!(
                "removed {leftovers} temporary file(s) of an interrupted run"
            ));
            removed += 1;
        }
    }
    if removed == 0 {
        printer.line("nothing to clean");
        return Ok(());
    }
    lock.write(&pipeline.root)
        .map_err(|e| Error::io("pipeline.lock", &e))
}

fn walk_count(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .filter_map(Result::ok)
            .map(|e| {
                if e.path().is_dir() {
                    walk_count(&e.path())
                } else {
                    1
                }
            })
            .sum()
    })
}

/// `wecare kinds`.
pub fn kinds(printer: &Printer) {
    let mut text = String::new();
    for kind in wecare_stages::KINDS {
        let _ = writeln!(text, "{}: {}", kind.name, kind.summary);
        for slot in kind.slots {
            let _ = writeln!(
                text,
                "  input  {:<12} {}{} — {}",
                slot.display(),
                if slot.table { "table" } else { "file" },
                if slot.required { ", required" } else { "" },
                slot.doc
            );
        }
        let _ = writeln!(text, "  output {}", kind.outputs.join(", "));
        let files = wecare_stages::file_outputs(kind.name);
        if !files.is_empty() {
            let _ = writeln!(text, "  files  {}", files.join(", "));
        }
        if wecare_stages::reads_provenance(kind.name) {
            let _ = writeln!(
                text,
                "  reads  the provenance record of every upstream stage (built by the engine)"
            );
        }
        if let Ok(defaults) = wecare_stages::normalize_params(kind.name, &toml::Table::new()) {
            for line in toml::to_string(&defaults)
                .unwrap_or_default()
                .lines()
                .filter(|l| !l.is_empty())
            {
                let _ = writeln!(text, "  param  {line}");
            }
        }
        text.push('\n');
    }
    printer.data(text.trim_end());
}
