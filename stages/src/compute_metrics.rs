//! `compute_metrics`: the measures the evaluation reasons with, for every project network —
//! one per (project, wave, layer) as `clean_actors` wrote them, plus the combined layer `any`
//! (union of the layers in `any_layers`) — and the network type of finding F2.
//!
//! Node metrics follow NetworkX's definitions exactly (see [`graph`]), so that anyone can check a
//! number with NetworkX: `nx.degree_centrality`, `nx.betweenness_centrality` (normalised),
//! `nx.closeness_centrality` (Wasserman–Faust), `nx.harmonic_centrality`,
//! `nx.eigenvector_centrality_numpy`, `nx.clustering`, `nx.core_number`, `nx.constraint`,
//! `nx.effective_size`. Network metrics add Freeman centralization against igraph's theoretical
//! maxima (star = 1, complete = 0), transitivity, mean distance over reachable pairs, diameter,
//! global efficiency and Krackhardt's E-I index by sector with its expected value under random
//! mixing and a label-permutation p.
//!
//! The network of a wave holds every organisation surveyed in that wave (the roster), tied or
//! not: a surveyed organisation with no tie is an isolate, not absent. The prior layer (wave 0)
//! uses the wave-1 roster.
//!
//! Network type (DESIGN §5), on the layer `type_layer` of each (project, wave): the top actor h
//! by degree; Freeman degree centralization C_D; h's betweenness share; dominance k_h/k_2; hubs
//! (degree ≥ `hub_ratio`·k_h). Centred when (C_D ≥ `centred_cd` or share ≥
//! `centred_betweenness_share`) and dominance ≥ `dominance` and one hub: `eg_centred` when h is
//! an ente gestore, `third_sector_centred` when h is third-sector, else `other_centred`.
//! Polycentric when C_D < `polycentric_cd` and (two or more hubs or share <
//! `polycentric_betweenness_share`). Anything else is the grey zone and says so: `…_weak` (centred
//! on h, weak centre) or `polycentric_weak` (two comparable top actors of different sectors,
//! k_2/k_h ≥ `grey_partner_ratio`). `stability` is the share of leave-one-edge-out replicates
//! that keep the label (and the centre); `response_rate` the share of the wave's roster that
//! answered — with few respondents the centre may be a non-respondent whose ties are only seen
//! from the others' side, and the label is fragile.
//!
//! Networks are independent: they are computed in parallel across networks, each algorithm
//! single-threaded inside one, so results are bit-identical with 1 and many threads.
#[cfg(test)]
mod golden_tests;
pub mod graph;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use polars::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::networks::{col_str, survey_wave, Networks};
use crate::{KindSpec, Slot, StageError, StageInput, StageOutput};
use graph::{NetClass, TypeParams};

/// The kind's declaration.
pub static SPEC: KindSpec = KindSpec {
    name: "compute_metrics",
    summary: "NetworkX-exact node metrics, network metrics and the F2 network type per project, wave and layer",
    slots: &[
        Slot { name: "ties", numbered: false, required: true, table: true, doc: "clean_actors.ties" },
        Slot { name: "actors", numbered: false, required: true, table: true, doc: "clean_actors.actors" },
        Slot { name: "roster", numbered: false, required: false, table: true, doc: "ingest_waves.roster (surveyed organisations are nodes even without ties)" },
        Slot { name: "actor_matches", numbered: false, required: false, table: true, doc: "clean_actors.actor_matches (to place roster spellings)" },
        Slot { name: "projects", numbered: false, required: false, table: false, doc: "projects.csv (lead ente gestore, column `lead_column`)" },
    ],
    outputs: &["network_metrics", "network_types", "node_metrics"],
    normalize: |t| crate::params::normalize_checked::<Params>(t, check_params),
    run,
};

