//! `clean_actors` against the synthetic ground truth (issue 4): organisation matching
//! precision/recall, type accuracy, symmetrisation rules, and the safety rules of merging.
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use polars::prelude::*;

use crate::common::{copy_dir, Project};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A project with the repository's pipeline.toml and either the committed data or freshly
/// generated synthetic data.
fn project(synth_args: Option<&[&str]>) -> Project {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("pipeline.toml"),
        dir.path().join("pipeline.toml"),
    )
    .unwrap();
    match synth_args {
        None => copy_dir(&root().join("data"), &dir.path().join("data")),
        Some(args) => {
            let mut all = vec!["synth"];
            all.extend_from_slice(args);
            let p = Project { dir };
            p.ok(&all);
            return p;
        }
    }
    Project { dir }
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
        .map(|v| v.unwrap_or("").to_string())
        .collect()
}

fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
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

/// The spelling ingest keeps for a raw cell: mojibake repaired, whitespace collapsed.
fn as_ingested(raw: &str) -> String {
    let repaired = if raw.is_ascii() {
        raw.to_string()
    } else {
        let (bytes, _, bad) = encoding_rs::WINDOWS_1252.encode(raw);
        match (bad, String::from_utf8(bytes.into_owned())) {
            (false, Ok(s)) if s != raw && !s.is_ascii() => s,
            _ => raw.to_string(),
        }
    };
    repaired.split_whitespace().collect::<Vec<_>>().join(" ")
}

struct Scores {
    precision: f64,
    recall: f64,
    type_accuracy: f64,
    records: usize,
}

fn score(p: &Project) -> Scores {
    let matches = table(p, "clean_actors", "actor_matches");
    let predicted: BTreeMap<String, String> = strs(&matches, "raw_name")
        .into_iter()
        .zip(strs(&matches, "actor_id"))
        .collect();
    let mut truth: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in csv_rows(&p.path().join("data/truth/names.csv")) {
        truth
            .entry(as_ingested(&r["raw_name"]))
            .or_default()
            .insert(r["actor_id"].clone());
    }
    // Spellings that only occur in rejected rows never reach clean_actors.
    let names: Vec<&String> = truth
        .keys()
        .filter(|n| predicted.contains_key(*n))
        .collect();
    assert!(
        names.len() * 100 >= truth.len() * 97,
        "most spellings are resolved: {} of {}",
        names.len(),
        truth.len()
    );
    let (mut tp, mut fp, mut fn_) = (0u64, 0u64, 0u64);
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            let same_truth = !truth[*a].is_disjoint(&truth[*b]);
            let same_pred = predicted[*a] == predicted[*b];
            match (same_truth, same_pred) {
                (true, true) => tp += 1,
                (false, true) => fp += 1,
                (true, false) => fn_ += 1,
                _ => {}
            }
        }
    }
    let actors = table(p, "clean_actors", "actors");
    let type_of: BTreeMap<String, String> = strs(&actors, "actor_id")
        .into_iter()
        .zip(strs(&actors, "type_code"))
        .collect();
    let true_type: BTreeMap<String, String> =
        csv_rows(&p.path().join("data/truth/organisations.csv"))
            .into_iter()
            .map(|r| (r["actor_id"].clone(), r["type_code"].clone()))
            .collect();
    // Each predicted actor is compared with the true organisation most of its spellings belong to.
    let mut votes: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for n in &names {
        for t in &truth[*n] {
            *votes
                .entry(predicted[*n].as_str())
                .or_default()
                .entry(t.as_str())
                .or_default() += 1;
        }
    }
    let right = votes
        .iter()
        .filter(|(actor, v)| {
            let best = v.iter().max_by_key(|(_, n)| **n).map(|(t, _)| *t).unwrap();
            type_of[**actor] == true_type[best]
        })
        .count();
    #[allow(clippy::cast_precision_loss)]
    Scores {
        precision: tp as f64 / (tp + fp) as f64,
        recall: tp as f64 / (tp + fn_) as f64,
        type_accuracy: right as f64 / votes.len() as f64,
        records: names.len(),
    }
}

#[test]
fn organisations_are_matched_as_the_truth_says_on_the_default_data() {
    let p = project(None);
    p.ok(&["run", "clean_actors"]);
    let s = score(&p);
    println!(
        "default data: {} spellings, pairwise precision {:.4}, recall {:.4}, type accuracy {:.4}",
        s.records, s.precision, s.recall, s.type_accuracy
    );
    assert!(s.precision >= 0.99, "precision {}", s.precision);
    assert!(s.recall >= 0.97, "recall {}", s.recall);
    assert!(s.type_accuracy >= 0.97, "type accuracy {}", s.type_accuracy);
}

#[test]
fn matching_holds_with_another_seed_and_doubled_mess() {
    let p = project(Some(&["--seed", "99", "--mess-scale", "2"]));
    p.ok(&["run", "clean_actors"]);
    let s = score(&p);
    println!(
        "seed 99, mess ×2: {} spellings, pairwise precision {:.4}, recall {:.4}, type accuracy {:.4}",
        s.records, s.precision, s.recall, s.type_accuracy
    );
    assert!(s.precision >= 0.98, "precision {}", s.precision);
    assert!(s.recall >= 0.95, "recall {}", s.recall);
    assert!(s.type_accuracy >= 0.97, "type accuracy {}", s.type_accuracy);
}

fn tie_set(df: &DataFrame) -> BTreeSet<(String, i32, String, String, String)> {
    let waves: Vec<i32> = df
        .column("wave")
        .unwrap()
        .i32()
        .unwrap()
        .iter()
        .map(Option::unwrap)
        .collect();
    let (p, l, s, t) = (
        strs(df, "project"),
        strs(df, "layer"),
        strs(df, "source"),
        strs(df, "target"),
    );
    (0..df.height())
        .map(|i| {
            (
                p[i].clone(),
                waves[i],
                l[i].clone(),
                s[i].clone(),
                t[i].clone(),
            )
        })
        .collect()
}

