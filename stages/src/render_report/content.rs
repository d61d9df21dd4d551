//! What the report says: the cells, built from the input tables and the provenance record in one
//! language. Every number comes from an input table; every sentence exists in both languages.
use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::DataFrame;

use super::doc::{Block, Cell, Document, Figure, Table};
use super::figures::{self, Bars, DotPlot, ForestRow};
use super::i18n::Lang;
use super::layout::{fruchterman_reingold, Node, Placed};
use super::{
    bools, count_by, empty_provenance, f64s, flat_params, i64s, opt_f64s, opt_strs, short,
    sorted_set, strs, synthetic_flag, Params,
};
use crate::provenance::Provenance;
use crate::{StageError, StageInput};

/// An answer row: question, sentence, estimate, interval, evidence strength.
type Answer = (
    String,
    String,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    String,
);

/// wave → the undirected edges (by actor id) of one project.
type EdgesByWave<'a> = BTreeMap<i64, BTreeSet<(&'a str, &'a str)>>;

/// Picks the English or the Italian text.
fn tr(lang: Lang, en: &str, it: &str) -> String {
    match lang {
        Lang::En => en.to_string(),
        Lang::It => it.to_string(),
    }
}

/// One project's graph over all waves, laid out once so that waves are comparable.
#[derive(Debug, Clone, Default)]
pub struct ProjectGraph {
    nodes: Vec<Node>,
    /// wave → edges (indices into `nodes`).
    edges: BTreeMap<i64, Vec<(usize, usize)>>,
}

impl ProjectGraph {
    /// The nodes active in `wave` with their degree, positions from the common layout.
    fn placed(&self, wave: i64) -> Placed {
        let edges = self.edges.get(&wave).cloned().unwrap_or_default();
        let mut degree = vec![0usize; self.nodes.len()];
        for &(a, b) in &edges {
            degree[a] += 1;
            degree[b] += 1;
        }
        let keep: Vec<usize> = (0..self.nodes.len()).filter(|&i| degree[i] > 0).collect();
        let index: BTreeMap<usize, usize> = keep.iter().enumerate().map(|(k, &i)| (i, k)).collect();
        Placed {
            nodes: keep
                .iter()
                .map(|&i| Node {
                    degree: degree[i],
                    ..self.nodes[i].clone()
                })
                .collect(),
            edges: edges.iter().map(|(a, b)| (index[a], index[b])).collect(),
        }
    }
}

/// Everything read from the inputs, independent of the language.
pub struct Data<'a> {
    input: &'a StageInput,
    synthetic: Option<bool>,
    dataset_file: Option<String>,
    /// Rows of projects.csv as column → value.
    projects: Vec<BTreeMap<String, String>>,
    graphs: BTreeMap<String, ProjectGraph>,
    /// Projects with ties on the layer: more than `graphs` holds when sociograms are capped.
    graphs_total: usize,
    layer: String,
}

impl<'a> Data<'a> {
    /// Reads the dataset flag and the projects file, and lays out every project's graph.
    ///
    /// # Errors
    /// Unreadable files; tables without the columns the report reads.
    pub fn load(input: &'a StageInput, params: &Params) -> Result<Self, StageError> {
        let io = |file: &crate::InputFile, e: &dyn std::fmt::Display| StageError::Input {
            file: file.display.clone(),
            line: None,
            column: None,
            message: format!("cannot read: {e}"),
            hint: None,
        };
        let (synthetic, dataset_file) = match input.files.get("dataset") {
            Some(file) => {
                let text = std::fs::read_to_string(&file.path).map_err(|e| io(file, &e))?;
                (
                    synthetic_flag(&text, &file.display)?,
                    Some(file.display.clone()),
                )
            }
            None => (None, None),
        };
        let mut projects = Vec::new();
        if let Some(file) = input.files.get("projects") {
            let mut reader = csv::Reader::from_path(&file.path).map_err(|e| io(file, &e))?;
            let header: Vec<String> = reader
                .headers()
                .map_err(|e| io(file, &e))?
                .iter()
                .map(|h| h.trim().to_string())
                .collect();
            for record in reader.records() {
                let record = record.map_err(|e| io(file, &e))?;
                projects.push(
                    header
                        .iter()
                        .cloned()
                        .zip(record.iter().map(|v| v.trim().to_string()))
                        .collect(),
                );
            }
        }
        let mut data = Data {
            input,
            synthetic,
            dataset_file,
            projects,
            graphs: BTreeMap::new(),
            graphs_total: 0,
            layer: params.layer.clone(),
        };
        if params.sociograms {
            (data.graphs, data.graphs_total) = data.lay_out(params.sociogram_projects)?;
        }
        Ok(data)
    }

    fn table(&self, slot: &str) -> Option<&DataFrame> {
        self.input.tables.get(slot)
    }

    /// The layouts of the first `cap` projects with ties, and how many projects have ties.
    fn lay_out(&self, cap: usize) -> Result<(BTreeMap<String, ProjectGraph>, usize), StageError> {
        let (Some(ties), Some(actors)) = (self.table("ties"), self.table("actors")) else {
            return Ok((BTreeMap::new(), 0));
        };
        let ids = strs(actors, "actor_id", "actors")?;
        let sectors = strs(actors, "sector", "actors")?;
        let eg = bools(actors, "ente_gestore", "actors")?;
        let info: BTreeMap<&str, (&str, bool)> = ids
            .iter()
            .zip(sectors.iter().zip(eg.iter()))
            .map(|(id, (s, e))| (id.as_str(), (s.as_str(), *e)))
            .collect();
        let project = strs(ties, "project", "ties")?;
        let wave = i64s(ties, "wave", "ties")?;
        let layer = strs(ties, "layer", "ties")?;
        let source = strs(ties, "source", "ties")?;
        let target = strs(ties, "target", "ties")?;
        // project → wave → sorted edge set by id.
        let mut by_project: BTreeMap<&str, EdgesByWave<'_>> = BTreeMap::new();
        for i in 0..project.len() {
            if layer[i] != self.layer || !(1..=3).contains(&wave[i]) || source[i] == target[i] {
                continue;
            }
            let (a, b) = if source[i] <= target[i] {
                (source[i].as_str(), target[i].as_str())
            } else {
                (target[i].as_str(), source[i].as_str())
            };
            by_project
                .entry(project[i].as_str())
                .or_default()
                .entry(wave[i])
                .or_default()
                .insert((a, b));
        }
        let total = by_project.len();
        let mut out = BTreeMap::new();
        for (proj, waves) in by_project.into_iter().take(cap) {
            let ids: BTreeSet<&str> = waves
                .values()
                .flatten()
                .flat_map(|&(a, b)| [a, b])
                .collect();
            let index: BTreeMap<&str, usize> =
                ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
            let union: BTreeSet<(usize, usize)> = waves
                .values()
                .flatten()
                .map(|(a, b)| (index[a], index[b]))
                .collect();
            let union: Vec<(usize, usize)> = union.into_iter().collect();
            let seed = crate::resample::derive_seed(self.input.seed, &[b"layout", proj.as_bytes()]);
            let pos = fruchterman_reingold(ids.len(), &union, seed);
            let nodes = ids
                .iter()
                .zip(pos)
                .map(|(id, pos)| {
                    let (sector, eg) = info.get(id).copied().unwrap_or(("other", false));
                    Node {
                        sector: sector.to_string(),
                        ente_gestore: eg,
                        degree: 0,
                        pos,
                    }
                })
                .collect();
            let edges = waves
                .iter()
                .map(|(w, set)| (*w, set.iter().map(|(a, b)| (index[a], index[b])).collect()))
                .collect();
            out.insert(proj.to_string(), ProjectGraph { nodes, edges });
        }
        Ok((out, total))
    }

    /// A sentence for when sociograms are drawn for only some projects (empty otherwise).
    fn capped_note(&self, lang: Lang) -> String {
        if self.graphs.len() >= self.graphs_total {
            return String::new();
        }
        let (shown, total) = (self.graphs.len(), self.graphs_total);
        match lang {
            Lang::En => format!(" Drawn for the first {shown} of the {total} projects with ties, by project id (param `sociogram_projects`); every project's network is in `outputs/export_networks/` (GEXF for Gephi, GraphML)."),
            Lang::It => format!(" Disegnati per i primi {shown} dei {total} progetti con legami, per codice di progetto (parametro `sociogram_projects`); la rete di ogni progetto è in `outputs/export_networks/` (GEXF per Gephi, GraphML)."),
        }
    }
}

fn fig_err(e: String) -> StageError {
    StageError::Compute(format!("cannot draw a figure: {e}"))
}

fn figure(
    lang: Lang,
    name: &str,
    caption: String,
    svg: Result<String, String>,
) -> Result<Figure, StageError> {
    Ok(Figure {
        file: format!("figures/{name}{}.svg", lang.suffix()),
        caption,
        svg: svg.map_err(fig_err)?,
    })
}

fn mean(values: &[f64]) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

