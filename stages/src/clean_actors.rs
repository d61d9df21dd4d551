//! `clean_actors`: who is who. Resolves every raw spelling of an organisation across waves and
//! respondents to one actor with a type from the controlled vocabulary, and turns the reports
//! into undirected, valued ties per project, wave and layer.
//!
//! Outputs: `actors` (one row per organisation), `actor_matches` (every raw spelling, the actor
//! it was resolved to, how and with what score — an auditor reviews every merge here) and `ties`
//! (symmetrised by the declared rule: `union` keeps a tie reported by either side, which also
//! reconstructs the ties of non-respondents from what others reported; `intersection` keeps
//! only ties both sides confirmed). Wave 0 is the pre-existing layer (`prior` answers of wave 1).
mod normalise;
mod resolve;
mod vecset;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::networks::{col_str as strings, col_texts as texts};
use crate::{vocab, InputFile, KindSpec, Slot, StageError, StageInput, StageOutput};
use resolve::{Method, Resolver};

pub use normalise::{normalise, Family};

/// The kind's declaration.
pub static SPEC: KindSpec = KindSpec {
    name: "clean_actors",
    summary: "resolve organisations across waves and respondents; symmetrised ties per project, wave and layer",
    slots: &[
        Slot { name: "ties", numbered: false, required: true, table: true, doc: "ingest_waves.ties_raw" },
        Slot { name: "roster", numbered: false, required: false, table: true, doc: "ingest_waves.roster (who answered)" },
        Slot { name: "aliases", numbered: false, required: false, table: false, doc: "aliases.csv: alias, canonical_name[, note, decision = same|different] (confirmed by hand)" },
        Slot { name: "enti_gestori", numbered: false, required: false, table: false, doc: "enti_gestori.csv: name, acronym, type_code[, territory]" },
    ],
    outputs: &["actor_matches", "actors", "review", "ties"],
    normalize: |t| crate::params::normalize_checked::<Params>(t, check_params),
    run,
};

/// How reports become undirected ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Symmetrize {
    /// A tie exists if either side reported it (non-respondents' ties reconstructed).
    Union,
    /// A tie exists only if both sides reported it.
    Intersection,
}

/// Params of `clean_actors`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Jaro–Winkler similarity of normalised names above which two spellings in one project are
    /// taken for the same organisation.
    #[serde(default = "default_threshold")]
    pub fuzzy_threshold: f64,
    /// `union` or `intersection`.
    #[serde(default = "default_symmetrize")]
    pub symmetrize: Symmetrize,
    /// Weight of a tie whose intensity was `non so` or empty.
    #[serde(default = "default_missing")]
    pub missing_intensity: i64,
    /// Extra acronym → full name expansions, as `aliases.csv` rows.
    #[serde(default)]
    pub acronyms: BTreeMap<String, String>,
    /// Pairs the resolver compared and scored at least this much but did not join go to the
    /// `review` table.
    #[serde(default = "default_review_from")]
    pub review_from: f64,
    /// Joins scored below this go to the `review` table.
    #[serde(default = "default_review_merges_below")]
    pub review_merges_below: f64,
}

/// Similarity thresholds are Jaro–Winkler scores; below 0.5 everything would merge.
fn check_params(p: &Params) -> Result<(), crate::ParamError> {
    crate::params::in_range("fuzzy_threshold", p.fuzzy_threshold, 0.5, 1.0)?;
    crate::params::in_range("review_from", p.review_from, 0.5, 1.0)?;
    crate::params::in_range("review_merges_below", p.review_merges_below, 0.5, 1.0)
}

fn default_review_from() -> f64 {
    0.75
}
fn default_review_merges_below() -> f64 {
    0.95
}

fn default_threshold() -> f64 {
    0.9
}
fn default_symmetrize() -> Symmetrize {
    Symmetrize::Union
}
fn default_missing() -> i64 {
    1
}

fn ints(df: &DataFrame, name: &str) -> Result<Vec<Option<i64>>, StageError> {
    let col = df
        .column(name)
        .map_err(|_| StageError::Compute(format!("input table lacks column `{name}`")))?;
    let col = col.cast(&DataType::Int64)?;
    Ok(col.i64()?.iter().collect())
}

