//! The true programme: who is in which partnership (the cast, drawn once, sequentially, because
//! an organisation may join at most two projects) and each project's true networks by wave
//! (drawn per project from its own seeded stream, so projects can be generated in parallel).
use std::collections::{BTreeMap, BTreeSet};

use rand::seq::IndexedRandom as _;
use rand::{Rng, SeedableRng as _};
use rand_chacha::ChaCha8Rng;

use super::config::{Effects, SynthConfig};
use super::names;
use crate::vocab::{self, Sector};

/// A true organisation.
#[derive(Debug, Clone)]
pub struct Org {
    pub id: String,
    pub name: String,
    pub type_code: &'static str,
    pub territory: String,
    /// The parts variants are built from.
    pub parts: Parts,
    pub acronym: Option<String>,
    /// Project indices it takes part in (as partner, ente gestore or cited organisation).
    pub projects: Vec<usize>,
}

/// The pieces of a name that respondents recombine.
#[derive(Debug, Clone, Default)]
pub struct Parts {
    /// The distinctive part: "Il Girasole Verde", "Valle Sorana", "Castelaldina".
    pub core: String,
    /// Alternative full spellings respondents use.
    pub alternatives: Vec<String>,
}

/// The network type of a project (F2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetType {
    EgCentred,
    ThirdSectorCentred,
    Polycentric,
}

impl NetType {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            NetType::EgCentred => "eg_centred",
            NetType::ThirdSectorCentred => "third_sector_centred",
            NetType::Polycentric => "polycentric",
        }
    }
}

/// Who is in one project.
#[derive(Debug, Clone)]
pub struct ProjectCast {
    pub index: usize,
    pub code: String,
    pub territory: String,
    pub budget_eur: i64,
    pub egs: Vec<usize>,
    pub partners: Vec<usize>,
    pub cited: Vec<usize>,
    pub entrants: Vec<usize>,
    pub net_type: NetType,
    pub centres: Vec<usize>,
}

impl ProjectCast {
    /// Organisations surveyed in a wave (formal partnership; wave-2 entrants who joined formally).
    #[must_use]
    pub fn roster(&self, wave: u8) -> Vec<usize> {
        let mut r: Vec<usize> = self.egs.iter().chain(&self.partners).copied().collect();
        if wave >= 2 {
            r.extend(self.entrants.iter().step_by(2));
        }
        r
    }
}

/// The cast of the whole programme.
#[derive(Debug, Clone)]
pub struct Cast {
    pub orgs: Vec<Org>,
    pub projects: Vec<ProjectCast>,
}

/// Seeded stream for one purpose.
#[must_use]
pub fn stream(seed: u64, purpose: &str, index: u64) -> ChaCha8Rng {
    let mut h = blake3::Hasher::new_derive_key("wecare synth stream v1");
    h.update(&seed.to_le_bytes());
    h.update(&(purpose.len() as u64).to_le_bytes());
    h.update(purpose.as_bytes());
    h.update(&index.to_le_bytes());
    ChaCha8Rng::from_seed(*h.finalize().as_bytes())
}

/// A standard normal draw (Box–Muller).
pub fn normal(rng: &mut impl Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-12);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln()
}

fn pick<'a, T>(rng: &mut impl Rng, weighted: &'a [(T, f64)]) -> &'a T {
    let total: f64 = weighted.iter().map(|(_, w)| w).sum();
    let mut x = rng.random::<f64>() * total;
    for (item, w) in weighted {
        if x < *w {
            return item;
        }
        x -= w;
    }
    &weighted[weighted.len() - 1].0
}

const PARTNER_TYPES: &[(&str, f64)] = &[
    ("social_coop_a", 0.24),
    ("social_coop_b", 0.14),
    ("coop_consortium", 0.05),
    ("odv", 0.12),
    ("aps", 0.08),
    ("association", 0.08),
    ("foundation", 0.04),
    ("volunteer_centre", 0.03),
    ("religious_body", 0.04),
    ("training_agency", 0.05),
    ("municipality", 0.06),
    ("school", 0.04),
    ("asl", 0.03),
];
const CITED_TYPES: &[(&str, f64)] = &[
    ("firm", 0.26),
    ("association", 0.14),
    ("religious_body", 0.12),
    ("school", 0.10),
    ("municipality", 0.10),
    ("other_public", 0.08),
    ("odv", 0.06),
    ("banking_foundation", 0.04),
    ("business_association", 0.06),
    ("other", 0.04),
];
const THIRD_SECTOR_TYPES: &[(&str, f64)] = &[
    ("social_coop_a", 0.3),
    ("social_coop_b", 0.2),
    ("odv", 0.15),
    ("aps", 0.1),
    ("association", 0.15),
    ("training_agency", 0.05),
    ("religious_body", 0.05),
];
const PUBLIC_TYPES: &[(&str, f64)] = &[
    ("school", 0.4),
    ("municipality", 0.3),
    ("other_public", 0.3),
];
const PRIVATE_TYPES: &[(&str, f64)] = &[("firm", 0.8), ("business_association", 0.2)];

const AREA_HEAD: &[&str] = &["Valle", "Colli", "Piana", "Alta Valle", "Terre", "Val"];
const AREA_TAIL: &[&str] = &[
    "Sorana",
    "Ortana",
    "Falcina",
    "Mirasca",
    "Olmeta",
    "Quercina",
    "Aldina",
    "Brunella",
    "Serrina",
    "Vernasca",
    "Dorena",
    "Lucenta",
    "Marzana",
    "Pradella",
    "Rovella",
    "Tassina",
    "Arvina",
    "Brescola",
    "Calvetta",
    "Dorsana",
    "Elvasca",
    "Gabbiana",
    "Lisorna",
    "Morvella",
    "Nevascia",
    "Pratolina",
    "Rivasca",
    "Solvena",
    "Tremona",
    "Ulvesca",
];

