//! Organisation resolution on hand-written real-pattern spellings (issue 7): a project made as
//! `wecare new` makes it, filled with ~150 Piedmont organisations spelled as survey exports
//! spell them (`tests/fixtures/realistic_orgs`, written by hand, not by the generator).
use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;

use crate::common::Project;

fn strs(df: &DataFrame, col: &str) -> Vec<String> {
    df.column(col)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect()
}

fn csv_rows(path: &std::path::Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            headers
                .iter()
                .zip(r.unwrap().iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn table(p: &Project, name: &str) -> DataFrame {
    wecare::table_io::read_parquet(
        &p.path()
            .join(format!("outputs/clean_actors/{name}.parquet")),
    )
    .unwrap()
}

/// (raw spelling, project) → predicted actor.
fn predicted(p: &Project) -> BTreeMap<(String, String), String> {
    let m = table(p, "actor_matches");
    let (raw, id, projects) = (
        strs(&m, "raw_name"),
        strs(&m, "actor_id"),
        strs(&m, "projects"),
    );
    let mut out = BTreeMap::new();
    for i in 0..raw.len() {
        for project in projects[i].split(';') {
            out.insert((raw[i].clone(), project.to_string()), id[i].clone());
        }
    }
    out
}

#[test]
fn issue_7_real_pattern_spellings_resolve_with_high_precision_and_recall() {
    let p = Project::new("realistic_orgs");
    p.ok(&["run"]);
    let pred = predicted(&p);
    let truth: BTreeMap<(String, String), String> = csv_rows(&p.path().join("truth.csv"))
        .into_iter()
        .map(|r| {
            (
                (r["raw_name"].clone(), r["project"].clone()),
                r["org_id"].clone(),
            )
        })
        .collect();
    let keys: Vec<&(String, String)> = truth.keys().collect();
    assert!(
        keys.iter().all(|k| pred.contains_key(*k)),
        "every spelling resolved"
    );
    let (mut tp, mut fp, mut fn_) = (0u64, 0u64, 0u64);
    let mut wrong = Vec::new();
    for (i, a) in keys.iter().enumerate() {
        for b in &keys[i + 1..] {
            match (truth[*a] == truth[*b], pred[*a] == pred[*b]) {
                (true, true) => tp += 1,
                (false, true) => {
                    fp += 1;
                    wrong.push(format!("{a:?} + {b:?}"));
                }
                (true, false) => fn_ += 1,
                _ => {}
            }
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let (precision, recall) = (tp as f64 / (tp + fp) as f64, tp as f64 / (tp + fn_) as f64);
    println!(
        "realistic set: {} spellings, pairwise precision {precision:.4}, recall {recall:.4} (tp {tp}, fp {fp}, fn {fn_})",
        keys.len()
    );
    assert!(precision >= 0.99, "precision {precision}: {wrong:#?}");
    assert!(recall >= 0.90, "recall {recall}");
    // Every hand-picked near-namesake pair stays apart, whatever the pattern.
    for r in csv_rows(&p.path().join("must_not_merge.csv")) {
        let a = &pred[&(r["name_a"].clone(), r["project_a"].clone())];
        let b = &pred[&(r["name_b"].clone(), r["project_b"].clone())];
        assert_ne!(a, b, "{} / {} ({})", r["name_a"], r["name_b"], r["pattern"]);
    }
}

#[test]
fn issue_7_each_pattern_merges_what_is_one_body() {
    let p = Project::new("realistic_orgs");
    p.ok(&["run"]);
    let pred = predicted(&p);
    let same = |project: &str, names: &[&str]| {
        let ids: BTreeSet<&String> = names
            .iter()
            .map(|n| &pred[&((*n).to_string(), project.to_string())])
            .collect();
        assert_eq!(
            ids.len(),
            1,
            "{names:?} in {project} should be one body: {ids:?}"
        );
    };
    // Numbers written as Arabic, Roman or ordinal words.
    same(
        "P02",
        &[
            "IC Pinerolo 2",
            "Istituto Comprensivo Pinerolo II",
            "I.C. Pinerolo Secondo",
        ],
    );
    // Codes with spacing and punctuation.
    same("P02", &["ASL TO3", "A.S.L. TO 3", "ASLTO3"]);
    same("P01", &["ASL TO3", "ASL TO 3 Collegno"]);
    // Office suffixes are units of the body.
    same("P02", &["ASL TO3", "ASL To3 - Distretto Pinerolo"]);
    same(
        "P03",
        &[
            "Consorzio Monviso Solidale",
            "Consorzio Monviso Solidale sede di Saluzzo",
        ],
    );
    // Acronyms and full names.
    same(
        "P01",
        &[
            "CPIA 1",
            "CPIA 1 Torino",
            "Centro Provinciale per l'Istruzione degli Adulti 1 Torino",
        ],
    );
    same(
        "P01",
        &[
            "ASL TO",
            "ASL Città di Torino",
            "Azienda Sanitaria Locale Città di Torino",
        ],
    );
    // Leftover words and word order.
    same(
        "P02",
        &[
            "Cooperativa Sociale Il Sogno",
            "Il Sogno Cooperativa Sociale",
            "Coop. Il Sogno a r.l.",
            "Il Sogno soc. coop. soc. di tipo B",
        ],
    );
    // A generic name joins the one body of its project it names.
    same("P10", &["Croce Verde", "Croce Verde Asti"]);
}

#[test]
fn issue_7_review_lists_near_misses_and_least_confident_joins() {
    let p = Project::new("realistic_orgs");
    p.ok(&["run"]);
    let review = table(&p, "review");
    let decision = strs(&review, "decision");
    let reason = strs(&review, "reason");
    let (a, b) = (strs(&review, "actor_a"), strs(&review, "actor_b"));
    assert!(decision.iter().any(|d| d == "merged") && decision.iter().any(|d| d == "not_merged"));
    let pred = predicted(&p);
    let id = |n: &str, project: &str| pred[&(n.to_string(), project.to_string())].clone();
    let (one, eleven) = (id("I.C. Torino 1", "P01"), id("I.C. Torino 11", "P01"));
    let row = (0..a.len())
        .find(|&i| (a[i] == one && b[i] == eleven) || (a[i] == eleven && b[i] == one))
        .expect("numbered siblings are a near miss in the review queue");
    assert!(reason[row].starts_with("numbers differ"), "{}", reason[row]);
    let scores = review.column("score").unwrap().f64().unwrap();
    assert!(scores
        .iter()
        .all(|s| s.is_some_and(|s| (0.0..=1.0).contains(&s))));
    let matches = table(&p, "actor_matches");
    let mscores = matches.column("score").unwrap().f64().unwrap();
    assert!(
        mscores
            .iter()
            .all(|s| s.is_some_and(|s| s > 0.0 && s <= 1.0)),
        "every method scores on one scale, never 0"
    );
    let show = p.ok(&["show", "clean_actors.review", "--head", "3"]);
    assert!(
        show.stdout.contains("clean_actors.review"),
        "{}",
        show.stdout
    );
}

#[test]
fn issue_7_a_pair_declared_different_in_aliases_stays_apart() {
    let p = Project::new("realistic_orgs");
    p.ok(&["run"]);
    let pred = predicted(&p);
    let key = |n: &str| (n.to_string(), "P10".to_string());
    assert_eq!(pred[&key("Croce Verde")], pred[&key("Croce Verde Asti")]);
    p.write(
        "data/aliases.csv",
        "alias,canonical_name,note,decision\nCroce Verde,Croce Verde Asti,checked with the project,different\n",
    );
    p.ok(&["run"]);
    let pred = predicted(&p);
    assert_ne!(pred[&key("Croce Verde")], pred[&key("Croce Verde Asti")]);
    p.write(
        "data/aliases.csv",
        "alias,canonical_name,note,decision\nCroce Verde,Croce Verde Asti,,perhaps\n",
    );
    let run = p.wecare(&["run"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("data/aliases.csv:2 (column `decision`)"),
        "{}",
        run.stderr
    );
}

#[test]
fn issue_7_short_rows_in_lists_are_located_errors_not_panics() {
    let p = Project::new("realistic_orgs");
    p.write(
        "data/aliases.csv",
        "alias,canonical_name,note\nCroce Verde\n",
    );
    let run = p.wecare(&["run"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stderr.contains("internal error"), "{}", run.stderr);
    assert!(run.stderr.contains("data/aliases.csv:2"), "{}", run.stderr);
}

/// The generator writes the real-pattern mess too (numbered siblings, ASL codes with spacing,
/// office suffixes, namesake parishes), and the resolver handles it on the default data.
#[test]
fn issue_7_the_default_data_carry_the_real_patterns_and_resolve_them() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let names: Vec<BTreeMap<String, String>> = csv_rows(&root.join("data/truth/names.csv"));
    let has = |pred: &dyn Fn(&str) -> bool| names.iter().any(|r| pred(&r["raw_name"]));
    assert!(
        has(&|n| n.starts_with("I.C. ") && n.ends_with(" II")),
        "Roman-numbered siblings"
    );
    assert!(
        has(&|n| n.contains("Comprensivo") && n.ends_with(" Secondo")),
        "ordinal words"
    );
    assert!(has(&|n| n.starts_with("A.S.L. ")), "spaced ASL codes");
    assert!(
        has(&|n| n.starts_with("ASL") && !n.contains(' ')),
        "glued ASL codes"
    );
    assert!(has(&|n| n.contains(" - sede di ")), "office suffixes");
    assert!(
        has(&|n| n.contains(" - Servizi Sociali")),
        "department suffixes"
    );
    let bare_parish = |n: &str| n.starts_with("Parrocchia San ") && !n.contains(" di ");
    assert!(has(&bare_parish), "parishes cited by their saint alone");
    let p = Project::new("basic");
    crate::common::copy_dir(&root.join("data"), &p.path().join("data"));
    std::fs::copy(root.join("pipeline.toml"), p.path().join("pipeline.toml")).unwrap();
    p.ok(&["run", "clean_actors"]);
    let pred = predicted(&p);
    // Numbered siblings stay apart; spellings of one sibling, or of one ASL, join.
    let mut by_truth: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut org_of: BTreeMap<String, String> = BTreeMap::new();
    for r in &names {
        let raw = r["raw_name"]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if let Some(id) = pred.get(&(raw.clone(), r["project"].clone())) {
            by_truth
                .entry(r["actor_id"].clone())
                .or_default()
                .insert(id.clone());
            org_of.insert(raw, r["actor_id"].clone());
        }
    }
    let pattern_orgs: BTreeSet<&String> = org_of
        .iter()
        .filter(|(raw, _)| {
            raw.contains("Comprensivo")
                || raw.starts_with("I.C.")
                || raw.contains("ASL")
                || raw.contains("A.S.L.")
                || bare_parish(raw)
        })
        .map(|(_, org)| org)
        .collect();
    assert!(pattern_orgs.len() >= 10, "{}", pattern_orgs.len());
    for org in pattern_orgs {
        assert_eq!(
            by_truth[org].len(),
            1,
            "{org} is split: {:?}",
            by_truth[org]
        );
    }
}
