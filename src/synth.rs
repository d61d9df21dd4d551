//! `wecare synth`: dispatches to the generator in `wecare-stages` and reports what it wrote.
//!
//! Synth never writes over a file it did not generate: it generates into a scratch directory,
//! then compares every file with what is already in the data directory. A file that exists,
//! differs, and is not listed with its current hash in [`MANIFEST`] (written by every synth run)
//! is someone's own — real survey data in a `wecare new` project, a README at `--out .` — and
//! synth refuses and lists them, unless `--force`.
use std::collections::BTreeMap;
use std::path::Path;
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
    if let Some(f) = args.mess_scale {
        if !f.is_finite() || f < 0.0 {
            return Err(Error::usage(
                format!("--mess-scale {f} is not a finite number ≥ 0"),
                "for example `--mess-scale 2` (twice the configured mess rates) or `--mess-scale 0` (none)",
            ));
        }
    }
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
    let scratch = tempfile::Builder::new()
        .prefix("wecare-synth-")
        .tempdir()
        .map_err(|e| Error::io("a temporary directory", &e))?;
    let summary = gen::generate(&config, &mess, scratch.path()).map_err(|e| Error::Io {
        path: args.out.display().to_string(),
        message: e.to_string(),
    })?;
    let mut generated = Vec::new();
    list(scratch.path(), "", &mut generated);
    let manifest = read_manifest(&opts.out.join(MANIFEST));
    let mut conflicts = Vec::new();
    let mut files = Vec::new();
    for rel in generated {
        let bytes = std::fs::read(scratch.path().join(&rel)).map_err(|e| Error::io(&rel, &e))?;
        let target = opts.out.join(&rel);
        let ours = match std::fs::symlink_metadata(&target) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
            Ok(m) if m.is_file() => std::fs::read(&target).is_ok_and(|old| {
                old == bytes
                    || manifest.get(&rel).map(String::as_str)
                        == Some(crate::fingerprint::hash_bytes(&old).as_str())
            }),
            _ => false,
        };
        if !ours {
            conflicts.push(rel.clone());
        }
        files.push((rel, bytes));
    }
    if !conflicts.is_empty() && !args.force {
        return Err(Error::usage(
            format!(
                "refusing to write over {} file{} in {} that `wecare synth` did not generate: {}",
                conflicts.len(),
                if conflicts.len() == 1 { "" } else { "s" },
                args.out.display(),
                conflicts.join(", ")
            ),
            "these may be your own data: move them away or choose another `--out`; `--force` overwrites them",
        ));
    }
    let mut listed = String::new();
    for (rel, bytes) in &files {
        crate::table_io::write_atomic(&opts.out.join(rel), bytes)
            .map_err(|e| Error::io(format!("{}/{rel}", args.out.display()), &e))?;
        listed.push_str(&format!(
            "{}  {rel}\n",
            crate::fingerprint::hash_bytes(bytes)
        ));
    }
    crate::table_io::write_atomic(
        &opts.out.join(MANIFEST),
        format!("# files written by `wecare synth` (blake3, path): synth may overwrite these while unchanged\n{listed}").as_bytes(),
    )
    .map_err(|e| Error::io(format!("{}/{MANIFEST}", args.out.display()), &e))?;
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

/// The list of files synth wrote, with their hashes, in the data directory.
pub const MANIFEST: &str = ".synth-manifest";

fn read_manifest(path: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once("  "))
        .map(|(h, p)| (p.to_string(), h.to_string()))
        .collect()
}

/// Every file under `dir`, as `/`-separated relative paths, sorted.
fn list(dir: &Path, prefix: &str, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let rel = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            list(&entry.path(), &format!("{rel}/"), out);
        } else {
            out.push(rel);
        }
    }
}