/// Builds organisations with globally unique names.
struct Registry {
    orgs: Vec<Org>,
    names: BTreeSet<String>,
    cores: BTreeSet<String>,
    cores_by_territory: BTreeSet<(String, String)>,
    areas: BTreeSet<String>,
    acronyms: BTreeSet<String>,
}

impl Registry {
    fn area(&mut self, rng: &mut impl Rng) -> String {
        for _ in 0..50 {
            let a = format!(
                "{} {}",
                AREA_HEAD.choose(rng).expect("x"),
                AREA_TAIL.choose(rng).expect("x")
            );
            if self.areas.insert(a.clone()) {
                return a;
            }
        }
        let a = format!("{} {}", AREA_TAIL.choose(rng).expect("x"), self.areas.len());
        self.areas.insert(a.clone());
        a
    }

    fn place(&mut self, rng: &mut impl Rng) -> String {
        for _ in 0..50 {
            let p = names::place(rng);
            if self.areas.insert(p.clone()) {
                return p;
            }
        }
        let p = format!("{} {}", names::place(rng), self.areas.len());
        self.areas.insert(p.clone());
        p
    }

    fn core(&mut self, rng: &mut impl Rng, territory: &str) -> String {
        for _ in 0..80 {
            let (core, noun) = names::core(rng);
            let key = (territory.to_string(), noun.to_string());
            if !self.cores_by_territory.contains(&key) && !self.cores.contains(&core) {
                self.cores_by_territory.insert(key);
                self.cores.insert(core.clone());
                return core;
            }
        }
        let (core, _) = names::core(rng);
        format!("{core} di {}", self.place(rng))
    }

    /// An acronym not used by another organisation: "CISSVS", else "CISSVSO", "CISSVSOR", …
    fn unique_acronym(&mut self, base: &str, last_word: &str) -> String {
        let extra: Vec<char> = last_word
            .chars()
            .skip(1)
            .flat_map(char::to_uppercase)
            .collect();
        for n in 0..=extra.len() {
            let candidate: String = base.chars().chain(extra[..n].iter().copied()).collect();
            if self.acronyms.insert(candidate.clone()) {
                return candidate;
            }
        }
        let candidate = format!("{base}{}", self.acronyms.len());
        self.acronyms.insert(candidate.clone());
        candidate
    }

    fn add(
        &mut self,
        rng: &mut impl Rng,
        type_code: &'static str,
        territory: &str,
        area: Option<String>,
    ) -> usize {
        let (name, parts, acronym) = self.make_name(rng, type_code, territory, area);
        let acronym = acronym.map(|a| {
            let last = parts.core.split(' ').next_back().unwrap_or("").to_string();
            self.unique_acronym(&a, &last)
        });
        let name = if self.names.contains(&name) {
            format!("{name} di {}", self.place(rng))
        } else {
            name
        };
        self.names.insert(name.clone());
        let prefix = if vocab::by_code(type_code).is_some_and(|t| t.ente_gestore) {
            "EG"
        } else {
            "ORG"
        };
        let id = format!("{prefix}{:05}", self.orgs.len() + 1);
        self.orgs.push(Org {
            id,
            name,
            type_code,
            territory: territory.to_string(),
            parts,
            acronym,
            projects: Vec::new(),
        });
        self.orgs.len() - 1
    }

