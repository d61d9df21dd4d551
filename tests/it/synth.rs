//! `wecare synth` from the command line (issue 3): generation, `--check`, config errors, and the
//! committed default data.
use std::process::Command;

use crate::common::copy_dir;

fn wecare(dir: &std::path::Path, args: &[&str]) -> crate::common::Run {
    Command::new(env!("CARGO_BIN_EXE_wecare"))
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap()
        .into()
}

#[test]
fn synth_writes_the_dataset_and_check_detects_drift() {
    let dir = tempfile::tempdir().unwrap();
    let run = wecare(dir.path(), &["synth", "--projects", "5", "--seed", "11"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("wrote 17 files to data: 5 projects,"),
        "{}",
        run.stdout
    );
    for f in [
        "synth.toml",
        "README.md",
        "raw/wave1.csv",
        "raw/wave2.xlsx",
        "raw/wave3.csv",
        "raw/roster3.csv",
        "projects.csv",
        "truth/names.csv",
    ] {
        assert!(dir.path().join("data").join(f).is_file(), "{f} missing");
    }
    let readme = std::fs::read_to_string(dir.path().join("data/README.md")).unwrap();
    assert!(
        readme.lines().take(3).any(|l| l.contains("SYNTHETIC")),
        "the README says first that the data are synthetic"
    );
    let ok = wecare(
        dir.path(),
        &["synth", "--projects", "5", "--seed", "11", "--check"],
    );
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let other_seed = wecare(
        dir.path(),
        &["synth", "--projects", "5", "--seed", "12", "--check"],
    );
    assert_eq!(other_seed.code, 1);
    let path = dir.path().join("data/raw/roster2.csv");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("WCR-01,Intrusa,Altro,no\n");
    std::fs::write(&path, text).unwrap();
    let drift = wecare(
        dir.path(),
        &["synth", "--projects", "5", "--seed", "11", "--check"],
    );
    assert_eq!(drift.code, 1);
    insta::assert_snapshot!(drift.stderr, @r"
    error: data differs from what data/synth.toml generates: raw/roster2.csv
      hint: regenerate with `wecare synth` (and commit), or restore the files
    ");
    assert!(
        !std::fs::read_dir(dir.path()).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains("synth-check")),
        "scratch removed"
    );
}

#[test]
fn a_bad_synth_config_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let config = wecare_stages::synth::DEFAULT_CONFIG
        .replace("scenario = \"default\"", "scenario = \"optimistic\"");
    std::fs::write(dir.path().join("data/synth.toml"), config).unwrap();
    let run = wecare(dir.path(), &["synth"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown scenario `optimistic`"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"));
    std::fs::remove_file(dir.path().join("data/synth.toml")).unwrap();
    let run = wecare(
        dir.path(),
        &["synth", "--scenario", "null", "--projects", "3"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let truth = std::fs::read_to_string(dir.path().join("data/truth/scenario.toml")).unwrap();
    assert!(truth.contains("scenario = \"null\""));
}

#[test]
fn committed_default_data_match_their_config() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root.join("data"), &dir.path().join("data"));
    let run = wecare(dir.path(), &["synth", "--check"]);
    assert_eq!(
        run.code, 0,
        "committed data/ drifted from data/synth.toml: {}",
        run.stderr
    );
    let config = std::fs::read_to_string(root.join("data/synth.toml")).unwrap();
    assert_eq!(
        config,
        wecare_stages::synth::DEFAULT_CONFIG,
        "data/synth.toml is the default config"
    );
}
