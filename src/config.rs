//! `pipeline.toml`: parsing, validation and the validated [`Pipeline`].
//!
//! The file is parsed with `toml_edit` so that every key and value keeps its byte span; validation
//! walks the document and collects **every** problem (a [`Problem`] with the span to point at and a
//! hint) before giving up, so a user fixes a broken file in one pass, not one error at a time.
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use toml_edit::{ImDocument, Item, TableLike};
use wecare_stages::{KindSpec, ParamError};

use crate::dag::Dag;
use crate::diagnostic::{suggest, Problem};

/// The name of the pipeline file at the project root.
pub const PIPELINE_FILE: &str = "pipeline.toml";

/// A validated pipeline.
#[derive(Debug)]
pub struct Pipeline {
    /// The project directory (as given, not canonicalised into output).
    pub root: PathBuf,
    /// `[pipeline] name`.
    pub name: String,
    /// `[pipeline] seed`.
    pub seed: u64,
    /// Stages by name.
    pub stages: BTreeMap<String, StageDecl>,
    /// The DAG over the stages.
    pub dag: Dag,
    /// Content hashes of the project's files, cached by size and mtime.
    pub hashes: crate::hash_cache::HashCache,
    /// blake3 of the `pipeline.toml` text this was read from.
    pub source_hash: String,
}

/// One `[stages.NAME]` table, validated.
#[derive(Debug)]
pub struct StageDecl {
    /// The stage name.
    pub name: String,
    /// Its kind.
    pub kind: &'static KindSpec,
    /// Slot → what fills it.
    pub inputs: BTreeMap<String, InputRef>,
    /// Canonical params (defaults filled in, keys sorted).
    pub params: toml::Table,
}

/// What fills an input slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputRef {
    /// A file, relative to the project root, `/`-separated and normalised.
    File(String),
    /// A table of another stage.
    Table {
        /// The upstream stage.
        stage: String,
        /// The table it writes.
        table: String,
    },
}

impl InputRef {
    /// How the input is written in `pipeline.toml` and in the lock.
    #[must_use]
    pub fn display(&self) -> String {
        match self {
            InputRef::File(path) => path.clone(),
            InputRef::Table { stage, table } => format!("{stage}.{table}"),
        }
    }
}

/// `pipeline.toml` could not be turned into a [`Pipeline`].
#[derive(Debug)]
pub struct ConfigError {
    /// The file, as shown in messages.
    pub file: String,
    /// Its text, for rendering spans.
    pub source: String,
    /// Every problem found, sorted by position.
    pub problems: Vec<Problem>,
}

/// Reads and validates `<root>/pipeline.toml`.
///
/// # Errors
/// A [`ConfigError`] listing every problem, or a plain message when the file cannot be read.
pub fn load(root: &Path) -> Result<Pipeline, LoadError> {
    let path = root.join(PIPELINE_FILE);
    let source = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(LoadError::Missing {
                dir: root.display().to_string(),
            })
        }
        Err(e) => {
            return Err(LoadError::Unreadable {
                path: path.display().to_string(),
                reason: e.to_string(),
            })
        }
    };
    parse(root, &source).map_err(LoadError::Invalid)
}

/// Why `pipeline.toml` could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// No `pipeline.toml` in the directory.
    #[error("no `pipeline.toml` in `{dir}`")]
    Missing {
        /// The project directory.
        dir: String,
    },
    /// The file exists but cannot be read.
    #[error("cannot read `{path}`: {reason}")]
    Unreadable {
        /// The file.
        path: String,
        /// The OS error.
        reason: String,
    },
    /// The file is not a valid pipeline.
    #[error("`pipeline.toml` is not valid")]
    Invalid(ConfigError),
}

