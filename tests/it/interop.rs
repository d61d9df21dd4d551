//! Issue 14: interoperability. Networks exported as GraphML, GEXF, Pajek and UCINET DL come
//! back unchanged (through `ingest_waves` and through NetworkX), CSV matches the Parquet tables,
//! `wecare query` answers auditors' questions as polars does, and the exported Snakefile run by
//! Snakemake gives the same bytes as `wecare run`.
//!
//! Tests needing Python (NetworkX, Snakemake) find it through `WECARE_PYTHON` (a virtual
//! environment's `python`; `.ci/run` creates it). Without it they skip with a note, unless
//! `WECARE_REQUIRE_TOOLS=1` (set by `.ci/run`), which makes a missing tool a failure.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use polars::prelude::*;
use serde_json::Value;

use crate::common::{copy_dir, Project};

fn default_project() -> Project {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    for item in ["data", "outputs"] {
        copy_dir(&root.join(item), &dir.path().join(item));
    }
    for item in ["pipeline.toml", "pipeline.lock"] {
        std::fs::copy(root.join(item), dir.path().join(item)).unwrap();
    }
    Project { dir }
}

fn parquet(p: &Project, rel: &str) -> DataFrame {
    let file = std::fs::File::open(p.path().join(rel)).unwrap();
    ParquetReader::new(file).finish().unwrap()
}

fn strs(df: &DataFrame, name: &str) -> Vec<String> {
    df.column(name)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect()
}

fn ints(df: &DataFrame, name: &str) -> Vec<i64> {
    df.column(name)
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect()
}

