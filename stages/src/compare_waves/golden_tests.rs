//! Golden tests: the dyad counts, Jaccard, Hamming, persistence, formation, composition-inclusive
//! Jaccard and QAP r (and the exact QAP p for small node sets) against numpy on the cases of
//! `tests/golden/waves/comparisons.json`, made by `tests/golden/make_waves_goldens.py`
//! (networkx 3.6.1, numpy 2.4.6). Tolerance 1e-12; NaN (written "NaN") must be NaN.
use std::collections::BTreeSet;

use serde_json::Value;

use super::change::{jaccard_all, TieChange};
use crate::resample::qap_correlation;

const GOLDEN: &str = include_str!("../../../tests/golden/waves/comparisons.json");

fn num(v: &Value) -> f64 {
    match v {
        Value::String(s) if s == "NaN" => f64::NAN,
        v => v.as_f64().expect("a number"),
    }
}

fn close(name: &str, what: &str, got: f64, want: f64) {
    if want.is_nan() {
        assert!(got.is_nan(), "{name} {what}: {got} vs NaN");
    } else {
        assert!(
            (got - want).abs() <= 1e-12,
            "{name} {what}: {got} vs numpy {want}"
        );
    }
}

fn nodes(v: &Value) -> BTreeSet<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect()
}

fn edges(v: &Value) -> BTreeSet<(u64, u64)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| (e[0].as_u64().unwrap(), e[1].as_u64().unwrap()))
        .collect()
}

#[test]
fn comparisons_equal_numpy_on_every_golden_case() {
    let doc: Value = serde_json::from_str(GOLDEN).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 6);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let (fnodes, tnodes) = (nodes(&case["from_nodes"]), nodes(&case["to_nodes"]));
        let (fe, te) = (edges(&case["from_edges"]), edges(&case["to_edges"]));
        let c = TieChange::on_common(&fnodes, &tnodes, &fe, &te);
        let count = |k: &str| usize::try_from(case[k].as_u64().unwrap()).unwrap();
        assert_eq!(
            (c.actors_common, c.n11, c.n10, c.n01, c.n00),
            (
                count("actors_common"),
                count("n11"),
                count("n10"),
                count("n01"),
                count("n00")
            ),
            "{name} counts"
        );
        assert_eq!(c.hamming(), count("hamming"), "{name} hamming");
        close(name, "jaccard", c.jaccard(), num(&case["jaccard"]));
        close(
            name,
            "persistence",
            c.persistence(),
            num(&case["persistence"]),
        );
        close(name, "formation", c.formation(), num(&case["formation"]));
        close(
            name,
            "jaccard_all",
            jaccard_all(&fe, &te),
            num(&case["jaccard_all"]),
        );
        // QAP on the common actors, indexed in sorted order.
        let common: Vec<u64> = fnodes.intersection(&tnodes).copied().collect();
        let index = |v: u64| common.iter().position(|&x| x == v);
        let on_common = |es: &BTreeSet<(u64, u64)>| -> Vec<(usize, usize)> {
            es.iter()
                .filter_map(|&(a, b)| Some((index(a)?, index(b)?)))
                .collect()
        };
        let q = qap_correlation(common.len(), &on_common(&fe), &on_common(&te), 5040, 11);
        close(name, "qap_r", q.r, num(&case["qap_r"]));
        match &case["qap_p_exact"] {
            Value::Null => assert!(!q.exact || q.r.is_nan(), "{name}: {} actors", common.len()),
            p => {
                assert!(q.exact, "{name}: exact enumeration expected");
                close(name, "qap_p_exact", q.p, num(p));
            }
        }
    }
}