fn kind_description(lang: Lang, kind: &str) -> String {
    let (en, it) = match kind {
        "ingest_waves" => (
            "Reads the survey waves as exported (CSV or XLSX, any encoding), maps columns and labels onto the canonical schema, and puts every row either in `ties_raw` or in `rejects` with a reason.",
            "Legge le ondate dell'indagine così come esportate (CSV o XLSX, qualsiasi codifica), riconduce colonne ed etichette allo schema canonico e mette ogni riga in `ties_raw` oppure in `rejects` con un motivo.",
        ),
        "describe_waves" => (
            "Counts what each wave holds before cleaning.",
            "Conta che cosa contiene ogni ondata prima della pulizia.",
        ),
        "clean_actors" => (
            "Resolves who is who across waves and respondents (aliases, enti gestori, exact, normalised and fuzzy matches) and builds undirected valued ties per project, wave and layer.",
            "Stabilisce chi è chi tra ondate e rispondenti (alias, enti gestori, corrispondenze esatte, normalizzate e approssimate) e costruisce legami non orientati e pesati per progetto, ondata e livello.",
        ),
        "compute_metrics" => (
            "Network metrics with NetworkX's definitions and the network type of finding F2 for every project, wave and layer.",
            "Misure di rete con le definizioni di NetworkX e il tipo di rete del risultato F2 per ogni progetto, ondata e livello.",
        ),
        "compare_waves" => (
            "How each network changed between waves: tie Jaccard, Hamming, persistence, formation, QAP; entrants and exits by sector; survival of ties by origin.",
            "Come è cambiata ogni rete tra le ondate: Jaccard dei legami, Hamming, persistenza, formazione, QAP; entrati e usciti per settore; sopravvivenza dei legami per origine.",
        ),
        "findings" => (
            "The evaluators' findings F1–F8 as measured rows with bootstrap intervals and verdicts, on all ties and on confirmed ties (see the section on the findings).",
            "I risultati F1–F8 dei valutatori come righe misurate, con intervalli bootstrap e verdetti, su tutti i legami e sui soli legami confermati (si veda la sezione sui risultati).",
        ),
        "answer_questions" => (
            "The open questions Q1–Q3: rank tests with permutation p-values, tie-level models, mechanisms and the evidence table (see the section on the questions).",
            "Le domande aperte Q1–Q3: test sui ranghi con p-value per permutazione, modelli a livello di legame, meccanismi e tabella delle evidenze (si veda la sezione sulle domande).",
        ),
        _ => ("", ""),
    };
    tr(lang, en, it)
}

/// Builds the document in `lang`.
///
/// # Errors
/// Missing columns; drawing errors.
pub fn build(
    lang: Lang,
    data: &Data<'_>,
    prov: Option<&Provenance>,
    params: &Params,
) -> Result<Document, StageError> {
    let empty = empty_provenance();
    let prov = prov.unwrap_or(&empty);
    let mut cells = vec![notice(lang, data), pipeline_cell(lang, prov)?];
    let source_of: BTreeMap<&str, &str> = prov
        .inputs
        .iter()
        .map(|i| (i.slot.as_str(), i.source.as_str()))
        .collect();
    for (k, stage) in prov.stages.iter().enumerate() {
        let mut cell = Cell::new(
            &format!("stage-{}", stage.name),
            format!(
                "{} {}: {} ({} {})",
                lang.t("Stage"),
                k + 1,
                stage.name,
                lang.t("kind"),
                stage.kind
            ),
        );
        cell.md(kind_description(lang, &stage.kind));
        let mut inputs = Table::new(
            tr(
                lang,
                "Inputs and their content hashes (blake3, first 16 hex digits)",
                "Ingressi e hash del loro contenuto (blake3, prime 16 cifre esadecimali)",
            ),
            &[lang.t("slot"), lang.t("source"), lang.t("hash")],
            &[false, false, false],
        );
        for i in &stage.inputs {
            inputs.row(vec![
                format!("`{}`", i.slot),
                format!("`{}`", i.source),
                format!("`{}`", short(&i.hash, 16)),
            ]);
        }
        cell.table(inputs);
        let mut flat = Vec::new();
        flat_params("", &stage.params, &mut flat);
        if !flat.is_empty() {
            let mut t = Table::new(
                tr(
                    lang,
                    "Params (canonical, defaults filled in)",
                    "Parametri (forma canonica, con i valori predefiniti)",
                ),
                &[lang.t("param"), lang.t("value")],
                &[false, false],
            );
            for (k, v) in flat {
                t.row(vec![format!("`{k}`"), format!("`{v}`")]);
            }
            cell.table(t);
        }
        let mut outs = Table::new(
            tr(lang, "Outputs", "Uscite"),
            &[lang.t("output"), lang.t("rows"), lang.t("hash")],
            &[false, true, false],
        );
        for o in &stage.outputs {
            outs.row(vec![
                format!("`{}`", o.path),
                o.rows.map_or_else(|| "–".into(), |r| r.to_string()),
                format!("`{}`", short(&o.hash, 16)),
            ]);
        }
        cell.table(outs);
        // The key tables and figures of the tables this report reads from the stage.
        let prefix = format!("{}.", stage.name);
        let slots: Vec<&str> = source_of
            .iter()
            .filter(|(_, src)| src.starts_with(&prefix))
            .map(|(slot, _)| *slot)
            .collect();
        for slot in order_slots(&slots) {
            for block in slot_blocks(lang, data, slot)? {
                cell.blocks.push(block);
            }
        }
        cells.push(cell);
    }
    cells.push(findings_cell(lang, data)?);
    cells.extend(question_cells(lang, data)?);
    cells.push(limits_cell(lang, data)?);
    cells.push(methods_cell(lang, prov));
    cells.push(provenance_cell(lang, prov));
    let _ = params;
    Ok(Document {
        lang,
        title: tr(
            lang,
            "We.Ca.Re. Measure 1: evaluation of the project networks",
            "We.Ca.Re. Misura 1: valutazione delle reti di progetto",
        ),
        cells,
    })
}

/// The order in which a stage's slots are shown (tables before the figures that build on them).
fn order_slots<'s>(slots: &[&'s str]) -> Vec<&'s str> {
    const ORDER: &[&str] = &[
        "wave_summary",
        "rejects",
        "actor_matches",
        "review",
        "actors",
        "ties",
        "network_metrics",
        "network_types",
        "network_types_confirmed",
        "wave_comparison",
        "actor_turnover",
        "tie_survival",
        "project_dynamics",
        "findings",
        "answers",
        "mechanisms",
        "tests",
        "evidence",
    ];
    let mut out: Vec<&str> = slots.to_vec();
    out.sort_by_key(|s| ORDER.iter().position(|o| o == s).unwrap_or(ORDER.len()));
    out
}

fn notice(lang: Lang, data: &Data<'_>) -> Cell {
    let mut cell = Cell::new("data", tr(lang, "About the data", "I dati"));
    cell.boxed = true;
    let file = data
        .dataset_file
        .clone()
        .unwrap_or_else(|| "data/dataset.toml".into());
    match data.synthetic {
        Some(true) => {
            cell.md(match lang {
                Lang::En => format!("**The data behind this report are synthetic.** `{file}` says `synthetic = true`: the survey waves were generated by `wecare synth`, calibrated on the programme's published figures. Every organisation and every number below is invented; the report shows what the pipeline does, not what happened in the programme."),
                Lang::It => format!("**I dati di questo rapporto sono sintetici.** `{file}` dichiara `synthetic = true`: le ondate dell'indagine sono state generate da `wecare synth`, calibrate sui dati pubblicati del programma. Ogni organizzazione e ogni numero che segue è inventato; il rapporto mostra che cosa fa la pipeline, non che cosa è accaduto nel programma."),
            });
        }
        Some(false) => cell.md(match lang {
            Lang::En => format!("`{file}` declares the data real (`synthetic = false`)."),
            Lang::It => format!("`{file}` dichiara i dati reali (`synthetic = false`)."),
        }),
        None => cell.md(match lang {
            Lang::En => "The data do not say whether they are synthetic: give this stage a `dataset` input (a TOML file with `synthetic = true` or `false`).".to_string(),
            Lang::It => "I dati non dicono se sono sintetici: dare a questa fase un ingresso `dataset` (un file TOML con `synthetic = true` o `false`).".to_string(),
        }),
    }
    cell.md(match lang {
        Lang::En => "### Running on real data\n\n- `wecare new DIR` scaffolds a project; put the survey exports in `DIR/data/raw/` (CSV or XLSX, one file per wave) with the rosters, `projects.csv`, `enti_gestori.csv` and `aliases.csv`.\n- In `pipeline.toml`, map the export's column names and labels in the params of `ingest_waves`, and set `synthetic = false` in `data/dataset.toml`.\n- `wecare run` recomputes every stage and this report; `wecare verify` recomputes them from the raw inputs and checks every hash in `pipeline.lock`.".to_string(),
        Lang::It => "### Usare dati reali\n\n- `wecare new DIR` prepara un progetto; mettere le esportazioni dell'indagine in `DIR/data/raw/` (CSV o XLSX, un file per ondata) con gli elenchi dei rispondenti, `projects.csv`, `enti_gestori.csv` e `aliases.csv`.\n- In `pipeline.toml`, ricondurre nomi di colonna ed etichette dell'esportazione nei parametri di `ingest_waves` e porre `synthetic = false` in `data/dataset.toml`.\n- `wecare run` ricalcola ogni fase e questo rapporto; `wecare verify` le ricalcola dai dati grezzi e controlla ogni hash in `pipeline.lock`.".to_string(),
    });
    cell
}

