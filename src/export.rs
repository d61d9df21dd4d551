//! `wecare export FORMAT`: the outputs in other tools' formats, written outside `outputs/`.
//!
//! - `graphml`, `gexf`, `pajek`, `ucinet`: the project networks, by running the
//!   `export_networks` kind (its code lives with the stages) on the current outputs with
//!   `formats = [FORMAT]`. The inputs are those of the pipeline's `export_networks` stage, or of
//!   `--stage`: an `export_networks` stage, or a stage that writes a `ties` table (e.g.
//!   `clean_actors_confirmed`: its ties and actors, with the node metrics of the
//!   `compute_metrics` stage that reads them).
//! - `csv`: every output table (of `--stage`, or of every stage) as `<stage>/<table>.csv`.
//! - `snakemake`: the DAG as a Snakefile (see [`crate::snakemake`]), on stdout unless `--out`.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use wecare_stages::{InputFile, StageInput};

use crate::cli::{ExportArgs, ExportFormat};
use crate::config::{InputRef, Pipeline};
use crate::error::Error;
use crate::printer::Printer;
use crate::runner::check_stage_names;
use crate::status::table_path;
use crate::table_io;

/// Runs `wecare export`.
///
/// # Errors
/// Usage errors for unknown stages; table errors when an output was never built; I/O errors.
pub fn export(pipeline: &Pipeline, args: &ExportArgs, printer: &Printer) -> Result<(), Error> {
    if let Some(stage) = &args.stage {
        check_stage_names(pipeline, std::slice::from_ref(stage))?;
    }
    match args.format {
        ExportFormat::Snakemake => {
            let text = crate::snakemake::render(pipeline);
            match &args.out {
                None => printer.data(text.trim_end()),
                Some(dir) => {
                    let path = pipeline.root.join(dir).join("Snakefile");
                    table_io::write_atomic(&path, text.as_bytes())
                        .map_err(|e| Error::io(path.display().to_string(), &e))?;
                    printer.line(&format!("wrote {}", shown(dir, "Snakefile")));
                }
            }
            Ok(())
        }
        ExportFormat::Csv => csv(pipeline, args, printer),
        ExportFormat::Graphml | ExportFormat::Gexf | ExportFormat::Pajek | ExportFormat::Ucinet => {
            networks(pipeline, args, printer)
        }
    }
}

fn shown(dir: &Path, file: &str) -> String {
    dir.join(file).display().to_string()
}

fn out_dir(args: &ExportArgs) -> PathBuf {
    args.out.clone().unwrap_or_else(|| PathBuf::from("exports"))
}

fn read_table(pipeline: &Pipeline, stage: &str, table: &str) -> Result<DataFrame, Error> {
    let rel = table_path(stage, table);
    let path = pipeline.root.join(&rel);
    if !path.is_file() {
        return Err(Error::Table {
            path: rel,
            message: format!("not built yet; run `wecare run {stage}` first"),
        });
    }
    table_io::read_parquet(&path).map_err(|e| Error::Table {
        path: rel,
        message: e.to_string(),
    })
}

fn csv(pipeline: &Pipeline, args: &ExportArgs, printer: &Printer) -> Result<(), Error> {
    let out = out_dir(args);
    let stages: Vec<String> = match &args.stage {
        Some(s) => vec![s.clone()],
        None => pipeline.dag.topo_order(),
    };
    let mut written = 0;
    for stage in &stages {
        for table in pipeline.stages[stage].kind.outputs {
            if args.stage.is_none() && !pipeline.root.join(table_path(stage, table)).is_file() {
                continue;
            }
            let mut df = read_table(pipeline, stage, table)?;
            let mut bytes = Vec::new();
            CsvWriter::new(&mut bytes)
                .include_header(true)
                .finish(&mut df)
                .map_err(|e| Error::Table {
                    path: table_path(stage, table),
                    message: format!("cannot write CSV: {e}"),
                })?;
            let rel = out.join("csv").join(stage).join(format!("{table}.csv"));
            table_io::write_atomic(&pipeline.root.join(&rel), &bytes)
                .map_err(|e| Error::io(rel.display().to_string(), &e))?;
            written += 1;
        }
    }
    if written == 0 {
        return Err(Error::Table {
            path: "outputs/".into(),
            message: "no output table is built yet; run `wecare run` first".into(),
        });
    }
    printer.line(&format!(
        "wrote {written} CSV file{} under {}/",
        if written == 1 { "" } else { "s" },
        out.join("csv").display()
    ));
    Ok(())
}

