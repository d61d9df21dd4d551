//! `compute_metrics` end to end (issue 8): network types against the generator's truth, NetworkX
//! values reached through survey files, and the same bytes whatever the thread count.
use std::collections::BTreeMap;
use std::path::Path;

use polars::prelude::*;

use crate::common::{copy_dir, Project};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

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

fn strs(df: &DataFrame, col: &str) -> Vec<String> {
    df.column(col)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect()
}

fn table(p: &Project, name: &str) -> DataFrame {
    wecare::table_io::read_parquet(
        &p.path()
            .join(format!("outputs/compute_metrics/{name}.parquet")),
    )
    .unwrap()
}

#[test]
fn issue_8_wave_1_network_types_track_the_generator_truth() {
    let p = default_project();
    p.ok(&["run", "compute_metrics"]);
    let types = table(&p, "network_types");
    let waves = types.column("wave").unwrap().i64().unwrap();
    let (projects, labels) = (strs(&types, "project"), strs(&types, "network_type"));
    let mut reader = csv::Reader::from_path(p.path().join("data/truth/projects.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let pi = headers.iter().position(|h| h == "project").unwrap();
    let ti = headers.iter().position(|h| h == "network_type").unwrap();
    let truth: BTreeMap<String, String> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[pi].to_string(), r[ti].to_string())
        })
        .collect();
    let mut confusion: BTreeMap<(String, String), usize> = BTreeMap::new();
    let (mut right, mut n) = (0, 0);
    for i in 0..projects.len() {
        if waves.get(i) != Some(1) {
            continue;
        }
        let t = &truth[&projects[i]];
        // A weak centre of the right kind is still that kind.
        let label = labels[i].trim_end_matches("_weak");
        *confusion.entry((t.clone(), labels[i].clone())).or_default() += 1;
        right += usize::from(label == t);
        n += 1;
    }
    println!("wave-1 network type, truth → measured:");
    for ((t, m), c) in &confusion {
        println!("  {t:>22} → {m:<28} {c}");
    }
    #[allow(clippy::cast_precision_loss)]
    let accuracy = right as f64 / n as f64;
    println!("accuracy {right}/{n} = {accuracy:.3}");
    assert_eq!(n, 22);
    assert!(accuracy >= 0.90, "accuracy {accuracy}");
    let rules = strs(&types, "type_rule");
    assert!(
        rules.iter().all(|r| !r.is_empty()),
        "every label says which clause fired"
    );
    let stability = types.column("stability").unwrap().f64().unwrap();
    assert!(stability
        .iter()
        .flatten()
        .all(|s| s.is_nan() || (0.0..=1.0).contains(&s)));
}

#[test]
fn issue_8_metrics_are_the_same_bytes_with_1_and_8_threads() {
    let hashes = |threads: usize| {
        let p = default_project();
        p.ok_with_threads(&["run", "compute_metrics"], threads);
        p.table_bytes(
            "compute_metrics",
            &["node_metrics", "network_metrics", "network_types"],
        )
    };
    assert!(
        hashes(1) == hashes(8),
        "outputs differ between 1 and 8 threads"
    );
}

/// Zachary's karate club written as survey rows of one project: every actor's metrics equal
/// NetworkX's (golden file made by `tests/golden/make_metrics_goldens.py`).
#[test]
fn issue_8_survey_files_encoding_the_karate_club_give_networkx_values() {
    let golden: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/golden/metrics/karate.json")).unwrap(),
    )
    .unwrap();
    let edges: Vec<(u64, u64)> = golden["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e[0].as_u64().unwrap(), e[1].as_u64().unwrap()))
        .collect();
    let p = Project::new("basic");
    let name = |i: u64| format!("Associazione Karate {i:02}");
    let mut wave =
        String::from("project,respondent,respondent_type,alter,alter_type,relation,intensity\n");
    for (a, b) in &edges {
        wave.push_str(&format!(
            "KARATE,{},Associazione,{},Associazione,collaboration,1\n",
            name(*a),
            name(*b)
        ));
    }
    let mut roster = String::from("project,organisation,organisation_type,responded\n");
    for i in 0..34 {
        roster.push_str(&format!("KARATE,{},Associazione,yes\n", name(i)));
    }
    p.write("data/raw/wave1.csv", &wave);
    p.write("data/raw/roster1.csv", &roster);
    p.write("data/projects.csv", "project,territory\nKARATE,Dojo\n");
    p.write(
        "pipeline.toml",
        r#"[pipeline]
name = "karate"
seed = 1

[stages.ingest_waves]
kind = "ingest_waves"
inputs = { wave1 = "data/raw/wave1.csv", roster1 = "data/raw/roster1.csv", projects = "data/projects.csv" }

[stages.clean_actors]
kind = "clean_actors"
inputs = { ties = "ingest_waves.ties_raw", roster = "ingest_waves.roster" }

[stages.compute_metrics]
kind = "compute_metrics"
inputs = { ties = "clean_actors.ties", actors = "clean_actors.actors", roster = "ingest_waves.roster", actor_matches = "clean_actors.actor_matches" }
"#,
    );
    p.ok(&["run"]);
    let matches = wecare::table_io::read_parquet(
        &p.path().join("outputs/clean_actors/actor_matches.parquet"),
    )
    .unwrap();
    let id_of: BTreeMap<String, String> = strs(&matches, "actor_id")
        .into_iter()
        .zip(strs(&matches, "raw_name"))
        .collect();
    assert_eq!(id_of.len(), 34, "34 clubs members, none merged");
    let nodes = table(&p, "node_metrics");
    let mask = nodes
        .column("layer")
        .unwrap()
        .str()
        .unwrap()
        .equal("collaboration");
    let nodes = nodes.filter(&mask).unwrap();
    let ids = strs(&nodes, "actor_id");
    let index = |id: &str| -> usize { id_of[id].rsplit(' ').next().unwrap().parse().unwrap() };
    for metric in [
        "degree_centrality",
        "betweenness",
        "closeness",
        "harmonic",
        "eigenvector",
        "clustering",
        "constraint",
        "effective_size",
    ] {
        let values = nodes.column(metric).unwrap().f64().unwrap();
        let expected = golden["node_metrics"]["unweighted"][metric]
            .as_array()
            .unwrap_or_else(|| panic!("golden {metric}"));
        for (i, id) in ids.iter().enumerate() {
            let want = expected[index(id)].as_f64().unwrap();
            let got = values.get(i).unwrap();
            assert!(
                (got - want).abs() <= 1e-9,
                "{metric} of {}: {got} vs NetworkX {want}",
                id_of[id]
            );
        }
    }
}