/// Parses and validates pipeline text for a project at `root`.
///
/// # Errors
/// A [`ConfigError`] with every problem found.
pub fn parse(root: &Path, source: &str) -> Result<Pipeline, ConfigError> {
    let fail = |problems: Vec<Problem>| {
        let mut problems = problems;
        problems.sort_by_key(|p| (p.span.as_ref().map_or(0, |s| s.start), p.message.clone()));
        ConfigError {
            file: PIPELINE_FILE.to_string(),
            source: source.to_string(),
            problems,
        }
    };
    let doc = match ImDocument::parse(source.to_string()) {
        Ok(doc) => doc,
        Err(e) => {
            let message = e.message().trim().to_string();
            let hint = if message.contains("duplicate key") {
                "each stage is declared once; rename or merge the two `[stages.…]` tables"
            } else {
                "fix the TOML syntax (https://toml.io)"
            };
            return Err(fail(vec![Problem::new(
                e.span(),
                format!("invalid TOML: {message}"),
                "here",
            )
            .hint(hint)]));
        }
    };
    let mut v = Validator {
        root,
        problems: Vec::new(),
    };
    let root_table = doc.as_table();
    for (key, item) in root_table.iter() {
        if key != "pipeline" && key != "stages" {
            let span = key_span(root_table, key).or_else(|| item.span());
            v.problems.push(
                Problem::new(
                    span,
                    format!("unknown top-level table `{key}`"),
                    "not part of a pipeline",
                )
                .hint("a pipeline.toml has `[pipeline]` and `[stages.NAME]` tables only"),
            );
        }
    }
    let (name, seed) = v.pipeline_meta(root_table);
    let raw_stages = v.raw_stages(root_table);
    let names: BTreeSet<String> = raw_stages.keys().cloned().collect();
    let mut stages = BTreeMap::new();
    let mut edges: Vec<(String, String, Option<Range<usize>>)> = Vec::new();
    for (stage_name, raw) in &raw_stages {
        if let Some(decl) = v.stage(stage_name, raw, &raw_stages, &names, &mut edges) {
            stages.insert(stage_name.clone(), decl);
        }
    }
    let dag = Dag::build(
        names.iter().cloned(),
        edges.iter().map(|(a, b, _)| (a.clone(), b.clone())),
    );
    for cycle in dag.cycles() {
        // Point at the input that closes the cycle: the edge from the last stage to the first.
        let span = edges
            .iter()
            .find(|(from, to, _)| from == &cycle[cycle.len() - 1] && to == &cycle[0])
            .and_then(|(_, _, s)| s.clone());
        let mut path = cycle.clone();
        path.push(cycle[0].clone());
        v.problems.push(
            Problem::new(
                span,
                format!("cycle: {}", path.join(" → ")),
                "this input closes the cycle",
            )
            .hint("a stage cannot depend on its own outputs; remove one of these inputs"),
        );
    }
    if !v.problems.is_empty() {
        return Err(fail(v.problems));
    }
    Ok(Pipeline {
        root: root.to_path_buf(),
        name,
        seed,
        stages,
        dag,
        hashes: crate::hash_cache::HashCache::new(root),
        source_hash: blake3::hash(source.as_bytes()).to_hex().to_string(),
    })
}

/// A `[stages.NAME]` table before validation.
struct RawStage<'a> {
    table: &'a dyn TableLike,
    span: Option<Range<usize>>,
    kind: Option<&'static KindSpec>,
}

struct Validator<'a> {
    root: &'a Path,
    problems: Vec<Problem>,
}

fn key_span(table: &dyn TableLike, key: &str) -> Option<Range<usize>> {
    table
        .get_key_value(key)
        .and_then(|(k, item)| k.span().or_else(|| item.span()))
}

fn value_span(table: &dyn TableLike, key: &str) -> Option<Range<usize>> {
    table
        .get_key_value(key)
        .and_then(|(k, item)| item.span().or_else(|| k.span()))
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn type_name(item: &Item) -> &'static str {
    match item {
        Item::None => "nothing",
        Item::Value(v) => v.type_name(),
        Item::Table(_) => "table",
        Item::ArrayOfTables(_) => "array of tables",
    }
}

