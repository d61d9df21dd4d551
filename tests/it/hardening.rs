//! A hardened engine (issue 12): each numbered failure of the issue, as a test named after it.
//! Every user error: a clear message, exit 1 or 2, no panic or backtrace (the helpers set
//! `RUST_BACKTRACE=1`), `outputs/` and `pipeline.lock` untouched.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::{stages_run, Project, Run, BASIC_STAGES};
use crate::verify::new_project;

fn no_panic(run: &Run) {
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains("internal error"), "{text}");
        assert!(!text.contains("panicked"), "{text}");
        assert!(!text.contains("stack backtrace"), "{text}");
    }
}

fn wait_for(mut cond: impl FnMut() -> bool, what: &str) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs `wecare run` paused at `point` of `stage`, calls `during` while it waits, lets it go.
fn run_paused(p: &Project, point: &str, stage: &str, during: impl FnOnce()) -> Run {
    let gate = tempfile::tempdir().unwrap();
    let child = p
        .command(&["run"])
        .env(
            "WECARE_FAULT_WAIT",
            format!("{point}:{stage}:{}", gate.path().display()),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(
        || gate.path().join("waiting").exists(),
        "the run to reach the fault point",
    );
    during();
    std::fs::write(gate.path().join("go"), "").unwrap();
    child.wait_with_output().unwrap().into()
}

// 1. Wrong fresh (race).

#[test]
fn issue12_1_an_input_edited_and_restored_during_a_stage_never_leaves_a_wrong_fresh() {
    let reference = Project::new("basic");
    reference.ok(&["run"]);
    let p = Project::new("basic");
    let original = p.read("data/raw/wave1.csv");
    let edited = original.replacen("collaboration,2", "collaboration,3", 1);
    assert_ne!(original, edited);
    // The file is edited while ingest_waves runs (an editor save), then restored (`git stash`).
    let run = run_paused(&p, "before_stage", "ingest_waves", || {
        p.write("data/raw/wave1.csv", &edited);
    });
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Not restored yet: the stage read the bytes it hashed, and the lock says so.
    assert_eq!(
        p.stale(),
        BASIC_STAGES,
        "the edited file makes every stage stale"
    );
    p.write("data/raw/wave1.csv", &original);
    assert!(p.stale().is_empty(), "restored: fresh, and honestly so");
    assert_eq!(
        p.snapshot_files(),
        reference.snapshot_files(),
        "outputs come from the bytes the lock records"
    );
}

#[test]
fn issue12_1_an_input_edited_between_hashing_and_reading_records_nothing() {
    let p = Project::new("basic");
    let original = p.read("data/raw/wave1.csv");
    let run = run_paused(&p, "before_read", "ingest_waves", || {
        p.write(
            "data/raw/wave1.csv",
            &original.replacen("collaboration,2", "collaboration,3", 1),
        );
    });
    assert_eq!(run.code, 1, "{}", run.stdout);
    no_panic(&run);
    assert!(
        run.stderr
            .contains("input `data/raw/wave1.csv` changed while this run was reading it"),
        "{}",
        run.stderr
    );
    assert!(!p.path().join("pipeline.lock").exists());
    let run = p.ok(&["run"]);
    assert_eq!(stages_run(&run.stdout), BASIC_STAGES);
}

// 2. The lock is untrusted input.

const H: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn hostile_entry(stage: &str, output: &str, path: &str) -> String {
    format!(
        "\n[stages.{stage}]\nkind = \"ingest_waves\"\nfingerprint = \"{H}\"\ntool_version = \"0\"\ncode = \"{H}\"\nseed = \"0\"\nparams = {{}}\ninputs = {{}}\n\n[stages.{stage}.outputs.{output}]\npath = \"{path}\"\nhash = \"{H}\"\nbytes = 1\nrows = 1\n"
    )
}

#[test]
fn issue12_2_a_lock_entry_pointing_at_an_input_deletes_nothing_and_names_its_line() {
    let p = Project::new("basic");
    p.ok(&["run"]);
    let mut lock = p.read("pipeline.lock");
    // A stage's old output `gone` points at an input: a rerun would delete what is no longer
    // produced.
    lock = lock
        .replace("[stages.ingest_waves]", "[stages.ingest_waves_old]")
        .replace("[stages.ingest_waves.", "[stages.ingest_waves_old.");
    lock.push_str(&hostile_entry("ingest_waves", "gone", "data/raw/wave1.csv"));
    let line = lock
        .lines()
        .position(|l| l == "path = \"data/raw/wave1.csv\"")
        .unwrap()
        + 1;
    p.write("pipeline.lock", &lock);
    let wave1 = p.read("data/raw/wave1.csv");
    let status = p.wecare(&["status"]);
    assert!(
        status.stderr.contains(&format!(
            "warning: pipeline.lock:{line}: the entry `ingest_waves` has output `gone` at `data/raw/wave1.csv`, not at `outputs/ingest_waves/gone.parquet`; it is ignored"
        )),
        "{}",
        status.stderr
    );
    let run = p.ok(&["run"]);
    assert!(
        run.stderr.contains(&format!("pipeline.lock:{line}:")),
        "{}",
        run.stderr
    );
    assert_eq!(
        p.read("data/raw/wave1.csv"),
        wave1,
        "an input is never deleted"
    );
    assert!(p.stale().is_empty());
}

#[test]
fn issue12_2_a_stage_named_like_a_path_in_the_lock_cannot_make_clean_delete_data() {
    let p = Project::new("basic");
    p.ok(&["run"]);
    let mut lock = p.read("pipeline.lock");
    lock.push_str(&hostile_entry(
        "\"../data\"",
        "t",
        "outputs/../data/t.parquet",
    ));
    lock.push_str(&hostile_entry("zero", "t", "/dev/zero"));
    p.write("pipeline.lock", &lock);
    let started = Instant::now();
    let status = p.wecare(&["status"]);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "status must not read /dev/zero"
    );
    assert_eq!(status.code, 0);
    assert!(
        status
            .stderr
            .contains("the entry `../data` is not a stage name"),
        "{}",
        status.stderr
    );
    assert!(
        status
            .stderr
            .contains("the entry `zero` has output `t` at `/dev/zero`"),
        "{}",
        status.stderr
    );
    let clean = p.wecare(&["clean", "../data"]);
    assert_eq!(clean.code, 2, "{}", clean.stderr);
    no_panic(&clean);
    p.ok(&["clean"]);
    assert!(
        p.path().join("data/raw/wave1.csv").is_file(),
        "data/ survives `clean`"
    );
    assert!(!p.path().join("outputs/ingest_waves").exists());
}

