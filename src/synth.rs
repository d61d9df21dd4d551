//! `wecare synth`: dispatches to the generator in `wecare-stages` and reports what it wrote.
use std::time::Instant;

use wecare_stages::synth::{self as gen, SynthError, SynthOptions};

use crate::cli::SynthArgs;
use crate::error::Error;
use crate::printer::Printer;

/// Runs `wecare synth` in project directory `dir`.
///
/// # Errors
/// Exit 2 for a bad config, 1 when `--check` finds a difference or a file cannot be written.
pub fn synth(dir: &std::path::Path, args: &SynthArgs, printer: &Printer) -> Result<(), Error> {
    let opts = SynthOptions {
        config: dir.join(&args.config),
        out: dir.join(&args.out),
        seed: args.seed,
        projects: args.projects,
        scenario: args.scenario.clone(),
        mess_scale: args.mess_scale,
    };
    let (config, mess) =
        gen::load_config(&opts).map_err(|e| {
            match e {
        SynthError::Config { message, .. } => Error::usage(
            format!("invalid synth config `{}`: {}", args.config.display(), message.trim()),
            "see the comments in the default config (`wecare synth --config NEW.toml` writes one)",
        ),
        SynthError::Io(m) => Error::Io { path: opts.config.display().to_string(), message: m },
    }
        })?;
    let started = Instant::now();
    if args.check {
        let differ = gen::check(&config, &mess, &opts.out).map_err(|e| Error::Io {
            path: args.out.display().to_string(),
            message: e.to_string(),
        })?;
        if differ.is_empty() {
            printer.line(&format!(
                "{}: every file matches {} (seed {})",
                args.out.display(),
                args.config.display(),
                config.synth.seed
            ));
            return Ok(());
        }
        return Err(Error::Check {
            message: format!(
                "{} differs from what {} generates: {}",
                args.out.display(),
                args.config.display(),
                differ.join(", ")
            ),
            hint: "regenerate with `wecare synth` (and commit), or restore the files".into(),
        });
    }
    let summary = gen::generate(&config, &mess, &opts.out).map_err(|e| Error::Io {
        path: args.out.display().to_string(),
        message: e.to_string(),
    })?;
    printer.line(&format!(
        "wrote {} files to {}: {} projects, {} organisations, {} + {} + {} survey rows (seed {}, scenario {}, {:.2}s)",
        summary.files.len(),
        args.out.display(),
        summary.projects,
        summary.organisations,
        summary.wave_rows[0],
        summary.wave_rows[1],
        summary.wave_rows[2],
        config.synth.seed,
        config.synth.scenario,
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}
