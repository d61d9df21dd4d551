//! The wecare engine: `pipeline.toml` → a validated DAG of stages → fingerprints, staleness, runs.
//!
//! The engine knows DAGs, hashes, files and tables, and nothing about welfare networks: the
//! analysis lives in the `wecare-stages` crate. [`main_with`] is the whole CLI; `main.rs` only
//! parses arguments.

pub mod cli;
mod commands;
pub mod config;
pub mod dag;
mod diagnostic;
pub mod dirty_reason;
pub mod error;
mod export;
pub mod fingerprint;
mod fresh_seal;
pub mod hash_cache;
pub mod lockfile;
mod printer;
mod project_lock;
pub mod provenance;
mod query;
mod run_only;
pub mod runner;
pub mod scheduler;
mod show;
mod snakemake;
pub mod status;
mod synth;
pub mod table_io;
pub mod verify;

use std::process::ExitCode;

use cli::{Cli, Command};
use error::Error;
use printer::{Printer, Verbosity};

/// Runs a parsed command line and returns the process exit code. Errors are printed here, as
/// plain text: never a panic, never a backtrace.
#[must_use]
pub fn main_with(cli: Cli) -> ExitCode {
    let verbosity = if cli.quiet {
        Verbosity::Quiet
    } else if cli.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let printer = Printer::new(verbosity);
    let result = dispatch(cli, &printer);
    // Output that could not be written (a full disk, a closed terminal) is a failure too.
    let result = match (result, printer.write_error()) {
        (Ok(()), Some(message)) => Err(Error::Io {
            path: "standard output".into(),
            message,
        }),
        (result, _) => result,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            printer.error(&err.render());
            ExitCode::from(err.exit_code())
        }
    }
}

fn dispatch(cli: Cli, printer: &Printer) -> Result<(), Error> {
    if let Command::Kinds = cli.command {
        commands::kinds(printer);
        return Ok(());
    }
    if let Command::Synth(args) = &cli.command {
        return synth::synth(&cli.directory, args, printer);
    }
    if let Command::New(args) = &cli.command {
        return new_project(&cli.directory, &args.dir, printer);
    }
    let mut pipeline = config::load(&cli.directory)?;
    if matches!(cli.command, Command::Verify(_)) {
        // The auditor's command hashes every byte.
        pipeline.hashes.disable();
    }
    let result = match cli.command {
        Command::Run(args) => runner::run(
            &pipeline,
            &runner::RunOptions {
                targets: args.stages,
                force: args.force,
                downstream: args.downstream,
                dry_run: args.dry_run,
                jobs: args.jobs.map(usize::from),
                only: args.only,
            },
            printer,
        ),
        Command::Status(args) => commands::status(&pipeline, args.json, printer),
        Command::Verify(args) => verify::verify(&pipeline, &args.stages, args.json, printer),
        Command::Dag(args) => {
            commands::dag(&pipeline, args.format, printer);
            Ok(())
        }
        Command::Show(args) => show::show(&pipeline, &args.table, args.head, args.json, printer),
        Command::Clean(args) => commands::clean(&pipeline, &args.stages, printer),
        Command::Export(args) => export::export(&pipeline, &args, printer),
        Command::Query(args) => query::query(&pipeline, &args, printer),
        Command::Kinds | Command::Synth(_) | Command::New(_) => Ok(()),
    };
    pipeline.hashes.save();
    result
}

/// `wecare new DIR`: the project is written by `wecare_stages::scaffold`; this only reports.
fn new_project(
    base: &std::path::Path,
    dir: &std::path::Path,
    printer: &Printer,
) -> Result<(), Error> {
    use wecare_stages::scaffold::{self, ScaffoldError};
    let files = scaffold::create(&base.join(dir)).map_err(|e| match e {
        ScaffoldError::NotEmpty { .. } | ScaffoldError::NotADirectory { .. } => Error::usage(
            e.to_string(),
            "give a new directory name; `wecare new` never writes over existing files",
        ),
        ScaffoldError::Io { path, message } => Error::Io { path, message },
    })?;
    let shown = dir.display().to_string();
    printer.line(&format!("created {shown}/: {}", files.join(", ")));
    // The next steps are commands to type where the user is, not inside `-C`.
    let from_here = if base == std::path::Path::new(".") {
        shown
    } else {
        base.join(dir)
            .components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect::<std::path::PathBuf>()
            .display()
            .to_string()
    };
    for step in scaffold::next_steps(&from_here) {
        printer.line(&step);
    }
    Ok(())
}
