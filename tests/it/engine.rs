//! Freshness, staleness reasons, selection and the read-only commands (issue 2).
use crate::common::{redact, stages_run, Project, BASIC_STAGES};

#[test]
fn second_run_runs_nothing_and_says_so() {
    let p = Project::new("basic");
    let first = p.ok(&["run"]);
    assert_eq!(stages_run(&first.stdout), BASIC_STAGES);
    let lock = p.read("pipeline.lock");
    let second = p.ok(&["run"]);
    assert!(stages_run(&second.stdout).is_empty(), "{}", second.stdout);
    insta::assert_snapshot!(redact(&second.stdout, p.path()), @"nothing to do: all 3 stages fresh (…s)");
    assert_eq!(
        p.read("pipeline.lock"),
        lock,
        "an unchanged rerun leaves pipeline.lock byte-identical"
    );
    for (name, (state, reasons)) in p.status() {
        assert_eq!(state, "fresh", "{name}: {reasons:?}");
        assert!(reasons.is_empty());
    }
}

#[test]
fn status_json_has_the_documented_shape() {
    let p = Project::new("basic");
    let before: serde_json::Value =
        serde_json::from_str(&p.ok(&["status", "--json"]).stdout).unwrap();
    let stages = before["stages"].as_array().unwrap();
    let names: Vec<&str> = stages.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["ingest_waves", "describe_types", "describe_waves"],
        "topological order, ties by name"
    );
    assert_eq!(stages[0]["state"], "stale");
    assert_eq!(stages[0]["reasons"][0]["kind"], "never_run");
    assert_eq!(
        stages[0]["fingerprint"].as_str().unwrap().len(),
        64,
        "a root stage's fingerprint is known"
    );
    assert_eq!(stages[1]["reasons"][0]["kind"], "never_run");
    assert!(
        stages[1]["fingerprint"].is_null(),
        "unknown while the upstream is stale"
    );
    p.ok(&["run"]);
    let after: serde_json::Value =
        serde_json::from_str(&p.ok(&["status", "--json"]).stdout).unwrap();
    for s in after["stages"].as_array().unwrap() {
        assert_eq!(s["state"], "fresh");
        assert_eq!(s["reasons"], serde_json::json!([]));
        let lock = p.read("pipeline.lock");
        assert!(
            lock.contains(s["fingerprint"].as_str().unwrap()),
            "status shows the locked fingerprint"
        );
    }
}

#[test]
fn editing_one_param_stales_exactly_that_stage() {
    let p = Project::new("basic");
    p.ok(&["run"]);
    p.edit(
        "pipeline.toml",
        "by = [\"wave\", \"respondent_type\"]",
        "by = [\"wave\", \"alter_type\"]",
    );
    let status = p.status();
    assert_eq!(p.stale(), ["describe_types"]);
    let reasons = &status["describe_types"].1;
    assert_eq!(reasons.len(), 1);
    assert_eq!(reasons[0]["kind"], "param_changed");
    assert_eq!(reasons[0]["param"], "by");
    assert_eq!(
        reasons[0]["old"],
        serde_json::json!(["wave", "respondent_type"])
    );
    assert_eq!(reasons[0]["new"], serde_json::json!(["wave", "alter_type"]));
    let run = p.ok(&["run"]);
    assert_eq!(stages_run(&run.stdout), ["describe_types"]);
    assert!(p.stale().is_empty());
}

