//! Golden tests: every node and network metric of `graph.rs` against the values NetworkX 3.6.1
//! and python-igraph 1.0.0 give on the graphs in `tests/golden/metrics/*.json`, made by
//! `tests/golden/make_metrics_goldens.py` (see `tests/golden/README.md`). Tolerance 1e-9
//! (absolute, or relative for values above 1); NaN (written "NaN" in the files) must be NaN.

use serde_json::Value;

use super::graph::{ei_index, network_metrics, node_metrics, Net, NetworkMetrics, NodeMetrics};

const TOL: f64 = 1e-9;

const GOLDEN: &[(&str, &str)] = &[
    (
        "barbell_4_2",
        include_str!("../../../tests/golden/metrics/barbell_4_2.json"),
    ),
    (
        "complete_k5",
        include_str!("../../../tests/golden/metrics/complete_k5.json"),
    ),
    (
        "edgeless_3",
        include_str!("../../../tests/golden/metrics/edgeless_3.json"),
    ),
    (
        "florentine",
        include_str!("../../../tests/golden/metrics/florentine.json"),
    ),
    (
        "gnm_15_30_seed7_weighted",
        include_str!("../../../tests/golden/metrics/gnm_15_30_seed7_weighted.json"),
    ),
    (
        "gnm_40_70_seed3_weighted",
        include_str!("../../../tests/golden/metrics/gnm_40_70_seed3_weighted.json"),
    ),
    ("k2", include_str!("../../../tests/golden/metrics/k2.json")),
    (
        "karate",
        include_str!("../../../tests/golden/metrics/karate.json"),
    ),
    (
        "path_p5",
        include_str!("../../../tests/golden/metrics/path_p5.json"),
    ),
    (
        "pendant_clique",
        include_str!("../../../tests/golden/metrics/pendant_clique.json"),
    ),
    (
        "pendant_clique_weighted",
        include_str!("../../../tests/golden/metrics/pendant_clique_weighted.json"),
    ),
    (
        "single_node",
        include_str!("../../../tests/golden/metrics/single_node.json"),
    ),
    (
        "star_k14",
        include_str!("../../../tests/golden/metrics/star_k14.json"),
    ),
    (
        "star_k14_isolate",
        include_str!("../../../tests/golden/metrics/star_k14_isolate.json"),
    ),
    (
        "two_components_isolates",
        include_str!("../../../tests/golden/metrics/two_components_isolates.json"),
    ),
    (
        "two_components_isolates_weighted",
        include_str!("../../../tests/golden/metrics/two_components_isolates_weighted.json"),
    ),
    (
        "two_triangles",
        include_str!("../../../tests/golden/metrics/two_triangles.json"),
    ),
    (
        "weighted_path_p3",
        include_str!("../../../tests/golden/metrics/weighted_path_p3.json"),
    ),
    (
        "weighted_path_p5",
        include_str!("../../../tests/golden/metrics/weighted_path_p5.json"),
    ),
    (
        "weighted_ties",
        include_str!("../../../tests/golden/metrics/weighted_ties.json"),
    ),
];

/// A number from the golden file: a JSON number, or the string "NaN".
fn num(v: &Value, what: &str) -> f64 {
    match v {
        Value::String(s) if s == "NaN" => f64::NAN,
        Value::Number(x) => x.as_f64().unwrap_or_else(|| panic!("{what}: not a float")),
        other => panic!("{what}: expected a number or \"NaN\", got {other}"),
    }
}

fn same(got: f64, want: f64) -> bool {
    if want.is_nan() || got.is_nan() {
        return want.is_nan() && got.is_nan();
    }
    (got - want).abs() <= TOL * want.abs().max(1.0)
}

fn check(errors: &mut Vec<String>, what: String, got: f64, want: f64) {
    if !same(got, want) {
        errors.push(format!("{what}: got {got:?}, want {want:?}"));
    }
}

fn check_vec(errors: &mut Vec<String>, what: &str, got: &[f64], want: &Value) {
    let want = want
        .as_array()
        .unwrap_or_else(|| panic!("{what}: not a list"));
    if got.len() != want.len() {
        errors.push(format!("{what}: {} values, want {}", got.len(), want.len()));
        return;
    }
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        check(errors, format!("{what}[{i}]"), *g, num(w, what));
    }
}

