//! The command line, parsed with clap. Doc comments are the help text.
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::dag::DagFormat;

/// wecare: a reproducible evaluation pipeline for inter-organisational welfare networks.
///
/// The evaluation is a DAG of stages declared in `pipeline.toml`. Each stage's outputs are
/// cached under `outputs/<stage>/` and recorded in `pipeline.lock` with the hash of everything
/// they came from, so only stale stages rerun and every figure can be checked byte for byte.
///
/// Exit codes: 0 success, 1 a stage or check failed, 2 usage or configuration error.
#[derive(Debug, Parser)]
#[command(name = "wecare", version, max_term_width = 100)]
pub struct Cli {
    /// Work on the project in DIR instead of the current directory.
    #[arg(
        short = 'C',
        long = "directory",
        global = true,
        value_name = "DIR",
        default_value = "."
    )]
    pub directory: PathBuf,
    /// Print only errors (and the data a command was asked for).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more: fresh stages, stage summaries, fingerprints.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run stale stages: all of them, or the named ones and what they need.
    Run(RunArgs),
    /// Show every stage, fresh or stale, with the reasons it is stale.
    Status(StatusArgs),
    /// Recompute stages from the raw inputs in a scratch directory and compare every output with
    /// `pipeline.lock` and with the files on disk. Exit 1 on any difference.
    Verify(VerifyArgs),
    /// Print the stage graph.
    Dag(DagArgs),
    /// Print a table, like a notebook cell output.
    Show(ShowArgs),
    /// Remove outputs and lock entries (all stages, or the named ones). Asks nothing; prints what it removed.
    Clean(CleanArgs),
    /// List the stage kinds, their input slots, outputs and params.
    Kinds,
    /// Create a new project in DIR: pipeline.toml, example input files in the canonical format
    /// and a README on mapping your own survey files. DIR must not exist or be empty.
    New(NewArgs),
    /// Generate the synthetic default dataset (data/raw, projects, aliases, ground truth) from data/synth.toml.
    Synth(SynthArgs),
    /// Write the outputs for other tools: networks as GraphML, GEXF 1.3, Pajek or UCINET DL,
    /// tables as CSV, or the DAG as a Snakefile.
    Export(ExportArgs),
    /// Ask an SQL question of every output table (polars SQL, read-only). Tables are named
    /// "stage.table" (quoted) or stage_table.
    Query(QueryArgs),
}

/// What `wecare export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// GraphML, one file per project, wave and layer (typed node and edge attributes).
    Graphml,
    /// GEXF 1.3 for Gephi, one file per project, wave and layer.
    Gexf,
    /// Pajek .net, one file per project, wave and layer.
    Pajek,
    /// UCINET DL, edgelist1 and fullmatrix, one file each per project, wave and layer.
    Ucinet,
    /// Every output table as CSV.
    Csv,
    /// The DAG as a Snakefile (on stdout unless --out), each rule running `wecare run --only`.
    Snakemake,
}

/// `wecare export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The format.
    #[arg(value_enum, value_name = "FORMAT")]
    pub format: ExportFormat,
    /// The directory to write into, relative to the project (default: exports/; for
    /// snakemake, stdout).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Networks: an export_networks stage, or a stage writing `ties` and `actors` (default: the
    /// pipeline's export_networks stage). CSV: only this stage's tables.
    #[arg(long, value_name = "STAGE")]
    pub stage: Option<String>,
}

/// `wecare query`.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The query, e.g. SELECT wave, median(density) FROM "compute_metrics.network_metrics" GROUP BY wave.
    #[arg(value_name = "SQL")]
    pub sql: String,
    /// Print CSV.
    #[arg(long, conflicts_with = "json")]
    pub csv: bool,
    /// Print JSON: an array of row objects.
    #[arg(long)]
    pub json: bool,
}

/// `wecare synth`.
#[derive(Debug, Args)]
pub struct SynthArgs {
    /// The generator's configuration (written with the defaults if it does not exist).
    #[arg(long, value_name = "FILE", default_value = "data/synth.toml")]
    pub config: PathBuf,
    /// The data directory to write.
    #[arg(long, value_name = "DIR", default_value = "data")]
    pub out: PathBuf,
    /// Override the seed of the config.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Override the number of projects (thousands are fine, for benchmarks).
    #[arg(long, value_name = "N")]
    pub projects: Option<usize>,
    /// `default` (the configured effects) or `null` (every effect zero).
    #[arg(long, value_name = "NAME")]
    pub scenario: Option<String>,
    /// Multiply every mess rate by F (robustness tests use 2).
    #[arg(long, value_name = "F")]
    pub mess_scale: Option<f64>,
    /// Do not write: exit 1 if the data directory differs from what the config generates.
    #[arg(long)]
    pub check: bool,
    /// Write over existing files that `wecare synth` did not generate (your own survey files,
    /// a README). Without it, synth refuses and lists them.
    #[arg(long, conflicts_with = "check")]
    pub force: bool,
}

/// `wecare verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Stages to verify, with everything they need (default: all).
    #[arg(value_name = "STAGE")]
    pub stages: Vec<String>,
    /// Print JSON: {"ok","outputs":[{"stage","output","path","status","lock_hash","disk_hash","recomputed_hash",…}],"problems":[…]}.
    #[arg(long)]
    pub json: bool,
}

/// `wecare new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The directory to create (relative to `-C`).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// `wecare run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Stages to bring up to date (default: all).
    #[arg(value_name = "STAGE")]
    pub stages: Vec<String>,
    /// Rerun the named stages (all, if none is named) even if they are fresh.
    #[arg(long)]
    pub force: bool,
    /// Also run the stages that depend on the named ones.
    #[arg(long)]
    pub downstream: bool,
    /// Print what would run and why, and run nothing.
    #[arg(short = 'n', long)]
    pub dry_run: bool,
    /// Run exactly STAGE (if stale, or with --force), refusing if a stage upstream of it is
    /// stale. Concurrent --only runs of different stages are safe (what Snakemake rules run).
    #[arg(long, value_name = "STAGE", conflicts_with_all = ["stages", "downstream"])]
    pub only: Option<String>,
    /// Number of stages to run at once (default: the number of cores, or RAYON_NUM_THREADS).
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
}

/// `wecare status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print JSON: {"stages":[{"name","state","reasons":[{"kind",…}],"fingerprint"}]}.
    #[arg(long)]
    pub json: bool,
}

/// `wecare dag`.
#[derive(Debug, Args)]
pub struct DagArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: DagFormat,
}

/// `wecare show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The table, as STAGE.TABLE (e.g. ingest_waves.ties_raw).
    #[arg(value_name = "STAGE.TABLE")]
    pub table: String,
    /// Number of rows to print.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub head: usize,
    /// Print JSON: {"table","rows","columns":[{"name","dtype"}],"data":[{…}]}.
    #[arg(long)]
    pub json: bool,
}

/// `wecare clean`.
#[derive(Debug, Args)]
pub struct CleanArgs {
    /// Stages to clean (default: all).
    #[arg(value_name = "STAGE")]
    pub stages: Vec<String>,
}
