//! `export_networks`: the cleaned project networks as files other network tools open — GraphML
//! and GEXF 1.3 (Gephi, yEd, NetworkX, igraph, R), Pajek `.net` and UCINET DL (`edgelist1` and
//! `fullmatrix`).
//!
//! One file per project, wave and layer: `<format>/<project>_w<wave>_<layer>.<ext>` (for UCINET,
//! `ucinet/<project>_w<wave>_<layer>_edgelist1.dl` and `…_fullmatrix.dl`). The nodes of a
//! network are the actors `compute_metrics` measured in it (surveyed organisations are nodes even
//! without ties) plus every tie endpoint, sorted by actor id; its edges are the undirected ties,
//! sorted by (source, target). GraphML and GEXF carry typed attributes: the actor's name (label),
//! `type_code`, `sector`, `ente_gestore`, the project's `territory` (from the `projects` file)
//! and every node metric; edges carry `weight`, `reports` and `reconstructed`.
//!
//! The table `networks` lists every file written, with its node and edge counts. `wecare export
//! FORMAT` runs this kind with `formats = [FORMAT]` and writes the files elsewhere.
use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::graph_formats::{
    write_gexf, write_graphml, write_pajek, write_ucinet, AttrType, DlFormat, Edge, Key, Network,
    Node, Value,
};
use crate::networks::{col_i64, col_str};
use crate::{KindSpec, Slot, StageError, StageInput, StageOutput};

/// The kind's declaration.
pub static SPEC: KindSpec = KindSpec {
    name: "export_networks",
    summary: "the project networks as GraphML, GEXF 1.3, Pajek .net and UCINET DL files, one per project, wave and layer",
    slots: &[
        Slot {
            name: "ties",
            numbered: false,
            required: true,
            table: true,
            doc: "clean_actors.ties",
        },
        Slot {
            name: "actors",
            numbered: false,
            required: true,
            table: true,
            doc: "clean_actors.actors (name, type_code, sector, ente_gestore)",
        },
        Slot {
            name: "node_metrics",
            numbered: false,
            required: false,
            table: true,
            doc: "compute_metrics.node_metrics (node set and node attributes)",
        },
        Slot {
            name: "projects",
            numbered: false,
            required: false,
            table: false,
            doc: "projects.csv (the `territory` of each project)",
        },
    ],
    outputs: &["networks"],
    normalize: crate::params::normalize::<Params>,
    run,
};

/// A file format the kind writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// GraphML.
    Graphml,
    /// GEXF 1.3.
    Gexf,
    /// Pajek `.net`.
    Pajek,
    /// UCINET DL, `edgelist1` and `fullmatrix`.
    Ucinet,
}

impl Format {
    /// Every format, in the order files are listed.
    pub const ALL: [Format; 4] = [Format::Gexf, Format::Graphml, Format::Pajek, Format::Ucinet];

    /// The name used in params, folders and `wecare export`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Format::Graphml => "graphml",
            Format::Gexf => "gexf",
            Format::Pajek => "pajek",
            Format::Ucinet => "ucinet",
        }
    }

    /// The format called `name`, if any.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Params of `export_networks`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The formats to write: any of "graphml", "gexf", "pajek", "ucinet".
    #[serde(default = "default_formats")]
    pub formats: Vec<Format>,
    /// The layers to export (each with every wave it has).
    #[serde(default = "default_layers")]
    pub layers: Vec<String>,
    /// The `projects` file's project-code column.
    #[serde(default = "default_project_column")]
    pub project_column: String,
    /// The `projects` file's territory column.
    #[serde(default = "default_territory_column")]
    pub territory_column: String,
}

fn default_formats() -> Vec<Format> {
    vec![Format::Gexf, Format::Graphml]
}

fn default_layers() -> Vec<String> {
    vec!["collaboration".into(), "prior".into()]
}

fn default_project_column() -> String {
    "project".into()
}

fn default_territory_column() -> String {
    "territory".into()
}

/// (project, wave, layer).
type NetKey = (String, i64, String);

/// Columns of `node_metrics` that identify a row rather than describe the actor.
const METRIC_KEYS: &[&str] = &[
    "project",
    "wave",
    "layer",
    "actor_id",
    "type_code",
    "sector",
];

