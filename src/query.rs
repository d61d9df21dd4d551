//! `wecare query "SQL"`: polars SQL over every output table that exists, registered twice — as
//! `"stage.table"` (a quoted name) and as `stage_table`. Read-only: only `SELECT` / `WITH`
//! queries run, and nothing is written. A query naming an unknown table or column fails with
//! exit code 2 and a hint listing what exists.
use std::collections::BTreeMap;

use polars::prelude::*;
use polars::sql::SQLContext;

use crate::cli::QueryArgs;
use crate::config::Pipeline;
use crate::diagnostic::suggest;
use crate::error::Error;
use crate::printer::Printer;
use crate::status::table_path;
use crate::table_io;

/// The tables a query can see: registered name → `outputs/` path, for every built table.
#[must_use]
pub fn tables(pipeline: &Pipeline) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (stage, decl) in &pipeline.stages {
        for table in decl.kind.outputs {
            let rel = table_path(stage, table);
            if pipeline.root.join(&rel).is_file() {
                out.insert(format!("{stage}.{table}"), rel.clone());
                out.insert(format!("{stage}_{table}"), rel);
            }
        }
    }
    out
}

/// Runs `wecare query`.
///
/// # Errors
/// A usage error (exit 2) for a statement that is not a query, an unknown table or column, or
/// SQL that polars cannot run.
pub fn query(pipeline: &Pipeline, args: &QueryArgs, printer: &Printer) -> Result<(), Error> {
    let sql = args.sql.trim().trim_end_matches(';');
    let first = sql
        .split(|c: char| c.is_whitespace() || c == '(')
        .find(|w| !w.is_empty())
        .unwrap_or("")
        .to_lowercase();
    if first != "select" && first != "with" && !sql.starts_with('(') {
        return Err(Error::usage(
            format!(
                "`wecare query` runs only SELECT queries; this statement starts with `{first}`"
            ),
            "queries are read-only: write SELECT … FROM \"stage.table\" (or stage_table)",
        ));
    }
    let tables = tables(pipeline);
    if tables.is_empty() {
        return Err(Error::Table {
            path: "outputs/".into(),
            message: "no output table is built yet; run `wecare run` first".into(),
        });
    }
    let mut ctx = SQLContext::new();
    let mut frames: BTreeMap<&str, LazyFrame> = BTreeMap::new();
    for (name, rel) in &tables {
        let lf = match frames.get(rel.as_str()) {
            Some(lf) => lf.clone(),
            None => {
                let df =
                    table_io::read_parquet(&pipeline.root.join(rel)).map_err(|e| Error::Table {
                        path: rel.clone(),
                        message: e.to_string(),
                    })?;
                let lf = df.lazy();
                frames.insert(rel.as_str(), lf.clone());
                lf
            }
        };
        ctx.register(name, lf);
    }
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ctx.execute(sql).and_then(LazyFrame::collect)
    }));
    let mut df = match result {
        Ok(Ok(df)) => df,
        Ok(Err(e)) => return Err(explain(&e.to_string(), &tables)),
        Err(_) => {
            return Err(Error::usage(
                "polars could not run this query",
                "simplify the query; `wecare query \"SELECT * FROM \\\"stage.table\\\" LIMIT 5\"` shows a table's columns",
            ))
        }
    };
    if args.csv {
        let mut bytes = Vec::new();
        CsvWriter::new(&mut bytes)
            .include_header(true)
            .finish(&mut df)
            .map_err(|e| Error::usage(format!("cannot write CSV: {e}"), "report this as a bug"))?;
        printer.data(String::from_utf8_lossy(&bytes).trim_end());
    } else if args.json {
        let mut rows = Vec::with_capacity(df.height());
        for i in 0..df.height() {
            let mut row = serde_json::Map::new();
            for column in df.columns() {
                let value = column
                    .get(i)
                    .map_or(serde_json::Value::Null, |v| crate::show::any_to_json(&v));
                row.insert(column.name().to_string(), value);
            }
            rows.push(serde_json::Value::Object(row));
        }
        printer.data(&serde_json::to_string_pretty(&rows).unwrap_or_default());
    } else {
        for (var, value) in [
            ("POLARS_FMT_MAX_ROWS", "50"),
            ("POLARS_FMT_MAX_COLS", "30"),
            ("POLARS_FMT_STR_LEN", "60"),
            ("POLARS_TABLE_WIDTH", "220"),
        ] {
            if std::env::var_os(var).is_none() {
                std::env::set_var(var, value);
            }
        }
        printer.data(&format!("{df}"));
    }
    Ok(())
}

/// A polars SQL error as a usage error with a hint naming what exists.
fn explain(message: &str, tables: &BTreeMap<String, String>) -> Error {
    let message = message.trim().to_string();
    let quoted = |m: &str| -> Option<String> {
        let start = m.find(['\'', '"', '`'])?;
        let q = m[start..].chars().next()?;
        let rest = &m[start + 1..];
        rest.find(q).map(|end| rest[..end].to_string())
    };
    let lower = message.to_lowercase();
    if lower.contains("relation") || lower.contains("table") {
        let name = quoted(&message).unwrap_or_default();
        let names: Vec<&str> = tables.keys().map(String::as_str).collect();
        let dotted: Vec<&str> = names.iter().copied().filter(|n| n.contains('.')).collect();
        return Error::usage(
            format!("unknown table `{name}` ({message})"),
            format!(
                "tables: {} (each also as stage_table; quote dotted names: \"stage.table\"){}",
                dotted.join(", "),
                suggest(&name, names.iter().copied())
            ),
        );
    }
    if lower.contains("column") || lower.contains("not found") {
        let name = quoted(&message).unwrap_or_default();
        return Error::usage(
            format!("unknown column `{name}` ({message})"),
            "`wecare show STAGE.TABLE` lists a table's columns",
        );
    }
    Error::usage(
        format!("the query failed: {message}"),
        "the polars SQL reference lists the statements and functions it supports",
    )
}