fn bools(df: &DataFrame, name: &str) -> Result<Vec<Option<bool>>, StageError> {
    let col = df
        .column(name)
        .map_err(|_| StageError::Compute(format!("input table lacks column `{name}`")))?;
    Ok(col
        .bool()
        .map_err(|_| StageError::Compute(format!("column `{name}` is not boolean")))?
        .iter()
        .collect())
}

/// Reads a small UTF-8 CSV file with required columns.
fn read_list(
    file: &InputFile,
    required: &[&str],
) -> Result<Vec<BTreeMap<String, String>>, StageError> {
    let bad =
        |line: Option<u64>, column: Option<&str>, message: String, hint: &str| StageError::Input {
            file: file.display.clone(),
            line,
            column: column.map(str::to_string),
            message,
            hint: Some(hint.to_string()),
        };
    let bytes = std::fs::read(&file.path).map_err(|e| {
        bad(
            None,
            None,
            format!("cannot read the file: {e}"),
            "check the path in pipeline.toml",
        )
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        bad(
            None,
            None,
            "the file is not valid UTF-8".into(),
            "save it as UTF-8",
        )
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| bad(Some(1), None, e.to_string(), "check the header line"))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    for r in required {
        if !headers.iter().any(|h| h == r) {
            return Err(bad(
                Some(1),
                Some(r),
                format!("missing required column `{r}`"),
                &format!("the header must name: {}", required.join(", ")),
            ));
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            bad(
                e.position().map(csv::Position::line),
                None,
                e.to_string(),
                "check the separator and quoting",
            )
        })?;
        let line = record.position().map_or(0, csv::Position::line);
        if record.len() < required.len() || record.iter().all(|v| v.trim().is_empty()) {
            if record.iter().all(|v| v.trim().is_empty()) {
                continue;
            }
            return Err(bad(
                Some(line),
                None,
                format!(
                    "the row has {} field(s); the header names {}",
                    record.len(),
                    headers.len()
                ),
                &format!("every row needs: {}", required.join(", ")),
            ));
        }
        // A short row: a required column past its last field is missing, not empty.
        if let Some(r) = required.iter().find(|r| {
            headers
                .iter()
                .position(|h| h == *r)
                .is_some_and(|i| i >= record.len())
        }) {
            return Err(bad(
                Some(line),
                Some(r),
                format!(
                    "the row has {} field(s); the header names {}, so `{r}` is missing",
                    record.len(),
                    headers.len()
                ),
                &format!(
                    "every row needs: {} (add the missing fields, or quote a value that contains a comma)",
                    required.join(", ")
                ),
            ));
        }
        let mut row: BTreeMap<String, String> = headers
            .iter()
            .cloned()
            .zip(record.iter().map(|v| v.trim().to_string()))
            .collect();
        for h in &headers {
            row.entry(h.clone()).or_default();
        }
        row.insert("__line".into(), line.to_string());
        rows.push(row);
    }
    Ok(rows)
}