impl Validator<'_> {
    fn pipeline_meta(&mut self, root: &toml_edit::Table) -> (String, u64) {
        let mut name = String::from("pipeline");
        let mut seed = 0;
        let Some(item) = root.get("pipeline") else {
            self.problems.push(
                Problem::new(
                    Some(0..0),
                    "missing `[pipeline]` table",
                    "expected before the stages",
                )
                .hint("start the file with `[pipeline]`, `name = \"…\"` and `seed = 2017`"),
            );
            return (name, seed);
        };
        let Some(table) = item.as_table_like() else {
            self.problems.push(Problem::new(
                item.span(),
                "`pipeline` must be a table",
                "not a table",
            ));
            return (name, seed);
        };
        for (key, value) in table.iter() {
            match key {
                "name" => match value.as_str() {
                    Some(s) if !s.trim().is_empty() => name = s.to_string(),
                    _ => self.problems.push(
                        Problem::new(
                            value_span(table, key),
                            "`name` must be a non-empty string",
                            "here",
                        )
                        .hint("name = \"my-evaluation\""),
                    ),
                },
                "seed" => match value.as_integer().and_then(|i| u64::try_from(i).ok()) {
                    Some(s) => seed = s,
                    None => self.problems.push(
                        Problem::new(
                            value_span(table, key),
                            "`seed` must be a non-negative integer",
                            "here",
                        )
                        .hint("seed = 2017"),
                    ),
                },
                "description" => {
                    if value.as_str().is_none() {
                        self.problems.push(Problem::new(
                            value_span(table, key),
                            "`description` must be a string",
                            "here",
                        ));
                    }
                }
                other => self.problems.push(
                    Problem::new(
                        key_span(table, other),
                        format!("unknown key `{other}` in `[pipeline]`"),
                        "unknown key",
                    )
                    .hint(format!(
                        "`[pipeline]` accepts: name, seed, description{}",
                        suggest(other, ["name", "seed", "description"])
                    )),
                ),
            }
        }
        if table.get("name").is_none() {
            self.problems.push(
                Problem::new(
                    item.span().or(Some(0..0)),
                    "`[pipeline]` has no `name`",
                    "here",
                )
                .hint("add name = \"my-evaluation\""),
            );
        }
        (name, seed)
    }

    fn raw_stages<'d>(&mut self, root: &'d toml_edit::Table) -> BTreeMap<String, RawStage<'d>> {
        let mut out = BTreeMap::new();
        let Some(item) = root.get("stages") else {
            self.problems.push(
                Problem::new(Some(0..0), "no stages: the pipeline declares no `[stages.NAME]` table", "here")
                    .hint("declare at least one stage, e.g. `[stages.ingest_waves]` with `kind = \"ingest_waves\"`"),
            );
            return out;
        };
        let Some(stages) = item.as_table_like() else {
            self.problems.push(Problem::new(
                item.span(),
                "`stages` must be a table of tables",
                "here",
            ));
            return out;
        };
        for (name, item) in stages.iter() {
            let span = key_span(stages, name);
            let Some(table) = item.as_table_like() else {
                self.problems.push(
                    Problem::new(
                        span,
                        format!("stage `{name}` must be a table"),
                        format!("found {}", type_name(item)),
                    )
                    .hint(format!(
                        "write `[stages.{name}]` followed by `kind = \"…\"`"
                    )),
                );
                continue;
            };
            if !is_identifier(name) {
                self.problems.push(
                    Problem::new(
                        span.clone(),
                        format!("stage name `{name}` is not a valid name"),
                        "invalid name",
                    )
                    .hint(
                        "stage names use lowercase letters, digits and `_`, starting with a letter",
                    ),
                );
            }
            let kind = table
                .get("kind")
                .and_then(Item::as_str)
                .and_then(wecare_stages::kind_spec);
            out.insert(name.to_string(), RawStage { table, span, kind });
        }
        out
    }

    fn stage(
        &mut self,
        name: &str,
        raw: &RawStage<'_>,
        all: &BTreeMap<String, RawStage<'_>>,
        names: &BTreeSet<String>,
        edges: &mut Vec<(String, String, Option<Range<usize>>)>,
    ) -> Option<StageDecl> {
        let table = raw.table;
        let before = self.problems.len();
        for (key, _) in table.iter() {
            if !["kind", "inputs", "params", "description"].contains(&key) {
                self.problems.push(
                    Problem::new(
                        key_span(table, key),
                        format!("unknown key `{key}` in stage `{name}`"),
                        "unknown key",
                    )
                    .hint(format!(
                        "a stage has: kind, inputs, params, description{}",
                        suggest(key, ["kind", "inputs", "params", "description"])
                    )),
                );
            }
        }
        let kind = match table.get("kind") {
            None => {
                self.problems.push(
                    Problem::new(
                        raw.span.clone(),
                        format!("stage `{name}` has no `kind`"),
                        "declared here",
                    )
                    .hint(format!("add kind = \"…\"; known kinds: {}", known_kinds())),
                );
                None
            }
            Some(item) => match item.as_str() {
                None => {
                    self.problems.push(Problem::new(
                        value_span(table, "kind"),
                        "`kind` must be a string",
                        "here",
                    ));
                    None
                }
                Some(k) => {
                    if raw.kind.is_none() {
                        let names: Vec<&str> =
                            wecare_stages::KINDS.iter().map(|k| k.name).collect();
                        self.problems.push(
                            Problem::new(
                                value_span(table, "kind"),
                                format!("unknown stage kind `{k}`"),
                                "unknown kind",
                            )
                            .hint(format!(
                                "known kinds: {}{}",
                                known_kinds(),
                                suggest(k, names)
                            )),
                        );
                    }
                    raw.kind
                }
            },
        };
        let inputs = self.inputs(name, table, kind, all, names, edges);
        let params = kind.and_then(|kind| self.params(name, table, kind));
        if self.problems.len() > before {
            return None;
        }
        Some(StageDecl {
            name: name.to_string(),
            kind: kind?,
            inputs,
            params: params?,
        })
    }

    fn inputs(
        &mut self,
        stage: &str,
        table: &dyn TableLike,
        kind: Option<&'static KindSpec>,
        all: &BTreeMap<String, RawStage<'_>>,
        names: &BTreeSet<String>,
        edges: &mut Vec<(String, String, Option<Range<usize>>)>,
    ) -> BTreeMap<String, InputRef> {
        let mut out = BTreeMap::new();
        let Some(item) = table.get("inputs") else {
            self.check_required_slots(stage, kind, &out, table);
            return out;
        };
        let Some(inputs) = item.as_table_like() else {
            self.problems.push(
                Problem::new(
                    value_span(table, "inputs"),
                    "`inputs` must be a table of slot = \"path\" or \"stage.table\"",
                    "here",
                )
                .hint("inputs = { wave1 = \"data/raw/wave1.csv\" }"),
            );
            return out;
        };
        let written: BTreeMap<String, InputRef> = inputs
            .iter()
            .map(|(slot, _)| (slot.to_string(), InputRef::File(String::new())))
            .collect();
        for (slot, value) in inputs.iter() {
            let span = value_span(inputs, slot);
            let slot_spec = kind.and_then(|k| k.slots.iter().find(|s| s.matches(slot)));
            if let (Some(kind), None) = (kind, slot_spec) {
                let slots: Vec<String> = kind
                    .slots
                    .iter()
                    .map(wecare_stages::Slot::display)
                    .collect();
                self.problems.push(
                    Problem::new(
                        key_span(inputs, slot),
                        format!("unknown input slot `{slot}` for kind `{}`", kind.name),
                        "unknown slot",
                    )
                    .hint(format!(
                        "`{}` takes: {}{}",
                        kind.name,
                        slots.join(", "),
                        suggest(slot, slots.iter().map(String::as_str))
                    )),
                );
            }
            let Some(text) = value.as_str() else {
                self.problems.push(
                    Problem::new(span, format!("input `{slot}` must be a string"), format!("found {}", type_name(value)))
                        .hint("write a file path (\"data/raw/wave1.csv\") or an upstream table (\"ingest_waves.ties_raw\")"),
                );
                continue;
            };
            let Some(input) = self.input_ref(stage, slot, text, span.clone(), all, names) else {
                continue;
            };
            if let Some(spec) = slot_spec {
                match (&input, spec.table) {
                    (InputRef::File(_), true) => self.problems.push(
                        Problem::new(
                            span.clone(),
                            format!("input `{slot}` takes an upstream table, not a file"),
                            "a file",
                        )
                        .hint("write \"stage.table\", e.g. \"ingest_waves.ties_raw\""),
                    ),
                    (InputRef::Table { .. }, false) => self.problems.push(
                        Problem::new(
                            span.clone(),
                            format!("input `{slot}` takes a file, not an upstream table"),
                            "a table",
                        )
                        .hint("write a path relative to the project, e.g. \"data/raw/wave1.csv\""),
                    ),
                    _ => {}
                }
            }
            if let InputRef::Table { stage: up, .. } = &input {
                edges.push((up.clone(), stage.to_string(), span));
            }
            out.insert(slot.to_string(), input);
        }
        self.check_required_slots(stage, kind, &written, table);
        out
    }

    fn check_required_slots(
        &mut self,
        stage: &str,
        kind: Option<&'static KindSpec>,
        filled: &BTreeMap<String, InputRef>,
        table: &dyn TableLike,
    ) {
        let Some(kind) = kind else { return };
        for slot in kind.slots.iter().filter(|s| s.required) {
            if !filled.keys().any(|k| slot.matches(k)) {
                let span = value_span(table, "inputs").or_else(|| value_span(table, "kind"));
                self.problems.push(
                    Problem::new(
                        span,
                        format!("stage `{stage}` needs input `{}`", slot.display()),
                        "missing input",
                    )
                    .hint(format!("`{}`: {}", slot.display(), slot.doc)),
                );
            }
        }
    }

    fn input_ref(
        &mut self,
        stage: &str,
        slot: &str,
        text: &str,
        span: Option<Range<usize>>,
        all: &BTreeMap<String, RawStage<'_>>,
        names: &BTreeSet<String>,
    ) -> Option<InputRef> {
        let reference = text
            .split_once('.')
            .filter(|(a, b)| is_identifier(a) && is_identifier(b) && !text.contains('/'));
        if let Some((up, table)) = reference {
            if let Some(raw) = all.get(up) {
                if up == stage {
                    self.problems.push(
                        Problem::new(
                            span,
                            format!("stage `{stage}` reads its own output `{text}`"),
                            "self-reference",
                        )
                        .hint("a stage cannot depend on itself"),
                    );
                    return None;
                }
                if let Some(kind) = raw.kind {
                    if !kind.outputs.contains(&table) {
                        self.problems.push(
                            Problem::new(
                                span,
                                format!("stage `{up}` has no table `{table}`"),
                                "unknown table",
                            )
                            .hint(format!(
                                "`{up}` (kind `{}`) writes: {}{}",
                                kind.name,
                                kind.outputs.join(", "),
                                suggest(table, kind.outputs.iter().copied())
                            )),
                        );
                        return None;
                    }
                }
                return Some(InputRef::Table {
                    stage: up.to_string(),
                    table: table.to_string(),
                });
            }
            if !self.root.join(text).is_file() {
                self.problems.push(
                    Problem::new(
                        span,
                        format!("unknown stage `{up}` in input `{slot}` = \"{text}\""),
                        "no such stage",
                    )
                    .hint(format!(
                        "stages: {}{} (a file in the project root is written \"./{text}\")",
                        names
                            .iter()
                            .map(String::as_str)
                            .collect::<Vec<_>>()
                            .join(", "),
                        suggest(up, names.iter().map(String::as_str))
                    )),
                );
                return None;
            }
        }
        match normalize_path(text) {
            Err(why) => {
                self.problems.push(
                    Problem::new(span, format!("input `{slot}` = \"{text}\" {why}"), "outside the project")
                        .hint("inputs are paths relative to the project directory, inside it; copy the file into data/"),
                );
                None
            }
            Ok(rel) => {
                let full = self.root.join(&rel);
                if !full.is_file() {
                    let what = if full.is_dir() {
                        "is a directory, not a file"
                    } else {
                        "does not exist"
                    };
                    self.problems.push(
                        Problem::new(span, format!("input file `{rel}` {what}"), "missing file")
                            .hint(format!(
                                "paths are relative to the project directory `{}`",
                                self.root.display()
                            )),
                    );
                    return None;
                }
                if let (Ok(root), Ok(real)) = (self.root.canonicalize(), full.canonicalize()) {
                    if !real.starts_with(&root) {
                        self.problems.push(
                            Problem::new(
                                span,
                                format!(
                                    "input file `{rel}` leads outside the project (symbolic link)"
                                ),
                                "outside the project",
                            )
                            .hint("copy the file into the project instead of linking to it"),
                        );
                        return None;
                    }
                }
                Some(InputRef::File(rel))
            }
        }
    }

    fn params(
        &mut self,
        stage: &str,
        table: &dyn TableLike,
        kind: &'static KindSpec,
    ) -> Option<toml::Table> {
        let mut spans = BTreeMap::new();
        let raw = match table.get("params") {
            None => toml::Table::new(),
            Some(item) => {
                let Some(params) = item.as_table_like() else {
                    self.problems.push(
                        Problem::new(
                            value_span(table, "params"),
                            "`params` must be a table",
                            "here",
                        )
                        .hint("params = { name = value }"),
                    );
                    return None;
                };
                spans.insert(Vec::new(), value_span(table, "params"));
                to_toml_table(params, &mut Vec::new(), &mut spans)
            }
        };
        // No stage param may be NaN or infinite: a threshold of `nan` compares false with
        // everything and silently changes a result.
        let mut bad = Vec::new();
        non_finite(&raw, &mut Vec::new(), &mut bad);
        if !bad.is_empty() {
            for (path, value) in bad {
                let span = spans.get(&path).cloned().flatten();
                self.problems.push(
                    Problem::new(
                        span,
                        format!(
                            "param `{}` of stage `{stage}` is {value}, not a finite number",
                            path.join(".")
                        ),
                        "not a finite number",
                    )
                    .hint(format!(
                        "see the `{}` params in the README or `wecare kinds`",
                        kind.name
                    )),
                );
            }
            return None;
        }
        match wecare_stages::normalize_params(kind.name, &raw) {
            Ok(params) => Some(params),
            Err(err) => {
                self.problems.push(param_problem(stage, kind, &err, &spans));
                None
            }
        }
    }
}

