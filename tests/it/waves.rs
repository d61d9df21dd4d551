//! `compare_waves` and `findings` end to end (issue 9): the findings on the default data and on
//! both branches, the dynamics against the generator's truth, rules that fail on data where the
//! finding is false (`--scenario null`, no wave-2 entrants), the same bytes with 1 and 8
//! threads, the scaffold, and bad inputs.
use std::collections::BTreeMap;
use std::path::Path;

use polars::prelude::*;

use crate::common::{copy_dir, Project};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The repository's pipeline.toml with the committed data.
fn default_project() -> Project {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("pipeline.toml"),
        dir.path().join("pipeline.toml"),
    )
    .unwrap();
    copy_dir(&root().join("data"), &dir.path().join("data"));
    Project { dir }
}

/// The repository's pipeline.toml with data from `wecare synth ARGS`, and fewer bootstrap
/// replicates (the verdicts do not hinge on the last digit of an interval).
fn synth_project(args: &[&str]) -> Project {
    let p = Project {
        dir: tempfile::tempdir().unwrap(),
    };
    std::fs::copy(root().join("pipeline.toml"), p.path().join("pipeline.toml")).unwrap();
    let mut all = vec!["synth"];
    all.extend_from_slice(args);
    p.ok(&all);
    p.edit(
        "pipeline.toml",
        "params = { bootstrap = 9999, confidence = 0.95 }",
        "params = { bootstrap = 1999, confidence = 0.95 }",
    );
    p
}

fn table(p: &Project, stage: &str, name: &str) -> DataFrame {
    wecare::table_io::read_parquet(&p.path().join(format!("outputs/{stage}/{name}.parquet")))
        .unwrap()
}

fn strs(df: &DataFrame, col: &str) -> Vec<String> {
    df.column(col)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.unwrap_or("null").to_string())
        .collect()
}

fn floats(df: &DataFrame, col: &str) -> Vec<f64> {
    df.column(col)
        .unwrap()
        .cast(&DataType::Float64)
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect()
}

/// id → (verdict, verdict on confirmed ties), and the table printed.
fn verdicts(p: &Project, label: &str) -> BTreeMap<String, (String, String)> {
    let f = table(p, "findings", "findings");
    let (ids, v, vc) = (
        strs(&f, "id"),
        strs(&f, "verdict"),
        strs(&f, "verdict_confirmed_ties"),
    );
    let (value, lo, hi) = (
        floats(&f, "value"),
        floats(&f, "ci_low"),
        floats(&f, "ci_high"),
    );
    let (cvalue, clo, chi) = (
        floats(&f, "value_confirmed_ties"),
        floats(&f, "ci_low_confirmed_ties"),
        floats(&f, "ci_high_confirmed_ties"),
    );
    let metric = strs(&f, "metric");
    println!("findings, {label}:");
    println!(
        "  {:<3} {:<14} {:>22}   {:<14} {:>22}   metric",
        "id", "all ties", "value [95% CI]", "confirmed", "value [95% CI]"
    );
    for i in 0..ids.len() {
        println!(
            "  {:<3} {:<14} {:>22}   {:<14} {:>22}   {}",
            ids[i],
            v[i],
            format!("{:.3} [{:.3}, {:.3}]", value[i], lo[i], hi[i]),
            vc[i],
            format!("{:.3} [{:.3}, {:.3}]", cvalue[i], clo[i], chi[i]),
            metric[i]
        );
    }
    for (i, d) in strs(&f, "detail").iter().enumerate() {
        println!("  {} detail: {d}", ids[i]);
    }
    ids.into_iter().zip(v.into_iter().zip(vc)).collect()
}