    #[allow(clippy::too_many_lines)]
    fn make_name(
        &mut self,
        rng: &mut impl Rng,
        type_code: &'static str,
        territory: &str,
        area: Option<String>,
    ) -> (String, Parts, Option<String>) {
        let alt = |v: &[String]| v.to_vec();
        match type_code {
            "eg_consortium" => {
                let area = area.unwrap_or_else(|| self.area(rng));
                let acr = format!("CISS{}", names::initials(&area));
                let name = format!("Consorzio Intercomunale Servizi Sociali {area}");
                let alts = alt(&[
                    format!("Consorzio Servizi Sociali {area}"),
                    format!("C.I.S.S. {area}"),
                    format!("Consorzio Socio Assistenziale {area}"),
                ]);
                (
                    name,
                    Parts {
                        core: area,
                        alternatives: alts,
                    },
                    Some(acr),
                )
            }
            "eg_mountain_union" => {
                let area = area.unwrap_or_else(|| self.area(rng));
                let acr = format!("UM{}", names::initials(&area));
                let alts = alt(&[
                    format!("Unione Montana dei Comuni {area}"),
                    format!("U.M. {area}"),
                ]);
                (
                    format!("Unione Montana {area}"),
                    Parts {
                        core: area,
                        alternatives: alts,
                    },
                    Some(acr),
                )
            }
            "eg_municipality" | "municipality" => {
                let place = self.place(rng);
                let alts = alt(&[
                    format!("Comune {place}"),
                    format!("Amministrazione Comunale di {place}"),
                    format!("Città di {place}"),
                ]);
                (
                    format!("Comune di {place}"),
                    Parts {
                        core: place,
                        alternatives: alts,
                    },
                    None,
                )
            }
            "asl" => {
                let place = self.place(rng);
                let alts = alt(&[
                    format!("ASL Distretto {place}"),
                    format!("Distretto Sanitario di {place}"),
                ]);
                (
                    format!("Azienda Sanitaria Locale - Distretto di {place}"),
                    Parts {
                        core: place,
                        alternatives: alts,
                    },
                    None,
                )
            }
            "school" => {
                let place = self.place(rng);
                let alts = alt(&[
                    format!("I.C. di {place}"),
                    format!("IC {place}"),
                    format!("Scuola di {place}"),
                ]);
                (
                    format!("Istituto Comprensivo di {place}"),
                    Parts {
                        core: place,
                        alternatives: alts,
                    },
                    None,
                )
            }
            "other_public" => {
                let area = self.area(rng);
                if rng.random_bool(0.5) {
                    let acr = format!("ATC{}", names::initials(&area));
                    let alts = alt(&[format!("ATC {area}"), format!("Agenzia per la Casa {area}")]);
                    (
                        format!("Agenzia Territoriale per la Casa {area}"),
                        Parts {
                            core: area,
                            alternatives: alts,
                        },
                        Some(acr),
                    )
                } else {
                    let alts = alt(&[format!("Centro Impiego {area}"), format!("CPI {area}")]);
                    (
                        format!("Centro per l'Impiego {area}"),
                        Parts {
                            core: area,
                            alternatives: alts,
                        },
                        None,
                    )
                }
            }
            "social_coop_a" | "social_coop_b" => {
                let core = self.core(rng, territory);
                let name = if rng.random_bool(0.5) {
                    format!("{core} Società Cooperativa Sociale")
                } else {
                    format!("Cooperativa Sociale {core} s.c.s. Onlus")
                };
                let alts = alt(&[
                    format!("Coop. Soc. {core}"),
                    format!("{core} cooperativa sociale"),
                    format!("Cooperativa {core}"),
                    format!("{core} s.c.s."),
                    core.clone(),
                ]);
                (
                    name,
                    Parts {
                        core,
                        alternatives: alts,
                    },
                    None,
                )
            }
            "coop_consortium" => {
                let core = self.core(rng, territory);
                let alts = alt(&[
                    format!("Consorzio {core}"),
                    format!("Consorzio di Cooperative {core}"),
                ]);
                (
                    format!("Consorzio {core} Società Cooperativa Sociale"),
                    Parts {
                        core,
                        alternatives: alts,
                    },
                    None,
                )
            }
            "odv" => {
                let core = self.core(rng, territory);
                let alts = alt(&[
                    format!("{core} O.D.V."),
                    format!("Ass. {core}"),
                    core.clone(),
                ]);
                (
                    format!("Associazione di Volontariato {core} ODV"),
                    Parts {
                        core,
                        alternatives: alts,
                    },
                    None,
                )
            }
            "aps" => {
                let core = self.core(rng, territory);
                let alts = alt(&[format!("{core} aps"), format!("Ass. {core}"), core.clone()]);
                (
                    format!("Associazione {core} APS"),
                    Parts {
                        core,
                        alternatives: alts,
                    },
                    None,
                )
            }
            "association" => {
                let core = self.core(rng, territory);
                let alts = alt(&[
                    format!("Ass. {core}"),
                    format!("Associazione {core} ETS"),
                    core.clone(),
                ]);
                (
                    format!("Associazione {core}"),
                    Parts {
                        core,
                        alternatives: alts,
                    },
                    None,
                )
            }
            "foundation" => {
                let core = format!("{} {}", names::surname(rng), self.place(rng));
                let alts = alt(&[format!("Fond. {core}"), format!("Fondazione {core} ETS")]);
                (
                    format!("Fondazione {core} Onlus"),
                    Parts {
                        core,
                        alternatives: alts,
                    },
                    None,
                )
            }
            "volunteer_centre" => {
                let area = self.area(rng);
                let acr = format!("CSV {area}");
                let alts = alt(&[
                    format!("Centro Servizi Volontariato {area}"),
                    format!("C.S.V. {area}"),
                ]);
                (
                    format!("Centro Servizi per il Volontariato {area}"),
                    Parts {
                        core: area,
                        alternatives: alts,
                    },
                    Some(acr),
                )
            }
            "religious_body" => {
                let place = self.place(rng);
                if rng.random_bool(0.5) {
                    let saint = names::saint(rng);
                    let alts = alt(&[
                        format!("Parrocchia S. {saint} {place}"),
                        format!("Parrocchia di {place}"),
                    ]);
                    (
                        format!("Parrocchia San {saint} di {place}"),
                        Parts {
                            core: place,
                            alternatives: alts,
                        },
                        None,
                    )
                } else {
                    let alts = alt(&[format!("Caritas {place}"), format!("Caritas di {place}")]);
                    (
                        format!("Caritas Diocesana di {place}"),
                        Parts {
                            core: place,
                            alternatives: alts,
                        },
                        None,
                    )
                }
            }
            "training_agency" => {
                let core = self.core(rng, territory);
                let alts = alt(&[format!("Agenzia Formativa {core}"), format!("CFP {core}")]);
                (
                    format!("Centro di Formazione Professionale {core}"),
                    Parts {
                        core,
                        alternatives: alts,
                    },
                    None,
                )
            }
            "firm" => {
                let mut core = format!("{} {}", names::surname(rng), names::product(rng));
                for _ in 0..40 {
                    if !self.cores.contains(&core) {
                        break;
                    }
                    core = format!("{} {}", names::surname(rng), names::product(rng));
                }
                if self.cores.contains(&core) {
                    core = format!("{core} {}", self.place(rng));
                }
                self.cores.insert(core.clone());
                let alts = alt(&[
                    core.clone(),
                    format!("{core} srl"),
                    format!("{} S.R.L.", core.to_uppercase()),
                ]);
                (
                    format!("{core} S.r.l."),
                    Parts {
                        core,
                        alternatives: alts,
                    },
                    None,
                )
            }
            "banking_foundation" => {
                let place = self.place(rng);
                let alts = alt(&[
                    format!("Fondazione CR {place}"),
                    format!("Fondazione Cassa di Risparmio {place}"),
                ]);
                (
                    format!("Fondazione Cassa di Risparmio di {place}"),
                    Parts {
                        core: place,
                        alternatives: alts,
                    },
                    None,
                )
            }
            "business_association" => {
                let area = self.area(rng);
                let alts = alt(&[
                    format!("Artigiani {area}"),
                    format!("Ass. Artigiani {area}"),
                ]);
                (
                    format!("Associazione Artigiani {area}"),
                    Parts {
                        core: area,
                        alternatives: alts,
                    },
                    None,
                )
            }
            _ => {
                let core = self.core(rng, territory);
                let alts = alt(&[format!("Comitato {core}"), core.clone()]);
                (
                    format!("Comitato di Quartiere {core}"),
                    Parts {
                        core,
                        alternatives: alts,
                    },
                    None,
                )
            }
        }
    }
}