/// Params of `compute_metrics`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Layers whose union is the combined layer `any`.
    #[serde(default = "default_any_layers")]
    pub any_layers: Vec<String>,
    /// `true`: node metrics use tie intensity (strength; distances 1/weight for paths).
    #[serde(default)]
    pub weighted: bool,
    /// Label permutations for the E-I p-value.
    #[serde(default = "default_ei_permutations")]
    pub ei_permutations: usize,
    /// The layer the network type is read on.
    #[serde(default = "default_type_layer")]
    pub type_layer: String,
    /// C_D at or above which a network can be centred.
    #[serde(default = "d050")]
    pub centred_cd: f64,
    /// Top actor's betweenness share at or above which a network can be centred.
    #[serde(default = "d050")]
    pub centred_betweenness_share: f64,
    /// Minimum k_h / k_2 of a centred network.
    #[serde(default = "d150")]
    pub dominance: f64,
    /// A hub has degree ≥ hub_ratio · k_h.
    #[serde(default = "d080")]
    pub hub_ratio: f64,
    /// C_D below which a network can be polycentric.
    #[serde(default = "d035")]
    pub polycentric_cd: f64,
    /// Betweenness share below which a network can be polycentric.
    #[serde(default = "d030")]
    pub polycentric_betweenness_share: f64,
    /// Grey zone: k_2/k_h at or above which two top actors of different sectors make it polycentric.
    #[serde(default = "d075")]
    pub grey_partner_ratio: f64,
    /// The column of `projects` naming the lead ente gestore.
    #[serde(default = "default_lead_column")]
    pub lead_column: String,
}

fn default_any_layers() -> Vec<String> {
    vec![
        "collaboration".into(),
        "information".into(),
        "resources".into(),
    ]
}
fn default_ei_permutations() -> usize {
    999
}
fn default_type_layer() -> String {
    "collaboration".into()
}
fn default_lead_column() -> String {
    "lead_ente_gestore".into()
}
fn d050() -> f64 {
    0.5
}
fn d150() -> f64 {
    1.5
}
fn d080() -> f64 {
    0.8
}
fn d035() -> f64 {
    0.35
}
fn d030() -> f64 {
    0.3
}
fn d075() -> f64 {
    0.75
}

impl Params {
    fn type_params(&self) -> TypeParams {
        TypeParams {
            centred_cd: self.centred_cd,
            centred_betweenness_share: self.centred_betweenness_share,
            dominance: self.dominance,
            hub_ratio: self.hub_ratio,
            polycentric_cd: self.polycentric_cd,
            polycentric_betweenness_share: self.polycentric_betweenness_share,
            grey_partner_ratio: self.grey_partner_ratio,
        }
    }
}

/// What the stage knows about an actor.
#[derive(Debug, Clone)]
struct ActorInfo {
    type_code: String,
    sector: String,
    ente_gestore: bool,
}

/// One network to measure: its key and its node set with weighted ties.
struct NetSpec {
    project: String,
    wave: i64,
    layer: String,
    /// Actor numbers (see [`Networks`]), sorted.
    nodes: Vec<u32>,
    edges: Vec<(usize, usize, f64)>,
}

/// Everything measured on one network.
struct Measured {
    nodes: graph::NodeMetrics,
    network: graph::NetworkMetrics,
    ei: graph::EiResult,
    call: graph::TypeCall,
    stability: f64,
}

fn sector_code(sector: &str) -> u32 {
    match sector {
        "public" => 0,
        "third_sector" => 1,
        "private" => 2,
        _ => 3,
    }
}

/// A seed per network, from the stage seed and the network's key.
fn network_seed(seed: u64, project: &str, wave: i64, layer: &str) -> u64 {
    let mut h = blake3::Hasher::new_derive_key("wecare compute_metrics network seed v1");
    h.update(&seed.to_le_bytes());
    for part in [project.as_bytes(), &wave.to_le_bytes(), layer.as_bytes()] {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part);
    }
    let bytes = h.finalize();
    u64::from_le_bytes(bytes.as_bytes()[..8].try_into().expect("8 bytes"))
}

/// The label of a type call: the class and, for centred classes, the centre's kind.
fn type_label(call: &graph::TypeCall, centre: Option<&ActorInfo>) -> String {
    let centre_kind = || match centre {
        Some(a) if a.ente_gestore => "eg_centred",
        Some(a) if a.sector == "third_sector" => "third_sector_centred",
        _ => "other_centred",
    };
    match call.class {
        NetClass::Centred => centre_kind().to_string(),
        NetClass::GreyCentred => format!("{}_weak", centre_kind()),
        NetClass::Polycentric => "polycentric".to_string(),
        NetClass::GreyPolycentric => "polycentric_weak".to_string(),
        NetClass::Empty => "empty".to_string(),
    }
}