/// Runs the stage.
///
/// # Errors
/// Unreadable alias or enti gestori files, input tables without the canonical columns.
#[allow(clippy::too_many_lines)]
pub fn run(input: &StageInput) -> Result<StageOutput, StageError> {
    let params: Params = input.params()?;
    for (name, value) in [
        ("fuzzy_threshold", params.fuzzy_threshold),
        ("review_from", params.review_from),
        ("review_merges_below", params.review_merges_below),
    ] {
        if !(0.5..=1.0).contains(&value) {
            return Err(StageError::Compute(format!(
                "param `{name}` = {value} must be between 0.5 and 1"
            )));
        }
    }
    let (_shared, resolution) = shared_resolution(input, &params)?;
    let Resolution {
        res,
        tables: resolved,
        summary: resolved_summary,
        review_line,
        roster_rows,
        actor_index,
        actor_ids,
        ties,
        wave,
        intensity,
    } = &*resolution;
    let mut summary = resolved_summary.clone();
    let project = texts(ties, "project")?;
    let respondent = texts(ties, "respondent")?;
    let alter = texts(ties, "alter")?;
    let relation = texts(ties, "relation")?;
    // Keys as numbers whose order is the text order (projects, layers, actor ids), so the ties
    // come out in the order text keys would give, without a string per key.
    let id_of = |raw: &str, project: &str| -> Option<u32> {
        res.find(raw, project)
            .map(|i| actor_index[i])
            .filter(|&a| a != u32::MAX)
    };
    let numbering = |names: BTreeSet<&str>| -> (Vec<String>, BTreeMap<String, u32>) {
        let list: Vec<String> = names.into_iter().map(str::to_string).collect();
        let map = (0u32..).zip(&list).map(|(n, p)| (p.clone(), n)).collect();
        (list, map)
    };
    let (project_names, project_no) = numbering(
        project
            .iter()
            .copied()
            .chain(roster_rows.iter().map(|r| r.0.as_str()))
            .collect(),
    );
    let (layer_names, layer_no) = numbering(relation.iter().copied().collect());

    // Ties: reports → undirected valued ties.
    let mut responded: BTreeSet<(u32, i64, u32)> = BTreeSet::new();
    for (p, w, o, r) in roster_rows.iter() {
        if *r {
            if let Some(id) = id_of(o, p) {
                responded.insert((project_no[p], *w, id));
            }
        }
    }
    // (project, wave, layer, lower id, higher id) → (lower reported, higher reported, weight).
    type TieKey = (u32, i64, u32, u32, u32);
    let mut reports: BTreeMap<TieKey, (bool, bool, i64)> = BTreeMap::new();
    let mut self_ties = 0usize;
    for i in 0..project.len() {
        let (Some(a), Some(b)) = (
            id_of(respondent[i], project[i]),
            id_of(alter[i], project[i]),
        ) else {
            continue;
        };
        let p = project_no[project[i]];
        let w = wave[i].unwrap_or(0);
        responded.insert((p, w, a));
        if a == b {
            self_ties += 1;
            continue;
        }
        let wave_out = if relation[i] == "prior" { 0 } else { w };
        let layer = layer_no[relation[i]];
        let (s, t) = if a < b { (a, b) } else { (b, a) };
        let entry = reports
            .entry((p, wave_out, layer, s, t))
            .or_insert((false, false, 0));
        if a == s {
            entry.0 = true;
        } else {
            entry.1 = true;
        }
        entry.2 = entry
            .2
            .max(intensity[i].unwrap_or(params.missing_intensity));
    }
    let mut tie_rows = TieRows::default();
    let mut reconstructed = 0usize;
    for ((p, w, layer, s, t), (by_s, by_t, weight)) in reports {
        let confirmed = by_s && by_t;
        if params.symmetrize == Symmetrize::Intersection && !confirmed {
            continue;
        }
        let survey_wave = if w == 0 { 1 } else { w };
        let silent = if by_s { t } else { s };
        let recon = !confirmed && !responded.contains(&(p, survey_wave, silent));
        reconstructed += usize::from(recon);
        tie_rows.project.push(&project_names[p as usize]);
        tie_rows.wave.push(i32::try_from(w).unwrap_or(0));
        tie_rows.layer.push(&layer_names[layer as usize]);
        tie_rows.source.push(&actor_ids[s as usize]);
        tie_rows.target.push(&actor_ids[t as usize]);
        tie_rows.weight.push(weight);
        tie_rows.reports.push(i32::from(by_s) + i32::from(by_t));
        tie_rows.reconstructed.push(recon);
    }
    summary.push(format!(
        "{} ties ({} symmetrisation; {} reconstructed from the other side's report), {} self-citations found after resolution dropped",
        tie_rows.project.len(),
        if params.symmetrize == Symmetrize::Union { "union" } else { "intersection" },
        reconstructed,
        self_ties
    ));
    let mut tables = resolved.clone();
    summary.push(review_line.clone());
    tables.insert("ties".to_string(), tie_rows.frame()?);
    Ok(StageOutput {
        tables,
        files: BTreeMap::new(),
        summary,
    })
}

/// The resolution of every spelling into organisations: what both symmetrisations share.
struct Resolution {
    res: Resolver,
    /// `actors`, `actor_matches`, `review`.
    tables: BTreeMap<String, DataFrame>,
    summary: Vec<String>,
    /// The summary's line on the review queue (it comes after the ties').
    review_line: String,
    roster_rows: Vec<(String, i64, String, bool)>,
    /// Record → its actor's number (index in `actor_ids`), `u32::MAX` for none.
    actor_index: Vec<u32>,
    /// The actor ids by number: their order is their text order (zero-padded).
    actor_ids: Vec<String>,
    /// The `ties` input (its text columns are read in place, not copied).
    ties: DataFrame,
    wave: Vec<Option<i64>>,
    intensity: Vec<Option<i64>>,
}

