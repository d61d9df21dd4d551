//! Golden tests: `stats.rs` against scipy 1.17.1 and statsmodels 0.14.5 on the cases in
//! `tests/golden/stats/*.json`, made by `tests/golden/make_stats_goldens.py` (see
//! `tests/golden/README.md`). Tolerance 1e-8 (absolute, or relative above 1).
use serde_json::Value;

use super::*;

const TOL: f64 = 1e-8;

fn num(v: &Value) -> f64 {
    match v {
        Value::String(s) if s == "NaN" => f64::NAN,
        Value::String(s) if s == "inf" => f64::INFINITY,
        Value::String(s) if s == "-inf" => f64::NEG_INFINITY,
        _ => v.as_f64().expect("a number"),
    }
}

fn nums(v: &Value) -> Vec<f64> {
    v.as_array().expect("a list").iter().map(num).collect()
}

fn close(what: &str, got: f64, want: f64) {
    let ok = if want.is_nan() {
        got.is_nan()
    } else if want.is_infinite() {
        got == want
    } else {
        (got - want).abs() <= TOL * want.abs().max(1.0)
    };
    assert!(ok, "{what}: got {got:e}, scipy/statsmodels {want:e}");
}

fn cases(text: &str) -> Vec<Value> {
    let doc: Value = serde_json::from_str(text).expect("golden JSON");
    doc["cases"].as_array().expect("cases").clone()
}

#[test]
fn rank_correlations_match_scipy() {
    let all = cases(include_str!(
        "../../../tests/golden/stats/correlations.json"
    ));
    assert!(all.len() >= 6);
    for c in all {
        let name = c["name"].as_str().unwrap();
        let (x, y) = (nums(&c["x"]), nums(&c["y"]));
        close(
            &format!("{name} spearman"),
            spearman(&x, &y),
            num(&c["spearman"]),
        );
        close(
            &format!("{name} kendall"),
            kendall_tau_b(&x, &y),
            num(&c["kendall_tau_b"]),
        );
        close(
            &format!("{name} pearson"),
            pearson(&x, &y),
            num(&c["pearson"]),
        );
        for (got, want) in ranks(&x).iter().zip(nums(&c["ranks_x"])) {
            close(&format!("{name} rank"), *got, want);
        }
        let controls = vec![ranks(&nums(&c["z1"])), ranks(&nums(&c["z2"]))];
        close(
            &format!("{name} partial spearman"),
            partial_correlation(&ranks(&x), &ranks(&y), &controls),
            num(&c["partial_spearman"]),
        );
    }
}

#[test]
fn fisher_exact_matches_scipy() {
    for c in cases(include_str!("../../../tests/golden/stats/fisher.json")) {
        let t: Vec<u64> = c["table"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        let (odds, p) = fisher_exact([t[0], t[1], t[2], t[3]]);
        close(&format!("{t:?} odds ratio"), odds, num(&c["odds_ratio"]));
        close(&format!("{t:?} p"), p, num(&c["p_value"]));
    }
}

#[test]
fn holm_and_bh_match_statsmodels() {
    for c in cases(include_str!("../../../tests/golden/stats/multitest.json")) {
        let name = c["name"].as_str().unwrap();
        let p = nums(&c["p"]);
        for (got, want) in holm(&p).iter().zip(nums(&c["holm"])) {
            close(&format!("{name} holm"), *got, want);
        }
        for (got, want) in benjamini_hochberg(&p).iter().zip(nums(&c["bh"])) {
            close(&format!("{name} bh"), *got, want);
        }
    }
}

#[test]
fn logistic_fit_and_standard_errors_match_statsmodels() {
    for c in cases(include_str!("../../../tests/golden/stats/logistic.json")) {
        let name = c["name"].as_str().unwrap();
        let rows: Vec<Vec<f64>> = c["x"].as_array().unwrap().iter().map(nums).collect();
        let mut data = LogitData {
            cols: rows[0].len(),
            ..LogitData::default()
        };
        for ((row, s), n) in rows
            .iter()
            .zip(nums(&c["successes"]))
            .zip(nums(&c["trials"]))
        {
            data.push(row, s, n);
        }
        let fit = logistic(&data, None).expect("converges");
        for (j, (got, want)) in fit.coef.iter().zip(nums(&c["coef"])).enumerate() {
            close(&format!("{name} coef {j}"), *got, want);
        }
        for (j, (got, want)) in fit.se.iter().zip(nums(&c["se"])).enumerate() {
            close(&format!("{name} se {j}"), *got, want);
        }
        close(
            &format!("{name} log-likelihood"),
            fit.log_likelihood,
            num(&c["log_likelihood"]),
        );
    }
}