#[test]
fn issue_9_f1_to_f7_are_supported_on_the_default_data() {
    let p = default_project();
    let run = p.ok(&["-v", "run"]);
    let found = verdicts(&p, "default data");
    assert_eq!(found.len(), 8);
    for id in ["F1", "F2", "F3", "F4", "F5", "F6", "F7"] {
        assert_eq!(found[id].0, "supported", "{id}: {:?}", found[id]);
    }
    // F8 reads the coding of data/projects.csv: 20 of 22 partial or limited, both
    // discontinuities coded, unified management in 2.
    assert_eq!(found["F8"].0, "supported");
    // Every verdict has its twin on confirmed ties, and the summary flags each change.
    let mut changed = Vec::new();
    for (id, (v, vc)) in &found {
        assert!(
            ["supported", "not_supported", "inconclusive"].contains(&vc.as_str()),
            "{id}: {vc}"
        );
        let flagged = run.stdout.lines().any(|l| {
            l.trim_start().starts_with(&format!("{id} ")) && l.contains("VERDICT CHANGES")
        });
        assert_eq!(flagged, v != vc, "{id}: {v} vs {vc}");
        if v != vc {
            changed.push(format!("{id} ({v} → {vc})"));
        }
    }
    let summary = if changed.is_empty() {
        "no verdict changes on confirmed ties".to_string()
    } else {
        format!(
            "verdicts that change on confirmed ties: {}",
            changed.join(", ")
        )
    };
    assert!(run.stdout.contains(&summary), "{}", run.stdout);
    // The rule says its thresholds in words.
    let f = table(&p, "findings", "findings");
    let rules = strs(&f, "rule");
    assert!(rules[0].contains("above 0.50"), "{}", rules[0]);
    assert!(rules[6].contains("0.42"), "{}", rules[6]);
}

fn csv_rows(path: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let row: BTreeMap<String, String> = headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect();
            (row["project"].clone(), row)
        })
        .collect()
}

#[allow(clippy::cast_precision_loss)]
fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let (mx, my) = (mean(x), mean(y));
    let cov: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    cov / (vx * vy).sqrt()
}

/// Measured vs true per-project values: (mean measured, mean true, mean |difference|, r).
fn agreement(label: &str, measured: &[f64], truth: &[f64]) -> (f64, f64, f64, f64) {
    let mae = mean(
        &measured
            .iter()
            .zip(truth)
            .map(|(a, b)| (a - b).abs())
            .collect::<Vec<_>>(),
    );
    let out = (mean(measured), mean(truth), mae, pearson(measured, truth));
    println!(
        "  {label:<34} measured {:.3}  truth {:.3}  mean |diff| {:.3}  r {:.3}",
        out.0, out.1, out.2, out.3
    );
    out
}