fn clamp_round(x: f64, lo: usize, hi: usize) -> usize {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let v = x.round().max(0.0) as usize;
    v.clamp(lo, hi)
}

/// Draws the cast of the programme (sequential: organisations are shared between projects).
#[must_use]
pub fn cast(config: &SynthConfig) -> Cast {
    let mut rng = stream(config.synth.seed, "cast", 0);
    let p = &config.programme;
    let mut reg = Registry {
        orgs: Vec::new(),
        names: BTreeSet::new(),
        cores: BTreeSet::new(),
        cores_by_territory: BTreeSet::new(),
        areas: BTreeSet::new(),
        acronyms: BTreeSet::new(),
    };
    let mut projects = Vec::with_capacity(config.synth.projects);
    let width = config.synth.projects.to_string().len().max(2);
    let mut ts_partners_by_project: Vec<Vec<usize>> = Vec::with_capacity(config.synth.projects);
    for index in 0..config.synth.projects {
        let base = &p.territories[index % p.territories.len()];
        let territory = if index < p.territories.len() {
            base.clone()
        } else {
            format!("{base} {}", index / p.territories.len() + 1)
        };
        let code = format!("WCR-{:0width$}", index + 1);
        let lo = p.budget_min_eur / 1000.0;
        let hi = p.budget_max_eur / 1000.0;
        #[allow(clippy::cast_possible_truncation)]
        let budget_eur = (rng.random_range(lo..=hi).round() * 1000.0) as i64;
        // Enti gestori: 1–4 with mean ≈ enti_gestori_mean (2.3).
        let k_eg = *pick(&mut rng, &[(1usize, 0.2), (2, 0.4), (3, 0.3), (4, 0.1)]);
        let mut egs = Vec::new();
        for e in 0..k_eg {
            let t = *pick(
                &mut rng,
                &[
                    ("eg_consortium", 0.6),
                    ("eg_mountain_union", 0.2),
                    ("eg_municipality", 0.2),
                ],
            );
            let area = if e == 0 {
                Some(reg.area(&mut rng))
            } else {
                None
            };
            egs.push(reg.add(&mut rng, t, &territory, area));
        }
        let n_partners = clamp_round(p.formal_partners_mean + 2.0 * normal(&mut rng), 3, 14);
        let mut partners = Vec::new();
        for _ in 0..n_partners {
            let t = *pick(&mut rng, PARTNER_TYPES);
            let sector = vocab::by_code(t).map_or(Sector::Other, |x| x.sector);
            // Partners of the last three projects that may still join one more.
            let reusable: Vec<usize> = ts_partners_by_project[index.saturating_sub(3)..index]
                .iter()
                .flatten()
                .copied()
                .filter(|&o| {
                    let org = &reg.orgs[o];
                    org.projects.len() < p.max_projects_per_third_sector_org
                        && !org.projects.contains(&index)
                })
                .collect();
            let o =
                if sector == Sector::ThirdSector && !reusable.is_empty() && rng.random_bool(0.12) {
                    *reusable.choose(&mut rng).expect("non-empty")
                } else {
                    reg.add(&mut rng, t, &territory, None)
                };
            if !partners.contains(&o) {
                reg.orgs[o].projects.push(index);
                partners.push(o);
            }
        }
        for &e in &egs {
            reg.orgs[e].projects.push(index);
        }
        ts_partners_by_project.push(
            partners
                .iter()
                .copied()
                .filter(|&o| {
                    vocab::by_code(reg.orgs[o].type_code)
                        .is_some_and(|x| x.sector == Sector::ThirdSector)
                })
                .collect(),
        );
        let core = egs.len() + partners.len();
        let n_cited = clamp_round(p.cited_non_partners_mean + 4.0 * normal(&mut rng), 0, 30);
        let n_cited = n_cited.clamp(
            p.network_size_min.saturating_sub(core),
            p.network_size_max.saturating_sub(core + 4),
        );
        let mut cited = Vec::new();
        for _ in 0..n_cited {
            let t = *pick(&mut rng, CITED_TYPES);
            let o = reg.add(&mut rng, t, &territory, None);
            reg.orgs[o].projects.push(index);
            cited.push(o);
        }
        // A mean of 0 means no enlargement at all (the scenario that must not support F4);
        // otherwise every project gains at least one entrant.
        let min_entrants = usize::from(config.dynamics.w2_entrants_mean > 0.0);
        let n_entrants = clamp_round(
            config.dynamics.w2_entrants_mean + 1.5 * normal(&mut rng),
            min_entrants,
            8,
        )
        .min(
            p.network_size_max
                .saturating_sub(core + cited.len())
                .max(min_entrants),
        );
        let mix: Vec<(String, f64)> = config
            .dynamics
            .w2_entrant_sector_mix
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        let mut entrants = Vec::new();
        for _ in 0..n_entrants {
            let sector = pick(&mut rng, &mix).clone();
            let t = match sector.as_str() {
                "third_sector" => *pick(&mut rng, THIRD_SECTOR_TYPES),
                "private" => *pick(&mut rng, PRIVATE_TYPES),
                _ => *pick(&mut rng, PUBLIC_TYPES),
            };
            let o = reg.add(&mut rng, t, &territory, None);
            reg.orgs[o].projects.push(index);
            entrants.push(o);
        }
        let t = &config.network_types;
        let ts_partners: Vec<usize> = partners
            .iter()
            .copied()
            .filter(|&o| {
                vocab::by_code(reg.orgs[o].type_code)
                    .is_some_and(|x| x.sector == Sector::ThirdSector)
            })
            .collect();
        let mut net_type = *pick(
            &mut rng,
            &[
                (NetType::EgCentred, t.eg_centred),
                (NetType::ThirdSectorCentred, t.third_sector_centred),
                (NetType::Polycentric, t.polycentric),
            ],
        );
        if net_type != NetType::EgCentred && ts_partners.len() < 2 {
            net_type = NetType::EgCentred;
        }
        let centres = match net_type {
            NetType::EgCentred => vec![egs[0]],
            NetType::ThirdSectorCentred => vec![*ts_partners.choose(&mut rng).expect("non-empty")],
            NetType::Polycentric => {
                let mut hubs = vec![egs[0]];
                let mut ts = ts_partners.clone();
                let n = if ts.len() >= 3 && rng.random_bool(0.4) {
                    2
                } else {
                    1
                };
                for _ in 0..n {
                    let i = rng.random_range(0..ts.len());
                    hubs.push(ts.remove(i));
                }
                hubs
            }
        };
        projects.push(ProjectCast {
            index,
            code,
            territory,
            budget_eur,
            egs,
            partners,
            cited,
            entrants,
            net_type,
            centres,
        });
    }
    // Published extremes of the grants.
    if projects.len() >= 2 {
        let (imin, imax) = extremes(&projects);
        #[allow(clippy::cast_possible_truncation)]
        {
            projects[imin].budget_eur = p.budget_min_eur as i64;
            projects[imax].budget_eur = p.budget_max_eur as i64;
        }
    }
    let mut orgs = reg.orgs;
    real_pattern_mess(&mut orgs, config.synth.seed);
    Cast { orgs, projects }
}

