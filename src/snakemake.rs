//! `wecare export snakemake`: the DAG as a Snakefile, so Snakemake's executors (local cores,
//! SLURM, Kubernetes, …) can spread the stages across machines while wecare keeps the
//! fingerprints and `pipeline.lock` consistent.
//!
//! One rule per stage, in topological order, each running `wecare run --only STAGE` with the
//! stage's input files and upstream tables as `input:` and its tables and fixed file outputs as
//! `output:`; `rule all` asks for all of them. The `wecare` binary is `config["wecare"]` (default: `wecare` on the
//! PATH), e.g. `snakemake --cores 2 --config wecare=/path/to/wecare`. Rules run from the project
//! directory; `--only` refuses to run a stage whose upstream is stale, and concurrent `--only`
//! runs update `pipeline.lock` one at a time under an OS file lock.
use std::fmt::Write as _;

use crate::config::{InputRef, Pipeline};
use crate::status::table_path;

/// A Python string literal.
fn py(text: &str) -> String {
    let mut s = String::from("\"");
    for c in text.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '{' => s.push_str("{{"),
            '}' => s.push_str("}}"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// A rule name Snakemake accepts (a Python identifier).
fn rule_name(stage: &str) -> String {
    let mut s: String = stage
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.chars().next().is_none_or(|c| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    s
}

/// The Snakefile text.
#[must_use]
pub fn render(pipeline: &Pipeline) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Snakefile for the wecare pipeline `{}`: written by `wecare export snakemake`; do not edit,\n\
         # regenerate it after changing pipeline.toml. Each rule runs `wecare run --only STAGE`;\n\
         # wecare keeps the fingerprints and pipeline.lock. Run from the project directory:\n\
         #   snakemake --cores 2 --config wecare=/path/to/wecare\n\
         # or with a cluster executor (e.g. --executor slurm).\n",
        pipeline.name
    );
    let _ = writeln!(out, "WECARE = config.get(\"wecare\", \"wecare\")\n");
    let order = pipeline.dag.topo_order();
    let outputs = |stage: &str| -> Vec<String> {
        pipeline.stages[stage]
            .kind
            .outputs
            .iter()
            .map(|t| table_path(stage, t))
            // Files the kind always writes (e.g. the report's pages); `dir/*.ext` patterns are
            // not declared, their stage has a table or a fixed file beside them.
            .chain(
                wecare_stages::file_outputs(pipeline.stages[stage].kind.name)
                    .iter()
                    .filter(|f| !f.contains('*'))
                    .map(|f| format!("outputs/{stage}/{f}")),
            )
            .collect()
    };
    let _ = writeln!(out, "rule all:\n    input:");
    for stage in &order {
        for path in outputs(stage) {
            let _ = writeln!(out, "        {},", py(&path));
        }
    }
    out.push('\n');
    for stage in &order {
        let decl = &pipeline.stages[stage];
        let _ = writeln!(out, "rule {}:", rule_name(stage));
        let inputs: Vec<String> = decl
            .inputs
            .values()
            .map(|source| match source {
                InputRef::File(path) => path.clone(),
                InputRef::Table { stage, table } => table_path(stage, table),
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if !inputs.is_empty() {
            let _ = writeln!(out, "    input:");
            for path in inputs {
                let _ = writeln!(out, "        {},", py(&path));
            }
        }
        let _ = writeln!(out, "    output:");
        for path in outputs(stage) {
            let _ = writeln!(out, "        {},", py(&path));
        }
        let _ = writeln!(out, "    params:\n        wecare=WECARE,");
        let _ = writeln!(
            out,
            "    shell:\n        {}\n",
            py(&format!("\"{{params.wecare}}\" run --only {stage}"))
                .replace("{{params.wecare}}", "{params.wecare}")
        );
    }
    out
}
