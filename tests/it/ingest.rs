//! `ingest_waves` on real-looking survey exports (issue 4): CSV in UTF-8 and Windows-1252 with
//! `,` and `;`, .xlsx, Italian headers and labels mapped in `pipeline.toml`; row reconciliation
//! (rows read = kept + rejected, per file); the corpus of unusable files under
//! `tests/fixtures/bad_inputs/` (exit 1, a message naming file, line and column, nothing written);
//! and `wecare new` followed by an Italian export and a column mapping.
use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::common::{fixtures, redact, Project};

/// Every row of a table, via `wecare show --json`.
fn table(p: &Project, spec: &str) -> Vec<Value> {
    let run = p.ok(&["show", spec, "--json", "--head", "1000000"]);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    json["data"].as_array().unwrap().clone()
}

/// Rows of a table per `source_file`.
fn rows_per_file(rows: &[Value]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for r in rows {
        *out.entry(r["source_file"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    out
}

/// Data rows of a CSV file counted without wecare: non-empty lines after the header (no fixture
/// has a line break inside quotes).
fn csv_data_rows(path: &Path) -> usize {
    let bytes = std::fs::read(path).unwrap();
    bytes
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
        .count()
        - 1
}

/// The data rows of `tests/fixtures/ingest_mixed/data/raw/wave2.xlsx` (worksheet
/// "Rilevazione 2", rows 2–8), written by the generator described in
/// `tests/fixtures/bad_inputs/README.md`.
const MIXED_WAVE2_XLSX_ROWS: usize = 7;

/// A reject as (file, line, column, raw value, reason).
type Reject = (String, i64, Option<String>, Option<String>, String);

/// A tie as (wave, line, project, respondent, alter, relation, intensity).
type TieRow = (i64, i64, String, String, String, String, Option<i64>);

/// Every reject.
fn rejects(p: &Project) -> Vec<Reject> {
    table(p, "ingest_waves.rejects")
        .iter()
        .map(|r| {
            (
                r["source_file"].as_str().unwrap().to_string(),
                r["source_line"].as_i64().unwrap(),
                r["column"].as_str().map(str::to_string),
                r["raw_value"].as_str().map(str::to_string),
                r["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn reject(file: &str, line: i64, column: &str, raw: &str, reason: &str) -> Reject {
    (
        file.to_string(),
        line,
        Some(column.to_string()),
        Some(raw.to_string()),
        reason.to_string(),
    )
}

/// Every tie.
fn ties(p: &Project) -> Vec<TieRow> {
    table(p, "ingest_waves.ties_raw")
        .iter()
        .map(|r| {
            (
                r["wave"].as_i64().unwrap(),
                r["source_line"].as_i64().unwrap(),
                r["project"].as_str().unwrap().to_string(),
                r["respondent"].as_str().unwrap().to_string(),
                r["alter"].as_str().unwrap().to_string(),
                r["relation"].as_str().unwrap().to_string(),
                r["intensity"].as_i64(),
            )
        })
        .collect()
}

#[test]
fn mixed_exports_are_mapped_onto_the_canonical_schema() {
    let p = Project::new("ingest_mixed");
    p.ok(&["run"]);
    let t = ties(&p);
    let tie = |wave: i64, line: i64| {
        t.iter()
            .find(|x| x.0 == wave && x.1 == line)
            .unwrap_or_else(|| panic!("no tie at wave {wave} line {line}"))
            .clone()
    };
    let s = |x: &str| x.to_string();
    // Wave 1 (UTF-8, `,`): mojibake repaired, project code upper-cased, names trimmed.
    assert_eq!(
        tie(1, 4),
        (
            1,
            4,
            s("P01"),
            s("Consorzio Socio Assistenziale del Cuorgnese"),
            s("Comune di Cuorgnè"),
            s("information"),
            Some(3)
        )
    );
    assert_eq!(
        tie(1, 8),
        (
            1,
            8,
            s("P01"),
            s("Comune di Cuorgnè"),
            s("Associazione Amici di Mondovì"),
            s("resources"),
            None
        ),
        "`p01 `, a padded mojibake name and an empty intensity"
    );
    let (a, b) = (tie(1, 5), tie(1, 6));
    assert_eq!(
        (a.2, a.3, a.4, a.5, a.6),
        (b.2, b.3, b.4, b.5, b.6),
        "duplicated rows are both kept"
    );
    assert_eq!(tie(1, 5).6, None, "`non so` is missing, not zero");
    assert_eq!(tie(1, 14).5, "collaboration", "labels are compared folded");
    assert_eq!(tie(1, 16).4, "Istituto Comprensivo \"Don Milani\"");
    // Wave 2 (xlsx, second worksheet): a numeric intensity cell and a mojibake cell.
    assert_eq!(tie(2, 5).6, Some(3));
    assert_eq!(tie(2, 8).4, "Unità Pastorale San Giacomo");
    // Wave 3 (Windows-1252, `;`, CRLF, header `intensità`): lines count from the header.
    assert_eq!(
        tie(3, 2),
        (
            3,
            2,
            s("P01"),
            s("Consorzio Socio Assistenziale del Cuorgnese"),
            s("Comune di Cuorgnè"),
            s("after"),
            Some(2)
        )
    );
    assert_eq!(tie(3, 4).4, "Associazione Amici di Mondovì");
    assert_eq!(t.len(), 8 + 5 + 4);
    let raw = table(&p, "ingest_waves.ties_raw");
    let first = &raw[0];
    let columns: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(columns.len(), 11);
    assert_eq!(
        first["respondent_type"],
        "Ente gestore - consorzio socio-assistenziale"
    );
    let blank_type = raw
        .iter()
        .find(|r| r["source_line"] == 5 && r["wave"] == 1)
        .unwrap();
    assert!(blank_type["alter_type"].is_null(), "a blank type is null");
    assert_eq!(blank_type["intensity_missing"], true);

    let w1 = "data/raw/wave1.csv";
    let w2 = "data/raw/wave2.xlsx";
    let w3 = "data/raw/wave3.csv";
    let r1 = "data/raw/roster1.csv";
    assert_eq!(
        rejects(&p),
        vec![
            reject(r1, 8, "ha_risposto", "forse", "malformed_responded"),
            reject(r1, 9, "codice_progetto", "P09", "unknown_project"),
            reject(
                w1,
                7,
                "organizzazione_citata",
                "Cooperativa sociale il ponte",
                "self_citation"
            ),
            reject(w1, 9, "intensita", "mai", "never"),
            reject(w1, 10, "codice_progetto", "P99", "unknown_project"),
            reject(w1, 11, "organizzazione_rispondente", "", "empty_name"),
            reject(w1, 12, "relazione", "partenariato", "unknown_relation"),
            reject(w1, 13, "intensita", "spessissimo", "malformed_intensity"),
            (w1.to_string(), 15, None, None, "empty_row".to_string()),
            reject(
                w2,
                4,
                "organizzazione_citata",
                "Comune di Cuorgnè",
                "self_citation"
            ),
            reject(w2, 7, "intensita", "mai", "never"),
            reject(
                w3,
                6,
                "organizzazione_citata",
                "Fondazione Comunitaria del Canavese",
                "self_citation"
            ),
            reject(w3, 7, "intensità", "mai", "never"),
            reject(w3, 8, "intensità", "1,5", "malformed_intensity"),
        ]
    );
    let roster = table(&p, "ingest_waves.roster");
    let answers: Vec<(i64, i64, &str, Option<bool>)> = roster
        .iter()
        .map(|r| {
            (
                r["wave"].as_i64().unwrap(),
                r["source_line"].as_i64().unwrap(),
                r["organisation"].as_str().unwrap(),
                r["responded"].as_bool(),
            )
        })
        .collect();
    assert_eq!(
        answers,
        [
            (
                1,
                2,
                "Consorzio Socio Assistenziale del Cuorgnese",
                Some(true)
            ),
            (1, 3, "Cooperativa Sociale Il Ponte", Some(true)),
            (1, 4, "Comune di Cuorgnè", Some(false)),
            (1, 5, "Unione Montana Valli del Monregalese", Some(true)),
            (1, 6, "Cooperativa Sociale La Tela", Some(false)),
            (1, 7, "Associazione Amici di Mondovì", None),
            (
                3,
                2,
                "Consorzio Socio Assistenziale del Cuorgnese",
                Some(true)
            ),
            (3, 3, "Unione Montana Valli del Monregalese", Some(false)),
        ]
    );
}

#[test]
fn ingest_outputs_are_byte_identical_on_a_forced_rerun() {
    let p = Project::new("ingest_mixed");
    p.ok(&["run"]);
    let first = p.snapshot_files();
    p.ok(&["run", "--force", "-j", "1"]);
    assert_eq!(p.snapshot_files(), first);
}

#[test]
fn the_summary_reconciles_every_file_and_names_encoding_and_separator() {
    let p = Project::new("ingest_mixed");
    let run = p.ok(&["-v", "run", "ingest_waves"]);
    let summary: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("       "))
        .collect();
    insta::assert_snapshot!(summary.join("\n"), @r"
    projects (data/projects.csv): 3 project codes
    wave 1 (data/raw/wave1.csv): 15 rows = 8 kept + 7 rejected (1 empty_row, 1 empty_name, 1 unknown_project, 1 self_citation, 1 unknown_relation, 1 malformed_intensity, 1 never); utf-8, separator `,` (detected); 4 cells repaired (mojibake); 3 kept with missing intensity
    wave 2 (data/raw/wave2.xlsx): 7 rows = 5 kept + 2 rejected (1 self_citation, 1 never); xlsx, worksheet `Rilevazione 2`; 1 cell repaired (mojibake); 1 kept with missing intensity
    wave 3 (data/raw/wave3.csv): 7 rows = 4 kept + 3 rejected (1 self_citation, 1 malformed_intensity, 1 never); windows-1252, separator `;` (detected); 1 kept with missing intensity
    roster 1 (data/raw/roster1.csv): 8 rows = 6 kept + 2 rejected (1 unknown_project, 1 malformed_responded); utf-8, separator `,` (detected); 1 cell repaired (mojibake)
    roster 3 (data/raw/roster3.csv): 2 rows = 2 kept + 0 rejected; utf-8 with BOM, separator `,` (detected)
    total: 39 rows = 25 kept + 14 rejected (1 empty_row, 1 empty_name, 2 unknown_project, 3 self_citation, 1 unknown_relation, 2 malformed_intensity, 3 never, 1 malformed_responded)
    ");
}

/// For every input file: rows counted independently = rows in its output table + its rejects,
/// and the stage summary says the same numbers.
fn check_reconciliation(p: &Project, inputs: &[(&str, usize)]) {
    let run = p.ok(&["-v", "run", "--force", "ingest_waves"]);
    let kept: BTreeMap<String, usize> = rows_per_file(&table(p, "ingest_waves.ties_raw"))
        .into_iter()
        .chain(rows_per_file(&table(p, "ingest_waves.roster")))
        .collect();
    let rejected = rows_per_file(&table(p, "ingest_waves.rejects"));
    let mut total = 0;
    for (file, rows) in inputs {
        let k = kept.get(*file).copied().unwrap_or(0);
        let r = rejected.get(*file).copied().unwrap_or(0);
        assert_eq!(
            k + r,
            *rows,
            "{file}: {rows} input rows, {k} kept + {r} rejected"
        );
        let said = format!("({file}): {rows} rows = {k} kept + {r} rejected");
        assert!(
            run.stdout.contains(&said),
            "`{said}` not in\n{}",
            run.stdout
        );
        total += rows;
    }
    let all_outputs: usize = kept.values().sum::<usize>() + rejected.values().sum::<usize>();
    assert_eq!(all_outputs, total, "no output row comes from elsewhere");
}

#[test]
fn rows_reconcile_on_every_fixture() {
    let p = Project::new("basic");
    let files: Vec<(String, usize)> = ["wave1", "wave2", "roster1"]
        .iter()
        .map(|f| {
            let rel = format!("data/raw/{f}.csv");
            let n = csv_data_rows(&p.path().join(&rel));
            (rel, n)
        })
        .collect();
    assert_eq!(files[0].1, 52);
    let refs: Vec<(&str, usize)> = files.iter().map(|(f, n)| (f.as_str(), *n)).collect();
    check_reconciliation(&p, &refs);

    let p = Project::new("ingest_mixed");
    let mut files: Vec<(String, usize)> = ["wave1", "wave3", "roster1", "roster3"]
        .iter()
        .map(|f| {
            let rel = format!("data/raw/{f}.csv");
            let n = csv_data_rows(&p.path().join(&rel));
            (rel, n)
        })
        .collect();
    files.push(("data/raw/wave2.xlsx".into(), MIXED_WAVE2_XLSX_ROWS));
    assert_eq!(files[0].1, 15);
    let refs: Vec<(&str, usize)> = files.iter().map(|(f, n)| (f.as_str(), *n)).collect();
    check_reconciliation(&p, &refs);

    let p = italian_project();
    let rel = "data/raw/Rilevazione_reti_2019.csv";
    let n = csv_data_rows(&p.path().join(rel));
    assert_eq!(n, 9);
    check_reconciliation(&p, &[(rel, n)]);
}

/// `wecare new` into an empty temp dir, then the Italian export copied in and mapped by editing
/// `pipeline.toml` only.
fn italian_project() -> Project {
    let p = Project {
        dir: tempfile::tempdir().unwrap(),
    };
    let run: crate::common::Run = std::process::Command::new(env!("CARGO_BIN_EXE_wecare"))
        .arg("new")
        .arg(p.path())
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap()
        .into();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let export = fixtures().join("ingest_italian_export");
    std::fs::copy(
        export.join("Rilevazione_reti_2019.csv"),
        p.path().join("data/raw/Rilevazione_reti_2019.csv"),
    )
    .unwrap();
    std::fs::copy(
        export.join("Elenco_progetti.csv"),
        p.path().join("data/Elenco_progetti.csv"),
    )
    .unwrap();
    p.edit(
        "pipeline.toml",
        r#"inputs = { wave1 = "data/raw/wave1.csv", roster1 = "data/raw/roster1.csv", projects = "data/projects.csv" }"#,
        r#"inputs = { wave1 = "data/raw/Rilevazione_reti_2019.csv", projects = "data/Elenco_progetti.csv" }"#,
    );
    p.edit(
        "pipeline.toml",
        r#"projects_column = "project""#,
        r#"projects_column = "Codice""#,
    );
    for (canonical, header) in [
        ("project", "Codice progetto"),
        ("respondent", "Ente rispondente"),
        ("respondent_type", "Tipologia ente rispondente"),
        ("alter", "Ente citato"),
        ("alter_type", "Tipologia ente citato"),
        ("relation", "Tipo di rapporto"),
        ("intensity", "Frequenza dei contatti"),
    ] {
        // The first occurrence is in [stages.ingest_waves.params.columns].
        p.edit(
            "pipeline.toml",
            &format!("\n{canonical} = \"{canonical}\"\n"),
            &format!("\n{canonical} = \"{header}\"\n"),
        );
    }
    p.edit(
        "pipeline.toml",
        "[stages.ingest_waves.params.relations]\n",
        "[stages.ingest_waves.params.relations]\n\
         \"Collaborazione nel progetto\" = \"collaboration\"\n\
         \"Scambio informazioni\" = \"information\"\n\
         \"Condivisione risorse\" = \"resources\"\n\
         \"Rapporto precedente\" = \"prior\"\n",
    );
    p.edit(
        "pipeline.toml",
        "[stages.ingest_waves.params.intensity]\n",
        "[stages.ingest_waves.params.intensity]\n\
         \"Raramente\" = 1\n\
         \"Spesso\" = 2\n\
         \"Molto spesso\" = 3\n\
         \"Non so\" = \"missing\"\n\
         \"Mai\" = \"never\"\n",
    );
    p
}

#[test]
fn an_italian_export_runs_through_wecare_new_and_a_mapping_without_code_changes() {
    let p = italian_project();
    let run = p.ok(&["run"]);
    assert!(run.stdout.contains("done   ingest_waves"), "{}", run.stdout);
    let s = |x: &str| x.to_string();
    assert_eq!(
        ties(&p),
        vec![
            (
                1,
                2,
                s("TO-3"),
                s("Consorzio In.Re.Te. Ivrea"),
                s("Cooperativa Sociale Alice s.c.s. ONLUS"),
                s("collaboration"),
                Some(2)
            ),
            (
                1,
                3,
                s("TO-3"),
                s("Consorzio In.Re.Te. Ivrea"),
                s("Comune di Cuorgnè"),
                s("information"),
                Some(3)
            ),
            (
                1,
                4,
                s("TO-3"),
                s("Cooperativa Sociale Alice s.c.s. ONLUS"),
                s("Consorzio In.Re.Te. Ivrea"),
                s("prior"),
                Some(1)
            ),
            (
                1,
                5,
                s("TO-3"),
                s("Cooperativa Sociale Alice s.c.s. ONLUS"),
                s("Unità Pastorale di Cuorgnè"),
                s("resources"),
                None
            ),
            (
                1,
                8,
                s("CN-1"),
                s("Associazione Il Girasole di Mondovì"),
                s("Unione Montana del Monregalese"),
                s("information"),
                Some(2)
            ),
            (
                1,
                9,
                s("CN-1"),
                s("Associazione Il Girasole di Mondovì"),
                s("CSV Società Solidale"),
                s("resources"),
                Some(1)
            ),
        ]
    );
    let f = "data/raw/Rilevazione_reti_2019.csv";
    assert_eq!(
        rejects(&p),
        vec![
            reject(f, 6, "Ente citato", "Comune di Cuorgnè", "self_citation"),
            reject(f, 7, "Frequenza dei contatti", "Mai", "never"),
            reject(f, 10, "Codice progetto", "AL-9", "unknown_project"),
        ]
    );
    let summary = p.ok(&["-v", "run", "--force", "ingest_waves"]).stdout;
    assert!(
        summary.contains("wave 1 (data/raw/Rilevazione_reti_2019.csv): 9 rows = 6 kept + 3 rejected (1 unknown_project, 1 self_citation, 1 never); windows-1252, separator `;` (detected); 1 cell repaired (mojibake); 1 kept with missing intensity"),
        "{summary}"
    );
    let json: Value = serde_json::from_str(
        &p.ok(&["show", "describe_waves.wave_summary", "--json"])
            .stdout,
    )
    .unwrap();
    let groups: Vec<(&str, &str, i64)> = json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["project"].as_str().unwrap(),
                g["relation"].as_str().unwrap(),
                g["n_rows"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        groups,
        [
            ("CN-1", "information", 1),
            ("CN-1", "resources", 1),
            ("TO-3", "collaboration", 1),
            ("TO-3", "information", 1),
            ("TO-3", "prior", 1),
            ("TO-3", "resources", 1),
        ],
        "describe_waves reads the mapped ties"
    );
}

#[test]
fn wecare_new_scaffolds_a_project_that_runs_as_it_is() {
    let base = tempfile::tempdir().unwrap();
    let new = |dir: &str| -> crate::common::Run {
        std::process::Command::new(env!("CARGO_BIN_EXE_wecare"))
            .arg("-C")
            .arg(base.path())
            .args(["new", dir])
            .env("RUST_BACKTRACE", "1")
            .output()
            .unwrap()
            .into()
    };
    let run = new("valutazione");
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The next steps name the project as seen from where the command was typed (issue 12).
    insta::assert_snapshot!(run.stdout.replace(&base.path().display().to_string(), "[BASE]"), @r"
    created valutazione/: pipeline.toml, README.md, data/raw/wave1.csv, data/raw/roster1.csv, data/projects.csv, data/dataset.toml, data/aliases.csv, data/enti_gestori.csv, .gitignore
    1. replace the example rows: put your survey exports in [BASE]/valutazione/data/raw/ (CSV or .xlsx, one file per wave) and list them under `inputs` in [BASE]/valutazione/pipeline.toml; set `synthetic = false` in [BASE]/valutazione/data/dataset.toml
    2. map their column names, relation labels and intensity words in [BASE]/valutazione/pipeline.toml (commented examples inside; [BASE]/valutazione/README.md explains the format)
    3. run `wecare -C [BASE]/valutazione run`, then `wecare -C [BASE]/valutazione show ingest_waves.rejects` to see every row that was not used and why
    ");
    let p = Project {
        dir: tempfile::tempdir_in(base.path()).unwrap(),
    };
    crate::common::copy_dir(&base.path().join("valutazione"), p.path());
    let toml = p.read("pipeline.toml");
    assert!(toml.contains("name = \"valutazione\""), "{toml}");
    assert_eq!(
        p.read("data/raw/wave1.csv").lines().next(),
        Some("project,respondent,respondent_type,alter,alter_type,relation,intensity")
    );
    let run = p.ok(&["run"]);
    assert!(
        run.stdout.contains("9 run, 0 fresh, 0 failed"),
        "{}",
        run.stdout
    );
    assert_eq!(table(&p, "ingest_waves.ties_raw").len(), 2);
    assert!(table(&p, "ingest_waves.rejects").is_empty());
    assert_eq!(table(&p, "ingest_waves.roster").len(), 2);
    assert!(p.stale().is_empty());

    let again = new("valutazione");
    assert_eq!(again.code, 2);
    insta::assert_snapshot!(again.stderr.replace(&base.path().display().to_string(), "[BASE]"), @r"
    error: `[BASE]/valutazione` already exists and is not empty
      hint: give a new directory name; `wecare new` never writes over existing files
    ");
}

/// Copies `bad_inputs/<file>` into the good mixed project in place of `slot_path`, applies the
/// `pipeline.toml` edits, runs, and checks: exit 1, the file named with a hint, no panic, nothing
/// under `outputs/` or in `pipeline.lock` changed. Returns stderr for the snapshot.
fn bad_input(file: &str, slot_path: &str, edits: &[(&str, &str)]) -> String {
    let p = Project::new("ingest_mixed");
    p.ok(&["run"]);
    let before = p.snapshot_files();
    let dir = Path::new(slot_path).parent().unwrap();
    let target = dir.join(file).to_string_lossy().replace('\\', "/");
    std::fs::copy(
        fixtures().join("bad_inputs").join(file),
        p.path().join(&target),
    )
    .unwrap();
    check_bad(&p, &before, slot_path, &target, edits)
}

fn check_bad(
    p: &Project,
    before: &BTreeMap<String, Vec<u8>>,
    slot_path: &str,
    target: &str,
    edits: &[(&str, &str)],
) -> String {
    p.edit(
        "pipeline.toml",
        &format!("\"{slot_path}\""),
        &format!("\"{target}\""),
    );
    for (from, to) in edits {
        p.edit("pipeline.toml", from, to);
    }
    let run = p.wecare(&["run"]);
    assert_eq!(
        run.code, 1,
        "{target}: should exit 1:\n{}\n{}",
        run.stdout, run.stderr
    );
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("backtrace"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("error: stage `ingest_waves` failed: {target}")),
        "the message names the file:\n{}",
        run.stderr
    );
    assert!(run.stderr.contains("\n  hint: "), "{}", run.stderr);
    assert_eq!(
        &p.snapshot_files(),
        before,
        "{target}: outputs or pipeline.lock changed"
    );
    redact(&run.stderr, p.path())
}

macro_rules! bad_inputs {
    ($($name:ident: $file:literal for $slot:literal $(, $from:literal => $to:literal)*;)*) => {$(
        #[test]
        fn $name() {
            insta::assert_snapshot!(
                stringify!($name),
                bad_input($file, $slot, &[$(($from, $to)),*])
            );
        }
    )*};
}

const W1: &str = "data/raw/wave1.csv";

bad_inputs! {
    empty_file: "empty.csv" for "data/raw/wave1.csv";
    bom_only: "bom_only.csv" for "data/raw/wave1.csv";
    blank_lines_only: "blank_lines.csv" for "data/raw/wave1.csv";
    header_only: "header_only.csv" for "data/raw/wave1.csv";
    header_and_blank_rows: "header_and_blank_rows.csv" for "data/raw/wave1.csv";
    missing_column: "missing_column.csv" for "data/raw/wave1.csv";
    ambiguous_columns: "ambiguous_columns.csv" for "data/raw/wave1.csv";
    wrong_separator: "wrong_separator.csv" for "data/raw/wave1.csv",
        "delimiter = \"auto\"" => "delimiter = \",\"";
    field_count: "field_count.csv" for "data/raw/wave1.csv";
    unclosed_quote: "unclosed_quote.csv" for "data/raw/wave1.csv";
    long_cell: "long_cell.csv" for "data/raw/wave1.csv";
    windows_1252_read_as_utf8: "windows_1252_as_utf8.csv" for "data/raw/wave1.csv",
        "encoding = \"auto\"" => "encoding = \"utf-8\"";
    utf16_without_bom: "utf16_without_bom.csv" for "data/raw/wave1.csv";
    binary_garbage: "binary.csv" for "data/raw/wave1.csv";
    control_characters: "control_chars.csv" for "data/raw/wave1.csv";
    workbook_named_csv: "workbook_named_csv.csv" for "data/raw/wave1.csv";
    truncated_xlsx: "truncated.xlsx" for "data/raw/wave2.xlsx";
    text_named_xlsx: "not_a_zip.xlsx" for "data/raw/wave2.xlsx";
    encrypted_or_legacy_xlsx: "encrypted.xlsx" for "data/raw/wave2.xlsx";
    legacy_xls: "legacy.xls" for "data/raw/wave2.xlsx";
    zip_that_is_not_a_workbook: "not_a_workbook.xlsx" for "data/raw/wave2.xlsx";
    header_only_xlsx: "header_only.xlsx" for "data/raw/wave2.xlsx";
    empty_worksheet: "empty_sheet.xlsx" for "data/raw/wave2.xlsx",
        "sheet = \"Rilevazione 2\"" => "";
    missing_column_xlsx: "missing_column.xlsx" for "data/raw/wave2.xlsx";
    missing_worksheet: "header_only.xlsx" for "data/raw/wave2.xlsx",
        "sheet = \"Rilevazione 2\"" => "sheet = \"Foglio 9\"";
    roster_missing_column: "roster_missing_column.csv" for "data/raw/roster1.csv";
    projects_missing_column: "projects_missing_column.csv" for "data/projects.csv";
}

#[test]
fn a_ten_megabyte_single_line_is_refused_with_its_line() {
    let p = Project::new("ingest_mixed");
    p.ok(&["run"]);
    let before = p.snapshot_files();
    // Generated here, not committed: one 10 MB line without a line break.
    let line = "Cooperativa ".repeat(10 * 1024 * 1024 / 12);
    p.write("data/raw/one_line.csv", &line);
    insta::assert_snapshot!(check_bad(&p, &before, W1, "data/raw/one_line.csv", &[]), @r"
    error: stage `ingest_waves` failed: data/raw/one_line.csv:1 (column `field 1`): a cell of 10485756 characters: longer than params.max_cell_chars = 1000
      hint: a quote that is never closed, or a file that is not a survey export, makes such cells; check the file, or raise params.max_cell_chars
    error: 1 stage failed; see above
    ");
    // And a 10 MB data line after a good header: the line and column of the cell are named.
    let header = p.read(W1).lines().next().unwrap().to_string();
    p.write(
        "data/raw/long_row.csv",
        &format!("{header}\nP01,{}\n", "x".repeat(10 * 1024 * 1024)),
    );
    p.edit(
        "pipeline.toml",
        "\"data/raw/one_line.csv\"",
        &format!("\"{W1}\""),
    );
    insta::assert_snapshot!(check_bad(&p, &before, W1, "data/raw/long_row.csv", &[]), @r"
    error: stage `ingest_waves` failed: data/raw/long_row.csv:2 (column `organizzazione_rispondente`): a cell of 10485760 characters: longer than params.max_cell_chars = 1000
      hint: a quote that is never closed, or a file that is not a survey export, makes such cells; check the file, or raise params.max_cell_chars
    error: 1 stage failed; see above
    ");
}

#[test]
fn rejected_rows_never_fail_the_stage_and_unknown_projects_need_a_project_list() {
    let p = Project::new("ingest_mixed");
    p.edit(
        "pipeline.toml",
        ", projects = \"data/projects.csv\" }",
        " }",
    );
    p.ok(&["run"]);
    let reasons: Vec<String> = rejects(&p).into_iter().map(|r| r.4).collect();
    assert!(
        !reasons.iter().any(|r| r == "unknown_project"),
        "without a project list no project is unknown: {reasons:?}"
    );
    assert!(ties(&p).iter().any(|t| t.2 == "P99"));
}