/// The Python of the test environment, or `None` (skip) when it is not set up and tools are
/// not required.
fn python() -> Option<PathBuf> {
    let required = std::env::var("WECARE_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    let candidate = std::env::var_os("WECARE_PYTHON").map(PathBuf::from);
    match candidate {
        Some(p) if p.is_file() => Some(p),
        _ => {
            assert!(
                !required,
                "WECARE_REQUIRE_TOOLS=1 but WECARE_PYTHON does not name a Python (run .ci/run, or create the venv as it does)"
            );
            eprintln!("note: WECARE_PYTHON not set: skipping (set it to a venv python with networkx and snakemake)");
            None
        }
    }
}

/// Expected networks from the committed tables: (project, wave) → (names by id, types by
/// name, ties as sorted name pairs → weight), for the `collaboration` layer.
struct Expected {
    name: BTreeMap<String, String>,
    type_code: BTreeMap<String, String>,
    ties: BTreeMap<(String, i64), BTreeMap<(String, String), i64>>,
}

fn expected(p: &Project) -> Expected {
    let actors = parquet(p, "outputs/clean_actors/actors.parquet");
    let ids = strs(&actors, "actor_id");
    let name: BTreeMap<String, String> = ids.iter().cloned().zip(strs(&actors, "name")).collect();
    let type_code: BTreeMap<String, String> = strs(&actors, "name")
        .into_iter()
        .zip(strs(&actors, "type_code"))
        .collect();
    let ties = parquet(p, "outputs/clean_actors/ties.parquet");
    let (proj, wave, layer, s, t, w) = (
        strs(&ties, "project"),
        ints(&ties, "wave"),
        strs(&ties, "layer"),
        strs(&ties, "source"),
        strs(&ties, "target"),
        ints(&ties, "weight"),
    );
    let mut out: BTreeMap<(String, i64), BTreeMap<(String, String), i64>> = BTreeMap::new();
    for i in 0..proj.len() {
        if layer[i] != "collaboration" {
            continue;
        }
        let (a, b) = (name[&s[i]].clone(), name[&t[i]].clone());
        let pair = if a <= b { (a, b) } else { (b, a) };
        out.entry((proj[i].clone(), wave[i]))
            .or_default()
            .insert(pair, w[i]);
    }
    Expected {
        name,
        type_code,
        ties: out,
    }
}

#[test]
fn the_default_pipeline_writes_gexf_and_graphml_for_every_project_wave_and_layer() {
    let p = default_project();
    let networks = parquet(&p, "outputs/export_networks/networks.parquet");
    // 22 projects × (prior + 3 waves) × 2 formats.
    assert_eq!(networks.height(), 22 * 4 * 2);
    let files = strs(&networks, "file");
    for f in &files {
        assert!(
            p.path().join("outputs/export_networks").join(f).is_file(),
            "{f}"
        );
    }
    let lock = p.read("pipeline.lock");
    assert!(lock.contains("outputs/export_networks/gexf/WCR-01_w1_collaboration.gexf"));
    let exp = expected(&p);
    let edges = ints(&networks, "edges");
    let (proj, wave, layer) = (
        strs(&networks, "project"),
        ints(&networks, "wave"),
        strs(&networks, "layer"),
    );
    for i in 0..networks.height() {
        if layer[i] == "collaboration" {
            let n = exp
                .ties
                .get(&(proj[i].clone(), wave[i]))
                .map_or(0, BTreeMap::len);
            assert_eq!(edges[i], n as i64, "{}", files[i]);
        }
    }
}

/// Exports one format and reimports WCR-01's three collaboration waves through `ingest_waves`.
fn round_trip(p: &Project, exp: &Expected, format: &str, file: &dyn Fn(i64) -> String) {
    let out = format!("exp_{format}");
    p.ok(&["export", format, "--out", &out]);
    let q = Project {
        dir: tempfile::tempdir().unwrap(),
    };
    std::fs::create_dir_all(q.path().join("nets")).unwrap();
    for w in 1..=3 {
        let from = p.path().join(&out).join(file(w));
        std::fs::copy(
            &from,
            q.path()
                .join("nets")
                .join(Path::new(&file(w)).file_name().unwrap()),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    }
    let name = |w: i64| {
        format!(
            "nets/{}",
            Path::new(&file(w)).file_name().unwrap().to_string_lossy()
        )
    };
    q.write(
        "pipeline.toml",
        &format!(
            "[pipeline]\nname = \"reimport\"\nseed = 1\n\n[stages.ingest_waves]\nkind = \"ingest_waves\"\ninputs = {{ wave1 = \"{}\", wave2 = \"{}\", wave3 = \"{}\" }}\nparams = {{ format = \"{}\" }}\n",
            name(1),
            name(2),
            name(3),
            if format == "ucinet" { "ucinet" } else { format }
        ),
    );
    q.ok(&["run"]);
    let raw = parquet(&q, "outputs/ingest_waves/ties_raw.parquet");
    let rejects = parquet(&q, "outputs/ingest_waves/rejects.parquet");
    assert_eq!(rejects.height(), 0, "{format}: {rejects}");
    let (wave, proj, resp, alter, inten, rel) = (
        ints(&raw, "wave"),
        strs(&raw, "project"),
        strs(&raw, "respondent"),
        strs(&raw, "alter"),
        ints(&raw, "intensity"),
        strs(&raw, "relation"),
    );
    let rtype = strs(&raw, "respondent_type");
    let mut got: BTreeMap<i64, BTreeMap<(String, String), i64>> = BTreeMap::new();
    for i in 0..raw.height() {
        assert_eq!(proj[i], "WCR-01", "{format}");
        assert_eq!(rel[i], "collaboration", "{format}");
        let pair = if resp[i] <= alter[i] {
            (resp[i].clone(), alter[i].clone())
        } else {
            (alter[i].clone(), resp[i].clone())
        };
        assert!(got
            .entry(wave[i])
            .or_default()
            .insert(pair, inten[i])
            .is_none());
        if format == "graphml" {
            assert_eq!(
                rtype[i], exp.type_code[&resp[i]],
                "{format}: type of {}",
                resp[i]
            );
        }
    }
    for w in 1..=3 {
        assert_eq!(
            got.get(&w),
            exp.ties.get(&("WCR-01".to_string(), w)),
            "{format}: wave {w} differs after export and import"
        );
    }
}

#[test]
fn graphml_gexf_pajek_and_ucinet_exports_come_back_through_ingest_waves_unchanged() {
    let p = default_project();
    let exp = expected(&p);
    assert!(exp.ties[&("WCR-01".to_string(), 1)].len() > 10);
    round_trip(&p, &exp, "graphml", &|w| {
        format!("graphml/WCR-01_w{w}_collaboration.graphml")
    });
    round_trip(&p, &exp, "gexf", &|w| {
        format!("gexf/WCR-01_w{w}_collaboration.gexf")
    });
    round_trip(&p, &exp, "pajek", &|w| {
        format!("pajek/WCR-01_w{w}_collaboration.net")
    });
    round_trip(&p, &exp, "ucinet", &|w| {
        format!("ucinet/WCR-01_w{w}_collaboration_edgelist1.dl")
    });
    round_trip(&p, &exp, "ucinet", &|w| {
        format!("ucinet/WCR-01_w{w}_collaboration_fullmatrix.dl")
    });
}

#[test]
fn a_network_file_that_is_not_what_format_says_fails_with_file_and_line() {
    let q = Project {
        dir: tempfile::tempdir().unwrap(),
    };
    q.write("w1.net", "*Vertices 2\n1 \"A\"\n2 \"B\"\n*Edges\n1 7 2\n");
    q.write(
        "pipeline.toml",
        "[pipeline]\nname = \"bad\"\nseed = 1\n\n[stages.ingest_waves]\nkind = \"ingest_waves\"\ninputs = { wave1 = \"w1.net\" }\nparams = { format = \"pajek\", graph_relation = \"collaboration\" }\n",
    );
    let run = q.wecare(&["run"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("w1.net:5"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("`7` is not a vertex number between 1 and 2"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    // A weight outside 1–3 is a reject with its reason, not a lost row.
    q.write(
        "w1.net",
        "*Network P1\n*Vertices 3\n1 \"A\"\n2 \"B\"\n3 \"C\"\n*Edges\n1 2 2\n1 3 7\n",
    );
    q.ok(&["run"]);
    let rejects = parquet(&q, "outputs/ingest_waves/rejects.parquet");
    assert_eq!(strs(&rejects, "reason"), vec!["malformed_intensity"]);
    assert_eq!(ints(&rejects, "source_line"), vec![8]);
    assert_eq!(
        parquet(&q, "outputs/ingest_waves/ties_raw.parquet").height(),
        1
    );
}

#[test]
fn csv_export_matches_the_parquet_tables() {
    let p = default_project();
    p.ok(&["export", "csv", "--stage", "clean_actors"]);
    for table in ["actors", "ties", "actor_matches", "review"] {
        let from_csv = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(None)
            .try_into_reader_with_file_path(Some(
                p.path()
                    .join(format!("exports/csv/clean_actors/{table}.csv")),
            ))
            .unwrap()
            .finish()
            .unwrap();
        let from_parquet = parquet(&p, &format!("outputs/clean_actors/{table}.parquet"));
        assert_eq!(from_csv.shape(), from_parquet.shape(), "{table}");
        assert_eq!(
            from_csv.get_column_names(),
            from_parquet.get_column_names(),
            "{table}"
        );
    }
    let ties = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(p.path().join("exports/csv/clean_actors/ties.csv")))
        .unwrap()
        .finish()
        .unwrap();
    let committed = parquet(&p, "outputs/clean_actors/ties.parquet");
    assert_eq!(strs(&ties, "source"), strs(&committed, "source"));
    assert_eq!(ints(&ties, "weight"), ints(&committed, "weight"));
}

const NX_SCRIPT: &str = r#"
import json, sys
import networkx as nx
from networkx.readwrite.gexf import GEXF
# NetworkX knows GEXF 1.1draft and 1.2draft; 1.3 differs in its namespace only for what is read.
GEXF.versions["1.3"] = {
    "NS_GEXF": "http://gexf.net/1.3",
    "NS_VIZ": "http://gexf.net/1.3/viz",
    "NS_XSI": "http://www.w3.org/2001/XMLSchema-instance",
    "SCHEMALOCATION": "http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd",
    "VERSION": "1.3",
}
out = {}
for kind, path in zip(sys.argv[1::2], sys.argv[2::2]):
    if kind == "graphml":
        g = nx.read_graphml(path)
    elif kind == "gexf":
        g = nx.read_gexf(path, version="1.3")
    else:
        g = nx.Graph(nx.read_pajek(path))
    nodes = {}
    for n, d in g.nodes(data=True):
        label = d.get("label", n)
        nodes[label] = {k: d[k] for k in ("type_code", "sector", "degree", "core_number") if k in d}
    edges = []
    for u, v, d in g.edges(data=True):
        a = g.nodes[u].get("label", u)
        b = g.nodes[v].get("label", v)
        edges.append(sorted([a, b]) + [d.get("weight")])
    out[kind] = {"directed": g.is_directed(), "nodes": nodes, "edges": sorted(edges)}
print(json.dumps(out))
"#;

#[test]
fn networkx_reads_graphml_gexf_and_pajek_with_the_same_nodes_edges_and_attributes() {
    let Some(python) = python() else { return };
    let p = default_project();
    p.ok(&["export", "pajek", "--out", "exp"]);
    let exp = expected(&p);
    let nm = parquet(&p, "outputs/compute_metrics/node_metrics.parquet");
    for wave in [1_i64, 3] {
        let stem = format!("WCR-05_w{wave}_collaboration");
        let script = p.path().join("nx_check.py");
        std::fs::write(&script, NX_SCRIPT).unwrap();
        let base = p.path().join("outputs/export_networks");
        let run = Command::new(&python)
            .arg(&script)
            .arg("graphml")
            .arg(base.join(format!("graphml/{stem}.graphml")))
            .arg("gexf")
            .arg(base.join(format!("gexf/{stem}.gexf")))
            .arg("pajek")
            .arg(p.path().join(format!("exp/pajek/{stem}.net")))
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let json: Value = serde_json::from_slice(&run.stdout).unwrap();
        // Expected: the node set of compute_metrics (isolates included) and the tie set.
        let (pp, ww, ll, aa) = (
            strs(&nm, "project"),
            ints(&nm, "wave"),
            strs(&nm, "layer"),
            strs(&nm, "actor_id"),
        );
        let degree: Vec<f64> = nm
            .column("degree")
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .map(|v| v.unwrap())
            .collect();
        let mut nodes: BTreeMap<String, f64> = BTreeMap::new();
        for i in 0..nm.height() {
            if pp[i] == "WCR-05" && ww[i] == wave && ll[i] == "collaboration" {
                nodes.insert(exp.name[&aa[i]].clone(), degree[i]);
            }
        }
        let ties = &exp.ties[&("WCR-05".to_string(), wave)];
        for kind in ["graphml", "gexf", "pajek"] {
            let g = &json[kind];
            assert_eq!(g["directed"], false, "{kind}");
            let got_nodes: BTreeSet<String> =
                g["nodes"].as_object().unwrap().keys().cloned().collect();
            assert_eq!(
                got_nodes,
                nodes.keys().cloned().collect(),
                "{kind} wave {wave}: nodes"
            );
            let got_edges: BTreeMap<(String, String), f64> = g["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        (
                            e[0].as_str().unwrap().to_string(),
                            e[1].as_str().unwrap().to_string(),
                        ),
                        e[2].as_f64().unwrap(),
                    )
                })
                .collect();
            let want: BTreeMap<(String, String), f64> =
                ties.iter().map(|(k, w)| (k.clone(), *w as f64)).collect();
            assert_eq!(got_edges, want, "{kind} wave {wave}: edges");
            if kind != "pajek" {
                for (name, attrs) in g["nodes"].as_object().unwrap() {
                    assert_eq!(
                        attrs["type_code"].as_str().unwrap(),
                        exp.type_code[name],
                        "{kind}"
                    );
                    assert_eq!(
                        attrs["degree"].as_f64().unwrap(),
                        nodes[name],
                        "{kind}: {name}"
                    );
                    assert!(
                        attrs["core_number"].is_i64(),
                        "{kind}: core_number is typed long"
                    );
                }
            }
        }
    }
}

fn query_json(p: &Project, sql: &str) -> Vec<Value> {
    let run = p.ok(&["query", sql, "--json"]);
    serde_json::from_str::<Value>(&run.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn query_answers_median_density_by_wave_and_network_type_as_polars_does() {
    let p = default_project();
    let rows = query_json(
        &p,
        "SELECT wave, network_type, median(density) AS median_density, count(*) AS n FROM \"compute_metrics.network_metrics\" WHERE layer = 'collaboration' GROUP BY wave, network_type ORDER BY wave, network_type",
    );
    let want = parquet(&p, "outputs/compute_metrics/network_metrics.parquet")
        .lazy()
        .filter(col("layer").eq(lit("collaboration")))
        .group_by([col("wave"), col("network_type")])
        .agg([
            col("density").median().alias("median_density"),
            len().alias("n"),
        ])
        .sort(["wave", "network_type"], SortMultipleOptions::default())
        .collect()
        .unwrap();
    assert_eq!(rows.len(), want.height());
    assert!(want.height() >= 6, "{want}");
    let (w, t, n) = (
        ints(&want, "wave"),
        strs(&want, "network_type"),
        ints(&want, "n"),
    );
    let m: Vec<f64> = want
        .column("median_density")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect();
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row["wave"].as_i64().unwrap(), w[i]);
        assert_eq!(row["network_type"].as_str().unwrap(), t[i]);
        assert_eq!(row["n"].as_i64().unwrap(), n[i]);
        assert!((row["median_density"].as_f64().unwrap() - m[i]).abs() < 1e-12);
    }
}

#[test]
fn query_answers_rejects_by_reason_and_file_under_both_table_names() {
    let p = default_project();
    let sql = |name: &str| {
        format!("SELECT reason, source_file, count(*) AS n FROM {name} GROUP BY reason, source_file ORDER BY reason, source_file")
    };
    let quoted = query_json(&p, &sql("\"ingest_waves.rejects\""));
    let plain = query_json(&p, &sql("ingest_waves_rejects"));
    assert_eq!(quoted, plain);
    let rejects = parquet(&p, "outputs/ingest_waves/rejects.parquet");
    let mut want: BTreeMap<(String, String), i64> = BTreeMap::new();
    for (r, f) in strs(&rejects, "reason")
        .into_iter()
        .zip(strs(&rejects, "source_file"))
    {
        *want.entry((r, f)).or_default() += 1;
    }
    let got: BTreeMap<(String, String), i64> = quoted
        .iter()
        .map(|r| {
            (
                (
                    r["reason"].as_str().unwrap().to_string(),
                    r["source_file"].as_str().unwrap().to_string(),
                ),
                r["n"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(got.values().sum::<i64>(), rejects.height() as i64);
    let csv = p.ok(&["query", &sql("ingest_waves_rejects"), "--csv"]);
    assert!(
        csv.stdout.starts_with("reason,source_file,n\n"),
        "{}",
        csv.stdout
    );
    assert_eq!(csv.stdout.lines().count(), want.len() + 1);
}

#[test]
fn query_errors_name_the_unknown_table_or_column_and_exit_2_without_a_backtrace() {
    let p = default_project();
    let before = p.snapshot_files();
    for (sql, needle) in [
        (
            "SELECT * FROM \"clean_actors.tie\"",
            "unknown table `clean_actors.tie`",
        ),
        (
            "SELECT nocol FROM clean_actors_ties",
            "unknown column `nocol`",
        ),
        ("DROP TABLE clean_actors_ties", "only SELECT queries"),
        ("SELEC 1", "only SELECT queries"),
    ] {
        let run = p.wecare(&["query", sql]);
        assert_eq!(run.code, 2, "{sql}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{sql}: {}", run.stderr);
        assert!(run.stderr.contains("hint:"), "{sql}: {}", run.stderr);
        for bad in ["panicked", "backtrace", "RUST_BACKTRACE"] {
            assert!(!run.stderr.contains(bad), "{sql}: {}", run.stderr);
        }
    }
    let run = p.wecare(&["query", "SELECT * FROM \"clean_actors.tie\""]);
    assert!(
        run.stderr.contains("did you mean `clean_actors.ties`"),
        "{}",
        run.stderr
    );
    assert_eq!(
        p.snapshot_files(),
        before,
        "a query changed outputs or the lock"
    );
}

#[test]
fn run_only_refuses_a_stale_upstream_and_concurrent_only_runs_keep_every_lock_entry() {
    let p = default_project();
    p.ok(&["clean", "describe_waves", "clean_actors_confirmed"]);
    let a = p
        .command(&["run", "--only", "describe_waves"])
        .spawn()
        .unwrap();
    let b = p
        .command(&["run", "--only", "clean_actors_confirmed"])
        .spawn()
        .unwrap();
    assert!(a.wait_with_output().unwrap().status.success());
    assert!(b.wait_with_output().unwrap().status.success());
    let status = p.status();
    for stage in ["describe_waves", "clean_actors_confirmed", "ingest_waves"] {
        assert_eq!(status[stage].0, "fresh", "{stage}: {:?}", status[stage].1);
    }
    let fresh = p.ok(&["run", "--only", "describe_waves"]);
    assert!(fresh.stdout.contains("nothing to do"), "{}", fresh.stdout);
    // An upstream change makes --only refuse, naming the stale stage.
    p.edit(
        "pipeline.toml",
        "params = { fuzzy_threshold = 0.9, symmetrize = \"union\" }",
        "params = { fuzzy_threshold = 0.91, symmetrize = \"union\" }",
    );
    let refused = p.wecare(&["run", "--only", "compute_metrics"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("upstream stage `clean_actors`"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("fuzzy_threshold"),
        "{}",
        refused.stderr
    );
}

#[test]
fn snakemake_runs_the_exported_snakefile_to_the_same_bytes_as_wecare_run() {
    let Some(python) = python() else { return };
    let snakemake = python.parent().unwrap().join("snakemake");
    assert!(
        snakemake.is_file(),
        "no snakemake next to {}",
        python.display()
    );
    let p = default_project();
    let committed = p.snapshot_files();
    let text = p.ok(&["export", "snakemake"]).stdout;
    assert!(text.contains("rule compute_metrics:"), "{text}");
    assert!(text.contains("run --only compute_metrics"), "{text}");
    p.write("Snakefile", &text);
    p.ok(&["clean"]);
    assert!(!p.path().join("outputs/clean_actors").exists());
    let cache = tempfile::tempdir().unwrap();
    let run = Command::new(&snakemake)
        .current_dir(p.path())
        .args(["--cores", "2", "--config"])
        .arg(format!("wecare={}", env!("CARGO_BIN_EXE_wecare")))
        .env("XDG_CACHE_HOME", cache.path())
        .env("HOME", cache.path())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "snakemake failed:\n{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let rerun = p.snapshot_files();
    assert_eq!(
        committed.keys().collect::<Vec<_>>(),
        rerun.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &committed {
        assert!(
            bytes == &rerun[name],
            "{name} differs after the Snakemake run"
        );
    }
    assert!(p.stale().is_empty(), "{:?}", p.stale());
}

/// xmllint (Debian's libxml2-utils; `.ci/run` installs it), or `None` (skip) when it is missing
/// and tools are not required.
fn xmllint() -> Option<PathBuf> {
    let required = std::env::var("WECARE_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    let found = std::env::var_os("WECARE_XMLLINT")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join("xmllint"))
                    .find(|p| p.is_file())
            })
        });
    if found.is_none() {
        assert!(
            !required,
            "WECARE_REQUIRE_TOOLS=1 but xmllint is not installed (apt-get install libxml2-utils)"
        );
        eprintln!("note: xmllint not found: skipping the XSD checks");
    }
    found
}

/// Validates `files` against `schema`; returns xmllint's verdict per file.
fn validate(xmllint: &Path, schema: &str, files: &[PathBuf]) -> (bool, String) {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/schemas")
        .join(schema);
    let out = Command::new(xmllint)
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .args(files)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn files_with(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    out.sort();
    out
}

/// Every GraphML file validates against the GraphML schema and every GEXF file against the
/// GEXF 1.3 schema (both under tests/schemas/), for the default project's files and for names
/// full of what XML must escape; a broken file fails, so the schemas are not vacuous.
#[test]
fn graphml_and_gexf_files_validate_against_their_schemas() {
    let Some(xmllint) = xmllint() else { return };
    let p = default_project();
    let out = p.path().join("outputs/export_networks");
    let graphml = files_with(&out.join("graphml"), "graphml");
    let gexf = files_with(&out.join("gexf"), "gexf");
    assert_eq!((graphml.len(), gexf.len()), (88, 88));
    let (ok, log) = validate(&xmllint, "graphml.xsd", &graphml);
    assert!(ok, "{log}");
    let (ok, log) = validate(&xmllint, "gexf-1.3.xsd", &gexf);
    assert!(ok, "{log}");

    // Names with markup characters, quotes and non-ASCII letters, through the stage and
    // through `wecare export`.
    let dir = tempfile::tempdir().unwrap();
    let q = Project { dir };
    q.ok(&["new", "."]);
    q.write(
        "data/raw/wave1.csv",
        "project,respondent,respondent_type,alter,alter_type,relation,intensity\n\
         EXAMPLE,\"Coop \"\"L'Arca\"\" & <Figli>\",Cooperativa,Società Àncora — ONLUS,Associazione,collaboration,2\n\
         EXAMPLE,Società Àncora — ONLUS,Associazione,Comune di Cuneo ]]> 1,Comune,collaboration,3\n",
    );
    q.write(
        "data/raw/roster1.csv",
        "project,organisation,organisation_type,responded\n\
         EXAMPLE,\"Coop \"\"L'Arca\"\" & <Figli>\",Cooperativa,yes\n\
         EXAMPLE,Società Àncora — ONLUS,Associazione,yes\n",
    );
    q.ok(&["run"]);
    let export = q.path().join("exported");
    for format in ["graphml", "gexf"] {
        q.ok(&["export", format, "--out", export.to_str().unwrap()]);
    }
    let out = q.path().join("outputs/export_networks");
    let mut graphml = files_with(&out.join("graphml"), "graphml");
    graphml.extend(files_with(&export.join("graphml"), "graphml"));
    let mut gexf = files_with(&out.join("gexf"), "gexf");
    gexf.extend(files_with(&export.join("gexf"), "gexf"));
    // Stage and on-demand files alike: the one project's wave-1 collaboration network (no prior
    // ties were reported), in each place.
    assert_eq!((graphml.len(), gexf.len()), (2, 2), "{graphml:?}");
    let text = std::fs::read_to_string(&gexf[0]).unwrap();
    assert!(
        text.contains("&amp;") && text.contains("&lt;Figli&gt;"),
        "{text}"
    );
    let (ok, log) = validate(&xmllint, "graphml.xsd", &graphml);
    assert!(ok, "{log}");
    let (ok, log) = validate(&xmllint, "gexf-1.3.xsd", &gexf);
    assert!(ok, "{log}");

    // The schemas catch an edge to an unknown node, an undeclared attribute and a bad type.
    let bad = tempfile::tempdir().unwrap();
    let rejected = |schema: &str, file: &Path, edits: [(&str, &str); 3]| {
        let one = std::fs::read_to_string(file).unwrap();
        let ext = file.extension().unwrap().to_string_lossy();
        for (i, (from, to)) in edits.into_iter().enumerate() {
            let broken = one.replacen(from, to, 1);
            assert_ne!(broken, one);
            let f = bad.path().join(format!("broken{i}.{ext}"));
            std::fs::write(&f, &broken).unwrap();
            assert!(!validate(&xmllint, schema, &[f]).0, "{broken}");
        }
    };
    rejected(
        "graphml.xsd",
        &graphml[0],
        [
            ("target=\"", "target=\"nobody"),
            ("<data key=\"n0\">", "<data key=\"undeclared\">"),
            ("attr.type=\"double\"", "attr.type=\"real\""),
        ],
    );
    rejected(
        "gexf-1.3.xsd",
        &gexf[0],
        [
            ("source=\"", "source=\"nobody"),
            ("for=\"n0\"", "for=\"undeclared\""),
            ("version=\"1.3\"", "version=\"1.2\""),
        ],
    );
}