#[test]
fn editing_an_upstream_param_stales_it_and_its_downstream() {
    let p = Project::new("basic");
    p.ok(&["run"]);
    p.edit(
        "pipeline.toml",
        "missing_intensity = 1",
        "missing_intensity = 2",
    );
    let status = p.status();
    assert_eq!(p.stale(), BASIC_STAGES);
    let r = &status["ingest_waves"].1[0];
    assert_eq!(
        (r["kind"].as_str(), r["param"].as_str()),
        (Some("param_changed"), Some("missing_intensity"))
    );
    assert_eq!((r["old"].as_i64(), r["new"].as_i64()), (Some(1), Some(2)));
    let down = &status["describe_waves"].1[0];
    assert_eq!(down["kind"], "upstream_changed");
    assert_eq!(down["stage"], "ingest_waves");
    assert!(
        down["new"].is_null(),
        "the new hash is unknown until the upstream reruns"
    );
    let dry = p.ok(&["run", "--dry-run"]);
    insta::assert_snapshot!(redact(&dry.stdout, p.path()), @r"
    would run ingest_waves: param `missing_intensity` changed 1 → 2
    would run describe_types: upstream `ingest_waves` is stale
    would run describe_waves: upstream `ingest_waves` is stale
    dry run: 3 would run, 0 fresh (…s)
    ");
    assert_eq!(p.stale().len(), 3, "a dry run changes nothing");
    let run = p.ok(&["run"]);
    assert_eq!(stages_run(&run.stdout), BASIC_STAGES);
    assert!(p.stale().is_empty());
}

#[test]
fn a_rebuilt_upstream_with_identical_output_does_not_stale_its_children() {
    let p = Project::new("basic");
    p.ok(&["run"]);
    let run = p.ok(&["run", "ingest_waves", "--force"]);
    assert_eq!(stages_run(&run.stdout), ["ingest_waves"]);
    let run = p.ok(&["run"]);
    assert!(
        stages_run(&run.stdout).is_empty(),
        "early cut-off: {}",
        run.stdout
    );
}

#[test]
fn touching_an_input_changes_nothing_but_editing_it_does() {
    let p = Project::new("basic");
    p.ok(&["run"]);
    let path = p.path().join("data/raw/wave2.csv");
    let text = std::fs::read(&path).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&path, &text).unwrap(); // same bytes, new mtime
    let file = std::fs::File::options().append(true).open(&path).unwrap();
    file.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(3600))
        .unwrap();
    assert!(p.stale().is_empty());
    p.edit("data/raw/wave2.csv", "resources,3", "resources,2");
    let status = p.status();
    let r = &status["ingest_waves"].1;
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0]["kind"], "input_changed");
    assert_eq!(r[0]["slot"], "wave2");
    assert_eq!(r[0]["source"], "data/raw/wave2.csv");
    assert_ne!(r[0]["old"], r[0]["new"]);
}

#[test]
fn deleted_or_edited_outputs_are_detected() {
    let p = Project::new("basic");
    p.ok(&["run"]);
    std::fs::remove_file(p.path().join("outputs/describe_waves/wave_summary.parquet")).unwrap();
    let mut bytes = std::fs::read(p.path().join("outputs/ingest_waves/roster.parquet")).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(p.path().join("outputs/ingest_waves/roster.parquet"), bytes).unwrap();
    let status = p.status();
    let missing = status["describe_waves"]
        .1
        .iter()
        .find(|r| r["kind"] == "output_missing")
        .unwrap();
    assert_eq!(
        missing["path"],
        "outputs/describe_waves/wave_summary.parquet"
    );
    let r = &status["ingest_waves"].1[0];
    assert_eq!(r["kind"], "output_modified");
    assert_eq!(r["output"], "roster");
    assert_eq!(status["describe_types"].1[0]["kind"], "upstream_changed");
    let text = p.ok(&["status"]).stdout;
    assert!(
        text.contains("output modified: outputs/ingest_waves/roster.parquet"),
        "{text}"
    );
    let run = p.ok(&["run"]);
    // The repaired roster has the old bytes again, so ties_raw-based children stay fresh.
    assert_eq!(stages_run(&run.stdout), ["describe_waves", "ingest_waves"]);
    assert!(p.stale().is_empty());
}

