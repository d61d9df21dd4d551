//! Why a stage is stale: the first differences between what `pipeline.lock` recorded and what the
//! pipeline would compute now, each carrying the old and the new value. Rendering is separate
//! from detection, and `status --json` emits the same values with `kind` in snake_case.
use std::fmt;

use serde::Serialize;

use crate::fingerprint::short;

/// One reason a stage must run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DirtyReason {
    /// No entry in `pipeline.lock` (or an unreadable one).
    NeverRun,
    /// `--force` named the stage.
    Forced,
    /// The engine version differs.
    ToolVersionChanged {
        /// Recorded version.
        old: String,
        /// Current version.
        new: String,
    },
    /// The engine's code identity differs (an engine source that can change output bytes).
    EngineCodeChanged {
        /// Recorded identity (empty for an entry written before it was recorded).
        old: String,
        /// Current identity.
        new: String,
    },
    /// The stage kind's code identity differs (its source, a shared helper or a dependency changed).
    StageCodeChanged {
        /// Recorded identity.
        old: String,
        /// Current identity.
        new: String,
    },
    /// The stage's `kind` was changed in `pipeline.toml`.
    KindChanged {
        /// Recorded kind.
        old: String,
        /// Current kind.
        new: String,
    },
    /// The stage seed differs (the pipeline seed changed).
    SeedChanged {
        /// Recorded seed.
        old: String,
        /// Current seed.
        new: String,
    },
    /// A param has another value (or was added or removed: the missing side is `null`).
    ParamChanged {
        /// Dotted path of the param.
        param: String,
        /// Recorded value.
        old: Option<serde_json::Value>,
        /// Current value.
        new: Option<serde_json::Value>,
    },
    /// A slot is filled now that was not.
    InputAdded {
        /// The slot.
        slot: String,
        /// What fills it.
        source: String,
    },
    /// A slot that was filled is not any more.
    InputRemoved {
        /// The slot.
        slot: String,
        /// What filled it.
        source: String,
    },
    /// An input file now has another content, or the slot points at another file.
    InputChanged {
        /// The slot.
        slot: String,
        /// Current source.
        source: String,
        /// Recorded source, when the path itself changed.
        #[serde(skip_serializing_if = "Option::is_none")]
        old_source: Option<String>,
        /// Recorded content hash.
        old: String,
        /// Current content hash.
        new: String,
    },
    /// An upstream table changed, or the upstream stage is stale and will be rebuilt first.
    UpstreamChanged {
        /// The upstream stage.
        stage: String,
        /// The slot it fills.
        slot: String,
        /// Recorded hash of the upstream table.
        old: Option<String>,
        /// Current hash; `null` while the upstream stage is itself stale.
        new: Option<String>,
    },
    /// An output file is missing.
    OutputMissing {
        /// The output name.
        output: String,
        /// Its path.
        path: String,
    },
    /// An output file exists but cannot be read.
    OutputUnreadable {
        /// The output name.
        output: String,
        /// Its path.
        path: String,
        /// The OS error.
        error: String,
    },
    /// An output file no longer has the content the lock recorded.
    OutputModified {
        /// The output name.
        output: String,
        /// Its path.
        path: String,
        /// Recorded hash.
        old: String,
        /// Current hash.
        new: String,
    },
}

fn value(v: Option<&serde_json::Value>) -> String {
    v.map_or_else(|| "(unset)".to_string(), ToString::to_string)
}

impl fmt::Display for DirtyReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NeverRun => write!(f, "never run"),
            Self::Forced => write!(f, "forced"),
            Self::ToolVersionChanged { old, new } => {
                write!(f, "tool version changed {old} → {new}")
            }
            Self::EngineCodeChanged { old, new } if old.is_empty() => {
                write!(f, "engine code not recorded → {}", short(new))
            }
            Self::EngineCodeChanged { old, new } => {
                write!(f, "engine code changed {} → {}", short(old), short(new))
            }
            Self::StageCodeChanged { old, new } => {
                write!(f, "stage code changed {} → {}", short(old), short(new))
            }
            Self::KindChanged { old, new } => write!(f, "kind changed `{old}` → `{new}`"),
            Self::SeedChanged { old, new } => write!(f, "seed changed {old} → {new}"),
            Self::ParamChanged { param, old, new } => {
                write!(
                    f,
                    "param `{param}` changed {} → {}",
                    value(old.as_ref()),
                    value(new.as_ref())
                )
            }
            Self::InputAdded { slot, source } => write!(f, "input `{slot}` added ({source})"),
            Self::InputRemoved { slot, source } => {
                write!(f, "input `{slot}` removed (was {source})")
            }
            Self::InputChanged {
                slot,
                source,
                old_source: Some(old_source),
                ..
            } => {
                write!(f, "input `{slot}` changed {old_source} → {source}")
            }
            Self::InputChanged {
                slot,
                source,
                old,
                new,
                ..
            } => {
                write!(
                    f,
                    "input `{slot}` changed: {source} (hash {} → {})",
                    short(old),
                    short(new)
                )
            }
            Self::UpstreamChanged {
                stage, new: None, ..
            } => write!(f, "upstream `{stage}` is stale"),
            Self::UpstreamChanged {
                stage,
                slot,
                old,
                new: Some(new),
            } => write!(
                f,
                "upstream `{stage}` changed (input `{slot}`: {} → {})",
                old.as_deref().map_or("(none)", short),
                short(new)
            ),
            Self::OutputMissing { path, .. } => write!(f, "output missing: {path}"),
            Self::OutputUnreadable { path, error, .. } => {
                write!(f, "output unreadable: {path} ({error})")
            }
            Self::OutputModified { path, old, new, .. } => {
                write!(
                    f,
                    "output modified: {path} (hash {} → {})",
                    short(old),
                    short(new)
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_carry_old_and_new_values() {
        let r = DirtyReason::ParamChanged {
            param: "fuzzy_threshold".into(),
            old: Some(serde_json::json!(0.9)),
            new: Some(serde_json::json!(0.95)),
        };
        assert_eq!(r.to_string(), "param `fuzzy_threshold` changed 0.9 → 0.95");
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["kind"], "param_changed");
        assert_eq!(json["old"], 0.9);
        let r = DirtyReason::OutputMissing {
            output: "ties".into(),
            path: "outputs/a/ties.parquet".into(),
        };
        assert_eq!(r.to_string(), "output missing: outputs/a/ties.parquet");
        assert_eq!(serde_json::to_value(&r).unwrap()["kind"], "output_missing");
    }
}