fn pipeline_cell(lang: Lang, prov: &Provenance) -> Result<Cell, StageError> {
    let mut cell = Cell::new("pipeline", lang.t("The pipeline"));
    cell.md(match lang {
        Lang::En => format!("The evaluation is a DAG of stages declared in `pipeline.toml` (pipeline `{}`, seed {}). Each stage below is one cell, in the order the engine runs them; an arrow reads \"feeds\". This report is the stage `{}`.", prov.pipeline, prov.seed, prov.stage),
        Lang::It => format!("La valutazione è un grafo aciclico di fasi dichiarate in `pipeline.toml` (pipeline `{}`, seme {}). Ogni fase è una cella qui sotto, nell'ordine in cui il motore le esegue; una freccia si legge \"alimenta\". Questo rapporto è la fase `{}`.", prov.pipeline, prov.seed, prov.stage),
    });
    // Layers by longest path from a source.
    let mut depth: BTreeMap<String, usize> = BTreeMap::new();
    let mut edges: Vec<(String, String)> = Vec::new();
    let mut all = prov
        .stages
        .iter()
        .map(|s| (s.name.clone(), s.kind.clone(), &s.inputs))
        .collect::<Vec<_>>();
    all.push((prov.stage.clone(), prov.kind.clone(), &prov.inputs));
    for (name, _, inputs) in &all {
        let mut d = 0;
        for i in inputs.iter() {
            if let Some((up, _)) = i.source.split_once('.') {
                if let Some(&du) = depth.get(up) {
                    d = d.max(du + 1);
                    edges.push((up.to_string(), name.clone()));
                }
            }
        }
        depth.insert(name.clone(), d);
    }
    edges.sort();
    edges.dedup();
    let max = depth.values().copied().max().unwrap_or(0);
    let mut layers: Vec<Vec<(String, String)>> = vec![Vec::new(); max + 1];
    for (name, kind, _) in &all {
        layers[depth[name]].push((name.clone(), kind.clone()));
    }
    for layer in &mut layers {
        layer.sort();
    }
    let title = lang.t("The pipeline");
    cell.figure(figure(
        lang,
        "pipeline",
        tr(lang, "The pipeline as a DAG: one box per stage (name and kind), arrows from upstream to downstream.", "La pipeline come grafo: un riquadro per fase (nome e tipo), frecce da monte a valle."),
        figures::dag(title, &layers, &edges),
    )?);
    Ok(cell)
}