#[test]
fn force_and_downstream_select_what_runs() {
    let p = Project::new("basic");
    p.ok(&["run", "describe_waves"]);
    let status = p.status();
    assert_eq!(
        status["describe_types"].0, "stale",
        "a named stage runs only what it needs"
    );
    let run = p.ok(&["run", "ingest_waves", "--force", "--downstream"]);
    assert_eq!(stages_run(&run.stdout), BASIC_STAGES);
    let run = p.ok(&["run", "describe_waves", "--force"]);
    assert_eq!(stages_run(&run.stdout), ["describe_waves"]);
    let bad = p.wecare(&["run", "describe_wave"]);
    assert_eq!(bad.code, 2);
    insta::assert_snapshot!(bad.stderr, @r"
    error: unknown stage `describe_wave`
      hint: stages: describe_types, describe_waves, ingest_waves; did you mean `describe_waves`?
    ");
}

#[test]
fn dag_prints_text_dot_and_mermaid() {
    let p = Project::new("basic");
    insta::assert_snapshot!(p.ok(&["dag"]).stdout, @r"
    ingest_waves  [ingest_waves]
    describe_types  [describe_waves]  <- ingest_waves
    describe_waves  [describe_waves]  <- ingest_waves
    ");
    insta::assert_snapshot!(p.ok(&["dag", "--format", "dot"]).stdout, @r#"
    digraph pipeline {
      rankdir=LR;
      node [shape=box];
      "ingest_waves" [label="ingest_waves\ningest_waves"];
      "describe_types" [label="describe_types\ndescribe_waves"];
      "describe_waves" [label="describe_waves\ndescribe_waves"];
      "ingest_waves" -> "describe_types";
      "ingest_waves" -> "describe_waves";
    }
    "#);
    insta::assert_snapshot!(p.ok(&["dag", "--format", "mermaid"]).stdout, @r#"
    flowchart LR
      ingest_waves["ingest_waves<br/><small>ingest_waves</small>"]
      describe_types["describe_types<br/><small>describe_waves</small>"]
      describe_waves["describe_waves<br/><small>describe_waves</small>"]
      ingest_waves --> describe_types
      ingest_waves --> describe_waves
    "#);
}

#[test]
fn show_prints_a_table_or_json() {
    let p = Project::new("basic");
    let unbuilt = p.wecare(&["show", "ingest_waves.roster"]);
    assert_eq!(unbuilt.code, 1);
    insta::assert_snapshot!(unbuilt.stderr, @"error: cannot read `outputs/ingest_waves/roster.parquet`: not built yet; run `wecare run ingest_waves` first");
    p.ok(&["run"]);
    let text = p.ok(&["show", "ingest_waves.roster", "--head", "3"]).stdout;
    assert!(
        text.starts_with("ingest_waves.roster: 11 rows × 7 columns"),
        "{text}"
    );
    assert!(
        text.contains("Consorzio Socio Assistenziale Val Bormida"),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(
        &p.ok(&[
            "show",
            "describe_waves.wave_summary",
            "--json",
            "--head",
            "2",
        ])
        .stdout,
    )
    .unwrap();
    assert_eq!(json["rows"], 12);
    assert_eq!(json["data"].as_array().unwrap().len(), 2);
    assert_eq!(json["data"][0]["wave"], 1);
    assert_eq!(json["data"][0]["project"], "P01");
    assert_eq!(json["data"][0]["relation"], "collaboration");
    assert_eq!(json["data"][0]["n_rows"], 8);
    assert_eq!(json["columns"][3]["name"], "n_rows");
    let bad = p.wecare(&["show", "ingest_waves.ties"]);
    assert_eq!(bad.code, 2);
    insta::assert_snapshot!(bad.stderr, @r"
    error: stage `ingest_waves` has no table `ties`
      hint: `ingest_waves` writes: rejects, roster, ties_raw; did you mean `ties_raw`?
    ");
}

#[test]
fn clean_removes_outputs_and_lock_entries() {
    let p = Project::new("basic");
    p.ok(&["run"]);
    let run = p.ok(&["clean", "describe_waves"]);
    insta::assert_snapshot!(run.stdout, @r"
    removed outputs/describe_waves/ (1 file)
    removed lock entry `describe_waves`
    ");
    assert_eq!(p.status()["describe_waves"].1[0]["kind"], "never_run");
    assert_eq!(p.stale(), ["describe_waves"]);
    p.ok(&["clean"]);
    assert!(!p.path().join("outputs/ingest_waves").exists());
    assert_eq!(p.stale().len(), 3);
    assert_eq!(p.ok(&["clean"]).stdout.trim(), "nothing to clean");
}

#[test]
fn verbose_and_quiet_change_what_is_printed() {
    let p = Project::new("basic");
    let quiet = p.ok(&["-q", "run"]);
    assert_eq!(quiet.stdout, "");
    let verbose = p.ok(&["-v", "run"]);
    assert!(
        verbose.stdout.contains("fresh  ingest_waves"),
        "{}",
        verbose.stdout
    );
    p.ok(&["run", "--force", "ingest_waves"]);
    let verbose = p.ok(&["-v", "run", "--force", "ingest_waves"]);
    assert!(
        verbose
            .stdout
            .contains("wave 1 (data/raw/wave1.csv): 52 rows = 52 kept + 0 rejected"),
        "{}",
        verbose.stdout
    );
}

#[test]
fn help_documents_every_command() {
    let p = Project::new("basic");
    let help = p.ok(&["--help"]).stdout;
    for cmd in [
        "run",
        "status",
        "dag",
        "show",
        "clean",
        "kinds",
        "--directory",
        "--quiet",
        "--verbose",
        "Exit codes",
    ] {
        assert!(help.contains(cmd), "--help lacks {cmd}:\n{help}");
    }
    let run_help = p.ok(&["run", "--help"]).stdout;
    for flag in ["--force", "--downstream", "--dry-run", "--jobs"] {
        assert!(run_help.contains(flag), "run --help lacks {flag}");
    }
}
