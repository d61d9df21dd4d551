//! `wecare synth`: the default dataset. The real survey microdata of the programme are not
//! public, so the default project ships synthetic data that behave like the real thing — in
//! structure, dynamics and mess — and know their own truth (`data/truth/`, read by tests only).
//!
//! Generation is deterministic: the cast of organisations is drawn from one seeded stream, each
//! project's networks and survey from its own stream, so projects can be generated in parallel
//! and written in order: same config and seed → same bytes, whatever the thread count.
pub mod config;
pub mod model;
pub mod names;
pub mod output;
pub mod survey;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rand::Rng as _;
use rayon::prelude::*;

pub use config::{Mess, SynthConfig, DEFAULT_CONFIG};
use model::{Cast, Pair, ProjectCast, TrueProject};
use survey::{MessCounts, ProjectSurvey};

/// Why `wecare synth` failed.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// The config file is not valid.
    #[error("{path}: {message}")]
    Config {
        /// The config file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{0}")]
    Io(String),
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    /// The config file (written with the defaults when missing).
    pub config: PathBuf,
    /// The data directory to write.
    pub out: PathBuf,
    /// Overrides of the config.
    pub seed: Option<u64>,
    pub projects: Option<usize>,
    pub scenario: Option<String>,
    /// Multiplies every mess rate (robustness tests use 2).
    pub mess_scale: Option<f64>,
}

/// What was generated.
#[derive(Debug, Clone)]
pub struct SynthSummary {
    pub projects: usize,
    pub organisations: usize,
    pub wave_rows: [usize; 3],
    pub files: Vec<String>,
}

/// Loads the config named in `opts` (writing the default one if the file does not exist) and
/// applies the command-line overrides.
///
/// # Errors
/// When the config cannot be read or is invalid.
pub fn load_config(opts: &SynthOptions) -> Result<(SynthConfig, Mess), SynthError> {
    let text = match std::fs::read_to_string(&opts.config) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = opts.config.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| SynthError::Io(format!("{}: {e}", dir.display())))?;
            }
            std::fs::write(&opts.config, DEFAULT_CONFIG)
                .map_err(|e| SynthError::Io(format!("{}: {e}", opts.config.display())))?;
            DEFAULT_CONFIG.to_string()
        }
        Err(e) => return Err(SynthError::Io(format!("{}: {e}", opts.config.display()))),
    };
    let mut config = SynthConfig::parse(&text).map_err(|message| SynthError::Config {
        path: opts.config.display().to_string(),
        message,
    })?;
    if let Some(seed) = opts.seed {
        config.synth.seed = seed;
    }
    if let Some(n) = opts.projects {
        config.synth.projects = n;
    }
    if let Some(s) = &opts.scenario {
        config.synth.scenario.clone_from(s);
    }
    if config.synth.projects == 0 {
        return Err(SynthError::Config {
            path: opts.config.display().to_string(),
            message: "projects must be at least 1".into(),
        });
    }
    let check = SynthConfig::parse(&toml::to_string(&config).unwrap_or_default());
    if let Err(message) = check {
        return Err(SynthError::Config {
            path: opts.config.display().to_string(),
            message,
        });
    }
    let mess = config.mess.scaled(opts.mess_scale.unwrap_or(1.0));
    Ok((config, mess))
}

/// Per-project facts measured on the truth.
#[derive(Debug, Clone)]
struct Measures {
    row: Vec<String>,
}

fn jaccard(a: &BTreeMap<Pair, u8>, b: &BTreeMap<Pair, u8>) -> f64 {
    let inter = a.keys().filter(|k| b.contains_key(k)).count();
    let union = a.len() + b.len() - inter;
    #[allow(clippy::cast_precision_loss)]
    if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    }
}

fn nodes(t: &BTreeMap<Pair, u8>) -> BTreeSet<usize> {
    t.keys().flat_map(|&(a, b)| [a, b]).collect()
}

fn f(x: f64) -> String {
    format!("{x:.4}")
}