/// The spelling patterns of real survey exports that plain name variants miss, added after the
/// cast is drawn (from their own streams, so the networks do not change):
/// - numbered siblings: pairs of comprehensive schools of one place, "Istituto Comprensivo
///   Roccaverna 1" / "… 2", written "I.C. Roccaverna II", "IC Roccaverna 2°", "… Secondo";
/// - codes with spacing: each ASL has a province code and number, "ASL AL1", "A.S.L. AL 1",
///   "ASLAL1";
/// - office suffixes: "… - sede di Bra", "… - Distretto Alba", "Comune di X - Servizi Sociali";
/// - namesakes: a parish cited by its saint alone, "Parrocchia San Grato", which names another
///   parish in another territory.
fn real_pattern_mess(orgs: &mut [Org], seed: u64) {
    const ORDINAL: &[&str] = &["Primo", "Secondo", "Terzo", "Quarto"];
    const ROMAN: &[&str] = &["I", "II", "III", "IV"];
    const PROVINCES: &[&str] = &["TO", "CN", "AL", "AT", "BI", "NO", "VC"];
    let town = |t: &str| -> String {
        t.trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ')
            .to_string()
    };
    // Numbered siblings: every other school takes the place of the one before it.
    let schools: Vec<usize> = (0..orgs.len())
        .filter(|&i| orgs[i].type_code == "school")
        .collect();
    for pair in schools.chunks(2) {
        let mut rng = stream(seed, "siblings", pair[0] as u64);
        let numbered = pair.len() == 2 && rng.random_bool(0.6);
        let place = orgs[pair[0]].parts.core.clone();
        for (n, &i) in pair.iter().enumerate() {
            if !numbered {
                continue;
            }
            let k = n + 1;
            let name = format!("Istituto Comprensivo {place} {k}");
            orgs[i].parts = Parts {
                core: place.clone(),
                alternatives: vec![
                    format!("I.C. {place} {}", ROMAN[n]),
                    format!("IC {place} {k}°"),
                    format!("Istituto Comprensivo {place} {}", ORDINAL[n]),
                    format!("I.C. {place} {k}"),
                ],
            };
            orgs[i].name = name;
        }
    }
    // ASL codes.
    let mut next: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, org) in orgs.iter_mut().enumerate() {
        if org.type_code != "asl" {
            continue;
        }
        let mut rng = stream(seed, "asl code", i as u64);
        let prov = *PROVINCES.choose(&mut rng).expect("provinces");
        let n = next.entry(prov).or_insert(0);
        *n += 1;
        let code = format!("{prov}{n}");
        let district = org.parts.core.clone();
        let lower = format!("{}{}", &prov[..1], prov[1..].to_lowercase());
        org.name = format!("Azienda Sanitaria Locale {code}");
        org.parts = Parts {
            core: code.clone(),
            alternatives: vec![
                format!("ASL {code}"),
                format!("A.S.L. {prov} {n}"),
                format!("ASL{code}"),
                format!("ASL {code} - Distretto di {district}"),
                format!("Asl {lower} {n} - Distretto {district}"),
            ],
        };
    }
    // Office suffixes and namesakes.
    for (i, org) in orgs.iter_mut().enumerate() {
        let mut rng = stream(seed, "suffix", i as u64);
        let territory = town(&org.territory);
        let extra = match org.type_code {
            "eg_consortium" | "eg_mountain_union" | "coop_consortium" => rng
                .random_bool(0.5)
                .then(|| format!("{} - sede di {territory}", org.name)),
            "eg_municipality" | "municipality" => rng
                .random_bool(0.5)
                .then(|| format!("Comune di {} - Servizi Sociali", org.parts.core)),
            "social_coop_a" | "social_coop_b" => rng
                .random_bool(0.3)
                .then(|| format!("{} - sede di {territory}", org.parts.core)),
            "religious_body" if org.name.starts_with("Parrocchia San ") => {
                let saint = org
                    .name
                    .trim_start_matches("Parrocchia San ")
                    .split(" di ")
                    .next()
                    .unwrap_or_default()
                    .to_string();
                rng.random_bool(0.5)
                    .then(|| format!("Parrocchia San {saint}"))
            }
            _ => None,
        };
        if let Some(extra) = extra {
            org.parts.alternatives.push(extra);
        }
    }
}