/// Runs the stage.
///
/// # Errors
/// When an input table lacks its canonical columns, a param names an unknown layer, or the
/// `projects` file cannot be read.
pub fn run(input: &StageInput) -> Result<StageOutput, StageError> {
    let params: Params = input.params()?;
    if params.formats.is_empty() {
        return Err(StageError::Compute(
            "param `formats` is empty: name at least one of graphml, gexf, pajek, ucinet".into(),
        ));
    }
    let nets = build(input, &params)?;
    // A layer the data do not have (no prior layer in a one-wave project) gives no networks.
    let known: BTreeSet<String> = col_str(input.table("ties")?, "layer")?
        .into_iter()
        .collect();
    let absent: Vec<&str> = params
        .layers
        .iter()
        .filter(|l| !known.contains(*l))
        .map(String::as_str)
        .collect();
    let mut files = BTreeMap::new();
    let (mut project, mut wave, mut layer, mut format, mut file, mut nodes, mut edges) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    let formats: BTreeSet<Format> = params.formats.iter().copied().collect();
    for ((p, w, l), net) in &nets {
        for f in &formats {
            for (name, mut bytes) in render(*f, &format!("{p}_w{w}_{l}"), net) {
                // Every file is held until the engine writes them all: without the slack of a
                // growing buffer (at 10,000 projects 1.6 GB of files took 2.5 GB).
                bytes.shrink_to_fit();
                project.push(p.clone());
                wave.push(*w);
                layer.push(l.clone());
                format.push(f.name());
                file.push(name.clone());
                nodes.push(net.nodes.len() as i64);
                edges.push(net.edges.len() as i64);
                files.insert(name, bytes);
            }
        }
    }
    let mut summary = vec![format!(
        "{} networks × {} format{} = {} files",
        nets.len(),
        formats.len(),
        if formats.len() == 1 { "" } else { "s" },
        files.len()
    )];
    if !absent.is_empty() {
        summary.push(format!(
            "layer{} `{}` not in the ties table (it has: {}): no networks",
            if absent.len() == 1 { "" } else { "s" },
            absent.join("`, `"),
            known.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    let table = df!(
        "project" => project,
        "wave" => wave,
        "layer" => layer,
        "format" => format,
        "file" => file,
        "nodes" => nodes,
        "edges" => edges,
    )?
    .sort(
        ["project", "wave", "layer", "file"],
        SortMultipleOptions::default(),
    )?;
    let mut tables = BTreeMap::new();
    tables.insert("networks".to_string(), table);
    Ok(StageOutput {
        tables,
        files,
        summary,
    })
}

/// The files this kind writes under `outputs/<stage>/` (see [`crate::file_outputs`]).
pub const FILES: &[&str] = &[
    "gexf/*.gexf",
    "graphml/*.graphml",
    "pajek/*.net",
    "ucinet/*.dl",
];

/// The files of one network in one format: (relative path, bytes).
#[must_use]
pub fn render(format: Format, stem: &str, net: &Network) -> Vec<(String, Vec<u8>)> {
    let dir = format.name();
    match format {
        Format::Graphml => vec![(format!("{dir}/{stem}.graphml"), write_graphml(&[net]))],
        Format::Gexf => vec![(format!("{dir}/{stem}.gexf"), write_gexf(net))],
        Format::Pajek => vec![(format!("{dir}/{stem}.net"), write_pajek(net))],
        Format::Ucinet => vec![
            (
                format!("{dir}/{stem}_edgelist1.dl"),
                write_ucinet(net, DlFormat::Edgelist1),
            ),
            (
                format!("{dir}/{stem}_fullmatrix.dl"),
                write_ucinet(net, DlFormat::Fullmatrix),
            ),
        ],
    }
}

/// The project networks of the input tables, sorted by (project, wave, layer).
///
/// # Errors
/// When a table lacks its canonical columns or the `projects` file cannot be read.
pub fn build(input: &StageInput, params: &Params) -> Result<BTreeMap<NetKey, Network>, StageError> {
    let ties = input.table("ties")?;
    let actors = input.table("actors")?;
    let layers: BTreeSet<&str> = params.layers.iter().map(String::as_str).collect();
    let territory = match input.files.get("projects") {
        Some(file) => read_territories(&file.path, &file.display, params)?,
        None => BTreeMap::new(),
    };
    // Actor attributes.
    let ids = col_str(actors, "actor_id")?;
    let names = col_str(actors, "name")?;
    let types = col_str(actors, "type_code")?;
    let sectors = col_str(actors, "sector")?;
    let eg: Vec<Option<bool>> = match actors.column("ente_gestore") {
        Ok(c) => c.bool()?.iter().collect(),
        Err(_) => vec![None; ids.len()],
    };
    let actor: BTreeMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, a)| (a.as_str(), i))
        .collect();
    // Node metrics: node sets and per-node values.
    let mut metric_keys: Vec<Key> = Vec::new();
    let mut node_sets: BTreeMap<NetKey, BTreeMap<String, Vec<Option<Value>>>> = BTreeMap::new();
    if let Some(nm) = input.tables.get("node_metrics") {
        let mut columns: Vec<(Key, Column)> = Vec::new();
        for c in nm.columns() {
            let name = c.name().as_str();
            if METRIC_KEYS.contains(&name) {
                continue;
            }
            let ty = match c.dtype() {
                DataType::Float32 | DataType::Float64 => AttrType::Double,
                DataType::Boolean => AttrType::Boolean,
                DataType::String => AttrType::String,
                d if d.is_integer() => AttrType::Int,
                _ => continue,
            };
            columns.push((Key::new(name, ty), c.clone()));
        }
        metric_keys = columns.iter().map(|(k, _)| k.clone()).collect();
        let (p, w, l, a) = (
            col_str(nm, "project")?,
            col_i64(nm, "wave")?,
            col_str(nm, "layer")?,
            col_str(nm, "actor_id")?,
        );
        let values: Vec<Vec<Option<Value>>> = columns
            .iter()
            .map(|(k, c)| column_values(k.ty, c))
            .collect::<Result<_, _>>()?;
        for i in 0..p.len() {
            if !layers.contains(l[i].as_str()) {
                continue;
            }
            let row = values.iter().map(|v| v[i].clone()).collect();
            node_sets
                .entry((p[i].clone(), w[i], l[i].clone()))
                .or_default()
                .insert(a[i].clone(), row);
        }
    }
    // Ties.
    let (p, w, l, s, t) = (
        col_str(ties, "project")?,
        col_i64(ties, "wave")?,
        col_str(ties, "layer")?,
        col_str(ties, "source")?,
        col_str(ties, "target")?,
    );
    let weight: Vec<Option<f64>> = ties
        .column("weight")
        .map_err(|_| StageError::Compute("input table lacks column `weight`".into()))?
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .collect();
    let reports: Vec<Option<i64>> = match ties.column("reports") {
        Ok(c) => c.cast(&DataType::Int64)?.i64()?.iter().collect(),
        Err(_) => vec![None; p.len()],
    };
    let reconstructed: Vec<Option<bool>> = match ties.column("reconstructed") {
        Ok(c) => c.bool()?.iter().collect(),
        Err(_) => vec![None; p.len()],
    };
    let mut tie_sets: BTreeMap<NetKey, BTreeMap<(String, String), usize>> = BTreeMap::new();
    for i in 0..p.len() {
        if !layers.contains(l[i].as_str()) {
            continue;
        }
        let (a, b) = if s[i] <= t[i] {
            (&s[i], &t[i])
        } else {
            (&t[i], &s[i])
        };
        tie_sets
            .entry((p[i].clone(), w[i], l[i].clone()))
            .or_default()
            .insert((a.clone(), b.clone()), i);
    }
    let keys: BTreeSet<NetKey> = node_sets.keys().chain(tie_sets.keys()).cloned().collect();
    let mut node_keys = vec![
        Key::new("type_code", AttrType::String),
        Key::new("sector", AttrType::String),
        Key::new("ente_gestore", AttrType::Boolean),
        Key::new("territory", AttrType::String),
    ];
    node_keys.extend(metric_keys.iter().cloned());
    let mut out = BTreeMap::new();
    for key in keys {
        let (project, wave, layer) = &key;
        let terr = territory.get(project).cloned();
        let empty_ties = BTreeMap::new();
        let tie_set = tie_sets.get(&key).unwrap_or(&empty_ties);
        let mut members: BTreeMap<String, Vec<Option<Value>>> =
            node_sets.get(&key).cloned().unwrap_or_default();
        for (a, b) in tie_set.keys() {
            for x in [a, b] {
                members
                    .entry(x.clone())
                    .or_insert_with(|| vec![None; metric_keys.len()]);
            }
        }
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        let mut nodes = Vec::with_capacity(members.len());
        for (id, metrics) in members {
            let row = actor.get(id.as_str()).copied();
            let text = |v: &[String]| row.map(|r| Value::Str(v[r].clone()));
            let mut attrs = vec![
                text(&types),
                text(&sectors),
                row.and_then(|r| eg[r]).map(Value::Bool),
                terr.clone().map(Value::Str),
            ];
            attrs.extend(metrics);
            index.insert(id.clone(), nodes.len());
            nodes.push(Node {
                label: row.map(|r| names[r].clone()),
                id,
                attrs,
            });
        }
        let edges = tie_set
            .iter()
            .map(|((a, b), &i)| Edge {
                source: index[a],
                target: index[b],
                weight: weight[i],
                attrs: vec![
                    reports[i].map(Value::Int),
                    reconstructed[i].map(Value::Bool),
                ],
                line: 0,
            })
            .collect();
        let mut graph_attrs = vec![
            (
                Key::new("project", AttrType::String),
                Value::Str(project.clone()),
            ),
            (Key::new("wave", AttrType::Int), Value::Int(*wave)),
            (
                Key::new("layer", AttrType::String),
                Value::Str(layer.clone()),
            ),
        ];
        if let Some(t) = terr {
            graph_attrs.push((Key::new("territory", AttrType::String), Value::Str(t)));
        }
        out.insert(
            key.clone(),
            Network {
                name: project.clone(),
                graph_attrs,
                node_keys: node_keys.clone(),
                nodes,
                edge_keys: vec![
                    Key::new("reports", AttrType::Int),
                    Key::new("reconstructed", AttrType::Boolean),
                ],
                edges,
            },
        );
    }
    Ok(out)
}

fn column_values(ty: AttrType, c: &Column) -> Result<Vec<Option<Value>>, StageError> {
    Ok(match ty {
        AttrType::Double => c
            .cast(&DataType::Float64)?
            .f64()?
            .iter()
            .map(|v| v.map(Value::Float))
            .collect(),
        AttrType::Int => c
            .cast(&DataType::Int64)?
            .i64()?
            .iter()
            .map(|v| v.map(Value::Int))
            .collect(),
        AttrType::Boolean => c.bool()?.iter().map(|v| v.map(Value::Bool)).collect(),
        AttrType::String => c
            .str()?
            .iter()
            .map(|v| v.map(|s| Value::Str(s.to_string())))
            .collect(),
    })
}

/// project code → territory, from a UTF-8 CSV with a header.
fn read_territories(
    path: &std::path::Path,
    display: &str,
    params: &Params,
) -> Result<BTreeMap<String, String>, StageError> {
    let fail = |message: String, line: Option<u64>, column: Option<String>| {
        StageError::Input {
        file: display.to_string(),
        line,
        column,
        message,
        hint: Some(format!(
            "the projects file must be a UTF-8 CSV with columns `{}` and `{}` (params project_column and territory_column)",
            params.project_column, params.territory_column
        )),
    }
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| fail(format!("cannot read: {e}"), None, None))?;
    let headers = reader
        .headers()
        .map_err(|e| fail(format!("cannot read the header: {e}"), Some(1), None))?
        .clone();
    let find = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().trim_start_matches('\u{feff}') == name)
            .ok_or_else(|| {
                fail(
                    format!("no column `{name}`"),
                    Some(1),
                    Some(name.to_string()),
                )
            })
    };
    let (pc, tc) = (
        find(&params.project_column)?,
        find(&params.territory_column)?,
    );
    let mut out = BTreeMap::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| fail(format!("{e}"), Some(i as u64 + 2), None))?;
        let project = record.get(pc).unwrap_or("").trim().to_uppercase();
        let territory = record.get(tc).unwrap_or("").trim().to_string();
        if !project.is_empty() && !territory.is_empty() {
            out.insert(project, territory);
        }
    }
    Ok(out)
}