fn param_problem(
    stage: &str,
    kind: &KindSpec,
    err: &ParamError,
    spans: &BTreeMap<Vec<String>, Option<Range<usize>>>,
) -> Problem {
    // The error path may go one level deeper than the keys we saw (unknown nested key):
    // point at the deepest key we know.
    let mut path = err.path.clone();
    let span = loop {
        if let Some(span) = spans.get(&path) {
            break span.clone();
        }
        if path.pop().is_none() {
            break None;
        }
    };
    let dotted = err.path.join(".");
    if err.message.starts_with("unknown field") {
        let unknown = err.message.split('`').nth(1).unwrap_or(&dotted).to_string();
        let full = if err.path.last() == Some(&unknown) {
            dotted.clone()
        } else {
            unknown.clone()
        };
        let expected = if err.expected.is_empty() {
            String::new()
        } else {
            format!("; accepted here: {}", err.expected.join(", "))
        };
        Problem::new(
            span,
            format!(
                "unknown param `{full}` for stage `{stage}` (kind `{}`)",
                kind.name
            ),
            "unknown param",
        )
        .hint(format!(
            "remove it or fix its name{expected}{}",
            suggest(&unknown, err.expected.iter().map(String::as_str))
        ))
    } else if err.message.contains("is out of range") {
        Problem::new(
            span,
            format!("param `{dotted}` of stage `{stage}`: {}", err.message),
            "out of range",
        )
        .hint(format!(
            "see the `{}` params in the README or `wecare kinds`",
            kind.name
        ))
    } else if dotted.is_empty() {
        Problem::new(
            span,
            format!("invalid params for stage `{stage}`: {}", err.message),
            "here",
        )
    } else {
        Problem::new(
            span,
            format!("param `{dotted}` of stage `{stage}`: {}", err.message),
            "wrong type",
        )
        .hint(format!("see the `{}` params in the README", kind.name))
    }
}