/// Shares and centralisations are in 0..1; dominance is a ratio of degrees, at least 1.
fn check_params(p: &Params) -> Result<(), crate::ParamError> {
    for (name, v) in [
        ("centred_cd", p.centred_cd),
        ("centred_betweenness_share", p.centred_betweenness_share),
        ("hub_ratio", p.hub_ratio),
        ("polycentric_cd", p.polycentric_cd),
        (
            "polycentric_betweenness_share",
            p.polycentric_betweenness_share,
        ),
        ("grey_partner_ratio", p.grey_partner_ratio),
    ] {
        crate::params::in_range(name, v, 0.0, 1.0)?;
    }
    crate::params::in_range("dominance", p.dominance, 1.0, f64::MAX)
}

/// Runs the stage.
///
/// # Errors
/// Input tables without the canonical columns, an unreadable projects file, params out of range.
#[allow(clippy::too_many_lines)]
pub fn run(input: &StageInput) -> Result<StageOutput, StageError> {
    let params: Params = input.params()?;
    check_params(&params)?;
    let actors = input.table("actors")?;
    let mut info: BTreeMap<String, ActorInfo> = BTreeMap::new();
    {
        let ids = col_str(actors, "actor_id")?;
        let types = col_str(actors, "type_code")?;
        let sectors = col_str(actors, "sector")?;
        let eg = actors
            .column("ente_gestore")
            .map_err(|_| StageError::Compute("input table lacks column `ente_gestore`".into()))?
            .bool()
            .map_err(|_| StageError::Compute("column `ente_gestore` is not boolean".into()))?
            .iter()
            .map(|v| v.unwrap_or(false))
            .collect::<Vec<_>>();
        for i in 0..ids.len() {
            info.insert(
                ids[i].clone(),
                ActorInfo {
                    type_code: types[i].clone(),
                    sector: sectors[i].clone(),
                    ente_gestore: eg[i],
                },
            );
        }
    }
    // Nodes of each (project, survey wave) from the roster, placed through actor_matches, and
    // ties by network.
    let mut nets = Networks::read(
        input.table("ties")?,
        input.tables.get("roster"),
        input.tables.get("actor_matches"),
        &params.any_layers,
    )?;
    let specs: Vec<NetSpec> = nets
        .keys
        .iter()
        .map(|key| {
            let nodes = nets.node_numbers(key);
            let at = |a: &u32| nodes.binary_search(a).expect("a tie's ends are nodes");
            let edges = nets
                .numbered_ties(key)
                .into_iter()
                .flatten()
                .map(|((s, t), w)| (at(s), at(t), *w))
                .collect();
            let (project, wave, layer) = key.clone();
            NetSpec {
                project,
                wave,
                layer,
                nodes,
                edges,
            }
        })
        .collect();
    // The specs hold every network's nodes and ties now: free the tie maps before measuring.
    nets.ties = BTreeMap::new();
    let lead = read_leads(input, &params, &nets)?;
    nets.place = HashMap::new();
    let info_of: Vec<Option<&ActorInfo>> = nets.actors.iter().map(|a| info.get(*a)).collect();
    let tparams = params.type_params();
    let mut measured: Vec<Measured> = specs
        .par_iter()
        .map(|spec| {
            let net = graph::Net::new(spec.nodes.len(), spec.edges.clone());
            let groups: Vec<u32> = spec
                .nodes
                .iter()
                .map(|&n| sector_code(info_of[n as usize].map_or("other", |a| a.sector.as_str())))
                .collect();
            let unweighted = graph::node_metrics(&net, false);
            let network = graph::network_metrics(&net, &unweighted);
            let call = graph::classify(&net, &unweighted, &groups, &tparams);
            let ei = graph::ei_index(
                &net,
                &groups,
                params.ei_permutations,
                network_seed(input.seed, &spec.project, spec.wave, &spec.layer),
            );
            let stability = if spec.layer == params.type_layer {
                graph::jackknife_stability(&net, &groups, &tparams)
            } else {
                f64::NAN
            };
            let nodes = if params.weighted {
                graph::node_metrics(&net, true)
            } else {
                unweighted
            };
            Measured {
                nodes,
                network,
                ei,
                call,
                stability,
            }
        })
        .collect();
    let Networks {
        surveyed, answered, ..
    } = &nets;
    let mut node_rows = NodeRows::default();
    let mut net_rows = NetRows::default();
    let mut type_rows = TypeRows::default();
    for (spec, m) in specs.iter().zip(measured.iter_mut()) {
        m.call.rule = name_nodes(&m.call, &|i| nets.id(spec.nodes[i]));
        for (i, &n) in spec.nodes.iter().enumerate() {
            node_rows.push(spec, nets.id(n), info_of[n as usize], &m.nodes, i);
        }
        let top = m.call.top.map(|t| nets.id(spec.nodes[t]).to_string());
        let top_info = top.as_ref().and_then(|t| info.get(t));
        let label = type_label(&m.call, top_info);
        net_rows.push(spec, m, top.clone(), top_info, &label);
        if spec.layer == params.type_layer {
            type_rows.project.push(spec.project.clone());
            type_rows.wave.push(spec.wave);
            type_rows.layer.push(spec.layer.clone());
            type_rows.network_type.push(label);
            type_rows.class.push(m.call.class.as_str().to_string());
            let centre = m.call.class.has_centre().then(|| top.clone()).flatten();
            type_rows.centre_type.push(
                centre
                    .as_ref()
                    .and_then(|c| info.get(c))
                    .map(|a| a.type_code.clone()),
            );
            let lead_actor = lead.get(&spec.project).cloned();
            type_rows
                .centre_is_lead
                .push(lead_actor.as_ref().map(|l| Some(l) == centre.as_ref()));
            type_rows.centre_actor.push(centre);
            type_rows.lead_actor.push(lead_actor);
            type_rows.type_rule.push(m.call.rule.clone());
            type_rows.stability.push(round(m.stability));
            let key = (spec.project.clone(), survey_wave(spec.wave));
            #[allow(clippy::cast_precision_loss)]
            type_rows
                .response_rate
                .push(surveyed.get(&key).map_or(f64::NAN, |s| {
                    answered.get(&key).map_or(0, BTreeSet::len) as f64 / s.len() as f64
                }));
        }
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (w, t) in type_rows.wave.iter().zip(&type_rows.network_type) {
        if *w == 1 {
            *counts.entry(t.clone()).or_default() += 1;
        }
    }
    let mut summary = vec![format!(
        "{} networks ({} node rows) measured",
        specs.len(),
        node_rows.actor_id.len()
    )];
    summary.push(format!(
        "wave-1 network types ({} layer): {}",
        params.type_layer,
        counts
            .iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let mut tables = BTreeMap::new();
    tables.insert("node_metrics".to_string(), node_rows.frame()?);
    tables.insert("network_metrics".to_string(), net_rows.frame()?);
    tables.insert("network_types".to_string(), type_rows.frame()?);
    Ok(StageOutput {
        tables,
        files: BTreeMap::new(),
        summary,
    })
}

/// The rule text with actor ids in place of node indices.
fn name_nodes<'a>(call: &graph::TypeCall, id: &dyn Fn(usize) -> &'a str) -> String {
    let mut rule = call.rule.clone();
    if let (Some(h), Some(s)) = (call.top, call.second) {
        rule = rule.replace(
            &format!("top actors {h} and {s}"),
            &format!("top actors {} and {}", id(h), id(s)),
        );
    }
    if let Some(h) = call.top {
        rule = rule.replace(&format!(" on {h}"), &format!(" on {}", id(h)));
    }
    rule
}

/// The lead ente gestore of each project, as an actor id, from the projects file.
fn read_leads(
    input: &StageInput,
    params: &Params,
    nets: &Networks,
) -> Result<BTreeMap<String, String>, StageError> {
    let Some(file) = input.files.get("projects") else {
        return Ok(BTreeMap::new());
    };
    let bad = |message: String| {
        StageError::Input {
        file: file.display.clone(),
        line: Some(1),
        column: None,
        message,
        hint: Some("the projects file needs a `project` column; `lead_column` names the lead ente gestore's".into()),
    }
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(&file.path)
        .map_err(|e| bad(format!("cannot read the file: {e}")))?;
    let headers = reader.headers().map_err(|e| bad(e.to_string()))?.clone();
    let pos = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(pi), Some(li)) = (pos("project"), pos(&params.lead_column)) else {
        return Ok(BTreeMap::new());
    };
    let mut out = BTreeMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| bad(e.to_string()))?;
        let (Some(p), Some(l)) = (record.get(pi), record.get(li)) else {
            continue;
        };
        let p = p.trim().to_uppercase();
        if let Some(&id) = nets.place.get(&(l.trim(), p.as_str())) {
            out.insert(p, nets.id(id).to_string());
        }
    }
    Ok(out)
}

