//! Failures, crashes, concurrent runs and determinism (issue 2).
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::{stages_run, Project, BASIC_STAGES};

#[test]
fn a_failing_stage_keeps_previous_outputs_and_shows_stale() {
    let p = Project::new("basic");
    p.ok(&["run"]);
    let before = p.snapshot_files();
    // A row with one field too many makes the whole file unusable (a malformed intensity
    // would only send its row to `rejects`).
    p.edit("data/raw/wave2.csv", "information,3", "information,3,7");
    let run = p.wecare(&["run"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let line = p
        .read("data/raw/wave2.csv")
        .lines()
        .position(|l| l.ends_with("information,3,7"))
        .unwrap()
        + 1;
    assert!(
        run.stderr.contains(&format!(
            "data/raw/wave2.csv:{line}: the row has 8 fields, the header 7"
        )),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint:"), "{}", run.stderr);
    assert!(!run.stderr.contains("backtrace"), "{}", run.stderr);
    assert!(
        run.stdout
            .contains("skip   describe_waves: upstream `ingest_waves` failed"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("0 run, 0 fresh, 1 failed, 2 skipped"),
        "{}",
        run.stdout
    );
    assert_eq!(p.snapshot_files(), before, "a failed stage writes nothing");
    let status = p.status();
    assert_eq!(status["ingest_waves"].0, "stale");
    assert_eq!(status["ingest_waves"].1[0]["kind"], "input_changed");
}

#[test]
fn missing_required_column_fails_with_file_and_hint() {
    let p = Project::new("basic");
    p.edit(
        "data/raw/wave1.csv",
        "relation,intensity",
        "relazione,intensity",
    );
    let run = p.wecare(&["run"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.stderr, @r"
    error: stage `ingest_waves` failed: data/raw/wave1.csv:1 (column `relation`): missing required column `relation` (canonical `relation`)
      hint: the header has: project, respondent, respondent_type, alter, alter_type, relazione, intensity; map the file's column names with params.columns in pipeline.toml
    error: 1 stage failed; see above
    ");
    assert!(!p.path().join("outputs").exists());
    assert!(!p.path().join("pipeline.lock").exists());
}

fn wait_for(mut cond: impl FnMut() -> bool, what: &str) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_run_killed_mid_stage_never_leaves_a_fresh_looking_stage() {
    let p = Project::new("basic");
    p.ok(&["run"]);
    let lock_before = p.read("pipeline.lock");
    let dir = p.path().join("outputs/ingest_waves");
    let rejects = dir.join("rejects.parquet");
    let modified = |path: &std::path::Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let rejects_written = modified(&rejects);
    let roster_before = std::fs::read(dir.join("roster.parquet")).unwrap();
    let ties_before = std::fs::read(dir.join("ties_raw.parquet")).unwrap();
    p.edit(
        "pipeline.toml",
        "missing_intensity = 1",
        "missing_intensity = 3",
    );
    let mut child = p
        .command(&["run"])
        .env("WECARE_FAULT_PAUSE_STAGE", "ingest_waves")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The first output (rejects) is rewritten, then the stage pauses before the next ones.
    wait_for(
        || {
            modified(&rejects) != rejects_written
                && p.path().join(".wecare/run.lock").exists()
                && std::fs::read_dir(&dir).unwrap().count() == 3
        },
        "the first output",
    );
    std::thread::sleep(Duration::from_millis(200));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(
        p.read("pipeline.lock"),
        lock_before,
        "the lock entry is written last"
    );
    assert_eq!(
        std::fs::read(dir.join("roster.parquet")).unwrap(),
        roster_before,
        "the second output was never started"
    );
    assert_eq!(
        std::fs::read(dir.join("ties_raw.parquet")).unwrap(),
        ties_before,
        "the third output was never started"
    );
    let status = p.status();
    assert_eq!(status["ingest_waves"].0, "stale");
    assert_eq!(status["ingest_waves"].1[0]["kind"], "param_changed");
    let run = p.ok(&["run"]);
    assert_eq!(stages_run(&run.stdout), BASIC_STAGES);
    assert!(p.stale().is_empty());
}

#[test]
fn a_second_run_waits_for_the_first() {
    let p = Project::new("basic");
    let mut first = p
        .command(&["run"])
        .env("WECARE_FAULT_PAUSE_STAGE", "ingest_waves")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(
        || p.path().join("outputs/ingest_waves").exists(),
        "the first run to start writing",
    );
    let mut second = p
        .command(&["run"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read the second run's stderr as it comes; kill the first run only once the second one
    // has said that it waits (no fixed sleep: CI machines are slow and shared).
    let stderr = second.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead as _;
        let mut all = String::new();
        for line in std::io::BufReader::new(stderr).lines() {
            let line = line.unwrap();
            if line.contains("waiting:") {
                let _ = tx.send(());
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    rx.recv_timeout(Duration::from_secs(120))
        .expect("the second run says it waits for the lock");
    first.kill().unwrap();
    first.wait().unwrap();
    let output = second.wait_with_output().unwrap();
    let second = crate::common::Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: reader.join().unwrap(),
    };
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(
        second.stderr.contains("waiting: another wecare run (pid"),
        "{}",
        second.stderr
    );
    assert!(
        second.stderr.contains("holds the lock on this project"),
        "{}",
        second.stderr
    );
    assert_eq!(stages_run(&second.stdout), BASIC_STAGES);
    assert!(p.stale().is_empty());
}

#[test]
fn outputs_are_byte_identical_whatever_the_thread_count() {
    let one = Project::new("basic");
    let many = Project::new("basic");
    one.ok_with_threads(&["run"], 1);
    many.ok_with_threads(&["run"], 8);
    let (a, b) = (one.snapshot_files(), many.snapshot_files());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs between 1 and 8 threads");
    }
}