#[allow(clippy::too_many_lines)]
fn slot_blocks(lang: Lang, data: &Data<'_>, slot: &str) -> Result<Vec<Block>, StageError> {
    let Some(df) = data.table(slot) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let layer = data.layer.as_str();
    match slot {
        "wave_summary" => {
            let wave = i64s(df, "wave", slot)?;
            let rel = strs(df, "relation", slot)?;
            let rows = i64s(df, "n_rows", slot)?;
            let proj = strs(df, "project", slot)?;
            let mut agg: BTreeMap<(i64, String), (i64, BTreeSet<String>)> = BTreeMap::new();
            for i in 0..wave.len() {
                let e = agg.entry((wave[i], rel[i].clone())).or_default();
                e.0 += rows[i];
                e.1.insert(proj[i].clone());
            }
            let mut t = Table::new(
                tr(
                    lang,
                    "Survey rows by wave and relation",
                    "Righe dell'indagine per ondata e relazione",
                ),
                &[
                    lang.t("wave"),
                    lang.t("relation"),
                    lang.t("rows"),
                    lang.t("projects"),
                ],
                &[true, false, true, true],
            );
            for ((w, r), (n, p)) in agg {
                t.row(vec![
                    w.to_string(),
                    format!("`{r}`"),
                    n.to_string(),
                    p.len().to_string(),
                ]);
            }
            out.push(Block::Table(t));
        }
        "rejects" => {
            let reason = strs(df, "reason", slot)?;
            let column = strs(df, "column", slot)?;
            let file = strs(df, "source_file", slot)?;
            let line = i64s(df, "source_line", slot)?;
            let raw = strs(df, "raw_value", slot)?;
            let mut agg: BTreeMap<(String, String), (usize, String)> = BTreeMap::new();
            for i in 0..reason.len() {
                let e = agg
                    .entry((reason[i].clone(), column[i].clone()))
                    .or_insert((0, String::new()));
                if e.0 == 0 {
                    e.1 = format!("{}:{} `{}`", file[i], line[i], raw[i]);
                }
                e.0 += 1;
            }
            out.push(Block::Md(match lang {
                Lang::En => format!("{} input rows were rejected, each with its file, line and reason; nothing is dropped silently.", reason.len()),
                Lang::It => format!("{} righe in ingresso sono state scartate, ciascuna con file, riga e motivo; nulla viene eliminato in silenzio.", reason.len()),
            }));
            let mut t = Table::new(
                tr(
                    lang,
                    "Rejected rows by reason (first example of each)",
                    "Righe scartate per motivo (primo esempio di ciascuno)",
                ),
                &[
                    lang.t("reason"),
                    lang.t("column"),
                    lang.t("rows"),
                    lang.t("example"),
                ],
                &[false, false, true, false],
            );
            let mut rows: Vec<_> = agg.into_iter().collect();
            rows.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(&b.0)));
            for ((r, c), (n, ex)) in rows {
                let label = lang.t_owned(&r);
                let reason = if label == r {
                    format!("`{r}`")
                } else {
                    format!("{label} (`{r}`)")
                };
                t.row(vec![reason, format!("`{c}`"), n.to_string(), ex]);
            }
            out.push(Block::Table(t));
        }
        "actor_matches" => {
            let method = strs(df, "method", slot)?;
            let mentions = i64s(df, "mentions", slot)?;
            let score = f64s(df, "score", slot)?;
            let mut agg: BTreeMap<String, (usize, i64, f64, usize)> = BTreeMap::new();
            for i in 0..method.len() {
                let e = agg.entry(method[i].clone()).or_default();
                e.0 += 1;
                e.1 += mentions[i];
                if let Some(s) = score[i].filter(|s| s.is_finite()) {
                    e.2 += s;
                    e.3 += 1;
                }
            }
            let mut t = Table::new(
                tr(
                    lang,
                    "How raw names were resolved to organisations",
                    "Come i nomi grezzi sono stati ricondotti alle organizzazioni",
                ),
                &[
                    lang.t("method"),
                    lang.t("raw names"),
                    lang.t("mentions"),
                    lang.t("mean score"),
                ],
                &[false, true, true, true],
            );
            for (m, (n, men, s, k)) in agg {
                #[allow(clippy::cast_precision_loss)]
                let ms = (k > 0).then(|| s / k as f64);
                t.row(vec![
                    format!("`{m}`"),
                    n.to_string(),
                    men.to_string(),
                    lang.num(ms, 3),
                ]);
            }
            out.push(Block::Table(t));
        }
        "review" => {
            let decision = strs(df, "decision", slot)?;
            let method = strs(df, "method", slot)?;
            let counts = count_by(decision.iter().cloned().zip(method.iter().cloned()));
            let mut t = Table::new(
                tr(
                    lang,
                    "Pairs left for the evaluator to review",
                    "Coppie lasciate alla revisione del valutatore",
                ),
                &[lang.t("decision"), lang.t("method"), lang.t("pairs")],
                &[false, false, true],
            );
            for ((d, m), n) in counts {
                t.row(vec![format!("`{d}`"), format!("`{m}`"), n.to_string()]);
            }
            out.push(Block::Table(t));
        }
        "actors" => {
            let sector = strs(df, "sector", slot)?;
            let eg = bools(df, "ente_gestore", slot)?;
            let mut agg: BTreeMap<String, (usize, usize)> = BTreeMap::new();
            for i in 0..sector.len() {
                let e = agg.entry(sector[i].clone()).or_default();
                e.0 += 1;
                e.1 += usize::from(eg[i]);
            }
            let mut t = Table::new(
                tr(
                    lang,
                    "Organisations by sector",
                    "Organizzazioni per settore",
                ),
                &[lang.t("sector"), lang.t("actors"), lang.t("enti gestori")],
                &[false, true, true],
            );
            for (s, (n, e)) in agg {
                t.row(vec![lang.t_owned(&s), n.to_string(), e.to_string()]);
            }
            out.push(Block::Table(t));
        }
        "ties" => {
            let wave = i64s(df, "wave", slot)?;
            let lay = strs(df, "layer", slot)?;
            let counts = count_by(wave.iter().copied().zip(lay.iter().cloned()));
            let mut t = Table::new(
                tr(
                    lang,
                    "Undirected ties by wave and layer (wave 0 = before the programme)",
                    "Legami non orientati per ondata e livello (ondata 0 = prima del programma)",
                ),
                &[lang.t("wave"), lang.t("layer"), lang.t("ties")],
                &[true, false, true],
            );
            for ((w, l), n) in counts {
                t.row(vec![w.to_string(), format!("`{l}`"), n.to_string()]);
            }
            out.push(Block::Table(t));
            if !data.graphs.is_empty() {
                out.push(Block::Md(match lang {
                    Lang::En => format!("### Sociograms\n\nOne sociogram per project and wave (layer `{layer}`): colour = sector, size = degree, squares = enti gestori. The layout is force-directed (Fruchterman–Reingold, seeded, {} iterations) on the union of the three waves, so an organisation keeps its place from wave to wave.{}", super::layout::ITERATIONS, data.capped_note(lang)),
                    Lang::It => format!("### Sociogrammi\n\nUn sociogramma per progetto e ondata (livello `{layer}`): colore = settore, dimensione = grado, quadrati = enti gestori. La disposizione è a forze (Fruchterman–Reingold, con seme, {} iterazioni) sull'unione delle tre ondate, così un'organizzazione mantiene il suo posto da un'ondata all'altra.{}", super::layout::ITERATIONS, data.capped_note(lang)),
                }));
                for (proj, graph) in &data.graphs {
                    let mut figs = Vec::new();
                    for w in 1..=3 {
                        let placed = graph.placed(w);
                        let title = format!("{proj} · {} {w}", lang.t("wave"));
                        figs.push(figure(
                            lang,
                            &format!("sociogram-{proj}-w{w}"),
                            format!(
                                "{proj}, {} {w}: {} {}, {} {}",
                                lang.t("wave"),
                                placed.nodes.len(),
                                lang.t("organisations"),
                                placed.edges.len(),
                                lang.t("ties")
                            ),
                            figures::sociogram(lang, &title, &placed, 240),
                        )?);
                    }
                    out.push(Block::Figures(figs));
                }
            }
        }
        "network_metrics" => {
            let wave = i64s(df, "wave", slot)?;
            let lay = strs(df, "layer", slot)?;
            let n_actors = f64s(df, "n_actors", slot)?;
            let n_ties = f64s(df, "n_ties", slot)?;
            let density = f64s(df, "density", slot)?;
            let cd = f64s(df, "degree_centralization", slot)?;
            let mut by_wave: BTreeMap<i64, [Vec<f64>; 4]> = BTreeMap::new();
            for i in 0..wave.len() {
                if lay[i] != layer {
                    continue;
                }
                let e = by_wave.entry(wave[i]).or_default();
                for (k, v) in [n_actors[i], n_ties[i], density[i], cd[i]]
                    .into_iter()
                    .enumerate()
                {
                    if let Some(v) = v.filter(|v| v.is_finite()) {
                        e[k].push(v);
                    }
                }
            }
            let mut t = Table::new(
                match lang {
                    Lang::En => {
                        format!("Network metrics by wave (layer `{layer}`, mean over projects)")
                    }
                    Lang::It => {
                        format!("Misure di rete per ondata (livello `{layer}`, media sui progetti)")
                    }
                },
                &[
                    lang.t("wave"),
                    lang.t("projects"),
                    lang.t("mean actors"),
                    lang.t("mean ties"),
                    lang.t("mean density"),
                    lang.t("mean degree centralization"),
                ],
                &[true, true, true, true, true, true],
            );
            for (w, v) in &by_wave {
                t.row(vec![
                    w.to_string(),
                    v[0].len().to_string(),
                    lang.num(mean(&v[0]), 1),
                    lang.num(mean(&v[1]), 1),
                    lang.num(mean(&v[2]), 3),
                    lang.num(mean(&v[3]), 3),
                ]);
            }
            out.push(Block::Table(t));
            let waves: Vec<(&i64, &[Vec<f64>; 4])> = by_wave
                .iter()
                .filter(|(w, _)| (1..=3).contains(*w))
                .collect();
            let label = |w: &i64| format!("{} {w}", lang.t("wave"));
            let max_actors = waves
                .iter()
                .flat_map(|(_, v)| v[0].iter())
                .fold(1.0f64, |a, &b| a.max(b));
            let left = DotPlot {
                title: lang.t("actors per network"),
                y_desc: lang.t("actors per network"),
                x_desc: lang.t("wave"),
                columns: waves
                    .iter()
                    .map(|(w, v)| (label(w), v[0].clone()))
                    .collect(),
                y_range: (0.0, max_actors * 1.1),
                colours: vec![figures::BLUE; 3],
                y_digits: 0,
            };
            let right = DotPlot {
                title: lang.t("density"),
                y_desc: lang.t("density"),
                x_desc: lang.t("wave"),
                columns: waves
                    .iter()
                    .map(|(w, v)| (label(w), v[2].clone()))
                    .collect(),
                y_range: (
                    0.0,
                    waves
                        .iter()
                        .flat_map(|(_, v)| v[2].iter())
                        .fold(0.1f64, |a, &b| a.max(b))
                        * 1.1,
                ),
                colours: vec![figures::GREEN; 3],
                y_digits: 2,
            };
            out.push(Block::Figures(vec![figure(
                lang,
                "size-density",
                tr(lang, "Network size and density by wave: one dot per project, the bar is the mean.", "Dimensione e densità delle reti per ondata: un punto per progetto, la barra è la media."),
                figures::dot_plots_pair(lang, &left, &right),
            )?]));
        }
        "network_types" | "network_types_confirmed" => {
            let wave = i64s(df, "wave", slot)?;
            let lay = strs(df, "layer", slot)?;
            let ty = strs(df, "network_type", slot)?;
            let proj = strs(df, "project", slot)?;
            let waves: BTreeSet<i64> = wave.iter().copied().collect();
            let mut counts: BTreeMap<String, BTreeMap<i64, usize>> = BTreeMap::new();
            for i in 0..wave.len() {
                *counts
                    .entry(ty[i].clone())
                    .or_default()
                    .entry(wave[i])
                    .or_insert(0) += 1;
            }
            let mut header: Vec<String> = vec![lang.t("network type").to_string()];
            header.extend(waves.iter().map(|w| format!("{} {w}", lang.t("wave"))));
            let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
            let mut numeric = vec![false];
            numeric.extend(waves.iter().map(|_| true));
            let mut t = Table::new(
                if slot == "network_types" {
                    tr(
                        lang,
                        "Network types (finding F2) by wave: number of projects",
                        "Tipi di rete (risultato F2) per ondata: numero di progetti",
                    )
                } else {
                    tr(
                        lang,
                        "Network types on confirmed ties only, by wave: number of projects",
                        "Tipi di rete sui soli legami confermati, per ondata: numero di progetti",
                    )
                },
                &header_refs,
                &numeric,
            );
            for (k, by) in &counts {
                let mut row = vec![lang.t_owned(k)];
                row.extend(
                    waves
                        .iter()
                        .map(|w| by.get(w).copied().unwrap_or(0).to_string()),
                );
                t.row(row);
            }
            out.push(Block::Table(t));
            if slot == "network_types" && !data.graphs.is_empty() {
                let mut panels: Vec<(String, String, Placed)> = Vec::new();
                for i in 0..wave.len() {
                    if wave[i] == 1 && lay[i] == layer {
                        if let Some(g) = data.graphs.get(&proj[i]) {
                            panels.push((
                                base_type(&ty[i]).to_string(),
                                proj[i].clone(),
                                g.placed(1),
                            ));
                        }
                    }
                }
                panels.sort_by(|a, b| type_rank(&a.0).cmp(&type_rank(&b.0)).then(a.1.cmp(&b.1)));
                let panels: Vec<(String, Placed)> = panels
                    .into_iter()
                    .map(|(t, p, g)| (format!("{p}: {}", lang.t_owned(&t)), g))
                    .collect();
                out.push(Block::Figures(vec![figure(
                    lang,
                    "network-types",
                    tr(lang, "Small multiples: every project's wave-1 network, grouped by network type.", "Piccoli multipli: la rete di ogni progetto all'ondata 1, raggruppata per tipo di rete.") + &data.capped_note(lang),
                    figures::small_multiples(lang, lang.t("Network types (wave 1)"), &panels),
                )?]));
            }
        }
        "wave_comparison" => {
            let lay = strs(df, "layer", slot)?;
            let from = i64s(df, "from_wave", slot)?;
            let to = i64s(df, "to_wave", slot)?;
            let jac = f64s(df, "jaccard", slot)?;
            let pers = f64s(df, "persistence", slot)?;
            let mut agg: BTreeMap<(i64, i64), (Vec<f64>, Vec<f64>)> = BTreeMap::new();
            for i in 0..lay.len() {
                if lay[i] != layer {
                    continue;
                }
                let e = agg.entry((from[i], to[i])).or_default();
                if let Some(j) = jac[i].filter(|v| v.is_finite()) {
                    e.0.push(j);
                }
                if let Some(p) = pers[i].filter(|v| v.is_finite()) {
                    e.1.push(p);
                }
            }
            let mut t = Table::new(
                match lang {
                    Lang::En => format!("Tie change between waves (layer `{layer}`, actors present in both waves; wave 0 = before)"),
                    Lang::It => format!("Cambiamento dei legami tra ondate (livello `{layer}`, attori presenti in entrambe; ondata 0 = prima)"),
                },
                &[lang.t("from wave"), lang.t("to wave"), lang.t("projects"), lang.t("mean tie Jaccard"), lang.t("mean persistence")],
                &[true, true, true, true, true],
            );
            for ((f, tw), (j, p)) in &agg {
                t.row(vec![
                    f.to_string(),
                    tw.to_string(),
                    j.len().to_string(),
                    lang.num(mean(j), 3),
                    lang.num(mean(p), 3),
                ]);
            }
            out.push(Block::Table(t));
            let plot = DotPlot {
                title: lang.t("Tie Jaccard between waves"),
                y_desc: lang.t("tie Jaccard (common actors)"),
                x_desc: lang.t("wave pair"),
                columns: agg
                    .iter()
                    .map(|((f, tw), (j, _))| (format!("{f}→{tw}"), j.clone()))
                    .collect(),
                y_range: (0.0, 1.0),
                colours: vec![figures::BLUE; agg.len()],
                y_digits: 1,
            };
            out.push(Block::Figures(vec![figure(
                lang,
                "tie-jaccard",
                tr(lang, "Tie Jaccard between waves on the actors present in both: one dot per project, the bar is the mean; wave 0 is the collaboration before the programme.", "Jaccard dei legami tra ondate sugli attori presenti in entrambe: un punto per progetto, la barra è la media; l'ondata 0 è la collaborazione prima del programma."),
                figures::dot_plot(lang, &plot, 760),
            )?]));
        }
        "actor_turnover" => {
            let from = i64s(df, "from_wave", slot)?;
            let to = i64s(df, "to_wave", slot)?;
            let sector = strs(df, "sector", slot)?;
            let ent = i64s(df, "entrants", slot)?;
            let ex = i64s(df, "exits", slot)?;
            let st = i64s(df, "stayers", slot)?;
            let mut agg: BTreeMap<(i64, i64), BTreeMap<String, [i64; 3]>> = BTreeMap::new();
            for i in 0..from.len() {
                let e = agg
                    .entry((from[i], to[i]))
                    .or_default()
                    .entry(sector[i].clone())
                    .or_default();
                e[0] += st[i];
                e[1] += ent[i];
                e[2] += ex[i];
            }
            let mut t = Table::new(
                tr(
                    lang,
                    "Organisations staying, entering and leaving, by sector (summed over projects)",
                    "Organizzazioni rimaste, entrate e uscite, per settore (somma sui progetti)",
                ),
                &[
                    lang.t("from wave"),
                    lang.t("to wave"),
                    lang.t("sector"),
                    lang.t("stayers"),
                    lang.t("entrants"),
                    lang.t("exits"),
                ],
                &[true, true, false, true, true, true],
            );
            for ((f, tw), by) in &agg {
                for s in figures::SECTORS {
                    if let Some(v) = by.get(s) {
                        t.row(vec![
                            f.to_string(),
                            tw.to_string(),
                            lang.t_owned(s),
                            v[0].to_string(),
                            v[1].to_string(),
                            v[2].to_string(),
                        ]);
                    }
                }
            }
            out.push(Block::Table(t));
            #[allow(clippy::cast_precision_loss)]
            let panels = agg
                .iter()
                .filter(|((f, tw), _)| tw - f == 1)
                .map(|((f, tw), by)| {
                    let get = |k: usize| -> Vec<f64> {
                        figures::SECTORS
                            .iter()
                            .map(|s| by.get(*s).map_or(0.0, |v| v[k] as f64))
                            .collect()
                    };
                    (
                        format!("{} {f} → {tw}", lang.t("wave")),
                        vec![get(1), get(2)],
                    )
                })
                .collect();
            let spec = Bars {
                panels,
                groups: figures::SECTORS.iter().map(|s| lang.t_owned(s)).collect(),
                series: vec![
                    (lang.t("entrants").to_string(), figures::BLUE),
                    (lang.t("exits").to_string(), figures::VERMILLION),
                ],
                y_desc: lang.t("organisations"),
                x_desc: lang.t("sector"),
                title: lang.t("Turnover by sector"),
            };
            out.push(Block::Figures(vec![figure(
                lang,
                "turnover",
                tr(lang, "Turnover by sector: organisations entering and leaving the networks between consecutive waves, summed over projects.", "Ricambio per settore: organizzazioni che entrano ed escono dalle reti tra ondate consecutive, somma sui progetti."),
                figures::bars(lang, &spec),
            )?]));
        }
        "tie_survival" => {
            let lay = strs(df, "layer", slot)?;
            let origin = strs(df, "origin", slot)?;
            let ties = i64s(df, "ties", slot)?;
            let kept = i64s(df, "survived_w3", slot)?;
            let share = f64s(df, "share_w3", slot)?;
            let mut agg: BTreeMap<String, (i64, i64, Vec<f64>)> = BTreeMap::new();
            for i in 0..lay.len() {
                if lay[i] != layer {
                    continue;
                }
                let e = agg.entry(origin[i].clone()).or_default();
                e.0 += ties[i];
                e.1 += kept[i];
                if let Some(s) = share[i].filter(|v| v.is_finite()) {
                    e.2.push(s);
                }
            }
            let mut t = Table::new(
                match lang {
                    Lang::En => format!("Wave-1 ties still present in wave 3, by origin (layer `{layer}`, pooled over projects)"),
                    Lang::It => format!("Legami dell'ondata 1 ancora presenti nell'ondata 3, per origine (livello `{layer}`, sommati sui progetti)"),
                },
                &[lang.t("origin"), lang.t("ties"), lang.t("kept in wave 3"), lang.t("share kept")],
                &[false, true, true, true],
            );
            for (o, (n, k, _)) in &agg {
                #[allow(clippy::cast_precision_loss)]
                let s = (*n > 0).then(|| *k as f64 / *n as f64);
                t.row(vec![
                    lang.t_owned(o),
                    n.to_string(),
                    k.to_string(),
                    lang.pct(s),
                ]);
            }
            out.push(Block::Table(t));
            let plot = DotPlot {
                title: lang.t("Survival of ties to wave 3"),
                y_desc: lang.t("share of wave-1 ties still present in wave 3"),
                x_desc: lang.t("origin"),
                columns: agg
                    .iter()
                    .map(|(o, v)| (lang.t_owned(o), v.2.clone()))
                    .collect(),
                y_range: (0.0, 1.0),
                colours: agg
                    .keys()
                    .map(|o| {
                        if o == "pre_existing" {
                            figures::ORANGE
                        } else {
                            figures::GREEN
                        }
                    })
                    .collect(),
                y_digits: 1,
            };
            out.push(Block::Figures(vec![figure(
                lang,
                "tie-survival",
                tr(lang, "Survival of project-born and pre-existing ties to wave 3: one dot per project, the bar is the mean.", "Sopravvivenza fino all'ondata 3 dei legami nati nel progetto e di quelli preesistenti: un punto per progetto, la barra è la media."),
                figures::dot_plot(lang, &plot, 760),
            )?]));
        }
        "project_dynamics" => {
            let cols = [
                ("actors_w1", "actors_w2", "actors_w3"),
                ("ties_w1", "ties_w2", "ties_w3"),
            ];
            let mut t = Table::new(
                tr(
                    lang,
                    "Per-project dynamics (mean over projects)",
                    "Dinamiche per progetto (media sui progetti)",
                ),
                &[
                    lang.t("value"),
                    &format!("{} 1", lang.t("wave")),
                    &format!("{} 2", lang.t("wave")),
                    &format!("{} 3", lang.t("wave")),
                ],
                &[false, true, true, true],
            );
            for (k, (a, b, c)) in cols.iter().enumerate() {
                let m = |name: &str| -> Result<Option<f64>, StageError> {
                    let v: Vec<f64> = f64s(df, name, slot)?
                        .into_iter()
                        .flatten()
                        .filter(|v| v.is_finite())
                        .collect();
                    Ok(mean(&v))
                };
                t.row(vec![
                    if k == 0 {
                        lang.t("actors")
                    } else {
                        lang.t("ties")
                    }
                    .to_string(),
                    lang.num(m(a)?, 1),
                    lang.num(m(b)?, 1),
                    lang.num(m(c)?, 1),
                ]);
            }
            out.push(Block::Table(t));
        }
        _ => {}
    }
    Ok(out)
}