/// The truth file knows every true tie; the survey sees a tie only through a respondent (85%,
/// 75%, 65% answer in waves 1–3; each reports a true tie with probability 0.9; cited
/// non-partners never answer) and names are resolved with a few errors. So the measured
/// quantities are noisy per project but must be right on average and rank the projects as the
/// truth does. Tolerances, from what the noise allows: the mean over the 22 projects within 0.05
/// (continuity share: the issue's 5 points) or 0.08 (Jaccard: a tie missed by its only reporter
/// in one wave looks lost, which pulls the measured Jaccard down by about 0.05), the mean
/// absolute per-project difference at most 0.10 (pre-existing share) or 0.12 (Jaccard; a network
/// of 10–40 ties gives a Jaccard with a standard error near 0.07), and a correlation across
/// projects of at least 0.5 (pre-existing share, Jaccard 1→2) or 0.45 (the thinner wave-3 pairs).
/// The continuity share is measured among the wave-1 organisations that answered in wave 3 (a
/// non-respondent's own initiatives are unknown): those are the partners, more central than the
/// cited organisations the truth also counts, so pooled over organisations it runs a few points
/// high (0.48 against 0.42 on the default data); the pooled figure gets 0.08.
/// The Jaccard compared is `jaccard_all` (all actors, dyads observed in both waves), the
/// truth's definition; the common-actor `jaccard` drops the ties of actors missing from a wave,
/// which on survey data are mostly lost ties, and does not rank projects (printed below).
#[test]
fn issue_9_dynamics_track_the_generator_truth() {
    let p = default_project();
    p.ok(&["run", "compare_waves"]);
    let truth = csv_rows(&p.path().join("data/truth/projects.csv"));
    let d = table(&p, "compare_waves", "project_dynamics");
    let projects = strs(&d, "project");
    assert_eq!(projects, truth.keys().cloned().collect::<Vec<_>>());
    let t = |col: &str| -> Vec<f64> {
        projects
            .iter()
            .map(|p| truth[p][col].parse::<f64>().unwrap())
            .collect()
    };
    println!("measured vs truth, 22 projects:");
    let (m, tr, mae, r) = agreement(
        "pre-existing share of wave-1 ties",
        &floats(&d, "prior_share_w1"),
        &t("prior_share_w1"),
    );
    assert!((m - tr).abs() <= 0.05 && mae <= 0.10 && r >= 0.5);

    let (m, tr, mae, r) = agreement(
        "continuity share (mean of projects)",
        &floats(&d, "continuity_share"),
        &t("continuity_share"),
    );
    assert!((m - tr).abs() <= 0.05, "continuity {m} vs truth {tr}");
    assert!(mae <= 0.15 && r >= 0.5);
    // Pooled over organisations, the figure F7 reads.
    let measured = floats(&d, "continuity_actors").iter().sum::<f64>()
        / floats(&d, "continuity_base").iter().sum::<f64>();
    let (shares, actors) = (t("continuity_share"), t("actors_w1"));
    let pooled_truth =
        shares.iter().zip(&actors).map(|(s, a)| s * a).sum::<f64>() / actors.iter().sum::<f64>();
    println!(
        "  continuity share (pooled)          measured {measured:.3}  truth {pooled_truth:.3}"
    );
    assert!(
        (measured - pooled_truth).abs() <= 0.08,
        "pooled continuity {measured} vs truth {pooled_truth}"
    );

    let wc = table(&p, "compare_waves", "wave_comparison");
    let (layer, from, to) = (
        strs(&wc, "layer"),
        floats(&wc, "from_wave"),
        floats(&wc, "to_wave"),
    );
    for (pair, col, min_r) in [
        ((1.0, 2.0), "jaccard_w1_w2", 0.5),
        ((2.0, 3.0), "jaccard_w2_w3", 0.45),
        ((0.0, 3.0), "jaccard_w3_prior", 0.45),
    ] {
        let pick = |c: &str| -> Vec<f64> {
            let v = floats(&wc, c);
            (0..wc.height())
                .filter(|&i| layer[i] == "collaboration" && (from[i], to[i]) == pair)
                .map(|i| v[i])
                .collect()
        };
        let (m, tr, mae, r) = agreement(
            &format!("jaccard_all {}→{}", pair.0, pair.1),
            &pick("jaccard_all"),
            &t(col),
        );
        assert!((m - tr).abs() <= 0.08 && mae <= 0.12 && r >= min_r, "{col}");
        agreement(
            &format!("  (common actors: jaccard {}→{})", pair.0, pair.1),
            &pick("jaccard"),
            &t(col),
        );
    }
}

#[test]
fn issue_9_f6_is_not_supported_when_pre_existing_and_project_born_ties_survive_alike() {
    let p = synth_project(&["--scenario", "null"]);
    p.ok(&["run"]);
    let found = verdicts(&p, "synth --scenario null");
    assert_ne!(found["F6"].0, "supported", "{:?}", found["F6"]);
    // The survival gap is the check that cannot hold: the pre-existing share still rises,
    // because old relations the project did not use come back after it.
    let f = table(&p, "findings", "findings");
    let detail = &strs(&f, "detail")[5];
    let gap = detail
        .split("; ")
        .find(|c| c.starts_with("survival to wave 3"))
        .unwrap();
    assert!(gap.ends_with("(open)") || gap.ends_with("(fails)"), "{gap}");
    // The other network findings do not depend on the persistence effects.
    for id in ["F1", "F3", "F5"] {
        assert_eq!(found[id].0, "supported", "{id}");
    }
}

#[test]
fn issue_9_f4_is_not_supported_when_wave_2_adds_no_entrants() {
    let config = std::fs::read_to_string(root().join("data/synth.toml")).unwrap();
    let line = config
        .lines()
        .find(|l| l.starts_with("w2_entrants_mean"))
        .unwrap();
    let config = config.replace(line, "w2_entrants_mean = 0.0");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no_entrants.toml");
    std::fs::write(&path, config).unwrap();
    let p = synth_project(&["--config", path.to_str().unwrap()]);
    p.ok(&["run"]);
    let found = verdicts(&p, "synth.toml with w2_entrants_mean = 0");
    assert_ne!(found["F4"].0, "supported", "{:?}", found["F4"]);
    let f = table(&p, "findings", "findings");
    let value = floats(&f, "value")[3];
    assert!(value < 0.5, "mean change in actors 1→2 = {value}");
}

