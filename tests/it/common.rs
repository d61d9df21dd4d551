//! Test helpers: a temporary copy of a fixture project and a way to run `wecare` on it.
#![allow(dead_code)]
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fixture project copied into a temporary directory.
pub struct Project {
    pub dir: tempfile::TempDir,
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// What a `wecare` invocation printed and returned.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Self {
        Self {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Project {
    pub fn new(fixture: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&fixtures().join(fixture), dir.path());
        Self { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wecare"));
        cmd.arg("-C").arg(self.path()).args(args);
        cmd.env("RUST_BACKTRACE", "1")
            .env_remove("WECARE_FAULT_PAUSE_STAGE");
        cmd
    }

    pub fn wecare(&self, args: &[&str]) -> Run {
        self.command(args).output().unwrap().into()
    }

    /// Runs with `threads` worker threads for both rayon and polars, and asserts success.
    pub fn ok_with_threads(&self, args: &[&str], threads: usize) -> Run {
        let n = threads.to_string();
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["-j", &n]);
        let run: Run = self
            .command(&all)
            .env("RAYON_NUM_THREADS", &n)
            .env("POLARS_MAX_THREADS", &n)
            .output()
            .unwrap()
            .into();
        assert_eq!(
            run.code, 0,
            "wecare {all:?} failed:\n{}\n{}",
            run.stdout, run.stderr
        );
        run
    }

    /// Runs and asserts success.
    pub fn ok(&self, args: &[&str]) -> Run {
        let run = self.wecare(args);
        assert_eq!(
            run.code, 0,
            "wecare {args:?} failed:\n{}\n{}",
            run.stdout, run.stderr
        );
        run
    }

    /// The bytes of `outputs/<stage>/<table>.parquet` for each table, in the order given.
    pub fn table_bytes(&self, stage: &str, tables: &[&str]) -> Vec<Vec<u8>> {
        tables
            .iter()
            .map(|t| {
                std::fs::read(self.path().join(format!("outputs/{stage}/{t}.parquet"))).unwrap()
            })
            .collect()
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap()
    }

    pub fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.path().join(rel), text).unwrap();
    }

    pub fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = self.read(rel);
        assert!(text.contains(from), "`{from}` not in {rel}");
        self.write(rel, &text.replacen(from, to, 1));
    }

    /// `status --json` as (stage → (state, reasons)).
    pub fn status(&self) -> BTreeMap<String, (String, Vec<serde_json::Value>)> {
        let run = self.ok(&["status", "--json"]);
        let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        json["stages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().unwrap().to_string(),
                    (
                        s["state"].as_str().unwrap().to_string(),
                        s["reasons"].as_array().unwrap().clone(),
                    ),
                )
            })
            .collect()
    }

    /// Names of stale stages.
    pub fn stale(&self) -> Vec<String> {
        self.status()
            .into_iter()
            .filter(|(_, (state, _))| state == "stale")
            .map(|(n, _)| n)
            .collect()
    }

    /// Every file under `outputs/` with its bytes, plus `pipeline.lock`.
    pub fn snapshot_files(&self) -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        collect(self.path(), &self.path().join("outputs"), &mut out);
        if let Ok(lock) = std::fs::read(self.path().join("pipeline.lock")) {
            out.insert("pipeline.lock".into(), lock);
        }
        out
    }
}

fn collect(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(root, &path, out);
        } else {
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(rel, std::fs::read(&path).unwrap());
        }
    }
}

/// Every stage of the `basic` fixture, sorted.
pub const BASIC_STAGES: [&str; 3] = ["describe_types", "describe_waves", "ingest_waves"];

/// Stages named in the `run` lines of an output (`run    NAME: ...`).
pub fn stages_run(stdout: &str) -> Vec<String> {
    let mut v: Vec<String> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("done   "))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    v.sort();
    v
}

/// Replaces volatile parts (durations, temp paths) for snapshots.
pub fn redact(text: &str, project: &Path) -> String {
    let re_secs = regex_lite(text);
    re_secs.replace(&project.display().to_string(), "[PROJECT]")
}

fn regex_lite(text: &str) -> String {
    // "(0.03s)" → "(…s)": durations are the only numbers followed by "s)".
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(idx) = rest.find('(') {
        out.push_str(&rest[..=idx]);
        rest = &rest[idx + 1..];
        let end = rest
            .find("s)")
            .filter(|&e| rest[..e].chars().all(|c| c.is_ascii_digit() || c == '.') && e > 0);
        if let Some(e) = end {
            out.push_str("…s)");
            rest = &rest[e + 2..];
        }
    }
    out.push_str(rest);
    out
}