fn round(x: f64) -> f64 {
    if x.is_finite() {
        (x * 1e12).round() / 1e12
    } else {
        x
    }
}

/// `node_metrics`, column by column; its text borrowed from the networks and actors (millions of
/// rows at 10,000 projects: a `String` a cell cost ~400 MB more).
#[derive(Default)]
struct NodeRows<'a> {
    project: Vec<&'a str>,
    wave: Vec<i64>,
    layer: Vec<&'a str>,
    actor_id: Vec<&'a str>,
    type_code: Vec<&'a str>,
    sector: Vec<&'a str>,
    degree: Vec<f64>,
    degree_centrality: Vec<f64>,
    betweenness: Vec<f64>,
    closeness: Vec<f64>,
    harmonic: Vec<f64>,
    eigenvector: Vec<f64>,
    clustering: Vec<f64>,
    core_number: Vec<i64>,
    constraint: Vec<f64>,
    effective_size: Vec<f64>,
}

impl<'a> NodeRows<'a> {
    fn push(
        &mut self,
        spec: &'a NetSpec,
        id: &'a str,
        info: Option<&'a ActorInfo>,
        m: &graph::NodeMetrics,
        i: usize,
    ) {
        self.project.push(&spec.project);
        self.wave.push(spec.wave);
        self.layer.push(&spec.layer);
        self.actor_id.push(id);
        self.type_code
            .push(info.map_or("other", |a| a.type_code.as_str()));
        self.sector
            .push(info.map_or("other", |a| a.sector.as_str()));
        self.degree.push(m.degree[i]);
        self.degree_centrality.push(m.degree_centrality[i]);
        self.betweenness.push(m.betweenness[i]);
        self.closeness.push(m.closeness[i]);
        self.harmonic.push(m.harmonic[i]);
        self.eigenvector.push(m.eigenvector[i]);
        self.clustering.push(m.clustering[i]);
        self.core_number.push(m.core_number[i]);
        self.constraint.push(m.constraint[i]);
        self.effective_size.push(m.effective_size[i]);
    }