fn measures(cast: &Cast, pc: &ProjectCast, t: &TrueProject, s: &ProjectSurvey) -> Measures {
    let w = |wave: u8| &t.ties[&(wave, "collaboration")];
    let prior = &t.ties[&(0, "prior")];
    let after = &t.ties[&(3, "after")];
    let w1_nodes = nodes(w(1));
    let with_after = nodes(after);
    #[allow(clippy::cast_precision_loss)]
    let continuity = w1_nodes.iter().filter(|o| with_after.contains(o)).count() as f64
        / w1_nodes.len().max(1) as f64;
    #[allow(clippy::cast_precision_loss)]
    let prior_share =
        w(1).keys().filter(|k| prior.contains_key(k)).count() as f64 / w(1).len().max(1) as f64;
    #[allow(clippy::cast_precision_loss)]
    let rate = |i: usize| s.responded[i].len() as f64 / s.surveyed[i].len().max(1) as f64;
    let centres: Vec<&str> = pc
        .centres
        .iter()
        .map(|&o| cast.orgs[o].id.as_str())
        .collect();
    let c = &t.coding;
    let _ = c;
    Measures {
        row: vec![
            pc.code.clone(),
            pc.territory.clone(),
            pc.net_type.as_str().to_string(),
            centres.join(";"),
            f(t.social_capital),
            f(t.outcome),
            w1_nodes.len().to_string(),
            nodes(w(2)).len().to_string(),
            nodes(w(3)).len().to_string(),
            prior.len().to_string(),
            w(1).len().to_string(),
            w(2).len().to_string(),
            w(3).len().to_string(),
            after.len().to_string(),
            f(prior_share),
            f(jaccard(w(1), w(2))),
            f(jaccard(w(2), w(3))),
            f(jaccard(w(3), prior)),
            f(continuity),
            f(rate(0)),
            f(rate(1)),
            f(rate(2)),
        ],
    }
}

const TRUTH_PROJECT_HEADER: &[&str] = &[
    "project",
    "territory",
    "network_type",
    "centres",
    "prior_social_capital",
    "outcome_latent",
    "actors_w1",
    "actors_w2",
    "actors_w3",
    "ties_prior",
    "ties_w1",
    "ties_w2",
    "ties_w3",
    "ties_after",
    "prior_share_w1",
    "jaccard_w1_w2",
    "jaccard_w2_w3",
    "jaccard_w3_prior",
    "continuity_share",
    "response_rate_w1",
    "response_rate_w2",
    "response_rate_w3",
];