fn extremes(projects: &[ProjectCast]) -> (usize, usize) {
    let imin = (0..projects.len())
        .min_by_key(|&i| (projects[i].budget_eur, i))
        .unwrap_or(0);
    let imax = (0..projects.len())
        .rev()
        .max_by_key(|&i| (projects[i].budget_eur, std::cmp::Reverse(i)))
        .unwrap_or(0);
    if imin == imax {
        (0, projects.len() - 1)
    } else {
        (imin, imax)
    }
}

/// Relations, as in the canonical format.
pub const LAYERS: &[&str] = &[
    "collaboration",
    "information",
    "resources",
    "prior",
    "after",
];

/// An undirected tie (smaller org index first).
pub type Pair = (usize, usize);

fn pair(a: usize, b: usize) -> Pair {
    if a < b {
        (a, b)
    } else {
        (b, a)
    }
}

/// A project's true networks and coding.
#[derive(Debug, Clone)]
pub struct TrueProject {
    pub index: usize,
    /// (wave, layer) → tie → intensity 1–3. Wave 0 holds the `prior` layer; wave 3 the `after` layer.
    pub ties: BTreeMap<(u8, &'static str), BTreeMap<Pair, u8>>,
    /// Ties born during the project (in wave 1 or 2 but not in the prior layer).
    pub born: BTreeSet<Pair>,
    pub social_capital: f64,
    pub outcome: f64,
    pub coding: Coding,
}

/// The case-study coding of a project (projects.csv).
#[derive(Debug, Clone)]
pub struct Coding {
    pub implementation_level: &'static str,
    pub problem_reframing: u8,
    pub new_policy_tools: bool,
    pub prevention_shift: bool,
    pub new_problem_addressed: bool,
    pub unified_management: bool,
    pub protocol_signed: bool,
    pub minors_families_focus: bool,
    pub social_housing_focus: bool,
}

fn sector_of(orgs: &[Org], o: usize) -> Sector {
    vocab::by_code(orgs[o].type_code).map_or(Sector::Other, |t| t.sector)
}

fn is_eg(orgs: &[Org], o: usize) -> bool {
    vocab::by_code(orgs[o].type_code).is_some_and(|t| t.ente_gestore)
}

/// Structural propensity of a pair: high to a centre, low in the periphery.
fn propensity(
    cast: &ProjectCast,
    orgs: &[Org],
    hub_of: &BTreeMap<usize, usize>,
    a: usize,
    b: usize,
) -> f64 {
    let centre_a = cast.centres.contains(&a);
    let centre_b = cast.centres.contains(&b);
    let cited = |o: usize| cast.cited.contains(&o);
    let mut p = match (centre_a, centre_b) {
        (true, true) => 0.9,
        (true, false) | (false, true) => {
            let (hub, other) = if centre_a { (a, b) } else { (b, a) };
            if cast.net_type == NetType::Polycentric && hub_of.get(&other) != Some(&hub) {
                0.15
            } else {
                0.8
            }
        }
        _ => 0.07,
    };
    if sector_of(orgs, a) == sector_of(orgs, b) && !(centre_a || centre_b) {
        p += 0.04;
    }
    if cast.net_type == NetType::Polycentric
        && !(centre_a || centre_b)
        && hub_of.get(&a) == hub_of.get(&b)
    {
        p += 0.08;
    }
    if cited(a) || cited(b) {
        p *= 0.5;
    }
    p
}

/// The intercept of `after` ties that makes the expected share of wave-1 organisations with at
/// least one `after` tie equal `target`, the project-level protocol effect left out (so that it
/// still shifts the share project by project). Bisection on the exact expectation.
fn after_intercept(
    xs: &BTreeMap<Pair, f64>,
    w1_orgs: &BTreeSet<usize>,
    protocol_term: f64,
    target: f64,
) -> f64 {
    let share = |base: f64| -> f64 {
        let mut none: BTreeMap<usize, f64> = w1_orgs.iter().map(|&o| (o, 1.0)).collect();
        for (&(a, b), &x) in xs {
            let p = logistic(base + x - protocol_term);
            for o in [a, b] {
                if let Some(q) = none.get_mut(&o) {
                    *q *= 1.0 - p;
                }
            }
        }
        #[allow(clippy::cast_precision_loss)]
        let n = none.len().max(1) as f64;
        none.values().map(|q| 1.0 - q).sum::<f64>() / n
    };
    let (mut lo, mut hi) = (-12.0, 12.0);
    for _ in 0..50 {
        let mid = 0.5 * (lo + hi);
        if share(mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Draws a project's true networks.
#[allow(clippy::too_many_lines)]
#[must_use]
pub fn project(config: &SynthConfig, cast: &Cast, pc: &ProjectCast) -> TrueProject {
    let mut rng = stream(config.synth.seed, "project", pc.index as u64);
    let orgs = &cast.orgs;
    let d = &config.dynamics;
    let fx: Effects = config.effects_in_force();
    let core: Vec<usize> = pc
        .egs
        .iter()
        .chain(&pc.partners)
        .chain(&pc.cited)
        .copied()
        .collect();
    let mut hub_of = BTreeMap::new();
    for &o in &core {
        if !pc.centres.contains(&o) {
            hub_of.insert(o, *pc.centres.choose(&mut rng).expect("a centre"));
        }
    }
    let social_capital = normal(&mut rng);
    let intensity = |rng: &mut ChaCha8Rng, bonus: bool| -> u8 {
        let w = config.survey.intensity_weights;
        let i = *pick(rng, &[(1u8, w[0]), (2, w[1]), (3, w[2])]);
        if bonus && i < 3 && rng.random_bool(0.3) {
            i + 1
        } else {
            i
        }
    };
    // Prior layer (wave 0).
    let shift = logit(d.prior_density_base) - logit(0.15) + d.prior_density_slope * social_capital;
    let mut prior = BTreeMap::new();
    let mut pairs = Vec::new();
    for (i, &a) in core.iter().enumerate() {
        for &b in &core[i + 1..] {
            pairs.push(pair(a, b));
        }
    }
    for &(a, b) in &pairs {
        let p = logistic(logit(propensity(pc, orgs, &hub_of, a, b)) + shift);
        if rng.random_bool(p.clamp(0.0, 0.97)) {
            prior.insert((a, b), intensity(&mut rng, true));
        }
    }
    // Wave 1: most prior ties carried over, plus project-born ones so the prior share hits its target.
    let target_share = rng.random_range(d.prior_share_w1[0]..=d.prior_share_w1[1]);
    let mut w1 = BTreeMap::new();
    for (&t, &i) in &prior {
        if rng.random_bool(0.85) {
            w1.insert(t, i);
        }
    }
    // Everyone in the network is cited at least once in wave 1.
    let mut born = BTreeSet::new();
    for &o in &core {
        if !w1.keys().any(|&(a, b)| a == o || b == o) {
            let c = if pc.centres.contains(&o) {
                pc.egs
                    .iter()
                    .chain(&pc.partners)
                    .copied()
                    .find(|&x| x != o)
                    .unwrap_or(o)
            } else {
                hub_of[&o]
            };
            if c != o {
                // The tie that brings it in is pre-existing as often as the project's target says.
                let t = pair(o, c);
                let i = intensity(&mut rng, false);
                w1.insert(t, i);
                if let std::collections::btree_map::Entry::Vacant(slot) = prior.entry(t) {
                    if rng.random_bool(target_share) {
                        slot.insert(i);
                    } else {
                        born.insert(t);
                    }
                }
            }
        }
    }
    // Project-born ties so that the pre-existing share hits its target.
    let carried = w1.keys().filter(|t| prior.contains_key(t)).count();
    #[allow(clippy::cast_precision_loss)]
    let want_new =
        (carried as f64 * (1.0 - target_share) / target_share - born.len() as f64).max(0.0);
    let candidates: Vec<(Pair, f64)> = pairs
        .iter()
        .filter(|t| !prior.contains_key(t) && !w1.contains_key(t))
        .map(|&(a, b)| ((a, b), propensity(pc, orgs, &hub_of, a, b)))
        .collect();
    let mass: f64 = candidates.iter().map(|(_, p)| p).sum();
    for (t, p) in &candidates {
        if mass > 0.0 && rng.random_bool((p * want_new / mass).clamp(0.0, 1.0)) {
            w1.insert(*t, intensity(&mut rng, false));
            born.insert(*t);
        }
    }
    // Wave 2: consolidation and partial enlargement.
    let mut w2 = BTreeMap::new();
    for (&t, &i) in &w1 {
        if rng.random_bool(d.w2_keep) {
            w2.insert(t, i);
        }
    }
    let members: Vec<usize> = pc.egs.iter().chain(&pc.partners).copied().collect();
    for &e in &pc.entrants {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let k = (d.w2_new_ties_per_entrant + normal(&mut rng) * 0.7)
            .round()
            .clamp(1.0, 4.0) as usize;
        for j in 0..k {
            let other = if j == 0 || rng.random_bool(0.4) {
                *pc.centres.choose(&mut rng).expect("centre")
            } else {
                *members.choose(&mut rng).expect("member")
            };
            let t = pair(e, other);
            w2.insert(t, intensity(&mut rng, false));
            born.insert(t);
        }
    }
    for &(a, b) in &pairs {
        if !w1.contains_key(&(a, b))
            && rng.random_bool((propensity(pc, orgs, &hub_of, a, b) * 0.1).clamp(0.0, 1.0))
        {
            w2.insert((a, b), intensity(&mut rng, false));
            if !prior.contains_key(&(a, b)) {
                born.insert((a, b));
            }
        }
    }
    // Coding and outcomes (Q1: driven by prior social capital).
    let outcome = fx.outcome_on_social_capital * social_capital + normal(&mut rng);
    let noisy = |rng: &mut ChaCha8Rng, s: f64| outcome + s * normal(rng);
    let reframing = {
        let y = noisy(&mut rng, 0.3);
        u8::from(y > -0.8) + u8::from(y > 0.3) + u8::from(y > 1.2)
    };
    let coding = Coding {
        implementation_level: if outcome > 1.2 {
            "advanced"
        } else if outcome < -1.2 {
            "limited"
        } else {
            "partial"
        },
        problem_reframing: reframing,
        new_policy_tools: noisy(&mut rng, 0.5) > 0.2,
        prevention_shift: noisy(&mut rng, 0.5) > 0.9,
        new_problem_addressed: noisy(&mut rng, 0.5) > 0.5,
        unified_management: rng.random_bool(0.04),
        protocol_signed: rng.random_bool(logistic(-0.5 + 0.7 * outcome)),
        minors_families_focus: rng.random_bool(0.5),
        social_housing_focus: rng.random_bool(0.25),
    };
    // Wave 3: thinning, and survival shaped by the Q2 mechanisms.
    let common = |net: &BTreeMap<Pair, u8>, a: usize, b: usize| -> f64 {
        let nb = |x: usize| -> BTreeSet<usize> {
            net.keys()
                .filter_map(|&(p, q)| {
                    if p == x {
                        Some(q)
                    } else if q == x {
                        Some(p)
                    } else {
                        None
                    }
                })
                .collect()
        };
        #[allow(clippy::cast_precision_loss)]
        let n = nb(a).intersection(&nb(b)).count().min(3) as f64;
        n
    };
    // Tie-level mechanisms (centred within the project so that the configured rates hold in
    // every scenario) plus the project-level protocol effect (centred on its expected share).
    let tie_terms = |t: Pair| -> f64 {
        let (a, b) = t;
        fx.persistence_project_born * f64::from(u8::from(born.contains(&t)))
            + fx.persistence_bridging
                * f64::from(u8::from(sector_of(orgs, a) != sector_of(orgs, b)))
            + fx.persistence_via_ente_gestore
                * f64::from(u8::from(is_eg(orgs, a) || is_eg(orgs, b)))
            + fx.persistence_closure * common(&w2, a, b)
    };
    let protocol_term =
        fx.persistence_protocol * (f64::from(u8::from(coding.protocol_signed)) - 0.4);
    let centred = |set: &BTreeMap<Pair, u8>| -> BTreeMap<Pair, f64> {
        let raw: BTreeMap<Pair, f64> = set.keys().map(|&t| (t, tie_terms(t))).collect();
        #[allow(clippy::cast_precision_loss)]
        let mean = raw.values().sum::<f64>() / raw.len().max(1) as f64;
        raw.into_iter()
            .map(|(t, x)| (t, x - mean + protocol_term))
            .collect()
    };
    let mut w3 = BTreeMap::new();
    for (t, x) in centred(&w2) {
        if rng.random_bool(logistic(logit(d.w3_keep) + x)) {
            w3.insert(t, w2[&t]);
        }
    }
    for (&t, &i) in &prior {
        if !w2.contains_key(&t) && rng.random_bool(d.w3_reactivate_prior) {
            w3.insert(t, i);
        }
    }
    // `after` ties: joint initiatives after the end, among pairs that worked together.
    let mut after_candidates: BTreeMap<Pair, u8> = prior.clone();
    after_candidates.extend(w2.iter().map(|(&t, &i)| (t, i)));
    let w1_orgs: BTreeSet<usize> = w1.keys().flat_map(|&(a, b)| [a, b]).collect();
    let xs = centred(&after_candidates);
    let base = after_intercept(&xs, &w1_orgs, protocol_term, d.after_share_target);
    let mut after = BTreeMap::new();
    for (t, x) in xs {
        if rng.random_bool(logistic(base + x)) {
            after.insert(t, after_candidates[&t]);
        }
    }
    // Information and resources layers ride on collaboration.
    let s = &config.survey;
    let mut ties = BTreeMap::new();
    for (wave, collab) in [(1u8, &w1), (2, &w2), (3, &w3)] {
        let mut info = BTreeMap::new();
        let mut res = BTreeMap::new();
        for (&t, &i) in collab {
            if rng.random_bool(s.information_given_collaboration) {
                info.insert(t, i);
            }
            if rng.random_bool(s.resources_given_collaboration) {
                res.insert(t, i.min(2));
            }
        }
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let extra = (collab.len() as f64 * s.information_only_ties).round() as usize;
        for _ in 0..extra {
            let &(a, b) = pairs.choose(&mut rng).expect("pairs");
            info.entry((a, b)).or_insert(1);
        }
        ties.insert((wave, "collaboration"), collab.clone());
        ties.insert((wave, "information"), info);
        ties.insert((wave, "resources"), res);
    }
    ties.insert((0, "prior"), prior);
    ties.insert((3, "after"), after);
    TrueProject {
        index: pc.index,
        ties,
        born,
        social_capital,
        outcome,
        coding,
    }
}
