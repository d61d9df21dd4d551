//! `wecare new DIR`: a new project an evaluator can start from with their own survey files — a
//! `pipeline.toml` (every stage of the default pipeline, every column mapping written out with
//! commented examples of Italian labels; the robustness branch on confirmed ties commented out),
//! example input files in the canonical format, and a README on the format and the next steps.
//! The fresh project runs as it is.
use std::path::Path;

/// Why a project cannot be created.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// The directory exists and holds something.
    #[error("`{dir}` already exists and is not empty")]
    NotEmpty {
        /// The directory, as given.
        dir: String,
    },
    /// The path exists and is a file.
    #[error("`{dir}` exists and is not a directory")]
    NotADirectory {
        /// The path, as given.
        dir: String,
    },
    /// A file or directory cannot be written.
    #[error("cannot write `{path}`: {message}")]
    Io {
        /// The file, relative to the new project.
        path: String,
        /// The OS error.
        message: String,
    },
}

/// The files of a new project (path relative to it, contents), in the order they are written.
#[must_use]
pub fn files(name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("pipeline.toml", PIPELINE.replace("{name}", name)),
        ("README.md", README.replace("{name}", name)),
        ("data/raw/wave1.csv", WAVE1.to_string()),
        ("data/raw/roster1.csv", ROSTER1.to_string()),
        ("data/projects.csv", PROJECTS.to_string()),
        ("data/dataset.toml", DATASET.to_string()),
        (
            "data/aliases.csv",
            "alias,canonical_name,note\n".to_string(),
        ),
        (
            "data/enti_gestori.csv",
            "name,acronym,type_code,territory\n".to_string(),
        ),
        (".gitignore", "/.wecare/\n".to_string()),
    ]
}

