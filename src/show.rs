//! `wecare show STAGE.TABLE`: a table printed like a notebook cell output, or as JSON.
use polars::prelude::*;
use serde_json::{json, Value};

use crate::config::Pipeline;
use crate::diagnostic::suggest;
use crate::error::Error;
use crate::printer::Printer;
use crate::runner::check_stage_names;
use crate::status::table_path;
use crate::table_io;

/// Prints `spec` (`stage.table`).
///
/// # Errors
/// Usage errors for unknown stages or tables; a run error when the table was never built.
pub fn show(
    pipeline: &Pipeline,
    spec: &str,
    head: usize,
    json: bool,
    printer: &Printer,
) -> Result<(), Error> {
    let Some((stage, table)) = spec.split_once('.') else {
        return Err(Error::usage(
            format!("`{spec}` is not STAGE.TABLE"),
            "for example: wecare show ingest_waves.ties_raw",
        ));
    };
    check_stage_names(pipeline, &[stage.to_string()])?;
    let kind = pipeline.stages[stage].kind;
    if !kind.outputs.contains(&table) {
        return Err(Error::usage(
            format!("stage `{stage}` has no table `{table}`"),
            format!(
                "`{stage}` writes: {}{}",
                kind.outputs.join(", "),
                suggest(table, kind.outputs.iter().copied())
            ),
        ));
    }
    let rel = table_path(stage, table);
    let path = pipeline.root.join(&rel);
    if !path.is_file() {
        return Err(Error::Table {
            path: rel,
            message: format!("not built yet; run `wecare run {stage}` first"),
        });
    }
    warn_if_not_current(pipeline, stage, table, &rel, printer);
    let df = table_io::read_parquet(&path).map_err(|e| Error::Table {
        path: rel.clone(),
        message: e.to_string(),
    })?;
    let shown = df.head(Some(head));
    if json {
        let columns: Vec<Value> = df
            .schema()
            .iter()
            .map(|(name, dtype)| json!({ "name": name.as_str(), "dtype": dtype.to_string() }))
            .collect();
        let mut rows = Vec::with_capacity(shown.height());
        for i in 0..shown.height() {
            let mut row = serde_json::Map::new();
            for column in shown.columns() {
                let value = column.get(i).map_or(Value::Null, |v| any_to_json(&v));
                row.insert(column.name().to_string(), value);
            }
            rows.push(Value::Object(row));
        }
        let out = json!({ "table": spec, "path": rel, "rows": df.height(), "columns": columns, "data": rows });
        printer.data(&serde_json::to_string_pretty(&out).unwrap_or_default());
        return Ok(());
    }
    // Polars' table formatting reads its limits from the environment; a user's own settings win.
    std::env::set_var("POLARS_FMT_MAX_ROWS", head.max(1).to_string());
    for (var, value) in [
        ("POLARS_FMT_MAX_COLS", "30"),
        ("POLARS_FMT_STR_LEN", "60"),
        ("POLARS_TABLE_WIDTH", "220"),
    ] {
        if std::env::var_os(var).is_none() {
            std::env::set_var(var, value);
        }
    }
    printer.data(&format!(
        "{spec}: {} rows × {} columns ({rel})\n{shown}",
        df.height(),
        df.width()
    ));
    Ok(())
}

/// Says on stderr when the table printed is not what the lock recorded, or its stage is stale.
fn warn_if_not_current(
    pipeline: &Pipeline,
    stage: &str,
    table: &str,
    rel: &str,
    printer: &Printer,
) {
    let lock = crate::lockfile::Lock::read(&pipeline.root);
    let recorded = lock
        .stages
        .get(stage)
        .and_then(|e| e.outputs.get(table))
        .map(|o| o.hash.clone());
    let Some(recorded) = recorded else {
        printer.error(&format!(
            "warning: `{rel}` is not recorded in pipeline.lock; it may not come from this pipeline (run `wecare run {stage}`)"
        ));
        return;
    };
    match crate::fingerprint::hash_file(&pipeline.root.join(rel)) {
        Ok((hash, _)) if hash != recorded => {
            printer.error(&format!(
                "warning: `{rel}` was modified after `wecare run` wrote it (hash {} → {}); run `wecare run {stage}` to rebuild it",
                crate::fingerprint::short(&recorded),
                crate::fingerprint::short(&hash)
            ));
            return;
        }
        _ => {}
    }
    if let Ok(all) = crate::commands::statuses(pipeline) {
        if let Some(s) = all.iter().find(|s| s.name == stage && s.state != "fresh") {
            let why: Vec<String> = s.reasons.iter().map(ToString::to_string).collect();
            printer.error(&format!(
                "warning: `{stage}` is stale ({}); this table may be out of date (run `wecare run {stage}`)",
                why.join("; ")
            ));
        }
    }
}

/// A cell as JSON.
pub(crate) fn any_to_json(value: &AnyValue<'_>) -> Value {
    match value {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(*b),
        AnyValue::String(s) => Value::String((*s).to_string()),
        AnyValue::StringOwned(s) => Value::String(s.to_string()),
        AnyValue::Int8(v) => json!(v),
        AnyValue::Int16(v) => json!(v),
        AnyValue::Int32(v) => json!(v),
        AnyValue::Int64(v) => json!(v),
        AnyValue::UInt8(v) => json!(v),
        AnyValue::UInt16(v) => json!(v),
        AnyValue::UInt32(v) => json!(v),
        AnyValue::UInt64(v) => json!(v),
        AnyValue::Float32(v) => {
            serde_json::Number::from_f64(f64::from(*v)).map_or(Value::Null, Value::Number)
        }
        AnyValue::Float64(v) => serde_json::Number::from_f64(*v).map_or(Value::Null, Value::Number),
        other => Value::String(other.to_string()),
    }
}