fn base_type(t: &str) -> &str {
    t.strip_suffix("_weak").unwrap_or(t)
}

fn type_rank(t: &str) -> usize {
    [
        "eg_centred",
        "third_sector_centred",
        "other_centred",
        "polycentric",
    ]
    .iter()
    .position(|x| *x == t)
    .unwrap_or(9)
}

fn italian_statement(id: &str) -> Option<&'static str> {
    Some(match id {
        "F1" => "Le reti di attuazione dell'ondata 1 replicano in larga parte relazioni esistenti prima del progetto.",
        "F2" => "Le reti differiscono per territorio, in tre tipi: centrate sull'ente gestore (le più comuni), centrate su un'organizzazione del terzo settore, policentriche senza un centro chiaro.",
        "F3" => "Durante l'attuazione (ondata 2) le reti hanno consolidato la struttura iniziale.",
        "F4" => "L'ondata 2 mostra un allargamento parziale, soprattutto ad attori del terzo settore e, meno, a imprese radicate nel territorio.",
        "F5" => "Dopo la fine (ondata 3) le reti si diradano.",
        "F6" => "L'ondata 3 è un \"ritorno al passato\": le relazioni somigliano di nuovo all'assetto precedente al progetto.",
        "F7" => "Circa il 42% delle organizzazioni presenti all'inizio ha collaborato a nuove iniziative dopo la fine.",
        "F8" => "L'attuazione è stata parziale, con due discontinuità parziali (prevenzione anziché riparazione per minori e famiglie fragili; relazioni cooperative nei quartieri di edilizia sociale) e nessun progresso sull'unificazione delle forme di gestione su territori più ampi.",
        _ => return None,
    })
}