/// Generates the whole dataset into `dir`.
///
/// # Errors
/// When a file cannot be written.
#[allow(clippy::too_many_lines)]
pub fn generate(config: &SynthConfig, mess: &Mess, dir: &Path) -> Result<SynthSummary, SynthError> {
    let cast = model::cast(config);
    let mut out = output::Outputs::create(dir)?;
    let mut project_rows = Vec::new();
    let mut truth_rows = Vec::new();
    let mut mess_total = MessCounts::new();
    let mut alias_candidates: BTreeSet<(String, usize)> = BTreeSet::new();
    let mut wave_rows = [0usize; 3];
    let by_id: BTreeMap<&str, usize> = cast
        .orgs
        .iter()
        .enumerate()
        .map(|(i, o)| (o.id.as_str(), i))
        .collect();
    for chunk in cast.projects.chunks(32) {
        let results: Vec<(TrueProject, ProjectSurvey)> = chunk
            .par_iter()
            .map(|pc| {
                let truth = model::project(config, &cast, pc);
                let survey = survey::simulate(config, mess, &cast, pc, &truth);
                (truth, survey)
            })
            .collect();
        for (pc, (truth, survey)) in chunk.iter().zip(results) {
            out.project(&cast, pc, &truth, &survey)?;
            for (i, n) in wave_rows.iter_mut().enumerate() {
                *n += survey.waves[i].len();
            }
            for (k, (e, o)) in &survey.mess {
                let t = mess_total.entry(k).or_insert((0, 0));
                t.0 += e;
                t.1 += o;
            }
            for (raw, id, _) in &survey.names {
                let org = &cast.orgs[by_id[id.as_str()]];
                let folded_name = crate::vocab::fold_label(&org.name);
                let hard = org.acronym.as_deref() == Some(raw.as_str())
                    || (org.parts.alternatives.contains(raw)
                        && !folded_name.contains(&crate::vocab::fold_label(raw)));
                if hard {
                    alias_candidates.insert((raw.clone(), by_id[id.as_str()]));
                }
            }
            let c = &truth.coding;
            let lead = &cast.orgs[pc.egs[0]].name;
            let b = |x: bool| u8::from(x).to_string();
            project_rows.push(vec![
                pc.code.clone(),
                pc.territory.clone(),
                lead.clone(),
                pc.budget_eur.to_string(),
                c.implementation_level.to_string(),
                c.problem_reframing.to_string(),
                b(c.new_policy_tools),
                b(c.prevention_shift),
                b(c.new_problem_addressed),
                b(c.unified_management),
                b(c.protocol_signed),
                b(c.minors_families_focus),
                b(c.social_housing_focus),
            ]);
            truth_rows.push(measures(&cast, pc, &truth, &survey).row);
        }
    }
    out.finish()?;
    output::write_csv(
        &dir.join("projects.csv"),
        &[
            "project",
            "territory",
            "lead_ente_gestore",
            "budget_eur",
            "implementation_level",
            "problem_reframing",
            "new_policy_tools",
            "prevention_shift",
            "new_problem_addressed",
            "unified_management",
            "protocol_signed_after_end",
            "minors_families_focus",
            "social_housing_focus",
        ],
        &project_rows,
    )?;
    let egs: Vec<Vec<String>> = cast
        .orgs
        .iter()
        .filter(|o| crate::vocab::by_code(o.type_code).is_some_and(|t| t.ente_gestore))
        .map(|o| {
            vec![
                o.name.clone(),
                o.acronym.clone().unwrap_or_default(),
                o.type_code.to_string(),
                o.territory.clone(),
            ]
        })
        .collect();
    output::write_csv(
        &dir.join("enti_gestori.csv"),
        &["name", "acronym", "type_code", "territory"],
        &egs,
    )?;
    // Hand-confirmed aliases: a share of the hard variants (acronyms, reworded names), unambiguous only.
    let mut rng = model::stream(config.synth.seed, "aliases", 0);
    let mut targets: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    for (raw, o) in &alias_candidates {
        targets.entry(raw.as_str()).or_default().insert(*o);
    }
    let aliases: Vec<Vec<String>> = targets
        .iter()
        .filter(|(_, orgs)| orgs.len() == 1)
        .filter(|_| rng.random_bool(mess.alias_confirmed.clamp(0.0, 1.0)))
        .map(|(raw, orgs)| {
            let org = &cast.orgs[*orgs.iter().next().expect("one")];
            vec![
                (*raw).to_string(),
                org.name.clone(),
                "confirmed by hand".to_string(),
            ]
        })
        .collect();
    output::write_csv(
        &dir.join("aliases.csv"),
        &["alias", "canonical_name", "note"],
        &aliases,
    )?;
    let truth = dir.join("truth");
    let orgs: Vec<Vec<String>> = cast
        .orgs
        .iter()
        .map(|o| {
            let projects: Vec<&str> = o
                .projects
                .iter()
                .map(|&p| cast.projects[p].code.as_str())
                .collect();
            let eg = crate::vocab::by_code(o.type_code).is_some_and(|t| t.ente_gestore);
            vec![
                o.id.clone(),
                o.name.clone(),
                o.type_code.to_string(),
                output::sector(o.type_code).to_string(),
                u8::from(eg).to_string(),
                o.territory.clone(),
                o.acronym.clone().unwrap_or_default(),
                projects.join(";"),
            ]
        })
        .collect();
    output::write_csv(
        &truth.join("organisations.csv"),
        &[
            "actor_id",
            "name",
            "type_code",
            "sector",
            "ente_gestore",
            "territory",
            "acronym",
            "projects",
        ],
        &orgs,
    )?;
    output::write_csv(
        &truth.join("projects.csv"),
        TRUTH_PROJECT_HEADER,
        &truth_rows,
    )?;
    let configured: BTreeMap<&str, f64> = [
        ("name_variant", mess.name_variant),
        ("typo", mess.typo),
        ("acronym", mess.acronym),
        ("mojibake", mess.mojibake),
        ("duplicate_row", mess.duplicate_row),
        ("self_citation", mess.self_citation),
        ("non_so", mess.non_so),
        ("mai", mess.mai),
        ("unknown_project", mess.unknown_project),
        ("missing_type", mess.missing_type),
    ]
    .into_iter()
    .collect();
    let mess_rows: Vec<Vec<String>> = mess_total
        .iter()
        .map(|(k, (e, o))| {
            #[allow(clippy::cast_precision_loss)]
            let rate = if *o == 0 { 0.0 } else { *e as f64 / *o as f64 };
            vec![
                (*k).to_string(),
                e.to_string(),
                o.to_string(),
                f(rate),
                configured.get(k).map_or(String::new(), |c| f(*c)),
            ]
        })
        .collect();
    output::write_csv(
        &truth.join("mess.csv"),
        &["kind", "events", "opportunities", "rate", "configured_rate"],
        &mess_rows,
    )?;
    let effects = config.effects_in_force();
    let scenario = format!(
        "# The truth behind the synthetic data: no stage reads this file; tests do.\nscenario = {:?}\nseed = {}\nprojects = {}\n\n[effects]\n{}",
        config.synth.scenario,
        config.synth.seed,
        config.synth.projects,
        toml::to_string(&effects).unwrap_or_default()
    );
    std::fs::write(truth.join("scenario.toml"), scenario)
        .map_err(|e| SynthError::Io(e.to_string()))?;
    let summary = SynthSummary {
        projects: cast.projects.len(),
        organisations: cast.orgs.len(),
        wave_rows,
        files: FILES.iter().map(ToString::to_string).collect(),
    };
    std::fs::write(dir.join("README.md"), readme(config, &summary))
        .map_err(|e| SynthError::Io(e.to_string()))?;
    std::fs::write(dir.join("dataset.toml"), dataset_manifest(config))
        .map_err(|e| SynthError::Io(e.to_string()))?;
    Ok(summary)
}