/// Creates a project in `dir` (which must not exist, or be empty) and returns the files written.
///
/// # Errors
/// When `dir` is a file or a non-empty directory, or a file cannot be written.
pub fn create(dir: &Path) -> Result<Vec<&'static str>, ScaffoldError> {
    let shown = dir.display().to_string();
    if dir.exists() {
        if !dir.is_dir() {
            return Err(ScaffoldError::NotADirectory { dir: shown });
        }
        let mut entries = std::fs::read_dir(dir).map_err(|e| ScaffoldError::Io {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        if entries.next().is_some() {
            return Err(ScaffoldError::NotEmpty { dir: shown });
        }
    }
    let name = project_name(dir);
    let mut written = Vec::new();
    for (rel, text) in files(&name) {
        let path = dir.join(rel);
        let io = |e: std::io::Error| ScaffoldError::Io {
            path: rel.to_string(),
            message: e.to_string(),
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(&path, text).map_err(io)?;
        written.push(rel);
    }
    Ok(written)
}

/// What to do after `wecare new DIR`, one step a line.
#[must_use]
pub fn next_steps(dir: &str) -> Vec<String> {
    vec![
        format!("1. replace the example rows: put your survey exports in {dir}/data/raw/ (CSV or .xlsx, one file per wave) and list them under `inputs` in {dir}/pipeline.toml; set `synthetic = false` in {dir}/data/dataset.toml"),
        format!("2. map their column names, relation labels and intensity words in {dir}/pipeline.toml (commented examples inside; {dir}/README.md explains the format)"),
        format!("3. run `wecare -C {dir} run`, then `wecare -C {dir} show ingest_waves.rejects` to see every row that was not used and why"),
    ]
}

/// `[pipeline] name` from the directory name: letters, digits, `-` and `_`.
fn project_name(dir: &Path) -> String {
    let raw = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name: String = raw
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let name = name.trim_matches('-');
    if name.is_empty() {
        "my-evaluation".to_string()
    } else {
        name.to_string()
    }
}

const PIPELINE: &str = r#"# The evaluation as a DAG of stages. `wecare run` runs what is stale, `wecare status` says why
# a stage is stale, `wecare show STAGE.TABLE` prints a table, `wecare kinds` lists every param.
[pipeline]
name = "{name}"
seed = 1    # every random draw in every stage derives from this and the stage name

# Reads the survey waves (wave1, wave2, …: .csv, .tsv, .txt or .xlsx, N = wave number), the
# rosters (who was surveyed in wave N and who answered) and the project list, and maps them onto
# the canonical schema (README.md). Rows that cannot be used go to `ingest_waves.rejects`.
[stages.ingest_waves]
kind = "ingest_waves"
inputs = { wave1 = "data/raw/wave1.csv", roster1 = "data/raw/roster1.csv", projects = "data/projects.csv" }
# More waves: wave2 = "data/raw/wave2.xlsx", wave3 = "data/raw/wave3.csv", roster2 = …

[stages.ingest_waves.params]
encoding = "auto"          # or "utf-8", "windows-1252" (Excel's plain CSV on Italian Windows)
delimiter = "auto"         # or ",", ";", "tab"
# sheet = "Rilevazione 2"  # .xlsx: the worksheet to read (default: the first)
projects_column = "project"    # the project-code column of the projects file

# The header in your files for each canonical column. Headers are compared ignoring case,
# accents and punctuation; a list accepts several spellings, e.g.
#   respondent = ["organizzazione_rispondente", "Ente rispondente"]
#   intensity = ["intensita", "intensità"]
[stages.ingest_waves.params.columns]
project = "project"
respondent = "respondent"
respondent_type = "respondent_type"
alter = "alter"
alter_type = "alter_type"
relation = "relation"
intensity = "intensity"

[stages.ingest_waves.params.roster_columns]
project = "project"
organisation = "organisation"
organisation_type = "organisation_type"
responded = "responded"    # sì/no, yes/no, 1/0, true/false

# Your relation labels → collaboration, information, resources, prior (wave 1: collaborated
# before the programme) or after (wave 3: joint initiatives after its end). The canonical names
# are always accepted; an unknown label sends its row to rejects (`unknown_relation`).
[stages.ingest_waves.params.relations]
# "collaborazione" = "collaboration"
# "scambio di informazioni" = "information"
# "condivisione di risorse" = "resources"
# "collaborazione precedente al progetto" = "prior"
# "iniziative comuni dopo la fine del progetto" = "after"

# Your intensity words → 1, 2, 3, "missing" (a tie of unknown intensity: kept, intensity empty)
# or "never" (no tie: the row goes to rejects as `never`). "1", "2", "3" and an empty cell
# (= "missing") are always accepted; any other word is rejected as `malformed_intensity`.
[stages.ingest_waves.params.intensity]
# "qualche volta" = 1
# "spesso" = 2
# "molto spesso" = 3
# "non so" = "missing"
# "mai" = "never"

# Row counts by wave, project and relation: the first look at what each wave holds.
[stages.describe_waves]
kind = "describe_waves"
inputs = { ties = "ingest_waves.ties_raw" }
params = { by = ["wave", "project", "relation"] }

# Who is who: every spelling of an organisation resolved to one actor with a type, and the
# reports turned into undirected ties per project, wave and layer. List hand-confirmed name
# variants in data/aliases.csv and the enti gestori (with their acronyms) in data/enti_gestori.csv;
# review the doubtful pairs in `wecare show clean_actors.review` and settle them in data/aliases.csv.
[stages.clean_actors]
kind = "clean_actors"
inputs = { ties = "ingest_waves.ties_raw", roster = "ingest_waves.roster", aliases = "data/aliases.csv", enti_gestori = "data/enti_gestori.csv" }
params = { fuzzy_threshold = 0.9, symmetrize = "union" }

# Network metrics (NetworkX definitions) and the network type (centred on the ente gestore, on a
# third-sector organisation, polycentric) for every project, wave and layer; `any` is the union
# of collaboration, information and resources. `lead_column` names the projects file's column
# with the lead ente gestore, if it has one.
[stages.compute_metrics]
kind = "compute_metrics"
inputs = { ties = "clean_actors.ties", actors = "clean_actors.actors", roster = "ingest_waves.roster", actor_matches = "clean_actors.actor_matches", projects = "data/projects.csv" }
params = { type_layer = "collaboration", ei_permutations = 999 }

# How each project's network changed between waves (needs wave2, wave3 and their rosters; with
# one wave the comparison tables are empty): tie Jaccard, Hamming, persistence, formation and
# QAP, entrants and exits by sector, survival of pre-existing vs project-born ties, and the
# per-project quantities the findings read. `dyads = "either_answered"` goes with
# `symmetrize = "union"` (use "both_answered" with "intersection").
[stages.compare_waves]
kind = "compare_waves"
inputs = { ties = "clean_actors.ties", actors = "clean_actors.actors", roster = "ingest_waves.roster", actor_matches = "clean_actors.actor_matches", network_metrics = "compute_metrics.network_metrics" }
params = { layer = "collaboration", qap_permutations = 999, dyads = "either_answered" }

# The findings F1–F8 of the We.Ca.Re. evaluation as measured rows with an interval and a
# verdict (F8 reads the case-study coding columns of the projects file: implementation_level,
# unified_management, minors_families_focus, prevention_shift, social_housing_focus,
# new_policy_tools; without them F8 is inconclusive). Every threshold is a param.
[stages.findings]
kind = "findings"
inputs = { project_dynamics = "compare_waves.project_dynamics", network_types = "compute_metrics.network_types", projects = "data/projects.csv" }
params = { bootstrap = 9999, confidence = 0.95 }

# Robustness: the same on ties both sides confirmed. Uncomment once both sides of your ties were
# surveyed (several waves with rosters of who answered), and add to `findings.inputs`:
#   project_dynamics_confirmed = "compare_waves_confirmed.project_dynamics",
#   network_types_confirmed = "compute_metrics_confirmed.network_types"
# [stages.clean_actors_confirmed]
# kind = "clean_actors"
# inputs = { ties = "ingest_waves.ties_raw", roster = "ingest_waves.roster", aliases = "data/aliases.csv", enti_gestori = "data/enti_gestori.csv" }
# params = { fuzzy_threshold = 0.9, symmetrize = "intersection" }
#
# [stages.compute_metrics_confirmed]
# kind = "compute_metrics"
# inputs = { ties = "clean_actors_confirmed.ties", actors = "clean_actors_confirmed.actors", roster = "ingest_waves.roster", actor_matches = "clean_actors_confirmed.actor_matches", projects = "data/projects.csv" }
#
# [stages.compare_waves_confirmed]
# kind = "compare_waves"
# inputs = { ties = "clean_actors_confirmed.ties", actors = "clean_actors_confirmed.actors", roster = "ingest_waves.roster", actor_matches = "clean_actors_confirmed.actor_matches", network_metrics = "compute_metrics_confirmed.network_metrics" }
# params = { dyads = "both_answered" }

# The evaluators' open questions: did prior social capital favour the changes (Q1), which
# mechanisms keep ties alive after the project (Q2), and the evidence behind each answer (Q3).
# Needs the change outcomes in the projects file (`outcomes`: problem_reframing, new_policy_tools,
# … ; `budget_column`, `protocol_column`) and waves 1–3; with too little data its rows are NaN and
# say why. `primary` is the pre-registered family (Holm); `draws` is B for every permutation and
# bootstrap.
[stages.answer_questions]
kind = "answer_questions"
inputs = { ties = "clean_actors.ties", actors = "clean_actors.actors", network_metrics = "compute_metrics.network_metrics", node_metrics = "compute_metrics.node_metrics", network_types = "compute_metrics.network_types", roster = "ingest_waves.roster", actor_matches = "clean_actors.actor_matches", projects = "data/projects.csv" }
params = { draws = 10000 }

# The networks as files for Gephi (GEXF 1.3), yEd, R and Python (GraphML): one per project, wave
# and layer, with the actors' type, sector, territory and node metrics. `wecare export pajek` and
# `wecare export ucinet` write Pajek and UCINET DL files on demand.
[stages.export_networks]
kind = "export_networks"
inputs = { ties = "clean_actors.ties", actors = "clean_actors.actors", node_metrics = "compute_metrics.node_metrics", projects = "data/projects.csv" }
params = { formats = ["gexf", "graphml"] }

# The evaluation report: outputs/render_report/index.html and report.ipynb (Italian:
# index.it.html, report.it.ipynb) and every figure as SVG. It reads the tables below and a
# provenance record of every stage above (built by the engine). `dataset` says whether the data
# are synthetic: set `synthetic = false` in data/dataset.toml once data/ holds your real files.
[stages.render_report]
kind = "render_report"
inputs = { dataset = "data/dataset.toml", projects = "data/projects.csv", rejects = "ingest_waves.rejects", wave_summary = "describe_waves.wave_summary", actors = "clean_actors.actors", ties = "clean_actors.ties", actor_matches = "clean_actors.actor_matches", review = "clean_actors.review", network_metrics = "compute_metrics.network_metrics", network_types = "compute_metrics.network_types", wave_comparison = "compare_waves.wave_comparison", actor_turnover = "compare_waves.actor_turnover", tie_survival = "compare_waves.tie_survival", project_dynamics = "compare_waves.project_dynamics", findings = "findings.findings", answers = "answer_questions.answers", tests = "answer_questions.tests", mechanisms = "answer_questions.mechanisms", evidence = "answer_questions.evidence" }
"#;

const DATASET: &str =
    "# What the data in this project are; the report's first box reads `synthetic`.
# The example rows written by `wecare new` are invented: set `synthetic = false` once data/
# holds your real survey files.
synthetic = true
";

const WAVE1: &str = "project,respondent,respondent_type,alter,alter_type,relation,intensity
EXAMPLE,Example organisation A,Comune,Example organisation B,Associazione,collaboration,2
EXAMPLE,Example organisation B,Associazione,Example organisation A,Comune,information,
";

const ROSTER1: &str = "project,organisation,organisation_type,responded
EXAMPLE,Example organisation A,Comune,yes
EXAMPLE,Example organisation B,Associazione,yes
";

const PROJECTS: &str = "project,territory
EXAMPLE,Example territory
";

const README: &str = r#"# {name}

A wecare evaluation project: the evaluation is the DAG of stages in
`pipeline.toml`; every stage's outputs are written under `outputs/<stage>/` and recorded in
`pipeline.lock` with the hash of everything they came from.

**The files in `data/` hold example rows only.** Replace them with your own survey files.

## Next steps

1. Put your survey exports in `data/raw/` — CSV (UTF-8 or Windows-1252, separated by `,`, `;` or
   tabs: both are detected) or `.xlsx` — one file per wave, and list them under `inputs` in
   `pipeline.toml`: `wave1 = "data/raw/…"`, `wave2 = …`; rosters as `roster1 = …`.
2. In `pipeline.toml`, map your column names (`params.columns`, `params.roster_columns`), your
   relation labels (`params.relations`) and your intensity words (`params.intensity`) onto the
   canonical schema below. The commented examples show an Italian export.
3. Run `wecare run`. Then `wecare show ingest_waves.rejects` lists every row that was not used,
   with its file, line, column, raw value and reason; `wecare -v run --force ingest_waves` prints,
   per file, rows read = rows kept + rows rejected.

## The canonical format

Waves — one row per (respondent, cited organisation, relation):

| column | meaning |
|---|---|
| `project` | project code (compared trimmed and upper-cased) |
| `respondent` | the organisation that answered |
| `respondent_type` | its type, as written (classified by a later stage) |
| `alter` | the organisation it cites |
| `alter_type` | its type, as written |
| `relation` | `collaboration`, `information`, `resources`, `prior` (before the programme) or `after` (joint initiatives after its end) |
| `intensity` | 1 (sometimes), 2 (often), 3 (very often); empty = unknown |

Rosters — `project, organisation, organisation_type, responded` (yes/no): who was surveyed in
wave N and whether they answered. Projects — one row per project, with a `project` column;
rows of projects not in this list are rejected (`unknown_project`).

`data/aliases.csv` — `alias, canonical_name, note, decision`: name variants you confirmed by hand
(`decision` empty or `same`), or pairs that must stay apart (`different`).
`data/enti_gestori.csv` — `name, acronym, type_code, territory`: the bodies running the social
services (`type_code` one of `eg_consortium`, `eg_mountain_union`, `eg_municipality`); it decides
whether a bare "Consorzio …" is an ente gestore or a consortium of co-operatives.

Rows go to `ingest_waves.rejects` when the row is blank (`empty_row`), a project, respondent or
cited organisation is blank (`empty_name`), the project is not in the project list
(`unknown_project`), the respondent cites itself (`self_citation`), the relation label is not
mapped (`unknown_relation`), the intensity word is not mapped (`malformed_intensity`) or means no
tie (`never`), or a roster's answer is not yes/no (`malformed_responded`).

A file that cannot be used at all (missing column, not text, empty, only a header, damaged
workbook) stops the run with its file, line, column and a hint; nothing in `outputs/` or
`pipeline.lock` changes.

## Commands

`wecare run` · `wecare status` · `wecare dag` · `wecare show STAGE.TABLE [--json]` ·
`wecare clean` · `wecare kinds` (every stage kind with its params and defaults). Exit codes: 0
success, 1 a stage failed, 2 a usage or configuration error.
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_non_empty_directory() {
        let dir = std::env::temp_dir().join(format!("wecare-scaffold-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let written = create(&dir).unwrap();
        assert!(written.contains(&"pipeline.toml"));
        let toml = std::fs::read_to_string(dir.join("pipeline.toml")).unwrap();
        assert!(toml.contains(&format!(
            "name = \"wecare-scaffold-{}\"",
            std::process::id()
        )));
        assert!(matches!(create(&dir), Err(ScaffoldError::NotEmpty { .. })));
        assert!(matches!(
            create(&dir.join("pipeline.toml")),
            Err(ScaffoldError::NotADirectory { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn names_come_from_the_directory() {
        assert_eq!(
            project_name(Path::new("/tmp/My Survey 2024")),
            "My-Survey-2024"
        );
        assert_eq!(project_name(Path::new("...")), "my-evaluation");
        assert_eq!(project_name(Path::new("valutazione_é")), "valutazione_é");
    }

    #[test]
    fn the_pipeline_is_valid_toml_with_canonical_params() {
        let toml: toml::Table = toml::from_str(&files("x")[0].1).unwrap();
        let params = toml["stages"]["ingest_waves"]["params"].as_table().unwrap();
        let normalized = crate::normalize_params("ingest_waves", params).unwrap();
        assert_eq!(normalized["encoding"].as_str(), Some("auto"));
        assert_eq!(
            normalized["columns"]["respondent"].as_str(),
            Some("respondent")
        );
    }
}
