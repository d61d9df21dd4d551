//! `wecare verify` (issue 12): recompute from the raw inputs in a scratch directory and compare
//! every output with `pipeline.lock` and with the files on disk.
use polars::prelude::*;

use crate::common::{copy_dir, Project};

/// A project made by `wecare new` (the whole default DAG on a few example rows), already run.
pub fn new_project() -> Project {
    let dir = tempfile::tempdir().unwrap();
    let p = Project { dir };
    p.ok(&["new", "."]);
    p.ok(&["run"]);
    p
}

fn rewrite_table(path: &std::path::Path, edit: impl FnOnce(DataFrame) -> DataFrame) {
    let df = ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap();
    let mut df = edit(df);
    let file = std::fs::File::create(path).unwrap();
    ParquetWriter::new(file).finish(&mut df).unwrap();
}

#[test]
fn an_untouched_project_verifies_clean_and_verify_writes_nothing() {
    let p = new_project();
    let before = p.snapshot_files();
    let run = p.ok(&["verify"]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let outputs = lines.len() - 1;
    assert!(outputs >= 20, "{}", run.stdout);
    assert!(
        lines[..outputs]
            .iter()
            .all(|l| l.starts_with("OK        outputs/")),
        "{}",
        run.stdout
    );
    assert_eq!(
        lines[outputs],
        format!("{outputs} outputs: {outputs} ok, 0 differ; 0 other problems")
    );
    assert_eq!(p.snapshot_files(), before, "verify only reads the project");
    let json: serde_json::Value =
        serde_json::from_str(&p.ok(&["verify", "--json"]).stdout).unwrap();
    assert_eq!(json["ok"], true);
    let first = &json["outputs"][0];
    assert_eq!(first["status"], "ok");
    assert_eq!(first["lock_hash"], first["recomputed_hash"]);
    assert_eq!(first["disk_hash"], first["recomputed_hash"]);
}

#[test]
fn a_tampered_output_makes_verify_exit_1_naming_the_file_and_the_rows() {
    let p = new_project();
    let path = p.path().join("outputs/clean_actors/actors.parquet");
    rewrite_table(&path, |df| {
        let names = df.column("name").unwrap().str().unwrap().clone();
        let renamed: StringChunked = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                n.map(|n| {
                    if i == 0 {
                        "Forged Org".to_string()
                    } else {
                        n.to_string()
                    }
                })
            })
            .collect();
        let mut df = df.clone();
        df.with_column(renamed.into_series().with_name("name".into()).into_column())
            .unwrap();
        df
    });
    let before = p.snapshot_files();
    let run = p.wecare(&["verify", "clean_actors"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains("outputs/clean_actors/actors.parquet"))
        .unwrap();
    assert!(line.starts_with("MISMATCH  "), "{line}");
    assert!(
        line.contains(" lock ") && line.contains(" disk ") && line.contains(" recomputed "),
        "{line}"
    );
    assert!(
        run.stdout.contains("- row 1 (only on disk): "),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("name=\"Forged Org\""), "{}", run.stdout);
    assert!(
        run.stdout.contains("+ row 1 (only recomputed): "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("PROBLEM   stage `clean_actors` is stale: output modified: outputs/clean_actors/actors.parquet"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("compute_metrics"),
        "only the named stage and what it needs are verified:\n{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("error: verification failed"),
        "{}",
        run.stderr
    );
    assert_eq!(p.snapshot_files(), before, "verify repairs nothing");
}

#[test]
fn verify_reports_missing_outputs_stale_stages_and_strays() {
    let p = new_project();
    std::fs::remove_file(p.path().join("outputs/ingest_waves/rejects.parquet")).unwrap();
    std::fs::write(p.path().join("outputs/ingest_waves/planted.parquet"), b"x").unwrap();
    std::fs::create_dir_all(p.path().join("outputs/old_stage")).unwrap();
    p.edit(
        "pipeline.toml",
        "fuzzy_threshold = 0.9",
        "fuzzy_threshold = 0.95",
    );
    let run = p.wecare(&["verify", "--json"]);
    assert_eq!(run.code, 1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["ok"], false);
    let rejects = json["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["path"] == "outputs/ingest_waves/rejects.parquet")
        .unwrap();
    assert_eq!(rejects["status"], "missing");
    assert!(rejects["disk_hash"].is_null());
    assert!(rejects["recomputed_hash"].is_string());
    let problems: Vec<&str> = json["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for expected in [
        "outputs/old_stage/ belongs to no stage of pipeline.toml",
        "outputs/ingest_waves/planted.parquet is not recorded in pipeline.lock",
        "stage `clean_actors` is stale: param `fuzzy_threshold` changed 0.9 → 0.95",
    ] {
        assert!(
            problems.iter().any(|p| p.starts_with(expected)),
            "{expected} not in {problems:#?}"
        );
    }
}

/// The committed default project: every published table follows from data/ and this code.
#[test]
fn the_committed_default_project_verifies_clean() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    for item in ["data", "outputs"] {
        copy_dir(&root.join(item), &dir.path().join(item));
    }
    for item in ["pipeline.toml", "pipeline.lock"] {
        std::fs::copy(root.join(item), dir.path().join(item)).unwrap();
    }
    let p = Project { dir };
    let run = p.wecare(&["verify"]);
    assert_eq!(
        run.code, 0,
        "the committed outputs do not verify; rerun `wecare run` and commit outputs/ and pipeline.lock:\n{}\n{}",
        run.stdout, run.stderr
    );
    assert!(
        run.stdout.contains(" ok, 0 differ; 0 other problems"),
        "{}",
        run.stdout
    );
}