/// Key paths of every NaN or infinite float in `table`.
fn non_finite(table: &toml::Table, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, f64)>) {
    fn value(v: &toml::Value, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, f64)>) {
        match v {
            toml::Value::Float(f) if !f.is_finite() => out.push((path.clone(), *f)),
            toml::Value::Table(t) => non_finite(t, path, out),
            toml::Value::Array(items) => {
                for item in items {
                    value(item, path, out);
                }
            }
            _ => {}
        }
    }
    for (key, v) in table {
        path.push(key.clone());
        value(v, path, out);
        path.pop();
    }
}

/// Converts a `toml_edit` table to a `toml` table, recording the span of every key path.
fn to_toml_table(
    table: &dyn TableLike,
    path: &mut Vec<String>,
    spans: &mut BTreeMap<Vec<String>, Option<Range<usize>>>,
) -> toml::Table {
    let mut out = toml::Table::new();
    for (key, item) in table.iter() {
        path.push(key.to_string());
        spans.insert(path.clone(), value_span(table, key));
        if let Some(value) = to_toml_value(item, path, spans) {
            out.insert(key.to_string(), value);
        }
        path.pop();
    }
    out
}

fn to_toml_value(
    item: &Item,
    path: &mut Vec<String>,
    spans: &mut BTreeMap<Vec<String>, Option<Range<usize>>>,
) -> Option<toml::Value> {
    use toml_edit::Value as V;
    match item {
        Item::None => None,
        Item::Table(t) => Some(toml::Value::Table(to_toml_table(t, path, spans))),
        Item::ArrayOfTables(arr) => Some(toml::Value::Array(
            arr.iter()
                .map(|t| toml::Value::Table(to_toml_table(t, path, spans)))
                .collect(),
        )),
        Item::Value(v) => Some(match v {
            V::String(s) => toml::Value::String(s.value().clone()),
            V::Integer(i) => toml::Value::Integer(*i.value()),
            V::Float(f) => toml::Value::Float(*f.value()),
            V::Boolean(b) => toml::Value::Boolean(*b.value()),
            V::Datetime(d) => toml::Value::String(d.value().to_string()),
            V::Array(a) => toml::Value::Array(
                a.iter()
                    .filter_map(|v| to_toml_value(&Item::Value(v.clone()), path, spans))
                    .collect(),
            ),
            V::InlineTable(t) => toml::Value::Table(to_toml_table(t, path, spans)),
        }),
    }
}