#[test]
fn union_and_intersection_symmetrise_as_declared() {
    let p = project(None);
    p.ok(&["run", "clean_actors"]);
    let union = table(&p, "clean_actors", "ties");
    let union_set = tie_set(&union);
    assert!(
        union_set.iter().all(|(_, _, _, s, t)| s < t),
        "undirected: source < target, no self-ties"
    );
    let layers: BTreeSet<(i32, String)> = union_set
        .iter()
        .map(|(_, w, l, _, _)| (*w, l.clone()))
        .collect();
    assert!(
        layers.contains(&(0, "prior".to_string())),
        "the prior layer is wave 0"
    );
    assert!(layers.contains(&(3, "after".to_string())));
    assert!(!layers.iter().any(|(w, l)| l == "prior" && *w != 0));
    let reconstructed = union
        .column("reconstructed")
        .unwrap()
        .bool()
        .unwrap()
        .sum()
        .unwrap();
    assert!(
        reconstructed > 0,
        "non-respondents' ties come from others' reports"
    );
    let weights = union.column("weight").unwrap().i64().unwrap();
    assert!(weights.iter().all(|w| matches!(w, Some(1..=3))));
    p.edit(
        "pipeline.toml",
        "symmetrize = \"union\"",
        "symmetrize = \"intersection\"",
    );
    p.ok(&["run", "clean_actors"]);
    let inter = table(&p, "clean_actors", "ties");
    let inter_set = tie_set(&inter);
    assert!(inter_set.is_subset(&union_set));
    assert!(inter_set.len() < union_set.len());
    let reports = inter.column("reports").unwrap().i32().unwrap();
    assert!(
        reports.iter().all(|r| r == Some(2)),
        "intersection keeps confirmed ties only"
    );
}

#[test]
fn incompatible_types_are_never_merged_and_consorzio_is_resolved_by_the_list() {
    let p = Project::new("actors");
    p.ok(&["run"]);
    let actors = table(&p, "clean_actors", "actors");
    let names = strs(&actors, "name");
    let types = strs(&actors, "type_code");
    let by_name: BTreeMap<&str, &str> = names
        .iter()
        .map(String::as_str)
        .zip(types.iter().map(String::as_str))
        .collect();
    assert_eq!(
        by_name.get("Comune di Borgoverna"),
        Some(&"municipality"),
        "{by_name:?}"
    );
    assert_eq!(
        by_name.get("Istituto Comprensivo di Borgoverna"),
        Some(&"school"),
        "{by_name:?}"
    );
    assert_eq!(
        by_name.get("Consorzio Intercomunale Servizi Sociali Valle Sorana"),
        Some(&"eg_consortium"),
        "{by_name:?}"
    );
    assert_eq!(
        by_name.get("Consorzio Il Mosaico"),
        Some(&"coop_consortium"),
        "{by_name:?}"
    );
    let matches = table(&p, "clean_actors", "actor_matches");
    let raw = strs(&matches, "raw_name");
    let method = strs(&matches, "method");
    let id = strs(&matches, "actor_id");
    let m: BTreeMap<&str, (&str, &str)> = raw
        .iter()
        .map(String::as_str)
        .zip(
            id.iter()
                .map(String::as_str)
                .zip(method.iter().map(String::as_str)),
        )
        .collect();
    assert_eq!(
        m["CISSVS"].1, "alias",
        "the acronym comes from enti_gestori.csv"
    );
    assert_eq!(
        m["CISSVS"].0,
        m["Consorzio Intercomunale Servizi Sociali Valle Sorana"].0
    );
    assert_eq!(m["Coop. Soc. Il Girasole"].1, "normalised");
    assert_eq!(m["Il Girasle"].1, "fuzzy");
    assert_eq!(
        m["Il Girasle"].0,
        m["Cooperativa Sociale Il Girasole s.c.s. Onlus"].0
    );
    assert_ne!(
        m["Comune di Borgoverna"].0,
        m["Istituto Comprensivo di Borgoverna"].0
    );
    assert_ne!(
        m["Comune di Borgoverna"].0, m["Comune di Borgoserena"].0,
        "near place names stay apart"
    );
    assert_eq!(actors.height(), 7, "{actors}");
}

#[test]
fn unusable_alias_and_enti_gestori_lists_fail_with_file_line_and_hint() {
    let p = Project::new("actors");
    p.write("data/enti_gestori.csv", "name,acronym,type_code,territory\nConsorzio Intercomunale Servizi Sociali Valle Sorana,CISSVS,social_coop_a,Alba\n");
    let run = p.wecare(&["run"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!p.path().join("outputs/clean_actors").exists());
    insta::assert_snapshot!(run.stderr, @r"
    error: stage `clean_actors` failed: data/enti_gestori.csv:2 (column `type_code`): `social_coop_a` is not an ente gestore type
      hint: use eg_consortium, eg_mountain_union or eg_municipality
    error: 1 stage failed; see above
    ");
    p.write(
        "data/enti_gestori.csv",
        "name,acronym,type_code,territory\n",
    );
    p.write("data/aliases.csv", "variant,name\nCISSVS,Consorzio\n");
    let run = p.wecare(&["run"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.stderr, @r"
    error: stage `clean_actors` failed: data/aliases.csv:1 (column `alias`): missing required column `alias`
      hint: the header must name: alias, canonical_name
    error: 1 stage failed; see above
    ");
}
