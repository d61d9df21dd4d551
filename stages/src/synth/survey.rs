//! The survey as it would be exported: who answered, what each respondent reported, in the
//! Italian labels of a survey platform, with the mess of real exports at configured rates.
use std::collections::{BTreeMap, BTreeSet};

use rand::seq::IndexedRandom as _;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::config::{Mess, SynthConfig};
use super::model::{stream, Cast, Org, ProjectCast, TrueProject};
use super::names;
use crate::vocab;

/// Italian relation labels, by canonical relation.
pub const RELATION_LABELS: &[(&str, &str)] = &[
    ("collaboration", "collaborazione"),
    ("information", "scambio di informazioni"),
    ("resources", "condivisione di risorse"),
    ("prior", "collaborazione precedente al progetto"),
    ("after", "iniziative comuni dopo la fine del progetto"),
];

/// Italian intensity labels for 1, 2, 3.
pub const INTENSITY_LABELS: [&str; 3] = ["qualche volta", "spesso", "molto spesso"];
/// The "don't know" answer.
pub const NON_SO: &str = "non so";
/// The "never" answer.
pub const MAI: &str = "mai";

/// One exported wave row.
#[derive(Debug, Clone)]
pub struct Row {
    pub project: String,
    pub respondent: String,
    pub respondent_type: String,
    pub alter: String,
    pub alter_type: String,
    pub relation: &'static str,
    pub intensity: String,
}

/// One roster row.
#[derive(Debug, Clone)]
pub struct RosterRow {
    pub project: String,
    pub organisation: String,
    pub organisation_type: String,
    pub responded: bool,
}

/// Mess injected: kind → (events, opportunities).
pub type MessCounts = BTreeMap<&'static str, (u64, u64)>;

/// The survey of one project.
#[derive(Debug, Clone, Default)]
pub struct ProjectSurvey {
    pub waves: [Vec<Row>; 3],
    pub rosters: [Vec<RosterRow>; 3],
    /// (raw name as written, actor id, where).
    pub names: BTreeSet<(String, String, String)>,
    pub mess: MessCounts,
    /// Organisations that answered, per wave.
    pub responded: [BTreeSet<usize>; 3],
    /// Organisations surveyed, per wave.
    pub surveyed: [BTreeSet<usize>; 3],
}

fn count(mess: &mut MessCounts, kind: &'static str, event: bool) {
    let e = mess.entry(kind).or_insert((0, 0));
    e.1 += 1;
    if event {
        e.0 += 1;
    }
}

struct Writer<'a> {
    rng: ChaCha8Rng,
    mess: &'a Mess,
    out: ProjectSurvey,
}

impl Writer<'_> {
    fn roll(&mut self, kind: &'static str, rate: f64) -> bool {
        let hit = self.rng.random_bool(rate.clamp(0.0, 1.0));
        count(&mut self.out.mess, kind, hit);
        hit
    }

    /// Like `roll`, but only cited names (scale 1) count towards the configured rate.
    fn roll_scaled(&mut self, kind: &'static str, rate: f64, scale: f64) -> bool {
        if (scale - 1.0).abs() < f64::EPSILON {
            self.roll(kind, rate)
        } else {
            self.rng.random_bool((rate * scale).clamp(0.0, 1.0))
        }
    }

    /// How a respondent writes an organisation's name.
    fn name(&mut self, org: &Org, rate_scale: f64, where_: &str) -> String {
        let mut name = org.name.clone();
        if self.roll_scaled("name_variant", self.mess.name_variant, rate_scale) {
            let use_acronym = org.acronym.is_some() && self.roll("acronym", self.mess.acronym);
            name = if use_acronym {
                org.acronym.clone().unwrap_or_default()
            } else {
                match self.rng.random_range(0..10) {
                    0 => org.name.to_uppercase(),
                    1 => names::drop_accents(&org.name),
                    _ => org
                        .parts
                        .alternatives
                        .choose(&mut self.rng)
                        .cloned()
                        .unwrap_or_else(|| org.name.clone()),
                }
            };
        }
        // Typos hit the distinctive part of the name (a typo in "Cooperativa" tells nothing).
        if self.roll_scaled("typo", self.mess.typo, rate_scale) {
            let core = &org.parts.core;
            let lower = name.to_lowercase();
            let at = (lower.len() == name.len())
                .then(|| lower.find(&core.to_lowercase()))
                .flatten();
            if let Some(at) = at {
                let end = at + core.len();
                name = format!(
                    "{}{}{}",
                    &name[..at],
                    names::typo(&name[at..end], &mut self.rng),
                    &name[end..]
                );
            }
        }
        name = self.cell(name);
        self.out
            .names
            .insert((name.clone(), org.id.clone(), where_.to_string()));
        name
    }

    /// A cell with accents may be mangled by a double encoding.
    fn cell(&mut self, text: String) -> String {
        if text.is_ascii() {
            return text;
        }
        if self.roll("mojibake", self.mess.mojibake) {
            names::mojibake(&text)
        } else {
            text
        }
    }

    fn type_label(&mut self, org: &Org, may_be_blank: bool) -> String {
        if may_be_blank && self.roll("missing_type", self.mess.missing_type) {
            return String::new();
        }
        let t = vocab::by_code(org.type_code).expect("known type");
        let label = if self.rng.random_bool(0.2) {
            t.variants
                .choose(&mut self.rng)
                .copied()
                .unwrap_or(t.label_it)
        } else {
            t.label_it
        };
        let label =
            if label.chars().next().is_some_and(char::is_lowercase) && self.rng.random_bool(0.5) {
                let mut c = label.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or_default()
            } else {
                label.to_string()
            };
        self.cell(label)
    }
}