fn findings_cell(lang: Lang, data: &Data<'_>) -> Result<Cell, StageError> {
    let mut cell = Cell::new("findings", tr(lang, "Findings F1–F8", "Risultati F1–F8"));
    let Some(df) = data.table("findings") else {
        cell.md(tr(
            lang,
            "This pipeline has no `findings` input.",
            "Questa pipeline non ha l'ingresso `findings`.",
        ));
        return Ok(cell);
    };
    let slot = "findings";
    let id = strs(df, "id", slot)?;
    let statement = strs(df, "statement", slot)?;
    let value = f64s(df, "value", slot)?;
    let lo = f64s(df, "ci_low", slot)?;
    let hi = f64s(df, "ci_high", slot)?;
    let verdict = strs(df, "verdict", slot)?;
    let metric = opt_strs(df, "metric", slot)?;
    let rule = opt_strs(df, "rule", slot)?;
    let vc = opt_strs(df, "verdict_confirmed_ties", slot)?;
    let valc = opt_f64s(df, "value_confirmed_ties", slot)?;
    let loc = opt_f64s(df, "ci_low_confirmed_ties", slot)?;
    let hic = opt_f64s(df, "ci_high_confirmed_ties", slot)?;
    cell.md(match lang {
        Lang::En => "Each finding the evaluators reported is a measured row: the value, its 95% percentile-bootstrap interval over projects and a verdict (`supported` when the whole interval is on the finding's side of its threshold, `not supported` when it is on the other side, `inconclusive` when it straddles it), on all ties and again on confirmed ties only (both sides reported the tie).".to_string(),
        Lang::It => "Ogni risultato riportato dai valutatori è una riga misurata: il valore, il suo intervallo bootstrap percentile al 95% sui progetti e un verdetto (`confermato` quando tutto l'intervallo sta dal lato del risultato rispetto alla soglia, `non confermato` quando sta dall'altro lato, `non conclusivo` quando la attraversa), su tutti i legami e di nuovo sui soli legami confermati (entrambe le parti hanno dichiarato il legame).".to_string(),
    });
    let mut order: Vec<usize> = (0..id.len()).collect();
    order.sort_by(|a, b| id[*a].cmp(&id[*b]));
    let mut t = Table::new(
        tr(
            lang,
            "Findings on all ties and on confirmed ties",
            "Risultati su tutti i legami e sui legami confermati",
        ),
        &[
            lang.t("finding"),
            lang.t("statement"),
            lang.t("value"),
            lang.t("interval"),
            lang.t("verdict"),
            lang.t("confirmed ties: value"),
            lang.t("interval"),
            lang.t("confirmed ties: verdict"),
        ],
        &[false, false, true, true, false, true, true, false],
    );
    let mut changed = Vec::new();
    for &i in &order {
        let stmt = match lang {
            Lang::En => statement[i].clone(),
            Lang::It => {
                italian_statement(&id[i]).map_or_else(|| statement[i].clone(), str::to_string)
            }
        };
        let vconf = vc.as_ref().map(|v| v[i].clone()).unwrap_or_default();
        if !vconf.is_empty() && vconf != verdict[i] {
            changed.push((id[i].clone(), verdict[i].clone(), vconf.clone()));
        }
        t.row(vec![
            format!("**{}**", id[i]),
            stmt,
            lang.num(value[i], 3),
            lang.interval(lo[i], hi[i], 3),
            lang.t_owned(&verdict[i]),
            lang.num(valc.as_ref().and_then(|v| v[i]), 3),
            lang.interval(
                loc.as_ref().and_then(|v| v[i]),
                hic.as_ref().and_then(|v| v[i]),
                3,
            ),
            if vconf.is_empty() {
                "–".to_string()
            } else {
                lang.t_owned(&vconf)
            },
        ]);
    }
    cell.table(t);
    if changed.is_empty() {
        cell.md(tr(
            lang,
            "No verdict changes between the two branches.",
            "Nessun verdetto cambia tra i due rami.",
        ));
    } else {
        let items: Vec<String> = changed
            .iter()
            .map(|(id, a, b)| match lang {
                Lang::En => format!(
                    "- **{id}**: {} on all ties, {} on confirmed ties",
                    lang.t_owned(a),
                    lang.t_owned(b)
                ),
                Lang::It => format!(
                    "- **{id}**: {} su tutti i legami, {} sui legami confermati",
                    lang.t_owned(a),
                    lang.t_owned(b)
                ),
            })
            .collect();
        cell.md(format!(
            "{}\n\n{}",
            tr(lang, "Verdicts that change when only confirmed ties count (a sign that the finding leans on one-sided reports):", "Verdetti che cambiano quando contano solo i legami confermati (segno che il risultato si appoggia su dichiarazioni di una sola parte):"),
            items.join("\n")
        ));
    }
    if let (Lang::En, Some(metric), Some(rule)) = (lang, metric, rule) {
        let items: Vec<String> = order
            .iter()
            .map(|&i| {
                format!(
                    "- **{}**: {}; {}.",
                    id[i],
                    metric[i],
                    rule[i].trim_end_matches('.')
                )
            })
            .collect();
        cell.md(format!(
            "### What each value measures and the rule\n\n{}",
            items.join("\n")
        ));
    }
    Ok(cell)
}

#[allow(clippy::too_many_arguments)]
fn test_sentence(
    lang: Lang,
    test: &str,
    exposure: &str,
    outcome: &str,
    est: Option<f64>,
    lo: Option<f64>,
    hi: Option<f64>,
    p: Option<f64>,
    n: i64,
) -> String {
    let stat = if test.starts_with("logit") {
        lang.t("odds ratio").to_string()
    } else if test.contains("kendall") {
        "Kendall τ-b".to_string()
    } else if test.contains("fisher") {
        "odds ratio (Fisher)".to_string()
    } else {
        "Spearman ρ".to_string()
    };
    match lang {
        Lang::En => format!(
            "{stat} between `{exposure}` and `{outcome}`: {} (95% interval {}), adjusted p = {}, N = {n}.",
            lang.num(est, 2),
            lang.interval(lo, hi, 2),
            lang.num(p, 3)
        ),
        Lang::It => format!(
            "{stat} tra {} e {}: {} (intervallo al 95% {}), p corretto = {}, N = {n}.",
            lang.t_owned(exposure),
            lang.t_owned(outcome),
            lang.num(est, 2),
            lang.interval(lo, hi, 2),
            lang.num(p, 3)
        ),
    }
}

/// The per-project exposure of a Q1 test, when the report can read it from its inputs.
fn exposure_values(data: &Data<'_>, exposure: &str) -> Result<BTreeMap<String, f64>, StageError> {
    let mut out = BTreeMap::new();
    let (table, column, wave, layer) = match exposure {
        "prior_closure" => ("network_metrics", "transitivity", 0, "prior"),
        "prior_density" => ("network_metrics", "density", 0, "prior"),
        "prior_share_w1" => ("project_dynamics", "prior_share_w1", -1, ""),
        _ => return Ok(out),
    };
    let Some(df) = data.table(table) else {
        return Ok(out);
    };
    let proj = strs(df, "project", table)?;
    let vals = f64s(df, column, table)?;
    let (waves, layers) = if wave >= 0 {
        (
            Some(i64s(df, "wave", table)?),
            Some(strs(df, "layer", table)?),
        )
    } else {
        (None, None)
    };
    for i in 0..proj.len() {
        if let (Some(w), Some(l)) = (&waves, &layers) {
            if w[i] != wave || l[i] != layer {
                continue;
            }
        }
        if let Some(v) = vals[i].filter(|v| v.is_finite()) {
            out.insert(proj[i].clone(), v);
        }
    }
    Ok(out)
}

fn outcome_value(row: &BTreeMap<String, String>, outcome: &str) -> Option<f64> {
    let raw = row.get(outcome)?;
    match raw.as_str() {
        "limited" => Some(0.0),
        "partial" => Some(1.0),
        "advanced" => Some(2.0),
        other => other.parse::<f64>().ok(),
    }
}

