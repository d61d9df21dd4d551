//! The node-metric suite of `compute_metrics` on per-project networks, timed (issue 13's
//! side-by-side benchmark with NetworkX and python-igraph; `bench/run.sh` drives it).
//!
//! ```text
//! metric_suite export TIES.parquet EDGES.csv [LAYER] [WAVE]
//!     one network per project: the ties of LAYER (default collaboration) in WAVE (default 1)
//!     from clean_actors.ties, written as `project,source,target` sorted
//! metric_suite run EDGES.csv VALUES.csv [REPS]
//!     the nine node metrics (degree, betweenness, closeness, harmonic, eigenvector, clustering,
//!     core number, constraint, effective size) on every network, REPS times (default 5) on one
//!     thread and on all threads; prints the median seconds of each; writes the values of one
//!     run as `project,node,metric,value` (nodes are the sorted actor ids)
//! ```
//!
//! The networks hold the ties' endpoints only (no isolates), so the three tools see the same
//! graphs whatever they do with roster-only organisations.
use std::collections::BTreeMap;
use std::error::Error;
use std::io::Write;
use std::time::Instant;

use polars::prelude::*;
use rayon::prelude::*;
use wecare_stages::compute_metrics::graph::{node_metrics, Net, NodeMetrics};

type Networks = Vec<(String, Vec<String>, Net)>;

fn main() {
    if let Err(e) = real_main() {
        eprintln!("metric_suite: {e}");
        std::process::exit(2);
    }
}

fn real_main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("export") if args.len() >= 3 => export(
            &args[1],
            &args[2],
            args.get(3).map_or("collaboration", String::as_str),
            args.get(4).map_or(Ok(1), |w| w.parse())?,
        ),
        Some("run") if args.len() >= 3 => run(
            &args[1],
            &args[2],
            args.get(3).map_or(Ok(5), |r| r.parse())?,
        ),
        _ => Err("usage: metric_suite export TIES.parquet EDGES.csv [LAYER] [WAVE] | metric_suite run EDGES.csv VALUES.csv [REPS]".into()),
    }
}

fn export(ties: &str, out: &str, layer: &str, wave: i64) -> Result<(), Box<dyn Error>> {
    let df = ParquetReader::new(std::fs::File::open(ties)?)
        .finish()?
        .lazy()
        .filter(
            col("layer")
                .eq(lit(layer))
                .and(col("wave").cast(DataType::Int64).eq(lit(wave))),
        )
        .select([col("project"), col("source"), col("target")])
        .collect()?;
    let strs = |name: &str| -> Result<Vec<String>, Box<dyn Error>> {
        Ok(df
            .column(name)?
            .str()?
            .iter()
            .map(|v| v.unwrap_or_default().to_string())
            .collect())
    };
    let (p, s, t) = (strs("project")?, strs("source")?, strs("target")?);
    let mut rows: Vec<(&str, &str, &str)> = (0..p.len())
        .map(|i| {
            let (a, b) = if s[i] <= t[i] {
                (&s[i], &t[i])
            } else {
                (&t[i], &s[i])
            };
            (p[i].as_str(), a.as_str(), b.as_str())
        })
        .filter(|(_, a, b)| a != b)
        .collect();
    rows.sort_unstable();
    rows.dedup();
    let mut w = std::io::BufWriter::new(std::fs::File::create(out)?);
    writeln!(w, "project,source,target")?;
    for (p, a, b) in &rows {
        writeln!(w, "{p},{a},{b}")?;
    }
    w.flush()?;
    let projects: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.0).collect();
    println!(
        "{} networks, {} ties ({layer}, wave {wave}) → {out}",
        projects.len(),
        rows.len()
    );
    Ok(())
}

fn read_networks(path: &str) -> Result<Networks, Box<dyn Error>> {
    let mut reader = csv::Reader::from_path(path)?;
    let mut by_project: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for record in reader.records() {
        let r = record?;
        by_project
            .entry(r[0].to_string())
            .or_default()
            .push((r[1].to_string(), r[2].to_string()));
    }
    Ok(by_project
        .into_iter()
        .map(|(p, ties)| {
            let mut nodes: Vec<String> = ties
                .iter()
                .flat_map(|(a, b)| [a.clone(), b.clone()])
                .collect();
            nodes.sort();
            nodes.dedup();
            let index: BTreeMap<&String, usize> =
                nodes.iter().enumerate().map(|(i, n)| (n, i)).collect();
            let edges = ties
                .iter()
                .map(|(a, b)| (index[a], index[b], 1.0))
                .collect();
            let net = Net::new(nodes.len(), edges);
            (p, nodes, net)
        })
        .collect())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn run(edges: &str, values: &str, reps: usize) -> Result<(), Box<dyn Error>> {
    let nets = read_networks(edges)?;
    let sizes: Vec<usize> = nets.iter().map(|(_, _, n)| n.n).collect();
    println!(
        "{} networks, nodes {}–{}",
        nets.len(),
        sizes.iter().min().unwrap_or(&0),
        sizes.iter().max().unwrap_or(&0)
    );
    let suite = |(_, _, net): &(String, Vec<String>, Net)| node_metrics(net, false);
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let mut serial = Vec::new();
    let mut parallel = Vec::new();
    let mut last: Vec<NodeMetrics> = Vec::new();
    for _ in 0..reps.max(1) {
        let t = Instant::now();
        last = one.install(|| nets.iter().map(suite).collect());
        serial.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let again: Vec<NodeMetrics> = nets.par_iter().map(suite).collect();
        parallel.push(t.elapsed().as_secs_f64());
        assert_eq!(again.len(), last.len());
    }
    println!(
        "wecare 1 thread: median {:.4} s; {} threads: median {:.4} s ({} runs)",
        median(serial),
        rayon::current_num_threads(),
        median(parallel),
        reps.max(1)
    );
    let mut w = std::io::BufWriter::new(std::fs::File::create(values)?);
    writeln!(w, "project,node,metric,value")?;
    for ((p, nodes, _), m) in nets.iter().zip(&last) {
        #[allow(clippy::cast_precision_loss)]
        let cores: Vec<f64> = m.core_number.iter().map(|&c| c as f64).collect();
        let metrics: [(&str, &[f64]); 9] = [
            ("degree", &m.degree),
            ("betweenness", &m.betweenness),
            ("closeness", &m.closeness),
            ("harmonic", &m.harmonic),
            ("eigenvector", &m.eigenvector),
            ("clustering", &m.clustering),
            ("core_number", &cores),
            ("constraint", &m.constraint),
            ("effective_size", &m.effective_size),
        ];
        for (name, v) in metrics {
            for (node, x) in nodes.iter().zip(v) {
                writeln!(w, "{p},{node},{name},{x:?}")?;
            }
        }
    }
    w.flush()?;
    Ok(())
}