/// The inputs of the network export: slot → source.
fn wiring(
    pipeline: &Pipeline,
    stage: Option<&str>,
) -> Result<(BTreeMap<String, InputRef>, toml::Table), Error> {
    let exporter = |name: &str| {
        let decl = &pipeline.stages[name];
        (decl.inputs.clone(), decl.params.clone())
    };
    let defaults = || {
        wecare_stages::normalize_params("export_networks", &toml::Table::new()).unwrap_or_default()
    };
    if let Some(name) = stage {
        let decl = &pipeline.stages[name];
        if decl.kind.name == "export_networks" {
            return Ok(exporter(name));
        }
        if !decl.kind.outputs.contains(&"ties") || !decl.kind.outputs.contains(&"actors") {
            return Err(Error::usage(
                format!(
                    "stage `{name}` (kind `{}`) writes no `ties` and `actors` tables",
                    decl.kind.name
                ),
                "name an `export_networks` stage or a `clean_actors` stage",
            ));
        }
        let mut inputs = BTreeMap::new();
        for slot in ["ties", "actors"] {
            inputs.insert(
                slot.to_string(),
                InputRef::Table {
                    stage: name.to_string(),
                    table: slot.to_string(),
                },
            );
        }
        // The metrics of these ties: the compute_metrics stage that reads them.
        let metrics = pipeline.dag.topo_order().into_iter().find(|s| {
            let d = &pipeline.stages[s];
            d.kind.outputs.contains(&"node_metrics")
                && d.inputs.get("ties")
                    == Some(&InputRef::Table {
                        stage: name.to_string(),
                        table: "ties".into(),
                    })
        });
        if let Some(m) = metrics {
            inputs.insert(
                "node_metrics".into(),
                InputRef::Table {
                    stage: m,
                    table: "node_metrics".into(),
                },
            );
        }
        // The same projects file the pipeline's exporter reads, if any.
        if let Some(e) = first_exporter(pipeline) {
            if let Some(p) = pipeline.stages[&e].inputs.get("projects") {
                inputs.insert("projects".into(), p.clone());
            }
        }
        return Ok((inputs, defaults()));
    }
    if let Some(e) = first_exporter(pipeline) {
        return Ok(exporter(&e));
    }
    let mut inputs = BTreeMap::new();
    for (slot, stage, table) in [
        ("ties", "clean_actors", "ties"),
        ("actors", "clean_actors", "actors"),
        ("node_metrics", "compute_metrics", "node_metrics"),
    ] {
        if pipeline.stages.contains_key(stage) {
            inputs.insert(
                slot.to_string(),
                InputRef::Table {
                    stage: stage.into(),
                    table: table.into(),
                },
            );
        }
    }
    if !inputs.contains_key("ties") {
        return Err(Error::usage(
            "the pipeline has no `export_networks` stage and no `clean_actors` stage",
            "name the stage whose networks to export with --stage",
        ));
    }
    if pipeline.root.join("data/projects.csv").is_file() {
        inputs.insert(
            "projects".into(),
            InputRef::File("data/projects.csv".into()),
        );
    }
    Ok((inputs, defaults()))
}

fn first_exporter(pipeline: &Pipeline) -> Option<String> {
    pipeline
        .dag
        .topo_order()
        .into_iter()
        .find(|s| pipeline.stages[s].kind.name == "export_networks")
}

fn networks(pipeline: &Pipeline, args: &ExportArgs, printer: &Printer) -> Result<(), Error> {
    let format = match args.format {
        ExportFormat::Graphml => "graphml",
        ExportFormat::Gexf => "gexf",
        ExportFormat::Pajek => "pajek",
        _ => "ucinet",
    };
    let (inputs, mut params) = wiring(pipeline, args.stage.as_deref())?;
    params.insert(
        "formats".into(),
        toml::Value::Array(vec![toml::Value::String(format.into())]),
    );
    let mut input = StageInput {
        stage: "export".into(),
        params,
        ..StageInput::default()
    };
    for (slot, source) in inputs {
        match source {
            InputRef::File(path) => {
                input.files.insert(
                    slot,
                    InputFile {
                        path: pipeline.root.join(&path),
                        display: path,
                    },
                );
            }
            InputRef::Table { stage, table } => {
                input
                    .tables
                    .insert(slot, read_table(pipeline, &stage, &table)?);
            }
        }
    }
    let output = wecare_stages::run("export_networks", &input).map_err(|e| Error::Check {
        message: format!("cannot export: {e}"),
        hint: e
            .hint()
            .unwrap_or("check that the outputs are up to date (`wecare status`)")
            .to_string(),
    })?;
    let out = out_dir(args);
    for (name, bytes) in &output.files {
        let rel = out.join(name);
        table_io::write_atomic(&pipeline.root.join(&rel), bytes)
            .map_err(|e| Error::io(rel.display().to_string(), &e))?;
    }
    printer.line(&format!(
        "wrote {} {format} file{} under {}/",
        output.files.len(),
        if output.files.len() == 1 { "" } else { "s" },
        out.join(format).display()
    ));
    Ok(())
}