#[allow(clippy::too_many_lines)]
fn question_cells(lang: Lang, data: &Data<'_>) -> Result<Vec<Cell>, StageError> {
    let mut cells = Vec::new();
    let answers = data.table("answers");
    let tests = data.table("tests");
    // Answers by claim.
    let mut by_claim: BTreeMap<String, Answer> = BTreeMap::new();
    if let Some(df) = answers {
        let q = strs(df, "question", "answers")?;
        let claim = strs(df, "claim", "answers")?;
        let ans = strs(df, "answer", "answers")?;
        let est = f64s(df, "estimate", "answers")?;
        let lo = f64s(df, "ci_low", "answers")?;
        let hi = f64s(df, "ci_high", "answers")?;
        let strength = strs(df, "evidence_strength", "answers")?;
        for i in 0..q.len() {
            by_claim.insert(
                claim[i].clone(),
                (
                    q[i].clone(),
                    ans[i].clone(),
                    est[i],
                    lo[i],
                    hi[i],
                    strength[i].clone(),
                ),
            );
        }
    }
    struct TestRow {
        question: String,
        test: String,
        exposure: String,
        outcome: String,
        est: Option<f64>,
        lo: Option<f64>,
        hi: Option<f64>,
        p_adj: Option<f64>,
        primary: bool,
        n: i64,
    }
    let mut rows: Vec<TestRow> = Vec::new();
    if let Some(df) = tests {
        let s = "tests";
        let (q, test, exposure, outcome) = (
            strs(df, "question", s)?,
            strs(df, "test", s)?,
            strs(df, "exposure", s)?,
            strs(df, "outcome", s)?,
        );
        let (est, lo, hi, p_adj) = (
            f64s(df, "estimate", s)?,
            f64s(df, "ci_low", s)?,
            f64s(df, "ci_high", s)?,
            f64s(df, "p_adjusted", s)?,
        );
        let primary = bools(df, "primary", s)?;
        let n = i64s(df, "n", s)?;
        for i in 0..q.len() {
            rows.push(TestRow {
                question: q[i].clone(),
                test: test[i].clone(),
                exposure: exposure[i].clone(),
                outcome: outcome[i].clone(),
                est: est[i],
                lo: lo[i],
                hi: hi[i],
                p_adj: p_adj[i],
                primary: primary[i],
                n: n[i],
            });
        }
        rows.sort_by(|a, b| {
            (&a.question, &a.test, &a.exposure, &a.outcome).cmp(&(
                &b.question,
                &b.test,
                &b.exposure,
                &b.outcome,
            ))
        });
    }
    let strength_line = |claim: &str| -> Option<String> {
        let primary = rows.iter().find(|r| r.question == claim && r.primary);
        by_claim.get(claim).map(|(_, ans, est, lo, hi, strength)| {
            let numbers = if claim == "Q3" {
                match lang {
                    Lang::En => format!(
                        "Share of claims resting on moderate or strong evidence: {}",
                        lang.pct(*est)
                    ),
                    Lang::It => format!(
                        "Quota di affermazioni con evidenza moderata o forte: {}",
                        lang.pct(*est)
                    ),
                }
            } else {
                let what = primary.map(|r| {
                    format!(
                        "{} → {}",
                        lang.t_owned(&r.exposure),
                        lang.t_owned(&r.outcome)
                    )
                });
                match (lang, what) {
                    (Lang::En, Some(w)) => format!(
                        "Primary test ({w}): estimate {} {}",
                        lang.num(*est, 2),
                        lang.interval(*lo, *hi, 2)
                    ),
                    (Lang::It, Some(w)) => format!(
                        "Test primario ({w}): stima {} {}",
                        lang.num(*est, 2),
                        lang.interval(*lo, *hi, 2)
                    ),
                    (Lang::En, None) => format!(
                        "Estimate {} {}",
                        lang.num(*est, 2),
                        lang.interval(*lo, *hi, 2)
                    ),
                    (Lang::It, None) => {
                        format!("Stima {} {}", lang.num(*est, 2), lang.interval(*lo, *hi, 2))
                    }
                }
            };
            match lang {
                Lang::En => {
                    format!("{ans}\n\n{numbers}; strength of the evidence: **{strength}**.")
                }
                Lang::It => format!(
                    "{numbers}; forza dell'evidenza: **{}**.",
                    lang.t_owned(strength)
                ),
            }
        })
    };
    // Q1.
    let mut q1 = Cell::new(
        "q1",
        tr(
            lang,
            "Q1: did pre-existing social capital favour the changes?",
            "Q1: il capitale sociale preesistente ha favorito i cambiamenti?",
        ),
    );
    if let Some(text) = strength_line("Q1") {
        q1.md(text);
    }
    if let Some(primary) = rows.iter().find(|r| r.question == "Q1" && r.primary) {
        q1.md(format!(
            "{} {}",
            tr(
                lang,
                "Pre-registered primary test:",
                "Test primario dichiarato in anticipo:"
            ),
            test_sentence(
                lang,
                &primary.test,
                &primary.exposure,
                &primary.outcome,
                primary.est,
                primary.lo,
                primary.hi,
                primary.p_adj,
                primary.n
            )
        ));
        let exposures = exposure_values(data, &primary.exposure)?;
        let points: Vec<(f64, f64)> = data
            .projects
            .iter()
            .filter_map(|row| {
                let p = row.get("project")?;
                Some((*exposures.get(p)?, outcome_value(row, &primary.outcome)?))
            })
            .collect();
        if !points.is_empty() {
            let note = match lang {
                Lang::En => format!(
                    "Spearman ρ = {} {}, N = {}",
                    lang.num(primary.est, 2),
                    lang.interval(primary.lo, primary.hi, 2),
                    points.len()
                ),
                Lang::It => format!(
                    "ρ di Spearman = {} {}, N = {}",
                    lang.num(primary.est, 2),
                    lang.interval(primary.lo, primary.hi, 2),
                    points.len()
                ),
            };
            q1.figure(figure(
                lang,
                "q1-scatter",
                tr(lang, "Q1: prior social capital (exposure) against the change outcome, one dot per project, with the rank correlation and its 95% interval.", "Q1: capitale sociale precedente (esposizione) ed esito del cambiamento, un punto per progetto, con la correlazione di rango e il suo intervallo al 95%."),
                figures::scatter(lang, lang.t("Q1: prior social capital and change"), &points, &lang.t_owned(&primary.exposure), &lang.t_owned(&primary.outcome), &note),
            )?);
        }
    }
    let mut t = Table::new(
        tr(
            lang,
            "Q1 rank correlations (Spearman), every exposure and outcome",
            "Correlazioni di rango Q1 (Spearman), ogni esposizione ed esito",
        ),
        &[
            lang.t("exposure"),
            lang.t("outcome"),
            lang.t("estimate"),
            lang.t("interval"),
            lang.t("adjusted p"),
            "N",
        ],
        &[false, false, true, true, true, true],
    );
    for r in rows
        .iter()
        .filter(|r| r.question == "Q1" && r.test == "spearman")
    {
        t.row(vec![
            format!("`{}`", r.exposure),
            format!("`{}`", r.outcome),
            lang.num(r.est, 2),
            lang.interval(r.lo, r.hi, 2),
            lang.num(r.p_adj, 3),
            r.n.to_string(),
        ]);
    }
    if !t.rows.is_empty() {
        q1.table(t);
    }
    cells.push(q1);
    // Q2.
    let mut q2 = Cell::new("q2", tr(lang, "Q2: can the changes strengthen social capital, and through which mechanisms?", "Q2: i cambiamenti possono rafforzare il capitale sociale, e attraverso quali meccanismi?"));
    if let Some(text) = strength_line("Q2") {
        q2.md(text);
    }
    let mechanisms: Vec<&String> = by_claim.keys().filter(|c| c.starts_with("Q2.")).collect();
    if !mechanisms.is_empty() {
        let items: Vec<String> = mechanisms
            .iter()
            .map(|c| {
                let (_, ans, est, lo, hi, strength) = &by_claim[*c];
                let name = c.trim_start_matches("Q2.");
                match lang {
                    Lang::En => format!("- {ans} Evidence: {strength}."),
                    Lang::It => format!(
                        "- **{}**: stima {} {}; evidenza {}.",
                        lang.t_owned(name),
                        lang.num(*est, 2),
                        lang.interval(*lo, *hi, 2),
                        lang.t_owned(strength)
                    ),
                }
            })
            .collect();
        q2.md(format!(
            "{}\n\n{}",
            tr(
                lang,
                "Mechanism by mechanism:",
                "Meccanismo per meccanismo:"
            ),
            items.join("\n")
        ));
    }
    let logit: Vec<&TestRow> = rows
        .iter()
        .filter(|r| r.question == "Q2" && r.test.starts_with("logit"))
        .collect();
    if !logit.is_empty() {
        let outcomes = sorted_set(logit.iter().map(|r| &r.outcome));
        let palette = [
            figures::BLUE,
            figures::VERMILLION,
            figures::GREEN,
            figures::PURPLE,
        ];
        let colour =
            |o: &str| palette[outcomes.iter().position(|x| x == o).unwrap_or(0) % palette.len()];
        let forest_rows: Vec<ForestRow> = logit
            .iter()
            .map(|r| ForestRow {
                label: format!(
                    "{} → {}",
                    lang.t_owned(&r.exposure),
                    lang.t_owned(&r.outcome)
                ),
                estimate: r.est.unwrap_or(f64::NAN),
                low: r.lo.unwrap_or(f64::NAN),
                high: r.hi.unwrap_or(f64::NAN),
                colour: colour(&r.outcome),
            })
            .collect();
        let legend: Vec<(String, figures::RGBColor)> = outcomes
            .iter()
            .map(|o| (lang.t_owned(o), colour(o)))
            .collect();
        q2.figure(figure(
            lang,
            "q2-forest",
            tr(lang, "Q2: odds ratios of a tie being kept (or of joint initiatives after the end) by mechanism, with 95% project-cluster bootstrap intervals; 1 = no effect.", "Q2: odds ratio del mantenimento di un legame (o di iniziative comuni dopo la fine) per meccanismo, con intervalli bootstrap al 95% per cluster di progetto; 1 = nessun effetto."),
            figures::forest(lang, lang.t("Q2: odds ratios of keeping a tie"), &forest_rows, &legend),
        )?);
        let mut t = Table::new(
            tr(
                lang,
                "Q2 tie-level models",
                "Modelli Q2 a livello di legame",
            ),
            &[
                lang.t("exposure"),
                lang.t("outcome"),
                lang.t("odds ratio"),
                lang.t("interval"),
                lang.t("adjusted p"),
                "N",
            ],
            &[false, false, true, true, true, true],
        );
        for r in &logit {
            t.row(vec![
                format!("`{}`", r.exposure),
                format!("`{}`", r.outcome),
                lang.num(r.est, 2),
                lang.interval(r.lo, r.hi, 2),
                lang.num(r.p_adj, 3),
                r.n.to_string(),
            ]);
        }
        q2.table(t);
    }
    cells.push(q2);
    // Q3.
    let mut q3 = Cell::new(
        "q3",
        tr(
            lang,
            "Q3: what evidence, or traces, exist?",
            "Q3: quali evidenze, o tracce, esistono?",
        ),
    );
    if let Some(text) = strength_line("Q3") {
        q3.md(text);
    }
    if let Some(df) = data.table("evidence") {
        let s = "evidence";
        let claim = strs(df, "claim", s)?;
        let stage = strs(df, "source_stage", s)?;
        let table = strs(df, "source_table", s)?;
        let hash = strs(df, "input_hash", s)?;
        let mut agg: BTreeMap<String, (usize, BTreeSet<String>)> = BTreeMap::new();
        for i in 0..claim.len() {
            let e = agg.entry(claim[i].clone()).or_default();
            e.0 += 1;
            e.1.insert(format!(
                "`{}.{}` `{}`",
                stage[i],
                table[i],
                short(&hash[i], 12)
            ));
        }
        let mut t = Table::new(
            tr(lang, "The evidence behind every claim: rows of `evidence` and the inputs (with content hashes) they rest on", "Le evidenze dietro ogni affermazione: righe di `evidence` e gli ingressi (con hash del contenuto) su cui poggiano"),
            &[lang.t("claim"), lang.t("rows"), lang.t("source")],
            &[false, true, false],
        );
        for (c, (n, srcs)) in agg {
            let strength = by_claim.get(&c).map(|v| v.5.clone()).unwrap_or_default();
            let label = if strength.is_empty() {
                format!("`{c}`")
            } else {
                format!("`{c}` ({})", lang.t_owned(&strength))
            };
            t.row(vec![
                label,
                n.to_string(),
                srcs.into_iter().collect::<Vec<_>>().join("; "),
            ]);
        }
        q3.table(t);
    }
    cells.push(q3);
    Ok(cells)
}