fn check_nodes(errors: &mut Vec<String>, case: &str, got: &NodeMetrics, want: &Value) {
    let fields: [(&str, &Vec<f64>); 9] = [
        ("degree", &got.degree),
        ("degree_centrality", &got.degree_centrality),
        ("betweenness", &got.betweenness),
        ("closeness", &got.closeness),
        ("harmonic", &got.harmonic),
        ("eigenvector", &got.eigenvector),
        ("clustering", &got.clustering),
        ("constraint", &got.constraint),
        ("effective_size", &got.effective_size),
    ];
    for (name, values) in fields {
        check_vec(errors, &format!("{case}.{name}"), values, &want[name]);
    }
    let cores: Vec<f64> = got.core_number.iter().map(|&k| k as f64).collect();
    check_vec(
        errors,
        &format!("{case}.core_number"),
        &cores,
        &want["core_number"],
    );
}

fn check_network(errors: &mut Vec<String>, case: &str, got: &NetworkMetrics, want: &Value) {
    let fields: [(&str, f64); 14] = [
        ("n_actors", got.n_actors as f64),
        ("n_ties", got.n_ties as f64),
        ("density", got.density),
        ("components", got.components as f64),
        ("largest_component_share", got.largest_component_share),
        ("isolates", got.isolates as f64),
        ("degree_centralization", got.degree_centralization),
        ("betweenness_centralization", got.betweenness_centralization),
        ("closeness_centralization", got.closeness_centralization),
        ("transitivity", got.transitivity),
        ("average_clustering", got.average_clustering),
        ("mean_distance", got.mean_distance),
        ("diameter", got.diameter),
        ("global_efficiency", got.global_efficiency),
    ];
    for (name, value) in fields {
        let what = format!("{case}.network.{name}");
        check(errors, what.clone(), value, num(&want[name], &what));
    }
}

fn net_of(doc: &Value) -> Net {
    let n = doc["n"].as_u64().expect("n") as usize;
    let edges = doc["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            let u = e[0].as_u64().expect("u") as usize;
            let v = e[1].as_u64().expect("v") as usize;
            (u, v, num(&e[2], "weight"))
        })
        .collect();
    Net::new(n, edges)
}

#[test]
fn golden_files_cover_the_required_graphs() {
    for name in [
        "star_k14",
        "path_p5",
        "weighted_path_p5",
        "complete_k5",
        "barbell_4_2",
        "two_components_isolates",
        "karate",
        "florentine",
        "gnm_15_30_seed7_weighted",
        "pendant_clique",
    ] {
        assert!(
            GOLDEN.iter().any(|(n, _)| *n == name),
            "missing golden file {name}"
        );
    }
}

#[test]
fn node_network_and_ei_metrics_match_networkx_and_igraph() {
    let mut errors = Vec::new();
    let mut checked = 0usize;
    for (name, text) in GOLDEN {
        let doc: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(doc["name"].as_str(), Some(*name));
        let net = net_of(&doc);
        assert_eq!(
            net.edges.len(),
            doc["edges"].as_array().map_or(0, Vec::len),
            "{name}: duplicate edges"
        );

        let unweighted = node_metrics(&net, false);
        check_nodes(
            &mut errors,
            &format!("{name}.unweighted"),
            &unweighted,
            &doc["node_metrics"]["unweighted"],
        );
        if let Some(want) = doc["node_metrics"].get("weighted") {
            let weighted = node_metrics(&net, true);
            check_nodes(&mut errors, &format!("{name}.weighted"), &weighted, want);
        }
        check_network(
            &mut errors,
            name,
            &network_metrics(&net, &unweighted),
            &doc["network_metrics"],
        );

        let groups: Vec<u32> = doc["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .map(|g| g.as_u64().expect("group") as u32)
            .collect();
        let ei = ei_index(&net, &groups, 0, 0);
        check(
            &mut errors,
            format!("{name}.ei"),
            ei.ei,
            num(&doc["ei"]["ei"], "ei"),
        );
        check(
            &mut errors,
            format!("{name}.ei_expected"),
            ei.expected,
            num(&doc["ei"]["expected"], "expected"),
        );
        checked += 1;
    }
    assert_eq!(checked, GOLDEN.len());
    assert!(
        errors.is_empty(),
        "{} mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
}

#[test]
fn karate_club_ei_uses_the_club_split() {
    let doc: Value = serde_json::from_str(
        GOLDEN
            .iter()
            .find(|(n, _)| *n == "karate")
            .expect("karate")
            .1,
    )
    .expect("karate json");
    let groups = doc["groups"].as_array().expect("groups");
    // Two clubs, 17 members each in NetworkX's data.
    let ones = groups.iter().filter(|g| g.as_u64() == Some(1)).count();
    assert_eq!((groups.len(), ones), (34, 17));
    let ext = doc["ei"]["external"].as_u64().expect("external");
    assert_eq!(ext + doc["ei"]["internal"].as_u64().expect("internal"), 78);
}