/// A resolution being computed or used by a stage, shared by the stages that resolve the same
/// inputs with the same resolution params (`clean_actors` with `union` and `intersection` run
/// side by side): the second waits for the first instead of resolving again, and the memory is
/// freed when the last one is done with it.
type SharedCell = OnceLock<Option<Arc<Resolution>>>;

static SHARED: Mutex<BTreeMap<[u8; 32], Weak<SharedCell>>> = Mutex::new(BTreeMap::new());

/// What a resolution depends on: the content hashes of its inputs and the params other than
/// `symmetrize` and `missing_intensity`; `None` without the inputs' hashes (then nothing is
/// shared).
fn resolution_key(input: &StageInput, params: &Params) -> Option<[u8; 32]> {
    let mut h = blake3::Hasher::new_derive_key("wecare clean_actors resolution v1");
    h.update(input.input_hashes.get("ties")?.as_bytes());
    for slot in ["roster", "aliases", "enti_gestori"] {
        let hash = input.input_hashes.get(slot).map_or("-", String::as_str);
        let display = input.files.get(slot).map_or("", |f| f.display.as_str());
        let part = format!("{slot}={hash}@{display}");
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    let rest = format!(
        "{:?}",
        (
            params.fuzzy_threshold,
            &params.acronyms,
            params.review_from,
            params.review_merges_below
        )
    );
    h.update(rest.as_bytes());
    Some(*h.finalize().as_bytes())
}

/// The resolution of `input`, computed here or by a stage running beside this one with the same
/// key; the first value keeps it alive while this stage uses it.
fn shared_resolution(
    input: &StageInput,
    params: &Params,
) -> Result<(Option<Arc<SharedCell>>, Arc<Resolution>), StageError> {
    let Some(key) = resolution_key(input, params) else {
        return Ok((None, Arc::new(resolve(input, params)?)));
    };
    let cell = {
        let mut shared = SHARED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        shared.retain(|_, w| w.strong_count() > 0);
        if let Some(cell) = shared.get(&key).and_then(Weak::upgrade) {
            cell
        } else {
            let cell = Arc::new(SharedCell::new());
            shared.insert(key, Arc::downgrade(&cell));
            cell
        }
    };
    let mut failed = None;
    let got = cell.get_or_init(|| match resolve(input, params) {
        Ok(r) => Some(Arc::new(r)),
        Err(e) => {
            failed = Some(e);
            None
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    match got {
        Some(r) => {
            let r = Arc::clone(r);
            Ok((Some(cell), r))
        }
        // The stage that resolved first failed: resolve here to report the error.
        None => Ok((None, Arc::new(resolve(input, params)?))),
    }
}

/// Resolves every spelling of the ties, the roster, the aliases and the enti gestori list.
fn resolve(input: &StageInput, params: &Params) -> Result<Resolution, StageError> {
    let ties = input.table("ties")?;
    let project = texts(ties, "project")?;
    let respondent = texts(ties, "respondent")?;
    let respondent_type = texts(ties, "respondent_type")?;
    let alter = texts(ties, "alter")?;
    let alter_type = texts(ties, "alter_type")?;
    texts(ties, "relation")?; // checked here; read where the ties are built
    let wave = ints(ties, "wave")?;
    let intensity = ints(ties, "intensity")?;

    let mut res = Resolver::default();
    for i in 0..project.len() {
        res.mention(respondent[i], project[i], respondent_type[i], 3);
        res.mention(alter[i], project[i], alter_type[i], 1);
    }
    let roster = input.tables.get("roster");
    let mut roster_rows = Vec::new();
    if let Some(roster) = roster {
        let (p, o, t, w, r) = (
            strings(roster, "project")?,
            strings(roster, "organisation")?,
            strings(roster, "organisation_type")?,
            ints(roster, "wave")?,
            bools(roster, "responded")?,
        );
        for i in 0..p.len() {
            res.mention(&o[i], &p[i], &t[i], 2);
            roster_rows.push((
                p[i].clone(),
                w[i].unwrap_or(0),
                o[i].clone(),
                r[i].unwrap_or(false),
            ));
        }
    }
    res.seal_mentions();
    let mut summary = Vec::new();
    if let Some(file) = input.files.get("enti_gestori") {
        let rows = read_list(file, &["name", "acronym", "type_code"])?;
        for (n, row) in rows.iter().enumerate() {
            let code = vocab_code(&row["type_code"])
                .filter(|c| crate::vocab::by_code(c).is_some_and(|t| t.ente_gestore))
                .ok_or_else(|| StageError::Input {
                    file: file.display.clone(),
                    line: row["__line"].parse().ok().or(Some(n as u64 + 2)),
                    column: Some("type_code".into()),
                    message: format!("`{}` is not an ente gestore type", row["type_code"]),
                    hint: Some("use eg_consortium, eg_mountain_union or eg_municipality".into()),
                })?;
            res.ente_gestore(
                &row["name"],
                &row["acronym"],
                code,
                row.get("territory").map_or("", String::as_str),
            );
        }
        summary.push(format!(
            "{} enti gestori listed in {}",
            rows.len(),
            file.display
        ));
    }
    let mut alias_rows: Vec<(String, String)> = params
        .acronyms
        .iter()
        .map(|(a, c)| (a.clone(), c.clone()))
        .collect();
    let mut apart_rows: Vec<(String, String)> = Vec::new();
    if let Some(file) = input.files.get("aliases") {
        for row in read_list(file, &["alias", "canonical_name"])? {
            if let Some(empty) = ["alias", "canonical_name"]
                .into_iter()
                .find(|c| row[*c].is_empty())
            {
                return Err(StageError::Input {
                    file: file.display.clone(),
                    line: row["__line"].parse().ok(),
                    column: Some(empty.into()),
                    message: format!("empty `{empty}`"),
                    hint: Some("each row maps one spelling (`alias`) to one organisation (`canonical_name`); fill both or delete the row".into()),
                });
            }
            let decision = row.get("decision").map_or("", String::as_str);
            match vocab::fold_label(decision).as_str() {
                "" | "same" | "yes" | "si" => {
                    alias_rows.push((row["alias"].clone(), row["canonical_name"].clone()));
                }
                "different" | "no" => {
                    apart_rows.push((row["alias"].clone(), row["canonical_name"].clone()));
                }
                _ => {
                    return Err(StageError::Input {
                        file: file.display.clone(),
                        line: row["__line"].parse().ok(),
                        column: Some("decision".into()),
                        message: format!("`{decision}` is not a decision"),
                        hint: Some(
                            "write `same` (the two spellings are one organisation) or `different` (never join them)"
                                .into(),
                        ),
                    })
                }
            }
        }
    }
    for (a, b) in &apart_rows {
        res.different(a, b);
    }
    for (alias, canonical) in &alias_rows {
        res.alias(alias, canonical);
    }
    res.link_enti_gestori();
    res.by_key();
    res.truncated();
    res.by_acronym();
    res.fuzzy(params.fuzzy_threshold, params.review_from);
    res.by_kind_number();
    res.by_extension();

    // Actors: canonical name, type, sector.
    let clusters = res.clusters();
    let mut actors: Vec<Actor> = Vec::new();
    for members in clusters.values() {
        if members.iter().all(|&m| res.records[m].virtual_) {
            continue;
        }
        let recs: Vec<&resolve::Record> = members.iter().map(|&m| &res.records[m]).collect();
        let eg = recs.iter().find(|r| r.eg_type.is_some());
        let alias_target = recs.iter().find(|r| r.alias_target);
        let name = eg.or(alias_target).map_or_else(
            || {
                recs.iter()
                    .filter(|r| !r.virtual_)
                    .max_by(|a, b| {
                        a.mentions
                            .cmp(&b.mentions)
                            .then(a.raw.len().cmp(&b.raw.len()))
                            .then(b.raw.cmp(&a.raw))
                    })
                    .map(|r| r.raw.clone())
                    .unwrap_or_default()
            },
            |r| r.raw.clone(),
        );
        let mut votes: BTreeMap<&'static str, u32> = BTreeMap::new();
        for r in &recs {
            for (code, n) in &r.type_votes {
                *votes.entry(code).or_default() += n;
            }
        }
        let family = recs
            .iter()
            .filter_map(|r| r.norm.family)
            .max_by_key(|f| *f as u8);
        let (type_code, type_source) = if let Some(code) = eg.and_then(|r| r.eg_type) {
            (code, "enti_gestori")
        } else if let Some((code, _)) = votes.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        {
            // A bare "Consorzio …" missing from the enti gestori list is a consortium of co-operatives.
            let code = if *code == "eg_consortium"
                && input.files.contains_key("enti_gestori")
                && family != Some(Family::ServicesConsortium)
            {
                "coop_consortium"
            } else {
                code
            };
            (code, "labels")
        } else if let Some(f) = family {
            let code = if f == Family::Consortium && input.files.contains_key("enti_gestori") {
                "coop_consortium"
            } else {
                f.default_type()
            };
            (code, "name")
        } else {
            ("other", "none")
        };
        let projects = recs
            .iter()
            .flat_map(|r| r.projects.iter().cloned())
            .collect();
        let mentions = recs.iter().map(|r| r.mentions).sum();
        actors.push(Actor {
            name,
            type_code,
            type_source,
            members: members.clone(),
            projects,
            mentions,
        });
    }
    actors.sort_by(|a, b| a.name.cmp(&b.name).then(a.members.cmp(&b.members)));
    let width = actors.len().to_string().len().max(4);
    let mut actor_of: BTreeMap<usize, String> = BTreeMap::new();
    let mut actor_rows = ActorRows::default();
    let mut match_rows = MatchRows::default();
    let mut low_merges: Vec<(usize, Method, f64)> = Vec::new();
    let mut actor_index = vec![u32::MAX; res.records.len()];
    let mut actor_ids: Vec<String> = Vec::with_capacity(actors.len());
    for (n, a) in actors.iter().enumerate() {
        let id = format!("A{:0width$}", n + 1);
        let number = u32::try_from(n).map_err(|_| StageError::Compute("too many actors".into()))?;
        let canonical_key = normalise(&a.name).key;
        let t = crate::vocab::by_code(a.type_code).expect("vocabulary code");
        actor_rows.push(&id, a, t);
        for &m in &a.members {
            actor_of.insert(m, id.clone());
            actor_index[m] = number;
            let r = &res.records[m];
            if r.virtual_ {
                continue;
            }
            let (method, score) = if r.raw == a.name || a.members.len() == 1 {
                (Method::Exact, 1.0)
            } else if res.aliased.contains(&m) {
                res.link[m].unwrap_or((Method::Alias, 1.0))
            } else if r.norm.key == canonical_key {
                (Method::Normalised, resolve::SCORE_NORMALISED)
            } else {
                res.link[m].unwrap_or((Method::Normalised, resolve::SCORE_NORMALISED))
            };
            match_rows.push(&r.raw, &id, method.as_str(), score, r);
            if score < params.review_merges_below {
                low_merges.push((m, method, score));
            }
        }
        actor_ids.push(id);
    }
    let review = review_rows(&mut res, &actor_of, &actors_by_id(&actor_rows), &low_merges)?;
    summary.push(format!(
        "{} spellings → {} organisations ({} merges refused: incompatible types)",
        match_rows.raw_name.len(),
        actor_rows.actor_id.len(),
        res.refused
    ));
    let review_height = review.height();
    let mut tables = BTreeMap::new();
    tables.insert("actors".to_string(), actor_rows.frame()?);
    tables.insert("actor_matches".to_string(), match_rows.frame()?);
    tables.insert("review".to_string(), review);
    let review_line =
        format!("{review_height} pairs to review (`wecare show clean_actors.review`)");
    res.release_caches();
    Ok(Resolution {
        review_line,
        res,
        tables,
        summary,
        roster_rows,
        actor_index,
        actor_ids,
        ties: ties.clone(),
        wave,
        intensity,
    })
}

/// One resolved organisation before it gets its id.
struct Actor {
    name: String,
    type_code: &'static str,
    type_source: &'static str,
    members: Vec<usize>,
    projects: BTreeSet<String>,
    mentions: u32,
}

fn vocab_code(raw: &str) -> Option<&'static str> {
    crate::vocab::by_code(raw.trim())
        .map(|t| t.code)
        .or_else(|| crate::vocab::from_label(raw).map(|t| t.code))
}

#[derive(Default)]
struct ActorRows {
    actor_id: Vec<String>,
    name: Vec<String>,
    type_code: Vec<String>,
    sector: Vec<String>,
    ente_gestore: Vec<bool>,
    type_source: Vec<String>,
    n_spellings: Vec<i64>,
    n_mentions: Vec<i64>,
    projects: Vec<String>,
}

impl ActorRows {
    fn frame(self) -> Result<DataFrame, StageError> {
        Ok(DataFrame::new_infer_height(vec![
            Column::new("actor_id".into(), self.actor_id),
            Column::new("name".into(), self.name),
            Column::new("type_code".into(), self.type_code),
            Column::new("sector".into(), self.sector),
            Column::new("ente_gestore".into(), self.ente_gestore),
            Column::new("type_source".into(), self.type_source),
            Column::new("n_spellings".into(), self.n_spellings),
            Column::new("n_mentions".into(), self.n_mentions),
            Column::new("projects".into(), self.projects),
        ])?)
    }
}

impl ActorRows {
    fn push(&mut self, id: &str, a: &Actor, t: &crate::vocab::OrgType) {
        self.actor_id.push(id.to_string());
        self.name.push(a.name.clone());
        self.type_code.push(a.type_code.to_string());
        self.sector.push(t.sector.as_str().to_string());
        self.ente_gestore.push(t.ente_gestore);
        self.type_source.push(a.type_source.to_string());
        self.n_spellings
            .push(i64::try_from(a.members.len()).unwrap_or(0));
        self.n_mentions.push(i64::from(a.mentions));
        self.projects
            .push(a.projects.iter().cloned().collect::<Vec<_>>().join(";"));
    }
}

#[derive(Default)]
struct MatchRows {
    raw_name: Vec<String>,
    actor_id: Vec<String>,
    method: Vec<String>,
    score: Vec<f64>,
    key: Vec<String>,
    unit: Vec<Option<String>>,
    mentions: Vec<i64>,
    projects: Vec<String>,
}

impl MatchRows {
    fn push(&mut self, raw: &str, id: &str, method: &str, score: f64, r: &resolve::Record) {
        self.raw_name.push(raw.to_string());
        self.actor_id.push(id.to_string());
        self.method.push(method.to_string());
        self.score.push((score * 10_000.0).round() / 10_000.0);
        self.key.push(r.norm.key.clone());
        self.unit.push(r.norm.unit.clone());
        self.mentions.push(i64::from(r.mentions));
        self.projects
            .push(r.projects.iter().cloned().collect::<Vec<_>>().join(";"));
    }

    fn frame(self) -> Result<DataFrame, StageError> {
        let df = DataFrame::new_infer_height(vec![
            Column::new("raw_name".into(), self.raw_name),
            Column::new("actor_id".into(), self.actor_id),
            Column::new("method".into(), self.method),
            Column::new("score".into(), self.score),
            Column::new("key".into(), self.key),
            Column::new("unit".into(), self.unit),
            Column::new("mentions".into(), self.mentions),
            Column::new("projects".into(), self.projects),
        ])?;
        Ok(df.sort(
            ["raw_name", "projects"],
            SortMultipleOptions::default().with_maintain_order(true),
        )?)
    }
}

/// `ties`, column by column; its text borrowed from the numbering (millions of rows at 10,000
/// projects: a `String` a cell cost ~300 MB a symmetrisation).
#[derive(Default)]
struct TieRows<'a> {
    project: Vec<&'a str>,
    wave: Vec<i32>,
    layer: Vec<&'a str>,
    source: Vec<&'a str>,
    target: Vec<&'a str>,
    weight: Vec<i64>,
    reports: Vec<i32>,
    reconstructed: Vec<bool>,
}

impl TieRows<'_> {
    fn frame(self) -> Result<DataFrame, StageError> {
        Ok(DataFrame::new_infer_height(vec![
            Column::new("project".into(), self.project),
            Column::new("wave".into(), self.wave),
            Column::new("layer".into(), self.layer),
            Column::new("source".into(), self.source),
            Column::new("target".into(), self.target),
            Column::new("weight".into(), self.weight),
            Column::new("reports".into(), self.reports),
            Column::new("reconstructed".into(), self.reconstructed),
        ])?)
    }
}

fn actors_by_id(rows: &ActorRows) -> BTreeMap<String, (String, String)> {
    rows.actor_id
        .iter()
        .zip(rows.name.iter().zip(&rows.type_code))
        .map(|(id, (n, t))| (id.clone(), (n.clone(), t.clone())))
        .collect()
}

/// The review queue: pairs compared and not joined (nearest first), then the joins made with
/// least confidence. One row per pair of spellings.
fn review_rows(
    res: &mut Resolver,
    actor_of: &BTreeMap<usize, String>,
    actors: &BTreeMap<String, (String, String)>,
    low_merges: &[(usize, Method, f64)],
) -> Result<DataFrame, StageError> {
    type Row = (String, String, f64, String, String);
    let mut rows: BTreeMap<(String, String, String), Row> = BTreeMap::new();
    let candidates = res.candidates.clone();
    for c in candidates {
        let (Some(ia), Some(ib)) = (actor_of.get(&c.a), actor_of.get(&c.b)) else {
            continue;
        };
        if ia == ib {
            continue;
        }
        let conflict = res.conflict(c.a, c.b, false);
        // Two kinds of body that share only a place name ("Comune di Alba", "Caritas Alba")
        // are not a near miss.
        let one_word = |r: &resolve::Record| !r.norm.key.contains(' ');
        if conflict
            .as_deref()
            .is_some_and(|r| r.starts_with("different kinds") || r.starts_with("different bodies"))
            && (one_word(&res.records[c.a]) || one_word(&res.records[c.b]))
        {
            continue;
        }
        let reason = conflict.unwrap_or_else(|| match c.method {
            Method::Extension => "several longer names of the project extend it".to_string(),
            Method::Fuzzy => "similar, below `fuzzy_threshold`".to_string(),
            _ => "not joined".to_string(),
        });
        let (a, b) = (res.records[c.a].raw.clone(), res.records[c.b].raw.clone());
        let (a, b, ia, ib) = if a <= b {
            (a, b, ia, ib)
        } else {
            (b, a, ib, ia)
        };
        let key = (a.clone(), b.clone(), "not_merged".to_string());
        let entry = rows.entry(key).or_insert((
            ia.clone(),
            ib.clone(),
            c.score,
            c.method.as_str().to_string(),
            reason,
        ));
        if c.score > entry.2 {
            entry.2 = c.score;
        }
    }
    for &(m, method, score) in low_merges {
        let Some(id) = actor_of.get(&m) else { continue };
        let name = actors.get(id).map(|(n, _)| n.clone()).unwrap_or_default();
        let raw = res.records[m].raw.clone();
        rows.insert(
            (raw, name, "merged".to_string()),
            (
                id.clone(),
                id.clone(),
                score,
                method.as_str().to_string(),
                format!("joined by {} with score {score:.2}", method.as_str()),
            ),
        );
    }
    let mut sorted: Vec<_> = rows.into_iter().collect();
    sorted.sort_by(|x, y| {
        (x.0 .2 == "merged")
            .cmp(&(y.0 .2 == "merged"))
            .then(if x.0 .2 == "merged" {
                x.1 .2.total_cmp(&y.1 .2)
            } else {
                y.1 .2.total_cmp(&x.1 .2)
            })
            .then(x.0.cmp(&y.0))
    });
    let projects_of = |res: &Resolver, raw: &str| -> String {
        res.find_raw(raw)
            .map(|i| {
                res.records[i]
                    .projects
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(";")
            })
            .unwrap_or_default()
    };
    let mut cols: [Vec<String>; 11] = Default::default();
    let mut scores = Vec::new();
    for ((a, b, decision), (ia, ib, score, method, reason)) in &sorted {
        let ta = actors.get(ia).map(|x| x.1.clone()).unwrap_or_default();
        let tb = actors.get(ib).map(|x| x.1.clone()).unwrap_or_default();
        for (col, v) in cols.iter_mut().zip([
            decision.clone(),
            method.clone(),
            reason.clone(),
            a.clone(),
            b.clone(),
            ia.clone(),
            ib.clone(),
            ta,
            tb,
            projects_of(res, a),
            projects_of(res, b),
        ]) {
            col.push(v);
        }
        scores.push((score * 10_000.0).round() / 10_000.0);
    }
    let names = [
        "decision",
        "method",
        "reason",
        "name_a",
        "name_b",
        "actor_a",
        "actor_b",
        "type_a",
        "type_b",
        "projects_a",
        "projects_b",
    ];
    let mut columns: Vec<Column> = vec![Column::new("score".into(), scores)];
    for (name, col) in names.iter().zip(cols) {
        columns.push(Column::new((*name).into(), col));
    }
    // `decision` first, then the score: the queue reads top to bottom.
    let df = DataFrame::new_infer_height(columns)?;
    Ok(df.select([
        "decision",
        "score",
        "name_a",
        "name_b",
        "actor_a",
        "actor_b",
        "type_a",
        "type_b",
        "projects_a",
        "projects_b",
        "method",
        "reason",
    ])?)
}
