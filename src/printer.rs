//! The one place that decides what reaches the terminal: quiet / normal / verbose, plain lines
//! in logs and CI, spinners on a terminal. Machine-readable output (`--json`, `dag`, `show`)
//! goes through [`Printer::data`] and is never suppressed.
use std::io::{IsTerminal as _, Write as _};
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How much to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Errors and data only.
    Quiet,
    /// Progress and the summary.
    Normal,
    /// Also stage summaries and fingerprints.
    Verbose,
}

/// Prints progress, messages and data.
#[derive(Debug)]
pub struct Printer {
    verbosity: Verbosity,
    bars: Option<MultiProgress>,
    lock: Mutex<()>,
    /// The first error writing to stdout (a broken pipe is not one: the reader has seen enough).
    failed: Mutex<Option<String>>,
}

/// A running stage's spinner (or nothing, in plain mode).
pub struct Activity {
    bar: Option<ProgressBar>,
}

impl Printer {
    /// A printer; spinners only when stderr is a terminal and not quiet.
    #[must_use]
    pub fn new(verbosity: Verbosity) -> Self {
        let tty = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        let bars = (tty && verbosity > Verbosity::Quiet)
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Self {
            verbosity,
            bars,
            lock: Mutex::new(()),
            failed: Mutex::new(None),
        }
    }

    /// The first error met writing to standard output, if any.
    pub fn write_error(&self) -> Option<String> {
        self.failed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn record(&self, result: std::io::Result<()>) {
        if let Err(e) = result {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                self.failed
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .get_or_insert_with(|| format!("cannot write: {e}"));
            }
        }
    }

    /// A line of normal output.
    pub fn line(&self, text: &str) {
        if self.verbosity >= Verbosity::Normal {
            self.out(text);
        }
    }

    /// A line of verbose output.
    pub fn verbose(&self, text: &str) {
        if self.verbosity >= Verbosity::Verbose {
            self.out(text);
        }
    }

    /// Data the user asked for: always printed on stdout.
    pub fn data(&self, text: &str) {
        let _guard = self
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut stdout = std::io::stdout().lock();
        let result = (|| {
            stdout.write_all(text.as_bytes())?;
            if !text.ends_with('\n') {
                stdout.write_all(b"\n")?;
            }
            stdout.flush()
        })();
        drop(stdout);
        self.record(result);
    }

    /// An error or warning: always printed on stderr.
    pub fn error(&self, text: &str) {
        let _guard = self
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let write = || {
            let mut stderr = std::io::stderr().lock();
            let _ = stderr.write_all(text.as_bytes());
            if !text.ends_with('\n') {
                let _ = stderr.write_all(b"\n");
            }
        };
        match &self.bars {
            Some(bars) => bars.suspend(write),
            None => write(),
        }
    }

    fn out(&self, text: &str) {
        let _guard = self
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match &self.bars {
            Some(bars) => {
                let _ = bars.println(text);
            }
            None => {
                let mut stdout = std::io::stdout().lock();
                let result = writeln!(stdout, "{text}").and_then(|()| stdout.flush());
                drop(stdout);
                self.record(result);
            }
        }
    }

    /// Starts showing a running stage: a spinner on a terminal, a plain line otherwise.
    #[must_use]
    pub fn start(&self, stage: &str, why: &str) -> Activity {
        match &self.bars {
            Some(bars) => {
                let bar = bars.add(ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_message(format!("{stage}: {why}"));
                bar.enable_steady_tick(Duration::from_millis(100));
                Activity { bar: Some(bar) }
            }
            None => {
                self.line(&format!("run    {stage}: {why}"));
                Activity { bar: None }
            }
        }
    }
}

impl Activity {
    /// Removes the spinner.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}