/// The files `generate` writes, relative to the data directory.
pub const FILES: &[&str] = &[
    "README.md",
    "aliases.csv",
    "dataset.toml",
    "enti_gestori.csv",
    "projects.csv",
    "raw/roster1.csv",
    "raw/roster2.csv",
    "raw/roster3.csv",
    "raw/wave1.csv",
    "raw/wave2.xlsx",
    "raw/wave3.csv",
    "truth/mess.csv",
    "truth/names.csv",
    "truth/organisations.csv",
    "truth/projects.csv",
    "truth/scenario.toml",
    "truth/ties.csv",
];

/// Regenerates into a scratch directory beside `dir` and lists the files that differ.
///
/// # Errors
/// When generation fails.
pub fn check(config: &SynthConfig, mess: &Mess, dir: &Path) -> Result<Vec<String>, SynthError> {
    let parent = dir.parent().unwrap_or_else(|| Path::new("."));
    let scratch = parent.join(format!(".wecare-synth-check-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let result = generate(config, mess, &scratch).map(|_| {
        FILES
            .iter()
            .filter(|f| std::fs::read(scratch.join(f)).ok() != std::fs::read(dir.join(f)).ok())
            .map(ToString::to_string)
            .collect()
    });
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

/// The dataset manifest: the flag the report reads to say that the data are synthetic.
fn dataset_manifest(config: &SynthConfig) -> String {
    format!(
        "# What these data are. `render_report` reads `synthetic` for the first box of the report.\n\
         # Written by `wecare synth`: every file here is generated. A real dataset says `synthetic = false`.\n\
         synthetic = true\n\
         generator = \"wecare synth\"\n\
         scenario = {:?}\n\
         seed = {}\n\
         projects = {}\n",
        config.synth.scenario, config.synth.seed, config.synth.projects
    )
}

fn readme(config: &SynthConfig, s: &SynthSummary) -> String {
    let mut r = String::new();
    let _ = write!(
        r,
        "# data/ — SYNTHETIC data\n\n\
**Every file in this directory is synthetic.** The real survey microdata of We.Ca.Re. Measure 1 are\n\
not public. These files were generated by `wecare synth` from `data/synth.toml` (seed {seed},\n\
{projects} projects, scenario `{scenario}`): {orgs} invented organisations and {r1} + {r2} + {r3} survey rows in\n\
waves 1–3. Organisation and place names are invented; any resemblance to a real organisation is\n\
coincidental. The lead territories and the programme's published figures (number of projects, grant\n\
range, partnership sizes, response rates, the findings F1–F7) are used only as calibration targets;\n\
every number in `synth.toml` says where it comes from.\n\n\
Regenerate with `wecare synth`; `wecare synth --check` exits 1 if a file here differs from what the\n\
config generates.\n\n\
## Running on real survey files\n\n\
Put the real exports under `data/raw/` (CSV in UTF-8 or Windows-1252 with `,` `;` or tab, or XLSX), the\n\
rosters, `projects.csv`, `enti_gestori.csv` and `aliases.csv` beside them with the columns below, point\n\
the `inputs` of `[stages.ingest_waves]` in `pipeline.toml` at them and map their column names and labels\n\
in its `params` (`wecare new DIR` scaffolds a fresh project), and set `synthetic = false` in `dataset.toml`. Delete `data/truth/`: only the tests read it.\n\n\
## Files and columns\n\n\
| file | what it is |\n|---|---|\n\
| `raw/wave1.csv` | wave 1 (start of the projects): UTF-8, `,`. One row per (respondent, cited organisation, relation) |\n\
| `raw/wave2.xlsx` | wave 2 (during), sheet `{sheet}`, same columns |\n\
| `raw/wave3.csv` | wave 3 (after the end): Windows-1252, `;`, CRLF, as an Italian Excel export; last column spelled `intensità` |\n\
| `raw/roster{{1,2,3}}.csv` | who was surveyed in each wave and whether they answered |\n\
| `projects.csv` | one row per project: territory, lead ente gestore, grant, and the case-study coding |\n\
| `enti_gestori.csv` | the enti gestori (public bodies running the social services) of all partnerships |\n\
| `aliases.csv` | name variants confirmed by hand (only part of them, as in real life) |\n\
| `dataset.toml` | `synthetic = true`: the flag the report reads for its first box |\n| `truth/` | the ground truth: never read by a stage, only by tests |\n\n\
### Wave files (`raw/wave*.csv`, `raw/wave2.xlsx`)\n\n\
| column | meaning |\n|---|---|\n\
| `codice_progetto` | project code `WCR-NN` (a few rows carry a code that does not exist) |\n\
| `organizzazione_rispondente` | the answering organisation, as written |\n\
| `tipo_rispondente` | its type, Italian label |\n\
| `organizzazione_citata` | the organisation cited, as written (variants, acronyms, typos, mojibake) |\n\
| `tipo_citata` | its type as the respondent put it (sometimes blank) |\n\
| `relazione` | `collaborazione` (collaboration), `scambio di informazioni` (information), `condivisione di risorse` (resources), `collaborazione precedente al progetto` (prior: wave 1 only), `iniziative comuni dopo la fine del progetto` (after: wave 3 only) |\n\
| `intensita` / `intensità` | `qualche volta` (1), `spesso` (2), `molto spesso` (3), `non so` (unknown: missing, not zero), `mai` (never: not a tie) |\n\n\
### Rosters (`raw/roster*.csv`)\n\n\
| column | meaning |\n|---|---|\n\
| `codice_progetto` | project code |\n| `organizzazione` | surveyed organisation |\n| `tipo_organizzazione` | its type |\n\
| `ha_risposto` | `sì` / `no` |\n\n\
### `projects.csv`\n\n\
| column | meaning |\n|---|---|\n\
| `project`, `territory`, `lead_ente_gestore`, `budget_eur` | identification and grant |\n\
| `implementation_level` | `limited`, `partial`, `advanced` (case studies) |\n\
| `problem_reframing` | 0–3: how far the project redefined the problem it addressed |\n\
| `new_policy_tools`, `prevention_shift`, `new_problem_addressed`, `unified_management`, `protocol_signed_after_end` | 0/1 coding of the changes |\n\
| `minors_families_focus`, `social_housing_focus` | 0/1: the project's field |\n\n\
### `enti_gestori.csv`: `name`, `acronym`, `type_code` (`eg_consortium`, `eg_mountain_union`, `eg_municipality`), `territory`\n\n\
### `aliases.csv`: `alias`, `canonical_name`, `note`\n\n\
### `truth/` (tests only)\n\n\
| file | content |\n|---|---|\n\
| `organisations.csv` | `actor_id, name, type_code, sector, ente_gestore, territory, acronym, projects` |\n\
| `names.csv` | every raw spelling in the survey files: `project, raw_name, actor_id, source` |\n\
| `ties.csv` | the true networks: `project, wave, layer, source, target, intensity, project_born` (wave 0 = the prior layer) |\n\
| `projects.csv` | true network type, centres, latent prior social capital and outcome, and measured targets (prior share, Jaccard, continuity, response rates) |\n\
| `mess.csv` | each kind of mess injected: events, opportunities, rate, configured rate |\n\
| `scenario.toml` | the scenario and the effect sizes in force |\n",
        seed = config.synth.seed,
        projects = s.projects,
        scenario = config.synth.scenario,
        orgs = s.organisations,
        r1 = s.wave_rows[0],
        r2 = s.wave_rows[1],
        r3 = s.wave_rows[2],
        sheet = output::WAVE2_SHEET,
    );
    r
}