fn known_kinds() -> String {
    wecare_stages::KINDS
        .iter()
        .map(|k| k.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Normalises a relative path lexically: `/` separators, no `.`, no `..` leaving the project.
///
/// # Errors
/// A phrase saying why the path is not acceptable.
pub fn normalize_path(text: &str) -> Result<String, &'static str> {
    let path = Path::new(text);
    if path.is_absolute() || text.starts_with('/') || text.starts_with('\\') {
        return Err("is an absolute path");
    }
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.pop().is_none() {
                    return Err("leaves the project directory");
                }
            }
            Component::RootDir | Component::Prefix(_) => return Err("is an absolute path"),
        }
    }
    if parts.is_empty() {
        return Err("names no file");
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::normalize_path;

    #[test]
    fn paths_are_normalised_and_kept_inside() {
        assert_eq!(
            normalize_path("./data/../data/raw/w1.csv"),
            Ok("data/raw/w1.csv".to_string())
        );
        assert_eq!(
            normalize_path("../secret.csv"),
            Err("leaves the project directory")
        );
        assert_eq!(
            normalize_path("data/../../x"),
            Err("leaves the project directory")
        );
        assert_eq!(normalize_path("/etc/passwd"), Err("is an absolute path"));
        assert_eq!(normalize_path("."), Err("names no file"));
    }
}