fn relation_label(layer: &str) -> &'static str {
    RELATION_LABELS
        .iter()
        .find(|(c, _)| *c == layer)
        .map_or("collaborazione", |(_, l)| l)
}

/// Simulates the three survey waves of one project.
#[allow(clippy::too_many_lines)]
#[must_use]
pub fn simulate(
    config: &SynthConfig,
    mess: &Mess,
    cast: &Cast,
    pc: &ProjectCast,
    truth: &TrueProject,
) -> ProjectSurvey {
    let mut w = Writer {
        rng: stream(config.synth.seed, "survey", pc.index as u64),
        mess,
        out: ProjectSurvey::default(),
    };
    let orgs = &cast.orgs;
    let layers_of = |wave: u8| -> Vec<(u8, &'static str)> {
        match wave {
            1 => vec![
                (1, "collaboration"),
                (1, "information"),
                (1, "resources"),
                (0, "prior"),
            ],
            2 => vec![(2, "collaboration"), (2, "information"), (2, "resources")],
            _ => vec![
                (3, "collaboration"),
                (3, "information"),
                (3, "resources"),
                (3, "after"),
            ],
        }
    };
    for wave in 1..=3u8 {
        let wi = usize::from(wave - 1);
        let roster = pc.roster(wave);
        let rate = config.survey.response_rates[wi];
        let mut rows = Vec::new();
        for &o in &roster {
            // The evaluators chase the lead partners while the project runs; after its end
            // nobody is chased.
            let p = if wave < 3 && pc.centres.contains(&o) {
                config.survey.centre_response_rate
            } else {
                rate
            };
            let responded = w.rng.random_bool(p.clamp(0.0, 1.0));
            w.out.surveyed[wi].insert(o);
            if responded {
                w.out.responded[wi].insert(o);
            }
            let organisation = w.name(&orgs[o], 1.0 / 3.0, &format!("roster{wave}"));
            let organisation_type = w.type_label(&orgs[o], false);
            w.out.rosters[wi].push(RosterRow {
                project: pc.code.clone(),
                organisation,
                organisation_type,
                responded,
            });
        }
        let where_ = format!("wave{wave}");
        for &r in &roster {
            if !w.out.responded[wi].contains(&r) {
                continue;
            }
            let respondent = w.name(&orgs[r], 0.5, &where_);
            let respondent_type = w.type_label(&orgs[r], false);
            for (tw, layer) in layers_of(wave) {
                let ties = &truth.ties[&(tw, layer)];
                let mut alters: Vec<(usize, u8)> = ties
                    .iter()
                    .filter_map(|(&(a, b), &i)| {
                        if a == r {
                            Some((b, i))
                        } else if b == r {
                            Some((a, i))
                        } else {
                            None
                        }
                    })
                    .collect();
                alters.sort_by(|x, y| orgs[x.0].id.cmp(&orgs[y.0].id));
                for (alter, intensity) in alters {
                    if !w.rng.random_bool(config.survey.report_probability) {
                        continue;
                    }
                    let intensity = if w.roll("non_so", mess.non_so) {
                        NON_SO.to_string()
                    } else {
                        INTENSITY_LABELS[usize::from(intensity - 1)].to_string()
                    };
                    let alter_name = w.name(&orgs[alter], 1.0, &where_);
                    let alter_type = w.type_label(&orgs[alter], true);
                    rows.push(Row {
                        project: pc.code.clone(),
                        respondent: respondent.clone(),
                        respondent_type: respondent_type.clone(),
                        alter: alter_name,
                        alter_type,
                        relation: relation_label(layer),
                        intensity,
                    });
                }
                if w.roll("self_citation", mess.self_citation) {
                    let own = w.name(&orgs[r], 0.5, &where_);
                    let own_type = w.type_label(&orgs[r], true);
                    let intensity = INTENSITY_LABELS[w.rng.random_range(0..3)].to_string();
                    rows.push(Row {
                        project: pc.code.clone(),
                        respondent: respondent.clone(),
                        respondent_type: respondent_type.clone(),
                        alter: own,
                        alter_type: own_type,
                        relation: relation_label(layer),
                        intensity,
                    });
                }
            }
            // "mai": a roster organisation listed as never collaborated with.
            let collab = &truth.ties[&(wave, "collaboration")];
            for &o in &roster {
                let tied = collab.contains_key(&(r.min(o), r.max(o)));
                if o == r || tied {
                    continue;
                }
                if w.roll("mai", mess.mai) {
                    let alter = w.name(&orgs[o], 1.0, &where_);
                    let alter_type = w.type_label(&orgs[o], true);
                    rows.push(Row {
                        project: pc.code.clone(),
                        respondent: respondent.clone(),
                        respondent_type: respondent_type.clone(),
                        alter,
                        alter_type,
                        relation: relation_label("collaboration"),
                        intensity: MAI.to_string(),
                    });
                }
            }
        }
        // Export mess at row level: unknown project codes, then duplicated rows.
        let mut exported = Vec::with_capacity(rows.len());
        for mut row in rows {
            if w.roll("unknown_project", mess.unknown_project) {
                row.project = if w.rng.random_bool(0.5) {
                    "WCR-99".to_string()
                } else {
                    pc.code.replace('-', " ") + "B"
                };
            }
            let dup = w.roll("duplicate_row", mess.duplicate_row);
            if dup {
                exported.push(row.clone());
            }
            exported.push(row);
        }
        w.out.waves[wi] = exported;
    }
    w.out
}

/// Canonical name of a relation label (for tests and the truth).
#[must_use]
pub fn relation_of(label: &str) -> Option<&'static str> {
    RELATION_LABELS
        .iter()
        .find(|(_, l)| *l == label)
        .map(|(c, _)| *c)
}
