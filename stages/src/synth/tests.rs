//! The synthetic data against their own targets: determinism, calibration measured from the
//! truth files (not from the generator's own summaries), and mess at its configured rates.
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::*;

fn default_config() -> (SynthConfig, Mess) {
    let config = SynthConfig::parse(DEFAULT_CONFIG).expect("default config parses");
    let mess = config.mess.clone();
    (config, mess)
}

fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).expect("csv");
    let headers = reader.headers().expect("header").clone();
    reader
        .records()
        .map(|r| {
            headers
                .iter()
                .zip(r.expect("record").iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn generated(config: &SynthConfig, mess: &Mess, threads: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool");
    pool.install(|| generate(config, mess, dir.path()))
        .expect("generate");
    dir
}

#[test]
fn same_config_gives_same_bytes_whatever_the_thread_count() {
    let (config, mess) = default_config();
    let a = generated(&config, &mess, 1);
    let b = generated(&config, &mess, 4);
    for f in FILES {
        let (x, y) = (
            std::fs::read(a.path().join(f)).unwrap(),
            std::fs::read(b.path().join(f)).unwrap(),
        );
        assert!(x == y, "{f} differs between 1 and 4 threads");
    }
    let mut other = config.clone();
    other.synth.seed += 1;
    let c = generated(&other, &mess, 2);
    assert_ne!(
        std::fs::read(a.path().join("raw/wave1.csv")).unwrap(),
        std::fs::read(c.path().join("raw/wave1.csv")).unwrap()
    );
}

type Ties = BTreeMap<(String, u8, String), BTreeSet<(String, String)>>;

fn ties(dir: &Path) -> Ties {
    let mut out: Ties = BTreeMap::new();
    for r in read_csv(&dir.join("truth/ties.csv")) {
        let key = (
            r["project"].clone(),
            r["wave"].parse().unwrap(),
            r["layer"].clone(),
        );
        out.entry(key)
            .or_default()
            .insert((r["source"].clone(), r["target"].clone()));
    }
    out
}

fn jaccard(a: &BTreeSet<(String, String)>, b: &BTreeSet<(String, String)>) -> f64 {
    let inter = a.intersection(b).count() as f64;
    let union = a.union(b).count() as f64;
    if union == 0.0 {
        0.0
    } else {
        inter / union
    }
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Tolerances: the published facts are approximate; these bands are what "calibrated" means here.
#[test]
fn truth_matches_the_calibration_targets() {
    let (config, mess) = default_config();
    let dir = generated(&config, &mess, 2);
    let d = dir.path();
    let projects = read_csv(&d.join("projects.csv"));
    assert_eq!(projects.len(), 22);
    let budgets: Vec<f64> = projects
        .iter()
        .map(|p| p["budget_eur"].parse().unwrap())
        .collect();
    assert_eq!(
        budgets.iter().copied().fold(f64::INFINITY, f64::min),
        179_000.0
    );
    assert_eq!(budgets.iter().copied().fold(0.0, f64::max), 867_000.0);
    let territories: BTreeSet<&str> = projects.iter().map(|p| p["territory"].as_str()).collect();
    assert!(
        territories.contains("Cuorgnè")
            && territories.contains("Mondovì")
            && territories.len() == 22
    );

    let orgs = read_csv(&d.join("truth/organisations.csv"));
    let mut per_project: BTreeMap<&str, Vec<&BTreeMap<String, String>>> = BTreeMap::new();
    for o in &orgs {
        let n_projects = o["projects"].split(';').count();
        if o["sector"] == "third_sector" {
            assert!(n_projects <= 2, "{} is in {n_projects} projects", o["name"]);
        }
        for p in o["projects"].split(';') {
            per_project.entry(p).or_default().push(o);
        }
    }
    let eg_counts: Vec<f64> = per_project
        .values()
        .map(|os| os.iter().filter(|o| o["ente_gestore"] == "1").count() as f64)
        .collect();
    let eg_mean = mean(&eg_counts);
    assert!(
        (1.8..=2.8).contains(&eg_mean),
        "enti gestori per project {eg_mean}"
    );

    let t = ties(d);
    let codes: Vec<String> = projects.iter().map(|p| p["project"].clone()).collect();
    let empty = BTreeSet::new();
    let get = |p: &str, w: u8, l: &str| t.get(&(p.to_string(), w, l.to_string())).unwrap_or(&empty);
    let nodes = |s: &BTreeSet<(String, String)>| {
        s.iter()
            .flat_map(|(a, b)| [a.clone(), b.clone()])
            .collect::<BTreeSet<_>>()
    };
    let (mut prior_share, mut j12, mut j23, mut j3p) = (vec![], vec![], vec![], vec![]);
    let (mut w1_orgs, mut with_after) = (0usize, 0usize);
    let (mut ties2, mut ties3) = (0, 0);
    let mut entrant_sectors: BTreeMap<String, usize> = BTreeMap::new();
    let sector: BTreeMap<&str, &str> = orgs
        .iter()
        .map(|o| (o["actor_id"].as_str(), o["sector"].as_str()))
        .collect();
    for p in &codes {
        let (prior, w1, w2, w3, after) = (
            get(p, 0, "prior"),
            get(p, 1, "collaboration"),
            get(p, 2, "collaboration"),
            get(p, 3, "collaboration"),
            get(p, 3, "after"),
        );
        let size = nodes(w1).union(&nodes(w2)).count();
        assert!((8..=40).contains(&size), "{p}: network size {size}");
        prior_share.push(w1.intersection(prior).count() as f64 / w1.len() as f64);
        j12.push(jaccard(w1, w2));
        j23.push(jaccard(w2, w3));
        j3p.push(jaccard(w3, prior));
        let n1 = nodes(w1);
        let na = nodes(after);
        w1_orgs += n1.len();
        with_after += n1.iter().filter(|o| na.contains(*o)).count();
        ties2 += w2.len();
        ties3 += w3.len();
        for o in nodes(w2).difference(&n1) {
            *entrant_sectors
                .entry(sector[o.as_str()].to_string())
                .or_default() += 1;
        }
    }
    let f1 = mean(&prior_share);
    assert!(
        (0.5..=0.8).contains(&f1),
        "F1: wave-1 pre-existing share {f1}"
    );
    let f3 = mean(&j12);
    assert!((0.4..=0.7).contains(&f3), "F3: Jaccard W1→W2 {f3}");
    let f5 = mean(&j23);
    assert!((0.2..=0.45).contains(&f5), "F5: Jaccard W2→W3 {f5}");
    assert!(
        ties3 < ties2,
        "F5: wave 3 thinner ({ties3} vs {ties2} ties)"
    );
    let f6 = mean(&j3p);
    assert!(
        f6 > f5,
        "F6: W3 closer to the prior layer ({f6}) than to W2 ({f5})"
    );
    let f7 = with_after as f64 / w1_orgs as f64;
    assert!((0.34..=0.50).contains(&f7), "F7: continuity share {f7}");
    let ts = entrant_sectors.get("third_sector").copied().unwrap_or(0);
    let pr = entrant_sectors.get("private").copied().unwrap_or(0);
    assert!(
        ts > pr && pr > 0,
        "F4: wave-2 entrants mostly third sector, fewer firms: {entrant_sectors:?}"
    );

    let truth_projects = read_csv(&d.join("truth/projects.csv"));
    let mut types: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &truth_projects {
        *types.entry(p["network_type"].as_str()).or_default() += 1;
    }
    let eg = types.get("eg_centred").copied().unwrap_or(0);
    assert!(
        types.len() == 3 && types.values().all(|&n| n <= eg),
        "F2: EG-centred most common: {types:?}"
    );

    for (w, target) in [(1, 0.85), (2, 0.75), (3, 0.65)] {
        let roster = read_csv(&d.join(format!("raw/roster{w}.csv")));
        let rate =
            roster.iter().filter(|r| r["ha_risposto"] == "sì").count() as f64 / roster.len() as f64;
        assert!(
            (rate - target).abs() <= 0.07,
            "response rate wave {w}: {rate} vs {target}"
        );
    }
}

#[test]
fn each_kind_of_mess_appears_at_its_configured_rate() {
    let (config, _) = default_config();
    for scale in [1.0, 2.0] {
        let mess = config.mess.scaled(scale);
        let dir = generated(&config, &mess, 2);
        let rows = read_csv(&dir.path().join("truth/mess.csv"));
        assert_eq!(rows.len(), 10, "every kind is counted");
        for r in rows {
            let (events, opportunities): (f64, f64) = (
                r["events"].parse().unwrap(),
                r["opportunities"].parse().unwrap(),
            );
            let configured: f64 = r["configured_rate"].parse().unwrap();
            let rate = events / opportunities;
            // Four binomial standard errors, plus a floor for the rarest kinds.
            let tol = 4.0 * (configured * (1.0 - configured) / opportunities).sqrt() + 0.002;
            assert!(
                (rate - configured).abs() <= tol,
                "{} at scale {scale}: {rate} vs {configured} (n = {opportunities})",
                r["kind"]
            );
            assert!(events > 0.0, "{} never happens", r["kind"]);
        }
        // Cross-check two kinds directly in the exported files.
        let wave1 = std::fs::read_to_string(dir.path().join("raw/wave1.csv")).unwrap();
        let lines: Vec<&str> = wave1.lines().skip(1).collect();
        let dups = lines.windows(2).filter(|w| w[0] == w[1]).count();
        let non_so = lines.iter().filter(|l| l.ends_with(",non so")).count();
        assert!(dups > 0 && non_so > 0);
        let mojibake = wave1.contains("Ã");
        assert!(
            mojibake || scale < 2.0,
            "mojibake should show at doubled rates"
        );
    }
}

#[test]
fn wave_files_arrive_in_their_real_formats() {
    let (config, mess) = default_config();
    let dir = generated(&config, &mess, 2);
    let w3 = std::fs::read(dir.path().join("raw/wave3.csv")).unwrap();
    assert!(
        std::str::from_utf8(&w3).is_err(),
        "wave 3 is Windows-1252, not UTF-8"
    );
    let (text, _, bad) = encoding_rs::WINDOWS_1252.decode(&w3);
    assert!(!bad);
    assert!(text.starts_with("codice_progetto;organizzazione_rispondente;"));
    assert!(text.lines().next().unwrap().ends_with("intensità"));
    assert!(text.contains("\r\n"));
    use calamine::Reader as _;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook(dir.path().join("raw/wave2.xlsx")).unwrap();
    assert_eq!(wb.sheet_names(), vec![output::WAVE2_SHEET.to_string()]);
    let range = wb.worksheet_range(output::WAVE2_SHEET).unwrap();
    let header: Vec<String> = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(header, output::WAVE_HEADER);
    assert!(range.height() > 500);
    let wave1 = std::fs::read_to_string(dir.path().join("raw/wave1.csv")).unwrap();
    for label in [
        "collaborazione precedente al progetto",
        "scambio di informazioni",
        "qualche volta",
        "molto spesso",
        ",mai",
    ] {
        assert!(wave1.contains(label), "wave 1 lacks {label}");
    }
    assert!(
        !wave1.contains("iniziative comuni dopo"),
        "`after` is a wave-3 relation"
    );
    assert!(text.contains("iniziative comuni dopo la fine del progetto"));
}

#[test]
fn the_null_scenario_has_no_effects_but_the_same_dynamics() {
    let (mut config, mess) = default_config();
    config.synth.scenario = "null".into();
    let dir = generated(&config, &mess, 2);
    let scenario = std::fs::read_to_string(dir.path().join("truth/scenario.toml")).unwrap();
    assert!(scenario.contains("scenario = \"null\""));
    let parsed: toml::Table = scenario.parse().unwrap();
    for (k, v) in parsed["effects"].as_table().unwrap() {
        assert_eq!(v.as_float(), Some(0.0), "{k}");
    }
    let t = ties(dir.path());
    let (n2, n3): (usize, usize) =
        t.iter()
            .fold((0, 0), |(a, b), ((_, w, l), s)| match (w, l.as_str()) {
                (2, "collaboration") => (a + s.len(), b),
                (3, "collaboration") => (a, b + s.len()),
                _ => (a, b),
            });
    assert!(n3 < n2, "wave 3 still thinner under the null scenario");
}

#[test]
fn scales_to_many_projects() {
    let (mut config, mess) = default_config();
    config.synth.projects = 150;
    let dir = generated(&config, &mess, 2);
    let projects = read_csv(&dir.path().join("projects.csv"));
    assert_eq!(projects.len(), 150);
    assert_eq!(projects[149]["project"], "WCR-150");
    assert_eq!(projects[22]["territory"], "Alessandria 2");
}

fn correlation(x: &[f64], y: &[f64]) -> f64 {
    let (mx, my) = (mean(x), mean(y));
    let cov: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    cov / (vx * vy).sqrt()
}

/// Over many projects: (correlation of prior social capital with problem reframing,
/// survival to wave 3 of pre-existing minus project-born wave-2 ties).
fn effect_signals(scenario: &str) -> (f64, f64) {
    let (mut config, mess) = default_config();
    config.synth.projects = 300;
    config.synth.scenario = scenario.into();
    let dir = generated(&config, &mess, 2);
    let truth = read_csv(&dir.path().join("truth/projects.csv"));
    let coding = read_csv(&dir.path().join("projects.csv"));
    let capital: Vec<f64> = truth
        .iter()
        .map(|r| r["prior_social_capital"].parse().unwrap())
        .collect();
    let reframing: Vec<f64> = coding
        .iter()
        .map(|r| r["problem_reframing"].parse().unwrap())
        .collect();
    let rows = read_csv(&dir.path().join("truth/ties.csv"));
    let key = |r: &BTreeMap<String, String>| {
        (
            r["project"].clone(),
            r["source"].clone(),
            r["target"].clone(),
        )
    };
    let w3: BTreeSet<_> = rows
        .iter()
        .filter(|r| r["wave"] == "3" && r["layer"] == "collaboration")
        .map(key)
        .collect();
    let (mut born, mut prior) = ((0.0, 0.0), (0.0, 0.0));
    for r in rows
        .iter()
        .filter(|r| r["wave"] == "2" && r["layer"] == "collaboration")
    {
        let survived = f64::from(u8::from(w3.contains(&key(r))));
        let slot = if r["project_born"] == "1" {
            &mut born
        } else {
            &mut prior
        };
        slot.0 += survived;
        slot.1 += 1.0;
    }
    (
        correlation(&capital, &reframing),
        prior.0 / prior.1 - born.0 / born.1,
    )
}

#[test]
fn the_configured_effects_are_in_the_data_and_the_null_scenario_has_none() {
    let (q1, q2) = effect_signals("default");
    println!("default: r(capital, reframing) = {q1:.3}, survival prior − born = {q2:.5}");
    assert!(
        q1 > 0.4,
        "Q1: prior social capital drives reframing (r = {q1})"
    );
    assert!(
        q2 > 0.08,
        "Q2: pre-existing ties outlive project-born ones (difference {q2})"
    );
    let (q1, q2) = effect_signals("null");
    println!("null: r(capital, reframing) = {q1:.3}, survival prior − born = {q2:.5}");
    assert!(q1.abs() < 0.15, "null: no Q1 effect (r = {q1})");
    assert!(q2.abs() < 0.06, "null: no Q2 effect (difference {q2})");
}