    fn frame(self) -> Result<DataFrame, StageError> {
        Ok(DataFrame::new_infer_height(vec![
            Column::new("project".into(), self.project),
            Column::new("wave".into(), self.wave),
            Column::new("layer".into(), self.layer),
            Column::new("actor_id".into(), self.actor_id),
            Column::new("type_code".into(), self.type_code),
            Column::new("sector".into(), self.sector),
            Column::new("degree".into(), self.degree),
            Column::new("degree_centrality".into(), self.degree_centrality),
            Column::new("betweenness".into(), self.betweenness),
            Column::new("closeness".into(), self.closeness),
            Column::new("harmonic".into(), self.harmonic),
            Column::new("eigenvector".into(), self.eigenvector),
            Column::new("clustering".into(), self.clustering),
            Column::new("core_number".into(), self.core_number),
            Column::new("constraint".into(), self.constraint),
            Column::new("effective_size".into(), self.effective_size),
        ])?)
    }
}

#[derive(Default)]
struct NetRows {
    project: Vec<String>,
    wave: Vec<i64>,
    layer: Vec<String>,
    f: BTreeMap<&'static str, Vec<f64>>,
    n_actors: Vec<i64>,
    n_ties: Vec<i64>,
    components: Vec<i64>,
    isolates: Vec<i64>,
    hubs: Vec<i64>,
    top_actor: Vec<Option<String>>,
    top_actor_type: Vec<Option<String>>,
    network_type: Vec<String>,
    type_rule: Vec<String>,
}

/// Float columns of `network_metrics`, in order.
const NET_FLOATS: &[&str] = &[
    "density",
    "largest_component_share",
    "degree_centralization",
    "betweenness_centralization",
    "closeness_centralization",
    "transitivity",
    "average_clustering",
    "mean_distance",
    "diameter",
    "global_efficiency",
    "ei_index",
    "ei_expected",
    "ei_p",
    "top_betweenness_share",
    "dominance",
];