#[test]
fn issue_9_same_bytes_with_1_and_8_threads() {
    let outputs = |threads: usize| {
        let p = default_project();
        p.ok_with_threads(&["run", "findings"], threads);
        let mut files = p.snapshot_files();
        files.retain(|k, _| {
            k.starts_with("outputs/compare_waves") || k.starts_with("outputs/findings")
        });
        files
    };
    let (one, eight) = (outputs(1), outputs(8));
    // compare_waves and compare_waves_confirmed: 4 tables each; findings: 1.
    assert_eq!(one.len(), 9, "{:?}", one.keys().collect::<Vec<_>>());
    for (name, bytes) in &one {
        assert!(
            bytes == &eight[name],
            "{name} differs between 1 and 8 threads"
        );
    }
}

#[test]
fn issue_9_wecare_new_scaffolds_every_stage_of_the_default_pipeline() {
    let base = tempfile::tempdir().unwrap();
    let run: crate::common::Run = std::process::Command::new(env!("CARGO_BIN_EXE_wecare"))
        .arg("new")
        .arg(base.path().join("nuovo"))
        .output()
        .unwrap()
        .into();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let p = Project {
        dir: tempfile::tempdir().unwrap(),
    };
    copy_dir(&base.path().join("nuovo"), p.path());
    let scaffold = p.read("pipeline.toml");
    let default = std::fs::read_to_string(root().join("pipeline.toml")).unwrap();
    for line in default.lines().filter(|l| l.starts_with("[stages.")) {
        let name = line.trim_start_matches("[stages.").trim_end_matches(']');
        if name.contains('.') {
            continue; // a params sub-table
        }
        if name.ends_with("_confirmed") {
            // The robustness branch is there, commented out until both sides were surveyed.
            assert!(scaffold.contains(&format!("# {line}")), "{line}");
        } else {
            assert!(
                scaffold.contains(&format!("\n{line}\n")),
                "{line} not scaffolded"
            );
        }
    }
    let run = p.ok(&["run"]);
    assert!(
        run.stdout.contains("9 run, 0 fresh, 0 failed"),
        "{}",
        run.stdout
    );
    let f = table(&p, "findings", "findings");
    assert_eq!(f.height(), 8);
    // One wave of two example rows: nothing to compare, nothing supported.
    assert!(strs(&f, "verdict").iter().all(|v| v != "supported"));
}

#[test]
fn issue_9_bad_inputs_are_clear_errors() {
    // A coding cell that is not 0/1: findings fails naming file, line and column, with a hint,
    // and writes nothing.
    let p = default_project();
    let text = p.read("data/projects.csv");
    let line = text.lines().nth(3).unwrap().to_string();
    let mut cells: Vec<&str> = line.split(',').collect();
    assert_eq!(
        text.lines().next().unwrap().split(',').nth(9),
        Some("unified_management")
    );
    cells[9] = "forse";
    p.write(
        "data/projects.csv",
        &text.replacen(&line, &cells.join(","), 1),
    );
    let run = p.wecare(&["run", "findings"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(
            "data/projects.csv:4 (column `unified_management`): `forse` is not a 0/1 coding"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint:"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(!p.path().join("outputs/findings").exists());
    assert!(p.stale().contains(&"findings".to_string()));
    // A layer the ties do not have.
    p.edit(
        "pipeline.toml",
        "params = { layer = \"collaboration\", qap_permutations = 999, dyads = \"either_answered\" }",
        "params = { layer = \"collaborazione\", qap_permutations = 999, dyads = \"either_answered\" }",
    );
    let run = p.wecare(&["run", "compare_waves"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(
            "param `layer` = `collaborazione` names no layer of waves 1–3 in the ties table"
        ),
        "{}",
        run.stderr
    );
    // An unknown dyads rule is a configuration error (exit 2) before anything runs.
    p.edit(
        "pipeline.toml",
        "dyads = \"either_answered\" }",
        "dyads = \"some\" }",
    );
    let run = p.wecare(&["run", "compare_waves"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("dyads"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}
