//! The engine's errors and their exit codes: 2 for usage and configuration, 1 for a run that
//! failed. They are printed as plain text, never with a backtrace.
use crate::config::LoadError;
use crate::diagnostic;

/// Anything that stops a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `pipeline.toml` is missing or invalid.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The command line asks for something that does not exist.
    #[error("{message}")]
    Usage {
        /// What is wrong.
        message: String,
        /// How to fix it.
        hint: Option<String>,
    },
    /// A file could not be read or written.
    #[error("`{path}`: {message}")]
    Io {
        /// The file, relative to the project.
        path: String,
        /// The OS error.
        message: String,
    },
    /// One or more stages failed (each was already reported).
    #[error("{failed} stage(s) failed")]
    StagesFailed {
        /// How many.
        failed: usize,
    },
    /// A check found a difference.
    #[error("{message}")]
    Check {
        /// What differs.
        message: String,
        /// What to do.
        hint: String,
    },
    /// A table could not be read.
    #[error("cannot read `{path}`: {message}")]
    Table {
        /// The file.
        path: String,
        /// What polars said.
        message: String,
    },
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<String>, err: &std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            message: err.to_string(),
        }
    }

    /// A usage error with a hint.
    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::Usage {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    /// The process exit code for this error.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Load(_) | Self::Usage { .. } => 2,
            Self::Io { .. }
            | Self::StagesFailed { .. }
            | Self::Table { .. }
            | Self::Check { .. } => 1,
        }
    }

    /// The message as printed on stderr.
    #[must_use]
    pub fn render(&self) -> String {
        match self {
            Self::Load(LoadError::Invalid(config)) => {
                let n = config.problems.len();
                format!(
                    "{}error: `{}` has {n} problem{}; nothing was run\n",
                    diagnostic::render(&config.file, &config.source, &config.problems),
                    config.file,
                    if n == 1 { "" } else { "s" }
                )
            }
            Self::Load(LoadError::Missing { dir }) => format!(
                "error: no `pipeline.toml` in `{dir}`\n  hint: run inside a wecare project, pass `-C DIR`, or start one with `wecare new DIR`\n"
            ),
            Self::Usage { message, hint: Some(hint) } | Self::Check { message, hint } => format!("error: {message}\n  hint: {hint}\n"),
            Self::StagesFailed { failed } => {
                format!("error: {failed} stage{} failed; see above\n", if *failed == 1 { "" } else { "s" })
            }
            other => format!("error: {other}\n"),
        }
    }
}