impl NetRows {
    fn push(
        &mut self,
        spec: &NetSpec,
        m: &Measured,
        top: Option<String>,
        top_info: Option<&ActorInfo>,
        label: &str,
    ) {
        let n = &m.network;
        self.project.push(spec.project.clone());
        self.wave.push(spec.wave);
        self.layer.push(spec.layer.clone());
        for (name, v) in NET_FLOATS.iter().zip([
            n.density,
            n.largest_component_share,
            n.degree_centralization,
            n.betweenness_centralization,
            n.closeness_centralization,
            n.transitivity,
            n.average_clustering,
            n.mean_distance,
            n.diameter,
            n.global_efficiency,
            m.ei.ei,
            m.ei.expected,
            m.ei.p,
            m.call.top_betweenness_share,
            m.call.dominance,
        ]) {
            self.f.entry(name).or_default().push(v);
        }
        let as_i64 = |x: usize| i64::try_from(x).unwrap_or(i64::MAX);
        self.n_actors.push(as_i64(n.n_actors));
        self.n_ties.push(as_i64(n.n_ties));
        self.components.push(as_i64(n.components));
        self.isolates.push(as_i64(n.isolates));
        self.hubs.push(as_i64(m.call.hubs));
        self.top_actor.push(top);
        self.top_actor_type
            .push(top_info.map(|a| a.type_code.clone()));
        self.network_type.push(label.to_string());
        self.type_rule.push(m.call.rule.clone());
    }

    fn frame(mut self) -> Result<DataFrame, StageError> {
        let mut take =
            |name: &str| Column::new(name.into(), self.f.remove(name).unwrap_or_default());
        let cols = vec![
            Column::new("project".into(), self.project),
            Column::new("wave".into(), self.wave),
            Column::new("layer".into(), self.layer),
            Column::new("n_actors".into(), self.n_actors),
            Column::new("n_ties".into(), self.n_ties),
            take("density"),
            Column::new("components".into(), self.components),
            take("largest_component_share"),
            Column::new("isolates".into(), self.isolates),
            take("degree_centralization"),
            take("betweenness_centralization"),
            take("closeness_centralization"),
            take("transitivity"),
            take("average_clustering"),
            take("mean_distance"),
            take("diameter"),
            take("global_efficiency"),
            take("ei_index"),
            take("ei_expected"),
            take("ei_p"),
            Column::new("top_actor".into(), self.top_actor),
            Column::new("top_actor_type".into(), self.top_actor_type),
            take("top_betweenness_share"),
            take("dominance"),
            Column::new("hubs".into(), self.hubs),
            Column::new("network_type".into(), self.network_type),
            Column::new("type_rule".into(), self.type_rule),
        ];
        Ok(DataFrame::new_infer_height(cols)?)
    }
}

#[derive(Default)]
struct TypeRows {
    project: Vec<String>,
    wave: Vec<i64>,
    layer: Vec<String>,
    network_type: Vec<String>,
    class: Vec<String>,
    centre_actor: Vec<Option<String>>,
    centre_type: Vec<Option<String>>,
    lead_actor: Vec<Option<String>>,
    centre_is_lead: Vec<Option<bool>>,
    type_rule: Vec<String>,
    stability: Vec<f64>,
    response_rate: Vec<f64>,
}

impl TypeRows {
    fn frame(self) -> Result<DataFrame, StageError> {
        Ok(DataFrame::new_infer_height(vec![
            Column::new("project".into(), self.project),
            Column::new("wave".into(), self.wave),
            Column::new("layer".into(), self.layer),
            Column::new("network_type".into(), self.network_type),
            Column::new("class".into(), self.class),
            Column::new("centre_actor".into(), self.centre_actor),
            Column::new("centre_type".into(), self.centre_type),
            Column::new("lead_actor".into(), self.lead_actor),
            Column::new("centre_is_lead".into(), self.centre_is_lead),
            Column::new("type_rule".into(), self.type_rule),
            Column::new("stability".into(), self.stability),
            Column::new("response_rate".into(), self.response_rate),
        ])?)
    }
}