#[test]
fn issue12_2_a_lock_that_is_a_device_or_huge_is_not_read() {
    let p = Project::new("basic");
    std::os::unix::fs::symlink("/dev/zero", p.path().join("pipeline.lock")).unwrap();
    let status = p.wecare(&["status"]);
    assert_eq!(status.code, 0);
    assert!(
        status.stderr.contains("warning: pipeline.lock: is not a regular file; it is ignored (every stage counts as never run)"),
        "{}",
        status.stderr
    );
}

// 3. synth never writes over files it did not generate.

#[test]
fn issue12_3_synth_refuses_to_replace_a_new_projects_survey_files() {
    let p = new_project();
    let wave1 = p.read("data/raw/wave1.csv");
    let run = p.wecare(&["synth", "--projects", "3"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    no_panic(&run);
    assert!(
        run.stderr.contains("refusing to write over"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("raw/wave1.csv"), "{}", run.stderr);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(p.read("data/raw/wave1.csv"), wave1);
    let forced = p.ok(&["synth", "--projects", "3", "--force"]);
    assert!(forced.stdout.starts_with("wrote "), "{}", forced.stdout);
    assert_ne!(p.read("data/raw/wave1.csv"), wave1);
    // Files synth wrote itself it may replace again.
    p.ok(&["synth", "--projects", "4"]);
}

#[test]
fn issue12_3_synth_out_dot_does_not_overwrite_the_readme() {
    let p = new_project();
    let readme = p.read("README.md");
    let run = p.wecare(&["synth", "--projects", "3", "--out", "."]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("README.md"), "{}", run.stderr);
    assert_eq!(p.read("README.md"), readme);
}

// 4 and 6. Many independent stages: no stack overflow, and a linear number of lock writes.

#[test]
fn issue12_4_and_6_sixteen_hundred_independent_stages_run_with_few_lock_writes() {
    let p = Project::new("basic");
    let mut text = p.read("pipeline.toml");
    for i in 0..1600 {
        text.push_str(&format!(
            "\n[stages.d{i:04}]\nkind = \"describe_waves\"\ninputs = {{ ties = \"ingest_waves.ties_raw\" }}\n"
        ));
    }
    p.write("pipeline.toml", &text);
    let run = p.ok_with_threads(&["run"], 2);
    assert!(
        run.stdout.contains("1603 run, 0 fresh, 0 failed"),
        "{}",
        run.stdout.lines().last().unwrap()
    );
    let log = p.read(".wecare/runs.jsonl");
    let record: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    let writes = record["lock_writes"].as_u64().unwrap();
    let seconds = record["wall_seconds"].as_f64().unwrap();
    assert!(
        writes as f64 <= seconds + 2.0,
        "{writes} lock writes in {seconds:.1}s: at most one a second and one at the end"
    );
    let lock = p.read("pipeline.lock");
    assert_eq!(lock.matches("\nkind = \"describe_waves\"").count(), 1602);
    let status = p.status();
    assert!(status.values().all(|(state, _)| state == "fresh"));
}

// 5. Short rows in the hand-made lists.

#[test]
fn issue12_5_short_rows_in_aliases_and_enti_gestori_are_located_errors() {
    let p = new_project();
    for (file, text, expected) in [
        (
            "data/aliases.csv",
            "note,alias,canonical_name\nseen twice,Coop Alice\n",
            "data/aliases.csv:2 (column `canonical_name`): the row has 2 field(s); the header names 3, so `canonical_name` is missing",
        ),
        (
            "data/aliases.csv",
            "alias,canonical_name\nCoop Alice,\n",
            "data/aliases.csv:2 (column `canonical_name`): empty `canonical_name`",
        ),
        (
            "data/enti_gestori.csv",
            "name,acronym,type_code,territory\nConsorzio Monviso Solidale,CMS\n",
            "data/enti_gestori.csv:2",
        ),
        (
            "data/enti_gestori.csv",
            "territory,name,acronym,type_code\nCuneo,Consorzio Monviso Solidale,CMS\n",
            "data/enti_gestori.csv:2 (column `type_code`): the row has 3 field(s); the header names 4, so `type_code` is missing",
        ),
    ] {
        let q = new_project();
        q.write(file, text);
        let before = q.snapshot_files();
        let run = q.wecare(&["run"]);
        assert_eq!(run.code, 1, "{text}");
        no_panic(&run);
        assert!(run.stderr.contains(expected), "{text}:\n{}", run.stderr);
        assert!(run.stderr.contains("hint:"), "{}", run.stderr);
        assert_eq!(q.snapshot_files(), before);
    }
    drop(p);
}

// 7. Leftovers: temporary files, and what removed or renamed stages left behind.

#[test]
fn issue12_7_temp_files_of_a_killed_run_are_removed_and_old_stages_reported() {
    let p = Project::new("basic");
    p.ok(&["run"]);
    let tmp = p
        .path()
        .join("outputs/ingest_waves/.ties_raw.parquet.tmp-4242");
    std::fs::write(&tmp, b"half").unwrap();
    std::fs::write(p.path().join(".pipeline.lock.tmp-4242"), b"half").unwrap();
    let run = p.ok(&["run"]);
    assert!(
        run.stdout
            .contains("removed 2 temporary files left by an interrupted run"),
        "{}",
        run.stdout
    );
    assert!(!tmp.exists());
    assert!(!p.path().join(".pipeline.lock.tmp-4242").exists());
    // Rename a stage: the old name's entry and folder are reported, and `clean OLD` takes them.
    p.edit(
        "pipeline.toml",
        "[stages.describe_types]",
        "[stages.describe_by_type]",
    );
    p.ok(&["run"]);
    let status = p.ok(&["status"]);
    assert!(
        status.stdout.contains("describe_types") && status.stdout.contains("not in pipeline.toml: lock entry and outputs/describe_types/ (`wecare clean describe_types` removes it)"),
        "{}",
        status.stdout
    );
    assert!(
        status
            .stdout
            .contains("; 1 left over from removed or renamed stages"),
        "{}",
        status.stdout
    );
    let json: serde_json::Value =
        serde_json::from_str(&p.ok(&["status", "--json"]).stdout).unwrap();
    assert_eq!(json["orphans"][0]["name"], "describe_types");
    let clean = p.ok(&["clean", "describe_types"]);
    assert!(
        clean.stdout.contains("removed outputs/describe_types/"),
        "{}",
        clean.stdout
    );
    assert!(
        clean.stdout.contains("removed lock entry `describe_types`"),
        "{}",
        clean.stdout
    );
    assert!(!p.ok(&["status"]).stdout.contains("left over"));
    assert!(p.stale().is_empty());
}

// 8. Out-of-range params are configuration errors pointing at the line.

#[test]
fn issue12_8_out_of_range_params_are_config_errors_at_their_line() {
    for value in ["1.5", "nan", "inf", "-inf"] {
        let p = new_project();
        let before = p.snapshot_files();
        p.edit(
            "pipeline.toml",
            "fuzzy_threshold = 0.9",
            &format!("fuzzy_threshold = {value}"),
        );
        let line = p
            .read("pipeline.toml")
            .lines()
            .position(|l| l.contains("fuzzy_threshold = "))
            .unwrap()
            + 1;
        for cmd in [&["run"][..], &["status"]] {
            let run = p.wecare(cmd);
            assert_eq!(run.code, 2, "{value}: {}", run.stderr);
            no_panic(&run);
            assert!(
                run.stderr.contains(&format!("pipeline.toml:{line}:")),
                "{value}: {}",
                run.stderr
            );
            assert!(run.stderr.contains("fuzzy_threshold"), "{}", run.stderr);
            assert!(
                run.stderr.contains("out of range") || run.stderr.contains("not a finite number"),
                "{}",
                run.stderr
            );
        }
        assert_eq!(p.snapshot_files(), before);
    }
    let dir = tempfile::tempdir().unwrap();
    let p = Project { dir };
    for value in ["nan", "inf", "-1"] {
        let run = p.wecare(&["synth", &format!("--mess-scale={value}")]);
        assert_eq!(run.code, 2, "{value}: {}", run.stderr);
        assert!(run.stderr.contains("--mess-scale"), "{}", run.stderr);
        assert!(!p.path().join("data/raw").exists());
    }
}

/// The analysis stages' params are checked when `pipeline.toml` loads too: a confidence of 1.5,
/// an alpha of `nan`, no bootstrap draws or a permutation count with zeros too many stop every
/// command with exit 2 at the line, before anything runs.
#[test]
fn issue12_8_analysis_params_out_of_range_are_config_errors_at_their_line() {
    let cases = [
        (
            "bootstrap = 9999, confidence = 0.95",
            "bootstrap = 9999, confidence = 1.5",
            "confidence",
        ),
        (
            "bootstrap = 9999, confidence = 0.95",
            "bootstrap = 0, confidence = 0.95",
            "bootstrap",
        ),
        (
            "bootstrap = 9999, confidence = 0.95",
            "bootstrap = 9999, confidence = 0.95, f1_share = nan",
            "f1_share",
        ),
        (
            "bootstrap = 9999, confidence = 0.95",
            "bootstrap = 9999, confidence = 0.95, f6_margin = -2.0",
            "f6_margin",
        ),
        (
            "params = { draws = 10000 }",
            "params = { draws = 10000, alpha = nan }",
            "alpha",
        ),
        (
            "params = { draws = 10000 }",
            "params = { draws = 10000, level = 1.0 }",
            "level",
        ),
        (
            "params = { draws = 10000 }",
            "params = { draws = 0 }",
            "draws",
        ),
        (
            "qap_permutations = 999,",
            "qap_permutations = 100000000000,",
            "qap_permutations",
        ),
        (
            "ei_permutations = 999 }",
            "ei_permutations = 999, hub_ratio = inf }",
            "hub_ratio",
        ),
    ];
    let p = new_project();
    let pristine = p.read("pipeline.toml");
    let before = p.snapshot_files();
    for (from, to, param) in cases {
        p.write("pipeline.toml", &pristine);
        p.edit("pipeline.toml", from, to);
        let line = p
            .read("pipeline.toml")
            .lines()
            .position(|l| l.contains(to))
            .unwrap()
            + 1;
        let run = p.wecare(&["run"]);
        assert_eq!(run.code, 2, "{to}: {}", run.stderr);
        no_panic(&run);
        assert!(
            run.stderr.contains(&format!("pipeline.toml:{line}:")),
            "{to}: {}",
            run.stderr
        );
        assert!(run.stderr.contains(param), "{to}: {}", run.stderr);
        assert!(
            run.stderr.contains("out of range") || run.stderr.contains("not a finite number"),
            "{to}: {}",
            run.stderr
        );
    }
    p.write("pipeline.toml", &pristine);
    assert_eq!(p.snapshot_files(), before);
}

// 9. Engine code is in the fingerprint.

#[test]
fn issue12_9_the_engine_code_identity_is_recorded_and_compared() {
    let p = Project::new("basic");
    p.ok(&["run"]);
    let lock = p.read("pipeline.lock");
    let engine = lock
        .lines()
        .find_map(|l| l.strip_prefix("engine = \""))
        .unwrap()
        .trim_end_matches('"')
        .to_string();
    assert_eq!(engine.len(), 64);
    assert_eq!(lock.matches(&format!("engine = \"{engine}\"")).count(), 3);
    // An entry made by another engine build is stale, with that reason.
    p.write("pipeline.lock", &lock.replacen(&engine, H, 1));
    let status = p.status();
    let stale: Vec<_> = status.iter().filter(|(_, (s, _))| s == "stale").collect();
    assert_eq!(stale.len(), 1, "{status:?}");
    assert_eq!(stale[0].1 .1[0]["kind"], "engine_code_changed");
    // An entry written before the engine was recorded counts as another engine.
    p.write(
        "pipeline.lock",
        &lock.replacen(&format!("engine = \"{engine}\"\n"), "", 1),
    );
    let status = p.status();
    assert!(status.values().any(|(_, r)| r
        .iter()
        .any(|r| r["kind"] == "engine_code_changed" && r["old"] == "")));
}

// 10. The smaller items.

#[test]
fn issue12_10_status_warns_about_a_corrupt_lock() {
    let p = Project::new("basic");
    p.ok(&["run"]);
    p.write(
        "pipeline.lock",
        "version = 1\n[stages.ingest_waves\nkind = 1\n",
    );
    let run = p.ok(&["status"]);
    assert!(
        run.stderr
            .contains("warning: pipeline.lock:2: is not valid TOML"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("never run"), "{}", run.stdout);
}

#[test]
fn issue12_10_show_warns_about_a_modified_or_stale_table() {
    let p = Project::new("basic");
    p.ok(&["run"]);
    let clean = p.ok(&["show", "ingest_waves.roster"]);
    assert!(!clean.stderr.contains("warning"), "{}", clean.stderr);
    p.edit(
        "pipeline.toml",
        "missing_intensity = 1",
        "missing_intensity = 2",
    );
    let stale = p.ok(&["show", "ingest_waves.roster"]);
    assert!(
        stale
            .stderr
            .contains("warning: `ingest_waves` is stale (param `missing_intensity` changed 1 → 2)"),
        "{}",
        stale.stderr
    );
    let path = p.path().join("outputs/describe_waves/wave_summary.parquet");
    let other =
        std::fs::read(p.path().join("outputs/describe_types/wave_summary.parquet")).unwrap();
    std::fs::write(&path, other).unwrap();
    let modified = p.ok(&["show", "describe_waves.wave_summary"]);
    assert!(
        modified.stderr.contains("warning: `outputs/describe_waves/wave_summary.parquet` was modified after `wecare run` wrote it"),
        "{}",
        modified.stderr
    );
}

#[test]
fn issue12_10_output_to_a_full_disk_fails() {
    let p = Project::new("basic");
    p.ok(&["run"]);
    for args in [
        &["status"][..],
        &["show", "ingest_waves.roster"],
        &["dag"],
        &["kinds"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = p.command(args).stdout(full).output().unwrap();
        let run: Run = out.into();
        assert_eq!(run.code, 1, "{args:?}");
        assert!(run.stderr.contains("standard output"), "{}", run.stderr);
        no_panic(&run);
    }
}

#[test]
fn issue12_10_run_with_everything_fresh_needs_no_writable_project() {
    let p = Project::new("basic");
    p.ok(&["run"]);
    // `.wecare` cannot be created (a file stands in its way, as on a read-only checkout).
    std::fs::remove_dir_all(p.path().join(".wecare")).unwrap();
    std::fs::write(p.path().join(".wecare"), "").unwrap();
    let run = p.ok(&["run"]);
    assert!(
        run.stdout.contains("nothing to do: all 3 stages fresh"),
        "{}",
        run.stdout
    );
    p.edit(
        "pipeline.toml",
        "missing_intensity = 1",
        "missing_intensity = 2",
    );
    let stale = p.wecare(&["run"]);
    assert_eq!(stale.code, 1);
    assert!(
        stale
            .stderr
            .contains("stale stages need a writable project: ingest_waves"),
        "{}",
        stale.stderr
    );
}

#[test]
fn issue12_10_an_unreadable_output_is_not_called_missing() {
    let p = Project::new("basic");
    p.ok(&["run"]);
    let path = p.path().join("outputs/ingest_waves/roster.parquet");
    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    let status = p.status();
    let reasons = &status["ingest_waves"].1;
    assert_eq!(reasons[0]["kind"], "output_unreadable", "{reasons:?}");
    assert_eq!(reasons[0]["path"], "outputs/ingest_waves/roster.parquet");
}

#[test]
fn issue12_10_new_prints_next_steps_that_work_from_here() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    std::fs::create_dir(&base).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wecare"))
        .arg("-C")
        .arg(&base)
        .args(["new", "p"])
        .output()
        .unwrap();
    let run: Run = out.into();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = format!("`wecare -C {}/p run`", base.display());
    assert!(
        run.stdout.contains(&expected),
        "{expected} not in\n{}",
        run.stdout
    );
}

#[test]
fn issue12_10_a_stale_upstream_is_listed_once() {
    let p = new_project();
    p.edit(
        "pipeline.toml",
        "fuzzy_threshold = 0.9",
        "fuzzy_threshold = 0.95",
    );
    let status = p.status();
    let reasons = &status["compute_metrics"].1;
    let upstream: Vec<_> = reasons
        .iter()
        .filter(|r| r["kind"] == "upstream_changed" && r["stage"] == "clean_actors")
        .collect();
    assert_eq!(upstream.len(), 1, "{reasons:?}");
}

// Random SIGKILLs: after each, `status` is honest; then `run` completes.

#[test]
fn issue12_random_sigkills_never_leave_a_wrong_fresh() {
    let references: Vec<_> = [1, 2]
        .iter()
        .map(|v| {
            let r = Project::new("basic");
            r.edit(
                "pipeline.toml",
                "missing_intensity = 1",
                &format!("missing_intensity = {v}"),
            );
            r.ok(&["run"]);
            r.snapshot_files()
        })
        .collect();
    let p = Project::new("basic");
    p.ok(&["run"]);
    let started = Instant::now();
    p.ok(&["run", "--force"]);
    let full_run = started.elapsed();
    // A fixed-seed xorshift: the same kill moments on every run of the test.
    let mut state: u64 = 0x2017_1212_dead_beef;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut current = 1;
    let mut killed = 0;
    for _ in 0..60 {
        if killed == 24 {
            break;
        }
        let value = 1 + (next() % 2) as usize;
        let text = p.read("pipeline.toml");
        p.write(
            "pipeline.toml",
            &text.replace(
                &format!("missing_intensity = {current}"),
                &format!("missing_intensity = {value}"),
            ),
        );
        current = value;
        let delay = Duration::from_micros(next() % (full_run.as_micros() as u64 * 9 / 10 + 1));
        let mut child = p
            .command(&["run", "--force"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            killed += 1;
        }
        child.kill().ok(); // SIGKILL
        child.wait().unwrap();
        let reference = &references[current - 1];
        let files = p.snapshot_files();
        for (stage, (state, _)) in p.status() {
            if state != "fresh" {
                continue;
            }
            for (path, bytes) in &files {
                if path.starts_with(&format!("outputs/{stage}/")) && !path.contains(".tmp-") {
                    assert!(
                        reference.get(path) == Some(bytes),
                        "`{stage}` says fresh but {path} is not what the pipeline computes"
                    );
                }
            }
        }
    }
    assert!(killed >= 20, "only {killed} of 24 runs were killed mid-run");
    p.ok(&["run"]);
    assert!(p.stale().is_empty());
    let files = p.snapshot_files();
    let reference = &references[current - 1];
    for (path, bytes) in reference {
        if path != "pipeline.lock" {
            assert!(files.get(path) == Some(bytes), "{path}");
        }
    }
    assert!(
        files.keys().all(|k| !k.contains(".tmp-")),
        "{:?}",
        files.keys()
    );
}