fn limits_cell(lang: Lang, data: &Data<'_>) -> Result<Cell, StageError> {
    let mut cell = Cell::new(
        "limits",
        tr(
            lang,
            "What N projects cannot show",
            "Che cosa N progetti non possono mostrare",
        ),
    );
    let n = if data.projects.is_empty() {
        match data.table("project_dynamics") {
            Some(df) => strs(df, "project", "project_dynamics")?
                .into_iter()
                .collect::<BTreeSet<_>>()
                .len(),
            None => 0,
        }
    } else {
        data.projects.len()
    };
    #[allow(clippy::cast_precision_loss)]
    let r80 = (n > 3).then(|| ((1.959_964 + 0.841_621) / ((n - 3) as f64).sqrt()).tanh());
    cell.md(match lang {
        Lang::En => format!("With N = {n} projects, a rank correlation must be about {} or larger to be detected four times in five (two-sided 5% test, Fisher z approximation): moderate associations, which are the plausible size of most effects here, are likely to be missed, and an interval that straddles zero is not evidence of no effect. The project coding (problem reframing, new tools, prevention shift) was done after the fact by the case studies, prior ties rest on recall, and wave 3 has the most non-response. Associations between projects say nothing about causes inside a project; the tie-level models of Q2 have many more units but their intervals come from resampling the {n} projects, so they are only as sure as {n} clusters allow.", lang.num(r80, 2)),
        Lang::It => format!("Con N = {n} progetti, una correlazione di rango deve valere circa {} o più per essere rilevata quattro volte su cinque (test bilaterale al 5%, approssimazione z di Fisher): le associazioni moderate, che sono la dimensione plausibile della maggior parte degli effetti qui, rischiano di sfuggire, e un intervallo che comprende lo zero non prova l'assenza di effetto. La codifica dei progetti (ridefinizione del problema, nuovi strumenti, spostamento verso la prevenzione) è stata fatta a posteriori dagli studi di caso, i legami precedenti si basano sul ricordo e l'ondata 3 ha più mancate risposte. Le associazioni tra progetti non dicono nulla sulle cause interne a un progetto; i modelli Q2 a livello di legame hanno molte più unità, ma i loro intervalli vengono dal ricampionamento dei {n} progetti, quindi sono sicuri solo quanto {n} cluster consentono.", lang.num(r80, 2)),
    });
    Ok(cell)
}

fn param_of(lang: Lang, prov: &Provenance, kind: &str, key: &str) -> String {
    match prov
        .stages
        .iter()
        .find(|s| s.kind == kind)
        .and_then(|s| s.params.get(key))
    {
        Some(toml::Value::Float(f)) => lang.num(Some(*f), 2),
        Some(v) => v.to_string(),
        None => "–".to_string(),
    }
}

fn methods_cell(lang: Lang, prov: &Provenance) -> Cell {
    let mut cell = Cell::new("methods", tr(lang, "Method notes", "Note di metodo"));
    let b = param_of(lang, prov, "findings", "bootstrap");
    let draws = param_of(lang, prov, "answer_questions", "draws");
    let fuzzy = param_of(lang, prov, "clean_actors", "fuzzy_threshold");
    cell.md(match lang {
        Lang::En => format!("- **Entity resolution**: aliases and the list of enti gestori first, then exact and normalised names, then fuzzy matches above {fuzzy}; doubtful pairs go to `review`.\n- **Metrics** follow NetworkX's definitions (betweenness, closeness with Wasserman–Faust scaling, eigenvector, clustering, Burt's constraint); centralization is Freeman's.\n- **Network type** (F2): the top actor by degree, degree centralization, its betweenness share, dominance over the second and the hub count decide centred, polycentric or a grey zone; the label's stability is checked by edge jackknife.\n- **Waves**: tie Jaccard, persistence and formation on the actors present in both waves (RSiena's convention); QAP correlation with permutation p.\n- **Findings**: percentile bootstrap over projects with B = {b}; a verdict is `inconclusive` when the interval straddles the threshold.\n- **Questions**: Spearman and Kendall rank tests with Monte Carlo permutation p = (1 + #≥)/(1 + B) and bootstrap intervals (B = {draws}); Holm across the pre-registered primary family, Benjamini–Hochberg elsewhere; tie-level logistic models with project-cluster bootstrap intervals and permutations within projects.\n- **Figures**: Okabe–Ito colours; layouts seeded from the pipeline seed; the report is byte-identical on every run."),
        Lang::It => format!("- **Riconoscimento delle organizzazioni**: prima gli alias e l'elenco degli enti gestori, poi i nomi esatti e normalizzati, poi le corrispondenze approssimate sopra {fuzzy}; le coppie dubbie vanno in `review`.\n- **Misure** secondo le definizioni di NetworkX (intermediazione, vicinanza con la correzione di Wasserman–Faust, autovettore, clustering, vincolo di Burt); la centralizzazione è quella di Freeman.\n- **Tipo di rete** (F2): l'attore con più legami, la centralizzazione di grado, la sua quota di intermediazione, la dominanza sul secondo e il numero di hub decidono tra centrata, policentrica o zona grigia; la stabilità dell'etichetta è verificata togliendo un legame alla volta.\n- **Ondate**: Jaccard, persistenza e formazione dei legami sugli attori presenti in entrambe le ondate (convenzione di RSiena); correlazione QAP con p per permutazione.\n- **Risultati**: bootstrap percentile sui progetti con B = {b}; il verdetto è `non conclusivo` quando l'intervallo attraversa la soglia.\n- **Domande**: test di rango di Spearman e Kendall con p Monte Carlo per permutazione = (1 + #≥)/(1 + B) e intervalli bootstrap (B = {draws}); Holm sulla famiglia primaria dichiarata in anticipo, Benjamini–Hochberg altrove; modelli logistici a livello di legame con bootstrap per cluster di progetto e permutazioni entro i progetti.\n- **Figure**: colori Okabe–Ito; disposizioni con seme derivato da quello della pipeline; il rapporto è identico byte per byte a ogni esecuzione."),
    });
    cell
}

fn provenance_cell(lang: Lang, prov: &Provenance) -> Cell {
    let mut cell = Cell::new("provenance", tr(lang, "Provenance", "Provenienza"));
    cell.md(match lang {
        Lang::En => format!("Rendered by wecare {} (pipeline `{}`, seed {}). Every number above comes from the outputs listed here, each with the blake3 hash recorded in `pipeline.lock`; each stage's fingerprint covers the tool version, its code identity, params, seed and the hashes of its inputs. This report's own files are hashed in `pipeline.lock` (a file cannot contain its own hash).\n\nTo reproduce and verify, in the project directory:\n\n    wecare run\n    wecare verify\n    wecare status", prov.tool_version, prov.pipeline, prov.seed),
        Lang::It => format!("Prodotto da wecare {} (pipeline `{}`, seme {}). Ogni numero qui sopra viene dalle uscite elencate qui, ciascuna con l'hash blake3 registrato in `pipeline.lock`; l'impronta di ogni fase copre la versione dello strumento, l'identità del suo codice, i parametri, il seme e gli hash dei suoi ingressi. I file di questo rapporto hanno i loro hash in `pipeline.lock` (un file non può contenere il proprio hash).\n\nPer riprodurlo e verificarlo, nella cartella del progetto:\n\n    wecare run\n    wecare verify\n    wecare status", prov.tool_version, prov.pipeline, prov.seed),
    });
    let mut stages = Table::new(
        tr(
            lang,
            "Stages and their fingerprints",
            "Fasi e loro impronte",
        ),
        &[
            lang.t("stage"),
            lang.t("kind"),
            lang.t("fingerprint"),
            lang.t("code identity"),
        ],
        &[false, false, false, false],
    );
    for s in &prov.stages {
        stages.row(vec![
            format!("`{}`", s.name),
            format!("`{}`", s.kind),
            format!("`{}`", s.fingerprint),
            format!("`{}`", short(&s.code, 16)),
        ]);
    }
    cell.table(stages);
    let mut outs = Table::new(
        tr(
            lang,
            "Every output and its content hash (blake3)",
            "Ogni uscita e l'hash del suo contenuto (blake3)",
        ),
        &[
            lang.t("output"),
            lang.t("rows"),
            lang.t("bytes"),
            lang.t("hash"),
        ],
        &[false, true, true, false],
    );
    for s in &prov.stages {
        for o in &s.outputs {
            outs.row(vec![
                format!("`{}`", o.path),
                o.rows.map_or_else(|| "–".into(), |r| r.to_string()),
                o.bytes.to_string(),
                format!("`{}`", o.hash),
            ]);
        }
    }
    cell.table(outs);
    let mut own = Table::new(
        match lang {
            Lang::En => format!("Inputs of this report (stage `{}`)", prov.stage),
            Lang::It => format!("Ingressi di questo rapporto (fase `{}`)", prov.stage),
        },
        &[lang.t("slot"), lang.t("source"), lang.t("hash")],
        &[false, false, false],
    );
    for i in &prov.inputs {
        own.row(vec![
            format!("`{}`", i.slot),
            format!("`{}`", i.source),
            format!("`{}`", i.hash),
        ]);
    }
    cell.table(own);
    cell
}
